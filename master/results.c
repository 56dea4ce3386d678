/*
 * results.c - the results file (-r FILE): one JSON document describing the
 * session and every slave, written whatever way the session ends.  A
 * campaign of several runs writes its own document instead, after each
 * run: the campaign's outcome and settings, and each run's document as a
 * session's is (its "runs"), so that an aborted campaign keeps the runs
 * that were done.
 *
 * The file is replaced atomically (common/atomic.h): a reader sees the old
 * document or the new one, never a part; the directory is tried at
 * start-up, so an unwritable path fails before the session, not after.
 * README ("Results file") documents every member; bump RESULTS_FORMAT when
 * one changes meaning or goes away (adding members keeps the number).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#define RESULTS_CAMPAIGN_FORMAT	1	/* synexec_campaign: likewise */
#define RESULTS_HASH_CHUNK	(256 * 1024)
#define RESULTS_HASH_SAY	(64ull * 1024 * 1024)	/* say we hash */

/* SHA-256 of the whole session file, read in chunks (any size). */
static int
results_hash(struct campaign_file *cf, char *err, size_t errlen)
{
	const struct sessfile		*sf = &cf->sf;
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
	if (sf->size >= RESULTS_HASH_SAY)
		log_info("computing the SHA-256 of %s (%llu MiB) for the "
		    "results", sf->path, (unsigned long long)(sf->size >> 20));
	crypto_hash_sha256_init(&st);
	while (off < sf->size) {
		n = sf->size - off > RESULTS_HASH_CHUNK ? RESULTS_HASH_CHUNK :
		    (size_t)(sf->size - off);
		if (sessfile_pread(sf, off, chunk, n, err, errlen) == -1)
			goto out;
		crypto_hash_sha256_update(&st, chunk, n);
		off += n;
	}
	crypto_hash_sha256_final(&st, cf->sha256);
	cf->have_sha256 = true;
	rc = 0;
out:
	free(chunk);
	return rc;
}

int
results_init(struct master *m, char *err, size_t errlen)
{
	struct campaign	*c = &m->campaign;
	size_t		 i;
	/* -r, or --plot's private file without it (plot.c). */
	const char	*path = m->opts->results_file != NULL ?
			    m->opts->results_file : m->v.plot_results;
	char		 cwd[PATH_MAX];

	if (path == NULL)
		return 0;
	if (atomic_file_init(&m->v.res, "-r", path, err, errlen) == -1)
		return -1;
	/* For --plot after -d's chdir("/"). */
	if (path[0] == '/')
		m->v.res_abs = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&m->v.res_abs, "%s/%s", cwd, path) == -1)
		m->v.res_abs = NULL;
	/* Each CONF's, once: a campaign's repeats share it. */
	for (i = 0; i < c->nfiles; i++)
		if (results_hash(&c->files[i], err, errlen) == -1)
			return -1;
	m->v.have_sha256 = c->files[c->file].have_sha256;
	memcpy(m->v.sha256, c->files[c->file].sha256, sizeof(m->v.sha256));
	return 0;
}

/* Wall-clock time of a master CLOCK_MONOTONIC instant (for T). */
static uint64_t
results_mono_to_real(uint64_t mono)
{
	uint64_t	now_m = mono_ns(), now_r = real_ns();

	return now_r - (now_m - mono);	/* unsigned: exact either way */
}

/* The local address of a socket, shown without its port: -1 if none. */
static int
results_sock_ip(int fd, char *buf, size_t len)
{
	struct sockaddr_storage	ss;
	struct net_addr		a;
	socklen_t		slen = sizeof(ss);

	if (fd == -1 || getsockname(fd, (struct sockaddr *)&ss, &slen) == -1 ||
	    net_addr_from(&a, (struct sockaddr *)&ss, slen) == -1)
		return -1;
	net_ip_str(&a, buf, len);
	return 0;
}

/* The address the slaves reached us at: -i's, or the first slave's view. */
static void
results_master_addr(const struct master *m, char *buf, size_t len)
{
	const struct peer	*s;

	snprintf(buf, len, "%s", m->opts->c.interface == NULL ? "0.0.0.0" :
	    "?");
	if (m->opts->c.interface != NULL && m->disc.nlisten > 0 &&
	    results_sock_ip(m->disc.l[0].fd, buf, len) == 0)
		return;
	TAILQ_FOREACH(s, &m->joined, entry)
		if (results_sock_ip(s->conn.fd, buf, len) == 0)
			return;
}

