package procfs

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// processDir is /proc/PID. The process is looked up again at each use, so
// a directory of a process that has exited answers ENOENT (ESRCH for
// links), as Linux's does.
func processDir(k Kernel, pid int) vfs.Node {
	return &processNode{dir: processTree(k, pid), proc: k.Process(pid)}
}

// processNode is a /proc/PID directory that remembers the process it was
// looked up for: an open fd of it names that process, never a later one
// given the same PID, as Linux's /proc/PID fd names its struct pid
// (pidfd_send_signal takes one in place of a pidfd).
type processNode struct {
	*dir
	proc Process // nil if the process was gone at lookup
}

// DirProcess is the process an open /proc/PID directory's node stands
// for; false for every other node (including /proc/PID/task/TID, which
// Linux does not take as a pidfd either).
func DirProcess(n vfs.Node) (Process, bool) {
	p, ok := n.(*processNode)
	if !ok || p.proc == nil {
		return nil, false
	}
	return p.proc, true
}

func processTree(k Kernel, pid int) *dir {
	base := fmt.Sprintf("/proc/%d", pid)
	proc := func() (Process, error) {
		if p := k.Process(pid); p != nil {
			return p, nil
		}
		return nil, unix.ESRCH
	}
	pfile := func(name string, g func(Process) string) entry {
		return pidFile(k, base+"/"+name, proc, g, nil)
	}
	plink := func(name string, g func(Process) string) entry {
		return entry{name: name, typ: unix.DT_LNK, node: func() vfs.Node {
			return newLink(base+"/"+name, func() (string, error) {
				p, err := proc()
				if err != nil {
					return "", err
				}
				return g(p), nil
			})
		}}
	}
	list := func() []entry {
		return []entry{
			pfile("stat", func(p Process) string { return statLine(k, p.Status(), p.Status().Comm) }),
			pfile("status", func(p Process) string { return statusText(p.Status(), p.Status().Comm, pid, k.System().CPUs) }),
			pfile("statm", statm),
			pfile("maps", func(p Process) string { return mapsText(p.Maps()) }),
			pfile("cmdline", func(p Process) string { return nulJoin(p.Cmdline()) }),
			pfile("environ", func(p Process) string { return nulJoin(p.Environ()) }),
			pidFile(k, base+"/comm", proc, func(p Process) string { return p.Status().Comm + "\n" }, commWriter(k, pid, 0)),
			pfile("limits", func(p Process) string { return limitsText(p.Limits()) }),
			pfile("mountinfo", func(Process) string { return mountinfo(k.Mounts()) }),
			pfile("mounts", func(Process) string { return mounts(k.Mounts()) }),
			pfile("cgroup", func(Process) string { return "0::/\n" }),
			pfile("uid_map", func(Process) string { return idMap(k.System().UIDMap) }),
			pfile("gid_map", func(Process) string { return idMap(k.System().GIDMap) }),
			pidFile(k, base+"/oom_score_adj", proc, func(p Process) string { return itoa(p.OOMScoreAdj()) + "\n" }, oomScoreAdjWriter),
			pfile("oom_score", func(Process) string { return "0\n" }),
			plink("exe", func(p Process) string { return p.Exe() }),
			{name: "cwd", typ: unix.DT_LNK, node: func() vfs.Node {
				return cwdLink{newLink(base+"/cwd", func() (string, error) {
					p, err := proc()
					if err != nil {
						return "", err
					}
					return dentryName(p.Cwd()), nil
				}), proc}
			}},
			plink("root", func(Process) string { return "/" }),
			{name: "net", typ: unix.DT_DIR, node: func() vfs.Node { return netDir(k, base+"/net") }},
			{name: "fd", typ: unix.DT_DIR, node: func() vfs.Node { return fdDir(base+"/fd", proc, false) }},
			{name: "fdinfo", typ: unix.DT_DIR, node: func() vfs.Node { return fdDir(base+"/fdinfo", proc, true) }},
			{name: "task", typ: unix.DT_DIR, node: func() vfs.Node { return taskDir(k, pid, base+"/task", proc) }},
		}
	}
	d := newDir(base, list)
	d.own = processOwner(k, pid)
	return d
}

