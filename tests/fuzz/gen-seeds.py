#!/usr/bin/env python3
"""Writes the seed corpus of a fuzz target into a directory.

Seeds are generated, not stored: a wire seed is a realistic request
stream in the chunked framing fuzz-xs-wire.c reads; a tree seed is a
deterministic byte string, since every byte string is a valid operation
sequence for fuzz-xs-tree.c; a console ring seed is a script of
ring operations followed by a shared page, as fuzz-console-ring.c reads;
a blkif seed is a disk's limits, one request slot in one of the three
layouts and its indirect pages, as fuzz-blkif.c reads; a disk ring seed
is a batch of native requests and an indirect page, as fuzz-disk-ring.c
reads; a QMP seed is a chunk size byte and a command stream as libxl
sends it, as fuzz-qmp.c reads; a parse seed is a bound selector and
a number as frontends and tools write them, as fuzz-parse.c reads; a
vnc-opts seed is a -vnc string as libxl writes it; a vnc-frame seed is
a state byte and what a VNC client sent, as fuzz-vnc-frame.c reads; a
kbd seed is a script of queue, flush, drain and guest operations
followed by a vkbd page, as fuzz-kbd.c reads; a net-offload seed is a
virtio-net header and a TCP frame, as fuzz-net-offload.c reads; a
net-stream seed is a chunk size and frames in QEMU's stream framing; a
netif-tx seed is a count of TX slots, the slots as netfront writes them
and a frame, as fuzz-netif-tx.c reads; a netif-ctrl seed is a queue
count and control requests as a Windows or Linux frontend sends them,
each with its granted bytes, then a frame to hash, as fuzz-netif-ctrl.c
reads; a pvh-image seed is a small ELF kernel with Xen's PVH entry
note, or a bzImage around one, as fuzz-pvh-image.c reads; a xen-hcall
seed is a script of hypercalls with the guest RAM they point into, as
fuzz-xen-hcall.c reads.
"""
import json
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
            WRITE_OUT=5, PEER_SET=6, PEER_STEP=7, PEER_SCRIBBLE=8,
            EV_READ=10, EV_SPACE=11, EV_WRITE=12)
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
    # xen_ring.h on kbdif's event rings: selectors 4..7 are the keyboard
    # page's in_cons, in_prod, out_cons, out_prod; ring 0 is in (51
    # events), 1 is out (25).
    ev_rd = lambda ring, n: bytes([op["EV_READ"], ring, n])
    ev_sp = lambda ring: bytes([op["EV_SPACE"], ring])
    ev_wr = lambda ring, n: bytes([op["EV_WRITE"], ring, n, 0x33])
    kbd_at = lambda v: b"".join(peer_set(4 + i, v) for i in range(4))
    yield kbd_at(0) + ev_wr(0, 30) + ev_sp(0) + ev_wr(0, 30) + ev_wr(0, 1) \
        + ev_rd(0, 20) + ev_rd(0, 64) + ev_sp(0), (0, 0, 0, 0)
    yield kbd_at(0xFFFFFFFD) + ev_wr(1, 6) + ev_rd(1, 4) + ev_rd(1, 10) \
        + peer_set(7, 2) + ev_rd(1, 64) + ev_sp(1) + ev_wr(1, 1), \
        (0, 0, 0, 0)
    yield kbd_at(10) + peer_set(7, 9) + ev_rd(1, 64) + peer_set(7, 36) \
        + ev_rd(1, 64) + peer_set(7, 35) + ev_rd(1, 64) \
        + bytes([op["PEER_SCRIBBLE"], 6, 0x0c, 0x10, 0x77, 60]) \
        + peer_step(5, 3) + ev_rd(0, 64), (0, 0, 0, 0)


# fuzz-blkif.c: per ABI (native = x86_64 on the hosts we build on) the
# slot size and the offsets of rw id, discard id and indirect id/handle/
# grefs, as in Linux's xen-blkback/common.h.
BLK_ABI = {
    0: dict(slot=112, rw_id=8, rw_seg=24, i_handle=24, i_grefs=28),
    1: dict(slot=108, rw_id=4, rw_seg=20, i_handle=20, i_grefs=24),
    2: dict(slot=112, rw_id=8, rw_seg=24, i_handle=24, i_grefs=28),
}
BLK_OP = dict(READ=0, WRITE=1, WRITE_BARRIER=2, FLUSH_DISKCACHE=3,
              RESERVED_1=4, DISCARD=5, INDIRECT=6)
BLK_RO, BLK_FLUSH, BLK_BARRIER, BLK_DISCARD, BLK_SECURE = 4, 8, 16, 32, 64
BLK_ALL = BLK_FLUSH | BLK_BARRIER | BLK_DISCARD | BLK_SECURE


