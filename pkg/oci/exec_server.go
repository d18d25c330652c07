package oci

import (
	"errors"
	"fmt"
	"io"
	"net"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/kernel"
	"sentry/pkg/vfs"
)

// serveExec runs in the container sentry: each connection to the exec
// socket is one process started in k (see exec.go). It returns when ln
// is closed.
func serveExec(ln *net.UnixListener, k *kernel.Kernel, sb *Sandbox, warn io.Writer) {
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(warn, "sentry: exec socket: %v\n", err)
			}
			return
		}
		go func() {
			defer c.Close()
			if err := serveExecConn(c, k, sb); err != nil {
				fmt.Fprintf(warn, "sentry: exec: %v\n", err)
			}
		}()
	}
}

func serveExecConn(c *net.UnixConn, k *kernel.Kernel, sb *Sandbox) error {
	if err := samePeer(c); err != nil {
		return err
	}
	var req execRequest
	fds, err := recvJSON(c, &req, maxExecFDs)
	if err != nil {
		return err
	}
	if req.Preserved < 0 || len(fds) != 3+req.Preserved {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return sendJSON(c, execReply{Error: "exec: the request must carry three stdio fds and the preserved ones", Status: 1}, nil)
	}
	// The files own the fds from here: each closes its own when the
	// last process holding it is gone.
	var stdio [3]*vfs.File
	for i, name := range []string{"stdin", "stdout", "stderr"} {
		stdio[i] = epoll.NewOwnedHostFile(fds[i], name)
	}
	preserved := make([]*vfs.File, req.Preserved)
	for i := range preserved {
		preserved[i] = epoll.NewOwnedHostFile(fds[3+i], fmt.Sprintf("preserved fd %d", 3+i))
	}
	env := req.Env
	if !req.EnvReplace {
		env = mergeEnv(sb.Env, req.Env)
	}
	cwd := req.Cwd
	if cwd == "" {
		cwd = sb.Cwd
	}
	proc, err := sb.execProcess(req)
	if err != nil {
		for _, f := range append(stdio[:], preserved...) {
			f.DecRef()
		}
		return sendJSON(c, execReply{Error: err.Error(), Status: 1}, nil)
	}
	p, err := k.Exec(kernel.ExecSpec{Argv: req.Args, Envp: env, Cwd: cwd, Stdio: stdio, Preserved: preserved, Process: proc, Terminal: req.Terminal})
	for _, f := range append(stdio[:], preserved...) {
		f.DecRef()
	}
	if err != nil {
		status := 1
		var ee *kernel.ExecError
		if errors.As(err, &ee) {
			status, err = ee.Status(), runcExecError(ee)
		}
		if errors.Is(err, kernel.ErrNotRunning) {
			err = errors.New("cannot exec in a stopped container")
		}
		return sendJSON(c, execReply{Error: err.Error(), Status: status}, nil)
	}
	if err := sendJSON(c, execReply{Pid: p.PID()}, nil); err != nil {
		// The caller is gone; the process runs on, as one runc
		// started would, unless the caller stood for it.
		if req.KillOnClose {
			p.Signal(int(unix.SIGKILL))
		}
		return nil
	}
	ended := make(chan struct{})
	go func() {
		// Signals `sentry exec` received, until it closes its end
		// (or the process ended and this end was closed: that read
		// fails with net.ErrClosed, not errExecEOF).
		for {
			var s execSignal
			if _, err := recvJSON(c, &s, 0); err != nil {
				select {
				case <-ended:
				default:
					if errors.Is(err, errExecEOF) && req.KillOnClose {
						p.Signal(int(unix.SIGKILL))
					}
				}
				return
			}
			p.Signal(s.Signal)
		}
	}()
	st := p.Wait()
	close(ended)
	_ = sendJSON(c, execReply{Exited: true, Status: st.ShellStatus()}, nil)
	return nil
}

// runcExecError says why a program could not start in runc's words,
// which engines match to choose their own status (podman: "executable
// file not found" or "no such file or directory" is 127, "permission
// denied" 126).
func runcExecError(ee *kernel.ExecError) error {
	reason := "executable file not found in $PATH"
	var errno unix.Errno
	if !ee.NotInPath() {
		if errors.As(ee.Err, &errno) {
			reason = errno.Error()
		} else {
			reason = ee.Err.Error()
		}
	}
	return fmt.Errorf("exec failed: unable to start container process: exec: %q: %s", ee.Path, reason)
}

// samePeer refuses a peer that is neither this process's user nor root.
// The socket's mode already says so; this holds if the state directory's
// modes were loosened.
func samePeer(c *net.UnixConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("exec socket: peer credentials: %w", cerr)
	}
	if cred.Uid != 0 && int(cred.Uid) != unix.Getuid() {
		return fmt.Errorf("exec socket: refused pid %d of uid %d", cred.Pid, cred.Uid)
	}
	return nil
}
