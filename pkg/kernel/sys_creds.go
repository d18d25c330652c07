package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/marshal/primitive"
)

// The credential syscalls (creds.go holds the rules). Ids are 32 bits:
// the upper half of a register is ignored, as Linux's uid_t argument
// ignores it.

func sysGetuid(t *Task, a [6]uint64) (uint64, error)  { return uint64(t.cred().RealUID), nil }
func sysGeteuid(t *Task, a [6]uint64) (uint64, error) { return uint64(t.cred().EffectiveUID), nil }
func sysGetgid(t *Task, a [6]uint64) (uint64, error)  { return uint64(t.cred().RealGID), nil }
func sysGetegid(t *Task, a [6]uint64) (uint64, error) { return uint64(t.cred().EffectiveGID), nil }

func sysGetresuid(t *Task, a [6]uint64) (uint64, error) {
	c := t.cred()
	return 0, t.putIDs([]uint32{c.RealUID, c.EffectiveUID, c.SavedUID}, a[0], a[1], a[2])
}

func sysGetresgid(t *Task, a [6]uint64) (uint64, error) {
	c := t.cred()
	return 0, t.putIDs([]uint32{c.RealGID, c.EffectiveGID, c.SavedGID}, a[0], a[1], a[2])
}

func (t *Task) putIDs(ids []uint32, addrs ...uint64) error {
	for i, p := range addrs {
		if err := t.writeU32(p, ids[i]); err != nil {
			return err
		}
	}
	return nil
}

func id(r uint64) uint32 { return uint32(r) }

func sysSetuid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setuid(id(a[0])) })
}

func sysSetgid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setgid(id(a[0])) })
}

func sysSetreuid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setreuid(id(a[0]), id(a[1])) })
}

func sysSetregid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setregid(id(a[0]), id(a[1])) })
}

func sysSetresuid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setresuid(id(a[0]), id(a[1]), id(a[2])) })
}

func sysSetresgid(t *Task, a [6]uint64) (uint64, error) {
	return 0, t.tg.setCreds(func(c *Credentials) error { return c.setresgid(id(a[0]), id(a[1]), id(a[2])) })
}

// sysSetfsuid returns the previous filesystem uid whether or not it
// changed it: the only way to read it.
func sysSetfsuid(t *Task, a [6]uint64) (uint64, error) {
	var old uint32
	_ = t.tg.setCreds(func(c *Credentials) error {
		old = c.FilesystemUID
		c.setfsuid(id(a[0]))
		return nil
	})
	return uint64(old), nil
}

func sysSetfsgid(t *Task, a [6]uint64) (uint64, error) {
	var old uint32
	_ = t.tg.setCreds(func(c *Credentials) error {
		old = c.FilesystemGID
		c.setfsgid(id(a[0]))
		return nil
	})
	return uint64(old), nil
}

func sysGetgroups(t *Task, a [6]uint64) (uint64, error) {
	size := int32(a[0])
	if size < 0 {
		return 0, unix.EINVAL
	}
	gs := t.cred().Groups
	if size == 0 {
		return uint64(len(gs)), nil
	}
	if int(size) < len(gs) {
		return 0, unix.EINVAL
	}
	out := make(slice[primitive.Uint32, *primitive.Uint32], len(gs))
	for i, g := range gs {
		out[i] = primitive.Uint32(g)
	}
	return uint64(len(gs)), t.copyOutObj(a[1], out)
}

func sysSetgroups(t *Task, a [6]uint64) (uint64, error) {
	if !t.cred().hasCapSetgid() {
		return 0, unix.EPERM
	}
	size := uint32(a[0])
	if size > ngroupsMax {
		return 0, unix.EINVAL
	}
	in := make(slice[primitive.Uint32, *primitive.Uint32], size)
	if err := t.copyInObj(a[1], in); err != nil {
		return 0, err
	}
	gs := make([]uint32, size)
	for i := range gs {
		if gs[i] = uint32(in[i]); gs[i] == noID {
			return 0, unix.EINVAL
		}
	}
	gs = normGroups(gs)
	return 0, t.tg.setCreds(func(c *Credentials) error {
		if !c.hasCapSetgid() {
			return unix.EPERM
		}
		c.Groups = gs
		return nil
	})
}
