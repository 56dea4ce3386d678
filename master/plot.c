/*
 * plot.c - --plot FILE: at the end of the session (of the campaign, when
 * it has several runs) the master runs synexec_plot on its results file
 * and says where the picture is, or why there is none.
 *
 * Without -r the results go to a private file of their own for the plot
 * (results.json in a directory made by mkdtemp(3) in $TMPDIR or /tmp,
 * mode 0700), removed after the plot.
 *
 * synexec_plot is the first of: $SYNEXEC_PLOT; synexec_plot next to the
 * master's own binary (an installed master: PREFIX/bin); tools/synexec_plot
 * next to it (a master run from the source tree); the path compiled in,
 * BINDIR/synexec_plot of `make install`.  It runs with the master's
 * environment, its output read back (at most PLOT_SAY_MAX bytes of it
 * kept) and said on the master's stdout or stderr (the log with -d), for
 * PLOT_TIMEOUT_SECS at most.  SIGINT, SIGTERM or SIGHUP meanwhile stop it.
 * Nothing about the plot changes the master's exit code: a plot that
 * cannot be drawn (no matplotlib, no synexec_plot, a file that cannot be
 * written) is said, never a failure of the session.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master.h"

#ifndef SYNEXEC_PLOT_PATH
#define SYNEXEC_PLOT_PATH	"/usr/local/bin/synexec_plot"
#endif

#define PLOT_TIMEOUT_SECS	600	/* synexec_plot's time, at most */
#define PLOT_SAY_MAX		4096	/* bytes of its output kept */

/* The file name's ending says the format: 0, or -1 (then said in err). */
int
plot_name_ok(const char *path, char *err, size_t errlen)
{
	const char	*dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot != NULL && (slash == NULL || dot > slash + 1) &&
	    (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".svg") == 0 ||
	    strcasecmp(dot, ".pdf") == 0))
		return 0;
	snprintf(err, errlen, "the name must end in .png, .svg or .pdf (the "
	    "format of the picture)");
	return -1;
}

/* An executable regular file. */
static bool
plot_runnable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* synexec_plot, as the top of this file says; NULL if none (tried in err). */
static char *
plot_find(char *tried, size_t triedlen)
{
	char		 exe[PATH_MAX], cand[PATH_MAX + 32], *dir;
	const char	*env = getenv("SYNEXEC_PLOT");
	ssize_t		 n;
	size_t		 used = 0;
	int		 i;

	tried[0] = '\0';
	if (env != NULL && env[0] != '\0') {
		if (plot_runnable(env))
			return strdup(env);
		snprintf(tried, triedlen, "%s (SYNEXEC_PLOT)", env);
		return NULL;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		dir = dirname(exe);
		for (i = 0; i < 2; i++) {
			snprintf(cand, sizeof(cand), "%s/%ssynexec_plot", dir,
			    i == 0 ? "" : "tools/");
			if (plot_runnable(cand))
				return strdup(cand);
			used += (size_t)snprintf(tried + used, used < triedlen ?
			    triedlen - used : 0, "%s, ", cand);
		}
	}
	if (plot_runnable(SYNEXEC_PLOT_PATH))
		return strdup(SYNEXEC_PLOT_PATH);
	if (used < triedlen)
		snprintf(tried + used, triedlen - used, "%s", SYNEXEC_PLOT_PATH);
	return NULL;
}

