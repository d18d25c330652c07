package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// execCreds are the credentials a process has after executing path: the
// file must be executable by the caller's filesystem ids (EACCES), and a
// set-user-id or set-group-id ELF file sets the effective ids from its
// owner (Linux's bprm_fill_uid). The bits do nothing under
// PR_SET_NO_NEW_PRIVS, and nothing on a script: Linux takes the ids from
// the interpreter it finally runs, never from the script. secure is
// AT_SECURE: the effective ids differ from the real ones.
func (t *Task) execCreds(cwd *vfs.Dentry, path string) (nc *Credentials, secure bool, err error) {
	old := t.cred()
	if err := t.checkSearch(old, cwd, path); err != nil {
		return nil, false, err
	}
	st, err := t.k.cfg.FS.StatAt(cwd, path, true)
	if err != nil {
		// The loader reports the lookup error.
		c := *old
		c.execSetID(0, 0, 0, false)
		c.execCaps(old)
		return &c, false, nil
	}
	if st.IsRegular() && !old.mayAccess(st.Mode, st.UID, st.GID, unix.X_OK) {
		return nil, false, unix.EACCES
	}
	c := *old
	setID := st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0
	t.tg.mu.Lock()
	allowed := setID && !t.tg.noNewPrivs
	t.tg.mu.Unlock()
	if allowed && t.isScript(cwd, path) {
		allowed = false
	}
	c.execSetID(st.Mode, st.UID, st.GID, allowed)
	c.execCaps(old)
	return &c, c.EffectiveUID != c.RealUID || c.EffectiveGID != c.RealGID, nil
}

// isScript reports whether path starts with "#!".
func (t *Task) isScript(cwd *vfs.Dentry, path string) bool {
	f, err := t.k.cfg.FS.OpenAt(cwd, path, unix.O_RDONLY, 0)
	if err != nil {
		return false
	}
	defer f.DecRef()
	var b [2]byte
	n, _ := f.Impl().ReadAt(b[:], 0)
	return n == 2 && string(b[:]) == "#!"
}
