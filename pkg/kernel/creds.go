package kernel

import (
	"os"
	"slices"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// Credentials are a process's user and group ids, as Linux's struct cred
// holds them: real, effective, saved set and filesystem ids, and the
// supplementary groups.
//
// A Credentials value is immutable once published: a process holds a
// pointer to its current one (ThreadGroup.creds) and a change installs a
// new value, so any goroutine reads ids without a lock and fork shares the
// pointer. Linux keeps credentials per thread, but glibc and musl make
// every set*id call apply to all threads of the process (the SIGSETXID
// broadcast), so per process is what programs observe.
//
// Privilege is by capability, as on Linux (caps.go): the sets follow the
// ids by Linux's rules, and each privileged operation tests its own
// capability.
type Credentials struct {
	RealUID, EffectiveUID, SavedUID, FilesystemUID uint32
	RealGID, EffectiveGID, SavedGID, FilesystemGID uint32
	// Groups is sorted (Linux's groups_sort), duplicates kept as Linux
	// keeps them.
	Groups []uint32
	Caps   CapSets
	// KeepCaps is PR_SET_KEEPCAPS (SECBIT_KEEP_CAPS): leaving uid 0
	// keeps the permitted set. Cleared by execve.
	KeepCaps bool
}

// noID is (uid_t)-1 and (gid_t)-1: "leave unchanged" to setre*id and
// setres*id, and an invalid id everywhere else.
const noID = ^uint32(0)

// ngroupsMax is NGROUPS_MAX.
const ngroupsMax = 65536

// hostCredentials are the sandbox's initial ids: the sentry's own, so
// files the application creates in volumes belong to the user who ran
// it, and getuid inside agrees with what the host shows for the sentry;
// and its capability sets, so a sentry started with fewer (an outer
// container's bounding set) gives the application the same as the
// host would.
func hostCredentials() *Credentials {
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	c := &Credentials{
		RealUID: uid, EffectiveUID: uid, SavedUID: uid, FilesystemUID: uid,
		RealGID: gid, EffectiveGID: gid, SavedGID: gid, FilesystemGID: gid,
		Caps: hostCaps(uid),
	}
	if gs, err := os.Getgroups(); err == nil {
		for _, g := range gs {
			c.Groups = append(c.Groups, uint32(g))
		}
		c.Groups = normGroups(c.Groups)
	}
	return c
}

func normGroups(gs []uint32) []uint32 {
	slices.Sort(gs)
	return gs
}

// credentials is the process's current credentials.
func (tg *ThreadGroup) credentials() *Credentials {
	if c := tg.creds.Load(); c != nil {
		return c
	}
	// Only processes built outside the kernel's constructors (unit
	// tests) get here.
	return &Credentials{}
}

func (t *Task) cred() *Credentials { return t.tg.credentials() }

// setCreds installs a new value made by fn from the current one. The
// update is a compare-and-swap loop: two threads of a process may race
// on set*id, and each change must start from what the other left.
func (tg *ThreadGroup) setCreds(fn func(c *Credentials) error) error {
	for {
		cur := tg.creds.Load()
		old := tg.credentials()
		nc := *old
		nc.Groups = slices.Clone(old.Groups)
		if err := fn(&nc); err != nil {
			return err
		}
		nc.fixCapsForIDs(old)
		if tg.creds.CompareAndSwap(cur, &nc) {
			tg.credsChanged(old, &nc)
			return nil
		}
	}
}

func (c *Credentials) hasCapSetuid() bool { return c.hasCap(linux.CAP_SETUID) }
func (c *Credentials) hasCapSetgid() bool { return c.hasCap(linux.CAP_SETGID) }

// InGroup reports whether gid is the filesystem gid or a supplementary
// group (Linux's in_group_p).
func (c *Credentials) InGroup(gid uint32) bool {
	if gid == c.FilesystemGID {
		return true
	}
	_, ok := slices.BinarySearch(c.Groups, gid)
	return ok
}

// mayAccess is Linux's generic_permission for a file with stat st and a
// request of R_OK/W_OK/X_OK bits, as the filesystem ids see it (or the
// real ids, for access without AT_EACCESS: the caller passes such a
// Credentials). Where the bits refuse, CAP_DAC_OVERRIDE overrides them
// except that executing a non-directory needs some execute bit, and
// CAP_DAC_READ_SEARCH allows reading a file and reading or searching a
// directory.
func (c *Credentials) mayAccess(mode, fileUID, fileGID uint32, want uint32) bool {
	if want == 0 {
		return true
	}
	var bits uint32
	switch {
	case c.FilesystemUID == fileUID:
		bits = mode >> 6
	case c.InGroup(fileGID):
		bits = mode >> 3
	default:
		bits = mode
	}
	if want&^(bits&7) == 0 {
		return true
	}
	if mode&unix.S_IFMT == unix.S_IFDIR {
		return want&unix.W_OK == 0 && c.hasCap(linux.CAP_DAC_READ_SEARCH) || c.hasCap(linux.CAP_DAC_OVERRIDE)
	}
	if (want&unix.X_OK == 0 || mode&0o111 != 0) && c.hasCap(linux.CAP_DAC_OVERRIDE) {
		return true
	}
	return want == unix.R_OK && c.hasCap(linux.CAP_DAC_READ_SEARCH)
}

// overridesDAC reports whether c passes every mode-bit check but
// executing a file without execute bits, so checks can be skipped.
func (c *Credentials) overridesDAC() bool { return c.hasCap(linux.CAP_DAC_OVERRIDE) }

// realAsFS is c with the filesystem ids replaced by the real ones: what
// access and faccessat without AT_EACCESS check against.
func (c *Credentials) realAsFS() *Credentials {
	r := *c
	r.FilesystemUID, r.FilesystemGID = c.RealUID, c.RealGID
	// As do_faccessat: the real uid's privilege, not the effective's.
	if c.RealUID == 0 {
		r.Caps.Effective = c.Caps.Permitted
	} else {
		r.Caps.Effective = 0
	}
	return &r
}

// The set*id rules (kernel/sys.c).

// idSet is one family of a Credentials' ids, users or groups, so that
// the set*id rules, which are the same for both, are written once.
type idSet struct {
	real, eff, saved, fs *uint32
	capable              bool // CAP_SETUID for users, CAP_SETGID for groups
}

func (c *Credentials) uids() idSet {
	return idSet{&c.RealUID, &c.EffectiveUID, &c.SavedUID, &c.FilesystemUID, c.hasCapSetuid()}
}

func (c *Credentials) gids() idSet {
	return idSet{&c.RealGID, &c.EffectiveGID, &c.SavedGID, &c.FilesystemGID, c.hasCapSetgid()}
}

// is reports whether id is the real, effective or saved id.
func (x idSet) is(id uint32) bool { return id == *x.real || id == *x.eff || id == *x.saved }

func (c *Credentials) isUID(id uint32) bool { return c.uids().is(id) }
func (c *Credentials) isGID(id uint32) bool { return c.gids().is(id) }

// set is setuid/setgid.
func (x idSet) set(id uint32) error {
	if id == noID {
		return unix.EINVAL
	}
	if x.capable {
		*x.real, *x.saved = id, id
	} else if id != *x.real && id != *x.saved {
		return unix.EPERM
	}
	*x.eff, *x.fs = id, id
	return nil
}

// setre is setreuid/setregid; every check is against the ids before the
// call.
func (x idSet) setre(r, e uint32) error {
	oldReal, oldEff := *x.real, *x.eff
	wasID := func(id uint32) bool { return id == oldReal || id == oldEff || id == *x.saved }
	if r != noID && !x.capable && r != oldReal && r != oldEff {
		return unix.EPERM
	}
	if e != noID && !x.capable && !wasID(e) {
		return unix.EPERM
	}
	if r != noID {
		*x.real = r
	}
	if e != noID {
		*x.eff = e
	}
	if r != noID || (e != noID && e != oldReal) {
		*x.saved = *x.eff
	}
	*x.fs = *x.eff
	return nil
}

// setres is setresuid/setresgid.
func (x idSet) setres(r, e, s uint32) error {
	for _, id := range []uint32{r, e, s} {
		if id != noID && !x.capable && !x.is(id) {
			return unix.EPERM
		}
	}
	if r != noID {
		*x.real = r
	}
	if e != noID {
		*x.eff = e
	}
	if s != noID {
		*x.saved = s
	}
	*x.fs = *x.eff
	return nil
}

func (c *Credentials) setuid(uid uint32) error        { return c.uids().set(uid) }
func (c *Credentials) setreuid(r, e uint32) error     { return c.uids().setre(r, e) }
func (c *Credentials) setresuid(r, e, s uint32) error { return c.uids().setres(r, e, s) }
func (c *Credentials) setgid(gid uint32) error        { return c.gids().set(gid) }
func (c *Credentials) setregid(r, e uint32) error     { return c.gids().setre(r, e) }
func (c *Credentials) setresgid(r, e, s uint32) error { return c.gids().setres(r, e, s) }

// setfsuid changes the filesystem uid if allowed and reports whether it
// did; the syscall returns the old value either way.
func (c *Credentials) setfsuid(uid uint32) bool {
	if uid == noID || !(c.hasCapSetuid() || c.isUID(uid) || uid == c.FilesystemUID) {
		return false
	}
	c.FilesystemUID = uid
	return true
}

func (c *Credentials) setfsgid(gid uint32) bool {
	if gid == noID || !(c.hasCapSetgid() || c.isGID(gid) || gid == c.FilesystemGID) {
		return false
	}
	c.FilesystemGID = gid
	return true
}

// execSetID applies a set-user-id or set-group-id executable's bits (a
// set-group-id bit without group execute is mandatory locking, not
// set-gid) and then, as every exec does, copies the effective ids into
// the saved and filesystem ids.
func (c *Credentials) execSetID(st uint32, fileUID, fileGID uint32, allowed bool) {
	if allowed && st&unix.S_ISUID != 0 {
		c.EffectiveUID = fileUID
	}
	if allowed && st&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
		c.EffectiveGID = fileGID
	}
	c.SavedUID, c.FilesystemUID = c.EffectiveUID, c.EffectiveUID
	c.SavedGID, c.FilesystemGID = c.EffectiveGID, c.EffectiveGID
}

