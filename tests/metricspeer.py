#!/usr/bin/env python3
"""metricspeer.py - peers of ours, old and new, around METRICS (loopback).

  metricspeer.py old-slave --port P [--session S] --name N --flags F
      [--unasked]
      Plays one of our slaves whose hello has flags F (0: a slave of before
      2026-12; other bits: capabilities, known or not) through a whole
      session: PONGs, CONF_OK, EXEC_OK, a REPORT, FINISHD, the last REPORT.
      Checks that the master's WELCOME asks for METRICS (flags bit 1) only
      if F has bit 1 (HELLO_CAP_METRICS).  With --unasked it sends a
      METRICS after EXEC_OK all the same: the master must drop it.
  metricspeer.py chatty --port P [--session S] --name N --reports K
      Plays one of our slaves that can send METRICS; after its start it
      sends K times a METRICS (metric "i" = the report's number) and a
      REPORT (cpu_us = the number), then FINISHD, then answers the last
      report request: the master's series of it is bounded and thinned.
  metricspeer.py old-master --port P [--session S] --flags F --script FILE
      Plays a master to our slave (a unicast PROBE to 127.0.0.1:P, TCP on
      127.0.0.1:P) whose WELCOME has flags F, with a session whose payload
      is FILE run by /bin/sh; prints every METRICS it gets (decoded, one
      line each: "METRICS name=value unit ...; errors: kind: text") and
      the order of frames ("ORDER: ..."), checks that METRICS come only if
      F has bit 1 (WELCOME_FLAG_METRICS), each right before a REPORT, the
      last before FINISHD's REPORT; then BYE.

Prints "ok: ..." / "FAIL: ..." per check and exits 1 if one failed; every
wait is bounded.  Python 3 standard library only.
"""

import argparse
import select
import socket
import struct
import sys
import time

from wire import Peer, frame  # noqa: E402

REPLY, PROBE, CONF_OK, EXEC_OK, FINISHD = 0, 1, 3, 6, 10
WELCOME, PING, PONG, CONF_BEGIN, CONF_DATA, START = 32, 34, 35, 36, 37, 38
REPORT, REPORT_REQ, OUTPUT, ABORT, BYE, HEARTBEAT, ERROR = range(39, 46)
KILL_GRACE, METRICS = 46, 52
HELLO_CAP_METRICS = 0x0002
WELCOME_FLAG_METRICS = 0x0002
MAGIC = 0x53594e58
NAMES = {REPLY: 'REPLY', PROBE: 'PROBE', CONF_OK: 'CONF_OK',
         EXEC_OK: 'EXEC_OK', FINISHD: 'FINISHD', WELCOME: 'WELCOME',
         PING: 'PING', PONG: 'PONG', REPORT: 'REPORT', KILL_GRACE:
         'KILL_GRACE', METRICS: 'METRICS', HEARTBEAT: 'HEARTBEAT',
         ERROR: 'ERROR', BYE: 'BYE'}

failures = 0


def check(cond, what):
    global failures
    print(('ok: %s' if cond else 'FAIL: %s') % what, flush=True)
    if not cond:
        failures += 1


class Conn(Peer):
    """A connection of one session: its frames, read with a deadline."""

    def __init__(self, sock, session):
        super().__init__(sock)
        self.s = session

    def send(self, cmd, payload=b''):
        self.sock.sendall(frame(self.s, cmd, payload))


def hello(name, flags):
    return struct.pack('!IHHIB', MAGIC, 1, flags, 4242, len(name)) + name


def report(state, cpu_us=0, text=b''):
    return struct.pack('!BQQQB', state, 10 ** 8, cpu_us, 0, len(text)) + text


def result(start, finish):
    return struct.pack('!QQqBiQQQQ', start, finish, 1000, 0, 0, 1000, 2000,
                       1024, 0)


def metrics(values, errors=()):
    """METRICS: values [(name, value, unit)], errors [(kind, text)]."""
    p = bytes([len(values), len(errors)])
    for name, v, unit in values:
        p += bytes([len(name), len(unit)]) + struct.pack('!d', v) + name + unit
    for kind, text in errors:
        p += bytes([kind]) + struct.pack('!H', len(text)) + text
    return p


