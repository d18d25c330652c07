package vm

import (
	"bytes"
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// CopyIn reads len(dst) bytes of application memory at addr. It stops at
// the first byte that is unmapped or not readable and returns how many
// bytes it copied with EFAULT. (A page of a shared file mapping that the
// file has grown to since is readable: eofRetry.)
func (m *MM) CopyIn(addr uint64, dst []byte) (int, error) {
	return m.eofRetry(addr, len(dst), func(off int) (int, error) { return m.copyIn(addr+uint64(off), dst[off:]) })
}

func (m *MM) copyIn(addr uint64, dst []byte) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	done := 0
	return m.walk(addr, len(dst), unix.PROT_READ, func(mem []byte) bool {
		done += copy(dst[done:], mem)
		return true
	})
}

// CopyOut writes src to application memory at addr. It stops at the first
// byte that is unmapped or not writable and returns how many bytes it
// copied with EFAULT.
func (m *MM) CopyOut(addr uint64, src []byte) (int, error) {
	return m.eofRetry(addr, len(src), func(off int) (int, error) { return m.copyOut(addr+uint64(off), src[off:]) })
}

func (m *MM) copyOut(addr uint64, src []byte) (int, error) {
	unlock, err := m.lockToWrite(addr, len(src), unix.PROT_WRITE)
	if err != nil {
		return 0, err
	}
	defer unlock()
	done := 0
	return m.walk(addr, len(src), unix.PROT_WRITE, func(mem []byte) bool {
		done += copy(mem, src[done:])
		return true
	})
}

// ForceCopyIn is CopyIn ignoring protections, like Linux's FOLL_FORCE
// (/proc/PID/mem, ptrace PEEKDATA): only unmapped memory is EFAULT.
func (m *MM) ForceCopyIn(addr uint64, dst []byte) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	done := 0
	return m.walk(addr, len(dst), 0, func(mem []byte) bool {
		done += copy(dst[done:], mem)
		return true
	})
}

// ForceCopyOut is CopyOut ignoring protections: the loader uses it to
// write into read-only segments, and /proc/PID/mem and ptrace POKEDATA
// need it.
func (m *MM) ForceCopyOut(addr uint64, src []byte) (int, error) {
	unlock, err := m.lockToWrite(addr, len(src), 0)
	if err != nil {
		return 0, err
	}
	defer unlock()
	done := 0
	return m.walk(addr, len(src), 0, func(mem []byte) bool {
		done += copy(mem, src[done:])
		return true
	})
}

// CopyInString reads a NUL-terminated string at addr and returns it
// without the NUL. The string and its NUL must fit in max bytes, else
// ENAMETOOLONG; EFAULT if memory ends before the NUL.
func (m *MM) CopyInString(addr uint64, max int) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var buf []byte
	found := false
	_, err := m.walk(addr, max, unix.PROT_READ, func(mem []byte) bool {
		if i := bytes.IndexByte(mem, 0); i >= 0 {
			buf = append(buf, mem[:i]...)
			found = true
			return false
		}
		buf = append(buf, mem...)
		return true
	})
	if found {
		return string(buf), nil
	}
	if err != nil {
		return "", err
	}
	return "", unix.ENAMETOOLONG
}

// walk calls fn on the sentry's view of each piece of [addr, addr+n) in
// order, while fn returns true, checking that every piece allows need.
// It returns the number of bytes passed to fn and EFAULT when it met
// memory it may not touch. The caller holds m.mu. Should the host fault
// on the view anyway (it never should: views lie inside the memory file),
// the application gets EFAULT rather than the sentry crashing.
func (m *MM) walk(addr uint64, n, need int, fn func(mem []byte) bool) (done int, err error) {
	if n <= 0 {
		return 0, nil
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
			err = unix.EFAULT
		}
	}()
	i, _ := m.vmas.at(addr)
	for done < n {
		a := addr + uint64(done)
		if a < addr || i >= len(m.vmas) {
			return done, unix.EFAULT
		}
		v := &m.vmas[i]
		if v.start > a || v.prot&need != need || !v.backed() || v.pastEOF {
			return done, unix.EFAULT
		}
		chunk := min(v.end-a, uint64(n-done))
		if !fn(m.mf.view(v.memOff+int64(a-v.start), chunk)) {
			return done + int(chunk), nil
		}
		done += int(chunk)
		i++
	}
	return done, nil
}
