package oci

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// fifoName is the exec FIFO: the container sentry blocks opening it for
// writing until start opens it for reading (runc's exec.fifo).
const fifoName = "exec.fifo"

// readyOK is what the container sentry writes on its ready pipe once the
// sandbox and program are loaded; anything else is its error.
const readyOK = "ok"

// CreateOptions is the `create` verb's input.
type CreateOptions struct {
	ID      string
	Bundle  string
	PidFile string
	// ConsoleSocket receives the terminal's master when process.terminal
	// is set (and is refused when it is not, as runc).
	ConsoleSocket string
	// Init is the container sentry's command line (the sentry binary and
	// its hidden init verb); create appends the bundle, the state
	// directory and the ID.
	Init []string
	// PreserveFDs: the caller's fds 3 .. 3+PreserveFDs-1 become the
	// program's fds 3, ... (runc's --preserve-fds), host files the
	// container sentry serves, never fds the program holds. The
	// container sentry gets them at the same numbers, and its ready
	// pipe after them (Boot).
	PreserveFDs int
}

// Create is the `create` verb: it starts the container sentry, waits
// until it has loaded the sandbox and program, and records its state.
// On any error nothing is left under the store.
func (s Store) Create(o CreateOptions) (err error) {
	b, err := LoadBundle(o.Bundle)
	if err != nil {
		return err
	}
	if _, err := b.Translate(); err != nil {
		return err
	}
	terminal := b.Spec.Process.Terminal
	switch {
	case terminal && o.ConsoleSocket == "":
		return errors.New("cannot allocate tty if runc will detach without setting console socket")
	case !terminal && o.ConsoleSocket != "":
		return errors.New("cannot use console socket if runc will not detach or allocate tty")
	}
	if o.PreserveFDs < 0 {
		return fmt.Errorf("--preserve-fds %d: must not be negative", o.PreserveFDs)
	}
	if err := checkFDs(3, o.PreserveFDs); err != nil {
		return err
	}
	dir, err := s.dir(o.ID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrExist
		}
		return fmt.Errorf("state directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return err
	}
	if err := unix.Mkfifo(filepath.Join(dir, fifoName), 0o600); err != nil {
		return fmt.Errorf("exec fifo: %w", err)
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return err
	}
	defer rd.Close()
	cmd := exec.Command(o.Init[0], append(o.Init[1:], b.Dir, s.Root, o.ID, strconv.Itoa(o.PreserveFDs))...)
	// The engine's fds become the application's stdio.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for i := range o.PreserveFDs {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(3+i), "preserved"))
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, wr)
	// Its own session: the container outlives create and a terminal's
	// job control.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if terminal {
		slave, err := openConsole(o.ConsoleSocket, b.Spec.Process.ConsoleSize)
		if err != nil {
			wr.Close()
			return err
		}
		defer slave.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr.Setctty = true
		cmd.SysProcAttr.Ctty = 0
	}
	err = startIn(cmd, b.Spec, s.warn)
	wr.Close()
	if err != nil {
		return fmt.Errorf("start container sentry: %w", err)
	}
	msg, _ := io.ReadAll(rd)
	if string(msg) != readyOK {
		cmd.Process.Kill()
		werr := cmd.Wait()
		if len(msg) == 0 {
			return fmt.Errorf("container sentry: %v", werr)
		}
		return errors.New(string(msg))
	}
	st, ok := procStat(cmd.Process.Pid)
	if !ok {
		cmd.Wait()
		return errors.New("container sentry exited before create returned")
	}
	r := &record{
		ID: o.ID, Pid: cmd.Process.Pid, StartTime: st.start,
		Bundle: b.Dir, Rootfs: b.RootPath(), Created: time.Now().UTC(),
		Annotations: b.Spec.Annotations, Hooks: b.Spec.Hooks,
	}
	if b.Spec.Linux != nil {
		r.CgroupsPath = b.Spec.Linux.CgroupsPath
	}
	if err := writeRecord(dir, r); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	if h := b.Spec.Hooks; h != nil {
		// prestart (deprecated), createRuntime and createContainer run
		// once the runtime environment exists and before the program
		// starts, in this order, while create runs (state "creating",
		// as runc's); hooks.go says where each runs.
		st := r.state(dir)
		st.Status = specs.StateCreating
		for _, k := range []struct {
			name  string
			hooks []specs.Hook
		}{{"prestart", h.Prestart}, {"createRuntime", h.CreateRuntime}, {"createContainer", h.CreateContainer}} {
			if err := runHooks(k.name, k.hooks, st); err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				return err
			}
		}
	}
	if o.PidFile != "" {
		if err := writeFileAtomic(o.PidFile, []byte(strconv.Itoa(r.Pid))); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("pid file: %w", err)
		}
	}
	// Not waited for: the engine (or init) reaps it.
	cmd.Process.Release()
	return nil
}

