/*
 * master.h - synexec_master's private header.
 *
 * The master is one libev loop driving a campaign of one run or more over
 * one pool of slaves, each run through its phases:
 *
 *	discovery	UDP PROBEs (broadcast, multicast, unicast to a host
 *			list), TCP hellos, clock sync (discovery.c, hosts.c,
 *			dialog.c); who may join (pool.c); the first run only
 *	preflight	--preflight only, instead of the next two: PREFLIGHT to
 *			every slave, their verdicts, nothing run (session.c)
 *	configuration	RUN, CONF_BEGIN + CONF_DATA streamed, or CONF (session.c)
 *	run		START / EXEC at one instant, results (session.c)
 *	done		the last reports, summary, results file (end.c), then
 *			RUN_END and the next run (campaign.c), or BYE
 *
 * Every slave is a struct peer with an explicit state; the session counts
 * slaves as they pass from state to state and moves on when all have.
 *
 * The files, each calling only those below it but for the engine's five,
 * which call one another (the one circle of files, kept to five), and
 * end.c, which hands a run's end to campaign.c:
 *
 *	main.c		options, the sockets, -d, the signals that end a session
 *	master.c	a master set up, begun and freed (main and the fuzz harness)
 *	session.c	the engine: the phases, and session_end(), the one door
 *	dialog.c	out of a run; what each frame of a slave means; abort,
 *	control.c	-t, --fail-fast and SIGUSR1; PROBEs, accepted connections
 *	discovery.c	and -w; the runs of a campaign: what each came to,
 *	campaign.c	whether another follows, RUN_END, --pause, the next run
 *	end.c		the end of a run (its last report round, phase done, the
 *			summary, the exit code, the results), then the campaign's
 *	status.c display.c summary.c collect.c results.c csvfile.c view.c
 *			the views (view.h): they observe, the engine calls them
 *	verdict.c	how a slave stands: one judgement, one table of its words
 *	pool.c		who may join (turn-away reasons), and the slaves' one
 *			order (peer_order())
 *	peer.c		a slave as we hold it: sending, closing, its deadline
 *	hosts.c		the host list (-H, --hosts): names resolved, each
 *			host's last error, the slaves' order
 *	away.c		who answered and was turned away, and why
 *	resolve.c	names resolved in a helper process, never in the loop
 *	admit.c names.c sessfile.c check.c
 *
 * To add a state or outcome of a slave: enum peer_state and its case in
 * peer_verdict(), a verdict and its row in verdict.c (words, counts, exit
 * code).  A cause for a run to end: enum end_cause, its row in end.c (exit
 * code, summary), one session_end() where it happens.  A member of the
 * results: results.c, and README's "Results file"; a column of the CSV:
 * csvfile_run_rows(); a figure across a campaign's runs: struct
 * run_record's figures (campaign_record()), view_campaign_runs(), then
 * results_campaign_statistics() and summary_campaign().  A
 * reason to turn a slave away: enum turn_away and pool_judge().
 */
#ifndef SYNEXEC_MASTER_H
#define SYNEXEC_MASTER_H

#include <sys/queue.h>
#include <sys/types.h>

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "conn.h"
#include "live.h"
#include "net.h"
#include "pattern.h"
#include "proto.h"
#include "view.h"

#define MASTER_NAME		"synexec_master"
#define MASTER_BACKLOG		1024
#define MASTER_SLAVES_MAX	1000000
#define MASTER_RUNS_MAX		1000000	/* a campaign's: CONFs x --repeat */
#define MASTER_HELLO_SECS	5.0	/* a new connection must say hello by then */
#define MASTER_SYNC_PINGS	4	/* PING/PONG exchanges per slave */
#define MASTER_OUT_LIMIT	(512 * 1024)	/* output queue per slave */
#define MASTER_WAITLOG_SECS	10.0	/* "still waiting for K more slaves" */
/* A key mismatch ends discovery this long after the first (exit 3). */
#define MASTER_KEY_FAIL_SECS	0.5
#define MASTER_TCP_PROBE_SECS	1.0	/* PROBE over TCP while discovering */
#define MASTER_V1_CONF_MAX	PROTO_MAX_PAYLOAD	/* CONF to a 2014 slave */
/* A 2014 slave answers a PROBE a second: allow it a few before "lost". */
#define MASTER_V1_SILENCE_MIN	(3 * MASTER_TCP_PROBE_SECS)
#define MASTER_ABORT_LOG_SECS	5.0	/* "still waiting for ..." */
/*
 * Connections not past their hello (keyed: their key handshake), which
 * anyone who reaches the port can open: at most twice SLAVES in all, and
 * SLAVES from one address, but never fewer than these (admit.c, NOTES
 * section 10).
 */
#define MASTER_UNAUTH_MAX	4096
#define MASTER_UNAUTH_PER_ADDR	512
/*
 * Deadlines of what a slave owes the master (NOTES section 11).  An answer
 * that needs no transfer (EXEC_OK) is due within the heartbeat timeout but
 * no less than MASTER_ANSWER_MIN_SECS; the configuration's answer also gets
 * MASTER_CONF_RTTS round trips and the time to send every slave's payload
 * at MASTER_CONF_RATE in all.
 */
