package kernel

import (
	"golang.org/x/sys/unix"
)

// sysChroot checks its path as Linux does (ENOENT, ENOTDIR, ENAMETOOLONG,
// EFAULT; EACCES when an unprivileged caller may not search the
// directory) and then refuses with EPERM, Linux's answer to a process
// without CAP_SYS_CHROOT: the sandbox resolves every path from its one
// root and keeps no root directory per process.
func sysChroot(t *Task, a [6]uint64) (uint64, error) {
	p, err := t.copyInPath(a[0], false)
	if err != nil {
		return 0, err
	}
	st, err := t.k.cfg.FS.StatAt(t.cwd(), p, true)
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	if !t.cred().mayAccess(st.Mode, st.UID, st.GID, unix.X_OK) {
		return 0, unix.EACCES
	}
	return 0, unix.EPERM
}
