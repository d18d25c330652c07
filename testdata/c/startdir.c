// startdir prints the directory it started in and the first line of each
// file named by its arguments (relative paths start there), so a test
// can see where the sentry started a program. Built -static to run in a
// bare --root.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	char buf[4096];
	if (!getcwd(buf, sizeof buf)) {
		printf("getcwd: %s\n", strerror(errno));
		return 1;
	}
	printf("cwd %s\n", buf);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			printf("%s: %s\n", argv[i], strerror(errno));
			continue;
		}
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("%s: %s\n", argv[i], buf);
		fclose(f);
	}
	return 0;
}
