package oci

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The container sentry's host cgroups (cgroup v1 hierarchies), as runsc
// places its sandbox: linux.cgroupsPath names the cgroup the container
// sentry starts in, in every hierarchy (so every stub it makes inherits
// it), and linux.resources' pids, cpu, cpuset, memory and devices limits
// are written there. create moves the one thread that forks the
// container sentry there (v1's tasks file moves a thread), before it
// makes the host namespaces (hostns.go): the child starts in the cgroup,
// and a new cgroup namespace has it as its root, as runc's init sees. So the host accounts for, and
// limits, the whole sandbox as it would runc's container. The sandbox's
// own kernel keeps its own limits besides (RLIMIT_*, its memory
// account). The host may refuse (no privilege, no such controller, a
// cgroup v2 host): the container runs anyway and --log says so, as the
// runtime is asked to place it "where the host allows". An absolute
// path is under each hierarchy's root, a relative one under the
// creating process's cgroup there, as runc reads them.

// cgroupHierarchy is one mounted cgroup v1 hierarchy.
type cgroupHierarchy struct {
	mount       string   // its mount point
	controllers []string // cpu, cpuacct, ... (name=systemd for a named one)
	own         string   // this process's cgroup in it
}

// cgroupHierarchies lists the cgroup v1 hierarchies this process is in.
func cgroupHierarchies() ([]cgroupHierarchy, error) {
	own := map[string]string{} // controllers (as /proc/self/cgroup lists them) -> path
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) == 3 && parts[1] != "" {
			own[parts[1]] = parts[2]
		}
	}
	f.Close()
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer mi.Close()
	var out []cgroupHierarchy
	sc = bufio.NewScanner(mi)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 0 || sep+3 >= len(fields) || fields[sep+1] != "cgroup" {
			continue
		}
		var ctrls []string
		for _, o := range strings.Split(fields[sep+3], ",") {
			switch o {
			case "rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "xattr", "clone_children", "cpuset_v2_mode", "noprefix", "nsdelegate":
				continue
			}
			if strings.HasPrefix(o, "release_agent=") {
				continue
			}
			ctrls = append(ctrls, o)
		}
		p, ok := own[strings.Join(ctrls, ",")]
		if !ok {
			continue
		}
		out = append(out, cgroupHierarchy{mount: fields[4], controllers: ctrls, own: p})
	}
	return out, nil
}

// dir is the cgroup path's directory in h.
func (h cgroupHierarchy) dir(cgPath string) string {
	if filepath.IsAbs(cgPath) {
		return filepath.Join(h.mount, cgPath)
	}
	return filepath.Join(h.mount, h.own, cgPath)
}

func (h cgroupHierarchy) has(c string) bool { return slices.Index(h.controllers, c) >= 0 }

// joinCgroups puts the calling thread (the one that forks the container
// sentry, locked to it) in the config's cgroup, made where missing, with
// its resources. What the host refuses is returned, one entry each, for
// --log.
func joinCgroups(s *specs.Spec) (refused []string) {
	if s.Linux == nil || s.Linux.CgroupsPath == "" {
		return nil
	}
	cgPath := cgroupfsPath(s.Linux.CgroupsPath)
	hs, err := cgroupHierarchies()
	if err != nil || len(hs) == 0 {
		return []string{fmt.Sprintf("linux.cgroupsPath %s: no cgroup v1 hierarchy to join (%v)", cgPath, err)}
	}
	res := s.Linux.Resources
	if res == nil {
		res = &specs.LinuxResources{}
	}
	var unapplied []string
	if res.BlockIO != nil {
		unapplied = append(unapplied, "blockIO")
	}
	if len(res.HugepageLimits) > 0 {
		unapplied = append(unapplied, "hugepageLimits")
	}
	if res.Network != nil {
		unapplied = append(unapplied, "network")
	}
	for _, u := range unapplied {
		refused = append(refused, fmt.Sprintf("linux.resources.%s (the sentry applies pids, cpu, memory and devices)", u))
	}
	for _, h := range hs {
		dir := h.dir(cgPath)
		if err := makeCgroup(h, dir); err != nil {
			refused = append(refused, fmt.Sprintf("linux.cgroupsPath %s in %s: %v", cgPath, h.mount, err))
			continue
		}
		for _, w := range cgroupWrites(h, res) {
			if err := os.WriteFile(filepath.Join(dir, w.file), []byte(w.value), 0); err != nil {
				refused = append(refused, fmt.Sprintf("linux.resources: %s=%s: %v", w.file, w.value, err))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "tasks"), []byte(strconv.Itoa(unix.Gettid())), 0); err != nil {
			refused = append(refused, fmt.Sprintf("linux.cgroupsPath %s in %s: join: %v", cgPath, h.mount, err))
		}
	}
	return refused
}

