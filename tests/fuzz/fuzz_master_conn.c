/*
 * fuzz_master_conn.c - libFuzzer target: bytes in, the master's state machine
 * of its slave connections.
 *
 * The seam is the master's own listening socket: the harness builds a real
 * struct master as main() does (session file, loop, discovery on a loopback
 * listener; no UDP socket: probes fail quietly), then connects 1..4 fake
 * slaves (fuzz_peer.c) and sends the fuzzer's bytes on them, running the
 * master's loop between records.  The listener is the harness's, made once
 * on an ephemeral port and lent to each input's master (a dup it closes):
 * a run does not use up a port an input, and connections that an input's
 * master left unaccepted are reset before the next input begins.  Nothing
 * in the master is changed or stubbed; frames reach dialog.c through
 * conn.c exactly as in production, sealed ones included (flag bit 0x20: the
 * fake slaves have the key and do the handshake, so the fuzz bytes arrive
 * sealed).
 *
 * Flags byte: bits 0-1 SLAVES-1, bits 2-3 connections-1, bit 4 a 100 KB
 * payload (streamed; too large for a 2014 slave), bit 5 keyed, bit 6 keyed
 * but the fuzz bytes unsealed (the handshake itself is fuzzed), bit 7
 * --fail-fast.  Records: see fuzz_peer.h (FUZZ_CTL_ECHO fills a PONG's echo
 * with the last PING's time, so that clock sync can succeed).
 *
 * The setup and teardown are master/main.c's own (master.c: master_init,
 * master_prepare, master_start, master_begin, master_free); only the
 * sockets differ (a loopback listener instead of discovery_open()).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_peer.h"
#include "log.h"
#include "master.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_SESSION	7
#define FUZZ_CONNS	4

static char		 fuzz_small[64], fuzz_large[64];
static struct master	 m;
static struct master_opts opts;
static struct fuzz_peer	 peers[FUZZ_CONNS];
static uint8_t		 scratch[65536];
static int		 fuzz_lfd = -1;		/* the harness's listener */
static struct sockaddr_in fuzz_sin;		/* its address */

/*
 * A session file that exists only as long as we do: unlinked at once, kept
 * open, and named by /proc/self/fd (however the fuzzer ends, nothing stays).
 */
static void
fuzz_write_file(char *path, size_t pathlen, size_t payload)
{
	char	tmpl[] = "/tmp/fuzz_master.XXXXXX";
	size_t	i;
	int	fd;
	FILE	*f;

	if ((fd = mkstemp(tmpl)) == -1 || unlink(tmpl) == -1 ||
	    (f = fdopen(dup(fd), "w")) == NULL)
		fuzz_trouble("session file %s: %s", tmpl, strerror(errno));
	fputs("/bin/true :CONF: arg\n", f);
	for (i = 0; i < payload; i++)
		fputc('a' + (int)(i % 26), f);
	if (fclose(f) != 0)
		fuzz_trouble("session file %s: %s", tmpl, strerror(errno));
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct net_addr	lo;
	socklen_t	slen = sizeof(fuzz_sin);
	char		err[256];
	int		fd;

	(void)argc;
	(void)argv;
	/* The summary goes to stdout, the log to /dev/null: keep stderr. */
	if ((fd = open("/dev/null", O_WRONLY)) != -1) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	/* FUZZ_LOG=1: the master's log on stderr, to see how far a seed goes. */
	if (getenv("FUZZ_LOG") != NULL) {
		log_init("fuzz_master", LOG_TO_STDERR);
		log_set_verbose(atoi(getenv("FUZZ_LOG")));
	} else
		log_init("fuzz_master", LOG_TO_NONE);
	signal(SIGPIPE, SIG_IGN);
	fuzz_peer_global_init("fuzz_master_conn");
	fuzz_write_file(fuzz_small, sizeof(fuzz_small), 100);
	fuzz_write_file(fuzz_large, sizeof(fuzz_large), 100000);
	net_addr_any(&lo, AF_INET, 0);
	lo.u.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fuzz_lfd = net_tcp_listen(&lo, MASTER_BACKLOG, err,
	    sizeof(err))) == -1)
		fuzz_trouble("loopback listener: %s", err);
	if (getsockname(fuzz_lfd, (struct sockaddr *)&fuzz_sin, &slen) == -1)
		fuzz_trouble("getsockname: %s", strerror(errno));
	/* tests/integration/fuzz.sh counts what the run left on this port. */
	fprintf(stderr, "fuzz_master_conn: harness listens on 127.0.0.1:%u\n",
	    ntohs(fuzz_sin.sin_port));
	return 0;
}

