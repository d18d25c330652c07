package netstack

import (
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
	"gvisor.dev/gvisor/pkg/marshal/primitive"
)

// options are a socket's settable options. The ones that change nothing
// on a loopback (keepalive timings, TCP_NODELAY) are kept so that
// getsockopt returns what was set.
type options struct {
	reuseAddr, reusePort bool
	keepAlive, noDelay   bool
	v6only, passCred     bool
	broadcast, oobInline bool
	cork, quickAck       bool
	keepIdle, keepIntvl  int32
	keepCnt              int32
	rcvBuf, sndBuf       int
	linger               unix.Linger
	rcvTimeo, sndTimeo   time.Duration
	lite                 udpliteOpts // UDP-Lite coverage (udplite.go)
	other                map[[2]int]int32
}

func defaultOptions(family, stype int) options {
	o := options{keepIdle: 7200, keepIntvl: 75, keepCnt: 9, rcvBuf: 212992, sndBuf: 212992, quickAck: true}
	if stype == unix.SOCK_STREAM && (family == unix.AF_INET || family == unix.AF_INET6) {
		o.rcvBuf, o.sndBuf = 131072, 16384
	}
	return o
}

// inherit is what an accepted socket takes from its listener.
func (o options) inherit() options {
	n := o
	n.other = nil
	for k, v := range o.other {
		if n.other == nil {
			n.other = map[[2]int]int32{}
		}
		n.other[k] = v
	}
	return n
}

// Option levels and names beyond golang.org/x/sys/unix's set.
const (
	soRcvtimeoNew = 66
	soSndtimeoNew = 67
)

// remembered are options that are accepted and echoed back without any
// effect on a loopback.
var remembered = map[[2]int]int32{
	{unix.SOL_SOCKET, unix.SO_DEBUG}:                0,
	{unix.SOL_SOCKET, unix.SO_DONTROUTE}:            0,
	{unix.SOL_SOCKET, unix.SO_PRIORITY}:             0,
	{unix.SOL_SOCKET, unix.SO_RCVLOWAT}:             1,
	{unix.SOL_SOCKET, unix.SO_SNDLOWAT}:             1,
	{unix.SOL_SOCKET, unix.SO_TIMESTAMP}:            0,
	{unix.SOL_SOCKET, unix.SO_TIMESTAMPNS}:          0,
	{unix.SOL_SOCKET, unix.SO_MARK}:                 0,
	{unix.SOL_SOCKET, unix.SO_BUSY_POLL}:            0,
	{unix.SOL_SOCKET, unix.SO_ZEROCOPY}:             0,
	{unix.SOL_SOCKET, unix.SO_PASSSEC}:              0,
	{unix.SOL_SOCKET, unix.SO_RCVBUFFORCE}:          0,
	{unix.SOL_SOCKET, unix.SO_SNDBUFFORCE}:          0,
	{unix.IPPROTO_TCP, unix.TCP_MAXSEG}:             defaultMSS,
	{unix.IPPROTO_TCP, unix.TCP_SYNCNT}:             6,
	{unix.IPPROTO_TCP, unix.TCP_LINGER2}:            60,
	{unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT}:       0,
	{unix.IPPROTO_TCP, unix.TCP_WINDOW_CLAMP}:       0,
	{unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT}:       0,
	{unix.IPPROTO_TCP, unix.TCP_FASTOPEN}:           0,
	{unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT}:      0,
	{unix.IPPROTO_IP, unix.IP_TOS}:                  0,
	{unix.IPPROTO_IP, unix.IP_TTL}:                  defaultTTL,
	{unix.IPPROTO_IP, unix.IP_RECVERR}:              0,
	{unix.IPPROTO_IP, unix.IP_PKTINFO}:              0,
	{unix.IPPROTO_IP, unix.IP_RECVTOS}:              0,
	{unix.IPPROTO_IP, unix.IP_RECVTTL}:              0,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT}:     0,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS}:       0,
	{unix.IPPROTO_IP, unix.IP_MTU_DISCOVER}:         0,
	{unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP}:       1,
	{unix.IPPROTO_IP, unix.IP_MULTICAST_TTL}:        1,
	{unix.IPPROTO_IP, unix.IP_FREEBIND}:             0,
	{unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT}: 0,
	{unix.IPPROTO_IPV6, unix.IPV6_TCLASS}:           0,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVERR}:          0,
	{unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO}:      0,
	{unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS}:     defaultTTL,
	{unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER}:     0,
	{unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP}:   1,
}