// pidFile is a file of /proc/PID, shown by g and, if w is set, written
// by w. The process is looked up at each read and write.
func pidFile(k Kernel, path string, proc func() (Process, error), g func(Process) string, w func(Process, []byte) (int, error)) entry {
	name := path[strings.LastIndexByte(path, '/')+1:]
	return entry{name: name, typ: unix.DT_REG, node: func() vfs.Node {
		f := newFile(path, func() ([]byte, error) {
			p, err := proc()
			if err != nil {
				return nil, err
			}
			return []byte(g(p)), nil
		})
		f.deny, f.priv = nil, privileged(k)
		if w != nil {
			f.mode = 0644
			f.write = func(b []byte) (int, error) {
				p, err := proc()
				if err != nil {
					return 0, err
				}
				return w(p, b)
			}
		}
		return f
	}}
}

// taskDir is /proc/PID/task: one directory per thread.
func taskDir(k Kernel, pid int, base string, proc func() (Process, error)) vfs.Node {
	return newDir(base, func() []entry {
		p, err := proc()
		if err != nil {
			return nil
		}
		var ents []entry
		for _, tid := range p.Tasks() {
			tid := tid
			tbase := fmt.Sprintf("%s/%d", base, tid)
			comm := func(p Process) string {
				if c, ok := p.TaskComm(tid); ok {
					return c
				}
				return p.Status().Comm
			}
			tfile := func(name string, g func(Process) string) entry {
				return pidFile(k, tbase+"/"+name, proc, g, nil)
			}
			ents = append(ents, entry{name: itoa(tid), typ: unix.DT_DIR, node: func() vfs.Node {
				return newDir(tbase, func() []entry {
					return []entry{
						tfile("stat", func(p Process) string { return statLine(k, p.Status(), comm(p)) }),
						tfile("status", func(p Process) string { return statusText(p.Status(), comm(p), tid, k.System().CPUs) }),
						pidFile(k, tbase+"/comm", proc, func(p Process) string { return comm(p) + "\n" }, commWriter(k, pid, tid)),
					}
				})
			}})
		}
		return ents
	})
}

// fdDir is /proc/PID/fd (magic links named by descriptor) or
// /proc/PID/fdinfo (position and flags).
func fdDir(base string, proc func() (Process, error), info bool) vfs.Node {
	d := newDir(base, func() []entry {
		p, err := proc()
		if err != nil {
			return nil
		}
		var ents []entry
		for _, fd := range p.FDs() {
			fd := fd
			path := fmt.Sprintf("%s/%d", base, fd)
			get := func() (*vfs.File, bool, error) {
				p, err := proc()
				if err != nil {
					return nil, false, err
				}
				f, cloexec, ok := p.FD(fd)
				if !ok {
					return nil, false, unix.ENOENT
				}
				return f, cloexec, nil
			}
			if info {
				ents = append(ents, entry{name: itoa(fd), typ: unix.DT_REG, node: func() vfs.Node {
					return newFile(path, func() ([]byte, error) {
						f, cloexec, err := get()
						if err != nil {
							return nil, err
						}
						defer f.DecRef()
						flags := f.Flags()
						if cloexec {
							flags |= unix.O_CLOEXEC
						}
						return []byte(fmt.Sprintf("pos:\t%d\nflags:\t0%o\nmnt_id:\t0\nino:\t%d\n", f.Offset(), flags, fileIno(f))), nil
					})
				}})
				continue
			}
			ents = append(ents, entry{name: itoa(fd), typ: unix.DT_LNK, node: func() vfs.Node {
				return magic{&link{path: path, mode: fdLinkMode(get), born: now(),
					gen: func() (string, error) {
						f, _, err := get()
						if err != nil {
							return "", err
						}
						defer f.DecRef()
						return fileName(f), nil
					},
					target: func() (*vfs.File, error) {
						f, _, err := get()
						return f, err
					}}}
			}})
		}
		return ents
	})
	if !info {
		// Only the owner may list or follow a process's descriptors.
		d.mode = 0500
	}
	return d
}

// fdLinkMode is the mode of a /proc/PID/fd link: Linux's
// proc_fd_link gives it the file's access mode in the owner's bits.
func fdLinkMode(get func() (*vfs.File, bool, error)) uint32 {
	f, _, err := get()
	if err != nil {
		return 0500
	}
	defer f.DecRef()
	mode := uint32(0100)
	switch f.Flags() & unix.O_ACCMODE {
	case unix.O_RDONLY:
		mode |= 0400
	case unix.O_WRONLY:
		mode |= 0200
	default:
		mode |= 0600
	}
	return mode
}

