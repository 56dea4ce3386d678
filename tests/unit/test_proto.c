/*
 * test_proto.c - the wire codec against NOTES: every command's header and
 * bounds, every payload's round trip and byte layout, and the ways a stream
 * can arrive (truncated, split anywhere, several frames at once, garbage).
 *
 * The command table below is copied from NOTES section 1 by hand, not from
 * proto.c, so that the code and the document are checked against each other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "proto.h"

#define SESSION		0xdeadbeefu
#define TAIL_BUF	(11 + PROTO_REASON_MAX + PROTO_TAIL_MAX)

static const struct {
	unsigned	code;
	const char	*name;
	unsigned	min, max;
} notes_cmds[] = {
	{ 0, "REPLY", 0, 1024 },
	{ 1, "PROBE", 0, 0 },
	{ 2, "CONF", 0, 65535 },
	{ 3, "CONF_OK", 0, 0 },
	{ 4, "CONF_NO", 0, 1024 },
	{ 5, "EXEC", 0, 0 },
	{ 6, "EXEC_OK", 0, 0 },
	{ 7, "EXEC_NO", 0, 1024 },
	{ 8, "RUNNING", 0, 0 },
	{ 9, "STOPPED", 0, 0 },
	{ 10, "FINISHD", 0, 128 },
	{ 32, "WELCOME", 8, 8 },
	{ 33, "FULL", 0, 1024 },
	{ 34, "PING", 8, 8 },
	{ 35, "PONG", 24, 24 },
	{ 36, "CONF_BEGIN", 37, 4387 },
	{ 37, "CONF_DATA", 1, 65535 },
	{ 38, "START", 8, 8 },
	{ 39, "REPORT", 26, 281 },
	{ 40, "REPORT_REQ", 0, 0 },
	{ 41, "OUTPUT", 1, 65535 },
	{ 42, "ABORT", 0, 1024 },
	{ 43, "BYE", 0, 1024 },
	{ 44, "HEARTBEAT", 0, 0 },
	{ 45, "ERROR", 0, 1024 },
	{ 46, "KILL_GRACE", 4, 4 },
	{ 47, "RUN", 18, 272 },
	{ 53, "OUTPUT_ERR", 1, 65535 },
	{ 54, "STDERR_TAIL", 11, 3083 },
	{ 55, "PREFLIGHT", 37, 4387 },
	{ 56, "PREFLIGHT_ANS", 5, 16449 },
	{ 48, "AUTH_HELLO", 44, 44 },
	{ 49, "AUTH_PROOF", 32, 32 },
	{ 50, "SEALED", 17, 65535 },
	{ 51, "RUN_END", 0, 1024 },
	{ 52, "METRICS", 2, 6792 },
};
#define NCMDS	(sizeof(notes_cmds) / sizeof(notes_cmds[0]))

static uint8_t	frame[PROTO_MAX_FRAME + 16];
static uint8_t	bigpl[PROTO_MAX_PAYLOAD + 1];
static char	why[256];

#define assert_has(text, word) do {					\
	if (strstr((text), (word)) == NULL)				\
		fail_msg("'%s' lacks '%s'", (text), (word));		\
} while (0)

/* Decode buf[0..len) with our session; returns the status. */
static enum proto_decode_status
decode(const uint8_t *buf, size_t len, struct proto_hdr *hdr,
    const uint8_t **payload, size_t *framelen)
{
	why[0] = '\0';
	return proto_decode(buf, len, SESSION, hdr, payload, framelen, why,
	    sizeof(why));
}

/* Header alone (payload not there yet) must be refused with why naming word. */
static void
expect_malformed_hdr(uint32_t version, uint32_t session, uint8_t cmd,
    uint16_t datalen, const char *word)
{
	uint8_t			 b[PROTO_HDR_LEN];
	struct proto_hdr	 hdr;
	const uint8_t		*payload = NULL;
	size_t			 framelen = 0;

	proto_encode_hdr(b, session, cmd, datalen);
	b[0] = (uint8_t)(version >> 24);
	b[1] = (uint8_t)(version >> 16);
	b[2] = (uint8_t)(version >> 8);
	b[3] = (uint8_t)version;
	assert_int_equal(decode(b, sizeof(b), &hdr, &payload, &framelen),
	    PROTO_MALFORMED);
	assert_has(why, word);
}

/* ---- frames ---- */

static void
test_command_table(void **state)
{
	unsigned	code;
	size_t		i;
	int		listed;

	(void)state;
	for (code = 0; code < 256; code++) {
		listed = 0;
		for (i = 0; i < NCMDS; i++)
			if (notes_cmds[i].code == code)
				listed = 1;
		if (proto_cmd_known(code) != listed)
			fail_msg("command %u: known %d, NOTES %d", code,
			    proto_cmd_known(code), listed);
		if (!listed)
			assert_string_equal(proto_cmd_name(code), "unknown");
	}
	for (i = 0; i < NCMDS; i++)
		assert_string_equal(proto_cmd_name(notes_cmds[i].code),
		    notes_cmds[i].name);
	assert_string_equal(proto_cmd_name(1000), "unknown");
	assert_int_equal(proto_cmd_known(1000), 0);
}

static void
test_header_layout(void **state)
{
	static const uint8_t want[PROTO_HDR_LEN] = {
		0x00, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, 36, 0x12, 0x34,
	};
	uint8_t			b[PROTO_HDR_LEN];
	struct proto_hdr	hdr;

	(void)state;
	proto_encode_hdr(b, SESSION, CMD_CONF_BEGIN, 0x1234);
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(proto_decode_hdr(b, sizeof(b), &hdr), PROTO_FRAME);
	assert_int_equal(hdr.version, 1);
	assert_int_equal(hdr.session, SESSION);
	assert_int_equal(hdr.command, CMD_CONF_BEGIN);
	assert_int_equal(hdr.datalen, 0x1234);
	/* proto_decode_hdr judges nothing: any session, any command. */
	proto_encode_hdr(b, 7, 200, 65535);
	assert_int_equal(proto_decode_hdr(b, sizeof(b), &hdr), PROTO_FRAME);
	assert_int_equal(hdr.session, 7);
	assert_int_equal(hdr.command, 200);
	assert_int_equal(hdr.datalen, 65535);
}

/* Every command at its smallest, largest and a middle length. */
static void
test_every_command_round_trip(void **state)
{
	struct proto_hdr	 hdr;
	const uint8_t		*payload;
	size_t			 i, k, framelen, n;
	unsigned		 lens[3];

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		lens[0] = notes_cmds[i].min;
		lens[1] = (notes_cmds[i].min + notes_cmds[i].max) / 2;
		lens[2] = notes_cmds[i].max;
		for (k = 0; k < 3; k++) {
			uint8_t *pl = bigpl;

			memset(pl, (int)(0x41 + k), lens[k]);
			n = proto_encode(frame, sizeof(frame), SESSION,
			    (uint8_t)notes_cmds[i].code, pl, lens[k]);
			assert_int_equal(n, PROTO_HDR_LEN + lens[k]);
			/* A trailing byte of the next frame must not matter. */
			frame[n] = 0xff;
			payload = NULL;
			assert_int_equal(decode(frame, n + 1, &hdr, &payload,
			    &framelen), PROTO_FRAME);
			assert_int_equal(hdr.version, PROTO_VERSION);
			assert_int_equal(hdr.session, SESSION);
			assert_int_equal(hdr.command, notes_cmds[i].code);
			assert_int_equal(hdr.datalen, lens[k]);
			assert_int_equal(framelen, n);
			assert_ptr_equal(payload, frame + PROTO_HDR_LEN);
			if (lens[k] > 0)
				assert_memory_equal(payload, pl, lens[k]);
		}
	}
}

