package kernel

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Environ builds the first process's environment the way docker builds a
// container's: base (for `sentry run`, the sentry's own environment, as
// `runsc do` passes it), then the variables of each env file in order,
// then vars (the -e flags). A later value of a key replaces an earlier one
// where the earlier one stood. A bare KEY, in a file or in vars, takes
// KEY's value from lookup; when lookup has none, a file's is left out and
// a -e one removes KEY, as docker does. Errors name the bad flag or file
// line.
func Environ(base, envFiles, vars []string, lookup func(string) (string, bool)) ([]string, error) {
	e := newEnvList(base)
	for _, name := range envFiles {
		kvs, err := ReadEnvFile(name, lookup)
		if err != nil {
			return nil, err
		}
		for _, kv := range kvs {
			e.set(kv)
		}
	}
	for _, v := range vars {
		kv, ok, err := envVar(v, lookup)
		if err != nil {
			return nil, err
		}
		if ok {
			e.set(kv)
		} else {
			// Docker drops a key named bare on -e that the client's
			// environment lacks, even one an env file set.
			e.unset(kv)
		}
	}
	return e.list, nil
}

// envVar is one -e value: KEY=VAL as it is, KEY alone from lookup (ok is
// false when lookup has none; kv is then the key).
func envVar(v string, lookup func(string) (string, bool)) (kv string, ok bool, err error) {
	key, _, hasValue := strings.Cut(v, "=")
	if key == "" {
		return "", false, fmt.Errorf("-e %q: no variable name", v)
	}
	if hasValue {
		return v, true, nil
	}
	val, ok := lookup(key)
	if !ok {
		return key, false, nil
	}
	return key + "=" + val, true, nil
}

// ReadEnvFile reads a docker --env-file: one KEY=VAL a line (VAL taken
// literally, quotes and trailing blanks included), leading blanks
// ignored, blank lines and lines starting with # skipped, and a bare KEY
// taking its value from lookup (left out when lookup has none). A line
// with no name before '=', a name holding whitespace, or bytes that are
// not UTF-8 are errors naming the file and line.
func ReadEnvFile(name string, lookup func(string) (string, bool)) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		if !utf8.Valid(raw) {
			return nil, fmt.Errorf("--env-file %s:%d: not UTF-8", name, n)
		}
		line := strings.TrimLeftFunc(string(raw), unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		key, val, hasValue := strings.Cut(line, "=")
		if key == "" {
			return nil, fmt.Errorf("--env-file %s:%d: no variable name before '=' in %q", name, n, line)
		}
		if strings.IndexFunc(key, unicode.IsSpace) >= 0 {
			return nil, fmt.Errorf("--env-file %s:%d: variable name %q contains whitespace", name, n, key)
		}
		if hasValue {
			out = append(out, key+"="+val)
		} else if v, ok := lookup(key); ok {
			out = append(out, key+"="+v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", name, err)
	}
	return out, nil
}

// envList is an environment with one entry per key, in first-set order.
type envList struct {
	list  []string
	index map[string]int
}

func newEnvList(base []string) *envList {
	e := &envList{index: map[string]int{}}
	for _, kv := range base {
		e.set(kv)
	}
	return e
}

func (e *envList) set(kv string) {
	key, _, _ := strings.Cut(kv, "=")
	if i, ok := e.index[key]; ok {
		e.list[i] = kv
		return
	}
	e.index[key] = len(e.list)
	e.list = append(e.list, kv)
}

func (e *envList) unset(key string) {
	i, ok := e.index[key]
	if !ok {
		return
	}
	e.list = append(e.list[:i], e.list[i+1:]...)
	delete(e.index, key)
	for k, j := range e.index {
		if j > i {
			e.index[k] = j - 1
		}
	}
}

// WithPWD returns env with an inherited PWD replaced by dir, the directory
// the program starts in: a PWD naming the sentry's own directory would
// be wrong inside a sandbox started elsewhere (-w, --root). An env
// without PWD is returned as it is.
func WithPWD(env []string, dir string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		if strings.HasPrefix(kv, "PWD=") {
			kv = "PWD=" + dir
		}
		out[i] = kv
	}
	return out
}
