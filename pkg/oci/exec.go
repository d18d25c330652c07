package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The exec channel: how `sentry exec` reaches a running container. The
// container sentry listens on STATEDIR/ID/exec.sock (made before create
// returns, mode 0600 in the 0700 state directory, so only the user who
// created the container can exec in it; it goes with the directory at
// delete). `sentry exec` connects (SOCK_SEQPACKET: one message is one
// JSON value), sends an execRequest with its three stdio fds and any
// preserved ones attached (SCM_RIGHTS), and gets back execReply values: first the started
// process's PID or an error, then its exit status. Meanwhile it may send
// execSignal values, the signals it received, for the process; with
// KillOnClose its end closing first kills the process. Exec never holds
// the container's flock: a delete meanwhile kills the container sentry,
// which ends the channel.
//
// The process runs in the container's own kernel (kernel.Exec): it is
// a process of the sandbox like the first one, and the host fds it was
// given are only ever used by the sentry on its behalf.

// execSockName is the exec channel's socket in the container's state
// directory.
const execSockName = "exec.sock"

// maxExecMsg bounds one message of the exec channel (a request carries
// the whole environment).
const maxExecMsg = 1 << 20

// maxExecFDs is the most fds one message carries: Linux's SCM_MAX_FD,
// stdio and preserved fds together.
const maxExecFDs = 253

// execRequest is what `sentry exec` asks of the container sentry.
type execRequest struct {
	Args []string `json:"args"`
	// Env is added to the container's process.env (a name set in both
	// takes this value), or replaces it with EnvReplace (--process).
	Env        []string `json:"env,omitempty"`
	EnvReplace bool     `json:"envReplace,omitempty"`
	// Cwd is "" for the container's process.cwd.
	Cwd string  `json:"cwd,omitempty"`
	UID *uint32 `json:"uid,omitempty"`
	GID *uint32 `json:"gid,omitempty"`
	// Process is the --process file's process, whose user,
	// capabilities, rlimits and noNewPrivileges the process gets
	// (execProcess); without it, the container's process's, with
	// UID, GID, AddGroups, AddCaps and NoNewPrivs (exec's flags) over
	// them.
	Process    *specs.Process `json:"process,omitempty"`
	AddGroups  []uint32       `json:"addGroups,omitempty"`
	AddCaps    []string       `json:"addCaps,omitempty"`
	NoNewPrivs bool           `json:"noNewPrivs,omitempty"`
	// Terminal: the stdio fds are one terminal, which becomes the
	// process's controlling terminal (kernel.ExecSpec.Terminal).
	Terminal bool `json:"terminal,omitempty"`
	// Preserved is how many fds the request carries past its three
	// stdio fds (--preserve-fds): they become the process's fds 3, 4,
	// ..., served by the sentry as its stdio is.
	Preserved int `json:"preserved,omitempty"`
	// KillOnClose: the caller stands for the process (exec -d's
	// background copy, whose PID engines hold as the process's), so
	// its end closing the channel first is SIGKILL for the process, as
	// killing the PID runc's exec -d reports kills the process.
	KillOnClose bool `json:"killOnClose,omitempty"`
}

// execReply is one message from the container sentry.
type execReply struct {
	// Pid is set once the process started (its PID in the sandbox).
	Pid int `json:"pid,omitempty"`
	// Error is why it did not start, with the status `sentry exec`
	// exits with (the shell's 126 or 127 for a program that cannot
	// run).
	Error  string `json:"error,omitempty"`
	Status int    `json:"status"`
	// Exited is set on the last message: Status is the process's
	// shell status (128+N for a signal).
	Exited bool `json:"exited,omitempty"`
}

// execSignal is a signal `sentry exec` received, for the process.
type execSignal struct {
	Signal int `json:"signal"`
}

// withSockPath calls fn with a path naming dir/name that fits a
// sockaddr_un (108 bytes): engines' state directories can be longer, and
// then the path goes through /proc/self/fd of the directory.
func withSockPath(dir, name string, fn func(path string) error) error {
	p := filepath.Join(dir, name)
	if len(p) < len(unix.RawSockaddrUnix{}.Path)-1 {
		return fn(p)
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer unix.Close(fd)
	return fn(fmt.Sprintf("/proc/self/fd/%d/%s", fd, name))
}

// listenExec makes the container's exec socket.
func listenExec(dir string) (*net.UnixListener, error) {
	var ln *net.UnixListener
	err := withSockPath(dir, execSockName, func(p string) error {
		os.Remove(p) // a container sentry SIGKILLed before may have left it
		l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: p, Net: "unixpacket"})
		if err != nil {
			return err
		}
		// Engines (and delete) remove the directory; the listener
		// must not unlink a path that /proc/self/fd no longer names.
		l.SetUnlinkOnClose(false)
		ln = l
		return os.Chmod(filepath.Join(dir, execSockName), 0o600)
	})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, fmt.Errorf("exec socket: %w", err)
	}
	return ln, nil
}

// dialExec connects to a container's exec socket.
func dialExec(dir string) (*net.UnixConn, error) {
	var c *net.UnixConn
	err := withSockPath(dir, execSockName, func(p string) error {
		var err error
		c, err = net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: p, Net: "unixpacket"})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("exec socket: %w", err)
	}
	return c, nil
}

func sendJSON(c *net.UnixConn, v any, fds []int) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	_, _, err = c.WriteMsgUnix(data, oob, nil)
	return err
}

// recvJSON reads one message into v, and the fds it carried (closed
// here if there are more than want).
func recvJSON(c *net.UnixConn, v any, want int) ([]int, error) {
	buf := make([]byte, maxExecMsg)
	oob := make([]byte, unix.CmsgSpace(4*want))
	n, oobn, flags, _, err := c.ReadMsgUnix(buf, oob)
	if errors.Is(err, io.EOF) {
		return nil, errExecEOF
	}
	if err != nil {
		return nil, err
	}
	var fds []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			rights, err := unix.ParseUnixRights(&m)
			if err == nil {
				fds = append(fds, rights...)
			}
		}
	}
	closeAll := func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		closeAll()
		return nil, errors.New("exec socket: message too long")
	}
	if n == 0 {
		closeAll()
		return nil, errExecEOF
	}
	if err := json.Unmarshal(buf[:n], v); err != nil {
		closeAll()
		return nil, fmt.Errorf("exec socket: %w", err)
	}
	return fds, nil
}

// errExecEOF is the other end closing the exec channel.
var errExecEOF = errors.New("exec socket closed")

// mergeEnv is base with extra's entries, a name in both taking extra's
// value in base's place (what runc's exec --env does).
func mergeEnv(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, e := range extra {
		name, _, _ := strings.Cut(e, "=")
		replaced := false
		for i, b := range out {
			if n, _, _ := strings.Cut(b, "="); n == name {
				out[i], replaced = e, true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}
