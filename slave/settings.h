/*
 * settings.h - what the options mean on this host (settings.c).
 */
#ifndef SYNEXEC_SLAVE_SETTINGS_H
#define SYNEXEC_SLAVE_SETTINGS_H

#include <limits.h>
#include <stdbool.h>

#include "conf.h"
#include "proto.h"
#include "task.h"

struct slave_settings {
	char			 name[PROTO_NAME_MAX + 1];
	char			 conf_dir[PATH_MAX];	/* absolute */
	char			 output[PATH_MAX];	/* -o, absolute */
	bool			 output_default;	/* -o not given */
	bool			 merge_stderr;		/* --merge-stderr */
	char			 errout[PATH_MAX];	/* -e, absolute; "":
							   merged */
	bool			 errout_default;	/* in the default -o's
							   directory */
	struct task_runas	 runas;			/* --run-as, if have_runas */
	bool			 have_runas;
};

/*
 * The checks of start-up, -n and each SIGHUP: every fault said (log_warnx,
 * named as org says where each value came from); how many (settings_free()
 * it either way).
 */
int	settings_resolve(const struct slave_opts *, const struct opt_origin *,
	    struct slave_settings *);
void	settings_free(struct slave_settings *);
/* An absolute version of path (the daemon runs in /); -1 if too long. */
int	settings_abs_path(const char *path, char *out, size_t outlen);

#endif
