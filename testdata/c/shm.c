// shm: memory shared between processes. Each mode prints what it saw, so
// a run under the sentry can be compared with a native run.
//
//   shm file DIR     MAP_SHARED of a file in DIR: one memory across two
//                    mappings and a forked child, coherent with read and
//                    write, growth past EOF, ftruncate, msync's errnos
//   shm memfd        the same through a memfd
//   shm anon         MAP_SHARED|MAP_ANONYMOUS across fork, mremap and
//                    MADV_DONTNEED
//   shm sem          sem_open, sem_init(pshared=1), process-shared mutex
//                    and condition variable, across forked processes
//   shm pi           process-shared priority-inheritance robust mutexes
//   shm existing F   a shared mapping of an existing file F (in the
//                    sandbox: a host file, copied up into the overlay)
//   shm writeback F  writes F through a shared mapping and exits
//   shm sync F       writes F through a shared mapping, msyncs, waits for
//                    a byte on stdin, writes again, munmaps, waits again
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf jb;
static volatile int sig;

static void onsig(int s) {
	sig = s;
	siglongjmp(jb, 1);
}

// touch reads one byte at p and names the signal it raised, if any.
static const char *touch(volatile char *p, char *val) {
	sig = 0;
	if (sigsetjmp(jb, 1) == 0) {
		*val = *p;
		return "ok";
	}
	return sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : "signal";
}

static void waitchild(pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		printf("child failed: %#x\n", st);
}

static const char *err(int r) {
	static char buf[32];
	if (r == 0)
		return "0";
	snprintf(buf, sizeof buf, "%s", strerrorname_np(errno));
	return buf;
}

// shared_fd exercises a shared mapping of fd (already PG*2 bytes).
static void shared_fd(int fd) {
	char *a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	strcpy(a, "one");
	printf("second mapping sees: %s\n", b);
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(b + PG, "from child");
		_exit(0);
	}
	waitchild(pid);
	printf("parent sees child's store: %s\n", a + PG);
	char buf[16] = {0};
	pread(fd, buf, 10, PG);
	printf("read sees the store: %s\n", buf);
	pwrite(fd, "written", 8, 100);
	printf("mapping sees the write: %s\n", a + 100);

	// Pages past EOF: SIGBUS until the file grows to them.
	char *c = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char v = 0;
	printf("page 3 of a 2-page file: %s\n", touch(c + 3 * PG, &v));
	pwrite(fd, "grown", 6, 3 * PG);
	const char *r = touch(c + 3 * PG, &v);
	printf("after the file grew to it: %s %s\n", r, v ? c + 3 * PG : "");
	if (ftruncate(fd, 4 * PG) == 0) {
		c[2 * PG] = 'z';
		pread(fd, &v, 1, 2 * PG);
		printf("ftruncate up, store, read: %c\n", v);
	}
	// Shrinking zeroes what the file no longer holds.
	ftruncate(fd, PG + 5);
	ftruncate(fd, 2 * PG);
	printf("after shrink and regrow: %d %d\n", a[PG + 4] != 0, a[PG + 5]);
	printf("page 1 before shrinking: %s\n", touch(a + PG, &v));
	ftruncate(fd, PG);
	printf("page 1 after shrinking to 1 page: %s\n", touch(b + PG, &v));
	ftruncate(fd, 2 * PG);
	printf("page 1 after regrowing: %s\n", touch(a + PG, &v));
	pid = fork();
	if (pid == 0) {
		ftruncate(fd, PG); // another process shrinks it
		_exit(0);
	}
	waitchild(pid);
	printf("page 1 after a child shrank the file: %s\n", touch(a + PG, &v));
	ftruncate(fd, 2 * PG);

	// A syscall may be the first to touch a page the file grew to.
	char *e = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ftruncate(fd, 3 * PG);
	printf("pread into a page the file grew to: %zd %.3s\n", pread(fd, e + 2 * PG, 3, 0), e + 2 * PG);
	munmap(e, 3 * PG);
	ftruncate(fd, 2 * PG);
	printf("msync MS_SYNC: %s\n", err(msync(a, 2 * PG, MS_SYNC)));
	printf("msync MS_ASYNC|MS_INVALIDATE: %s\n", err(msync(a, PG, MS_ASYNC | MS_INVALIDATE)));
	printf("msync 0: %s\n", err(msync(a, PG, 0)));
	printf("msync unaligned: %s\n", err(msync(a + 1, PG, MS_SYNC)));
	printf("msync bad flags: %s\n", err(msync(a, PG, 8)));
	printf("msync SYNC|ASYNC: %s\n", err(msync(a, PG, MS_SYNC | MS_ASYNC)));
	munmap(c, 4 * PG);
	printf("msync unmapped: %s\n", err(msync(c, PG, MS_SYNC)));
	char *hole = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole + PG, PG);
	printf("msync partly unmapped: %s\n", err(msync(hole, 3 * PG, MS_SYNC)));
	printf("msync private anon: %s\n", err(msync(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), PG, MS_SYNC)));
	munmap(a, 2 * PG);
	munmap(b, 2 * PG);
	memset(buf, 0, sizeof buf);
	pread(fd, buf, 10, PG);
	printf("after munmap the file holds: %s\n", buf);
}

