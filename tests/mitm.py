#!/usr/bin/env python3
"""mitm.py - a man in the middle for keyed-session tests (loopback only).

  mitm.py proxy --listen P --to P [--tamper MODE --dir m2s|s2m --index N]
                [--record-m2s FILE] [--record-s2m FILE] [--timeout S]
      Accepts one connection on 127.0.0.1:LISTEN (a slave started with
      -m 127.0.0.1:LISTEN), connects to the master at 127.0.0.1:TO and
      forwards both ways, frame by frame.  It prints each frame it forwards
      ("m2s AUTH_HELLO 44"), so a test can check that after the handshake
      everything travels as SEALED.  With --tamper it changes the N-th SEALED
      frame (from 0) of one direction:
        flip    flips one bit of its ciphertext
        hdr     changes its session field (authenticated header)
        dup     sends it twice (a replay)
        swap    sends it after the next one (reordered)
        drop    never sends it
      --record-* writes the bytes of a direction, as received, to FILE.
  mitm.py replay-to-slave --listen P --file FILE [--timeout S]
      Plays a recorded master (FILE from --record-m2s) to a slave that
      connects to 127.0.0.1:LISTEN; prints what the slave sent and whether
      it closed the connection.
  mitm.py replay-to-master --to P --file FILE [--timeout S]
      Plays a recorded slave (FILE from --record-s2m) to the master at
      127.0.0.1:TO; prints what the master sent and whether it closed.

Every wait is bounded by --timeout (default 20 s).  Python 3 standard
library only.
"""

import argparse
import select
import socket
import struct
import sys
import time

HDR = struct.Struct('!IIBH')
NAMES = {0: 'REPLY', 1: 'PROBE', 2: 'CONF', 3: 'CONF_OK', 4: 'CONF_NO',
         5: 'EXEC', 6: 'EXEC_OK', 7: 'EXEC_NO', 8: 'RUNNING', 9: 'STOPPED',
         10: 'FINISHD', 32: 'WELCOME', 33: 'FULL', 34: 'PING', 35: 'PONG',
         36: 'CONF_BEGIN', 37: 'CONF_DATA', 38: 'START', 39: 'REPORT',
         40: 'REPORT_REQ', 41: 'OUTPUT', 42: 'ABORT', 43: 'BYE',
         44: 'HEARTBEAT', 45: 'ERROR', 48: 'AUTH_HELLO', 49: 'AUTH_PROOF',
         50: 'SEALED'}
SEALED = 50


def say(*args):
    print(*args, flush=True)


def split_frames(buf):
    """Whole frames at the start of buf: ([frame bytes], rest)."""
    out = []
    while len(buf) >= HDR.size:
        n = HDR.unpack_from(buf)[3]
        if len(buf) < HDR.size + n:
            break
        out.append(buf[:HDR.size + n])
        buf = buf[HDR.size + n:]
    return out, buf


class Direction:
    def __init__(self, name, src, dst, args, record):
        self.name, self.src, self.dst = name, src, dst
        self.buf = b''
        self.sealed = 0
        self.held = None        # frame kept back by 'swap'
        self.closed = False
        self.record = open(record, 'wb') if record else None
        self.tamper = args.tamper if args.dir == name else None
        self.index = args.index

    def send(self, frame):
        try:
            self.dst.sendall(frame)
        except OSError:
            pass

    def forward(self, frame):
        cmd, n = frame[8], HDR.unpack_from(frame)[3]
        say('%s %s %d' % (self.name, NAMES.get(cmd, str(cmd)), n))
        if cmd != SEALED or self.tamper is None:
            self.send(frame)
            if self.held is not None:
                self.send(self.held)
                self.held = None
            return
        i = self.sealed
        self.sealed += 1
        if i != self.index:
            self.send(frame)
            if self.held is not None:
                self.send(self.held)
                self.held = None
            return
        say('%s: tampering with sealed frame %d: %s' % (self.name, i,
                                                        self.tamper))
        if self.tamper == 'flip':
            b = bytearray(frame)
            b[HDR.size] ^= 0x01
            self.send(bytes(b))
        elif self.tamper == 'hdr':
            b = bytearray(frame)
            b[7] ^= 0x01
            self.send(bytes(b))
        elif self.tamper == 'dup':
            self.send(frame)
            self.send(frame)
        elif self.tamper == 'swap':
            self.held = frame
        elif self.tamper == 'drop':
            pass

    def pump(self):
        try:
            data = self.src.recv(65536)
        except OSError:
            data = b''
        if not data:
            self.closed = True
            if self.held is not None:
                self.send(self.held)
                self.held = None
            try:
                self.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            say('closed: %s' % self.name)
            return
        if self.record:
            self.record.write(data)
            self.record.flush()
        frames, self.buf = split_frames(self.buf + data)
        for f in frames:
            self.forward(f)


