/*
 * output.c - the tasks' output, brought back to the master.
 *
 * With -O DIR each slave's output lands in DIR/<slave name>.out, byte for
 * byte, as its OUTPUT frames arrive (names are unique within a session, so
 * the files are too).  Each frame is written at once with a plain write():
 * local disk is faster than the network that brought it, and nothing of it
 * stays in memory.  A file is created afresh: whatever had the name is
 * unlinked first and the new one made with O_EXCL|O_NOFOLLOW, so a planted
 * symlink or hard link is never written through.
 *
 * With --follow each complete line is also printed on stdout, prefixed with
 * the slave's name, as pdsh does; a line longer than VIEW_FOLLOW_LINE_MAX is
 * printed in pieces.  With --output-max each slave sends at most that many
 * bytes; FINISHD says how many there were, so a capped file is known.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

int
output_init(struct master *m, char *err, size_t errlen)
{
	const struct master_opts	*o = m->opts;
	const char			*dir = o->output_dir;

	if (o->output_max != 0 && dir == NULL && !o->follow)
		log_warnx("warning: --output-max has no effect without -O or "
		    "--follow");
	if (dir == NULL)
		return 0;
	/* One level is made if missing; its parent must exist. */
	if (mkdir(dir, 0777) == 0)
		log_info("created output directory %s", dir);
	else if (errno != EEXIST) {
		snprintf(err, errlen, "-O %s: %s", dir, strerror(errno));
		return -1;
	}
	/* A descriptor, so that -d's chdir("/") does not matter. */
	m->v.out_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->v.out_dirfd == -1) {
		snprintf(err, errlen, "-O %s: %s", dir, strerror(errno));
		return -1;
	}
	m->v.out_dir_open = true;
	if (faccessat(m->v.out_dirfd, ".", W_OK | X_OK, AT_EACCESS) == -1) {
		snprintf(err, errlen, "-O %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((m->v.out_dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "-O %s: out of memory", dir);
		return -1;
	}
	return 0;
}

uint32_t
output_conf_flags(const struct master *m)
{
	uint32_t flags = 0;

	if (m->opts->output_dir != NULL || m->opts->follow)
		flags |= CONF_FLAG_COLLECT_OUTPUT;
	if (m->opts->follow)
		flags |= CONF_FLAG_FOLLOW;
	return flags;
}

static void
output_set_error(struct slave *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
output_set_error(struct slave *s, const char *fmt, ...)
{
	va_list ap;

	if (s->v.out_error != NULL)
		return;	/* the first one says most */
	va_start(ap, fmt);
	if (vasprintf(&s->v.out_error, fmt, ap) == -1)
		s->v.out_error = NULL;
	va_end(ap);
}

/* DIR/<name>.out, created afresh.  -1 after saying why. */
static int
output_create(struct slave *s)
{
	struct master	*m = s->m;
	char		 file[PROTO_NAME_MAX + 32];
	int		 fd;

	snprintf(file, sizeof(file), "%s.out", s->name);
	if (asprintf(&s->v.out_path, "%s/%s", m->v.out_dir, file) == -1) {
		s->v.out_path = NULL;
		summary_err(m, "out of memory");
		return -1;
	}
	/* The results name the slave whose file failed, too. */
	if (unlinkat(m->v.out_dirfd, file, 0) == -1 && errno != ENOENT) {
		output_set_error(s, "%s: cannot replace it: %s",
		    s->v.out_path, strerror(errno));
		summary_err(m, "%s", s->v.out_error != NULL ?
		    s->v.out_error : s->v.out_path);
		return -1;
	}
	/* 0600, as the slave keeps its copy: a task's output is no one else's. */
	fd = openat(m->v.out_dirfd, file, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		output_set_error(s, "%s: %s", s->v.out_path, strerror(errno));
		summary_err(m, "%s", s->v.out_error != NULL ?
		    s->v.out_error : s->v.out_path);
		return -1;
	}
	s->v.out_fd = fd;
	s->v.out_open = true;
	return 0;
}

int
output_prepare(struct master *m)
{
	struct slave	*s;
	bool		 collect = output_conf_flags(m) != 0;

	if (!collect)
		return 0;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->kind != SLAVE_KIND_OURS) {
			log_warnx("%s: a 2014 slave cannot send its output "
			    "back", s->label);
			output_set_error(s, "a 2014 slave cannot send its "
			    "output back");
			continue;
		}
		s->v.out_on = true;
		if (m->v.out_dir_open && output_create(s) == -1)
			return -1;
	}
	return 0;
}

/* Printable on a terminal: control bytes (but tab) become '?'. */
static void
output_put(struct master *m, FILE *f, const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0)
		return;	/* p may be NULL then */
	if (!m->v.tty && !m->out_log) {
		fwrite(p, 1, len, f);
		return;
	}
	for (i = 0; i < len; i++)
		fputc((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f ? '?' :
		    p[i], f);
}

/* One --follow line: "name: " a b. */
static void
output_emit(struct slave *s, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	struct master	*m = s->m;
	char		*line = NULL;
	size_t		 len = 0;
	FILE		*f;

	if (m->out_log) {
		/* Daemon: the log takes text lines. */
		if ((f = open_memstream(&line, &len)) == NULL)
			return;
		output_put(m, f, a, alen);
		output_put(m, f, b, blen);
		fclose(f);
		log_info("%s: %s", s->name, line != NULL ? line : "");
		free(line);
		return;
	}
	display_erase(m);
	fputs(s->name, stdout);
	fputs(": ", stdout);
	output_put(m, stdout, a, alen);
	output_put(m, stdout, b, blen);
	fputc('\n', stdout);
}

