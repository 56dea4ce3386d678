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

  faultpeer.py mute --port P [--session S] --name N --at conf|start|abort
      [--grace-ms MS] [--secs T]
      Plays one of our slaves that keeps its connection alive (hello, PONGs,
      REPLY to PROBE, HEARTBEATs) but stops answering at one phase: never
      answers CONF_BEGIN (conf), never answers START (start), or answers
      everything but ignores ABORT and REPORT_REQ and never sends FINISHD
      (abort).  With --grace-ms it tells its kill grace (KILL_GRACE) when
      the WELCOME asks for it.  Runs until the master closes the connection
      (prints "closed by the master after X s" and any ERROR text) or T
      seconds pass (prints "still connected after T s").

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
REPLY, PROBE, CONF_OK, EXEC_OK = 0, 1, 3, 6
WELCOME, PING, PONG, CONF_BEGIN, CONF_DATA, START = 32, 34, 35, 36, 37, 38
REPORT_REQ, ABORT, BYE, HEARTBEAT, ERROR, KILL_GRACE = 40, 42, 43, 44, 45, 46
WELCOME_GRACE = 0x1     # WELCOME flags: tell me your kill grace
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


def mute(a):
    """One of our slaves that stops answering at a.at (see the docstring)."""
    s = a.session
    c = socket.create_connection(('127.0.0.1', a.port), timeout=3)
    c.setblocking(False)
    c.sendall(frame(s, REPLY, hello(a.name.encode())))
    t0 = time.monotonic()
    end = t0 + a.secs
    buf = b''
    beat = None
    next_beat = 0
    left = 0
    seen = []

    def send(data):
        try:
            c.sendall(data)
        except (BlockingIOError, OSError):
            pass

    while time.monotonic() < end:
        now = time.monotonic()
        if beat is not None and now >= next_beat:
            send(frame(s, HEARTBEAT))
            next_beat = now + beat
        wait = min(end - now, 0.05)
        r, _, _ = select.select([c], [], [], max(wait, 0))
        if not r:
            continue
        try:
            data = c.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            data = b''
        if not data:
            print('closed by the master after %.2f s (it sent %s)'
                  % (time.monotonic() - t0, ' '.join(seen)), flush=True)
            return
        buf += data
        while len(buf) >= HDR.size:
            _, _, cmd, n = HDR.unpack_from(buf)
            if len(buf) < HDR.size + n:
                break
            p = buf[HDR.size:HDR.size + n]
            buf = buf[HDR.size + n:]
            if cmd not in (HEARTBEAT, PING, CONF_DATA, PROBE) or \
                    (seen and seen[-1] != str(cmd)):
                seen.append(str(cmd))
            if cmd == WELCOME:
                _, flags, hb = struct.unpack('!HHI', p)
                beat = hb / 1000.0 if hb else None
                if a.grace_ms is not None and flags & WELCOME_GRACE:
                    send(frame(s, KILL_GRACE, struct.pack('!I', a.grace_ms)))
            elif cmd == PING:
                t1, = struct.unpack('!Q', p)
                send(frame(s, PONG, struct.pack(
                    '!QQQ', t1, time.monotonic_ns(), time.time_ns())))
            elif cmd == PROBE:
                send(frame(s, REPLY))
            elif cmd == CONF_BEGIN and a.at != 'conf':
                left, = struct.unpack_from('!Q', p)
                if left == 0:
                    send(frame(s, CONF_OK))
            elif cmd == CONF_DATA and a.at != 'conf':
                left -= len(p)
                if left == 0:
                    send(frame(s, CONF_OK))
            elif cmd == START and a.at != 'start':
                send(frame(s, EXEC_OK))
            elif cmd == ERROR:
                print('ERROR text: %s' % p.decode('ascii', 'replace'),
                      flush=True)
            elif cmd == BYE:
                print('BYE after %.2f s' % (time.monotonic() - t0),
                      flush=True)
                return
            # ABORT, REPORT_REQ: ignored, whatever the phase.
    print('still connected after %.0f s' % a.secs, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['master-errors', 'slave-errors', 'mute'])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--session', type=int, default=0)
    ap.add_argument('--name', default='mute')
    ap.add_argument('--at', choices=['conf', 'start', 'abort'],
                    default='abort')
    ap.add_argument('--grace-ms', type=int)
    ap.add_argument('--secs', type=float, default=30)
    a = ap.parse_args()
    {'master-errors': master_errors, 'slave-errors': slave_errors,
     'mute': mute}[a.mode](a)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
