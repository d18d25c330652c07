package kernel

import (
	"encoding/hex"
	"testing"

	"gvisor.dev/gvisor/pkg/marshal/primitive"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
)

// TestEpollEventBytesPerArch: epoll_wait's array is amd64's packed
// 12-byte struct epoll_event or riscv64's 16-byte one, and epoll_ctl
// reads the same layout back.
func TestEpollEventBytesPerArch(t *testing.T) {
	evs := []epoll.Event{{Events: 0x80000005, Data: 0x0102030405060708}, {Events: 1, Data: 0xfffffffffffffffe}}
	for _, c := range []struct {
		arch arch.Arch
		want string
	}{
		{arch.AMD64, "05000080080706050403020101000000feffffffffffffff"},
		{arch.RISCV64, "050000800000000008070605040302010100000000000000feffffffffffffff"},
	} {
		task := &Task{regs: arch.Regs{Arch: c.arch}}
		b := marshal(task.epollEvents(evs))
		if got := hex.EncodeToString(b); got != c.want {
			t.Errorf("%v: %s, want %s", c.arch, got, c.want)
		}
		if len(b) != len(evs)*task.epollEventSize() {
			t.Errorf("%v: %d bytes for %d events of %d", c.arch, len(b), len(evs), task.epollEventSize())
		}
	}
}

// TestMsghdrFieldOffsets: the fields recvmsg writes back one by one, and
// the stride and msg_len of the mmsghdr arrays, are where Linux has them
// on both architectures.
func TestMsghdrFieldOffsets(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"msg_namelen", arch.MsghdrNameLenOffset, 8},
		{"msg_controllen", arch.MsghdrControlLenOffset, 40},
		{"msg_flags", arch.MsghdrFlagsOffset, 48},
		{"mmsghdr.msg_len", arch.MmsghdrLenOffset, 56},
		{"sizeof(struct mmsghdr)", arch.SizeofMmsghdr, 64},
		{"sizeof(struct msghdr)", uint64(fixed[arch.Msghdr]{&arch.Msghdr{}}.SizeBytes()), 56},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, want %d", c.name, c.got, c.want)
		}
	}
	m := arch.Msghdr{Name: 1, NameLen: 2, Iov: 3, IovLen: 4, Control: 5, ControlLen: 6, Flags: -1}
	want := "0100000000000000" + "0200000000000000" + "0300000000000000" + "0400000000000000" +
		"0500000000000000" + "0600000000000000" + "ffffffff00000000"
	if got := hex.EncodeToString(marshal(fixed[arch.Msghdr]{&m})); got != want {
		t.Errorf("msghdr %s, want %s", got, want)
	}
	var back arch.Msghdr
	b, _ := hex.DecodeString(want)
	fixed[arch.Msghdr]{&back}.UnmarshalBytes(b)
	if back != m {
		t.Errorf("msghdr read back %+v, want %+v", back, m)
	}
}

// TestRightsAreInt32s: SCM_RIGHTS data is the descriptors as C ints,
// back to back.
func TestRightsAreInt32s(t *testing.T) {
	fds := slice[primitive.Int32, *primitive.Int32]{3, -1, 0x01020304}
	want := "03000000ffffffff04030201"
	if got := hex.EncodeToString(marshal(fds)); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}
