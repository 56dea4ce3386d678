/*
 * collect.c - the tasks' output, brought back to the master.
 *
 * With -O DIR each slave's output lands in DIR/<slave name>.out, byte for
 * byte, as its OUTPUT frames arrive (names are unique within a session, so
 * the files are too; a name that cannot be a file name there gets a short
 * one).  Each frame is written at once with a plain write(): local disk is
 * faster than the network that brought it, and nothing of it stays in
 * memory.  A file is created afresh: whatever had the name is unlinked
 * first and the new one made with O_EXCL|O_NOFOLLOW, so a planted symlink
 * or hard link is never written through.  Whatever goes wrong with a file
 * is its slave's error: the session goes on, the exit code becomes 1.
 *
 * With --follow each complete line is also printed on stdout, prefixed with
 * the slave's name, as pdsh does, made inert (text.h); a line longer than
 * VIEW_FOLLOW_LINE_MAX is printed in pieces.  With --output-max each slave
 * sends at most that many bytes; FINISHD says how many there were, so a
 * capped file is known.
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

/*
 * DIR/file, created afresh as this slave's file: 0, or an errno (what
 * failed in *step).
 */
static int
collect_open(struct peer *s, const char *file, const char **step)
{
	struct master	*m = s->m;
	int		 fd;

	free(s->v.out_path);
	if (asprintf(&s->v.out_path, "%s/%s", m->v.out_dir, file) == -1) {
		s->v.out_path = NULL;
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
	s->v.out_fd = fd;
	s->v.out_open = true;
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
 * The short file name of a slave whose name cannot be one in DIR: as much
 * of its name as fits, each byte outside [A-Za-z0-9._-] as '_', then '~'
 * and 16 hex digits of a hash of the whole name (the same name has the
 * same file in every session), then "-INDEX" with indexed, then ".out".
 * A slave's name holds no '~': a short name is never another's own name.
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
	snprintf(out, outlen, "%s~%016llx%s.out", prefix,
	    (unsigned long long)h, idx);
}

/* This slave's output is not stored: its error, the others go on. */
static void
collect_create_failed(struct peer *s, const char *step, int e)
{
	collect_set_error(s, "%s: %s%s", s->v.out_path != NULL ?
	    s->v.out_path : s->m->v.out_dir, step, strerror(e));
	summary_err(s->m, "%s; %s's output is not stored", s->v.out_error !=
	    NULL ? s->v.out_error : strerror(e), s->name);
	s->m->v.out_error = true;
}

/*
 * DIR/<name>.out, created afresh; a name that cannot be a file name there
 * (too long, or refused by the file system) gets its short one, said in
 * the log and in the results (output_file).  A failure is said, and is
 * this slave's error (collect_create_failed).
 */
static void
collect_create(struct peer *s)
{
	struct master	*m = s->m;
	size_t		 max = collect_name_max(m);
	char		 file[COLLECT_FILE_MAX], why[96];
	const char	*step;
	int		 e;

	if (strlen(s->name) + strlen(".out") <= max) {
		snprintf(file, sizeof(file), "%s.out", s->name);
		if ((e = collect_open(s, file, &step)) == 0)
			return;
		if (!collect_bad_name(e)) {
			collect_create_failed(s, step, e);
			return;
		}
		snprintf(why, sizeof(why), "%s", strerror(e));
	} else
		snprintf(why, sizeof(why), "%zu bytes with \".out\", over the "
		    "%zu a file name may have there", strlen(s->name) + 4, max);
	collect_short_name(s, max, false, file, sizeof(file));
	if ((e = collect_open(s, file, &step)) != 0) {
		collect_create_failed(s, step, e);
		return;
	}
	log_info("%s: its name cannot be a file name in %s (%s): its output "
	    "goes to %s", s->label, m->v.out_dir, why, s->v.out_path);
}

/*
 * Is DIR's entry of this slave's file still the file it writes?  Not where
 * a later slave's file name is the same one to DIR: a file system that
 * ignores case, where "Web.out" is "web.out", unlinked the earlier file.
 */
static bool
collect_still_own(const struct peer *s)
{
	struct stat	 mine, there;
	const char	*file = strrchr(s->v.out_path, '/') + 1;

	if (fstat(s->v.out_fd, &mine) == -1 || mine.st_nlink == 0)
		return false;
	if (fstatat(s->m->v.out_dirfd, file, &there, AT_SYMLINK_NOFOLLOW) ==
	    -1)
		return false;
	return mine.st_dev == there.st_dev && mine.st_ino == there.st_ino;
}

/* A file taken by another slave's: the short name with its index. */
static void
collect_recreate(struct peer *s)
{
	char		 file[COLLECT_FILE_MAX], *was;
	const char	*step;
	int		 e;

	close(s->v.out_fd);
	s->v.out_open = false;
	was = s->v.out_path;
	s->v.out_path = NULL;
	collect_short_name(s, collect_name_max(s->m), true, file, sizeof(file));
	if ((e = collect_open(s, file, &step)) != 0)
		collect_create_failed(s, step, e);
	else
		log_info("%s: %s is another slave's file too (a file system "
		    "that ignores case?): its output goes to %s", s->label,
		    was, s->v.out_path);
	free(was);
}

void
collect_prepare(struct master *m)
{
	struct peer	*s;
	bool		 collect = collect_conf_flags(m) != 0;

	/* This run's: a campaign's earlier run's fault is in its results. */
	m->v.out_error = false;
	if (!collect)
		return;
	if (m->v.out_top_open && collect_run_dir(m) == -1) {
		TAILQ_FOREACH(s, &m->joined, entry) {
			s->v.out_on = s->kind == PEER_KIND_OURS;
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
		s->v.out_on = true;
		/* A file that fails is that slave's error; the others go on. */
		if (m->v.out_dir_open)
			collect_create(s);
	}
	TAILQ_FOREACH(s, &m->joined, entry)
		if (s->v.out_open && !collect_still_own(s))
			collect_recreate(s);
}

/*
 * One --follow line: "name: " and the line, made inert (text.h) wherever it
 * goes: tabs kept, and printable UTF-8 where the terminal takes it.
 */
static void
collect_emit(struct peer *s, const uint8_t *p, size_t len)
{
	struct master	*m = s->m;
	char		 prefix[sizeof(s->name) + 2];

	if (m->out_log) {
		/* Daemon: the log takes text lines, and makes them inert. */
		snprintf(prefix, sizeof(prefix), "%s: ", s->name);
		log_info_data(prefix, p, len);
		return;
	}
	display_erase(m);
	text_inert_put(stdout, s->name, strlen(s->name), 0);
	fputs(": ", stdout);
	text_inert_put(stdout, p, len, m->v.follow_text);
	fputc('\n', stdout);
}

static void
collect_follow(struct peer *s, const uint8_t *p, size_t len)
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
			collect_emit(s, (const uint8_t *)s->v.line,
			    s->v.line_len);
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
			/* Whole, so that a character cut by TCP is whole. */
			seg = (size_t)(nl - p);
			memcpy(s->v.line + s->v.line_len, p, seg);
			collect_emit(s, (const uint8_t *)s->v.line,
			    s->v.line_len + seg);
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
collect_close_file(struct peer *s)
{
	struct stat st;

	if (!s->v.out_open)
		return;
	/* Removed under us (rm -r DIR): every write "worked", into nothing. */
	if (fstat(s->v.out_fd, &st) == 0 && st.st_nlink == 0) {
		collect_set_error(s, "%s: removed while being written",
		    s->v.out_path);
		summary_err(s->m, "%s: removed while being written; %s's "
		    "output is lost", s->v.out_path, s->name);
		s->m->v.out_error = true;
	}
	if (close(s->v.out_fd) == -1) {
		collect_set_error(s, "%s: %s", s->v.out_path, strerror(errno));
		summary_err(s->m, "%s: %s", s->v.out_path, strerror(errno));
		s->m->v.out_error = true;
	}
	s->v.out_open = false;
}

int
collect_received(struct peer *s, const uint8_t *p, size_t len, char *why,
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

			collect_set_error(s, "%s: %s after %llu bytes stored",
			    s->v.out_path, strerror(e),
			    (unsigned long long)kept);
			summary_err(m, "%s: %s after %llu bytes; the rest of "
			    "%s's output is lost", s->v.out_path, strerror(e),
			    (unsigned long long)kept, s->name);
			m->v.out_error = true;
			collect_close_file(s);
			break;
		}
		off += (size_t)n;
	}
	if (m->opts->follow)
		collect_follow(s, p, len);
	return 0;
}

