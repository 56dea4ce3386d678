/*
 * proto.c - encode and decode synexec frames and payloads.
 *
 * Pure functions: no I/O, no allocation.  Every length is checked before a
 * field is read; byte order is converted here and nowhere else.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* Payload bounds per known command; everything else is unknown. */
struct cmd_info {
	const char	*name;
	uint16_t	min_len;
	uint16_t	max_len;
};

#define RESULT_LEN	(8 + 8 + 8 + 1 + 4 + 8 + 8 + 8 + 8)
#define REPORT_FIXED	(1 + 8 + 8 + 8 + 1)
#define HELLO_FIXED	(4 + 2 + 2 + 4 + 1)
#define CONF_BEGIN_FIXED (8 + 4 + 4 + 4 + 4 + 8 + 2 + 2)
#define RUN_FIXED	(4 + 4 + 4 + 4 + 1)
#define TAIL_FIXED	(8 + 1 + 2)
#define PF_ITEM_FIXED	(1 + 1 + 2)
/* METRICS: counts, then entries (lengths, value, name, unit), then errors. */
#define METRICS_FIXED	(1 + 1)
#define METRIC_FIXED	(1 + 1 + 8)
#define METRIC_ERR_FIXED (1 + 2)
#define METRICS_MAX_LEN	(METRICS_FIXED + PROTO_METRICS_MAX * (METRIC_FIXED + \
			 PROTO_METRIC_NAME_MAX + PROTO_METRIC_UNIT_MAX) + \
			 METRIC_ERROR_KINDS * (METRIC_ERR_FIXED + \
			 PROTO_METRIC_ERROR_MAX))
_Static_assert(METRICS_MAX_LEN <= PROTO_MAX_PAYLOAD, "METRICS fits a frame");
_Static_assert(sizeof(double) == 8, "a double is IEEE 754 binary64");

static const struct cmd_info cmd_table[] = {
	[CMD_REPLY]	 = { "REPLY",      0, 1024 },
	[CMD_PROBE]	 = { "PROBE",      0, 0 },
	[CMD_CONF]	 = { "CONF",       0, PROTO_MAX_PAYLOAD },
	[CMD_CONF_OK]	 = { "CONF_OK",    0, 0 },
	[CMD_CONF_NO]	 = { "CONF_NO",    0, PROTO_REASON_MAX },
	[CMD_EXEC]	 = { "EXEC",       0, 0 },
	[CMD_EXEC_OK]	 = { "EXEC_OK",    0, 0 },
	[CMD_EXEC_NO]	 = { "EXEC_NO",    0, PROTO_REASON_MAX },
	[CMD_RUNNING]	 = { "RUNNING",    0, 0 },
	[CMD_STOPPED]	 = { "STOPPED",    0, 0 },
	[CMD_FINISHD]	 = { "FINISHD",    0, 128 },
	[CMD_WELCOME]	 = { "WELCOME",    8, 8 },
	[CMD_FULL]	 = { "FULL",       0, PROTO_REASON_MAX },
	[CMD_PING]	 = { "PING",       8, 8 },
	[CMD_PONG]	 = { "PONG",       24, 24 },
	[CMD_CONF_BEGIN] = { "CONF_BEGIN", CONF_BEGIN_FIXED + 1,
			     CONF_BEGIN_FIXED + PROTO_COMMAND_MAX + PROTO_NAME_MAX },
	[CMD_CONF_DATA]	 = { "CONF_DATA",  1, PROTO_MAX_PAYLOAD },
	[CMD_START]	 = { "START",      8, 8 },
	[CMD_REPORT]	 = { "REPORT",     REPORT_FIXED,
			     REPORT_FIXED + PROTO_PROGRESS_MAX },
	[CMD_REPORT_REQ] = { "REPORT_REQ", 0, 0 },
	[CMD_OUTPUT]	 = { "OUTPUT",     1, PROTO_MAX_PAYLOAD },
	[CMD_ABORT]	 = { "ABORT",      0, PROTO_REASON_MAX },
	[CMD_BYE]	 = { "BYE",        0, PROTO_REASON_MAX },
	[CMD_HEARTBEAT]	 = { "HEARTBEAT",  0, 0 },
	[CMD_ERROR]	 = { "ERROR",      0, PROTO_REASON_MAX },
	[CMD_KILL_GRACE] = { "KILL_GRACE", 4, 4 },
	[CMD_RUN]	 = { "RUN",        RUN_FIXED + 1,
			     RUN_FIXED + PROTO_NAME_MAX },
	[CMD_OUTPUT_ERR] = { "OUTPUT_ERR", 1, PROTO_MAX_PAYLOAD },
	[CMD_STDERR_TAIL] = { "STDERR_TAIL", TAIL_FIXED,
			     TAIL_FIXED + PROTO_REASON_MAX + PROTO_TAIL_MAX },
	[CMD_PREFLIGHT]	 = { "PREFLIGHT",  CONF_BEGIN_FIXED + 1,
			     CONF_BEGIN_FIXED + PROTO_COMMAND_MAX + PROTO_NAME_MAX },
	[CMD_PREFLIGHT_ANS] = { "PREFLIGHT_ANS", 1 + PF_ITEM_FIXED,
			     1 + PROTO_PREFLIGHT_MAX * (PF_ITEM_FIXED +
			     PROTO_REASON_MAX) },
	/* keyed sessions (auth.c): exact sizes, a record holds >= 1 byte */
	[CMD_AUTH_HELLO] = { "AUTH_HELLO", 44, 44 },
	[CMD_AUTH_PROOF] = { "AUTH_PROOF", 32, 32 },
	[CMD_SEALED]	 = { "SEALED",     17, PROTO_MAX_PAYLOAD },
	[CMD_RUN_END]	 = { "RUN_END",    0, PROTO_REASON_MAX },
	[CMD_METRICS]	 = { "METRICS",    METRICS_FIXED, METRICS_MAX_LEN },
};
#define CMD_TABLE_LEN	(sizeof(cmd_table) / sizeof(cmd_table[0]))

