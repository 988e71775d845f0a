#!/usr/bin/env python3
# Raw xs_wire clients for xenstore-server.sh: things the Xen tools never
# send (malformed, oversized, garbage requests, many connections at once,
# clients that vanish mid-transaction).
#
# Usage: xswire.py SOCKET SCENARIO [ARGS...]
# A scenario exits 0 when the server behaved, else prints why and exits 1.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import random
import select
import socket
import struct
import sys

XS_CONTROL, XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_WATCH, XS_UNWATCH = \
    range(6)
XS_TRANSACTION_START, XS_TRANSACTION_END = 6, 7
XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS, XS_WATCH_EVENT, XS_ERROR = \
    11, 12, 13, 14, 15, 16
XS_DIRECTORY_PART = 22
XS_TYPE_COUNT = 23
PAYLOAD_MAX = 4096
HDR = struct.Struct("<IIII")    # type, req_id, tx_id, len
TIMEOUT = 10.0


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


class Conn:
    def __init__(self, path, rcvbuf=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            # A client that reads slowly, if at all, as a guest's may.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        # Blocking: a non-blocking connect fails with EAGAIN while the
        # listen backlog is full, which many clients at once can make it.
        # The caller's `timeout` bounds a server that never accepts.
        self.sock.connect(path)
        self.sock.settimeout(TIMEOUT)
        self.req_id = 0
        self.events = []        # (path, token) seen while awaiting replies

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, mtype, payload, tx=0, req_id=None):
        if req_id is None:
            self.req_id += 1
            req_id = self.req_id
        self.send_raw(HDR.pack(mtype, req_id, tx, len(payload)) + payload)
        return req_id

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed by the server")
            buf += chunk
        return buf

    def recv_msg(self):
        mtype, req_id, tx, length = HDR.unpack(self.recv_exact(HDR.size))
        return mtype, req_id, tx, self.recv_exact(length)

    def reply(self, req_id):
        """The reply to req_id; watch events met on the way are kept."""
        while True:
            mtype, rid, _, body = self.recv_msg()
            if mtype == XS_WATCH_EVENT:
                parts = body.split(b"\0")
                self.events.append((parts[0].decode(), parts[1].decode()))
                continue
            expect(rid == req_id,
                   "reply for req_id %d while waiting for %d" % (rid, req_id))
            return mtype, body

    def request(self, mtype, payload, tx=0):
        return self.reply(self.send(mtype, payload, tx))

    def ok(self, mtype, payload, tx=0):
        """A request that must succeed; returns the reply body."""
        rtype, body = self.request(mtype, payload, tx)
        expect(rtype == mtype, "request %d %r failed: %r" %
               (mtype, payload[:60], body))
        return body

    def error(self, mtype, payload, tx=0):
        """A request that must fail; returns the error name."""
        rtype, body = self.request(mtype, payload, tx)
        expect(rtype == XS_ERROR, "request %d %r did not fail: type %d %r" %
               (mtype, payload[:60], rtype, body[:60]))
        expect(body.endswith(b"\0"), "error %r is not nul-terminated" % body)
        return body[:-1].decode()

    def write(self, path, value, tx=0):
        return self.ok(XS_WRITE, path.encode() + b"\0" + value, tx)

    def read(self, path, tx=0):
        return self.ok(XS_READ, path.encode() + b"\0", tx)

    def next_event(self, timeout=TIMEOUT):
        if not self.events:
            self.sock.settimeout(timeout)
            try:
                mtype, _, _, body = self.recv_msg()
            finally:
                self.sock.settimeout(TIMEOUT)
            expect(mtype == XS_WATCH_EVENT, "not an event: type %d" % mtype)
            parts = body.split(b"\0")
            self.events.append((parts[0].decode(), parts[1].decode()))
        return self.events.pop(0)

    def no_event(self, wait=0.3):
        """Nothing arrives within wait seconds."""
        if self.events:
            return False
        readable, _, _ = select.select([self.sock], [], [], wait)
        return not readable

    def closed_by_server(self, wait=TIMEOUT):
        """The server closes the connection (EOF, or a reset)."""
        self.sock.settimeout(wait)
        try:
            while self.sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        return True


