package vm

import "testing"

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "1048576", want: 1 << 20},
		{in: "64m", want: 64 << 20},
		{in: "64M", want: 64 << 20},
		{in: "64mb", want: 64 << 20},
		{in: "2g", want: 2 << 30},
		{in: "512k", want: 512 << 10},
		{in: "100b", want: 100},
		{in: "1.5g", want: 3 << 29},
		{in: "", bad: true},
		{in: "m", bad: true},
		{in: "-1m", bad: true},
		{in: "12x", bad: true},
		{in: "9999999999g", bad: true},
	} {
		got, err := ParseBytes(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseBytes(%q) = %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestDefaultMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		name    string
		meminfo string
		want    int64
	}{
		{"three quarters of MemAvailable", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n", 8000000 << 10 / 4 * 3},
		{"half of MemTotal without MemAvailable", "MemTotal:        4000000 kB\nMemFree:         1000000 kB\n", 4000000 << 10 / 2},
		{"1 GiB floor when the host is briefly short", "MemTotal:        4000000 kB\nMemAvailable:       1000 kB\n", 1 << 30},
		{"half of a small host's memory", "MemTotal:         400000 kB\nMemAvailable:       1000 kB\n", 400000 << 10 / 2},
		{"nothing readable", "", MinMemoryLimit},
		{"never below docker's minimum", "MemTotal:           4000 kB\nMemAvailable:       1000 kB\n", MinMemoryLimit},
	} {
		if got := DefaultMemoryLimit([]byte(c.meminfo)); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func TestAccountChargeRefusesPastLimit(t *testing.T) {
	mf, err := NewMemoryFile()
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	a := NewAccount(mf, 1<<20)
	if !a.Charge(1 << 19) {
		t.Fatal("first half refused")
	}
	if a.Charge(1<<19 + 1) {
		t.Fatal("charge past the limit accepted")
	}
	// Touched memory-file pages count against the same limit.
	off, err := mf.Allocate(1 << 19)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 1<<19; i += PageSize {
		mf.data[off+i] = 1
	}
	if got := a.Usage(); got != 1<<20 {
		t.Fatalf("usage %d, want %d", got, 1<<20)
	}
	if a.Charge(PageSize) {
		t.Fatal("charge accepted with touched pages filling the limit")
	}
	mf.Free(off, 1<<19)
	a.Uncharge(1 << 19)
	if !a.Charge(1 << 20) {
		t.Fatalf("charge of the whole limit refused after freeing (usage %d)", a.Usage())
	}
}