int
proto_cmd_known(unsigned command)
{
	return command < CMD_TABLE_LEN && cmd_table[command].name != NULL;
}

const char *
proto_cmd_name(unsigned command)
{
	return proto_cmd_known(command) ? cmd_table[command].name : "unknown";
}

/* ---- big-endian helpers ---- */

static void
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, v >> 32);
	put_u32(p + 4, (uint32_t)v);
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* ---- frames ---- */

void
proto_encode_hdr(uint8_t *out, uint32_t session, uint8_t command,
    uint16_t datalen)
{
	put_u32(out, PROTO_VERSION);
	put_u32(out + 4, session);
	out[8] = command;
	put_u16(out + 9, datalen);
}

size_t
proto_encode(uint8_t *out, size_t outlen, uint32_t session, uint8_t command,
    const void *payload, size_t payload_len)
{
	if (payload_len > PROTO_MAX_PAYLOAD ||
	    outlen < PROTO_HDR_LEN + payload_len)
		return 0;
	proto_encode_hdr(out, session, command, (uint16_t)payload_len);
	if (payload_len > 0)
		memcpy(out + PROTO_HDR_LEN, payload, payload_len);
	return PROTO_HDR_LEN + payload_len;
}

enum proto_decode_status
proto_decode_hdr(const uint8_t *buf, size_t len, struct proto_hdr *hdr)
{
	if (len < PROTO_HDR_LEN)
		return PROTO_NEED_MORE;
	hdr->version = get_u32(buf);
	hdr->session = get_u32(buf + 4);
	hdr->command = buf[8];
	hdr->datalen = get_u16(buf + 9);
	return PROTO_FRAME;
}

enum proto_decode_status
proto_decode(const uint8_t *buf, size_t len, uint32_t session,
    struct proto_hdr *hdr, const uint8_t **payload, size_t *framelen,
    char *whybuf, size_t whybuf_len)
{
	const struct cmd_info *info;

	if (proto_decode_hdr(buf, len, hdr) == PROTO_NEED_MORE)
		return PROTO_NEED_MORE;
	/*
	 * Judge the header as soon as it is complete: a peer sending garbage
	 * is dropped at once, not after we waited for a payload it announced.
	 */
	if (hdr->version != PROTO_VERSION) {
		snprintf(whybuf, whybuf_len,
		    "protocol version %u, we speak version %u",
		    hdr->version, PROTO_VERSION);
		return PROTO_MALFORMED;
	}
	if (hdr->session != session) {
		snprintf(whybuf, whybuf_len, "session %u, ours is %u",
		    hdr->session, session);
		return PROTO_MALFORMED;
	}
	if (!proto_cmd_known(hdr->command)) {
		snprintf(whybuf, whybuf_len, "unknown command %u",
		    hdr->command);
		return PROTO_MALFORMED;
	}
	info = &cmd_table[hdr->command];
	if (hdr->datalen < info->min_len || hdr->datalen > info->max_len) {
		snprintf(whybuf, whybuf_len,
		    "%s with %u payload bytes (allowed %u..%u)", info->name,
		    hdr->datalen, info->min_len, info->max_len);
		return PROTO_MALFORMED;
	}
	if (len < (size_t)PROTO_HDR_LEN + hdr->datalen)
		return PROTO_NEED_MORE;
	*payload = buf + PROTO_HDR_LEN;
	*framelen = PROTO_HDR_LEN + (size_t)hdr->datalen;
	return PROTO_FRAME;
}

