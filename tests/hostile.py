#!/usr/bin/env python3
"""hostile.py - hostile input for tests/integration/hostile.sh (loopback).

  hostile.py udp --port P --session S [--to 127.255.255.255]
      Sends datagrams of every length 0..2048 to 127.0.0.1:P, two of each:
      random bytes, and a near-valid probe (a valid header cut short, with
      one field wrong, or with bytes after it).  None is a valid probe, so
      the slave must not connect: a TCP listener on P counts connections.
  hostile.py slave --port P --session S [--silent-secs N]
      Plays a master to a slave that listens for probes on P: for each case
      it probes, accepts the slave's connection, reads its hello and sends
      the case's bytes.  The slave must drop the connection (or, for a
      harmless out-of-phase frame, refuse it and carry on).
  hostile.py master --port P --session S
      Bad frames to the master at 127.0.0.1:P, one connection each; each
      must be closed.
  hostile.py flood --port P --count N
      N connections to the master at once: silent, garbage, half a header;
      held for a second, then closed.
  hostile.py keyed-master --port P --session S
      Frames a keyed master must refuse by their header alone, before the
      key handshake is over (a SEALED record, a REPLY, a CONF announcing
      their whole payload, which never comes): each connection must be
      closed at once, not after the 5-s handshake deadline.
  hostile.py keyflood --port P --session S --count N [--src A]
      [--oversize] [--hold SECS]
      N half-open key handshakes to a keyed master, from source address A
      (loopback): each connection reads the master's AUTH_HELLO and sends
      one back with the master's key id (public), then no proof; with
      --oversize also a SEALED header announcing 65535 bytes and 65500 of
      them.  Prints "holding N handshakes" once all are sent, then holds them
      for SECS and prints how many the master turned away (ERROR, or closed
      before its AUTH_HELLO).
  hostile.py keyed-slave --port P --session S
      Plays a master to a keyed slave: after the slave's AUTH_HELLO, frames
      it must refuse by their header (a SEALED record, a CONF announcing
      65535 bytes): it must close at once.
  hostile.py reportflood --port P --session S --pid PID [--count N]
      Plays a master to a slave (unkeyed): joins it, arms /bin/sleep 2,
      starts it at once, then sends N REPORT_REQ frames over a second.  The
      slave must answer them rate-limited (a burst of a few, then at most one
      every 100 ms), with little CPU (its /proc/PID/stat before and after),
      and still answer a REPORT_REQ after FINISHD with a fresh report
      (state finished).

One line per check ("ok: ..." / "FAIL: ..."), exit 1 if any failed.  Every
wait is bounded.  Python 3 standard library only.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time

import wire  # noqa: E402
from wire import HDR, frame  # noqa: E402
REPLY, PROBE, CONF, CONF_OK, CONF_NO, EXEC, EXEC_OK, EXEC_NO = range(8)
FINISHD = 10
WELCOME, FULL, PING, PONG, CONF_BEGIN, CONF_DATA, START = range(32, 39)
REPORT, REPORT_REQ = 39, 40
ERROR = 45
AUTH_HELLO, AUTH_PROOF, SEALED = 48, 49, 50
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
    print('%s: %s' % ('ok' if cond else 'FAIL', what), flush=True)


def read_frames(sock, secs):
    """Frames until the peer closes or secs pass: ([cmd], closed, seconds)."""
    t0 = time.monotonic()
    frames, closed = wire.read_frames(sock, secs)
    return [cmd for cmd, _ in frames], closed, time.monotonic() - t0


def listener(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', port))
    ls.listen(64)
    return ls


def accept_within(ls, secs):
    r, _, _ = select.select([ls], [], [], secs)
    if not r:
        return None
    c, _ = ls.accept()
    return c


# ---------------------------------------------------------------- UDP

def udp(a):
    rnd = random.Random(a.seed)
    # With --to, the datagrams go elsewhere (the master's broadcast address
    # on lo, where it hears announces) and nothing is listened for.
    ls = listener(a.port) if a.to is None else None
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    dst = (a.to or '127.0.0.1', a.port)
    good = frame(a.session, PROBE)
    sent = 0
    accepted = 0
    for length in range(0, 2049):
        near = bytearray(good[:length]) if length <= 11 else \
            bytearray(good) + bytes(rnd.getrandbits(8)
                                    for _ in range(length - 11))
        if length == 11:
            # One field wrong: version, session, command, datalen.
            for pos in (3, 7, 8, 10):
                d = bytearray(good)
                d[pos] ^= 1 << rnd.randrange(8)
                u.sendto(bytes(d), dst)
                sent += 1
            near[0] ^= 0x80
        elif length > 11 and rnd.random() < 0.5:
            struct.pack_into('!H', near, 9, min(length - 11, 65535))
        rand = os.urandom(length)
        for d in (bytes(near), rand):
            if d == good:
                continue
            u.sendto(d, dst)
            sent += 1
        if length % 128 == 0:
            # Let the receiver drain its socket; count what connected.
            if ls is None:
                time.sleep(0.01)
                continue
            c = accept_within(ls, 0.01)
            if c:
                accepted += 1
                c.close()
    print('sent %d datagrams of 0..2048 bytes to %s:%d'
          % (sent, dst[0], dst[1]), flush=True)
    if ls is None:
        return
    c = accept_within(ls, 1.0)
    if c:
        accepted += 1
        c.close()
    check(accepted == 0, 'no connection from the slave after %d bad '
          'datagrams (got %d)' % (sent, accepted))


# ---------------------------------------------------------------- slave

def slave(a):
    s = a.session
    ls = listener(a.port)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    welcome = frame(s, WELCOME, struct.pack('!HHI', 1, 0, 0))
    cb = (struct.pack('!QIIIIQHH', 3, 0, 1, 0, 0, 0, 9, 9) + b'/bin/true'
          + b'127.0.0.1')
    # (what, bytes, outcome): 'close' the slave drops us; 'exec_no' it
    # refuses with EXEC_NO and stays; 'silent' we say nothing at all.
    cases = [
        ('a frame of version 2', frame(s, PING, bytes(8), version=2), 'close'),
        ('a frame of version 0x01000000',
         frame(s, PING, bytes(8), version=0x01000000), 'close'),
        ('a frame of another session', frame(s ^ 0x5a5a, PING, bytes(8)),
         'close'),
        ('a huge length (WELCOME announcing 65535 bytes)',
         frame(s, WELCOME, datalen=65535), 'close'),
        ('a CONF announcing 65535 bytes, 10 sent, then close',
         frame(s, CONF, b'/bin/true\n', datalen=65535), 'close_after'),
        ('a truncated header (5 bytes), then close', frame(s, PING)[:5],
         'close_after'),
        ('unknown command 11', frame(s, 11), 'close'),
        ('unknown command 57', frame(s, 57), 'close'),
        ('unknown command 99', frame(s, 99), 'close'),
        ('unknown command 255', frame(s, 255, b'x' * 100), 'close'),
        ('EXEC before CONF (2014 mode)', frame(s, EXEC), 'exec_no'),
        ('CONF twice (2014 mode)',
         frame(s, CONF, b'/bin/true\n') + frame(s, CONF, b'/bin/true\n'),
         'close'),
        ('CONF_BEGIN twice', welcome + frame(s, CONF_BEGIN, cb)
         + frame(s, CONF_BEGIN, cb), 'close'),
        ('FINISHD from a master', welcome + frame(s, FINISHD, bytes(61)),
         'close'),
        ('CONF_DATA before CONF_BEGIN', welcome + frame(s, CONF_DATA, b'x'),
         'close'),
        ('START before configuration', welcome + frame(s, START, bytes(8)),
         'either'),
        ('a master that says nothing', b'', 'silent'),
    ]
    for what, data, outcome in cases:
        c = None
        for _ in range(3):
            u.sendto(frame(s, PROBE), ('127.0.0.1', a.port))
            c = accept_within(ls, 2)
            if c:
                break
        check(c is not None, 'slave connects (before: %s)' % what)
        if c is None:
            continue
        cmds, closed, _ = read_frames(c, 0.3)
        check(REPLY in cmds, 'slave says hello')
        if outcome == 'silent':
            cmds, closed, secs = read_frames(c, a.silent_secs + 5)
            check(closed, 'slave drops a silent master (after %.1f s)' % secs)
            c.close()
            continue
        c.sendall(data)
        if outcome == 'close_after':
            c.shutdown(socket.SHUT_WR)
        cmds, closed, secs = read_frames(c, 3)
        if outcome == 'exec_no':
            check(EXEC_NO in cmds, 'slave refuses %s with EXEC_NO (got %s)'
                  % (what, cmds))
        elif outcome == 'either':
            check(EXEC_NO in cmds or closed, 'slave refuses %s with EXEC_NO '
                  'or drops the master (got %s, closed %s)'
                  % (what, cmds, closed))
        else:
            check(closed, 'slave drops the master after %s (%.2f s)'
                  % (what, secs))
        # CONF_OK answers the first, valid CONF of 'CONF twice'.
        check(all(x in (ERROR, EXEC_NO, REPLY, PONG, CONF_OK, CONF_NO)
                  for x in cmds),
              'slave sends nothing but answers and ERROR (got %s)' % cmds)
        c.close()


# ---------------------------------------------------------------- master

def master(a):
    s = a.session
    dst = ('127.0.0.1', a.port)
    cases = [
        ('a frame of version 2', frame(s, REPLY, version=2)),
        ('a frame of another session', frame(s ^ 0x5a5a, REPLY)),
        ('a huge length (REPLY announcing 65535 bytes)',
         frame(s, REPLY, datalen=65535)),
        ('unknown command 11', frame(s, 11)),
        ('unknown command 99', frame(s, 99)),
        ('unknown command 255', frame(s, 255)),
        ('CONF_OK as the first frame', frame(s, CONF_OK)),
        ('EXEC_OK as the first frame', frame(s, EXEC_OK)),
        ('FINISHD as the first frame', frame(s, FINISHD, bytes(48))),
        ('PONG as the first frame', frame(s, PONG, bytes(24))),
        ('CONF from a slave', frame(s, CONF, b'/bin/true\n')),
        ('a truncated header, then close', frame(s, REPLY)[:7]),
    ]
    # Judged by their header alone, before the hello: dropped at once, not
    # after the payload they announce (never sent in full) or the 5-s
    # deadline of the hello.
    quick = [
        ('a CONF header announcing 65535 bytes before the hello, 60000 sent',
         frame(s, CONF, b'x' * 60000, datalen=65535)),
        ('a SEALED header announcing 65535 bytes to a master without a key',
         frame(s, SEALED, b'x' * 60000, datalen=65535)),
        ('an OUTPUT header announcing 65535 bytes before the hello',
         frame(s, 41, b'x' * 1000, datalen=65535)),
    ]
    for what, data in cases + quick:
        c = socket.create_connection(dst, timeout=3)
        try:
            c.sendall(data)
        except OSError:
            pass        # dropped while we were still sending: fine
        if what.endswith('then close'):
            c.shutdown(socket.SHUT_WR)
        cmds, closed, secs = read_frames(c, 3)
        check(closed, 'master drops %s (%.2f s)' % (what, secs))
        if data in [d for _, d in quick]:
            check(closed and secs < 1.5, 'master drops %s at its header '
                  '(%.2f s, < 1.5 s)' % (what, secs))
        check(all(x in (ERROR, FULL, PROBE) for x in cmds),
              'master sends no session frame (got %s)' % cmds)
        c.close()


# ---------------------------------------------------------------- flood

def flood(a):
    dst = ('127.0.0.1', a.port)
    socks = []
    refused = 0
    garbage = frame(a.session, 77)
    t0 = time.monotonic()
    for i in range(a.count):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(3)
        try:
            c.connect(dst)
        except OSError:
            refused += 1
            c.close()
            continue
        try:
            if i % 3 == 1:
                c.send(garbage)
            elif i % 3 == 2:
                c.send(frame(a.session, REPLY)[:6])
        except OSError:
            pass
        socks.append(c)
    print('opened %d connections in %.2f s (%d refused)'
          % (len(socks), time.monotonic() - t0, refused), flush=True)
    check(len(socks) == a.count, 'the master accepted all %d connections '
          '(%d)' % (a.count, len(socks)))
    time.sleep(1)
    for c in socks:
        c.close()



# ---------------------------------------------------------------- keyed

def first_frame(c, secs):
    """The first whole frame (cmd, payload), or None if closed / late."""
    frames, _ = wire.read_frames_n(c, secs, 1)
    return frames[0] if frames else None


def peer_closed(c):
    """Has the peer closed c (what it sent before is read and dropped)?"""
    c.setblocking(False)
    try:
        while True:
            if not c.recv(65536):
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def auth_hello_like(theirs):
    """An AUTH_HELLO with the same version and key id, a nonce of ours."""
    return theirs[:12] + os.urandom(32)


def keyed_master(a):
    s = a.session
    dst = ('127.0.0.1', a.port)
    big = b'x' * 60000
    cases = [
        ('a SEALED header announcing 65535 bytes before the handshake',
         False, frame(s, SEALED, big, datalen=65535)),
        ('a SEALED header announcing 65535 bytes after our AUTH_HELLO',
         True, frame(s, SEALED, big, datalen=65535)),
        ('a REPLY header announcing 1024 bytes before the handshake',
         False, frame(s, REPLY, b'x' * 500, datalen=1024)),
        ('a CONF header announcing 65535 bytes after our AUTH_HELLO',
         True, frame(s, CONF, big, datalen=65535)),
    ]
    for what, hello_first, data in cases:
        c = socket.create_connection(dst, timeout=3)
        f = first_frame(c, 3)
        check(f is not None and f[0] == AUTH_HELLO and len(f[1]) == 44,
              'keyed master sends AUTH_HELLO first (before: %s)' % what)
        if f is None:
            c.close()
            continue
        t0 = time.monotonic()
        try:
            if hello_first:
                c.sendall(frame(s, AUTH_HELLO, auth_hello_like(f[1])))
            c.sendall(data)
        except OSError:
            pass
        cmds, closed, _ = read_frames(c, 6)
        secs = time.monotonic() - t0
        check(closed and secs < 1.5, 'keyed master drops %s at its header '
              '(closed %s after %.2f s, < 1.5 s)' % (what, closed, secs))
        check(all(x in (ERROR, AUTH_PROOF) for x in cmds),
              'keyed master sends nothing but AUTH_PROOF and ERROR (got %s)'
              % cmds)
        c.close()


def keyflood(a):
    s = a.session
    dst = ('127.0.0.1', a.port)
    socks = []
    refused = turned = 0
    t0 = time.monotonic()
    for _ in range(a.count):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(3)
        try:
            c.bind((a.src, 0))
            c.connect(dst)
        except OSError:
            refused += 1
            c.close()
            continue
        socks.append(c)
    held = []
    tail = frame(s, SEALED, b'x' * 65500, datalen=65535) if a.oversize \
        else b''
    for c in socks:
        f = first_frame(c, 3)
        if f is None or f[0] != AUTH_HELLO or len(f[1]) != 44:
            turned += 1     # ERROR and close: the master's cap
            c.close()
            continue
        try:
            c.sendall(frame(s, AUTH_HELLO, auth_hello_like(f[1])) + tail)
        except OSError:
            pass            # refused at the header while we sent: fine
        held.append(c)
    print('holding %d handshakes from %s (%d connects refused, %d turned '
          'away at once) after %.2f s' % (len(held), a.src, refused, turned,
                                         time.monotonic() - t0), flush=True)
    end = time.monotonic() + a.hold
    while time.monotonic() < end:
        time.sleep(0.1)
    closed = 0
    for c in held:
        closed += peer_closed(c)
        c.close()
    print('done: %d connected, %d turned away at once, %d of those held '
          'closed by the master within %.1f s' % (len(socks), turned, closed,
                                                  a.hold), flush=True)


def keyed_slave(a):
    s = a.session
    ls = listener(a.port)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cases = [
        ('a SEALED header announcing 65535 bytes before the handshake',
         frame(s, SEALED, b'x' * 100, datalen=65535)),
        ('a CONF header announcing 65535 bytes before the handshake',
         frame(s, CONF, b'/bin/true\n', datalen=65535)),
    ]
    for what, data in cases:
        c = None
        for _ in range(6):
            u.sendto(frame(s, PROBE), ('127.0.0.1', a.port))
            c = accept_within(ls, 1)
            if c:
                break
        check(c is not None, 'keyed slave connects (before: %s)' % what)
        if c is None:
            continue
        f = first_frame(c, 3)
        check(f is not None and f[0] == AUTH_HELLO,
              'keyed slave sends AUTH_HELLO first')
        t0 = time.monotonic()
        try:
            c.sendall(data)
        except OSError:
            pass
        cmds, closed, _ = read_frames(c, 6)
        secs = time.monotonic() - t0
        check(closed and secs < 1.5, 'keyed slave drops %s at its header '
              '(closed %s after %.2f s, < 1.5 s)' % (what, closed, secs))
        c.close()


# ---------------------------------------------------------------- reports

def proc_cpu_secs(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def reportflood(a):
    s = a.session
    ls = listener(a.port)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c = None
    for _ in range(6):
        u.sendto(frame(s, PROBE), ('127.0.0.1', a.port))
        c = accept_within(ls, 1)
        if c:
            break
    check(c is not None, 'slave connects')
    if c is None:
        return
    f = first_frame(c, 3)
    check(f is not None and f[0] == REPLY, 'slave says hello')
    cmd = b'/bin/sleep 2'
    cb = (struct.pack('!QIIIIQHH', 0, 0, 1, 0, 0, 0, len(cmd), 9) + cmd
          + b'127.0.0.1')
    c.sendall(frame(s, WELCOME, struct.pack('!HHI', 1, 0, 0))
              + frame(s, CONF_BEGIN, cb))
    frames, _ = wire.read_frames_n(c, 5, 1, want=CONF_OK)
    check(any(x == CONF_OK for x, _ in frames), 'slave arms /bin/sleep 2')
    # Same host, same CLOCK_MONOTONIC: start now.
    c.sendall(frame(s, START, struct.pack('!Q', time.monotonic_ns())))
    frames, _ = wire.read_frames_n(c, 5, 1, want=EXEC_OK)
    check(any(x == EXEC_OK for x, _ in frames), 'slave starts it')
    time.sleep(0.2)
    cpu0 = proc_cpu_secs(a.pid)
    t0 = time.monotonic()
    # The requests keep coming for a second: 30 batches, 33 ms apart.
    frames = []
    closed = False
    batch = frame(s, REPORT_REQ) * (a.count // 30)
    for i in range(30):
        try:
            c.sendall(batch)
        except OSError:
            closed = True
            break
        more, closed = wire.read_frames(c, max(t0 + (i + 1) / 30.0
                                               - time.monotonic(), 0))
        frames += more
        if closed:
            break
    more, cl = wire.read_frames(c, 0.3)
    frames += more
    closed = closed or cl
    secs = time.monotonic() - t0
    cpu = proc_cpu_secs(a.pid) - cpu0
    reports = [p for x, p in frames if x == REPORT]
    print('%d REPORT_REQ over a second: %d REPORTs in %.2f s, the slave '
          'used %.3f s of CPU' % (a.count, len(reports), secs, cpu),
          flush=True)
    check(not closed, 'slave keeps the connection through the flood')
    # A burst of 4, then one per 100 ms while requests keep coming.
    check(5 <= len(reports) <= 4 + int(secs / 0.1) + 2,
          '%d REPORT_REQ answered rate-limited: %d REPORTs in %.2f s (at '
          'most a burst of 4 and one per 100 ms, at least 5)'
          % (a.count, len(reports), secs))
    check(all(p[0] == 2 for p in reports), 'every REPORT says running '
          '(states %s)' % sorted(set(p[0] for p in reports)))
    check(cpu < 0.5, 'the slave used %.3f s of CPU for %d REPORT_REQ '
          '(< 0.5 s)' % (cpu, a.count))
    # The task ends (sleep 2): the last REPORT and FINISHD, then a request
    # after FINISHD still gets a fresh answer.
    frames, closed = wire.read_frames_n(c, 5, 1, want=FINISHD)
    check(any(x == FINISHD for x, _ in frames), 'FINISHD when the task ends')
    c.sendall(frame(s, REPORT_REQ))
    frames, closed = wire.read_frames_n(c, 3, 1, want=REPORT)
    last = [p for x, p in frames if x == REPORT]
    check(last and last[-1][0] == 3, 'a REPORT_REQ after FINISHD gets a '
          'fresh REPORT (state %s)' % (last[-1][0] if last else None))
    c.sendall(frame(s, 43, b'done'))    # BYE
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['udp', 'slave', 'master', 'flood',
                                     'keyed-master', 'keyflood',
                                     'keyed-slave', 'reportflood'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--silent-secs', type=float, default=10)
    ap.add_argument('--seed', type=int, default=6)
    ap.add_argument('--src', default='127.0.0.1', help='keyflood: source '
                    'address (loopback)')
    ap.add_argument('--oversize', action='store_true')
    ap.add_argument('--hold', type=float, default=3)
    ap.add_argument('--pid', type=int, default=0)
    ap.add_argument('--to', help='udp: send here (loopback only), listen '
                    'for nothing')
    a = ap.parse_args()
    {'udp': udp, 'slave': slave, 'master': master, 'flood': flood,
     'keyed-master': keyed_master, 'keyflood': keyflood,
     'keyed-slave': keyed_slave, 'reportflood': reportflood}[a.mode](a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
