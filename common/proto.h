/*
 * proto.h - the synexec wire format (protocol version 1 and our extensions).
 *
 * Only this header and proto.c know byte order.  Everything here is pure:
 * no I/O, no allocation.  NOTES describes the same thing for humans.
 *
 * Every frame: 11-byte header, big-endian integers
 *	u32 version (always 1)  u32 session  u8 command  u16 datalen
 * followed by datalen payload bytes.
 *
 * Commands 0..10 are the 2014 tool's.  Commands from 32 up are our extensions;
 * they are only ever sent to a peer that announced them (our slave's hello
 * carries an extension block, our master answers it with WELCOME).
 */
#ifndef SYNEXEC_PROTO_H
#define SYNEXEC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		1	/* the frame version, kept from 2014 */
#define PROTO_EXT_VERSION	1	/* our extension set, in hello/WELCOME */
#define PROTO_EXT_MAGIC		0x53594e58u	/* "SYNX" */
#define PROTO_DEFAULT_PORT	5165
#define PROTO_HDR_LEN		11
#define PROTO_MAX_PAYLOAD	65535
#define PROTO_MAX_FRAME		(PROTO_HDR_LEN + PROTO_MAX_PAYLOAD)
#define PROTO_NAME_MAX		255	/* slave names, bytes */
#define PROTO_REASON_MAX	1024	/* refusal / error texts, bytes */
#define PROTO_V1_FINISHD_LEN	48	/* 3 x (int64 sec, int64 usec), host order */

enum proto_cmd {
	/* version 1 (2014) */
	CMD_REPLY	= 0,	/* S->M hello (and answer to PROBE) */
	CMD_PROBE	= 1,	/* M->S discovery (UDP) / liveness (TCP) */
	CMD_CONF	= 2,	/* M->S whole session file (v1 slaves only) */
	CMD_CONF_OK	= 3,	/* S->M */
	CMD_CONF_NO	= 4,	/* S->M; ours carries a reason text */
	CMD_EXEC	= 5,	/* M->S start now (v1 slaves only) */
	CMD_EXEC_OK	= 6,	/* S->M */
	CMD_EXEC_NO	= 7,	/* S->M; ours carries a reason text */
	CMD_RUNNING	= 8,	/* reserved in 2014, never sent */
	CMD_STOPPED	= 9,	/* reserved in 2014, never sent */
	CMD_FINISHD	= 10,	/* S->M task ended; v1: 48 bytes, ours: proto_result */

	/* extensions (both peers ours) */
	CMD_WELCOME	= 32,	/* M->S joined; proto_welcome */
	CMD_FULL	= 33,	/* M->S session full or hello refused; reason text */
	CMD_PING	= 34,	/* M->S clock probe; proto_ping */
	CMD_PONG	= 35,	/* S->M clock probe answer; proto_pong */
	CMD_CONF_BEGIN	= 36,	/* M->S session description; proto_conf_begin */
	CMD_CONF_DATA	= 37,	/* M->S payload bytes, in order, up to 65535 per frame */
	CMD_START	= 38,	/* M->S start instant; proto_start */
	CMD_REPORT	= 39,	/* S->M periodic progress; proto_report */
	CMD_REPORT_REQ	= 40,	/* M->S ask for a report now; empty */
	CMD_OUTPUT	= 41,	/* S->M task output bytes, in order */
	CMD_ABORT	= 42,	/* M->S stop the task; reason text */
	CMD_BYE		= 43,	/* M->S session over, go back to listening; reason text */
	CMD_HEARTBEAT	= 44,	/* both ways; empty */
	CMD_ERROR	= 45,	/* both ways, before closing; reason text */
	CMD_KILL_GRACE	= 46,	/* S->M asked by WELCOME: u32 --kill-grace, ms */
	CMD_RUN		= 47,	/* M->S a campaign's run begins; proto_run */
	CMD_OUTPUT_ERR	= 53,	/* S->M task stderr bytes, in order (as OUTPUT) */
	CMD_STDERR_TAIL	= 54,	/* S->M before FINISHD: proto_stderr_tail */
	CMD_PREFLIGHT	= 55,	/* M->S check, run nothing: proto_conf_begin */
	CMD_PREFLIGHT_ANS = 56,	/* S->M the checks: proto_preflight_ans */
	CMD_AUTH_HELLO	= 48,	/* both, keyed: version, key id, nonce (auth.h) */
	CMD_AUTH_PROOF	= 49,	/* both, keyed: HMAC over both hellos */
	CMD_SEALED	= 50,	/* both, keyed: one encrypted record */
	CMD_RUN_END	= 51,	/* M->S this run is over, stay; reason text */
	CMD_METRICS	= 52,	/* S->M asked by WELCOME: the task's metrics */
};

