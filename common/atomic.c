/*
 * atomic.c - a file replaced atomically (atomic.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"

/* ".NAME.tmp.PID": the temporary file, next to the real one. */
static int
atomic_tmpname(const struct atomic_file *a, char *buf, size_t len)
{
	int n = snprintf(buf, len, ".%s.tmp.%ld", a->base, (long)getpid());

	return n < 0 || (size_t)n >= len || (size_t)n > NAME_MAX ? -1 : 0;
}

/* Create the temporary file afresh: -1 with errno. */
static int
atomic_create_tmp(const struct atomic_file *a, const char *tmp)
{
	int fd;

	fd = openat(a->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0666);
	if (fd == -1 && errno == EEXIST) {
		/* A leftover of a crashed master with our pid. */
		if (unlinkat(a->dirfd, tmp, 0) == -1)
			return -1;
		fd = openat(a->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0666);
	}
	return fd;
}

void
atomic_file_none(struct atomic_file *a)
{
	a->dirfd = -1;
	a->base = a->shown = NULL;
}

bool
atomic_file_on(const struct atomic_file *a)
{
	return a->dirfd != -1;
}

int
atomic_file_init(struct atomic_file *a, const char *opt, const char *path,
    char *err, size_t errlen)
{
	char		*d = NULL, *b = NULL, tmp[NAME_MAX + 1];
	struct stat	 st;
	int		 fd, rc = -1;

	atomic_file_none(a);
	if ((d = strdup(path)) == NULL || (b = strdup(path)) == NULL ||
	    (a->shown = strdup(path)) == NULL ||
	    (a->base = strdup(basename(b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (path[0] == '\0' || path[strlen(path) - 1] == '/' ||
	    strcmp(a->base, ".") == 0 || strcmp(a->base, "..") == 0 ||
	    (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "%s %s: is a directory; name a file",
		    opt, path);
		goto out;
	}
	/* A descriptor, so that -d's chdir("/") does not matter. */
	a->dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd == -1) {
		snprintf(err, errlen, "%s %s: %s: %s", opt, path, d,
		    strerror(errno));
		goto out;
	}
	/* Try now what each write will do. */
	if (atomic_tmpname(a, tmp, sizeof(tmp)) == -1) {
		snprintf(err, errlen, "%s %s: name too long", opt, path);
		goto out;
	}
	if ((fd = atomic_create_tmp(a, tmp)) == -1) {
		snprintf(err, errlen, "%s %s: cannot create a file in its "
		    "directory: %s", opt, path, strerror(errno));
		goto out;
	}
	close(fd);
	(void)unlinkat(a->dirfd, tmp, 0);
	rc = 0;
out:
	free(d);
	free(b);
	return rc;
}

int
atomic_file_write(struct atomic_file *a, int (*fill)(FILE *, void *),
    void *arg, const char **step)
{
	char	 tmp[NAME_MAX + 1];
	FILE	*f = NULL;
	int	 fd = -1, saved;

	tmp[0] = '\0';
	*step = "write";
	if (a->dirfd == -1)
		return 0;
	if (atomic_tmpname(a, tmp, sizeof(tmp)) == -1) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		goto fail;
	}
	*step = "create";
	if ((fd = atomic_create_tmp(a, tmp)) == -1)
		goto fail;
	if ((f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	*step = "write";
	if (fill(f, arg) == -1) {
		errno = EINVAL;	/* a bug of ours: say so, keep nothing */
		goto fail;
	}
	if (fflush(f) == EOF || ferror(f))
		goto fail;
	*step = "sync";
	if (fsync(fileno(f)) == -1)
		goto fail;
	*step = "close";
	if (fclose(f) == EOF) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	*step = "rename";
	if (renameat(a->dirfd, tmp, a->dirfd, a->base) == -1)
		goto fail;
	/* The rename itself is on disk once the directory is. */
	(void)fsync(a->dirfd);
	return 0;
fail:
	saved = errno;
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlinkat(a->dirfd, tmp, 0);
	errno = saved;
	return -1;
}

void
atomic_file_free(struct atomic_file *a)
{
	if (a->dirfd != -1)
		close(a->dirfd);
	free(a->base);
	free(a->shown);
	atomic_file_none(a);
}
