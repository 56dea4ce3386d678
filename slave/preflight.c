/*
 * preflight.c - PREFLIGHT: the session checked as this slave would run it,
 * and a verdict per check, with nothing written and nothing run.
 *
 * PREFLIGHT carries what CONF_BEGIN would (the command line, the payload's
 * size), but no payload follows and no task is armed.  Each check looks at
 * what the session would meet, in the order a session meets it:
 *
 *	allow	--allow permits the command (first, as for a session: a
 *		command not allowed learns nothing about the disk)
 *	command	the command line splits; its path exists, is a regular file
 *		on a file system that lets it run, and may be executed (and,
 *		a script, read) by the user the task would run as, by the
 *		mode bits of it and of each directory above it; a script's
 *		#! interpreter exists (no CR: a CRLF script) and may run
 *	size	the payload fits --max-conf-size
 *	space	-T is still fit, the task's user may reach it, and it has
 *		room for the payload
 *	output	-o could be opened as a session would (safefile.c), and no
 *		other running slave holds it
 *	stderr	the same for -e (or merged into -o)
 *
 * A check that depends on one that failed is "skipped".  The texts say
 * what was found, for the master to show.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "place.h"
#include "preflight.h"

#define PF_TEXT_MAX	512	/* bytes of one check's text */

struct pf_state {
	struct proto_preflight_ans	 ans;
	char				 text[PROTO_PREFLIGHT_MAX][PF_TEXT_MAX];
	bool				 ready;
};

static void
pf_say(struct pf_state *pf, uint8_t check, uint8_t verdict, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
static void
pf_say(struct pf_state *pf, uint8_t check, uint8_t verdict, const char *fmt,
    ...)
{
	struct proto_preflight_item	*it;
	va_list				 ap;
	int				 n;

	if (pf->ans.n >= PROTO_PREFLIGHT_MAX)
		return;
	it = &pf->ans.item[pf->ans.n];
	va_start(ap, fmt);
	n = vsnprintf(pf->text[pf->ans.n], PF_TEXT_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	it->check = check;
	it->verdict = verdict;
	it->text = pf->text[pf->ans.n];
	it->text_len = (uint16_t)((size_t)n < PF_TEXT_MAX ? (size_t)n :
	    PF_TEXT_MAX - 1);
	if (verdict == PREFLIGHT_FAILS)
		pf->ready = false;
	pf->ans.n++;
}

/* The user the task runs as, for the texts. */
static void
pf_user(const struct task_runas *ra, char *buf, size_t len)
{
	struct passwd *pw;

	if (ra != NULL)
		snprintf(buf, len, "%s", ra->user);
	else if ((pw = getpwuid(geteuid())) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %ld", (long)geteuid());
}

/*
 * May ra (NULL: we) do what want asks (R_OK, X_OK) of a file whose status
 * is st, by its mode bits?  Root may read anything, and execute a file
 * with any x bit.
 */
static bool
pf_may(const struct stat *st, const struct task_runas *ra, int want)
{
	mode_t	bits;
	uid_t	uid = ra != NULL ? ra->uid : geteuid();
	int	i;

	if (ra == NULL)
		return true;	/* asked of access() instead (pf_access) */
	if (uid == 0)
		return want != X_OK || S_ISDIR(st->st_mode) ||
		    (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
	if (st->st_uid == uid)
		bits = (st->st_mode >> 6) & 7;
	else {
		bits = st->st_mode & 7;
		if (st->st_gid == ra->gid)
			bits = (st->st_mode >> 3) & 7;
		for (i = 0; i < ra->ngroups; i++)
			if (st->st_gid == ra->groups[i])
				bits = (st->st_mode >> 3) & 7;
	}
	return (want == X_OK ? (bits & 1) : (bits & 4)) != 0;
}

/*
 * May the task's user reach path and do what want asks of it?  0, or -1
 * with why: ourselves by access() (ACLs included), the --run-as user by
 * the mode bits of path and of each directory above it.
 */
static int
pf_access(const char *path, const struct task_runas *ra, int want,
    const char *user, char *why, size_t whylen)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	const char	*slash;

	if (ra == NULL) {
		if (faccessat(AT_FDCWD, path, want, AT_EACCESS) == -1) {
			snprintf(why, whylen, "%.300s: %s (for %s)", path,
			    strerror(errno), user);
			return -1;
		}
		return 0;
	}
	for (slash = strchr(path + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (stat(dir, &st) == 0 && !pf_may(&st, ra, X_OK)) {
			snprintf(why, whylen, "%.200s: Permission denied for "
			    "%.60s (the directory %.200s)", path, user, dir);
			return -1;
		}
	}
	if (stat(path, &st) == -1) {
		snprintf(why, whylen, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	if (!pf_may(&st, ra, want)) {
		snprintf(why, whylen, "%.300s: Permission denied for %s (mode "
		    "%04o, owner uid %ld)", path, user,
		    (unsigned)(st.st_mode & 07777), (long)st.st_uid);
		return -1;
	}
	return 0;
}

/* The command's path, as execve() would take it from the task's user. */
static void
pf_command(struct pf_state *pf, const struct preflight_env *env,
    const char *path)
{
	struct stat	 st;
	struct statvfs	 vfs;
	char		 user[64], why[PF_TEXT_MAX], interp[256];
	size_t		 n;
	int		 rc;

	pf_user(env->runas, user, sizeof(user));
	if (stat(path, &st) == -1) {
		pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%.300s: %s",
		    path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%.300s: not a "
		    "regular file", path);
		return;
	}
	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) {
		pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%.300s: on a "
		    "file system mounted noexec", path);
		return;
	}
	if (pf_access(path, env->runas, X_OK, user, why, sizeof(why)) == -1) {
		pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%s", why);
		return;
	}
	/* A script: read by its interpreter, which must exist and run. */
	rc = cmdline_interpreter(path, interp, sizeof(interp));
	if (rc == 1) {
		n = strlen(interp);
		if (n > 0 && interp[n - 1] == '\r') {
			pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%.300s: "
			    "its #! line names %.*s followed by a carriage "
			    "return (CRLF line endings?): it cannot run", path,
			    (int)(n - 1), interp);
			return;
		}
		if (pf_access(interp, env->runas, X_OK, user, why,
		    sizeof(why)) == -1) {
			pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%.300s: "
			    "its #! interpreter: %s", path, why);
			return;
		}
		if (pf_access(path, env->runas, R_OK, user, why,
		    sizeof(why)) == -1) {
			pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "a script "
			    "its interpreter must read: %s", why);
			return;
		}
		pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_OK, "%.300s: a script "
		    "for %.200s, may be run by %s", path, interp, user);
		return;
	}
	pf_say(pf, PREFLIGHT_COMMAND, PREFLIGHT_OK, "%.300s: may be run by %s",
	    path, user);
}

