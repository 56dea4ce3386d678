/*
 * view.h - what the operator sees of a session, while it runs and after.
 *
 *   status.c   REPORTs kept, phase lines ("phase done" too), -v status lines
 *   display.c  the live status block on a terminal
 *   summary.c  the finish lines, the summary table, lines to the user
 *   collect.c  task output: -O DIR/<name>.out and .err, --follow,
 *              --output-max, the stderr tail
 *   results.c  the -r results file (JSON, written atomically): a run's
 *              document, or a campaign's with every run's, with
 *   stats.c    the statistics across slaves (and across runs) it holds
 *   series.c   each slave's REPORTs as points in time, bounded
 *   plot.c     --plot: synexec_plot draws the results at the end
 *   csvfile.c  the --csv file: a row per slave per run
 *   view.c     what they share: phase names, elapsed times, the spread
 *
 * The views observe the session: they read it and keep their own state
 * (struct peer_view, struct master_view), and the engine calls them.  None
 * calls the session, the dialog, control, discovery or the end, or changes
 * a slave's state; a slave's standing is verdict.c's to judge.
 *
 * Included by master.h: struct peer holds a struct peer_view, struct
 * master a struct master_view.
 */
#ifndef SYNEXEC_MASTER_VIEW_H
#define SYNEXEC_MASTER_VIEW_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "csv.h"
#include "proto.h"

#define VIEW_PHASES		8	/* room for every enum master_phase */
#define VIEW_FINAL_WAIT_SECS	2.0	/* the last REPORT_REQ round, at most */
#define VIEW_ASK_WAIT_SECS	1.0	/* SIGUSR1's round, at most */
#define VIEW_FOLLOW_LINE_MAX	4096	/* --follow: longer lines are split */
#define DISPLAY_MIN_REDRAW	0.1	/* seconds between redraws, at least */
#define DISPLAY_TICK		0.25	/* redraw this often for the clocks */

struct master;
struct peer;

/* ---- series.c: a slave's REPORTs over time, bounded, thinned evenly ---- */

#define SERIES_POINTS_MAX	10000	/* points a slave, at most */
#define SERIES_POINTS_MIN	100	/* ... and at least, whatever the budget */
/* All slaves' points together (cut in equal shares): 256 MiB. */
#define SERIES_BUDGET_BYTES	((size_t)256 << 20)
#define SERIES_COLUMNS_MAX	PROTO_METRICS_MAX

struct series_point {
	uint64_t	mono_ns;	/* its REPORT came (master's monotonic) */
	uint64_t	cpu_us;		/* what the REPORT said */
	uint64_t	output_bytes;
	uint8_t		state;		/* enum proto_task_state */
};

struct series {
	struct series_point	*pt;	/* the points kept, oldest first */
	double		*col[SERIES_COLUMNS_MAX]; /* a metric's value at each
						   point; NaN: not known yet */
	unsigned	 ncol;
	size_t		 n;		/* points kept */
	size_t		 alloc;		/* room in pt and each column */
	size_t		 most;		/* keep at most this many */
	size_t		 budget;	/* bytes of this series' share */
	uint64_t	 offered;	/* points offered so far */
	uint64_t	 stride;	/* kept: those numbered a multiple of it */
	bool		 tail;		/* pt[n - 1] is the newest, off the stride */
};

/* An empty series with a share of budget bytes. */
void	series_init(struct series *, size_t budget);
/* The most points a share of budget holds at width metrics (bounded). */
size_t	series_most(size_t budget, unsigned width);
/*
 * A new point, with the value of each metric now (vals[0..nvals), in the
 * slave's order of its metrics; more than the series knows add columns).
 * 0, or -1 out of memory (the point is not kept).
 */
int	series_add(struct series *, const struct series_point *,
	    const double *vals, unsigned nvals);
void	series_free(struct series *);

/* ---- stats.c: a figure's statistics, across slaves or runs (pure) ---- */

struct stats_value {
	double		v;
	uint32_t	who;		/* its slave's place in the results */
};

/* Across the slaves of a run (all NaN for n 0). */
struct stats {
	unsigned	n;
	double		sum, mean;
	double		stddev;		/* population: divided by n */
	double		min, median, p95, max;	/* percentiles: R type 7 */
	uint32_t	min_who, max_who;	/* the first that has it */
};