#define MASTER_ANSWER_MIN_SECS	5.0
#define MASTER_CONF_RTTS	4
#define MASTER_CONF_RATE	(1024.0 * 1024.0)	/* bytes a second */
/*
 * After an ABORT a slave has its --kill-grace (KILL_GRACE, or this default
 * if it did not say) plus MASTER_ABORT_MARGIN_SECS to report its task's
 * end (a task's group is gone within a second of its SIGKILL); the whole
 * wait, the last report round included, ends within the longest grace plus
 * MASTER_ABORT_END_SECS: the "grace plus 2 s" NOTES promises, with a
 * quarter of a second for the loop to be late on a busy host.
 */
#define MASTER_KILL_GRACE_DEFAULT_NS	10000000000ull	/* 10 s */
#define MASTER_KILL_GRACE_MAX_MS	(3600u * 1000u)	/* the slave's own bound */
#define MASTER_ABORT_MARGIN_SECS	1.5
#define MASTER_ABORT_END_SECS		1.75
/* The same signal again within this is the same interrupt, sent twice. */
#define MASTER_SIGNAL_TWICE_NS		(200 * 1000000ULL)

/* ---- sessfile.c: the session file ---- */

struct sessfile {
	const char	*path;
	int		 fd;
	uint64_t	 size;		/* whole file */
	char		 command[PROTO_COMMAND_MAX + 1];	/* NUL-terminated */
	uint16_t	 command_len;
	uint64_t	 payload_off;	/* first byte after the first newline */
	uint64_t	 payload_size;
};

/*
 * Open the session file and check its first line (sessfile.c).  0, or -1
 * with the fault and what to write instead in err: its text from the file
 * made inert already, for a terminal as it is (advice such as sed's
 * 's/\r$//' must read as typed, which the log would escape).
 */
int	sessfile_open(struct sessfile *, const char *path, char *err,
	    size_t errlen);
/* Exactly len bytes at off (from the start of the file), or -1 + err. */
int	sessfile_pread(const struct sessfile *, uint64_t off, void *buf,
	    size_t len, char *err, size_t errlen);
void	sessfile_close(struct sessfile *);

/* ---- check.c: what a start would find wrong here, without starting ---- */

/* Every fault said (log_warnx); how many. */
int	check_local(const struct master_opts *, const struct opt_origin *);

/* ---- names.c: the slaves' names in use, unique in O(1) ---- */

struct names_ent;
struct names {
	struct names_ent	**bucket;
	size_t			  nbucket;	/* a power of two, or 0 */
	size_t			  count;
};

/* How many slaves in the table gave base as their name. */
uint32_t names_base_count(const struct names *, const char *base);
bool	names_taken(const struct names *, const char *name);
/* A slave that gave base is shown as name (both remembered until del). */
void	names_add(struct names *, const char *base, const char *name);
void	names_del(struct names *, const char *base, const char *name);
void	names_clear(struct names *);

/* ---- pool.c: which slaves may join, and their one order ---- */

struct master;
struct peer;

/*
 * Why a slave is turned away.  pool_judge() is the one decision for a slave
 * that said its hello (its name, the room left); the others are found where
 * they happen (conn.c: a frame of another session, the key handshake) and
 * are named here so that one list says every reason.
 */
enum turn_away {
	TURN_AWAY_NONE,		/* it may join */
	TURN_AWAY_NAME,		/* its name matches no pattern of --slaves */
	TURN_AWAY_EXCLUDED,	/* its name matches --exclude */
	TURN_AWAY_FULL,		/* no place left: SLAVES have joined, or a
				   slave of its name has (SLAVES all by name) */
	TURN_AWAY_SESSION,	/* another session id (-s): not judged here */
	TURN_AWAY_KEY,		/* key mismatch: not judged here */
	TURN_AWAY_COUNT
};

struct pool {
	struct pattern_list	 slaves;	/* --slaves; empty: any name */
	struct pattern_list	 exclude;	/* --exclude */
	bool			 all;		/* SLAVES was "all" */
	bool			 open;		/* all, and not by name: whoever
						   has joined when -w expires */
	char			**names;	/* all by name: the names waited
						   for, in --slaves's order */
	size_t			 nnames;
	struct names		 told;		/* turned away and logged */
};

/*
 * SLAVES ("all": nslaves 0), --slaves and --exclude: the patterns parsed,
 * "all" by name expanded (m->nslaves set).  0, or -1 with err (a usage
 * error: the option and the fault).
 */
int	pool_init(struct master *, bool all, char *err, size_t errlen);
/* Their syntax alone, for -n: 0, or -1 with err. */
int	pool_check_opts(const struct master_opts *, char *err, size_t errlen);
/* Is there room for one more slave (discovery only)? */
bool	pool_has_room(const struct master *);
/* May a slave of this name (as it gave it; a 2014 slave's IP) join now? */
enum turn_away pool_judge(const struct master *, const char *name, char *why,
	    size_t whylen);
/* "its name matches no --slaves pattern", for a list of reasons. */
const char *turn_away_word(enum turn_away);
/* Said in the log with -v once per name and reason (-vv: each time). */
void	pool_turned_away(struct master *, const char *label, const char *name,
	    enum turn_away, const char *why);
