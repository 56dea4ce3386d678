/*
 * seal.c - the keyed half of a connection: the key handshake, the frames
 * held until it is over, the sealed records after it (NOTES section 10).
 *
 * conn.c calls it for every frame of a keyed connection that is not inside
 * the seal, and for every frame its owner sends; it answers what to do and
 * does the cryptography through auth.c.  A connection without a key asks it
 * only to judge headers (seal_judge with no seal): the seal's own frames are
 * then refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"

/* One opened record. */
static uint8_t	seal_plain[AUTH_RECORD_MAX];

struct seal *
seal_new(const struct auth_key *key, enum auth_role role, uint32_t session,
    size_t out_limit, char *why, size_t whylen)
{
	struct seal *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(why, whylen, "out of memory for the key handshake");
		return NULL;
	}
	if (auth_session_init(&s->as, key, role, session) == -1) {
		free(s);
		snprintf(why, whylen, "libsodium cannot be initialised");
		return NULL;
	}
	buf_init(&s->held, out_limit);
	/* A partial frame, plus the record that completes it. */
	buf_init(&s->inner, PROTO_MAX_FRAME + AUTH_RECORD_MAX);
	return s;
}

void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	buf_free(&s->held);
	buf_free(&s->inner);
	auth_session_wipe(&s->as);
	free(s);
}

const uint8_t *
seal_hello(const struct seal *s)
{
	return s->as.my_hello;
}

bool
seal_proved(const struct seal *s)
{
	return s != NULL && s->as.established;
}

bool
seal_own(uint8_t cmd)
{
	return cmd == CMD_AUTH_HELLO || cmd == CMD_AUTH_PROOF ||
	    cmd == CMD_SEALED;
}

/*
 * Until the peer has proved the key, a keyed connection takes nothing but
 * the handshake's own frames, whose bounds proto.c fixed (AUTH_HELLO 44
 * bytes, AUTH_PROOF 32, ERROR up to 1024): so whoever lacks the key makes
 * us hold no more than that.  A connection without a key refuses them.
 */
int
seal_judge(const struct seal *s, const struct proto_hdr *h, char *why,
    size_t whylen, const char **to_peer, bool *mismatch)
{
	*mismatch = false;
	if (s == NULL) {
		if (!seal_own(h->command))
			return 0;
		snprintf(why, whylen, "key mismatch: the peer wants a keyed "
		    "session (it sent AUTH_HELLO) and we have no key (-k FILE)");
		*to_peer = "key mismatch: no key here (give both sides the "
		    "same -k FILE)";
		*mismatch = true;
		return -1;
	}
	if (s->as.established)
		return 0;	/* SEALED, or refused once read */
	switch (h->command) {
	case CMD_AUTH_HELLO:
	case CMD_AUTH_PROOF:
	case CMD_ERROR:
		return 0;
	case CMD_SEALED:
		snprintf(why, whylen, "a sealed record before the key handshake "
		    "ended");
		*to_peer = "key handshake refused";
		return -1;
	default:
		snprintf(why, whylen, "key mismatch: the peer has no key (it "
		    "sent %s before any key handshake: a peer without -k, or "
		    "a 2014 peer)", proto_cmd_name(h->command));
		*to_peer = "key mismatch: a key is required here (-k FILE)";
		*mismatch = true;
		return -1;
	}
}

enum seal_step
seal_handshake(struct seal *s, const struct proto_hdr *h, const uint8_t *p,
    uint8_t proof[AUTH_PROOF_LEN], char *why, size_t whylen,
    const char **to_peer, bool *mismatch)
{
	char text[PROTO_REASON_MAX + 1];

	*mismatch = false;
	switch (h->command) {
	case CMD_AUTH_HELLO:
		if (auth_hello_receive(&s->as, p, h->datalen, why,
		    whylen) == -1) {
			*mismatch = s->as.mismatch;
			*to_peer = s->as.mismatch ?
			    "key mismatch: the keys differ" :
			    "key handshake refused";
			return SEAL_REFUSED;
		}
		auth_proof_make(&s->as, proof);
		return SEAL_REPLY;
	case CMD_AUTH_PROOF:
		if (auth_proof_check(&s->as, p, h->datalen, why,
		    whylen) == -1) {
			*mismatch = s->as.mismatch;
			*to_peer = "key mismatch: your proof does not match "
			    "our key";
			return SEAL_REFUSED;
		}
		return SEAL_PROVED;
	case CMD_ERROR:
		proto_reason_copy(text, sizeof(text), p, h->datalen);
		snprintf(why, whylen, "the peer refused the key handshake: "
		    "%.140s", h->datalen > 0 ? text : "no reason given");
		*mismatch = true;
		return SEAL_FAILED;
	default:
		/* seal_judge() let nothing else through. */
		snprintf(why, whylen, "key handshake: unexpected frame");
		*to_peer = "key handshake refused";
		return SEAL_REFUSED;
	}
}

int
seal_hold(struct seal *s, const uint8_t *frame, size_t len)
{
	return buf_append(&s->held, frame, len);
}

size_t
seal_size(size_t len)
{
	size_t nrec = (len + AUTH_RECORD_MAX - 1) / AUTH_RECORD_MAX;

	return len + nrec * (PROTO_HDR_LEN + AUTH_TAG_LEN);
}

int
seal_records(struct seal *s, const uint8_t *p, size_t len, struct buf *out,
    const char **why)
{
	size_t n, rec;

	while (len > 0) {
		rec = len > AUTH_RECORD_MAX ? AUTH_RECORD_MAX : len;
		if (buf_reserve(out, PROTO_HDR_LEN + rec + AUTH_TAG_LEN) ==
		    -1) {
			*why = "out of memory for output";
			return -1;
		}
		n = auth_seal(&s->as, p, rec, buf_tail(out));
		if (n == 0) {
			*why = "cannot seal a record";
			return -1;
		}
		buf_commit(out, n);
		p += rec;
		len -= rec;
	}
	return 0;
}

int
seal_open(struct seal *s, const uint8_t *hdrbytes, const struct proto_hdr *h,
    const uint8_t *p, char *why, size_t whylen)
{
	char	text[PROTO_REASON_MAX + 1];
	ssize_t	n;

	if (h->command != CMD_SEALED) {
		/* Anyone on the path can inject this: say so, and go. */
		proto_reason_copy(text, sizeof(text), p,
		    h->command == CMD_ERROR ? h->datalen : 0);
		snprintf(why, whylen, "unsealed %s after the key handshake"
		    "%s%.80s: closing", proto_cmd_name(h->command),
		    h->command == CMD_ERROR ? ", unauthenticated text: " : "",
		    text);
		return -1;
	}
	n = auth_open(&s->as, hdrbytes, p, h->datalen, seal_plain);
	if (n <= 0) {
		snprintf(why, whylen, "sealed record %llu does not "
		    "authenticate (altered, replayed, reordered or forged): "
		    "closing", (unsigned long long)s->as.rx_count + 1);
		return -1;
	}
	if (buf_append(&s->inner, seal_plain, (size_t)n) == -1) {
		snprintf(why, whylen, "out of memory for input");
		return -1;
	}
	return 0;
}
