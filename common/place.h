/*
 * place.h - can a file be written where an option says, or a directory be
 * used?  Found without writing anything, for -n and for a start, which
 * both say every fault before doing anything else.  And the one way to open
 * a file of ours in a directory others may write to (--log, --pidfile).
 */
#ifndef SYNEXEC_PLACE_H
#define SYNEXEC_PLACE_H

#include <sys/types.h>

#include <stddef.h>

enum place_kind {
	PLACE_FILE,		/* a file opened for writing where it is
				   (--log, --pidfile, -o): itself writable
				   if it exists, else its directory */
	PLACE_FILE_BESIDE,	/* a file written beside and renamed over
				   (-r): its directory writable */
	PLACE_DIR,		/* an existing directory, writable (-T) */
	PLACE_DIR_OR_NEW,	/* a writable directory, or one that mkdir()
				   can make in a writable parent (-O) */
};

/*
 * 0, or -1 with why in err, without the path itself ("directory
 * /nonexistent/dir: No such file or directory", "is a directory: name a
 * file", "Permission denied").  As the effective user: root passes where
 * only a read-only file system stops it.
 */
int	place_check(const char *path, enum place_kind, char *err,
	    size_t errlen);
/*
 * Open path for writing with flags (O_APPEND, say) on top of O_WRONLY,
 * O_CREAT (mode), O_NOFOLLOW, O_NONBLOCK, O_NOCTTY and O_CLOEXEC, and keep
 * it only if it is a regular file of the effective user with one name:
 * never through a symlink, never blocked by a FIFO, never another user's
 * file or a link to one.  The descriptor is blocking again; -1 with the
 * reason, naming the file, in why.
 */
int	place_open_own(const char *path, int flags, mode_t mode, char *why,
	    size_t whylen);

#endif
