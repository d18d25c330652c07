// Package netstack is the sandbox's network: AF_INET and AF_INET6 (TCP,
// UDP, UDP-Lite: udplite.go) over an in-memory loopback (the sandbox has
// one interface, lo, with 127.0.0.1/8 and ::1), with the IP-level
// ancillary data of datagrams (inet_cmsg.go), AF_UNIX (stream, datagram, seqpacket; path and abstract
// names), a minimal NETLINK_ROUTE for interface discovery, and the host
// port publishing that joins host connections to guest listeners.
//
// The two endpoints of a connection hand bytes to each other directly:
// each endpoint has one bounded receive buffer that its peer writes into.
// There is no TCP segmenting, no checksums, no retransmission; nothing on
// a loopback needs them.
//
// Invariants: no socket here is a host socket. The only host sockets are
// the listeners and connections of published ports (publish.go), which
// the sentry owns on its own behalf. One pump goroutine per published
// port (publish_pump.go) carries the host -> guest bytes of all its
// connections in the order they arrived on the host, as Linux's loopback
// would queue them. Addresses that are not the
// sandbox's own are unreachable (ENETUNREACH); binding them is
// EADDRNOTAVAIL.
//
// Nothing here blocks the caller except publish.go's (and the pump's)
// own goroutines:
// socket operations return EAGAIN (or EINPROGRESS) and the kernel waits
// on the socket's readiness (pkg/epoll) through its interruptible wait.
//
// Every live socket is in the stack's registry (Stack.Sockets), which
// /proc/net lists; a socket leaves it when it is closed.
//
// Lock order: Stack.mu -> Socket.mu -> buffer.mu; Stack.regMu (the
// registry and inode numbers) is a leaf taken under any of them; so is
// a pump's mu (publish_pump.go), also taken under a guest Queue's lock. Two sockets' locks
// nest only as listener -> connecting socket (building the accepted end
// of a connection); otherwise connect and accept take them one after the
// other (so does a send with MSG_OOB, which reads the receiver's
// SO_OOBINLINE before it takes the receive buffer's lock). Urgent data
// (urgent.go) lives in the receive buffer under buffer.mu; the SIGURG
// hook the kernel installs is called with no lock held. Nothing calls
// epoll.Queue.Notify with a socket or buffer lock
// held, because Queue callbacks (epoll) take their own locks and then
// ask sockets for their readiness.
package netstack
