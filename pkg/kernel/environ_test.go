package kernel

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnviron(t *testing.T) {
	lookup := func(k string) (string, bool) {
		v, ok := map[string]string{"HOSTVAR": "host value"}[k]
		return v, ok
	}
	dir := t.TempDir()
	n := 0
	file := func(body string) string {
		n++
		p := filepath.Join(dir, fmt.Sprintf("%d.env", n))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name  string
		base  []string
		files []string
		vars  []string
		want  string // entries joined by |
		err   string
	}{
		{name: "base only", base: []string{"A=1", "B=2"}, want: "A=1|B=2"},
		{name: "duplicate base key keeps the last value in the first place", base: []string{"A=1", "B=2", "A=3"}, want: "A=3|B=2"},
		{name: "-e replaces in place and appends", base: []string{"A=1", "B=2"}, vars: []string{"A=x", "C=y"}, want: "A=x|B=2|C=y"},
		{name: "bare -e copies", vars: []string{"HOSTVAR"}, want: "HOSTVAR=host value"},
		{name: "bare -e unset is left out", base: []string{"A=1"}, vars: []string{"NOPE"}, want: "A=1"},
		{name: "bare -e unset removes a file's value", base: []string{"A=1"}, files: []string{file("NOPE=f\nB=2\n")}, vars: []string{"NOPE", "C=3"}, want: "A=1|B=2|C=3"},
		{name: "-e without name", vars: []string{"=v"}, err: "no variable name"},
		{name: "empty value", vars: []string{"E="}, want: "E="},
		{name: "file then -e", files: []string{file("\ufeff# c\n\n \tK=file\nHOSTVAR\nNOPE\nV= spaced \r\n")}, vars: []string{"K=flag"},
			want: "K=flag|HOSTVAR=host value|V= spaced "},
		{name: "no name in file", files: []string{file("A=1\n=2\n")}, err: ":2: no variable name"},
		{name: "blank in name", files: []string{file("A B=1\n")}, err: ":1: variable name \"A B\" contains whitespace"},
		{name: "not utf-8", files: []string{file("A=\xff\n")}, err: ":1: not UTF-8"},
		{name: "missing file", files: []string{filepath.Join(dir, "none")}, err: "no such file"},
	} {
		got, err := Environ(c.base, c.files, c.vars, lookup)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, strings.Join(got, "|"), err, c.want)
		}
	}
}

func TestWithPWD(t *testing.T) {
	if got := strings.Join(WithPWD([]string{"A=1", "PWD=/home/u", "B=2"}, "/srv"), "|"); got != "A=1|PWD=/srv|B=2" {
		t.Errorf("inherited PWD: %q", got)
	}
	if got := strings.Join(WithPWD([]string{"A=1"}, "/srv"), "|"); got != "A=1" {
		t.Errorf("no PWD: %q", got)
	}
}
