#!/usr/bin/env python3
"""v1peer.py - scriptable peers that speak only the 2014 protocol (version 1).

Used by the compatibility tests to play the 2014 slave against our master and
the 2014 master against our slave.  Python 3 standard library only.

  v1peer.py slave  --port P --session S [--once] [--timeout SECS]
                   [--output FILE] [--conf-dir DIR] [--dump-conf FILE]
                   [--iface-bcast ADDR | --bind ADDR]
  v1peer.py master --port P --session S --bcast ADDR --slaves N --conf FILE
                   [--listen ADDR] [--timeout SECS] [--conf-only]

Everything the peer receives is printed on stdout, one line per event, so a
test can assert on it.  A peer that sees anything a 2014 peer would not expect
prints a line starting with "DEVIATION:" and exits 3.  Exit 4 means the
--timeout expired.  Every wait is bounded by --timeout.

Frame header: '!IIBH' = version (1), session, command, datalen, then datalen
payload bytes.  The 2014 FINISHD payload is '=qqqqqq' in the sender's host
byte order: start sec, usec, finish sec, usec, 0, 0.
"""

import argparse
import os
import select
import socket
import struct
import subprocess
import sys
import time

HDR = struct.Struct('!IIBH')
HDR_LEN = HDR.size  # 11
FINISHD_V1 = struct.Struct('=qqqqqq')  # 48 bytes, host order

REPLY, PROBE, CONF, CONF_OK, CONF_NO, EXEC, EXEC_OK, EXEC_NO = range(8)
RUNNING, STOPPED, FINISHD = 8, 9, 10
NAMES = {0: 'REPLY', 1: 'PROBE', 2: 'CONF', 3: 'CONF_OK', 4: 'CONF_NO',
         5: 'EXEC', 6: 'EXEC_OK', 7: 'EXEC_NO', 8: 'RUNNING', 9: 'STOPPED',
         10: 'FINISHD'}

EXIT_DEVIATION = 3
EXIT_TIMEOUT = 4


def say(*args):
    print(*args, flush=True)


class Deviation(Exception):
    """The peer did something a 2014 peer would not expect."""


class Timeout(Exception):
    pass


class Deadline:
    def __init__(self, secs):
        self.end = time.monotonic() + secs

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise Timeout()
        return left


def frame(session, cmd, payload=b''):
    if len(payload) > 65535:
        raise ValueError('payload over 65535 bytes')
    return HDR.pack(1, session, cmd, len(payload)) + payload


class Stream:
    """Reassembles frames from a TCP connection (one recv is not one frame)."""

    def __init__(self, sock, session, peer):
        self.sock = sock
        self.session = session
        self.peer = peer
        self.buf = b''
        self.closed = False

    def fileno(self):
        return self.sock.fileno()

    def feed(self):
        """Read what is there; returns False at end of stream."""
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            data = b''
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    def next_frame(self):
        """A whole (cmd, payload) if buffered, else None.  Checks like 2014."""
        if len(self.buf) < HDR_LEN:
            return None
        version, session, cmd, datalen = HDR.unpack_from(self.buf)
        if version != 1:
            raise Deviation('%s: frame version %d' % (self.peer, version))
        if session != self.session:
            raise Deviation('%s: frame of session %d, ours is %d'
                            % (self.peer, session, self.session))
        if cmd not in NAMES:
            raise Deviation('%s: command %d is not a 2014 command'
                            % (self.peer, cmd))
        if len(self.buf) < HDR_LEN + datalen:
            return None
        payload = self.buf[HDR_LEN:HDR_LEN + datalen]
        self.buf = self.buf[HDR_LEN + datalen:]
        return cmd, payload

    def send(self, cmd, payload=b''):
        self.sock.sendall(frame(self.session, cmd, payload))


def read_frame(stream, deadline):
    """Block (bounded) until one frame; None at end of stream."""
    while True:
        f = stream.next_frame()
        if f is not None:
            return f
        if stream.closed:
            return None
        r, _, _ = select.select([stream], [], [], min(deadline.left(), 1.0))
        if r and not stream.feed():
            if stream.buf:
                raise Deviation('%s: stream ended inside a frame (%d bytes)'
                                % (stream.peer, len(stream.buf)))
            return None


# --------------------------------------------------------------------------
# The 2014 slave
# --------------------------------------------------------------------------

def is_executable(path):
    return (path.startswith('/') and os.path.isfile(path)
            and os.access(path, os.X_OK))


