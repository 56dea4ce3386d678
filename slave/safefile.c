/*
 * safefile.c - the task's output files (-o, -e), opened so that nobody else
 * can read them or make us write elsewhere, and never shared with another
 * slave.
 *
 * The default output is /tmp/synexec.NAME.out, in a directory everyone may
 * write to, and the 2014 slave opened its /tmp/synexec.out blindly.  Here: a
 * symlink is never followed (O_NOFOLLOW), a FIFO cannot block us
 * (O_NONBLOCK), a file someone else owns or that has other names (hard
 * links) is refused before a byte of it changes, a missing one is created
 * with O_EXCL, and what we keep is mode 0600 whatever mode it had: the
 * task's output is for the slave's user and the master only.
 *
 * Once open, a file is only ever reached through its descriptor (task.c
 * hands it to the task, output.c reads it through /proc/self/fd): its name
 * may be changed meanwhile by the --run-as user, who owns it.
 *
 * The default name in /tmp can be taken by anybody before us, and in a
 * sticky directory we cannot remove what another user made: refusing it
 * would let him block every session of this slave.  So for a default
 * (fallback_ok) a name held by someone else is left alone and the output
 * goes to a file made afresh next to it, under a name nobody can guess
 * (mkostemp).
 *
 * Never shared.  Two slaves on one host given the same file (one -o for
 * both, or one name with the default) wrote over each other's output, and
 * each credited the other's to itself.  So a slave claims its files when it
 * starts (and when SIGHUP changes them), and holds the claim for as long as
 * it uses them: an open file description lock (F_OFD_SETLK) on one byte
 * far beyond any output (SAFEFILE_LOCK_AT), which the kernel drops when the
 * slave's process goes, however it goes.  A second slave finds the lock and
 * refuses to start, naming the first: it also holds the byte at
 * SAFEFILE_LOCK_PID + its pid, which F_OFD_GETLK shows (an OFD lock has no
 * owner pid of its own).  No guess: the lock is there exactly while a
 * slave holds the file.  The locks are advisory and beyond the end of any
 * file: a task never meets them unless it locks all of its output file
 * itself.  The claim is a description of the slave's own, never the one
 * the task writes through, so that nothing the task leaves behind holds it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "place.h"
#include "safefile.h"

#define SAFEFILE_LOCK_AT	((off_t)1 << 40)	/* the claim: 1 byte */
#define SAFEFILE_LOCK_PID	(SAFEFILE_LOCK_AT + 1)	/* + the holder's pid */
#define SAFEFILE_PID_SPAN	((off_t)1 << 22)	/* pid_max at most */

/* What an attempt is for. */
enum safefile_mode {
	SAFEFILE_PROBE,		/* look: nothing made or changed */
	SAFEFILE_HOLD,		/* if it exists: the task's user's, 0600 */
	SAFEFILE_CLAIM,		/* the same, made if missing */
};

/* What became of an attempt: the name may be held by somebody else. */
enum safefile_verdict {
	SAFEFILE_OPEN,		/* *fdp is ours (PROBE: -1 if it is missing
				   and may be made) */
	SAFEFILE_TAKEN,		/* the name holds what we must not use */
	SAFEFILE_FAILED,	/* anything else (the directory, the disk) */
};

void
safefile_init(struct safefile *sf, const char *what)
{
	memset(sf, 0, sizeof(*sf));
	sf->what = what;
	sf->lock_fd = -1;
	sf->used = sf->path;
}

