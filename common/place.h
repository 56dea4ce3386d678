/*
 * place.h - can a file be written where an option says, or a directory be
 * used?  Found without writing anything, for -n and for a start, which
 * both say every fault before doing anything else.
 */
#ifndef SYNEXEC_PLACE_H
#define SYNEXEC_PLACE_H

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

#endif
