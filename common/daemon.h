/*
 * daemon.h - going to the background, for both programs' -d.
 */
#ifndef SYNEXEC_DAEMON_H
#define SYNEXEC_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Fork once (as in 2014); the child leaves the terminal's session and its
 * stdio.  The parent waits until the child says it is ready (pidfile
 * written, signals handled), so that a script starting us may read the
 * pidfile or signal the pid at once; then it prints the child's pid on
 * stdout if print_pid, and exits 0, or exits 1, printing nothing, if the
 * child failed before that.  Returns the child's end of that pipe, for
 * daemon_ready().
 */
int	daemon_start(bool print_pid);
/* Tell the waiting parent that start-up went well (closing says it did not). */
void	daemon_ready(int *fd);
/*
 * Open --pidfile FILE for writing, emptied; -1 with errno set and, for a
 * file we must not write, the reason in why.  Never through a symlink,
 * never blocked by a FIFO, never another user's file or one with other names
 * (hard links): the directory may be one others can write to.
 */
int	daemon_pidfile_open(const char *path, char *why, size_t whylen);

#endif
