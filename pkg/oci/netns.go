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

// netns is where a container sentry's host sockets live, as runc reads
// linux.namespaces: an entry {"type":"network","path":P} joins P (the
// engine's, podman's netavark bridge for instance), an entry without a
// path is a new namespace holding only lo, and no entry is the runtime's
// own namespace. The sandbox runs in host mode there (netstack.ModeHost).
type netns struct {
	present bool   // a network entry exists
	path    string // "" with present: a new namespace
}

func netnsOf(s *specs.Spec) netns {
	if s.Linux == nil {
		return netns{}
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			return netns{present: true, path: ns.Path}
		}
	}
	return netns{}
}

// networkEnv tells the container sentry (Boot) that create could not
// make the new namespace a network entry without a path asks for (no
// privilege for unshare): its value is the mode to run in instead,
// "none". The application's environment is process.env only, so it
// never sees it.
const networkEnv = "SENTRY_OCI_NETWORK"

// start starts cmd inside the namespace. Only the sentry process's own
// calls run there (its listeners and connections); setns or unshare acts
// on one thread, so the fork happens on a locked OS thread that entered
// the namespace first, and that thread is never given back to the Go
// runtime (the goroutine exits locked, so the runtime ends the thread):
// no other goroutine of create ever runs in the container's namespace.
// The child, and every thread it makes, starts there.
//
// Without the privilege to make a new namespace (EPERM), the sandbox's
// network is loopback only, in memory (netstack.ModeNone): what the
// application sees of an empty namespace, without one. warn says so.
func (n netns) start(cmd *exec.Cmd, warn func(string)) error {
	if !n.present {
		return cmd.Start()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := n.enter()
		if n.path == "" && errors.Is(err, unix.EPERM) {
			warn(fmt.Sprintf("linux.namespaces network: %v; the sandbox's network is loopback only, in memory", err))
			cmd.Env = append(cmd.Environ(), networkEnv+"="+netstack.ModeNone.String())
			err = nil
		}
		if err != nil {
			errc <- err
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// bootMode is the container sentry's network mode: host, in the
// namespace create started it in, unless create said otherwise
// (networkEnv).
func bootMode() (netstack.Mode, error) {
	if v := os.Getenv(networkEnv); v != "" {
		return netstack.ParseMode(v)
	}
	return netstack.ModeHost, nil
}

// enter moves the calling (locked) thread into the namespace.
func (n netns) enter() error {
	if n.path == "" {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("new network namespace: %w", err)
		}
		return loopbackUp()
	}
	f, err := os.Open(n.path)
	if err != nil {
		return fmt.Errorf("network namespace: %w", err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("network namespace %s: join: %w", n.path, err)
	}
	return nil
}

// loopbackUp brings a new namespace's lo up, as runc does, so that the
// sandbox's view of its interfaces (netlink, SIOCGIFFLAGS) says UP, as
// an application in such a container sees it on Linux.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}
