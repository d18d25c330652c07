package netstack

import "fmt"

// Mode is what the sandbox's network reaches: the --network flag of
// `sentry run` (docker's and runsc's spelling). Every mode keeps the
// in-memory loopback; they differ in what lies beyond it.
type Mode int

const (
	// ModeSandbox is loopback in memory; -p publishes guest ports on the
	// host. Nothing else is reachable (ENETUNREACH).
	ModeSandbox Mode = iota
	// ModeHost adds the network namespace the sentry runs in:
	// connections and datagrams to non-loopback addresses leave through
	// host sockets the sentry owns (hostsock.go), and listeners on the
	// wildcard or one of the namespace's addresses listen there too
	// (hostlisten.go), and the namespace's interfaces are the
	// sandbox's view (netlink, SIOCGIF*: hostnetlink.go, hostif.go).
	// Loopback stays in memory. /proc/net lists bridged sockets as
	// their host sockets, and dev and if_inet6 are the namespace's
	// (procnet_host.go).
	ModeHost
	// ModeHostLoopback is ModeHost with 127.0.0.1 and ::1 the
	// namespace's too (a database on the host's loopback is reachable).
	ModeHostLoopback
	// ModeNone is loopback only; publishing a port is refused.
	ModeNone
)

var modeNames = [...]string{
	ModeSandbox:      "sandbox",
	ModeHost:         "host",
	ModeHostLoopback: "host-loopback",
	ModeNone:         "none",
}

func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads a --network value.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("--network %q: want sandbox, host, host-loopback or none", s)
}

// Host reports whether the mode reaches the sentry's network namespace.
func (m Mode) Host() bool { return m == ModeHost || m == ModeHostLoopback }

// CanPublish reports whether -p may publish ports in this mode.
func (m Mode) CanPublish() bool { return m != ModeNone }

// Mode returns what the stack reaches beyond loopback.
func (st *Stack) Mode() Mode { return st.mode }
