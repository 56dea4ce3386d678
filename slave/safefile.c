/*
 * safefile.c - the task's output file, opened so that nobody else can read
 * it or make us write elsewhere.
 *
 * The default output is /tmp/synexec.out, in a directory everyone may write
 * to, and the 2014 slave opened it blindly.  Here: a symlink is never
 * followed (O_NOFOLLOW), a FIFO cannot block us (O_NONBLOCK), a file someone
 * else owns or that has other names (hard links) is refused before a byte of
 * it changes, a missing one is created with O_EXCL, and what we keep is mode
 * 0600 whatever mode it had: the task's output is for the slave's user and
 * the master only.
 *
 * Once open, the file is only ever reached through the descriptor (task.c
 * hands it to the task, output.c reads it through /proc/self/fd): its name
 * may be changed meanwhile by the --run-as user, who owns it.
 *
 * The default name in /tmp can be taken by anybody before us, and in a
 * sticky directory we cannot remove what another user made: refusing it
 * would let him block every session of this slave.  So for the default
 * (safefile_output_default) a name held by someone else is left alone and
 * the output goes to a file made afresh next to it, under a name nobody can
 * guess (mkostemp).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "safefile.h"

/* What became of an attempt: the name may be held by somebody else. */
enum safefile_verdict {
	SAFEFILE_OPEN,		/* *fdp is ours */
	SAFEFILE_TAKEN,		/* the name holds what we must not use */
	SAFEFILE_FAILED,	/* anything else (the directory, the disk) */
};

/* A file we created, or one checked to be ours: the task's, 0600, empty. */
static int
safefile_settle(int fd, const char *path, const struct task_runas *ra,
    char *why, size_t whylen)
{
	/* The task runs as the --run-as user: the file must be its own. */
	if (ra != NULL && fchown(fd, ra->uid, ra->gid) == -1) {
		snprintf(why, whylen, "%s: chown to %s: %s", path, ra->user,
		    strerror(errno));
		return -1;
	}
	/* An older file may have had a looser mode: not any more. */
	if (fchmod(fd, 0600) == -1 || ftruncate(fd, 0) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static enum safefile_verdict
safefile_try(const char *path, const struct task_runas *ra, int *fdp,
    char *why, size_t whylen)
{
	struct stat		st;
	enum safefile_verdict	v = SAFEFILE_TAKEN;
	int			fd, flags, saved, tries;

	/*
	 * An existing file without O_CREAT: with fs.protected_regular, an
	 * O_CREAT open of a file another user owns in sticky /tmp is refused,
	 * even to root, and the --run-as user owns the one of the last session.
	 */
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
		if (fd != -1 || errno != ENOENT)
			break;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;	/* EEXIST: made meanwhile; look again */
	}
	if (fd == -1) {
		saved = errno;
		if (errno == ELOOP)
			snprintf(why, whylen, "%s is a symbolic link: refused "
			    "(never followed; remove it)", path);
		else if (errno == ENXIO)
			snprintf(why, whylen, "%s: not a regular file (a FIFO "
			    "or socket): refused", path);
		else if ((errno == EACCES || errno == EPERM) &&
		    lstat(path, &st) == 0 && st.st_uid != geteuid())
			/* Another's file (in sticky /tmp: protected_regular). */
			snprintf(why, whylen, "%s: %s (owned by uid %ld)", path,
			    strerror(saved), (long)st.st_uid);
		else {
			snprintf(why, whylen, "%s: %s", path, strerror(saved));
			/* A directory there is somebody's too. */
			if (saved != EISDIR)
				v = SAFEFILE_FAILED;
		}
		return v;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		v = SAFEFILE_FAILED;
		goto fail;
	}
	/* -o /dev/null is fine: only root makes devices. */
	if (S_ISCHR(st.st_mode))
		goto ok;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file: refused", path);
		goto fail;
	}
	if (st.st_uid != geteuid() && (ra == NULL || st.st_uid != ra->uid)) {
		snprintf(why, whylen, "%s is owned by uid %ld, not by this "
		    "slave: refused (another user could read the output; remove "
		    "it)", path, (long)st.st_uid);
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(why, whylen, "%s has %ld hard links: refused (it may "
		    "be another file's name; remove it)", path,
		    (long)st.st_nlink);
		goto fail;
	}
	if (safefile_settle(fd, path, ra, why, whylen) == -1) {
		v = SAFEFILE_FAILED;
		goto fail;
	}
ok:
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	*fdp = fd;
	return SAFEFILE_OPEN;
fail:
	close(fd);
	return v;
}

void
safefile_set(struct safefile *sf, const char *path)
{
	/* The file made in place of a taken default serves while -o stays. */
	if (strcmp(path, sf->path) != 0)
		sf->fallback[0] = '\0';
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	/* Ours to cope with when someone else takes it. */
	sf->is_default = strcmp(sf->path, CONF_DEFAULT_OUTPUT) == 0;
	sf->used = sf->path;
}

int
safefile_open(struct safefile *sf, const struct task_runas *ra, char *why,
    size_t whylen)
{
	bool	fell_back = false;
	int	fd;

	/* No symlink followed, nobody else's file, mode 0600. */
	if (!sf->is_default)
		fd = safefile_output(sf->path, ra, why, whylen);
	else
		fd = safefile_output_default(sf->path, sf->fallback,
		    sizeof(sf->fallback), &fell_back, ra, why, whylen);
	/* Which one it is, for what output.c says. */
	sf->used = fell_back ? sf->fallback : sf->path;
	return fd;
}

int
safefile_output(const char *path, const struct task_runas *ra, char *why,
    size_t whylen)
{
	int fd = -1;

	return safefile_try(path, ra, &fd, why, whylen) == SAFEFILE_OPEN ?
	    fd : -1;
}

int
safefile_output_default(const char *path, char *fallback, size_t fallbacklen,
    bool *fell_back, const struct task_runas *ra, char *why, size_t whylen)
{
	char			tmpl[PATH_MAX], taken[512], old[512];
	enum safefile_verdict	v;
	int			fd = -1, n;

	if ((v = safefile_try(path, ra, &fd, taken, sizeof(taken))) !=
	    SAFEFILE_TAKEN) {
		if (v == SAFEFILE_FAILED)
			snprintf(why, whylen, "%s", taken);
		return fd;
	}
	/* The one made for an earlier session, if it is still ours. */
	if (fallback[0] != '\0') {
		v = safefile_try(fallback, ra, &fd, old, sizeof(old));
		if (v == SAFEFILE_OPEN)
			goto out;
		log_warnx("%s", old);
	}
	n = snprintf(tmpl, sizeof(tmpl), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmpl) || (size_t)n >= fallbacklen) {
		snprintf(why, whylen, "%s", taken);
		return -1;
	}
	/* O_CREAT|O_EXCL, mode 0600: a new file, never a planted one. */
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "%s; and %s: %s", taken, tmpl,
		    strerror(errno));
		return -1;
	}
	if (safefile_settle(fd, tmpl, ra, why, whylen) == -1) {
		(void)unlink(tmpl);
		close(fd);
		return -1;
	}
	snprintf(fallback, fallbacklen, "%s", tmpl);
out:
	log_warnx("%s; the task's output goes to %s instead", taken,
	    fallback);
	*fell_back = true;
	return fd;
}
