/*
 * payload.c - the payload file: named, created, written, removed.
 *
 * The task reads its payload by name (:CONF: in its command line), so the
 * name is fixed before the first byte comes, in a directory (-T, default
 * /tmp) that others may share.  Nobody may make us write elsewhere or give
 * the task another file: the name is new for each session and cannot be
 * guessed (PAYLOAD_RANDOM characters from getrandom), the file is created
 * with O_EXCL|O_NOFOLLOW (whatever is there already is refused, never
 * followed, never removed), mode 0600 (given to the --run-as user, who must
 * read it), written through the descriptor that created it, then only
 * removed; and -T must be a directory whose files nobody else can replace
 * (payload_dir_check, at start and on SIGHUP).
 *
 * It lives until both its session and its task are gone (slave.c): a task
 * still running after its session (being stopped, or --keep-task) may
 * still read it.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "payload.h"

void
payload_init(struct payload *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

int
payload_dir_check(const char *dir, const struct task_runas *ra, char *err,
    size_t errlen)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "-T %.300s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "-T %.300s: not a directory", dir);
		return -1;
	}
	/*
	 * The task reads its payload by name (:CONF:): whoever may rename
	 * files there could give it another one.
	 */
	if (st.st_uid != 0 && st.st_uid != geteuid() &&
	    (ra == NULL || st.st_uid != ra->uid)) {
		snprintf(err, errlen, "-T %.300s is owned by uid %ld, not by "
		    "this slave's user or root: refused (its owner could "
		    "replace the task's payload file)", dir, (long)st.st_uid);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		snprintf(err, errlen, "-T %.300s is writable by group or others "
		    "without the sticky bit (mode %04o): refused (they could "
		    "replace the task's payload file; chmod +t or go-w)", dir,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

void
payload_set_dir(struct payload *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
}

int
payload_name(struct payload *p, pid_t pid, char *why, size_t whylen)
{
	static const char	 set[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char		 rnd[PAYLOAD_RANDOM];
	char			 sfx[PAYLOAD_RANDOM + 1];
	size_t			 n = strlen(p->dir), got = 0, i;
	ssize_t			 r;
	int			 rc;

	/* The last one is gone at a session's end; never lose track of it. */
	payload_remove(p);
	while (got < sizeof(rnd)) {
		r = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(why, whylen, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	for (i = 0; i < sizeof(rnd); i++)
		sfx[i] = set[rnd[i] % (sizeof(set) - 1)];
	sfx[sizeof(rnd)] = '\0';
	rc = snprintf(p->path, sizeof(p->path), "%s%s%s%ld.%s", p->dir,
	    n > 0 && p->dir[n - 1] == '/' ? "" : "/", PAYLOAD_PREFIX,
	    (long)pid, sfx);
	if (rc < 0 || (size_t)rc >= sizeof(p->path)) {
		/* settings.c leaves room for it. */
		snprintf(why, whylen, "-T %.300s: path too long", p->dir);
		return -1;
	}
	return 0;
}

int
payload_create(struct payload *p, const struct task_runas *ra, char *why,
    size_t whylen)
{
	/*
	 * O_EXCL|O_NOFOLLOW: whatever is there (nobody could know the name)
	 * is refused, never followed, never removed.
	 */
	p->fd = open(p->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_NOCTTY | O_CLOEXEC, 0600);
	if (p->fd == -1) {
		snprintf(why, whylen, "%.512s: %s", p->path, strerror(errno));
		return -1;
	}
	p->exists = true;
	/* The task runs as the --run-as user: it must be able to read it. */
	if (ra != NULL && fchown(p->fd, ra->uid, ra->gid) == -1) {
		snprintf(why, whylen, "%.512s: chown to %.64s: %s", p->path,
		    ra->user, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A plain write() in the event loop: the file is on local disk, where a
 * write costs far less than a network round trip.
 */
int
payload_write(struct payload *p, const uint8_t *buf, size_t len, char *why,
    size_t whylen)
{
	while (len > 0) {
		ssize_t n = write(p->fd, buf, len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, "%.512s: %s", p->path,
			    strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
payload_close(struct payload *p, char *why, size_t whylen)
{
	int rc = close(p->fd);

	p->fd = -1;
	if (rc == -1) {
		snprintf(why, whylen, "%.512s: %s", p->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
payload_abandon(struct payload *p)
{
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
}

void
payload_remove(struct payload *p)
{
	payload_abandon(p);
	if (!p->exists)
		return;
	if (unlink(p->path) == -1 && errno != ENOENT)
		log_warn("remove %s", p->path);
	p->exists = false;
}
