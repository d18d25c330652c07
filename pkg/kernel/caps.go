package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Capability sets, emulated per process as Linux's struct cred holds
// them (include/linux/capability.h, security/commoncap.c): effective,
// permitted, inheritable, bounding and ambient, one bit per CAP_*. They
// change only by the rules Linux applies: set*uid moving ids away from
// or back to 0 (cap_emulate_setxuid, the fsuid fixup), execve
// (cap_bprm_creds_from_file, with no file capabilities: the sandbox
// reads no security.capability xattrs), capset, and prctl's bounding,
// keep-caps and ambient operations. Privileged operations test the one
// capability Linux tests (hasCap), so a container whose config drops
// CAP_KILL, or a root process that dropped CAP_DAC_OVERRIDE, is refused
// as it would be on Linux.

// capAll are capabilities 0..CAP_LAST_CAP.
const capAll = 1<<(linux.CAP_LAST_CAP+1) - 1

// CapSets are a process's capability sets.
type CapSets struct {
	Effective, Permitted, Inheritable, Bounding, Ambient uint64
}

// rootCaps are uid 0's sets at boot: everything but inheritable and
// ambient; unprivileged ids start with none but the bounding set.
func initialCaps(uid uint32) CapSets {
	if uid == 0 {
		return CapSets{Effective: capAll, Permitted: capAll, Bounding: capAll}
	}
	return CapSets{Bounding: capAll}
}

// hostCaps are the sentry's own capability sets, or uid's initial ones
// if the host will not say.
func hostCaps(uid uint32) CapSets {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return initialCaps(uid)
	}
	c := CapSets{
		Effective:   uint64(data[0].Effective) | uint64(data[1].Effective)<<32,
		Permitted:   uint64(data[0].Permitted) | uint64(data[1].Permitted)<<32,
		Inheritable: uint64(data[0].Inheritable) | uint64(data[1].Inheritable)<<32,
	}
	for i := 0; i <= int(linux.CAP_LAST_CAP); i++ {
		if r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0); err == nil && r == 1 {
			c.Bounding |= 1 << i
		}
		if r, err := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, uintptr(i), 0, 0); err == nil && r == 1 {
			c.Ambient |= 1 << i
		}
	}
	return c
}

// fsCaps are the capabilities the fsuid fixup moves (CAP_FS_MASK).
const fsCaps = 1<<linux.CAP_CHOWN | 1<<linux.CAP_DAC_OVERRIDE | 1<<linux.CAP_DAC_READ_SEARCH |
	1<<linux.CAP_FOWNER | 1<<linux.CAP_FSETID | 1<<linux.CAP_LINUX_IMMUTABLE | 1<<linux.CAP_MKNOD |
	1<<linux.CAP_MAC_OVERRIDE

// hasCap reports whether cap is in the effective set.
func (c *Credentials) hasCap(cap linux.Capability) bool { return c.Caps.Effective&(1<<uint(cap)) != 0 }

// fixCapsForIDs applies Linux's capability rules for a change of uids
// from old to c (setuid family and setfsuid): leaving uid 0 entirely
// clears the permitted and effective sets unless keep-caps is set (and
// the ambient set always); euid leaving 0 clears the effective set,
// returning to 0 restores it from the permitted one; fsuid leaving or
// returning to 0 drops or restores the filesystem capabilities.
func (c *Credentials) fixCapsForIDs(old *Credentials) {
	wasRoot := old.RealUID == 0 || old.EffectiveUID == 0 || old.SavedUID == 0
	isRoot := c.RealUID == 0 || c.EffectiveUID == 0 || c.SavedUID == 0
	if wasRoot && !isRoot {
		if !c.KeepCaps {
			c.Caps.Permitted, c.Caps.Effective = 0, 0
		}
		c.Caps.Ambient = 0
	}
	if old.EffectiveUID == 0 && c.EffectiveUID != 0 {
		c.Caps.Effective = 0
	}
	if old.EffectiveUID != 0 && c.EffectiveUID == 0 {
		c.Caps.Effective = c.Caps.Permitted
	}
	if old.FilesystemUID == 0 && c.FilesystemUID != 0 {
		c.Caps.Effective &^= fsCaps
	}
	if old.FilesystemUID != 0 && c.FilesystemUID == 0 {
		c.Caps.Effective |= c.Caps.Permitted & fsCaps
	}
}

