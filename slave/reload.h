/*
 * reload.h - SIGHUP: the configuration read again (reload.c).
 */
#ifndef SYNEXEC_SLAVE_RELOAD_H
#define SYNEXEC_SLAVE_RELOAD_H

#include <stdbool.h>

#include "conf.h"
#include "opt.h"
#include "settings.h"

/* A configuration read on SIGHUP, checked: what the next session uses. */
struct reload {
	struct slave_opts	 opts;
	struct slave_settings	 set;
};

/* Remember how we were started, to read the configuration the same way. */
void	reload_init(int argc, char **argv, const struct opt_prog *);
/*
 * SIGHUP: read the configuration again (the file running names, then the
 * same command line), checked as at start-up, running's values kept for the
 * rows a reload cannot change (each said).  True if it is good: it waits
 * for reload_take(); false if not (said, and nothing changes).
 */
bool	reload_read(const struct slave_opts *running);
/*
 * Between sessions: the configuration read last, in force from now on; it
 * lasts until the next one is taken, or reload_free().  NULL: none waits.
 */
const struct reload *reload_take(void);
void	reload_free(void);

#endif
