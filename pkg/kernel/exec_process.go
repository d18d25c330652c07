package kernel

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"sentry/pkg/signals"
	"sentry/pkg/vfs"
)

// Processes started beside the first one, from outside the sandbox: what
// an OCI runtime's exec verb runs inside a running container (as runsc's
// exec makes a new process in the same kernel). Such a process shares
// everything the sandbox has (filesystem, PID table, network, IPC) and,
// like one runsc starts, has no parent inside the sandbox (getppid is
// 0): it leads its own session and process group, is reaped by the
// kernel itself when it ends, and its orphans go to PID 1. When PID 1
// ends, shutdown kills it with the rest.

// ExecSpec is a process to start in a sandbox.
type ExecSpec struct {
	// Path, when set, is the program, resolved in the sandbox as given
	// (no $PATH search); Argv[0] is then only what it sees as its
	// name. Otherwise Argv[0] is looked up as a shell would.
	Path string
	Argv []string
	Envp []string
	// Cwd is the directory it starts in, resolved in the sandbox from
	// its root ("" is the root).
	Cwd string
	// Stdio become its fds 0, 1 and 2; Exec takes a reference of its
	// own on each.
	Stdio [3]*vfs.File
	// Preserved become its fds 3, 4, ... (exec --preserve-fds); Exec
	// takes a reference of its own on each.
	Preserved []*vfs.File
	// Terminal: Stdio[0] is a host terminal that becomes the
	// controlling terminal of the process's session, with its group in
	// the foreground (runc's exec -t makes its pty the process's
	// controlling terminal), so a shell has job control. The process
	// holds a reference to it until it exits.
	Terminal bool
	// Process, when set, is what the process is made as, exactly as
	// Config.Init makes the first process: its ids, groups, capability
	// sets, umask, rlimits and no_new_privs (an OCI exec's process, with
	// its own capabilities). UID and GID are then ignored.
	Process *InitProcess
	// UID and GID, when set, are its real, effective, saved and
	// filesystem ids (with no supplementary groups, and capabilities as
	// a setuid from the sentry's ids leaves them); otherwise it has the
	// sentry's own ids.
	UID, GID *uint32
}

// ErrNotRunning is Exec's answer once the first process has ended.
var ErrNotRunning = errors.New("the sandbox's first process has ended")

// Process is a process Exec started.
type Process struct {
	tg  *ThreadGroup
	tty *ttyJob // its controlling terminal (ExecSpec.Terminal), or nil
}

// PID is its process ID inside the sandbox.
func (p *Process) PID() int { return p.tg.pid }

// Wait blocks until it has ended and returns how.
func (p *Process) Wait() ExitStatus {
	<-p.tg.done
	return p.tg.exitStatus
}

// Signal sends sig to it from outside the sandbox (SI_USER, as kill(1)
// on the host would); an invalid signal or an ended process is ignored.
// A signal its terminal generates (Ctrl-C, Ctrl-\, Ctrl-Z, a resize),
// when it has one (ExecSpec.Terminal), goes to the terminal's foreground
// group instead, as the terminal would send it (signalForeground's rule).
func (p *Process) Signal(sig int) {
	if !signals.Valid(sig) {
		return
	}
	if p.tty != nil {
		switch sig {
		case signals.SIGINT, signals.SIGQUIT, signals.SIGTSTP, signals.SIGWINCH:
			k := p.tg.k
			k.mu.Lock()
			fg := p.tty.pgrp
			k.mu.Unlock()
			if fg != 0 {
				k.signalGroup(fg, sig)
				return
			}
		}
	}
	_ = p.tg.send(signals.Info{Signo: int32(sig), Code: signals.SIUser}, nil)
}

// Exec starts a new process in the sandbox once its first process
// exists (it waits for Hold, or Run, to have loaded it; a held first
// process need not run yet). A program that cannot be started is an
// *ExecError.
func (k *Kernel) Exec(s ExecSpec) (*Process, error) {
	<-k.initSet
	if len(s.Argv) == 0 {
		return nil, &ExecError{Path: "", Err: errNotFound}
	}
	fs := k.cfg.FS
	cwd := fs.Root()
	if s.Cwd != "" {
		// Unlike the first process's (vfs.Workdir), a missing one is
		// an error, not made: as runc's exec, which fails its chdir.
		d, err := fs.Lookup(cwd, s.Cwd, true)
		if err == nil {
			var st vfs.Stat
			if st, err = fs.StatAt(d, ".", true); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
				err = unix.ENOTDIR
			}
		}
		if err != nil {
			return nil, fmt.Errorf("chdir to cwd %q: %w", s.Cwd, err)
		}
		cwd = d
	}
	prog := s.Argv[0]
	if s.Path != "" {
		prog = s.Path
	}
	path, err := ResolveProgram(fs, cwd, prog, s.Envp)
	if err != nil {
		return nil, err
	}
	if err := s.Process.check(k.cfg.NoFile); err != nil {
		return nil, err
	}
	cr := k.hostIDs
	if s.UID != nil || s.GID != nil {
		c := *cr
		c.Groups = nil
		if s.UID != nil {
			c.RealUID, c.EffectiveUID, c.SavedUID, c.FilesystemUID = *s.UID, *s.UID, *s.UID, *s.UID
		}
		if s.GID != nil {
			c.RealGID, c.EffectiveGID, c.SavedGID, c.FilesystemGID = *s.GID, *s.GID, *s.GID, *s.GID
		}
		// As runc's setuid away from root without keep-caps.
		c.fixCapsForIDs(cr)
		cr = &c
	}
	var tty *ttyJob
	if s.Terminal {
		if f := s.Stdio[0]; f != nil && f.IsTerminal() {
			if _, ok := f.HostFD(); ok {
				tty = &ttyJob{host: f}
			}
		}
		if tty == nil {
			return nil, errors.New("exec: a terminal process needs a host terminal as its stdin")
		}
	}
	type started struct {
		tg  *ThreadGroup
		err error
	}
	ch := make(chan started, 1)
	go func() {
		// As Run's: the task goroutine keeps its OS thread for life.
		runtime.LockOSThread()
		// A process made after shutdown took its list would outlive
		// the sandbox only until the sentry exits, which follows.
		k.mu.Lock()
		ended := k.init.proc.zombie
		k.mu.Unlock()
		if ended {
			ch <- started{err: ErrNotRunning}
			return
		}
		p := procSpec{path: path, argv: s.Argv, envp: s.Envp, cwd: cwd, stdio: s.Stdio, preserved: s.Preserved, creds: cr, umask: 0o022}
		if s.Process != nil {
			k.applyInit(&p, s.Process)
		}
		t, err := k.newProcess(p)
		if err != nil {
			ch <- started{err: err}
			return
		}
		tg := t.tg
		if tty != nil {
			// Before it runs: its first ioctl must find its terminal.
			tty.host.IncRef()
			k.execTTYs.Store(tty.host.Impl(), tty)
			k.mu.Lock()
			k.setCttyLocked(tg, tty)
			k.mu.Unlock()
		}
		ch <- started{tg: tg}
		k.cfg.Strace.Exec(tg.pid, t.tid, path, s.Argv, t.regs.SP()+8*uint64(len(s.Argv)+2), len(s.Envp))
		t.run()
	}()
	st := <-ch
	if st.err != nil {
		return nil, st.err
	}
	return &Process{tg: st.tg, tty: tty}, nil
}
