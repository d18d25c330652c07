// memfd_create with seals, sendfile, copy_file_range, statx, fallocate,
// FIONREAD, O_TMPFILE, fstatfs and /proc/self/fd of a memfd.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

int main(void) {
	// Names unique to this process: the native run shares the host's /tmp.
	char pa[64], pb[64], pn[64], pv[64];
	snprintf(pa, sizeof pa, "/tmp/fsmisc-%d-a", getpid());
	snprintf(pb, sizeof pb, "/tmp/fsmisc-%d-b", getpid());
	snprintf(pn, sizeof pn, "/tmp/fsmisc-%d-named", getpid());
	snprintf(pv, sizeof pv, "/tmp/fsmisc-%d-never", getpid());
	int m = memfd_create("test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (m < 0) { perror("memfd_create"); return 1; }
	write(m, "hello memfd\n", 12);
	char link[256] = {0}, p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", m);
	readlink(p, link, sizeof link - 1);
	printf("memfd link: %s\n", link);
	printf("seals: %d\n", fcntl(m, F_GET_SEALS));
	printf("add seal write: %d\n", fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK));
	ssize_t w = write(m, "x", 1);
	printf("write after seal: %zd %s\n", w, strerror(errno));
	printf("fd flags cloexec: %d\n", (fcntl(m, F_GETFD) & FD_CLOEXEC) != 0);

	// sendfile from the memfd to stdout with an explicit offset.
	off_t off = 0;
	ssize_t n = sendfile(1, m, &off, 100);
	printf("sendfile: %zd off=%lld\n", n, (long long)off);

	// copy_file_range between two files in /tmp.
	int a = open(pa, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int b = open(pb, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(a, "0123456789", 10);
	loff_t ia = 2, ob = 0;
	n = copy_file_range(a, &ia, b, &ob, 5, 0);
	char buf[32] = {0};
	pread(b, buf, sizeof buf - 1, 0);
	printf("copy_file_range: %zd in=%lld out=%lld got=%s\n", n, (long long)ia, (long long)ob, buf);
	n = copy_file_range(a, NULL, b, NULL, 1, 1);
	printf("copy_file_range flags: %zd %s\n", n, strerror(errno));
	int avail = -1;
	lseek(a, 3, SEEK_SET);
	ioctl(a, FIONREAD, &avail);
	printf("FIONREAD: %d\n", avail);

	// fallocate grows the file; KEEP_SIZE does not.
	printf("fallocate: %d\n", fallocate(a, 0, 0, 4096));
	struct stat st;
	fstat(a, &st);
	printf("size after fallocate: %lld\n", (long long)st.st_size);
	fallocate(a, FALLOC_FL_KEEP_SIZE, 0, 8192);
	fstat(a, &st);
	printf("size after keep_size: %lld\n", (long long)st.st_size);
	fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4);
	pread(a, buf, 6, 0);
	printf("after punch: %d %d %c %c\n", buf[0], buf[3], buf[4], buf[5]);

	struct statx sx;
	printf("statx: %d", statx(AT_FDCWD, pa, 0, STATX_BASIC_STATS, &sx));
	printf(" size=%llu mode=%o\n", (unsigned long long)sx.stx_size, sx.stx_mode & 07777);

	int t = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	printf("O_TMPFILE: %s\n", t >= 0 ? "ok" : strerror(errno));
	if (t >= 0) {
		write(t, "tmp", 3);
		fstat(t, &st);
		printf("tmpfile size=%lld nlink=%lu\n", (long long)st.st_size, (unsigned long)st.st_nlink);
		unlink(pn);
		printf("linkat tmpfile: %d\n", linkat(t, "", AT_FDCWD, pn, AT_EMPTY_PATH));
		char tb[8] = {0};
		int nt = open(pn, O_RDONLY);
		read(nt, tb, sizeof tb - 1);
		fstat(t, &st);
		printf("named tmpfile: %s nlink=%lu\n", tb, (unsigned long)st.st_nlink);
		unlink(pn);
	}
	int te = open("/tmp", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	int lr = linkat(te, "", AT_FDCWD, pv, AT_EMPTY_PATH);
	printf("linkat O_EXCL tmpfile: %d %s\n", lr, lr ? strerror(errno) : "");
	struct statfs sf;
	fstatfs(a, &sf);
	printf("fstatfs overlay magic: %d\n", sf.f_type == 0x794c7630);
	statfs("/proc", &sf);
	printf("statfs proc magic: %d\n", sf.f_type == 0x9fa0);
	unlink(pa);
	unlink(pb);

	// RLIMIT_NOFILE bounds the descriptors: EMFILE at the limit.
	struct rlimit rl = {.rlim_cur = 16, .rlim_max = 16};
	setrlimit(RLIMIT_NOFILE, &rl);
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0) last = fd;
	printf("last fd under RLIMIT_NOFILE 16: %d, then %s\n", last, strerror(errno));
	int d2 = dup2(0, 16);
	printf("dup2 beyond the limit: %d %s\n", d2, strerror(errno));
	return 0;
}
