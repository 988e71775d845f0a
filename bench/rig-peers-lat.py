#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The backend's own latency of each fio job, for rig-peers-dom0.sh.

    rig-peers-lat.py SOCKET CONSOLE_LOG PREFIX OUT [PERF_PREFIX]

Connects to our device model's QMP SOCKET (waiting for it to appear),
then follows the guest's CONSOLE_LOG (guest/fio.sh with rig.fio_pause):
on "RIG-FIO-START <job>" it runs x-block-latency-reset, on "RIG-FIO
<job> ..." it reads the disk's x-latency of the job's class (wr for a
write job, else rd) from query-blockstats and appends to OUT

    PREFIX <job> count=<n> p50_ns=<n> p99_ns=<n> max_ns=<n> wall_ms=<n>
        dm_cpu_ms=<n> dom0_busy_ms=<n> dom0_steal_ms=<n>

(one line), the last four over the same span as the counters: its
length, the CPU time the device model used, dom0's non-idle CPU time on
all its vCPUs, and the time Xen held dom0's runnable vCPUs off a CPU
(steal). A job slow for want of CPU in dom0 shows there; one whose
requests waited elsewhere does not.

With PERF_PREFIX it also samples all of dom0 with `perf record -a -g`
over each job's span, into PERF_PREFIX<job>.data; SOCKET "-" does only
that, for the peers' device models, which have no latency counters.

It runs for the guest's whole life and keeps one connection, so that it
answers within a fraction of a second however slowly dom0 starts a
process; it ends when the device model closes the socket, or on SIGTERM.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        cred = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                    struct.calcsize("3i"))
        self.pid = struct.unpack("3i", cred)[0]
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


def process_cpu_ms(pid):
    """utime + stime of @pid, or 0 once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is the state (field 3): utime and stime are fields 14, 15
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def dom0_cpu_ms():
    """dom0's non-idle and stolen CPU time over all its vCPUs."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return ((user + nice + system + irq + softirq) * TICK_MS,
            steal * TICK_MS)


def snapshot(qmp):
    busy, steal = dom0_cpu_ms()
    return (time.monotonic() * 1000, process_cpu_ms(qmp.pid) if qmp else 0,
            busy, steal)


class Profile:
    """perf record of all of dom0 over one job at a time, or nothing."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.proc = None

    def start(self, job):
        self.stop()
        if not self.prefix:
            return
        # The software clock: a PV dom0 has no PMU.
        self.proc = subprocess.Popen(
            ["perf", "record", "-a", "-g", "-F", "499", "-q",
             "-o", "%s%s.data" % (self.prefix, job)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


def connect(path, deadline):
    while True:
        try:
            return Qmp(path)
        except (OSError, EOFError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(profile):
    path, console, prefix, out = sys.argv[1:5]
    qmp = connect(path, time.monotonic() + 300) if path != "-" else None
    offset = 0
    start = snapshot(qmp)
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
                i = words.index("RIG-FIO-START")
                profile.start(words[i + 1] if len(words) > i + 1 else "x")
                if qmp:
                    qmp.execute("x-block-latency-reset")
                start = snapshot(qmp)
            elif "RIG-FIO" in words:
                profile.stop()
                if not qmp:
                    continue
                i = words.index("RIG-FIO")
                job = words[i + 1] if len(words) > i + 1 else "?"
                cls = "wr" if "write" in job else "rd"
                lat = qmp.execute("query-blockstats")[0]["stats"]
                lat = lat["x-latency"][cls]
                d = [b - a for a, b in zip(start, snapshot(qmp))]
                with open(out, "a") as o:
                    o.write("%s %s count=%d p50_ns=%d p99_ns=%d max_ns=%d "
                            "wall_ms=%d dm_cpu_ms=%d dom0_busy_ms=%d "
                            "dom0_steal_ms=%d\n"
                            % (prefix, job, lat["count"], lat["p50_ns"],
                               lat["p99_ns"], lat["max_ns"], d[0], d[1],
                               d[2], d[3]))
        time.sleep(0.2)


def on_term(_signo, _frame):
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    prof = Profile(sys.argv[5] if len(sys.argv) > 5 else "")
    try:
        main(prof)
    except EOFError:
        sys.exit(0)
    except Exception as e:      # noqa: BLE001 - reported, then n/a
        print("rig-peers-lat.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    finally:
        # A job cut short must not leave perf sampling dom0.
        prof.stop()
