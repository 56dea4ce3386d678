#!/usr/bin/env python3
"""mkseeds.py - write the seed corpora of the frame-handling fuzz targets.

  tests/fuzz/mkseeds.py [TOP]

Writes tests/fuzz/corpus/master_conn/* and tests/fuzz/corpus/slave_conn/*:
whole sessions as a real peer would play them (ours and 2014, keyed and
not), and a few classic mistakes, in the input format of fuzz_peer.h
(a flags byte, then records: u8 ctl, u16 little-endian length, bytes).
Run it again after changing that format; the files are committed.
"""

import hashlib
import os
import struct
import sys

HDR = struct.Struct('!IIBH')
SESSION = 7
ECHO, CLOSE, WAIT = 0x80, 0x40, 0x20
(REPLY, PROBE, CONF, CONF_OK, CONF_NO, EXEC, EXEC_OK, EXEC_NO) = range(8)
FINISHD = 10
WELCOME, FULL, PING, PONG, CONF_BEGIN, CONF_DATA, START = range(32, 39)
REPORT, REPORT_REQ, OUTPUT, ABORT, BYE, HEARTBEAT, ERROR = range(39, 46)
KILL_GRACE = 46
RUN, RUN_END = 47, 51
OUTPUT_ERR, STDERR_TAIL, PREFLIGHT, PREFLIGHT_ANS = 53, 54, 55, 56
METRICS = 52
AUTH_HELLO, AUTH_PROOF, SEALED = 48, 49, 50
# The harnesses' key (fuzz_peer.c) and its id (NOTES section 10), so that a
# raw AUTH_HELLO of ours gets past the key id check.
FUZZ_KEY = bytes.fromhex('5f75a2e1c39e1d7a8c4b0f2d6e9a3b7c'
                         '1f0e2d4c6b8a9e7d5c3b1a0f9e8d7c6b')
FUZZ_KEY_ID = hashlib.blake2b(b'synexec key id v1', key=FUZZ_KEY,
                              digest_size=8).digest()


# Terminal controls, CR, the C1 byte CSI raw and as UTF-8, bytes that are
# not UTF-8: what a hostile peer puts in its texts (NOTES section 10).
EVIL = b'\x1b]0;t\x07\x1b[2J\rfake\x9b31m\xc2\x9b32m\xff\xfe'


def frame(cmd, payload=b'', session=SESSION, version=1, datalen=None):
    n = len(payload) if datalen is None else datalen
    return HDR.pack(version, session, cmd, n) + payload


def rec(data, ctl=0):
    return struct.pack('<BH', ctl, len(data)) + data


def hello(name=b'fz', pid=4242, flags=0, caps=None):
    if caps is not None:
        flags = caps
    return struct.pack('!IHHIB', 0x53594e58, 1, flags, pid, len(name)) + name


def run(i=0, n=2, rep=0, reps=2, conf=b'a.session'):
    return struct.pack('!IIIIB', i, n, rep, reps, len(conf)) + conf


def stderr_tail(tail=b'', reason=b'', nbytes=0, flags=0):
    return struct.pack('!QBH', nbytes, flags, len(reason)) + reason + tail


def preflight_ans(items=((1, 0, b'/bin/true: may be run by root'),)):
    return bytes([len(items)]) + b''.join(
        struct.pack('!BBH', c, v, len(t)) + t for c, v, t in items)


def metrics(values, errors=()):
    """METRICS: values [(name, value, unit)], errors [(kind, text)]."""
    p = bytes([len(values), len(errors)])
    for name, v, unit in values:
        p += bytes([len(name), len(unit)]) + struct.pack('!d', v) + name + unit
    for kind, text in errors:
        p += bytes([kind]) + struct.pack('!H', len(text)) + text
    return p


def pong():
    return struct.pack('!QQQ', 0, 1000000000, 1700000000000000000)


def result(code=0):
    return (struct.pack('!QQq', 1700000000000000000, 1700000001000000000, 0)
            + bytes([0]) + struct.pack('!i', code)
            + struct.pack('!QQQQ', 10, 20, 3000, 0))


def report(state=2):
    text = b'50%'
    return (bytes([state]) + struct.pack('!QQQ', 1000, 20, 0)
            + bytes([len(text)]) + text)


def v1_result():
    return struct.pack('=qqqqqq', 1700000000, 5, 1700000001, 6, 0, 0)


