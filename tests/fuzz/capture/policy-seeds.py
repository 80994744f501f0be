#!/usr/bin/env python3
"""Write the session fuzzer's pairing-policy seeds (corpus/session/policy-*):
mgmt streams made by hand for the agent and pair command lines of
fuzz_session.c, answering the commands each sends in the order it sends
them (the feeder hands a frame over each time the command waits), with PIN,
confirmation and passkey requests, authentication failures, a lockout, a
device the agent is not allowed to answer, and new link keys.

usage: policy-seeds.py [CORPUS-DIR]   (default tests/fuzz/corpus/session)
"""
import os
import struct
import sys


def addr(text):
    return bytes(int(x, 16) for x in reversed(text.split(':')))


CTRL = addr('00:AA:01:00:00:00')  # the controller of the fuzzer's key store
DEV = addr('00:AA:01:01:00:01') + b'\0'  # the device, BR/EDR
OTHER = addr('00:AA:01:02:00:02') + b'\0'


def frame(code, param, index=0):
    return struct.pack('<HHH', code, index, len(param)) + param


def reply(opcode, status=0, rp=b'', index=0):
    return frame(0x0001, struct.pack('<HB', opcode, status) + rp, index)


def info():
    # powered, connectable, bondable, ssp, br/edr
    return (CTRL + bytes([9]) + struct.pack('<HII', 0x05f1, 0x1ffff, 0xd3) +
            b'\0\0\0' + b'ctrl'.ljust(249, b'\0') + b'\0' * 11)


def pair_setup():
    """Read Index List, Read Controller Information, Set IO Capability."""
    return (reply(0x0003, rp=struct.pack('<HH', 1, 0), index=0xffff) +
            reply(0x0004, rp=info()) + reply(0x0018))


def agent_setup():
    return pair_setup() + reply(0x0009, rp=struct.pack('<I', 0xd3))


def connected():
    return frame(0x000b, DEV + struct.pack('<IH', 0, 0))


def pin_request(who=DEV):
    return frame(0x000e, who + b'\0')


def auth_failed():
    return frame(0x0011, DEV + bytes([5]))


def new_link_key():
    return frame(0x0009, b'\x01' + DEV + b'\x04' + bytes(range(16)) + b'\x04')


def confirm_request(hint):
    return frame(0x000f, DEV + bytes([hint]) + struct.pack('<I', 123456))


def passkey_request():
    return frame(0x0010, DEV)


def disconnected():
    return frame(0x000c, DEV + b'\x03')


PIN_REPLY = reply(0x0016, rp=DEV)
PIN_NEG = reply(0x0017, rp=DEV)

# name: (command selector in fuzz_session.c's table, stream)
SEEDS = {
    'policy-agent-pin-retry': (0, agent_setup() + connected() +
                               pin_request() + PIN_REPLY + auth_failed() +
                               pin_request() + PIN_REPLY + new_link_key() +
                               disconnected()),
    'policy-agent-lockout': (0, agent_setup() + connected() + pin_request() +
                             PIN_REPLY + auth_failed() + pin_request() +
                             PIN_REPLY + auth_failed() + pin_request() +
                             PIN_NEG + new_link_key() + pin_request() +
                             PIN_REPLY),
    'policy-agent-confirm-passkey': (1, agent_setup() + connected() +
                                     confirm_request(0) +
                                     reply(0x001c, rp=DEV) +
                                     confirm_request(1) +
                                     reply(0x001c, rp=DEV) +
                                     passkey_request() +
                                     reply(0x001f, rp=DEV) +
                                     pin_request(OTHER) +
                                     reply(0x0017, rp=OTHER) +
                                     pin_request() + PIN_REPLY +
                                     new_link_key()),
    'policy-agent-json-pinfile': (2, agent_setup() + connected() +
                                  pin_request() + PIN_REPLY + auth_failed() +
                                  pin_request() + PIN_REPLY +
                                  new_link_key() + disconnected()),
    'policy-pair-pin-retry': (3, pair_setup() + connected() + pin_request() +
                              PIN_REPLY + auth_failed() + pin_request() +
                              PIN_REPLY + new_link_key() +
                              reply(0x0019, rp=DEV)),
    'policy-pair-auth-failed': (3, pair_setup() + connected() +
                                pin_request() + PIN_REPLY +
                                reply(0x0019, 5, DEV) + pair_setup() +
                                pin_request() + PIN_REPLY + new_link_key() +
                                reply(0x0019, rp=DEV)),
    'policy-pair-confirm-passkey': (4, pair_setup() + connected() +
                                    confirm_request(0) +
                                    reply(0x001c, rp=DEV) +
                                    passkey_request() +
                                    reply(0x001e, rp=DEV) + new_link_key() +
                                    reply(0x0019, rp=DEV)),
    'policy-pair-json': (5, pair_setup() + connected() + pin_request() +
                         PIN_REPLY + new_link_key() + reply(0x0019, rp=DEV)),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'tests/fuzz/corpus/session'
    for name, (selector, stream) in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([selector]) + stream)


if __name__ == '__main__':
    main()
