/*
 * reload.h - SIGHUP: the configuration read again (reload.c).
 */
#ifndef SYNEXEC_SLAVE_RELOAD_H
#define SYNEXEC_SLAVE_RELOAD_H

#include <ev.h>

#include "opt.h"

struct slave;

/* Remember how we were started, to read the configuration the same way. */
void	reload_init(int argc, char **argv, const struct opt_prog *);
void	reload_hup_cb(struct ev_loop *, ev_signal *, int);
/* Between sessions: switch to a configuration read on SIGHUP, if any. */
void	reload_apply(struct slave *);
void	reload_free(void);

#endif
