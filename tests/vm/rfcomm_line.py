#!/usr/bin/python3
"""One line of text over RFCOMM, as a PyBluez-style program sends it.

  rfcomm_line.py serve ADAPTER_ADDR CHANNEL [hold]
                                              answer each line with "ok: LINE"
  rfcomm_line.py send ADDR CHANNEL TEXT       send TEXT, print the answer
  rfcomm_line.py send-on-go ADDR CHANNEL TEXT the same once a line comes on
                                              stdin: started early, it
                                              connects the moment it is told

With hold, the server keeps each connection until the peer closes it (or
10 s pass): a client on a bound /dev/rfcommN loses what the TTY still holds
when the link closes under it (the hang-up flushes its input).

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


def serve(local, channel, hold=False):
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
            if hold:
                conn.settimeout(10)
                try:
                    while conn.recv(1024):
                        pass
                except OSError:
                    pass


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
    if len(sys.argv) in (4, 5) and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]),
              len(sys.argv) == 5 and sys.argv[4] == "hold")
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "send-on-go":
        sys.stdin.readline()
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