func intVal(b []byte) (int32, error) {
	var v primitive.Int32
	if len(b) < v.SizeBytes() {
		return 0, unix.EINVAL
	}
	v.UnmarshalBytes(b)
	return int32(v), nil
}

func intBytes(v int32) []byte { return marshal((*primitive.Int32)(&v)) }

func boolInt(v bool) int32 {
	if v {
		return 1
	}
	return 0
}

func timevalBytes(d time.Duration) []byte {
	return marshal(&linux.Timeval{Sec: int64(d / time.Second), Usec: int64(d % time.Second / time.Microsecond)})
}

func timevalVal(b []byte) (time.Duration, error) {
	var tv linux.Timeval
	if len(b) < tv.SizeBytes() {
		return 0, unix.EINVAL
	}
	tv.UnmarshalBytes(b)
	sec, usec := tv.Sec, tv.Usec
	if usec < 0 || usec >= 1000000 {
		return 0, unix.EDOM
	}
	if sec < 0 {
		return 0, nil
	}
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond, nil
}

func (s *Socket) levelOK(level int) bool {
	switch level {
	case unix.SOL_SOCKET:
		return true
	case unix.IPPROTO_TCP:
		return s.isInet() && s.stype == unix.SOCK_STREAM
	case unix.IPPROTO_UDP, unix.IPPROTO_UDPLITE:
		return s.isInet() && s.stype == unix.SOCK_DGRAM
	case unix.IPPROTO_IP:
		return s.isInet()
	case unix.IPPROTO_IPV6:
		return s.family == unix.AF_INET6
	case unix.SOL_NETLINK:
		return s.family == unix.AF_NETLINK
	}
	return false
}

// badLevel is the error for a level the socket does not have: TCP
// sockets answer EOPNOTSUPP (their IP layer's answer), others
// ENOPROTOOPT, as Linux does.
func (s *Socket) badLevel() error {
	if s.isInet() && s.stype == unix.SOCK_STREAM {
		return unix.EOPNOTSUPP
	}
	return unix.ENOPROTOOPT
}

// SetSockopt implements setsockopt(2).
func (s *Socket) SetSockopt(level, name int, b []byte) error {
	if err := s.setSockoptSandbox(level, name, b); err != nil {
		return err
	}
	_, err := s.setHostOption([2]int{level, name}, b)
	return err
}

