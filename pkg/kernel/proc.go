package kernel

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/procfs"
	"sentry/pkg/vfs"
	"sentry/pkg/vm"
)

// The kernel's side of /proc and /sys: it implements procfs.Kernel and
// procfs.Process over its own state, and mounts both trees.

// mountProc mounts /proc and /sys on the kernel's filesystem.
func (k *Kernel) mountProc() error {
	if err := k.cfg.FS.MountTyped("/proc", procfs.New(procKernel{k}, k.cfg.Restrict), "proc"); err != nil {
		return err
	}
	return k.cfg.FS.MountTyped("/sys", procfs.NewSys(procKernel{k}, k.cfg.Restrict), "sysfs")
}

// osThreads maps host thread IDs to tasks. Each task goroutine is locked
// to its OS thread for life (see Kernel.Run), so the host TID of the
// thread running a syscall handler identifies the calling task without
// passing it through the vfs.
type osThreads struct{ m sync.Map }

func (o *osThreads) enter(t *Task) func() {
	tid := unix.Gettid()
	o.m.Store(tid, t)
	return func() { o.m.Delete(tid) }
}

func (o *osThreads) current() *Task {
	if v, ok := o.m.Load(unix.Gettid()); ok {
		return v.(*Task)
	}
	return nil
}

// procKernel is the kernel as procfs sees it.
type procKernel struct{ k *Kernel }

func (p procKernel) Caller() (int, int) {
	if t := p.k.threads.current(); t != nil {
		return t.tg.pid, t.tid
	}
	return 0, 0
}

func (p procKernel) PIDs() []int {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	var out []int
	for pid := range p.k.procs {
		out = append(out, pid)
	}
	sort.Ints(out)
	return out
}

func (p procKernel) Process(pid int) procfs.Process {
	p.k.mu.Lock()
	defer p.k.mu.Unlock()
	tg := p.k.procs[pid]
	if tg == nil {
		return nil
	}
	return procTG{tg}
}

var hostCPUInfo = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	return string(b)
})

func (p procKernel) SetUTSName(domain bool, name string) { p.k.setUTSName(domain, name) }

func (p procKernel) System() procfs.System {
	var si unix.Sysinfo_t
	_ = unix.Sysinfo(&si)
	p.k.mu.Lock()
	threads, last := len(p.k.tasks), p.k.nextTID-1
	p.k.mu.Unlock()
	host, domain := p.k.utsName()
	return procfs.System{
		Hostname: host, Domainname: domain, Release: p.k.host.release, Version: p.k.host.version,
		Boot: p.k.start, CPUs: runtime.NumCPU(), CPUInfo: p.cpuInfo(),
		MemTotal: si.Totalram * uint64(si.Unit), MemFree: si.Freeram * uint64(si.Unit),
		Threads: threads, LastPID: last, Somaxconn: 4096, Overcommit: 1,
		RandomizeVASpace: p.k.cfg.ASLR.RandomizeVASpace(),
		UIDMap:           p.k.cfg.UIDMap, GIDMap: p.k.cfg.GIDMap, Sysctl: p.k.cfg.Sysctl,
	}
}

func (p procKernel) Mounts() []vfs.MountInfo { return p.k.cfg.FS.Mounts() }

func (p procKernel) NetFiles() []string                 { return p.k.net.stack.ProcNetFiles() }
func (p procKernel) NetFile(name string) (string, bool) { return p.k.net.stack.ProcNet(name) }

// procTG is a thread group as procfs sees it.
type procTG struct{ tg *ThreadGroup }

func (p procTG) Status() procfs.Status {
	tg := p.tg
	tg.mu.Lock()
	n := len(tg.tasks)
	var lead *Task
	for _, t := range tg.tasks {
		if lead == nil || t.tid < lead.tid {
			lead = t
		}
	}
	tg.mu.Unlock()
	// Resident size is the memory file's pages the address space holds,
	// what the OOM killer compares (oom.go).
	mm, _, _ := tg.memory()
	size, rss := mm.VirtualSize(), uint64(mm.Resident())
	tg.fs.mu.Lock()
	umask := tg.fs.umask
	tg.fs.mu.Unlock()
	tg.mu.Lock()
	nnp := tg.noNewPrivs
	tg.mu.Unlock()
	comm := ""
	state := byte('S')
	var nice int32
	if lead != nil {
		comm = lead.comm()
		nice = lead.nice.Load()
	}
	if c := tg.k.threads.current(); c != nil && c.tg == tg {
		state = 'R'
	}
	tg.k.mu.Lock()
	ppid, pgid, sid := 0, tg.proc.pgid, tg.proc.sid
	if pp := tg.proc.parent; pp != nil {
		ppid = pp.pid
	}
	switch {
	case tg.proc.zombie:
		state = 'Z'
	case tg.proc.stopped:
		state = 'T'
	}
	tg.k.mu.Unlock()
	c := tg.credentials()
	sig := tg.signalStatus(lead)
	return procfs.Status{
		PID: tg.pid, PPID: ppid, PGID: pgid, SID: sid, Comm: comm, State: state,
		UID: c.RealUID, EUID: c.EffectiveUID, SUID: c.SavedUID, FSUID: c.FilesystemUID,
		GID: c.RealGID, EGID: c.EffectiveGID, SGID: c.SavedGID, FSGID: c.FilesystemGID, Groups: c.Groups,
		Threads: n, Start: tg.k.start, Nice: int(nice),
		VmSize: size, VmRSS: rss, Umask: umask, NoNewPrivs: nnp,
		CapInh: c.Caps.Inheritable, CapPrm: c.Caps.Permitted, CapEff: c.Caps.Effective,
		CapBnd: c.Caps.Bounding, CapAmb: c.Caps.Ambient,
		SigPnd: uint64(sig.pnd), ShdPnd: uint64(sig.shd),
		SigBlk: uint64(sig.blk), SigIgn: uint64(sig.ign), SigCgt: uint64(sig.cgt),
	}
}