/* -T: fit as at start, and with room for the payload. */
static void
pf_space(struct pf_state *pf, const struct preflight_env *env,
    uint64_t size)
{
	const char	*dir = env->payload->dir;
	struct statvfs	 vfs;
	char		 why[PF_TEXT_MAX], user[64];
	uint64_t	 room;

	if (place_check(dir, PLACE_DIR, why, sizeof(why)) == -1 ||
	    payload_dir_check(dir, env->runas, why, sizeof(why)) == -1) {
		pf_say(pf, PREFLIGHT_SPACE, PREFLIGHT_FAILS, "-T %.300s: %s",
		    dir, why);
		return;
	}
	/* The task reads its payload there by name (:CONF:). */
	pf_user(env->runas, user, sizeof(user));
	if (env->runas != NULL && pf_access(dir, env->runas, X_OK, user, why,
	    sizeof(why)) == -1) {
		pf_say(pf, PREFLIGHT_SPACE, PREFLIGHT_FAILS, "-T: the task "
		    "could not read its payload there: %s", why);
		return;
	}
	if (statvfs(dir, &vfs) == -1) {
		pf_say(pf, PREFLIGHT_SPACE, PREFLIGHT_FAILS, "-T %.300s: %s",
		    dir, strerror(errno));
		return;
	}
	/* What an unprivileged writer may use: the payload is the task's. */
	room = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
	if (size > room)
		pf_say(pf, PREFLIGHT_SPACE, PREFLIGHT_FAILS, "-T %.300s: %llu "
		    "bytes free, the payload needs %llu", dir,
		    (unsigned long long)room, (unsigned long long)size);
	else
		pf_say(pf, PREFLIGHT_SPACE, PREFLIGHT_OK, "-T %.300s: %llu "
		    "bytes free, the payload needs %llu", dir,
		    (unsigned long long)room, (unsigned long long)size);
}