// makeCgroup makes dir and its missing parents; a new cpuset cgroup
// starts with its parent's cpus and mems, as it cannot take a process
// with none.
func makeCgroup(h cgroupHierarchy, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != h.mount && parent != dir {
		if err := makeCgroup(h, parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if h.has("cpuset") {
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := os.ReadFile(filepath.Join(filepath.Dir(dir), f))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, f), v, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

type cgroupWrite struct{ file, value string }

// cgroupWrites are the files of h's controllers that res sets, in the
// order the kernel needs (a period before its quota, a memory limit
// before the memory+swap one).
func cgroupWrites(h cgroupHierarchy, res *specs.LinuxResources) []cgroupWrite {
	var w []cgroupWrite
	add := func(file string, v any) { w = append(w, cgroupWrite{file, fmt.Sprint(v)}) }
	if p := res.Pids; p != nil && h.has("pids") {
		if p.Limit > 0 {
			add("pids.max", p.Limit)
		} else {
			add("pids.max", "max")
		}
	}
	if c := res.CPU; c != nil {
		if h.has("cpu") {
			if c.Shares != nil && *c.Shares != 0 {
				add("cpu.shares", *c.Shares)
			}
			if c.Period != nil && *c.Period != 0 {
				add("cpu.cfs_period_us", *c.Period)
			}
			if c.Quota != nil && *c.Quota != 0 {
				add("cpu.cfs_quota_us", *c.Quota)
			}
			if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
				add("cpu.rt_period_us", *c.RealtimePeriod)
			}
			if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
				add("cpu.rt_runtime_us", *c.RealtimeRuntime)
			}
		}
		if h.has("cpuset") {
			if c.Cpus != "" {
				add("cpuset.cpus", c.Cpus)
			}
			if c.Mems != "" {
				add("cpuset.mems", c.Mems)
			}
		}
	}
	if m := res.Memory; m != nil && h.has("memory") {
		if m.Limit != nil && *m.Limit != 0 {
			add("memory.limit_in_bytes", *m.Limit)
		}
		if m.Reservation != nil && *m.Reservation != 0 {
			add("memory.soft_limit_in_bytes", *m.Reservation)
		}
		if m.Swap != nil && *m.Swap != 0 {
			add("memory.memsw.limit_in_bytes", *m.Swap)
		}
		if m.Kernel != nil && *m.Kernel != 0 {
			add("memory.kmem.limit_in_bytes", *m.Kernel)
		}
		if m.KernelTCP != nil && *m.KernelTCP != 0 {
			add("memory.kmem.tcp.limit_in_bytes", *m.KernelTCP)
		}
		if m.Swappiness != nil {
			add("memory.swappiness", *m.Swappiness)
		}
		if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
			add("memory.oom_control", 1)
		}
	}
	if h.has("devices") {
		for _, d := range res.Devices {
			file := "devices.deny"
			if d.Allow {
				file = "devices.allow"
			}
			typ := d.Type
			if typ == "" {
				typ = "a"
			}
			num := func(n *int64) string {
				if n == nil || *n < 0 {
					return "*"
				}
				return strconv.FormatInt(*n, 10)
			}
			access := d.Access
			if access == "" {
				access = "rwm"
			}
			if typ == "a" {
				add(file, "a")
				continue
			}
			add(file, fmt.Sprintf("%s %s:%s %s", typ, num(d.Major), num(d.Minor), access))
		}
	}
	return w
}

// cgroupfsPath is a cgroupsPath as a path: engines driving a runtime
// with --systemd-cgroup pass systemd's "slice:prefix:name", which runc
// places at the slice's path (a-b.slice is /a.slice/a-b.slice) in the
// scope prefix-name.scope; the sentry makes that cgroup itself.
func cgroupfsPath(p string) string {
	parts := strings.Split(p, ":")
	if len(parts) != 3 || strings.Contains(p, "/") {
		return p
	}
	slice, prefix, name := parts[0], parts[1], parts[2]
	dir := "/"
	if slice != "" && slice != "-.slice" {
		base := strings.TrimSuffix(slice, ".slice")
		words := strings.Split(base, "-")
		for i := range words {
			dir = filepath.Join(dir, strings.Join(words[:i+1], "-")+".slice")
		}
	} else if slice == "" {
		dir = "/system.slice"
	}
	scope := name + ".scope"
	if prefix != "" {
		scope = prefix + "-" + scope
	}
	return filepath.Join(dir, scope)
}

// removeCgroups removes the config's cgroup (the leaf only, as runc
// does) from every hierarchy, once the container sentry is gone.
func removeCgroups(cgPath string) {
	if cgPath == "" {
		return
	}
	cgPath = cgroupfsPath(cgPath)
	hs, err := cgroupHierarchies()
	if err != nil {
		return
	}
	for _, h := range hs {
		_ = os.Remove(h.dir(cgPath))
	}
}
