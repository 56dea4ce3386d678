#!/usr/bin/env python3
"""badpeer.py - hand-crafted bad input for our master and slave (loopback).

  badpeer.py probe-slave --port P --session S --pid PID --name NAME
      Bad PROBE datagrams to the slave at 127.0.0.1:P must not make it
      connect; a good one must, with a well-formed hello (REPLY: magic SYNX,
      ext_version 1, flags: its capabilities, CAMPAIGN (bit 0) and METRICS
      (bit 1) among them and no bit beyond those allocated (0x000f; NOTES
      section 2), PID, NAME).
  badpeer.py poke-slave --port P --session S
      Plays a master that sends the slave bad frames after its hello; the
      slave must close each connection and come back on the next probe.
  badpeer.py poke-master --port P --session S
      Connects to the master at 127.0.0.1:P with bad first frames; each
      connection must be closed (an invalid hello gets FULL first), a silent
      one within about 5 s.
  badpeer.py evil-slave --port P --session S --case CASE
      Joins the master at 127.0.0.1:P as one of our slaves and puts terminal
      controls (ESC sequences, CR, the C1 byte 0x9b raw and as UTF-8 C2 9B,
      bytes that are not UTF-8: EVIL below) in every text it sends: first a
      hello whose name holds them (refused with FULL), then as "evil" the
      case's text: conf-no (the CONF_NO reason), exec-no (CONF_OK, then the
      EXEC_NO reason), error (an ERROR once joined), run (CONF_OK, EXEC_OK,
      REPORTs whose progress text, and OUTPUT whose bytes, are EVIL, then
      FINISHD).  The test checks that none of it reaches the master's
      terminal, log or results raw.  Its hello's flags have every bit set
      but HELLO_CAP_CAMPAIGN: bits the master does not know, which it must
      ignore (a single session goes on as with flags 0).
  badpeer.py evil-master --port P --session S [--allowed PATH]
      Plays a master to our slave (probes 127.0.0.1:P) that puts EVIL in
      every text it sends: the command of CONF_BEGIN and of a 2014 CONF
      (the slave refuses them: CONF_NO), CONF_BEGIN's master address (the
      slave drops us), the reasons of ABORT, BYE, FULL and ERROR.  The test
      checks the slave's log.  Its WELCOME has every flag bit set but bit 0:
      bits the slave does not know, which it must ignore.

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 if any
check failed.  Every wait is bounded.  Python 3 standard library only.
"""

import argparse
import os
import select
import socket
import struct
import sys
import time

from wire import HDR, Peer, frame, read_frames  # noqa: E402
REPLY, PROBE, CONF, CONF_OK, CONF_NO, EXEC, EXEC_OK, EXEC_NO = range(8)
FINISHD = 10
WELCOME, FULL, PING, PONG, CONF_BEGIN, CONF_DATA, START = range(32, 39)
REPORT, REPORT_REQ, OUTPUT, ABORT, BYE, HEARTBEAT, ERROR = range(39, 46)
MAGIC = 0x53594e58

# Terminal controls and bytes that are not UTF-8, each with a marker the test
# looks for, raw and escaped: a window title (OSC), a screen clear, a fake
# line after CR, CSI as the C1 byte 0x9b and as UTF-8 C2 9B, a lone 0xff.
EVIL = (b'\x1b]0;EVILTITLE\x07\x1b[2J\rsynexec:FORGED'
        b'\x9b31mC1RAW\xc2\x9b32mC1UTF8\xffBADUTF8')

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
    check(extv == 1 and flags & 0x0001 and flags & 0x0002 and
          not flags & ~0x000f,
          'hello ext_version %d flags 0x%04x (CAMPAIGN, METRICS, nothing '
          'unallocated)' % (extv, flags))
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


def hello(name, flags=0xfff0):
    # Capability bits nobody has allotted (4-15; NOTES section 2): ignored
    # by a master, which asks this fake slave for nothing it cannot do.
    return struct.pack('!IHHIB', MAGIC, 1, flags, os.getpid(), len(name)) + name


def report(state, text):
    return struct.pack('!BQQQB', state, 10 ** 8, 1000, 0, len(text)) + text


