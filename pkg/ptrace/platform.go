package ptrace

import (
	"fmt"

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
}

// Platform starts stub processes. It is safe for concurrent use.
type Platform struct {
	imageFD   int         // sealed memfd holding the stub image
	imagePath string      // /proc/self/fd/<imageFD>
	bind      bool        // bind stub threads to their tracer's CPU
	allowed   unix.CPUSet // CPUs the sentry may run on
	balance   balancer    // unbinds stub threads that compute (placement.go)
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
	return &Platform{imageFD: fd, imagePath: fmt.Sprintf("/proc/self/fd/%d", fd), bind: !o.NoPin, allowed: allowed}, nil
}

// Close releases the stub image. Address spaces already started keep
// running; no new ones may be created.
func (p *Platform) Close() error {
	if p.imageFD < 0 {
		return nil
	}
	err := unix.Close(p.imageFD)
	p.imageFD = -1
	return err
}

// Arch is always arch.AMD64.
func (p *Platform) Arch() arch.Arch { return arch.AMD64 }

// NewAddressSpace starts a stub process holding memfd and returns its
// address space and its first thread. See the package doc for the thread
// contract: the calling goroutine must be locked to its OS thread for life.
func (p *Platform) NewAddressSpace(memfd int) (platform.AddressSpace, platform.Context, error) {
	as, c, err := p.newAddressSpace(memfd)
	if err != nil {
		return nil, nil, err
	}
	return as, c, nil
}

func (p *Platform) newAddressSpace(memfd int) (*addressSpace, *context, error) {
	if memfd < 0 {
		return nil, nil, fmt.Errorf("ptrace: new address space: bad memory file fd %d", memfd)
	}
	if p.imageFD < 0 {
		return nil, nil, fmt.Errorf("ptrace: new address space: platform closed")
	}
	pid, err := p.startStub(memfd)
	if err != nil {
		return nil, nil, err
	}
	tracer := int32(unix.Gettid())
	as := &addressSpace{pid: pid, threads: make(map[int32]*context), bind: p.bind, allowed: p.allowed}
	if p.bind {
		as.balance = &p.balance
	}
	c := &context{as: as, tid: pid, tracer: tracer}
	as.threads[tracer] = c
	if err := as.setup(c); err != nil {
		as.Release()
		return nil, nil, err
	}
	if as.balance != nil {
		as.balance.add(c)
	}
	return as, c, nil
}
