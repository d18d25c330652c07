package netstack

import (
	"golang.org/x/sys/unix"
)

// Interface ioctls in host mode: SIOCGIFCONF and the SIOCGIF* queries
// of one interface describe the namespace the sentry runs in. The
// sentry asks the host with a datagram socket of its own, one per
// request; only the read-only queries in hostIfreqs go to the host.

// hostIfreqs are the struct ifreq queries answered by the host.
var hostIfreqs = map[uint]bool{
	unix.SIOCGIFFLAGS:   true,
	unix.SIOCGIFINDEX:   true,
	unix.SIOCGIFADDR:    true,
	unix.SIOCGIFNETMASK: true,
	unix.SIOCGIFBRDADDR: true,
	unix.SIOCGIFDSTADDR: true,
	unix.SIOCGIFMTU:     true,
	unix.SIOCGIFNAME:    true,
	unix.SIOCGIFHWADDR:  true,
	unix.SIOCGIFTXQLEN:  true,
	unix.SIOCGIFMETRIC:  true,
}

// sizeofIfreq is struct ifreq's size on the 64-bit ABIs.
const sizeofIfreq = 40

// HostIfreq answers the struct ifreq query req (ifr, filled in place)
// from the namespace in host mode; ok is false when the sandbox's own
// view answers (other modes, other requests).
func (st *Stack) HostIfreq(req uint, ifr []byte) (ok bool, err error) {
	if !st.mode.Host() || !hostIfreqs[req] || len(ifr) < sizeofIfreq {
		return false, nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return true, unix.ENOBUFS
	}
	defer unix.Close(fd)
	return true, hostIoctlBuf(fd, req, ifr[:sizeofIfreq])
}

// HostIfconf is SIOCGIFCONF from the namespace in host mode: the
// ifreq records of its IPv4 addresses that fit in n bytes, or with n
// == 0 (the application passed no buffer) the length they need. ok is
// false when the sandbox's own view answers.
func (st *Stack) HostIfconf(n int) (records []byte, need int, ok bool, err error) {
	if !st.mode.Host() {
		return nil, 0, false, nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, 0, true, unix.ENOBUFS
	}
	defer unix.Close(fd)
	records, need, err = hostIfconf(fd, n)
	return records, need, true, err
}