func fileIno(f *vfs.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Ino
}

func nulJoin(ss []string) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s)
		b.WriteByte(0)
	}
	return b.String()
}

// clockTicks converts a duration to USER_HZ ticks.
func clockTicks(d time.Duration) int64 { return int64(d / (time.Second / ticks)) }

// statSigMask keeps the signals stat's obsolete decimal fields show.
const statSigMask = 0x7fffffff

// statLine is /proc/PID/stat: 52 fields, as proc(5) lists them.
func statLine(k Kernel, s Status, comm string) string {
	start := clockTicks(s.Start.Sub(k.System().Boot))
	f := []any{
		s.PID, "(" + comm + ")", string(s.State), s.PPID, s.PGID, s.SID,
		0, -1, 0x400000, // tty_nr, tpgid, flags
		0, 0, 0, 0, // minflt cminflt majflt cmajflt
		0, 0, 0, 0, // utime stime cutime cstime
		20 + s.Nice, s.Nice, s.Threads, 0, start, // priority nice num_threads itrealvalue starttime
		s.VmSize, s.VmRSS / 4096, uint64(1<<64 - 1), // vsize rss rsslim
		0, 0, 0, 0, 0, // startcode endcode startstack kstkesp kstkeip
		// signal blocked sigignore sigcatch: obsolete, Linux shows the
		// first 31 signals only
		s.SigPnd & statSigMask, s.SigBlk & statSigMask, s.SigIgn & statSigMask, s.SigCgt & statSigMask,
		0, 0, 0, 17, 0, 0, 0, 0, 0, 0, // wchan nswap cnswap exit_signal processor rt_priority policy delayacct guest_time cguest_time
		0, 0, 0, 0, 0, 0, 0, 0, // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
	}
	parts := make([]string, len(f))
	for i, v := range f {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " ") + "\n"
}

func statusText(s Status, comm string, pid, cpus int) string {
	state := map[byte]string{'R': "R (running)", 'S': "S (sleeping)", 'Z': "Z (zombie)"}[s.State]
	if state == "" {
		state = "S (sleeping)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		comm, s.Umask, state, s.PID, pid, s.PPID)
	fmt.Fprintf(&b, "Uid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nFDSize:\t64\nGroups:\t",
		s.UID, s.EUID, s.SUID, s.FSUID, s.GID, s.EGID, s.SGID, s.FSGID)
	for i, g := range s.Groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", g)
	}
	// Linux ends the list with a space, even an empty one.
	b.WriteString(" \n")
	fmt.Fprintf(&b, "VmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmRSS:\t%8d kB\n", s.VmSize/1024, s.VmSize/1024, s.VmRSS/1024)
	fmt.Fprintf(&b, "Threads:\t%d\nSigQ:\t0/63432\nSigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n",
		s.Threads, s.SigPnd, s.ShdPnd, s.SigBlk, s.SigIgn, s.SigCgt)
	fmt.Fprintf(&b, "CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\nCapBnd:\t%016x\nCapAmb:\t%016x\nNoNewPrivs:\t%d\nSeccomp:\t0\n",
		s.CapInh, s.CapPrm, s.CapEff, s.CapBnd, s.CapAmb, b2i(s.NoNewPrivs))
	fmt.Fprintf(&b, "Cpus_allowed_list:\t%svoluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n", cpuRange(cpus))
	return b.String()
}

func statm(p Process) string {
	s := p.Status()
	return fmt.Sprintf("%d %d 0 0 0 0 0\n", s.VmSize/4096, s.VmRSS/4096)
}

