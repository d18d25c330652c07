package ptrace

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Isolation of the stub. Should a stub ever run code of its own (a bug
// in the seccomp filters, a host kernel bug reached through the few
// syscalls they admit), it should find nothing to reach. So stubs run in
// namespaces of their own (user, mount, network, IPC, UTS, cgroup): no
// host network, no host IPC objects, no host mounts; and their root is
// an empty read-only tmpfs (mounted over /proc in the stub's mount
// namespace, made the root by pivot_root, the old root detached), so no
// host path resolves from them either.
//
// The namespaces are made once per Platform, not per stub: creating a
// network namespace costs tens of milliseconds here, and starting the
// stub in new namespaces through ForkExec (CLONE_NEWUSER) forces a full
// fork of the sentry instead of a vfork; either would multiply the cost
// of every application fork and execve. The first stub unshares them by
// an injected unshare(2) and builds the empty root; the platform then
// holds them open (/proc/PID/ns/*) and every later stub is started with
// those fds (its fds 1, 2, ...) and joins them by injected setns(2),
// before close_range closes the fds. All stubs of one sentry thus share
// one empty network, one empty root: they belong to one sandbox anyway.
// In its user namespace a stub holds every capability (it made or
// joined it as its owner's uid) but, from the host, no more than the
// sentry; no uid is mapped in it.
//
// The sentry traces the stubs from the parent namespaces, where it holds
// every capability over their user namespace, so ptrace, /proc/PID and
// process_vm_writev work as before. There is no PID namespace: the
// injected clone would return the new thread's TID in the stub's
// namespace, which the tracer cannot attach to without a /proc search
// per thread (and unshare(CLONE_NEWPID) only moves future children);
// the filters refuse kill, ptrace and every other call taking a PID.
//
// Where the host refuses (user namespaces disabled or limited, a seccomp
// profile of an outer container), the platform runs stubs without this
// isolation from then on and says so once on Options.Warn (the sentry's
// --debug); the seccomp filters apply either way.

// stubNamespaces are the namespaces the sandbox's stubs share.
const stubNamespaces = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP

// stubNSKinds are the /proc/PID/ns files a stub joins, the user
// namespace first (it gives the capabilities the others need).
var stubNSKinds = [...]struct {
	name string
	flag uint64
}{
	{"user", unix.CLONE_NEWUSER}, {"mnt", unix.CLONE_NEWNS}, {"net", unix.CLONE_NEWNET},
	{"ipc", unix.CLONE_NEWIPC}, {"uts", unix.CLONE_NEWUTS}, {"cgroup", unix.CLONE_NEWCGROUP},
}

// sandboxNS returns the fds of the sandbox's namespaces for a new stub to
// inherit, or nil when they do not exist (yet) or isolation is off.
func (p *Platform) sandboxNS() []uintptr {
	if !p.isolate.Load() {
		return nil
	}
	p.nsMu.Lock()
	defer p.nsMu.Unlock()
	var fds []uintptr
	for _, fd := range p.nsFDs {
		fds = append(fds, uintptr(fd))
	}
	return fds
}

// isolate puts a freshly exec'ed stub into the sandbox's namespaces and
// empty root: by setns when it was started with their fds, else by
// making them (the first stub). A host that refuses (an errno) turns
// isolation off with a warning; a stub that died fails setup.
func (as *addressSpace) isolate(c *context) error {
	p := as.plat
	if !p.isolate.Load() {
		return nil
	}
	var err error
	if as.joinNS {
		for i, k := range stubNSKinds {
			if _, err = c.injectErrno(unix.SYS_SETNS, uint64(1+i), k.flag); err != nil {
				err = fmt.Errorf("ptrace: stub %d: joining the sandbox's %s namespace: %w", as.pid, k.name, err)
				break
			}
		}
	} else {
		err = as.makeNS(c)
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		p.isolate.Store(false)
		p.warnOnce("the stubs run without their own namespaces and empty root: %v", err)
		return nil
	}
	return err
}

// makeNS has the stub unshare the sandbox's namespaces, build its empty
// root, and the platform keep the namespaces.
func (as *addressSpace) makeNS(c *context) error {
	if _, err := c.injectErrno(unix.SYS_UNSHARE, stubNamespaces); err != nil {
		return fmt.Errorf("ptrace: stub %d: unsharing namespaces: %w", as.pid, err)
	}
	if err := as.emptyRoot(c); err != nil {
		return err
	}
	var fds []int
	for _, k := range stubNSKinds {
		fd, err := as.plat.openProc(as.pid, "ns/"+k.name)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return fmt.Errorf("ptrace: keeping stub %d's %s namespace: %w", as.pid, k.name, err)
		}
		fds = append(fds, fd)
	}
	p := as.plat
	p.nsMu.Lock()
	defer p.nsMu.Unlock()
	if p.nsFDs != nil || p.imageFD < 0 {
		// Another stub made them first (or the platform closed): this
		// stub keeps its own, as isolated.
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil
	}
	p.nsFDs = fds
	return nil
}

// warnOnce writes a warning to the platform's Warn writer, once per
// platform.
func (p *Platform) warnOnce(format string, args ...any) {
	p.warned.Do(func() {
		if p.warn != nil {
			fmt.Fprintf(p.warn, "sentry: "+format+"\n", args...)
		}
	})
}

// emptyRoot gives the stub an empty, read-only root: a tmpfs mounted over
// /proc (which exists: the stub was exec'ed through it), then made the
// root by pivot_root(".", ".") with the old root detached. It needs the
// stub's own user and mount namespaces, and runs before the seccomp
// filters, which refuse all of it.
func (as *addressSpace) emptyRoot(c *context) error {
	// Strings go on the stub's initial stack, unmapped later.
	strs := (c.initial.Rsp - 20480) &^ 15
	const (
		offTmpfs = 0
		offProc  = 8
		offDot   = 16
		offSlash = 24
	)
	b := make([]byte, 32)
	copy(b[offTmpfs:], "tmpfs")
	copy(b[offProc:], "/proc")
	copy(b[offDot:], ".")
	copy(b[offSlash:], "/")
	if err := as.writeStub(strs, b); err != nil {
		return err
	}
	steps := []struct {
		what string
		nr   uint64
		args []uint64
	}{
		{"mount an empty tmpfs", unix.SYS_MOUNT, []uint64{strs + offTmpfs, strs + offProc, strs + offTmpfs,
			unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, 0}},
		{"enter it", unix.SYS_CHDIR, []uint64{strs + offProc}},
		{"make it the root", unix.SYS_PIVOT_ROOT, []uint64{strs + offDot, strs + offDot}},
		{"detach the old root", unix.SYS_UMOUNT2, []uint64{strs + offDot, unix.MNT_DETACH}},
		{"enter the new root", unix.SYS_CHDIR, []uint64{strs + offSlash}},
	}
	for _, s := range steps {
		if _, err := c.injectErrno(s.nr, s.args...); err != nil {
			return fmt.Errorf("ptrace: stub %d: %s: %w", as.pid, s.what, err)
		}
	}
	return nil
}
