package kernel

import (
	"fmt"
	"sync/atomic"

	"sentry/pkg/netstack"
)

// netState is the kernel's share of networking: the sandbox's loopback
// stack and the inode numbers of pipes and sockets.
type netState struct {
	stack *netstack.Stack
	ino   atomic.Uint64
}

func newNetState(s *netstack.Stack) *netState {
	if s == nil {
		s = netstack.NewStack()
	}
	return &netState{stack: s}
}

// nextIno numbers a new pipe or socket (what fstat and /proc/PID/fd show).
func (n *netState) nextIno() uint64 { return n.ino.Add(1) + 1000 }

func anonName(kind string) string { return fmt.Sprintf("anon_inode:[%s]", kind) }
