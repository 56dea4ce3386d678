#!/usr/bin/env python3
"""badpeer.py - hand-crafted bad input for our master and slave (loopback).

  badpeer.py probe-slave --port P --session S --pid PID --name NAME
      Bad PROBE datagrams to the slave at 127.0.0.1:P must not make it
      connect; a good one must, with a well-formed hello (REPLY: magic SYNX,
      ext_version 1, flags 0, PID, NAME).
  badpeer.py poke-slave --port P --session S
      Plays a master that sends the slave bad frames after its hello; the
      slave must close each connection and come back on the next probe.
  badpeer.py poke-master --port P --session S
      Connects to the master at 127.0.0.1:P with bad first frames; each
      connection must be closed (an invalid hello gets FULL first), a silent
      one within about 5 s.

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 if any
check failed.  Every wait is bounded.  Python 3 standard library only.
"""

import argparse
import select
import socket
import struct
import sys
import time

from wire import HDR, frame, read_frames  # noqa: E402
REPLY, PROBE, CONF_OK, EXEC_NO = 0, 1, 3, 7
WELCOME, FULL, PING, CONF_DATA, START, ERROR = 32, 33, 34, 37, 38, 45
MAGIC = 0x53594e58

failures = 0


def check(cond, what):
    global failures
    if cond:
        print('ok: %s' % what, flush=True)
    else:
        failures += 1
        print('FAIL: %s' % what, flush=True)


def read_one(sock, secs):
    """The first frame within secs, or None."""
    end = time.monotonic() + secs
    buf = b''
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], max(end - time.monotonic(), 0))
        if not r:
            continue
        data = sock.recv(65536)
        if not data:
            return None
        buf += data
        if len(buf) >= HDR.size:
            v, s, cmd, n = HDR.unpack_from(buf)
            if len(buf) >= HDR.size + n:
                return v, s, cmd, buf[HDR.size:HDR.size + n]
    return None


def accept_within(lsock, secs):
    r, _, _ = select.select([lsock], [], [], secs)
    if not r:
        return None
    c, _ = lsock.accept()
    return c


def listener(port):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', port))
    lsock.listen(16)
    return lsock


