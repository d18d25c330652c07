package kernel

import (
	"errors"
	"math/rand"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sentry/pkg/vfs"
)

func testFile() *vfs.File { return vfs.NewFile(nil, unix.O_RDONLY, "test") }

// naiveLowest is the lowest free fd >= min by a scan, the model the
// bitmaps must agree with.
func naiveLowest(open map[int]bool, min int) int {
	for fd := min; ; fd++ {
		if !open[fd] {
			return fd
		}
	}
}

// TestFDTableLowestFree checks POSIX's rule (open, dup and F_DUPFD take
// the lowest free descriptor, >= the minimum) in hand-picked cases around
// word boundaries, then against a model over random operations.
func TestFDTableLowestFree(t *testing.T) {
	const limit = 1 << 20
	cases := []struct {
		name   string
		open   []int // installed at exactly these fds first
		min    int
		want   int
		limit  uint64
		wantEr error
	}{
		{"empty", nil, 0, 0, limit, nil},
		{"dense prefix", []int{0, 1, 2}, 0, 3, limit, nil},
		{"hole", []int{0, 1, 3}, 0, 2, limit, nil},
		{"min above hole", []int{0, 1, 3}, 3, 4, limit, nil},
		{"min in a gap", []int{0, 1, 3}, 10, 10, limit, nil},
		{"a full word", seq(0, 64), 0, 64, limit, nil},
		{"full words then a hole", append(seq(0, 64*70), seq(64*70+1, 64*80)...), 0, 64*70 + 0, limit, nil},
		{"4096 full words", seq(0, 64*64*2+5), 0, 64*64*2 + 5, limit, nil},
		{"at the limit", seq(0, 10), 0, 0, 10, unix.EMFILE},
		{"below the limit", seq(0, 9), 0, 9, 10, nil},
		{"min past the table", []int{0}, 5000, 5000, limit, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ft := newFDTable(nil)
			for _, fd := range c.open {
				ft.installAt(fd, testFile(), false)
			}
			fd, err := ft.install(testFile(), c.min, false, c.limit)
			if !errors.Is(err, c.wantEr) || (err == nil && fd != c.want) {
				t.Fatalf("install(min %d) = %d, %v; want %d, %v", c.min, fd, err, c.want, c.wantEr)
			}
		})
	}

	r := rand.New(rand.NewSource(5))
	ft := newFDTable(nil)
	open := map[int]bool{}
	for i := 0; i < 50000; i++ {
		switch op := r.Intn(10); {
		case op < 5:
			min := 0
			if r.Intn(4) == 0 {
				min = r.Intn(3000)
			}
			want := naiveLowest(open, min)
			fd, err := ft.install(testFile(), min, false, limit)
			if err != nil || fd != want {
				t.Fatalf("op %d: install(min %d) = %d, %v; want %d", i, min, fd, err, want)
			}
			open[fd] = true
		case op < 8:
			fd := r.Intn(3000)
			err := ft.remove(int32(fd))
			if (err == nil) != open[fd] {
				t.Fatalf("op %d: remove(%d) = %v, open %v", i, fd, err, open[fd])
			}
			delete(open, fd)
		case op < 9:
			fd := r.Intn(3000)
			ft.installAt(fd, testFile(), false)
			open[fd] = true
		default:
			lo := r.Intn(3000)
			hi := lo + r.Intn(200)
			ft.closeRange(uint64(lo), uint64(hi))
			for fd := lo; fd <= hi; fd++ {
				delete(open, fd)
			}
			if r.Intn(20) == 0 {
				ft, _ = ft.fork()
			}
		}
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// BenchmarkFDOpen measures install+remove of the lowest free fd with 10
// and with 200k descriptors open, and reports the ratio of the two (Linux
// keeps it near 1 with its two-level bitmap; a scan of every slot made it
// ~20000).
func BenchmarkFDOpen(b *testing.B) {
	table := func(n int) *FDTable {
		ft := newFDTable(nil)
		for i := 0; i < n; i++ {
			if _, err := ft.install(testFile(), 0, false, 1<<30); err != nil {
				b.Fatal(err)
			}
		}
		return ft
	}
	small, large := table(10), table(200000)
	f := testFile()
	var dSmall, dLarge time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range []struct {
			ft *FDTable
			d  *time.Duration
		}{{small, &dSmall}, {large, &dLarge}} {
			start := time.Now()
			fd, _ := c.ft.install(f, 0, false, 1<<30)
			c.ft.mu.Lock()
			c.ft.setLocked(fd, fdEntry{}) // not remove: f is reused, never released
			c.ft.mu.Unlock()
			*c.d += time.Since(start)
		}
	}
	b.ReportMetric(float64(dSmall.Nanoseconds())/float64(b.N), "ns/open@10")
	b.ReportMetric(float64(dLarge.Nanoseconds())/float64(b.N), "ns/open@200k")
	b.ReportMetric(float64(dLarge)/float64(dSmall), "ratio")
}
