package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"

	"sentry/pkg/epoll"
	"sentry/pkg/netstack"
	"sentry/pkg/vfs"
)

// Socket syscalls on the sandbox's own network (pkg/netstack). Sockets
// never block: these handlers wait for readiness through blockOn.

const (
	maxSockaddr = 128 // sizeof(struct sockaddr_storage)
	maxOptLen   = 1 << 16
	scmMaxFD    = 253
	// sockChunk bounds one step of a large stream send.
	sockChunk = 1 << 20
)

// creds are the caller's ids as sockets carry them (SO_PEERCRED,
// SCM_CREDENTIALS): Linux's cred_to_ucred takes the effective ids.
func (t *Task) creds() netstack.Creds {
	c := t.cred()
	return netstack.Creds{PID: int32(t.tg.pid), UID: int32(c.EffectiveUID), GID: int32(c.EffectiveGID)}
}

func (t *Task) socket(fd uint64) (*vfs.File, *netstack.Socket, error) {
	f, err := t.file(fd)
	if err != nil {
		return nil, nil, err
	}
	s, ok := f.Impl().(*netstack.Socket)
	if !ok {
		f.DecRef()
		return nil, nil, unix.ENOTSOCK
	}
	return f, s, nil
}

func sockName(s *netstack.Socket) string { return fmt.Sprintf("socket:[%d]", s.Ino()) }

func (t *Task) newSocketFile(s *netstack.Socket, flags int) (uint64, error) {
	f := t.k.newSocketVFSFile(s, flags)
	fd, err := t.installNew(f, flags&unix.O_CLOEXEC != 0)
	return uint64(fd), err
}

func sysSocket(t *Task, a [6]uint64) (uint64, error) {
	typ := int(a[1])
	flags := typ &^ 0xf
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	s, err := t.k.net.stack.NewSocket(int(a[0]), typ&0xf, int(a[2]), t.creds())
	if err != nil {
		return 0, err
	}
	return t.newSocketFile(s, flags)
}

func sysSocketpair(t *Task, a [6]uint64) (uint64, error) {
	typ := int(a[1])
	flags := typ &^ 0xf
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	switch int(a[0]) {
	case unix.AF_UNIX:
	case unix.AF_INET, unix.AF_INET6:
		return 0, unix.EOPNOTSUPP
	default:
		return 0, unix.EAFNOSUPPORT
	}
	if a[2] != 0 && a[2] != unix.PF_UNIX {
		return 0, unix.EPROTONOSUPPORT
	}
	x, y, err := t.k.net.stack.Pair(typ&0xf, t.creds())
	if err != nil {
		return 0, err
	}
	fx := t.k.newSocketVFSFile(x, flags)
	fy := t.k.newSocketVFSFile(y, flags)
	return 0, t.installPair(fx, fy, flags&unix.O_CLOEXEC != 0, a[3])
}

// readSockaddr copies in and decodes a struct sockaddr; a relative
// AF_UNIX path is resolved against the cwd, so names are absolute.
func (t *Task) readSockaddr(addr, n uint64) (netstack.Addr, error) {
	if int32(n) < 0 || n > maxSockaddr {
		return netstack.Addr{}, unix.EINVAL
	}
	if n == 0 {
		return netstack.Addr{}, unix.EINVAL
	}
	b := make([]byte, n)
	if err := t.copyIn(addr, b); err != nil {
		return netstack.Addr{}, err
	}
	return netstack.ParseAddr(b)
}

// resolveUnixPath gives an AF_UNIX path name its filesystem identity:
// bind creates the socket's node (EADDRINUSE if the name exists), connect
// and sendto find it (ENOENT if missing, ECONNREFUSED if not a socket).
func (t *Task) resolveUnixPath(a *netstack.Addr, create bool) error {
	if a.Family != unix.AF_UNIX || a.Name == "" || a.Name[0] == 0 {
		return nil
	}
	d, release, err := t.startDir(cwdFD, a.Name)
	if err != nil {
		return err
	}
	defer release()
	fs := t.k.cfg.FS
	if create {
		umask := t.umask()
		if err := fs.MknodSocketAt(d, a.Name, 0o777&^umask); err != nil {
			if err == unix.EEXIST {
				return unix.EADDRINUSE
			}
			return err
		}
	}
	st, err := fs.StatAt(d, a.Name, !create)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return unix.ECONNREFUSED
	}
	a.Node = [2]uint64{st.Dev, st.Ino}
	return nil
}

