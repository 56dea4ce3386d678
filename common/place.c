/*
 * place.c - can a file be written where an option says, or a directory be
 * used?  place_check: only stat() and faccessat(), nothing is made, opened
 * or left behind, so -n may ask as often as it likes.  place_open_own: the
 * file opened, and checked on its descriptor.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "place.h"

#define PLACE_PATH_MAX	4096

/* May we make and remove entries in dir?  0, or -1 with errno set. */
static int
place_dir_writable(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS);
}

/* The directory part of path into buf: "." for "x", "/" for "/x". */
static int
place_parent(const char *path, char *buf, size_t len)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n;

	if (slash == NULL)
		n = (size_t)snprintf(buf, len, ".");
	else if (slash == path)
		n = (size_t)snprintf(buf, len, "/");
	else
		n = (size_t)snprintf(buf, len, "%.*s", (int)(slash - path),
		    path);
	return n < len ? 0 : -1;
}

static int
place_say_dir(const char *what, const char *dir, char *err, size_t errlen)
{
	if (errno == ENOTDIR)
		snprintf(err, errlen, "%s %s is not a directory", what, dir);
	else
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
	return -1;
}

int
place_check(const char *path, enum place_kind kind, char *err, size_t errlen)
{
	struct stat	st;
	char		dir[PLACE_PATH_MAX];
	size_t		n = strlen(path);
	int		exists = stat(path, &st) == 0;
	int		missing = !exists && errno == ENOENT;

	if (n == 0 || place_parent(path, dir, sizeof(dir)) == -1) {
		snprintf(err, errlen, "not a usable path");
		return -1;
	}
	switch (kind) {
	case PLACE_DIR_OR_NEW:
		if (missing) {
			if (place_dir_writable(dir) == -1)
				return place_say_dir("parent directory", dir,
				    err, errlen);
			return 0;
		}
		/* FALLTHROUGH */
	case PLACE_DIR:
		if (place_dir_writable(path) == -1) {
			if (errno == ENOTDIR)
				snprintf(err, errlen, "not a directory");
			else
				snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	case PLACE_FILE:
	case PLACE_FILE_BESIDE:
		break;
	}
	if (path[n - 1] == '/' || (exists && S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "is a directory: name a file");
		return -1;
	}
	if (kind == PLACE_FILE && exists) {
		if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (place_dir_writable(dir) == -1)
		return place_say_dir("directory", dir, err, errlen);
	return 0;
}

int
place_open_own(const char *path, int flags, mode_t mode, char *why,
    size_t whylen)
{
	struct stat	st;
	int		fd, fl;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC | flags, mode);
	if (fd == -1) {
		snprintf(why, whylen, "%s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symbolic link: never followed)" :
		    errno == ENXIO ? " (a FIFO or socket)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file: refused", path);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s is owned by uid %ld, not by us: "
		    "refused (remove it)", path, (long)st.st_uid);
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(why, whylen, "%s has %ld hard links: refused (it may "
		    "be another file's name; remove it)", path,
		    (long)st.st_nlink);
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return -1;
}
