package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

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

// loAddr is lo's address, a struct sockaddr_in in an ifreq's union.
func loAddr() []byte {
	return marshal(&linux.SockAddrInet{Family: unix.AF_INET, Addr: linux.InetAddr{127, 0, 0, 1}})
}

// ifconf answers SIOCGIFCONF: one ifreq, lo with 127.0.0.1.
func (t *Task) ifconf(arg uint64) error {
	var c linux.IFConf
	if err := t.copyInObj(arg, &c); err != nil {
		return err
	}
	n := int(max(c.Len, 0))
	if c.Ptr == 0 {
		n = 0
	}
	if recs, need, ok, err := t.k.net.stack.HostIfconf(min(n, 1<<20)); ok {
		// --network host: the namespace's interfaces.
		if err != nil {
			return err
		}
		if c.Ptr == 0 {
			return t.writeU32(arg, uint32(need))
		}
		if err := t.copyOut(c.Ptr, recs); err != nil {
			return err
		}
		return t.writeU32(arg, uint32(len(recs)))
	}
	if c.Ptr == 0 {
		return t.writeU32(arg, sizeofIfreq)
	}
	n = 0
	if c.Len >= sizeofIfreq {
		var r linux.IFReq
		r.SetName("lo")
		copy(r.Data[:], loAddr())
		if err := t.copyOutObj(c.Ptr, &r); err != nil {
			return err
		}
		n = sizeofIfreq
	}
	return t.writeU32(arg, uint32(n))
}

// ifreq answers the SIOCGIF* requests about lo. As Linux, the name is cut
// at IFNAMSIZ-1 and only the union member asked for is written (flags 2
// bytes, index and mtu 4, a sockaddr 16, a hardware address its family
// and 6 bytes); the rest of the caller's struct comes back as it was.
func (t *Task) ifreq(req uint32, arg uint64) error {
	var r linux.IFReq
	if err := t.copyInObj(arg, &r); err != nil {
		return err
	}
	raw := marshal(&r)
	if ok, err := t.k.net.stack.HostIfreq(uint(req), raw); ok {
		// --network host: the namespace's interfaces, as the host kernel
		// writes them.
		if err != nil {
			return err
		}
		return t.copyOut(arg, raw)
	}
	r.IFName[len(r.IFName)-1] = 0
	le := binary.LittleEndian
	if req == unix.SIOCGIFNAME {
		if int32(le.Uint32(r.Data[:])) != loIfindex {
			return unix.ENODEV
		}
		copy(r.IFName[:], "lo\x00") // the bytes past the NUL are the caller's, as on Linux
		return t.copyOutObj(arg, &r)
	}
	if r.Name() != "lo" {
		return unix.ENODEV
	}
	u := r.Data[:]
	switch req {
	case unix.SIOCGIFFLAGS:
		le.PutUint16(u, loIfflags)
	case unix.SIOCGIFINDEX:
		le.PutUint32(u, loIfindex)
	case unix.SIOCGIFADDR:
		copy(u, loAddr())
	case unix.SIOCGIFNETMASK:
		copy(u, marshal(&linux.SockAddrInet{Family: unix.AF_INET, Addr: linux.InetAddr{255, 0, 0, 0}}))
	case unix.SIOCGIFMTU:
		le.PutUint32(u, 65536)
	case unix.SIOCGIFHWADDR:
		le.PutUint16(u, unix.ARPHRD_LOOPBACK)
		clear(u[2:8]) // lo's all-zero MAC
	}
	return t.copyOutObj(arg, &r)
}