def slave_session(args, stream, deadline):
    """Serve one master connection.  Returns when it ends."""
    conf_path = os.path.join(args.conf_dir,
                             'synexec_slave_conf.%d' % os.getpid())
    argv = None
    proc = None
    start = None
    stream.send(REPLY)          # the 2014 hello: an empty REPLY
    say('sent REPLY (empty hello)')
    try:
        while True:
            # Notice the task's end at once (the 2014 slave lagged up to 1 s;
            # the lag does not matter to the protocol).
            if proc is not None and proc.poll() is not None:
                finish = time.time()
                payload = FINISHD_V1.pack(int(start), int((start % 1) * 1e6),
                                          int(finish), int((finish % 1) * 1e6),
                                          0, 0)
                stream.send(FINISHD, payload)
                say('task exited %d; sent FINISHD start=%.6f finish=%.6f'
                    % (proc.returncode, start, finish))
                proc = None
            f = stream.next_frame()
            if f is None:
                if stream.closed:
                    say('connection closed by master')
                    return
                r, _, _ = select.select([stream], [], [],
                                        min(deadline.left(), 0.02))
                if r and not stream.feed() and stream.buf:
                    raise Deviation('stream ended inside a frame')
                continue
            cmd, payload = f
            name = NAMES[cmd]
            if cmd == PROBE:
                if payload:
                    raise Deviation('PROBE with %d payload bytes' % len(payload))
                say('got PROBE (tcp)')
                stream.send(REPLY)
            elif cmd == CONF:
                say('got CONF %d bytes' % len(payload))
                if args.dump_conf:
                    with open(args.dump_conf, 'wb') as fh:
                        fh.write(payload)
                nl = payload.find(b'\n')
                line = payload if nl < 0 else payload[:nl]
                rest = b'' if nl < 0 else payload[nl + 1:]
                words = line.decode('latin-1').split()
                if not words or not is_executable(words[0]):
                    say('CONF refused: %r' % line)
                    stream.send(CONF_NO)
                    continue
                with open(conf_path, 'wb') as fh:
                    fh.write(rest)
                argv = [conf_path if w == ':CONF:' else w for w in words]
                say('command: %s' % ' '.join(argv))
                stream.send(CONF_OK)
            elif cmd == EXEC:
                if payload:
                    raise Deviation('EXEC with %d payload bytes' % len(payload))
                say('got EXEC')
                if argv is None or proc is not None:
                    stream.send(EXEC_NO)
                    continue
                with open(args.output, 'wb') as out:
                    start = time.time()
                    exe = argv[0]
                    proc = subprocess.Popen(
                        [os.path.basename(exe)] + argv[1:], executable=exe,
                        stdin=subprocess.DEVNULL, stdout=out, stderr=out)
                stream.send(EXEC_OK)
            else:
                raise Deviation('unexpected %s (%d bytes) from master'
                                % (name, len(payload)))
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        try:
            os.unlink(conf_path)
        except FileNotFoundError:
            pass


def run_slave(args):
    deadline = Deadline(args.timeout)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((args.bind, args.port))
    say('listening on udp %s:%d session %d' % (args.bind, args.port,
                                               args.session))
    sessions = 0
    while True:
        r, _, _ = select.select([udp], [], [], min(deadline.left(), 1.0))
        if not r:
            continue
        data, src = udp.recvfrom(4096)
        if len(data) != HDR_LEN:
            say('ignored datagram of %d bytes from %s' % (len(data), src[0]))
            continue
        version, session, cmd, datalen = HDR.unpack(data)
        if version != 1 or cmd != PROBE or session != args.session \
                or datalen != 0:
            say('ignored datagram v%d s%d c%d l%d from %s'
                % (version, session, cmd, datalen, src[0]))
            continue
        say('got PROBE (udp) from %s:%d' % src)
        sock = socket.create_connection((src[0], args.port),
                                        timeout=deadline.left())
        sock.settimeout(None)
        try:
            slave_session(args, Stream(sock, args.session, src[0]), deadline)
        finally:
            sock.close()
        sessions += 1
        if args.once:
            return 0


# --------------------------------------------------------------------------
# The 2014 master
# --------------------------------------------------------------------------

def expect(stream, deadline, want):
    """Next frame that is not a REPLY (answers to our TCP PROBEs may lag)."""
    while True:
        f = read_frame(stream, deadline)
        if f is None:
            raise Deviation('%s: connection closed while waiting for %s'
                            % (stream.peer, NAMES[want]))
        cmd, payload = f
        if cmd == REPLY:
            continue
        if cmd != want:
            raise Deviation('%s: got %s (%d bytes), wanted %s'
                            % (stream.peer, NAMES[cmd], len(payload),
                               NAMES[want]))
        return payload


def conf_only(slaves, deadline):
    """--conf-only: report each slave's answer to CONF, then hang up.

    Closing before EXEC is what a 2014 master does when it is stopped: our
    slave kills the armed task, which never ran.  Exit 0 if every slave
    answered CONF_OK, 2 if any refused (its reason is printed).
    """
    refused = 0
    for s in slaves:
        while True:
            f = read_frame(s, deadline)
            if f is None:
                raise Deviation('%s: connection closed while waiting for '
                                'CONF_OK or CONF_NO' % s.peer)
            cmd, payload = f
            if cmd != REPLY:
                break
        if cmd == CONF_OK:
            say('%s: CONF_OK' % s.peer)
        elif cmd == CONF_NO:
            refused += 1
            say('%s: CONF_NO %s' % (s.peer,
                                    payload.decode('ascii', 'replace')))
        else:
            raise Deviation('%s: got %s, wanted CONF_OK or CONF_NO'
                            % (s.peer, NAMES[cmd]))
    for s in slaves:
        s.sock.close()
    say('configuration done')
    return 2 if refused else 0


