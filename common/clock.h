/*
 * clock.h - nanosecond clocks.  Scheduling uses CLOCK_MONOTONIC; wall-clock
 * time appears only where a human or the 2014 protocol needs it.
 */
#ifndef SYNEXEC_CLOCK_H
#define SYNEXEC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000ull
#define NSEC_PER_MSEC	1000000ull
#define NSEC_PER_USEC	1000ull

static inline uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
static inline uint64_t real_ns(void) { return clock_ns(CLOCK_REALTIME); }

/* Sleep until a CLOCK_MONOTONIC instant (short waits only: see callers). */
void	clock_sleep_until_mono(uint64_t when_ns);

#endif
