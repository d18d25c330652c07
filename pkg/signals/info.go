package signals

import "gvisor.dev/gvisor/pkg/abi/linux"

// si_code values.
const (
	SIUser    = linux.SI_USER
	SIKernel  = linux.SI_KERNEL
	SIQueue   = linux.SI_QUEUE
	SITimer   = linux.SI_TIMER
	SIMesgq   = linux.SI_MESGQ
	SIAsyncIO = linux.SI_ASYNCIO
	SISigIO   = linux.SI_SIGIO
	SITkill   = linux.SI_TKILL

	SEGVMapErr = 1 // include/uapi/asm-generic/siginfo.h
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
	raw *linux.SignalInfo
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

// Encode lays out the siginfo_t (gVisor's linux.SignalInfo).
func (i *Info) Encode() [InfoSize]byte {
	var si linux.SignalInfo
	if i.raw != nil {
		si = *i.raw
	}
	si.Signo, si.Errno, si.Code = i.Signo, i.Errno, i.Code
	if i.raw == nil {
		switch {
		case i.IsFault():
			si.SetAddr(i.Addr)
		case i.Code == SITimer:
			si.SetTimerID(linux.TimerID(i.TimerID))
			si.SetOverrun(i.Overrun)
			si.SetSigval(i.Value)
		case i.Signo == SIGCHLD && i.Code > 0:
			si.SetPID(i.Pid)
			si.SetUID(i.Uid)
			si.SetStatus(i.Status)
		default:
			si.SetPID(i.Pid)
			si.SetUID(i.Uid)
			si.SetSigval(i.Value)
		}
	}
	var b [InfoSize]byte
	si.MarshalBytes(b[:])
	return b
}

// DecodeInfo reads a siginfo_t supplied by the application; its union is
// kept as is.
func DecodeInfo(b []byte) Info {
	var buf [InfoSize]byte
	copy(buf[:], b)
	raw := new(linux.SignalInfo)
	raw.UnmarshalBytes(buf[:])
	return Info{
		Signo: raw.Signo,
		Errno: raw.Errno,
		Code:  raw.Code,
		Pid:   raw.PID(),
		Uid:   raw.UID(),
		Value: raw.Sigval(),
		raw:   raw,
	}
}
