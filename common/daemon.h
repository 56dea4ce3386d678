/*
 * daemon.h - going to the background, for both programs' -d.
 */
#ifndef SYNEXEC_DAEMON_H
#define SYNEXEC_DAEMON_H

#include <stdbool.h>

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

#endif