struct proto_hdr {
	uint32_t	version;
	uint32_t	session;
	uint8_t		command;
	uint16_t	datalen;
};

enum proto_decode_status {
	PROTO_NEED_MORE = 0,	/* not a whole frame yet: read more */
	PROTO_FRAME	= 1,	/* one frame of *framelen bytes at buf */
	PROTO_MALFORMED	= -1,	/* garbage: *why says what, drop the peer */
};

/*
 * Look at the start of buf (len bytes, may be a partial frame, several frames
 * or garbage).  Checks the version, the session, that the command is known and
 * that its payload length fits the command's bounds.  On PROTO_FRAME, *hdr is
 * decoded, *payload points into buf and *framelen is the whole frame's size.
 * why is a static string (or written into whybuf, whybuf_len bytes).
 */
enum proto_decode_status proto_decode(const uint8_t *buf, size_t len,
    uint32_t session, struct proto_hdr *hdr, const uint8_t **payload,
    size_t *framelen, char *whybuf, size_t whybuf_len);

/* Header only (no bounds per command, no session check): for peers of any session. */
enum proto_decode_status proto_decode_hdr(const uint8_t *buf, size_t len,
    struct proto_hdr *hdr);

/* Write an 11-byte header. */
void	proto_encode_hdr(uint8_t *out, uint32_t session, uint8_t command,
	    uint16_t datalen);
/*
 * Header plus payload into out (outlen bytes).  Returns the frame length, or 0
 * if it does not fit or payload_len > PROTO_MAX_PAYLOAD.
 */
size_t	proto_encode(uint8_t *out, size_t outlen, uint32_t session,
	    uint8_t command, const void *payload, size_t payload_len);

const char *proto_cmd_name(unsigned command);	/* "PROBE", or "unknown" */
int	proto_cmd_known(unsigned command);

/*
 * A slave's name: 1..PROTO_NAME_MAX bytes of PROTO_NAME_CHARS, not starting
 * with '.' (names are shown in tables and used as file names).  The hello,
 * -N and the name a slave makes of its host's all go by these two.
 */
#define PROTO_NAME_CHARS	"[A-Za-z0-9._:@+-]"
bool	proto_name_char(int c);
bool	proto_name_ok(const void *name, size_t len);

/* ---- payloads of the extensions ---- */

/* REPLY from our slave: the hello. */
struct proto_hello {
	uint16_t	ext_version;
	uint16_t	flags;			/* HELLO_CAP_*: what it can do */
	uint32_t	pid;
	char		name[PROTO_NAME_MAX + 1];	/* NUL-terminated, 1..255 bytes */
};

/*
 * The hello's flags are the slave's capabilities: a master uses a feature
 * with a slave only if its bit is set, and ignores the bits it does not know.
 */
#define HELLO_CAP_CAMPAIGN	0x1	/* several runs on one connection:
					   RUN and RUN_END */
#define HELLO_CAP_METRICS	0x0002	/* sends METRICS when WELCOME asks */

/* WELCOME: the master accepted the hello. */
struct proto_welcome {
	uint16_t	ext_version;
	uint16_t	flags;		/* WELCOME_FLAG_* */
	uint32_t	heartbeat_ms;	/* master's heartbeat interval, 0 = none */
};
/* Tell me your --kill-grace: the slave answers KILL_GRACE before its PONG. */
#define WELCOME_FLAG_GRACE	0x1
/* I take METRICS frames (to a slave whose hello has HELLO_CAP_METRICS). */
#define WELCOME_FLAG_METRICS	0x2

/*
 * The hello's flags: what the slave can do (a master uses a feature with a
 * slave only if its bit is set; 2014 and older slaves of ours send 0), and
 * WELCOME's: what the master takes.  Receivers ignore unknown bits.
 */
#define HELLO_CAP_STDERR	0x0004	/* OUTPUT_ERR, STDERR_TAIL */
#define HELLO_CAP_PREFLIGHT	0x0008	/* answers PREFLIGHT */
#define WELCOME_FLAG_STDERR	0x0004	/* send OUTPUT_ERR and STDERR_TAIL */

