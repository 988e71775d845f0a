#!/usr/bin/env python3
"""Drives one console of an in-process echo guest from the host side.

conscheck.py echo PATH BYTES    sends BYTES random bytes through the pty
                                (/dev/pts/N) or unix socket at PATH while
                                reading the echo; exit 0 when every byte
                                came back in order
conscheck.py stall PATH BYTES SECS
                                the same, but reads nothing for the first
                                SECS seconds: the guest must wait on full
                                rings, and no byte may be lost
conscheck.py silent PATH        exit 0 when bytes sent are NOT echoed
                                (the console is unplugged or failed)

A pty slave's opening is only seen by polling, so output sent the moment
it opens may be dropped: a sync byte is repeated until it comes back, and
its echoes are drained, before any byte that is checked is sent.

SPDX-License-Identifier: GPL-2.0-or-later
"""
import os
import select
import socket
import sys
import time
import tty

TIMEOUT = float(os.environ.get("CONSCHECK_TIMEOUT", "60"))


class Port:
    def __init__(self, path):
        if path.startswith("/dev/"):
            self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            tty.setraw(self.fd)
            self.sock = None
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(path)
            self.sock.setblocking(False)
            self.fd = self.sock.fileno()

    def write(self, data):
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            return 0

    def read(self):
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return b""
        except OSError:         # EIO: the pty's other side went away
            return None
        return data

    def wait(self, want_write, secs):
        r, w, _ = select.select([self.fd], [self.fd] if want_write else [],
                                [], secs)
        return bool(r), bool(w)


def drain(port, secs):
    end = time.time() + secs
    while time.time() < end:
        readable, _ = port.wait(False, 0.05)
        if readable and port.read() is None:
            return


def sync(port):
    """True once a sync byte made the round trip."""
    end = time.time() + 15
    while time.time() < end:
        port.write(b"\x00")
        readable, _ = port.wait(False, 0.2)
        if readable:
            data = port.read()
            if data:
                drain(port, 1.0)
                return True
    return False


def echo(path, total, stall=0.0):
    port = Port(path)
    if not sync(port):
        print("no echo of the sync byte within 15 s")
        return 1
    data = os.urandom(total)
    sent = 0
    got = bytearray()
    stall_end = time.time() + stall
    while time.time() < stall_end and sent < total:
        _, writable = port.wait(True, 0.1)
        if writable:
            sent += port.write(data[sent:sent + 4096])
    if stall:
        print(f"{sent} bytes taken while nothing was read for {stall} s")
    end = time.time() + TIMEOUT
    while len(got) < total:
        if time.time() > end:
            print(f"timeout: sent {sent}, echoed {len(got)} of {total}")
            return 1
        readable, writable = port.wait(sent < total, 1)
        if writable:
            sent += port.write(data[sent:sent + 4096])
        if readable:
            chunk = port.read()
            if chunk is None:
                print("the console went away")
                return 1
            got += chunk
            if got != data[:len(got)]:
                bad = next(i for i in range(len(got)) if got[i] != data[i])
                print(f"echo differs at byte {bad} of {len(got)}")
                return 1
    drain(port, 0.2)
    print(f"{total} bytes echoed intact")
    return 0


def silent(path):
    try:
        port = Port(path)
    except OSError as e:
        print(f"cannot open {path} ({e}): no console, as expected")
        return 0
    end = time.time() + 2
    while time.time() < end:
        port.write(b"x" * 64)
        readable, _ = port.wait(False, 0.2)
        if readable:
            data = port.read()
            if data:
                print(f"unexpected echo: {data[:32]!r}")
                return 1
            if data is None:
                return 0
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "echo":
        return echo(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) == 5 and sys.argv[1] == "stall":
        return echo(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    if len(sys.argv) == 3 and sys.argv[1] == "silent":
        return silent(sys.argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
