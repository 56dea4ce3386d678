/*
 * test_auth.c - keyed sessions: key files, the handshake, sealed records.
 *
 * What is pinned here: a key file others may read is refused, --genkey never
 * overwrites and makes mode 0600; the same key on both sides proves itself
 * both ways; another key is a "key mismatch" (by key id, and by proof when
 * the key id is forged); a recorded handshake replayed on a new connection,
 * a reflected proof or hello, and an altered, replayed, reordered or
 * reflected record are all refused.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth.h"

#define SESSION	4242u
#define HEX_A	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HEX_B	"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static char	dir[64];
static char	why[512];

#define assert_has(text, word) do {					\
	if (strstr((text), (word)) == NULL)				\
		fail_msg("'%s' lacks '%s'", (text), (word));		\
} while (0)

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_auth.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
key_of(const char *hex, struct auth_key *k)
{
	assert_int_equal(auth_key_parse(hex, strlen(hex), k, why,
	    sizeof(why)), 0);
}

/* ---- key files ---- */

static void
test_key_parse(void **state)
{
	struct auth_key a, a2, b;

	(void)state;
	key_of(HEX_A, &a);
	key_of(HEX_A "\n", &a2);
	key_of(HEX_B "\r\n", &b);
	assert_memory_equal(a.key, a2.key, AUTH_KEY_LEN);
	assert_int_equal(a.key[1], 0x11);
	assert_string_equal(a.id_hex, a2.id_hex);
	assert_int_equal(strlen(a.id_hex), 16);
	assert_string_not_equal(a.id_hex, b.id_hex);

	assert_int_equal(auth_key_parse(HEX_A "00", strlen(HEX_A) + 2, &b,
	    why, sizeof(why)), -1);
	assert_has(why, "64 hex digits");
	assert_int_equal(auth_key_parse("abc", 3, &b, why, sizeof(why)), -1);
	assert_int_equal(auth_key_parse("zz" HEX_B, strlen(HEX_A), &b,
	    why, sizeof(why)), -1);
	assert_has(why, "hex");
	assert_int_equal(auth_key_parse("", 0, &b, why, sizeof(why)), -1);
}

static void
test_key_load_modes(void **state)
{
	struct auth_key	k;
	char		path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/key", dir);
	write_file(path, HEX_A "\n", 0600);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), 0);
	assert_int_equal(k.key[31], 0xff);

	write_file(path, HEX_A "\n", 0640);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), -1);
	assert_has(why, "readable or writable by group or others");
	assert_has(why, "0640");
	assert_has(why, path);
	write_file(path, HEX_A "\n", 0604);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), -1);
	assert_has(why, "group or others");
	write_file(path, HEX_A "\n", 0620);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), -1);

	write_file(path, "not a key\n", 0600);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), -1);
	assert_has(why, "--genkey");

	assert_int_equal(auth_key_load(dir, &k, why, sizeof(why)), -1);
	assert_has(why, "not a regular file");
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(auth_key_load(path, &k, why, sizeof(why)), -1);
	assert_has(why, "No such file");
}

static void
test_key_generate(void **state)
{
	struct auth_key	k1, k2;
	struct stat	st;
	char		path[128], path2[128], link[128];
	mode_t		old;

	(void)state;
	snprintf(path, sizeof(path), "%s/gen", dir);
	snprintf(path2, sizeof(path2), "%s/gen2", dir);
	old = umask(0);		/* even so, the file is 0600 */
	assert_int_equal(auth_key_generate(path, why, sizeof(why)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, AUTH_KEY_HEX_LEN + 1);
	assert_int_equal(auth_key_load(path, &k1, why, sizeof(why)), 0);

	/* Never over an existing key. */
	assert_int_equal(auth_key_generate(path, why, sizeof(why)), -1);
	assert_has(why, "not overwritten");
	assert_int_equal(auth_key_load(path, &k2, why, sizeof(why)), 0);
	assert_memory_equal(k1.key, k2.key, AUTH_KEY_LEN);

	/* Nor through a symlink. */
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path2, link), 0);
	assert_int_equal(auth_key_generate(link, why, sizeof(why)), -1);
	assert_int_equal(access(path2, F_OK), -1);

	/* Two keys differ. */
	assert_int_equal(auth_key_generate(path2, why, sizeof(why)), 0);
	assert_int_equal(auth_key_load(path2, &k2, why, sizeof(why)), 0);
	assert_memory_not_equal(k1.key, k2.key, AUTH_KEY_LEN);
}

/* ---- handshake ---- */

struct pair {
	struct auth_session m, s;
};

