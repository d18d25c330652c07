package kernel

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/marshal/primitive"

	"sentry/pkg/arch"
	"sentry/pkg/epoll"
	"sentry/pkg/netstack"
	"sentry/pkg/vfs"
)

// Socket data: send/recv and the msghdr calls, with iovecs and control
// messages (SCM_RIGHTS, SCM_CREDENTIALS).

func iovTotal(vs []arch.Iovec) int {
	n := 0
	for _, v := range vs {
		n += int(v.Len)
	}
	return n
}

// gather copies n bytes starting at byte off of the iovecs.
func (t *Task) gather(vs []arch.Iovec, off, n int) ([]byte, error) {
	b := make([]byte, n)
	got := 0
	for _, v := range vs {
		if got == n {
			break
		}
		l := int(v.Len)
		if off >= l {
			off -= l
			continue
		}
		c := min(l-off, n-got)
		if err := t.copyIn(v.Base+uint64(off), b[got:got+c]); err != nil {
			return nil, err
		}
		got += c
		off = 0
	}
	return b, nil
}

// scatter copies b into the iovecs.
func (t *Task) scatter(vs []arch.Iovec, b []byte) error {
	for _, v := range vs {
		if len(b) == 0 {
			break
		}
		c := min(int(v.Len), len(b))
		if err := t.copyOut(v.Base, b[:c]); err != nil {
			return err
		}
		b = b[c:]
	}
	return nil
}

// sendVec sends the bytes of vs: a blocking stream send writes it all
// (or what it could before an interruption); a datagram goes whole.
func (t *Task) sendVec(f *vfs.File, s *netstack.Socket, vs []arch.Iovec, flags int, o netstack.SendOpts) (int, error) {
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
func (t *Task) recvVec(f *vfs.File, s *netstack.Socket, vs []arch.Iovec, flags int) (netstack.RecvResult, error) {
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
	n, err := t.sendVec(f, s, []arch.Iovec{{Base: a[1], Len: min(a[2], maxRW)}}, int(a[3]), o)
	return uint64(n), err
}

func sysRecvfrom(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(a[3])
	r, err := t.recvVec(f, s, []arch.Iovec{{Base: a[1], Len: min(a[2], maxRW)}}, flags)
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

// readMsghdr reads a struct msghdr (the same on amd64 and riscv64).
func (t *Task) readMsghdr(addr uint64) (arch.Msghdr, error) {
	var m arch.Msghdr
	err := t.copyInObj(addr, fixed[arch.Msghdr]{&m})
	return m, err
}

// sendControl decodes SCM_RIGHTS and SCM_CREDENTIALS; the files it
// returns carry a reference each.
func (t *Task) sendControl(m arch.Msghdr, s *netstack.Socket) (netstack.SendOpts, error) {
	var o netstack.SendOpts
	if m.ControlLen == 0 {
		return o, nil
	}
	if m.ControlLen > maxOptLen {
		return o, unix.ENOBUFS
	}
	b := make([]byte, m.ControlLen)
	if err := t.copyIn(m.Control, b); err != nil {
		return o, err
	}
	fail := func(err error) (netstack.SendOpts, error) {
		for _, f := range o.Rights {
			f.DecRef()
		}
		return netstack.SendOpts{}, err
	}
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
				fds := make(slice[primitive.Int32, *primitive.Int32], len(data)/4)
				fds.UnmarshalBytes(data)
				for _, fd := range fds {
					f, err := t.tg.fds.get(int32(fd))
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
	vs, err := t.readIovecs(m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	o, err := t.sendControl(m, s)
	if err != nil {
		return 0, err
	}
	if m.Name != 0 && m.NameLen != 0 {
		sa, err := t.readSockaddr(m.Name, uint64(m.NameLen))
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
		n, err := t.sendmsg(f, s, a[1]+i*arch.SizeofMmsghdr, int(a[3]))
		if err != nil {
			if i == 0 {
				return 0, err
			}
			break
		}
		if err := t.writeU32(a[1]+i*arch.SizeofMmsghdr+arch.MmsghdrLenOffset, uint32(n)); err != nil {
			return i, nil
		}
	}
	return i, nil
}

// putControl writes received descriptors and credentials as control
// messages and returns the length used and MSG_CTRUNC if some did not
// fit (descriptors that do not fit are closed, as on Linux).
func (t *Task) putControl(m arch.Msghdr, r netstack.RecvResult, flags int) (uint64, int, error) {
	var out []byte
	truncated := 0
	hlen := linux.SizeOfControlMessageHeader
	put := func(typ int32, data []byte) bool {
		space := hlen + (len(data)+7)&^7
		if uint64(len(out)+hlen+len(data)) > m.ControlLen {
			return false
		}
		out = append(out, marshal(&linux.ControlMessageHeader{Length: uint64(hlen + len(data)), Level: unix.SOL_SOCKET, Type: typ})...)
		out = append(out, data...)
		for len(out) < space && uint64(len(out)) < m.ControlLen {
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
		if m.ControlLen > uint64(len(out)+hlen) {
			room = int(m.ControlLen-uint64(len(out))-uint64(hlen)) / 4
		}
		n := min(room, len(r.Rights))
		if n < len(r.Rights) {
			truncated = unix.MSG_CTRUNC
		}
		fds := make(slice[primitive.Int32, *primitive.Int32], 0, n)
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
			fds = append(fds, primitive.Int32(fd))
		}
		if len(fds) > 0 {
			put(unix.SCM_RIGHTS, marshal(fds))
		}
	}
	if len(out) > 0 {
		if err := t.copyOut(m.Control, out); err != nil {
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
	vs, err := t.readIovecs(m.Iov, m.IovLen)
	if err != nil {
		return 0, err
	}
	r, err := t.recvVec(f, s, vs, flags)
	if err != nil {
		return 0, err
	}
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
	if m.Name != 0 && r.From != nil {
		b := r.From.Marshal()
		if err := t.copyOut(m.Name, b[:min(int(m.NameLen), len(b))]); err != nil {
			return 0, err
		}
		nameLen = uint32(len(b))
	}
	// Only these three fields go back, each on its own, as Linux's
	// put_user calls write them.
	if err := t.writeU32(addr+arch.MsghdrNameLenOffset, nameLen); err != nil {
		return 0, err
	}
	if err := t.writeU64(addr+arch.MsghdrControlLenOffset, clen); err != nil {
		return 0, err
	}
	if err := t.writeU32(addr+arch.MsghdrFlagsOffset, uint32(mflags)); err != nil {
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
		n, err := t.recvmsg(f, s, a[1]+i*arch.SizeofMmsghdr, fl&^unix.MSG_WAITFORONE)
		if err != nil {
			if i == 0 {
				return 0, err
			}
			break
		}
		if err := t.writeU32(a[1]+i*arch.SizeofMmsghdr+arch.MmsghdrLenOffset, uint32(n)); err != nil {
			break
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			i++
			break
		}
	}
	return i, nil
}
