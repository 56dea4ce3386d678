/*
 * auth.c - pre-shared key, handshake proofs and sealed records (libsodium).
 *
 * Key schedule (NOTES section 10), PSK the 32-byte key of the key file:
 *	key id     = BLAKE2b-64(key = PSK, "synexec key id v1")
 *	auth key   = crypto_kdf(PSK, id 1, context "synexec1")
 *	record key = crypto_kdf(PSK, id 2, context "synexec1")
 *	T          = session (u32) | master's AUTH_HELLO | slave's AUTH_HELLO
 *	proof      = HMAC-SHA-256(auth key, "synexec proof v1 " role | T)
 *	m2s | s2m  = BLAKE2b-512(key = record key, "synexec records v1" | T)
 * Both AUTH_HELLOs carry a fresh random nonce, so T, the proofs and the
 * record keys are new on every connection.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"

#define AUTH_KDF_CONTEXT	"synexec1"	/* crypto_kdf: exactly 8 chars */
#define AUTH_KDF_PROOF		1
#define AUTH_KDF_RECORDS	2
#define AUTH_KEYFILE_MAX	256	/* bytes read from a key file */
#define AUTH_TRANSCRIPT_LEN	(4 + 2 * AUTH_HELLO_LEN)

static const char auth_keyid_label[] = "synexec key id v1";
static const char auth_records_label[] = "synexec records v1";
static const char auth_proof_master[] = "synexec proof v1 master";
static const char auth_proof_slave[] = "synexec proof v1 slave";

static int
auth_sodium(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot be initialised");
		return -1;
	}
	return 0;
}

static void
auth_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- key files ---- */

int
auth_key_parse(const char *text, size_t len, struct auth_key *k, char *err,
    size_t errlen)
{
	size_t		 binlen = 0;
	const char	*end = NULL;

	/* One trailing newline (or CR LF, or blanks) is what editors leave. */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len != AUTH_KEY_HEX_LEN) {
		snprintf(err, errlen, "expected %d hex digits (a %d-byte key), "
		    "found %zu characters", AUTH_KEY_HEX_LEN, AUTH_KEY_LEN, len);
		return -1;
	}
	if (sodium_hex2bin(k->key, sizeof(k->key), text, len, NULL, &binlen,
	    &end) != 0 || binlen != AUTH_KEY_LEN || end != text + len) {
		sodium_memzero(k->key, sizeof(k->key));
		snprintf(err, errlen, "not a hex key (only 0-9, a-f, A-F)");
		return -1;
	}
	crypto_generichash(k->id, sizeof(k->id),
	    (const unsigned char *)auth_keyid_label,
	    sizeof(auth_keyid_label) - 1, k->key, sizeof(k->key));
	sodium_bin2hex(k->id_hex, sizeof(k->id_hex), k->id, sizeof(k->id));
	return 0;
}

/* "uid 1000 (alice)", or "uid 1000" for a uid without a name. */
static void
auth_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "uid %ld (%s)", (long)uid, pw->pw_name);
	else
		snprintf(buf, len, "uid %ld", (long)uid);
}

int
auth_key_load(const char *path, struct auth_key *k, char *err, size_t errlen)
{
	struct stat	st;
	char		text[AUTH_KEYFILE_MAX + 1], why[160];
	char		owner[96], me[96];
	ssize_t		n;
	size_t		got = 0;
	int		fd;

	if (auth_sodium(err, errlen) == -1)
		return -1;
	memset(k, 0, sizeof(*k));
	/* O_NONBLOCK: a FIFO put there cannot hold us (refused below). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		close(fd);
		return -1;
	}
	/*
	 * Like ssh with a private key: a key file is ours or root's.  Its
	 * owner could read it, and put his own key there.
	 */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		auth_user_name(st.st_uid, owner, sizeof(owner));
		auth_user_name(geteuid(), me, sizeof(me));
		snprintf(err, errlen, "key file %s is owned by %s, not by %s "
		    "(who runs this) or root: refused; chown it", path, owner,
		    me);
		close(fd);
		return -1;
	}
	/* Like ssh with a private key: a key others may read is no secret. */
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "key file %s is readable or writable by "
		    "group or others (mode %04o): refused; chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	while (got < sizeof(text)) {
		n = read(fd, text + got, sizeof(text) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "key file %s: %s", path,
			    strerror(errno));
			close(fd);
			sodium_memzero(text, sizeof(text));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > AUTH_KEYFILE_MAX) {
		snprintf(err, errlen, "key file %s: larger than %d bytes: not a "
		    "key file", path, AUTH_KEYFILE_MAX);
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	if (auth_key_parse(text, got, k, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "key file %s: %s (make one with "
		    "synexec_master --genkey FILE)", path, why);
		sodium_memzero(text, sizeof(text));
		return -1;
	}
	sodium_memzero(text, sizeof(text));
	return 0;
}

