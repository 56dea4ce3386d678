/*
 * csvfile.c - the CSV file (--csv FILE): one row per slave per run, the
 * same figures as the results file's, for a spreadsheet or a script.
 *
 *	run,repeat,session_file,name,index,address,exit_status,exit_code,
 *	start_offset_s,duration_s,user_cpu_s,system_cpu_s,max_rss_kib,
 *	output_bytes
 *
 * then a column a metric, "metric:NAME", for every name any slave's task
 * set in any run so far, in name order: its value as the results' metrics
 * say it, empty for a slave without it.  At most CSVFILE_METRICS_MAX such
 * columns (a task has 64 names at most, but each slave's may differ):
 * values of names beyond are left out, said once.
 *
 * RFC 4180 (common/csv.h); a value that does not apply (the results'
 * null) is an empty field.  After each run the run's rows are added and
 * the whole file is replaced atomically, as the results file is, so an
 * aborted campaign keeps the runs that were done; a metric first seen in a
 * later run adds its column to every row then.  Later figures are more
 * columns: csvfile_run_rows() is where a run's row gets them.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "master.h"

#define CSVFILE_METRIC	"metric:"	/* a metric's column: metric:NAME */
#define CSVFILE_METRICS_MAX	1024	/* metric columns, at most */

int
csvfile_init(struct master *m, char *err, size_t errlen)
{
	csv_table_init(&m->v.csv_rows);
	if (m->opts->csv_file == NULL)
		return 0;
	return atomic_file_init(&m->v.csv, "--csv", m->opts->csv_file, err,
	    errlen);
}

static void
csvfile_seconds(struct csv_table *t, size_t row, const char *col,
    int64_t ns)
{
	char buf[32];

	csv_table_set(t, row, col, json_seconds_text(ns, buf, sizeof(buf)));
}

/* The metrics' columns begin at the first "metric:" (every row sets each
 * fixed column, so those come first); the table's end if none. */
static size_t
csvfile_metrics_from(const struct csv_table *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strncmp(t->cols[i], CSVFILE_METRIC, strlen(CSVFILE_METRIC))
		    == 0)
			break;
	return i;
}

/*
 * Its task's metrics, a column each, as the results' "metrics" say; a name
 * beyond CSVFILE_METRICS_MAX columns is left out (and counted).
 */
static void
csvfile_metrics(struct csv_table *t, size_t row, const struct peer *s,
    size_t *left_out)
{
	char		col[sizeof(CSVFILE_METRIC) + PROTO_METRIC_NAME_MAX];
	char		val[40];
	unsigned	k;

	for (k = 0; k < s->v.nmetric; k++) {
		snprintf(col, sizeof(col), "%s%s", CSVFILE_METRIC,
		    s->v.metric[k].name);
		if (csv_table_column(t, col) == t->ncols &&
		    t->ncols - csvfile_metrics_from(t) >= CSVFILE_METRICS_MAX) {
			(*left_out)++;
			continue;
		}
		csv_table_set(t, row, col, json_double_text(
		    s->v.metric[k].value, val, sizeof(val)));
	}
}

size_t
csvfile_run_rows(const struct master *m, struct csv_table *t)
{
	const struct campaign	*c = &m->campaign;
	const struct peer	*s;
	const struct proto_result *r;
	struct view_spread	 sp;
	enum verdict		 v;
	char			 word[32];
	size_t			 row, left_out = 0;

	view_spread(m, &sp);
	TAILQ_FOREACH(s, &m->joined, entry) {
		r = &s->res;
		v = peer_verdict(s);
		row = csv_table_row(t);
		/* Every column, in order, even where empty: the header. */
		csv_table_setf(t, row, "run", "%u", c->run);
		csv_table_setf(t, row, "repeat", "%u", c->file_repeat);
		csv_table_set(t, row, "session_file", m->sf.path);
		csv_table_set(t, row, "name", s->name);
		csv_table_setf(t, row, "index", "%u", s->index);
		csv_table_set(t, row, "address", s->addr);
		csv_table_set(t, row, "exit_status", verdict_ended(v) ?
		    verdict_word(s, word, sizeof(word)) : NULL);
		if (verdict_ended(v) && r->exit_kind == EXIT_KIND_EXITED)
			csv_table_setf(t, row, "exit_code", "%d",
			    r->exit_value);
		else
			csv_table_set(t, row, "exit_code", NULL);
		if (verdict_ran(v)) {
			csvfile_seconds(t, row, "start_offset_s", (int64_t)
			    (view_aligned(s, r->start_real_ns) - sp.first));
			csvfile_seconds(t, row, "duration_s", (int64_t)
			    (r->finish_real_ns - r->start_real_ns));
		} else {
			csv_table_set(t, row, "start_offset_s", NULL);
			csv_table_set(t, row, "duration_s", NULL);
		}
		if (verdict_ended(v) && s->kind == PEER_KIND_OURS) {
			csvfile_seconds(t, row, "user_cpu_s",
			    (int64_t)(r->utime_us * 1000));
			csvfile_seconds(t, row, "system_cpu_s",
			    (int64_t)(r->stime_us * 1000));
			csv_table_setf(t, row, "max_rss_kib", "%" PRIu64,
			    r->maxrss_kib);
			csv_table_setf(t, row, "output_bytes", "%" PRIu64,
			    r->output_bytes);
		} else {
			csv_table_set(t, row, "user_cpu_s", NULL);
			csv_table_set(t, row, "system_cpu_s", NULL);
			csv_table_set(t, row, "max_rss_kib", NULL);
			/* Unfinished: what its last report said. */
			if (s->v.have_report)
				csv_table_setf(t, row, "output_bytes", "%"
				    PRIu64, s->v.last.output_bytes);
			else
				csv_table_set(t, row, "output_bytes", NULL);
		}
		/* Later figures: more columns here, after output_bytes. */
		csvfile_metrics(t, row, s, &left_out);
	}
	return left_out;
}


static int
csvfile_fill(FILE *f, void *arg)
{
	return csv_table_write(arg, f);
}

int
csvfile_write(struct master *m)
{
	const char *step = "write";

	if (!atomic_file_on(&m->v.csv))
		return 0;
	/* The run that has just ended, once. */
	if (m->v.csv_nruns < m->campaign.nrecords) {
		if (csvfile_run_rows(m, &m->v.csv_rows) > 0 &&
		    !m->v.csv_cut) {
			m->v.csv_cut = true;
			summary_err(m, "the CSV file %s has the columns of %d "
			    "metric names, the most it takes: the values of "
			    "other names are not in it (the results file has "
			    "them)", m->v.csv.shown, CSVFILE_METRICS_MAX);
		}
		m->v.csv_nruns = m->campaign.nrecords;
		csv_table_sort_columns(&m->v.csv_rows,
		    csvfile_metrics_from(&m->v.csv_rows));
	}
	if (atomic_file_write(&m->v.csv, csvfile_fill, &m->v.csv_rows,
	    &step) == -1) {
		summary_err(m, "cannot %s the CSV file %s: %s", step,
		    m->v.csv.shown, strerror(errno));
		return -1;
	}
	log_info("CSV written to %s", m->v.csv.shown);
	return 0;
}

void
csvfile_cleanup(struct master *m)
{
	atomic_file_free(&m->v.csv);
	csv_table_free(&m->v.csv_rows);
}