/* Both hellos crossed; 0 if both sides accepted the other's. */
static int
hellos(struct pair *p, const struct auth_key *mk, const struct auth_key *sk,
    char *mwhy, char *swhy)
{
	assert_int_equal(auth_session_init(&p->m, mk, AUTH_ROLE_MASTER,
	    SESSION), 0);
	assert_int_equal(auth_session_init(&p->s, sk, AUTH_ROLE_SLAVE,
	    SESSION), 0);
	if (auth_hello_receive(&p->m, p->s.my_hello, AUTH_HELLO_LEN, mwhy,
	    256) == -1)
		return -1;
	if (auth_hello_receive(&p->s, p->m.my_hello, AUTH_HELLO_LEN, swhy,
	    256) == -1)
		return -1;
	return 0;
}

static void
establish(struct pair *p, const struct auth_key *k)
{
	uint8_t	mp[AUTH_PROOF_LEN], sp[AUTH_PROOF_LEN];
	char	w1[256], w2[256];

	assert_int_equal(hellos(p, k, k, w1, w2), 0);
	auth_proof_make(&p->m, mp);
	auth_proof_make(&p->s, sp);
	assert_int_equal(auth_proof_check(&p->m, sp, sizeof(sp), w1,
	    sizeof(w1)), 0);
	assert_int_equal(auth_proof_check(&p->s, mp, sizeof(mp), w2,
	    sizeof(w2)), 0);
	assert_true(p->m.established && p->s.established);
}

static void
test_handshake_same_key(void **state)
{
	struct auth_key	k;
	struct pair	p, q;

	(void)state;
	key_of(HEX_A, &k);
	establish(&p, &k);
	/* Fresh nonces: another connection has other record keys. */
	establish(&q, &k);
	assert_memory_not_equal(p.m.tx_key, q.m.tx_key, 32);
	assert_memory_not_equal(p.m.my_hello, q.m.my_hello, AUTH_HELLO_LEN);
	/* Each direction its own key; the peer's rx is our tx. */
	assert_memory_equal(p.m.tx_key, p.s.rx_key, 32);
	assert_memory_equal(p.s.tx_key, p.m.rx_key, 32);
	assert_memory_not_equal(p.m.tx_key, p.m.rx_key, 32);
}

static void
test_handshake_other_key(void **state)
{
	struct auth_key	a, b, forged;
	struct pair	p;
	uint8_t		mp[AUTH_PROOF_LEN], sp[AUTH_PROOF_LEN];
	char		mwhy[256] = "", swhy[256] = "";

	(void)state;
	key_of(HEX_A, &a);
	key_of(HEX_B, &b);
	/* Another key: its id says so at once, on either side. */
	assert_int_equal(hellos(&p, &a, &b, mwhy, swhy), -1);
	assert_has(mwhy, "key mismatch");
	assert_has(mwhy, a.id_hex);
	assert_has(mwhy, b.id_hex);
	assert_int_equal(auth_hello_receive(&p.s, p.m.my_hello,
	    AUTH_HELLO_LEN, swhy, sizeof(swhy)), -1);
	assert_has(swhy, "key mismatch");
	assert_true(p.s.mismatch);	/* told apart without the text */

	/* A key id copied from the right key does not make the proof. */
	forged = b;
	memcpy(forged.id, a.id, sizeof(forged.id));
	assert_int_equal(hellos(&p, &a, &forged, mwhy, swhy), 0);
	auth_proof_make(&p.m, mp);
	auth_proof_make(&p.s, sp);
	assert_int_equal(auth_proof_check(&p.m, sp, sizeof(sp), mwhy,
	    sizeof(mwhy)), -1);
	assert_has(mwhy, "key mismatch");
	assert_int_equal(auth_proof_check(&p.s, mp, sizeof(mp), swhy,
	    sizeof(swhy)), -1);
	assert_has(swhy, "key mismatch");
	assert_true(p.m.mismatch && p.s.mismatch);
	assert_false(p.m.established || p.s.established);
}

