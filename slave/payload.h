/*
 * payload.h - the payload file: the session file's bytes after its first
 * line, which the task reads by name (:CONF:) (payload.c).
 */
#ifndef SYNEXEC_SLAVE_PAYLOAD_H
#define SYNEXEC_SLAVE_PAYLOAD_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "task.h"

/*
 * Its name: -T/synexec_slave_conf.<pid>.<12 random characters>, a new one
 * for each session, which nobody can take before us.
 */
#define PAYLOAD_PREFIX		"synexec_slave_conf."
#define PAYLOAD_RANDOM		12
/* Its name's length at most: prefix, pid, '.', random part, NUL. */
#define PAYLOAD_NAME_MAX	(sizeof(PAYLOAD_PREFIX) + 12 + PAYLOAD_RANDOM)

struct payload {
	char	 dir[PATH_MAX];		/* -T, absolute */
	char	 path[PATH_MAX];	/* this session's (payload_name) */
	int	 fd;			/* while it is written; -1 */
	bool	 exists;		/* made by us and not removed yet */
};

void	payload_init(struct payload *);
/*
 * Is dir fit to be -T: a directory whose files nobody but us (root, the
 * --run-as user) can replace, i.e. theirs and not writable by group or
 * others unless sticky (like /tmp)?  -1 with the reason in err.
 */
int	payload_dir_check(const char *dir, const struct task_runas *,
	    char *err, size_t errlen);
/* -T in force from now on (absolute, checked): at start, on SIGHUP. */
void	payload_set_dir(struct payload *, const char *dir);
/*
 * A fresh, unpredictable name for this session's file (pid: ours), the last
 * one's file removed first: -1 with the reason.
 */
int	payload_name(struct payload *, pid_t, char *why, size_t whylen);
/*
 * Create it under that name, for ra to read (NULL: ourselves): -1 with the
 * reason, a refusal's text ("/tmp/synexec_slave_conf...: File exists").
 */
int	payload_create(struct payload *, const struct task_runas *ra,
	    char *why, size_t whylen);
/* Append; -1 with the reason. */
int	payload_write(struct payload *, const uint8_t *, size_t, char *why,
	    size_t whylen);
/* All written: closed, -1 with the reason if that failed. */
int	payload_close(struct payload *, char *why, size_t whylen);
/* Stop writing it, if we were (the session ended); the file stays. */
void	payload_abandon(struct payload *);
/* Gone: closed and removed, if it is ours. */
void	payload_remove(struct payload *);

#endif
