#!/usr/bin/python3
"""The 6.1 kernel oops on an RFCOMM connect that ends in a page timeout.

  rfcomm_page_timeout.py ADDR [CHANNEL]

Connects a plain RFCOMM socket to ADDR, an address nobody answers, and
prints how the connect ended: "connect: errno N (NAME)". Nothing else: no
btpair, no BlueZ library, no mgmt. On Debian's 6.1.0-56 the kernel oopses
(list corruption in hci_chan_del) when the page times out and panics seconds
later; on 6.12 the connect just fails with EHOSTDOWN. See tests/vm/KERNELS.md.
Debian's python3 (not a venv's) has AF_BLUETOOTH.
"""
import errno
import socket
import sys


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    addr = sys.argv[1]
    channel = int(sys.argv[2]) if len(sys.argv) == 3 else 1
    s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM,
                      socket.BTPROTO_RFCOMM)
    try:
        s.connect((addr, channel))
    except OSError as e:
        print("connect: errno %d (%s)" % (e.errno,
              errno.errorcode.get(e.errno, "?")), flush=True)
        return 0
    finally:
        s.close()
    print("connect: succeeded", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
