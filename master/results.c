/*
 * results.c - the results file (-r FILE): one JSON document describing the
 * session and every slave, written whatever way the session ends.
 *
 * The file is replaced atomically: the document goes to a temporary file in
 * the same directory (created O_EXCL|O_NOFOLLOW), is flushed to disk, and is
 * renamed over FILE; the directory is synced too.  A reader sees the old
 * document or the new one, never a part.  The directory is opened and tried
 * at start-up, so an unwritable path fails before the session, not after.
 * README ("Results file") documents every member; bump RESULTS_FORMAT when
 * one changes meaning or goes away (adding members keeps the number).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "master.h"

#ifndef SYNEXEC_VERSION
#define SYNEXEC_VERSION	"unknown"
#endif

#define RESULTS_FORMAT		1
#define RESULTS_HASH_CHUNK	(256 * 1024)
#define RESULTS_HASH_SAY	(64ull * 1024 * 1024)	/* say we hash */

/* ".NAME.tmp.PID": the temporary file, next to the real one. */
static int
results_tmpname(const struct master *m, char *buf, size_t len)
{
	int n = snprintf(buf, len, ".%s.tmp.%ld", m->v.res_base,
	    (long)getpid());

	return n < 0 || (size_t)n >= len || (size_t)n > NAME_MAX ? -1 : 0;
}

/* Create the temporary file afresh: -1 with errno. */
static int
results_create_tmp(const struct master *m, const char *tmp)
{
	int fd;

	fd = openat(m->v.res_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd == -1 && errno == EEXIST) {
		/* A leftover of a crashed master with our pid. */
		if (unlinkat(m->v.res_dirfd, tmp, 0) == -1)
			return -1;
		fd = openat(m->v.res_dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0666);
	}
	return fd;
}