def run_master(args):
    deadline = Deadline(args.timeout)
    with open(args.conf, 'rb') as fh:
        conf = fh.read()
    if len(conf) > 65535:
        # The 2014 master truncated silently; we refuse instead.
        say('conf file is %d bytes, over 65535' % len(conf))
        return 1
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.listen, args.port))
    lsock.listen(128)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    probe = frame(args.session, PROBE)
    slaves = []         # joined Streams
    pending = []        # accepted, first frame not read yet
    next_probe = 0.0
    while len(slaves) < args.slaves:
        now = time.monotonic()
        if now >= next_probe:
            udp.sendto(probe, (args.bcast, args.port))
            for s in slaves:
                s.send(PROBE)
            next_probe = now + 1.0
        r, _, _ = select.select([lsock] + pending, [], [],
                                min(deadline.left(), max(next_probe - now, 0)))
        for x in r:
            if x is lsock:
                c, addr = lsock.accept()
                pending.append(Stream(c, args.session, '%s:%d' % addr))
                say('connection from %s:%d' % addr)
                continue
            if not x.feed():
                say('%s: closed before its REPLY' % x.peer)
                pending.remove(x)
                continue
            f = x.next_frame()
            if f is None:
                continue
            cmd, payload = f
            pending.remove(x)
            if cmd != REPLY:
                raise Deviation('%s: first frame is %s, not REPLY'
                                % (x.peer, NAMES[cmd]))
            # The 2014 master reads and discards the hello's payload.
            say('%s joined (REPLY with %d payload bytes)'
                % (x.peer, len(payload)))
            slaves.append(x)
    for s in slaves:
        s.send(CONF, conf)
    say('sent CONF %d bytes' % len(conf))
    if args.conf_only:
        return conf_only(slaves, deadline)
    for s in slaves:
        expect(s, deadline, CONF_OK)
        say('%s: CONF_OK' % s.peer)
    for s in slaves:
        s.send(EXEC)
    for s in slaves:
        expect(s, deadline, EXEC_OK)
        say('%s: EXEC_OK' % s.peer)
    now = time.time()
    for s in slaves:
        payload = expect(s, deadline, FINISHD)
        if len(payload) != FINISHD_V1.size:
            raise Deviation('%s: FINISHD of %d bytes, not 48'
                            % (s.peer, len(payload)))
        ss, su, fs, fu, z1, z2 = FINISHD_V1.unpack(payload)
        if not (0 <= su < 1000000 and 0 <= fu < 1000000):
            raise Deviation('%s: FINISHD microseconds out of range: %d %d'
                            % (s.peer, su, fu))
        if (z1, z2) != (0, 0):
            raise Deviation('%s: FINISHD third pair not zero: %d %d'
                            % (s.peer, z1, z2))
        start = ss + su / 1e6
        finish = fs + fu / 1e6
        if finish < start:
            raise Deviation('%s: FINISHD finish %.6f before start %.6f'
                            % (s.peer, finish, start))
        if abs(start - now) > 3600:
            raise Deviation('%s: FINISHD start %.6f is far from now %.6f'
                            % (s.peer, start, now))
        say('%s: FINISHD start=%d.%06d finish=%d.%06d duration=%.6f'
            % (s.peer, ss, su, fs, fu, finish - start))
    for s in slaves:
        s.sock.close()
    say('session done')
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='role', required=True)
    sp = sub.add_parser('slave')
    sp.add_argument('--port', type=int, required=True)
    sp.add_argument('--session', type=int, default=0)
    sp.add_argument('--bind', default='', help='UDP address to bind '
                    '(default all; --iface-bcast sets it)')
    sp.add_argument('--iface-bcast', help='bind UDP to this broadcast '
                    'address, as the 2014 slave did (e.g. 127.255.255.255)')
    sp.add_argument('--output', default='/tmp/synexec.out')
    sp.add_argument('--conf-dir', default='/tmp')
    sp.add_argument('--dump-conf', help='write each CONF payload here')
    sp.add_argument('--once', action='store_true',
                    help='exit after the first master connection ends')
    sp.add_argument('--timeout', type=float, default=60)
    mp = sub.add_parser('master')
    mp.add_argument('--port', type=int, required=True)
    mp.add_argument('--session', type=int, default=0)
    mp.add_argument('--bcast', default='127.255.255.255')
    mp.add_argument('--listen', default='127.0.0.1')
    mp.add_argument('--slaves', type=int, default=1)
    mp.add_argument('--conf', required=True)
    mp.add_argument('--timeout', type=float, default=60)
    mp.add_argument('--conf-only', action='store_true',
                    help='stop after the answers to CONF (exit 2 if any '
                    'slave refused)')
    args = ap.parse_args()
    if args.role == 'slave' and args.iface_bcast:
        args.bind = args.iface_bcast
    try:
        if args.role == 'slave':
            return run_slave(args)
        return run_master(args)
    except Deviation as e:
        say('DEVIATION: %s' % e)
        return EXIT_DEVIATION
    except Timeout:
        say('TIMEOUT after %g s' % args.timeout)
        return EXIT_TIMEOUT


if __name__ == '__main__':
    sys.exit(main())