/* A listed host that never joined: named, with the last error seen. */
static void
results_not_joined(struct json *j, const struct host *h)
{
	char as[NET_ADDRSTRLEN];

	json_begin_object(j, NULL);
	json_string(j, "name", h->spec);
	json_string(j, "address", h->naddr > 0 ? net_addr_str(&h->addr[0], as,
	    sizeof(as)) : NULL);
	json_null(j, "index");
	json_string(j, "state", "not joined");
	json_string(j, "error", hosts_why(h));
	json_end_object(j);
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

/*
 * --preflight: its answer, each check {check, verdict, detail}; null when
 * there is none (no preflight, a slave that cannot, or lost first).
 */
static void
results_preflight(struct json *j, const struct peer *s)
{
	static const char *const verdicts[] = { "ok", "fails", "skipped" };
	struct proto_preflight_ans	 a;
	const char			*why, *name;
	char				 buf[32];
	int				 i;

	if (s->pf_raw == NULL ||
	    proto_preflight_ans_decode(s->pf_raw, s->pf_len, &a, &why) == -1) {
		json_null(j, "preflight");
		return;
	}
	json_begin_array(j, "preflight");
	for (i = 0; i < a.n; i++) {
		if ((name = proto_preflight_check_name(a.item[i].check)) ==
		    NULL) {
			snprintf(buf, sizeof(buf), "check %u",
			    a.item[i].check);
			name = buf;
		}
		json_begin_object(j, NULL);
		json_string(j, "check", name);
		json_string(j, "verdict", verdicts[a.item[i].verdict]);
		json_string_len(j, "detail", a.item[i].text,
		    a.item[i].text_len);
		json_end_object(j);
	}
	json_end_array(j);
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
	json_string(j, "output_file", s->v.stream[VIEW_STDOUT].path);
	if (s->v.stream[VIEW_STDOUT].on)
		json_u64(j, "output_collected_bytes",
		    s->v.stream[VIEW_STDOUT].bytes);
	else
		json_null(j, "output_collected_bytes");
	json_bool(j, "output_capped", s->v.stream[VIEW_STDOUT].capped ||
	    s->v.stream[VIEW_STDERR].capped);
	json_string(j, "progress", s->v.have_report ? s->v.last.progress :
	    NULL);
	json_u64(j, "reports", s->v.nreports);
	/* Its stderr apart (issue 20): null where not known or merged. */
	json_string(j, "output_file_err", s->v.stream[VIEW_STDERR].path);
	if (s->v.stream[VIEW_STDERR].on)
		json_u64(j, "stderr_collected_bytes",
		    s->v.stream[VIEW_STDERR].bytes);
	else
		json_null(j, "stderr_collected_bytes");
	if (s->v.have_tail && !s->v.merged)
		json_u64(j, "stderr_bytes", s->v.stderr_bytes);
	else
		json_null(j, "stderr_bytes");
	if (s->v.tail_len > 0)
		json_string_len(j, "stderr_tail", s->v.tail, s->v.tail_len);
	else
		json_null(j, "stderr_tail");
	results_preflight(j, s);
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
	char				 host[256], addr[NET_IPSTRLEN], hex[65];
	uint32_t			 expected, i;

	view_spread(m, &sp);
	/* SLAVES all, -w not over: those that joined are all there are. */
	expected = m->pool.open && m->nslaves == MASTER_SLAVES_MAX ?
	    m->njoined : m->nslaves;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	results_master_addr(m, addr, sizeof(addr));

	json_begin_object(j, NULL);
	json_u64(j, "synexec_results", RESULTS_FORMAT);
	json_string(j, "synexec_version", SYNEXEC_VERSION);
	json_u64(j, "session", o->c.session);
	/* Which run of the campaign (one run: 0 of 1). */
	json_u64(j, "run", m->campaign.run);
	json_u64(j, "runs", m->campaign.runs);
	json_u64(j, "repeat", m->campaign.file_repeat);
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
	json_u64(j, "slaves", expected);
	json_bool(j, "slaves_all", m->pool.all);
	json_seconds(j, "report_interval_s", (int64_t)o->report_interval_ns);
	json_string(j, "output_dir", o->output_dir);
	json_u64(j, "output_max", o->output_max);
	json_bool(j, "follow", o->follow);
	json_bool(j, "preflight", o->preflight);
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
	json_u64(j, "slaves_expected", expected);
	json_u64(j, "slaves_joined", m->njoined);
	json_begin_array(j, "slaves");
	TAILQ_FOREACH(s, &m->joined, entry)
		results_slave(j, m, s, sp.first);
	/* The host list's hosts that never joined, in its order, last. */
	for (i = 0; i < m->hosts.n; i++)
		if (m->hosts.v[i].joined == 0)
			results_not_joined(j, &m->hosts.v[i]);
	json_end_array(j);
	results_statistics(j, m);
	json_end_object(j);
}

/* A run's document (format 1), on f. */
static int
results_run_fill(FILE *f, void *arg)
{
	struct json j;

	json_init(&j, f);
	results_json(&j, arg);
	return json_finish(&j);
}

/*
 * The run that has just ended, rendered while its slaves are as it left
 * them and kept (in a temporary file, not in memory: a campaign of many
 * runs of many slaves), for every campaign document written after it.
 */
static int
results_keep_run(struct master *m)
{
	struct master_view	*v = &m->v;
	uint64_t		*len;
	long			 start, end;

	if (v->res_nruns >= m->campaign.nrecords)
		return 0;
	if (v->res_runs == NULL && (v->res_runs = tmpfile()) == NULL)
		return -1;
	if ((len = realloc(v->res_run_len, (v->res_nruns + 1) *
	    sizeof(*len))) == NULL)
		return -1;
	v->res_run_len = len;
	if (fseek(v->res_runs, 0, SEEK_END) == -1 ||
	    (start = ftell(v->res_runs)) == -1)
		return -1;
	if (results_run_fill(v->res_runs, m) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (fflush(v->res_runs) == EOF || (end = ftell(v->res_runs)) == -1)
		return -1;
	v->res_run_len[v->res_nruns++] = (uint64_t)(end - start);
	return 0;
}

/* {"values": [per run], "n", "mean", "stddev", "cv", "min", "max"}. */
static void
results_across(struct json *j, const char *key, const double *v,
    uint32_t n)
{
	struct stats_across	a;
	uint32_t		i;

	stats_across(v, n, &a);
	json_begin_object(j, key);
	json_flat(j, true);
	json_begin_array(j, "values");
	for (i = 0; i < n; i++)
		json_double(j, NULL, v[i]);
	json_end_array(j);
	json_u64(j, "n", a.n);
	json_double(j, "mean", a.mean);
	json_double(j, "stddev", a.stddev);
	json_double(j, "cv", a.cv);
	json_double(j, "min", a.min);
	json_double(j, "max", a.max);
	json_end_object(j);
	json_flat(j, false);
}

/*
 * The campaign's statistics across its runs: each figure of its runs'
 * statistics (in their order), its unit, and its runs' totals and means
 * (view_campaign_runs()) with their n, mean, sample stddev, cv, min and
 * max (stats_across()); null where a run had no value.
 */
static void
results_campaign_statistics(struct json *j, const struct master *m)
{
	const struct campaign	*c = &m->campaign;
	uint32_t		*order = view_campaign_order(c);
	double			*v;
	uint32_t		 i;

	json_begin_object(j, "statistics");
	if ((v = calloc(c->nrecords + 1, sizeof(*v))) == NULL && order != NULL)
		log_warnx("out of memory for the statistics across runs");
	for (i = 0; order != NULL && v != NULL && i < c->nfigs; i++) {
		const struct campaign_figure *f = &c->figs[order[i]];

		json_begin_object(j, f->name);
		json_string(j, "unit", f->unit[0] != '\0' ? f->unit : NULL);
		view_campaign_runs(c, order[i], false, v);
		results_across(j, "totals", v, c->nrecords);
		view_campaign_runs(c, order[i], true, v);
		results_across(j, "means", v, c->nrecords);
		json_end_object(j);
	}
	json_end_object(j);
	free(v);
	free(order);
}

/* A campaign's document: its outcome, settings, and every run's. */
static int
results_campaign_fill(FILE *f, void *arg)
{
	const struct master		*m = arg;
	const struct master_opts	*o = m->opts;
	const struct campaign		*c = &m->campaign;
	const struct master_view	*v = &m->v;
	struct json			 j;
	char				*doc;
	size_t				 i;
	int				 rc = 0;

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_u64(&j, "synexec_campaign", RESULTS_CAMPAIGN_FORMAT);
	json_string(&j, "synexec_version", SYNEXEC_VERSION);
	json_u64(&j, "session", o->c.session);
	json_string(&j, "outcome", c->over ? c->outcome :
	    "running");
	if (c->over)
		json_i64(&j, "exit_code", c->code);
	else
		json_null(&j, "exit_code");
	json_string(&j, "reason", c->over ? c->why : NULL);
	json_useconds(&j, "written_at", real_ns());
	json_u64(&j, "runs_planned", c->runs);
	json_u64(&j, "runs_done", v->res_nruns);

	json_begin_object(&j, "settings");
	if (m->pool.all)
		json_string(&j, "slaves", "all");
	else
		json_u64(&j, "slaves", c->nrecords > 0 ?
		    c->records[0].slaves : m->nslaves);
	json_string(&j, "slaves_patterns", o->slaves);
	json_string(&j, "exclude", o->exclude);
	json_u64(&j, "repeat", c->repeat);
	json_seconds(&j, "pause_s", (int64_t)o->pause_ns);
	json_bool(&j, "keep_going", o->keep_going);
	json_bool(&j, "fail_fast", o->fail_fast);
	json_begin_array(&j, "session_files");
	for (i = 0; i < c->nfiles; i++)
		json_string(&j, NULL, c->files[i].sf.path);
	json_end_array(&j);
	json_seconds(&j, "report_interval_s", (int64_t)o->report_interval_ns);
	json_string(&j, "output_dir", o->output_dir);
	json_u64(&j, "output_max", o->output_max);
	json_bool(&j, "follow", o->follow);
	json_end_object(&j);

	json_begin_array(&j, "runs");
	if (v->res_nruns > 0 && fseek(v->res_runs, 0, SEEK_SET) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < v->res_nruns; i++) {
		if ((doc = malloc(v->res_run_len[i] + 1)) == NULL ||
		    fread(doc, 1, v->res_run_len[i], v->res_runs) !=
		    v->res_run_len[i]) {
			free(doc);
			rc = -1;
			break;
		}
		json_raw(&j, NULL, doc, v->res_run_len[i]);
		free(doc);
	}
	json_end_array(&j);
	results_campaign_statistics(&j, m);
	json_end_object(&j);
	if (json_finish(&j) == -1)
		rc = -1;
	return rc;
}

int
results_write(struct master *m)
{
	const char	*step = "write";
	int		 rc;

	m->v.res_written = false;
	if (!atomic_file_on(&m->v.res))
		return 0;
	if (!m->campaign.multi)
		rc = atomic_file_write(&m->v.res, results_run_fill, m, &step);
	else if ((rc = results_keep_run(m)) == 0)
		rc = atomic_file_write(&m->v.res, results_campaign_fill, m,
		    &step);
	if (rc == -1) {
		summary_err(m, "cannot %s the results file %s: %s", step,
		    m->v.res.shown, strerror(errno));
		return -1;
	}
	m->v.res_written = true;
	if (m->opts->results_file != NULL)
		log_info("results written to %s", m->v.res.shown);
	else
		log_debug("results for --plot written to %s", m->v.res.shown);
	return 0;
}

void
results_cleanup(struct master *m)
{
	atomic_file_free(&m->v.res);
	if (m->v.res_runs != NULL)
		fclose(m->v.res_runs);
	m->v.res_runs = NULL;
	free(m->v.res_run_len);
	m->v.res_run_len = NULL;
	m->v.res_nruns = 0;
	free(m->v.res_abs);
	m->v.res_abs = NULL;
}
