/*
 * log.h - the one logging module of both programs.
 *
 * Messages go to stderr, or to syslog once log_init() was told the process is a
 * daemon (or to a file named with --log).  Verbosity rises with each -v:
 * 0 prints warnings and info, 1 adds debug, 2 adds wire-level traces.
 *
 * Every line is made inert as it is written (text.h, without TEXT_UTF8): a
 * byte outside printable ASCII, whoever sent it, is written \xNN and a
 * backslash \\, so no peer can forge a line, move the cursor or retitle a
 * terminal through the log.  Callers pass text as it came, never escaped.
 */
#ifndef SYNEXEC_LOG_H
#define SYNEXEC_LOG_H

#include <stdarg.h>

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
	LOG_TO_FILE,		/* log_to_file() */
	LOG_TO_NONE,		/* nowhere (test harnesses) */
};

/* ident: the program's name, on every line; not LOG_TO_FILE. */
void	log_init(const char *ident, enum log_target target);
/*
 * --log FILE: append to it from now on (a new one is made 0600).  Refused
 * unless it is a regular file of ours with one name: not through a
 * symlink, never a FIFO (which would block us), nor another user's file or
 * a link to one (place_open_own).  -1 with the reason, naming the file, in
 * why: the log then stays where it was.
 */
int	log_to_file(const char *ident, const char *path, char *why,
	    size_t whylen);
void	log_set_verbose(int level);
int	log_get_verbose(void);
void	log_close(void);
/*
 * Called just before a message goes to stderr: the master's live display
 * takes its block off the terminal first.  NULL: none.
 */
void	log_set_stderr_hook(void (*)(void));

/* log_warn appends ": strerror(errno)"; log_warnx does not.  errno is preserved. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_info of prefix then len bytes of p, which may hold any byte (NUL too). */
void	log_info_data(const char *prefix, const void *p, size_t len);
/* Log and exit(1). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
