/*
 * listen.h - finding a master (listen.c).
 */
#ifndef SYNEXEC_SLAVE_LISTEN_H
#define SYNEXEC_SLAVE_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#define SLAVE_RETRY_MIN		0.1		/* -m: first retry, seconds */
#define SLAVE_RETRY_MAX		5.0		/* -m: retries double up to this */

struct slave;

/* Before the loop (and before daemonizing): socket, or -m resolution. */
int	listen_init(struct slave *, char *err, size_t errlen);
void	listen_start(struct slave *);
/* Look for a master again (probes, or -m retry after delay seconds). */
void	listen_resume(struct slave *, bool after_failure);
void	listen_close(struct slave *);

#endif
