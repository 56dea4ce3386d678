/*
 * seal.h - the keyed half of a connection (NOTES section 10): the key
 * handshake, the frames held until it is over, and the sealed records that
 * carry every frame after it (seal.c).
 *
 * No I/O and no event loop: conn.c reads and writes the bytes, keeps the
 * handshake's deadline and asks this module, frame by frame, what to do.
 * The cryptography itself is auth.c's.
 */
#ifndef SYNEXEC_SEAL_H
#define SYNEXEC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "proto.h"

struct seal {
	struct auth_session	 as;
	struct buf		 held;		/* frames sent before it ended */
	struct buf		 inner;		/* opened bytes: a partial frame */
};

/* What to do with a frame of the handshake (seal_handshake). */
enum seal_step {
	SEAL_REPLY,	/* send our AUTH_PROOF, in plain */
	SEAL_PROVED,	/* the peer proved the key: seal what is held */
	SEAL_REFUSED,	/* refuse: tell the peer to_peer, then close */
	SEAL_FAILED,	/* the peer refused us (its ERROR): close */
};

/*
 * A keyed connection of this role in this session, whose output may hold
 * out_limit bytes; NULL (why) if out of memory or libsodium failed.
 */
struct seal *seal_new(const struct auth_key *, enum auth_role, uint32_t session,
	    size_t out_limit, char *why, size_t whylen);
/* Wipes the keys.  NULL is fine. */
void	seal_free(struct seal *);
/* Our AUTH_HELLO payload (AUTH_HELLO_LEN bytes), to send at once. */
const uint8_t *seal_hello(const struct seal *);
/* The peer proved the key: every frame is sealed from now on. */
bool	seal_proved(const struct seal *);
/* AUTH_HELLO, AUTH_PROOF or SEALED: the seal's own frames. */
bool	seal_own(uint8_t command);
/*
 * Judge the header of a frame outside the seal, before its payload comes
 * (s NULL: a connection without a key).  0: take it; -1: refuse it, why
 * for our log, to_peer for the peer's (always set).  Until the peer has
 * proved the key only AUTH_HELLO, AUTH_PROOF and ERROR are taken; without
 * a key, the seal's own frames are refused.  *mismatch says whether the
 * refusal is a key mismatch (the keys differ, or one side has none).
 */
int	seal_judge(const struct seal *, const struct proto_hdr *, char *why,
	    size_t whylen, const char **to_peer, bool *mismatch);
/*
 * A frame of the handshake, judged already.  SEAL_REPLY with our proof in
 * proof; SEAL_REFUSED and SEAL_FAILED with why (and to_peer), and
 * *mismatch true when the refusal is a key mismatch.
 */
enum seal_step seal_handshake(struct seal *, const struct proto_hdr *,
	    const uint8_t *p, uint8_t proof[AUTH_PROOF_LEN], char *why,
	    size_t whylen, const char **to_peer, bool *mismatch);
/* Hold a frame (header and payload) until the peer has proved the key. */
int	seal_hold(struct seal *, const uint8_t *frame, size_t len);
/* Output bytes that sealing len bytes of frames takes, at most. */
size_t	seal_size(size_t len);
/*
 * Seal len bytes of the frame stream into SEALED records at the end of out
 * (room for seal_size(len) checked by the caller): 0, or -1 with why.
 */
int	seal_records(struct seal *, const uint8_t *p, size_t len,
	    struct buf *out, const char **why);
/*
 * A frame outside the seal once the key is proved (hdrbytes: its header as
 * received, the record's associated data): a SEALED record is opened onto
 * inner, whose whole frames are then the owner's; 0.  Anything else, or a
 * record that does not authenticate: -1 with why.
 */
int	seal_open(struct seal *, const uint8_t *hdrbytes,
	    const struct proto_hdr *, const uint8_t *p, char *why,
	    size_t whylen);

#endif