/*
 * THE order of the slaves: SYNEXEC_SLAVE_INDEX, the summary, the display,
 * the results and the CSV all follow m->joined, kept in this order as
 * slaves join (pool_insert).  The natural order of their names (vm2
 * before vm10), the same in every run and every session with the same
 * names.  <0, 0, >0 as strcmp.
 */
int	peer_order(const struct peer *, const struct peer *);
/* s into m->joined at its place in peer_order (from the end: slaves that
 * join in order cost one comparison each). */
void	pool_insert(struct master *, struct peer *);
/* "vm3, vm5": the names waited for (all by name) that have not joined. */
char	*pool_missing(const struct master *);
void	pool_free(struct master *);

/* ---- one slave ---- */

enum peer_kind {
	PEER_KIND_UNKNOWN = 0,	/* no hello yet */
	PEER_KIND_OURS,		/* hello with the SYNX extension block */
	PEER_KIND_2014,		/* empty hello */
};

enum peer_state {
	PEER_HELLO,		/* connected, its hello awaited */
	PEER_SYNC,		/* ours: WELCOME sent, PING/PONG under way */
	PEER_JOINED,		/* in the session, waiting for the others */
	PEER_CONF,		/* configuration sent (or streaming), answer awaited */
	PEER_READY,		/* CONF_OK: armed, the start awaited */
	PEER_REFUSED,		/* CONF_NO */
	PEER_STARTING,		/* START or EXEC sent, EXEC_OK awaited */
	PEER_RUNNING,		/* EXEC_OK, FINISHD awaited */
	PEER_FINISHED,		/* FINISHD received */
	PEER_NOSTART,		/* EXEC_NO: could not start */
	PEER_LOST,		/* dropped after discovery */
	PEER_PREFLIGHT,		/* --preflight: PREFLIGHT sent, answer awaited */
	PEER_CHECKED,		/* PREFLIGHT_ANS received */
	PEER_NO_PREFLIGHT,	/* 2014 or older: cannot answer PREFLIGHT */
};

struct master;

struct peer {
	TAILQ_ENTRY(peer)	 entry;
	struct master		*m;
	struct conn		 conn;
	ev_timer		 timer;		/* the deadline of what it owes us */
	double			 deadline_secs;	/* ... set to this (for the log) */
	struct live		 live;		/* heartbeats, silence (live.c) */
	enum peer_kind		 kind;
	uint16_t		 caps;		/* its hello's HELLO_CAP_* */
	enum peer_state		 state;
	bool			 welcomed;	/* ours, got WELCOME: say BYE */
	bool			 admitted;	/* counted by admit.c until its hello */
	bool			 named;		/* its name is in m->names */
	char			 name[PROTO_NAME_MAX + 16];	/* unique */
	char			 base[PROTO_NAME_MAX + 1];	/* as it said */
	char			 addr[NET_ADDRSTRLEN];	/* ip:port, [ip6]:port */
	struct host		*host;		/* the listed host it came from */
	char			 label[PROTO_NAME_MAX + 16 + NET_ADDRSTRLEN + 4];
						/* "name (ip:port)" for logs */
	uint32_t		 pid;
	uint32_t		 index;		/* place in peer_order, from 0 */

	/* clock sync (ours only) */
	int			 pings;		/* exchanges done */
	int			 pings_stamped;	/* of those, PONGs the kernel dated */
	bool			 ping_out;	/* a PING awaits its PONG */
	uint64_t		 ping_t1;
	uint64_t		 rtt_ns;	/* best round trip */
	int64_t			 off_mono_ns;	/* slave mono - master mono */
	int64_t			 off_real_ns;	/* slave real - master real */

	/* configuration streaming (ours only) */
	uint64_t		 conf_sent;	/* payload bytes queued */

	/* outcome */
	enum peer_state		 lost_in;	/* state when lost */
	char			 why[PROTO_REASON_MAX + 64];	/* refusal, loss */
	bool			 have_result;
	struct proto_result	 res;	/* 2014: times only, EXIT_KIND_UNKNOWN */
	struct peer_view	 v;	/* reports, output (view.h) */
	bool			 abort_sent;	/* ABORT sent, FINISHD awaited */
	uint64_t		 abort_real_ns;	/* when (master real clock) */
	bool			 report_due;	/* its last REPORT (end.c) */
	bool			 ask_due;	/* SIGUSR1's REPORT (control.c) */
	uint64_t		 kill_grace_ns;	/* its --kill-grace (KILL_GRACE) */
	bool			 grace_told;	/* KILL_GRACE came */
	/* --preflight: its PREFLIGHT_ANS, as it came (decoded when shown) */
	uint8_t			*pf_raw;
	size_t			 pf_len;
	bool			 pf_ready;	/* every check passed */
};

TAILQ_HEAD(peer_list, peer);

/* resolve.c: names resolved in a helper process (its results as they come) */
struct resolve {
	struct ev_loop		*loop;
	pid_t			 pid;		/* the helper, or 0 */
	int			 fd;		/* its pipe */
	ev_io			 io;
	ev_timer		 timer;		/* RESOLVE_CAP_SECS at most */
	uint8_t			*buf;		/* a record read in part */
	size_t			 have;
	uint32_t		*ids;		/* the names asked, by id */
	uint32_t		 n, answered;
	void			*owner;
	/* One name's addresses (n > 0), or why not (n == -1, err). */
	void			(*one)(void *owner, uint32_t id, int n,
				    const struct net_addr *, const char *err);
};

