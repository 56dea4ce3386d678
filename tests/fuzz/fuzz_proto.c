/*
 * fuzz_proto.c - libFuzzer target for the wire codec.
 *
 * Feeds arbitrary bytes to proto_decode() as a stream (frame after frame, as
 * conn.c does) and every payload decoder, and re-encodes what decodes: a
 * decoded payload must encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_payloads(const uint8_t *p, size_t len)
{
	uint8_t			 out[PROTO_MAX_FRAME];
	const char		*why;
	struct proto_hello	 hello;
	struct proto_welcome	 welcome;
	struct proto_ping	 ping;
	struct proto_pong	 pong;
	struct proto_conf_begin	 cb;
	struct proto_start	 start;
	struct proto_result	 result;
	struct proto_report	 report;
	struct proto_v1_result	 v1;
	struct proto_run	 run;
	struct proto_stderr_tail tail;
	struct proto_preflight_ans pf;
	static struct proto_metrics metrics;
	char			 reason[PROTO_REASON_MAX + 1];
	size_t			 n;

	if (proto_hello_decode(p, len, &hello, &why) == 0) {
		n = proto_hello_encode(out, sizeof(out), &hello);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_welcome_decode(p, len, &welcome, &why) == 0 &&
	    proto_welcome_encode(out, sizeof(out), &welcome) != len)
		abort();
	if (proto_ping_decode(p, len, &ping, &why) == 0 &&
	    proto_ping_encode(out, sizeof(out), &ping) != len)
		abort();
	if (proto_pong_decode(p, len, &pong, &why) == 0 &&
	    proto_pong_encode(out, sizeof(out), &pong) != len)
		abort();
	if (proto_conf_begin_decode(p, len, &cb, &why) == 0) {
		n = proto_conf_begin_encode(out, sizeof(out), &cb);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_start_decode(p, len, &start, &why) == 0 &&
	    proto_start_encode(out, sizeof(out), &start) != len)
		abort();
	if (proto_result_decode(p, len, &result, &why) == 0) {
		n = proto_result_encode(out, sizeof(out), &result);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_run_decode(p, len, &run, &why) == 0) {
		n = proto_run_encode(out, sizeof(out), &run);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_stderr_tail_decode(p, len, &tail, &why) == 0) {
		n = proto_stderr_tail_encode(out, sizeof(out), &tail);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_preflight_ans_decode(p, len, &pf, &why) == 0) {
		n = proto_preflight_ans_encode(out, sizeof(out), &pf);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	if (proto_metrics_decode(p, len, &metrics, &why) == 0) {
		n = proto_metrics_encode(out, sizeof(out), &metrics);
		if (n != len || memcmp(out, p, len) != 0)
			abort();
	}
	(void)proto_report_decode(p, len, &report, &why);
	(void)proto_v1_result_decode(p, len, &v1, &why);
	(void)proto_reason_copy(reason, sizeof(reason), p, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		 used = 0;
	uint32_t	 session = size > 0 ? data[0] % 3 : 0;
	char		 why[128];

	while (used < size) {
		struct proto_hdr	 hdr;
		const uint8_t		*payload;
		size_t			 framelen;
		enum proto_decode_status st;

		st = proto_decode(data + used, size - used, session, &hdr,
		    &payload, &framelen, why, sizeof(why));
		if (st != PROTO_FRAME)
			break;
		if (framelen < PROTO_HDR_LEN || framelen > size - used ||
		    payload != data + used + PROTO_HDR_LEN)
			abort();
		fuzz_payloads(payload, hdr.datalen);
		used += framelen;
	}
	fuzz_payloads(data, size);
	return 0;
}