/* One byte outside either bound is refused at the header, naming the command. */
static void
test_every_command_bounds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		if (notes_cmds[i].min > 0)
			expect_malformed_hdr(PROTO_VERSION, SESSION,
			    (uint8_t)notes_cmds[i].code,
			    (uint16_t)(notes_cmds[i].min - 1),
			    notes_cmds[i].name);
		if (notes_cmds[i].max < PROTO_MAX_PAYLOAD)
			expect_malformed_hdr(PROTO_VERSION, SESSION,
			    (uint8_t)notes_cmds[i].code,
			    (uint16_t)(notes_cmds[i].max + 1),
			    notes_cmds[i].name);
	}
	expect_malformed_hdr(PROTO_VERSION, SESSION, CMD_PROBE, 1, "PROBE");
	expect_malformed_hdr(PROTO_VERSION, SESSION, CMD_CONF_NO, 2000,
	    "CONF_NO with 2000 payload bytes");
	expect_malformed_hdr(PROTO_VERSION, SESSION, CMD_PING, 65535, "PING");
}

static void
test_truncated_header(void **state)
{
	struct proto_hdr	 hdr;
	const uint8_t		*payload;
	size_t			 len, framelen, n;

	(void)state;
	n = proto_encode(frame, sizeof(frame), SESSION, CMD_PROBE, NULL, 0);
	assert_int_equal(n, PROTO_HDR_LEN);
	for (len = 0; len < PROTO_HDR_LEN; len++) {
		assert_int_equal(decode(frame, len, &hdr, &payload, &framelen),
		    PROTO_NEED_MORE);
		assert_int_equal(proto_decode_hdr(frame, len, &hdr),
		    PROTO_NEED_MORE);
	}
	/* Even garbage: nothing can be judged before 11 bytes. */
	memset(frame, 0xff, PROTO_HDR_LEN);
	for (len = 0; len < PROTO_HDR_LEN; len++)
		assert_int_equal(decode(frame, len, &hdr, &payload, &framelen),
		    PROTO_NEED_MORE);
}

static void
test_truncated_payload(void **state)
{
	struct proto_hdr	 hdr;
	const uint8_t		*payload;
	uint8_t			 pl[300];
	size_t			 len, framelen, n;

	(void)state;
	memset(pl, 'x', sizeof(pl));
	n = proto_encode(frame, sizeof(frame), SESSION, CMD_CONF_DATA, pl,
	    sizeof(pl));
	for (len = PROTO_HDR_LEN; len < n; len++)
		assert_int_equal(decode(frame, len, &hdr, &payload, &framelen),
		    PROTO_NEED_MORE);
	assert_int_equal(decode(frame, n, &hdr, &payload, &framelen),
	    PROTO_FRAME);
	assert_int_equal(framelen, n);
}

static void
test_two_frames_one_buffer(void **state)
{
	struct proto_hdr	 hdr;
	const uint8_t		*payload;
	struct proto_ping	 ping = { 0x0102030405060708ull }, got;
	const char		*w = NULL;
	uint8_t			 pl[8];
	size_t			 n1, n2, framelen;

	(void)state;
	n1 = proto_encode(frame, sizeof(frame), SESSION, CMD_PROBE, NULL, 0);
	assert_int_equal(proto_ping_encode(pl, sizeof(pl), &ping), 8);
	n2 = proto_encode(frame + n1, sizeof(frame) - n1, SESSION, CMD_PING,
	    pl, sizeof(pl));
	assert_int_equal(decode(frame, n1 + n2, &hdr, &payload, &framelen),
	    PROTO_FRAME);
	assert_int_equal(hdr.command, CMD_PROBE);
	assert_int_equal(framelen, PROTO_HDR_LEN);
	assert_int_equal(decode(frame + framelen, n1 + n2 - framelen, &hdr,
	    &payload, &framelen), PROTO_FRAME);
	assert_int_equal(hdr.command, CMD_PING);
	assert_int_equal(framelen, n2);
	assert_int_equal(proto_ping_decode(payload, hdr.datalen, &got, &w), 0);
	assert_true(got.master_mono_ns == ping.master_mono_ns);
}

/* ---- reassembly: the stream split at every byte ---- */

#define MAXREC	8

struct rec {
	int		n;
	uint8_t		cmd[MAXREC];
	uint16_t	len[MAXREC];
	uint32_t	sum[MAXREC];	/* of the payload bytes, position-weighted */
};

struct rx {
	uint8_t		buf[4096];
	size_t		len;
};

static uint32_t
checksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s = s * 31 + p[i] + (uint32_t)i;
	return s;
}

/* What a connection does with bytes it read: append, take whole frames. */
static void
rx_feed(struct rx *rx, const uint8_t *p, size_t n, struct rec *rec)
{
	struct proto_hdr	 hdr;
	const uint8_t		*payload;
	size_t			 framelen;
	enum proto_decode_status st;

	assert_true(rx->len + n <= sizeof(rx->buf));
	memcpy(rx->buf + rx->len, p, n);
	rx->len += n;
	while ((st = decode(rx->buf, rx->len, &hdr, &payload, &framelen)) ==
	    PROTO_FRAME) {
		assert_true(rec->n < MAXREC);
		rec->cmd[rec->n] = hdr.command;
		rec->len[rec->n] = hdr.datalen;
		rec->sum[rec->n] = checksum(payload, hdr.datalen);
		rec->n++;
		memmove(rx->buf, rx->buf + framelen, rx->len - framelen);
		rx->len -= framelen;
	}
	if (st == PROTO_MALFORMED)
		fail_msg("valid stream judged malformed: %s", why);
}

static size_t
build_stream(uint8_t *s, size_t slen, struct rec *want)
{
	struct proto_hello	hello = { PROTO_EXT_VERSION, 0, 4242, "node1" };
	struct proto_welcome	welcome = { PROTO_EXT_VERSION, 0, 1000 };
	uint8_t			pl[600];
	size_t			n = 0, plen;
	unsigned		i;

	memset(want, 0, sizeof(*want));
#define ADD(c_, p_, l_) do {						\
	size_t fl = proto_encode(s + n, slen - n, SESSION, (c_), (p_), (l_)); \
	assert_int_not_equal(fl, 0);					\
	want->cmd[want->n] = (c_);					\
	want->len[want->n] = (uint16_t)(l_);				\
	want->sum[want->n] = checksum((const uint8_t *)(p_), (l_));	\
	want->n++;							\
	n += fl;							\
} while (0)
	plen = proto_hello_encode(pl, sizeof(pl), &hello);
	ADD(CMD_REPLY, pl, plen);
	plen = proto_welcome_encode(pl, sizeof(pl), &welcome);
	ADD(CMD_WELCOME, pl, plen);
	ADD(CMD_PROBE, pl, 0);
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7);
	ADD(CMD_CONF_DATA, pl, sizeof(pl));
	ADD(CMD_CONF_OK, pl, 0);
	ADD(CMD_BYE, "over", 4);
#undef ADD
	return n;
}

