/*
 * settings.c - what the slave's options mean on this host: its name (or the
 * host's), the absolute paths of -T and -o, the user of --run-as.
 *
 * Found once at start-up (main.c, and -n) and again for each SIGHUP
 * (reload.c), by the same checks, so that a reload refuses exactly what a
 * start would.  The values themselves were checked by their kind when read
 * (opt.c); what is checked here needs the system: -T is a writable
 * directory, -o can be written there, the user is known, each --allow path
 * is an executable regular file.  Every fault is said, one line each
 * naming the option (or the file's key and line) and the value.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "place.h"
#include "payload.h"
#include "settings.h"

int
settings_abs_path(const char *path, char *out, size_t outlen)
{
	char	cwd[PATH_MAX];
	int	n;

	if (path[0] == '/')
		n = snprintf(out, outlen, "%s", path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		n = snprintf(out, outlen, "%s/%s", cwd, path);
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* The user's groups: getgrouplist() says how many when they do not fit. */
static int
settings_groups(const char *user, struct task_runas *ra, char *err,
    size_t errlen)
{
	int n = 32;

	for (;;) {
		int got = n;

		if ((ra->groups = calloc((size_t)n, sizeof(gid_t))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (getgrouplist(user, ra->gid, ra->groups, &got) != -1) {
			ra->ngroups = got;
			return 0;
		}
		free(ra->groups);
		ra->groups = NULL;
		if (got <= n || got > 65536) {
			snprintf(err, errlen, "cannot list the groups of %s",
			    user);
			return -1;
		}
		n = got;
	}
}

/*
 * --run-as: the user's ids and groups, looked up now (not after fork).
 * 1: the slave's own user on a slave that is not root, which can change
 * neither its ids nor its groups: the task runs as the slave does, and ra
 * is left empty.  -1 with the reason in err.
 */
static int
settings_runas(const char *user, struct task_runas *ra, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "%s", errno != 0 ? strerror(errno) :
		    "no such user");
		return -1;
	}
	if ((ra->user = strdup(user)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	if (settings_groups(user, ra, err, errlen) == -1)
		return -1;
	if (geteuid() != 0 && ra->uid != geteuid()) {
		snprintf(err, errlen, "running the task as %s needs the "
		    "slave to run as root", user);
		return -1;
	}
	if (geteuid() != 0) {
		log_info("--run-as %s: the slave's own user; the task runs "
		    "with the slave's ids and groups", user);
		free(ra->user);
		free(ra->groups);
		memset(ra, 0, sizeof(*ra));
		return 1;
	}
	return 0;
}

/* The host's name made a slave name (proto.h), in place. */
static void
settings_host_name(char *name)
{
	size_t i, n = strlen(name);

	if (n > PROTO_NAME_MAX)
		name[n = PROTO_NAME_MAX] = '\0';
	for (i = 0; i < n; i++)
		if (!proto_name_char((unsigned char)name[i]))
			name[i] = '-';
	if (name[0] == '.')
		name[0] = '_';
	if (n == 0)
		snprintf(name, PROTO_NAME_MAX + 1, "slave");
}

/* Row key's fault, said: 1. */
static int
settings_fault(const struct opt_origin *org, const char *key,
    const char *value, const char *msg)
{
	opt_complain(opt_slave, opt_by_key(opt_slave, key), org, value, "%s",
	    msg);
	return 1;
}

/*
 * -T: a writable directory, with room for the payload file's name (payload.h),
 * whose files nobody but us, root or the task's user can replace.
 */
static int
settings_conf_dir(const char *dir, const struct opt_origin *org,
    const struct task_runas *ra, char *out, size_t outlen)
{
	char err[512];

	if (settings_abs_path(dir, out, outlen - 1 - PAYLOAD_NAME_MAX) == -1)
		return settings_fault(org, "conf_dir", dir, "path too long");
	/* Found now rather than at the first session's CONF_NO. */
	if (place_check(out, PLACE_DIR, err, sizeof(err)) == -1)
		return settings_fault(org, "conf_dir", out, err);
	if (payload_dir_check(out, ra, err, sizeof(err)) == -1)
		return settings_fault(org, "conf_dir", out, err);
	return 0;
}

/* -o (and -e, later): a file the slave can write, where it says. */
static int
settings_output(const char *key, const char *path, const struct opt_origin *org,
    char *out, size_t outlen)
{
	char err[512];

	if (settings_abs_path(path, out, outlen) == -1)
		return settings_fault(org, key, path, "path too long");
	/* A taken default is replaced by a file of our own (safefile.c). */
	if (strcmp(out, CONF_DEFAULT_OUTPUT) == 0)
		return 0;
	if (place_check(out, PLACE_FILE, err, sizeof(err)) == -1)
		return settings_fault(org, key, out, err);
	return 0;
}

/*
 * --allow: each path an executable regular file, as cmdline_check() will
 * want of the command (a typo here would refuse every session).
 */
static int
settings_allow(const struct opt_list *allow, const struct opt_origin *org)
{
	struct stat	st;
	int		i, bad = 0;

	for (i = 0; i < allow->n; i++) {
		const char *p = allow->v[i];

		if (stat(p, &st) == -1)
			bad += settings_fault(org, "allow", p, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			bad += settings_fault(org, "allow", p,
			    "not a regular file");
		else if (access(p, X_OK) == -1)
			bad += settings_fault(org, "allow", p,
			    errno == EACCES ? "not executable" :
			    strerror(errno));
	}
	return bad;
}

int
settings_resolve(const struct slave_opts *o, const struct opt_origin *org,
    struct slave_settings *s)
{
	char	host[256], err[512];
	int	bad = 0, rc;

	memset(s, 0, sizeof(*s));
	if (o->name != NULL)
		snprintf(s->name, sizeof(s->name), "%s", o->name);
	else {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		snprintf(s->name, sizeof(s->name), "%s", host);
		settings_host_name(s->name);
	}
	/* A local lookup (NSS): may take a moment, but once per SIGHUP. */
	if (o->run_as != NULL) {
		rc = settings_runas(o->run_as, &s->runas, err, sizeof(err));
		if (rc == -1)
			bad += settings_fault(org, "run_as", o->run_as, err);
		else
			s->have_runas = rc == 0;	/* 1: our own user */
	}
	bad += settings_conf_dir(o->conf_dir, org, s->have_runas ? &s->runas :
	    NULL, s->conf_dir, sizeof(s->conf_dir));
	bad += settings_output("output", o->output, org, s->output,
	    sizeof(s->output));
	bad += settings_allow(&o->allow, org);
	return bad;
}

void
settings_free(struct slave_settings *s)
{
	free(s->runas.user);
	free(s->runas.groups);
	memset(&s->runas, 0, sizeof(s->runas));
	s->have_runas = false;
}
