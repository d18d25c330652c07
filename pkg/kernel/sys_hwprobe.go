package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"sentry/pkg/arch"
)

// sysRiscvHwprobe answers riscv_hwprobe(pairs, pair_count, cpusetsize,
// cpus, flags) from pkg/arch's description of the interpreter, so glibc
// only picks code the interpreter runs. Every CPU is the same hart, so the
// cpu set does not change the answers.
func sysRiscvHwprobe(t *Task, a [6]uint64) (uint64, error) {
	pairs, count, flags := a[0], a[1], a[4]
	if flags != 0 {
		return 0, unix.EINVAL
	}
	if count > 1<<16 {
		return 0, unix.EINVAL
	}
	b := make([]byte, 16*count)
	if err := t.copyIn(pairs, b); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	for i := uint64(0); i < count; i++ {
		key := int64(le.Uint64(b[16*i:]))
		v, ok := arch.RISCV64HWProbe(key)
		if !ok {
			le.PutUint64(b[16*i:], ^uint64(0)) // key -1: unknown
			v = 0
		}
		le.PutUint64(b[16*i+8:], v)
	}
	return 0, t.copyOut(pairs, b)
}

// icacheFlusher is implemented by platforms that cache decoded code
// (pkg/riscv): FlushICache makes every thread of the address space fetch
// instructions from memory again.
type icacheFlusher interface{ FlushICache() }

// sysRiscvFlushIcache(start, end, flags): code written in place (a JIT,
// trampolines) becomes visible to every thread. The interpreter drops its
// decoded code for the whole address space; the range is not needed.
func sysRiscvFlushIcache(t *Task, a [6]uint64) (uint64, error) {
	if a[2]&^1 != 0 { // SYS_RISCV_FLUSH_ICACHE_LOCAL is the only flag
		return 0, unix.EINVAL
	}
	if f, ok := t.tg.as.(icacheFlusher); ok {
		f.FlushICache()
	}
	return 0, nil
}
