package kernel

import (
	"testing"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

func TestSetIDRulesFollowLinux(t *testing.T) {
	root := Credentials{Caps: initialCaps(0)}
	user := Credentials{RealUID: 1000, EffectiveUID: 1001, SavedUID: 1002, FilesystemUID: 1001,
		RealGID: 100, EffectiveGID: 101, SavedGID: 102, FilesystemGID: 101}
	for _, tc := range []struct {
		name    string
		from    Credentials
		op      func(c *Credentials) error
		wantErr error
		want    [4]uint32 // r, e, s, fs uid (or gid for gid ops)
		gid     bool
	}{
		{"root setuid sets all", root, func(c *Credentials) error { return c.setuid(5) }, nil, [4]uint32{5, 5, 5, 5}, false},
		{"setuid -1", root, func(c *Credentials) error { return c.setuid(noID) }, unix.EINVAL, [4]uint32{}, false},
		{"user setuid to saved", user, func(c *Credentials) error { return c.setuid(1002) }, nil, [4]uint32{1000, 1002, 1002, 1002}, false},
		{"user setuid elsewhere", user, func(c *Credentials) error { return c.setuid(7) }, unix.EPERM, [4]uint32{1000, 1001, 1002, 1001}, false},
		{"setreuid real sets saved", user, func(c *Credentials) error { return c.setreuid(1001, noID) }, nil, [4]uint32{1001, 1001, 1001, 1001}, false},
		{"setreuid real to saved is EPERM", user, func(c *Credentials) error { return c.setreuid(1002, noID) }, unix.EPERM, [4]uint32{1000, 1001, 1002, 1001}, false},
		{"setreuid effective to real keeps saved", user, func(c *Credentials) error { return c.setreuid(noID, 1000) }, nil, [4]uint32{1000, 1000, 1002, 1000}, false},
		{"setreuid refused effective leaves real", user, func(c *Credentials) error { return c.setreuid(1001, 9) }, unix.EPERM, [4]uint32{1000, 1001, 1002, 1001}, false},
		{"setregid refused effective leaves real", user, func(c *Credentials) error { return c.setregid(101, 9) }, unix.EPERM, [4]uint32{100, 101, 102, 101}, true},
		{"setreuid -1 -1", user, func(c *Credentials) error { return c.setreuid(noID, noID) }, nil, [4]uint32{1000, 1001, 1002, 1001}, false},
		{"setresuid permutes", user, func(c *Credentials) error { return c.setresuid(1002, 1000, 1001) }, nil, [4]uint32{1002, 1000, 1001, 1000}, false},
		{"setresuid stranger", user, func(c *Credentials) error { return c.setresuid(noID, 9, noID) }, unix.EPERM, [4]uint32{1000, 1001, 1002, 1001}, false},
		{"user setgid to real", user, func(c *Credentials) error { return c.setgid(100) }, nil, [4]uint32{100, 100, 102, 100}, true},
		{"user setresgid stranger", user, func(c *Credentials) error { return c.setresgid(5, noID, noID) }, unix.EPERM, [4]uint32{100, 101, 102, 101}, true},
		{"root setregid", root, func(c *Credentials) error { return c.setregid(3, 4) }, nil, [4]uint32{3, 4, 4, 4}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.from
			err := tc.op(&c)
			if err != tc.wantErr {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil && tc.want == [4]uint32{} {
				return
			}
			// A refused call changes nothing (the want of such a case is
			// the ids it started with).
			got := [4]uint32{c.RealUID, c.EffectiveUID, c.SavedUID, c.FilesystemUID}
			if tc.gid {
				got = [4]uint32{c.RealGID, c.EffectiveGID, c.SavedGID, c.FilesystemGID}
			}
			if got != tc.want {
				t.Fatalf("ids %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMayAccessUsesOwnerGroupOtherBits(t *testing.T) {
	user := &Credentials{FilesystemUID: 1000, FilesystemGID: 100, Groups: []uint32{7, 20}}
	root := &Credentials{Caps: initialCaps(0)}
	// root without CAP_DAC_OVERRIDE, with CAP_DAC_READ_SEARCH.
	reader := &Credentials{Caps: CapSets{Effective: 1 << linux.CAP_DAC_READ_SEARCH}}
	reg := uint32(unix.S_IFREG)
	for _, tc := range []struct {
		name     string
		c        *Credentials
		mode     uint32
		uid, gid uint32
		want     uint32
		ok       bool
	}{
		{"owner bits", user, reg | 0o604, 1000, 0, unix.R_OK | unix.W_OK, true},
		{"owner bits win over other", user, reg | 0o007, 1000, 0, unix.R_OK, false},
		{"fs group", user, reg | 0o040, 0, 100, unix.R_OK, true},
		{"supplementary group", user, reg | 0o020, 0, 20, unix.W_OK, true},
		{"other", user, reg | 0o001, 0, 0, unix.X_OK, true},
		{"other denied", user, reg | 0o770, 0, 0, unix.R_OK, false},
		{"root reads anything", root, reg, 5, 5, unix.R_OK | unix.W_OK, true},
		{"root exec needs an x bit", root, reg | 0o600, 5, 5, unix.X_OK, false},
		{"root searches any directory", root, unix.S_IFDIR, 5, 5, unix.X_OK, true},
		{"root without DAC_OVERRIDE reads", reader, reg, 5, 5, unix.R_OK, true},
		{"root without DAC_OVERRIDE cannot write", reader, reg, 5, 5, unix.W_OK, false},
		{"root without DAC_OVERRIDE searches", reader, unix.S_IFDIR, 5, 5, unix.R_OK | unix.X_OK, true},
		{"root without DAC_OVERRIDE cannot create", reader, unix.S_IFDIR, 5, 5, unix.W_OK | unix.X_OK, false},
		{"root with no capability is other", &Credentials{}, reg | 0o004, 5, 5, unix.R_OK, true},
		{"root with no capability is refused", &Credentials{}, reg | 0o600, 5, 5, unix.R_OK, false},
	} {
		if got := tc.c.mayAccess(tc.mode, tc.uid, tc.gid, tc.want); got != tc.ok {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// TestCapabilitiesFollowIDsAsLinux: cap_emulate_setxuid, the fsuid
// fixup, execve's recomputation and capset's subset rules.
func TestCapabilitiesFollowIDsAsLinux(t *testing.T) {
	const all = capAll
	root := func() Credentials { return Credentials{Caps: initialCaps(0)} }
	setuid := func(c Credentials, uid uint32, keep bool) Credentials {
		old := c
		c.KeepCaps = keep
		if err := c.setresuid(uid, uid, uid); err != nil {
			t.Fatal(err)
		}
		c.fixCapsForIDs(&old)
		return c
	}
	if c := setuid(root(), 1000, false); c.Caps.Permitted != 0 || c.Caps.Effective != 0 || c.Caps.Bounding != all {
		t.Errorf("setuid away from root: %+v", c.Caps)
	}
	if c := setuid(root(), 1000, true); c.Caps.Permitted != all || c.Caps.Effective != 0 {
		t.Errorf("setuid away from root with keep-caps: %+v", c.Caps)
	}
	// seteuid(1000) then back to 0.
	c := root()
	old := c
	c.EffectiveUID, c.FilesystemUID = 1000, 1000
	c.fixCapsForIDs(&old)
	if c.Caps.Effective != 0 || c.Caps.Permitted != all {
		t.Errorf("euid 1000: %+v", c.Caps)
	}
	old = c
	c.EffectiveUID, c.FilesystemUID = 0, 0
	c.fixCapsForIDs(&old)
	if c.Caps.Effective != all {
		t.Errorf("euid back to 0: %+v", c.Caps)
	}
	// setfsuid(1000) drops only the filesystem capabilities.
	old = c
	c.FilesystemUID = 1000
	c.fixCapsForIDs(&old)
	if c.Caps.Effective != all&^fsCaps {
		t.Errorf("fsuid 1000: %x", c.Caps.Effective)
	}
	// exec: root gets bounding|inheritable; a user keeps only ambient.
	r := root()
	r.Caps.Bounding &^= 1 << linux.CAP_NET_RAW
	e := r
	e.execCaps(&r)
	if e.Caps.Permitted != r.Caps.Bounding || e.Caps.Effective != r.Caps.Bounding {
		t.Errorf("root exec: %+v", e.Caps)
	}
	u := Credentials{RealUID: 1000, EffectiveUID: 1000, SavedUID: 1000, FilesystemUID: 1000,
		Caps: CapSets{Permitted: 1 << linux.CAP_NET_BIND_SERVICE, Inheritable: 1 << linux.CAP_NET_BIND_SERVICE, Ambient: 1 << linux.CAP_NET_BIND_SERVICE, Bounding: all}}
	e = u
	e.execCaps(&u)
	if e.Caps.Permitted != u.Caps.Ambient || e.Caps.Effective != u.Caps.Ambient {
		t.Errorf("user exec with ambient: %+v", e.Caps)
	}
	// capset: no raising of permitted, effective within permitted.
	c = setuid(root(), 1000, true)
	if !c.capset(1<<linux.CAP_KILL, all, 0) || c.Caps.Effective != 1<<linux.CAP_KILL {
		t.Errorf("capset raising effective from permitted: %+v", c.Caps)
	}
	if c.capset(0, all, 0); c.capset(0, all|1<<41, 0) {
		t.Error("capset raised permitted")
	}
	if c.capset(1<<linux.CAP_KILL, 0, 0) {
		t.Error("capset took effective outside permitted")
	}
}