/* The master's loop, until it has nothing left to do at once (bounded). */
static void
fuzz_pump(void)
{
	int i;

	for (i = 0; i < 8; i++)
		ev_run(m.loop, EVRUN_NOWAIT);
}

static void
fuzz_read_all(int nconns)
{
	int i;

	for (i = 0; i < nconns; i++)
		fuzz_peer_read(&peers[i]);
}

static void
fuzz_master_setup(uint8_t flags)
{
	char		err[256];
	int		fd;

	memset(&m, 0, sizeof(m));
	master_opts_defaults(&opts);
	opts.c.session = FUZZ_SESSION;
	opts.fail_fast = (flags & 0x80) != 0;
	master_init(&m, &opts, 1 + (flags & 3));
	if (sessfile_open(&m.sf, (flags & 0x10) ? fuzz_large : fuzz_small, err,
	    sizeof(err)) == -1)
		fuzz_trouble("%s", err);
	m.key = (flags & 0x60) ? &fuzz_key : NULL;
	if (master_prepare(&m, err, sizeof(err)) == -1)
		fuzz_trouble("%s", err);
	if ((fd = fcntl(fuzz_lfd, F_DUPFD_CLOEXEC, 0)) == -1)
		fuzz_trouble("dup the listener: %s", strerror(errno));
	/* Probes go nowhere: no target, no host list. */
	discovery_adopt(&m, fd);
	m.out_log = true;
	m.log_stderr = false;
	if (master_start(&m) == -1)
		fuzz_trouble("ev_loop_new: %s", strerror(errno));
	master_begin(&m);
}

static void
fuzz_master_teardown(void)
{
	master_free(&m);
	master_opts_free(&opts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t			 flags, ctl;
	const uint8_t		*bytes;
	size_t			 off = 1, len;
	int			 nconns, i, fd, fds, waits = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	nconns = 1 + ((flags >> 2) & 3);
	fds = fuzz_fd_count();
	fuzz_master_setup(flags);
	for (i = 0; i < nconns; i++) {
		if ((fd = fuzz_connect(&fuzz_sin)) == -1)
			fuzz_trouble("loopback connect to 127.0.0.1:%u: %s",
			    ntohs(fuzz_sin.sin_port), strerror(errno));
		fuzz_peer_init(&peers[i], fd, (flags & 0x60) != 0,
		    (flags & 0x40) != 0, AUTH_ROLE_SLAVE, FUZZ_SESSION);
	}
	fuzz_pump();
	for (i = 0; i < nconns; i++)
		if (!(flags & 0x40))
			(void)fuzz_peer_handshake(&peers[i], fuzz_pump);

	while (m.phase != PHASE_DONE &&
	    (off = fuzz_record(data, size, off, &ctl, &bytes, &len)) != 0) {
		struct fuzz_peer *p = &peers[(ctl & 0x1f) % nconns];

		memcpy(scratch, bytes, len);
		if (ctl & FUZZ_CTL_ECHO)
			fuzz_peer_echo(p, scratch, len);
		fuzz_peer_send(p, scratch, len, fuzz_pump);
		if (ctl & FUZZ_CTL_CLOSE)
			fuzz_peer_close(p);
		fuzz_pump();
		if ((ctl & FUZZ_CTL_WAIT) && waits++ < FUZZ_MAX_WAITS)
			fuzz_loop_wait(m.loop, FUZZ_WAIT_MS);
		fuzz_read_all(nconns);
	}
	for (i = 0; i < nconns; i++)
		fuzz_peer_reset(&peers[i]);
	fuzz_pump();
	fuzz_master_teardown();
	fuzz_drain(fuzz_lfd);
	/* A descriptor an input leaves open is a leak, found from it alone. */
	if (fds != -1 && fuzz_fd_count() != fds) {
		fprintf(stderr, "fuzz_master_conn: %d descriptors open after "
		    "the input, %d before: a leak\n", fuzz_fd_count(), fds);
		abort();
	}
	return 0;
}
