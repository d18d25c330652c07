/* Built -static and -static-pie by the tests: the loader's two other paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
	/* Touch memory from the heap and from mmap to exercise brk and mmap. */
	char *h = malloc(1 << 20);
	memset(h, 'x', 1 << 20);
	char *m = mmap(0, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 3;
	strcpy(m, "mapped");
	printf("hello %s %s %d\n", argc > 1 ? argv[1] : "", m, h[12345]);
	return 0;
}
