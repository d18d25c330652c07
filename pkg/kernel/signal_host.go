package kernel

import (
	"os"
	"os/signal"
	"syscall"

	"sentry/pkg/signals"
)

// Signals from outside the sandbox. A user stops a sandboxed server the
// way they would stop the server itself: kill -TERM the sentry, or Ctrl-C
// in its terminal. Those signals go to the sandbox's first process as if
// sent with kill by a process outside it (SI_USER, si_pid 0).
//
// SIGCHLD is never asked for: pkg/ptrace keeps the sentry's SIGCHLD at
// SIG_DFL because each ptrace stop would otherwise signal the sentry.
// SIGKILL cannot be caught; the stubs die with the sentry (PDEATHSIG,
// PTRACE_O_EXITKILL).

// HostIgnoredSignals returns the signals the sentry was started with
// ignored, for Config.IgnoredSignals: the first process starts with them
// ignored, as execve keeps SIG_IGN (nohup ignores SIGHUP, a shell's
// background job SIGINT). Only SIGHUP and SIGINT can be seen: the Go
// runtime keeps those two ignored and installs its own handler for every
// other signal before main runs, so an inherited SIG_IGN of, say, SIGQUIT
// is lost. Call it before ForwardHostSignals, whose Notify un-ignores
// them (the first process's own disposition then decides, as on Linux).
func HostIgnoredSignals() []int {
	var out []int
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT} {
		if signal.Ignored(s) {
			out = append(out, int(s))
		}
	}
	return out
}

// forwardedSignals are the host signals ForwardHostSignals passes on.
var forwardedSignals = []os.Signal{
	syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGTSTP,
}

// ForwardHostSignals starts passing signals sent to the sentry to the
// sandbox's first process and returns a function that stops it. A signal
// arriving before that process exists is delivered as soon as it does.
func (k *Kernel) ForwardHostSignals() (stop func()) {
	ch := make(chan os.Signal, 16)
	done := make(chan struct{})
	signal.Notify(ch, forwardedSignals...)
	go func() {
		for {
			select {
			case s := <-ch:
				if sig, ok := s.(syscall.Signal); ok && !k.signalForeground(int(sig)) {
					k.SignalInit(int(sig))
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// SignalInit sends sig to the first process from outside the sandbox.
func (k *Kernel) SignalInit(sig int) {
	if !signals.Valid(sig) {
		return
	}
	k.mu.Lock()
	tg := k.init
	if tg == nil {
		k.early = append(k.early, sig)
	}
	k.mu.Unlock()
	if tg != nil {
		_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIUser}, nil)
	}
}

// setInit records the first process and hands it what arrived early.
func (k *Kernel) setInit(tg *ThreadGroup) {
	k.mu.Lock()
	k.init = tg
	early := k.early
	k.early = nil
	close(k.initSet)
	k.mu.Unlock()
	for _, sig := range early {
		_ = tg.send(signals.Info{Signo: int32(sig), Code: signals.SIUser}, nil)
	}
}