/* SHA-256 of the whole session file, read in chunks (any size). */
static int
results_hash(struct master *m, char *err, size_t errlen)
{
	crypto_hash_sha256_state	 st;
	uint8_t				*chunk;
	uint64_t			 off = 0;
	size_t				 n;
	int				 rc = -1;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot be initialised");
		return -1;
	}
	if ((chunk = malloc(RESULTS_HASH_CHUNK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (m->sf.size >= RESULTS_HASH_SAY)
		log_info("computing the SHA-256 of %s (%llu MiB) for the "
		    "results", m->sf.path,
		    (unsigned long long)(m->sf.size >> 20));
	crypto_hash_sha256_init(&st);
	while (off < m->sf.size) {
		n = m->sf.size - off > RESULTS_HASH_CHUNK ? RESULTS_HASH_CHUNK :
		    (size_t)(m->sf.size - off);
		if (sessfile_pread(&m->sf, off, chunk, n, err, errlen) == -1)
			goto out;
		crypto_hash_sha256_update(&st, chunk, n);
		off += n;
	}
	crypto_hash_sha256_final(&st, m->v.sha256);
	m->v.have_sha256 = true;
	rc = 0;
out:
	free(chunk);
	return rc;
}

int
results_init(struct master *m, char *err, size_t errlen)
{
	/* -r, or --plot's private file without it (plot.c). */
	const char	*path = m->opts->results_file != NULL ?
			    m->opts->results_file : m->v.plot_results;
	char		*d = NULL, *b = NULL, tmp[NAME_MAX + 1];
	char		 cwd[PATH_MAX];
	struct stat	 st;
	int		 fd, rc = -1;

	if (path == NULL)
		return 0;
	if ((d = strdup(path)) == NULL || (b = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((m->v.res_shown = strdup(path)) == NULL ||
	    (m->v.res_base = strdup(basename(b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* For --plot after -d's chdir("/"). */
	if (path[0] == '/')
		m->v.res_abs = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&m->v.res_abs, "%s/%s", cwd, path) == -1)
		m->v.res_abs = NULL;
	if (path[strlen(path) - 1] == '/' || strcmp(m->v.res_base, ".") == 0 ||
	    strcmp(m->v.res_base, "..") == 0 ||
	    (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "-r %s: is a directory; name a file",
		    path);
		goto out;
	}
	/* A descriptor, so that -d's chdir("/") does not matter. */
	m->v.res_dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->v.res_dirfd == -1) {
		snprintf(err, errlen, "-r %s: %s: %s", path, d,
		    strerror(errno));
		goto out;
	}
	m->v.res_dir_open = true;
	/* Try now what the end of the session will do. */
	if (results_tmpname(m, tmp, sizeof(tmp)) == -1) {
		snprintf(err, errlen, "-r %s: name too long", path);
		goto out;
	}
	if ((fd = results_create_tmp(m, tmp)) == -1) {
		snprintf(err, errlen, "-r %s: cannot create a file in its "
		    "directory: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	(void)unlinkat(m->v.res_dirfd, tmp, 0);
	if (results_hash(m, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	free(d);
	free(b);
	return rc;
}

/* Wall-clock time of a master CLOCK_MONOTONIC instant (for T). */
static uint64_t
results_mono_to_real(uint64_t mono)
{
	uint64_t	now_m = mono_ns(), now_r = real_ns();

	return now_r - (now_m - mono);	/* unsigned: exact either way */
}

/* The address the slaves reached us at: -i's, or the first slave's view. */
static void
results_master_addr(const struct master *m, char *buf, size_t len)
{
	const struct peer	*s;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);

	net_ip_str(m->listen_addr, buf, len);
	if (m->listen_addr.s_addr != htonl(INADDR_ANY))
		return;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->conn.fd != -1 && getsockname(s->conn.fd,
		    (struct sockaddr *)&sin, &slen) == 0 &&
		    sin.sin_family == AF_INET) {
			net_ip_str(sin.sin_addr, buf, len);
			return;
		}
	}
}

static void
results_phases(struct json *j, const struct master *m)
{
	int	p, q;

	json_begin_object(j, "phases");
	for (p = PHASE_DISCOVERY; p <= PHASE_DONE; p++) {
		if (!m->v.phase_seen[p]) {
			json_null(j, view_phase_name(p));
			continue;
		}
		json_begin_object(j, view_phase_name(p));
		json_useconds(j, "start", m->v.phase_real_ns[p]);
		/* It ends where the next phase seen begins. */
		for (q = p + 1; q <= PHASE_DONE && !m->v.phase_seen[q]; q++)
			;
		if (p != PHASE_DONE && q <= PHASE_DONE) {
			json_useconds(j, "end", m->v.phase_real_ns[q]);
			json_seconds(j, "duration_s", (int64_t)
			    (m->v.phase_mono_ns[q] - m->v.phase_mono_ns[p]));
		} else if (p != PHASE_DONE) {
			json_null(j, "end");
			json_null(j, "duration_s");
		}
		json_end_object(j);
	}
	json_end_object(j);
}

static const char *
results_task_state(uint8_t state)
{
	switch (state) {
	case TASK_STATE_ARMED:		return "armed";
	case TASK_STATE_RUNNING:	return "running";
	case TASK_STATE_FINISHED:	return "finished";
	default:			return "idle";
	}
}

/*
 * Its metrics, its complaints about lines it refused, and its REPORTs as
 * points: null where they do not apply (a 2014 slave sends no REPORT; a
 * slave that cannot send METRICS has no metrics).
 */
static void
results_slave_metrics(struct json *j, const struct master *m,
    const struct peer *s)
{
	const struct series	*se = &s->v.series;
	bool			 can = s->kind == PEER_KIND_OURS &&
				    (s->caps & HELLO_CAP_METRICS);
	size_t			 i;
	unsigned		 k;
	int			 e;

	if (can) {
		json_begin_object(j, "metrics");
		for (k = 0; k < s->v.nmetric; k++) {
			json_begin_object(j, s->v.metric[k].name);
			json_flat(j, true);
			json_double(j, "value", s->v.metric[k].value);
			json_string(j, "unit", s->v.metric[k].unit[0] != '\0' ?
			    s->v.metric[k].unit : NULL);
			json_end_object(j);
			json_flat(j, false);
		}
		json_end_object(j);
		json_begin_array(j, "metric_errors");
		for (e = 0; e < METRIC_ERROR_KINDS; e++)
			if (s->v.metric_error[e] != NULL)
				json_string(j, NULL, s->v.metric_error[e]);
		json_end_array(j);
	} else {
		json_null(j, "metrics");
		json_null(j, "metric_errors");
	}
	if (s->kind != PEER_KIND_OURS) {
		json_null(j, "series");
		return;
	}
	/* One line a point: t since the start instant, on our clock. */
	json_begin_array(j, "series");
	for (i = 0; i < se->n; i++) {
		const struct series_point *p = &se->pt[i];

		json_begin_object(j, NULL);
		json_flat(j, true);
		if (m->start_mono_ns != 0)
			json_seconds(j, "t", (int64_t)(p->mono_ns -
			    m->start_mono_ns));
		else
			json_null(j, "t");
		json_string(j, "state", results_task_state(p->state));
		json_seconds(j, "cpu_s", (int64_t)(p->cpu_us * 1000));
		json_u64(j, "output_bytes", p->output_bytes);
		json_begin_object(j, "metrics");
		for (k = 0; k < se->ncol && k < s->v.nmetric; k++)
			if (!isnan(se->col[k][i]))
				json_double(j, s->v.metric[k].name,
				    se->col[k][i]);
		json_end_object(j);
		json_end_object(j);
		json_flat(j, false);
	}
	json_end_array(j);
}

/* "statistics": each figure of the run across its slaves (view.c). */
static void
results_statistics(struct json *j, const struct master *m)
{
	struct view_figures	fs;
	size_t			i;

	if (view_figures(m, &fs) == -1) {
		json_null(j, "statistics");
		return;
	}
	json_begin_object(j, "statistics");
	for (i = 0; i < fs.n; i++) {
		const struct view_figure *f = &fs.f[i];

		json_begin_object(j, f->name);
		json_flat(j, true);
		json_u64(j, "n", f->st.n);
		json_double(j, "sum", f->st.sum);
		json_double(j, "mean", f->st.mean);
		json_double(j, "stddev", f->st.stddev);
		json_double(j, "min", f->st.min);
		json_string(j, "min_slave", f->min_slave != NULL ?
		    f->min_slave->name : NULL);
		json_double(j, "median", f->st.median);
		json_double(j, "p95", f->st.p95);
		json_double(j, "max", f->st.max);
		json_string(j, "max_slave", f->max_slave != NULL ?
		    f->max_slave->name : NULL);
		json_string(j, "unit", f->unit[0] != '\0' ? f->unit : NULL);
		json_end_object(j);
		json_flat(j, false);
	}
	json_end_object(j);
	view_figures_free(&fs);
}

static void
results_slave(struct json *j, const struct master *m, const struct peer *s,
    uint64_t first_start)
{
	const struct proto_result	*r = &s->res;
	enum verdict			 v = peer_verdict(s);
	bool				 ours = s->kind == PEER_KIND_OURS;
	bool				 res = verdict_ended(v);
	bool				 started = verdict_ran(v);
	char				 status[32];
	char				 err[PROTO_REASON_MAX + 512];

	json_begin_object(j, NULL);
	json_string(j, "name", s->name);
	json_string(j, "address", s->addr);
	json_string(j, "kind", ours ? "synexec" : "2014");
	json_u64(j, "protocol_version", PROTO_VERSION);
	if (ours)
		json_u64(j, "extension_version", s->v.ext_version);
	else
		json_null(j, "extension_version");
	if (ours)
		json_u64(j, "pid", s->pid);
	else
		json_null(j, "pid");
	json_u64(j, "index", s->index);
	json_string(j, "state", verdict_state_word(v));
	json_useconds(j, "joined_at", s->v.join_real_ns);
	json_seconds(j, "joined_after_s", (int64_t)(s->v.join_mono_ns -
	    m->v.phase_mono_ns[PHASE_DISCOVERY]));
	if (ours) {
		json_seconds(j, "clock_offset_s", s->off_real_ns);
		json_seconds(j, "clock_offset_error_s",
		    (int64_t)(s->rtt_ns / 2));
		json_seconds(j, "rtt_s", (int64_t)s->rtt_ns);
	} else {
		json_null(j, "clock_offset_s");
		json_null(j, "clock_offset_error_s");
		json_null(j, "rtt_s");
	}
	if (started) {
		json_useconds(j, "start_slave_clock", r->start_real_ns);
		json_useconds(j, "finish_slave_clock", r->finish_real_ns);
		json_useconds(j, "start", view_aligned(s, r->start_real_ns));
		json_useconds(j, "finish", view_aligned(s,
		    r->finish_real_ns));
		json_seconds(j, "start_offset_s", (int64_t)
		    (view_aligned(s, r->start_real_ns) - first_start));
		json_seconds(j, "duration_s", (int64_t)(r->finish_real_ns -
		    r->start_real_ns));
	} else {
		json_null(j, "start_slave_clock");
		json_null(j, "finish_slave_clock");
		json_null(j, "start");
		json_null(j, "finish");
		json_null(j, "start_offset_s");
		json_null(j, "duration_s");
	}
	if (started && ours)
		json_seconds(j, "start_late_s", r->late_ns);
	else
		json_null(j, "start_late_s");
	json_string(j, "exit_status", res ? verdict_word(s, status,
	    sizeof(status)) : NULL);
	if (res && r->exit_kind == EXIT_KIND_EXITED)
		json_i64(j, "exit_code", r->exit_value);
	else
		json_null(j, "exit_code");
	if (res && r->exit_kind == EXIT_KIND_SIGNALED)
		json_i64(j, "signal", r->exit_value);
	else
		json_null(j, "signal");
	if (res && ours) {
		json_seconds(j, "user_cpu_s", (int64_t)(r->utime_us * 1000));
		json_seconds(j, "system_cpu_s", (int64_t)(r->stime_us * 1000));
		json_u64(j, "max_rss_kib", r->maxrss_kib);
		json_u64(j, "output_bytes", r->output_bytes);
	} else {
		json_null(j, "user_cpu_s");
		json_null(j, "system_cpu_s");
		json_null(j, "max_rss_kib");
		/* Unfinished: what its last report said. */
		if (s->v.have_report)
			json_u64(j, "output_bytes", s->v.last.output_bytes);
		else
			json_null(j, "output_bytes");
	}
	if (s->v.have_report) {
		json_seconds(j, "reported_cpu_s",
		    (int64_t)(s->v.last.cpu_us * 1000));
		json_seconds(j, "reported_elapsed_s",
		    (int64_t)s->v.last.elapsed_ns);
	} else {
		json_null(j, "reported_cpu_s");
		json_null(j, "reported_elapsed_s");
	}
	json_string(j, "output_file", s->v.out_path);
	if (s->v.out_on)
		json_u64(j, "output_collected_bytes", s->v.out_bytes);
	else
		json_null(j, "output_collected_bytes");
	json_bool(j, "output_capped", s->v.out_capped);
	json_string(j, "progress", s->v.have_report ? s->v.last.progress :
	    NULL);
	json_u64(j, "reports", s->v.nreports);
	/* Why it failed, then what went wrong with its output. */
	err[0] = '\0';
	if (s->why[0] != '\0')
		snprintf(err, sizeof(err), "%s", s->why);
	if (s->v.out_error != NULL)
		snprintf(err + strlen(err), sizeof(err) - strlen(err), "%s%s",
		    err[0] != '\0' ? "; " : "", s->v.out_error);
	json_string(j, "error", err[0] != '\0' ? err : NULL);
	results_slave_metrics(j, m, s);
	json_end_object(j);
}

static void
results_json(struct json *j, const struct master *m)
{
	const struct master_opts	*o = m->opts;
	const struct peer		*s;
	struct view_spread		 sp;
	char				 host[256], addr[64], hex[65];

	view_spread(m, &sp);
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	results_master_addr(m, addr, sizeof(addr));

	json_begin_object(j, NULL);
	json_u64(j, "synexec_results", RESULTS_FORMAT);
	json_string(j, "synexec_version", SYNEXEC_VERSION);
	json_u64(j, "session", o->c.session);
	json_string(j, "outcome", m->phase == PHASE_DONE ? m->end.outcome :
	    "running");
	if (m->phase == PHASE_DONE)
		json_i64(j, "exit_code", m->end.code);
	else
		json_null(j, "exit_code");
	json_string(j, "reason", m->phase == PHASE_DONE ? m->end.why : NULL);
	json_useconds(j, "written_at", real_ns());

	json_begin_object(j, "master");
	json_string(j, "host", host);
	json_string(j, "address", addr);
	json_u64(j, "port", o->c.port);
	json_string(j, "interface", o->c.interface);
	json_u64(j, "pid", (uint64_t)getpid());
	json_end_object(j);

	json_begin_object(j, "session_file");
	json_string(j, "name", m->sf.path);
	json_u64(j, "size", m->sf.size);
	if (m->v.have_sha256) {
		sodium_bin2hex(hex, sizeof(hex), m->v.sha256,
		    sizeof(m->v.sha256));
		json_string(j, "sha256", hex);
	} else
		json_null(j, "sha256");
	json_string_len(j, "command", m->sf.command, m->sf.command_len);
	json_u64(j, "payload_size", m->sf.payload_size);
	json_end_object(j);

	json_begin_object(j, "settings");
	json_u64(j, "slaves", m->nslaves);
	json_seconds(j, "report_interval_s", (int64_t)o->report_interval_ns);
	json_string(j, "output_dir", o->output_dir);
	json_u64(j, "output_max", o->output_max);
	json_bool(j, "follow", o->follow);
	json_end_object(j);

	results_phases(j, m);
	if (m->start_mono_ns != 0)
		json_useconds(j, "start_instant", results_mono_to_real(
		    m->start_mono_ns));
	else
		json_null(j, "start_instant");
	if (sp.n > 0)
		json_seconds(j, "start_spread_s", (int64_t)(sp.last - sp.first));
	else
		json_null(j, "start_spread_s");
	json_u64(j, "slaves_expected", m->nslaves);
	json_u64(j, "slaves_joined", m->njoined);
	json_begin_array(j, "slaves");
	TAILQ_FOREACH(s, &m->joined, entry)
		results_slave(j, m, s, sp.first);
	json_end_array(j);
	results_statistics(j, m);
	json_end_object(j);
}

int
results_write(struct master *m)
{
	struct json	 j;
	char		 tmp[NAME_MAX + 1];
	FILE		*f = NULL;
	int		 fd = -1, saved;
	const char	*what = "write";

	tmp[0] = '\0';
	m->v.res_written = false;
	if (!m->v.res_dir_open)
		return 0;
	if (results_tmpname(m, tmp, sizeof(tmp)) == -1) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	what = "create";
	if ((fd = results_create_tmp(m, tmp)) == -1)
		goto fail;
	if ((f = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	what = "write";
	json_init(&j, f);
	results_json(&j, m);
	if (json_finish(&j) == -1) {
		errno = EINVAL;	/* a bug of ours: say so, keep nothing */
		goto fail;
	}
	if (fflush(f) == EOF || ferror(f))
		goto fail;
	what = "sync";
	if (fsync(fileno(f)) == -1)
		goto fail;
	what = "close";
	if (fclose(f) == EOF) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	what = "rename";
	if (renameat(m->v.res_dirfd, tmp, m->v.res_dirfd, m->v.res_base) == -1)
		goto fail;
	/* The rename itself is on disk once the directory is. */
	(void)fsync(m->v.res_dirfd);
	m->v.res_written = true;
	if (m->opts->results_file != NULL)
		log_info("results written to %s", m->v.res_shown);
	else
		log_debug("results for --plot written to %s", m->v.res_shown);
	return 0;
fail:
	saved = errno;
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlinkat(m->v.res_dirfd, tmp, 0);
	summary_err(m, "cannot %s the results file %s: %s", what,
	    m->v.res_shown, strerror(saved));
	return -1;
}

void
results_cleanup(struct master *m)
{
	if (m->v.res_dir_open) {
		close(m->v.res_dirfd);
		m->v.res_dir_open = false;
	}
	free(m->v.res_base);
	free(m->v.res_shown);
	free(m->v.res_abs);
	m->v.res_base = m->v.res_shown = m->v.res_abs = NULL;
}