/* A last line without its newline. */
static void
collect_follow_flush(struct peer *s)
{
	if (s->v.line != NULL && s->v.line_len > 0) {
		collect_emit(s, (const uint8_t *)s->v.line, s->v.line_len);
		s->v.line_len = 0;
		fflush(stdout);
	}
}

void
collect_finished(struct peer *s)
{
	struct master	*m = s->m;
	uint64_t	 max = m->opts->output_max, want;

	if (!s->v.out_on)
		return;
	collect_follow_flush(s);
	collect_close_file(s);
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
		collect_set_error(s, "received %llu of %llu output bytes",
		    (unsigned long long)s->v.out_bytes,
		    (unsigned long long)want);
		log_warnx("%s: received %llu of its %llu output bytes",
		    s->label, (unsigned long long)s->v.out_bytes,
		    (unsigned long long)want);
	}
}

void
collect_end(struct master *m)
{
	struct peer *s;

	TAILQ_FOREACH(s, &m->joined, entry) {
		collect_follow_flush(s);
		collect_close_file(s);
	}
}

void
collect_peer_free(struct peer *s)
{
	if (s->v.out_open) {
		close(s->v.out_fd);
		s->v.out_open = false;
	}
	free(s->v.out_path);
	free(s->v.out_error);
	free(s->v.line);
	s->v.out_path = s->v.out_error = s->v.line = NULL;
	s->v.line_len = 0;
	s->v.out_on = s->v.out_capped = false;
	s->v.out_bytes = 0;
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