def still_serving(path):
    """A fresh connection gets a correct answer."""
    c = Conn(path)
    c.write("/alive", b"yes")
    expect(c.read("/alive") == b"yes", "server no longer answers properly")
    c.close()


# ------------------------------------------------------------ scenarios

def many(path, n="300"):
    """n clients connected at once, each with its own node."""
    n = int(n)
    conns = [Conn(path) for _ in range(n)]
    # Every request first, then every reply: all n are pending together.
    ids = [c.send(XS_WRITE, b"/many/%d\0value %d" % (i, i))
           for i, c in enumerate(conns)]
    for c, rid in zip(conns, ids):
        rtype, body = c.reply(rid)
        expect(rtype == XS_WRITE and body == b"OK\0",
               "write reply %d %r" % (rtype, body))
    for i, c in enumerate(conns):
        got = c.read("/many/%d" % ((i + 1) % n))
        expect(got == b"value %d" % ((i + 1) % n),
               "client %d read %r" % (i, got))
    names = conns[0].ok(XS_DIRECTORY, b"/many\0").split(b"\0")[:-1]
    expect(sorted(names) == sorted(b"%d" % i for i in range(n)),
           "/many has %d children, not %d" % (len(names), n))
    for c in conns:
        c.close()
    still_serving(path)


def malformed(path):
    """Each malformed request gets XS_ERROR, the connection lives on."""
    c = Conn(path)
    c.write("/m", b"kept")
    cases = [
        # (type, payload, expected error, what)
        (XS_TYPE_COUNT, b"/m\0", "ENOSYS", "type past the last one"),
        (20, b"/m\0", "ENOSYS", "removed XS_RESTRICT"),
        (0xffff, b"", "ENOSYS", "XS_INVALID"),
        (XS_WATCH_EVENT, b"/m\0tok\0", "ENOSYS", "a client's WATCH_EVENT"),
        (XS_ERROR, b"EINVAL\0", "ENOSYS", "a client's ERROR"),
        (XS_READ, b"/m", "EINVAL", "READ path without nul"),
        (XS_READ, b"", "EINVAL", "READ without payload"),
        (XS_READ, b"/m\0/m\0", "EINVAL", "READ with two paths"),
        (XS_WRITE, b"", "EINVAL", "WRITE without payload"),
        (XS_WRITE, b"/m", "EINVAL", "WRITE path without nul"),
        (XS_RM, b"/m", "EINVAL", "RM path without nul"),
        (XS_DIRECTORY, b"/", "EINVAL", "DIRECTORY path without nul"),
        (XS_WATCH, b"/m\0", "EINVAL", "WATCH without token"),
        (XS_TRANSACTION_END, b"X\0", "EINVAL", "TRANSACTION_END X"),
        (XS_DIRECTORY_PART, b"/\0x\0", "EINVAL", "DIRECTORY_PART offset x"),
        (XS_SET_PERMS, b"/m\0q7\0", "EINVAL", "SET_PERMS bad letter"),
        (XS_READ, b"m\xff\0", "EINVAL", "READ invalid path chars"),
    ]
    bad = []
    for mtype, payload, want, what in cases:
        rid = c.send(mtype, payload)
        rtype, body = c.reply(rid)
        if rtype != XS_ERROR or body != want.encode() + b"\0":
            bad.append("%s: got type %d %r, want ERROR %s" %
                       (what, rtype, body, want))
        # Same connection, next request: it must still be in step.
        got = c.read("/m")
        if got != b"kept":
            bad.append("%s: then READ /m gave %r" % (what, got))
    expect(not bad, "\n".join(bad))
    c.close()


