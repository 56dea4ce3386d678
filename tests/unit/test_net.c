/*
 * test_net.c - the address type's one formatter and one parser (net.c),
 * and host lists (hostlist.c): commas, ranges, IPv6 in brackets, files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <cmocka.h>

#include "hostlist.h"
#include "net.h"

static void
split_ok(const char *spec, const char *host, int port)
{
	char		h[NET_HOST_MAX + 1], err[256];
	uint16_t	p = 0;
	bool		has = false;

	if (net_hostport_split(spec, h, sizeof(h), &p, &has, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", spec, err);
	assert_string_equal(h, host);
	assert_int_equal(has, port >= 0);
	if (port >= 0)
		assert_int_equal(p, port);
}

static void
split_bad(const char *spec)
{
	char		h[NET_HOST_MAX + 1], err[256];
	uint16_t	p;
	bool		has;

	if (net_hostport_split(spec, h, sizeof(h), &p, &has, err,
	    sizeof(err)) != -1)
		fail_msg("%s: taken as %s", spec, h);
}

static void
test_split(void **state)
{
	(void)state;
	split_ok("vm1", "vm1", -1);
	split_ok("vm1.example:5166", "vm1.example", 5166);
	split_ok("198.18.0.1:1", "198.18.0.1", 1);
	split_ok("[fd00::1]:5165", "fd00::1", 5165);
	split_ok("[fd00::1]", "fd00::1", -1);
	split_ok("fd00::1", "fd00::1", -1);
	split_ok("[fe80::1%eth0]:7", "fe80::1%eth0", 7);
	split_ok("::1", "::1", -1);
	split_bad("");
	split_bad("a@b");
	split_bad("[fd00::1");
	split_bad("[fd00::1]x");
	split_bad("[vm1]:5165");
	split_bad("[fd00::1]:0");
	split_bad("vm1:");
	split_bad("vm1:65536");
	split_bad("fd00::zz");
}

static void
test_format(void **state)
{
	struct net_addr		a;
	struct sockaddr_in6	m;
	char			s[NET_ADDRSTRLEN], ifn[IF_NAMESIZE];
	char			want[64], err[128];

	(void)state;
	assert_int_equal(net_addr_numeric("198.18.0.1", 5165, &a, err,
	    sizeof(err)), 0);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)),
	    "198.18.0.1:5165");
	assert_int_equal(net_addr_numeric("fd00::1", 5165, &a, err,
	    sizeof(err)), 0);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)), "[fd00::1]:5165");
	assert_string_equal(net_ip_str(&a, s, sizeof(s)), "fd00::1");
	/* A link-local address carries its interface (lo is index 1). */
	assert_non_null(if_indextoname(1, ifn));
	snprintf(want, sizeof(want), "fe80::1%%%s", ifn);
	assert_int_equal(net_addr_numeric(want, 48300, &a, err, sizeof(err)),
	    0);
	assert_true(net_addr_link_local(&a));
	snprintf(want, sizeof(want), "[fe80::1%%%s]:48300", ifn);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)), want);
	assert_string_equal(net_ip_str_bare(&a, s, sizeof(s)), "fe80::1");
	assert_int_equal(net_addr_numeric("fe80::1%1", 1, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(a.u.sin6.sin6_scope_id, 1);
	assert_int_equal(net_addr_numeric("fe80::1%nosuchif0", 1, &a, err,
	    sizeof(err)), -1);
	assert_int_equal(net_addr_numeric("vm1", 1, &a, err, sizeof(err)),
	    -1);
	/* A v4-mapped address from a dual-stack socket is plain IPv4. */
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(9);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:198.18.0.7",
	    &m.sin6_addr), 1);
	assert_int_equal(net_addr_from(&a, (struct sockaddr *)&m, sizeof(m)),
	    0);
	assert_int_equal(net_addr_family(&a), AF_INET);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)), "198.18.0.7:9");
	/* Resolution of addresses needs no DNS. */
	assert_int_equal(net_resolve("[::1]:48300", 5165, &a, err,
	    sizeof(err)), 0);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)), "[::1]:48300");
	assert_int_equal(net_resolve("127.0.0.1", 5165, &a, err, sizeof(err)),
	    0);
	assert_string_equal(net_addr_str(&a, s, sizeof(s)), "127.0.0.1:5165");
}

/* The hosts of a value, joined with spaces, into got. */
static char	got[4096];

static int
collect(void *ctx, const char *host, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	if (got[0] != '\0')
		strcat(got, " ");
	strcat(got, host);
	return 0;
}

static void
expand_ok(const char *value, const char *want, long n)
{
	char err[256];
	long k;

	got[0] = '\0';
	k = hostlist_expand(value, HOSTLIST_MAX, collect, NULL, err,
	    sizeof(err));
	if (k < 0)
		fail_msg("%s: %s", value, err);
	assert_string_equal(got, want);
	assert_int_equal(k, n);
}

static void
expand_bad(const char *value, const char *why)
{
	char err[256];

	got[0] = '\0';
	assert_int_equal(hostlist_expand(value, 20, collect, NULL, err,
	    sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: '%s' lacks '%s'", value, err, why);
}

static void
test_expand(void **state)
{
	(void)state;
	expand_ok("vm1", "vm1", 1);
	expand_ok("vm1,vm2:5166", "vm1 vm2:5166", 2);
	expand_ok("vm[01-03]", "vm01 vm02 vm03", 3);
	expand_ok("vm[8-11]", "vm8 vm9 vm10 vm11", 4);
	expand_ok("vm[1,3,5-6].lab:7", "vm1.lab:7 vm3.lab:7 vm5.lab:7 "
	    "vm6.lab:7", 4);
	expand_ok("r[1-2]n[1,3]", "r1n1 r1n3 r2n1 r2n3", 4);
	expand_ok("[fd00::1]:5165,[fd00::2]", "[fd00::1]:5165 [fd00::2]", 2);
	expand_ok("198.18.1.[1-2]", "198.18.1.1 198.18.1.2", 2);
	expand_bad("vm[3-1]", "bad range");
	expand_bad("vm[1-x]", "not HOST[:PORT]");
	expand_bad("vm1,,vm2", "an empty host");
	expand_bad("vm[1-100]", "more than 20 hosts");
	expand_bad("a@b", "not HOST[:PORT]");
}

static void
test_file(void **state)
{
	char	path[] = "/tmp/test_net.XXXXXX", err[512];
	FILE	*f;
	int	fd;
	long	n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	fputs("# the lab\n\nvm[1-2]   # two\n  [fd00::3]:5166\r\n"
	    "h4,h5\n", f);
	fclose(f);
	got[0] = '\0';
	n = hostlist_read(path, HOSTLIST_MAX, collect, NULL, err,
	    sizeof(err));
	assert_int_equal(n, 5);
	assert_string_equal(got, "vm1 vm2 [fd00::3]:5166 h4 h5");
	f = fopen(path, "w");
	fputs("vm1\nvm@2\n", f);
	fclose(f);
	assert_int_equal(hostlist_read(path, HOSTLIST_MAX, collect, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: 'vm@2' is not HOST[:PORT]"));
	unlink(path);
	assert_int_equal(hostlist_read(path, HOSTLIST_MAX, collect, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