/* A file we created, or one checked to be ours: the task's, 0600. */
static int
safefile_settle(int fd, const char *path, const struct task_runas *ra,
    bool empty, char *why, size_t whylen)
{
	/* The task runs as the --run-as user: the file must be its own. */
	if (ra != NULL && fchown(fd, ra->uid, ra->gid) == -1) {
		snprintf(why, whylen, "%s: chown to %s: %s", path, ra->user,
		    strerror(errno));
		return -1;
	}
	/* An older file may have had a looser mode: not any more. */
	if (fchmod(fd, 0600) == -1 || (empty && ftruncate(fd, 0) == -1)) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Why open() failed on path (saved: its errno), and whose it is. */
static enum safefile_verdict
safefile_open_failed(const char *path, int saved, char *why, size_t whylen)
{
	struct stat st;

	if (saved == ELOOP)
		snprintf(why, whylen, "%s is a symbolic link: refused (never "
		    "followed; remove it)", path);
	else if (saved == ENXIO)
		snprintf(why, whylen, "%s: not a regular file (a FIFO or "
		    "socket): refused", path);
	else if ((saved == EACCES || saved == EPERM) &&
	    lstat(path, &st) == 0 && st.st_uid != geteuid())
		/* Another's file (in sticky /tmp: protected_regular). */
		snprintf(why, whylen, "%s: %s (owned by uid %ld)", path,
		    strerror(saved), (long)st.st_uid);
	else {
		snprintf(why, whylen, "%s: %s", path, strerror(saved));
		/* A directory there is somebody's too. */
		return saved == EISDIR ? SAFEFILE_TAKEN : SAFEFILE_FAILED;
	}
	return SAFEFILE_TAKEN;
}

static enum safefile_verdict
safefile_try(const char *path, const struct task_runas *ra,
    enum safefile_mode mode, int *fdp, char *why, size_t whylen)
{
	struct stat		st;
	enum safefile_verdict	v = SAFEFILE_TAKEN;
	int			fd, flags, tries;

	*fdp = -1;
	/*
	 * An existing file without O_CREAT: with fs.protected_regular, an
	 * O_CREAT open of a file another user owns in sticky /tmp is refused,
	 * even to root, and the --run-as user owns the one of the last session.
	 */
	for (tries = 0; tries < 3; tries++) {
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
		if (fd != -1 || errno != ENOENT)
			break;
		if (mode == SAFEFILE_PROBE) {
			/* Missing: may it be made there? */
			if (place_check(path, PLACE_FILE, why, whylen) == -1)
				return SAFEFILE_FAILED;
			return SAFEFILE_OPEN;
		}
		if (mode == SAFEFILE_HOLD)
			return SAFEFILE_OPEN;	/* missing: made by a session */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;	/* EEXIST: made meanwhile; look again */
	}
	if (fd == -1)
		return safefile_open_failed(path, errno, why, whylen);
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		v = SAFEFILE_FAILED;
		goto fail;
	}
	/* -o /dev/null is fine: only root makes devices. */
	if (S_ISCHR(st.st_mode))
		goto ok;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file: refused", path);
		goto fail;
	}
	if (st.st_uid != geteuid() && (ra == NULL || st.st_uid != ra->uid)) {
		snprintf(why, whylen, "%s is owned by uid %ld, not by this "
		    "slave: refused (another user could read the output; remove "
		    "it)", path, (long)st.st_uid);
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(why, whylen, "%s has %ld hard links: refused (it may "
		    "be another file's name; remove it)", path,
		    (long)st.st_nlink);
		goto fail;
	}
	if (mode != SAFEFILE_PROBE && safefile_settle(fd, path, ra, false,
	    why, whylen) == -1) {
		v = SAFEFILE_FAILED;
		goto fail;
	}
