package arch

import "unsafe"

// Where recvmsg and the mmsghdr calls write single fields back into the
// caller's header, as Linux's put_user calls do (the rest of the header,
// padding included, is left as the caller had it). Go lays these structs
// out as encoding/binary encodes them, since their padding is explicit
// (the layout test checks both), so the compiler's offsets are the C ones.
const (
	MsghdrNameLenOffset    = uint64(unsafe.Offsetof(Msghdr{}.NameLen))
	MsghdrControlLenOffset = uint64(unsafe.Offsetof(Msghdr{}.ControlLen))
	MsghdrFlagsOffset      = uint64(unsafe.Offsetof(Msghdr{}.Flags))
	MmsghdrLenOffset       = uint64(unsafe.Offsetof(Mmsghdr{}.Len))
	SizeofMmsghdr          = uint64(unsafe.Sizeof(Mmsghdr{}))
)