static void mode_file(const char *dir) {
	char path[256];
	snprintf(path, sizeof path, "%s/shm-test-%d", dir, getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	ftruncate(fd, 2 * PG);
	shared_fd(fd);
	// A file opened again (a new open file description) sees the data.
	close(fd);
	fd = open(path, O_RDWR);
	char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	printf("reopened and mapped: %s\n", m);
	unlink(path);
}

static void mode_memfd(void) {
	int fd = memfd_create("shm", 0);
	ftruncate(fd, 2 * PG);
	shared_fd(fd);
	// A write-sealed memfd maps shared only read-only, for good; it
	// cannot be sealed while mapped writable.
	int sealed = memfd_create("sealed", MFD_ALLOW_SEALING);
	ftruncate(sealed, PG);
	char *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0);
	printf("F_SEAL_WRITE while mapped writable: %s\n", err(fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE)));
	munmap(w, PG);
	printf("F_SEAL_WRITE: %s\n", err(fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("writable shared mapping: %s\n", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0) == MAP_FAILED ? strerrorname_np(errno) : "mapped");
	char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, sealed, 0);
	printf("read-only shared mapping: %s\n", r == MAP_FAILED ? strerrorname_np(errno) : "mapped");
	printf("mprotect it PROT_WRITE: %s\n", err(mprotect(r, PG, PROT_READ | PROT_WRITE)));
	printf("writable private mapping: %s\n", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, sealed, 0) == MAP_FAILED ? strerrorname_np(errno) : "mapped");
}

static void mode_anon(void) {
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	strcpy(p, "anon");
	char *dst = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(p + PG, "from child");
		// mremap moves the child's mapping; it stays shared.
		char *q = mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (q == MAP_FAILED)
			_exit(1);
		strcpy(q + 10, "moved");
		_exit(0);
	}
	waitchild(pid);
	printf("parent sees: %s %s %s\n", p, p + PG, p + 10);
	madvise(p, 2 * PG, MADV_DONTNEED);
	printf("after MADV_DONTNEED: %s\n", p + PG);
	// old_len 0 duplicates a shared mapping.
	char *d = mremap(p + PG, 0, PG, MREMAP_MAYMOVE);
	if (d != MAP_FAILED) {
		strcpy(d + 20, "through the duplicate");
		printf("mremap(old_len 0): %s\n", p + PG + 20);
	}
	char *priv = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mremap(old_len 0) of private memory: %s\n", mremap(priv, 0, PG, MREMAP_MAYMOVE) == MAP_FAILED ? strerrorname_np(errno) : "mapped");
}

struct shared {
	sem_t sem, done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int counter, turn;
};

static void mode_sem(void) {
	char name[64];
	snprintf(name, sizeof name, "/shm-test-%d", getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	if (s == SEM_FAILED) {
		perror("sem_open");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		// The child opens it by name, as an unrelated process would.
		sem_t *c = sem_open(name, 0);
		for (int i = 0; i < 3; i++)
			sem_post(c);
		_exit(0);
	}
	for (int i = 0; i < 3; i++)
		sem_wait(s);
	waitchild(pid);
	int v;
	sem_getvalue(s, &v);
	printf("named semaphore: 3 waits done, value %d\n", v);
	sem_unlink(name);

	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sem_init(&sh->sem, 1, 0);
	sem_init(&sh->done, 1, 0);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->mu, &ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->cv, &ca);

	enum { N = 4, ROUNDS = 2000 };
	pid_t kids[N];
	for (int k = 0; k < N; k++) {
		if ((kids[k] = fork()) == 0) {
			sem_wait(&sh->sem); // all start together
			for (int i = 0; i < ROUNDS; i++) {
				pthread_mutex_lock(&sh->mu);
				sh->counter++;
				pthread_mutex_unlock(&sh->mu);
			}
			// Take turns in order through the condition variable.
			pthread_mutex_lock(&sh->mu);
			while (sh->turn != k)
				pthread_cond_wait(&sh->cv, &sh->mu);
			sh->turn++;
			pthread_cond_broadcast(&sh->cv);
			pthread_mutex_unlock(&sh->mu);
			sem_post(&sh->done);
			_exit(0);
		}
	}
	for (int k = 0; k < N; k++)
		sem_post(&sh->sem);
	for (int k = 0; k < N; k++)
		sem_wait(&sh->done);
	for (int k = 0; k < N; k++)
		waitchild(kids[k]);
	printf("unnamed semaphores, mutex: counter %d of %d, turns %d\n", sh->counter, N * ROUNDS, sh->turn);
}

