/*
 * auth.h - keyed sessions: the pre-shared key, the handshake that proves it,
 * and the sealing of every later frame (NOTES section 10).
 *
 * Pure code over libsodium: no I/O but reading and writing key files, no
 * event loop.  conn.c drives it; the unit tests and the fuzz harnesses call
 * it directly.  Nothing here is home-made cryptography: the key derivation is
 * crypto_kdf and keyed BLAKE2b (crypto_generichash), the proofs are
 * HMAC-SHA-256 (crypto_auth_hmacsha256), the records are XChaCha20-Poly1305
 * (crypto_aead_xchacha20poly1305_ietf) with a per-direction counter nonce.
 */
#ifndef SYNEXEC_AUTH_H
#define SYNEXEC_AUTH_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define AUTH_VERSION		1
#define AUTH_KEY_LEN		32	/* the pre-shared key */
#define AUTH_KEY_HEX_LEN	(2 * AUTH_KEY_LEN)
#define AUTH_KEYID_LEN		8	/* public fingerprint of the key */
#define AUTH_NONCE_LEN		32
#define AUTH_HELLO_LEN		(2 + 2 + AUTH_KEYID_LEN + AUTH_NONCE_LEN)
#define AUTH_PROOF_LEN		32	/* HMAC-SHA-256 */
#define AUTH_TAG_LEN		16	/* Poly1305 */
/* Plaintext bytes one SEALED frame carries at most. */
#define AUTH_RECORD_MAX		(PROTO_MAX_PAYLOAD - AUTH_TAG_LEN)
/* Seconds a peer has to complete the handshake. */
#define AUTH_HANDSHAKE_SECS	5.0

struct auth_key {
	uint8_t	key[AUTH_KEY_LEN];
	uint8_t	id[AUTH_KEYID_LEN];
	char	id_hex[2 * AUTH_KEYID_LEN + 1];
};

enum auth_role {
	AUTH_ROLE_MASTER,
	AUTH_ROLE_SLAVE,
};

/* One connection's handshake and record state. */
struct auth_session {
	enum auth_role	role;
	uint32_t	session;
	uint8_t		psk[AUTH_KEY_LEN];
	uint8_t		key_id[AUTH_KEYID_LEN];
	uint8_t		my_hello[AUTH_HELLO_LEN];
	uint8_t		peer_hello[AUTH_HELLO_LEN];
	bool		have_peer_hello;
	bool		established;	/* the peer's proof verified */
	bool		mismatch;	/* a -1 said: another key */
	uint8_t		auth_key[32];	/* proofs (HMAC-SHA-256) */
	uint8_t		tx_key[32];	/* records we send */
	uint8_t		rx_key[32];	/* records we receive */
	uint64_t	tx_count;	/* records sealed so far */
	uint64_t	rx_count;	/* records opened so far */
};

/*
 * Key files: AUTH_KEY_HEX_LEN hex digits and an optional newline, a regular
 * file that neither group nor others may read or write.  Returns 0, or -1
 * with a message naming the file in err.
 */
int	auth_key_load(const char *path, struct auth_key *, char *err,
	    size_t errlen);
/* Parse the text of a key file (len bytes). */
int	auth_key_parse(const char *text, size_t len, struct auth_key *,
	    char *err, size_t errlen);
/* A new random key into path: mode 0600, never over an existing file. */
int	auth_key_generate(const char *path, char *err, size_t errlen);
void	auth_key_wipe(struct auth_key *);

/* Fresh nonce; my_hello is then ready to send as the AUTH_HELLO payload. */
int	auth_session_init(struct auth_session *, const struct auth_key *,
	    enum auth_role, uint32_t session);
void	auth_session_wipe(struct auth_session *);

/*
 * The peer's AUTH_HELLO.  Returns 0 (the proof can be made), or -1 with why:
 * a wrong length or version, or another key ("key mismatch: ...", and
 * mismatch set).
 */
int	auth_hello_receive(struct auth_session *, const uint8_t *p, size_t len,
	    char *why, size_t whylen);
/* Our AUTH_PROOF payload (after auth_hello_receive). */
void	auth_proof_make(const struct auth_session *,
	    uint8_t out[AUTH_PROOF_LEN]);
/*
 * The peer's AUTH_PROOF; 0 and established, or -1 with why (a proof that
 * does not match our key: "key mismatch: ...", and mismatch set).
 */
int	auth_proof_check(struct auth_session *, const uint8_t *p, size_t len,
	    char *why, size_t whylen);

/*
 * Seal len (1..AUTH_RECORD_MAX) plaintext bytes into one SEALED frame at out:
 * header, ciphertext, tag; out has room for PROTO_HDR_LEN + len +
 * AUTH_TAG_LEN bytes and must not overlap plain.  Returns the frame length.
 */
size_t	auth_seal(struct auth_session *, const uint8_t *plain, size_t len,
	    uint8_t *out);
/*
 * Open the payload of a SEALED frame whose header is hdr (the 11 bytes as
 * received): the plaintext (len - AUTH_TAG_LEN bytes) into plain.  Returns
 * its length, or -1 if the record does not authenticate as the next one of
 * this direction (altered, replayed, reordered, dropped or forged).
 */
ssize_t	auth_open(struct auth_session *, const uint8_t hdr[PROTO_HDR_LEN],
	    const uint8_t *p, size_t len, uint8_t *plain);

#endif