static void
test_handshake_replay(void **state)
{
	struct auth_key	k;
	struct pair	rec;
	struct auth_session m2, s2;
	uint8_t		sp[AUTH_PROOF_LEN], mp[AUTH_PROOF_LEN];
	uint8_t		sealed[PROTO_HDR_LEN + 64], plain[64];
	size_t		n;

	(void)state;
	key_of(HEX_A, &k);
	/* A recorded session: the slave's hello and proof, a sealed record. */
	establish(&rec, &k);
	auth_proof_make(&rec.s, sp);
	auth_proof_make(&rec.m, mp);
	n = auth_seal(&rec.s, (const uint8_t *)"hello", 5, sealed);
	assert_int_equal(n, PROTO_HDR_LEN + 5 + AUTH_TAG_LEN);

	/* Replayed to a new master connection: its nonce is new. */
	assert_int_equal(auth_session_init(&m2, &k, AUTH_ROLE_MASTER, SESSION),
	    0);
	assert_int_equal(auth_hello_receive(&m2, rec.s.my_hello,
	    AUTH_HELLO_LEN, why, sizeof(why)), 0);
	assert_int_equal(auth_proof_check(&m2, sp, sizeof(sp), why,
	    sizeof(why)), -1);
	assert_has(why, "key mismatch");
	assert_int_equal(auth_open(&m2, sealed, sealed + PROTO_HDR_LEN,
	    n - PROTO_HDR_LEN, plain), -1);

	/* A recorded master replayed to a new slave: the same. */
	assert_int_equal(auth_session_init(&s2, &k, AUTH_ROLE_SLAVE, SESSION),
	    0);
	assert_int_equal(auth_hello_receive(&s2, rec.m.my_hello,
	    AUTH_HELLO_LEN, why, sizeof(why)), 0);
	assert_int_equal(auth_proof_check(&s2, mp, sizeof(mp), why,
	    sizeof(why)), -1);

	/* Another session id is another transcript. */
	{
		struct auth_session	ma, sb;
		uint8_t			proof[AUTH_PROOF_LEN];

		assert_int_equal(auth_session_init(&ma, &k, AUTH_ROLE_MASTER,
		    1), 0);
		assert_int_equal(auth_session_init(&sb, &k, AUTH_ROLE_SLAVE,
		    2), 0);
		assert_int_equal(auth_hello_receive(&ma, sb.my_hello,
		    AUTH_HELLO_LEN, why, sizeof(why)), 0);
		assert_int_equal(auth_hello_receive(&sb, ma.my_hello,
		    AUTH_HELLO_LEN, why, sizeof(why)), 0);
		auth_proof_make(&sb, proof);
		assert_int_equal(auth_proof_check(&ma, proof, sizeof(proof),
		    why, sizeof(why)), -1);
	}
}

static void
test_handshake_reflection(void **state)
{
	struct auth_key	k;
	struct pair	p;
	uint8_t		mp[AUTH_PROOF_LEN];
	char		w1[256], w2[256];

	(void)state;
	key_of(HEX_A, &k);
	/* Our own hello sent back. */
	assert_int_equal(auth_session_init(&p.m, &k, AUTH_ROLE_MASTER,
	    SESSION), 0);
	assert_int_equal(auth_hello_receive(&p.m, p.m.my_hello,
	    AUTH_HELLO_LEN, why, sizeof(why)), -1);
	assert_has(why, "our own");
	/* The master's proof sent back as the slave's. */
	assert_int_equal(hellos(&p, &k, &k, w1, w2), 0);
	auth_proof_make(&p.m, mp);
	assert_int_equal(auth_proof_check(&p.m, mp, sizeof(mp), why,
	    sizeof(why)), -1);
	/* Proof before hello, wrong lengths, a second hello. */
	assert_int_equal(auth_session_init(&p.s, &k, AUTH_ROLE_SLAVE, SESSION),
	    0);
	assert_int_equal(auth_proof_check(&p.s, mp, sizeof(mp), why,
	    sizeof(why)), -1);
	assert_has(why, "before AUTH_HELLO");
	assert_false(p.s.mismatch);	/* a malformed handshake, not a key */
	assert_int_equal(auth_hello_receive(&p.s, p.m.my_hello,
	    AUTH_HELLO_LEN - 1, why, sizeof(why)), -1);
	assert_int_equal(auth_hello_receive(&p.s, p.m.my_hello,
	    AUTH_HELLO_LEN, why, sizeof(why)), 0);
	assert_int_equal(auth_hello_receive(&p.s, p.m.my_hello,
	    AUTH_HELLO_LEN, why, sizeof(why)), -1);
	assert_int_equal(auth_proof_check(&p.s, mp, sizeof(mp) - 1, why,
	    sizeof(why)), -1);
}

static void
test_handshake_version(void **state)
{
	struct auth_key	k;
	struct pair	p;
	uint8_t		hello[AUTH_HELLO_LEN];

	(void)state;
	key_of(HEX_A, &k);
	assert_int_equal(auth_session_init(&p.m, &k, AUTH_ROLE_MASTER,
	    SESSION), 0);
	assert_int_equal(auth_session_init(&p.s, &k, AUTH_ROLE_SLAVE, SESSION),
	    0);
	memcpy(hello, p.s.my_hello, sizeof(hello));
	hello[1] = 2;
	assert_int_equal(auth_hello_receive(&p.m, hello, sizeof(hello), why,
	    sizeof(why)), -1);
	assert_has(why, "version 2");
}