def unknown_tx(path):
    """A transaction id that is not open: ENOENT, as xenstored says."""
    c = Conn(path)
    c.write("/u", b"1")
    err = c.error(XS_READ, b"/u\0", tx=4242)
    expect(err == "ENOENT", "READ in tx 4242: %s" % err)
    err = c.error(XS_WRITE, b"/u\0x", tx=4242)
    expect(err == "ENOENT", "WRITE in tx 4242: %s" % err)
    err = c.error(XS_TRANSACTION_START, b"\0", tx=4242)
    expect(err == "ENOENT", "TRANSACTION_START in tx 4242: %s" % err)
    err = c.error(XS_TRANSACTION_END, b"T\0", tx=4242)
    expect(err == "ENOENT", "TRANSACTION_END of tx 4242: %s" % err)
    # Within an open one, a nested start is refused.
    tx = int(c.ok(XS_TRANSACTION_START, b"\0")[:-1])
    err = c.error(XS_TRANSACTION_START, b"\0", tx=tx)
    expect(err == "EBUSY", "nested TRANSACTION_START: %s" % err)
    c.ok(XS_TRANSACTION_END, b"F\0", tx=tx)
    expect(c.read("/u") == b"1", "the write in tx 4242 took effect")
    # Another connection's transaction is not ours either.
    other = Conn(path)
    tx = int(other.ok(XS_TRANSACTION_START, b"\0")[:-1])
    err = c.error(XS_WRITE, b"/u\0x", tx=tx)
    expect(err == "ENOENT", "WRITE in another client's tx: %s" % err)
    other.ok(XS_TRANSACTION_END, b"F\0", tx=tx)
    other.close()
    c.close()


def limits(path):
    """A payload of exactly XENSTORE_PAYLOAD_MAX is a valid request."""
    c = Conn(path)
    head = b"/big\0"
    value = bytes(random.Random(1).choice(b"abcdef")
                  for _ in range(PAYLOAD_MAX - len(head)))
    expect(c.write("/big", value) == b"OK\0", "4096-byte WRITE refused")
    expect(c.read("/big") == value, "4096-byte WRITE read back wrong")
    c.close()


def oversized(path):
    """A header announcing > 4096 bytes closes that connection only."""
    bystander = Conn(path)
    bystander.write("/o", b"before")
    bad = Conn(path)
    bad.write("/o2", b"x")      # it was a working connection
    bad.send_raw(HDR.pack(XS_WRITE, 99, 0, PAYLOAD_MAX + 1) + b"/o\0")
    expect(bad.closed_by_server(), "oversized request did not close it")
    bad.close()
    # The other connection, opened before, is unaffected.
    bystander.write("/o", b"after")
    expect(bystander.read("/o") == b"after", "bystander lost")
    # A huge length too (a naive server would try to allocate it).
    bad = Conn(path)
    bad.send_raw(HDR.pack(XS_READ, 1, 0, 0xffffffff))
    expect(bad.closed_by_server(), "4 GiB request did not close it")
    bad.close()
    expect(bystander.read("/o") == b"after", "bystander lost")
    bystander.close()
    still_serving(path)


def garbage(path, count="64"):
    """Random bytes on many connections never bring the server down."""
    rng = random.Random(20240611)
    for i in range(int(count)):
        c = Conn(path)
        size = rng.randrange(1, 12000)
        data = bytes(rng.getrandbits(8) for _ in range(size))
        if i % 4 == 0:
            # A plausible header with a random type and a small length,
            # so the server parses what follows rather than hanging up.
            data = HDR.pack(rng.randrange(0, 40), i, rng.randrange(0, 3),
                            min(size, 200)) + data
        try:
            c.send_raw(data)
        except (BrokenPipeError, ConnectionResetError):
            pass        # closed for an oversized header: fair
        c.close()
        if i % 16 == 15:
            still_serving(path)
    still_serving(path)


