package kernel

// A process's dumpable flag (PR_GET_DUMPABLE) decides, as on Linux, who
// owns its /proc/PID files: the process's effective ids while it is
// dumpable, root (but for the world-readable directories) once it is
// not, so that a program that changed identity does not leave its
// memory and environment readable to the user it was. The sandbox writes no core files, so ownership is all the
// flag changes. fs.suid_dumpable is 0 here (Linux's default): every
// automatic clear makes the process non-dumpable.

// credsChanged clears the flag when a credential change moves the
// effective or filesystem ids, as Linux's commit_creds does.
func (tg *ThreadGroup) credsChanged(old, nc *Credentials) {
	if old.EffectiveUID != nc.EffectiveUID || old.EffectiveGID != nc.EffectiveGID ||
		old.FilesystemUID != nc.FilesystemUID || old.FilesystemGID != nc.FilesystemGID {
		tg.nonDumpable.Store(true)
	}
}

// execDumpable sets the flag for a new program: dumpable unless it runs
// with effective ids other than the real ones (a set-id exec), as
// Linux's begin_new_exec decides.
func (tg *ThreadGroup) execDumpable(nc *Credentials) {
	tg.nonDumpable.Store(nc.EffectiveUID != nc.RealUID || nc.EffectiveGID != nc.RealGID)
}

// owner is the process's effective ids and whether it is dumpable,
// from which procfs decides who owns its /proc/PID files.
func (tg *ThreadGroup) owner() (uid, gid uint32, dumpable bool) {
	c := tg.credentials()
	return c.EffectiveUID, c.EffectiveGID, !tg.nonDumpable.Load()
}
