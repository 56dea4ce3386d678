/*
 * floor.c - the physical floors the benchmarks compare synexec against, each
 * measured on the same machine in the same run (bench/README.md).
 *
 *   floor spread N SETTLE_MS PROBE [ARG...]
 *	Fork N children that all block reading one pipe, wait until each has
 *	said it is about to block, let the machine settle SETTLE_MS, then
 *	close the pipe's write end: every child wakes at once (EOF) and execs
 *	PROBE ARG....  Waits for all of them; exit 0 if every probe exited 0.
 *	This is the best any launcher on this machine can do: N processes
 *	already forked, released by one event, each paying only its exec.
 *
 *   floor join ADDR PORT N
 *	Listen on ADDR:PORT, answer one byte for one byte on each of N
 *	connections, close them, print "done_real_ns=NS" (CLOCK_REALTIME when
 *	the Nth answer was sent) and exit 0.  With "probe -j" as the clients
 *	this is the least a fresh process needs to make itself known to a
 *	listener; with "swarm -F" the least K connections from one process
 *	cost a listener.
 *
 * Exit codes: 0 done, 1 usage or system error, 2 a probe failed.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLOOR_N_MAX	100000

static long
floor_num(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max) {
		fprintf(stderr, "floor: %s: %s is not in %ld..%ld\n", what, s,
		    min, max);
		exit(1);
	}
	return v;
}

static int
floor_spread(long n, long settle_ms, char **argv)
{
	int		 go[2], ready[2], rc = 0, status;
	long		 i, got = 0;
	pid_t		*pids;
	char		 c;
	struct timespec	 ts = { settle_ms / 1000, settle_ms % 1000 * 1000000 };

	if ((pids = calloc((size_t)n, sizeof(*pids))) == NULL ||
	    pipe(go) == -1 || pipe(ready) == -1) {
		perror("floor");
		return 1;
	}
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == -1) {
			perror("floor: fork");
			close(go[1]);	/* release those forked: they exit */
			return 1;
		}
		if (pids[i] == 0) {
			close(go[1]);
			close(ready[0]);
			if (write(ready[1], "r", 1) != 1)
				_exit(126);
			close(ready[1]);
			if (read(go[0], &c, 1) != 0)	/* EOF is the signal */
				_exit(126);
			execv(argv[0], argv);
			_exit(127);
		}
	}
	close(ready[1]);
	close(go[0]);
	while (got < n) {
		ssize_t r = read(ready[0], &c, 1);

		if (r == 1)
			got++;
		else if (r == 0 || errno != EINTR)
			break;
	}
	/* Each child wrote just before blocking: the settle time covers that. */
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	close(go[1]);		/* the release: every reader sees EOF at once */
	for (i = 0; i < n; i++) {
		while (waitpid(pids[i], &status, 0) == -1 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 2;
	}
	free(pids);
	return rc;
}

static int
floor_join(const char *addr, long port, long n)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[256];
	struct timespec		 ts;
	long			 answered = 0;
	int			 lfd, ep, one = 1, i, k;
	char			 c;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "floor: bad address %s\n", addr);
		return 1;
	}
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 || (ep = epoll_create1(0)) == -1) {
		fprintf(stderr, "floor: listen %s:%ld: %s\n", addr, port,
		    strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (answered < n) {
		if ((k = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("floor: epoll_wait");
			return 1;
		}
		for (i = 0; i < k; i++) {
			int fd = evs[i].data.fd;

			if (fd == lfd) {
				int cfd;

				while ((cfd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
				continue;
			}
			if (read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
				answered++;
			close(fd);
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("done_real_ns=%llu\n", (unsigned long long)ts.tv_sec *
	    1000000000ull + (unsigned long long)ts.tv_nsec);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 5 && strcmp(argv[1], "spread") == 0)
		return floor_spread(floor_num(argv[2], 1, FLOOR_N_MAX, "N"),
		    floor_num(argv[3], 0, 10000, "SETTLE_MS"), argv + 4);
	if (argc == 5 && strcmp(argv[1], "join") == 0)
		return floor_join(argv[2], floor_num(argv[3], 1, 65535, "PORT"),
		    floor_num(argv[4], 1, FLOOR_N_MAX, "N"));
	fprintf(stderr, "usage: floor spread N SETTLE_MS PROBE [ARG...]\n"
	    "       floor join ADDR PORT N\n");
	return 1;
}
