package kernel

import (
	"bytes"
	"sync"

	"golang.org/x/sys/unix"
)

// utsNames are the sandbox's one UTS namespace: its node name (uname's
// nodename, gethostname) and NIS domain name. They start from the Config
// and "(none)", as a fresh Linux UTS namespace's domain name does, and
// sethostname/setdomainname change them for every process of the sandbox,
// never the host's. The application is treated as privileged
// (CAP_SYS_ADMIN), so both succeed.
type utsNames struct {
	mu       sync.Mutex
	hostname string
	domain   string
}

// newUTSLen is __NEW_UTS_LEN: the longest name, without its NUL.
const newUTSLen = 64

func (u *utsNames) get() (hostname, domain string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hostname, u.domain
}

// setUTSName reads the name sethostname or setdomainname got. Linux takes
// exactly len bytes; a NUL in them ends the name as C reads it.
func (t *Task) setUTSName(addr, length uint64, set func(string)) (uint64, error) {
	if int32(length) < 0 || int32(length) > newUTSLen {
		return 0, unix.EINVAL
	}
	b := make([]byte, length)
	if err := t.copyIn(addr, b); err != nil {
		return 0, err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	t.k.uts.mu.Lock()
	defer t.k.uts.mu.Unlock()
	set(string(b))
	return 0, nil
}

func sysSethostname(t *Task, a [6]uint64) (uint64, error) {
	return t.setUTSName(a[0], a[1], func(s string) { t.k.uts.hostname = s })
}

func sysSetdomainname(t *Task, a [6]uint64) (uint64, error) {
	return t.setUTSName(a[0], a[1], func(s string) { t.k.uts.domain = s })
}