static void mode_existing(const char *path) {
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	char *a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, PG, PROT_READ, MAP_SHARED, open(path, O_RDONLY), 0);
	printf("mapped: %.5s\n", a);
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(a, "HELLO", 5);
		_exit(0);
	}
	waitchild(pid);
	char buf[6] = {0};
	pread(fd, buf, 5, 0);
	printf("read-only mapping: %.5s, read: %s\n", b, buf);
	printf("mprotect PROT_WRITE of the read-only file's mapping: %s\n", err(mprotect(b, PG, PROT_READ | PROT_WRITE)));
	char *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, open(path, O_RDONLY), 0);
	printf("mprotect PROT_WRITE of a private mapping of it: %s\n", err(mprotect(p, PG, PROT_READ | PROT_WRITE)));
}

static void mode_pi(void) {
	pthread_mutex_t *mu = mmap(NULL, sizeof *mu, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(mu, &ma);
	// Handed over by unlock to a child that may be waiting.
	pthread_mutex_lock(mu);
	pid_t pid = fork();
	if (pid == 0) {
		int r = pthread_mutex_lock(mu);
		pthread_mutex_unlock(mu);
		_exit(r);
	}
	pthread_mutex_unlock(mu);
	waitchild(pid);
	printf("PI mutex handed to the child\n");
	// Held by a child that dies: the parent, perhaps already waiting,
	// gets it with EOWNERDEAD.
	int fds[2];
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(mu);
		write(fds[1], "x", 1);
		_exit(0);
	}
	char c;
	read(fds[0], &c, 1);
	int r = pthread_mutex_lock(mu);
	printf("lock after the owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
	pthread_mutex_consistent(mu);
	pthread_mutex_unlock(mu);
	waitchild(pid);
}

static void mode_writeback(const char *path) {
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	ftruncate(fd, 26);
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	for (int i = 0; i < 26; i++)
		p[i] = 'a' + i;
	// No msync, no munmap: exit writes it back.
	printf("wrote %.26s\n", p);
}

static void mode_sync(const char *path) {
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("open");
		exit(1);
	}
	ftruncate(fd, 26);
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char c;
	for (int i = 0; i < 26; i++)
		p[i] = 'a' + i;
	printf("msync: %s\n", err(msync(p, PG, MS_SYNC)));
	read(0, &c, 1);
	for (int i = 0; i < 26; i++)
		p[i] = 'A' + i;
	printf("munmap: %s\n", err(munmap(p, PG)));
	read(0, &c, 1);
}

int main(int argc, char **argv) {
	struct sigaction sa = {.sa_handler = onsig};
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 3 && strcmp(argv[1], "file") == 0)
		mode_file(argv[2]);
	else if (argc >= 2 && strcmp(argv[1], "memfd") == 0)
		mode_memfd();
	else if (argc >= 2 && strcmp(argv[1], "anon") == 0)
		mode_anon();
	else if (argc >= 2 && strcmp(argv[1], "sem") == 0)
		mode_sem();
	else if (argc >= 2 && strcmp(argv[1], "pi") == 0)
		mode_pi();
	else if (argc >= 3 && strcmp(argv[1], "existing") == 0)
		mode_existing(argv[2]);
	else if (argc >= 3 && strcmp(argv[1], "sync") == 0)
		mode_sync(argv[2]);
	else if (argc >= 3 && strcmp(argv[1], "writeback") == 0)
		mode_writeback(argv[2]);
	else {
		fprintf(stderr, "usage: shm file DIR | memfd | anon | sem | pi | existing FILE | writeback FILE | sync FILE\n");
		return 2;
	}
	return 0;
}