/* hosts.c: the host list, each host as listed (ranges expanded) */
struct host {
	char			 spec[NET_HOST_MAX + 24];	/* as written */
	char			 name[NET_HOST_MAX + 1];	/* its HOST */
	uint16_t		 port;
	uint32_t		 pos;		/* its place in the list */
	bool			 numeric;	/* an address: nothing to resolve */
	bool			 resolving;	/* asked of the helper */
	int			 naddr;		/* 0: not resolved (yet) */
	struct net_addr		 addr[NET_RESOLVE_MAX];
	uint32_t		 joined;	/* its slaves joined (and not gone) */
	uint64_t		 probes;	/* PROBEs sent to it */
	char			 error[256];	/* the last error seen, or "" */
};

struct hosts_ent;
struct hosts {
	struct host		*v;
	uint32_t		 n;
	uint32_t		 nunresolved;	/* names without an address */
	uint32_t		 nports;	/* distinct ports among them */
	uint16_t		 ports[16];
	struct hosts_ent	**bucket;	/* address -> host (hosts.c) */
	size_t			 nbucket;
	struct resolve		 res;
	uint64_t		 resolve_ns;	/* the last round began */
	/* A name got its addresses: probe it now (discovery.c sets it). */
	void			(*resolved)(struct master *, struct host *);
};

/*
 * away.c: peers that answered and were turned away, by address and reason
 * (the discovery-timeout message, NOTES section 2).  AWAY_NAME is for issue
 * 17's --slaves / --exclude: a slave whose name the run does not take.
 */
enum away_reason {
	AWAY_SESSION,	/* it serves another session (its REPLY said) */
	AWAY_KEY,	/* the key handshake failed: another key, none */
	AWAY_FULL,	/* it came when SLAVES had joined */
	AWAY_NAME,	/* its name is not wanted (--slaves, --exclude) */
	AWAY_COUNT
};
#define AWAY_MAX	64	/* addresses kept; the others only counted */

struct away_ent {
	struct net_addr		 addr;		/* its IP (port 0) */
	enum away_reason	 reason;
	char			 detail[256];	/* "it serves session 7" */
	uint32_t		 count;
};

struct away {
	struct away_ent		 v[AWAY_MAX];
	uint32_t		 n;
	uint32_t		 more;		/* not kept: AWAY_MAX reached */
	uint32_t		 of[AWAY_COUNT];	/* addresses by reason */
};

/* discovery.c: the sockets, the probes and what came back */
#define DISC_LISTEN_MAX		16	/* TCP listeners: addresses x ports */
#define DISC_TARGETS_MAX	2	/* -i's IPv4 broadcast and ff02::1 */

struct disc_listen {
	ev_io			 io;
	int			 fd;
	struct master		*m;
	uint16_t		 port;		/* its port: a host's, or -p */
};

struct disc_udp {
	ev_io			 io;
	int			 fd;		/* -1: none */
	struct master		*m;
};

struct disc {
	struct disc_listen	 l[DISC_LISTEN_MAX];
	int			 nlisten;
	int			 spare_fd;	/* given up under EMFILE */
	struct disc_udp		 udp4, udp6;	/* probes out; REPLYs and
						   ICMP errors in */
	struct disc_udp		 ann4, ann6;	/* -i: slaves' announces */
	struct net_iface	 ifc;		/* -i's */
	struct net_addr		 target[DISC_TARGETS_MAX];
	int			 ntargets;
	uint64_t		 probe_last_ns;	/* last PROBE round */
	uint64_t		 rounds;	/* PROBE rounds sent */
	uint64_t		 sent;		/* PROBE datagrams sent */
	uint32_t		 icmp;		/* ICMP errors heard */
	ev_timer		 probe_timer;	/* the back-off */
	int			 probe_step;
	ev_timer		 tcp_probe_timer;
	ev_timer		 waitlog_timer;
	ev_timer		 wait_timer;	/* -w */
	ev_timer		 key_timer;	/* a key mismatch: exit 3 */
	uint64_t		 start_ns;
};

/* admit.c: the connections not past their hello, by source address */
struct admit_ent;
struct admit {
	struct admit_ent	**bucket;	/* NULL until the first */
	uint32_t		  total;
	uint32_t		  refused;	/* turned away, not logged yet */
	char			  last_addr[NET_ADDRSTRLEN];
	char			  last_why[256];
	ev_timer		  log_timer;	/* one log line per ADMIT_LOG_SECS */
};

/* ---- the session ---- */

