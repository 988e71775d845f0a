#!/usr/bin/env python3
# Hostile xenstore clients for xenstore-hostile.sh: guests that try to get
# past their permissions and quotas, clients that flood the server or
# stop reading, and what a released domain may still do.
#
# Usage: xshostile.py DOM0_SOCKET SCENARIO [ARGS...]
# A scenario exits 0 when the server held, else prints why and exits 1.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import sys

from xswire import (Conn, expect, run, XS_DIRECTORY,  # noqa: F401
                    XS_DIRECTORY_PART, XS_ERROR, XS_GET_PERMS, XS_MKDIR,
                    XS_READ, XS_RM, XS_SET_PERMS, XS_TRANSACTION_END,
                    XS_TRANSACTION_START, XS_WATCH, XS_WRITE)

XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_GET_DOMAIN_PATH = 0, 8, 9, 10


def set_perms(conn, path, perms):
    """SET_PERMS of path to perms, a string such as "n0 r5"."""
    return conn.request(XS_SET_PERMS, path.encode() + b"\0" +
                        b"".join(p.encode() + b"\0" for p in perms.split()))


def home(dom0, domid):
    """Gives domain domid its home, owned by it, as a toolstack would."""
    home = "/local/domain/%d" % domid
    dom0.ok(XS_MKDIR, home.encode() + b"\0")
    set_perms(dom0, home, "n%d" % domid)


# What domain 5 tries, and what Xen's xenstored answers: a reply type
# (the request's own on success) or an error name, and for reads the body.
# /secret is dom0's (n0), /ro readable by 5, /wo writable by 5, mine is
# 5's own node and /local/domain/6/priv domain 6's.
PERM_MATRIX = [
    (XS_READ, b"/secret\0", "EACCES"),
    (XS_WRITE, b"/secret\0x", "EACCES"),
    (XS_MKDIR, b"/secret/x\0", "EACCES"),
    (XS_RM, b"/secret\0", "EACCES"),
    (XS_GET_PERMS, b"/secret\0", "EACCES"),
    (XS_SET_PERMS, b"/secret\0b5\0", "EACCES"),
    (XS_DIRECTORY, b"/secret\0", "EACCES"),
    (XS_DIRECTORY_PART, b"/secret\0" b"0\0", "EACCES"),
    # A missing node below one it may not read must not look missing.
    (XS_READ, b"/secret/missing\0", "EACCES"),
    (XS_RM, b"/secret/missing\0", "EACCES"),
    (XS_READ, b"/secret/child\0", "EACCES"),
    (XS_WRITE, b"/secret/child/new\0v", "EACCES"),
    (XS_READ, b"/\0", "EACCES"),
    (XS_WRITE, b"/\0x", "EACCES"),
    (XS_RM, b"/\0", "EACCES"),
    (XS_DIRECTORY, b"/\0", "EACCES"),
    (XS_READ, b"/ro\0", b"v"),
    (XS_WRITE, b"/ro\0x", "EACCES"),
    (XS_RM, b"/ro\0", "EACCES"),
    (XS_SET_PERMS, b"/ro\0n5\0", "EACCES"),
    (XS_WRITE, b"/wo\0y", b"OK\0"),
    (XS_READ, b"/wo\0", "EACCES"),
    # A node it creates under /wo is its own, with /wo's other entries.
    (XS_WRITE, b"/wo/c\0v", b"OK\0"),
    (XS_GET_PERMS, b"/wo/c\0", b"n5\0w5\0"),
    (XS_READ, b"/local/domain/6/priv\0", "EACCES"),
    (XS_WRITE, b"/local/domain/6/priv\0x", "EACCES"),
    (XS_RM, b"/local/domain/6/priv\0", "EACCES"),
    (XS_SET_PERMS, b"/local/domain/6/priv\0n5\0", "EACCES"),
    (XS_WRITE, b"/local/domain/6/new\0x", "EACCES"),
    # No way out of its home through the path syntax.
    (XS_READ, b"../6/priv\0", "EINVAL"),
    (XS_READ, b"/local/domain/5/../6/priv\0", "EINVAL"),
    (XS_READ, b"/local/domain/5/./mine\0", "EINVAL"),
    (XS_READ, b"//secret\0", "EINVAL"),
    (XS_READ, b"/secret/\0", "EINVAL"),
    (XS_READ, b"/secret\0child\0", "EINVAL"),
    (XS_WRITE, b"mine\0m", b"OK\0"),
    # It may share its node but not give it away.
    (XS_SET_PERMS, b"mine\0n6\0", "EPERM"),
    (XS_SET_PERMS, b"mine\0b6\0r5\0", "EPERM"),
    (XS_SET_PERMS, b"mine\0n5\0r6\0", b"OK\0"),
    (XS_GET_PERMS, b"mine\0", b"n5\0r6\0"),
    (XS_SET_PERMS, b"mine\0n5\0r70000\0", "EINVAL"),
    (XS_SET_PERMS, b"mine\0n5\0r-1\0", "EINVAL"),
    (XS_SET_PERMS, b"mine\0x5\0", "EINVAL"),
    (XS_SET_PERMS, b"mine\0", "EINVAL"),
    (XS_READ, b"mine\0", b"m"),
]


