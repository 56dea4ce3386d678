/*
 * settings.c - what the slave's options mean on this host: its name (or the
 * host's), the absolute paths of -T, -o and -e, the user of --run-as.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "place.h"
#include "payload.h"
#include "safefile.h"
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

/*
 * The default -o: CONF_DEFAULT_OUTPUT_DIR/synexec.NAME.out, so that slaves
 * of other names on the host never share it.  A name too long for a file
 * name there (with ".out.err") keeps its first 200 bytes, then '~' and 16
 * hex digits of its FNV-1a hash: no name holds '~'.
 */
static void
settings_default_output(const char *name, char *out, size_t outlen)
{
	uint64_t	h = 14695981039346656037ull;
	size_t		i, n = strlen(name);

	if (strlen("synexec.") + n + strlen(".out" CONF_STDERR_SUFFIX) <=
	    NAME_MAX) {
		snprintf(out, outlen, "%s/synexec.%s.out",
		    CONF_DEFAULT_OUTPUT_DIR, name);
		return;
	}
	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	snprintf(out, outlen, "%s/synexec.%.200s~%016llx.out",
	    CONF_DEFAULT_OUTPUT_DIR, name, (unsigned long long)h);
}

/*
 * A fault of an output file, said without the path twice: what
 * safefile.c says begins with it, and so does the complaint.
 */
static int
settings_file_fault(const struct opt_origin *org, const char *key,
    const char *path, const char *err)
{
	size_t n = strlen(path);

	if (strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
		err += n + 2;
	else if (strncmp(err, path, n) == 0 && err[n] == ' ')
		err += n + 1;
	return settings_fault(org, key, path, err);
}

/*
 * -o and -e: files the slave can write where they say, ours alone, held by
 * no other running slave (safefile.c).
 */
static int
settings_output(const struct slave_opts *o, const struct opt_origin *org,
    struct slave_settings *s)
{
	const struct task_runas	*ra = s->have_runas ? &s->runas : NULL;
	struct stat		 st;
	char			 err[512];
	bool			 device;
	int			 n;

	s->output_default = o->output == NULL;
	if (o->output == NULL)
		settings_default_output(s->name, s->output, sizeof(s->output));
	else if (settings_abs_path(o->output, s->output, sizeof(s->output)) ==
	    -1)
		return settings_fault(org, "output", o->output,
		    "path too long");
	if (safefile_check("-o", s->output, s->output_default, ra, err,
	    sizeof(err)) == -1)
		return settings_file_fault(org, "output", s->output, err);
	s->merge_stderr = o->merge_stderr;
	if (o->merge_stderr) {
		if (o->stderr_file != NULL)
			return settings_fault(org, "stderr", o->stderr_file,
			    "has no effect with --merge-stderr (stderr goes to "
			    "-o's file)");
		return 0;
	}
	/* -o /dev/null: stderr goes there too, unless -e says otherwise. */
	device = stat(s->output, &st) == 0 && S_ISCHR(st.st_mode);
	s->errout_default = s->output_default && o->stderr_file == NULL;
	if (o->stderr_file != NULL) {
		if (settings_abs_path(o->stderr_file, s->errout,
		    sizeof(s->errout)) == -1)
			return settings_fault(org, "stderr", o->stderr_file,
			    "path too long");
	} else if (device)
		snprintf(s->errout, sizeof(s->errout), "%s", s->output);
	else {
		n = snprintf(s->errout, sizeof(s->errout), "%s%s", s->output,
		    CONF_STDERR_SUFFIX);
		if (n < 0 || (size_t)n >= sizeof(s->errout))
			return settings_fault(org, "output", s->output,
			    "path too long for its " CONF_STDERR_SUFFIX
			    " file (-e)");
	}
	if (strcmp(s->errout, s->output) == 0 && !device)
		return settings_fault(org, "stderr", s->errout, "is -o's file "
		    "too: for both streams in one file, use --merge-stderr");
	if (safefile_check("-e", s->errout, s->errout_default, ra, err,
	    sizeof(err)) == -1)
		return settings_file_fault(org, "stderr", s->errout, err);
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
	bad += settings_output(o, org, s);
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
