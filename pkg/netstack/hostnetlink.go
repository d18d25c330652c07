package netstack

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// In host mode, NETLINK_ROUTE queries (getifaddrs, if_nameindex, `ip
// addr`, `ip route`) describe the namespace the sentry runs in: the
// sentry asks the host with a netlink socket of its own, one per
// request, and hands the answers to the application's socket with the
// port id rewritten to the application's. Only the read-only RTM_GET*
// requests in hostNetlinkQueries go to the host; nothing the
// application sends can change the host's network.

// hostNetlinkQueries are the requests answered by the host in host mode.
var hostNetlinkQueries = map[uint16]bool{
	unix.RTM_GETLINK:  true,
	unix.RTM_GETADDR:  true,
	unix.RTM_GETROUTE: true,
	unix.RTM_GETNEIGH: true,
	unix.RTM_GETRULE:  true,
}

// hostNetlinkQuery sends one request (msg, a whole netlink message) to
// the host and returns its answers, each datagram as received, with the
// port id set to pid. The host answers at once (a dump is produced as
// it is read), so the sentry waits on nothing.
func hostNetlinkQuery(msg []byte, pid uint32) ([][]byte, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	req := append([]byte(nil), msg...)
	var h linux.NetlinkMessageHeader
	h.UnmarshalBytes(req)
	h.PortID = 0 // the kernel's port id for this socket
	h.MarshalBytes(req)
	flags, seq := h.Flags, h.Seq
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	dump := flags&unix.NLM_F_DUMP == unix.NLM_F_DUMP
	ack := flags&unix.NLM_F_ACK != 0
	var out [][]byte
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		d := append([]byte(nil), buf[:n]...)
		end := false
		for rest := d; len(rest) >= nlmsgHdrLen; {
			var r linux.NetlinkMessageHeader
			r.UnmarshalBytes(rest)
			l := int(r.Length)
			if l < nlmsgHdrLen || l > len(rest) {
				break
			}
			r.PortID = pid
			r.MarshalBytes(rest)
			// A dump ends with DONE (or an error); a single answer is
			// followed by an ack (NLMSG_ERROR 0) when one was asked.
			if r.Seq == seq && (r.Type == unix.NLMSG_DONE || r.Type == unix.NLMSG_ERROR || (!dump && !ack)) {
				end = true
			}
			rest = rest[min(nlAlign(l), len(rest)):]
		}
		out = append(out, d)
		if end {
			return out, nil
		}
	}
}
