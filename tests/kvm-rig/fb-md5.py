#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fb-md5.py PPM: prints "W,H STRIDE MD5" of the picture as Linux's
32-bit truecolour framebuffer holds it (xen-fbfront's: each pixel B, G,
R, 0 in memory, rows back to back), the same line the display task
(tests/xen-rig/guest/display.sh) prints of its /dev/fb0 after "RIG
fb-md5": equal lines say that the screendump shows the guest's own
pixels, its fbcon text among them. A second line, "colours N", counts
the picture's distinct colours: a blank screen has one.
"""
import array
import hashlib
import sys


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # P6, width, height, maxval, one whitespace byte, then the pixels.
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        sys.exit("%s: not an 8-bit P6 PPM" % path)
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        sys.exit("%s: short pixel data" % path)
    return width, height, pixels


def main():
    width, height, rgb = read_ppm(sys.argv[1])
    fb = bytearray(width * height * 4)
    fb[0::4] = rgb[2::3]
    fb[1::4] = rgb[1::3]
    fb[2::4] = rgb[0::3]
    print("%d,%d %d %s" % (width, height, width * 4,
                           hashlib.md5(fb).hexdigest()))
    # As 32-bit words, counted in C: a loop over the pixels in Python
    # takes seconds under the rig's TCG.
    print("colours %d" % len(set(array.array("I", bytes(fb)))))


if __name__ == "__main__":
    main()
