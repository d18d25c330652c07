package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// capget and capset. The sandbox has no capability sets of its own (see
// creds.go): a process holds every capability Linux defines while its
// effective uid is 0 (effective) or any of its uids is 0 (permitted), as
// uid 0 does without securebits, and none otherwise; the inheritable set
// is empty. capset accepts a request that changes nothing and refuses any
// other with EPERM rather than pretend to drop or raise a capability.

// capAll are capabilities 0..CAP_LAST_CAP.
const capAll = 1<<(linux.CAP_LAST_CAP+1) - 1

// capSets are the effective, permitted and inheritable sets of c.
func (c *Credentials) capSets() (eff, perm, inh uint64) {
	if c.RealUID == 0 || c.EffectiveUID == 0 || c.SavedUID == 0 {
		perm = capAll
	}
	if c.EffectiveUID == 0 {
		eff = perm
	}
	return eff, perm, 0
}

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
	eff, perm, inh := c.capSets()
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
	ce, cp, ci := t.cred().capSets()
	if words == 1 {
		// Version 1 names only the low 32 capabilities.
		ce, cp, ci = ce&0xffffffff, cp&0xffffffff, ci&0xffffffff
	}
	if eff == ce && perm == cp && inh == ci {
		return 0, nil
	}
	return 0, unix.EPERM
}