/* ---- records ---- */

static uint8_t	big[PROTO_MAX_FRAME + 64], plain[PROTO_MAX_PAYLOAD];

static void
test_records(void **state)
{
	struct auth_key	k;
	struct pair	p;
	uint8_t		r0[64], r1[64], r2[64];
	size_t		n0, n1, n2, i;
	ssize_t		n;

	(void)state;
	key_of(HEX_A, &k);
	/* Nothing is sealed before the handshake ends. */
	assert_int_equal(auth_session_init(&p.m, &k, AUTH_ROLE_MASTER,
	    SESSION), 0);
	assert_int_equal(auth_seal(&p.m, (const uint8_t *)"x", 1, r0), 0);
	establish(&p, &k);

	n0 = auth_seal(&p.m, (const uint8_t *)"zero", 4, r0);
	n1 = auth_seal(&p.m, (const uint8_t *)"one", 3, r1);
	n2 = auth_seal(&p.m, (const uint8_t *)"two", 3, r2);
	assert_int_equal(n0, PROTO_HDR_LEN + 4 + AUTH_TAG_LEN);
	assert_int_equal(r0[8], CMD_SEALED);
	/* Not readable on the wire. */
	assert_null(memmem(r0, n0, "zero", 4));

	/* Reordered: record 1 first fails. */
	assert_int_equal(auth_open(&p.s, r1, r1 + PROTO_HDR_LEN,
	    n1 - PROTO_HDR_LEN, plain), -1);
	/* Reflected: our own record is not the peer's. */
	assert_int_equal(auth_open(&p.m, r0, r0 + PROTO_HDR_LEN,
	    n0 - PROTO_HDR_LEN, plain), -1);
	/* Altered: any byte of header, ciphertext or tag. */
	for (i = 0; i < n0; i++) {
		r0[i] ^= 0x20;
		assert_int_equal(auth_open(&p.s, r0, r0 + PROTO_HDR_LEN,
		    n0 - PROTO_HDR_LEN, plain), -1);
		r0[i] ^= 0x20;
	}
	/* Truncated. */
	assert_int_equal(auth_open(&p.s, r0, r0 + PROTO_HDR_LEN,
	    n0 - PROTO_HDR_LEN - 1, plain), -1);
	/* In order: fine. */
	n = auth_open(&p.s, r0, r0 + PROTO_HDR_LEN, n0 - PROTO_HDR_LEN, plain);
	assert_int_equal(n, 4);
	assert_memory_equal(plain, "zero", 4);
	/* Replayed: fails. */
	assert_int_equal(auth_open(&p.s, r0, r0 + PROTO_HDR_LEN,
	    n0 - PROTO_HDR_LEN, plain), -1);
	n = auth_open(&p.s, r1, r1 + PROTO_HDR_LEN, n1 - PROTO_HDR_LEN, plain);
	assert_int_equal(n, 3);
	/* Dropped: skipping record 2 makes record 3 fail. */
	n2 = auth_seal(&p.m, (const uint8_t *)"three", 5, r2);
	assert_int_equal(auth_open(&p.s, r2, r2 + PROTO_HDR_LEN,
	    n2 - PROTO_HDR_LEN, plain), -1);

	/* The other direction, and the largest record. */
	memset(plain, 'p', AUTH_RECORD_MAX);
	assert_int_equal(auth_seal(&p.s, plain, AUTH_RECORD_MAX + 1, big), 0);
	assert_int_equal(auth_seal(&p.s, plain, 0, big), 0);
	n0 = auth_seal(&p.s, plain, AUTH_RECORD_MAX, big);
	assert_int_equal(n0, PROTO_MAX_FRAME);
	memset(plain, 0, sizeof(plain));
	n = auth_open(&p.m, big, big + PROTO_HDR_LEN, n0 - PROTO_HDR_LEN,
	    plain);
	assert_int_equal(n, AUTH_RECORD_MAX);
	assert_int_equal(plain[AUTH_RECORD_MAX - 1], 'p');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_load_modes),
		cmocka_unit_test(test_key_generate),
		cmocka_unit_test(test_handshake_same_key),
		cmocka_unit_test(test_handshake_other_key),
		cmocka_unit_test(test_handshake_replay),
		cmocka_unit_test(test_handshake_reflection),
		cmocka_unit_test(test_handshake_version),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
