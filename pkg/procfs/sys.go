package procfs

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// NewSys returns the root of the small /sys the sandbox shows: what glibc
// (CPU counts) and redis (transparent huge pages) read, restricted by r.
func NewSys(k Kernel, r Restrict) vfs.Node {
	cpus := func() string { return cpuRange(k.System().CPUs) }
	cpuDir := newDir("/sys/devices/system/cpu", nil)
	fixed := static("/sys/devices/system/cpu", map[string]func(string) vfs.Node{
		"online":   gen(cpus),
		"possible": gen(cpus),
		"present":  gen(cpus),
	})
	cpuDir.list = func() []entry {
		ents := fixed()
		// glibc's get_nprocs_conf counts the cpuN directories.
		for i := 0; i < k.System().CPUs; i++ {
			p := "/sys/devices/system/cpu/cpu" + itoa(i)
			ents = append(ents, entry{name: "cpu" + itoa(i), typ: unix.DT_DIR, node: func() vfs.Node {
				return newDir(p, func() []entry { return nil })
			}})
		}
		return ents
	}
	root := newDir("/sys", static("/sys", map[string]func(string) vfs.Node{
		"kernel": sub(map[string]func(string) vfs.Node{
			"mm": sub(map[string]func(string) vfs.Node{
				"transparent_hugepage": sub(map[string]func(string) vfs.Node{
					// The sentry backs application memory with a
					// memfd of small pages: no huge pages.
					"enabled": txt("always madvise [never]\n"),
					"defrag":  txt("always defer defer+madvise madvise [never]\n"),
					// The Go runtime and glibc's hugetlb tunable read it.
					"hpage_pmd_size": txt("2097152\n"),
				}),
			}),
		}),
		"devices": sub(map[string]func(string) vfs.Node{
			"system": sub(map[string]func(string) vfs.Node{
				"cpu": func(string) vfs.Node { return cpuDir },
			}),
		}),
		"fs": sub(map[string]func(string) vfs.Node{
			"cgroup": sub(map[string]func(string) vfs.Node{}),
		}),
	}))
	root.restrict = newRestrict(r)
	return root
}