struct proto_ping {
	uint64_t	master_mono_ns;	/* t1, echoed in the PONG */
};

struct proto_pong {
	uint64_t	master_mono_ns;	/* t1 as received */
	uint64_t	slave_mono_ns;	/* slave's CLOCK_MONOTONIC when answering */
	uint64_t	slave_real_ns;	/* slave's CLOCK_REALTIME when answering */
};

#define CONF_FLAG_COLLECT_OUTPUT	0x1	/* send OUTPUT frames */
#define CONF_FLAG_FOLLOW		0x2	/* ... as they come (line-prompt) */

struct proto_conf_begin {
	uint64_t	payload_size;	/* bytes that follow in CONF_DATA frames */
	uint32_t	slave_index;	/* 0..nslaves-1 */
	uint32_t	nslaves;
	uint32_t	report_ms;	/* progress report interval, 0 = none */
	uint32_t	flags;		/* CONF_FLAG_* */
	uint64_t	output_max;	/* bytes of output to send back, 0 = all */
	const char	*command;	/* first line of the session file, not NUL-terminated */
	uint16_t	command_len;	/* 1..4096 */
	const char	*master_addr;	/* master's address as the slave should see it */
	uint16_t	master_addr_len;	/* 0..255 */
};
#define PROTO_COMMAND_MAX	4096

/*
 * RUN: the run that the next CONF_BEGIN configures, to a slave with
 * HELLO_CAP_CAMPAIGN (the task's SYNEXEC_RUN, SYNEXEC_RUNS, SYNEXEC_REPEAT,
 * SYNEXEC_CONF).
 */
struct proto_run {
	uint32_t	run;		/* 0..runs-1, over the whole campaign */
	uint32_t	runs;		/* 1.. */
	uint32_t	repeat;		/* 0..repeats-1: of this session file */
	uint32_t	repeats;	/* 1..: --repeat */
	char		conf[PROTO_NAME_MAX + 1];	/* its base name, NUL-
					   terminated, 1..255 bytes: no NUL,
					   '/', control byte or DEL */
};

struct proto_start {
	uint64_t	slave_mono_ns;	/* release the task at this slave CLOCK_MONOTONIC */
};

enum proto_exit_kind {
	EXIT_KIND_EXITED	= 0,	/* value: exit code */
	EXIT_KIND_SIGNALED	= 1,	/* value: signal number */
	EXIT_KIND_NOT_STARTED	= 2,	/* value: errno of the failed exec / setup */
	EXIT_KIND_UNKNOWN	= 3,	/* v1 slave: not reported */
};

/* FINISHD from our slave. */
struct proto_result {
	uint64_t	start_real_ns;	/* slave CLOCK_REALTIME at release */
	uint64_t	finish_real_ns;	/* slave CLOCK_REALTIME at reap */
	int64_t		late_ns;	/* release minus scheduled instant (slave mono) */
	uint8_t		exit_kind;	/* enum proto_exit_kind */
	int32_t		exit_value;
	uint64_t	utime_us;
	uint64_t	stime_us;
	uint64_t	maxrss_kib;
	uint64_t	output_bytes;
};

/* FINISHD from a 2014 slave (decoded; the wire is in the slave's byte order). */
struct proto_v1_result {
	int64_t		start_sec, start_usec;
	int64_t		finish_sec, finish_usec;
};

enum proto_task_state {
	TASK_STATE_IDLE		= 0,
	TASK_STATE_ARMED	= 1,
	TASK_STATE_RUNNING	= 2,
	TASK_STATE_FINISHED	= 3,
};
#define PROTO_PROGRESS_MAX	255

struct proto_report {
	uint8_t		state;		/* enum proto_task_state */
	uint64_t	elapsed_ns;
	uint64_t	cpu_us;		/* user + system of the task's process group */
	uint64_t	output_bytes;
	char		progress[PROTO_PROGRESS_MAX + 1];	/* NUL-terminated */
};

/*
 * STDERR_TAIL, to a master that set WELCOME_FLAG_STDERR, before each
 * FINISHD: the size of the task's stderr file, why the task could not
 * start (empty if it did), and for a task that failed (exit not 0, a
 * signal, not started) the last lines of its stderr: at most
 * PROTO_TAIL_LINES lines and PROTO_TAIL_MAX bytes, as written (the
 * receiver makes them inert to show them).
 */
