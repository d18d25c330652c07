/* Handlers with siginfo: kill, sigqueue (si_value), tgkill to a thread,
 * a handler changing the interrupted context through its ucontext, the
 * nested delivery of a second signal raised inside a handler, SA_NODEFER
 * and SA_RESETHAND, SIG_IGN and default-ignored signals. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t got_signo, got_code, got_pid, got_value, got_tid;
static volatile int order[8], norder;
static volatile int depth, max_depth;

static void fail(const char *what) {
	printf("FAIL %s\n", what);
	exit(1);
}

static void on_info(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	got_signo = si->si_signo;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_value = si->si_value.sival_int;
	got_tid = (int)syscall(SYS_gettid);
	if (sig != si->si_signo)
		fail("sig argument");
}

static void on_usr2(int sig) { order[norder++] = sig; }

static void on_usr1_nested(int sig) {
	order[norder++] = sig;
	raise(SIGUSR2); /* delivered at once, on top of this frame */
	order[norder++] = -sig;
}

static void on_recursive(int sig) {
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (depth < 3)
		raise(sig); /* SA_NODEFER: the signal is not blocked in its handler */
	depth--;
}

static void on_resethand(int sig) { got_signo = sig; }

/* The handler skips the faulting instruction: rip += 2 for ud2. */
static void on_ill(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	(void)sig;
	got_code = si->si_code;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
	uc->uc_mcontext.gregs[REG_RBX] = 0x1234;
	/* Clobber xmm0 here (rt_sigreturn must bring the interrupted value
	 * back) and change xmm1 in the saved state (it must take effect). */
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0" ::: "xmm0");
	uc->uc_mcontext.fpregs->_xmm[1].element[0] = 0xabcd;
}

static volatile pid_t thread_tid;
static volatile int thread_go;
static void *thread_main(void *arg) {
	(void)arg;
	thread_tid = (pid_t)syscall(SYS_gettid);
	while (!thread_go)
		sched_yield();
	return NULL;
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		fail("sigaction");

	kill(getpid(), SIGUSR1);
	if (got_signo != SIGUSR1 || got_code != SI_USER || got_pid != getpid())
		fail("kill siginfo");
	printf("kill: signo=%d code=SI_USER pid=self\n", got_signo);

	union sigval v = {.sival_int = 42};
	sigqueue(getpid(), SIGUSR1, v);
	if (got_code != SI_QUEUE || got_value != 42)
		fail("sigqueue siginfo");
	printf("sigqueue: code=SI_QUEUE value=%d\n", got_value);

	pthread_t th;
	pthread_create(&th, NULL, thread_main, NULL);
	while (!thread_tid)
		sched_yield();
	got_tid = 0;
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	while (!got_tid)
		sched_yield();
	if (got_tid != thread_tid || got_code != SI_TKILL)
		fail("tgkill went to the wrong thread");
	thread_go = 1;
	pthread_join(th, NULL);
	printf("tgkill: handled by the target thread\n");

	signal(SIGUSR1, on_usr1_nested);
	signal(SIGUSR2, on_usr2);
	raise(SIGUSR1);
	if (norder != 3 || order[0] != SIGUSR1 || order[1] != SIGUSR2 || order[2] != -SIGUSR1)
		fail("nested order");
	printf("nested: USR1 USR2 /USR1\n");

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_recursive;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	if (max_depth != 3)
		fail("SA_NODEFER");
	printf("nodefer: depth %d\n", max_depth);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_resethand;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	got_signo = 0;
	raise(SIGUSR2);
	struct sigaction old;
	sigaction(SIGUSR2, NULL, &old);
	if (got_signo != SIGUSR2 || old.sa_handler != SIG_DFL)
		fail("SA_RESETHAND");
	printf("resethand: back to SIG_DFL\n");

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_ill;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGILL, &sa, NULL);
	long rbx, x0, x1;
	__asm__ volatile("mov $0, %%rbx\n\tmov $77, %%rax\n\tmovq %%rax, %%xmm0\n\tmovq %%rax, %%xmm1\n\t"
	                 "ud2\n\tmov %%rbx, %0\n\tmovq %%xmm0, %1\n\tmovq %%xmm1, %2"
	                 : "=r"(rbx), "=r"(x0), "=r"(x1) : : "rbx", "rax", "xmm0", "xmm1");
	if (rbx != 0x1234 || got_code != ILL_ILLOPN)
		fail("context change");
	if (x0 != 77 || x1 != 0xabcd)
		fail("FPU state across the handler");
	printf("ucontext: handler moved rip, set rbx and xmm1; xmm0 kept\n");

	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	raise(SIGCHLD);
	raise(SIGWINCH);
	raise(SIGURG);
	printf("ignored: SIG_IGN and default-ignored signals\n");

	if (sigaction(0, &sa, NULL) != -1 || sigaction(65, &sa, NULL) != -1 || sigaction(SIGKILL, &sa, NULL) != -1)
		fail("bad signal numbers accepted");
	if (syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8) != -1)
		fail("bad sigaction pointer accepted");
	printf("bad input: EINVAL and EFAULT\n");
	return 0;
}
