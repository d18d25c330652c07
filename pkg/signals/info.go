package signals

import "encoding/binary"

// si_code values.
const (
	SIUser    = 0
	SIKernel  = 0x80
	SIQueue   = -1
	SITimer   = -2
	SIMesgq   = -3
	SIAsyncIO = -4
	SISigIO   = -5
	SITkill   = -6

	SEGVMapErr = 1
	SEGVAccErr = 2
	BUSAdrErr  = 2
)

// InfoSize is sizeof(siginfo_t).
const InfoSize = 128

// Info is a siginfo_t. Which union fields mean something depends on Code
// (and Signo); Encode lays out all of them the way Linux's
// copy_siginfo_to_user would for that kind.
type Info struct {
	Signo, Errno, Code int32

	// kill, tkill, sigqueue, SIGCHLD: the sender.
	Pid, Uid int32
	// POSIX timers.
	TimerID, Overrun int32
	// sigqueue and timers: the sigval.
	Value uint64
	// Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP): the address.
	Addr uint64
	// SIGCHLD: exit status.
	Status int32

	// raw keeps the union of a siginfo the application supplied
	// (rt_sigqueueinfo), passed on unchanged.
	raw *[InfoSize]byte
}

// IsFault reports whether the union holds a fault address.
func (i *Info) IsFault() bool {
	if i.Code <= 0 {
		return false
	}
	switch i.Signo {
	case SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP:
		return i.Code != SIKernel
	}
	return false
}

// Encode lays out the siginfo_t.
func (i *Info) Encode() [InfoSize]byte {
	var b [InfoSize]byte
	le := binary.LittleEndian
	if i.raw != nil {
		b = *i.raw
	}
	le.PutUint32(b[0:], uint32(i.Signo))
	le.PutUint32(b[4:], uint32(i.Errno))
	le.PutUint32(b[8:], uint32(i.Code))
	if i.raw != nil {
		return b
	}
	switch {
	case i.IsFault():
		le.PutUint64(b[16:], i.Addr)
	case i.Code == SITimer:
		le.PutUint32(b[16:], uint32(i.TimerID))
		le.PutUint32(b[20:], uint32(i.Overrun))
		le.PutUint64(b[24:], i.Value)
	case i.Signo == SIGCHLD && i.Code > 0:
		le.PutUint32(b[16:], uint32(i.Pid))
		le.PutUint32(b[20:], uint32(i.Uid))
		le.PutUint32(b[24:], uint32(i.Status))
	default:
		le.PutUint32(b[16:], uint32(i.Pid))
		le.PutUint32(b[20:], uint32(i.Uid))
		le.PutUint64(b[24:], i.Value)
	}
	return b
}

// DecodeInfo reads a siginfo_t supplied by the application; its union is
// kept as is.
func DecodeInfo(b []byte) Info {
	le := binary.LittleEndian
	raw := new([InfoSize]byte)
	copy(raw[:], b)
	return Info{
		Signo: int32(le.Uint32(b[0:])),
		Errno: int32(le.Uint32(b[4:])),
		Code:  int32(le.Uint32(b[8:])),
		Pid:   int32(le.Uint32(b[16:])),
		Uid:   int32(le.Uint32(b[20:])),
		Value: le.Uint64(b[24:]),
		raw:   raw,
	}
}
