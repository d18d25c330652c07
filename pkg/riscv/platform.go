package riscv

import (
	"fmt"
	"sync"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// Platform runs riscv64 application code in the interpreter. It is safe
// for concurrent use.
type Platform struct {
	mu       sync.Mutex
	mems     []*hostMem // one mapping per memory file seen
	vdsoTime bool
	jit      bool
}

var _ platform.Platform = (*Platform)(nil)

// New returns an interpreter platform that translates guest code to host
// code where the host allows (jit_amd64.go).
func New() *Platform { return &Platform{jit: true} }

// SetJIT says whether threads translate guest code to host code (on an
// amd64 host) or only interpret it. It applies to address spaces created
// afterwards.
func (p *Platform) SetJIT(on bool) {
	p.mu.Lock()
	p.jit = on
	p.mu.Unlock()
}

// SetVDSOTime says whether clock_gettime of CLOCK_REALTIME and
// CLOCK_MONOTONIC is answered inside the interpreter without an
// EventSyscall (the riscv64 counterpart of the kernel's vDSO option; see
// vdsotime.go). It applies to address spaces created afterwards.
func (p *Platform) SetVDSOTime(on bool) {
	p.mu.Lock()
	p.vdsoTime = on
	p.mu.Unlock()
}

// Arch is always arch.RISCV64.
func (p *Platform) Arch() arch.Arch { return arch.RISCV64 }

// Close unmaps the memory files. No address space may be in use.
func (p *Platform) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.mems {
		m.unmap()
	}
	p.mems = nil
	return nil
}

// memFor returns the sentry's mapping of memfd, creating it the first
// time this memory file is seen (it is recognised by device and inode,
// not fd number).
func (p *Platform) memFor(memfd int) (*hostMem, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := mapMemFile(memfd)
	if err != nil {
		return nil, err
	}
	for _, old := range p.mems {
		if old.dev == m.dev && old.ino == m.ino && old.size() == m.size() {
			m.unmap()
			return old, nil
		}
	}
	p.mems = append(p.mems, m)
	return m, nil
}

// NewAddressSpace returns an empty address space over memfd and its first
// thread.
func (p *Platform) NewAddressSpace(memfd int) (platform.AddressSpace, platform.Context, error) {
	if memfd < 0 {
		return nil, nil, fmt.Errorf("riscv: new address space: bad memory file fd %d", memfd)
	}
	m, err := p.memFor(memfd)
	if err != nil {
		return nil, nil, err
	}
	p.mu.Lock()
	vt, jit := p.vdsoTime, p.jit
	p.mu.Unlock()
	as := &addressSpace{mem: m, pt: new(pageTable), vdsoTime: vt, jit: jit}
	return as, as.newContext(), nil
}
