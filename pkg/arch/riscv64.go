package arch

// Facts the riscv64 application is told about the hart it runs on: what
// pkg/riscv implements, and nothing more, so that glibc's ifuncs and
// hwprobe users pick code the interpreter can run.

// RISCV64HWCap is AT_HWCAP: one bit per single-letter extension
// ('a' is bit 0): I, M, A, F, D, C.
const RISCV64HWCap = 1<<('i'-'a') | 1<<('m'-'a') | 1<<('a'-'a') | 1<<('f'-'a') | 1<<('d'-'a') | 1<<('c'-'a')

// riscv_hwprobe keys and values (arch/riscv/include/uapi/asm/hwprobe.h).
const (
	HWProbeMVendorID          = 0
	HWProbeMArchID            = 1
	HWProbeMImpID             = 2
	HWProbeBaseBehavior       = 3
	HWProbeIMAExt0            = 4
	HWProbeCPUPerf0           = 5
	HWProbeZicbozBlockSize    = 6
	HWProbeHighestVirtAddress = 7
	HWProbeTimeCSRFreq        = 8
	HWProbeMisalignedScalar   = 9

	hwprobeBaseIMA    = 1
	hwprobeIMAFD      = 1 << 0
	hwprobeIMAC       = 1 << 1
	hwprobeExtZba     = 1 << 3
	hwprobeExtZbb     = 1 << 4
	hwprobeMisalFast  = 3
	hwprobeTimeFreqHz = 10_000_000
)

// RISCV64HWProbe answers one riscv_hwprobe key; ok is false for keys the
// sentry does not know (the syscall then reports key -1, as Linux does).
// The answers describe pkg/riscv: RV64IMA base behaviour, F, D, C, Zba and
// Zbb; misaligned scalar accesses are fast (the host does them).
func RISCV64HWProbe(key int64) (value uint64, ok bool) {
	switch key {
	case HWProbeMVendorID, HWProbeMArchID, HWProbeMImpID:
		return 0, true
	case HWProbeBaseBehavior:
		return hwprobeBaseIMA, true
	case HWProbeIMAExt0:
		return hwprobeIMAFD | hwprobeIMAC | hwprobeExtZba | hwprobeExtZbb, true
	case HWProbeCPUPerf0, HWProbeMisalignedScalar:
		return hwprobeMisalFast, true
	case HWProbeHighestVirtAddress:
		return 1<<47 - 1, true
	case HWProbeTimeCSRFreq:
		return hwprobeTimeFreqHz, true
	}
	return 0, false
}

// RISCV64FPStateSize is the size of struct __riscv_d_ext_state (f0..f31,
// fcsr): the FP state the riscv64 platform transfers and the signal frame
// holds.
const RISCV64FPStateSize = 32*8 + 4
