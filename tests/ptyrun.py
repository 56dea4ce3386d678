#!/usr/bin/env python3
"""ptyrun - run a command with a new pseudo-terminal as its controlling
terminal, as if typed in an interactive shell, and keep what the terminal
shows.

    ptyrun.py --out FILE --pidfile FILE --timeout SECS -- COMMAND [ARGS...]

The command leads a new session whose controlling terminal is the pty's
slave side, with stdin, stdout and stderr on it.  Everything that appears
on the terminal (the command's output, and the echo of any input, typed or
pushed with TIOCSTI) is copied to --out as it comes.  Exits with the
command's exit status (128 + N for signal N) once it has exited and the
terminal is drained, or 124 after --timeout seconds (the command is killed).
"""

import argparse
import os
import pty
import select
import signal
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command")

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    with open(args.pidfile, "w") as f:
        f.write("%d\n" % pid)
    deadline = time.monotonic() + args.timeout
    status = None
    eof = False     # no process has the terminal open any more (EIO)
    with open(args.out, "wb") as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return 124
            r = []
            if not eof:
                r, _, _ = select.select([fd], [], [], min(left, 0.1))
            if r:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    data = b""
                if data:
                    out.write(data)
                    out.flush()
                    continue
                eof = True
            if status is None:
                wpid, st = os.waitpid(pid, os.WNOHANG)
                if wpid == pid:
                    status = st
                elif eof:
                    time.sleep(0.05)
            if status is not None and (eof or not r):
                break       # exited, and the terminal is drained
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
