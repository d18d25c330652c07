package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sentry/pkg/netstack"
	"sentry/pkg/vfs"
)

// ioctls of sockets: the interface queries (SIOCGIF*) that show the
// sandbox's only interface, lo (in --network host, the namespace's
// interfaces, from netstack's HostIfreq/HostIfconf), and SIOCATMARK
// (urgent data). FIONREAD of pipes and sockets goes through
// vfs.File.Readable (their Readable methods).

const (
	sizeofIfreq = 40
	loIfindex   = 1
	loIfflags   = unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING
)

// netIoctl serves req if it is a pipe or socket request; ok is false
// otherwise.
func (t *Task) netIoctl(f *vfs.File, req uint32, arg uint64) (ret uint64, ok bool, err error) {
	switch s := f.Impl().(type) {
	case *netstack.Socket:
		switch req {
		case unix.SIOCOUTQ:
			return 0, true, t.writeU32(arg, 0)
		case unix.SIOCATMARK:
			var v uint32
			if s.AtMark() {
				v = 1
			}
			return 0, true, t.writeU32(arg, v)
		case unix.SIOCGIFCONF:
			return 0, true, t.ifconf(arg)
		case unix.SIOCGIFFLAGS, unix.SIOCGIFINDEX, unix.SIOCGIFADDR, unix.SIOCGIFNETMASK, unix.SIOCGIFMTU, unix.SIOCGIFNAME, unix.SIOCGIFHWADDR:
			return 0, true, t.ifreq(req, arg)
		case unix.SIOCGIFBRDADDR, unix.SIOCGIFDSTADDR, unix.SIOCGIFTXQLEN, unix.SIOCGIFMETRIC:
			// Only the namespace's view (--network host) answers these.
			if t.k.net.stack.Mode().Host() {
				return 0, true, t.ifreq(req, arg)
			}
		}
	}
	return 0, false, nil
}

func loAddr() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, unix.AF_INET)
	copy(b[4:], []byte{127, 0, 0, 1})
	return b
}

// ifconf answers SIOCGIFCONF: one ifreq, lo with 127.0.0.1.
func (t *Task) ifconf(arg uint64) error {
	var hdr [16]byte
	if err := t.copyIn(arg, hdr[:]); err != nil {
		return err
	}
	l := int32(binary.LittleEndian.Uint32(hdr[:]))
	buf := binary.LittleEndian.Uint64(hdr[8:])
	if l < 0 {
		l = 0
	}
	n := int(l)
	if buf == 0 {
		n = 0
	}
	if recs, need, ok, err := t.k.net.stack.HostIfconf(min(n, 1<<20)); ok {
		// --network host: the namespace's interfaces.
		if err != nil {
			return err
		}
		if buf == 0 {
			return t.writeU32(arg, uint32(need))
		}
		if err := t.copyOut(buf, recs); err != nil {
			return err
		}
		return t.writeU32(arg, uint32(len(recs)))
	}
	if buf == 0 {
		return t.writeU32(arg, sizeofIfreq)
	}
	n = 0
	if l >= sizeofIfreq {
		r := make([]byte, sizeofIfreq)
		copy(r, "lo")
		copy(r[16:], loAddr())
		if err := t.copyOut(buf, r); err != nil {
			return err
		}
		n = sizeofIfreq
	}
	return t.writeU32(arg, uint32(n))
}

func (t *Task) ifreq(req uint32, arg uint64) error {
	r := make([]byte, sizeofIfreq)
	if err := t.copyIn(arg, r); err != nil {
		return err
	}
	if ok, err := t.k.net.stack.HostIfreq(uint(req), r); ok {
		// --network host: the namespace's interfaces.
		if err != nil {
			return err
		}
		return t.copyOut(arg, r)
	}
	if req == unix.SIOCGIFNAME {
		if int32(binary.LittleEndian.Uint32(r[16:])) != loIfindex {
			return unix.ENODEV
		}
		copy(r[:16], "lo\x00")
		return t.copyOut(arg, r)
	}
	name := r[:16]
	if i := indexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	if string(name) != "lo" {
		return unix.ENODEV
	}
	u := r[16:]
	clear(u)
	switch req {
	case unix.SIOCGIFFLAGS:
		binary.LittleEndian.PutUint16(u, loIfflags)
	case unix.SIOCGIFINDEX:
		binary.LittleEndian.PutUint32(u, loIfindex)
	case unix.SIOCGIFADDR:
		copy(u, loAddr())
	case unix.SIOCGIFNETMASK:
		binary.LittleEndian.PutUint16(u, unix.AF_INET)
		copy(u[4:], []byte{255, 0, 0, 0})
	case unix.SIOCGIFMTU:
		binary.LittleEndian.PutUint32(u, 65536)
	case unix.SIOCGIFHWADDR:
		binary.LittleEndian.PutUint16(u, unix.ARPHRD_LOOPBACK)
	}
	return t.copyOut(arg, r)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
