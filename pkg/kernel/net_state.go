package kernel

import (
	"fmt"
	"sync"
	"sync/atomic"

	"sentry/pkg/epoll"
	"sentry/pkg/netstack"
)

// netState is the kernel's share of networking: the sandbox's loopback
// stack and the inode numbers of pipes and sockets.
type netState struct {
	stack *netstack.Stack
	ino   atomic.Uint64

	fifoMu sync.Mutex
	fifos  map[[2]uint64]*epoll.FIFO // by the node's (st_dev, st_ino)
}

func newNetState(s *netstack.Stack) *netState {
	if s == nil {
		s = netstack.NewStack()
	}
	return &netState{stack: s, fifos: map[[2]uint64]*epoll.FIFO{}}
}

// nextIno numbers a new pipe or socket (what fstat and /proc/PID/fd show).
func (n *netState) nextIno() uint64 { return n.ino.Add(1) + 1000 }

func anonName(kind string) string { return fmt.Sprintf("anon_inode:[%s]", kind) }

// fifo returns the named pipe of a FIFO node, forgetting the ones no
// end holds open (their data went with their last end).
func (n *netState) fifo(dev, ino uint64) *epoll.FIFO {
	n.fifoMu.Lock()
	defer n.fifoMu.Unlock()
	k := [2]uint64{dev, ino}
	if f := n.fifos[k]; f != nil {
		return f
	}
	for key, f := range n.fifos {
		if f.Idle() {
			delete(n.fifos, key)
		}
	}
	f := epoll.NewFIFO(dev, ino)
	n.fifos[k] = f
	return f
}
