package signals

// NumSignals is the highest signal number (SIGRTMAX).
const NumSignals = 64

// Signal numbers the kernel treats specially (the same on amd64 and
// riscv64).
const (
	SIGHUP    = 1
	SIGINT    = 2
	SIGQUIT   = 3
	SIGILL    = 4
	SIGTRAP   = 5
	SIGABRT   = 6
	SIGBUS    = 7
	SIGFPE    = 8
	SIGKILL   = 9
	SIGUSR1   = 10
	SIGSEGV   = 11
	SIGUSR2   = 12
	SIGPIPE   = 13
	SIGALRM   = 14
	SIGTERM   = 15
	SIGSTKFLT = 16
	SIGCHLD   = 17
	SIGCONT   = 18
	SIGSTOP   = 19
	SIGTSTP   = 20
	SIGTTIN   = 21
	SIGTTOU   = 22
	SIGURG    = 23
	SIGXCPU   = 24
	SIGXFSZ   = 25
	SIGVTALRM = 26
	SIGPROF   = 27
	SIGWINCH  = 28
	SIGIO     = 29
	SIGPWR    = 30
	SIGSYS    = 31
	SIGRTMIN  = 32
)

// Valid reports whether sig is a signal number (1..64).
func Valid(sig int) bool { return sig >= 1 && sig <= NumSignals }

// Set is a sigset_t: bit sig-1 stands for signal sig.
type Set uint64

// Bit is the set holding only sig.
func Bit(sig int) Set { return 1 << (sig - 1) }

// Unblockable are SIGKILL and SIGSTOP, which no mask can hold.
const Unblockable = Set(1<<(SIGKILL-1) | 1<<(SIGSTOP-1))

// Has reports whether sig is in s.
func (s Set) Has(sig int) bool { return Valid(sig) && s&Bit(sig) != 0 }

// Lowest is the lowest signal in s, or 0 if s is empty. Linux delivers
// the lowest-numbered pending signal first (synchronous faults aside).
func (s Set) Lowest() int {
	for sig := 1; sig <= NumSignals; sig++ {
		if s&Bit(sig) != 0 {
			return sig
		}
	}
	return 0
}