// setSockoptSandbox validates and keeps an option on the sandbox's side.
func (s *Socket) setSockoptSandbox(level, name int, b []byte) error {
	if !s.levelOK(level) {
		return s.badLevel()
	}
	if level == unix.IPPROTO_UDPLITE {
		level = unix.IPPROTO_UDP // one level for both, as in Linux
	}
	key := [2]int{level, name}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.opts
	switch key {
	case [2]int{unix.IPPROTO_UDP, udpliteSendCscov}, [2]int{unix.IPPROTO_UDP, udpliteRecvCscov}:
		v, err := intVal(b)
		if err != nil {
			return err
		}
		return s.setUDPLiteLocked(name, v)
	case [2]int{unix.SOL_SOCKET, unix.SO_RCVTIMEO}, [2]int{unix.SOL_SOCKET, soRcvtimeoNew}:
		d, err := timevalVal(b)
		o.rcvTimeo = d
		return err
	case [2]int{unix.SOL_SOCKET, unix.SO_SNDTIMEO}, [2]int{unix.SOL_SOCKET, soSndtimeoNew}:
		d, err := timevalVal(b)
		o.sndTimeo = d
		return err
	case [2]int{unix.SOL_SOCKET, unix.SO_LINGER}:
		var l linux.Linger
		if len(b) < l.SizeBytes() {
			return unix.EINVAL
		}
		l.UnmarshalBytes(b)
		o.linger = unix.Linger{Onoff: l.OnOff, Linger: l.Linger}
		return nil
	}
	v, err := intVal(b)
	if err != nil {
		return err
	}
	on := v != 0
	switch key {
	case [2]int{unix.SOL_SOCKET, unix.SO_REUSEADDR}:
		o.reuseAddr = on
	case [2]int{unix.SOL_SOCKET, unix.SO_REUSEPORT}:
		o.reusePort = on
	case [2]int{unix.SOL_SOCKET, unix.SO_KEEPALIVE}:
		o.keepAlive = on
	case [2]int{unix.SOL_SOCKET, unix.SO_BROADCAST}:
		o.broadcast = on
	case [2]int{unix.SOL_SOCKET, unix.SO_OOBINLINE}:
		o.oobInline = on
	case [2]int{unix.SOL_SOCKET, unix.SO_PASSCRED}:
		o.passCred = on
	case [2]int{unix.SOL_SOCKET, unix.SO_RCVBUF}, [2]int{unix.SOL_SOCKET, unix.SO_RCVBUFFORCE}:
		o.rcvBuf = min(max(int(v)*2, minBuf), maxBuf)
		s.rx.mu.Lock()
		s.rx.limit = max(o.rcvBuf, defaultBuf/4)
		s.rx.mu.Unlock()
	case [2]int{unix.SOL_SOCKET, unix.SO_SNDBUF}, [2]int{unix.SOL_SOCKET, unix.SO_SNDBUFFORCE}:
		o.sndBuf = min(max(int(v)*2, minBuf), maxBuf)
	case [2]int{unix.IPPROTO_TCP, unix.TCP_NODELAY}:
		o.noDelay = on
	case [2]int{unix.IPPROTO_TCP, unix.TCP_CORK}:
		o.cork = on
	case [2]int{unix.IPPROTO_TCP, unix.TCP_QUICKACK}:
		o.quickAck = on
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE}:
		if v < 1 || v > 32767 {
			return unix.EINVAL
		}
		o.keepIdle = v
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL}:
		if v < 1 || v > 32767 {
			return unix.EINVAL
		}
		o.keepIntvl = v
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPCNT}:
		if v < 1 || v > 127 {
			return unix.EINVAL
		}
		o.keepCnt = v
	case [2]int{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY}:
		if s.bound {
			return unix.EINVAL
		}
		o.v6only = on
	default:
		if _, ok := remembered[key]; !ok {
			return unix.ENOPROTOOPT
		}
		if o.other == nil {
			o.other = map[[2]int]int32{}
		}
		o.other[key] = v
	}
	return nil
}

