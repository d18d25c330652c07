package strace

import (
	"strconv"

	"golang.org/x/sys/unix"
)

const maxErrno = 4095

// isError says whether a raw syscall result encodes -errno.
func isError(ret uint64) bool {
	r := int64(ret)
	return r < 0 && r >= -maxErrno
}

// restartErrnos are the kernel-internal errnos a syscall interrupted by a
// signal returns; the application never sees them, strace shows "= ?".
var restartErrnos = map[uint64][2]string{
	512: {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	513: {"ERESTARTNOINTR", "To be restarted"},
	514: {"ERESTARTNOHAND", "To be restarted if no handler"},
	515: {"ENOIOCTLCMD", "No ioctl command"},
	516: {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
}

func errnoName(e uint64) string {
	if n := unix.ErrnoName(unix.Errno(e)); n != "" {
		return n
	}
	if r, ok := restartErrnos[e]; ok {
		return r[0]
	}
	return "ERRNO_" + strconv.FormatUint(e, 10)
}

// errnoText is strerror's text, capitalised as glibc prints it.
func errnoText(e uint64) string {
	if r, ok := restartErrnos[e]; ok {
		return r[1]
	}
	s := unix.Errno(e).Error()
	if s == "" || s[0] == 'e' && len(s) > 5 && s[:5] == "errno" {
		return "Unknown error " + strconv.FormatUint(e, 10)
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	return s
}

// errorResult renders a failed call's result: "-1 ENOENT (No such file or
// directory)", or "? ERESTARTSYS (...)" for the restart errnos.
func errorResult(ret uint64) string {
	e := uint64(-int64(ret))
	if _, ok := restartErrnos[e]; ok {
		return "? " + errnoName(e) + " (" + errnoText(e) + ")"
	}
	return "-1 " + errnoName(e) + " (" + errnoText(e) + ")"
}
