package kernel

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/epoll"
	"sentry/pkg/netstack"
	"sentry/pkg/vfs"
)

// Socket data: send/recv and the msghdr calls, with iovecs and control
// messages (SCM_RIGHTS, SCM_CREDENTIALS).

func iovTotal(vs []iovec) int {
	n := 0
	for _, v := range vs {
		n += int(v.len)
	}
	return n
}

// gather copies n bytes starting at byte off of the iovecs.
func (t *Task) gather(vs []iovec, off, n int) ([]byte, error) {
	b := make([]byte, n)
	got := 0
	for _, v := range vs {
		if got == n {
			break
		}
		l := int(v.len)
		if off >= l {
			off -= l
			continue
		}
		c := min(l-off, n-got)
		if err := t.copyIn(v.base+uint64(off), b[got:got+c]); err != nil {
			return nil, err
		}
		got += c
		off = 0
	}
	return b, nil
}

// scatter copies b into the iovecs.
func (t *Task) scatter(vs []iovec, b []byte) error {
	for _, v := range vs {
		if len(b) == 0 {
			break
		}
		c := min(int(v.len), len(b))
		if err := t.copyOut(v.base, b[:c]); err != nil {
			return err
		}
		b = b[c:]
	}
	return nil
}

// sendVec sends the bytes of vs: a blocking stream send writes it all
// (or what it could before an interruption); a datagram goes whole.
func (t *Task) sendVec(f *vfs.File, s *netstack.Socket, vs []iovec, flags int, o netstack.SendOpts) (int, error) {
	nb := nonblocking(f) || flags&unix.MSG_DONTWAIT != 0
	o.Direct = t.latencyBound // task_latency.go
	o.OOB = flags&unix.MSG_OOB != 0
	total := iovTotal(vs)
	_, st := s.Timeouts()
	deadline := deadlineAfter(st)
	var sent int
	var err error
	if s.Type() == unix.SOCK_STREAM && s.Family() != unix.AF_NETLINK {
		for sent < total || (total == 0 && sent == 0 && o.Rights != nil) {
			chunk := min(total-sent, sockChunk)
			var b []byte
			b, err = t.gather(vs, sent, chunk)
			if err != nil {
				break
			}
			off := 0
			op := func() error {
				for off < len(b) || (len(b) == 0 && o.Rights != nil) {
					n, err := s.Send(b[off:], o)
					if err != nil {
						return err
					}
					o.Rights, o.Creds = nil, nil // they ride with the first bytes
					off += n
					if len(b) == 0 {
						break
					}
				}
				return nil
			}
			if nb {
				err = op()
			} else {
				err = t.blockOn(s, epoll.EventOut, deadline, op)
			}
			sent += off
			if err != nil || total == 0 {
				break
			}
		}
	} else {
		var b []byte
		b, err = t.gather(vs, 0, total)
		if err == nil {
			op := func() error {
				n, err := s.Send(b, o)
				sent = n
				return err
			}
			if nb {
				err = op()
			} else {
				err = t.blockOn(s, epoll.EventOut, deadline, op)
			}
			if err == nil {
				o.Rights = nil
			}
		}
	}
	for _, r := range o.Rights {
		r.DecRef()
	}
	if err == unix.EPIPE && flags&unix.MSG_NOSIGNAL == 0 {
		t.raiseSIGPIPE()
	}
	if sent > 0 {
		return sent, nil
	}
	return 0, err
}

