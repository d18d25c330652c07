package kernel

import (
	"sync"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"
)

// utsNames are the sandbox's host and domain names (uname's nodename and
// domainname), which sethostname and setdomainname change for the whole
// sandbox, as in a UTS namespace of its own; the host's never change.
type utsNames struct {
	mu         sync.Mutex
	set        bool // changed since the start: the fields below hold
	host, doma string
}

// utsName returns the current host and domain names.
func (k *Kernel) utsName() (host, domain string) {
	k.uts.mu.Lock()
	defer k.uts.mu.Unlock()
	if !k.uts.set {
		if k.cfg.Domainname != "" {
			return k.cfg.Hostname, k.cfg.Domainname
		}
		return k.cfg.Hostname, "(none)"
	}
	return k.uts.host, k.uts.doma
}

// hostNameMax is __NEW_UTS_LEN.
const hostNameMax = 64

// setUTS serves sethostname (domain false) and setdomainname: EINVAL for
// a length above 64 (or negative), EPERM without CAP_SYS_ADMIN, EFAULT
// for a bad name.
func (t *Task) setUTS(addr, length uint64, domain bool) (uint64, error) {
	if int64(length) < 0 || length > hostNameMax {
		return 0, unix.EINVAL
	}
	if !t.cred().hasCap(linux.CAP_SYS_ADMIN) {
		return 0, unix.EPERM
	}
	b := make([]byte, length)
	if err := t.copyIn(addr, b); err != nil {
		return 0, err
	}
	t.k.setUTSName(domain, string(b))
	return 0, nil
}

// setUTSName sets the host name (domain false) or the domain name.
func (k *Kernel) setUTSName(domain bool, name string) {
	host, dom := k.utsName()
	if domain {
		dom = name
	} else {
		host = name
	}
	k.uts.mu.Lock()
	k.uts.host, k.uts.doma, k.uts.set = host, dom, true
	k.uts.mu.Unlock()
}

func sysSethostname(t *Task, a [6]uint64) (uint64, error)   { return t.setUTS(a[0], a[1], false) }
func sysSetdomainname(t *Task, a [6]uint64) (uint64, error) { return t.setUTS(a[0], a[1], true) }