/* Why a run ended (end.c says what each means for the exit code). */
enum end_cause {
	END_COMPLETE,	/* every slave is done: the verdicts' exit code */
	END_ABORTED,	/* SIGINT, SIGTERM, SIGHUP or -t: 4 */
	END_FAIL_FAST,	/* --fail-fast: the verdicts' exit code, 2 or 3 */
	END_FORCED,	/* a second signal: 4 at once, no last report round */
	END_REFUSED,	/* a slave refused the configuration: 3 */
	END_ALL_LOST,	/* no slave left to start: 3 */
	END_TOO_LARGE,	/* the session file too large for a 2014 slave: 3 */
	END_DISCOVERY,	/* -w expired before SLAVES joined: 5 */
	END_KEY,	/* a slave's key differs (or it has none): 3 */
	END_LOCAL,	/* a local error (the session file unreadable): 1 */
	END_INCAPABLE,	/* a campaign with slaves that serve one run: 3 */
	END_PREFLIGHT,	/* --preflight: every slave answered: 0 or 3 */
};

enum end_step {
	END_NONE,	/* the run goes on */
	END_REPORTING,	/* its last report round is out */
	END_OVER,	/* its summary and results are out */
};

/* end.c: how the run ended. */
struct end {
	enum end_step		 step;
	enum end_cause		 cause;
	char			 why[256];	/* "phase done: WHY", reason */
	char			 bye[320];	/* BYE's text */
	int			 code;		/* the run's exit code, once over */
	const char		*outcome;	/* the results' outcome, once over */
	ev_timer		 round_timer;	/* the last report round's end */
	uint32_t		 waiting;	/* its answers still due */
	double			 round_secs;	/* how long it may wait */
};

enum master_phase {
	PHASE_DISCOVERY,
	PHASE_PREFLIGHT,	/* --preflight: instead of the others */
	PHASE_CONFIG,
	PHASE_RUN,
	PHASE_DONE,
};

/* ---- campaign.c: the runs of a campaign ---- */

/* A session file of the campaign (CONF), opened at start. */
struct campaign_file {
	struct sessfile		 sf;
	char			 base[PROTO_NAME_MAX + 1];	/* its name
						   without its directory, for
						   RUN and SYNEXEC_CONF */
	bool			 have_sha256;
	uint8_t			 sha256[32];
};

/*
 * A figure of the campaign's runs: a name of their statistics (duration_s,
 * cpu_s, max_rss_kib, start_late_s, a metric's), with the unit its runs
 * gave it.  At most 1024 names in a campaign, and a run keeps at most 68
 * of its own (the built-in ones, then the metrics by name): those beyond
 * are left out of the statistics across runs, said once (campaign.c).
 */

struct campaign_figure {
	char			 name[VIEW_FIGURE_NAME_MAX + 1];
	char			 unit[PROTO_METRIC_UNIT_MAX + 1]; /* "": none */
	bool			 units_differ;	/* runs or slaves gave several */
	unsigned		 rank;		/* a built-in's place; metrics 4 */
};

/* A figure of one run: the total over its slaves that have it, and how
 * many they are (its mean is sum / n, as the run's statistics say). */
struct run_figure {
	double			 sum;
	uint32_t		 n;		/* > 0 */
	uint32_t		 fig;		/* in campaign.figs */
};

/*
 * What a run came to: its line after it, its row in the campaign's table
 * (summary.c), and what the campaign's document says of it; its figures
 * for the campaign's statistics across runs (campaign_record()).
 */
struct run_record {
	uint32_t		 run;
	uint32_t		 repeat;
	size_t			 file;		/* in campaign.files */
	int			 code;		/* the run's exit code */
	const char		*outcome;
	unsigned		 slaves;	/* in the run */
	unsigned		 ran;		/* tasks that ran (times known) */
	unsigned		 ok, failed, lost;
	uint64_t		 spread_ns;	/* start spread (ran > 0) */
	uint64_t		 dur_min_ns, dur_med_ns, dur_max_ns;
	struct run_figure	*figs;		/* at most RUN_FIGURES_MAX */
	unsigned		 nfigs;
};

struct campaign {
	struct campaign_file	*files;		/* CONF [CONF...], in order */
	size_t			 nfiles;
	uint32_t		 repeat;	/* --repeat K */
	uint32_t		 runs;		/* nfiles x K */
	bool			 multi;		/* runs > 1: the campaign's documents,
						   lines and tables */
	uint32_t		 run;		/* the current run, from 0 */
	size_t			 file;		/* its file */
	uint32_t		 file_repeat;	/* its repeat of that file */
	struct run_record	*records;	/* one per run ended */
	uint32_t		 nrecords;
	struct campaign_figure	*figs;		/* the runs' figures, as they
						   came */
	uint32_t		 nfigs;
	bool			 figs_cut;	/* some left out: said */
	bool			 over;		/* no run follows */
	int			 code;		/* the campaign's exit code (-1:
						   no run ended yet) */
	const char		*outcome;	/* its words (the results') */
	char			 why[320];	/* the campaign's reason */
	bool			 between;	/* after RUN_END, before the next */
	ev_timer		 pause_timer;	/* --pause, then the next run */
};

struct master {
	struct ev_loop		*loop;
	struct master_opts	*opts;
	const struct auth_key	*key;		/* -k: keyed sessions; NULL: none */
	struct sessfile		 sf;		/* this run's (campaign.c) */
	struct names		 names;		/* slave names in use (names.c) */
	uint32_t		 nslaves;	/* SLAVES; after a loss with
						   --keep-going, those left */
	struct pool		 pool;		/* pool.c */
	struct campaign		 campaign;	/* campaign.c */
	enum master_phase	 phase;
	int			 exit_code;	/* the campaign's (end.c) */
	bool			 log_stderr;	/* errors go to our stderr */
	bool			 out_log;	/* daemon: results go to the log */

