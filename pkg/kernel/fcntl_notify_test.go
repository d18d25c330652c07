package kernel

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestFcntlNotify(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  int
		arg  uint64
		ok   bool
		err  error
	}{
		{"drop all", unix.F_NOTIFY, 0, true, nil},
		{"multishot alone is no event", unix.F_NOTIFY, dnMultishot, true, nil},
		{"an event (DN_MODIFY) is refused", unix.F_NOTIFY, 0x2, true, unix.EINVAL},
		{"DN_CREATE with multishot", unix.F_NOTIFY, 0x4 | dnMultishot, true, unix.EINVAL},
		{"other command", unix.F_GETFL, 0, false, nil},
	} {
		_, ok, err := fcntlNotify(tc.cmd, tc.arg)
		if ok != tc.ok || err != tc.err {
			t.Errorf("%s: ok %v err %v, want %v %v", tc.name, ok, err, tc.ok, tc.err)
		}
	}
}