def blk_segs(segs):
    return b"".join(struct.pack("<IBBH", g, f, l, 0) for g, f, l in segs)


def blk_slot(abi, op, id_, sector, nr=None, segs=(), flag=0, nr_sectors=0,
             inner=0, grefs=(), handle=0x33):
    a = BLK_ABI[abi]
    buf = bytearray(a["slot"])
    buf[0] = BLK_OP[op] if isinstance(op, str) else op
    if op == "INDIRECT":
        # id and sector_number sit where a read's do.
        buf[1] = BLK_OP[inner]
        struct.pack_into("<H", buf, 2, nr)
        struct.pack_into("<QQ", buf, a["rw_id"], id_, sector)
        struct.pack_into("<H", buf, a["i_handle"], handle)
        struct.pack_into("<8I", buf, a["i_grefs"],
                         *(list(grefs) + [0] * (8 - len(grefs))))
    elif op == "DISCARD":
        buf[1] = flag
        struct.pack_into("<H", buf, 2, handle)
        struct.pack_into("<QQQ", buf, a["rw_id"], id_, sector, nr_sectors)
    else:
        buf[1] = len(segs) if nr is None else nr
        struct.pack_into("<H", buf, 2, handle)
        struct.pack_into("<QQ", buf, a["rw_id"], id_, sector)
        raw = blk_segs(segs[:11])
        buf[a["rw_seg"]:a["rw_seg"] + len(raw)] = raw
    return bytes(buf)


def blk_input(abi, flags, slot, max_ind=32, sectors=1000, size_sel=0,
              pages=b"", ring_pages=1):
    head = bytes([abi | flags, max_ind, (size_sel << 5) | ring_pages])
    return head + struct.pack("<Q", sectors) + slot + pages


def blk_seeds():
    full = [(100, 0, 7), (101, 2, 5)]
    ind = [(200 + i, i % 8, 7) for i in range(256)]
    for abi in (0, 1, 2):
        s = lambda *a, **k: blk_slot(abi, *a, **k)
        yield blk_input(abi, BLK_ALL, s("READ", 1, 10, segs=full))
        yield blk_input(abi, BLK_ALL | BLK_RO, s("WRITE", 2, 0, segs=full))
        yield blk_input(abi, BLK_ALL, s("WRITE", 3, 988, segs=full))
        yield blk_input(abi, BLK_ALL, s("READ", 4, 0, segs=[(1, 0, 7)] * 11),
                        ring_pages=16)
        yield blk_input(abi, BLK_ALL, s("READ", 5, 0, nr=12,
                                        segs=[(1, 0, 7)] * 11))
        yield blk_input(abi, BLK_ALL, s("READ", 6, 0, segs=[(1, 5, 4)]))
        yield blk_input(abi, BLK_ALL, s("READ", 19, 0, segs=[(1, 7, 8)]))
        yield blk_input(abi, BLK_ALL, s("READ", 7, 2**64 - 4,
                                        segs=[(1, 0, 7)]),
                        sectors=0, size_sel=4)
        yield blk_input(abi, BLK_ALL | BLK_RO, s("FLUSH_DISKCACHE", 8, 0))
        yield blk_input(abi, BLK_ALL, s("WRITE_BARRIER", 9, 5, segs=full))
        yield blk_input(abi, BLK_DISCARD, s("DISCARD", 10, 990, flag=1,
                                            nr_sectors=10))
        yield blk_input(abi, BLK_ALL, s("DISCARD", 11, 2**63,
                                        nr_sectors=2**63), size_sel=4)
        yield blk_input(abi, BLK_ALL, s("RESERVED_1", 12, 0))
        yield blk_input(abi, BLK_ALL, s(0x7f, 13, 0))
        yield blk_input(abi, BLK_ALL, s("INDIRECT", 14, 8, nr=32,
                                        inner="READ", grefs=[7]),
                        pages=blk_segs(ind[:32]))
        yield blk_input(abi, BLK_ALL, s("INDIRECT", 15, 0, nr=256,
                                        inner="WRITE", grefs=[7]),
                        max_ind=203, sectors=4096, pages=blk_segs(ind))
        yield blk_input(abi, BLK_ALL, s("INDIRECT", 16, 0, nr=33,
                                        inner="FLUSH_DISKCACHE",
                                        grefs=range(8)),
                        max_ind=0, pages=blk_segs(ind[:33]))
        # Nothing offered; then a protocol name where the pages go.
        yield blk_input(abi, 0, s("WRITE_BARRIER", 17, 0))
        yield blk_input(abi, BLK_ALL, s("READ", 18, 0, segs=full),
                        pages=[b"x86_32-abi", b"x86_64-abi", b"x86_6"][abi])


