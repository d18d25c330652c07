package kernel

import (
	"golang.org/x/sys/unix"
)

// dnMultishot is DN_MULTISHOT: keep a directory notification after its
// first event. The other DN_* bits name events.
const dnMultishot = 0x80000000

// fcntlNotify serves F_NOTIFY (dnotify) as Linux does with dnotify
// disabled (fs.dir-notify-enable = 0, or a kernel built without it):
// asking for no events, which is how a program drops its notifications,
// succeeds; asking for events is EINVAL, so no program waits for a SIGIO
// that never comes. ok is false for other commands. arg is an unsigned
// long in the kernel: DN_MULTISHOT does not fit an int.
func fcntlNotify(cmd int, arg uint64) (ret uint64, ok bool, err error) {
	if cmd != unix.F_NOTIFY {
		return 0, false, nil
	}
	if arg&^dnMultishot == 0 {
		return 0, true, nil
	}
	return 0, true, unix.EINVAL
}
