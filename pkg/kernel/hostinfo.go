package kernel

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// hostInfo are facts about the host CPU and kernel the application is
// allowed to see: it runs natively on this CPU (ptrace), so the CPU's
// capability words are the true answer.
type hostInfo struct {
	hwcap, hwcap2, minSigStkSz uint64
	release, version           string
}

func readHostInfo() hostInfo {
	var h hostInfo
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		for i := 0; i+16 <= len(b); i += 16 {
			tag, val := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
			switch tag {
			case 16:
				h.hwcap = val
			case 26:
				h.hwcap2 = val
			case 51:
				h.minSigStkSz = val
			}
		}
	}
	var u unix.Utsname
	h.release, h.version = "6.1.0", "#1 SMP sentry"
	if unix.Uname(&u) == nil {
		h.release = unix.ByteSliceToString(u.Release[:])
		h.version = unix.ByteSliceToString(u.Version[:])
	}
	return h
}
