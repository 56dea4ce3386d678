/*
 * preflight.h - PREFLIGHT: the session checked as this slave would run it,
 * nothing written, nothing run (preflight.c).
 */
#ifndef SYNEXEC_SLAVE_PREFLIGHT_H
#define SYNEXEC_SLAVE_PREFLIGHT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "payload.h"
#include "proto.h"
#include "safefile.h"
#include "task.h"

/* What the checks look at: the slave's settings for its next session. */
struct preflight_env {
	const struct slave_opts	*opts;		/* --allow, --max-conf-size */
	const struct payload	*payload;	/* -T */
	const struct task_runas	*runas;		/* NULL: the slave's user */
	const struct safefile	*output;	/* -o */
	const struct safefile	*errout;	/* -e; NULL: merged */
	pid_t			 pid;
};

/*
 * The answer to the session cb describes, as PREFLIGHT_ANS's payload in
 * out: its length (0 if out is too small).  *ready: every check passed.
 */
size_t	preflight_answer(const struct preflight_env *,
	    const struct proto_conf_begin *cb, uint8_t *out, size_t outlen,
	    bool *ready);

#endif