static void
test_split_at_every_byte(void **state)
{
	static uint8_t	stream[2048];
	struct rec	want, got;
	struct rx	rx;
	size_t		n, cut, cut2, i;

	(void)state;
	n = build_stream(stream, sizeof(stream), &want);
	/* Two reads, cut anywhere. */
	for (cut = 0; cut <= n; cut++) {
		memset(&got, 0, sizeof(got));
		rx.len = 0;
		rx_feed(&rx, stream, cut, &got);
		rx_feed(&rx, stream + cut, n - cut, &got);
		assert_int_equal(rx.len, 0);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(&got, &want, sizeof(got));
	}
	/* Three reads, two cuts, over a coarser grid of positions. */
	for (cut = 0; cut <= n; cut += 3) {
		for (cut2 = cut; cut2 <= n; cut2 += 5) {
			memset(&got, 0, sizeof(got));
			rx.len = 0;
			rx_feed(&rx, stream, cut, &got);
			rx_feed(&rx, stream + cut, cut2 - cut, &got);
			rx_feed(&rx, stream + cut2, n - cut2, &got);
			assert_memory_equal(&got, &want, sizeof(got));
		}
	}
	/* One byte at a time. */
	memset(&got, 0, sizeof(got));
	rx.len = 0;
	for (i = 0; i < n; i++)
		rx_feed(&rx, stream + i, 1, &got);
	assert_memory_equal(&got, &want, sizeof(got));
}

static void
test_bad_version_session_command(void **state)
{
	(void)state;
	expect_malformed_hdr(2, SESSION, CMD_PROBE, 0, "version");
	expect_malformed_hdr(0, SESSION, CMD_PROBE, 0, "version 0");
	expect_malformed_hdr(0xffffffffu, SESSION, CMD_REPLY, 0, "version");
	expect_malformed_hdr(PROTO_VERSION, SESSION + 1, CMD_PROBE, 0,
	    "session");
	expect_malformed_hdr(PROTO_VERSION, 0, CMD_PROBE, 0, "session 0");
	expect_malformed_hdr(PROTO_VERSION, SESSION, 11, 0,
	    "unknown command 11");
	expect_malformed_hdr(PROTO_VERSION, SESSION, 31, 0,
	    "unknown command 31");
	expect_malformed_hdr(PROTO_VERSION, SESSION, 57, 0,
	    "unknown command 57");
	expect_malformed_hdr(PROTO_VERSION, SESSION, 255, 0,
	    "unknown command 255");
}

static void
test_encode_refuses(void **state)
{
	uint8_t small[PROTO_HDR_LEN + 4];
	uint8_t pl[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	assert_int_equal(proto_encode(frame, sizeof(frame), SESSION,
	    CMD_CONF, bigpl, PROTO_MAX_PAYLOAD + 1), 0);
	assert_int_equal(proto_encode(frame, sizeof(frame), SESSION,
	    CMD_CONF, bigpl, PROTO_MAX_PAYLOAD), PROTO_MAX_FRAME);
	assert_int_equal(proto_encode(frame, PROTO_MAX_FRAME - 1, SESSION,
	    CMD_CONF, bigpl, PROTO_MAX_PAYLOAD), 0);
	assert_int_equal(proto_encode(small, sizeof(small), SESSION, CMD_PING,
	    pl, 8), 0);
	assert_int_equal(proto_encode(small, PROTO_HDR_LEN - 1, SESSION,
	    CMD_PROBE, NULL, 0), 0);
	assert_int_equal(proto_encode(small, sizeof(small), SESSION,
	    CMD_CONF_NO, pl, 4), sizeof(small));
}

/* ---- payloads ---- */

static void
test_hello(void **state)
{
	static const uint8_t want[] = {
		0x53, 0x59, 0x4e, 0x58, 0x00, 0x01, 0x00, 0x02,
		0x00, 0x01, 0x02, 0x03, 0x03, 'a', '.', 'b',
	};
	struct proto_hello	h = { 1, 2, 0x010203, "a.b" }, got;
	uint8_t			b[PROTO_NAME_MAX + 32];
	const char		*w = NULL;
	size_t			n, i;

	(void)state;
	n = proto_hello_encode(b, sizeof(b), &h);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(proto_hello_decode(b, n, &got, &w), 0);
	assert_int_equal(got.ext_version, 1);
	assert_int_equal(got.flags, 2);
	assert_int_equal(got.pid, 0x010203);
	assert_string_equal(got.name, "a.b");

	/* Every allowed character, and the longest name. */
	strcpy(h.name, "Az09-_.:@+");
	n = proto_hello_encode(b, sizeof(b), &h);
	assert_int_equal(proto_hello_decode(b, n, &got, &w), 0);
	assert_string_equal(got.name, "Az09-_.:@+");
	memset(h.name, 'n', PROTO_NAME_MAX);
	h.name[PROTO_NAME_MAX] = '\0';
	n = proto_hello_encode(b, sizeof(b), &h);
	assert_int_equal(n, 13 + PROTO_NAME_MAX);
	assert_int_equal(proto_hello_decode(b, n, &got, &w), 0);
	assert_int_equal(strlen(got.name), PROTO_NAME_MAX);
	/* Too small an output buffer, empty name. */
	assert_int_equal(proto_hello_encode(b, 13 + PROTO_NAME_MAX - 1, &h), 0);
	h.name[0] = '\0';
	assert_int_equal(proto_hello_encode(b, sizeof(b), &h), 0);

	/* Bad names on the wire. */
	static const char *const bad[] = {
		".hidden", "a b", "a/b", "a\tb", "\x80", "a\x7f", "a;b", "a*",
		"a\"b",
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t nl = strlen(bad[i]);

		memcpy(b, want, 12);
		b[12] = (uint8_t)nl;
		memcpy(b + 13, bad[i], nl);
		w = NULL;
		assert_int_equal(proto_hello_decode(b, 13 + nl, &got, &w), -1);
		assert_non_null(w);
		assert_has(w, "name");
	}
	/* A NUL in the name. */
	memcpy(b, want, 12);
	b[12] = 3;
	memcpy(b + 13, "a\0b", 3);
	assert_int_equal(proto_hello_decode(b, 16, &got, &w), -1);
	assert_has(w, "name");
	/* Empty name, lengths that disagree, short, bad magic. */
	memcpy(b, want, sizeof(want));
	b[12] = 0;
	assert_int_equal(proto_hello_decode(b, 13, &got, &w), -1);
	assert_has(w, "empty name");
	memcpy(b, want, sizeof(want));
	assert_int_equal(proto_hello_decode(b, sizeof(want) - 1, &got, &w), -1);
	assert_has(w, "length");
	assert_int_equal(proto_hello_decode(b, sizeof(want) + 1, &got, &w), -1);
	assert_has(w, "length");
	assert_int_equal(proto_hello_decode(b, 12, &got, &w), -1);
	assert_has(w, "short");
	b[0] = 'X';
	assert_int_equal(proto_hello_decode(b, sizeof(want), &got, &w), -1);
	assert_has(w, "magic");
}

static void
test_welcome_ping_pong_start(void **state)
{
	static const uint8_t want_welcome[] = {
		0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x03, 0xe8,
	};
	struct proto_welcome	wl = { 1, 0x8000, 1000 }, wl2;
	struct proto_ping	pi = { UINT64_MAX }, pi2;
	struct proto_pong	po = { 1, 0x8000000000000000ull, UINT64_MAX }, po2;
	struct proto_start	st = { 0x1122334455667788ull }, st2;
	uint8_t			b[32];
	const char		*w = NULL;

	(void)state;
	assert_int_equal(proto_welcome_encode(b, sizeof(b), &wl), 8);
	assert_memory_equal(b, want_welcome, 8);
	assert_int_equal(proto_welcome_decode(b, 8, &wl2, &w), 0);
	assert_int_equal(wl2.ext_version, 1);
	assert_int_equal(wl2.flags, 0x8000);
	assert_int_equal(wl2.heartbeat_ms, 1000);
	assert_int_equal(proto_welcome_decode(b, 7, &wl2, &w), -1);
	assert_has(w, "WELCOME");
	assert_int_equal(proto_welcome_decode(b, 9, &wl2, &w), -1);
	assert_int_equal(proto_welcome_encode(b, 7, &wl), 0);

	/* KILL_GRACE: a u32, big-endian, exactly 4 bytes. */
	{
		static const uint8_t want_grace[] = { 0xd6, 0x93, 0xa4, 0x00 };
		uint32_t ms = 0;

		assert_int_equal(proto_kill_grace_encode(b, sizeof(b),
		    3600000000u), 4);
		assert_memory_equal(b, want_grace, 4);
		assert_int_equal(proto_kill_grace_decode(b, 4, &ms, &w), 0);
		assert_true(ms == 3600000000u);
		assert_int_equal(proto_kill_grace_decode(b, 3, &ms, &w), -1);
		assert_has(w, "KILL_GRACE");
		assert_int_equal(proto_kill_grace_decode(b, 5, &ms, &w), -1);
		assert_int_equal(proto_kill_grace_encode(b, 3, 1), 0);
	}

	assert_int_equal(proto_ping_encode(b, sizeof(b), &pi), 8);
	assert_int_equal(proto_ping_decode(b, 8, &pi2, &w), 0);
	assert_true(pi2.master_mono_ns == UINT64_MAX);
	assert_int_equal(proto_ping_decode(b, 0, &pi2, &w), -1);
	assert_has(w, "PING");
	assert_int_equal(proto_ping_encode(b, 7, &pi), 0);

	assert_int_equal(proto_pong_encode(b, sizeof(b), &po), 24);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[7], 1);		/* big-endian */
	assert_int_equal(b[8], 0x80);
	assert_int_equal(proto_pong_decode(b, 24, &po2, &w), 0);
	assert_true(po2.master_mono_ns == 1);
	assert_true(po2.slave_mono_ns == 0x8000000000000000ull);
	assert_true(po2.slave_real_ns == UINT64_MAX);
	assert_int_equal(proto_pong_decode(b, 23, &po2, &w), -1);
	assert_has(w, "PONG");
	assert_int_equal(proto_pong_encode(b, 23, &po), 0);

	assert_int_equal(proto_start_encode(b, sizeof(b), &st), 8);
	assert_int_equal(b[0], 0x11);
	assert_int_equal(b[7], 0x88);
	assert_int_equal(proto_start_decode(b, 8, &st2, &w), 0);
	assert_true(st2.slave_mono_ns == st.slave_mono_ns);
	assert_int_equal(proto_start_decode(b, 16, &st2, &w), -1);
	assert_has(w, "START");
	assert_int_equal(proto_start_encode(b, 7, &st), 0);
}

