#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""png-compare.py: compare two screen captures, or check that one is drawn.

  png-compare.py A.png B.png [--cell WxH]
      Passes if A and B have the same size and their pixels differ at
      most inside one character cell of WxH (default 8x16, fbcon's font):
      the cursor, the one part of a text screen two device models may
      show at a different moment.
  png-compare.py --lit A.png [--min N]
      Passes if at least N pixels (default 1000) are not the colour of
      the top left corner: the screen shows something.

Decodes PNG itself (zlib only), since dom0 has no imaging library for
Python: 8 bits per sample, grey, RGB, grey+alpha or RGBA, any filter,
no interlace: what the VNC clients write. Alpha counts (255 where the
file has none): a viewer shows a transparent pixel as its background,
and gvnccapture once wrote our black tiles transparent
(docs/display.md).
"""
import argparse
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path):
    """Returns (width, height, rows), each row a list of RGBA tuples."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('%s: not a PNG' % path)
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        length, ctype = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif ctype == b'IDAT':
            idat.append(body)
        elif ctype == b'IEND':
            break
    if hdr is None:
        raise ValueError('%s: no IHDR' % path)
    width, height, depth, colour, _, _, interlace = hdr
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError('%s: depth %d colour type %d interlace %d not '
                         'supported' % (path, depth, colour, interlace))
    bpp = CHANNELS[colour]
    raw = zlib.decompress(b''.join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        off = y * (stride + 1)
        ftype = raw[off]
        line = bytearray(raw[off + 1:off + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xff
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xff
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xff
            elif ftype == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 0xff
            elif ftype != 0:
                raise ValueError('%s: filter %d' % (path, ftype))
        if bpp == 4:
            rows.append([tuple(line[i:i + 4]) for i in range(0, stride, 4)])
        elif bpp == 3:
            rows.append([tuple(line[i:i + 3]) + (255,)
                         for i in range(0, stride, 3)])
        elif bpp == 2:
            rows.append([(line[i], line[i], line[i], line[i + 1])
                         for i in range(0, stride, 2)])
        else:
            rows.append([(v, v, v, 255) for v in line])
        prev = line
    return width, height, rows


def compare(a, b, cell_w, cell_h):
    wa, ha, ra = read_png(a)
    wb, hb, rb = read_png(b)
    if (wa, ha) != (wb, hb):
        print('sizes differ: %dx%d and %dx%d' % (wa, ha, wb, hb))
        return False
    box = None
    count = 0
    for y in range(ha):
        if ra[y] == rb[y]:
            continue
        for x in range(wa):
            if ra[y][x] != rb[y][x]:
                count += 1
                if box is None:
                    box = [x, y, x, y]
                else:
                    box = [min(box[0], x), min(box[1], y),
                           max(box[2], x), max(box[3], y)]
    if box is None:
        print('identical, %dx%d' % (wa, ha))
        return True
    bw, bh = box[2] - box[0] + 1, box[3] - box[1] + 1
    print('%d pixels differ, within %dx%d at %d,%d' %
          (count, bw, bh, box[0], box[1]))
    # One cell, wherever the cursor was: the box fits in the cell that
    # holds its top left corner.
    cx, cy = box[0] // cell_w * cell_w, box[1] // cell_h * cell_h
    return box[2] < cx + cell_w and box[3] < cy + cell_h


def lit(a, minimum):
    w, h, rows = read_png(a)
    bg = rows[0][0]
    count = sum(1 for row in rows for px in row if px != bg)
    print('%dx%d, %d pixels not the background %r' % (w, h, count, bg))
    return count >= minimum


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lit', action='store_true')
    ap.add_argument('--min', type=int, default=1000)
    ap.add_argument('--cell', default='8x16')
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    if args.lit:
        ok = all(lit(f, args.min) for f in args.files)
    else:
        if len(args.files) != 2:
            ap.error('two files to compare')
        cw, ch = (int(v) for v in args.cell.split('x'))
        ok = compare(args.files[0], args.files[1], cw, ch)
    sys.exit(0 if ok else 1)


def run():
    # A capture an earlier step failed to take is a failed comparison
    # with a one-line reason (the caller puts it on a TAP line), not a
    # traceback.
    try:
        main()
    except (OSError, ValueError) as e:
        print(e)
        sys.exit(1)


if __name__ == '__main__':
    run()
