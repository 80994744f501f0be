#!/usr/bin/python3
"""A minimal SDP server: one Serial Port record on an RFCOMM channel.

  sdp_server.py ADAPTER_ADDR CHANNEL

Answers every Service Search Attribute request on L2CAP PSM 1 of the adapter
with that one record, so that a device side needs no bluetoothd (whose SDP
server would come with the rest of bluetoothd). Prints "sdp ready" once it
listens.
"""
import socket
import struct
import sys


def record(channel):
    # ProtocolDescriptorList (0x0004): L2CAP (0x0100), RFCOMM (0x0003) CH.
    pdl = bytes([0x35, 0x0C,
                 0x35, 0x03, 0x19, 0x01, 0x00,
                 0x35, 0x05, 0x19, 0x00, 0x03, 0x08, channel])
    rec = bytes([0x09, 0x00, 0x04]) + pdl
    rec = bytes([0x35, len(rec)]) + rec
    return bytes([0x35, len(rec)]) + rec


def main():
    local, channel = sys.argv[1], int(sys.argv[2])
    lists = record(channel)
    srv = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_SEQPACKET,
                        socket.BTPROTO_L2CAP)
    srv.bind((local, 1))
    srv.listen(4)
    print("sdp ready", flush=True)
    while True:
        conn, peer = srv.accept()
        try:
            while True:
                req = conn.recv(1024)
                if len(req) < 5:
                    break
                params = struct.pack(">H", len(lists)) + lists + b"\x00"
                conn.send(bytes([0x07]) + req[1:3] +
                          struct.pack(">H", len(params)) + params)
        except OSError:
            pass
        conn.close()


main()