# fuzz-disk-ring.c: a count, native slots, then the indirect page; grant
# refs are 0 (read-write page), 1 (read-only), 2 (the indirect page) and
# 3 (never granted), taken modulo 4 by the target. The disk has 2048
# sectors.
def disk_ring_seeds():
    s = lambda *a, **k: blk_slot(0, *a, **k)
    rw, ro, lst, bad = 0, 1, 2, 3
    page = [(rw, 0, 7)]
    ind = blk_segs([(rw, i % 8, 7) for i in range(64)])
    yield [s("WRITE", 1, 0, segs=page * 11), s("READ", 2, 0, segs=page * 11)]
    yield [s("WRITE", 1, 100, segs=[(ro, 0, 7)]),
           s("READ", 2, 100, segs=[(ro, 0, 7)]),
           s("READ", 3, 100, segs=[(bad, 0, 7)])], b""
    yield [s("INDIRECT", 1, 0, nr=64, inner="WRITE", grefs=[lst]),
           s("INDIRECT", 2, 0, nr=64, inner="READ", grefs=[lst]),
           s("INDIRECT", 3, 0, nr=64, inner="READ", grefs=[bad]),
           s("INDIRECT", 4, 0, nr=300, inner="READ", grefs=[lst])], ind
    yield [s("FLUSH_DISKCACHE", 1, 0), s("WRITE_BARRIER", 2, 10, segs=page),
           s("WRITE", 3, 20, segs=page), s("FLUSH_DISKCACHE", 4, 30,
                                           segs=page)]
    yield [s("DISCARD", 1, 0, nr_sectors=1024, flag=1),
           s("DISCARD", 2, 2040, nr_sectors=16), s("RESERVED_1", 3, 0),
           s(0x7f, 4, 0)]
    yield [s("READ", i, 2047 - i, segs=[(rw, i % 8, 7)]) for i in range(32)]


# fuzz-disk-ring.c's XenBackRing model, on the same bytes: byte 0 picks
# the ABI ((b / 33) % 3; a multiple of 33 sends no request to the disk),
# byte 1 the pages (1 << (b % 5)), then the starting index and opcodes.
RING = dict(SET_PROD=0, STEP_PROD=1, POLL=2, TAKE=3, FINAL=4, RESPOND=5,
            PUSH=6, EVENT_NEAR=7, EVENT_AT=8, SCRIBBLE=9)


def ring_model_seeds():
    op = RING
    u32 = lambda v: struct.pack("<I", v & 0xFFFFFFFF)
    prod = lambda v: bytes([op["SET_PROD"]]) + u32(v)
    take = lambda n: bytes([op["TAKE"], n])
    respond = lambda n: bytes([op["RESPOND"], n, 0x77])
    near = lambda d: bytes([op["EVENT_NEAR"], d & 0xff])
    poll, final, push = (bytes([op[k]]) for k in ("POLL", "FINAL", "PUSH"))
    # native, 1 page (32 slots), across 2^32: full ring, then a lie
    yield bytes([0, 0]) + u32(0xFFFFFFF0) + prod(32) + poll + take(39) \
        + final + respond(32) + near(1) + push + push + prod(33) + poll \
        + bytes([op["STEP_PROD"], 0xff]) + poll + final
    # x86_32, 4 pages (128 slots): batches, a race, notify decisions
    yield bytes([33, 2]) + u32(0) + prod(100) + poll + take(39) \
        + bytes([op["STEP_PROD"], 5]) + final + take(39) * 3 + final \
        + respond(39) + near(20) + push + respond(39) * 2 + near(-3) + push \
        + bytes([op["EVENT_AT"]]) + u32(0x80000000) + respond(30) + push \
        + prod(0x80000000) + poll + final
    # x86_64, 16 pages (512 slots): the biggest ring, then moving back
    yield bytes([66, 4]) + u32(0x7FFFFFFF) + prod(512) + poll \
        + take(39) * 13 + final + prod(513) + poll \
        + bytes([op["SCRIBBLE"], 0x10, 0x00, 5]) + respond(1) + poll \
        + prod(3) + poll + final + push


def qmp_cmd(name, args=None, id_=None):
    req = {"execute": name}
    if args is not None:
        req["arguments"] = args
    if id_ is not None:
        req["id"] = id_
    return json.dumps(req).encode() + b"\r\n"