	struct disc		 disc;		/* discovery.c */
	struct hosts		 hosts;		/* hosts.c */
	struct away		 away;		/* away.c */
	struct admit		 admit;		/* admit.c */

	/* slaves */
	struct peer_list	 pending;	/* HELLO and SYNC */
	struct peer_list	 joined;	/* in peer_order() (pool.c) */
	uint32_t		 njoined;
	uint32_t		 nsyncing;

	/* session.c */
	uint32_t		 nanswered;	/* configuration answers */
	uint32_t		 ndone;		/* finished, not started, lost */
	uint64_t		 start_mono_ns;	/* T */
	uint64_t		 max_rtt_ns;
	uint32_t		 nv1;		/* 2014 slaves among the joined */
	uint8_t			*v1_conf;	/* whole file, for 2014 slaves */
	ev_timer		 start_timer;	/* EXEC to 2014 slaves at T */
	ev_signal		 sigint;
	ev_signal		 sigterm;
	ev_signal		 sighup;
	struct master_view	 v;	/* display, reports, output, results */

	struct end		 end;

	/* control.c: abort, -t, --fail-fast */
	bool			 aborting;
	uint64_t		 abort_sig_ns;	/* the signal that began it (mono) */
	int			 abort_sig;
	enum end_cause		 abort_cause;	/* END_ABORTED, END_FAIL_FAST */
	char			 abort_why[256];
	ev_timer		 timeout_timer;	/* -t */
	ev_timer		 abort_timer;	/* "still waiting for ..." */
	ev_signal		 usr1;		/* SIGUSR1: reports now, shown */
	ev_timer		 ask_timer;	/* their answers, at most */
	uint32_t		 ask_waiting;
	ev_tstamp		 abort_end;	/* the abort's wait ends by then */
	double			 hb_timeout;	/* --heartbeat-timeout, seconds */
	double			 hb_interval;	/* HEARTBEAT period, seconds */
};

/* ---- master.c: set up, begun, freed (main.c and the fuzz harness) ---- */

/* Nothing open yet: master_free() is safe from here on. */
void	master_init(struct master *, struct master_opts *, uint32_t nslaves);
/* The session file open: -O's and -r's directories (before -d); 0 or -1. */
int	master_prepare(struct master *, char *err, size_t errlen);
/* The loop and the parts that live on it: 0, or -1 if no loop. */
int	master_start(struct master *);
/* "phase discovery", and discovery starts (its sockets are open). */
void	master_begin(struct master *);
/* The loop is over (the session or campaign too): --plot's picture. */
void	master_end(struct master *);
/* Whatever phase the session ended in. */
void	master_free(struct master *);

/* ---- campaign.c ---- */

/* A CONF of the campaign, opened and checked (main.c): 0, or -1 + err. */
int	campaign_add_file(struct master *, const char *path, char *err,
	    size_t errlen);
/* The files in place (the fuzz harness opens m->sf alone): runs known. */
void	campaign_init(struct master *);
/*
 * Session.c, configuration begins: the slaves that cannot serve several
 * runs refuse the campaign here (true: it ended), else RUN to each slave
 * of ours that serves runs.
 */
bool	campaign_refused(struct master *);
void	campaign_send_run(struct peer *);
/*
 * End.c, the run's exit code known: its record and line, and whether the
 * campaign goes on (m->campaign.over, .code).  After the results:
 * campaign_next() (RUN_END, --pause, the next run) unless it is over.
 */
void	campaign_run_ended(struct master *);
void	campaign_store_failed(struct master *);
void	campaign_next(struct master *);
/* A signal between runs: the campaign ends (exit 4).  True if it was. */
bool	campaign_interrupt(struct master *, const char *why);
void	campaign_free(struct master *);

/* view.c: a campaign's figures across its runs, for the views */
/*
 * The campaign's figures in the order of a run's statistics (the built-in
 * ones, then the metrics by name): c->nfigs indexes into c->figs, to free;
 * NULL if none (or out of memory: said).
 */
uint32_t *view_campaign_order(const struct campaign *);
/*
 * Figure fig of each run ended, in order, into v[0..c->nrecords): the
 * run's total over its slaves (mean false) or their mean, NaN for a run
 * without it.  Its statistics across runs: stats_across() of those.
 */
void	view_campaign_runs(const struct campaign *, uint32_t fig, bool mean,
	    double *v);


/* ---- verdict.c: how a slave stands, judged in one place ---- */

