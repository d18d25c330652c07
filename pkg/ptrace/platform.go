package ptrace

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
	"sentry/pkg/platform"
)

// Options tune a Platform.
type Options struct {
	// NoPin leaves each stub thread free to run on any CPU instead of
	// binding it to the CPU its tracer thread runs on (placement.go).
	NoPin bool

	// KeepSIGCHLD leaves the sentry's SIGCHLD disposition alone instead
	// of setting it to SIG_DFL (see the package doc).
	KeepSIGCHLD bool

	// NoIsolation starts stubs in the sentry's own namespaces and root
	// (isolation.go), for comparison and debugging.
	NoIsolation bool

	// Warn, if not nil, is told once when the host does not allow the
	// stub's isolation and the platform goes on without it.
	Warn io.Writer
}

// Platform starts stub processes. It is safe for concurrent use.
type Platform struct {
	imageFD   int         // sealed memfd holding the stub image
	imagePath string      // /proc/self/fd/<imageFD>
	procDir   int         // the PIDs of the sentry's PID namespace (proc.go)
	bind      bool        // bind stub threads to their tracer's CPU
	allowed   unix.CPUSet // CPUs the sentry may run on
	balance   balancer    // unbinds stub threads that compute (placement.go)
	// isolate: put stubs in the sandbox's namespaces, until the host
	// refuses (isolation.go).
	isolate atomic.Bool
	warn    io.Writer
	warned  sync.Once
	nsMu    sync.Mutex
	nsFDs   []int // the sandbox's namespaces, in stubNSKinds order, once made
	// vdsoFixed: the host cannot move the vDSO (vdso.go).
	vdsoFixed atomic.Bool
}

var _ platform.Platform = (*Platform)(nil)

// New returns a Platform with default options: binding on, and SIGCHLD set
// to SIG_DFL in the sentry.
func New() (*Platform, error) { return NewWithOptions(Options{}) }

// NewWithOptions returns a Platform configured by o.
func NewWithOptions(o Options) (*Platform, error) {
	if !o.KeepSIGCHLD {
		if err := setSIGCHLDDefault(); err != nil {
			return nil, fmt.Errorf("ptrace: setting SIGCHLD to SIG_DFL: %w", err)
		}
	}
	fd, err := newStubImageFile()
	if err != nil {
		return nil, err
	}
	allowed, err := hostCPUs()
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	proc, err := openProcDir()
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	p := &Platform{imageFD: fd, imagePath: fmt.Sprintf("/proc/self/fd/%d", fd), procDir: proc, bind: !o.NoPin, allowed: allowed, warn: o.Warn}
	p.isolate.Store(!o.NoIsolation)
	return p, nil
}

// Close releases the stub image. Address spaces already started keep
// running; no new ones may be created.
func (p *Platform) Close() error {
	if p.imageFD < 0 {
		return nil
	}
	err := unix.Close(p.imageFD)
	p.imageFD = -1
	unix.Close(p.procDir)
	p.nsMu.Lock()
	for _, fd := range p.nsFDs {
		unix.Close(fd)
	}
	p.nsFDs = nil
	p.nsMu.Unlock()
	return err
}

// Arch is always arch.AMD64.
func (p *Platform) Arch() arch.Arch { return arch.AMD64 }

// NewAddressSpace starts a stub process holding memfd and returns its
// address space and its first thread. See the package doc for the thread
// contract: the calling goroutine must be locked to its OS thread for life.
func (p *Platform) NewAddressSpace(memfd int) (platform.AddressSpace, platform.Context, error) {
	return p.NewAddressSpaceVDSO(memfd, 0)
}

// NewAddressSpaceVDSO is NewAddressSpace with the host vDSO moved to vdso
// (vdso.go); 0 leaves it where the host put it.
func (p *Platform) NewAddressSpaceVDSO(memfd int, vdso uint64) (platform.AddressSpace, platform.Context, error) {
	as, c, err := p.newAddressSpaceVDSO(memfd, vdso)
	if err != nil {
		return nil, nil, err
	}
	return as, c, nil
}

func (p *Platform) newAddressSpace(memfd int) (*addressSpace, *context, error) {
	return p.newAddressSpaceVDSO(memfd, 0)
}

func (p *Platform) newAddressSpaceVDSO(memfd int, vdso uint64) (*addressSpace, *context, error) {
	if vdso != 0 && p.vdsoFixed.Load() {
		vdso = 0
	}
	if memfd < 0 {
		return nil, nil, fmt.Errorf("ptrace: new address space: bad memory file fd %d", memfd)
	}
	if p.imageFD < 0 {
		return nil, nil, fmt.Errorf("ptrace: new address space: platform closed")
	}
	ns := p.sandboxNS()
	pid, err := p.startStub(memfd, ns)
	if err != nil {
		return nil, nil, err
	}
	tracer := int32(unix.Gettid())
	as := &addressSpace{pid: pid, threads: make(map[int32]*context), bind: p.bind, allowed: p.allowed, plat: p, joinNS: len(ns) > 0, wantVDSO: vdso}
	if p.bind {
		as.balance = &p.balance
	}
	c := &context{as: as, tid: pid, tracer: tracer}
	as.threads[tracer] = c
	if err := as.setup(c); err != nil {
		as.Release()
		if errors.Is(err, errVDSOMove) {
			// The host cannot move it (no ARCH_MAP_VDSO): from now on
			// every stub keeps the host's placement.
			p.vdsoFixed.Store(true)
			p.warnOnce("%v: the vDSO stays where the host puts it", err)
			return p.newAddressSpaceVDSO(memfd, 0)
		}
		return nil, nil, err
	}
	if as.balance != nil {
		as.balance.add(c)
	}
	return as, c, nil
}