def qmp_seeds():
    caps = qmp_cmd("qmp_capabilities", id_=1)
    # What libxl does at domain creation and for "xl vncpasswd".
    yield caps + qmp_cmd("query-status", id_=2) + qmp_cmd("query-vnc", id_=3)
    yield caps + qmp_cmd("change-vnc-password", {"password": "s3cret"},
                         id_="libxl-4") + qmp_cmd("query-version", id_=5)
    yield (caps + qmp_cmd("query-commands", id_={"n": [1, None]})
           + qmp_cmd("x-echo", {"value": [1, "two", {"3": True}]}, id_=6)
           + qmp_cmd("quit", id_=7) + qmp_cmd("query-status", id_=8))
    # Errors: before negotiation, unknown commands, bad shapes.
    yield (qmp_cmd("query-status", id_=1) + caps + caps
           + qmp_cmd("no-such", id_=2) + b'{"execute": 1}'
           + b'{"id": 3}{"execute": "quit", "bogus": 0}'
           + b'[1, 2] "str" 42 {"execute": } '
           + b'{"execute": "query-status", "arguments": {"x": 1}}')
    yield caps + qmp_cmd("x-echo", {"value": "caf\u00e9 \"q\" \\ }{"},
                         id_=[None, 1.5, "\ud83d\ude00"])
    # Ids json-glib reads as something else: each must come back as sent.
    ids = [b"1e999", b"-1e999", b"1e308", b"18446744073709551615",
           b"9223372036854775808", b"-9223372036854775809", b"0.1",
           b"1E+2", b"-0", b"123456789012345678901234567890",
           b'"\\u0000\\ud83d\\ude00\\/\\""', b'{ "a" : [ 1e999 , null ] }',
           b"true", b"[]"]
    yield caps + b"".join(b'{"execute": "query-status", "id": %s}' % i
                          for i in ids)
    yield (caps + b'{"execute": "x-echo", "id": 1e999, "arguments": '
           b'{"value": [1e999, 1e308, 18446744073709551615, 0.1]}}'
           + b'{"execute": "no-such", "id": 9223372036854775808}')
    # Duplicate keys, at the top and deeper: refused, never run.
    yield (caps + b'{"execute": "query-status", "execute": "quit"}'
           + b'{"execute": "x-echo", "arguments": {"v": 1, "v": 2}}'
           + b'{"execute": "query-status", "id": [{"a": 1, "\\u0061": 2}]}'
           + b'{"execute": "query-status", "id": 1, "id": 2}'
           + qmp_cmd("query-status", id_=9))
    # What json-glib takes but JSON does not.
    yield (caps + b"{'execute': 'quit'}"
           + b'{"execute": "query-status", "id": 0x10}'
           + b'{"execute": "query-status", "id": 01}'
           + b'{"execute": "query-status", "id": /* c */ 1}'
           + b'{"execute": "query-status", "id": "a\tb"}'
           + b'{"execute": "query-status", "id": [1,]}'
           + b'{"execute": "query-status",}' + qmp_cmd("quit", id_=3))


def parse_seeds():
    numbers = [b"0", b"7", b"010", b"0x10", b"-1", b" 1", b"1 ", b"",
               b"4294967295", b"4294967296", b"18446744073709551615",
               b"18446744073709551616", b"00000000000000000000001"]
    for sel in (0, 2, 8, 12):
        for n in numbers:
            yield bytes([sel]) + n
    # An explicit bound: selector, then eight bytes little-endian.
    yield bytes([255]) + struct.pack("<Q", 12345) + b"12345"
    yield bytes([255]) + struct.pack("<Q", 12345) + b"12346"


def kbd_page(in_cons, in_prod, out_cons, out_prod):
    return struct.pack("<IIII", in_cons, in_prod, out_cons, out_prod)


def kbd_seeds():
    push_motion = bytes([0, 0, 2, 5, 2, 3, 1])
    push_pos = bytes([0, 2, 100, 0, 50, 0, 1])
    push_key = bytes([1, 4, 1, 30, 0])
    push_touch = bytes([0, 5, 0, 1])
    flush, drain, consume = bytes([2]), bytes([3]), bytes([6, 255])
    # An idle ring: some events in, consumed, more in.
    yield (push_key + push_motion + push_pos + flush + consume
           + push_touch + flush + drain, kbd_page(0, 0, 0, 0))
    # The backlog overflowing with motion and keys, then drained:
    # bursts (opcode 7, a count, an event) of positions, keys, motion.
    burst_pos = bytes([7, 80, 2, 100, 0, 50, 0, 1])
    burst_key = bytes([7, 70, 4, 1, 30, 0])
    burst_rel = bytes([7, 90, 0, 2, 5, 2, 3, 1])
    yield (burst_pos + push_key + burst_pos + push_key + flush + consume
           + flush, kbd_page(0, 0, 0, 0))
    yield (burst_key + burst_pos + flush, kbd_page(0, 0, 0, 0))
    yield (burst_rel + push_key + burst_rel + flush + consume + flush,
           kbd_page(0, 0, 0, 0))
    # Indices near the wrap and far apart.
    yield (push_key * 3 + flush + drain, kbd_page(0xfffffffe, 0xfffffffe,
                                                  0xfffffff0, 0xfffffff8))
    yield (push_key + flush + drain, kbd_page(0, 0x80000000, 5, 4))
    # A guest rewriting in_cons between flushes.
    yield (push_key * 2 + flush + bytes([4, 0, 0, 0, 0, 0x80]) + push_key
           + flush + bytes([5, 1, 3]) + flush, kbd_page(7, 7, 0, 25))


