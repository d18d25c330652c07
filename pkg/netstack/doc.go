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
// Invariants: the application never holds a host socket. The host
// sockets here are the sentry's own: the listeners and connections of
// published ports (publish.go) and, in --network host (ModeHost), the
// host socket behind an inet stream or datagram socket that connects or
// sends beyond loopback (hostsock.go), or listens on the wildcard or
// one of the namespace's addresses (hostlisten.go; a bridged datagram
// carries the host's IP-level control messages: hostcmsg.go), made in the
// sentry's network namespace, driven by the sentry's own non-blocking
// calls and watched by the stack's host poller (hostpoll.go); it is
// closed when the application's socket is. In host mode the sentry
// also answers read-only interface queries (netlink RTM_GET*, SIOCGIF*)
// from the namespace through throwaway host sockets of its own
// (hostnetlink.go, hostif.go). Loopback (127.0.0.0/8, ::1)
// stays in memory, except in ModeHostLoopback, where it is the
// namespace's too and every inet socket goes through the host. In ModeSandbox and ModeNone, addresses that
// are not the sandbox's own are unreachable (ENETUNREACH) and binding
// them is EADDRNOTAVAIL; in ModeHost the namespace's own addresses are
// bindable. One pump goroutine per stack (publish_pump.go) carries the
// host -> guest bytes of the connections of every published port in the
// order they arrived on the host, as Linux's loopback would queue them.
// In host mode a bridged stream's bytes are read only once the stack's
// host poller has announced them, so streams become readable to the
// application in the order their bytes reached the host (hostpoll.go).
//
// Nothing here blocks the caller except publish.go's and the pump's own
// goroutines (and hostpoll.go's, which waits on the host for host-mode
// sockets):
// socket operations return EAGAIN (or EINPROGRESS) and the kernel waits
// on the socket's readiness (pkg/epoll) through its interruptible wait.
//
// Every live socket is in the stack's registry (Stack.Sockets), which
// /proc/net lists; a socket leaves it when it is closed. The stack renders
// those tables itself (procnet.go, Stack.ProcNet), in Linux's formats, so
// that procfs shows them without importing this package. In host mode a
// bridged socket is listed with its host socket's addresses, state and
// queues, and /proc/net/dev and if_inet6 are the namespace's
// (procnet_host.go).
//
// Lock order: Stack.mu -> Socket.mu -> buffer.mu; Stack.regMu (the
// registry and inode numbers) is a leaf taken under any of them, and so
// are hostPoller.mu and a pump's mu (publish_pump.go, also taken under a
// guest Queue's lock, and under Stack.pumpMu, which is taken with no
// other lock held); hostSock.mu (a host fd in use / being closed) is
// taken with no socket lock held and comes before hostPoller.mu;
// hostSock.rx (a host stream's receive and the poller's notice of it,
// hostpoll.go) is taken with no socket lock held, before hostSock.mu and
// before the socket's Queue lock. Two sockets' locks
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
