package strace

import (
	"encoding/binary"
	"sort"

	"golang.org/x/sys/unix"
)

// fakeMem is application memory made of separate regions; anything else
// faults. It stands in for vm.MM behind the Memory interface.
type fakeMem struct {
	regions []region
	next    uint64
}

type region struct {
	addr uint64
	b    []byte
}

func newMem() *fakeMem { return &fakeMem{next: 0x10000} }

// at places b at addr (replacing a region already there).
func (m *fakeMem) at(addr uint64, b []byte) uint64 {
	for i := range m.regions {
		if m.regions[i].addr == addr {
			m.regions[i].b = b
			return addr
		}
	}
	m.regions = append(m.regions, region{addr, b})
	sort.Slice(m.regions, func(i, j int) bool { return m.regions[i].addr < m.regions[j].addr })
	return addr
}

// put places b at a fresh address, with unmapped gaps around it.
func (m *fakeMem) put(b []byte) uint64 {
	a := m.next
	m.next += (uint64(len(b)) + 0x1fff) &^ 0xfff
	return m.at(a, b)
}

func (m *fakeMem) str(s string) uint64 { return m.put(append([]byte(s), 0)) }

func (m *fakeMem) u64s(v ...uint64) uint64 {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[i*8:], x)
	}
	return m.put(b)
}

func (m *fakeMem) find(addr uint64) []byte {
	for _, r := range m.regions {
		if addr >= r.addr && addr < r.addr+uint64(len(r.b)) {
			return r.b[addr-r.addr:]
		}
	}
	return nil
}

func (m *fakeMem) CopyIn(addr uint64, dst []byte) (int, error) {
	n := copy(dst, m.find(addr))
	if n < len(dst) {
		return n, unix.EFAULT
	}
	return n, nil
}

func (m *fakeMem) CopyInString(addr uint64, max int) (string, error) {
	b := m.find(addr)
	for i := 0; i < len(b) && i < max; i++ {
		if b[i] == 0 {
			return string(b[:i]), nil
		}
	}
	if len(b) >= max {
		return string(b[:max]), unix.ENAMETOOLONG
	}
	return "", unix.EFAULT
}
