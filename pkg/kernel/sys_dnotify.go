package kernel

import (
	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// fcntl(F_NOTIFY): directory change notification (dnotify). The sandbox
// validates a request as Linux does (ENOTDIR on a non-directory; a mask
// without event bits removes the registration) and accepts it, but sends
// no signal when the directory changes: the filesystem has no change
// hooks. The syscall table says so.

const dnMultishot = 0x80000000

func dnotify(f *vfs.File, arg uint64) (uint64, error) {
	if uint32(arg)&^dnMultishot == 0 {
		return 0, nil
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	return 0, nil
}