// GetSockopt implements getsockopt(2); the kernel truncates the value to
// the caller's length.
func (s *Socket) GetSockopt(level, name int) ([]byte, error) {
	if !s.levelOK(level) {
		return nil, s.badLevel()
	}
	if level == unix.IPPROTO_UDPLITE {
		level = unix.IPPROTO_UDP
	}
	key := [2]int{level, name}
	if v, ok, err := s.getHostOption(key); ok {
		return v, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.opts
	var v int32
	switch key {
	case [2]int{unix.IPPROTO_UDP, udpliteSendCscov}, [2]int{unix.IPPROTO_UDP, udpliteRecvCscov}:
		v, err := s.getUDPLiteLocked(name)
		if err != nil {
			return nil, err
		}
		return intBytes(v), nil
	case [2]int{unix.SOL_SOCKET, unix.SO_TYPE}:
		v = int32(s.stype)
	case [2]int{unix.SOL_SOCKET, unix.SO_DOMAIN}:
		v = int32(s.family)
	case [2]int{unix.SOL_SOCKET, unix.SO_PROTOCOL}:
		v = int32(s.proto)
	case [2]int{unix.SOL_SOCKET, unix.SO_ERROR}:
		v = int32(s.soError)
		s.soError = 0
	case [2]int{unix.SOL_SOCKET, unix.SO_ACCEPTCONN}:
		v = boolInt(s.state == stateListening)
	case [2]int{unix.SOL_SOCKET, unix.SO_REUSEADDR}:
		v = boolInt(o.reuseAddr)
	case [2]int{unix.SOL_SOCKET, unix.SO_REUSEPORT}:
		v = boolInt(o.reusePort)
	case [2]int{unix.SOL_SOCKET, unix.SO_KEEPALIVE}:
		v = boolInt(o.keepAlive)
	case [2]int{unix.SOL_SOCKET, unix.SO_BROADCAST}:
		v = boolInt(o.broadcast)
	case [2]int{unix.SOL_SOCKET, unix.SO_OOBINLINE}:
		v = boolInt(o.oobInline)
	case [2]int{unix.SOL_SOCKET, unix.SO_PASSCRED}:
		v = boolInt(o.passCred)
	case [2]int{unix.SOL_SOCKET, unix.SO_RCVBUF}:
		v = int32(o.rcvBuf)
	case [2]int{unix.SOL_SOCKET, unix.SO_SNDBUF}:
		v = int32(o.sndBuf)
	case [2]int{unix.SOL_SOCKET, unix.SO_LINGER}:
		return marshal(&linux.Linger{OnOff: o.linger.Onoff, Linger: o.linger.Linger}), nil
	case [2]int{unix.SOL_SOCKET, unix.SO_RCVTIMEO}, [2]int{unix.SOL_SOCKET, soRcvtimeoNew}:
		return timevalBytes(o.rcvTimeo), nil
	case [2]int{unix.SOL_SOCKET, unix.SO_SNDTIMEO}, [2]int{unix.SOL_SOCKET, soSndtimeoNew}:
		return timevalBytes(o.sndTimeo), nil
	case [2]int{unix.SOL_SOCKET, unix.SO_PEERCRED}:
		// struct ucred; with no peer, Linux's pid 0 and uid and gid -1.
		if s.family != unix.AF_UNIX || s.peer == nil {
			return marshal(&linux.ControlMessageCredentials{PID: 0, UID: ^uint32(0), GID: ^uint32(0)}), nil
		}
		return marshal(&linux.ControlMessageCredentials{PID: s.peerCreds.PID, UID: uint32(s.peerCreds.UID), GID: uint32(s.peerCreds.GID)}), nil
	case [2]int{unix.IPPROTO_TCP, unix.TCP_NODELAY}:
		v = boolInt(o.noDelay)
	case [2]int{unix.IPPROTO_TCP, unix.TCP_CORK}:
		v = boolInt(o.cork)
	case [2]int{unix.IPPROTO_TCP, unix.TCP_QUICKACK}:
		v = boolInt(o.quickAck)
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE}:
		v = o.keepIdle
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL}:
		v = o.keepIntvl
	case [2]int{unix.IPPROTO_TCP, unix.TCP_KEEPCNT}:
		v = o.keepCnt
	case [2]int{unix.IPPROTO_TCP, unix.TCP_MAXSEG}:
		v = 536 // TCP_MSS_DEFAULT until connected
		if s.state == stateConnected {
			v = defaultMSS
		}
		if x, ok := o.other[key]; ok {
			v = x
		}
	case [2]int{unix.IPPROTO_TCP, unix.TCP_INFO}:
		// struct tcp_info: only tcpi_state (first byte) is meaningful here.
		b := make([]byte, 104)
		b[0] = tcpState(s.state)
		return b, nil
	case [2]int{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY}:
		v = boolInt(o.v6only)
	default:
		def, ok := remembered[key]
		if !ok {
			return nil, unix.ENOPROTOOPT
		}
		v = def
		if x, ok := o.other[key]; ok {
			v = x
		}
	}
	return intBytes(v), nil
}

// tcpState is the Linux TCP state a socket state looks like.
func tcpState(st int) byte {
	switch st {
	case stateConnected:
		return 1 // TCP_ESTABLISHED
	case stateConnecting:
		return 2 // TCP_SYN_SENT
	case stateListening:
		return 10 // TCP_LISTEN
	}
	return 7 // TCP_CLOSE
}