/* Across the runs of a campaign (NaN: undefined). */
struct stats_across {
	unsigned	n;		/* runs with the figure */
	double		mean;
	double		stddev;		/* sample: divided by n - 1 */
	double		cv;		/* stddev / |mean| */
	double		min, max;
};

/* v[0..n) in any order (sorted on return). */
void	stats_compute(struct stats_value *v, size_t n, struct stats *);
/* q in [0, 1] of sorted[0..n), by linear interpolation (NaN for n 0). */
double	stats_quantile(const struct stats_value *sorted, size_t n, double q);
/* Of one figure's per-run totals or means, v[0..n); NaN: a run without. */
void	stats_across(const double *v, size_t n, struct stats_across *);

/* A metric of a slave, as its latest METRICS said. */
struct view_metric {
	char		name[PROTO_METRIC_NAME_MAX + 1];
	char		unit[PROTO_METRIC_UNIT_MAX + 1];	/* "": none */
	double		value;
};

/* A slave's task's streams, brought back apart (collect.c). */
enum { VIEW_STDOUT, VIEW_STDERR, VIEW_STREAMS };

struct view_stream {
	bool			 on;		/* collected (stderr: apart) */
	int			 fd;		/* valid while open */
	bool			 open;
	char			*path;		/* DIR/<name>.out, .err */
	uint64_t		 bytes;		/* OUTPUT (_ERR) bytes received */
	bool			 capped;	/* --output-max left some behind */
	char			*line;		/* --follow: a line not ended */
	size_t			 line_len;
};

struct peer_view {
	uint16_t		 ext_version;	/* from the hello; 0: 2014 */
	uint64_t		 join_real_ns;	/* master clocks at the join */
	uint64_t		 join_mono_ns;
	/* REPORTs (status.c) */
	bool			 have_report;
	struct proto_report	 last;
	uint64_t		 last_mono_ns;	/* when it arrived */
	uint64_t		 nreports;
	/* output (collect.c): stdout, and stderr apart (HELLO_CAP_STDERR) */
	struct view_stream	 stream[VIEW_STREAMS];
	/* metrics (status.c), from its METRICS; in the order they came */
	struct view_metric	*metric;	/* room for PROTO_METRICS_MAX */
	unsigned		 nmetric;
	/* what it said of lines it refused: the first of each kind */
	char			*metric_error[METRIC_ERROR_KINDS];
	struct series		 series;	/* its REPORTs over time */
	bool			 series_full;	/* out of memory: said */
	char			*out_error;	/* the first thing that went wrong */
	/* STDERR_TAIL (collect.c keeps what dialog.c decoded) */
	bool			 have_tail;
	bool			 merged;	/* its stderr is in its stdout */
	uint64_t		 stderr_bytes;	/* its stderr file's size */
	uint8_t			*tail;		/* the last lines, as sent */
	size_t			 tail_len;
};

struct master_view {
	/* phases (status.c) */
	uint64_t		 phase_real_ns[VIEW_PHASES];
	uint64_t		 phase_mono_ns[VIEW_PHASES];
	bool			 phase_seen[VIEW_PHASES];
	uint64_t		 run_mono_ns;	/* the run began: its discovery,
						   or a campaign's later run's
						   configuration */
	ev_timer		 status_timer;	/* -v status lines */
	/* output (collect.c) */
	int			 out_topfd;	/* -O DIR, while out_top_open */
	bool			 out_top_open;
	char			*out_top;
	int			 out_dirfd;	/* this run's: DIR, or DIR/<run>
						   in a campaign; while
						   out_dir_open */
	bool			 out_dir_open;
	char			*out_dir;
	bool			 out_error;	/* a file could not be written */
	unsigned		 follow_text;	/* --follow lines: text.h flags */
	/* results (results.c) */
	struct atomic_file	 res;		/* -r */
	bool			 have_sha256;	/* of this run's CONF */
	uint8_t			 sha256[32];
	FILE			*res_runs;	/* a campaign's run documents */
	uint64_t		*res_run_len;	/* each one's length there */
	uint32_t		 res_nruns;
	/* the CSV file (csvfile.c) */
	struct atomic_file	 csv;		/* --csv */
	struct csv_table	 csv_rows;
	uint32_t		 csv_nruns;	/* runs in csv_rows */
	bool			 csv_cut;	/* metrics left out: said */
	char			*res_abs;	/* its absolute path (--plot) */
	bool			 res_written;	/* the last write succeeded */
	/* --plot (plot.c) */
	char			*plot_path;	/* absolute */
	char			*plot_tool;	/* synexec_plot; NULL: not found */
	char			*plot_dir;	/* no -r: a private directory */
	char			*plot_results;	/* ... and the results in it */
	/* the live display (display.c) */
	bool			 tty;		/* stdout is a terminal */
	bool			 tty_on;	/* the block is kept up to date */
	unsigned		 drawn;		/* lines of the block on screen */
	double			 last_draw;	/* ev_now of the last redraw */
	ev_timer		 draw_timer;	/* rate limit, and the clocks */
};

