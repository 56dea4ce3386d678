/*
 * tcpcopy.c - the payload benchmark's floor: a plain TCP copy of one file to
 * N receivers on loopback, done the way anyone would write it in a hurry.
 *
 *   tcpcopy N FILE DIR
 *
 * Forks N receivers; each connects to the sender over 127.0.0.1, writes what
 * it reads (up to 128 KiB a read) to DIR/tcpcopy.<pid>, removes the file at
 * EOF and exits.  The sender polls the N sockets and, when one is writable,
 * preads up to 64 KiB of FILE at that receiver's own offset and writes it:
 * the same work as synexec's master minus the framing.  Prints
 * "bytes=TOTAL ns=ELAPSED" (from the first accept to the last receiver's
 * exit) and exits 0 if every receiver got every byte.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TC_MAX		64
#define TC_CHUNK	65535
#define TC_RBUF		(128 * 1024)

static uint64_t
tc_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn))
tc_receiver(const struct sockaddr_in *sin, const char *dir, off_t size)
{
	static char	buf[TC_RBUF];
	char		path[4096];
	off_t		got = 0;
	ssize_t		n;
	int		fd, out;

	snprintf(path, sizeof(path), "%s/tcpcopy.%d", dir, (int)getpid());
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    (out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		perror("tcpcopy: receiver");
		_exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			perror("tcpcopy: write");
			_exit(1);
		}
		got += n;
	}
	close(out);
	unlink(path);
	_exit(n == 0 && got == size ? 0 : 1);
}

int
main(int argc, char **argv)
{
	static char		 chunk[TC_CHUNK];
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct pollfd		 pfd[TC_MAX];
	off_t			 off[TC_MAX];
	pid_t			 pids[TC_MAX];
	struct stat		 st;
	uint64_t		 t0, t1;
	int			 n, i, lfd, ffd, left, status, rc = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc != 4 || (n = atoi(argv[1])) < 1 || n > TC_MAX) {
		fprintf(stderr, "usage: tcpcopy N(1..%d) FILE DIR\n", TC_MAX);
		return 1;
	}
	if ((ffd = open(argv[2], O_RDONLY)) == -1 || fstat(ffd, &st) == -1) {
		perror(argv[2]);
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, TC_MAX) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1) {
		perror("tcpcopy: listen");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1) {
			perror("tcpcopy: fork");
			return 1;
		}
		if (pids[i] == 0)
			tc_receiver(&sin, argv[3], st.st_size);
	}
	t0 = 0;
	for (i = 0; i < n; i++) {
		if ((pfd[i].fd = accept(lfd, NULL, NULL)) == -1) {
			perror("tcpcopy: accept");
			return 1;
		}
		if (i == 0)
			t0 = tc_mono();
		fcntl(pfd[i].fd, F_SETFL, O_NONBLOCK);
		pfd[i].events = POLLOUT;
		off[i] = 0;
	}
	left = n;
	while (left > 0) {
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("tcpcopy: poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			ssize_t	r, w;
			size_t	want;

			if (pfd[i].fd == -1 || !(pfd[i].revents & POLLOUT))
				continue;
			want = st.st_size - off[i] > TC_CHUNK ? TC_CHUNK :
			    (size_t)(st.st_size - off[i]);
			r = pread(ffd, chunk, want, off[i]);
			if (r <= 0) {
				perror("tcpcopy: pread");
				return 1;
			}
			w = write(pfd[i].fd, chunk, (size_t)r);
			if (w == -1) {
				if (errno == EAGAIN)
					continue;
				perror("tcpcopy: send");
				return 1;
			}
			off[i] += w;
			if (off[i] == st.st_size) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				left--;
			}
		}
	}
	for (i = 0; i < n; i++) {
		while (waitpid(pids[i], &status, 0) == -1 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	}
	t1 = tc_mono();
	printf("bytes=%llu ns=%llu\n", (unsigned long long)st.st_size * n,
	    (unsigned long long)(t1 - t0));
	return rc;
}
