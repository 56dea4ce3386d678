/*
 * fuzz_master_conn.c - libFuzzer target: bytes in, the master's state machine
 * of its slave connections.
 *
 * The seam is the master's own listening socket: the harness builds a real
 * struct master as main() does (session file, loop, discovery on a loopback
 * listener of an ephemeral port; no UDP socket: probes fail quietly), then
 * connects 1..4 fake slaves (fuzz_peer.c) and sends the fuzzer's bytes on
 * them, running the master's loop between records.  Nothing in the master is
 * changed or stubbed; frames reach slave_conn.c through conn.c exactly as in
 * production, sealed ones included (flag bit 0x20: the fake slaves have the
 * key and do the handshake, so the fuzz bytes arrive sealed).
 *
 * Flags byte: bits 0-1 SLAVES-1, bits 2-3 connections-1, bit 4 a 100 KB
 * payload (streamed; too large for a 2014 slave), bit 5 keyed, bit 6 keyed
 * but the fuzz bytes unsealed (the handshake itself is fuzzed), bit 7
 * --fail-fast.  Records: see fuzz_peer.h (FUZZ_CTL_ECHO fills a PONG's echo
 * with the last PING's time, so that clock sync can succeed).
 *
 * The setup and teardown mirror master/main.c; when main() gains a module,
 * add its init and cleanup here (the replay test under SAN=1 finds leaks).
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
		abort();
	fputs("/bin/true :CONF: arg\n", f);
	for (i = 0; i < payload; i++)
		fputc('a' + (int)(i % 26), f);
	if (fclose(f) != 0)
		abort();
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

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
	fuzz_peer_global_init();
	fuzz_write_file(fuzz_small, sizeof(fuzz_small), 100);
	fuzz_write_file(fuzz_large, sizeof(fuzz_large), 100000);
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

static int
fuzz_master_setup(uint8_t flags, struct sockaddr_in *sin)
{
	struct in_addr	lo;
	socklen_t	slen = sizeof(*sin);
	char		err[256];

	memset(&m, 0, sizeof(m));
	master_opts_defaults(&opts);
	opts.c.session = FUZZ_SESSION;
	opts.fail_fast = (flags & 0x80) != 0;
	m.sf.fd = -1;
	m.listen_fd = m.udp_fd = m.spare_fd = m.announce_fd = -1;
	if (sessfile_open(&m.sf, (flags & 0x10) ? fuzz_large : fuzz_small, err,
	    sizeof(err)) == -1)
		abort();
	m.opts = &opts;
	m.key = (flags & 0x60) ? &fuzz_key : NULL;
	control_init(&m);
	m.nslaves = 1 + (flags & 3);
	m.phase = PHASE_DISCOVERY;
	TAILQ_INIT(&m.pending);
	TAILQ_INIT(&m.joined);
	if (output_init(&m, err, sizeof(err)) == -1 ||
	    results_init(&m, err, sizeof(err)) == -1)
		abort();
	lo.s_addr = htonl(INADDR_LOOPBACK);
	if ((m.listen_fd = net_tcp_listen(lo, 0, MASTER_BACKLOG, err,
	    sizeof(err))) == -1)
		abort();
	if (getsockname(m.listen_fd, (struct sockaddr *)sin, &slen) == -1)
		abort();
	/* Probes go nowhere: sendto() on -1 fails, quietly (log to /dev/null). */
	m.probe_to = *sin;
	m.out_log = true;
	m.log_stderr = false;
	if ((m.loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		abort();
	ev_init(&m.start_timer, NULL);
	session_begin(&m);
	return 0;
}

static void
fuzz_master_teardown(void)
{
	session_free(&m);
	master_opts_free(&opts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in	 sin;
	uint8_t			 flags, ctl;
	const uint8_t		*bytes;
	size_t			 off = 1, len;
	int			 nconns, i, fd;

	if (size < 1)
		return 0;
	flags = data[0];
	nconns = 1 + ((flags >> 2) & 3);
	fuzz_master_setup(flags, &sin);
	for (i = 0; i < nconns; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1 || connect(fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			/* The harness's own trouble, not a finding: say so. */
			fprintf(stderr, "fuzz_master_conn: loopback connect: "
			    "%s\n", strerror(errno));
			abort();
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
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
		if (ctl & FUZZ_CTL_WAIT)
			fuzz_loop_wait(m.loop, 4);
		fuzz_read_all(nconns);
	}
	for (i = 0; i < nconns; i++)
		fuzz_peer_reset(&peers[i]);
	fuzz_pump();
	fuzz_master_teardown();
	return 0;
}