def evil_slave(a):
    dst = ('127.0.0.1', a.port)
    # A name with controls in it is no name: FULL, with a reason that is
    # plain text, and closed.
    c = socket.create_connection(dst, timeout=3)
    c.sendall(frame(a.session, REPLY, hello(b'x' + EVIL[:40])))
    frames, closed = read_frames(c, 3)
    check(closed and any(cmd == FULL for cmd, _ in frames),
          'master turns away a hello whose name holds controls (FULL)')
    c.close()

    c = socket.create_connection(dst, timeout=3)
    peer = Peer(c)
    s = a.session
    c.sendall(frame(s, REPLY, hello(b'evil')))
    f = peer.next(5)
    check(f is not None and f[0] == WELCOME, 'master welcomes "evil"')
    # Clock sync: answer each PING; then wait for the configuration.
    conf = None
    while True:
        f = peer.next(20)
        if f is None:
            break
        cmd, p = f
        if cmd == PING:
            c.sendall(frame(s, PONG, p[:8] + struct.pack(
                '!QQ', time.monotonic_ns(), time.time_ns())))
        elif cmd == PROBE:
            c.sendall(frame(s, REPLY))
        elif cmd == CONF_BEGIN:
            conf = p
            break
    check(conf is not None, 'master sends CONF_BEGIN')
    if conf is None:
        return
    if a.case == 'error':
        c.sendall(frame(s, ERROR, b'evil error: ' + EVIL))
        read_frames(c, 2)
        return

    def last_reports():
        """The last round of reports, then BYE."""
        while True:
            f = peer.until((REPORT_REQ, BYE), 10)
            if f is None or f[0] == BYE:
                break
            c.sendall(frame(s, REPORT, report(3, EVIL)))
        check(f is not None, 'master says BYE')

    if a.case == 'conf-no':
        c.sendall(frame(s, CONF_NO, b'evil refusal: ' + EVIL))
        last_reports()
        return
    size = struct.unpack_from('!Q', conf)[0]
    flags = struct.unpack_from('!I', conf, 20)[0]
    got = 0
    while got < size:
        f = peer.until((CONF_DATA,), 10)
        if f is None:
            break
        got += len(f[1])
    c.sendall(frame(s, CONF_OK))
    f = peer.until((START,), 10)
    check(f is not None, 'master sends START')
    if f is None:
        return
    if a.case == 'exec-no':
        c.sendall(frame(s, EXEC_NO, b'evil start refusal: ' + EVIL))
        last_reports()
        return
    start = time.time_ns()
    out = b'line one\n' + EVIL + b'\nlast line ' + EVIL
    c.sendall(frame(s, EXEC_OK) + frame(s, REPORT, report(2, EVIL)))
    if flags & 1:
        c.sendall(frame(s, OUTPUT, out))
    time.sleep(1.0)  # long enough for status lines (-R 0.1) to show it
    res = struct.pack('!QQqBiQQQQ', start, time.time_ns(), 1000, 0, 0,
                      1000, 1000, 1024, len(out))
    c.sendall(frame(s, REPORT, report(3, EVIL)) + frame(s, FINISHD, res))
    last_reports()


def evil_master(a):
    s = a.session
    lsock = listener(a.port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Flags the slave does not know (bits 3-15, not allotted): ignored.
    welcome = frame(s, WELCOME, struct.pack('!HHI', 1, 0xfff8, 1000))
    # The command: an absolute path that does not exist, or one not in
    # --allow; "/bin/true" with an evil master address.
    path = (a.allowed or '/nonexistent').encode() + b'/' + EVIL
    addr = b'127.0.0.1' + EVIL[:30]

    def conf_begin(command, maddr=b'127.0.0.1'):
        return (struct.pack('!QIIIIQHH', 0, 0, 1, 0, 0, 0, len(command),
                            len(maddr)) + command + maddr)

    cases = [
        ('CONF_BEGIN with an evil command',
         welcome + frame(s, CONF_BEGIN, conf_begin(path)), CONF_NO),
        ('a 2014 CONF with an evil command',
         frame(s, CONF, path + b'\npayload'), CONF_NO),
        ('CONF_BEGIN with an evil master address',
         welcome + frame(s, CONF_BEGIN, conf_begin(b'/bin/true', addr)),
         None),
        ('ABORT with an evil reason',
         welcome + frame(s, ABORT, b'evil abort: ' + EVIL)
         + frame(s, BYE, b'evil bye: ' + EVIL), None),
        ('FULL with an evil reason', frame(s, FULL, b'evil full: ' + EVIL),
         None),
        ('ERROR with an evil reason',
         welcome + frame(s, ERROR, b'evil error: ' + EVIL), None),
    ]
    for what, data, answer in cases:
        c = None
        for _ in range(10):
            udp.sendto(frame(s, PROBE), ('127.0.0.1', a.port))
            c = accept_within(lsock, 0.5)
            if c:
                break
        check(c is not None, 'slave connects (before %s)' % what)
        if c is None:
            continue
        f = read_one(c, 3)
        check(f is not None and f[2] == REPLY, 'slave says hello')
        c.sendall(data)
        frames, closed = read_frames(c, 2 if answer is None else 1)
        if answer is not None:
            texts = [p for cmd, p in frames if cmd == answer]
            check(texts and b'FORGED' in texts[0],
                  'slave refuses %s (CONF_NO naming the command)' % what)
        else:
            check(closed, 'slave ends the connection after %s' % what)
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['probe-slave', 'poke-slave', 'poke-master',
                                     'evil-slave', 'evil-master'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    ap.add_argument('--pid', type=int, default=0)
    ap.add_argument('--name', default='')
    ap.add_argument('--case', choices=['conf-no', 'exec-no', 'error', 'run'],
                    default='run')
    ap.add_argument('--allowed', help='evil-master: a path in --allow')
    a = ap.parse_args()
    {'probe-slave': probe_slave, 'poke-slave': poke_slave,
     'poke-master': poke_master, 'evil-slave': evil_slave,
     'evil-master': evil_master}[a.mode](a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
