package oci

import (
	"fmt"
	"os"

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

// bootMode is the container sentry's network mode: host, in the
// namespace create started it in, unless create said otherwise
// (networkEnv).
func bootMode() (netstack.Mode, error) {
	if v := os.Getenv(networkEnv); v != "" {
		return netstack.ParseMode(v)
	}
	return netstack.ModeHost, nil
}

// enter moves the calling (locked) thread into the namespace: the one
// fd holds open (its path's), or a new one with lo up.
func (n netns) enter(fd int) error {
	if n.path == "" {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("new network namespace: %w", err)
		}
		return loopbackUp()
	}
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
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
