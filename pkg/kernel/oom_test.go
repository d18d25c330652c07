package kernel

import "testing"

func TestOOMBadness(t *testing.T) {
	const limit = 1000 << 20
	for _, c := range []struct {
		name string
		rss  int64
		adj  int
		want int64
	}{
		{"rss alone", 300 << 20, 0, 300 << 20},
		{"adj adds thousandths of the limit", 100 << 20, 500, 100<<20 + 500*(limit/1000)},
		{"negative adj protects", 800 << 20, -500, 800<<20 - 500*(limit/1000)},
		{"never below 1", 1 << 20, -999, 1},
	} {
		if got := oomBadness(c.rss, c.adj, limit); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
	// The smaller process with oom_score_adj 1000 is chosen before a
	// larger one without.
	if oomBadness(10<<20, 1000, limit) <= oomBadness(900<<20, 0, limit) {
		t.Error("oom_score_adj 1000 does not make a process the first victim")
	}
	// Even when the sampled account let the larger one overshoot the
	// limit before it was seen.
	if oomBadness(1<<20, 1000, limit) <= oomBadness(limit+100<<20, 0, limit) {
		t.Error("an overshoot past the limit outweighs oom_score_adj 1000")
	}
}
