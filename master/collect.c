/*
 * collect.c - the tasks' output, brought back to the master.
 *
 * With -O DIR each slave's output lands in DIR/<slave name>.out, byte for
 * byte, as its OUTPUT frames arrive, and its stderr in DIR/<slave
 * name>.err as its OUTPUT_ERR frames do (a slave that keeps them apart:
 * HELLO_CAP_STDERR; an older one sends both in OUTPUT).  Names are unique
 * within a session, so the files are too; a name that cannot be a file
 * name there gets a short one, the same for both files.  Each frame is written at once with a plain write(): local disk is
 * faster than the network that brought it, and nothing of it stays in
 * memory.  A file is created afresh: whatever had the name is unlinked
 * first and the new one made with O_EXCL|O_NOFOLLOW, so a planted symlink
 * or hard link is never written through.  Whatever goes wrong with a file
 * is its slave's error: the session goes on, the exit code becomes 1.
 *
 * With --follow each complete line is also printed on stdout, prefixed with
 * the slave's name, as pdsh does ("name: line"; a stderr line "name!
 * line"), made inert (text.h); a line longer than VIEW_FOLLOW_LINE_MAX is
 * printed in pieces.  With --output-max each slave sends at most that many
 * bytes of each stream; FINISHD (STDERR_TAIL for stderr) says how many
 * there were, so a capped file is known.
 *
 * STDERR_TAIL, before FINISHD, brings the last lines of a failed task's
 * stderr: kept here for the summary and the results.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "text.h"

/* A file name in -O's directory: NAME_MAX at most, with room to spare. */
#define COLLECT_FILE_MAX	(NAME_MAX + 64)

int
collect_init(struct master *m, char *err, size_t errlen)
{
	const struct master_opts	*o = m->opts;
	const char			*dir = o->output_dir;

	m->v.follow_text = TEXT_TAB | text_terminal_flags();
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
	m->v.out_topfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->v.out_topfd == -1) {
		snprintf(err, errlen, "-O %s: %s", dir, strerror(errno));
		return -1;
	}
	m->v.out_top_open = true;
	if (faccessat(m->v.out_topfd, ".", W_OK | X_OK, AT_EACCESS) == -1) {
		snprintf(err, errlen, "-O %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((m->v.out_top = strdup(dir)) == NULL) {
		snprintf(err, errlen, "-O %s: out of memory", dir);
		return -1;
	}
	return 0;
}

/* This run's directory closed (DIR itself is kept). */
static void
collect_run_dir_close(struct master *m)
{
	if (m->v.out_dir_open && m->v.out_dirfd != m->v.out_topfd)
		close(m->v.out_dirfd);
	m->v.out_dir_open = false;
	free(m->v.out_dir);
	m->v.out_dir = NULL;
}

/*
 * This run's directory: DIR, or in a campaign of several runs DIR/<run>
 * (0-based, as SYNEXEC_RUN), made if missing, never through a symlink.
 * 0, or -1 said (every slave's output is then this run's error).
 */
