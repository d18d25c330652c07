package procfs

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// New returns the root of /proc for the kernel k, restricted by r.
func New(k Kernel, r Restrict) vfs.Node {
	bootID := uuid()
	// The files of /proc itself take a privileged write-open and fail
	// the write with EIO, as proc_reg_write does for files without one.
	top := func(g func() string) func(string) vfs.Node {
		return func(p string) vfs.Node {
			f := textFile(p, g)
			f.deny, f.priv, f.badWrite = nil, privileged(k), unix.EIO
			return f
		}
	}
	fixed := static("/proc", map[string]func(string) vfs.Node{
		"cpuinfo":     top(func() string { return k.System().CPUInfo }),
		"meminfo":     top(func() string { return meminfo(k.System()) }),
		"stat":        top(func() string { return procStat(k.System()) }),
		"uptime":      top(func() string { return uptime(k.System()) }),
		"loadavg":     top(func() string { return loadavg(k.System()) }),
		"version":     top(func() string { return version(k.System()) }),
		"filesystems": top(func() string { return "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\toverlay\n" }),
		"mounts":      symlink("self/mounts"),
		"net":         symlink("self/net"),
		"sys":         sysctl(k, bootID),
	})
	root := newDir("/proc", func() []entry {
		var ents []entry
		for _, pid := range k.PIDs() {
			pid := pid
			ents = append(ents, entry{name: itoa(pid), typ: unix.DT_DIR, node: func() vfs.Node { return processDir(k, pid) }})
		}
		ents = append(ents,
			entry{name: "self", typ: unix.DT_LNK, node: func() vfs.Node {
				return newLink("/proc/self", func() (string, error) {
					pid, _ := k.Caller()
					if pid == 0 {
						return "", unix.ENOENT
					}
					return itoa(pid), nil
				})
			}},
			entry{name: "thread-self", typ: unix.DT_LNK, node: func() vfs.Node {
				return newLink("/proc/thread-self", func() (string, error) {
					pid, tid := k.Caller()
					if pid == 0 {
						return "", unix.ENOENT
					}
					return fmt.Sprintf("%d/task/%d", pid, tid), nil
				})
			}})
		return append(ents, fixed()...)
	})
	root.restrict = newRestrict(r)
	return root
}

// sysctl is /proc/sys: the settings glibc, redis and their tools read.
func sysctl(k Kernel, bootID string) func(string) vfs.Node {
	return sub(map[string]func(string) vfs.Node{
		"kernel": sub(map[string]func(string) vfs.Node{
			"hostname":           utsFile(k, false),
			"domainname":         utsFile(k, true),
			"ostype":             txt("Linux\n"),
			"osrelease":          gen(func() string { return k.System().Release + "\n" }),
			"version":            gen(func() string { return k.System().Version + "\n" }),
			"pid_max":            txt("4194304\n"),
			"randomize_va_space": gen(func() string { return itoa(k.System().RandomizeVASpace) + "\n" }),
			"threads-max":        txt("126864\n"),
			"ngroups_max":        txt("65536\n"),
			"cap_last_cap":       txt("40\n"),
			"random": sub(map[string]func(string) vfs.Node{
				"boot_id":       txt(bootID + "\n"),
				"uuid":          gen(func() string { return uuid() + "\n" }),
				"entropy_avail": txt("256\n"),
			}),
		}),
		"vm": sub(map[string]func(string) vfs.Node{
			"overcommit_memory": gen(func() string { return itoa(k.System().Overcommit) + "\n" }),
			"max_map_count":     txt("65530\n"),
			"swappiness":        txt("60\n"),
		}),
		"net": sub(map[string]func(string) vfs.Node{
			"core": sub(map[string]func(string) vfs.Node{
				"somaxconn": gen(func() string { return itoa(k.System().Somaxconn) + "\n" }),
			}),
			"ipv4": sub(map[string]func(string) vfs.Node{
				"ip_forward": gen(func() string { return sysctlValue(k, "net.ipv4.ip_forward") + "\n" }),
			}),
		}),
		"fs": sub(map[string]func(string) vfs.Node{
			"nr_open":  txt("1048576\n"),
			"file-max": txt("9223372036854775807\n"),
		}),
	})
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func meminfo(s System) string {
	kb := func(b uint64) uint64 { return b / 1024 }
	var b strings.Builder
	row := func(name string, v uint64) { fmt.Fprintf(&b, "%-16s%8d kB\n", name+":", v) }
	row("MemTotal", kb(s.MemTotal))
	row("MemFree", kb(s.MemFree))
	row("MemAvailable", kb(s.MemFree))
	for _, n := range []string{"Buffers", "Cached", "SwapCached", "Active", "Inactive", "SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem"} {
		row(n, 0)
	}
	row("CommitLimit", kb(s.MemTotal))
	row("VmallocTotal", 34359738367)
	row("HugePages_Total", 0)
	fmt.Fprintf(&b, "Hugepagesize:       2048 kB\n")
	return b.String()
}

// ticks is USER_HZ, the unit of /proc/stat times.
const ticks = 100

func procStat(s System) string {
	up := uint64(time.Since(s.Boot).Seconds() * ticks)
	var b strings.Builder
	fmt.Fprintf(&b, "cpu  0 0 0 %d 0 0 0 0 0 0\n", up*uint64(s.CPUs))
	for i := 0; i < s.CPUs; i++ {
		fmt.Fprintf(&b, "cpu%d 0 0 0 %d 0 0 0 0 0 0\n", i, up)
	}
	fmt.Fprintf(&b, "intr 0\nctxt 0\nbtime %d\nprocesses %d\nprocs_running 1\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		s.Boot.Unix(), s.LastPID)
	return b.String()
}

func uptime(s System) string {
	up := time.Since(s.Boot).Seconds()
	return fmt.Sprintf("%.2f %.2f\n", up, up*float64(s.CPUs))
}

func loadavg(s System) string {
	return fmt.Sprintf("0.00 0.00 0.00 1/%d %d\n", s.Threads, s.LastPID)
}

func version(s System) string {
	return fmt.Sprintf("Linux version %s (sentry@sentry) (gcc) %s\n", s.Release, s.Version)
}

// cpuRange is "0-N" (or "0") for n CPUs, as sysfs writes CPU lists.
func cpuRange(n int) string {
	if n <= 1 {
		return "0\n"
	}
	return "0-" + strconv.Itoa(n-1) + "\n"
}
