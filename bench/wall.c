/*
 * wall.c - run a command and say how long it took and how much memory it held.
 *
 *   wall [-o OUT] [-s MS] [-p PIDFILE] CMD [ARG...]
 *
 * Runs CMD (stdin, stdout and stderr inherited) and, once it has exited,
 * writes one line to OUT (default stderr):
 *	wall_ns=N maxrss_kib=N peak_anon_kib=N status=N
 * wall_ns is CLOCK_MONOTONIC from just before the fork to the moment the
 * child's exit is seen (a pidfd, so no polling delay); maxrss_kib is the
 * child's peak resident set (wait4); peak_anon_kib is the largest RssAnon
 * sampled from /proc every MS milliseconds while it ran (-s; -1 without it).
 * -p writes the child's pid to PIDFILE once it runs.
 * Exits with CMD's exit code (128+N for signal N), 1 on a usage error.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t
wall_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* RssAnon of pid in KiB, or -1. */
static long
wall_anon(pid_t pid)
{
	char	path[64], line[256];
	FILE	*f;
	long	kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int
main(int argc, char **argv)
{
	const char	*out = NULL, *pidfile = NULL;
	long		 sample_ms = -1, anon, peak = -1;
	struct rusage	 ru;
	struct pollfd	 pfd;
	uint64_t	 t0, t1;
	FILE		*f;
	pid_t		 pid;
	int		 c, status, code;

	while ((c = getopt(argc, argv, "+o:s:p:")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			sample_ms = atol(optarg);
			if (sample_ms < 1 || sample_ms > 10000) {
				fprintf(stderr, "wall: -s: 1..10000 ms\n");
				return 1;
			}
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			return 1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: wall [-o OUT] [-s MS] [-p PIDFILE] CMD "
		    "[ARG...]\n");
		return 1;
	}
	t0 = wall_mono();
	if ((pid = fork()) == -1) {
		perror("wall: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "wall: exec %s: %s\n", argv[optind],
		    strerror(errno));
		_exit(127);
	}
	if (pidfile != NULL && (f = fopen(pidfile, "w")) != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	pfd.events = POLLIN;
	if (pfd.fd == -1) {
		perror("wall: pidfd_open");
		/* Fall through to wait4: the time is then still right. */
	} else {
		for (;;) {
			int r = poll(&pfd, 1, sample_ms > 0 ? (int)sample_ms :
			    -1);

			if (r > 0)
				break;
			if (r == -1 && errno != EINTR)
				break;
			if (sample_ms > 0 && (anon = wall_anon(pid)) > peak)
				peak = anon;
		}
	}
	t1 = wall_mono();
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			perror("wall: wait4");
			return 1;
		}
	}
	if (pfd.fd == -1)
		t1 = wall_mono();
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	f = out != NULL ? fopen(out, "w") : stderr;
	if (f == NULL) {
		perror(out);
		return 1;
	}
	fprintf(f, "wall_ns=%llu maxrss_kib=%ld peak_anon_kib=%ld status=%d\n",
	    (unsigned long long)(t1 - t0), ru.ru_maxrss, peak, code);
	if (f != stderr)
		fclose(f);
	return code;
}