ok:
	if ((flags = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	*fdp = fd;
	return SAFEFILE_OPEN;
fail:
	close(fd);
	return v;
}

/* F_OFD_SETLK or F_OFD_GETLK of type on [start, start + len). */
static int
safefile_lockop(int fd, int cmd, struct flock *fl, off_t start, off_t len)
{
	memset(fl, 0, sizeof(*fl));	/* l_pid must be 0 for OFD locks */
	fl->l_type = F_WRLCK;
	fl->l_whence = SEEK_SET;
	fl->l_start = start;
	fl->l_len = len;
	return fcntl(fd, cmd, fl);
}

/*
 * Who else holds fd's file: 0 nobody (or this very process, through
 * another description), its pid, or -1 for a holder whose pid is not shown.
 */
static pid_t
safefile_holder(int fd)
{
	struct flock	fl;
	pid_t		pid;

	if (safefile_lockop(fd, F_OFD_GETLK, &fl, SAFEFILE_LOCK_AT, 1) == -1 ||
	    fl.l_type == F_UNLCK)
		return 0;
	if (safefile_lockop(fd, F_OFD_GETLK, &fl, SAFEFILE_LOCK_PID,
	    SAFEFILE_PID_SPAN) == -1 || fl.l_type == F_UNLCK)
		return -1;
	pid = (pid_t)(fl.l_start - SAFEFILE_LOCK_PID);
	return pid == getpid() ? 0 : pid;
}

/* "pid 1234: synexec_slave -N a -o /tmp/x.out", from /proc. */
static void
safefile_who(pid_t pid, char *buf, size_t len)
{
	char	path[64], cmd[201];
	ssize_t	n = -1, i;
	int	fd;

	if (pid <= 0) {
		snprintf(buf, len, "its pid is not shown");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
	}
	while (n > 0 && cmd[n - 1] == '\0')
		n--;
	if (n <= 0) {
		snprintf(buf, len, "pid %ld", (long)pid);
		return;
	}
	for (i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	snprintf(buf, len, "pid %ld: %s%s", (long)pid, cmd,
	    n == (ssize_t)sizeof(cmd) - 1 ? " ..." : "");
}

/* Another slave holds path: say who, and what to do. */
static void
safefile_in_use(const char *path, const char *what, bool dflt, pid_t holder,
    char *why, size_t whylen)
{
	char who[256];

	safefile_who(holder, who, sizeof(who));
	snprintf(why, whylen, "%.300s: in use by another running slave "
	    "(%s): give each slave its own %s%s", path, who,
	    dflt ? "name (-N) or " : "", what);
}

/* Lock fd's file for this slave: 0, or -1 with the reason. */
static int
safefile_lock(struct safefile *sf, int fd, char *why, size_t whylen)
{
	struct flock	fl;
	pid_t		holder;

	if (safefile_lockop(fd, F_OFD_SETLK, &fl, SAFEFILE_LOCK_PID +
	    getpid(), 1) == 0 &&
	    safefile_lockop(fd, F_OFD_SETLK, &fl, SAFEFILE_LOCK_AT, 1) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES) {
		snprintf(why, whylen, "%.300s: cannot lock it: %s", sf->used,
		    strerror(errno));
		return -1;
	}
	/* A lock of ours through another description: -o and -e are one. */
	if ((holder = safefile_holder(fd)) == 0) {
		snprintf(why, whylen, "%.300s: already this slave's other "
		    "output file: give %s a file of its own (or use "
		    "--merge-stderr)", sf->used, sf->what);
		return -1;
	}
	safefile_in_use(sf->used, sf->what, sf->fallback_ok, holder, why,
	    whylen);
	return -1;
}

/* Hold the claim on fd (ours, checked): locked, kept; closed on failure. */
static int
safefile_hold(struct safefile *sf, int fd, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%.300s: %s", sf->used, strerror(errno));
		close(fd);
		return -1;
	}
	safefile_release(sf);
	if (S_ISCHR(st.st_mode)) {
		/* /dev/null: written by anyone, shared by nature. */
		sf->device = true;
		close(fd);
		return 0;
	}
	if (safefile_lock(sf, fd, why, whylen) == -1) {
		close(fd);
		return -1;
	}
	sf->lock_fd = fd;
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	return 0;
}

void
safefile_release(struct safefile *sf)
{
	if (sf->lock_fd != -1) {
		close(sf->lock_fd);
		sf->lock_fd = -1;
	}
	sf->device = false;
}

void
safefile_set(struct safefile *sf, const char *path, bool fallback_ok)
{
	/* The file made in place of a taken default serves while -o stays. */
	if (strcmp(path, sf->path) != 0 || fallback_ok != sf->fallback_ok) {
		sf->fallback[0] = '\0';
		safefile_release(sf);
	}
	snprintf(sf->path, sizeof(sf->path), "%s", path);
	sf->fallback_ok = fallback_ok;
	sf->used = sf->path;
}

/*
 * The default is another user's: a file of ours beside it, the one made
 * for an earlier claim if it is still ours, else a new one under a name
 * nobody can guess.  Its descriptor, or -1 with the reason.
 */
static int
safefile_fall_back(struct safefile *sf, const struct task_runas *ra,
    const char *taken, char *why, size_t whylen)
{
	char			tmpl[PATH_MAX], old[512];
	enum safefile_verdict	v;
	int			fd = -1, n;

	if (sf->fallback[0] != '\0') {
		v = safefile_try(sf->fallback, ra, SAFEFILE_CLAIM, &fd, old,
		    sizeof(old));
		if (v == SAFEFILE_OPEN)
			goto out;
		log_warnx("%s", old);
	}
	n = snprintf(tmpl, sizeof(tmpl), "%s.XXXXXX", sf->path);
	if (n < 0 || (size_t)n >= sizeof(tmpl) ||
	    (size_t)n >= sizeof(sf->fallback)) {
		snprintf(why, whylen, "%s", taken);
		return -1;
	}
	/* O_CREAT|O_EXCL, mode 0600: a new file, never a planted one. */
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "%s; and %s: %s", taken, tmpl,
		    strerror(errno));
		return -1;
	}
	if (safefile_settle(fd, tmpl, ra, false, why, whylen) == -1) {
		(void)unlink(tmpl);
		close(fd);
		return -1;
	}
	snprintf(sf->fallback, sizeof(sf->fallback), "%s", tmpl);