/*
 * RUN: four u32 and the session file's base name (a length byte, then its
 * bytes); run below runs, repeat below repeats, no '/', NUL or control.
 */
static void
test_run(void **state)
{
	static const uint8_t want[] = {
		0, 0, 0, 2,  0, 0, 0, 10,  0, 0, 0, 1,  0, 0, 0, 5,
		6, 'a', '.', 's', 0xc3, 0xa9, ' ',
	};
	struct proto_run	 r = { .run = 2, .runs = 10, .repeat = 1,
				    .repeats = 5 }, r2;
	uint8_t			 b[300];
	const char		*w = NULL;

	(void)state;
	memcpy(r.conf, "a.s\xc3\xa9 ", 7);
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	memset(&r2, 0xff, sizeof(r2));
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), 0);
	assert_int_equal(r2.run, 2);
	assert_int_equal(r2.runs, 10);
	assert_int_equal(r2.repeat, 1);
	assert_int_equal(r2.repeats, 5);
	assert_string_equal(r2.conf, "a.s\xc3\xa9 ");
	/* Lengths: the name's must match, and be 1..255. */
	assert_int_equal(proto_run_decode(b, sizeof(want) - 1, &r2, &w), -1);
	assert_has(w, "RUN length");
	assert_int_equal(proto_run_decode(b, 16, &r2, &w), -1);
	assert_has(w, "RUN too short");
	b[16] = 0;
	assert_int_equal(proto_run_decode(b, 17, &r2, &w), -1);
	b[16] = 6;
	/* Indexes within their counts. */
	b[3] = 10;
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	assert_has(w, "run not below");
	b[3] = 2;
	b[15] = 1;
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	assert_has(w, "repeat not below");
	b[15] = 5;
	/* No '/', control byte or DEL in the name. */
	b[17] = '/';
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	assert_has(w, "'/'");
	b[17] = 0x1b;
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	b[17] = 0x7f;
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	b[17] = 0;
	assert_int_equal(proto_run_decode(b, sizeof(want), &r2, &w), -1);
	/* The encoder refuses what the decoder would. */
	assert_int_equal(proto_run_encode(b, sizeof(want) - 1, &r), 0);
	r.run = 10;
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), 0);
	r.run = 2;
	r.repeat = 5;
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), 0);
	r.repeat = 1;
	strcpy(r.conf, "dir/x");
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), 0);
	r.conf[0] = '\0';
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), 0);
	memset(r.conf, 'x', PROTO_NAME_MAX);
	r.conf[PROTO_NAME_MAX] = '\0';
	assert_int_equal(proto_run_encode(b, sizeof(b), &r), 17 +
	    PROTO_NAME_MAX);
	assert_int_equal(proto_run_decode(b, 17 + PROTO_NAME_MAX, &r2, &w), 0);
	assert_int_equal(strlen(r2.conf), PROTO_NAME_MAX);
}

/* Unknown hello flag bits are kept for the caller, who ignores them. */
static void
test_hello_caps(void **state)
{
	struct proto_hello	 h = { .ext_version = 1, .flags = 0xffff,
				    .pid = 7 }, h2;
	uint8_t			 b[300];
	const char		*w = NULL;
	size_t			 n;

	(void)state;
	strcpy(h.name, "vm1");
	n = proto_hello_encode(b, sizeof(b), &h);
	assert_int_equal(b[6], 0xff);
	assert_int_equal(b[7], 0xff);
	assert_int_equal(proto_hello_decode(b, n, &h2, &w), 0);
	assert_int_equal(h2.flags, 0xffff);
	assert_true(h2.flags & HELLO_CAP_CAMPAIGN);
}

