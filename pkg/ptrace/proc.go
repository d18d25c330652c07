package ptrace

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// The stubs' /proc files. The sentry names a stub by the PID its fork
// returned: a PID in the sentry's own PID namespace. The host's /proc
// shows the PID namespace it was mounted in, and a container sentry
// that pkg/oci started in a PID namespace of its own (as runc starts a
// container's init) is not in that one: there, the same number is some
// other process, or none. So the platform reads stubs' files through a
// procfs of its own PID namespace: the host's /proc where that shows
// it, else a procfs instance mounted nowhere (fsopen and fsmount, as
// root): no mount table changes, in no namespace, and nothing to
// unmount; closing the fd frees it.

// openProcDir opens the directory whose entries are the PIDs of the
// calling process's PID namespace.
func openProcDir() (int, error) {
	self, err := os.Readlink("/proc/self")
	if err == nil && self == strconv.Itoa(os.Getpid()) {
		fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("ptrace: opening /proc: %w", err)
		}
		return fd, nil
	}
	fs, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("ptrace: /proc shows another PID namespace (self is %q, the sentry %d), and a procfs of its own: %w", self, os.Getpid(), err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("ptrace: a procfs of the sentry's PID namespace: %w", err)
	}
	fd, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1, fmt.Errorf("ptrace: a procfs of the sentry's PID namespace: %w", err)
	}
	return fd, nil
}

// procPath names the file rest of process pid ("maps", "ns/net",
// "task/TID/schedstat") for openat in procDir.
func procPath(pid int32, rest string) string { return strconv.Itoa(int(pid)) + "/" + rest }

// readProc reads the whole file rest of process pid.
func (p *Platform) readProc(pid int32, rest string) ([]byte, error) {
	fd, err := p.openProc(pid, rest)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "/proc/"+procPath(pid, rest))
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read /proc/%s: %w", procPath(pid, rest), err)
	}
	return b, nil
}

// openProc opens the file rest of process pid, read-only, close-on-exec.
func (p *Platform) openProc(pid int32, rest string) (int, error) {
	fd, err := unix.Openat(p.procDir, procPath(pid, rest), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /proc/%s: %w", procPath(pid, rest), err)
	}
	return fd, nil
}