def conf_begin(cmd=b'/bin/true :CONF:', size=5, flags=0, index=0, n=1):
    addr = b'127.0.0.1'
    return (struct.pack('!QIIIIQHH', size, index, n, 0, flags, 0, len(cmd),
                        len(addr)) + cmd + addr)


def master_seeds():
    s = {}
    ours = [rec(frame(REPLY, hello()))]
    ours += [rec(frame(PONG, pong()), ECHO) for _ in range(4)]
    ours += [rec(frame(CONF_OK)), rec(frame(EXEC_OK)),
             rec(frame(REPORT, report())), rec(frame(FINISHD, result()))]
    s['ours_ok'] = bytes([0x00]) + b''.join(ours)
    s['ours_keyed'] = bytes([0x20]) + b''.join(ours)
    s['ours_failfast'] = bytes([0x80]) + b''.join(ours[:-1]) + \
        rec(frame(FINISHD, result(3)))
    s['ours_refused'] = bytes([0x00]) + b''.join(ours[:5]) + \
        rec(frame(CONF_NO, b'/bin/true: not in the --allow list'))
    s['ours_exec_no'] = bytes([0x00]) + b''.join(ours[:6]) + \
        rec(frame(EXEC_NO, b'not armed'))
    s['ours_error'] = bytes([0x00]) + b''.join(ours[:3]) + \
        rec(frame(ERROR, b'slave shutting down'))
    s['ours_large'] = bytes([0x10]) + b''.join(ours[:5]) + \
        b''.join(rec(b'', WAIT) for _ in range(4)) + b''.join(ours[5:])
    v1 = [rec(frame(REPLY)), rec(frame(CONF_OK))]
    v1 += [rec(b'', WAIT) for _ in range(3)]
    v1 += [rec(frame(EXEC_OK)), rec(frame(FINISHD, v1_result()))]
    s['v1_ok'] = bytes([0x00]) + b''.join(v1)
    s['v1_keyed'] = bytes([0x20]) + b''.join(v1)
    s['v1_large'] = bytes([0x10]) + b''.join(v1)
    two = []
    for c in (0, 1):
        two.append(rec(frame(REPLY, hello(b'fz%d' % c, 100 + c)), c))
    for _ in range(4):
        for c in (0, 1):
            two.append(rec(frame(PONG, pong()), ECHO | c))
    for cmd in (CONF_OK, EXEC_OK):
        for c in (0, 1):
            two.append(rec(frame(cmd), c))
    two.append(rec(frame(FINISHD, result()), 0))
    two.append(rec(frame(FINISHD, result(1)), 1 | CLOSE))
    s['two_ok'] = bytes([0x01 | 0x04]) + b''.join(two)
    s['two_same_name'] = bytes([0x01 | 0x04]) + \
        rec(frame(REPLY, hello(b'x')), 0) + rec(frame(REPLY, hello(b'x')), 1)
    s['full'] = bytes([0x04]) + rec(frame(REPLY), 0) + \
        rec(frame(REPLY, hello()), 1)
    s['bad_version'] = bytes([0]) + rec(frame(REPLY, version=2))
    s['bad_session'] = bytes([0]) + rec(frame(REPLY, session=8))
    s['bad_unknown'] = bytes([0]) + rec(frame(99))
    s['bad_huge'] = bytes([0]) + rec(frame(REPLY, datalen=60000))
    s['bad_short'] = bytes([0]) + rec(frame(REPLY)[:5], CLOSE)
    s['bad_pong_early'] = bytes([0]) + rec(frame(REPLY, hello())) + \
        rec(frame(PONG, pong()))
    s['bad_finishd_early'] = bytes([0]) + b''.join(ours[:5]) + \
        rec(frame(FINISHD, result()))
    s['evil_name'] = bytes([0]) + rec(frame(REPLY, hello(b'x' + EVIL)))
    s['evil_refused'] = bytes([0x00]) + b''.join(ours[:5]) + \
        rec(frame(CONF_NO, b'refused: ' + EVIL))
    s['evil_exec_no'] = bytes([0x00]) + b''.join(ours[:6]) + \
        rec(frame(EXEC_NO, EVIL))
    s['evil_error'] = bytes([0x00]) + b''.join(ours[:3]) + \
        rec(frame(ERROR, EVIL))
    evil_report = (bytes([2]) + struct.pack('!QQQ', 1000, 20, 0)
                   + bytes([len(EVIL)]) + EVIL)
    s['evil_report_output'] = bytes([0x00]) + b''.join(ours[:6]) + \
        rec(frame(REPORT, evil_report)) + \
        rec(frame(OUTPUT, b'line\n' + EVIL + b'\n' + EVIL)) + \
        rec(frame(FINISHD, result()))
    s['keyed_raw_plain'] = bytes([0x40]) + rec(frame(REPLY, hello()))
    s['keyed_raw_hello'] = bytes([0x40]) + \
        rec(frame(48, struct.pack('!HH', 1, 0) + bytes(40)))
    # Headers that announce what would not be taken before the hello or
    # the key: refused by the header, the payload never waited for.
    s['keyed_raw_sealed_huge'] = bytes([0x40]) + \
        rec(frame(SEALED, b'x' * 1000, datalen=65535))
    good_hello = struct.pack('!HH', 1, 0) + FUZZ_KEY_ID + b'n' * 32
    # In one record: the fake slave's own proof (over its own hello) would
    # end the handshake before a second record.
    s['keyed_raw_hello_sealed_huge'] = bytes([0x40]) + \
        rec(frame(AUTH_HELLO, good_hello) +
            frame(SEALED, b'x' * 1000, datalen=65535))
    s['keyed_raw_hello_reply_huge'] = bytes([0x40]) + \
        rec(frame(AUTH_HELLO, good_hello) +
            frame(REPLY, hello()[:10], datalen=1024))
    s['keyed_raw_conf_huge'] = bytes([0x40]) + \
        rec(frame(CONF, b'x' * 2000, datalen=65535))
    s['pre_hello_conf_huge'] = bytes([0]) + \
        rec(frame(CONF, b'x' * 2000, datalen=65535))
    s['pre_hello_sealed_huge'] = bytes([0]) + \
        rec(frame(SEALED, b'x' * 2000, datalen=65535))
    s['pre_hello_huge_4conns'] = bytes([0x0c]) + b''.join(
        rec(frame(OUTPUT, b'x' * 100, datalen=65535), c) for c in range(4))
    # The kill grace told after WELCOME, then told twice, or out of place.
    grace = rec(frame(KILL_GRACE, struct.pack('!I', 1000)))
    s['ours_kill_grace'] = bytes([0x00]) + ours[0] + grace + \
        b''.join(ours[1:])
    s['kill_grace_twice'] = bytes([0x00]) + ours[0] + grace + grace
    s['kill_grace_late'] = bytes([0x00]) + b''.join(ours[:6]) + grace
    s['kill_grace_huge'] = bytes([0x00]) + ours[0] + \
        rec(frame(KILL_GRACE, struct.pack('!I', 0xffffffff)))
    s['slave_sends_report_req'] = bytes([0x00]) + b''.join(ours[:6]) + \
        rec(frame(REPORT_REQ) * 100)
    # A slave that serves campaigns (HELLO_CAP_CAMPAIGN): RUN comes before
    # CONF_BEGIN; one with unknown capability bits too.
    s['ours_campaign_cap'] = bytes([0x00]) + \
        rec(frame(REPLY, hello(flags=1))) + b''.join(ours[1:])
    s['ours_unknown_caps'] = bytes([0x00]) + \
        rec(frame(REPLY, hello(flags=0xfffe))) + b''.join(ours[1:])
    # A slave that keeps stderr apart and can preflight (hello caps 0xc):
    # its stderr, the tail of a failed task (hostile bytes), FINISHD; and
    # the frames out of place.
    caps = [rec(frame(REPLY, hello(caps=0x000c)))] + ours[1:]
    err_out = rec(frame(OUTPUT_ERR, b'err line\n' + EVIL + b'\n'))
    tail = rec(frame(STDERR_TAIL, stderr_tail(EVIL + b'\nlast\n',
                                              b'/x: ' + EVIL, 24)))
    s['caps_stderr_tail'] = bytes([0x00]) + b''.join(caps[:7]) + tail + \
        rec(frame(FINISHD, result(3)))
    s['caps_output_err_unasked'] = bytes([0x00]) + b''.join(caps[:7]) + \
        err_out
    s['caps_finishd_without_tail'] = bytes([0x00]) + b''.join(caps)
    s['caps_tail_twice'] = bytes([0x00]) + b''.join(caps[:7]) + tail + tail
    s['caps_tail_merged_bytes'] = bytes([0x00]) + b''.join(caps[:7]) + \
        rec(frame(STDERR_TAIL, stderr_tail(b'x', b'', 5, 1))) + \
        rec(frame(FINISHD, result(1)))
    s['nocaps_output_err'] = bytes([0x00]) + b''.join(ours[:7]) + err_out
    s['caps_preflight_ans_unasked'] = bytes([0x00]) + b''.join(caps[:5]) + \
        rec(frame(PREFLIGHT_ANS, preflight_ans()))
    # METRICS (issue 18): from a slave that can (hello flags bit 1), with
    # its REPORTs; unasked; a 65th name; a frame that does not decode.
    caps = [rec(frame(REPLY, hello(flags=0x0002)))] + ours[1:]
    m1 = frame(METRICS, metrics([(b'ops', 1200.0, b'ops'), (b'lat', 3.5, b'ms')],
                                [(1, b'malformed metric line "metric x=y"')]))
    s['ours_metrics'] = bytes([0x00]) + b''.join(caps[:7]) + \
        rec(m1 + frame(REPORT, report())) + \
        rec(frame(METRICS, metrics([(b'ops', 2400.0, b'ops')])) +
            frame(REPORT, report(3))) + caps[8]
    s['metrics_unasked'] = bytes([0x00]) + b''.join(ours[:7]) + rec(m1)
    many = [(b'n%d' % i, float(i), b'') for i in range(64)]
    s['metrics_65_names'] = bytes([0x00]) + b''.join(caps[:7]) + \
        rec(frame(METRICS, metrics(many))) + \
        rec(frame(METRICS, metrics([(b'n64', 1.0, b'')])))
    s['metrics_bad'] = bytes([0x00]) + b''.join(caps[:7]) + \
        rec(frame(METRICS, bytes([1, 0, 3, 0]) + b'\x7f\xf8' + bytes(6) +
                  b'nan'))
    s['metrics_early'] = bytes([0x00]) + b''.join(caps[:3]) + rec(m1)
    s['metrics_evil'] = bytes([0x00]) + b''.join(caps[:7]) + \
        rec(frame(METRICS, bytes([0, 1, 1]) + struct.pack('!H', len(EVIL)) +
                  EVIL))
    return s