/* STDERR_TAIL: u64 stderr_bytes, u8 flags, u16 reason_len, reason, tail. */
static void
test_stderr_tail(void **state)
{
	static const uint8_t want[] = {
		0, 0, 0, 0, 0, 0, 0x01, 0x02,	/* stderr_bytes 258 */
		0x01,				/* flags: merged */
		0, 3, 'w', 'h', 'y',		/* reason */
		'a', '\n', 0xff,		/* tail, raw */
	};
	struct proto_stderr_tail t = {
		.stderr_bytes = 258, .flags = STDERR_TAIL_MERGED,
		.reason = "why", .reason_len = 3,
		.tail = (const uint8_t *)"a\n\xff", .tail_len = 3,
	}, g;
	uint8_t		 b[TAIL_BUF];
	const char	*w = NULL;

	(void)state;
	assert_int_equal(proto_stderr_tail_encode(b, sizeof(b), &t),
	    sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(proto_stderr_tail_decode(b, sizeof(want), &g, &w), 0);
	assert_true(g.stderr_bytes == 258);
	assert_int_equal(g.flags, STDERR_TAIL_MERGED);
	assert_int_equal(g.reason_len, 3);
	assert_memory_equal(g.reason, "why", 3);
	assert_int_equal(g.tail_len, 3);
	assert_memory_equal(g.tail, "a\n\xff", 3);
	/* Nothing but the fixed part: a task that exited 0, no stderr. */
	assert_int_equal(proto_stderr_tail_decode(b, 11, &g, &w), -1);
	assert_has(w, "reason length");
	b[10] = 0;
	assert_int_equal(proto_stderr_tail_decode(b, 11, &g, &w), 0);
	assert_int_equal(g.reason_len + g.tail_len, 0);
	assert_int_equal(proto_stderr_tail_decode(b, 10, &g, &w), -1);
	assert_has(w, "STDERR_TAIL too short");
	/* A reason beyond 1024 bytes, a tail beyond 2048. */
	b[9] = 0x04;
	b[10] = 0x01;
	assert_int_equal(proto_stderr_tail_decode(b, 2000, &g, &w), -1);
	assert_has(w, "reason longer");
	b[9] = 0;
	b[10] = 0;
	assert_int_equal(proto_stderr_tail_decode(b, 11 + 2048, &g, &w), 0);
	assert_int_equal(proto_stderr_tail_decode(b, 11 + 2049, &g, &w), -1);
	assert_has(w, "tail longer");
	/* The encoder refuses what the decoder would. */
	t.tail_len = PROTO_TAIL_MAX + 1;
	assert_int_equal(proto_stderr_tail_encode(b, sizeof(b), &t), 0);
	t.tail_len = 3;
	t.reason_len = PROTO_REASON_MAX + 1;
	assert_int_equal(proto_stderr_tail_encode(b, sizeof(b), &t), 0);
	t.reason_len = 3;
	assert_int_equal(proto_stderr_tail_encode(b, 16, &t), 0);
}

/* PREFLIGHT_ANS: u8 n, then n x (u8 check, u8 verdict, u16 len, text). */
static void
test_preflight_ans(void **state)
{
	static const uint8_t want[] = {
		2,
		1, 1, 0, 2, 'n', 'o',		/* command: fails, "no" */
		5, 0, 0, 0,			/* output: ok, "" */
	};
	struct proto_preflight_ans a, g;
	static uint8_t	 b[20000];
	const char	*w = NULL;
	int		 i;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.n = 2;
	a.item[0] = (struct proto_preflight_item){ PREFLIGHT_COMMAND,
	    PREFLIGHT_FAILS, "no", 2 };
	a.item[1] = (struct proto_preflight_item){ PREFLIGHT_OUTPUT,
	    PREFLIGHT_OK, "", 0 };
	assert_int_equal(proto_preflight_ans_encode(b, sizeof(b), &a),
	    sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want), &g, &w),
	    0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.item[0].check, PREFLIGHT_COMMAND);
	assert_int_equal(g.item[0].verdict, PREFLIGHT_FAILS);
	assert_int_equal(g.item[0].text_len, 2);
	assert_memory_equal(g.item[0].text, "no", 2);
	assert_int_equal(g.item[1].check, PREFLIGHT_OUTPUT);
	assert_int_equal(g.item[1].text_len, 0);
	/* A byte more or less than its checks say. */
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want) - 1, &g,
	    &w), -1);
	assert_has(w, "PREFLIGHT_ANS");
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want) + 1, &g,
	    &w), -1);
	assert_has(w, "does not match");
	/* No check, too many, a verdict we do not know. */
	b[0] = 0;
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want), &g, &w),
	    -1);
	assert_has(w, "count");
	b[0] = 17;
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want), &g, &w),
	    -1);
	b[0] = 2;
	b[2] = 3;
	assert_int_equal(proto_preflight_ans_decode(b, sizeof(want), &g, &w),
	    -1);
	assert_has(w, "verdict");
	/* The largest: 16 checks of 1024 bytes each, the command's bound. */
	for (i = 0; i < PROTO_PREFLIGHT_MAX; i++)
		a.item[i] = (struct proto_preflight_item){ (uint8_t)(i + 1),
		    PREFLIGHT_SKIPPED, (const char *)bigpl, PROTO_REASON_MAX };
	a.n = PROTO_PREFLIGHT_MAX;
	assert_int_equal(proto_preflight_ans_encode(b, sizeof(b), &a), 16449);
	assert_int_equal(proto_preflight_ans_decode(b, 16449, &g, &w), 0);
	assert_int_equal(g.n, 16);
	/* The encoder refuses what the decoder would. */
	a.n = 0;
	assert_int_equal(proto_preflight_ans_encode(b, sizeof(b), &a), 0);
	a.n = 1;
	a.item[0].text_len = PROTO_REASON_MAX + 1;
	assert_int_equal(proto_preflight_ans_encode(b, sizeof(b), &a), 0);
	a.item[0].text_len = 1;
	a.item[0].verdict = 3;
	assert_int_equal(proto_preflight_ans_encode(b, sizeof(b), &a), 0);
	a.item[0].verdict = 0;
	assert_int_equal(proto_preflight_ans_encode(b, 5, &a), 0);
	assert_string_equal(proto_preflight_check_name(PREFLIGHT_SPACE),
	    "space");
	assert_null(proto_preflight_check_name(99));
}

static struct proto_conf_begin
conf_begin_sample(void)
{
	struct proto_conf_begin c = {
		.payload_size = 0x0102030405060708ull,
		.slave_index = 3,
		.nslaves = 4,
		.report_ms = 1000,
		.flags = CONF_FLAG_COLLECT_OUTPUT | CONF_FLAG_FOLLOW,
		.output_max = 1ull << 40,
		.command = "/bin/echo :CONF: x",
		.command_len = 18,
		.master_addr = "127.0.0.1",
		.master_addr_len = 9,
	};
	return c;
}

