package kernel

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// ExecError is a program the sandbox could not start, reported the way a
// shell reports it, with the shell's status.
type ExecError struct {
	Path string
	Err  error
}

func (e *ExecError) Error() string {
	var errno unix.Errno
	switch {
	case errors.Is(e.Err, errNotFound):
		return e.Path + ": command not found"
	case errors.As(e.Err, &errno) && errno == unix.ENOEXEC:
		return fmt.Sprintf("%s: cannot execute binary file: Exec format error (%v)", e.Path, e.Err)
	case errors.As(e.Err, &errno):
		return e.Path + ": " + capitalize(errno.Error())
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *ExecError) Unwrap() error { return e.Err }

// Status is 127 for a program that is not there and 126 for one that
// cannot run, as POSIX shells report.
func (e *ExecError) Status() int {
	if errors.Is(e.Err, errNotFound) || errors.Is(e.Err, unix.ENOENT) || errors.Is(e.Err, unix.ENOTDIR) {
		return 127
	}
	return 126
}

var errNotFound = errors.New("command not found")

// NotInPath reports a name that has no slash and was not found in PATH.
func (e *ExecError) NotInPath() bool { return errors.Is(e.Err, errNotFound) }

// defaultPath is the search path when the environment gives none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ResolveProgram finds name inside the sandbox the way execvp does: a
// name with a slash is used as it is, anything else is searched in PATH.
// Relative names and PATH entries are relative to cwd, the directory the
// program starts in.
func ResolveProgram(fs *vfs.FS, cwd *vfs.Dentry, name string, env []string) (string, error) {
	if name == "" {
		return "", &ExecError{Path: name, Err: unix.ENOENT}
	}
	if strings.Contains(name, "/") {
		return name, nil
	}
	search := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			search = v
		}
	}
	for _, dir := range strings.Split(search, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		st, err := fs.StatAt(cwd, p, true)
		if err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
			return p, nil
		}
	}
	return "", &ExecError{Path: name, Err: errNotFound}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SignalMessage is what a shell prints when a job dies of sig.
func SignalMessage(sig int) string {
	switch unix.Signal(sig) {
	case unix.SIGINT, unix.SIGPIPE:
		return ""
	case unix.SIGSEGV:
		return "Segmentation fault"
	}
	return capitalize(unix.Signal(sig).String())
}