enum verdict {
	VERDICT_JOINING,	/* its hello or clock sync under way */
	VERDICT_JOINED,		/* waiting for the others */
	VERDICT_CONFIGURING,	/* its configuration's answer awaited */
	VERDICT_ARMED,		/* configured, its start awaited */
	VERDICT_STARTING,	/* START or EXEC sent */
	VERDICT_RUNNING,	/* its task runs */
	VERDICT_ENDING,		/* its task ended (its REPORT said), FINISHD due */
	VERDICT_EXIT_0,		/* its task exited 0 */
	VERDICT_UNKNOWN,	/* its task ended, status unknown (2014): fine */
	VERDICT_EXIT,		/* its task exited non-zero */
	VERDICT_SIGNAL,		/* its task was killed by a signal */
	VERDICT_ABORTED,	/* its task ended after our ABORT, not with 0 */
	VERDICT_CANCELLED,	/* our ABORT stopped its task before its start */
	VERDICT_EXEC_FAILED,	/* its task could not be started (FINISHD) */
	VERDICT_NOSTART,	/* it could not start its task (EXEC_NO) */
	VERDICT_REFUSED,	/* it refused the configuration (CONF_NO) */
	VERDICT_LOST,		/* lost after it joined */
	VERDICT_CHECKING,	/* --preflight: its answer awaited */
	VERDICT_READY,		/* --preflight: every check passed */
	VERDICT_NOT_READY,	/* --preflight: a check failed */
	VERDICT_NO_PREFLIGHT,	/* --preflight: a 2014 or older slave */
	VERDICT_COUNT
};

/* The joined slaves by verdict, and the counts shown. */
struct verdict_counts {
	unsigned	joined;
	unsigned	armed;		/* configured, not started */
	unsigned	running;	/* starting, running, ending */
	unsigned	finished;	/* ended well (exit 0, or 2014 unknown) */
	unsigned	failed;		/* ended badly, refused, lost */
	int		worst;		/* the highest severity: 0, 2 or 3 */
	unsigned	of[VERDICT_COUNT];
};

enum verdict peer_verdict(const struct peer *);
/* "running", "exit 0", "signal 9", "lost": the display, -v, exit_status. */
const char *verdict_word(const struct peer *, char *buf, size_t len);
/* The summary's STATUS column: "not started", "running", "unknown"... */
const char *verdict_summary_word(const struct peer *, char *buf, size_t len);
/* After "finished: NAME: ": "exit 0", "killed by signal 9"... */
const char *verdict_finish_words(const struct peer *, char *buf, size_t len);
/* After "--fail-fast: NAME ": "exited 1", "was lost (why)"... */
const char *verdict_blame(const struct peer *, char *buf, size_t len);
/* The results' "state": "joined", "armed", "running", "finished"... */
const char *verdict_state_word(enum verdict);
/* It has its result (FINISHD): exit_status, exit_code, signal. */
bool	verdict_ended(enum verdict);
/* Its task ran: it has start and finish times. */
bool	verdict_ran(enum verdict);
/* Its task may run: starting, running, ending (counted as running). */
bool	verdict_is_running(enum verdict);
/* It failed: --fail-fast stops there; the exit code is 2 or 3. */
bool	verdict_is_failure(enum verdict);
void	verdict_count(const struct master *, struct verdict_counts *);

/* ---- end.c: the end of a run, then of the campaign ---- */

void	end_init(struct master *);
/*
 * From session_end() only: the last report round (in the run phase), then
 * "phase done", the summary, the exit code, the results, campaign_end().
 * While the round is out a later cause takes the place of the first.
 */
void	run_end(struct master *, enum end_cause, const char *why,
	    const char *bye);
/* A slave answered its last REPORT_REQ, or will not (its connection went). */
void	end_answered(struct peer *);
/* A campaign's run after the first: its end's state afresh. */
void	end_run_begin(struct master *);
/* BYE to every slave, every connection closed, the loop broken. */
void	campaign_end(struct master *);
/*
 * The campaign's exit code so far (-1: none yet) with a run's: a local
 * error (1) first, then 5, then the most severe of 4, 3, 2, 0.
 */
int	end_campaign_code(int so_far, int run);
/* The results' outcome of an exit code: "complete", "task failed"... */
const char *end_outcome_word(int code);

/* discovery.c */
/* master_init(): nothing open. */
void	discovery_init(struct master *);
int	discovery_open(struct master *, char *err, size_t errlen);
/* The fuzz harness's own listener instead of discovery_open()'s. */
void	discovery_adopt(struct master *, int listen_fd);
void	discovery_start(struct master *);
void	discovery_resume(struct master *);
void	discovery_stop(struct master *);
/* No more connections taken (the listeners stay open until the close). */
void	discovery_stop_accepting(struct master *);
void	discovery_close(struct master *);
/*
 * A peer's key handshake failed: said once per address; a slave's (conn.h's
 * key_peer) ends discovery within a second (exit 3).
 */
void	discovery_key_mismatch(struct master *, const struct net_addr *,
	    const char *why, bool slave);

/* hosts.c */
/*
 * The host list of -H and --hosts (ranges expanded, numeric addresses
 * taken), before the loop; each fault said (log_warnx).  How many faults.
 */
int	hosts_load(struct master *, const struct opt_origin *);
/* Names without an address go to the helper (at most once a second). */
void	hosts_resolve(struct master *);
/* The listed host an address belongs to (local_port: the one it reached). */
struct host *hosts_find(const struct master *, const struct net_addr *,
	    uint16_t local_port);