static void
test_conf_begin(void **state)
{
	struct proto_conf_begin	 c = conf_begin_sample(), g;
	uint8_t			 b[36 + PROTO_COMMAND_MAX + PROTO_NAME_MAX + 8];
	char			 bigcmd[PROTO_COMMAND_MAX + 1];
	const char		*w = NULL;
	size_t			 n;

	(void)state;
	n = proto_conf_begin_encode(b, sizeof(b), &c);
	assert_int_equal(n, 36 + 18 + 9);
	/* Layout of NOTES section 4. */
	assert_int_equal(b[0], 0x01);
	assert_int_equal(b[7], 0x08);
	assert_int_equal(b[11], 3);		/* slave_index */
	assert_int_equal(b[15], 4);		/* nslaves */
	assert_int_equal(b[18], 0x03);		/* report_ms 1000 = 0x3e8 */
	assert_int_equal(b[19], 0xe8);
	assert_int_equal(b[23], 3);		/* flags */
	assert_int_equal(b[26], 1);		/* output_max 2^40 */
	assert_int_equal(b[33], 18);		/* command_len */
	assert_int_equal(b[35], 9);		/* master_addr_len */
	assert_memory_equal(b + 36, "/bin/echo :CONF: x", 18);
	assert_memory_equal(b + 54, "127.0.0.1", 9);

	assert_int_equal(proto_conf_begin_decode(b, n, &g, &w), 0);
	assert_true(g.payload_size == c.payload_size);
	assert_int_equal(g.slave_index, 3);
	assert_int_equal(g.nslaves, 4);
	assert_int_equal(g.report_ms, 1000);
	assert_int_equal(g.flags, 3);
	assert_true(g.output_max == c.output_max);
	assert_int_equal(g.command_len, 18);
	assert_memory_equal(g.command, c.command, 18);
	assert_ptr_equal(g.command, (const char *)b + 36);
	assert_int_equal(g.master_addr_len, 9);
	assert_memory_equal(g.master_addr, "127.0.0.1", 9);

	/* No master address; the longest command. */
	c.master_addr_len = 0;
	memset(bigcmd, 'c', PROTO_COMMAND_MAX);
	c.command = bigcmd;
	c.command_len = PROTO_COMMAND_MAX;
	n = proto_conf_begin_encode(b, sizeof(b), &c);
	assert_int_equal(n, 36 + PROTO_COMMAND_MAX);
	assert_int_equal(proto_conf_begin_decode(b, n, &g, &w), 0);
	assert_int_equal(g.command_len, PROTO_COMMAND_MAX);
	assert_int_equal(g.master_addr_len, 0);

	/* Encoder refuses what the decoder would. */
	c = conf_begin_sample();
	assert_int_equal(proto_conf_begin_encode(b, 36 + 18 + 9 - 1, &c), 0);
	c.command_len = 0;
	assert_int_equal(proto_conf_begin_encode(b, sizeof(b), &c), 0);
	c = conf_begin_sample();
	c.command_len = PROTO_COMMAND_MAX + 1;
	assert_int_equal(proto_conf_begin_encode(b, sizeof(b), &c), 0);
	c = conf_begin_sample();
	c.master_addr_len = PROTO_NAME_MAX + 1;
	assert_int_equal(proto_conf_begin_encode(b, sizeof(b), &c), 0);
	c = conf_begin_sample();
	c.slave_index = 4;
	assert_int_equal(proto_conf_begin_encode(b, sizeof(b), &c), 0);
	c.nslaves = 0;
	c.slave_index = 0;
	assert_int_equal(proto_conf_begin_encode(b, sizeof(b), &c), 0);
}

/* Decode a CONF_BEGIN after a change to the good sample's bytes. */
static int
conf_begin_mutated(size_t off, uint8_t val, size_t len_delta, int shrink,
    const char **w)
{
	struct proto_conf_begin	c = conf_begin_sample(), g;
	uint8_t			b[128];
	size_t			n;

	memset(b, 0, sizeof(b));
	n = proto_conf_begin_encode(b, sizeof(b), &c);
	assert_int_not_equal(n, 0);
	if (off < n + len_delta)
		b[off] = val;
	n = shrink ? n - len_delta : n + len_delta;
	return proto_conf_begin_decode(b, n, &g, w);
}

static void
test_conf_begin_inconsistent(void **state)
{
	const char *w = NULL;

	(void)state;
	/* Total length does not match command_len + master_addr_len. */
	assert_int_equal(conf_begin_mutated(999, 0, 1, 0, &w), -1);
	assert_has(w, "length");
	assert_int_equal(conf_begin_mutated(999, 0, 1, 1, &w), -1);
	assert_has(w, "length");
	assert_int_equal(conf_begin_mutated(33, 19, 0, 0, &w), -1);
	assert_has(w, "length");
	assert_int_equal(conf_begin_mutated(35, 200, 0, 0, &w), -1);
	assert_has(w, "length");
	/* Shorter than the fixed part. */
	assert_int_equal(conf_begin_mutated(999, 0, 36 + 18 + 9 - 35, 1, &w),
	    -1);
	assert_has(w, "short");
	/* command_len 0, or above 4096; master address above 255. */
	assert_int_equal(conf_begin_mutated(33, 0, 0, 0, &w), -1);
	assert_has(w, "command length");
	assert_int_equal(conf_begin_mutated(32, 0x10, 0, 0, &w), -1);
	assert_has(w, "command length");
	assert_int_equal(conf_begin_mutated(34, 0x01, 0, 0, &w), -1);
	assert_has(w, "master address");
	/* Index not below the count, count 0. */
	assert_int_equal(conf_begin_mutated(11, 4, 0, 0, &w), -1);
	assert_has(w, "index");
	assert_int_equal(conf_begin_mutated(15, 0, 0, 0, &w), -1);
	assert_has(w, "index");
	/* A newline or NUL in the command, a blank in the address. */
	assert_int_equal(conf_begin_mutated(40, '\n', 0, 0, &w), -1);
	assert_has(w, "newline");
	assert_int_equal(conf_begin_mutated(36, '\0', 0, 0, &w), -1);
	assert_has(w, "NUL");
	assert_int_equal(conf_begin_mutated(55, ' ', 0, 0, &w), -1);
	assert_has(w, "printable");
	assert_int_equal(conf_begin_mutated(55, 0x80, 0, 0, &w), -1);
	assert_has(w, "printable");
}

static struct proto_result
result_sample(void)
{
	struct proto_result r = {
		.start_real_ns = 1700000000000000000ull,
		.finish_real_ns = 1700000001500000000ull,
		.late_ns = -1234,
		.exit_kind = EXIT_KIND_EXITED,
		.exit_value = 255,
		.utime_us = 1,
		.stime_us = 2,
		.maxrss_kib = 3,
		.output_bytes = UINT64_MAX,
	};
	return r;
}

static void
test_result(void **state)
{
	struct proto_result	r = result_sample(), g;
	uint8_t			b[64];
	const char		*w = NULL;

	(void)state;
	assert_int_equal(proto_result_encode(b, sizeof(b), &r), 61);
	assert_int_equal(b[24], EXIT_KIND_EXITED);
	assert_int_equal(b[28], 255);		/* exit_value, big-endian */
	assert_int_equal(b[16], 0xff);		/* late_ns -1234 */
	assert_int_equal(proto_result_decode(b, 61, &g, &w), 0);
	assert_memory_equal(&g.start_real_ns, &r.start_real_ns, 8);
	assert_true(g.finish_real_ns == r.finish_real_ns);
	assert_true(g.late_ns == -1234);
	assert_int_equal(g.exit_kind, EXIT_KIND_EXITED);
	assert_int_equal(g.exit_value, 255);
	assert_int_equal(g.utime_us, 1);
	assert_int_equal(g.stime_us, 2);
	assert_int_equal(g.maxrss_kib, 3);
	assert_true(g.output_bytes == UINT64_MAX);
	assert_int_equal(proto_result_encode(b, 60, &r), 0);
	assert_int_equal(proto_result_decode(b, 60, &g, &w), -1);
	assert_has(w, "61");
	assert_int_equal(proto_result_decode(b, 62, &g, &w), -1);

	/* Signals and failed starts. */
	r.exit_kind = EXIT_KIND_SIGNALED;
	r.exit_value = 9;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), 0);
	assert_int_equal(g.exit_value, 9);
	r.exit_kind = EXIT_KIND_NOT_STARTED;
	r.exit_value = 13;
	r.finish_real_ns = 0;		/* never started: no times */
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), 0);

	/* Exit code 300, negative, signal 0 and 129, unknown kind. */
	r = result_sample();
	r.exit_value = 300;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "exit code");
	r.exit_value = -1;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "exit code");
	r.exit_kind = EXIT_KIND_SIGNALED;
	r.exit_value = 0;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "signal");
	r.exit_value = 129;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "signal");
	r = result_sample();
	proto_result_encode(b, sizeof(b), &r);
	b[24] = 4;
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "exit kind");
	r.exit_kind = 4;
	assert_int_equal(proto_result_encode(b, sizeof(b), &r), 0);
	/* Finish before start. */
	r = result_sample();
	r.finish_real_ns = r.start_real_ns - 1;
	proto_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_result_decode(b, 61, &g, &w), -1);
	assert_has(w, "before");
}