# fuzz-fb.c: flags, videoram (3 bytes), then the shared page.
def fb_page(width, height, line, mem, depth, abi32, dirs, out_cons=0,
            out_prod=0, events=()):
    page = bytearray(4096)
    struct.pack_into("<IIIIiiIIB", page, 0, 0, 0, out_cons, out_prod,
                     width, height, line, mem, depth)
    off, fmt = (36, "<I") if abi32 else (40, "<Q")
    for i, d in enumerate(dirs):
        struct.pack_into(fmt, page, off + i * struct.calcsize(fmt), d)
    for i, ev in enumerate(events):
        slot = 2048 + ((out_cons + i) % 51) * 40
        page[slot:slot + len(ev)] = ev
    return bytes(page)


def fb_update(x, y, w, h):
    return struct.pack("<Biiii", 2, x, y, w, h)


def fb_resize(w, h, stride, depth, offset):
    return struct.pack("<Biiiii", 3, w, h, stride, depth, offset)


def fb_seeds():
    mib = 1 << 20
    for abi32 in (0, 1):
        for depth in (8, 16, 24, 32):
            line = 320 * depth // 8
            yield (bytes([abi32 | 2]) + struct.pack("<I", 4 * mib)[:3]
                   + fb_page(320, 200, line, 2 * mib, depth, abi32, [7, 8],
                             0, 3, [fb_update(0, 0, 320, 200),
                                    fb_resize(100, 50, 256, 16, 8192),
                                    fb_update(99, 49, 1, 1)]))
    # CVE-2008-1952, geometry past mem_length, lying indices, a full ring
    yield (b"\x02" + struct.pack("<I", mib)[:3]
           + fb_page(800, 600, 3200, 0xffffffff, 32, 0, [1]))
    yield (b"\x02" + struct.pack("<I", 4 * mib)[:3]
           + fb_page(800, 60000, 3200, 2 * mib, 32, 0, [1]))
    yield (b"\x02" + struct.pack("<I", 4 * mib)[:3]
           + fb_page(320, 200, 1280, mib, 32, 0, [1], 5, 0x80000005))
    yield (b"\x03" + struct.pack("<I", 4 * mib)[:3]
           + fb_page(320, 200, 1280, mib, 32, 1, [1], 0xffffffe0,
                     (0xffffffe0 + 51) & 0xffffffff,
                     [fb_update(i, i, 1, 1) for i in range(51)]))
    yield (b"\x02" + struct.pack("<I", 4 * mib)[:3]
           + fb_page(320, 200, 1280, mib, 32, 0, [1], 0, 2,
                     [fb_resize(-1, 5, 100, 32, 0),
                      fb_resize(0x7fffffff, 0x7fffffff, 0x7fffffff, 32,
                                0x7fffffff)]))


def vnc_frame_seeds():
    # A state byte (4: normal; 0x80: extended clipboard) and the bytes
    # buffered: each message type whole, cut short, or too long.
    yield b"\x00RFB 003.008\n"
    yield b"\x04\x00" + bytes(19)
    yield b"\x04\x02\x00\x00\x03" + bytes(12)
    yield b"\x04\x02\x00\xff\xff"
    yield b"\x04\x03\x00\x00\x00\x00\x00\x01\x00\x01\x00"
    yield b"\x04\x04\x01\x00\x00\x00\x00\x00\x61"
    yield b"\x04\x05\x01\x00\x10\x00\x10"
    yield b"\x04\x06\x00\x00\x00\x00\x00\x00\x03abc"
    yield b"\x84\x06\x00\x00\x00\xff\xff\xff\xfdabc"
    yield b"\x04\x06\x00\x00\x00\x7f\xff\xff\xff"
    yield b"\x04\xfb\x00\x04\x00\x03\x00\x01\x00" + bytes(16)
    yield b"\x02" + bytes(16)


def vnc_opts_seeds():
    # What libxl passes, QEMU's other forms, and near misses.
    yield b"127.0.0.1:0"
    yield b"127.0.0.1:0,password=on,to=99"
    yield b"0.0.0.0:5,to=99"
    yield b":1"
    yield b"[::1]:2,display=xenfb1.0,password"
    yield b"unix:/run/xen/vnc-1,,x,ipv4=on"
    yield b"none"
    yield b"host:59635,to=59635"
    yield b"host:,to="
    yield b"[:1,,]:3,ipv6=off,ipv4"
    yield b"hos:5935,to=5to=5,to"


