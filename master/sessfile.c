/*
 * sessfile.c - the session file: its first line is the command, every byte
 * after the first newline is the payload.
 *
 * The file is opened once and never read whole: the payload may be hundreds
 * of megabytes and every slave streams it at its own pace, so each read is a
 * pread() at that slave's offset.
 *
 * The first line is checked here, before discovery, for the mistakes every
 * slave would refuse or run wrong, each with what to write instead: an
 * empty command, a "#!" line (a script saved as is), a carriage return (a
 * file with CRLF line endings), a first word that is not an absolute path
 * (the slaves search no PATH).  Whether the command exists and may run is
 * for each slave's host to say, not ours.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master.h"
#include "text.h"

#define SESSFILE_SHOW_MAX	120	/* bytes of the line quoted in advice */
#define SESSFILE_PATH_SHOWN	1024	/* bytes of the file's name in messages */

static bool
sessfile_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Printable ASCII but the backquote: fit to quote in advice. */
static bool
sessfile_showable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~' || s[i] == '`')
			return false;
	return len > 0 && len <= SESSFILE_SHOW_MAX;
}

/* Where word (no slash in it) is found in our PATH, or NULL.  Free it. */
static char *
sessfile_which(const char *word, size_t len)
{
	const char	*path = getenv("PATH"), *p, *end;
	struct stat	 st;
	char		*cand;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p && *p == '/' && asprintf(&cand, "%.*s/%.*s",
		    (int)(end - p), p, (int)len, word) != -1) {
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		if (*end == '\0')
			return NULL;
	}
}

/* "#!/bin/bash" as a session's first line: "/bin/bash :CONF:" in buf. */
static void
sessfile_shebang_advice(const char *line, size_t len, char *buf,
    size_t buflen)
{
	size_t i = 2;

	buf[0] = '\0';
	while (i < len && sessfile_blank(line[i]))
		i++;
	while (len > i && (sessfile_blank(line[len - 1]) ||
	    line[len - 1] == '\r'))
		len--;
	if (i < len && line[i] == '/' && sessfile_showable(line + i,
	    len - i) && !(len - i == 7 && memcmp(line + i, "/bin/sh", 7) == 0))
		snprintf(buf, buflen, " (for this one: `%.*s :CONF:`)",
		    (int)(len - i), line + i);
}

/*
 * The first line, command[0..len), checked for what the slaves would refuse
 * or run wrong.  0, or -1 with the fault and what to write instead in err.
 * path is the file's name made inert; what the message quotes of the line
 * is made inert too, or is printable ASCII: err may go to a terminal as it
 * is, so that advice holding a backslash reads as typed.
 */
static int
sessfile_check_command(const char *path, const char *command, size_t len,
    char *err, size_t errlen)
{
	const char	*cr = memchr(command, '\r', len);
	char		 advice[SESSFILE_SHOW_MAX + 64], *found;
	char		 word[TEXT_INERT_SIZE(SESSFILE_SHOW_MAX)];
	size_t		 w = 0, wlen;

	while (w < len && sessfile_blank(command[w]))
		w++;
	if (w == len) {
		snprintf(err, errlen, "%s: the first line (the command) is "
		    "empty: write the command there, e.g. `/bin/sh :CONF:`, "
		    "and the payload below it", path);
		return -1;
	}
	if (len - w >= 2 && command[w] == '#' && command[w + 1] == '!') {
		sessfile_shebang_advice(command + w, len - w, advice,
		    sizeof(advice));
		snprintf(err, errlen, "%s: the first line starts with #!, but "
		    "the first line is the command: write `/bin/sh :CONF:`%s "
		    "as the first line, and the script below it", path,
		    advice);
		return -1;
	}
	if (cr != NULL) {
		if (cr == command + len - 1)
			snprintf(err, errlen, "%s: the first line ends with a "
			    "carriage return (CR): a file with CRLF (DOS, "
			    "Windows) line endings, which the task would "
			    "see; convert it with sed -i 's/\\r$//' %s, or "
			    "dos2unix %s", path, path, path);
		else
			snprintf(err, errlen, "%s: the first line (the command) "
			    "holds a carriage return (CR) at byte %zu: remove "
			    "it", path, (size_t)(cr - command) + 1);
		return -1;
	}
	for (wlen = 0; w + wlen < len && !sessfile_blank(command[w + wlen]);
	    wlen++)
		;
	/* ":CONF:" first is the payload file's path: absolute. */
	if (command[w] == '/' || (wlen >= 6 &&
	    memcmp(command + w, ":CONF:", 6) == 0))
		return 0;
	found = memchr(command + w, '/', wlen) == NULL ?
	    sessfile_which(command + w, wlen) : NULL;
	if (found != NULL && sessfile_showable(found, strlen(found)) &&
	    sessfile_showable(command + w + wlen, len - w - wlen))
		snprintf(advice, sizeof(advice), "write `%s%.*s` (where it is "
		    "on this host)", found, (int)(len - w - wlen),
		    command + w + wlen);
	else
		snprintf(advice, sizeof(advice), "write its absolute path, "
		    "e.g. `/bin/sh :CONF:`");
	free(found);
	text_inert(word, sizeof(word), command + w, wlen, 0);
	snprintf(err, errlen, "%s: the command '%s' is not an absolute path "
	    "(the slaves search no PATH): %s", path, word, advice);
	return -1;
}

int
sessfile_open(struct sessfile *sf, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 head[PROTO_COMMAND_MAX + 1];
	char		 shown[TEXT_INERT_SIZE(SESSFILE_PATH_SHOWN)];
	const char	*nl;
	size_t		 want;

	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	text_inert(shown, sizeof(shown), path, strlen(path), 0);
	sf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sf->fd == -1) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (fstat(sf->fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		goto fail;
	}
	/* pread needs a file that stays put: no pipes, no devices. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", shown);
		goto fail;
	}
	sf->size = (uint64_t)st.st_size;

	/* One byte more than the longest command tells "too long" apart. */
	want = sf->size < sizeof(head) ? (size_t)sf->size : sizeof(head);
	if (sessfile_pread(sf, 0, head, want, err, errlen) == -1)
		goto fail;
	nl = memchr(head, '\n', want);
	if (nl == NULL && want > PROTO_COMMAND_MAX) {
		snprintf(err, errlen, "%s: command line longer than %d bytes",
		    shown, PROTO_COMMAND_MAX);
		goto fail;
	}
	sf->command_len = (uint16_t)(nl != NULL ? (size_t)(nl - head) : want);
	/* A slave drops a CONF_BEGIN whose command holds a NUL: say it here. */
	if (memchr(head, '\0', sf->command_len) != NULL) {
		snprintf(err, errlen, "%s: first line (the command) holds a "
		    "NUL byte", shown);
		goto fail;
	}
	if (sessfile_check_command(shown, head, sf->command_len, err,
	    errlen) == -1)
		goto fail;
	memcpy(sf->command, head, sf->command_len);
	sf->command[sf->command_len] = '\0';
	sf->payload_off = nl != NULL ? (uint64_t)sf->command_len + 1 : sf->size;
	sf->payload_size = sf->size - sf->payload_off;
	return 0;

fail:
	sessfile_close(sf);
	return -1;
}

int
sessfile_pread(const struct sessfile *sf, uint64_t off, void *buf, size_t len,
    char *err, size_t errlen)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(sf->fd, (char *)buf + got, len - got,
		    (off_t)(off + got));

		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: read: %s", sf->path,
			    strerror(errno));
			return -1;
		}
		if (n == 0) {
			/* Never send a slave less than CONF_BEGIN announced. */
			snprintf(err, errlen, "%s: file shrank while being "
			    "sent (%llu bytes expected)", sf->path,
			    (unsigned long long)sf->size);
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

void
sessfile_close(struct sessfile *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
}