int
plot_prepare(struct master *m, char *err, size_t errlen)
{
	const char	*path = m->opts->plot_file, *tmp;
	char		 cwd[PATH_MAX], tried[3 * PATH_MAX];

	if (path == NULL)
		return 0;
	if (plot_name_ok(path, err, errlen) == -1) {
		char why[128];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "--plot %s: %s", path, why);
		return -1;
	}
	/* Absolute: -d's chdir("/") must not move it. */
	if (path[0] == '/')
		m->v.plot_path = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&m->v.plot_path, "%s/%s", cwd, path) == -1)
		m->v.plot_path = NULL;
	if (m->v.plot_path == NULL) {
		snprintf(err, errlen, "--plot %s: %s", path, strerror(errno));
		return -1;
	}
	if ((m->v.plot_tool = plot_find(tried, sizeof(tried))) == NULL)
		summary_err(m, "--plot %s: synexec_plot not found (looked for "
		    "%s): the session runs, without a plot", path, tried);
	if (m->opts->results_file != NULL)
		return 0;
	/* No -r: the results in a private file, for the plot only. */
	if ((tmp = getenv("TMPDIR")) == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (asprintf(&m->v.plot_dir, "%s/synexec_master.XXXXXX", tmp) == -1) {
		m->v.plot_dir = NULL;
		snprintf(err, errlen, "--plot %s: out of memory", path);
		return -1;
	}
	if (mkdtemp(m->v.plot_dir) == NULL) {
		snprintf(err, errlen, "--plot %s: cannot make a directory for "
		    "the results it draws (no -r) in %s: %s", path, tmp,
		    strerror(errno));
		free(m->v.plot_dir);
		m->v.plot_dir = NULL;
		return -1;
	}
	if (asprintf(&m->v.plot_results, "%s/results.json", m->v.plot_dir) ==
	    -1) {
		m->v.plot_results = NULL;
		snprintf(err, errlen, "--plot %s: out of memory", path);
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t plot_stop;

static void
plot_signal(int signum)
{
	plot_stop = signum;
}

/* Its output, line by line: what it said (failed: as why there is none). */
static void
plot_say(struct master *m, char *out, bool failed)
{
	char *line, *save = NULL;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (failed)
			summary_err(m, "no plot: %s", line);
		else
			log_debug("%s", line);
	}
}

/*
 * Run tool RESULTS -o FILE; its output into out (NUL-terminated).  The
 * exit status as waitpid() gives it, or -1 if it could not be run or was
 * stopped (why in out).
 */
static int
plot_run(const char *tool, const char *results, const char *file,
    char *out, size_t outlen)
{
	struct sigaction sa, old[3];
	struct pollfd	 pfd;
	char		 buf[4096];
	size_t		 used = 0;
	bool		 stopped = false;
	uint64_t	 end = mono_ns() + PLOT_TIMEOUT_SECS * NSEC_PER_SEC, now;
	ssize_t		 n;
	pid_t		 pid;
	int		 fds[2], status = -1, devnull, rc, i;
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(out, outlen, "cannot run %s: %s", tool,
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(out, outlen, "cannot run %s: %s", tool,
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* A group of its own: stopped, it goes with what it started. */
		(void)setpgid(0, 0);
		for (i = 0; i < 3; i++)
			signal(sigs[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGXFSZ, SIG_DFL);
		if ((devnull = open("/dev/null", O_RDONLY)) != -1)
			(void)dup2(devnull, 0);
		(void)dup2(fds[1], 1);
		(void)dup2(fds[1], 2);
		execl(tool, tool, results, "-o", file, (char *)NULL);
		dprintf(2, "cannot run %s: %s%s\n", tool, strerror(errno),
		    errno == ENOENT ? " (it needs /usr/bin/python3: "
		    "apt-get install python3 python3-matplotlib)" : "");
		_exit(127);
	}
	close(fds[1]);
	/* A signal now stops the plot, not the master. */
	plot_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = plot_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		now = mono_ns();
		if (plot_stop != 0 || now >= end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			if (plot_stop != 0)
				snprintf(out, outlen, "synexec_plot stopped by "
				    "signal %d", (int)plot_stop);
			else
				snprintf(out, outlen, "synexec_plot did not "
				    "finish within %d s", PLOT_TIMEOUT_SECS);
			stopped = true;
			break;
		}
		rc = poll(&pfd, 1, (int)((end - now) / NSEC_PER_MSEC) + 1);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;
		if ((n = read(fds[0], buf, sizeof(buf))) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;		/* its end of the pipe is closed */
		}
		if (used + 1 < outlen) {
			size_t k = (size_t)n < outlen - 1 - used ? (size_t)n :
			    outlen - 1 - used;

			memcpy(out + used, buf, k);
			used += k;
			out[used] = '\0';
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return stopped ? -1 : status;
}

void
plot_draw(struct master *m)
{
	const char	*shown = m->opts->plot_file;
	const char	*results = m->v.res_abs;
	const char	*what = m->campaign.multi ? "campaign" : "session";
	char		 out[PLOT_SAY_MAX];
	int		 st;

	if (shown == NULL || m->v.plot_path == NULL)
		return;
	if (m->v.plot_tool == NULL) {
		summary_err(m, "no plot: synexec_plot not found (make install "
		    "puts it beside synexec_master; Debian: the synexec-master "
		    "package; or set SYNEXEC_PLOT to its path)");
		return;
	}
	if (!m->v.res_written || results == NULL) {
		summary_err(m, "no plot: the results file was not written");
		return;
	}
	log_debug("drawing the %s: %s %s -o %s", what, m->v.plot_tool,
	    results, m->v.plot_path);
	st = plot_run(m->v.plot_tool, results, m->v.plot_path, out,
	    sizeof(out));
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		plot_say(m, out, false);
		summary_out(m, "plot of the %s: %s", what, shown);
		return;
	}
	if (out[0] != '\0')
		plot_say(m, out, true);
	if (st != -1 && WIFEXITED(st))
		summary_err(m, "no plot: synexec_plot exited %d (the %s's exit "
		    "code is not changed)", WEXITSTATUS(st), what);
	else if (st != -1 && WIFSIGNALED(st))
		summary_err(m, "no plot: synexec_plot was killed by signal %d "
		    "(the %s's exit code is not changed)", WTERMSIG(st), what);
}

void
plot_cleanup(struct master *m)
{
	if (m->v.plot_results != NULL)
		(void)unlink(m->v.plot_results);
	if (m->v.plot_dir != NULL)
		(void)rmdir(m->v.plot_dir);
	free(m->v.plot_results);
	free(m->v.plot_dir);
	free(m->v.plot_path);
	free(m->v.plot_tool);
	m->v.plot_results = m->v.plot_dir = NULL;
	m->v.plot_path = m->v.plot_tool = NULL;
}
