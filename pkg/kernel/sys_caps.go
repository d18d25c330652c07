package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// capget and capset. The sandbox has no capability sets of its own (see
// creds.go): a process holds every capability Linux defines while its
// effective uid is 0 (effective) or any of its uids is 0 (permitted), as
// uid 0 does without securebits, and none otherwise; the inheritable set
// is empty. capset accepts a request that changes nothing and refuses any
// other with EPERM rather than pretend to drop or raise a capability.

const (
	capVersion1 = 0x19980330
	capVersion2 = 0x20071026
	capVersion3 = 0x20080522
	// capAll are capabilities 0..CAP_LAST_CAP (40, CAP_CHECKPOINT_RESTORE).
	capAll = 1<<41 - 1
)

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
	var b [8]byte
	if err := t.copyIn(addr, b[:]); err != nil {
		return 0, 0, err
	}
	switch binary.LittleEndian.Uint32(b[:]) {
	case capVersion1:
		words = 1
	case capVersion2, capVersion3:
		words = 2
	default:
		if err := t.writeU32(addr, capVersion3); err != nil {
			return 0, 0, err
		}
		return 0, 0, unix.EINVAL
	}
	return words, int32(binary.LittleEndian.Uint32(b[4:])), nil
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
	b := make([]byte, 12*words)
	for i := 0; i < words; i++ {
		shift := 32 * i
		binary.LittleEndian.PutUint32(b[12*i:], uint32(eff>>shift))
		binary.LittleEndian.PutUint32(b[12*i+4:], uint32(perm>>shift))
		binary.LittleEndian.PutUint32(b[12*i+8:], uint32(inh>>shift))
	}
	return 0, t.copyOut(a[1], b)
}

func sysCapset(t *Task, a [6]uint64) (uint64, error) {
	words, pid, err := t.capHeader(a[0])
	if err != nil {
		return 0, err
	}
	if pid != 0 && int(pid) != t.tid {
		return 0, unix.EPERM // only the caller's own sets
	}
	b := make([]byte, 12*words)
	if err := t.copyIn(a[1], b); err != nil {
		return 0, err
	}
	var eff, perm, inh uint64
	for i := 0; i < words; i++ {
		shift := 32 * i
		eff |= uint64(binary.LittleEndian.Uint32(b[12*i:])) << shift
		perm |= uint64(binary.LittleEndian.Uint32(b[12*i+4:])) << shift
		inh |= uint64(binary.LittleEndian.Uint32(b[12*i+8:])) << shift
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
