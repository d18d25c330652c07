package oci

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/kernel"
	"sentry/pkg/netstack"
	"sentry/pkg/platform"
	"sentry/pkg/vfs"
)

// ChoosePlatform picks the platform for the program at path (cmd/sentry
// owns that choice, shared with `sentry run`).
type ChoosePlatform func(fs *vfs.FS, cwd *vfs.Dentry, path string) (platform.Platform, error)

// Boot is the container sentry: it loads the bundle's sandbox and
// program (PID 1, held), opens the exec socket (exec.go) and serves
// execs from then on, says so on ready (readyOK, or the error), waits
// for start on the exec FIFO, then lets the program run and returns its
// shell status (128+N for a signal). warn receives what the config asks that the
// sentry does not apply. The container sentry's fds 3 .. 3+preserved-1
// are create's --preserve-fds, the program's fds 3, ...
func Boot(bundle, stateRoot, id string, preserved int, ready io.WriteCloser, choose ChoosePlatform, warn io.Writer) (int, error) {
	k, path, sb, err := load(bundle, preserved, choose, warn)
	if err != nil {
		fmt.Fprint(ready, err.Error())
		ready.Close()
		return 1, ReportedError{err}
	}
	defer k.Close()
	ln, err := listenExec(filepath.Join(stateRoot, id))
	if err != nil {
		fmt.Fprint(ready, err.Error())
		ready.Close()
		return 1, ReportedError{err}
	}
	defer ln.Close()
	// The program is PID 1 from here, held until start, as runc's init
	// waits on the FIFO: exec works in a created container.
	held, err := k.Hold(path, sb.Args, sb.Env)
	if err != nil {
		fmt.Fprint(ready, err.Error())
		ready.Close()
		return 1, ReportedError{err}
	}
	go serveExec(ln, k, sb, warn)
	if _, err := io.WriteString(ready, readyOK); err != nil {
		return 1, err
	}
	ready.Close()
	// Blocks until start opens the FIFO for reading.
	f, err := os.OpenFile(filepath.Join(stateRoot, id, fifoName), os.O_WRONLY, 0)
	if err != nil {
		return 1, fmt.Errorf("exec fifo: %w", err)
	}
	if _, err = f.Write([]byte{0}); err != nil {
		f.Close()
		return 1, fmt.Errorf("exec fifo: %w", err)
	}
	// start waits for the FIFO to close, as runc's start returns once
	// its init execs the program: the startContainer hooks run first.
	st := sb.HookState
	st.ID = id
	err = runSandboxHooks(k, sb.StartHooks, st)
	f.Close()
	if err != nil {
		// The program never runs; the container stops.
		return 1, err
	}
	// A process.terminal container's stdio is its own pseudo-terminal.
	defer kernel.KeepHostTerminal()()
	defer k.ForwardHostSignals()()
	return held.Run().ShellStatus(), nil
}

// ReportedError is a failure Boot has already sent to create, which
// reports it: the container sentry says nothing more.
type ReportedError struct{ Err error }

func (e ReportedError) Error() string { return e.Err.Error() }
func (e ReportedError) Unwrap() error { return e.Err }

func load(bundle string, preserved int, choose ChoosePlatform, warn io.Writer) (*kernel.Kernel, string, *Sandbox, error) {
	b, err := LoadBundle(bundle)
	if err != nil {
		return nil, "", nil, err
	}
	sb, err := b.Translate()
	if err != nil {
		return nil, "", nil, err
	}
	for _, w := range sb.Ignored {
		fmt.Fprintf(warn, "sentry: config.json: not applied: %s\n", w)
	}
	fs, err := vfs.New(sb.FS)
	if err != nil {
		return nil, "", nil, err
	}
	for _, f := range sb.Files {
		if err := copyIn(fs, f); err != nil {
			return nil, "", nil, err
		}
	}
	cwd, err := fs.Workdir(sb.Cwd)
	if err != nil {
		return nil, "", nil, fmt.Errorf("process.cwd %s: %w", sb.Cwd, err)
	}
	if sb.ReadOnlyRoot {
		fs.SetRootReadOnly()
	}
	path, err := kernel.ResolveProgram(fs, cwd, sb.Args[0], sb.Env)
	if err != nil {
		return nil, "", nil, err
	}
	plat, err := choose(fs, cwd, path)
	if err != nil {
		return nil, "", nil, err
	}
	mode, err := bootMode()
	if err != nil {
		return nil, "", nil, err
	}
	// Owned: the program closing its last copy closes the host fd, so
	// the other end sees EOF as it would with runc.
	pres := make([]*vfs.File, preserved)
	for i := range pres {
		fd := 3 + i
		unix.CloseOnExec(fd)
		pres[i] = epoll.NewOwnedHostFile(fd, fmt.Sprintf("preserved fd %d", fd))
	}
	k, err := kernel.New(kernel.Config{
		FS:       fs,
		Platform: plat,
		VDSO:     true,
		Stdio: [3]*vfs.File{
			epoll.NewHostStdio(0, "stdin"),
			epoll.NewHostStdio(1, "stdout"),
			epoll.NewHostStdio(2, "stderr"),
		},
		Preserved:      pres,
		Warn:           warn,
		Hostname:       sb.Hostname,
		Domainname:     sb.Domainname,
		Init:           sb.Init,
		Restrict:       sb.Restrict,
		UIDMap:         sb.UIDMap,
		GIDMap:         sb.GIDMap,
		Sysctl:         sb.Sysctl,
		Cwd:            cwd,
		IgnoredSignals: kernel.HostIgnoredSignals(),
		NoFile:         sb.NoFile,
		// create started this process in the container's network
		// namespace (netns.go): the engine's network is the sandbox's.
		Net: netstack.NewStackMode(mode),
	})
	if err != nil {
		return nil, "", nil, err
	}
	return k, path, sb, nil
}

// copyIn puts the host file f.Host at f.Guest in the sandbox (see
// Sandbox.Files), creating its directory as a mount point would need.
func copyIn(fs *vfs.FS, f vfs.Volume) error {
	data, err := os.ReadFile(f.Host)
	if err != nil {
		return fmt.Errorf("bind mount %s: %w", f.Guest, err)
	}
	if _, err := fs.Workdir(filepath.Dir(f.Guest)); err != nil {
		return fmt.Errorf("bind mount %s: %w", f.Guest, err)
	}
	mode := uint32(0o644)
	if f.ReadOnly {
		mode = 0o444
	}
	file, err := fs.OpenAt(nil, f.Guest, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("bind mount %s: %w", f.Guest, err)
	}
	defer file.DecRef()
	if _, err := file.Write(data); err != nil {
		return fmt.Errorf("bind mount %s: %w", f.Guest, err)
	}
	return nil
}
