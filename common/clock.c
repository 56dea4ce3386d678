/*
 * clock.c - precise waits.
 */
#include <errno.h>

#include "clock.h"

void
clock_sleep_until_mono(uint64_t when_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(when_ns / NSEC_PER_SEC),
		.tv_nsec = (long)(when_ns % NSEC_PER_SEC),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}
