/* Calls implemented syscalls with random arguments (bad pointers, huge
 * lengths, odd flags). The sentry must answer each with a result or an
 * errno and never crash. Calls that would end or unmap the program itself
 * are left out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

static const long calls[] = {
	SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev,
	SYS_lseek, SYS_openat, SYS_open, SYS_fstat, SYS_stat, SYS_lstat,
	SYS_newfstatat, SYS_statx, SYS_getdents64, SYS_readlink, SYS_readlinkat,
	SYS_access, SYS_faccessat, SYS_getcwd, SYS_dup, SYS_fcntl, SYS_ioctl,
	SYS_mkdir, SYS_unlink, SYS_rename, SYS_symlink, SYS_umask, SYS_ftruncate,
	SYS_fsync, SYS_uname, SYS_getrandom, SYS_prlimit64, SYS_getrlimit,
	SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_time,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_sigaltstack, SYS_sysinfo,
	SYS_sched_getaffinity, SYS_getcpu, SYS_futex, SYS_set_robust_list,
	SYS_prctl, SYS_getresuid, SYS_getgroups, SYS_mmap,
};

static uint64_t rnd(void) {
	static const uint64_t special[] = {
		0, 1, 2, 8, 4096, 0x10, (uint64_t)-1, (uint64_t)-100, 0x7fffffffffff,
		0xffffffffffff0000ull, 0x8000000000000000ull, 0x7fffffff, 0x80000000,
	};
	if (rand() % 3 == 0)
		return special[rand() % (sizeof special / sizeof special[0])];
	return ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ rand();
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 20000;
	srand(argc > 2 ? atoi(argv[2]) : 1);
	for (long i = 0; i < n; i++) {
		long nr = calls[rand() % (sizeof calls / sizeof calls[0])];
		uint64_t a[6];
		for (int j = 0; j < 6; j++)
			a[j] = rnd();
		if (nr == SYS_futex)
			a[3] = 0; /* never block forever on a word that matches */
		if (nr == SYS_read || nr == SYS_readv || nr == SYS_pread64)
			if ((a[0] & 0xffffffff) == 0)
				a[0] = 1000; /* never wait for stdin */
		if (nr == SYS_rt_sigprocmask || nr == SYS_rt_sigaction)
			continue; /* keep signal state sane for the report */
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	printf("survived %ld calls\n", n);
	return 0;
}
