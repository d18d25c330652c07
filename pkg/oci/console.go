package oci

import (
	"fmt"
	"net"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// openConsole makes the host pseudo-terminal of a process.terminal
// container: the slave becomes the container sentry's stdio and
// controlling terminal (so the sandbox's terminal is a real one, and a
// resize of the master reaches the sentry as SIGWINCH, which it forwards
// to the application); the master goes to the engine over socketPath, as
// runc sends it (SCM_RIGHTS, the slave's name as payload).
func openConsole(socketPath string, size *specs.Box) (slave *os.File, err error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	defer master.Close() // the engine has its own copy once sent
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, fmt.Errorf("console: unlock: %w", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	name := "/dev/pts/" + strconv.Itoa(n)
	if size != nil {
		ws := &unix.Winsize{Row: uint16(size.Height), Col: uint16(size.Width)}
		if err := unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, ws); err != nil {
			return nil, fmt.Errorf("console: size: %w", err)
		}
	}
	slave, err = os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	defer func() {
		if err != nil {
			slave.Close()
		}
	}()
	c, err := net.Dial("unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	defer c.Close()
	if _, _, err := c.(*net.UnixConn).WriteMsgUnix([]byte(name), unix.UnixRights(mfd), nil); err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	return slave, nil
}