out:
	log_warnx("%s; the task's %s goes to %s instead", taken,
	    strcmp(sf->what, "-e") == 0 ? "stderr" : "output", sf->fallback);
	sf->used = sf->fallback;
	return fd;
}

int
safefile_claim(struct safefile *sf, const struct task_runas *ra, bool make,
    char *why, size_t whylen)
{
	enum safefile_verdict	v;
	char			taken[512];
	int			fd;

	safefile_release(sf);
	sf->used = sf->path;
	v = safefile_try(sf->path, ra, make ? SAFEFILE_CLAIM : SAFEFILE_HOLD,
	    &fd, taken, sizeof(taken));
	if (v == SAFEFILE_FAILED || (v == SAFEFILE_TAKEN && !sf->fallback_ok)) {
		snprintf(why, whylen, "%s", taken);
		return -1;
	}
	/* Not there yet: the first session makes and claims it. */
	if (v == SAFEFILE_OPEN && fd == -1)
		return 0;
	/* A default another user took: ours beside it, made when needed. */
	if (v == SAFEFILE_TAKEN && !make && sf->fallback[0] == '\0')
		return 0;
	if (v == SAFEFILE_TAKEN &&
	    (fd = safefile_fall_back(sf, ra, taken, why, whylen)) == -1)
		return -1;
	return safefile_hold(sf, fd, why, whylen);
}

/*
 * fd's file replaced the one claimed (removed, renamed by the task's user):
 * claim it instead, through a description of our own (the task gets fd's).
 */
static int
safefile_reclaim(struct safefile *sf, int fd, char *why, size_t whylen)
{
	struct stat	a, b;
	char		proc[64];
	int		lfd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	lfd = open(proc, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (lfd == -1 && errno == ENOENT)
		lfd = open(sf->used, O_WRONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC);
	if (lfd == -1) {
		snprintf(why, whylen, "%.300s: %s", sf->used, strerror(errno));
		return -1;
	}
	if (fstat(lfd, &a) == -1 || fstat(fd, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(why, whylen, "%.300s: replaced while it was opened",
		    sf->used);
		close(lfd);
		return -1;
	}
	log_info("%s %s was replaced since this slave claimed it: claiming "
	    "the new file", sf->what, sf->used);
	return safefile_hold(sf, lfd, why, whylen);
}

int
safefile_open(struct safefile *sf, const struct task_runas *ra, char *why,
    size_t whylen)
{
	enum safefile_verdict	v;
	struct stat		st;
	char			taken[512];
	int			fd;

	if (sf->lock_fd == -1 && !sf->device &&
	    safefile_claim(sf, ra, true, why, whylen) == -1)
		return -1;
	v = safefile_try(sf->used, ra, SAFEFILE_CLAIM, &fd, taken,
	    sizeof(taken));
	if (v == SAFEFILE_TAKEN && sf->fallback_ok && sf->used == sf->path) {
		/* Another user took the default meanwhile: fall back. */
		if (safefile_claim(sf, ra, true, why, whylen) == -1)
			return -1;
		v = safefile_try(sf->used, ra, SAFEFILE_CLAIM, &fd, taken,
		    sizeof(taken));
	}
	if (v != SAFEFILE_OPEN) {
		snprintf(why, whylen, "%s", taken);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%.300s: %s", sf->used, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && (sf->lock_fd == -1 ||
	    st.st_dev != sf->dev || st.st_ino != sf->ino) &&
	    safefile_reclaim(sf, fd, why, whylen) == -1) {
		close(fd);
		return -1;
	}
	/* Claimed: only now may it be emptied. */
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0) == -1) {
		snprintf(why, whylen, "%.300s: %s", sf->used, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
safefile_check(const char *what, const char *path, bool fallback_ok,
    const struct task_runas *ra, char *why, size_t whylen)
{
	enum safefile_verdict	v;
	struct stat		st;
	pid_t			holder;
	int			fd;

	/*
	 * The operator's own choice, as a start would find it ("is a
	 * directory: name a file"); a default others may have taken has its
	 * fallback.
	 */
	if (!fallback_ok && place_check(path, PLACE_FILE, why, whylen) == -1)
		return -1;
	v = safefile_try(path, ra, SAFEFILE_PROBE, &fd, why, whylen);
	/* A default another user holds: a file of ours beside it serves. */
	if (v == SAFEFILE_TAKEN && fallback_ok)
		return 0;
	if (v != SAFEFILE_OPEN)
		return -1;
	if (fd == -1)
		return 0;	/* missing, and may be made */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (holder = safefile_holder(fd)) != 0) {
		safefile_in_use(path, what, fallback_ok, holder, why, whylen);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
