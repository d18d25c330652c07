package vfs

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestHostFDBudget(t *testing.T) {
	b := hostFDBudget{max: 2}
	steps := []struct {
		acquire bool
		want    error
	}{
		{true, nil}, {true, nil}, {true, unix.ENFILE}, {false, nil}, {true, nil}, {true, unix.ENFILE},
	}
	for i, s := range steps {
		if !s.acquire {
			b.release()
			continue
		}
		if err := b.acquire(); !errors.Is(err, s.want) && err != s.want {
			t.Fatalf("step %d: acquire = %v, want %v", i, err, s.want)
		}
	}
	if got := b.used.Load(); got != 2 {
		t.Fatalf("used %d after refusals, want 2", got)
	}
}
