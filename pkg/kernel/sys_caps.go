package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// capget and capset over the process's emulated sets (caps.go).

// capHeader reads a cap_user_header_t: the number of data structs its
// version takes, and the pid. An unknown version is EINVAL, with the
// preferred version written back (how libcap probes).
func (t *Task) capHeader(addr uint64) (words int, pid int32, err error) {
	var h linux.CapUserHeader
	if err := t.copyInObj(addr, &h); err != nil {
		return 0, 0, err
	}
	switch h.Version {
	case linux.LINUX_CAPABILITY_VERSION_1:
		words = 1
	case linux.LINUX_CAPABILITY_VERSION_2, linux.LINUX_CAPABILITY_VERSION_3:
		words = 2
	default:
		if err := t.writeU32(addr, linux.LINUX_CAPABILITY_VERSION_3); err != nil {
			return 0, 0, err
		}
		return 0, 0, unix.EINVAL
	}
	return words, h.Pid, nil
}

func sysCapget(t *Task, a [6]uint64) (uint64, error) {
	words, pid, err := t.capHeader(a[0])
	if a[1] == 0 && (err == nil || err == unix.EINVAL) {
		return 0, nil // a version probe: the version is written back
	}
	if err != nil {
		return 0, err
	}
	if pid < 0 {
		return 0, unix.EINVAL
	}
	c := t.cred()
	if pid != 0 {
		target := t.k.taskByTID(int(pid))
		if target == nil {
			return 0, unix.ESRCH
		}
		c = target.cred()
	}
	eff, perm, inh := c.Caps.Effective, c.Caps.Permitted, c.Caps.Inheritable
	data := make(slice[linux.CapUserData, *linux.CapUserData], words)
	for i := range data {
		shift := 32 * i
		data[i] = linux.CapUserData{Effective: uint32(eff >> shift), Permitted: uint32(perm >> shift), Inheritable: uint32(inh >> shift)}
	}
	return 0, t.copyOutObj(a[1], data)
}

func sysCapset(t *Task, a [6]uint64) (uint64, error) {
	words, pid, err := t.capHeader(a[0])
	if err != nil {
		return 0, err
	}
	if pid != 0 && int(pid) != t.tid {
		return 0, unix.EPERM // only the caller's own sets
	}
	data := make(slice[linux.CapUserData, *linux.CapUserData], words)
	if err := t.copyInObj(a[1], data); err != nil {
		return 0, err
	}
	var eff, perm, inh uint64
	for i, d := range data {
		shift := 32 * i
		eff |= uint64(d.Effective) << shift
		perm |= uint64(d.Permitted) << shift
		inh |= uint64(d.Inheritable) << shift
	}
	// Bits past CAP_LAST_CAP are dropped, as Linux's capset does.
	eff, perm, inh = eff&capAll, perm&capAll, inh&capAll
	return 0, t.tg.setCreds(func(c *Credentials) error {
		e, p, i := eff, perm, inh
		if words == 1 {
			// Version 1 names only the low 32 capabilities; the
			// others keep their values.
			const hi = ^uint64(0xffffffff)
			e, p, i = e|c.Caps.Effective&hi, p|c.Caps.Permitted&hi, i|c.Caps.Inheritable&hi
		}
		if !c.capset(e, p, i) {
			return unix.EPERM
		}
		return nil
	})
}