// writeSockaddr writes a (truncated to the caller's buffer) at addr and
// its full length at lenAddr, as accept, getsockname and recvfrom do.
func (t *Task) writeSockaddr(addr, lenAddr uint64, a netstack.Addr) error {
	if addr == 0 || lenAddr == 0 {
		return nil
	}
	l, err := t.readU32(lenAddr)
	if err != nil {
		return err
	}
	if int32(l) < 0 {
		return unix.EINVAL
	}
	b := a.Marshal()
	if err := t.copyOut(addr, b[:min(int(l), len(b))]); err != nil {
		return err
	}
	return t.writeU32(lenAddr, uint32(len(b)))
}

func sysBind(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	sa, err := t.readSockaddr(a[1], a[2])
	if err != nil {
		return 0, err
	}
	if sa.Family == unix.AF_UNIX && s.Family() == unix.AF_UNIX {
		if s.LocalAddr().Name != "" {
			return 0, unix.EINVAL
		}
		if err := t.resolveUnixPath(&sa, true); err != nil {
			return 0, err
		}
	}
	return 0, s.Bind(sa)
}

func sysListen(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, s.Listen(int(int32(a[1])))
}

func sysAccept(t *Task, a [6]uint64) (uint64, error) { return t.accept(a[0], a[1], a[2], 0) }

func sysAccept4(t *Task, a [6]uint64) (uint64, error) {
	return t.accept(a[0], a[1], a[2], int(a[3]))
}

func (t *Task) accept(fd, addr, lenAddr uint64, flags int) (uint64, error) {
	if flags&^(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	f, s, err := t.socket(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var ns *netstack.Socket
	op := func() error {
		var err error
		ns, err = s.Accept()
		return err
	}
	if nonblocking(f) {
		err = op()
	} else {
		rt, _ := s.Timeouts()
		err = t.blockOn(s, epoll.EventIn, deadlineAfter(rt), op)
	}
	if err != nil {
		return 0, err
	}
	if addr != 0 {
		peer, _ := ns.RemoteAddr()
		if err := t.writeSockaddr(addr, lenAddr, peer); err != nil {
			ns.Close()
			return 0, err
		}
	}
	return t.newSocketFile(ns, flags)
}

func sysConnect(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	sa, err := t.readSockaddr(a[1], a[2])
	if err != nil {
		return 0, err
	}
	if err := t.resolveUnixPath(&sa, false); err != nil {
		return 0, err
	}
	nb := nonblocking(f)
	err = s.Connect(sa, nb)
	if err == unix.EINPROGRESS && !nb {
		_, st := s.Timeouts()
		err = t.blockOn(s, epoll.EventOut, deadlineAfter(st), s.ConnectResult)
		if err == unix.EAGAIN {
			err = unix.EINPROGRESS
		}
	}
	return 0, err
}

func sysGetsockname(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, t.writeSockaddr(a[1], a[2], s.LocalAddr())
}

func sysGetpeername(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	pa, err := s.RemoteAddr()
	if err != nil {
		return 0, err
	}
	return 0, t.writeSockaddr(a[1], a[2], pa)
}

func sysShutdown(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, s.Shutdown(int(int32(a[1])))
}

func sysSetsockopt(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if int32(a[4]) < 0 || a[4] > maxOptLen {
		return 0, unix.EINVAL
	}
	b := make([]byte, a[4])
	if err := t.copyIn(a[3], b); err != nil {
		return 0, err
	}
	return 0, s.SetSockopt(int(int32(a[1])), int(int32(a[2])), b)
}

func sysGetsockopt(t *Task, a [6]uint64) (uint64, error) {
	f, s, err := t.socket(a[0])
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	l, err := t.readU32(a[4])
	if err != nil {
		return 0, err
	}
	if int32(l) < 0 {
		return 0, unix.EINVAL
	}
	v, err := s.GetSockopt(int(int32(a[1])), int(int32(a[2])))
	if err != nil {
		return 0, err
	}
	n := min(int(l), len(v))
	if err := t.copyOut(a[3], v[:n]); err != nil {
		return 0, err
	}
	return 0, t.writeU32(a[4], uint32(n))
}
