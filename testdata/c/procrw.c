// procrw: /proc files show the state at the time they are read (not
// opened), re-render after lseek to 0, and the writable ones (comm,
// oom_score_adj) take writes with Linux's parsing and errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *ename(int e) {
	switch (e) {
	case 0: return "ok";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case EROFS: return "EROFS";
	case ERANGE: return "ERANGE";
	}
	return strerror(e);
}

// statName prints the comm field of a /proc/PID/stat text.
static void statName(const char *what, const char *buf) {
	const char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r) {
		printf("%s: no name in %s\n", what, buf);
		return;
	}
	printf("%s: %.*s\n", what, (int)(r - l - 1), l + 1);
}

static void readFile(const char *what, const char *path) {
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		printf("%s: read %s\n", what, ename(errno));
		return;
	}
	buf[n] = 0;
	printf("%s: %s", what, buf);
}

// writeFile writes data to path, shown as what.
static void writeFileAs(const char *what, const char *path, const char *data) {
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		printf("open %s for write: %s\n", what, ename(errno));
		return;
	}
	errno = 0;
	ssize_t n = write(fd, data, strlen(data));
	printf("write %zu bytes to %s: %zd %s\n", strlen(data), what, n, ename(n < 0 ? errno : 0));
	close(fd);
}

static void writeFile(const char *path, const char *data) { writeFileAs(path, path, data); }

static void getName(void) {
	char name[17] = {0};
	prctl(PR_GET_NAME, name);
	printf("PR_GET_NAME: %s\n", name);
}

int main(void) {
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY);
	prctl(PR_SET_NAME, "renamed");
	ssize_t n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	statName("stat opened before the rename", buf);

	prctl(PR_SET_NAME, "again");
	lseek(fd, 0, SEEK_SET);
	// A read in two parts is one rendering: the rename between the two
	// reads does not show.
	n = read(fd, buf, 3);
	prctl(PR_SET_NAME, "third");
	ssize_t m = read(fd, buf + 3, sizeof buf - 4);
	buf[3 + (m > 0 ? m : 0)] = 0;
	statName("stat after lseek 0, read in parts", buf);
	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	statName("pread at 0", buf);
	close(fd);

	writeFile("/proc/self/comm", "written");
	readFile("comm", "/proc/self/comm");
	getName();
	writeFile("/proc/self/comm", "abcdefghijklmnopqrstuvwxyz\n");
	readFile("comm", "/proc/self/comm");
	getName();
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", gettid());
	writeFileAs("/proc/self/task/TID/comm", path, "by-task");
	readFile("task comm", path);
	getName();
	fd = open("/proc/self/stat", O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	statName("stat", buf);

	writeFile("/proc/self/oom_score_adj", "100");
	readFile("oom_score_adj", "/proc/self/oom_score_adj");
	writeFile("/proc/self/oom_score_adj", "5000");
	writeFile("/proc/self/oom_score_adj", "abc");
	writeFile("/proc/self/oom_score_adj", " 0x96\n");
	readFile("oom_score_adj", "/proc/self/oom_score_adj");

	writeFile("/proc/self/stat", "1");
	writeFile("/proc/self/status", "1");
	writeFile("/proc/version", "1");
	return 0;
}