/* view.c: shared by the views */
const char *view_phase_name(int phase);
/* Nanoseconds the slave's task has run (so far, or in all). */
uint64_t view_elapsed(const struct peer *);
/* A slave's realtime clock reading on the master's realtime clock. */
uint64_t view_aligned(const struct peer *, uint64_t slave_real);
/* "run 3 of 10 (fio-4k.session, repeat 2 of 5)": a campaign's run. */
const char *view_run_words(const struct master *, char *buf, size_t len);
/* The tasks that ran: their first and last start on the master's clock. */
struct view_spread {
	uint64_t	first;
	uint64_t	last;		/* last - first: the start spread */
	unsigned	n;		/* 0: none ran, first and last are 0 */
};
void	view_spread(const struct master *, struct view_spread *);
/*
 * The figures of a run across its slaves: duration_s, cpu_s (user +
 * system), max_rss_kib, start_late_s, then every metric by its name (a
 * metric named as one of those four is "metric:NAME"), sorted; each with
 * the values of the slaves that have it, as the results show them.
 */
#define VIEW_FIGURE_NAME_MAX	(PROTO_METRIC_NAME_MAX + 8)
struct view_figure {
	char			 name[VIEW_FIGURE_NAME_MAX + 1];
	char			 unit[PROTO_METRIC_UNIT_MAX + 1]; /* "": none */
	bool			 metric;	/* a task's metric */
	bool			 units_differ;	/* its slaves gave several */
	struct stats		 st;
	const struct peer	*min_slave, *max_slave;	/* NULL for n 0 */
};
struct view_figures {
	struct view_figure	*f;
	size_t			 n;
};
/* 0, or -1 out of memory (said; none then). */
int	view_figures(const struct master *, struct view_figures *);
void	view_figures_free(struct view_figures *);

/* status.c */
void	status_init(struct master *);
/* m->phase has just changed: note the time, say it. */
void	status_phase(struct master *);
void	status_joined(struct master *, struct peer *);
/* A REPORT came from this slave (its frame checked): kept, shown. */
void	status_report(struct peer *, const struct proto_report *);
/*
 * A METRICS came (its frame checked): the values kept, its complaints said
 * once each.  0, or -1 with why (a 65th name: the slave is dropped).
 */
int	status_metrics(struct peer *, const struct proto_metrics *, char *why,
	    size_t whylen);
/* Its metrics and series freed (peer_free). */
void	status_peer_free(struct peer *);
/*
 * "status: run 1.2 s: 4/4 joined, 0 armed, 3 running, 1 finished, 0 failed"
 * and, with per_slave, a line for each slave.
 */
void	status_show(struct master *, bool per_slave);
/* The run is over (why: how): "phase done: WHY after S s". */
void	status_end(struct master *, const char *why);
/* A campaign's run after the first begins: its phases afresh, shown. */
void	status_run_begin(struct master *);
/* A campaign's next run: the last run's reports, metrics and series of
 * this slave go. */
void	status_peer_reset(struct peer *);
void	status_cleanup(struct master *);

