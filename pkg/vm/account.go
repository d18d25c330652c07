package vm

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Account is the sandbox's one memory account, docker's --memory: the
// resident pages of the memory file (application memory, and the page
// caches of MAP_SHARED files, which live there) plus bytes charged
// explicitly by the sentry for memory it holds on the application's
// behalf in its own heap (in-memory file data, pipe and socket buffers).
//
// Pages of the memory file are created by the host when the application
// touches them, without a trap into the sentry, so they cannot be refused
// one by one: the kernel samples Usage and kills (the OOM outcome, as a
// memory cgroup does). Explicit charges can be refused: Charge fails
// rather than go past the limit. Safe for concurrent use.
type Account struct {
	limit int64
	mf    *MemoryFile
	other atomic.Int64
}

// NewAccount charges mf's resident pages and explicit charges to one
// limit of limit bytes (> 0).
func NewAccount(mf *MemoryFile, limit int64) *Account {
	return &Account{limit: limit, mf: mf}
}

// Limit is the account's limit in bytes.
func (a *Account) Limit() int64 { return a.limit }

// Charge adds n bytes held by the sentry for the application, or reports
// false, charging nothing, when that would take the account past its
// limit.
func (a *Account) Charge(n int64) bool {
	if n <= 0 {
		return true
	}
	used := a.mf.Resident()
	for {
		o := a.other.Load()
		if used+o+n > a.limit {
			return false
		}
		if a.other.CompareAndSwap(o, o+n) {
			return true
		}
	}
}

// Uncharge gives back n bytes of an earlier Charge.
func (a *Account) Uncharge(n int64) {
	if n > 0 {
		a.other.Add(-n)
	}
}

// Usage is the bytes charged now: resident memory-file pages plus
// explicit charges.
func (a *Account) Usage() int64 { return a.mf.Resident() + a.other.Load() }

// Resident is the bytes of the memory file that hold pages (the host's
// count of the memfd's allocated blocks): every page any address space or
// page cache has touched and not yet freed.
func (f *MemoryFile) Resident() int64 {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return 0
	}
	return st.Blocks * 512
}

// Resident is the bytes of m's memory that hold pages, as Linux's RSS:
// pages shared with another address space (fork, MAP_SHARED) count in
// each.
func (m *MM) Resident() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var total int64
	for i := range m.vmas {
		v := &m.vmas[i]
		if v.backed() {
			total += m.mf.dataBytes(v.memOff, v.length(), math.MaxInt64)
		}
	}
	return total
}

// ParseBytes reads a size the way docker run's --memory does: a number
// of bytes, optionally followed by b, k, m or g (either case; kb, mb, gb
// too), each a power of 1024.
func ParseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "b")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult != 1 {
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("invalid size %q: a number of bytes, optionally with b, k, m or g", s)
	}
	b := v * float64(mult)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q too large", s)
	}
	return int64(b), nil
}

// MinMemoryLimit is the smallest --memory accepted, docker's minimum.
const MinMemoryLimit = 6 << 20

// DefaultMemoryLimit is the limit when none is given, from the host's
// /proc/meminfo: three quarters of MemAvailable (what the host can give
// without swapping or reclaiming from others), the quarter left over
// being the sentry's own heap and the host's margin; half of MemTotal if
// MemAvailable is missing. Never below 1 GiB or half of MemTotal,
// whichever is less: a sentry started while the host is briefly short of
// memory (a busy build machine) must not kill ordinary programs.
func DefaultMemoryLimit(meminfo []byte) int64 {
	var avail, total int64 = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "MemAvailable:":
			avail = kb << 10
		case "MemTotal:":
			total = kb << 10
		}
	}
	var l, floor int64
	switch {
	case avail >= 0:
		l = avail / 4 * 3
	case total >= 0:
		l = total / 2
	}
	if total >= 0 {
		floor = min(1<<30, total/2)
	}
	return max(l, floor, MinMemoryLimit)
}

// VirtualSize is the bytes of address space m maps (Linux's total_vm,
// VmSize), for RLIMIT_AS.
func (m *MM) VirtualSize() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var total uint64
	for i := range m.vmas {
		total += m.vmas[i].length()
	}
	return total
}

// MappedIn is the bytes of [start, end) that m maps: what a MAP_FIXED
// mapping there replaces rather than adds.
func (m *MM) MappedIn(start, end uint64) uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var total uint64
	for i := range m.vmas {
		v := &m.vmas[i]
		if s, e := max(v.start, start), min(v.end, end); s < e {
			total += e - s
		}
	}
	return total
}
