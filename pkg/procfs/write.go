package procfs

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

// The writable files of /proc/PID and the permission of writes to the
// others.

// privileged reports whether the caller passes permission checks on
// files whose mode denies it, as root does on Linux (CAP_DAC_OVERRIDE).
func privileged(k Kernel) func() bool {
	return func() bool {
		pid, _ := k.Caller()
		p := k.Process(pid)
		return p != nil && p.Status().CapEff&(1<<unix.CAP_DAC_OVERRIDE) != 0
	}
}

// commWriter is a write to /proc/PID/comm (tid 0) or
// /proc/PID/task/TID/comm: Linux's comm_write keeps the first 15 bytes,
// newline included, up to any NUL, and lets only the process itself
// rename its threads.
func commWriter(k Kernel, pid, tid int) func(Process, []byte) (int, error) {
	return func(p Process, b []byte) (int, error) {
		if caller, _ := k.Caller(); caller != pid {
			return 0, unix.EINVAL
		}
		name := b[:min(len(b), 15)]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if !p.SetTaskComm(tid, string(name)) {
			return 0, unix.ESRCH
		}
		return len(b), nil
	}
}

// utsFile is /proc/sys/kernel/hostname (domain false) or domainname:
// 0644, root's to write (EACCES at open otherwise). A write sets the
// name as Linux's proc_do_uts_string does: the bytes up to the first
// newline or NUL, cut at 64, the whole write counted as done.
func utsFile(k Kernel, domain bool) func(string) vfs.Node {
	return func(path string) vfs.Node {
		f := textFile(path, func() string {
			if domain {
				return k.System().Domainname + "\n"
			}
			return k.System().Hostname + "\n"
		})
		// sysctl_perm's test_perm: the owner's bits for euid 0, with
		// no capability asked.
		f.priv = func() bool {
			pid, _ := k.Caller()
			p := k.Process(pid)
			return p != nil && p.Status().EUID == 0
		}
		f.rootWrite = true
		f.write = func(b []byte) (int, error) {
			name := b
			if i := bytes.IndexAny(name, "\n\x00"); i >= 0 {
				name = name[:i]
			}
			k.SetUTSName(domain, string(name[:min(len(name), 64)]))
			return len(b), nil
		}
		return f
	}
}

// oomScoreAdjWriter is a write to /proc/PID/oom_score_adj: an integer
// in [-1000, 1000] in the first 12 bytes, blanks around it allowed. The
// application is privileged in the sandbox, so lowering it is allowed.
func oomScoreAdjWriter(p Process, b []byte) (int, error) {
	s := b[:min(len(b), 12)]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	v, err := kstrtoint(strings.Trim(string(s), " \t\n\v\f\r"))
	if err != nil {
		return 0, err
	}
	if v < -1000 || v > 1000 {
		return 0, unix.EINVAL
	}
	p.SetOOMScoreAdj(v)
	return len(b), nil
}

// kstrtoint parses as Linux's kstrtoint(s, 0, ...): an optional sign,
// then decimal, octal after "0" or hex after "0x", then an optional
// newline. Garbage is EINVAL, a value out of int32 range ERANGE.
func kstrtoint(s string) (int, error) {
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	base := 10
	switch {
	case len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'x' && isHex(s[2]):
		base, s = 16, s[2:]
	case len(s) > 0 && s[0] == '0':
		base = 8
	}
	s = strings.TrimSuffix(s, "\n")
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, unix.EINVAL
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, unix.ERANGE
		}
		return 0, unix.EINVAL
	}
	if neg {
		if u > 1<<31 {
			return 0, unix.ERANGE
		}
		return -int(u), nil
	}
	if u > 1<<31-1 {
		return 0, unix.ERANGE
	}
	return int(u), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}