/* ---- payloads ---- */

size_t
proto_hello_encode(uint8_t *out, size_t outlen, const struct proto_hello *h)
{
	size_t namelen = strnlen(h->name, sizeof(h->name));

	if (namelen == 0 || namelen > PROTO_NAME_MAX ||
	    outlen < HELLO_FIXED + namelen)
		return 0;
	put_u32(out, PROTO_EXT_MAGIC);
	put_u16(out + 4, h->ext_version);
	put_u16(out + 6, h->flags);
	put_u32(out + 8, h->pid);
	out[12] = (uint8_t)namelen;
	memcpy(out + HELLO_FIXED, h->name, namelen);
	return HELLO_FIXED + namelen;
}

bool
proto_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == ':' || c == '@' || c == '+';
}

bool
proto_name_ok(const void *name, size_t len)
{
	const uint8_t	*p = name;
	size_t		 i;

	if (len == 0 || len > PROTO_NAME_MAX || p[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!proto_name_char(p[i]))
			return false;
	return true;
}

int
proto_hello_decode(const uint8_t *p, size_t len, struct proto_hello *h,
    const char **why)
{
	size_t namelen;

	if (len < HELLO_FIXED) {
		*why = "hello too short";
		return -1;
	}
	if (get_u32(p) != PROTO_EXT_MAGIC) {
		*why = "hello without the SYNX extension magic";
		return -1;
	}
	h->ext_version = get_u16(p + 4);
	h->flags = get_u16(p + 6);
	h->pid = get_u32(p + 8);
	namelen = p[12];
	if (namelen == 0) {
		*why = "hello with an empty name";
		return -1;
	}
	if (len != HELLO_FIXED + namelen) {
		*why = "hello length does not match its name length";
		return -1;
	}
	if (!proto_name_ok(p + HELLO_FIXED, namelen)) {
		*why = "hello name has a character outside " PROTO_NAME_CHARS
		    " or starts with '.'";
		return -1;
	}
	memcpy(h->name, p + HELLO_FIXED, namelen);
	h->name[namelen] = '\0';
	return 0;
}

size_t
proto_welcome_encode(uint8_t *out, size_t outlen, const struct proto_welcome *w)
{
	if (outlen < 8)
		return 0;
	put_u16(out, w->ext_version);
	put_u16(out + 2, w->flags);
	put_u32(out + 4, w->heartbeat_ms);
	return 8;
}

int
proto_welcome_decode(const uint8_t *p, size_t len, struct proto_welcome *w,
    const char **why)
{
	if (len != 8) {
		*why = "WELCOME must be 8 bytes";
		return -1;
	}
	w->ext_version = get_u16(p);
	w->flags = get_u16(p + 2);
	w->heartbeat_ms = get_u32(p + 4);
	return 0;
}

size_t
proto_kill_grace_encode(uint8_t *out, size_t outlen, uint32_t ms)
{
	if (outlen < 4)
		return 0;
	put_u32(out, ms);
	return 4;
}

int
proto_kill_grace_decode(const uint8_t *p, size_t len, uint32_t *ms,
    const char **why)
{
	if (len != 4) {
		*why = "KILL_GRACE must be 4 bytes";
		return -1;
	}
	*ms = get_u32(p);
	return 0;
}

size_t
proto_ping_encode(uint8_t *out, size_t outlen, const struct proto_ping *ping)
{
	if (outlen < 8)
		return 0;
	put_u64(out, ping->master_mono_ns);
	return 8;
}

int
proto_ping_decode(const uint8_t *p, size_t len, struct proto_ping *ping,
    const char **why)
{
	if (len != 8) {
		*why = "PING must be 8 bytes";
		return -1;
	}
	ping->master_mono_ns = get_u64(p);
	return 0;
}

size_t
proto_pong_encode(uint8_t *out, size_t outlen, const struct proto_pong *pong)
{
	if (outlen < 24)
		return 0;
	put_u64(out, pong->master_mono_ns);
	put_u64(out + 8, pong->slave_mono_ns);
	put_u64(out + 16, pong->slave_real_ns);
	return 24;
}

int
proto_pong_decode(const uint8_t *p, size_t len, struct proto_pong *pong,
    const char **why)
{
	if (len != 24) {
		*why = "PONG must be 24 bytes";
		return -1;
	}
	pong->master_mono_ns = get_u64(p);
	pong->slave_mono_ns = get_u64(p + 8);
	pong->slave_real_ns = get_u64(p + 16);
	return 0;
}

size_t
proto_conf_begin_encode(uint8_t *out, size_t outlen,
    const struct proto_conf_begin *c)
{
	size_t need = CONF_BEGIN_FIXED + c->command_len + c->master_addr_len;

	if (c->command_len == 0 || c->command_len > PROTO_COMMAND_MAX ||
	    c->master_addr_len > PROTO_NAME_MAX || outlen < need ||
	    c->nslaves == 0 || c->slave_index >= c->nslaves)
		return 0;
	put_u64(out, c->payload_size);
	put_u32(out + 8, c->slave_index);
	put_u32(out + 12, c->nslaves);
	put_u32(out + 16, c->report_ms);
	put_u32(out + 20, c->flags);
	put_u64(out + 24, c->output_max);
	put_u16(out + 32, c->command_len);
	put_u16(out + 34, c->master_addr_len);
	memcpy(out + CONF_BEGIN_FIXED, c->command, c->command_len);
	if (c->master_addr_len > 0)
		memcpy(out + CONF_BEGIN_FIXED + c->command_len, c->master_addr,
		    c->master_addr_len);
	return need;
}

int
proto_conf_begin_decode(const uint8_t *p, size_t len,
    struct proto_conf_begin *c, const char **why)
{
	size_t i;

	if (len < CONF_BEGIN_FIXED) {
		*why = "CONF_BEGIN too short";
		return -1;
	}
	c->payload_size = get_u64(p);
	c->slave_index = get_u32(p + 8);
	c->nslaves = get_u32(p + 12);
	c->report_ms = get_u32(p + 16);
	c->flags = get_u32(p + 20);
	c->output_max = get_u64(p + 24);
	c->command_len = get_u16(p + 32);
	c->master_addr_len = get_u16(p + 34);
	if (c->command_len == 0 || c->command_len > PROTO_COMMAND_MAX) {
		*why = "CONF_BEGIN command length out of range 1..4096";
		return -1;
	}
	if (c->master_addr_len > PROTO_NAME_MAX) {
		*why = "CONF_BEGIN master address longer than 255 bytes";
		return -1;
	}
	if (len != CONF_BEGIN_FIXED + (size_t)c->command_len +
	    c->master_addr_len) {
		*why = "CONF_BEGIN length does not match its string lengths";
		return -1;
	}
	if (c->nslaves == 0 || c->slave_index >= c->nslaves) {
		*why = "CONF_BEGIN slave index not below the slave count";
		return -1;
	}
	c->command = (const char *)p + CONF_BEGIN_FIXED;
	c->master_addr = c->command + c->command_len;
	for (i = 0; i < c->command_len; i++) {
		if (p[CONF_BEGIN_FIXED + i] == '\0' ||
		    p[CONF_BEGIN_FIXED + i] == '\n') {
			*why = "CONF_BEGIN command holds a NUL or newline";
			return -1;
		}
	}
	for (i = 0; i < c->master_addr_len; i++) {
		uint8_t ch = (uint8_t)c->master_addr[i];
		if (ch <= ' ' || ch >= 0x7f) {
			*why = "CONF_BEGIN master address not printable";
			return -1;
		}
	}
	return 0;
}

bool
proto_run_conf_char(int c)
{
	return c >= 0x20 && c != 0x7f && c != '/' && c < 0x100;
}

size_t
proto_run_encode(uint8_t *out, size_t outlen, const struct proto_run *r)
{
	size_t len = strnlen(r->conf, sizeof(r->conf)), i;

	if (len == 0 || len > PROTO_NAME_MAX || outlen < RUN_FIXED + len ||
	    r->runs == 0 || r->run >= r->runs || r->repeats == 0 ||
	    r->repeat >= r->repeats)
		return 0;
	for (i = 0; i < len; i++)
		if (!proto_run_conf_char((unsigned char)r->conf[i]))
			return 0;
	put_u32(out, r->run);
	put_u32(out + 4, r->runs);
	put_u32(out + 8, r->repeat);
	put_u32(out + 12, r->repeats);
	out[16] = (uint8_t)len;
	memcpy(out + RUN_FIXED, r->conf, len);
	return RUN_FIXED + len;
}

int
proto_run_decode(const uint8_t *p, size_t len, struct proto_run *r,
    const char **why)
{
	size_t clen, i;

	if (len < RUN_FIXED) {
		*why = "RUN too short";
		return -1;
	}
	r->run = get_u32(p);
	r->runs = get_u32(p + 4);
	r->repeat = get_u32(p + 8);
	r->repeats = get_u32(p + 12);
	clen = p[16];
	if (clen == 0 || len != RUN_FIXED + clen) {
		*why = "RUN length does not match its session file name's";
		return -1;
	}
	if (r->runs == 0 || r->run >= r->runs) {
		*why = "RUN run not below the run count";
		return -1;
	}
	if (r->repeats == 0 || r->repeat >= r->repeats) {
		*why = "RUN repeat not below the repeat count";
		return -1;
	}
	for (i = 0; i < clen; i++) {
		if (!proto_run_conf_char(p[RUN_FIXED + i])) {
			*why = "RUN session file name holds '/', a control "
			    "byte or DEL";
			return -1;
		}
	}
	memcpy(r->conf, p + RUN_FIXED, clen);
	r->conf[clen] = '\0';
	return 0;
}

size_t
proto_stderr_tail_encode(uint8_t *out, size_t outlen,
    const struct proto_stderr_tail *t)
{
	size_t need = TAIL_FIXED + (size_t)t->reason_len + t->tail_len;

	if (t->reason_len > PROTO_REASON_MAX || t->tail_len > PROTO_TAIL_MAX ||
	    outlen < need)
		return 0;
	put_u64(out, t->stderr_bytes);
	out[8] = t->flags;
	put_u16(out + 9, t->reason_len);
	if (t->reason_len > 0)
		memcpy(out + TAIL_FIXED, t->reason, t->reason_len);
	if (t->tail_len > 0)
		memcpy(out + TAIL_FIXED + t->reason_len, t->tail, t->tail_len);
	return need;
}

int
proto_stderr_tail_decode(const uint8_t *p, size_t len,
    struct proto_stderr_tail *t, const char **why)
{
	if (len < TAIL_FIXED) {
		*why = "STDERR_TAIL too short";
		return -1;
	}
	t->stderr_bytes = get_u64(p);
	t->flags = p[8];
	t->reason_len = get_u16(p + 9);
	if (t->reason_len > PROTO_REASON_MAX) {
		*why = "STDERR_TAIL reason longer than 1024 bytes";
		return -1;
	}
	if (len < TAIL_FIXED + (size_t)t->reason_len) {
		*why = "STDERR_TAIL shorter than its reason length";
		return -1;
	}
	if (len - TAIL_FIXED - t->reason_len > PROTO_TAIL_MAX) {
		*why = "STDERR_TAIL tail longer than 2048 bytes";
		return -1;
	}
	t->reason = (const char *)p + TAIL_FIXED;
	t->tail = p + TAIL_FIXED + t->reason_len;
	t->tail_len = (uint16_t)(len - TAIL_FIXED - t->reason_len);
	return 0;
}

const char *
proto_preflight_check_name(unsigned check)
{
	switch (check) {
	case PREFLIGHT_COMMAND:	return "command";
	case PREFLIGHT_ALLOW:	return "allow";
	case PREFLIGHT_SIZE:	return "size";
	case PREFLIGHT_SPACE:	return "space";
	case PREFLIGHT_OUTPUT:	return "output";
	case PREFLIGHT_STDERR:	return "stderr";
	default:		return NULL;
	}
}

size_t
proto_preflight_ans_encode(uint8_t *out, size_t outlen,
    const struct proto_preflight_ans *a)
{
	size_t	off = 1, i;

	if (a->n == 0 || a->n > PROTO_PREFLIGHT_MAX || outlen < 1)
		return 0;
	out[0] = a->n;
	for (i = 0; i < a->n; i++) {
		const struct proto_preflight_item *it = &a->item[i];

		if (it->text_len > PROTO_REASON_MAX ||
		    it->verdict > PREFLIGHT_SKIPPED ||
		    outlen - off < PF_ITEM_FIXED + (size_t)it->text_len)
			return 0;
		out[off] = it->check;
		out[off + 1] = it->verdict;
		put_u16(out + off + 2, it->text_len);
		if (it->text_len > 0)
			memcpy(out + off + PF_ITEM_FIXED, it->text,
			    it->text_len);
		off += PF_ITEM_FIXED + it->text_len;
	}
	return off;
}

int
proto_preflight_ans_decode(const uint8_t *p, size_t len,
    struct proto_preflight_ans *a, const char **why)
{
	size_t	off = 1, i;

	if (len < 1 + PF_ITEM_FIXED) {
		*why = "PREFLIGHT_ANS too short";
		return -1;
	}
	a->n = p[0];
	if (a->n == 0 || a->n > PROTO_PREFLIGHT_MAX) {
		*why = "PREFLIGHT_ANS check count out of range 1..16";
		return -1;
	}
	for (i = 0; i < a->n; i++) {
		struct proto_preflight_item *it = &a->item[i];

		if (len - off < PF_ITEM_FIXED) {
			*why = "PREFLIGHT_ANS shorter than its checks";
			return -1;
		}
		it->check = p[off];
		it->verdict = p[off + 1];
		it->text_len = get_u16(p + off + 2);
		if (it->verdict > PREFLIGHT_SKIPPED) {
			*why = "PREFLIGHT_ANS with an unknown verdict";
			return -1;
		}
		if (it->text_len > PROTO_REASON_MAX) {
			*why = "PREFLIGHT_ANS text longer than 1024 bytes";
			return -1;
		}
		if (len - off - PF_ITEM_FIXED < it->text_len) {
			*why = "PREFLIGHT_ANS shorter than its texts";
			return -1;
		}
		it->text = (const char *)p + off + PF_ITEM_FIXED;
		off += PF_ITEM_FIXED + it->text_len;
	}
	if (off != len) {
		*why = "PREFLIGHT_ANS length does not match its checks";
		return -1;
	}
	return 0;
}

size_t
proto_start_encode(uint8_t *out, size_t outlen, const struct proto_start *s)
{
	if (outlen < 8)
		return 0;
	put_u64(out, s->slave_mono_ns);
	return 8;
}

int
proto_start_decode(const uint8_t *p, size_t len, struct proto_start *s,
    const char **why)
{
	if (len != 8) {
		*why = "START must be 8 bytes";
		return -1;
	}
	s->slave_mono_ns = get_u64(p);
	return 0;
}

size_t
proto_result_encode(uint8_t *out, size_t outlen, const struct proto_result *r)
{
	if (outlen < RESULT_LEN || r->exit_kind > EXIT_KIND_UNKNOWN)
		return 0;
	put_u64(out, r->start_real_ns);
	put_u64(out + 8, r->finish_real_ns);
	put_u64(out + 16, (uint64_t)r->late_ns);
	out[24] = r->exit_kind;
	put_u32(out + 25, (uint32_t)r->exit_value);
	put_u64(out + 29, r->utime_us);
	put_u64(out + 37, r->stime_us);
	put_u64(out + 45, r->maxrss_kib);
	put_u64(out + 53, r->output_bytes);
	return RESULT_LEN;
}

int
proto_result_decode(const uint8_t *p, size_t len, struct proto_result *r,
    const char **why)
{
	if (len != RESULT_LEN) {
		*why = "FINISHD result must be 61 bytes";
		return -1;
	}
	r->start_real_ns = get_u64(p);
	r->finish_real_ns = get_u64(p + 8);
	r->late_ns = (int64_t)get_u64(p + 16);
	r->exit_kind = p[24];
	r->exit_value = (int32_t)get_u32(p + 25);
	r->utime_us = get_u64(p + 29);
	r->stime_us = get_u64(p + 37);
	r->maxrss_kib = get_u64(p + 45);
	r->output_bytes = get_u64(p + 53);
	if (r->exit_kind > EXIT_KIND_UNKNOWN) {
		*why = "FINISHD with an unknown exit kind";
		return -1;
	}
	if (r->exit_kind == EXIT_KIND_EXITED &&
	    (r->exit_value < 0 || r->exit_value > 255)) {
		*why = "FINISHD exit code out of range 0..255";
		return -1;
	}
	if (r->exit_kind == EXIT_KIND_SIGNALED &&
	    (r->exit_value < 1 || r->exit_value > 128)) {
		*why = "FINISHD signal number out of range 1..128";
		return -1;
	}
	if (r->finish_real_ns < r->start_real_ns &&
	    r->exit_kind != EXIT_KIND_NOT_STARTED) {
		*why = "FINISHD finish time before start time";
		return -1;
	}
	return 0;
}

size_t
proto_report_encode(uint8_t *out, size_t outlen, const struct proto_report *r)
{
	size_t plen = strnlen(r->progress, sizeof(r->progress));

	if (plen > PROTO_PROGRESS_MAX || outlen < REPORT_FIXED + plen ||
	    r->state > TASK_STATE_FINISHED)
		return 0;
	out[0] = r->state;
	put_u64(out + 1, r->elapsed_ns);
	put_u64(out + 9, r->cpu_us);
	put_u64(out + 17, r->output_bytes);
	out[25] = (uint8_t)plen;
	memcpy(out + REPORT_FIXED, r->progress, plen);
	return REPORT_FIXED + plen;
}

int
proto_report_decode(const uint8_t *p, size_t len, struct proto_report *r,
    const char **why)
{
	size_t plen;

	if (len < REPORT_FIXED) {
		*why = "REPORT too short";
		return -1;
	}
	r->state = p[0];
	if (r->state > TASK_STATE_FINISHED) {
		*why = "REPORT with an unknown task state";
		return -1;
	}
	r->elapsed_ns = get_u64(p + 1);
	r->cpu_us = get_u64(p + 9);
	r->output_bytes = get_u64(p + 17);
	plen = p[25];
	if (len != REPORT_FIXED + plen) {
		*why = "REPORT length does not match its text length";
		return -1;
	}
	proto_reason_copy(r->progress, sizeof(r->progress), p + REPORT_FIXED,
	    plen);
	return 0;
}

bool
proto_metric_name_ok(const void *name, size_t len)
{
	const uint8_t	*p = name;
	size_t		 i;

	if (len == 0 || len > PROTO_METRIC_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == ':' || c == '-'))
			return false;
	}
	return true;
}

