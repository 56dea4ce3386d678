/*
 * settings.c - what the slave's options mean on this host: its name (or the
 * host's), the absolute paths of -T and -o, the user of --run-as.
 *
 * Found once at start-up (main.c) and again for each SIGHUP (reload.c), by
 * the same checks, so that a reload refuses exactly what a start would.  The
 * values themselves were checked by their kind when read (opt.c); what is
 * checked here needs the system: the directory exists, the user is known.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slave.h"

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
			snprintf(err, errlen, "--run-as: %s: cannot list its "
			    "groups", user);
			return -1;
		}
		n = got;
	}
}

/* --run-as: the user's ids and groups, looked up now (not after fork). */
static int
settings_runas(const char *user, struct task_runas *ra, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "--run-as: %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
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
		snprintf(err, errlen, "--run-as: running the task as %s needs "
		    "the slave to run as root", user);
		return -1;
	}
	return 0;
}

/* -T: an existing directory, with room for the payload file's name. */
static int
settings_conf_dir(const char *dir, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct stat st;

	if (settings_abs_path(dir, out, outlen - sizeof(SLAVE_CONF_PREFIX) -
	    24) == -1) {
		snprintf(err, errlen, "-T: %.300s: path too long", dir);
		return -1;
	}
	/* Found now rather than at the first session's CONF_NO. */
	if (stat(out, &st) == -1) {
		snprintf(err, errlen, "-T %.300s: %s", out, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "-T %.300s: not a directory", out);
		return -1;
	}
	return 0;
}

int
settings_resolve(const struct slave_opts *o, struct slave_settings *s,
    char *err, size_t errlen)
{
	char host[256];

	memset(s, 0, sizeof(*s));
	if (o->name != NULL)
		snprintf(s->name, sizeof(s->name), "%s", o->name);
	else {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		snprintf(s->name, sizeof(s->name), "%s", host);
		slave_name_sanitise(s->name);
	}
	if (settings_conf_dir(o->conf_dir, s->conf_dir, sizeof(s->conf_dir),
	    err, errlen) == -1)
		return -1;
	if (settings_abs_path(o->output, s->output, sizeof(s->output)) == -1) {
		snprintf(err, errlen, "-o: %.300s: path too long", o->output);
		return -1;
	}
	/* A local lookup (NSS): may take a moment, but once per SIGHUP. */
	if (o->run_as != NULL) {
		if (settings_runas(o->run_as, &s->runas, err, errlen) == -1)
			return -1;
		s->have_runas = true;
	}
	return 0;
}

void
settings_use(struct slave *sl, const struct slave_settings *s)
{
	snprintf(sl->name, sizeof(sl->name), "%s", s->name);
	snprintf(sl->conf_dir, sizeof(sl->conf_dir), "%s", s->conf_dir);
	snprintf(sl->output, sizeof(sl->output), "%s", s->output);
	sl->runas = s->have_runas ? &s->runas : NULL;
}

void
settings_free(struct slave_settings *s)
{
	free(s->runas.user);
	free(s->runas.groups);
	memset(&s->runas, 0, sizeof(s->runas));
	s->have_runas = false;
}