/* Note the last error seen of a listed host (its address), if listed. */
void	hosts_error(struct master *, const struct net_addr *, const char *);
/* Why a listed host has not joined: its last error, or "no answer". */
const char *hosts_why(const struct host *);
/* Who is still missing, for a message: "vm3 (no answer), vm4 (...)". */
void	hosts_missing(const struct master *, FILE *, size_t most);
/* SLAVES joined with listed hosts left over: they are named (log_info). */
void	hosts_log_missing(const struct master *);
void	hosts_free(struct master *);

/* resolve.c */
#define RESOLVE_CAP_SECS	5.0	/* a round of names takes at most */
void	resolve_init(struct resolve *, struct ev_loop *, void *owner,
	    void (*one)(void *, uint32_t, int, const struct net_addr *,
	    const char *));
/* Resolve names[i] (answered as ids[i]); 0, or -1 + err (nothing asked). */
int	resolve_start(struct resolve *, const uint32_t *ids,
	    const char *const *names, uint32_t n, char *err, size_t errlen);
bool	resolve_busy(const struct resolve *);
/* The helper stopped, whatever it had left (no more answers). */
void	resolve_stop(struct resolve *);

/* away.c */
/*
 * A peer at addr was turned away for reason (detail: "it serves session
 * 7").  True the first time for that address and reason.
 */
bool	away_note(struct master *, const struct net_addr *, enum away_reason,
	    const char *detail);
const char *away_reason_name(enum away_reason);
/* "127.0.0.1: other session (it serves session 7); ..." at most most. */
void	away_list(const struct master *, FILE *, size_t most);

/* admit.c */
void	admit_init(struct master *);
/*
 * A new connection from sin: true if it is within the caps (it counts until
 * admit_leave()); false if it was turned away (told why, closed, logged).
 */
bool	admit_take(struct master *, int fd, const struct net_addr *);
void	admit_leave(struct master *, const struct net_addr *);
void	admit_free(struct master *);

/* peer.c: a slave as we hold it */
void	peer_free(struct peer *);
/* Queued; a failure comes later through its connection's error. */
void	peer_send(struct peer *, uint8_t cmd, const void *, size_t);
void	peer_send_text(struct peer *, uint8_t cmd, const char *text);
/* REPORT_REQ to a slave of ours that can still answer: true if sent. */
bool	peer_ask_report(struct peer *);
void	peer_close(struct peer *);
bool	peer_is_open(const struct peer *);
/* Past its hello (or gone): no longer counted by admit.c's caps. */
void	peer_admitted_end(struct peer *);
/* A campaign's next run: the last run's state of it goes, it is JOINED. */
void	peer_run_reset(struct peer *);
/*
 * It owes us an answer within secs (its state says which; 0: it owes
 * nothing now).  Past that it is dropped (discovery) or lost, with why.
 */
void	peer_deadline(struct peer *, double secs);
/* "synchronising clocks", "being configured": for "unexpected X while". */
const char *peer_state_name(enum peer_state);
const char *peer_kind_name(enum peer_kind);

/* dialog.c: what a slave's frames mean */
/* A new connection (it may be turned away: NULL). */
struct peer *dialog_accept(struct master *, int fd, const struct net_addr *,
	    uint16_t local_port);
/* Drop a slave for a reason: freed during discovery, marked lost later. */
void	dialog_drop(struct peer *, const char *why);

/* session.c */
/* A run after the first (campaign.c): configure the pool as it is. */
void	session_run_begin(struct master *);
void	session_joined(struct master *, struct peer *);
void	session_unjoined(struct master *, struct peer *);
void	session_stream(struct peer *);
void	session_conf_answer(struct master *, struct peer *);
void	session_peer_lost(struct master *, struct peer *);
void	session_peer_done(struct master *, struct peer *);
/* Its PREFLIGHT_ANS came (it is PEER_CHECKED), or it was lost meanwhile. */
void	session_all_joined(struct master *);
void	session_preflight_answer(struct master *, struct peer *);
/*
 * The run is over, for cause (why: "phase done: WHY" and the results'
 * reason; bye: BYE's text, NULL: why).  Stops the run's watchers, then
 * run_end().
 */
void	session_end(struct master *, enum end_cause, const char *why,
	    const char *bye);
/* Seconds a slave has for an answer that needs no transfer (EXEC_OK). */
double	session_answer_secs(const struct master *);

/* control.c */
void	control_init(struct master *);
/* The loop exists: SIGUSR1 is taken. */
void	control_start(struct master *);
/* The run ends: -t and the abort's wait stop. */
void	control_stop(struct master *);
/* A campaign's run after the first: no abort under way. */
void	control_run_begin(struct master *);
void	control_cleanup(struct master *);
/* A slave answered SIGUSR1's REPORT_REQ, or will not (it is gone). */
void	control_answered(struct peer *);
/* SIGINT or SIGTERM: abort the session; the second one exits at once. */
void	control_signal(struct master *, int signum);
/* The run phase began (T is m->start_mono_ns): -t starts counting. */
void	control_run_started(struct master *);
/*
 * Stop the session: ABORT to every slave whose task may run, wait for
 * their final FINISHD, then end the run for cause (END_ABORTED: exit 4;
 * END_FAIL_FAST: the verdicts' code).
 */
void	control_abort(struct master *, enum end_cause, const char *why);
/* A slave failed or was lost: --fail-fast aborts the session. */
void	control_peer_failed(struct master *, struct peer *);

#endif