static void
test_report(void **state)
{
	struct proto_report	r = { TASK_STATE_RUNNING, 5, 6, 7, "50% done" };
	struct proto_report	g;
	uint8_t			b[26 + PROTO_PROGRESS_MAX + 8];
	const char		*w = NULL;
	size_t			n;

	(void)state;
	n = proto_report_encode(b, sizeof(b), &r);
	assert_int_equal(n, 26 + 8);
	assert_int_equal(b[0], TASK_STATE_RUNNING);
	assert_int_equal(b[25], 8);
	assert_int_equal(proto_report_decode(b, n, &g, &w), 0);
	assert_int_equal(g.state, TASK_STATE_RUNNING);
	assert_int_equal(g.elapsed_ns, 5);
	assert_int_equal(g.cpu_us, 6);
	assert_int_equal(g.output_bytes, 7);
	assert_string_equal(g.progress, "50% done");

	/* Empty and longest progress texts. */
	r.progress[0] = '\0';
	n = proto_report_encode(b, sizeof(b), &r);
	assert_int_equal(n, 26);
	assert_int_equal(proto_report_decode(b, n, &g, &w), 0);
	assert_string_equal(g.progress, "");
	memset(r.progress, 'p', PROTO_PROGRESS_MAX);
	r.progress[PROTO_PROGRESS_MAX] = '\0';
	n = proto_report_encode(b, sizeof(b), &r);
	assert_int_equal(n, 26 + PROTO_PROGRESS_MAX);
	assert_int_equal(proto_report_decode(b, n, &g, &w), 0);
	assert_int_equal(strlen(g.progress), PROTO_PROGRESS_MAX);
	assert_int_equal(proto_report_encode(b, n - 1, &r), 0);

	/* A control byte in the text is replaced, not passed on. */
	strcpy(r.progress, "ab");
	n = proto_report_encode(b, sizeof(b), &r);
	b[27] = '\033';
	assert_int_equal(proto_report_decode(b, n, &g, &w), 0);
	assert_string_equal(g.progress, "a?");

	/* Unknown state, length mismatches, short. */
	b[0] = 4;
	assert_int_equal(proto_report_decode(b, n, &g, &w), -1);
	assert_has(w, "state");
	b[0] = TASK_STATE_FINISHED;
	assert_int_equal(proto_report_decode(b, n, &g, &w), 0);
	assert_int_equal(proto_report_decode(b, n + 1, &g, &w), -1);
	assert_has(w, "length");
	assert_int_equal(proto_report_decode(b, n - 1, &g, &w), -1);
	assert_has(w, "length");
	assert_int_equal(proto_report_decode(b, 25, &g, &w), -1);
	assert_has(w, "short");
	r.state = 4;
	assert_int_equal(proto_report_encode(b, sizeof(b), &r), 0);
}

static void
test_v1_result(void **state)
{
	struct proto_v1_result	r = { 1400000000, 999999, 1400000100, 0 }, g;
	uint8_t			b[64], sw[48];
	int64_t			host[6];
	const char		*w = NULL;
	size_t			i, k;

	(void)state;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(proto_v1_result_encode(b, sizeof(b), &r), 48);
	/* Host order, as the 2014 slave wrote it, and a zero pair. */
	memcpy(host, b, sizeof(host));
	assert_true(host[0] == 1400000000 && host[1] == 999999);
	assert_true(host[2] == 1400000100 && host[3] == 0);
	assert_true(host[4] == 0 && host[5] == 0);
	assert_int_equal(proto_v1_result_decode(b, 48, &g, &w), 0);
	assert_true(g.start_sec == r.start_sec);
	assert_true(g.start_usec == r.start_usec);
	assert_true(g.finish_sec == r.finish_sec);
	assert_true(g.finish_usec == r.finish_usec);

	/* A slave of the other byte order. */
	for (i = 0; i < 6; i++)
		for (k = 0; k < 8; k++)
			sw[i * 8 + k] = b[i * 8 + 7 - k];
	memset(&g, 0, sizeof(g));
	assert_int_equal(proto_v1_result_decode(sw, 48, &g, &w), 0);
	assert_true(g.start_sec == r.start_sec);
	assert_true(g.start_usec == r.start_usec);
	assert_true(g.finish_sec == r.finish_sec);
	assert_true(g.finish_usec == r.finish_usec);

	/* Microseconds out of range in either order. */
	r.start_usec = 1000000;
	proto_v1_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_v1_result_decode(b, 48, &g, &w), -1);
	assert_has(w, "microseconds");
	r.start_usec = 0;
	r.finish_usec = -1;
	proto_v1_result_encode(b, sizeof(b), &r);
	assert_int_equal(proto_v1_result_decode(b, 48, &g, &w), -1);
	/* Wrong length, small buffer. */
	assert_int_equal(proto_v1_result_decode(b, 47, &g, &w), -1);
	assert_has(w, "48");
	assert_int_equal(proto_v1_result_decode(b, 61, &g, &w), -1);
	assert_int_equal(proto_v1_result_encode(b, 47, &r), 0);
}

static void
test_reason_copy(void **state)
{
	static const uint8_t dirty[] = {
		'/', 'b', 'i', 'n', ':', ' ', 0x00, '\n', 0x1b, 0x7f, 0x80,
		0xff, '~', '!',
	};
	char	out[PROTO_REASON_MAX + 1];
	uint8_t	big[PROTO_REASON_MAX + 100];
	char	small[5];

	(void)state;
	assert_int_equal(proto_reason_copy(out, sizeof(out), dirty,
	    sizeof(dirty)), sizeof(dirty));
	assert_string_equal(out, "/bin: ??????~!");
	assert_int_equal(proto_reason_copy(out, sizeof(out), dirty, 0), 0);
	assert_string_equal(out, "");
	/* Truncated to the buffer, always terminated. */
	memset(big, 'r', sizeof(big));
	assert_int_equal(proto_reason_copy(out, sizeof(out), big,
	    sizeof(big)), PROTO_REASON_MAX);
	assert_int_equal(strlen(out), PROTO_REASON_MAX);
	assert_int_equal(proto_reason_copy(small, sizeof(small), big, 100), 4);
	assert_string_equal(small, "rrrr");
	assert_int_equal(proto_reason_copy(small, 0, big, 100), 0);
	assert_int_equal(proto_reason_copy(small, 1, big, 100), 0);
	assert_string_equal(small, "");
}