// mayKill is Linux's kill_ok_by_cred: the sender is privileged, or its
// real or effective uid is the target's real or saved uid.
func (c *Credentials) mayKill(target *Credentials) bool {
	return c.hasCap(linux.CAP_KILL) ||
		c.EffectiveUID == target.RealUID || c.EffectiveUID == target.SavedUID ||
		c.RealUID == target.RealUID || c.RealUID == target.SavedUID
}

// mayKill is Linux's check_kill_permission for a user signal from t to
// process target: the credentials allow it, or it is SIGCONT within the
// sender's session.
func (t *Task) mayKill(target *ThreadGroup, sig int) bool {
	if target == t.tg || t.cred().mayKill(target.credentials()) {
		return true
	}
	if sig != int(unix.SIGCONT) {
		return false
	}
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	return t.tg.proc.sid == target.proc.sid
}

// permittedKillTargets keeps the processes kill(pid, sig) may signal.
// None permitted is EPERM, except for pid -1, where Linux skips the
// processes it may not signal and reports success.
func (t *Task) permittedKillTargets(pid int32, sig int, targets []*ThreadGroup) ([]*ThreadGroup, error) {
	var out []*ThreadGroup
	for _, tg := range targets {
		if t.mayKill(tg, sig) {
			out = append(out, tg)
		}
	}
	if len(out) == 0 && len(targets) > 0 && pid != -1 {
		return nil, unix.EPERM
	}
	return out, nil
}
