package netstack

import (
	"sentry/pkg/vfs"

	"net/netip"
	"sync"

	"golang.org/x/sys/unix"
)

// Ephemeral ports, as Linux's default ip_local_port_range.
const (
	ephemeralFirst = 32768
	ephemeralLast  = 60999
)

// portKey is a port of one transport protocol (IPPROTO_TCP, _UDP or
// _UDPLITE): each has its own port space; IPv4 and IPv6 share one, as on
// Linux.
type portKey struct {
	proto int
	port  uint16
}

// Stack is one sandbox's network: its port tables and AF_UNIX names.
type Stack struct {
	mu        sync.Mutex
	ports     map[portKey][]*Socket
	unixNames map[string]*Socket
	nextEph   uint16
	nextAuto  uint32
	turn      uint64 // SO_REUSEPORT rotation

	// regMu guards the registry of live sockets, which /proc/net lists.
	// It is a leaf: callers may hold any other lock of the stack.
	regMu   sync.Mutex
	nextIno uint64
	live    map[*Socket]struct{}

	chunks sync.Pool // *[]byte of chunkSize: message memory (buffer.go)

	charger vfs.MemoryCharger // queued bytes are charged to it (charge.go)

	mode Mode // what lies beyond loopback (mode.go); fixed at creation

	hostPoll hostPoller // wakes waiters of host-mode sockets (hostpoll.go)

	// pumpMu guards pump, the mover of every published port's inbound
	// bytes (publish_pump.go); it comes before the pump's mu.
	pumpMu sync.Mutex
	pump   *pump
}

// NewStack returns an empty network in ModeSandbox.
func NewStack() *Stack { return NewStackMode(ModeSandbox) }

// NewStackMode returns an empty network that reaches what mode says.
func NewStackMode(mode Mode) *Stack {
	return &Stack{
		mode:      mode,
		ports:     map[portKey][]*Socket{},
		unixNames: map[string]*Socket{},
		nextEph:   ephemeralFirst,
		live:      map[*Socket]struct{}{},
	}
}

func (st *Stack) getChunk() *[]byte {
	if c, ok := st.chunks.Get().(*[]byte); ok {
		return c
	}
	c := make([]byte, 0, chunkSize)
	return &c
}

func (st *Stack) putChunk(c *[]byte) { st.chunks.Put(c) }

// register numbers a new socket for fstat and /proc/PID/fd
// ("socket:[N]") and enters it in the registry /proc/net lists. It takes
// only the leaf regMu, so it may be called with socket locks held (the
// accepted end of a connection is built under its listener's lock).
func (st *Stack) register(s *Socket) {
	st.regMu.Lock()
	defer st.regMu.Unlock()
	st.nextIno++
	s.ino = 100000 + st.nextIno
	st.live[s] = struct{}{}
}

// unregister removes a socket that is gone from the registry.
func (st *Stack) unregister(s *Socket) {
	st.regMu.Lock()
	defer st.regMu.Unlock()
	delete(st.live, s)
}

// addrSet is the set of local addresses a bound inet socket covers, per
// family: all of them (an unspecified address), one, or none.
type addrSet struct {
	all4, all6 bool
	one4, one6 netip.Addr // valid when that one address is covered
}

func coverage(family int, ip netip.Addr, v6only bool) addrSet {
	var s addrSet
	if family == unix.AF_INET {
		ip = ip.Unmap()
		if ip.IsUnspecified() {
			s.all4 = true
		} else {
			s.one4 = ip
		}
		return s
	}
	if ip.Is4In6() {
		v4 := ip.Unmap()
		if v4.IsUnspecified() {
			s.all4 = true
		} else {
			s.one4 = v4
		}
		return s
	}
	if ip.IsUnspecified() {
		s.all6 = true
		s.all4 = !v6only
		return s
	}
	s.one6 = ip
	return s
}

func (a addrSet) overlaps(b addrSet) bool {
	v4 := (a.all4 || a.one4.IsValid()) && (b.all4 || b.one4.IsValid()) &&
		(a.all4 || b.all4 || a.one4 == b.one4)
	v6 := (a.all6 || a.one6.IsValid()) && (b.all6 || b.one6.IsValid()) &&
		(a.all6 || b.all6 || a.one6 == b.one6)
	return v4 || v6
}

func (a addrSet) contains(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is4() {
		return a.all4 || a.one4 == ip
	}
	return a.all6 || a.one6 == ip
}

func (s *Socket) coverageLocked() addrSet {
	return coverage(s.family, s.local.IP.Addr(), s.opts.v6only)
}

