package kernel

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs/vfstest"
)

// TestFDChargeBoundsDescriptionsAndSlots fills a table under a small
// account: installs fail with ENOMEM once the descriptions and slots
// fill it, a dup of a charged description costs only its slot, dup2 to a
// far fd is refused rather than growing the table uncharged, a fork's
// copy is charged, and closing everything gives every byte back.
func TestFDChargeBoundsDescriptionsAndSlots(t *testing.T) {
	acct := &vfstest.Limit{Max: 64 << 10}
	ft := newFDTable(acct)
	var n int
	for {
		f := testFile()
		if _, err := ft.install(f, 0, false, 1<<20); err != nil {
			if !errors.Is(err, unix.ENOMEM) {
				t.Fatalf("install %d: %v, want ENOMEM", n, err)
			}
			f.DecRef()
			break
		}
		n++
		if n > 1000 {
			t.Fatalf("1000 descriptions installed under a %d-byte account", acct.Max)
		}
	}
	if n < 10 || acct.Used > acct.Max {
		t.Fatalf("%d descriptions, %d bytes charged of %d", n, acct.Used, acct.Max)
	}

	// A dup shares the description: it needs no description charge.
	acct.Max = acct.Used + 4096
	f, err := ft.get(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ft.install(f, 0, false, 1<<20); err != nil {
		t.Fatalf("dup of a charged description: %v", err)
	}
	// dup2 to fd 900000 needs a table of 900k slots.
	f, _ = ft.get(0)
	if err := ft.installAt(900000, f, false); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("dup2 to 900000 under a full account: %v, want ENOMEM", err)
	}
	f.DecRef()

	acct.Max = acct.Used // no room for a copy of the slots
	if _, err := ft.fork(); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("fork of the table under a full account: %v, want ENOMEM", err)
	}
	acct.Max = 1 << 30
	before := acct.Used
	child, err := ft.fork()
	if err != nil {
		t.Fatal(err)
	}
	if acct.Used <= before {
		t.Fatalf("fork charged nothing (%d bytes before, %d after)", before, acct.Used)
	}
	child.release()
	ft.release()
	if acct.Used != 0 {
		t.Fatalf("%d bytes still charged after every table was released", acct.Used)
	}
}