def net_offload_seeds():
    def csum16(data):
        if len(data) % 2:
            data += b"\0"
        s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return s

    def frame(v6, payload, vlan=False):
        eth = b"\x02" * 6 + b"\x04" * 6
        if vlan:
            eth += struct.pack("!HH", 0x8100, 5)
        tcp = struct.pack("!HHIIBBHHH", 40000, 5201, 1000, 7, 5 << 4,
                          0x18, 65535, 0, 0)
        body = bytes((i * 7) & 0xff for i in range(payload))
        if v6:
            eth += b"\x86\xdd"
            ip = struct.pack("!IHBB", 6 << 28, 20 + payload, 6, 64)
            ip += b"\xfd" * 16 + bytes(range(16))
        else:
            eth += b"\x08\x00"
            ip = struct.pack("!BBHHHBBH", 0x45, 0, 40 + payload, 1, 0x4000,
                             64, 6, 0) + bytes([10, 0, 0, 1, 10, 0, 0, 2])
        return eth, ip, tcp, body

    def hdr(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset):
        return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size,
                           csum_start, csum_offset)

    for v6 in (False, True):
        for vlan in (False, True):
            for payload, mss in ((3000, 1000), (2001, 1448), (7, 1)):
                eth, ip, tcp, body = frame(v6, payload, vlan)
                l4 = len(eth) + len(ip)
                gso = 4 if v6 else 1
                yield hdr(1, gso, l4 + 20, mss, l4, 16) + eth + ip + tcp + body
            eth, ip, tcp, body = frame(v6, 100, vlan)
            l4 = len(eth) + len(ip)
            yield hdr(1, 0, 0, 0, l4, 16) + eth + ip + tcp + body
    yield hdr(0, 0, 0, 0, 0, 0) + b"\xff" * 60


def net_stream_seeds():
    def framed(*frames):
        return b"".join(struct.pack("!I", len(f)) + f for f in frames)

    arp = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x06" + bytes(28)
    big = bytes(i & 0xff for i in range(1514))
    for chunk in (0, 1, 3, 7, 200):
        yield bytes([chunk]) + framed(arp, big, b"x")
    yield b"\x00" + framed(arp) + b"\0\0\0\0"
    yield b"\x05" + framed(big) + b"\xff\xff\xff\xff"


def netif_tx_seeds():
    """TX slot chains as netfront writes them, with a frame each."""
    def req(gref, off, flags, rid, size):
        return struct.pack("<IHHHH", gref, off, flags, rid, size)

    def extra(etype, flags, body):
        return struct.pack("<BB", etype, flags) + body.ljust(6, b"\0") \
            + b"\0" * 4

    eth4 = b"\x52" * 12 + b"\x08\x00"
    ip4 = bytes([0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6]) + b"\0" * 10
    tcp = b"\0" * 12 + bytes([0x50]) + b"\0" * 7
    eth6 = b"\x52" * 12 + b"\x86\xdd"
    ip6 = bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + b"\0" * 32
    udp = b"\0" * 8
    frame4 = eth4 + ip4 + tcp + b"x" * 20
    frame6 = eth6 + ip6 + udp + b"y" * 20
    gso = struct.pack("<HBBH", 1448, 1, 0, 0)
    yield bytes([1]) + req(1, 0, 0, 0, 60) + frame4
    yield bytes([1]) + req(1, 100, 1, 1, 74) + frame4
    yield bytes([4]) + req(1, 2000, 0b1111, 2, 6000) + extra(1, 0, gso) \
        + req(2, 0, 4, 3, 2000) + req(3, 0, 0, 4, 1904) + frame4
    yield bytes([3]) + req(1, 0, 4 | 1, 5, 100) + req(2, 0, 4, 6, 0) \
        + req(3, 0, 0, 7, 40) + frame6
    yield bytes([2]) + req(0, 0, 8, 8, 0) \
        + extra(2, 0, b"\x01\x00\x5e\x00\x00\xfb")
    chain = req(1, 0, 4, 0, 20 * 22)
    for i in range(1, 22):
        chain += req(1 + i, 0, 4 if i < 21 else 0, i, 20)
    for n in (18, 19, 20, 22):
        yield bytes([n]) + chain[:12 * n] + frame4