def slave_seeds():
    s = {}
    welcome = rec(frame(WELCOME, struct.pack('!HHI', 1, 0, 0)))
    ping = rec(frame(PING, struct.pack('!Q', 12345)))
    ours = [welcome, ping, ping,
            rec(frame(CONF_BEGIN, conf_begin())),
            rec(frame(CONF_DATA, b'hello')),
            rec(frame(START, struct.pack('!Q', 0)))]
    ours += [rec(b'', WAIT) for _ in range(6)]
    ours += [rec(frame(REPORT_REQ)), rec(frame(BYE, b'session complete'))]
    s['ours_ok'] = bytes([0x00]) + b''.join(ours)
    s['ours_keyed'] = bytes([0x01]) + b''.join(ours)
    s['ours_abort'] = bytes([0x00]) + b''.join(ours[:5]) + \
        rec(frame(START, struct.pack('!Q', 0xffffffffffff))) + \
        rec(frame(ABORT, b'timeout')) + \
        b''.join(rec(b'', WAIT) for _ in range(4))
    s['ours_refused'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(b'/bin/sh :CONF:'))) + \
        rec(frame(CONF_DATA, b'hello')) + rec(frame(START, bytes(8)))
    s['ours_output'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(flags=3))) + \
        rec(frame(CONF_DATA, b'hello')) + \
        rec(frame(START, bytes(8))) + \
        b''.join(rec(b'', WAIT) for _ in range(6))
    s['ours_empty'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(size=0))) + \
        rec(frame(START, bytes(8))) + rec(frame(START, bytes(8)))
    v1 = [rec(frame(PROBE)), rec(frame(CONF, b'/bin/true :CONF:\nabc')),
          rec(frame(EXEC))]
    v1 += [rec(b'', WAIT) for _ in range(6)]
    s['v1_ok'] = bytes([0x00]) + b''.join(v1)
    s['v1_keyed'] = bytes([0x01]) + b''.join(v1)
    s['v1_conf_twice'] = bytes([0x00]) + b''.join(v1[:2]) + v1[1]
    s['exec_before_conf'] = bytes([0x00]) + rec(frame(EXEC))
    s['finishd_from_master'] = bytes([0x00]) + welcome + \
        rec(frame(FINISHD, result()))
    s['conf_data_beyond'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(size=2))) + \
        rec(frame(CONF_DATA, b'hello'))
    s['bad_version'] = bytes([0]) + rec(frame(WELCOME, bytes(8), version=2))
    s['bad_unknown'] = bytes([0]) + rec(frame(99))
    s['bad_huge'] = bytes([0]) + rec(frame(WELCOME, datalen=60000))
    s['evil_command'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(b'/bin/' + EVIL + b' :CONF:'))) + \
        rec(frame(CONF_DATA, b'hello'))
    evil_addr = (struct.pack('!QIIIIQHH', 0, 0, 1, 0, 0, 0, 9, len(EVIL))
                 + b'/bin/true' + EVIL)
    s['evil_master_addr'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, evil_addr))
    s['evil_v1_command'] = bytes([0x00]) + \
        rec(frame(CONF, b'/bin/' + EVIL + b'\npayload'))
    s['evil_reasons'] = bytes([0x00]) + welcome + \
        rec(frame(ABORT, EVIL)) + rec(frame(ERROR, EVIL))
    s['evil_bye'] = bytes([0x00]) + welcome + rec(frame(BYE, EVIL))
    s['evil_full'] = bytes([0x00]) + rec(frame(FULL, EVIL))
    s['keyed_raw_plain'] = bytes([0x03]) + rec(frame(CONF, b'/bin/true\n'))
    s['keyed_raw_proof'] = bytes([0x03]) + rec(frame(49, bytes(32)))
    # Before the key: headers announcing what would not be taken.
    s['keyed_raw_sealed_huge'] = bytes([0x03]) + \
        rec(frame(SEALED, b'x' * 1000, datalen=65535))
    s['keyed_raw_conf_huge'] = bytes([0x03]) + \
        rec(frame(CONF, b'/bin/true\n', datalen=65535))
    # REPORT_REQ floods: idle, and while a task runs, across the pacing.
    flood = rec(frame(REPORT_REQ) * 300)
    s['report_req_flood_idle'] = bytes([0x00]) + welcome + flood + \
        rec(b'', WAIT) + flood
    s['report_req_flood'] = bytes([0x00]) + b''.join(ours[:6]) + \
        b''.join(flood + rec(b'', WAIT) for _ in range(6)) + \
        rec(frame(BYE, b'session complete'))
    s['report_req_flood_keyed'] = bytes([0x01]) + b''.join(ours[:6]) + \
        b''.join(flood + rec(b'', WAIT) for _ in range(3))
    # A master that asks for the kill grace (WELCOME flags bit 0).
    s['welcome_grace'] = bytes([0x00]) + \
        rec(frame(WELCOME, struct.pack('!HHI', 1, 1, 1000))) + \
        b''.join(ours[1:])
    # ... and sets flags it does not know.
    s['welcome_unknown_flags'] = bytes([0x00]) + \
        rec(frame(WELCOME, struct.pack('!HHI', 1, 0xfffe, 1000))) + \
        b''.join(ours[1:])
    # Campaigns: two runs on one connection; a run ended while its task is
    # armed (killed), the next configured at once (armed once it is gone);
    # RUN and RUN_END out of place, twice, malformed.
    wait = b''.join(rec(b'', WAIT) for _ in range(6))
    one = [rec(frame(CONF_BEGIN, conf_begin())), rec(frame(CONF_DATA, b'hello')),
           rec(frame(START, struct.pack('!Q', 0)))]
    s['campaign_two_runs'] = bytes([0x00]) + welcome + ping + \
        rec(frame(RUN, run(0))) + b''.join(one) + wait + \
        rec(frame(RUN_END, b'complete (run 1 of 2)')) + \
        rec(frame(RUN, run(1, rep=1))) + b''.join(one) + wait + \
        rec(frame(BYE, b'session complete'))
    s['campaign_run_end_armed'] = bytes([0x00]) + welcome + \
        rec(frame(RUN, run(0))) + one[0] + one[1] + \
        rec(frame(RUN_END, b'run over')) + rec(frame(RUN, run(1, rep=1))) + \
        rec(frame(CONF_BEGIN, conf_begin(size=0))) + \
        rec(b'', WAIT) + rec(frame(START, bytes(8))) + wait
    s['campaign_run_end_running'] = bytes([0x00]) + welcome + \
        rec(frame(RUN, run(0))) + b''.join(one) + \
        rec(frame(RUN_END, b'run over')) + \
        rec(frame(RUN, run(1, rep=1))) + one[0] + one[1] + wait
    s['run_end_before_run'] = bytes([0x00]) + welcome + \
        rec(frame(RUN_END))
    s['run_twice'] = bytes([0x00]) + welcome + rec(frame(RUN, run(0))) + \
        rec(frame(RUN, run(0)))
    s['run_after_conf'] = bytes([0x00]) + welcome + one[0] + \
        rec(frame(RUN, run(0)))
    s['run_v1_mode'] = bytes([0x00]) + rec(frame(RUN, run(0)))
    s['run_bad_name'] = bytes([0x00]) + welcome + \
        rec(frame(RUN, run(conf=b'dir/x')))
    s['run_bad_index'] = bytes([0x00]) + welcome + \
        rec(frame(RUN, run(2, 2)))
    s['evil_run'] = bytes([0x00]) + welcome + \
        rec(frame(RUN, run(conf=b'x' + EVIL.replace(b'\x1b', b'E')
                            .replace(b'\x07', b'G').replace(b'\r', b'R')))) + \
        one[0] + one[1]
    # A master that takes stderr apart (bit 2): OUTPUT_ERR, STDERR_TAIL.
    welcome_err = rec(frame(WELCOME, struct.pack('!HHI', 1, 5, 1000)))
    s['welcome_stderr_output'] = bytes([0x00]) + welcome_err + \
        rec(frame(CONF_BEGIN, conf_begin(b'/bin/false', flags=3))) + \
        rec(frame(CONF_DATA, b'hello')) + \
        rec(frame(START, bytes(8))) + \
        b''.join(rec(b'', WAIT) for _ in range(6))
    # PREFLIGHT: answered, nothing run; twice; out of place; malformed.
    pf = rec(frame(PREFLIGHT, conf_begin()))
    s['preflight'] = bytes([0x00]) + welcome + pf + \
        rec(frame(BYE, b'preflight over'))
    s['preflight_keyed'] = bytes([0x01]) + welcome + pf + pf
    s['preflight_refused'] = bytes([0x00]) + welcome + \
        rec(frame(PREFLIGHT, conf_begin(b'/bin/sh :CONF:', size=1 << 40)))
    s['preflight_then_session'] = bytes([0x00]) + welcome + pf + \
        b''.join(ours[3:])
    s['preflight_while_configuring'] = bytes([0x00]) + welcome + \
        rec(frame(CONF_BEGIN, conf_begin(size=10))) + pf
    s['preflight_v1'] = bytes([0x00]) + pf
    s['preflight_short'] = bytes([0x00]) + welcome + \
        rec(frame(PREFLIGHT, conf_begin()[:20]))
    s['preflight_evil'] = bytes([0x00]) + welcome + \
        rec(frame(PREFLIGHT, conf_begin(b'/bin/' + EVIL + b' :CONF:')))
    # A master that takes METRICS (bit 1), and one with bits unknown to us.
    s['welcome_metrics'] = bytes([0x00]) + \
        rec(frame(WELCOME, struct.pack('!HHI', 1, 3, 1000))) + \
        b''.join(ours[1:])
    s['welcome_unknown_bits'] = bytes([0x00]) + \
        rec(frame(WELCOME, struct.pack('!HHI', 1, 0xfffd, 1000))) + \
        b''.join(ours[1:])
    s['metrics_from_master'] = bytes([0x00]) + welcome + \
        rec(frame(METRICS, bytes([0, 0])))
    return s


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..')
    for name, seeds in (('master_conn', master_seeds()),
                        ('slave_conn', slave_seeds())):
        d = os.path.join(top, 'tests', 'fuzz', 'corpus', name)
        os.makedirs(d, exist_ok=True)
        for k, v in seeds.items():
            with open(os.path.join(d, k), 'wb') as f:
                f.write(v)
        print('%s: %d seeds in %s' % (name, len(seeds), d))


if __name__ == '__main__':
    main()