// recvVec receives into vs. MSG_WAITALL on a blocking stream keeps
// reading until vs is full, the stream ends or a signal comes.
func (t *Task) recvVec(f *vfs.File, s *netstack.Socket, vs []iovec, flags int) (netstack.RecvResult, error) {
	nb := nonblocking(f) || flags&unix.MSG_DONTWAIT != 0
	total := iovTotal(vs)
	rt, _ := s.Timeouts()
	deadline := deadlineAfter(rt)
	buf := make([]byte, min(total, 4<<20))
	var res netstack.RecvResult
	if flags&(unix.MSG_OOB|unix.MSG_ERRQUEUE) != 0 {
		// Urgent data and the error queue never wait: what is not
		// there is an error at once (tcp_recv_urg, ip_recv_error).
		r, err := s.Recv(buf, flags)
		if err != nil {
			return r, err
		}
		if err := t.scatter(vs, buf[:r.N]); err != nil {
			return netstack.RecvResult{}, err
		}
		return r, nil
	}
	got := 0
	waitAll := flags&unix.MSG_WAITALL != 0 && s.Type() == unix.SOCK_STREAM && flags&unix.MSG_PEEK == 0
	for {
		op := func() error {
			r, err := s.Recv(buf[got:], flags)
			if err != nil {
				return err
			}
			if got == 0 {
				res = r
			} else {
				res.Rights = append(res.Rights, r.Rights...)
			}
			res.N = got + r.N
			return nil
		}
		var err error
		if nb || (got > 0 && !waitAll) {
			err = op()
		} else {
			err = t.blockOn(s, epoll.EventIn|epoll.EventRdHup, deadline, op)
		}
		if err != nil {
			if got > 0 {
				break
			}
			return res, err
		}
		if res.N == got || !waitAll || res.N >= len(buf) {
			got = res.N
			break
		}
		got = res.N
	}
	res.N = got
	if err := t.scatter(vs, buf[:got]); err != nil {
		for _, r := range res.Rights {
			r.DecRef()
		}
		return netstack.RecvResult{}, err
	}
	return res, nil
}

func sysSendto(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var o netstack.SendOpts
	if a[4] != 0 {
		sa, err := t.readSockaddr(a[4], a[5])
		if err != nil {
			return 0, err
		}
		if err := t.resolveUnixPath(&sa, false); err != nil {
			return 0, err
		}
		o.To = &sa
	}
	if s.Family() == unix.AF_UNIX {
		c := t.creds()
		o.Creds = &c
	}
	n, err := t.sendVec(f, s, []iovec{{a[1], min(a[2], maxRW)}}, int(a[3]), o)
	return uint64(n), err
}

func sysRecvfrom(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(a[3])
	r, err := t.recvVec(f, s, []iovec{{a[1], min(a[2], maxRW)}}, flags)
	if err != nil {
		return 0, err
	}
	for _, x := range r.Rights {
		x.DecRef()
	}
	if a[4] != 0 && r.From != nil {
		if err := t.writeSockaddr(a[4], a[5], *r.From); err != nil {
			return 0, err
		}
	}
	if flags&unix.MSG_TRUNC != 0 && s.Type() != unix.SOCK_STREAM {
		return uint64(r.Full), nil
	}
	return uint64(r.N), nil
}

// msghdr is struct msghdr (the same on amd64 and riscv64).
type msghdr struct {
	name       uint64
	namelen    uint32
	iov        uint64
	iovlen     uint64
	control    uint64
	controllen uint64
	flags      int32
}

func (t *Task) readMsghdr(addr uint64) (msghdr, error) {
	var b [sizeofMsghdr]byte
	if err := t.copyIn(addr, b[:]); err != nil {
		return msghdr{}, err
	}
	le := binary.LittleEndian
	return msghdr{le.Uint64(b[0:]), le.Uint32(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]), le.Uint64(b[32:]), le.Uint64(b[40:]), int32(le.Uint32(b[48:]))}, nil
}

