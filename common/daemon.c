/*
 * daemon.c - going to the background (daemon.h), the same for the master
 * and the slave.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "place.h"

int
daemon_start(bool print_pid)
{
	pid_t	pid;
	int	fd, ready[2];
	char	ok = 0;

	fflush(NULL);
	if (pipe2(ready, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(ready[1]);
		while (read(ready[0], &ok, 1) == -1 && errno == EINTR)
			;
		if (ok != '!')
			_exit(1);
		if (print_pid) {
			printf("%ld\n", (long)pid);
			fflush(stdout);
		}
		_exit(0);
	}
	close(ready[0]);
	if (setsid() == -1)
		fatal("setsid");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return ready[1];
}

void
daemon_ready(int *fd)
{
	static const char ok = '!';

	if (*fd == -1)
		return;
	(void)!write(*fd, &ok, 1);
	close(*fd);
	*fd = -1;
}

int
daemon_pidfile_open(const char *path, char *why, size_t whylen)
{
	int fd;

	if ((fd = place_open_own(path, 0, 0644, why, whylen)) == -1)
		return -1;
	if (ftruncate(fd, 0) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