static void
output_follow(struct slave *s, const uint8_t *p, size_t len)
{
	const uint8_t	*nl;
	size_t		 seg, take, room;

	if (s->v.line == NULL &&
	    (s->v.line = malloc(VIEW_FOLLOW_LINE_MAX)) == NULL) {
		log_warn("--follow");
		return;
	}
	while (len > 0) {
		/*
		 * A full piece goes out only when more of its line comes, so
		 * a line of exactly the max is one line, not one and "".
		 */
		if (s->v.line_len == VIEW_FOLLOW_LINE_MAX && *p != '\n') {
			output_emit(s, (const uint8_t *)s->v.line,
			    s->v.line_len, NULL, 0);
			s->v.line_len = 0;
		}
		/*
		 * A line too long for the buffer is printed in pieces
		 * whether or not its end came in the same frame: the same
		 * output gives the same lines, however TCP cut it.
		 */
		room = VIEW_FOLLOW_LINE_MAX - s->v.line_len;
		nl = memchr(p, '\n', len < room + 1 ? len : room + 1);
		if (nl != NULL) {
			seg = (size_t)(nl - p);
			output_emit(s, (const uint8_t *)s->v.line,
			    s->v.line_len, p, seg);
			s->v.line_len = 0;
			p += seg + 1;
			len -= seg + 1;
			continue;
		}
		/* No end in reach: keep what fits, in pieces of the max. */
		take = len < room ? len : room;
		memcpy(s->v.line + s->v.line_len, p, take);
		s->v.line_len += take;
		p += take;
		len -= take;
	}
	fflush(stdout);
}

static void
output_close_file(struct slave *s)
{
	struct stat st;

	if (!s->v.out_open)
		return;
	/* Removed under us (rm -r DIR): every write "worked", into nothing. */
	if (fstat(s->v.out_fd, &st) == 0 && st.st_nlink == 0) {
		output_set_error(s, "%s: removed while being written",
		    s->v.out_path);
		summary_err(s->m, "%s: removed while being written; %s's "
		    "output is lost", s->v.out_path, s->name);
		s->m->v.out_error = true;
	}
	if (close(s->v.out_fd) == -1) {
		output_set_error(s, "%s: %s", s->v.out_path, strerror(errno));
		summary_err(s->m, "%s: %s", s->v.out_path, strerror(errno));
		s->m->v.out_error = true;
	}
	s->v.out_open = false;
}

int
output_received(struct slave *s, const uint8_t *p, size_t len, char *why,
    size_t whylen)
{
	struct master	*m = s->m;
	uint64_t	 max = m->opts->output_max;
	size_t		 off = 0;
	ssize_t		 n;

	if (!s->v.out_on) {
		snprintf(why, whylen, "OUTPUT, but no output was asked for");
		return -1;
	}
	if (max != 0 && s->v.out_bytes + len > max) {
		snprintf(why, whylen, "OUTPUT beyond --output-max (%llu bytes)",
		    (unsigned long long)max);
		return -1;
	}
	s->v.out_bytes += len;
	while (s->v.out_open && off < len) {
		n = write(s->v.out_fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			/*
			 * Said once; the session goes on, exit code 1.  What
			 * the file holds is said too: the bytes received
			 * (output_collected_bytes) are more than that now.
			 */
			int		e = errno;
			uint64_t	kept = s->v.out_bytes - len + off;

			output_set_error(s, "%s: %s after %llu bytes stored",
			    s->v.out_path, strerror(e),
			    (unsigned long long)kept);
			summary_err(m, "%s: %s after %llu bytes; the rest of "
			    "%s's output is lost", s->v.out_path, strerror(e),
			    (unsigned long long)kept, s->name);
			m->v.out_error = true;
			output_close_file(s);
			break;
		}
		off += (size_t)n;
	}
	if (m->opts->follow)
		output_follow(s, p, len);
	return 0;
}

/* A last line without its newline. */
static void
output_follow_flush(struct slave *s)
{
	if (s->v.line != NULL && s->v.line_len > 0) {
		output_emit(s, (const uint8_t *)s->v.line, s->v.line_len,
		    NULL, 0);
		s->v.line_len = 0;
		fflush(stdout);
	}
}

void
output_finished(struct slave *s)
{
	struct master	*m = s->m;
	uint64_t	 max = m->opts->output_max, want;

	if (!s->v.out_on)
		return;
	output_follow_flush(s);
	output_close_file(s);
	want = s->res.output_bytes;
	if (max != 0 && want > max) {
		want = max;
		s->v.out_capped = true;
		log_info("%s: output capped by --output-max: %llu of %llu "
		    "bytes brought back", s->label,
		    (unsigned long long)s->v.out_bytes,
		    (unsigned long long)s->res.output_bytes);
	}
	if (s->v.out_bytes != want) {
		/* Its file shrank or could not be read to the end. */
		output_set_error(s, "received %llu of %llu output bytes",
		    (unsigned long long)s->v.out_bytes,
		    (unsigned long long)want);
		log_warnx("%s: received %llu of its %llu output bytes",
		    s->label, (unsigned long long)s->v.out_bytes,
		    (unsigned long long)want);
	}
}

void
output_end(struct master *m)
{
	struct slave *s;

	TAILQ_FOREACH(s, &m->joined, entry) {
		output_follow_flush(s);
		output_close_file(s);
	}
}

void
output_slave_free(struct slave *s)
{
	if (s->v.out_open) {
		close(s->v.out_fd);
		s->v.out_open = false;
	}
	free(s->v.out_path);
	free(s->v.out_error);
	free(s->v.line);
	s->v.out_path = s->v.out_error = s->v.line = NULL;
}

void
output_cleanup(struct master *m)
{
	if (m->v.out_dir_open) {
		close(m->v.out_dirfd);
		m->v.out_dir_open = false;
	}
	free(m->v.out_dir);
	m->v.out_dir = NULL;
}