def netif_ctrl_seeds():
    """Hash set-ups over the control ring, then a frame to steer."""
    def ctrl(rtype, d0=0, d1=0, d2=0, granted=None):
        out = struct.pack("<HHIII", 7, rtype, d0, d1, d2)
        if granted is None:
            return out + b"\1"
        return out + b"\1" + granted

    key = bytes(range(0x6d, 0x6d + 40))
    setup = [ctrl(7, 1), ctrl(1), ctrl(2, 0xf), ctrl(3, 9, 40, 0, key),
             ctrl(4), ctrl(5, 8),
             ctrl(6, 9, 8, 0, struct.pack("<8I", 0, 1, 2, 3, 0, 1, 2, 3))]
    frame4 = (b"\x52" * 12 + b"\x08\x00"
              + bytes([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0,
                       66, 9, 149, 187, 161, 142, 100, 80])
              + struct.pack(">HH", 2794, 1766) + b"\0" * 8
              + bytes([0x50]) + b"\0" * 7)
    frame6 = (b"\x52" * 12 + b"\x86\xdd"
              + bytes([0x60, 0, 0, 0, 0, 8, 17, 64]) + bytes(range(32))
              + b"\0" * 8)
    for n in range(1, len(setup) + 1):
        body = b"".join(setup[:n])
        for fr in (frame4, frame6):
            yield bytes([3, n]) + body + fr
    # The XSA-270 shapes: past the table, wrapping, a queue too high.
    bad = [ctrl(7, 1), ctrl(5, 8), ctrl(6, 9, 4, 0xffffffff),
           ctrl(6, 9, 0xffffffff, 2), ctrl(6, 9, 2, 0, struct.pack("<2I", 0, 9))]
    yield bytes([1, len(bad)]) + b"".join(bad) + frame4


# Targets whose seeds are written as they are, one file each.
def pvh_elf(entry=0x100000, paddr=0x100000, memsz=0x2000, phnum_extra=0):
    """An ELF64 x86-64 kernel: a PT_NOTE with Xen notes, one PT_LOAD."""
    notes = b""
    for ntype, desc in ((6, b"linu"), (18, struct.pack("<I", entry))):
        notes += struct.pack("<III", 4, len(desc), ntype) + b"Xen\0" + desc
    code = bytes(range(64))
    phoff = 64
    notes_off = phoff + 2 * 56
    code_off = notes_off + len(notes)
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
          + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64,
                        56, 2 + phnum_extra, 64, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 4, 4, notes_off, 0, 0, len(notes),
                     len(notes), 4)
    ph += struct.pack("<IIQQQQQQ", 1, 5, code_off, paddr, paddr, len(code),
                      memsz, 4096)
    return eh + ph + notes + code


def pvh_bzimage(payload, claimed=None):
    import lzma
    z = lzma.compress(payload, format=lzma.FORMAT_XZ,
                      check=lzma.CHECK_CRC32) + struct.pack("<I",
                                                            len(payload))
    head = bytearray(5 * 512 + 100)
    head[0x1f1] = 4
    head[0x202:0x206] = b"HdrS"
    head[0x206:0x208] = struct.pack("<H", 0x020f)
    head[0x248:0x250] = struct.pack("<II", 100, len(z) if claimed is None
                                    else claimed)
    return bytes(head) + z


def pvh_image_seeds():
    yield pvh_elf()
    yield pvh_elf(entry=0x1000850, paddr=0x1000000, memsz=0x100000)
    yield pvh_elf(memsz=16)
    yield pvh_bzimage(pvh_elf())
    yield pvh_bzimage(pvh_elf(), claimed=1 << 20)
    yield pvh_bzimage(b"not an elf")


def hcall(nr, args, flags=2, cr3=0):
    args = list(args) + [0] * (5 - len(args))
    return bytes([nr, flags, cr3]) + b"".join(struct.pack("<Q", a & (2**64 - 1))
                                              for a in args)