/* NOTES section 1: METRICS, byte by byte. */
static void
test_metrics_layout(void **state)
{
	static struct proto_metrics	m, g;
	static const uint8_t		want[] = {
		2, 1,				/* two metrics, one error */
		3, 2, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18,
		'o', 'p', 's', 'm', 's',	/* ops=3.141592653589793 ms */
		1, 0, 0xc0, 0x0c, 0, 0, 0, 0, 0, 0,
		'x',				/* x=-3.5, no unit */
		1, 0, 3, 'b', 'a', 'd',		/* kind 1, "bad" */
	};
	uint8_t				b[256];
	const char			*w = NULL;
	size_t				n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.n = 2;
	strcpy(m.m[0].name, "ops");
	strcpy(m.m[0].unit, "ms");
	m.m[0].value = 3.141592653589793;
	strcpy(m.m[1].name, "x");
	m.m[1].value = -3.5;
	m.nerr = 1;
	m.err[0].kind = METRIC_ERROR_MALFORMED;
	strcpy(m.err[0].text, "bad");
	n = proto_metrics_encode(b, sizeof(b), &m);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(proto_metrics_decode(b, n, &g, &w), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.m[0].name, "ops");
	assert_string_equal(g.m[0].unit, "ms");
	assert_true(g.m[0].value == 3.141592653589793);
	assert_string_equal(g.m[1].name, "x");
	assert_string_equal(g.m[1].unit, "");
	assert_true(g.m[1].value == -3.5);
	assert_int_equal(g.nerr, 1);
	assert_int_equal(g.err[0].kind, METRIC_ERROR_MALFORMED);
	assert_string_equal(g.err[0].text, "bad");
	/* Nothing at all is two bytes. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 2);
	assert_int_equal(proto_metrics_decode(b, 2, &g, &w), 0);
	assert_int_equal(g.n + g.nerr, 0);
}

/* The largest METRICS: 64 names of 64 bytes, units of 16, two errors. */
static void
test_metrics_largest(void **state)
{
	static struct proto_metrics	m, g;
	static uint8_t			b[PROTO_MAX_PAYLOAD];
	const char			*w = NULL;
	size_t				n, i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.n = PROTO_METRICS_MAX;
	for (i = 0; i < m.n; i++) {
		memset(m.m[i].name, 'a' + (int)(i % 26), PROTO_METRIC_NAME_MAX);
		snprintf(m.m[i].name, 4, "%02zu", i);
		m.m[i].name[2] = '_';
		memset(m.m[i].unit, 'u', PROTO_METRIC_UNIT_MAX);
		m.m[i].value = i == 0 ? 1.7976931348623157e308 :
		    i == 1 ? -4.9e-324 : (double)i * 1e6;
	}
	m.nerr = METRIC_ERROR_KINDS;
	for (i = 0; i < m.nerr; i++) {
		m.err[i].kind = (uint8_t)(i + 1);
		memset(m.err[i].text, '!' + (int)i, PROTO_METRIC_ERROR_MAX);
	}
	n = proto_metrics_encode(b, sizeof(b), &m);
	assert_int_equal(n, 6792);
	assert_int_equal(proto_metrics_decode(b, n, &g, &w), 0);
	assert_int_equal(g.n, 64);
	assert_int_equal(strlen(g.m[63].name), 64);
	assert_int_equal(strlen(g.m[63].unit), 16);
	assert_true(g.m[0].value == 1.7976931348623157e308);
	assert_true(g.m[1].value == -4.9e-324);
	assert_int_equal(strlen(g.err[1].text), 512);
	/* One byte less of room: refused. */
	assert_int_equal(proto_metrics_encode(b, n - 1, &m), 0);
}

/* What a decoder refuses, and an encoder will not write. */
static void
test_metrics_refused(void **state)
{
	static struct proto_metrics	m, g;
	uint8_t				b[256], c[256];
	const char			*w = NULL;
	size_t				n;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.n = 1;
	strcpy(m.m[0].name, "lat.p99:ms-x_y");
	strcpy(m.m[0].unit, "ms");
	m.m[0].value = 12;
	n = proto_metrics_encode(b, sizeof(b), &m);
	assert_int_equal(n, 2 + 10 + 14 + 2);
	assert_int_equal(proto_metrics_decode(b, n, &g, &w), 0);

	/* Lengths: short, too long, a trailing byte, counts. */
	assert_int_equal(proto_metrics_decode(b, 1, &g, &w), -1);
	assert_has(w, "short");
	assert_int_equal(proto_metrics_decode(b, n - 1, &g, &w), -1);
	assert_has(w, "length");
	memcpy(c, b, n);
	c[n] = 'x';
	assert_int_equal(proto_metrics_decode(c, n + 1, &g, &w), -1);
	assert_has(w, "length");
	c[0] = 65;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "more than 64");
	memcpy(c, b, n);
	c[1] = 3;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "more than 2 errors");
	memcpy(c, b, n);
	c[1] = 1;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "length");

	/* Names: empty, a blank, a slash, 65 bytes. */
	memcpy(c, b, n);
	c[12] = ' ';
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "name");
	c[12] = '/';
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	memcpy(c, b, n);
	c[2] = 0;
	c[3] = 16;	/* the name's bytes read as the unit: "lat.p99:" ... */
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "name");
	/* Units: a blank, a control byte, 17 bytes. */
	memcpy(c, b, n);
	c[n - 1] = ' ';
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "unit");
	c[n - 1] = 0x1b;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "unit");
	/* Values: NaN, infinities. */
	memcpy(c, b, n);
	memcpy(c + 4, "\x7f\xf8\0\0\0\0\0\0", 8);
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "finite");
	memcpy(c + 4, "\xff\xf0\0\0\0\0\0\0", 8);
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "finite");
	/* Errors: kind 0 and 3, an empty text, a control byte. */
	memset(&m, 0, sizeof(m));
	m.nerr = 1;
	m.err[0].kind = METRIC_ERROR_TOO_MANY;
	strcpy(m.err[0].text, "too many");
	n = proto_metrics_encode(b, sizeof(b), &m);
	assert_int_equal(n, 2 + 3 + 8);
	memcpy(c, b, n);
	c[2] = 0;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "error kind");
	c[2] = 3;
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "error kind");
	memcpy(c, b, n);
	c[6] = '\n';
	assert_int_equal(proto_metrics_decode(c, n, &g, &w), -1);
	assert_has(w, "printable");
	memcpy(c, b, 5);
	c[3] = c[4] = 0;
	assert_int_equal(proto_metrics_decode(c, 5, &g, &w), -1);
	assert_has(w, "printable");

	/* The encoder writes nothing that a decoder would refuse. */
	memset(&m, 0, sizeof(m));
	m.n = 1;
	strcpy(m.m[0].name, "a b");
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	strcpy(m.m[0].name, "ok");
	strcpy(m.m[0].unit, "m s");
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	m.m[0].unit[0] = '\0';
	m.m[0].value = INFINITY;
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	m.m[0].value = NAN;
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	m.m[0].value = 0;
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 2 + 10 + 2);
	m.m[0].name[0] = '\0';
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	memset(&m, 0, sizeof(m));
	m.n = 65;
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	m.n = 0;
	m.nerr = 1;
	m.err[0].kind = 3;
	strcpy(m.err[0].text, "x");
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);
	m.err[0].kind = 1;
	m.err[0].text[0] = '\0';
	assert_int_equal(proto_metrics_encode(b, sizeof(b), &m), 0);

	/* The name predicate alone. */
	assert_true(proto_metric_name_ok("A-z_0.9:", 8));
	assert_false(proto_metric_name_ok("", 0));
	assert_false(proto_metric_name_ok("a=b", 3));
	assert_false(proto_metric_name_ok("a@b", 3));
	assert_true(proto_metric_unit_ok("", 0));
	assert_true(proto_metric_unit_ok("%/s", 3));
	assert_false(proto_metric_unit_ok("\xc2\xb5s", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_table),
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_every_command_round_trip),
		cmocka_unit_test(test_every_command_bounds),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_two_frames_one_buffer),
		cmocka_unit_test(test_split_at_every_byte),
		cmocka_unit_test(test_bad_version_session_command),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_welcome_ping_pong_start),
		cmocka_unit_test(test_conf_begin),
		cmocka_unit_test(test_stderr_tail),
		cmocka_unit_test(test_preflight_ans),
		cmocka_unit_test(test_conf_begin_inconsistent),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_v1_result),
		cmocka_unit_test(test_reason_copy),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_hello_caps),
		cmocka_unit_test(test_metrics_layout),
		cmocka_unit_test(test_metrics_largest),
		cmocka_unit_test(test_metrics_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