static int
collect_run_dir(struct master *m)
{
	char	 sub[16];
	int	 fd;

	collect_run_dir_close(m);
	if (m->campaign.runs <= 1) {
		m->v.out_dirfd = m->v.out_topfd;
		m->v.out_dir_open = true;
		if ((m->v.out_dir = strdup(m->v.out_top)) == NULL)
			fatal("-O");
		return 0;
	}
	snprintf(sub, sizeof(sub), "%u", m->campaign.run);
	if (asprintf(&m->v.out_dir, "%s/%s", m->v.out_top, sub) == -1)
		fatal("-O");
	if (mkdirat(m->v.out_topfd, sub, 0777) == -1 && errno != EEXIST)
		goto fail;
	fd = openat(m->v.out_topfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		goto fail;
	m->v.out_dirfd = fd;
	m->v.out_dir_open = true;
	return 0;
fail:
	summary_err(m, "-O: cannot make %s: %s; the tasks' output of this run "
	    "is not stored", m->v.out_dir, strerror(errno));
	m->v.out_error = true;
	return -1;
}

uint32_t
collect_conf_flags(const struct master *m)
{
	uint32_t flags = 0;

	if (m->opts->output_dir != NULL || m->opts->follow)
		flags |= CONF_FLAG_COLLECT_OUTPUT;
	if (m->opts->follow)
		flags |= CONF_FLAG_FOLLOW;
	return flags;
}

static void
collect_set_error(struct peer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
collect_set_error(struct peer *s, const char *fmt, ...)
{
	va_list ap;

	if (s->v.out_error != NULL)
		return;	/* the first one says most */
	va_start(ap, fmt);
	if (vasprintf(&s->v.out_error, fmt, ap) == -1)
		s->v.out_error = NULL;
	va_end(ap);
}

/* The file name ending of each stream, and what its bytes are called. */
static const char *const collect_suffix[VIEW_STREAMS] = { ".out", ".err" };
static const char *const collect_what[VIEW_STREAMS] = { "output", "stderr" };

/*
 * DIR/file, created afresh as the file of this stream of the slave: 0, or
 * an errno (what failed in *step).
 */
static int
collect_open(struct peer *s, struct view_stream *st, const char *file,
    const char **step)
{
	struct master	*m = s->m;
	int		 fd;

	free(st->path);
	if (asprintf(&st->path, "%s/%s", m->v.out_dir, file) == -1) {
		st->path = NULL;
		*step = "";
		return ENOMEM;
	}
	if (unlinkat(m->v.out_dirfd, file, 0) == -1 && errno != ENOENT) {
		*step = "cannot replace it: ";
		return errno;
	}
	/* 0600, as the slave keeps its copy: a task's output is no one else's. */
	fd = openat(m->v.out_dirfd, file, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		*step = "";
		return errno;
	}
	st->fd = fd;
	st->open = true;
	return 0;
}

/* The longest file name DIR takes. */
static size_t
collect_name_max(const struct master *m)
{
	long n = fpathconf(m->v.out_dirfd, _PC_NAME_MAX);

	return n > 0 && n < NAME_MAX ? (size_t)n : NAME_MAX;
}

/* Errors that say the name, not the place, is at fault. */
static bool
collect_bad_name(int e)
{
	return e == ENAMETOOLONG || e == EINVAL || e == EILSEQ;
}

/*
 * The short file name stem of a slave whose name cannot be one in DIR: as
 * much of its name as fits, each byte outside [A-Za-z0-9._-] as '_', then
 * '~' and 16 hex digits of a hash of the whole name (the same name has the
 * same file in every session), then "-INDEX" with indexed; ".out" or ".err"
 * follows.  A slave's name holds no '~': a short name is never another's
 * own name.
 */
static void
collect_short_name(const struct peer *s, size_t name_max, bool indexed,
    char *out, size_t outlen)
{
	/* '~', 16 digits, '-' and 10 digits, ".out": 32 bytes at most. */
	size_t		 keep = name_max > 32 ? name_max - 32 : 0, i;
	uint64_t	 h = 14695981039346656037ull;	/* FNV-1a */
	char		 prefix[NAME_MAX + 1], idx[16] = "";

	for (i = 0; s->name[i] != '\0'; i++)
		h = (h ^ (uint8_t)s->name[i]) * 1099511628211ull;
	for (i = 0; s->name[i] != '\0' && i < keep && i < NAME_MAX; i++) {
		char c = s->name[i];

		prefix[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' ? c : '_';
	}
	prefix[i] = '\0';
	if (indexed)
		snprintf(idx, sizeof(idx), "-%u", s->index);
	snprintf(out, outlen, "%s~%016llx%s", prefix, (unsigned long long)h,
	    idx);
}

/* This stream of the slave is not stored: its error, the others go on. */
static void
collect_create_failed(struct peer *s, int stream, const char *step, int e)
{
	struct view_stream *st = &s->v.stream[stream];

	collect_set_error(s, "%s: %s%s", st->path != NULL ? st->path :
	    s->m->v.out_dir, step, strerror(e));
	summary_err(s->m, "%s: %s%s; %s's %s is not stored", st->path != NULL ?
	    st->path : s->m->v.out_dir, step, strerror(e), s->name,
	    collect_what[stream]);
	s->m->v.out_error = true;
}

/* DIR/stem.out (.err): 0, or an errno, the failure said unless bad name. */
static int
collect_create_stream(struct peer *s, int stream, const char *stem,
    bool quiet_bad_name)
{
	char		 file[COLLECT_FILE_MAX];
	const char	*step;
	int		 e;

	snprintf(file, sizeof(file), "%s%s", stem, collect_suffix[stream]);
	e = collect_open(s, &s->v.stream[stream], file, &step);
	if (e != 0 && !(quiet_bad_name && collect_bad_name(e)))
		collect_create_failed(s, stream, step, e);
	return e;
}

/*
 * DIR/<name>.out, and DIR/<name>.err for a slave that keeps its stderr
 * apart, created afresh; a name that cannot be a file name there (too
 * long, or refused by the file system) gets its short one, for both, said
 * in the log and in the results (output_file, output_file_err).  A failure
 * is said, and is this slave's error (collect_create_failed).
 */
static void
collect_create(struct peer *s)
{
	struct master	*m = s->m;
	size_t		 max = collect_name_max(m);
	char		 stem[COLLECT_FILE_MAX], why[96];
	int		 e;

	snprintf(stem, sizeof(stem), "%s", s->name);
	if (strlen(s->name) + strlen(".out") <= max) {
		if ((e = collect_create_stream(s, VIEW_STDOUT, stem, true)) ==
		    0 || !collect_bad_name(e))
			goto err;
		snprintf(why, sizeof(why), "%s", strerror(e));
	} else
		snprintf(why, sizeof(why), "%zu bytes with \".out\", over the "
		    "%zu a file name may have there", strlen(s->name) + 4, max);
	collect_short_name(s, max, false, stem, sizeof(stem));
	if (collect_create_stream(s, VIEW_STDOUT, stem, false) == 0)
		log_info("%s: its name cannot be a file name in %s (%s): its "
		    "output goes to %s", s->label, m->v.out_dir, why,
		    s->v.stream[VIEW_STDOUT].path);
err:
	if (s->v.stream[VIEW_STDERR].on)
		(void)collect_create_stream(s, VIEW_STDERR, stem, false);
}

/*
 * Is DIR's entry of this stream's file still the file it writes?  Not
 * where a later slave's file name is the same one to DIR: a file system
 * that ignores case, where "Web.out" is "web.out", unlinked the earlier
 * file.
 */
static bool
collect_still_own(const struct peer *s, const struct view_stream *st)
{
	struct stat	 mine, there;
	const char	*file = strrchr(st->path, '/') + 1;

	if (fstat(st->fd, &mine) == -1 || mine.st_nlink == 0)
		return false;
	if (fstatat(s->m->v.out_dirfd, file, &there, AT_SYMLINK_NOFOLLOW) ==
	    -1)
		return false;
	return mine.st_dev == there.st_dev && mine.st_ino == there.st_ino;
}

/* A file taken by another slave's: the short names with its index. */
static void
collect_recreate(struct peer *s)
{
	char	 stem[COLLECT_FILE_MAX], *was;
	int	 i;

	collect_short_name(s, collect_name_max(s->m), true, stem, sizeof(stem));
	for (i = 0; i < VIEW_STREAMS; i++) {
		struct view_stream *st = &s->v.stream[i];

		if (!st->open)
			continue;
		close(st->fd);
		st->open = false;
		was = st->path;
		st->path = NULL;
		if (collect_create_stream(s, i, stem, false) == 0)
			log_info("%s: %s is another slave's file too (a file "
			    "system that ignores case?): its %s goes to %s",
			    s->label, was, collect_what[i], st->path);
		free(was);
	}
}

void
collect_prepare(struct master *m)
{
	struct peer	*s;
	bool		 collect = collect_conf_flags(m) != 0;
	int		 i;

	/* This run's: a campaign's earlier run's fault is in its results. */
	m->v.out_error = false;
	if (!collect)
		return;
	if (m->v.out_top_open && collect_run_dir(m) == -1) {
		TAILQ_FOREACH(s, &m->joined, entry) {
			s->v.stream[VIEW_STDOUT].on = s->kind ==
			    PEER_KIND_OURS;
			s->v.stream[VIEW_STDERR].on = s->kind ==
			    PEER_KIND_OURS && (s->caps & HELLO_CAP_STDERR);
			collect_set_error(s, "%s: not made", m->v.out_dir);
		}
		return;
	}
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->kind != PEER_KIND_OURS) {
			log_warnx("%s: a 2014 slave cannot send its output "
			    "back", s->label);
			collect_set_error(s, "a 2014 slave cannot send its "
			    "output back");
			continue;
		}
		s->v.stream[VIEW_STDOUT].on = true;
		/* An older slave of ours sends both in OUTPUT, as ever. */
		s->v.stream[VIEW_STDERR].on = (s->caps & HELLO_CAP_STDERR) != 0;
		if (!s->v.stream[VIEW_STDERR].on)
			log_info("%s: an older slave: its stderr comes with its "
			    "stdout%s", s->label, m->v.out_dir_open ?
			    ", in its .out file" : "");
		/* A file that fails is that slave's error; the others go on. */
		if (m->v.out_dir_open)
			collect_create(s);
	}
	TAILQ_FOREACH(s, &m->joined, entry)
		for (i = 0; i < VIEW_STREAMS; i++)
			if (s->v.stream[i].open &&
			    !collect_still_own(s, &s->v.stream[i])) {
				collect_recreate(s);
				break;
			}
}

/*
 * One --follow line: "name: " and the line ("name! " for stderr), made
 * inert (text.h) wherever it goes: tabs kept, and printable UTF-8 where
 * the terminal takes it.
 */
static void
collect_emit(struct peer *s, int stream, const uint8_t *p, size_t len)
{
	struct master	*m = s->m;
	const char	*mark = stream == VIEW_STDERR ? "! " : ": ";
	char		 prefix[sizeof(s->name) + 2];

	if (m->out_log) {
		/* Daemon: the log takes text lines, and makes them inert. */
		snprintf(prefix, sizeof(prefix), "%s%s", s->name, mark);
		log_info_data(prefix, p, len);
		return;
	}
	display_erase(m);
	text_inert_put(stdout, s->name, strlen(s->name), 0);
	fputs(mark, stdout);
	text_inert_put(stdout, p, len, m->v.follow_text);
	fputc('\n', stdout);
}

static void
collect_follow(struct peer *s, int stream, const uint8_t *p, size_t len)
{
	struct view_stream	*st = &s->v.stream[stream];
	const uint8_t		*nl;
	size_t			 seg, take, room;

	if (st->line == NULL &&
	    (st->line = malloc(VIEW_FOLLOW_LINE_MAX)) == NULL) {
		log_warn("--follow");
		return;
	}
	while (len > 0) {
		/*
		 * A full piece goes out only when more of its line comes, so
		 * a line of exactly the max is one line, not one and "".
		 */
		if (st->line_len == VIEW_FOLLOW_LINE_MAX && *p != '\n') {
			collect_emit(s, stream, (const uint8_t *)st->line,
			    st->line_len);
			st->line_len = 0;
		}
		/*
		 * A line too long for the buffer is printed in pieces
		 * whether or not its end came in the same frame: the same
		 * output gives the same lines, however TCP cut it.
		 */
		room = VIEW_FOLLOW_LINE_MAX - st->line_len;
		nl = memchr(p, '\n', len < room + 1 ? len : room + 1);
		if (nl != NULL) {
			/* Whole, so that a character cut by TCP is whole. */
			seg = (size_t)(nl - p);
			memcpy(st->line + st->line_len, p, seg);
			collect_emit(s, stream, (const uint8_t *)st->line,
			    st->line_len + seg);
			st->line_len = 0;
			p += seg + 1;
			len -= seg + 1;
			continue;
		}
		/* No end in reach: keep what fits, in pieces of the max. */
		take = len < room ? len : room;
		memcpy(st->line + st->line_len, p, take);
		st->line_len += take;
		p += take;
		len -= take;
	}
	fflush(stdout);
}

static void
collect_close_file(struct peer *s, struct view_stream *st)
{
	struct stat st_;

	if (!st->open)
		return;
	/* Removed under us (rm -r DIR): every write "worked", into nothing. */
	if (fstat(st->fd, &st_) == 0 && st_.st_nlink == 0) {
		collect_set_error(s, "%s: removed while being written",
		    st->path);
		summary_err(s->m, "%s: removed while being written; %s's "
		    "%s is lost", st->path, s->name, st == &s->v.stream[
		    VIEW_STDERR] ? "stderr" : "output");
		s->m->v.out_error = true;
	}
	if (close(st->fd) == -1) {
		collect_set_error(s, "%s: %s", st->path, strerror(errno));
		summary_err(s->m, "%s: %s", st->path, strerror(errno));
		s->m->v.out_error = true;
	}
	st->open = false;
}

int
collect_received(struct peer *s, int stream, const uint8_t *p, size_t len,
    char *why, size_t whylen)
{
	struct master		*m = s->m;
	struct view_stream	*st = &s->v.stream[stream];
	uint64_t		 max = m->opts->output_max;
	const char		*cmd = stream == VIEW_STDERR ? "OUTPUT_ERR" :
				    "OUTPUT";
	size_t			 off = 0;
	ssize_t			 n;

	if (!st->on) {
		snprintf(why, whylen, "%s, but no %s was asked for", cmd,
		    stream == VIEW_STDERR ? "stderr apart" : "output");
		return -1;
	}
	if (max != 0 && st->bytes + len > max) {
		snprintf(why, whylen, "%s beyond --output-max (%llu bytes)",
		    cmd, (unsigned long long)max);
		return -1;
	}
	st->bytes += len;
	while (st->open && off < len) {
		n = write(st->fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			/*
			 * Said once; the session goes on, exit code 1.  What
			 * the file holds is said too: the bytes received
			 * (output_collected_bytes) are more than that now.
			 */
			int		e = errno;
			uint64_t	kept = st->bytes - len + off;

			collect_set_error(s, "%s: %s after %llu bytes stored",
			    st->path, strerror(e), (unsigned long long)kept);
			summary_err(m, "%s: %s after %llu bytes; the rest of "
			    "%s's %s is lost", st->path, strerror(e),
			    (unsigned long long)kept, s->name,
			    collect_what[stream]);
			m->v.out_error = true;
			collect_close_file(s, st);
			break;
		}
		off += (size_t)n;
	}
	if (m->opts->follow)
		collect_follow(s, stream, p, len);
	return 0;
}

/* Its .err file was made for nothing: the slave merges (STDERR_TAIL). */
static void
collect_drop_stderr(struct peer *s)
{
	struct view_stream	*st = &s->v.stream[VIEW_STDERR];
	bool			 own;

	if (st->open) {
		own = collect_still_own(s, st);
		close(st->fd);
		st->open = false;
		if (own)
			(void)unlinkat(s->m->v.out_dirfd,
			    strrchr(st->path, '/') + 1, 0);
	}
	free(st->path);
	st->path = NULL;
	st->on = false;
}

int
collect_tail(struct peer *s, const struct proto_stderr_tail *t, char *why,
    size_t whylen)
{
	struct peer_view *v = &s->v;

	if (v->have_tail) {
		snprintf(why, whylen, "STDERR_TAIL twice");
		return -1;
	}
	v->have_tail = true;
	v->stderr_bytes = t->stderr_bytes;
	v->merged = (t->flags & STDERR_TAIL_MERGED) != 0;
	if (v->merged && v->stderr_bytes != 0) {
		snprintf(why, whylen, "STDERR_TAIL: merged, yet %llu bytes of "
		    "stderr apart", (unsigned long long)v->stderr_bytes);
		return -1;
	}
	if (t->tail_len > 0) {
		if ((v->tail = malloc(t->tail_len)) == NULL) {
			log_warn("%s: its stderr tail", s->label);
			return 0;
		}
		memcpy(v->tail, t->tail, t->tail_len);
		v->tail_len = t->tail_len;
	}
	if (v->merged && v->stream[VIEW_STDERR].on) {
		log_debug("%s: its stderr goes to its output (--merge-stderr)",
		    s->label);
		collect_drop_stderr(s);
	}
	return 0;
}

/* A last line without its newline. */
static void
collect_follow_flush(struct peer *s)
{
	int i;

	for (i = 0; i < VIEW_STREAMS; i++) {
		struct view_stream *st = &s->v.stream[i];

		if (st->line != NULL && st->line_len > 0) {
			collect_emit(s, i, (const uint8_t *)st->line,
			    st->line_len);
			st->line_len = 0;
			fflush(stdout);
		}
	}
}

/* Did this stream bring back what the slave says it had (want bytes)? */
static void
collect_check(struct peer *s, int stream, uint64_t want)
{
	struct view_stream	*st = &s->v.stream[stream];
	uint64_t		 max = s->m->opts->output_max, had = want;

	if (max != 0 && want > max) {
		want = max;
		st->capped = true;
		log_info("%s: %s capped by --output-max: %llu of %llu bytes "
		    "brought back", s->label, collect_what[stream],
		    (unsigned long long)st->bytes, (unsigned long long)had);
	}
	if (st->bytes != want) {
		/* Its file shrank or could not be read to the end. */
		collect_set_error(s, "received %llu of %llu %s bytes",
		    (unsigned long long)st->bytes, (unsigned long long)want,
		    collect_what[stream]);
		log_warnx("%s: received %llu of its %llu %s bytes", s->label,
		    (unsigned long long)st->bytes, (unsigned long long)want,
		    collect_what[stream]);
	}
}

void
collect_finished(struct peer *s)
{
	int i;

	if (!s->v.stream[VIEW_STDOUT].on)
		return;
	collect_follow_flush(s);
	for (i = 0; i < VIEW_STREAMS; i++)
		collect_close_file(s, &s->v.stream[i]);
	collect_check(s, VIEW_STDOUT, s->res.output_bytes);
	if (s->v.stream[VIEW_STDERR].on && s->v.have_tail)
		collect_check(s, VIEW_STDERR, s->v.stderr_bytes);
}

void
collect_end(struct master *m)
{
	struct peer	*s;
	int		 i;

	TAILQ_FOREACH(s, &m->joined, entry) {
		collect_follow_flush(s);
		for (i = 0; i < VIEW_STREAMS; i++)
			collect_close_file(s, &s->v.stream[i]);
	}
}

void
collect_peer_free(struct peer *s)
{
	int i;

	for (i = 0; i < VIEW_STREAMS; i++) {
		struct view_stream *st = &s->v.stream[i];

		if (st->open) {
			close(st->fd);
			st->open = false;
		}
		free(st->path);
		free(st->line);
		st->path = st->line = NULL;
		st->line_len = 0;
		st->on = st->capped = false;
		st->bytes = 0;
	}
	free(s->v.out_error);
	free(s->v.tail);
	s->v.out_error = NULL;
	s->v.tail = NULL;
	s->v.tail_len = 0;
	s->v.have_tail = false;
	s->v.stderr_bytes = 0;
}

void
collect_cleanup(struct master *m)
{
	collect_run_dir_close(m);
	if (m->v.out_top_open) {
		close(m->v.out_topfd);
		m->v.out_top_open = false;
	}
	free(m->v.out_top);
	m->v.out_top = NULL;
}
