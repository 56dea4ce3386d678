"""wire.py - the version-1 frame, for the test peers (NOTES section 1).

The header is 11 bytes, big-endian: version u32, session u32, command u8,
datalen u16.  Shared by badpeer.py, faultpeer.py, hostile.py and metricspeer.py.
"""
import select
import struct
import time

HDR = struct.Struct('!IIBH')


def frame(session, cmd, payload=b'', version=1, datalen=None):
    """One frame; datalen, if given, is what the header claims."""
    n = len(payload) if datalen is None else datalen
    return HDR.pack(version, session, cmd, n) + payload


def read_frames(sock, secs):
    """Frames until the peer closes or secs pass: ([(cmd, payload)], closed)."""
    end = time.monotonic() + secs
    buf = b''
    frames = []
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return frames, False
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            data = sock.recv(65536)
        except OSError:     # reset, broken pipe: closed as well
            data = b''
        if not data:
            return frames, True
        buf += data
        while len(buf) >= HDR.size:
            _, _, cmd, n = HDR.unpack_from(buf)
            if len(buf) < HDR.size + n:
                break
            frames.append((cmd, buf[HDR.size:HDR.size + n]))
            buf = buf[HDR.size + n:]


def read_frames_n(sock, secs, n, want=None):
    """Like read_frames, but return as soon as n frames came (or, with want,
    a frame of that command): ([(cmd, payload)], closed)."""
    end = time.monotonic() + secs
    buf = b''
    frames = []
    while True:
        done = (len(frames) >= n if want is None
                else any(cmd == want for cmd, _ in frames))
        if done:
            return frames, False
        left = end - time.monotonic()
        if left <= 0:
            return frames, False
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        try:
            data = sock.recv(65536)
        except OSError:
            data = b''
        if not data:
            return frames, True
        buf += data
        while len(buf) >= HDR.size:
            _, _, cmd, ln = HDR.unpack_from(buf)
            if len(buf) < HDR.size + ln:
                break
            frames.append((cmd, buf[HDR.size:HDR.size + ln]))
            buf = buf[HDR.size + ln:]


class Peer:
    """A connection and the frames read from it so far."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def next(self, secs):
        """The next frame (cmd, payload) within secs; None at close or time-out."""
        end = time.monotonic() + secs
        while True:
            if len(self.buf) >= HDR.size:
                _, _, cmd, n = HDR.unpack_from(self.buf)
                if len(self.buf) >= HDR.size + n:
                    p = self.buf[HDR.size:HDR.size + n]
                    self.buf = self.buf[HDR.size + n:]
                    return cmd, p
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b''
            if not data:
                return None
            self.buf += data

    def until(self, cmds, secs):
        """Read until a frame of cmds: (cmd, payload), or None."""
        end = time.monotonic() + secs
        while True:
            f = self.next(max(end - time.monotonic(), 0))
            if f is None or f[0] in cmds:
                return f