#define PROTO_TAIL_MAX		2048
#define PROTO_TAIL_LINES	10
#define STDERR_TAIL_MERGED	0x01	/* stderr goes to the output file (the
					   slave's --merge-stderr): the tail is
					   the output's, stderr_bytes 0 */
struct proto_stderr_tail {
	uint64_t	 stderr_bytes;	/* the stderr file's size at the reap */
	uint8_t		 flags;		/* STDERR_TAIL_* */
	const char	*reason;	/* printable ASCII, not NUL-terminated */
	uint16_t	 reason_len;	/* 0..PROTO_REASON_MAX */
	const uint8_t	*tail;		/* bytes as written */
	uint16_t	 tail_len;	/* 0..PROTO_TAIL_MAX */
};

/*
 * PREFLIGHT_ANS: one verdict per check of the session as the slave would
 * run it (PREFLIGHT carries CONF_BEGIN's description; nothing is written
 * or run).  A receiver shows a check it does not know as "check N".
 */
enum proto_preflight_check {
	PREFLIGHT_COMMAND	= 1,	/* the command splits, exists, may be
					   executed by the task's user */
	PREFLIGHT_ALLOW		= 2,	/* --allow permits it */
	PREFLIGHT_SIZE		= 3,	/* the payload fits --max-conf-size */
	PREFLIGHT_SPACE		= 4,	/* -T takes it: usable, room enough */
	PREFLIGHT_OUTPUT	= 5,	/* -o can be written, ours alone */
	PREFLIGHT_STDERR	= 6,	/* -e can be written, ours alone */
};
enum proto_preflight_verdict {
	PREFLIGHT_OK		= 0,
	PREFLIGHT_FAILS		= 1,
	PREFLIGHT_SKIPPED	= 2,	/* not checked (it depends on a check
					   that failed) */
};
#define PROTO_PREFLIGHT_MAX	16	/* checks in one answer */
struct proto_preflight_item {
	uint8_t		 check;		/* enum proto_preflight_check */
	uint8_t		 verdict;	/* enum proto_preflight_verdict */
	const char	*text;		/* printable ASCII, not NUL-terminated */
	uint16_t	 text_len;	/* 0..PROTO_REASON_MAX */
};
struct proto_preflight_ans {
	uint8_t				n;	/* 1..PROTO_PREFLIGHT_MAX */
	struct proto_preflight_item	item[PROTO_PREFLIGHT_MAX];
};
/* "command", "allow", ...; NULL for a check we do not know. */
const char *proto_preflight_check_name(unsigned check);

/*
 * METRICS: the task's metrics ("metric NAME=VALUE [UNIT]" lines on its
 * progress channel) that changed since the last METRICS, and the slave's
 * complaints about lines it refused, each kind once (NOTES sections 1, 5).
 */
#define PROTO_METRICS_MAX	64	/* names a slave keeps, and per frame */
#define PROTO_METRIC_NAME_MAX	64	/* bytes of [A-Za-z0-9_.:-] */
#define PROTO_METRIC_NAME_CHARS	"[A-Za-z0-9_.:-]"
#define PROTO_METRIC_UNIT_MAX	16	/* printable ASCII, no blank */
#define PROTO_METRIC_ERROR_MAX	512	/* bytes of an error's text */

enum proto_metric_error {
	METRIC_ERROR_MALFORMED	= 1,	/* a line it could not read */
	METRIC_ERROR_TOO_MANY	= 2,	/* a name beyond PROTO_METRICS_MAX */
	METRIC_ERROR_KINDS	= 2,	/* the highest kind */
};

struct proto_metric {
	char		name[PROTO_METRIC_NAME_MAX + 1];	/* NUL-terminated */
	char		unit[PROTO_METRIC_UNIT_MAX + 1];	/* "": none */
	double		value;		/* finite */
};

struct proto_metric_err {
	uint8_t		kind;		/* enum proto_metric_error */
	char		text[PROTO_METRIC_ERROR_MAX + 1];	/* NUL-terminated */
};

struct proto_metrics {
	uint8_t			n;	/* 0..PROTO_METRICS_MAX */
	struct proto_metric	m[PROTO_METRICS_MAX];
	uint8_t			nerr;	/* 0..METRIC_ERROR_KINDS */
	struct proto_metric_err	err[METRIC_ERROR_KINDS];
};

