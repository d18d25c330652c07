/* sendfile from a file into a non-blocking socket that fills up: every
 * byte must arrive exactly once, in order, however the writes split. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	const int size = 4 << 20;
	char path[] = "/tmp/sendfile-partial-XXXXXX";
	int fd = mkstemp(path);
	unsigned char *data = malloc(size), *got = malloc(size);
	for (int i = 0; i < size; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	if (fd < 0 || write(fd, data, size) != size)
		return 1;
	lseek(fd, 0, SEEK_SET);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	long sent = 0, recvd = 0, partial = 0;
	while (recvd < size) {
		if (sent < size) {
			ssize_t n = sendfile(sv[0], fd, NULL, size - sent);
			if (n > 0) {
				sent += n;
				if (n < size - sent + n)
					partial++;
			} else if (n < 0 && errno != EAGAIN) {
				perror("sendfile");
				return 3;
			}
		}
		ssize_t r = read(sv[1], got + recvd, 100000);
		if (r <= 0)
			return 4;
		recvd += r;
	}
	off_t pos = lseek(fd, 0, SEEK_CUR);
	printf("sent=%ld pos=%ld same=%d partial=%s\n", sent, (long)pos, memcmp(data, got, size) == 0,
	       partial > 0 ? "yes" : "no");
	unlink(path);
	return 0;
}