// bindInet enters s into the port table at ip:port; port 0 picks an
// ephemeral port. The caller must not hold s.mu (Stack.mu comes first).
func (st *Stack) bindInet(s *Socket, ip netip.Addr, port uint16) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	s.mu.Lock()
	if s.bound || s.state == stateClosed {
		s.mu.Unlock()
		return unix.EINVAL
	}
	proto := s.proto
	cov := coverage(s.family, ip, s.opts.v6only)
	reuseAddr, reusePort := s.opts.reuseAddr, s.opts.reusePort
	s.mu.Unlock()
	if port == 0 {
		for i := 0; i <= ephemeralLast-ephemeralFirst; i++ {
			p := st.nextEph
			st.nextEph++
			if st.nextEph > ephemeralLast {
				st.nextEph = ephemeralFirst
			}
			if len(st.ports[portKey{proto, p}]) == 0 {
				port = p
				break
			}
		}
		if port == 0 {
			return unix.EADDRINUSE
		}
	} else {
		for _, o := range st.ports[portKey{proto, port}] {
			if o == s {
				continue
			}
			o.mu.Lock()
			oc := o.coverageLocked()
			reuse := (reuseAddr && o.opts.reuseAddr && o.state != stateListening) ||
				(reusePort && o.opts.reusePort)
			o.mu.Unlock()
			if oc.overlaps(cov) && !reuse {
				return unix.EADDRINUSE
			}
		}
	}
	k := portKey{proto, port}
	st.ports[k] = append(st.ports[k], s)
	s.mu.Lock()
	s.local = Addr{Family: s.family, IP: netip.AddrPortFrom(ip, port)}
	s.bound = true
	s.mu.Unlock()
	return nil
}

func (st *Stack) unbindInet(s *Socket, proto int, port uint16) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := portKey{proto, port}
	l := st.ports[k]
	for i, o := range l {
		if o == s {
			l = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(st.ports, k)
	} else {
		st.ports[k] = l
	}
}

// lookupInet finds the socket that receives traffic for dst: a listener
// (streams) or a bound socket (datagrams) covering dst's address, a
// specific address before a wildcard. Several SO_REUSEPORT sockets on
// the same address take turns. proto is the transport's IPPROTO_*.
func (st *Stack) lookupInet(proto int, dst netip.AddrPort) *Socket {
	stream := proto == unix.IPPROTO_TCP
	st.mu.Lock()
	l := append([]*Socket(nil), st.ports[portKey{proto, dst.Port()}]...)
	st.mu.Unlock()
	var specific, wild []*Socket
	for _, o := range l {
		o.mu.Lock()
		ok := o.coverageLocked().contains(dst.Addr()) && (!stream || o.state == stateListening)
		spec := !o.local.IP.Addr().Unmap().IsUnspecified()
		o.mu.Unlock()
		switch {
		case ok && spec:
			specific = append(specific, o)
		case ok:
			wild = append(wild, o)
		}
	}
	c := specific
	if len(c) == 0 {
		c = wild
	}
	switch len(c) {
	case 0:
		return nil
	case 1:
		return c[0]
	}
	st.mu.Lock()
	st.turn++
	n := st.turn
	st.mu.Unlock()
	return c[n%uint64(len(c))]
}

// PortListening reports whether some guest socket listens on port (for
// tests and for publishing diagnostics).
func (st *Stack) PortListening(port uint16) bool {
	return st.lookupInet(unix.IPPROTO_TCP, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)) != nil ||
		st.lookupInet(unix.IPPROTO_TCP, netip.AddrPortFrom(netip.IPv6Loopback(), port)) != nil
}

// bindUnix names s; an empty name autobinds an abstract name. It returns
// the address the socket now has.
func (st *Stack) bindUnix(s *Socket, a Addr) (Addr, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if a.Name == "" {
		for {
			st.nextAuto++
			n := "\x00" + hex5(st.nextAuto)
			if st.unixNames[Addr{Name: n}.unixKey(s.stype)] == nil {
				a = Addr{Family: unix.AF_UNIX, Name: n}
				break
			}
		}
	}
	k := a.unixKey(s.stype)
	if a.Node == ([2]uint64{}) && st.unixNames[k] != nil {
		return Addr{}, unix.EADDRINUSE
	}
	// A path's node was just created by the kernel: whatever held the
	// same node before (an unlinked file's reused inode) is gone.
	st.unixNames[k] = s
	return a, nil
}

func (st *Stack) unbindUnix(s *Socket, a Addr) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := a.unixKey(s.stype)
	if st.unixNames[k] == s {
		delete(st.unixNames, k)
	}
}

// lookupUnix finds the socket named a, for a socket of type stype (an
// abstract name of another type is not found).
func (st *Stack) lookupUnix(a Addr, stype int) *Socket {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.unixNames[a.unixKey(stype)]
}

// hex5 is Linux's autobind name: five hex digits.
func hex5(n uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 5)
	for i := 4; i >= 0; i-- {
		b[i] = digits[n&0xf]
		n >>= 4
	}
	return string(b)
}
