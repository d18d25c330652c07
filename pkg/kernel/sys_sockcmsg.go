package kernel

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/abi/linux"

	"sentry/pkg/arch"
	"sentry/pkg/netstack"
)

// putInetControl writes an inet datagram's control messages (IPV6_HOPLIMIT,
// IPV6_TCLASS, IP_TTL, IP_TOS) the way Linux's put_cmsg does: a message
// that does not fit whole is written as far as the buffer goes, with its
// cmsg_len cut to that and MSG_CTRUNC set; with less room than a header,
// nothing is written and MSG_CTRUNC is set. It returns the length used.
func (t *Task) putInetControl(m arch.Msghdr, r netstack.RecvResult, _ int) (uint64, int, error) {
	hdr := linux.SizeOfControlMessageHeader
	var used uint64
	room := m.ControlLen
	if m.Control == 0 {
		room = 0
	}
	truncated := 0
	for _, c := range r.Control {
		if room < uint64(hdr) {
			truncated = unix.MSG_CTRUNC
			break
		}
		cmlen := uint64(hdr + len(c.Data))
		if room < cmlen {
			truncated = unix.MSG_CTRUNC
			cmlen = room
		}
		b := marshal(&linux.ControlMessageHeader{Length: cmlen, Level: int32(c.Level), Type: int32(c.Type)})
		b = append(b, c.Data[:cmlen-uint64(hdr)]...)
		// Only the message is written; the padding up to the next
		// one is skipped, not cleared, as Linux skips it.
		if err := t.copyOut(m.Control+used, b); err != nil {
			return 0, 0, err
		}
		space := min(uint64(hdr+(len(c.Data)+7)&^7), room)
		used += space
		room -= space
	}
	return used, truncated, nil
}