/* A metric's name: 1..PROTO_METRIC_NAME_MAX of PROTO_METRIC_NAME_CHARS. */
bool	proto_metric_name_ok(const void *name, size_t len);
/* A unit: 0..PROTO_METRIC_UNIT_MAX bytes of printable ASCII but blanks. */
bool	proto_metric_unit_ok(const void *unit, size_t len);

/*
 * Each encoder writes the payload into out (outlen bytes) and returns its
 * length, or 0 if it does not fit or a field is out of bounds.
 * Each decoder returns 0, or -1 with *why set to a static reason.
 */
size_t	proto_hello_encode(uint8_t *out, size_t outlen, const struct proto_hello *);
int	proto_hello_decode(const uint8_t *p, size_t len, struct proto_hello *,
	    const char **why);
size_t	proto_welcome_encode(uint8_t *out, size_t outlen, const struct proto_welcome *);
int	proto_welcome_decode(const uint8_t *p, size_t len, struct proto_welcome *,
	    const char **why);
/* KILL_GRACE: the slave's --kill-grace in milliseconds. */
size_t	proto_kill_grace_encode(uint8_t *out, size_t outlen, uint32_t ms);
int	proto_kill_grace_decode(const uint8_t *p, size_t len, uint32_t *ms,
	    const char **why);
size_t	proto_ping_encode(uint8_t *out, size_t outlen, const struct proto_ping *);
int	proto_ping_decode(const uint8_t *p, size_t len, struct proto_ping *,
	    const char **why);
size_t	proto_pong_encode(uint8_t *out, size_t outlen, const struct proto_pong *);
int	proto_pong_decode(const uint8_t *p, size_t len, struct proto_pong *,
	    const char **why);
/* command/master_addr of the decoded struct point into p. */
size_t	proto_conf_begin_encode(uint8_t *out, size_t outlen,
	    const struct proto_conf_begin *);
int	proto_conf_begin_decode(const uint8_t *p, size_t len,
	    struct proto_conf_begin *, const char **why);
size_t	proto_run_encode(uint8_t *out, size_t outlen, const struct proto_run *);
int	proto_run_decode(const uint8_t *p, size_t len, struct proto_run *,
	    const char **why);
/* May c be a byte of proto_run's conf (a file's base name)? */
bool	proto_run_conf_char(int c);
/* STDERR_TAIL: reason and tail of the decoded struct point into p. */
size_t	proto_stderr_tail_encode(uint8_t *out, size_t outlen,
	    const struct proto_stderr_tail *);
int	proto_stderr_tail_decode(const uint8_t *p, size_t len,
	    struct proto_stderr_tail *, const char **why);
/* PREFLIGHT_ANS: the texts of the decoded struct point into p. */
size_t	proto_preflight_ans_encode(uint8_t *out, size_t outlen,
	    const struct proto_preflight_ans *);
int	proto_preflight_ans_decode(const uint8_t *p, size_t len,
	    struct proto_preflight_ans *, const char **why);
size_t	proto_start_encode(uint8_t *out, size_t outlen, const struct proto_start *);
int	proto_start_decode(const uint8_t *p, size_t len, struct proto_start *,
	    const char **why);
size_t	proto_result_encode(uint8_t *out, size_t outlen, const struct proto_result *);
int	proto_result_decode(const uint8_t *p, size_t len, struct proto_result *,
	    const char **why);
size_t	proto_report_encode(uint8_t *out, size_t outlen, const struct proto_report *);
int	proto_report_decode(const uint8_t *p, size_t len, struct proto_report *,
	    const char **why);
size_t	proto_metrics_encode(uint8_t *out, size_t outlen,
	    const struct proto_metrics *);
int	proto_metrics_decode(const uint8_t *p, size_t len, struct proto_metrics *,
	    const char **why);

/* The 2014 FINISHD payload: host byte order on the slave's side. */
size_t	proto_v1_result_encode(uint8_t *out, size_t outlen,
	    const struct proto_v1_result *);
/* Accepts the slave's byte order if it differs from ours (guessed from usec < 1e6). */
int	proto_v1_result_decode(const uint8_t *p, size_t len,
	    struct proto_v1_result *, const char **why);

/*
 * Reason texts (CONF_NO, EXEC_NO, FULL, ABORT, BYE, ERROR): printable bytes,
 * at most PROTO_REASON_MAX.  Copies into out (outlen >= PROTO_REASON_MAX+1),
 * replacing non-printable bytes with '?'.  Returns the length.
 */
size_t	proto_reason_copy(char *out, size_t outlen, const uint8_t *p, size_t len);

#endif
