package kernel

import (
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// The sentry's own terminal is the user's: the application may change its
// modes (TCSETS* reach the host terminal, sys_ioctl_unsafe.go), and a
// program that dies in raw mode must not leave the user's shell typing
// blind. KeepHostTerminal snapshots the modes before the application
// runs; the caller restores them however the run ends (the application's
// exit, its death by a signal, a SIGTERM/SIGINT/SIGHUP to the sentry that
// ends it).

// KeepHostTerminal records the termios of each of the sentry's stdio fds
// that is a terminal and returns the function that puts them back.
func KeepHostTerminal() (restore func()) {
	type saved struct {
		fd  int
		tio *unix.Termios
	}
	var keep []saved
	for fd := 0; fd <= 2; fd++ {
		if tio, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			keep = append(keep, saved{fd, tio})
		}
	}
	return func() {
		if len(keep) == 0 {
			return
		}
		// A sentry left in a background group of its terminal would be
		// stopped by SIGTTOU for the tcsetattr; Linux lets a process
		// that ignores SIGTTOU through. The sentry is exiting, so the
		// disposition does not matter after this.
		signal.Ignore(syscall.SIGTTOU)
		for _, s := range keep {
			// TCSETS (TCSANOW): not TCSETSF, which would throw away
			// what the user typed ahead for the shell.
			_ = unix.IoctlSetTermios(s.fd, unix.TCSETS, s.tio)
		}
	}
}