def probe_slave(a):
    lsock = listener(a.port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = ('127.0.0.1', a.port)
    good = frame(a.session, PROBE)
    bad = {
        'a 12-byte probe (one trailing byte)': good + b'\0',
        'a 2000-byte probe': good + b'\0' * 1989,
        'a 10-byte probe': good[:10],
        'a probe of version 2': frame(a.session, PROBE, version=2),
        'a probe of another session': frame(a.session ^ 1, PROBE),
        'a REPLY datagram': frame(a.session, REPLY),
        'a probe announcing 1 payload byte': frame(a.session, PROBE, datalen=1),
        'an empty datagram': b'',
    }
    for what, data in bad.items():
        udp.sendto(data, dst)
        c = accept_within(lsock, 0.3)
        check(c is None, 'slave ignores %s' % what)
        if c:
            c.close()
    udp.sendto(good, dst)
    c = accept_within(lsock, 3)
    check(c is not None, 'slave connects on a good probe')
    if c is None:
        return
    f = read_one(c, 3)
    check(f is not None, 'slave sends a hello')
    if f is None:
        return
    v, s, cmd, p = f
    check((v, s, cmd) == (1, a.session, REPLY),
          'hello header: version 1, session %d, REPLY (got %d %d %d)'
          % (a.session, v, s, cmd))
    ok = len(p) >= 13
    check(ok, 'hello payload of %d bytes (>= 13)' % len(p))
    if not ok:
        return
    magic, extv, flags, pid, nlen = struct.unpack_from('!IHHIB', p)
    name = p[13:].decode('latin-1')
    check(magic == MAGIC, 'hello magic 0x%08x' % magic)
    check(extv == 1 and flags == 0, 'hello ext_version %d flags %d' % (extv, flags))
    check(pid == a.pid, 'hello pid %d (slave pid %d)' % (pid, a.pid))
    check(nlen == len(name) == len(p) - 13 and name == a.name,
          'hello name %r (len %d), expected %r' % (name, nlen, a.name))
    c.close()


def poke_slave(a):
    lsock = listener(a.port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = ('127.0.0.1', a.port)
    welcome = frame(a.session, WELCOME, struct.pack('!HHI', 1, 0, 0))
    cases = [
        ('an unknown command 99', frame(a.session, 99)),
        ('a frame of version 2', frame(a.session, PING, b'\0' * 8, version=2)),
        ('a frame of another session', frame(a.session ^ 1, PING, b'\0' * 8)),
        ('a PING of 3 bytes (must be 8)', frame(a.session, PING, b'abc')),
        ('CONF_DATA before CONF_BEGIN', frame(a.session, CONF_DATA, b'x' * 10)),
        ('a WELCOME announcing 60000 bytes', frame(a.session, WELCOME, datalen=60000)),
    ]
    for what, data in cases:
        udp.sendto(frame(a.session, PROBE), dst)
        c = accept_within(lsock, 3)
        if c is None:
            # It may still be backing off from the previous case: once more.
            udp.sendto(frame(a.session, PROBE), dst)
            c = accept_within(lsock, 3)
        check(c is not None, 'slave connects (before %s)' % what)
        if c is None:
            continue
        f = read_one(c, 3)
        check(f is not None and f[2] == REPLY, 'slave says hello')
        c.sendall(welcome + data)
        frames, closed = read_frames(c, 2)
        check(closed, 'slave closes the connection after %s' % what)
        cmds = [cmd for cmd, _ in frames]
        check(all(cmd in (ERROR, REPLY) for cmd in cmds),
              'slave sends nothing but ERROR before closing (got %s)' % cmds)
        c.close()
    # START before any configuration: refused, connection kept.
    udp.sendto(frame(a.session, PROBE), dst)
    c = accept_within(lsock, 3)
    check(c is not None, 'slave connects (before START)')
    if c is not None:
        read_one(c, 3)
        c.sendall(welcome + frame(a.session, START, struct.pack('!Q', 1)))
        frames, closed = read_frames(c, 1)
        cmds = [cmd for cmd, _ in frames]
        check(EXEC_NO in cmds or closed,
              'slave answers START before configuration with EXEC_NO or closes (got %s, closed %s)'
              % (cmds, closed))
        c.close()


def poke_master(a):
    dst = ('127.0.0.1', a.port)
    silent = socket.create_connection(dst, timeout=3)
    t_silent = time.monotonic()
    hello_ok = struct.pack('!IHHIB', MAGIC, 1, 0, 4242, 5) + b'ghost'
    cases = [
        ('a frame of version 2', frame(a.session, REPLY, version=2), False),
        ('a frame of another session', frame(a.session ^ 1, REPLY), False),
        ('an unknown command 99', frame(a.session, 99), False),
        ('CONF_OK as the first frame', frame(a.session, CONF_OK), False),
        ('a REPLY announcing 2000 bytes (bound 1024), payload never sent',
         frame(a.session, REPLY, datalen=2000), False),
        ('a REPLY with 8 bytes of garbage', frame(a.session, REPLY, b'garbage!'), True),
        ('a hello whose name starts with a dot',
         frame(a.session, REPLY, hello_ok[:12] + bytes([4]) + b'.bad'), True),
        ('a hello whose name_len says 10, 5 bytes follow',
         frame(a.session, REPLY, hello_ok[:12] + bytes([10]) + b'ghost'), True),
        ('a hello with magic 0', frame(a.session, REPLY,
                                       b'\0\0\0\0' + hello_ok[4:]), True),
        ('a hello with a NUL in the name', frame(
            a.session, REPLY, hello_ok[:12] + bytes([5]) + b'gh\0st'), True),
    ]
    for what, data, want_full in cases:
        c = socket.create_connection(dst, timeout=3)
        c.sendall(data)
        frames, closed = read_frames(c, 2)
        check(closed, 'master closes the connection after %s' % what)
        cmds = [cmd for cmd, _ in frames]
        if want_full:
            fulls = [p for cmd, p in frames if cmd == FULL]
            check(fulls and all(cmd in (FULL, PROBE, ERROR) for cmd in cmds),
                  'master answers FULL with a reason (got %s %s)'
                  % (cmds, [p[:60] for p in fulls]))
        else:
            check(all(cmd in (ERROR, FULL, PROBE) for cmd in cmds),
                  'master sends no session frame (got %s)' % cmds)
        c.close()
    # A partial header, then we go away.
    c = socket.create_connection(dst, timeout=3)
    c.sendall(frame(a.session, REPLY)[:5])
    c.close()
    frames, closed = read_frames(silent, max(8 - (time.monotonic() - t_silent), 0))
    waited = time.monotonic() - t_silent
    check(closed and waited >= 3,
          'master drops a silent connection after about 5 s (closed %s after %.1f s)'
          % (closed, waited))
    silent.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['probe-slave', 'poke-slave', 'poke-master'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    ap.add_argument('--pid', type=int, default=0)
    ap.add_argument('--name', default='')
    a = ap.parse_args()
    {'probe-slave': probe_slave, 'poke-slave': poke_slave,
     'poke-master': poke_master}[a.mode](a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
