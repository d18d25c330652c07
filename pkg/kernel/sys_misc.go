package kernel

import (
	"crypto/rand"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/vm"
)

// Identity, system information, limits, randomness and thread bookkeeping.

func sysGetpid(t *Task, a [6]uint64) (uint64, error) { return uint64(t.tg.pid), nil }
func sysGettid(t *Task, a [6]uint64) (uint64, error) { return uint64(t.tid), nil }

func sysUname(t *Task, a [6]uint64) (uint64, error) {
	const field = 65
	b := make([]byte, 6*field)
	machine := "x86_64"
	if t.regs.Arch == arch.RISCV64 {
		machine = "riscv64"
	}
	host, domain := t.k.utsName()
	for i, s := range []string{"Linux", host, t.k.host.release, t.k.host.version, machine, domain} {
		copy(b[i*field:(i+1)*field-1], s)
	}
	return 0, t.copyOut(a[0], b)
}

func sysGetrandom(t *Task, a [6]uint64) (uint64, error) {
	const grndNonblock, grndRandom, grndInsecure = 1, 2, 4
	if a[2]&^(grndNonblock|grndRandom|grndInsecure) != 0 || a[2]&(grndRandom|grndInsecure) == grndRandom|grndInsecure {
		return 0, unix.EINVAL
	}
	n := min(a[1], 1<<25-1)
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return n, t.copyOut(a[0], b)
}

func sysPrlimit64(t *Task, a [6]uint64) (uint64, error) {
	if p := int32(a[0]); p != 0 && int(p) != t.tg.pid {
		return 0, unix.ESRCH
	}
	var newLim *rlimit
	if a[2] != 0 {
		var l linux.RLimit
		if err := t.copyInObj(a[2], fixed[linux.RLimit]{&l}); err != nil {
			return 0, err
		}
		newLim = &rlimit{l.Cur, l.Max}
	}
	old, err := t.tg.prlimit(int(a[1]), newLim)
	if err != nil {
		return 0, err
	}
	if a[3] != 0 {
		return 0, t.putRlimit(a[3], old)
	}
	return 0, nil
}

func (t *Task) putRlimit(addr uint64, r rlimit) error {
	return t.copyOutObj(addr, fixed[linux.RLimit]{&linux.RLimit{Cur: r.cur, Max: r.max}})
}

func sysGetrlimit(t *Task, a [6]uint64) (uint64, error) {
	old, err := t.tg.prlimit(int(a[0]), nil)
	if err != nil {
		return 0, err
	}
	return 0, t.putRlimit(a[1], old)
}

func sysSetrlimit(t *Task, a [6]uint64) (uint64, error) {
	var l linux.RLimit
	if err := t.copyInObj(a[1], fixed[linux.RLimit]{&l}); err != nil {
		return 0, err
	}
	_, err := t.tg.prlimit(int(a[0]), &rlimit{l.Cur, l.Max})
	return 0, err
}

func sysSysinfo(t *Task, a [6]uint64) (uint64, error) {
	var host unix.Sysinfo_t
	_ = unix.Sysinfo(&host)
	si := linux.Sysinfo{
		Uptime:    int64(time.Since(t.k.start).Seconds()),
		TotalRAM:  host.Totalram,
		FreeRAM:   host.Freeram,
		SharedRAM: host.Sharedram,
		BufferRAM: host.Bufferram,
		Unit:      host.Unit,
	}
	t.k.mu.Lock()
	si.Procs = uint16(len(t.k.tasks))
	t.k.mu.Unlock()
	// struct sysinfo is 112 bytes; gVisor's ends at mem_unit (108), the
	// rest is the kernel's padding.
	b := make([]byte, 112)
	si.MarshalBytes(b)
	return 0, t.copyOut(a[0], b)
}

func sysSchedYield(t *Task, a [6]uint64) (uint64, error) {
	runtime.Gosched()
	return 0, nil
}

func sysGetcpu(t *Task, a [6]uint64) (uint64, error) {
	for _, p := range []uint64{a[0], a[1]} {
		if p != 0 {
			if err := t.writeU32(p, 0); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

// arch_prctl codes (asm/prctl.h).
const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
	archGetGS = 0x1004
)

// sysArchPrctl: a base at or above TASK_SIZE_MAX (the last user page
// excluded, as do_arch_prctl_64 checks) is EPERM; the host would refuse to
// load it into the stub anyway.
func sysArchPrctl(t *Task, a [6]uint64) (uint64, error) {
	switch a[0] {
	case archSetFS:
		if a[1] >= vm.TaskSize {
			return 0, unix.EPERM
		}
		t.regs.AMD64.FsBase = a[1]
		return 0, nil
	case archSetGS:
		if a[1] >= vm.TaskSize {
			return 0, unix.EPERM
		}
		t.regs.AMD64.GsBase = a[1]
		return 0, nil
	case archGetFS:
		return 0, t.writeU64(a[1], t.regs.AMD64.FsBase)
	case archGetGS:
		return 0, t.writeU64(a[1], t.regs.AMD64.GsBase)
	}
	return 0, unix.EINVAL
}

func sysSetTidAddress(t *Task, a [6]uint64) (uint64, error) {
	t.clearChildTID = a[0]
	return uint64(t.tid), nil
}

func sysSetRobustList(t *Task, a [6]uint64) (uint64, error) {
	if a[1] != 24 {
		return 0, unix.EINVAL
	}
	t.robustList = a[0]
	return 0, nil
}

// sysExit ends the calling thread; the last thread's status becomes the
// process's (exitTask).
func sysExit(t *Task, a [6]uint64) (uint64, error) {
	t.exitCode = int(a[0] & 0xff)
	return 0, errExited
}

func sysExitGroup(t *Task, a [6]uint64) (uint64, error) {
	t.tg.exitGroup(ExitStatus{Code: int(a[0] & 0xff)})
	return 0, errExited
}

func sysGetRobustList(t *Task, a [6]uint64) (uint64, error) {
	target := t
	if a[0] != 0 {
		if target = t.k.taskByTID(int(a[0])); target == nil {
			return 0, unix.ESRCH
		}
	}
	if err := t.writeU64(a[1], target.robustList); err != nil {
		return 0, err
	}
	return 0, t.writeU64(a[2], 24)
}
