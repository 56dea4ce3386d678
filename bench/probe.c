/*
 * probe.c - the benchmarks' task, and their launcher.  Linked statically so
 * that its exec costs the same everywhere and involves no dynamic loader.
 *
 *   probe FILE [SLEEP_MS]
 *	Append CLOCK_REALTIME (ns) and a newline to FILE, first thing, then
 *	sleep SLEEP_MS (default 0) and exit 0.  FILE is opened O_APPEND and
 *	the line is one write(), so concurrent probes never mix their lines.
 *	The spread of a start is max - min of the lines of one run.
 *	With PROBE_MONO set in the environment it also appends "PID NS" to
 *	FILE.mono, NS being CLOCK_MONOTONIC just after the stamp: the clock
 *	of perf -k CLOCK_MONOTONIC, for bench/window.
 *
 *   probe -j ADDR PORT
 *	Connect to ADDR:PORT, send one byte, wait for one byte, exit 0: the
 *	least a freshly started process can do to make itself known to a
 *	listener (the floor of the join latency; see floor.c "join").
 *
 *   probe -x FILE CMD [ARG...]
 *	Append CLOCK_REALTIME to FILE like the first form, then exec CMD: the
 *	launcher that says when a slave (or a floor client) was started.
 *
 * Exit codes: 0 done, 1 usage or system error (message on stderr).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int	probe_stamp(const char *, uint64_t);
static int	probe_join(const char *, const char *);
static int	probe_mono(const char *);

static uint64_t
probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One line, one write, O_APPEND: atomic against other probes. */
static int
probe_stamp(const char *path, uint64_t ns)
{
	char	line[32];
	int	fd, len, rc = 0;

	len = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)ns);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		fprintf(stderr, "probe: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (write(fd, line, (size_t)len) != len) {
		fprintf(stderr, "probe: write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* "PID NS\n" to FILE.mono, one write: when this probe stamped, for perf. */
static int
probe_mono(const char *stamps)
{
	struct timespec	ts;
	char		path[4096], line[64];
	int		fd, len, rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	len = snprintf(line, sizeof(line), "%ld %llu\n", (long)getpid(),
	    (unsigned long long)ts.tv_sec * 1000000000u +
	    (unsigned long long)ts.tv_nsec);
	if ((size_t)snprintf(path, sizeof(path), "%s.mono", stamps) >=
	    sizeof(path))
		return -1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, line, (size_t)len) != len) {
		fprintf(stderr, "probe: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	return rc;
}

static int
probe_join(const char *addr, const char *port)
{
	struct sockaddr_in	sin;
	char			c = 'j';
	long			p;
	char			*end;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	p = strtol(port, &end, 10);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || *end != '\0' ||
	    p < 1 || p > 65535) {
		fprintf(stderr, "probe: bad address %s:%s\n", addr, port);
		return -1;
	}
	sin.sin_port = htons((uint16_t)p);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1) {
		fprintf(stderr, "probe: %s:%s: %s\n", addr, port,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t	now = probe_now();	/* before anything else */
	struct timespec	ts;
	long		ms = 0;
	char		*end;

	if (argc == 4 && strcmp(argv[1], "-j") == 0)
		return probe_join(argv[2], argv[3]) == 0 ? 0 : 1;
	if (argc >= 4 && strcmp(argv[1], "-x") == 0) {
		if (probe_stamp(argv[2], probe_now()) == -1)
			return 1;
		execv(argv[3], argv + 3);
		fprintf(stderr, "probe: exec %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: probe FILE [SLEEP_MS] | probe -j ADDR "
		    "PORT | probe -x FILE CMD [ARG...]\n");
		return 1;
	}
	if (argc == 3) {
		ms = strtol(argv[2], &end, 10);
		if (*end != '\0' || ms < 0 || ms > 3600000) {
			fprintf(stderr, "probe: bad SLEEP_MS %s\n", argv[2]);
			return 1;
		}
	}
	if (probe_stamp(argv[1], now) == -1)
		return 1;
	if (getenv("PROBE_MONO") != NULL && probe_mono(argv[1]) == -1)
		return 1;
	if (ms > 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	return 0;
}
