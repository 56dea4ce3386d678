/*
 * rawsys.h - system calls that leave errno alone.
 *
 * The task's process shares the slave's memory until its exec (task.c), and
 * with it the slave's thread-local errno: a libc wrapper failing in the task
 * (an execve of a missing file) would change errno under the slave's feet,
 * between one of its own calls and its look at errno.  These return what the
 * kernel returns, -errno on failure, and touch nothing else: no errno, no
 * sanitizer interceptor, no lock.
 *
 * RAWSYS_NATIVE is 1 where they are written here (x86-64, AArch64); elsewhere
 * rawsys() is syscall() made to return -errno, and task.c forks instead.
 */
#ifndef SYNEXEC_RAWSYS_H
#define SYNEXEC_RAWSYS_H

#include <sys/syscall.h>

#include <errno.h>
#include <unistd.h>

#if defined(__x86_64__)
#define RAWSYS_NATIVE	1
static inline long
rawsys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	/* The kernel's calling convention; it clobbers rcx and r11. */
	__asm__ volatile ("syscall"
	    : "=a" (ret)
	    : "a" (nr), "D" (a1), "S" (a2), "d" (a3), "r" (r10), "r" (r8),
	      "r" (r9)
	    : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define RAWSYS_NATIVE	1
static inline long
rawsys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	__asm__ volatile ("svc 0"
	    : "+r" (x0)
	    : "r" (x8), "r" (x1), "r" (x2), "r" (x3), "r" (x4), "r" (x5)
	    : "memory");
	return x0;
}
#else
#define RAWSYS_NATIVE	0
static inline long
rawsys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret = syscall(nr, a1, a2, a3, a4, a5, a6);

	return ret == -1 ? -errno : ret;
}
#endif

#define rawsys0(nr)		rawsys((nr), 0, 0, 0, 0, 0, 0)
#define rawsys1(nr, a)		rawsys((nr), (long)(a), 0, 0, 0, 0, 0)
#define rawsys2(nr, a, b)	rawsys((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define rawsys3(nr, a, b, c)	rawsys((nr), (long)(a), (long)(b), (long)(c), \
				    0, 0, 0)
#define rawsys4(nr, a, b, c, d)	rawsys((nr), (long)(a), (long)(b), (long)(c), \
				    (long)(d), 0, 0)

#endif