// mapsText is /proc/PID/maps.
func mapsText(maps []vm.VMAInfo) string {
	var b strings.Builder
	for _, m := range maps {
		perm := []byte("---p")
		if m.Prot&unix.PROT_READ != 0 {
			perm[0] = 'r'
		}
		if m.Prot&unix.PROT_WRITE != 0 {
			perm[1] = 'w'
		}
		if m.Prot&unix.PROT_EXEC != 0 {
			perm[2] = 'x'
		}
		if m.Shared {
			perm[3] = 's'
		}
		line := fmt.Sprintf("%08x-%08x %s %08x 00:00 0", m.Start, m.End, perm, m.Offset)
		if m.Name != "" {
			line += strings.Repeat(" ", max(1, 73-len(line))) + m.Name
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var limitNames = [16]struct{ name, unit string }{
	unix.RLIMIT_CPU:        {"Max cpu time", "seconds"},
	unix.RLIMIT_FSIZE:      {"Max file size", "bytes"},
	unix.RLIMIT_DATA:       {"Max data size", "bytes"},
	unix.RLIMIT_STACK:      {"Max stack size", "bytes"},
	unix.RLIMIT_CORE:       {"Max core file size", "bytes"},
	unix.RLIMIT_RSS:        {"Max resident set", "bytes"},
	unix.RLIMIT_NPROC:      {"Max processes", "processes"},
	unix.RLIMIT_NOFILE:     {"Max open files", "files"},
	unix.RLIMIT_MEMLOCK:    {"Max locked memory", "bytes"},
	unix.RLIMIT_AS:         {"Max address space", "bytes"},
	unix.RLIMIT_LOCKS:      {"Max file locks", "locks"},
	unix.RLIMIT_SIGPENDING: {"Max pending signals", "signals"},
	unix.RLIMIT_MSGQUEUE:   {"Max msgqueue size", "bytes"},
	unix.RLIMIT_NICE:       {"Max nice priority", ""},
	unix.RLIMIT_RTPRIO:     {"Max realtime priority", ""},
	unix.RLIMIT_RTTIME:     {"Max realtime timeout", "us"},
}

func limitsText(l [16][2]uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units")
	val := func(v uint64) string {
		if v == ^uint64(0) {
			return "unlimited"
		}
		return fmt.Sprint(v)
	}
	for i, n := range limitNames {
		fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", n.name, val(l[i][0]), val(l[i][1]), n.unit)
	}
	return b.String()
}

// idMap is /proc/PID/uid_map or gid_map (user_namespaces(7)).
func idMap(ms []IDMapping) string {
	if len(ms) == 0 {
		ms = []IDMapping{{0, 0, 4294967295}}
	}
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%10d %10d %10d\n", m.Inside, m.Outside, m.Count)
	}
	return b.String()
}

// mountinfo is /proc/PID/mountinfo (proc(5)).
func mountinfo(ms []vfs.MountInfo) string {
	var b strings.Builder
	for _, m := range ms {
		opt := "rw"
		if m.ReadOnly {
			opt = "ro"
		}
		root := m.Root
		if root == "" {
			root = "/"
		}
		fmt.Fprintf(&b, "%d %d %d:%d %s %s %s,relatime - %s %s %s\n",
			m.ID, m.ParentID, unix.Major(m.Dev), unix.Minor(m.Dev), escape(root), escape(m.Point), opt, m.FSType, escape(m.Source), opt)
	}
	return b.String()
}

// mounts is /proc/PID/mounts (fstab format).
func mounts(ms []vfs.MountInfo) string {
	var b strings.Builder
	for _, m := range ms {
		opt := "rw"
		if m.ReadOnly {
			opt = "ro"
		}
		fmt.Fprintf(&b, "%s %s %s %s,relatime 0 0\n", escape(m.Source), escape(m.Point), m.FSType, opt)
	}
	return b.String()
}

// escape writes space, tab, newline and backslash as octal escapes, as
// the kernel does in mount tables.
func escape(s string) string {
	r := strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`)
	return r.Replace(s)
}

// fileName is what an fd link reads as: the path, marked " (deleted)"
// once unlinked, as Linux marks it.
func fileName(f *vfs.File) string {
	if d := f.Dentry(); d != nil {
		return dentryName(d)
	}
	return f.Name()
}

func dentryName(d *vfs.Dentry) string {
	if d.Deleted() {
		return d.Path() + " (deleted)"
	}
	return d.Path()
}

// cwdLink is /proc/PID/cwd: a magic link to the working directory.
type cwdLink struct {
	*link
	proc func() (Process, error)
}

func (c cwdLink) TargetDentry() (*vfs.Dentry, error) {
	p, err := c.proc()
	if err != nil {
		return nil, err
	}
	return p.Cwd(), nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
