#!/usr/bin/env python3
"""Writes the seed corpus of a fuzz target into a directory.

Seeds are generated, not stored: a wire seed is a realistic request
stream in the chunked framing fuzz-xs-wire.c reads; a tree seed is a
deterministic byte string, since every byte string is a valid operation
sequence for fuzz-xs-tree.c.
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


def main():
    target, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if target == "fuzz-xs-wire":
        for i, msgs in enumerate(wire_seeds()):
            stream = b"".join(msgs)
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                # The same stream from dom0 and from the guest.
                f.write(chunked(stream, 0) + chunked(stream, 1, 7))
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
