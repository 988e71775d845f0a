#!/usr/bin/env python3
"""Writes the seed corpus of a fuzz target into a directory.

Seeds are generated, not stored: a wire seed is a realistic request
stream in the chunked framing fuzz-xs-wire.c reads; a tree seed is a
deterministic byte string, since every byte string is a valid operation
sequence for fuzz-xs-tree.c; a console ring seed is a script of
ring operations followed by a shared page, as fuzz-console-ring.c reads.
"""
import os
import random
import struct
import sys

XS = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5,
          TRANSACTION_START=6, TRANSACTION_END=7, INTRODUCE=8, RELEASE=9,
          GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14,
          IS_DOMAIN_INTRODUCED=16, RESUME=17, SET_TARGET=18,
          RESET_WATCHES=20, DIRECTORY_PART=21)


def msg(kind, payload, req=1, tx=0):
    return struct.pack("<IIII", XS[kind], req, tx, len(payload)) + payload


def chunked(stream, who=0, size=64):
    out = b""
    for i in range(0, len(stream), size):
        part = stream[i:i + size]
        out += bytes([((len(part) - 1) << 1) | who]) + part
    return out


def wire_seeds():
    z = b"\0"
    yield [msg("WRITE", b"/a/b" + z + b"hello"), msg("READ", b"/a/b" + z)]
    yield [msg("MKDIR", b"/x" + z), msg("DIRECTORY", b"/" + z),
           msg("DIRECTORY_PART", b"/" + z + b"0" + z)]
    yield [msg("SET_PERMS", b"/x" + z + b"n0" + z + b"r7" + z),
           msg("GET_PERMS", b"/x" + z), msg("RM", b"/x" + z)]
    yield [msg("WATCH", b"/a" + z + b"tok" + z),
           msg("WRITE", b"/a/c" + z + b"1"),
           msg("UNWATCH", b"/a" + z + b"tok" + z)]
    yield [msg("TRANSACTION_START", z),
           msg("WRITE", b"/t" + z + b"v", tx=1),
           msg("TRANSACTION_END", b"T" + z, tx=1)]
    yield [msg("INTRODUCE", b"7" + z + b"1234" + z + b"3" + z),
           msg("IS_DOMAIN_INTRODUCED", b"7" + z),
           msg("GET_DOMAIN_PATH", b"7" + z),
           msg("SET_TARGET", b"7" + z + b"9" + z),
           msg("RELEASE", b"7" + z)]
    yield [msg("CONTROL", b"quota" + z),
           msg("CONTROL", b"quota" + z + b"set" + z + b"nodes" + z
               + b"5" + z),
           msg("RESET_WATCHES", b"")]
    yield [msg("READ", b"no-nul"), msg("READ", b"\xff" * 20 + z)]


# fuzz-console-ring.c opcodes.
CONS = dict(READ_OUT=0, IN_SPACE=1, WRITE_IN=2, READ_IN=3, OUT_SPACE=4,
            WRITE_OUT=5, PEER_SET=6, PEER_STEP=7, PEER_SCRIBBLE=8)
IN_CONS, IN_PROD, OUT_CONS, OUT_PROD = range(4)


def cons_count(n):
    # Selector 4 and up: a 16-bit count.
    return bytes([4]) + struct.pack("<H", n)


def cons_page(in_cons, in_prod, out_cons, out_prod, fill):
    rings = bytes((fill + i * 7) & 0xff for i in range(1024 + 2048))
    # Free-running 32-bit indices: the wrap-around seeds rely on it.
    idx = [v & 0xFFFFFFFF for v in (in_cons, in_prod, out_cons, out_prod)]
    return rings + struct.pack("<IIII", *idx)


def cons_seeds():
    op = CONS
    rd_out = lambda n: bytes([op["READ_OUT"]]) + cons_count(n)
    wr_in = lambda n: bytes([op["WRITE_IN"]]) + cons_count(n) + b"\x11"
    rd_in = lambda n: bytes([op["READ_IN"]]) + cons_count(n)
    wr_out = lambda n: bytes([op["WRITE_OUT"]]) + cons_count(n) + b"\x22"
    space = bytes([op["IN_SPACE"], op["OUT_SPACE"]])
    peer_set = lambda i, v: bytes([op["PEER_SET"], i]) + struct.pack("<I", v)
    peer_step = lambda i, d: bytes([op["PEER_STEP"], i, d & 0xff])
    big = bytes([op["READ_OUT"], 1, op["WRITE_IN"], 2, 0])
    wrap = 0xFFFFFF00
    # (script, page indices)
    yield rd_out(100) + space + wr_in(50), (0, 0, 0, 100)
    yield rd_out(4000) + rd_out(1), (0, 0, 0, 2048)
    yield rd_out(10) + rd_out(10), (0, 0, 0, 2049)
    yield rd_out(300) + peer_step(OUT_PROD, 120) + rd_out(300), \
        (0, 0, wrap, wrap + 200)
    yield rd_out(2048) + space + wr_in(1024) + wr_in(1), \
        (wrap, wrap + 1024, wrap, wrap + 2048)
    yield wr_in(2000) + rd_in(700) + wr_in(700), (1000, 1000, 0, 0)
    yield space + wr_in(1), (0, 1025, 0, 0)
    yield space + wr_in(5), (7, 3, 0, 0)
    yield peer_set(OUT_CONS, 5) + rd_out(64) + \
        peer_set(OUT_PROD, 0x80000000) + rd_out(64), (0, 0, 0, 40)
    yield big + space, (0, 0, 10, 2000)
    yield wr_out(3000) + rd_out(2100) + wr_out(17) + rd_out(9), (0, 0, 5, 5)
    yield bytes([op["PEER_SCRIBBLE"], 0, 0x00, 0x04, 0x5a, 40]) + \
        rd_out(64) + rd_in(64), (1020, 1030, 2040, 2060)


def main():
    target, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if target == "fuzz-xs-wire":
        for i, msgs in enumerate(wire_seeds()):
            stream = b"".join(msgs)
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                # The same stream from dom0 and from the guest.
                f.write(chunked(stream, 0) + chunked(stream, 1, 7))
    elif target == "fuzz-console-ring":
        for i, (script, idx) in enumerate(cons_seeds()):
            assert len(script) < 256
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(bytes([len(script)]) + script
                        + cons_page(*idx, fill=i))
    else:
        rng = random.Random(0x5EED)
        for i in range(32):
            data = bytes(rng.randrange(256) for _ in range(16 + 24 * i))
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(data)
    # meson wants a file it can track as the target's output.
    with open(os.path.join(outdir, ".stamp"), "w") as f:
        f.write("ok\n")


if __name__ == "__main__":
    main()
