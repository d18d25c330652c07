/* Address-space layout, as a program sees it (built PIE and dynamic, for
 * amd64 and riscv64).
 *
 *   aslr layout     print where the program, libc, the stack, the heap, a new
 *                   mapping and the vDSO are, and the AT_RANDOM bytes; then fork
 *                   and print the parent's and the child's /proc/self/maps.
 *   aslr norandom   personality(ADDR_NO_RANDOMIZE), then exec `aslr layout`
 *                   (what `setarch -R` does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>

static void dump_maps(const char *who) {
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n, len = 0;
	if (fd < 0) {
		perror("open maps");
		exit(2);
	}
	while ((n = read(fd, buf + len, sizeof buf - len - 1)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	printf("--- %s\n%s--- end\n", who, buf);
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "norandom") == 0) {
		if (personality(ADDR_NO_RANDOMIZE) == -1) {
			perror("personality");
			return 2;
		}
		int p = personality(0xffffffff);
		if (!(p & ADDR_NO_RANDOMIZE)) {
			fprintf(stderr, "personality did not keep ADDR_NO_RANDOMIZE: %#x\n", p);
			return 2;
		}
		execl("/proc/self/exe", argv[0], "layout", (char *)0);
		perror("exec");
		return 2;
	}
	int local;
	void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
	printf("pie=%p\n", (void *)main);
	printf("libc=%p\n", (void *)printf);
	printf("stack=%p\n", (void *)&local);
	printf("brk=%p\n", sbrk(0));
	printf("mmap=%p\n", m);
	printf("vdso=%p\n", (void *)getauxval(AT_SYSINFO_EHDR));
	printf("personality=%#x\n", personality(0xffffffff));
	printf("random=");
	for (int i = 0; i < 16; i++)
		printf("%02x", r[i]);
	printf("\n");
	fflush(stdout);

	dump_maps("parent");
	pid_t pid = fork();
	if (pid == 0) {
		dump_maps("child");
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || st != 0)
		return 3;
	return 0;
}
