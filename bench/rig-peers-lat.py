#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The backend's own latency of each fio job, for rig-peers-dom0.sh.

    rig-peers-lat.py SOCKET CONSOLE_LOG PREFIX OUT

Connects to our device model's QMP SOCKET (waiting for it to appear),
then follows the guest's CONSOLE_LOG (guest/fio.sh with rig.fio_pause):
on "RIG-FIO-START <job>" it runs x-block-latency-reset, on "RIG-FIO
<job> ..." it reads the disk's x-latency of the job's class (wr for a
write job, else rd) from query-blockstats and appends to OUT

    PREFIX <job> count=<n> p50_ns=<n> p99_ns=<n> max_ns=<n>

It runs for the guest's whole life and keeps one connection, so that it
answers within a fraction of a second however slowly dom0 starts a
process; it ends when the device model closes the socket.
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.f = self.sock.makefile("rwb")
        self.reply()            # the greeting
        self.execute("qmp_capabilities")

    def reply(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QMP socket closed")
            msg = json.loads(line)
            if "return" in msg or "error" in msg or "QMP" in msg:
                return msg

    def execute(self, cmd):
        self.f.write(json.dumps({"execute": cmd}).encode() + b"\r\n")
        self.f.flush()
        msg = self.reply()
        if "return" not in msg:
            raise RuntimeError("%s: %s" % (cmd, msg))
        return msg["return"]


def connect(path, deadline):
    while True:
        try:
            return Qmp(path)
        except (OSError, EOFError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main():
    path, console, prefix, out = sys.argv[1:5]
    qmp = connect(path, time.monotonic() + 300)
    offset = 0
    while True:
        try:
            with open(console, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        # only whole lines: one still being written is read next time
        end = data.rfind(b"\n") + 1
        offset += end
        for line in data[:end].decode("utf-8", "replace").splitlines():
            words = line.split()
            if "RIG-FIO-START" in words:
                qmp.execute("x-block-latency-reset")
            elif "RIG-FIO" in words:
                i = words.index("RIG-FIO")
                job = words[i + 1] if len(words) > i + 1 else "?"
                cls = "wr" if "write" in job else "rd"
                lat = qmp.execute("query-blockstats")[0]["stats"]
                lat = lat["x-latency"][cls]
                with open(out, "a") as o:
                    o.write("%s %s count=%d p50_ns=%d p99_ns=%d max_ns=%d\n"
                            % (prefix, job, lat["count"], lat["p50_ns"],
                               lat["p99_ns"], lat["max_ns"]))
        time.sleep(0.2)


if __name__ == "__main__":
    try:
        main()
    except EOFError:
        sys.exit(0)
    except Exception as e:      # noqa: BLE001 - reported, then n/a
        print("rig-peers-lat.py: %s" % e, file=sys.stderr)
        sys.exit(1)
