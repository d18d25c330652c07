package kernel

import "encoding/binary"

// Linux structs cross into and out of application memory through the
// layouts gVisor's abi/linux generates (SizeBytes, MarshalBytes,
// UnmarshalBytes), not hand-laid offsets; these are the two ways through.

// marshaller is a struct with a Linux layout, as gVisor's marshal.Marshallable
// without its copy methods (the sentry copies through its own task memory).
type marshaller interface {
	SizeBytes() int
	MarshalBytes(dst []byte) []byte
}

// unmarshaller is the reading half.
type unmarshaller interface {
	SizeBytes() int
	UnmarshalBytes(src []byte) []byte
}

// copyOutObj writes m's Linux layout at addr.
func (t *Task) copyOutObj(addr uint64, m marshaller) error {
	b := make([]byte, m.SizeBytes())
	m.MarshalBytes(b)
	return t.copyOut(addr, b)
}

// copyInObj reads m's Linux layout from addr.
func (t *Task) copyInObj(addr uint64, m unmarshaller) error {
	b := make([]byte, m.SizeBytes())
	if err := t.copyIn(addr, b); err != nil {
		return err
	}
	m.UnmarshalBytes(b)
	return nil
}

// marshal returns m's Linux layout, for callers that copy out more than
// one struct or copy at a later time.
func marshal(m marshaller) []byte {
	b := make([]byte, m.SizeBytes())
	m.MarshalBytes(b)
	return b
}

// fixed adapts a fixed-size struct that has no generated marshalling (as
// gVisor's linux.RLimit, or arch.StatGeneric) to marshaller and
// unmarshaller through encoding/binary. Encode and Decode fail only for a
// short buffer or a type that is not fixed-size, which SizeBytes rules
// out for the types used here (their tests check the sizes).
type fixed[T any] struct{ v *T }

func (f fixed[T]) SizeBytes() int { return binary.Size(f.v) }

func (f fixed[T]) MarshalBytes(dst []byte) []byte {
	n, _ := binary.Encode(dst, binary.LittleEndian, f.v)
	return dst[n:]
}

func (f fixed[T]) UnmarshalBytes(src []byte) []byte {
	n, _ := binary.Decode(src, binary.LittleEndian, f.v)
	return src[n:]
}

// slice adapts an array of structs with a Linux layout (struct pollfd[],
// cap_user_data_t[2]) to one marshaller and unmarshaller: the elements
// back to back, as the kernel copies them.
type slice[T any, P interface {
	*T
	marshaller
	unmarshaller
}] []T

func (s slice[T, P]) SizeBytes() int {
	var z T
	return len(s) * P(&z).SizeBytes()
}

func (s slice[T, P]) MarshalBytes(dst []byte) []byte {
	for i := range s {
		dst = P(&s[i]).MarshalBytes(dst)
	}
	return dst
}

func (s slice[T, P]) UnmarshalBytes(src []byte) []byte {
	for i := range s {
		src = P(&s[i]).UnmarshalBytes(src)
	}
	return src
}
