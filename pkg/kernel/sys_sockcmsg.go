package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sentry/pkg/netstack"
)

// putInetControl writes an inet datagram's control messages (IPV6_HOPLIMIT,
// IPV6_TCLASS, IP_TTL, IP_TOS) the way Linux's put_cmsg does: a message
// that does not fit whole is written as far as the buffer goes, with its
// cmsg_len cut to that and MSG_CTRUNC set; with less room than a header,
// nothing is written and MSG_CTRUNC is set. It returns the length used.
func (t *Task) putInetControl(m msghdr, r netstack.RecvResult, _ int) (uint64, int, error) {
	const hdr = 16
	var used uint64
	room := m.controllen
	if m.control == 0 {
		room = 0
	}
	truncated := 0
	le := binary.LittleEndian
	for _, c := range r.Control {
		if room < hdr {
			truncated = unix.MSG_CTRUNC
			break
		}
		cmlen := uint64(hdr + len(c.Data))
		if room < cmlen {
			truncated = unix.MSG_CTRUNC
			cmlen = room
		}
		b := make([]byte, hdr, cmlen)
		le.PutUint64(b, cmlen)
		le.PutUint32(b[8:], uint32(c.Level))
		le.PutUint32(b[12:], uint32(c.Type))
		b = append(b, c.Data[:cmlen-hdr]...)
		// Only the message is written; the padding up to the next
		// one is skipped, not cleared, as Linux skips it.
		if err := t.copyOut(m.control+used, b); err != nil {
			return 0, 0, err
		}
		space := min(uint64(hdr+(len(c.Data)+7)&^7), room)
		used += space
		room -= space
	}
	return used, truncated, nil
}
