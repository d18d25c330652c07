package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// signalProcess sends sig to the process tg on behalf of the kernel or of
// another process: default actions (termination, ignoring) are taken at
// once; a caught signal can only be delivered once signal delivery exists
// (the signals issue), until then it is dropped with a warning.
func (k *Kernel) signalProcess(tg *ThreadGroup, sig int) {
	if sig <= 0 || sig > numSignals {
		return
	}
	tg.mu.Lock()
	act := tg.sig.actions[sig]
	exiting := tg.exiting
	allBlocked := len(tg.tasks) > 0
	for _, t := range tg.tasks {
		if t.sigMask&sigBit(sig) == 0 {
			allBlocked = false
		}
	}
	tg.mu.Unlock()
	if exiting {
		return
	}
	s := unix.Signal(sig)
	switch {
	case s == unix.SIGKILL:
	case act.handler == sigIgn, act.handler == sigDfl && defaultIgnored(sig):
		return
	case allBlocked:
		return
	case act.handler == sigDfl && (s == unix.SIGSTOP || s == unix.SIGTSTP || s == unix.SIGTTIN || s == unix.SIGTTOU):
		return
	case act.handler != sigDfl:
		fmt.Fprintf(k.cfg.Warn, "sentry: delivery of signal %d to a handler is not supported yet\n", sig)
		return
	}
	tg.exitGroup(ExitStatus{Signal: sig})
}