def xen_hcall_seeds():
    """Paging off: pointers are guest physical addresses into the RAM
    that follows the calls. The structures sit at 0x100 upwards."""
    ram = bytearray(64 * 4096)
    # shared_info at frame 8, a console_io buffer, a sched_shutdown.
    struct.pack_into("<HHIQQ", ram, 0x100, 0x7ff0, 1, 0, 0, 8)
    ram[0x200:0x210] = b"hello, console\n\0"
    struct.pack_into("<I", ram, 0x300, 0)
    struct.pack_into("<HHIQ", ram, 0x400, 0x7ff0, 0, 0,
                     (2 << 56) | 0xf3)                 # CALLBACK_IRQ vector
    struct.pack_into("<III", ram, 0x500, 0, 0, 0)      # bind_virq timer
    struct.pack_into("<I", ram, 0x600, 0)              # bind_ipi vcpu 0
    struct.pack_into("<I", ram, 0x700, 1)              # send / unmask port 1
    struct.pack_into("<IIQ", ram, 0x800, 8, 0, 0x900)  # memory_map
    struct.pack_into("<HHIIhH", ram, 0xa00, 0x7ff0, 0, 0, 0, 0, 0)
    struct.pack_into("<HHIQQ", ram, 0xb00, 0x7ff0, 1, 1, 2, 0x10000)
    calls = [hcall(12, [7, 0x100]), hcall(34, [0, 0x400]),
             hcall(18, [0, 15, 0x200]), hcall(32, [1, 0x500]),
             hcall(32, [7, 0x600]), hcall(32, [4, 0x700]),
             hcall(32, [9, 0x700]), hcall(12, [9, 0x800]),
             hcall(17, [0, 0]), hcall(24, [3, 0, 0]),
             hcall(20, [6, 0xa00, 1]), hcall(12, [7, 0xb00])]
    yield bytes([len(calls)]) + b"".join(calls) + bytes(ram)
    yield (bytes([len(calls) + 1]) + b"".join(calls)
           + hcall(29, [2, 0x300]) + bytes(ram))
    # Ballooning and GNTTABOP_copy: frames 0x20-0x21 given back and
    # populated; ref 2 (in the grant frame after RAM) grants frame 0x21
    # to the guest itself, copied to frame 0x22, then again released.
    mem = bytearray(ram) + bytearray(4 * 4096)
    struct.pack_into("<QQ", mem, 0xd00, 0x20, 0x21)
    struct.pack_into("<QQIIH6x", mem, 0xc00, 0xd00, 2, 0, 0, 0x7ff0)
    struct.pack_into("<H", mem, 0xe00, 0x7ff0)
    struct.pack_into("<HHI", mem, 64 * 4096 + 16, 1, 1, 0x21)
    struct.pack_into("<QHH4xQHH4xHHhH", mem, 0xf00, 2, 0x7ff0, 0, 0x22,
                     0x7ff0, 0, 16, 1, 0, 0)
    calls = [hcall(12, [1, 0xc00]), hcall(12, [3, 0xe00]),
             hcall(12, [6, 0xc00]), hcall(20, [5, 0xf00, 1]),
             hcall(12, [1, 0xc00]), hcall(20, [5, 0xf00, 1]),
             hcall(24, [6, 0, 0x100])]
    yield bytes([len(calls)]) + b"".join(calls) + bytes(mem)
    # Paging on, CR3 at frame 1 with no present entry: every pointer faults.
    yield bytes([3]) + hcall(18, [0, 15, 0x200], flags=3, cr3=1) + \
        hcall(34, [1, 0x400], flags=3, cr3=1) + hcall(60, [], flags=1) + \
        bytes(ram)


PLAIN_SEEDS = {
    "fuzz-pvh-image": pvh_image_seeds,
    "fuzz-xen-hcall": xen_hcall_seeds,
    "fuzz-fb": fb_seeds,
    "fuzz-blkif": blk_seeds,
    "fuzz-vnc-frame": vnc_frame_seeds,
    "fuzz-vnc-opts": vnc_opts_seeds,
    "fuzz-net-offload": net_offload_seeds,
    "fuzz-net-stream": net_stream_seeds,
    "fuzz-netif-tx": netif_tx_seeds,
    "fuzz-netif-ctrl": netif_ctrl_seeds,
    "fuzz-parse": parse_seeds,
}


def main():
    target, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if target == "fuzz-xs-wire":
        for i, msgs in enumerate(wire_seeds()):
            stream = b"".join(msgs)
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                # The same stream from dom0 and from the guest.
                f.write(chunked(stream, 0) + chunked(stream, 1, 7))
    elif target == "fuzz-kbd":
        for i, (script, page) in enumerate(kbd_seeds()):
            assert len(script) < 256
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(bytes([len(script)]) + script + page)
    elif target == "fuzz-console-ring":
        for i, (script, idx) in enumerate(cons_seeds()):
            assert len(script) < 256
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(bytes([len(script)]) + script
                        + cons_page(*idx, fill=i))
    elif target == "fuzz-disk-ring":
        for i, seed in enumerate(disk_ring_seeds()):
            slots, pages = seed if isinstance(seed, tuple) else (seed, b"")
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(bytes([len(slots)]) + b"".join(slots) + pages)
        for i, data in enumerate(ring_model_seeds()):
            with open(os.path.join(outdir, "seed-model-%02d" % i), "wb") as f:
                f.write(data)
    elif target == "fuzz-qmp":
        for i, stream in enumerate(qmp_seeds()):
            # Whole, byte by byte and in odd chunks.
            for j, chunk in enumerate((0, 1, 7)):
                with open(os.path.join(outdir, "seed-%02d-%d" % (i, j)),
                          "wb") as f:
                    f.write(bytes([chunk]) + stream)
    elif target in PLAIN_SEEDS:
        for i, seed in enumerate(PLAIN_SEEDS[target]()):
            with open(os.path.join(outdir, "seed-%02d" % i), "wb") as f:
                f.write(seed)
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
