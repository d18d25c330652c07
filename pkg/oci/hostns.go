package oci

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"sentry/pkg/netstack"
)

// The container sentry's host namespaces, as runc reads linux.namespaces
// for a container's init: an entry with a path joins that namespace, one
// without makes a new one, and a type not listed stays the runtime's.
// The sandbox's own IPC, mount, PID, UTS, user and cgroup namespaces are
// the sentry kernel's, emulated; these host ones hold the container
// sentry process itself, as runsc's sandbox runs in namespaces of its
// own. So a sentry that were subverted would find on the host a mount
// table, PID space, IPC objects, hostname and cgroup view that are the
// container's, not the host's, and in a PID namespace of its own (it is
// its init) its stubs die with it, whatever kills it. The network one is
// where its host sockets live (netns.go).
//
// The user namespace is the exception: an entry is not entered. The
// container sentry must keep the host identity that owns its state
// directory, its cgroups and the bundle (mapped to an unprivileged host
// uid it could open none of them); the sandbox's user namespace and its
// uid_map/gid_map are emulated.
//
// setns and unshare act on the calling thread only (the others of a Go
// process share nothing the kernel moves), so create enters them all on
// one locked OS thread, forks the container sentry from it, and lets the
// thread die with its goroutine: no other goroutine of create ever runs
// there. The child starts in every one of them. Paths are opened before
// any is entered, because a joined mount namespace may not have them.
//
// Without the privilege to make a new namespace (EPERM, or a kernel
// without that type, EINVAL), the container runs without it and --log
// says so: the sandbox does not depend on it. A path that cannot be
// joined fails create, as it does runc's.

// hostNS is one linux.namespaces entry the container sentry enters.
type hostNS struct {
	typ  specs.LinuxNamespaceType
	flag int
	path string // "" makes a new one
	fd   int    // path's, open while entering
}

// hostNamespaces are the spec's entries create enters, but the network
// one (netns) and the user one (see above).
func hostNamespaces(s *specs.Spec) []hostNS {
	if s.Linux == nil {
		return nil
	}
	var out []hostNS
	for _, ns := range s.Linux.Namespaces {
		switch ns.Type {
		case specs.NetworkNamespace, specs.UserNamespace, "time":
			continue
		}
		out = append(out, hostNS{typ: ns.Type, flag: nsTypes[ns.Type], path: ns.Path, fd: -1})
	}
	return out
}

// open opens the namespace's path, if it has one.
func (n *hostNS) open() error {
	if n.path == "" {
		return nil
	}
	fd, err := unix.Open(n.path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s namespace: %w", n.typ, err)
	}
	n.fd = fd
	return nil
}

func (n *hostNS) close() {
	if n.fd >= 0 {
		unix.Close(n.fd)
		n.fd = -1
	}
}

// enter moves the calling (locked) thread into the namespace. A new one
// the host refuses is warned about and skipped.
func (n *hostNS) enter(warn func(string)) error {
	if n.path == "" {
		err := unix.Unshare(n.flag)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
			warn(fmt.Sprintf("linux.namespaces %s: new host namespace: %v; the container sentry stays in the runtime's (the sandbox's own is emulated)", n.typ, err))
			return nil
		}
		if err != nil {
			return fmt.Errorf("new %s namespace: %w", n.typ, err)
		}
		return nil
	}
	if n.flag == unix.CLONE_NEWNS {
		// A mount namespace belongs to the fs_struct the Go runtime's
		// threads share; setns refuses it shared, so this thread
		// takes a copy of its own first.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return fmt.Errorf("%s namespace %s: join: %w", n.typ, n.path, err)
		}
	}
	if err := unix.Setns(n.fd, n.flag); err != nil {
		return fmt.Errorf("%s namespace %s: join: %w", n.typ, n.path, err)
	}
	return nil
}

// startIn starts cmd (the container sentry) in the spec's cgroup
// (cgroups.go) and host namespaces: those hostNamespaces lists and the
// network one.
//
// Without the privilege to make a new network namespace (EPERM), the
// sandbox's network is loopback only, in memory (netstack.ModeNone):
// what the application sees of an empty namespace, without one. warn
// says so.
func startIn(cmd *exec.Cmd, s *specs.Spec, warn func(string)) error {
	net := netnsOf(s)
	others := hostNamespaces(s)
	cgroups := s.Linux != nil && s.Linux.CgroupsPath != ""
	if !net.present && len(others) == 0 && !cgroups {
		return cmd.Start()
	}
	defer func() {
		for i := range others {
			others[i].close()
		}
	}()
	for i := range others {
		if err := others[i].open(); err != nil {
			return err
		}
	}
	netFD := -1
	if net.present && net.path != "" {
		fd, err := unix.Open(net.path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("network namespace: %w", err)
		}
		defer unix.Close(fd)
		netFD = fd
	}
	// The os package's first process start forks a probe child (does
	// clone(CLONE_PIDFD) work?): made from the locked thread, it would
	// be the new PID namespace's init, and its exit would leave the
	// namespace unable to take the container sentry (ENOMEM). Finding a
	// process runs that probe here, in the runtime's namespaces.
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Release()
	}
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with the goroutine.
		runtime.LockOSThread()
		for _, r := range joinCgroups(s) {
			warn("config.json: not applied: " + r)
		}
		for i := range others {
			if err := others[i].enter(warn); err != nil {
				errc <- err
				return
			}
		}
		if net.present {
			err := net.enter(netFD)
			if net.path == "" && errors.Is(err, unix.EPERM) {
				warn(fmt.Sprintf("linux.namespaces network: %v; the sandbox's network is loopback only, in memory", err))
				cmd.Env = append(cmd.Environ(), networkEnv+"="+netstack.ModeNone.String())
				err = nil
			}
			if err != nil {
				errc <- err
				return
			}
		}
		errc <- cmd.Start()
	}()
	return <-errc
}
