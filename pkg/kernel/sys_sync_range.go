package kernel

import "golang.org/x/sys/unix"

// sysSyncFileRange: redis calls it every few MiB while writing an RDB or
// AOF file (rdb-save-incremental-fsync). Writing the range back is
// syncing the file: the whole file is synced when SYNC_FILE_RANGE_WRITE
// or _WAIT_AFTER is asked for, which is at least what the caller wanted.
func sysSyncFileRange(t *Task, a [6]uint64) (uint64, error) {
	const known = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
	off, n, flags := int64(a[1]), int64(a[2]), a[3]
	if flags&^known != 0 || off < 0 || n < 0 || off+n < off {
		return 0, unix.EINVAL
	}
	f, err := t.file(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFBLK, unix.S_IFDIR, unix.S_IFLNK:
	default:
		return 0, unix.ESPIPE
	}
	if flags&(unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER) == 0 {
		return 0, nil
	}
	return 0, f.Sync()
}