/* -o or -e: could a session open it? */
static void
pf_file(struct pf_state *pf, uint8_t check, const struct safefile *sf,
    const struct task_runas *ra)
{
	char why[PF_TEXT_MAX];

	if (safefile_check(sf->what, sf->path, sf->fallback_ok, ra, why,
	    sizeof(why)) == -1)
		pf_say(pf, check, PREFLIGHT_FAILS, "%s %s", sf->what, why);
	else
		pf_say(pf, check, PREFLIGHT_OK, "%s %.300s", sf->what,
		    sf->used);
}

size_t
preflight_answer(const struct preflight_env *env,
    const struct proto_conf_begin *cb, uint8_t *out, size_t outlen,
    bool *ready)
{
	static struct pf_state	 pf;
	const struct slave_opts	*o = env->opts;
	struct cmdline		 cl;
	char			 conf[PATH_MAX], why[PF_TEXT_MAX];
	bool			 split;
	int			 i;

	memset(&pf, 0, sizeof(pf));
	pf.ready = true;
	/* :CONF: as a session would name it; nothing is made. */
	snprintf(conf, sizeof(conf), "%.3000s/%s%ld.preflight",
	    env->payload->dir, PAYLOAD_PREFIX, (long)env->pid);
	split = cmdline_build(cb->command, cb->command_len, conf, &cl, why,
	    sizeof(why)) == 0;
	if (!split) {
		pf_say(&pf, PREFLIGHT_ALLOW, PREFLIGHT_SKIPPED, "the command "
		    "line does not split");
		pf_say(&pf, PREFLIGHT_COMMAND, PREFLIGHT_FAILS, "%s", why);
	} else {
		for (i = 0; i < o->allow.n; i++)
			if (strcmp(o->allow.v[i], cl.path) == 0)
				break;
		if (o->allow.n == 0)
			pf_say(&pf, PREFLIGHT_ALLOW, PREFLIGHT_OK, "no --allow "
			    "list: any command may run");
		else if (i < o->allow.n)
			pf_say(&pf, PREFLIGHT_ALLOW, PREFLIGHT_OK, "%.300s: in "
			    "the --allow list", cl.path);
		else
			pf_say(&pf, PREFLIGHT_ALLOW, PREFLIGHT_FAILS, "%.300s: "
			    "not in the --allow list", cl.path);
		if (o->allow.n > 0 && i == o->allow.n)
			pf_say(&pf, PREFLIGHT_COMMAND, PREFLIGHT_SKIPPED, "not "
			    "looked at: it is not allowed");
		else if (strcmp(cl.path, conf) == 0)
			pf_say(&pf, PREFLIGHT_COMMAND, PREFLIGHT_SKIPPED, "the "
			    "payload file itself (:CONF:): it exists once "
			    "written");
		else
			pf_command(&pf, env, cl.path);
		cmdline_free(&cl);
	}
	if (cb->payload_size > o->max_conf_size)
		pf_say(&pf, PREFLIGHT_SIZE, PREFLIGHT_FAILS, "payload of %llu "
		    "bytes exceeds --max-conf-size %llu",
		    (unsigned long long)cb->payload_size,
		    (unsigned long long)o->max_conf_size);
	else
		pf_say(&pf, PREFLIGHT_SIZE, PREFLIGHT_OK, "payload of %llu "
		    "bytes, at most %llu (--max-conf-size)",
		    (unsigned long long)cb->payload_size,
		    (unsigned long long)o->max_conf_size);
	pf_space(&pf, env, cb->payload_size);
	pf_file(&pf, PREFLIGHT_OUTPUT, env->output, env->runas);
	if (env->errout == NULL)
		pf_say(&pf, PREFLIGHT_STDERR, PREFLIGHT_OK, "merged into -o's "
		    "file (--merge-stderr)");
	else
		pf_file(&pf, PREFLIGHT_STDERR, env->errout, env->runas);
	*ready = pf.ready;
	return proto_preflight_ans_encode(out, outlen, &pf.ans);
}
