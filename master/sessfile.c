/*
 * sessfile.c - the session file: its first line is the command, every byte
 * after the first newline is the payload.
 *
 * The file is opened once and never read whole: the payload may be hundreds
 * of megabytes and every slave streams it at its own pace, so each read is a
 * pread() at that slave's offset.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "master.h"

int
sessfile_open(struct sessfile *sf, const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	char		 head[PROTO_COMMAND_MAX + 1];
	const char	*nl;
	size_t		 want;

	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	sf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sf->fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(sf->fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* pread needs a file that stays put: no pipes, no devices. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
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
		    path, PROTO_COMMAND_MAX);
		goto fail;
	}
	sf->command_len = (uint16_t)(nl != NULL ? (size_t)(nl - head) : want);
	if (sf->command_len == 0) {
		snprintf(err, errlen, "%s: first line (the command) is empty",
		    path);
		goto fail;
	}
	/* A slave drops a CONF_BEGIN whose command holds a NUL: say it here. */
	if (memchr(head, '\0', sf->command_len) != NULL) {
		snprintf(err, errlen, "%s: first line (the command) holds a "
		    "NUL byte", path);
		goto fail;
	}
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
