#!/usr/bin/python3
"""One line of text over RFCOMM, as a PyBluez-style program sends it.

  rfcomm_line.py serve ADAPTER_ADDR CHANNEL   answer each line with "ok: LINE"
  rfcomm_line.py send ADDR CHANNEL TEXT       send TEXT, print the answer
  rfcomm_line.py send-on-go ADDR CHANNEL TEXT the same once a line comes on
                                              stdin: started early, it
                                              connects the moment it is told

The server asks for an authenticated link, as an HC-05 does, so a peer that
is not paired cannot get through. Debian's python3 (not a venv's) has
AF_BLUETOOTH.
"""
import socket
import struct
import sys

SOL_BLUETOOTH = 274
BT_SECURITY = 4
BT_SECURITY_MEDIUM = 2


def serve(local, channel):
    srv = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM,
                        socket.BTPROTO_RFCOMM)
    srv.setsockopt(SOL_BLUETOOTH, BT_SECURITY,
                   struct.pack("BB", BT_SECURITY_MEDIUM, 0))
    srv.bind((local, channel))
    srv.listen(1)
    print("listening on channel %d" % channel, flush=True)
    while True:
        conn, peer = srv.accept()
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(1024)
                if not chunk:
                    break
                data += chunk
            text = data.decode(errors="replace").strip()
            print("received from %s: %s" % (peer[0], text), flush=True)
            conn.sendall(("ok: %s\n" % text).encode())


def send(addr, channel, text):
    sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM,
                         socket.BTPROTO_RFCOMM)
    sock.settimeout(20)
    sock.connect((addr, channel))
    sock.sendall((text + "\n").encode())
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = sock.recv(1024)
        if not chunk:
            break
        answer += chunk
    print(answer.decode(errors="replace").strip())
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "send-on-go":
        sys.stdin.readline()
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