def perm_matrix(path, g5_path, g6_path):
    """Domain 5 tries to read, write, remove, list, chown and escape into
    nodes it may not touch; each attempt gets xenstored's answer, and the
    nodes are as dom0 left them."""
    d = Conn(path)
    for dom in (5, 6):
        home(d, dom)
    d.write("/secret", b"s")
    d.write("/secret/child", b"c")
    for node, perms in (("/ro", "n0 r5"), ("/wo", "n0 w5")):
        d.write(node, b"v")
        set_perms(d, node, perms)
    g6 = Conn(g6_path)
    g6.write("priv", b"p")
    g = Conn(g5_path)
    bad = []
    for mtype, payload, want in PERM_MATRIX:
        rtype, body = g.request(mtype, payload)
        if isinstance(want, str):
            ok = rtype == XS_ERROR and body == want.encode() + b"\0"
        else:
            ok = rtype == mtype and body == want
        if not ok:
            bad.append("type %d %r: got type %d %r, want %r" %
                       (mtype, payload, rtype, body, want))
    # What 5 shared, 6 may read; nothing else of 5's.
    expect(g6.read("/local/domain/5/mine") == b"m", "6 cannot read shared")
    err = g6.error(XS_WRITE, b"/local/domain/5/mine\0x")
    expect(err == "EACCES", "6 writing 5's shared node: %s" % err)
    for node, want in (("/secret", b"s"), ("/secret/child", b"c"),
                       ("/ro", b"v"), ("/wo", b"y"),
                       ("/local/domain/6/priv", b"p")):
        got = d.read(node)
        if got != want:
            bad.append("%s is %r after the attempts, not %r" %
                       (node, got, want))
    expect(not bad, "\n".join(bad))
    for c in (d, g, g6):
        c.close()


def watch_leak(path, g5_path):
    """A guest may watch anything, but hears only of what it may read:
    nothing of dom0's private nodes, nor of domains coming and going."""
    d = Conn(path)
    home(d, 5)
    d.write("/hidden", b"0")
    set_perms(d, "/hidden", "n0")
    g = Conn(g5_path)
    for watch in (b"/hidden\0h\0", b"/\0root\0", b"@introduceDomain\0i\0",
                  b"@releaseDomain\0r\0"):
        g.ok(XS_WATCH, watch)
    # Registration fires each once, as in xenstored; drain those.
    got = sorted(g.next_event()[1] for _ in range(4))
    expect(got == ["h", "i", "r", "root"], "registration events %r" % got)
    d.write("/hidden", b"1")
    d.write("/hidden/below", b"2")
    d.ok(XS_RM, b"/hidden/below\0")
    d.ok(XS_INTRODUCE, b"9\0" b"0\0" b"0\0")
    d.ok(XS_RELEASE, b"9\0")
    if not g.no_event(1.0):
        expect(False, "the guest heard %r" % (g.events or [g.next_event()],))
    # Its own node it does hear of, so the watches are live.
    g.write("seen", b"1")
    got = g.next_event()
    expect(got == ("/local/domain/5/seen", "root"), "own write: %r" % (got,))
    d.close()
    g.close()


SCENARIOS = {f.__name__.replace("_", "-"): f for f in (
    perm_matrix, watch_leak)}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS))