func (p procTG) Tasks() []int {
	p.tg.mu.Lock()
	defer p.tg.mu.Unlock()
	var out []int
	for tid := range p.tg.tasks {
		out = append(out, tid)
	}
	sort.Ints(out)
	return out
}

func (p procTG) TaskComm(tid int) (string, bool) {
	p.tg.mu.Lock()
	t := p.tg.tasks[tid]
	p.tg.mu.Unlock()
	if t == nil {
		return "", false
	}
	return t.comm(), true
}

// SetTaskComm names the thread tid; the kernel's lead thread (the one
// /proc/PID/comm names) is the lowest TID, as in Status.
func (p procTG) SetTaskComm(tid int, name string) bool {
	p.tg.mu.Lock()
	t := p.tg.tasks[tid]
	if tid == 0 {
		for _, c := range p.tg.tasks {
			if t == nil || c.tid < t.tid {
				t = c
			}
		}
	}
	p.tg.mu.Unlock()
	if t == nil {
		return false
	}
	t.setComm(name)
	return true
}

func (p procTG) OOMScoreAdj() int {
	p.tg.mu.Lock()
	defer p.tg.mu.Unlock()
	return p.tg.oomScoreAdj
}

func (p procTG) SetOOMScoreAdj(v int) {
	p.tg.mu.Lock()
	p.tg.oomScoreAdj = v
	p.tg.mu.Unlock()
}

func (p procTG) Cmdline() []string { return p.tg.argv }
func (p procTG) Environ() []string { return p.tg.envp }
func (p procTG) Exe() string       { return p.tg.exe }

func (p procTG) Cwd() *vfs.Dentry {
	p.tg.fs.mu.Lock()
	defer p.tg.fs.mu.Unlock()
	return p.tg.fs.cwd
}

// Maps adds the platform's reserved ranges the application can see (the
// vDSO and its data page) to the address space's own mappings.
func (p procTG) Maps() []vm.VMAInfo {
	mm, as, _ := p.tg.memory()
	maps := mm.Maps()
	vdso := as.VDSO()
	if vdso == 0 || !p.tg.k.cfg.VDSO {
		return maps
	}
	res := as.Reserved()
	for _, r := range res {
		if r.Start <= vdso && vdso < r.End {
			maps = append(maps, vm.VMAInfo{Start: r.Start, End: r.End, Prot: unix.PROT_READ | unix.PROT_EXEC, Name: "[vdso]"})
			for _, v := range res {
				if v.End == r.Start {
					maps = append(maps, vm.VMAInfo{Start: v.Start, End: v.End, Prot: unix.PROT_READ, Name: "[vvar]"})
				}
			}
		}
	}
	sort.Slice(maps, func(i, j int) bool { return maps[i].Start < maps[j].Start })
	return maps
}

func (p procTG) Owner() (uid, gid uint32, dumpable bool) { return p.tg.owner() }

func (p procTG) Limits() [16][2]uint64 {
	p.tg.mu.Lock()
	defer p.tg.mu.Unlock()
	var out [16][2]uint64
	for i, l := range p.tg.limits {
		out[i] = [2]uint64{l.cur, l.max}
	}
	return out
}

func (p procTG) FDs() []int {
	_, _, t := p.tg.memory()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []int
	for fd, e := range t.slots {
		if e.file != nil {
			out = append(out, fd)
		}
	}
	return out
}

func (p procTG) FD(fd int) (*vfs.File, bool, bool) {
	_, _, t := p.tg.memory()
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.slots) || t.slots[fd].file == nil {
		return nil, false, false
	}
	e := t.slots[fd]
	e.file.IncRef()
	return e.file, e.cloexec, true
}

// cpuInfo is /proc/cpuinfo: the host's when the application runs on the
// host CPU (ptrace), else a description of the interpreted riscv64 harts.
func (p procKernel) cpuInfo() string {
	if p.k.cfg.Platform == nil || p.k.cfg.Platform.Arch() != arch.RISCV64 {
		return hostCPUInfo()
	}
	var b strings.Builder
	for i := 0; i < runtime.NumCPU(); i++ {
		fmt.Fprintf(&b, "processor\t: %d\nhart\t\t: %d\nisa\t\t: rv64imafdc_zicsr_zifencei\nmmu\t\t: sv39\n\n", i, i)
	}
	return b.String()
}