bool
proto_metric_unit_ok(const void *unit, size_t len)
{
	const uint8_t	*p = unit;
	size_t		 i;

	if (len > PROTO_METRIC_UNIT_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

/* The text of a metric error: 1..PROTO_METRIC_ERROR_MAX printable bytes. */
static bool
proto_metric_text_ok(const void *text, size_t len)
{
	const uint8_t	*p = text;
	size_t		 i;

	if (len == 0 || len > PROTO_METRIC_ERROR_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] < ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

size_t
proto_metrics_encode(uint8_t *out, size_t outlen, const struct proto_metrics *m)
{
	size_t		off = METRICS_FIXED, nl, ul, tl, i;
	uint64_t	bits;

	if (m->n > PROTO_METRICS_MAX || m->nerr > METRIC_ERROR_KINDS ||
	    outlen < METRICS_FIXED)
		return 0;
	out[0] = m->n;
	out[1] = m->nerr;
	for (i = 0; i < m->n; i++) {
		const struct proto_metric *e = &m->m[i];

		nl = strnlen(e->name, sizeof(e->name));
		ul = strnlen(e->unit, sizeof(e->unit));
		if (!proto_metric_name_ok(e->name, nl) ||
		    !proto_metric_unit_ok(e->unit, ul) || !isfinite(e->value) ||
		    outlen - off < METRIC_FIXED + nl + ul)
			return 0;
		memcpy(&bits, &e->value, sizeof(bits));
		out[off] = (uint8_t)nl;
		out[off + 1] = (uint8_t)ul;
		put_u64(out + off + 2, bits);
		memcpy(out + off + METRIC_FIXED, e->name, nl);
		memcpy(out + off + METRIC_FIXED + nl, e->unit, ul);
		off += METRIC_FIXED + nl + ul;
	}
	for (i = 0; i < m->nerr; i++) {
		const struct proto_metric_err *e = &m->err[i];

		tl = strnlen(e->text, sizeof(e->text));
		if (e->kind < 1 || e->kind > METRIC_ERROR_KINDS ||
		    !proto_metric_text_ok(e->text, tl) ||
		    outlen - off < METRIC_ERR_FIXED + tl)
			return 0;
		out[off] = e->kind;
		put_u16(out + off + 1, (uint16_t)tl);
		memcpy(out + off + METRIC_ERR_FIXED, e->text, tl);
		off += METRIC_ERR_FIXED + tl;
	}
	return off;
}

int
proto_metrics_decode(const uint8_t *p, size_t len, struct proto_metrics *m,
    const char **why)
{
	size_t		off = METRICS_FIXED, nl, ul, tl, i;
	uint64_t	bits;

	if (len < METRICS_FIXED) {
		*why = "METRICS too short";
		return -1;
	}
	m->n = p[0];
	m->nerr = p[1];
	if (m->n > PROTO_METRICS_MAX) {
		*why = "METRICS with more than 64 metrics";
		return -1;
	}
	if (m->nerr > METRIC_ERROR_KINDS) {
		*why = "METRICS with more than 2 errors";
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		struct proto_metric *e = &m->m[i];

		if (len - off < METRIC_FIXED) {
			*why = "METRICS length does not match its entries";
			return -1;
		}
		nl = p[off];
		ul = p[off + 1];
		bits = get_u64(p + off + 2);
		if (len - off - METRIC_FIXED < nl + ul) {
			*why = "METRICS length does not match its entries";
			return -1;
		}
		if (!proto_metric_name_ok(p + off + METRIC_FIXED, nl)) {
			*why = "METRICS name not 1..64 of "
			    PROTO_METRIC_NAME_CHARS;
			return -1;
		}
		if (!proto_metric_unit_ok(p + off + METRIC_FIXED + nl, ul)) {
			*why = "METRICS unit not 0..16 printable characters "
			    "without blanks";
			return -1;
		}
		memcpy(&e->value, &bits, sizeof(bits));
		if (!isfinite(e->value)) {
			*why = "METRICS value not a finite number";
			return -1;
		}
		memcpy(e->name, p + off + METRIC_FIXED, nl);
		e->name[nl] = '\0';
		memcpy(e->unit, p + off + METRIC_FIXED + nl, ul);
		e->unit[ul] = '\0';
		off += METRIC_FIXED + nl + ul;
	}
	for (i = 0; i < m->nerr; i++) {
		struct proto_metric_err *e = &m->err[i];

		if (len - off < METRIC_ERR_FIXED) {
			*why = "METRICS length does not match its entries";
			return -1;
		}
		e->kind = p[off];
		tl = get_u16(p + off + 1);
		if (e->kind < 1 || e->kind > METRIC_ERROR_KINDS) {
			*why = "METRICS with an unknown error kind";
			return -1;
		}
		if (len - off - METRIC_ERR_FIXED < tl) {
			*why = "METRICS length does not match its entries";
			return -1;
		}
		if (!proto_metric_text_ok(p + off + METRIC_ERR_FIXED, tl)) {
			*why = "METRICS error text not 1..512 printable bytes";
			return -1;
		}
		memcpy(e->text, p + off + METRIC_ERR_FIXED, tl);
		e->text[tl] = '\0';
		off += METRIC_ERR_FIXED + tl;
	}
	if (off != len) {
		*why = "METRICS length does not match its entries";
		return -1;
	}
	return 0;
}

/* The 2014 layout is in the sender's host order: memcpy, no conversion. */
size_t
proto_v1_result_encode(uint8_t *out, size_t outlen,
    const struct proto_v1_result *r)
{
	int64_t v[6] = { r->start_sec, r->start_usec, r->finish_sec,
	    r->finish_usec, 0, 0 };

	if (outlen < PROTO_V1_FINISHD_LEN)
		return 0;
	memcpy(out, v, sizeof(v));
	return PROTO_V1_FINISHD_LEN;
}

static int64_t
swap64(int64_t v)
{
	return (int64_t)__builtin_bswap64((uint64_t)v);
}

int
proto_v1_result_decode(const uint8_t *p, size_t len,
    struct proto_v1_result *r, const char **why)
{
	int64_t v[6];
	int i;

	if (len != PROTO_V1_FINISHD_LEN) {
		*why = "2014 FINISHD must be 48 bytes";
		return -1;
	}
	memcpy(v, p, sizeof(v));
	if (!(v[1] >= 0 && v[1] < 1000000 && v[3] >= 0 && v[3] < 1000000)) {
		/* A slave of the other byte order: its microseconds show it. */
		for (i = 0; i < 6; i++)
			v[i] = swap64(v[i]);
	}
	if (!(v[1] >= 0 && v[1] < 1000000 && v[3] >= 0 && v[3] < 1000000)) {
		*why = "2014 FINISHD microseconds out of range";
		return -1;
	}
	r->start_sec = v[0];
	r->start_usec = v[1];
	r->finish_sec = v[2];
	r->finish_usec = v[3];
	return 0;
}

size_t
proto_reason_copy(char *out, size_t outlen, const uint8_t *p, size_t len)
{
	size_t i;

	if (outlen == 0)
		return 0;
	if (len > outlen - 1)
		len = outlen - 1;
	for (i = 0; i < len; i++)
		out[i] = (p[i] >= ' ' && p[i] < 0x7f) ? (char)p[i] : '?';
	out[len] = '\0';
	return len;
}
