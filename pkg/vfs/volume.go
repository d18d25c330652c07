package vfs

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// kernelTrees are the directories whose contents are a kernel's interface
// rather than data: on the host side a volume of one would hand the
// application the host kernel's /proc, /sys or devices; on the guest side
// the sandbox's own procfs, sysfs and devfs are mounted there, which would
// hide a volume (or be hidden by it) silently.
var kernelTrees = [...]string{"/proc", "/sys", "/dev"}

// under reports whether the clean absolute path p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// checkVolumes refuses, before anything is mounted, volumes that make no
// sense: a host side that is (or resolves into) the host's /proc, /sys or
// /dev, a guest side at or under /proc, /sys or /dev, and two volumes on
// one guest path.
func checkVolumes(vols []Volume) error {
	seen := map[string]Volume{}
	for _, v := range vols {
		host := v.Host
		if abs, err := filepath.Abs(host); err == nil {
			host = abs
		}
		// A missing host directory is left for the mount to report.
		if real, err := filepath.EvalSymlinks(host); err == nil {
			host = real
		}
		for _, k := range kernelTrees {
			if under(host, k) {
				return fmt.Errorf("volume %s:%s: the host's %s is the host kernel's interface, not data, and cannot be a volume", v.Host, v.Guest, k)
			}
		}
		guest := path.Clean(v.Guest)
		for _, k := range kernelTrees {
			if under(guest, k) {
				return fmt.Errorf("volume %s:%s: the sandbox's %s is its own and cannot hold a volume", v.Host, v.Guest, k)
			}
		}
		if prev, ok := seen[guest]; ok {
			return fmt.Errorf("volumes %s:%s and %s:%s: two volumes on one guest path %s", prev.Host, prev.Guest, v.Host, v.Guest, guest)
		}
		seen[guest] = v
	}
	return nil
}
