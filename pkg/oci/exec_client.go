package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ExecOptions is the `exec` verb's input.
type ExecOptions struct {
	ID string
	// Args, Env (added to the container's), Cwd, UID and GID describe
	// the process; Process, a runtime-spec process JSON file
	// (--process), replaces them all.
	Args     []string
	Env      []string
	Cwd      string
	UID, GID *uint32
	// AddGroups, AddCaps and NoNewPrivs are runc exec's
	// --additional-gids, --cap and --no-new-privs: over the container's
	// process's, as UID and GID are.
	AddGroups  []uint32
	AddCaps    []string
	NoNewPrivs bool
	Process    string
	// Terminal gives the process a terminal: a new host pseudo-terminal
	// whose master goes to ConsoleSocket, or without one the caller's
	// own stdio (the terminal it runs on).
	Terminal      bool
	ConsoleSocket string
	// Detach: the caller returns once the process started (Started is
	// then its cue) rather than when it ends; the process Exec waits
	// for then stands for it, and its death kills the process.
	Detach bool
	// PidFile receives the PID of the process calling Exec: the one
	// whose exit status is the exec'd process's, which engines wait on
	// (the process itself runs in the sandbox, not on the host).
	PidFile string
	// PreserveFDs: this process's fds 3 .. 3+PreserveFDs-1 become the
	// process's fds 3, ... (runc's --preserve-fds), host files the
	// container sentry serves, never fds the process holds.
	PreserveFDs int
	// Started, if set, is called once the process runs.
	Started func()
}

// forwardedExecSignals are passed on to the exec'd process, as runc's
// exec forwards what it receives (SIGTSTP too, which would otherwise
// stop exec itself: for a process with a terminal it is Ctrl-Z, for its
// foreground group).
var forwardedExecSignals = []os.Signal{
	syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGTSTP,
}

// Exec is the `exec` verb: it runs a new process inside the created or
// running container's sandbox, with the caller's stdio (or a terminal), and
// returns its shell status once it ends (128+N for a signal). A process
// that could not start is an ExecFailed with the status to exit with.
func (s Store) Exec(o ExecOptions) (int, error) {
	req := execRequest{Args: o.Args, Env: o.Env, Cwd: o.Cwd, UID: o.UID, GID: o.GID,
		AddGroups: o.AddGroups, AddCaps: o.AddCaps, NoNewPrivs: o.NoNewPrivs}
	var size *specs.Box
	if o.Process != "" {
		p, err := readProcess(o.Process)
		if err != nil {
			return 1, err
		}
		// As runc's: the file is the whole process, flags aside.
		req = execRequest{Args: p.Args, Env: p.Env, EnvReplace: true, Cwd: p.Cwd, Process: p}
		o.Terminal = o.Terminal || p.Terminal
		size = p.ConsoleSize
	}
	if len(req.Args) == 0 {
		return 1, errors.New("exec: process args cannot be empty")
	}
	if o.PreserveFDs < 0 || 3+o.PreserveFDs > maxExecFDs {
		return 1, fmt.Errorf("exec: --preserve-fds %d: from 0 to %d", o.PreserveFDs, maxExecFDs-3)
	}
	switch {
	case o.Terminal && o.Detach && o.ConsoleSocket == "":
		return 1, errors.New("cannot allocate tty if runc will detach without setting console socket")
	case !o.Terminal && o.ConsoleSocket != "":
		return 1, errors.New("cannot use console socket if runc will not detach or allocate tty")
	}
	st, err := s.State(o.ID)
	if err != nil {
		return 1, err
	}
	// A created container's sandbox serves exec already (its program
	// is held until start), as runc's does.
	if st.Status == specs.StateStopped {
		return 1, errors.New("cannot exec in a stopped container")
	}
	dir, err := s.dir(o.ID)
	if err != nil {
		return 1, err
	}
	c, err := dialExec(dir)
	if err != nil {
		return 1, err
	}
	defer c.Close()
	stdio := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	if o.Terminal && o.ConsoleSocket != "" {
		slave, err := openConsole(o.ConsoleSocket, size)
		if err != nil {
			return 1, err
		}
		defer slave.Close()
		stdio = []*os.File{slave, slave, slave}
		// As the terminal's controlling process (where this process
		// can lead a session: -d's background copy always can), a
		// resize of the master reaches it as SIGWINCH, which goes on
		// to the process below. The process itself is in the sandbox,
		// where no host terminal can signal it.
		_, _ = unix.Setsid()
		_ = unix.IoctlSetInt(int(slave.Fd()), unix.TIOCSCTTY, 0)
	}
	// A terminal the process gets is its controlling terminal; -t on
	// stdio that is no terminal gives it none (it has none to control).
	if o.Terminal {
		_, err := unix.IoctlGetTermios(int(stdio[0].Fd()), unix.TCGETS)
		req.Terminal = err == nil
	}
	fds := make([]int, len(stdio), len(stdio)+o.PreserveFDs)
	for i, f := range stdio {
		fds[i] = int(f.Fd())
	}
	for i := range o.PreserveFDs {
		fds = append(fds, 3+i)
	}
	req.Preserved = o.PreserveFDs
	if err := checkFDs(3, o.PreserveFDs); err != nil {
		return 1, err
	}
	// Caught from before the process starts, so none that arrives
	// while it does kills this process instead of reaching it.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, forwardedExecSignals...)
	defer signal.Stop(sigs)
	req.KillOnClose = o.Detach
	if err := sendJSON(c, req, fds); err != nil {
		return 1, fmt.Errorf("exec socket: %w", err)
	}
	var rep execReply
	if _, err := recvJSON(c, &rep, 0); err != nil {
		return 1, fmt.Errorf("exec: the container sentry did not answer: %w", err)
	}
	if rep.Error != "" {
		return rep.Status, ExecFailed{Msg: rep.Error, Status: rep.Status}
	}
	if o.PidFile != "" {
		if err := writeFileAtomic(o.PidFile, []byte(strconv.Itoa(os.Getpid()))); err != nil {
			return 1, fmt.Errorf("pid file: %w", err)
		}
	}
	if o.Started != nil {
		o.Started()
	}
	go func() {
		for sig := range sigs {
			if n, ok := sig.(syscall.Signal); ok {
				_ = sendJSON(c, execSignal{Signal: int(n)}, nil)
			}
		}
	}()
	if _, err := recvJSON(c, &rep, 0); err != nil || !rep.Exited {
		// The container sentry ended first: its processes, this one
		// too, died with it.
		return 128 + int(syscall.SIGKILL), errors.New("exec: the container stopped while the process ran")
	}
	return rep.Status, nil
}

// ExecFailed is a process exec could not start: Msg for the user,
// Status to exit with.
type ExecFailed struct {
	Msg    string
	Status int
}

func (e ExecFailed) Error() string { return e.Msg }

func readProcess(name string) (*specs.Process, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("process %s: %w", name, err)
	}
	return &p, nil
}

// checkFDs says which of the n fds from first on is not open, for
// --preserve-fds.
func checkFDs(first, n int) error {
	for fd := first; fd < first+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return fmt.Errorf("--preserve-fds: fd %d: %w", fd, err)
		}
	}
	return nil
}