/* summary.c */
/* A line to the user on stdout (the log when daemonised), made inert. */
void	summary_out(struct master *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same on stderr, like log_warnx but never cut at the log's length. */
void	summary_err(struct master *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "finished: NAME (ADDR): exit 0 after 1.234567 s", as FINISHD comes. */
void	summary_finish_line(struct master *, struct peer *);
/* The table, one row per slave, and the totals with the start spread. */
void	summary_print(struct master *);
/* A campaign's run is over: one line (outcome, spread, durations). */
struct run_record;
void	summary_run_line(struct master *, const struct run_record *);
/*
 * A campaign is over: one line per run, each figure across the runs (the
 * runs' totals and means: mean, stddev, CV, min, max), then the
 * campaign's line.
 */
void	summary_campaign(struct master *);
/*
 * --preflight: a line per slave, "preflight: NAME (ADDR): ready" or what
 * fails, then how many are ready; with -v each check of each slave.
 */
void	summary_preflight(struct master *);

/* display.c */
void	display_init(struct master *);
/* Something changed: redraw soon (at most every DISPLAY_MIN_REDRAW). */
void	display_update(struct master *);
/* Take the block off the screen before a line is printed. */
void	display_erase(struct master *);
/* The run is over (for good but in a campaign, until the next run). */
void	display_end(struct master *);
/* A campaign's next run: the block again, if there was one. */
void	display_run_begin(struct master *);

/* collect.c */
/* At start-up (before -d): -O DIR exists or is made, and is writable. */
int	collect_init(struct master *, char *err, size_t errlen);
uint32_t collect_conf_flags(const struct master *);
/*
 * Configuration begins: DIR/<name>.out for each slave (a short name where
 * the name cannot be a file name there).  A file that cannot be made is
 * that slave's error (exit 1 at the end), never the session's.
 */
void	collect_prepare(struct master *);
/*
 * An OUTPUT (stream VIEW_STDOUT) or OUTPUT_ERR (VIEW_STDERR) frame: 0, or
 * -1 with why (the slave is then dropped).
 */
int	collect_received(struct peer *, int stream, const uint8_t *, size_t,
	    char *why, size_t whylen);
/*
 * STDERR_TAIL (checked, before FINISHD): its stderr's size, and its last
 * lines for the summary and the results.  0, or -1 with why.
 */
int	collect_tail(struct peer *, const struct proto_stderr_tail *,
	    char *why, size_t whylen);
/* FINISHD came: the output is complete (or capped): close, check. */
void	collect_finished(struct peer *);
/* The session ends: the last --follow lines, every file closed. */
void	collect_end(struct master *);
/* Its output's state goes (freed, or a campaign's next run: afresh). */
void	collect_peer_free(struct peer *);
void	collect_cleanup(struct master *);

/* results.c */
/* At start-up (before -d): -r's directory is writable; SHA-256 of CONF. */
int	results_init(struct master *, char *err, size_t errlen);
/*
 * Write the results file now, atomically, with every slave as it is: safe
 * in any phase, and again (the last call wins).  run_end() calls it.  A
 * campaign's (several runs): the campaign's document, with the run that
 * has just ended (m->campaign's last record) rendered and kept, and every
 * earlier one.  0, or -1 if it could not be written (said).
 */
int	results_write(struct master *);
void	results_cleanup(struct master *);

/* csvfile.c */
/* At start-up (before -d): --csv's directory is writable. */
int	csvfile_init(struct master *, char *err, size_t errlen);
/*
 * The run that has just ended (m->campaign's last record) adds its rows,
 * and the whole table is written, atomically.  0, or -1 (said).
 */
int	csvfile_write(struct master *);
/*
 * The rows of the run as it stands: one per slave, in its order.  How
 * many metric values found no column (beyond the most metric columns).
 */
size_t	csvfile_run_rows(const struct master *, struct csv_table *);
void	csvfile_cleanup(struct master *);
/* plot.c */
/* FILE ends in .png, .svg or .pdf: 0, or -1 with why. */
int	plot_name_ok(const char *path, char *err, size_t errlen);
/*
 * At start-up, before results_init (before -d): --plot's path made
 * absolute, synexec_plot looked for (not found: said, the session goes
 * on), without -r a private file for the results.  0, or -1 with why.
 */
int	plot_prepare(struct master *, char *err, size_t errlen);
/* After the session: synexec_plot draws the results; where, or why not. */
void	plot_draw(struct master *);
/* The private results file and directory removed. */
void	plot_cleanup(struct master *);

#endif
