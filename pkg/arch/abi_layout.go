package arch

// Structs an application hands the kernel that gVisor's abi/linux keeps
// outside that package (msghdr, mmsghdr and iovec live in gVisor's
// syscall handlers, unexported or tied to its kernel) or builds only for
// the host's architecture (epoll_event). They are declared once here,
// with fields in Linux's order and padding spelled out, and copied
// through encoding/binary, which lays fields out back to back with no
// padding of its own; a test checks every offset and size against the C
// compilers of amd64 and riscv64.

// Iovec is struct iovec (include/uapi/linux/uio.h), the same on amd64
// and riscv64.
type Iovec struct {
	Base uint64
	Len  uint64
}

// Msghdr is struct user_msghdr (include/linux/socket.h), the same on
// amd64 and riscv64.
type Msghdr struct {
	Name       uint64
	NameLen    uint32
	_          uint32
	Iov        uint64
	IovLen     uint64
	Control    uint64
	ControlLen uint64
	Flags      int32
	_          int32
}

// Mmsghdr is struct mmsghdr: a Msghdr and the length the call moved.
type Mmsghdr struct {
	Hdr Msghdr
	Len uint32
	_   uint32
}

// EpollEventPacked is amd64's struct epoll_event: the kernel declares it
// __attribute__((packed)) there (EPOLL_PACKED), so data follows events
// with no padding and the struct is 12 bytes.
type EpollEventPacked struct {
	Events uint32
	Data   uint64
}

// EpollEventGeneric is struct epoll_event of every other architecture,
// riscv64 among them: data is aligned to 8 and the struct is 16 bytes.
type EpollEventGeneric struct {
	Events uint32
	_      uint32
	Data   uint64
}
