/*
 * log.c - stderr / syslog / file logging with a verbosity level; every line
 * made inert (text.c) as it is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "place.h"
#include "text.h"

/* A formatted message is cut here (before it is made inert). */
#define LOG_LINE_MAX	2048

static enum log_target	log_target = LOG_TO_STDERR;
static int		log_verbose;
static const char	*log_ident = "synexec";
static FILE		*log_file;
static void		(*log_stderr_hook)(void);

void
log_init(const char *ident, enum log_target target)
{
	log_ident = ident;
	log_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_to_file(const char *ident, const char *path, char *why, size_t whylen)
{
	FILE	*f;
	int	 fd;

	/* Not through a planted symlink, a FIFO, a link; not for others. */
	if ((fd = place_open_own(path, O_APPEND, 0600, why, whylen)) == -1)
		return -1;
	if ((f = fdopen(fd, "a")) == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	log_ident = ident;
	log_target = LOG_TO_FILE;
	return 0;
}

void
log_set_verbose(int level)
{
	log_verbose = level;
}

void
log_set_stderr_hook(void (*hook)(void))
{
	log_stderr_hook = hook;
}

int
log_get_verbose(void)
{
	return log_verbose;
}

void
log_close(void)
{
	if (log_target == LOG_TO_SYSLOG)
		closelog();
	if (log_file != NULL) {
		fclose(log_file);
		log_file = NULL;
	}
	log_target = LOG_TO_STDERR;
}

/*
 * Write one line, made inert first (text.c): whatever a peer's bytes in it,
 * what reaches stderr, syslog or the file is one line of printable ASCII
 * (NOTES section 10).
 */
static void
log_write(int priority, const char *raw, size_t len)
{
	char	 small[TEXT_INERT_SIZE(LOG_LINE_MAX)], *msg = small;
	size_t	 size = sizeof(small);

	if (TEXT_INERT_SIZE(len) > size &&
	    (msg = malloc(size = TEXT_INERT_SIZE(len))) == NULL) {
		msg = small;	/* cut rather than lost */
		size = sizeof(small);
	}
	text_inert(msg, size, raw, len, 0);

	switch (log_target) {
	case LOG_TO_SYSLOG:
		syslog(priority, "%s", msg);
		break;
	case LOG_TO_FILE: {
		struct timespec	ts;
		struct tm	tm;
		char		stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(log_file, "%s.%03ld %s[%ld]: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, (long)getpid(), msg);
		break;
	}
	case LOG_TO_NONE:
		break;
	case LOG_TO_STDERR:
	default:
		if (log_stderr_hook != NULL)
			log_stderr_hook();
		fprintf(stderr, "%s: %s\n", log_ident, msg);
		break;
	}
	if (msg != small)
		free(msg);
}

static void
log_emit(int priority, const char *fmt, va_list ap, int with_errno)
{
	int	saved_errno = errno;
	char	msg[LOG_LINE_MAX];
	int	n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	if (with_errno) {
		size_t used = strlen(msg);
		snprintf(msg + used, sizeof(msg) - used, ": %s",
		    strerror(saved_errno));
	}
	log_write(priority, msg, strlen(msg));
	errno = saved_errno;
}

void
log_info_data(const char *prefix, const void *p, size_t len)
{
	int	 saved_errno = errno;
	size_t	 plen = strlen(prefix);
	char	*raw;

	if ((raw = malloc(plen + len + 1)) == NULL) {
		log_write(LOG_INFO, prefix, plen);
		errno = saved_errno;
		return;
	}
	memcpy(raw, prefix, plen);
	if (len > 0)
		memcpy(raw + plen, p, len);
	log_write(LOG_INFO, raw, plen + len);
	free(raw);
	errno = saved_errno;
}

#define LOG_BODY(prio, with_errno) do {			\
	va_list ap;					\
	va_start(ap, fmt);				\
	log_emit((prio), fmt, ap, (with_errno));	\
	va_end(ap);					\
} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 1);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verbose >= 1)
		LOG_BODY(LOG_DEBUG, 0);
}

void
log_trace(const char *fmt, ...)
{
	if (log_verbose >= 2)
		LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