def watch_dropped(path, guest_path):
    """A disconnected client's watches are gone: as guest, with a watch
    quota of 2, a second client can register 2 after the first left."""
    a = Conn(guest_path)
    a.ok(XS_WATCH, b"w1\0a\0")
    a.ok(XS_WATCH, b"w2\0a\0")
    err = a.error(XS_WATCH, b"w3\0a\0")
    expect(err == "E2BIG", "third watch (quota 2): %s" % err)
    a.close()
    b = Conn(guest_path)
    # The server may notice the hang-up a moment after we see it.
    for _ in range(50):
        rtype, body = b.request(XS_WATCH, b"w1\0b\0")
        if rtype == XS_WATCH:
            break
        select.select([], [], [], 0.1)
    expect(rtype == XS_WATCH, "first watch after the other left: %r" % body)
    b.ok(XS_WATCH, b"w2\0b\0")
    b.close()

    # As dom0: a watch whose client is gone fires nowhere, and does not
    # disturb a live client's watch on the same node.
    a = Conn(path)
    a.ok(XS_WATCH, b"/dw\0gone\0")
    expect(a.next_event() == ("/dw", "gone"), "no registration event")
    a.close()
    b = Conn(path)
    b.ok(XS_WATCH, b"/dw\0live\0")
    expect(b.next_event() == ("/dw", "live"), "no registration event")
    b.write("/dw", b"1")
    expect(b.next_event() == ("/dw", "live"), "no event for the write")
    expect(b.no_event(), "unexpected event %r" % (b.events or "data",))
    b.close()
    still_serving(path)


def txn_dropped(path):
    """A disconnected client's open transaction has no effect."""
    a = Conn(path)
    a.write("/dt/kept", b"old")
    tx = int(a.ok(XS_TRANSACTION_START, b"\0")[:-1])
    a.write("/dt/new", b"1", tx)
    a.write("/dt/kept", b"new", tx)
    a.ok(XS_RM, b"/dt/kept\0", tx)
    a.close()
    b = Conn(path)
    err = b.error(XS_READ, b"/dt/new\0")
    expect(err == "ENOENT", "node of the dropped transaction: %s" % err)
    expect(b.read("/dt/kept") == b"old", "dropped transaction changed a node")
    # Its id means nothing to the next client.
    err = b.error(XS_TRANSACTION_END, b"T\0", tx)
    expect(err == "ENOENT", "ending the dropped transaction: %s" % err)
    b.close()


