package ptrace

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// The host vDSO's place. Every stub starts with ADDR_NO_RANDOMIZE, so the
// host puts its vDSO (and the [vvar*] data pages before it) at the same
// address in every stub. The kernel may ask for another address
// (platform.VDSOPlacer): a random one per execve, as part of the
// application's randomised layout, and the parent's for a forked child.
// setup then unmaps the vDSO and its data pages and has the host map them
// again at the new place with arch_prctl(ARCH_MAP_VDSO_64), the call
// CRIU restores processes with, before the seccomp filters (which refuse
// it) go in. A host built without CONFIG_CHECKPOINT_RESTORE lacks the
// call: the platform then warns once and leaves the vDSO where the host
// puts it from then on.

// archMapVDSO64 is ARCH_MAP_VDSO_64 of asm/prctl.h.
const archMapVDSO64 = 0x2003

// errVDSOMove marks a host that cannot move the vDSO.
var errVDSOMove = errors.New("ptrace: the host cannot move the vDSO")

// moveVDSO puts the stub's vDSO at as.wantVDSO, if set.
func (as *addressSpace) moveVDSO(c *context) error {
	if as.wantVDSO == 0 {
		return nil
	}
	text, err := as.plat.readProc(as.pid, "maps")
	if err != nil {
		return fmt.Errorf("ptrace: reading the stub's maps: %w", err)
	}
	maps, err := parseMaps(string(text))
	if err != nil {
		return err
	}
	var vdso, low uint64
	var drop []hostMapping
	for _, m := range maps {
		switch classify(m) {
		case roleVDSO:
			vdso = m.start
		case roleVVAR:
		default:
			continue
		}
		drop = append(drop, m)
		if low == 0 || m.start < low {
			low = m.start
		}
	}
	if vdso == 0 || vdso == as.wantVDSO {
		return nil
	}
	// The data pages keep their offset before the code.
	delta := vdso - low
	if as.wantVDSO < delta || as.wantVDSO%pageSize != 0 {
		return fmt.Errorf("ptrace: vDSO address %#x: %w", as.wantVDSO, unix.EINVAL)
	}
	for _, m := range drop {
		if _, err := c.injectErrno(unix.SYS_MUNMAP, m.start, m.end-m.start); err != nil {
			return fmt.Errorf("ptrace: unmapping the stub's %s: %w", m.path, err)
		}
	}
	if _, err := c.injectErrno(unix.SYS_ARCH_PRCTL, archMapVDSO64, as.wantVDSO-delta); err != nil {
		return fmt.Errorf("%w: arch_prctl(ARCH_MAP_VDSO_64, %#x): %v", errVDSOMove, as.wantVDSO-delta, err)
	}
	return nil
}