def proxy(a):
    deadline = time.monotonic() + a.timeout
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', a.listen))
    ls.listen(4)
    say('listening on %d' % a.listen)
    r, _, _ = select.select([ls], [], [], a.timeout)
    if not r:
        say('no slave connected')
        return 4
    slave, _ = ls.accept()
    master = socket.create_connection(('127.0.0.1', a.to), timeout=5)
    s2m = Direction('s2m', slave, master, a, a.record_s2m)
    m2s = Direction('m2s', master, slave, a, a.record_m2s)
    dirs = {slave: s2m, master: m2s}
    while not (s2m.closed and m2s.closed):
        left = deadline - time.monotonic()
        if left <= 0:
            say('timeout')
            return 4
        socks = [s for s, d in dirs.items() if not d.closed]
        r, _, _ = select.select(socks, [], [], left)
        for s in r:
            dirs[s].pump()
    say('both closed')
    return 0


def read_all(sock, secs):
    """Frames the peer sends until it closes or secs pass: (names, closed)."""
    end = time.monotonic() + secs
    buf, names = b'', []
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], max(end - time.monotonic(), 0))
        if not r:
            continue
        try:
            data = sock.recv(65536)
        except OSError:
            data = b''
        if not data:
            return names, True
        frames, buf = split_frames(buf + data)
        names += [NAMES.get(f[8], str(f[8])) for f in frames]
    return names, False


def replay(sock, data, a):
    sock.sendall(data)
    names, closed = read_all(sock, min(a.timeout, 8))
    say('peer sent: %s' % ' '.join(names))
    say('peer closed: %s' % closed)
    return 0


def replay_to_slave(a):
    data = open(a.file, 'rb').read()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', a.listen))
    ls.listen(4)
    r, _, _ = select.select([ls], [], [], a.timeout)
    if not r:
        say('no slave connected')
        return 4
    c, _ = ls.accept()
    # Wait for the slave's AUTH_HELLO first, as a master would.
    select.select([c], [], [], 2)
    return replay(c, data, a)


def replay_to_master(a):
    data = open(a.file, 'rb').read()
    c = socket.create_connection(('127.0.0.1', a.to), timeout=5)
    select.select([c], [], [], 2)
    return replay(c, data, a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['proxy', 'replay-to-slave',
                                     'replay-to-master'])
    ap.add_argument('--listen', type=int)
    ap.add_argument('--to', type=int)
    ap.add_argument('--tamper', choices=['flip', 'hdr', 'dup', 'swap',
                                         'drop'])
    ap.add_argument('--dir', choices=['m2s', 's2m'], default='m2s')
    ap.add_argument('--index', type=int, default=0)
    ap.add_argument('--record-m2s')
    ap.add_argument('--record-s2m')
    ap.add_argument('--file')
    ap.add_argument('--timeout', type=float, default=20)
    a = ap.parse_args()
    return {'proxy': proxy, 'replay-to-slave': replay_to_slave,
            'replay-to-master': replay_to_master}[a.mode](a)


if __name__ == '__main__':
    sys.exit(main())
