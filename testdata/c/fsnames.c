// Namespace and descriptor calls in a directory given as argv[1]: each
// line is one call and what it returned, so a run in the sandbox can be
// compared with a native run.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r) {
	if (r < 0)
		printf("%-40s -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%-40s %ld\n", what, r);
}

static void list(const char *dir) {
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	int n = 0;
	while (d && (e = readdir(d)) && n < 64)
		names[n++] = strdup(e->d_name);
	if (d) closedir(d);
	// Order is the filesystem's; sort for comparison.
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) > 0) { char *t = names[i]; names[i] = names[j]; names[j] = t; }
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++) printf(" %s", names[i]);
	printf("\n");
}

int main(int argc, char **argv) {
	if (argc < 2 || chdir(argv[1]) < 0) { perror("chdir"); return 1; }
	show("mkdir d", mkdir("d", 0755));
	show("mkdir d again", mkdir("d", 0755));
	show("mkdir d/e/f (no d/e)", mkdir("d/e/f", 0755));
	show("mkdir d/e", mkdir("d/e", 0755));
	show("mkdir d/e/f", mkdir("d/e/f", 0755));
	show("open f O_CREAT|O_EXCL", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
	show("open f O_CREAT|O_EXCL again", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
	int fd = open("f", O_WRONLY | O_APPEND);
	show("write append", write(fd, "abc", 3));
	show("lseek 0", lseek(fd, 0, SEEK_SET));
	show("write append after seek", write(fd, "def", 3));
	show("lseek cur", lseek(fd, 0, SEEK_CUR));
	show("read on O_WRONLY", read(fd, (char[4]){0}, 4));
	close(fd);
	show("open f O_TRUNC", fd = open("f", O_RDWR | O_TRUNC));
	struct stat st;
	fstat(fd, &st);
	show("size after O_TRUNC", st.st_size);
	show("ftruncate 100", ftruncate(fd, 100));
	show("truncate -1", truncate("f", -1));
	show("truncate d", truncate("d", 0));
	stat("f", &st);
	show("size after ftruncate", st.st_size);
	show("symlink f l", symlink("f", "l"));
	show("symlink dangling", symlink("nowhere", "dl"));
	show("open l O_NOFOLLOW", open("l", O_RDONLY | O_NOFOLLOW));
	show("open l O_PATH|O_NOFOLLOW >= 0", open("l", O_PATH | O_NOFOLLOW) >= 0);
	show("open f O_DIRECTORY", open("f", O_RDONLY | O_DIRECTORY));
	show("open dl O_CREAT", open("dl", O_WRONLY | O_CREAT, 0600));
	show("nowhere exists now", access("nowhere", F_OK));
	char buf[64] = {0};
	show("readlink l", readlink("l", buf, sizeof buf));
	show("readlink f", readlink("f", buf, sizeof buf));
	show("link f h", link("f", "h"));
	stat("f", &st);
	show("nlink f", st.st_nlink);
	show("link d dd", link("d", "dd"));
	show("rename f g", rename("f", "g"));
	show("rename g d", rename("g", "d"));
	show("rename d g", rename("d", "g"));
	show("renameat2 NOREPLACE h over g", syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "g", RENAME_NOREPLACE));
	show("renameat2 EXCHANGE h d", syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "d", RENAME_EXCHANGE));
	struct stat sd;
	stat("h", &sd);
	show("h is dir after exchange", S_ISDIR(sd.st_mode));
	show("renameat2 EXCHANGE back", syscall(SYS_renameat2, AT_FDCWD, "h", AT_FDCWD, "d", RENAME_EXCHANGE));
	show("rename d into itself", rename("d", "d/e/x"));
	show("rmdir d (not empty)", rmdir("d"));
	show("unlink d", unlink("d"));
	show("rmdir d/e/.", rmdir("d/e/."));
	show("rmdir d/e/f", rmdir("d/e/f"));
	show("chmod g 0600", chmod("g", 0600));
	stat("g", &st);
	show("mode g", st.st_mode & 07777);
	show("fchownat l nofollow", fchownat(AT_FDCWD, "l", getuid(), getgid(), AT_SYMLINK_NOFOLLOW));
	show("utimensat g", utimensat(AT_FDCWD, "g", (struct timespec[2]){{1, 0}, {2, 0}}, 0));
	stat("g", &st);
	show("mtime g", st.st_mtime);
	show("access g X_OK", access("g", X_OK));
	show("access d X_OK", access("d", X_OK));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	show("openat d/e via dirfd", openat(dfd, "e", O_RDONLY | O_DIRECTORY) >= 0);
	show("fchdir d", fchdir(dfd));
	char cwd[256];
	getcwd(cwd, sizeof cwd);
	show("getcwd ends in /d", strcmp(cwd + strlen(cwd) - 2, "/d") == 0);
	chdir(argv[1]);
	show("dup3 same fd", dup3(dfd, dfd, 0));
	show("dup3 bad flags", dup3(dfd, 50, 1));
	int nfd = fcntl(dfd, F_DUPFD_CLOEXEC, 40);
	show("F_DUPFD_CLOEXEC 40", nfd);
	show("F_GETFD", fcntl(nfd, F_GETFD));
	show("F_GETFL O_PATH", fcntl(open("g", O_PATH), F_GETFL) & O_PATH ? 1 : 0);
	show("unlink g", unlink("g"));
	show("unlink g again", unlink("g"));
	show("symlink loop a", symlink("b", "a"));
	show("symlink loop b", symlink("a", "b"));
	show("open loop", open("a", O_RDONLY));
	show("mkdir long name", mkdir("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0755));
	char longname[300];
	memset(longname, 'y', 299);
	longname[299] = 0;
	show("mkdir 299-byte name", mkdir(longname, 0755));
	show("open 299-byte name", open(longname, O_RDONLY));
	list(".");
	list("d");
	return 0;
}
