#!/usr/bin/env python3
"""Turn the console log of the capture scenario (vm-capture.sh) into seed
corpora for the fuzzers:

  mgmt      each mgmt socket's events as the kernel sent them (one seed per
            btpair run), behind the fuzzer's three option bytes
  session   the same streams behind a command selector byte (agent, pair,
            scan, monitor, unpair, keys load, list)
  eir       every distinct EIR block of Device Found / Device Connected
  sdp       every SDP Service Search Attribute Response received over L2CAP
  keystore  every info file, as btpair wrote it and as bluetoothd left it

usage: seeds.py CONSOLE-LOG [CORPUS-DIR]   (default tests/fuzz/corpus)
Seed files are named by content hash, so running it again adds no copies.
"""
import base64
import hashlib
import os
import re
import struct
import sys

# btmon's monitor format (btsnoop datalink 2001): opcodes of the records.
ACL_TX, ACL_RX = 4, 5
CTRL_EVENT = 17
MGMT_EV_DEVICE_CONNECTED = 0x000B
MGMT_EV_DEVICE_FOUND = 0x0012


def blobs(log):
    """name -> bytes of every FUZZ-CAPTURE block in the console log."""
    out, name, lines = {}, None, []
    for raw in log.splitlines():
        line = raw.replace('\r', '').strip()
        m = re.match(r'FUZZ-CAPTURE-(BEGIN|END) (\S+)$', line)
        if m and m.group(1) == 'BEGIN':
            name, lines = m.group(2), []
        elif m and name:
            out[name] = base64.b64decode(''.join(lines))
            name = None
        elif name:
            lines.append(line)
    return out


def btsnoop_records(data):
    """(index, opcode, payload) of each record."""
    if data[:8] != b'btsnoop\0':
        raise SystemExit('not a btsnoop file')
    _, link = struct.unpack('>II', data[8:16])
    if link != 2001:
        raise SystemExit('not a btmon (monitor) capture: datalink %d' % link)
    pos = 16
    while pos + 24 <= len(data):
        _, incl, flags, _, _ = struct.unpack('>IIIIQ', data[pos:pos + 24])
        pos += 24
        yield flags >> 16, flags & 0xffff, data[pos:pos + incl]
        pos += incl


def mgmt_sessions(records):
    """cookie -> mgmt frames (header and parameters) sent to that socket."""
    sessions = {}
    for index, op, p in records:
        if op != CTRL_EVENT or len(p) < 6:
            continue
        cookie, code = struct.unpack('<IH', p[:6])
        param = p[6:]
        frame = struct.pack('<HHH', code, index, len(param)) + param
        sessions.setdefault(cookie, []).append(frame)
    return sessions


def eir_blocks(sessions):
    for frames in sessions.values():
        for f in frames:
            code, _, plen = struct.unpack('<HHH', f[:6])
            param = f[6:]
            if code in (MGMT_EV_DEVICE_FOUND, MGMT_EV_DEVICE_CONNECTED) \
                    and plen >= 14:
                eir_len = struct.unpack('<H', param[12:14])[0]
                if eir_len:
                    yield param[14:14 + eir_len]


def l2cap_frames(records):
    """Reassembled L2CAP frames (cid, payload) received over ACL."""
    partial = {}
    for _, op, p in records:
        if op != ACL_RX or len(p) < 4:
            continue
        handle_flags, dlen = struct.unpack('<HH', p[:4])
        handle, pb = handle_flags & 0xfff, (handle_flags >> 12) & 3
        data = p[4:4 + dlen]
        if pb == 1 and handle in partial:
            partial[handle] += data
        else:
            partial[handle] = data
        buf = partial[handle]
        if len(buf) >= 4:
            length, cid = struct.unpack('<HH', buf[:4])
            if len(buf) >= 4 + length:
                yield cid, buf[4:4 + length]
                del partial[handle]


def sdp_responses(records):
    for cid, pdu in l2cap_frames(records):
        if cid < 0x40 or len(pdu) < 5 or pdu[0] != 0x07:
            continue
        if struct.unpack('>H', pdu[3:5])[0] == len(pdu) - 5:
            yield pdu


def save(corpus, target, data, counts):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest()[:16])
    if not os.path.exists(path):
        with open(path, 'wb') as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    corpus = sys.argv[2] if len(sys.argv) == 3 else 'tests/fuzz/corpus'
    with open(sys.argv[1], encoding='latin-1') as f:
        found = blobs(f.read())
    if 'btsnoop' not in found:
        raise SystemExit('no capture in that log')
    records = list(btsnoop_records(found['btsnoop']))
    sessions = mgmt_sessions(records)
    counts = {}
    # Option bytes: two PINs, numeric comparison accepted, the controller
    # prepared first, IO capability NoInputNoOutput; then the same stream
    # interrupted after the third command, and with an expiring deadline.
    for frames in sessions.values():
        stream = b''.join(frames)
        for opts in (bytes([0x31, 0x03, 0x00]), bytes([0x31, 0x03, 0x03]),
                     bytes([0x75, 0x01, 0x00])):
            save(corpus, 'mgmt', opts + stream, counts)
        # fuzz_session's command table: agent, pair, scan, monitor,
        # unpair, keys load, list.
        for cmd in (0, 3, 7, 9, 11, 12, 14):
            save(corpus, 'session', bytes([cmd]) + stream, counts)
    for eir in eir_blocks(sessions):
        save(corpus, 'eir', eir, counts)
    for pdu in sdp_responses(records):
        save(corpus, 'sdp', pdu, counts)
    for name, data in found.items():
        if name.startswith('info-'):
            save(corpus, 'keystore', data, counts)
    for t in sorted(counts):
        print('%s: %d new seeds' % (t, counts[t]))


if __name__ == '__main__':
    main()
