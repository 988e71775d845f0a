#!/usr/bin/env python3
# The disk test guest's pattern (xenner/guests/programs.h), host side.
#
#   diskpat.py verify IMAGE VDEV   the raw IMAGE holds the pattern of VDEV
#                                  in the check's ranges, zeros elsewhere
#   diskpat.py write IMAGE VDEV SIZE
#                                  a raw IMAGE of SIZE bytes as the check
#                                  leaves a zeroed disk
#   diskpat.py zero IMAGE          the raw IMAGE is all zeros
#
# SPDX-License-Identifier: GPL-2.0-or-later

import os
import sys

SECTOR = 512
RANGES = 64         # GUEST_PROGRAM_DISK_RANGES
STRIDE = 2048       # GUEST_PROGRAM_DISK_STRIDE, sectors
LEN = 128           # GUEST_PROGRAM_DISK_LEN, sectors
CHUNK = 1 << 20


def ranges(size):
    sectors = size // SECTOR
    n = min(RANGES, sectors // STRIDE)
    if n == 0 and sectors >= LEN:
        n = 1
    return [(i * STRIDE * SECTOR, LEN * SECTOR) for i in range(n)]


def pattern(vdev, start, length):
    v = (vdev ^ (vdev >> 8)) & 0xff
    return bytes(((b ^ (b >> 8) ^ (b >> 16) ^ (b >> 24)) ^ v) & 0xff
                 for b in range(start, start + length))


def expected(vdev, size):
    """(offset, bytes) of every range, in order."""
    return [(off, pattern(vdev, off, n)) for off, n in ranges(size)]


def check_zero(f, start, end, errors):
    zero = bytes(CHUNK)
    pos = start
    f.seek(pos)
    while pos < end:
        n = min(CHUNK, end - pos)
        data = f.read(n)
        if data != zero[:n]:
            if len(data) < n:
                errors.append("short file at %d" % (pos + len(data)))
                return
            i = next(i for i in range(n) if data[i])
            errors.append("non-zero byte 0x%02x at %d, outside the ranges"
                          % (data[i], pos + i))
            return
        pos += n


def verify(image, vdev):
    size = os.path.getsize(image)
    errors = []
    pos = 0
    with open(image, "rb") as f:
        for off, want in expected(vdev, size):
            check_zero(f, pos, off, errors)
            f.seek(off)
            got = f.read(len(want))
            if got != want:
                i = next((i for i in range(min(len(got), len(want)))
                          if got[i] != want[i]), min(len(got), len(want)))
                errors.append("range at %d differs at byte %d: %s, not 0x%02x"
                              % (off, off + i,
                                 "0x%02x" % got[i] if i < len(got) else "EOF",
                                 want[i]))
            pos = off + len(want)
            if len(errors) > 5:
                break
        check_zero(f, pos, size, errors)
    if not ranges(size):
        errors.append("no ranges in %d bytes" % size)
    for e in errors:
        print(e)
    return not errors


def write(image, vdev, size):
    with open(image, "wb") as f:
        f.truncate(size)
        for off, data in expected(vdev, size):
            f.seek(off)
            f.write(data)
    return True


def zero(image):
    errors = []
    with open(image, "rb") as f:
        check_zero(f, 0, os.path.getsize(image), errors)
    for e in errors:
        print(e)
    return not errors


def main(argv):
    if len(argv) == 4 and argv[1] == "verify":
        return verify(argv[2], int(argv[3]))
    if len(argv) == 5 and argv[1] == "write":
        return write(argv[2], int(argv[3]), int(argv[4]))
    if len(argv) == 3 and argv[1] == "zero":
        return zero(argv[2])
    print(__doc__ or "usage: see the header", file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv) else 1)