def privileged(path, guest_path, domid):
    """The domain-management requests are dom0's alone: a guest gets
    EACCES whatever the arguments, as from xenstored."""
    g = Conn(guest_path)
    bad = []
    for mtype, payload, what in [
            (0, b"quota\0", "CONTROL quota"),
            (0, b"\xff", "CONTROL malformed"),
            (8, b"9\0" b"0\0" b"0\0", "INTRODUCE"),
            (8, b"junk", "INTRODUCE malformed"),
            (9, b"%s\0" % domid.encode(), "RELEASE itself"),
            (17, b"0\0", "IS_DOMAIN_INTRODUCED 0"),
            (18, b"%s\0" % domid.encode(), "RESUME"),
            (19, b"%s\0" b"0\0" % domid.encode(), "SET_TARGET")]:
        rtype, body = g.request(mtype, payload)
        if rtype != XS_ERROR or body != b"EACCES\0":
            bad.append("%s from the guest: type %d %r, want EACCES" %
                       (what, rtype, body))
    # What a guest may ask: its own domain path.
    got = g.ok(10, b"%s\0" % domid.encode())
    if got != b"/local/domain/%s\0" % domid.encode():
        bad.append("GET_DOMAIN_PATH: %r" % got)
    g.close()
    d = Conn(path)
    for dom, want in ((domid, b"T\0"), ("0", b"T\0"), ("4711", b"F\0")):
        got = d.ok(17, dom.encode() + b"\0")
        if got != want:
            bad.append("IS_DOMAIN_INTRODUCED %s for dom0: %r" % (dom, got))
    d.close()
    expect(not bad, "\n".join(bad))


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks."""
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def exhaust(path, pid, n="100"):
    """More clients than the server has descriptors for: the ones it can
    take are served, the others are hung up on at once (not left hanging,
    not making the server spin), and once they go, it serves again."""
    n = int(n)
    conns = [Conn(path) for _ in range(n)]
    served = refused = 0
    for c in conns:
        c.sock.settimeout(5)
        try:
            rtype, _ = c.request(XS_READ, b"/\0")
            expect(rtype == XS_READ, "READ / failed")
            served += 1
        except (EOFError, ConnectionResetError, BrokenPipeError):
            refused += 1
    expect(served >= 10, "only %d of %d clients served" % (served, n))
    expect(refused >= 1, "all %d clients served: raise n" % n)
    # Idle, with every descriptor taken: the server must not be busy.
    before = cpu_ticks(pid)
    select.select([], [], [], 1.0)
    busy = cpu_ticks(pid) - before
    hz = os.sysconf("SC_CLK_TCK")
    expect(busy < hz // 4, "server used %d/%d s of CPU while idle" %
           (busy, hz))
    for c in conns:
        c.close()
    still_serving(path)


def txn_events(path):
    """A transaction's watch events fire when it commits, and not at all
    when it is aborted or its commit fails with EAGAIN."""
    w = Conn(path)
    w.ok(XS_WATCH, b"/te\0tok\0")
    expect(w.next_event() == ("/te", "tok"), "no registration event")
    c = Conn(path)

    tx = int(c.ok(XS_TRANSACTION_START, b"\0")[:-1])
    c.write("/te/a", b"1", tx)
    expect(w.no_event(), "event before the commit")
    c.ok(XS_TRANSACTION_END, b"T\0", tx)
    got = w.next_event()
    expect(got == ("/te/a", "tok"), "commit event: %r" % (got,))
    expect(w.no_event(), "more than one event for the commit")

    tx = int(c.ok(XS_TRANSACTION_START, b"\0")[:-1])
    c.write("/te/b", b"1", tx)
    c.ok(XS_TRANSACTION_END, b"F\0", tx)
    expect(w.no_event(), "event from an aborted transaction")

    tx = int(c.ok(XS_TRANSACTION_START, b"\0")[:-1])
    expect(c.read("/te/a", tx) == b"1", "read in transaction")
    c.write("/te/a", b"2", tx)
    other = Conn(path)
    other.write("/te/a", b"3")
    got = w.next_event()
    expect(got == ("/te/a", "tok"), "plain write event: %r" % (got,))
    err = c.error(XS_TRANSACTION_END, b"T\0", tx)
    expect(err == "EAGAIN", "conflicting commit: %s" % err)
    expect(w.no_event(), "event from a failed commit")
    expect(c.read("/te/a") == b"3", "failed commit changed the node")
    for conn in (w, c, other):
        conn.close()


def stale(path):
    """Leaves a socket file nobody listens on at path."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (
    many, malformed, unknown_tx, limits, oversized, garbage, watch_dropped,
    txn_dropped, txn_events, privileged, exhaust, stale)}


def run(scenarios):
    """Runs the scenario sys.argv names with the socket sys.argv[1]."""
    if len(sys.argv) < 3 or sys.argv[2] not in scenarios:
        sys.stderr.write("usage: %s SOCKET {%s} [ARGS...]\n" %
                         (sys.argv[0], "|".join(scenarios)))
        return 2
    try:
        scenarios[sys.argv[2]](sys.argv[1], *sys.argv[3:])
    except (Fail, OSError, EOFError, ValueError) as e:
        print("%s: %s: %s" % (sys.argv[2], type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(SCENARIOS))
