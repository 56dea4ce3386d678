/*
 * fuzz_uplink.c - libFuzzer target: bytes in, the slave's state machine
 * of its master connection.
 *
 * The seam is the slave's -m mode: one real struct slave, set up as main()
 * does and started once, connects to a loopback listener of the harness,
 * which plays the master (fuzz_peer.c) with the fuzzer's bytes.  Each input
 * is one connection: the slave is driven back to idle after it (its task
 * stopped and reaped, its files removed), as between two real sessions, so
 * the next input meets the same slave.  Nothing in the slave is changed or
 * stubbed.  Only /bin/true and /bin/false may run (--allow), payloads are
 * capped at 1 MiB (--max-conf-size), files go to a private directory.
 *
 * Flags byte: bit 0 keyed (the fake master does the handshake and seals
 * the fuzzer's bytes), bit 1 keyed but the bytes unsealed (the handshake
 * itself is fuzzed).  Records: see fuzz_peer.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_peer.h"
#include "log.h"
#include "slave.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_SESSION	7
#define FUZZ_ACCEPT_MS	5000	/* the slave's connection, at most */
#define FUZZ_SETTLE_MS	20000	/* back to idle, at most */

static struct slave	 sl;
static struct slave_opts o;
static struct ev_loop	*loop;
static int		 lfd = -1;
static char		 dir[64];
static struct fuzz_peer	 peer;
static uint8_t		 scratch[65536];

static void
fuzz_pump(void)
{
	int i;

	for (i = 0; i < 8; i++)
		ev_run(loop, EVRUN_NOWAIT);
}

/* The slave's local port on its current connection, 0 if none. */
static uint16_t
fuzz_slave_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = sl.up.conn_open ? sl.up.conn.fd :
				    sl.up.connect_fd;

	if (fd == -1 || getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 0;
	return ntohs(sin.sin_port);
}

/*
 * Our end of the slave's current connection, or -1 after FUZZ_ACCEPT_MS.  A
 * connection left in the backlog by an earlier attempt is reset, not
 * mistaken for it.
 */