// Start is the `start` verb: it lets a created container's program run.
func (s Store) Start(id string) error {
	l, err := s.lock(id)
	if err != nil {
		return err
	}
	defer l.unlock()
	r, err := l.read()
	if err != nil {
		return err
	}
	switch r.status(l.dir) {
	case specs.StateStopped:
		return errors.New("cannot start a container that has stopped")
	case specs.StateRunning:
		return errors.New("cannot start an already running container")
	}
	fifo := filepath.Join(l.dir, fifoName)
	// Non-blocking, so a container sentry that died meanwhile cannot
	// hang start: reads return EOF until it opens its end.
	f, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("exec fifo: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 1)
	for {
		n, _ := unix.Read(int(f.Fd()), buf)
		if n == 1 {
			break
		}
		if !r.alive() {
			os.Remove(fifo)
			return errors.New("cannot start a container that has stopped")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Then until the container sentry closes its end: it has run the
	// startContainer hooks and lets the program run (or stops), so
	// poststart follows them, as the runtime spec orders.
	for {
		n, err := unix.Read(int(f.Fd()), buf)
		if n == 0 && err == nil || !r.alive() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := os.Remove(fifo); err != nil {
		return err
	}
	if r.Hooks != nil {
		if err := runHooks("poststart", r.Hooks.Poststart, r.state(l.dir)); err != nil {
			s.warn(err.Error())
		}
	}
	return nil
}

// ParseSignal accepts what runc's kill does: KILL, SIGKILL, 9.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal: %s", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if n := unix.SignalNum(name); n != 0 {
		return n, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// Kill is the `kill` verb: the signal goes to the container sentry, which
// forwards it to the application once started (SIGKILL ends the whole
// sandbox).
func (s Store) Kill(id string, sig unix.Signal) error {
	l, err := s.lock(id)
	if err != nil {
		return err
	}
	defer l.unlock()
	r, err := l.read()
	if err != nil {
		return err
	}
	if !r.alive() {
		return ErrNotRun
	}
	if err := unix.Kill(r.Pid, sig); err != nil {
		return fmt.Errorf("kill %s: %w", id, err)
	}
	return nil
}

// Delete is the `delete` verb. A created container is killed, as runc
// does; a running one only with force.
func (s Store) Delete(id string, force bool) error {
	l, err := s.lock(id)
	if err != nil {
		return err
	}
	defer l.unlock()
	r, err := l.read()
	if err != nil {
		return err
	}
	switch st := r.status(l.dir); st {
	case specs.StateRunning:
		if !force {
			return fmt.Errorf("cannot delete container %s that is not stopped: %s", id, st)
		}
		fallthrough
	case specs.StateCreated:
		if err := killWait(r); err != nil {
			return err
		}
	}
	if r.Hooks != nil {
		if err := runHooks("poststop", r.Hooks.Poststop, r.state(l.dir)); err != nil {
			s.warn(err.Error())
		}
	}
	removeCgroups(r.CgroupsPath)
	return os.RemoveAll(l.dir)
}

// killWait SIGKILLs the container sentry and waits until it is gone (or
// a zombie its parent has yet to reap). SIGKILL cannot be refused, so
// this ends; the bound only guards against a host in trouble.
func killWait(r *record) error {
	if err := unix.Kill(r.Pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("kill %s: %w", r.ID, err)
	}
	for i := 0; r.alive(); i++ {
		if i > 60000 {
			return fmt.Errorf("container sentry %d of %s survived SIGKILL", r.Pid, r.ID)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
