/* A file mapping longer than its file: the page holding EOF reads as the
 * file then zeroes, a page wholly past EOF raises SIGBUS (BUS_ADRERR,
 * si_addr the touched address) on a read or a write, and the kernel's own
 * accesses there (write(2) from it, read(2) into it) fail with EFAULT.
 * Private and shared mappings alike, and pages mremap adds past EOF.
 * With "uncaught", an access past EOF without a handler kills the
 * process with SIGBUS (status 135, checked by the test). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define FILESIZE 5000

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static void fail(const char *what) {
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* touch reads (or writes) *p and prints the signal it raised. */
static void touch(const char *what, volatile char *p, int write) {
	got_sig = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		printf("%s: no signal\n", what);
		return;
	}
	printf("%s: signo %d (SIGBUS %d) code %d (BUS_ADRERR %d) addr %s\n", what, got_sig, SIGBUS,
	       got_code, BUS_ADRERR, got_addr == (void *)p ? "exact" : "wrong");
}

/* syscalls tries the kernel's own copy-out and copy-in at p. */
static void syscalls(const char *what, char *p, int fd) {
	int pfd[2];
	if (pipe(pfd) != 0)
		fail("pipe");
	errno = 0;
	ssize_t n = write(pfd[1], p, 10);
	printf("%s: write from it: %zd %s\n", what, n, n < 0 ? strerror(errno) : "");
	errno = 0;
	n = pread(fd, p, 10, 0);
	printf("%s: pread into it: %zd %s\n", what, n, n < 0 ? strerror(errno) : "");
	close(pfd[0]);
	close(pfd[1]);
}

static void variant(const char *name, int fd, int flags) {
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	printf("%s: byte %d = %d, byte %d = %d, last of page 1 = %d\n", name, FILESIZE - 1,
	       p[FILESIZE - 1], FILESIZE, p[FILESIZE], p[2 * PAGE - 1]);
	p[2 * PAGE - 1] = 9; /* the partial page is writable past EOF */
	printf("%s: wrote past EOF in page 1, reads %d\n", name, p[2 * PAGE - 1]);
	char label[64];
	snprintf(label, sizeof label, "%s read page 2", name);
	touch(label, p + 2 * PAGE + 100, 0);
	snprintf(label, sizeof label, "%s write page 2", name);
	touch(label, p + 3 * PAGE - 1, 1);
	syscalls(name, p + 2 * PAGE, fd);

	/* Pages mremap adds past EOF are past EOF too. */
	if (munmap(p + PAGE, 2 * PAGE) != 0)
		fail("munmap");
	char *q = mremap(p, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fail("mremap");
	printf("%s: grown, byte %d = %d\n", name, FILESIZE - 1, q[FILESIZE - 1]);
	snprintf(label, sizeof label, "%s grown read page 3", name);
	touch(label, q + 3 * PAGE + 8, 0);
	munmap(q, 4 * PAGE);
}

int main(int argc, char **argv) {
	char path[] = "/tmp/mmap_sigbus.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		fail("mkstemp");
	unlink(path);
	char buf[FILESIZE];
	for (int i = 0; i < FILESIZE; i++)
		buf[i] = 'a' + i % 26;
	if (write(fd, buf, FILESIZE) != FILESIZE)
		fail("write");

	if (argc > 1 && strcmp(argv[1], "uncaught") == 0) {
		volatile char *p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			fail("mmap");
		printf("uncaught: touching page 2\n");
		fflush(stdout);
		(void)p[2 * PAGE];
		printf("uncaught: survived\n");
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	variant("private", fd, MAP_PRIVATE);
	variant("shared", fd, MAP_SHARED);

	/* A page past EOF of a PROT_NONE mapping is SIGSEGV: the missing
	 * permission comes first. */
	volatile char *n = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE, fd, 0);
	if (n == MAP_FAILED)
		fail("mmap PROT_NONE");
	got_sig = 0;
	if (sigsetjmp(jb, 1) == 0)
		(void)n[2 * PAGE];
	printf("PROT_NONE read page 2: signo %d (SIGSEGV %d)\n", got_sig, SIGSEGV);
	return 0;
}