// sendControl decodes SCM_RIGHTS and SCM_CREDENTIALS; the files it
// returns carry a reference each.
func (t *Task) sendControl(m msghdr, s *netstack.Socket) (netstack.SendOpts, error) {
	var o netstack.SendOpts
	if m.controllen == 0 {
		return o, nil
	}
	if m.controllen > maxOptLen {
		return o, unix.ENOBUFS
	}
	b := make([]byte, m.controllen)
	if err := t.copyIn(m.control, b); err != nil {
		return o, err
	}
	fail := func(err error) (netstack.SendOpts, error) {
		for _, f := range o.Rights {
			f.DecRef()
		}
		return netstack.SendOpts{}, err
	}
	le := binary.LittleEndian
	hlen := linux.SizeOfControlMessageHeader
	for len(b) >= hlen {
		var h linux.ControlMessageHeader
		h.UnmarshalBytes(b)
		l, level, typ := int(h.Length), h.Level, h.Type
		if h.Length < uint64(hlen) || h.Length > uint64(len(b)) {
			return fail(unix.EINVAL)
		}
		data := b[hlen:l]
		if level == unix.SOL_SOCKET {
			if s.Family() != unix.AF_UNIX {
				return fail(unix.EINVAL)
			}
			switch typ {
			case unix.SCM_RIGHTS:
				if len(data)%4 != 0 || len(o.Rights)+len(data)/4 > scmMaxFD {
					return fail(unix.EINVAL)
				}
				for i := 0; i < len(data); i += 4 {
					f, err := t.tg.fds.get(int32(le.Uint32(data[i:])))
					if err != nil {
						return fail(err)
					}
					o.Rights = append(o.Rights, f)
				}
			case unix.SCM_CREDENTIALS:
				var uc linux.ControlMessageCredentials
				if len(data) < uc.SizeBytes() {
					return fail(unix.EINVAL)
				}
				uc.UnmarshalBytes(data)
				c := netstack.Creds{PID: uc.PID, UID: int32(uc.UID), GID: int32(uc.GID)}
				// Linux's scm_check_creds: an unprivileged sender may
				// name any of its real, effective or saved ids.
				own := t.cred()
				if c.PID != int32(t.tg.pid) || (!own.hasCapSetuid() && !own.isUID(uint32(c.UID))) || (!own.hasCapSetgid() && !own.isGID(uint32(c.GID))) {
					return fail(unix.EPERM)
				}
				o.Creds = &c
			default:
				return fail(unix.EINVAL)
			}
		} else if err := s.SendControl(int(level), int(typ), data, &o); err != nil {
			return fail(err)
		}
		adv := (l + 7) &^ 7
		if adv >= len(b) {
			break
		}
		b = b[adv:]
	}
	return o, nil
}

func (t *Task) sendmsg(f *vfs.File, s *netstack.Socket, addr uint64, flags int) (int, error) {
	m, err := t.readMsghdr(addr)
	if err != nil {
		return 0, err
	}
	vs, err := t.readIovecs(m.iov, m.iovlen)
	if err != nil {
		return 0, err
	}
	o, err := t.sendControl(m, s)
	if err != nil {
		return 0, err
	}
	if m.name != 0 && m.namelen != 0 {
		sa, err := t.readSockaddr(m.name, uint64(m.namelen))
		if err == nil {
			err = t.resolveUnixPath(&sa, false)
		}
		if err != nil {
			for _, r := range o.Rights {
				r.DecRef()
			}
			return 0, err
		}
		o.To = &sa
	}
	if s.Family() == unix.AF_UNIX && o.Creds == nil {
		c := t.creds()
		o.Creds = &c
	}
	return t.sendVec(f, s, vs, flags, o)
}

func sysSendmsg(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	n, err := t.sendmsg(f, s, a[1], int(a[2]))
	return uint64(n), err
}

func sysSendmmsg(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vlen := min(a[2], uioMaxIov)
	var i uint64
	for ; i < vlen; i++ {
		n, err := t.sendmsg(f, s, a[1]+i*sizeofMmsghdr, int(a[3]))
		if err != nil {
			if i == 0 {
				return 0, err
			}
			break
		}
		if err := t.writeU32(a[1]+i*sizeofMmsghdr+sizeofMsghdr, uint32(n)); err != nil {
			return i, nil
		}
	}
	return i, nil
}

