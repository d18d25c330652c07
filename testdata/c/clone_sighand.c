// clone_sighand: two processes made with clone(CLONE_VM|CLONE_SIGHAND)
// share one table of signal handlers: a sigaction in either is seen by
// the other. After the child execs, the tables are separate again (and
// exec reset the child's caught signals to default, ignored ones stay
// ignored).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int step;
static int toparent[2], tochild[2];
static char self[4096];

static void h(int sig) { (void)sig; }

static void say(const char *who, const char *what) {
	char b[256];
	int n = snprintf(b, sizeof b, "%s: %s\n", who, what);
	if (write(1, b, n) != n)
		_exit(2);
}

static const char *disp(int sig) {
	struct sigaction old;
	if (sigaction(sig, NULL, &old) < 0)
		return "error";
	if (old.sa_handler == SIG_DFL)
		return "default";
	if (old.sa_handler == SIG_IGN)
		return "ignored";
	return old.sa_handler == h ? "handler" : "other";
}

static void set(int sig, void (*fn)(int)) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	if (sigaction(sig, &sa, NULL) < 0)
		_exit(3);
}

static void report(const char *who, const char *what, int sig) {
	char b[128];
	snprintf(b, sizeof b, "%s is %s", what, disp(sig));
	say(who, b);
}

static int child(void *arg) {
	(void)arg;
	set(SIGUSR2, h);
	set(SIGQUIT, SIG_IGN);
	step = 1;
	while (step != 2)
		;
	report("child", "SIGTERM (set by the parent)", SIGTERM);
	char r[16], w[16];
	snprintf(r, sizeof r, "%d", tochild[0]);
	snprintf(w, sizeof w, "%d", toparent[1]);
	execl(self, self, "exec", r, w, (char *)NULL);
	_exit(4);
}

static void after_exec(int r, int w) {
	report("exec'd child", "SIGUSR2 (was a handler)", SIGUSR2);
	report("exec'd child", "SIGQUIT (was ignored)", SIGQUIT);
	set(SIGHUP, SIG_IGN);
	char c = 'x';
	if (write(w, &c, 1) != 1 || read(r, &c, 1) != 1)
		_exit(5);
	report("exec'd child", "SIGINT (the parent ignored it after the exec)", SIGINT);
}

int main(int argc, char **argv) {
	if (argc == 4 && strcmp(argv[1], "exec") == 0) {
		after_exec(atoi(argv[2]), atoi(argv[3]));
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0 || pipe(toparent) < 0 || pipe(tochild) < 0)
		return 1;
	self[n] = 0;
	// Start from default dispositions whatever the caller left ignored
	// (nohup ignores SIGHUP, a shell's background job SIGINT and SIGQUIT):
	// what follows reports changes from the default.
	int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		set(sigs[i], SIG_DFL);
	set(SIGUSR1, h);
	size_t sz = 1 << 20;
	char *stack = malloc(sz);
	pid_t pid = clone(child, stack + sz, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
	if (pid < 0) {
		perror("clone");
		return 1;
	}
	while (step != 1)
		;
	report("parent", "SIGUSR2 (set by the child)", SIGUSR2);
	report("parent", "SIGQUIT (ignored by the child)", SIGQUIT);
	set(SIGTERM, h);
	step = 2;
	char c;
	if (read(toparent[0], &c, 1) != 1)
		return 1;
	report("parent", "SIGHUP (the exec'd child ignored it)", SIGHUP);
	set(SIGINT, SIG_IGN);
	if (write(tochild[1], &c, 1) != 1)
		return 1;
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
