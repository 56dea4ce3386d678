/*
 * idle.c - the footprint floor: a process linked with the same libraries as
 * synexec's master and slave (libev, libconfuse, libsodium, libc, libm) that
 * creates an event loop and waits for SIGTERM.  Its anonymous RSS is what
 * those libraries and an empty loop cost before synexec adds anything.
 *
 *   idle		runs until SIGTERM or SIGINT, then exits 0
 */
#include <ev.h>
#include <confuse.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>

static void
idle_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
	/* Keep every library a real dependency, as in synexec's binaries. */
	static void *volatile keep[] = { (void *)cfg_init, (void *)sqrt };
	struct ev_loop	*loop;
	ev_signal	 term, intr;

	(void)argc;
	(void)argv;
	(void)keep;
	(void)sodium_version_string();
	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		fprintf(stderr, "idle: no event loop\n");
		return 1;
	}
	ev_signal_init(&term, idle_stop_cb, SIGTERM);
	ev_signal_init(&intr, idle_stop_cb, SIGINT);
	ev_signal_start(loop, &term);
	ev_signal_start(loop, &intr);
	ev_run(loop, 0);
	ev_loop_destroy(loop);
	return 0;
}