// putControl writes received descriptors and credentials as control
// messages and returns the length used and MSG_CTRUNC if some did not
// fit (descriptors that do not fit are closed, as on Linux).
func (t *Task) putControl(m msghdr, r netstack.RecvResult, flags int) (uint64, int, error) {
	var out []byte
	truncated := 0
	le := binary.LittleEndian
	hlen := linux.SizeOfControlMessageHeader
	put := func(typ int32, data []byte) bool {
		space := hlen + (len(data)+7)&^7
		if uint64(len(out)+hlen+len(data)) > m.controllen {
			return false
		}
		out = append(out, marshal(&linux.ControlMessageHeader{Length: uint64(hlen + len(data)), Level: unix.SOL_SOCKET, Type: typ})...)
		out = append(out, data...)
		for len(out) < space && uint64(len(out)) < m.controllen {
			out = append(out, 0)
		}
		return true
	}
	if r.Creds != nil {
		d := marshal(&linux.ControlMessageCredentials{PID: r.Creds.PID, UID: uint32(r.Creds.UID), GID: uint32(r.Creds.GID)})
		if !put(unix.SCM_CREDENTIALS, d) {
			truncated = unix.MSG_CTRUNC
		}
	}
	if len(r.Rights) > 0 {
		room := 0
		if m.controllen > uint64(len(out)+hlen) {
			room = int(m.controllen-uint64(len(out))-uint64(hlen)) / 4
		}
		n := min(room, len(r.Rights))
		if n < len(r.Rights) {
			truncated = unix.MSG_CTRUNC
		}
		d := make([]byte, 0, 4*n)
		for i, f := range r.Rights {
			if i >= n {
				f.DecRef()
				continue
			}
			fd, err := t.installNew(f, flags&unix.MSG_CMSG_CLOEXEC != 0)
			if err != nil {
				truncated = unix.MSG_CTRUNC
				continue
			}
			d = le.AppendUint32(d, uint32(fd))
		}
		if len(d) > 0 {
			put(unix.SCM_RIGHTS, d)
		}
	}
	if len(out) > 0 {
		if err := t.copyOut(m.control, out); err != nil {
			return 0, 0, err
		}
	}
	return uint64(len(out)), truncated, nil
}

func (t *Task) recvmsg(f *vfs.File, s *netstack.Socket, addr uint64, flags int) (int, error) {
	m, err := t.readMsghdr(addr)
	if err != nil {
		return 0, err
	}
	vs, err := t.readIovecs(m.iov, m.iovlen)
	if err != nil {
		return 0, err
	}
	r, err := t.recvVec(f, s, vs, flags)
	if err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	mflags := r.Flags
	if s.Type() != unix.SOCK_STREAM && r.Full > r.N {
		mflags |= unix.MSG_TRUNC
	}
	putCtl := t.putControl
	if r.Control != nil {
		putCtl = t.putInetControl
	}
	clen, ctrunc, err := putCtl(m, r, flags)
	if err != nil {
		return 0, err
	}
	mflags |= ctrunc
	var nameLen uint32
	if m.name != 0 && r.From != nil {
		b := r.From.Marshal()
		if err := t.copyOut(m.name, b[:min(int(m.namelen), len(b))]); err != nil {
			return 0, err
		}
		nameLen = uint32(len(b))
	}
	var b [4]byte
	le.PutUint32(b[:], nameLen)
	if err := t.copyOut(addr+8, b[:]); err != nil {
		return 0, err
	}
	var c [8]byte
	le.PutUint64(c[:], clen)
	if err := t.copyOut(addr+40, c[:]); err != nil {
		return 0, err
	}
	le.PutUint32(b[:], uint32(mflags))
	if err := t.copyOut(addr+48, b[:]); err != nil {
		return 0, err
	}
	if flags&unix.MSG_TRUNC != 0 && s.Type() != unix.SOCK_STREAM {
		return r.Full, nil
	}
	return r.N, nil
}

func sysRecvmsg(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	n, err := t.recvmsg(f, s, a[1], int(a[2]))
	return uint64(n), err
}

func sysRecvmmsg(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(a[3])
	var deadline time.Time
	if a[4] != 0 {
		ts, err := t.readTimespec(a[4])
		if err != nil {
			return 0, err
		}
		deadline = time.Now().Add(durationOf(ts))
	}
	vlen := min(a[2], uioMaxIov)
	var i uint64
	for ; i < vlen; i++ {
		fl := flags
		if i > 0 {
			// After the first message, take only what is there
			// (MSG_WAITFORONE is the same rule from the start).
			fl |= unix.MSG_DONTWAIT
		} else if flags&unix.MSG_WAITFORONE != 0 {
			fl &^= unix.MSG_WAITFORONE
		}
		n, err := t.recvmsg(f, s, a[1]+i*sizeofMmsghdr, fl&^unix.MSG_WAITFORONE)
		if err != nil {
			if i == 0 {
				return 0, err
			}
			break
		}
		if err := t.writeU32(a[1]+i*sizeofMmsghdr+sizeofMsghdr, uint32(n)); err != nil {
			break
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			i++
			break
		}
	}
	return i, nil
}
