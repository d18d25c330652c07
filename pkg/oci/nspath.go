package oci

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsGetNSType is NS_GET_NSTYPE (linux/nsfs.h, _IO(0xb7, 0x3)): the
// CLONE_NEW* type of a namespace file.
const nsGetNSType = 0xb703

// nsTypes are the runtime-spec namespace types with their CLONE_NEW* flag.
var nsTypes = map[specs.LinuxNamespaceType]int{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	"time":                 unix.CLONE_NEWTIME,
}

// checkNamespaces refuses linux.namespaces entries of an unknown type,
// or whose path is not a namespace of that type: the spec says a runtime
// MUST give an error then (runc does). The sandbox is the sentry's own
// kernel, so only a network path is ever joined (netns.go); the others
// are still checked, so that a config meant for runc fails the same way.
func checkNamespaces(s *specs.Spec) error {
	if s.Linux == nil {
		return nil
	}
	for _, ns := range s.Linux.Namespaces {
		want, ok := nsTypes[ns.Type]
		if !ok {
			return fmt.Errorf("linux.namespaces: unknown type %q", ns.Type)
		}
		if ns.Path == "" {
			continue
		}
		got, err := nsType(ns.Path)
		if err != nil {
			return fmt.Errorf("linux.namespaces: %s namespace: %w", ns.Type, err)
		}
		if got != want {
			return fmt.Errorf("linux.namespaces: %s namespace: path %s is not a %s namespace", ns.Type, ns.Path, ns.Type)
		}
	}
	return nil
}

// nsType is the CLONE_NEW* type of the namespace file at p.
func nsType(p string) (int, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t, err := unix.IoctlRetInt(int(f.Fd()), nsGetNSType)
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return 0, fmt.Errorf("path %s is not a namespace", p)
	}
	if err != nil {
		return 0, fmt.Errorf("path %s: %w", p, err)
	}
	return t, nil
}