int
auth_key_generate(const char *path, char *err, size_t errlen)
{
	uint8_t	key[AUTH_KEY_LEN];
	char	hex[AUTH_KEY_HEX_LEN + 2];
	size_t	len, off = 0;
	ssize_t	n;
	int	fd;

	if (auth_sodium(err, errlen) == -1)
		return -1;
	/* O_EXCL: an existing key (maybe the one every slave has) stays. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			snprintf(err, errlen, "%s exists: not overwritten "
			    "(remove it first to make a new key)", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	len = strlen(hex);
	hex[len++] = '\n';
	/* The umask can only have removed bits; make it exactly 0600. */
	if (fchmod(fd, 0600) == -1)
		goto fail;
	while (off < len) {
		n = write(fd, hex + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	sodium_memzero(hex, sizeof(hex));
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(path);
	sodium_memzero(hex, sizeof(hex));
	return -1;
}

void
auth_key_wipe(struct auth_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

/* ---- handshake ---- */

int
auth_session_init(struct auth_session *as, const struct auth_key *k,
    enum auth_role role, uint32_t session)
{
	char err[64];

	memset(as, 0, sizeof(*as));
	if (auth_sodium(err, sizeof(err)) == -1)
		return -1;
	as->role = role;
	as->session = session;
	memcpy(as->psk, k->key, sizeof(as->psk));
	memcpy(as->key_id, k->id, sizeof(as->key_id));
	as->my_hello[0] = 0;
	as->my_hello[1] = AUTH_VERSION;
	as->my_hello[2] = 0;		/* flags: none defined */
	as->my_hello[3] = 0;
	memcpy(as->my_hello + 4, k->id, AUTH_KEYID_LEN);
	randombytes_buf(as->my_hello + 4 + AUTH_KEYID_LEN, AUTH_NONCE_LEN);
	return 0;
}

void
auth_session_wipe(struct auth_session *as)
{
	sodium_memzero(as, sizeof(*as));
}

/* session | master's hello | slave's hello */
static void
auth_transcript(const struct auth_session *as, uint8_t *t)
{
	const uint8_t *m = as->role == AUTH_ROLE_MASTER ? as->my_hello :
	    as->peer_hello;
	const uint8_t *s = as->role == AUTH_ROLE_MASTER ? as->peer_hello :
	    as->my_hello;

	auth_put_u32(t, as->session);
	memcpy(t + 4, m, AUTH_HELLO_LEN);
	memcpy(t + 4 + AUTH_HELLO_LEN, s, AUTH_HELLO_LEN);
}

int
auth_hello_receive(struct auth_session *as, const uint8_t *p, size_t len,
    char *why, size_t whylen)
{
	uint8_t	t[sizeof(auth_records_label) - 1 + AUTH_TRANSCRIPT_LEN];
	uint8_t	keys[64], kdf[32];
	char	peer_id[2 * AUTH_KEYID_LEN + 1], our_id[2 * AUTH_KEYID_LEN + 1];
	unsigned version;

	if (as->have_peer_hello) {
		snprintf(why, whylen, "a second AUTH_HELLO");
		return -1;
	}
	if (len != AUTH_HELLO_LEN) {
		snprintf(why, whylen, "AUTH_HELLO of %zu bytes (expected %d)",
		    len, AUTH_HELLO_LEN);
		return -1;
	}
	version = (unsigned)p[0] << 8 | p[1];
	if (version != AUTH_VERSION) {
		snprintf(why, whylen, "key handshake version %u, we speak "
		    "version %d", version, AUTH_VERSION);
		return -1;
	}
	if (sodium_memcmp(p + 4, as->key_id, AUTH_KEYID_LEN) != 0) {
		sodium_bin2hex(peer_id, sizeof(peer_id), p + 4, AUTH_KEYID_LEN);
		sodium_bin2hex(our_id, sizeof(our_id), as->key_id,
		    AUTH_KEYID_LEN);
		snprintf(why, whylen, "key mismatch: the peer's key is %s, "
		    "ours is %s", peer_id, our_id);
		as->mismatch = true;
		return -1;
	}
	/* Our own hello sent back: a reflection, not a peer. */
	if (sodium_memcmp(p + 4 + AUTH_KEYID_LEN, as->my_hello + 4 +
	    AUTH_KEYID_LEN, AUTH_NONCE_LEN) == 0) {
		snprintf(why, whylen, "the peer sent our own AUTH_HELLO back");
		return -1;
	}
	memcpy(as->peer_hello, p, AUTH_HELLO_LEN);
	as->have_peer_hello = true;

	crypto_kdf_derive_from_key(as->auth_key, sizeof(as->auth_key),
	    AUTH_KDF_PROOF, AUTH_KDF_CONTEXT, as->psk);
	crypto_kdf_derive_from_key(kdf, sizeof(kdf), AUTH_KDF_RECORDS,
	    AUTH_KDF_CONTEXT, as->psk);
	memcpy(t, auth_records_label, sizeof(auth_records_label) - 1);
	auth_transcript(as, t + sizeof(auth_records_label) - 1);
	crypto_generichash(keys, sizeof(keys), t, sizeof(t), kdf, sizeof(kdf));
	if (as->role == AUTH_ROLE_MASTER) {
		memcpy(as->tx_key, keys, 32);
		memcpy(as->rx_key, keys + 32, 32);
	} else {
		memcpy(as->tx_key, keys + 32, 32);
		memcpy(as->rx_key, keys, 32);
	}
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(kdf, sizeof(kdf));
	return 0;
}

/* The proof the side playing role makes. */
static void
auth_proof_of(const struct auth_session *as, enum auth_role role,
    uint8_t out[AUTH_PROOF_LEN])
{
	const char	*label = role == AUTH_ROLE_MASTER ? auth_proof_master :
			    auth_proof_slave;
	size_t		 llen = strlen(label);
	uint8_t		 msg[sizeof(auth_proof_master) + AUTH_TRANSCRIPT_LEN];

	memcpy(msg, label, llen);
	auth_transcript(as, msg + llen);
	crypto_auth_hmacsha256(out, msg, llen + AUTH_TRANSCRIPT_LEN,
	    as->auth_key);
}

void
auth_proof_make(const struct auth_session *as, uint8_t out[AUTH_PROOF_LEN])
{
	auth_proof_of(as, as->role, out);
}

int
auth_proof_check(struct auth_session *as, const uint8_t *p, size_t len,
    char *why, size_t whylen)
{
	uint8_t			 want[AUTH_PROOF_LEN];
	enum auth_role		 peer = as->role == AUTH_ROLE_MASTER ?
				    AUTH_ROLE_SLAVE : AUTH_ROLE_MASTER;
	int			 ok;

	if (!as->have_peer_hello) {
		snprintf(why, whylen, "AUTH_PROOF before AUTH_HELLO");
		return -1;
	}
	if (as->established) {
		snprintf(why, whylen, "a second AUTH_PROOF");
		return -1;
	}
	if (len != AUTH_PROOF_LEN) {
		snprintf(why, whylen, "AUTH_PROOF of %zu bytes (expected %d)",
		    len, AUTH_PROOF_LEN);
		return -1;
	}
	auth_proof_of(as, peer, want);
	ok = sodium_memcmp(want, p, AUTH_PROOF_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	if (!ok) {
		snprintf(why, whylen, "key mismatch: the peer's proof does not "
		    "match our key (another key, or a forged or replayed "
		    "handshake)");
		as->mismatch = true;
		return -1;
	}
	as->established = true;
	/* The PSK is not needed any more on this connection. */
	sodium_memzero(as->psk, sizeof(as->psk));
	sodium_memzero(as->auth_key, sizeof(as->auth_key));
	return 0;
}

/* ---- records ---- */

static void
auth_nonce(uint64_t count, uint8_t n[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES])
{
	int i;

	memset(n, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	for (i = 0; i < 8; i++)
		n[i] = (uint8_t)(count >> (56 - 8 * i));
}

size_t
auth_seal(struct auth_session *as, const uint8_t *plain, size_t len,
    uint8_t *out)
{
	uint8_t			nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned long long	clen = 0;

	if (!as->established || len == 0 || len > AUTH_RECORD_MAX ||
	    as->tx_count == UINT64_MAX)
		return 0;
	proto_encode_hdr(out, as->session, CMD_SEALED,
	    (uint16_t)(len + AUTH_TAG_LEN));
	auth_nonce(as->tx_count, nonce);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + PROTO_HDR_LEN,
	    &clen, plain, len, out, PROTO_HDR_LEN, NULL, nonce,
	    as->tx_key) != 0)
		return 0;
	as->tx_count++;
	return PROTO_HDR_LEN + (size_t)clen;
}

ssize_t
auth_open(struct auth_session *as, const uint8_t hdr[PROTO_HDR_LEN],
    const uint8_t *p, size_t len, uint8_t *plain)
{
	uint8_t			nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned long long	mlen = 0;

	if (!as->established || len <= AUTH_TAG_LEN ||
	    len > PROTO_MAX_PAYLOAD || as->rx_count == UINT64_MAX)
		return -1;
	auth_nonce(as->rx_count, nonce);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, p,
	    len, hdr, PROTO_HDR_LEN, nonce, as->rx_key) != 0)
		return -1;
	as->rx_count++;
	return (ssize_t)mlen;
}