def decode_metrics(p):
    """([(name, value, unit)], [(kind, text)]) of a METRICS payload."""
    n, ne = p[0], p[1]
    off, vals, errs = 2, [], []
    for _ in range(n):
        nl, ul = p[off], p[off + 1]
        v, = struct.unpack_from('!d', p, off + 2)
        name = p[off + 10:off + 10 + nl].decode()
        unit = p[off + 10 + nl:off + 10 + nl + ul].decode()
        vals.append((name, v, unit))
        off += 10 + nl + ul
    for _ in range(ne):
        kind, tl = p[off], struct.unpack_from('!H', p, off + 1)[0]
        errs.append((kind, p[off + 3:off + 3 + tl].decode()))
        off += 3 + tl
    if off != len(p):
        raise ValueError('METRICS of %d bytes, entries end at %d'
                         % (len(p), off))
    return vals, errs


def join(a, flags):
    """Connect as a slave with hello flags; answer until CONF_BEGIN.
    Returns (conn, WELCOME flags, payload size)."""
    c = Conn(socket.create_connection(('127.0.0.1', a.port), timeout=5),
             a.session)
    c.send(REPLY, hello(a.name.encode(), flags))
    wflags, size = None, None
    while True:
        f = c.next(20)
        if f is None:
            break
        cmd, p = f
        if cmd == WELCOME:
            wflags = struct.unpack('!HHI', p)[1]
        elif cmd == PING:
            c.send(PONG, p[:8] + struct.pack('!QQ', time.monotonic_ns(),
                                             time.time_ns()))
        elif cmd == PROBE:
            c.send(REPLY)
        elif cmd == CONF_BEGIN:
            size = struct.unpack_from('!Q', p)[0]
            break
    return c, wflags, size


def configured(c, size):
    """Take the payload, say CONF_OK, wait for START; True if it came."""
    got = 0
    while got < size:
        f = c.next(20)
        if f is None:
            return False
        if f[0] == CONF_DATA:
            got += len(f[1])
    c.send(CONF_OK)
    while True:
        f = c.next(20)
        if f is None:
            return False
        if f[0] == START:
            return True


def last_round(c):
    """Answer REPORT_REQs with a finished REPORT until BYE or the close."""
    while True:
        f = c.next(20)
        if f is None:
            return 'closed'
        if f[0] == REPORT_REQ:
            c.send(REPORT, report(3, 7, b'done'))
        elif f[0] in (BYE, ERROR):
            return NAMES[f[0]] + ' ' + f[1].decode('ascii', 'replace')


def old_slave(a):
    c, wflags, size = join(a, a.flags)
    check(wflags is not None, 'the master welcomes %s (hello flags 0x%04x)'
          % (a.name, a.flags))
    if wflags is None or size is None:
        check(False, 'the master configures %s' % a.name)
        return
    asked = bool(wflags & WELCOME_FLAG_METRICS)
    check(asked == bool(a.flags & HELLO_CAP_METRICS),
          'WELCOME flags 0x%04x ask for METRICS %s' %
          (wflags, 'as the hello can' if asked else 'not: the hello cannot'))
    if not configured(c, size):
        check(False, 'the master starts %s' % a.name)
        return
    start = time.time_ns()
    c.send(EXEC_OK)
    if a.unasked:
        c.send(METRICS, metrics([(b'x', 1.0, b'')]))
        end = last_round(c)
        print('after an unasked METRICS: %s' % end, flush=True)
        check(end.startswith('ERROR') or end == 'closed',
              'the master drops a slave that sends METRICS unasked')
        return
    c.send(REPORT, report(2, 5, b'half'))
    time.sleep(0.2)
    c.send(REPORT, report(3, 9, b'end'))
    c.send(FINISHD, result(start, time.time_ns()))
    print('the end: %s' % last_round(c), flush=True)