// execCaps computes the sets after execve from old's (c holds the new
// ids): root (real or effective) gets bounding | inheritable permitted,
// effective too when the effective uid is 0; a set-id exec cancels the
// ambient set; otherwise the ambient set is what survives. Keep-caps
// does not survive exec.
func (c *Credentials) execCaps(old *Credentials) {
	var prm uint64
	effective := false
	if c.EffectiveUID == 0 || c.RealUID == 0 {
		prm = old.Caps.Bounding | old.Caps.Inheritable
		effective = c.EffectiveUID == 0
	}
	amb := old.Caps.Ambient
	if c.EffectiveUID != old.RealUID || c.EffectiveGID != old.RealGID {
		amb = 0
	}
	c.Caps.Ambient = amb
	c.Caps.Permitted = prm | amb
	if effective {
		c.Caps.Effective = c.Caps.Permitted
	} else {
		c.Caps.Effective = amb
	}
	c.KeepCaps = false
}

// capset checks new effective/permitted/inheritable sets against c's as
// Linux's cap_capset does (EPERM) and installs them; the ambient set
// keeps only what stays permitted and inheritable.
func (c *Credentials) capset(eff, prm, inh uint64) bool {
	cur := c.Caps
	if !c.hasCap(linux.CAP_SETPCAP) && inh&^(cur.Inheritable|cur.Permitted) != 0 {
		return false
	}
	if inh&^(cur.Inheritable|cur.Bounding) != 0 || prm&^cur.Permitted != 0 || eff&^prm != 0 {
		return false
	}
	c.Caps.Effective, c.Caps.Permitted, c.Caps.Inheritable = eff, prm, inh
	c.Caps.Ambient &= prm & inh
	return true
}

// prctlCaps serves prctl's capability operations: PR_CAPBSET_READ and
// _DROP (CAP_SETPCAP), PR_GET/SET_KEEPCAPS, and PR_CAP_AMBIENT's
// IS_SET, RAISE (the capability must be permitted and inheritable),
// LOWER and CLEAR_ALL; a capability past CAP_LAST_CAP is EINVAL.
func (t *Task) prctlCaps(a [6]uint64) (uint64, error) {
	validCap := func(v uint64) bool { return v <= uint64(linux.CAP_LAST_CAP) }
	c := t.cred()
	switch a[0] {
	case unix.PR_CAPBSET_READ:
		if !validCap(a[1]) {
			return 0, unix.EINVAL
		}
		return b2u(c.Caps.Bounding&(1<<a[1]) != 0), nil
	case unix.PR_GET_KEEPCAPS:
		return b2u(c.KeepCaps), nil
	case unix.PR_SET_KEEPCAPS:
		if a[1] > 1 {
			return 0, unix.EINVAL
		}
		return 0, t.tg.setCreds(func(c *Credentials) error { c.KeepCaps = a[1] == 1; return nil })
	case unix.PR_CAPBSET_DROP:
		if !validCap(a[1]) {
			return 0, unix.EINVAL
		}
		return 0, t.tg.setCreds(func(c *Credentials) error {
			if !c.hasCap(linux.CAP_SETPCAP) {
				return unix.EPERM
			}
			c.Caps.Bounding &^= 1 << a[1]
			return nil
		})
	}
	// PR_CAP_AMBIENT: unused arguments must be 0.
	if a[3] != 0 || a[4] != 0 || a[1] != unix.PR_CAP_AMBIENT_CLEAR_ALL && !validCap(a[2]) {
		return 0, unix.EINVAL
	}
	bit := uint64(1) << (a[2] & 63)
	switch a[1] {
	case unix.PR_CAP_AMBIENT_IS_SET:
		return b2u(c.Caps.Ambient&bit != 0), nil
	case unix.PR_CAP_AMBIENT_CLEAR_ALL:
		if a[2] != 0 {
			return 0, unix.EINVAL
		}
		return 0, t.tg.setCreds(func(c *Credentials) error { c.Caps.Ambient = 0; return nil })
	case unix.PR_CAP_AMBIENT_RAISE:
		return 0, t.tg.setCreds(func(c *Credentials) error {
			if c.Caps.Permitted&bit == 0 || c.Caps.Inheritable&bit == 0 {
				return unix.EPERM
			}
			c.Caps.Ambient |= bit
			return nil
		})
	case unix.PR_CAP_AMBIENT_LOWER:
		return 0, t.tg.setCreds(func(c *Credentials) error { c.Caps.Ambient &^= bit; return nil })
	}
	return 0, unix.EINVAL
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
