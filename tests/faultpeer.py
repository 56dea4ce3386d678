#!/usr/bin/env python3
"""faultpeer.py - a peer from the future, for the error tests (loopback only).

  faultpeer.py master-errors --port P [--session S]
      Plays a slave that speaks frame version 2, then one that sends an
      unknown command after joining.  Each time our master must answer with
      an ERROR frame that names both versions, then close.
  faultpeer.py slave-errors --port P [--session S]
      Plays a master (TCP 127.0.0.1:P, a unicast PROBE to 127.0.0.1:P) that
      sends our slave a frame of version 2, then an unknown command after
      WELCOME.  The slave must answer each with such an ERROR, then close.

Prints "ERROR text: ..." for each ERROR received and "ok: ..." / "FAIL: ..."
per check; exits 1 if a check failed.  Every wait is bounded.  Python 3
standard library only.
"""

import argparse
import select
import socket
import struct
import sys
import time

from wire import HDR, frame, read_frames  # noqa: E402
REPLY, PROBE = 0, 1
WELCOME, ERROR = 32, 45
MAGIC = 0x53594e58

failures = 0


def check(cond, what):
    global failures
    print(('ok: %s' if cond else 'FAIL: %s') % what, flush=True)
    if not cond:
        failures += 1


def error_texts(frames):
    return [p.decode('ascii', 'replace') for cmd, p in frames if cmd == ERROR]


def expect_error(sock, what, needles):
    frames, closed = read_frames(sock, 3)
    texts = error_texts(frames)
    for t in texts:
        print('ERROR text: %s' % t, flush=True)
    check(len(texts) == 1, '%s: one ERROR frame (got %d)' % (what, len(texts)))
    for n in needles:
        check(any(n in t for t in texts), '%s: the ERROR says "%s"' % (what, n))
    check(closed, '%s: the connection is closed after the ERROR' % what)


def hello(name, ext=1):
    return struct.pack('!IHHIB', MAGIC, ext, 0, 4242, len(name)) + name


def master_errors(a):
    dst = ('127.0.0.1', a.port)
    c = socket.create_connection(dst, timeout=3)
    c.sendall(frame(a.session, REPLY, hello(b'future'), version=2))
    expect_error(c, 'frame version 2 to the master',
                 ['protocol version 2', 'protocol version 1'])
    c.close()

    # A peer from the future: extension version 2, and a command of it.
    c = socket.create_connection(dst, timeout=3)
    c.sendall(frame(a.session, REPLY, hello(b'future', ext=2)))
    frames, closed = read_frames(c, 2)
    check(any(cmd == WELCOME for cmd, _ in frames),
          'the master welcomes a good hello')
    c.sendall(frame(a.session, 99, b''))
    expect_error(c, 'unknown command 99 to the master',
                 ['unknown command 99', 'protocol version 1',
                  'extension version 1'])
    c.close()


def slave_errors(a):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', a.port))
    lsock.listen(4)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Extension version 2, as a master from the future would say.
    welcome = frame(a.session, WELCOME, struct.pack('!HHI', 2, 0, 1000))
    cases = [
        ('frame version 2 to the slave',
         frame(a.session, WELCOME, struct.pack('!HHI', 2, 0, 1000), version=2),
         ['protocol version 2', 'protocol version 1']),
        ('unknown command 77 to the slave',
         welcome + frame(a.session, 77, b''),
         ['unknown command 77', 'protocol version 1', 'extension version 1']),
    ]
    for what, data, needles in cases:
        c = None
        for _ in range(10):
            udp.sendto(frame(a.session, PROBE), ('127.0.0.1', a.port))
            r, _, _ = select.select([lsock], [], [], 0.5)
            if r:
                c, _ = lsock.accept()
                break
        check(c is not None, 'the slave connects (before %s)' % what)
        if c is None:
            continue
        frames, _ = read_frames(c, 0.5)
        check(any(cmd == REPLY for cmd, _ in frames), 'the slave says hello')
        c.sendall(data)
        expect_error(c, what, needles)
        c.close()
    lsock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['master-errors', 'slave-errors'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    a = ap.parse_args()
    if a.mode == 'master-errors':
        master_errors(a)
    else:
        slave_errors(a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
