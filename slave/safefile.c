/*
 * safefile.c - the task's output file, opened so that nobody else can read
 * it or make us write elsewhere.
 *
 * The default output is /tmp/synexec.out, in a directory everyone may write
 * to, and the 2014 slave opened it blindly.  Here: a symlink is never
 * followed (O_NOFOLLOW), a FIFO cannot block us (O_NONBLOCK), a file someone
 * else owns or that has other names (hard links) is refused before a byte of
 * it changes, and what we keep is mode 0600 whatever mode it had: the task's
 * output is for the slave's user and the master only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "slave.h"

int
safefile_output(const char *path, const struct task_runas *ra, char *why,
    size_t whylen)
{
	struct stat	st;
	int		fd, flags;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(why, whylen, "%s is a symbolic link: refused "
			    "(never followed; remove it)", path);
		else if (errno == ENXIO)
			snprintf(why, whylen, "%s: not a regular file (a FIFO "
			    "or socket): refused", path);
		else
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
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
	/* The task runs as the --run-as user: the file must be its own. */
	if (ra != NULL && fchown(fd, ra->uid, ra->gid) == -1) {
		snprintf(why, whylen, "%s: chown to %s: %s", path, ra->user,
		    strerror(errno));
		goto fail;
	}
	/* An older file may have had a looser mode: not any more. */
	if (fchmod(fd, 0600) == -1 || ftruncate(fd, 0) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		goto fail;
	}
ok:
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return -1;
}