static int
fuzz_accept(void)
{
	struct pollfd		pfd = { .fd = lfd, .events = POLLIN };
	struct sockaddr_in	sin;
	socklen_t		len;
	uint64_t		deadline = fuzz_now_ms() + FUZZ_ACCEPT_MS;
	int			fd;

	while (fuzz_now_ms() < deadline) {
		fuzz_pump();
		if (poll(&pfd, 1, 10) != 1)
			continue;
		len = sizeof(sin);
		fd = accept4(lfd, (struct sockaddr *)&sin, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		if (ntohs(sin.sin_port) == fuzz_slave_port())
			return fd;
		fuzz_close_reset(fd);
	}
	return -1;
}

/*
 * Back to idle: no session, no task (killed and reaped), within
 * FUZZ_SETTLE_MS (a fork and exec under ASan on a loaded machine can take
 * a while; a slave that stays busy longer is a finding).
 */
static void
fuzz_settle(void)
{
	uint64_t deadline = fuzz_now_ms() + FUZZ_SETTLE_MS;

	while (fuzz_now_ms() < deadline) {
		/* No retry: the harness connects it itself. */
		if (!uplink_active(&sl.up))
			ev_timer_stop(loop, &sl.listen.retry_timer);
		if (slave_idle(&sl))
			break;
		fuzz_loop_wait(loop, 5);
	}
	if (!slave_idle(&sl)) {
		fprintf(stderr, "fuzz_slave_conn: the slave did not go back to "
		    "idle (state %d, task %d, port %u, retry timer %d)\n",
		    (int)sl.up.state, (int)sl.task.state, fuzz_slave_port(),
		    ev_is_active(&sl.listen.retry_timer));
		if (getenv("FUZZ_DEBUG") != NULL) {
			char cmd[128];

			fprintf(stderr, "conn fd %d rio %d failed %d keyed %p "
			    "peer fd %d\n", sl.up.conn.fd,
			    ev_is_active(&sl.up.conn.rio), sl.up.conn.failed,
			    (void *)sl.up.conn.seal, peer.fd);
			snprintf(cmd, sizeof(cmd), "ss -tanpe | grep %u >&2",
			    fuzz_slave_port());
			(void)system(cmd);
		}
		abort();
	}
}

static pid_t		 fuzz_pid;

/* At exit: the slave's files, its directory (not from a forked task). */
static void
fuzz_cleanup(void)
{
	char	pattern[128];
	glob_t	g;
	size_t	i;

	if (getpid() != fuzz_pid)
		return;
	slave_cleanup(&sl);
	unlink(sl.output.path);
	/* Payload files have a new unpredictable name each session. */
	snprintf(pattern, sizeof(pattern), "%s/%s*", dir, PAYLOAD_PREFIX);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	rmdir(dir);
}

/*
 * Directories of earlier runs that ended without their atexit: their PID is
 * gone, or is ours (PIDs come round again; we have made none yet).
 */
static void
fuzz_remove_stale(void)
{
	char	cmd[320];

	snprintf(cmd, sizeof(cmd), "for d in /tmp/fuzz_slave.[0-9]*; do "
	    "[ -d \"$d\" ] && { [ \"${d##*.}\" = %ld ] || "
	    "! kill -0 \"${d##*.}\" 2>/dev/null; } && "
	    "rm -rf \"$d\"; done; exit 0", (long)getpid());
	(void)system(cmd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	struct net_addr		lo;
	char			err[256], master[64], path[128];
	int			fd;

	(void)argc;
	(void)argv;
	if (getenv("FUZZ_LOG") != NULL) {
		log_init("fuzz_slave", LOG_TO_STDERR);
		log_set_verbose(atoi(getenv("FUZZ_LOG")));
	} else
		log_init("fuzz_slave", LOG_TO_NONE);
	signal(SIGPIPE, SIG_IGN);
	fuzz_peer_global_init("fuzz_slave_conn");
	fuzz_pid = getpid();
	fuzz_remove_stale();
	snprintf(dir, sizeof(dir), "/tmp/fuzz_slave.%ld", (long)fuzz_pid);
	if (mkdir(dir, 0700) == -1)
		fuzz_trouble("mkdir %s: %s", dir, strerror(errno));
	net_addr_any(&lo, AF_INET, 0);
	lo.u.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = net_tcp_listen(&lo, 128, err, sizeof(err))) == -1)
		fuzz_trouble("loopback listener: %s", err);
	if (getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		fuzz_trouble("getsockname: %s", strerror(errno));
	/* tests/integration/fuzz.sh counts what the run left on this port. */
	fprintf(stderr, "fuzz_slave_conn: harness listens on 127.0.0.1:%u\n",
	    ntohs(sin.sin_port));

	slave_opts_defaults(&o);
	o.c.session = FUZZ_SESSION;
	/*
	 * A slave with -m listens for probes too: on a UDP port of the same
	 * number as the harness's TCP one, not on 5165 (nothing probes it).
	 */
	o.c.port = ntohs(sin.sin_port);
	snprintf(master, sizeof(master), "127.0.0.1:%u", ntohs(sin.sin_port));
	opt_set_str(&o.master, master);
	opt_list_add(&o.allow, "/bin/true");
	opt_list_add(&o.allow, "/bin/false");
	o.max_conf_size = 1 << 20;
	o.kill_grace_ns = 20 * 1000000ull;
	slave_init(&sl, &o);
	snprintf(sl.name, sizeof(sl.name), "fuzz");
	payload_set_dir(&sl.payload, dir);
	/*
	 * The output files made first, so that they are claimed now, as
	 * main() claims existing ones, and held for the slave's life: not a
	 * leak of the first input's session.
	 */
	snprintf(path, sizeof(path), "%s/out", dir);
	safefile_set(&sl.output, path, false);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		fuzz_trouble("%s: %s", path, strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s/out.err", dir);
	safefile_set(&sl.errout, path, false);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		fuzz_trouble("%s: %s", path, strerror(errno));
	close(fd);
	if (slave_claim_files(&sl, err, sizeof(err)) == -1)
		fuzz_trouble("%s", err);
	if (listen_init(&sl.listen, &o, 0, err, sizeof(err)) == -1)
		fuzz_trouble("%s", err);
	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		fuzz_trouble("ev_loop_new: %s", strerror(errno));
	slave_start(&sl, loop);
	/* Leave INT and TERM to libFuzzer; HUP would re-read no file. */
	ev_signal_stop(loop, &sl.sigterm);
	ev_signal_stop(loop, &sl.sigint);
	ev_signal_stop(loop, &sl.sighup);
	/* slave_start connected at once: take that one and end it. */
	if ((fd = fuzz_accept()) != -1)
		fuzz_close_reset(fd);
	fuzz_settle();
	atexit(fuzz_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t		 flags, ctl;
	const uint8_t	*bytes;
	size_t		 off = 1, len;
	uint64_t	 deadline;
	int		 fd, fds, waits = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	fds = fuzz_fd_count();
	sl.key = (flags & 3) ? &fuzz_key : NULL;
	if (!slave_session_open(&sl, &sl.listen.master_sa)) {
		fuzz_settle();
		return 0;
	}
	if ((fd = fuzz_accept()) == -1) {
		/* Not accepted in time (a loaded machine): not the slave's fault. */
		uplink_abort(&sl.up, "the harness did not accept");
		fuzz_settle();
		return 0;
	}
	/* Until its hello (or AUTH_HELLO) is out. */
	deadline = fuzz_now_ms() + FUZZ_ACCEPT_MS;
	while (sl.up.state == UPLINK_CONNECTING && fuzz_now_ms() < deadline)
		fuzz_loop_wait(loop, 2);
	fuzz_peer_init(&peer, fd, (flags & 3) != 0, (flags & 2) != 0,
	    AUTH_ROLE_MASTER, FUZZ_SESSION);
	if (!(flags & 2))
		(void)fuzz_peer_handshake(&peer, fuzz_pump);

	while (uplink_active(&sl.up) && !peer.closed &&
	    (off = fuzz_record(data, size, off, &ctl, &bytes, &len)) != 0) {
		memcpy(scratch, bytes, len);
		fuzz_peer_send(&peer, scratch, len, fuzz_pump);
		if (ctl & FUZZ_CTL_CLOSE)
			fuzz_peer_close(&peer);
		fuzz_pump();
		if ((ctl & FUZZ_CTL_WAIT) && waits++ < FUZZ_MAX_WAITS)
			fuzz_loop_wait(loop, FUZZ_WAIT_MS);
		fuzz_peer_read(&peer);
		/* Session over: no retry behind the harness's back. */
		if (!uplink_active(&sl.up))
			ev_timer_stop(loop, &sl.listen.retry_timer);
	}
	fuzz_peer_reset(&peer);
	fuzz_settle();
	/* Each input starts with the same slave: nothing left over. */
	sl.session_configured = false;
	/* A descriptor an input leaves open is a leak, found from it alone. */
	if (fds != -1 && fuzz_fd_count() != fds) {
		fprintf(stderr, "fuzz_slave_conn: %d descriptors open after "
		    "the input, %d before: a leak\n", fuzz_fd_count(), fds);
		abort();
	}
	return 0;
}