def chatty(a):
    c, wflags, size = join(a, HELLO_CAP_METRICS)
    check(wflags is not None and wflags & WELCOME_FLAG_METRICS,
          'the master asks %s for METRICS' % a.name)
    if size is None or not configured(c, size):
        check(False, 'the master starts %s' % a.name)
        return
    start = time.time_ns()
    c.send(EXEC_OK)
    batch = b''
    for i in range(a.reports):
        batch += frame(a.session, METRICS, metrics([(b'i', float(i), b'n')]))
        batch += frame(a.session, REPORT, report(2, i))
        if len(batch) > 60000:
            c.sock.sendall(batch)
            batch = b''
    c.sock.sendall(batch)
    c.send(FINISHD, result(start, time.time_ns()))
    print('sent %d REPORTs; the end: %s' % (a.reports, last_round(c)),
          flush=True)


def old_master(a):
    s = a.session
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', a.port))
    lsock.listen(4)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock = None
    for _ in range(40):
        udp.sendto(frame(s, PROBE), ('127.0.0.1', a.port))
        r, _, _ = select.select([lsock], [], [], 0.5)
        if r:
            sock, _ = lsock.accept()
            break
    check(sock is not None, 'the slave connects')
    if sock is None:
        return
    c = Conn(sock, s)
    f = c.next(5)
    check(f is not None and f[0] == REPLY and len(f[1]) >= 13,
          'the slave says hello')
    if f is None:
        return
    hflags = struct.unpack_from('!H', f[1], 6)[0]
    check(hflags & HELLO_CAP_METRICS,
          'its hello flags 0x%04x can send METRICS' % hflags)
    with open(a.script, 'rb') as fh:
        payload = fh.read()
    cmd, addr = b'/bin/sh :CONF:', b'127.0.0.1'
    c.send(WELCOME, struct.pack('!HHI', 1, a.flags, 0))
    c.send(CONF_BEGIN, struct.pack('!QIIIIQHH', len(payload), 0, 1, 100, 0,
                                   0, len(cmd), len(addr)) + cmd + addr)
    c.send(CONF_DATA, payload)
    order, seen_metrics = [], []
    started = False
    while True:
        f = c.next(30)
        if f is None:
            check(False, 'FINISHD came')
            break
        cmd, p = f
        if cmd in (HEARTBEAT, KILL_GRACE):
            continue
        order.append(NAMES.get(cmd, str(cmd)))
        if cmd == CONF_OK and not started:
            c.send(START, struct.pack('!Q', 0))
            started = True
        elif cmd == METRICS:
            try:
                vals, errs = decode_metrics(p)
            except (ValueError, IndexError, UnicodeDecodeError) as e:
                check(False, 'a METRICS that decodes: %s' % e)
                continue
            seen_metrics.append((vals, errs))
            print('METRICS %s; errors: %s' % (
                ' '.join('%s=%r%s' % (n, v, ' ' + u if u else '')
                         for n, v, u in vals),
                ' | '.join('%d: %s' % e for e in errs)), flush=True)
        elif cmd == FINISHD:
            break
        elif cmd == ERROR:
            print('ERROR from the slave: %s' % p.decode('ascii', 'replace'))
            break
    # Collapse the REPORTs between METRICS for a readable order.
    print('ORDER: %s' % ' '.join(order), flush=True)
    if a.flags & WELCOME_FLAG_METRICS:
        check(seen_metrics, 'METRICS came (%d)' % len(seen_metrics))
        check(all(order[i + 1] == 'REPORT' for i, x in enumerate(order)
                  if x == 'METRICS' and i + 1 < len(order)),
              'each METRICS right before a REPORT')
        check(order[-3:] == ['METRICS', 'REPORT', 'FINISHD'],
              'the last METRICS and REPORT right before FINISHD (%s)'
              % ' '.join(order[-3:]))
    else:
        check(not seen_metrics, 'no METRICS to a master that did not ask '
              '(WELCOME flags 0x%04x)' % a.flags)
        check('REPORT' in order and order[-1] == 'FINISHD',
              'REPORTs and FINISHD all the same')
    c.send(BYE, b'done')
    time.sleep(0.2)
    sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['old-slave', 'chatty', 'old-master'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    ap.add_argument('--name', default='peer')
    ap.add_argument('--flags', type=lambda x: int(x, 0), default=0)
    ap.add_argument('--unasked', action='store_true')
    ap.add_argument('--reports', type=int, default=1000)
    ap.add_argument('--script')
    a = ap.parse_args()
    {'old-slave': old_slave, 'chatty': chatty,
     'old-master': old_master}[a.mode](a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
