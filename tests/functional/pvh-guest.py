#!/usr/bin/env python3
"""Writes a tiny Xen PVH guest kernel: an ELF64 with Xen's PHYS32_ENTRY
note whose 32-bit code (paging off, as PVH enters) installs the
hypercall page through Xen's MSR and makes hypercalls, for
tests/functional/kvm-pvh.sh.

usage: pvh-guest.py SCENARIO OUT
  hello    writes a line with console_io, then powers off
  crash    shuts down with SHUTDOWN_crash
  reboot   writes "boot", then shuts down with SHUTDOWN_reboot
  hostile  makes hypercalls with bad pointers, counts, numbers and ids,
           checks each error it gets back, writes "hostile ok" and
           powers off (or "FAIL n" and crashes at the first surprise)
  cpuid    writes the signature of CPUID leaf 0x40000000, powers off
  hvc      writes a line to the console ring a toolstack gives (the
           HVM_PARAM_CONSOLE_* parameters), sends its event, waits until
           it was consumed, then powers off
  timer    places shared_info, binds VIRQ_TIMER, sets a single-shot timer
           300 ms on and polls the port's pending bit, then powers off
  loopN    makes N xen_version hypercalls (N > 0), then powers off
  gnttab   asks the grant table's size, places frame 0 outside RAM with
           add_to_physmap, writes and reads it back, powers off
  xenstore reads "domid" over the xenstore ring xenstored gives (the
           HVM_PARAM_STORE_* parameters), writes the value, powers off
  vcpudown (with -smp 2) takes vCPU 1 down and up with vcpu_op and
           checks is_up each time, and that vCPU 2 is -ENOENT
  unknown  makes 200 distinct unknown xen_version sub-ops, powers off
  spin     loops forever without a hypercall
  acpi     follows hvm_start_info's rsdp_paddr to the XSDT, its FADT and
           DSDT, writes "acpi" and powers off as Linux's acpi_power_off
           does: \_S5_'s SLP_TYP with SLP_EN to the PM1a control block
  acpireset  writes "reset", then the FADT's RESET_VALUE to its RESET_REG
  balloon  gives frames back with decrease_reservation and takes them
           again with populate_physmap (current_reservation following,
           the frames zeroed), with hostile lists, counts, orders and
           ids, writes "balloon ok" and powers off
  gntcopy  places a grant frame, grants frames to itself and copies
           between its refs and its frames with GNTTABOP_copy, checks
           each op's status and the bytes (bad refs, domains, offsets,
           a released frame), writes "gntcopy ok" and powers off
  periodic sets a 10 ms periodic timer, sees VIRQ_TIMER twice, stops
           it, writes "periodic ok" and powers off
  upcall   finds XEN_HVM_CPUID_UPCALL_VECTOR, sets vCPU 0's upcall vector
           (then HVM_PARAM_CALLBACK_IRQ to GSI 1, as Linux does), takes
           VIRQ_TIMER twice as that vector at its local APIC (the second
           after the first's EOI, nested in its handler), writes
           "upcall ok" and powers off
  pvclock  finds hvm_safe_pvclock among the features, places shared_info
           and checks Xen's time there (a scale, the wallclock), registers
           a runstate area and a time memory area and checks what they
           hold, and that bad addresses for them fail; writes
           "pvclock ok" and powers off
"""
import struct
import sys

BASE = 0x100000             # code
DATA = 0x103000             # messages and argument structures
HC_PAGE = 0x104000          # the hypercall page
STACK = 0x10f000
SIZE = 0x10000
RAM_END = 16 << 20          # the test runs the guest with -m 16
HC_MSR = 0x40000000

HC = dict(memory_op=12, xen_version=17, console_io=18, grant_table_op=20,
          vcpu_op=24, sched_op=29, event_channel_op=32, hvm_op=34)
ENOENT, ESRCH, EFAULT, EINVAL, ENOSYS = 2, 3, 14, 22, 38


class Asm:
    def __init__(self):
        self.code = bytearray()
        self.data = bytearray()
        self.fixups = []        # (code offset, label) for jne rel32
        self.abs_fixups = []    # (code offset, label) for an address
        self.labels = {}

    def mov(self, reg, imm):
        op = {"eax": 0xb8, "ecx": 0xb9, "edx": 0xba, "ebx": 0xbb,
              "esp": 0xbc, "esi": 0xbe, "edi": 0xbf}[reg]
        self.code += bytes([op]) + struct.pack("<I", imm & 0xffffffff)

    def blob(self, b):
        """Data in guest memory: returns its address."""
        addr = DATA + len(self.data)
        self.data += b
        while len(self.data) % 16:
            self.data += b"\0"
        return addr

    def hcall(self, name, *args):
        for reg, a in zip(("ebx", "ecx", "edx", "esi", "edi"), args):
            self.mov(reg, a)
        nr = HC[name] if isinstance(name, str) else name
        self.mov("eax", HC_PAGE + 32 * nr)
        self.code += b"\xff\xd0"                    # call *%eax

    def expect(self, value, label="fail"):
        self.code += b"\x3d" + struct.pack("<I", value & 0xffffffff)
        self.code += b"\x0f\x85"                    # jne rel32
        self.fixups.append((len(self.code), label))
        self.code += b"\0\0\0\0"

    def mov_label(self, reg, name):
        """%reg = the address of label @name."""
        self.mov(reg, 0)
        self.abs_fixups.append((len(self.code) - 4, name))

    def repeat(self, n, body):
        """Emits body() to run @n times (n > 0), counting in %ebp."""
        self.code += b"\xbd" + struct.pack("<I", n)   # mov $n, %ebp
        top = len(self.code)
        body()
        self.code += b"\x4d"                          # dec %ebp
        self.code += b"\x0f\x85"                      # jnz top
        self.code += struct.pack("<i", top - (len(self.code) + 4))

    def label(self, name):
        self.labels[name] = len(self.code)

    def write(self, text):
        b = text.encode()
        self.hcall("console_io", 0, len(b), self.blob(b))

    def shutdown(self, reason):
        self.hcall("sched_op", 2, self.blob(struct.pack("<I", reason)))
        self.code += b"\xf4\xeb\xfd"                # hlt; jmp .-1

    def finish(self):
        for off, name in self.fixups:
            rel = self.labels[name] - (off + 4)
            self.code[off:off + 4] = struct.pack("<i", rel)
        for off, name in self.abs_fixups:
            self.code[off:off + 4] = struct.pack("<I", BASE +
                                                 self.labels[name])
        assert BASE + len(self.code) <= DATA
        assert DATA + len(self.data) <= HC_PAGE
        return bytes(self.code), bytes(self.data)


def prologue(a):
    a.mov("esp", STACK)
    a.mov("ecx", HC_MSR)
    a.mov("eax", HC_PAGE)
    a.mov("edx", 0)
    a.code += b"\x0f\x30"                           # wrmsr


def hostile(a):
    fails = []

    def check(expected, name, *args):
        a.hcall(name, *args)
        n = len(fails)
        a.expect(expected, "fail%d" % n)
        fails.append(n)

    p16 = struct.pack("<HHIQ", 0x7ff0, 0, 1000, 0)       # bad index
    check(-ENOSYS, 60)
    check(-ENOSYS, 60)          # logged once, not twice
    check(-ENOSYS, 127)
    check(-EFAULT, "console_io", 0, 10, 0xfffff000)
    check(-EFAULT, "console_io", 0, 0xffffffff, RAM_END - 16)
    check(-ENOSYS, "console_io", 7, 1, DATA)
    check(-EFAULT, "sched_op", 2, 0xfffffff0)
    check(-EINVAL, "sched_op", 2, a.blob(struct.pack("<I", 99)))
    check(-ENOSYS, "sched_op", 77, 0)
    check(-EINVAL, "hvm_op", 0, a.blob(p16))
    check(-ESRCH, "hvm_op", 1, a.blob(struct.pack("<HHIQ", 5, 0, 1, 0)))
    check(-EFAULT, "hvm_op", 1, RAM_END - 8)
    # HVM_PARAM_STORE_PFN is the toolstack's.
    check(-1, "hvm_op", 0, a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 1, 5)))
    # add_to_physmap: shared_info at a frame far outside RAM.
    check(-EINVAL, "memory_op", 7,
          a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 0, 0, 1 << 40)))
    check(-EINVAL, "memory_op", 7,
          a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 0, 0, (1 << 64) - 1)))
    # memory_map with room for no entry.
    check(-EINVAL, "memory_op", 9, a.blob(struct.pack("<IIQ", 0, 0, DATA)))
    check(-ENOENT, "vcpu_op", 10, 7, DATA)
    check(-EINVAL, "vcpu_op", 10, 0,
          a.blob(struct.pack("<QII", 0, 4095, 0)))
    # Event channels: bad VIRQ, vCPU, domain, port; FIFO refused.
    check(-EINVAL, "event_channel_op", 1, a.blob(struct.pack("<III", 99, 0,
                                                              0)))
    check(-ENOENT, "event_channel_op", 1, a.blob(struct.pack("<III", 0, 3,
                                                              0)))
    check(-ESRCH, "event_channel_op", 6, a.blob(struct.pack("<HHI", 5, 0,
                                                             0)))
    check(-ESRCH, "event_channel_op", 5, a.blob(struct.pack("<HHI", 5, 0,
                                                             1) + bytes(16)))
    check(-EINVAL, "event_channel_op", 9, a.blob(struct.pack("<I",
                                                              0xffffff)))
    check(-EFAULT, "event_channel_op", 4, 0xfffffff0)
    check(-ENOSYS, "event_channel_op", 11, DATA)
    check(-ENOSYS, "xen_version", 99, 0)
    check(0x40011, "xen_version", 0, 0)
    a.write("hostile ok\n")
    a.shutdown(0)
    for n in fails:
        a.label("fail%d" % n)
        a.write("FAIL %d\n" % n)
        a.shutdown(3)


def load(a, addr):
    a.code += b"\xa1" + struct.pack("<I", addr)     # mov addr, %eax


def store(a, addr, value):
    a.code += b"\xc7\x05" + struct.pack("<II", addr, value & 0xffffffff)


def checker(a):
    """check(expected, name, args...): a hypercall and its result."""
    fails = []

    def check(expected, name, *args):
        a.hcall(name, *args)
        expect(a, fails, expected)
    return fails, check


def expect(a, fails, value):
    """%eax == @value, else "FAIL n" for the nth check."""
    a.expect(value, "fail%d" % len(fails))
    fails.append(len(fails))


def fail_labels(a, fails):
    for n in fails:
        a.label("fail%d" % n)
        a.write("FAIL %d\n" % n)
        a.shutdown(3)


DOMID_SELF = 0x7ff0
BALLOON = 0x200             # frames the balloon cases give back


def reservation(a, extents, nr=None, order=0, flags=0, domid=DOMID_SELF):
    """struct xen_memory_reservation over a list of frames."""
    lst = a.blob(b"".join(struct.pack("<Q", f) for f in extents) or
                 bytes(8))
    return a.blob(struct.pack("<QQIIH6x", lst, len(extents) if nr is None
                              else nr, order, flags, domid))


def balloon(a):
    fails, check = checker(a)
    cur = a.blob(struct.pack("<H", DOMID_SELF))
    f = BALLOON
    frames = RAM_END >> 12
    store(a, f * 4096 + 0x10, 0xdeadbeef)
    check(frames, "memory_op", 3, cur)              # current_reservation
    check(1, "memory_op", 1, reservation(a, [f]))   # decrease
    check(frames - 1, "memory_op", 3, cur)
    check(frames, "memory_op", 4, cur)              # maximum_reservation
    check(0, "memory_op", 1, reservation(a, [f]))   # released already
    check(1, "memory_op", 6, reservation(a, [f]))   # populate
    load(a, f * 4096 + 0x10)
    expect(a, fails, 0)                             # zeroed
    check(frames, "memory_op", 3, cur)
    check(0, "memory_op", 6, reservation(a, [f]))   # present: refused
    # Lists: a bad pointer; a huge count ended by the frame that fails
    # (the reserved hole, RAM's end, no frame at all); populate likewise.
    bad = a.blob(struct.pack("<QQIIH6x", 0xfffff000, 4, 0, 0, DOMID_SELF))
    check(0, "memory_op", 1, bad)
    check(1, "memory_op", 1, reservation(a, [f + 1, 0xa0], nr=1 << 63))
    check(0, "memory_op", 1, reservation(a, [0xfe]))
    check(0, "memory_op", 1, reservation(a, [frames]))
    check(0, "memory_op", 1, reservation(a, [(1 << 64) - 1]))
    check(1, "memory_op", 6, reservation(a, [f + 1, f + 2], nr=1 << 40))
    # Orders: too large, misaligned, and a 2-frame extent both ways.
    check(0, "memory_op", 1, reservation(a, [f + 0x400], order=10))
    check(0, "memory_op", 1, reservation(a, [f + 5], order=1))
    check(1, "memory_op", 1, reservation(a, [f + 4], order=1))
    check(frames - 2, "memory_op", 3, cur)
    check(0, "memory_op", 6, reservation(a, [f + 4], order=1, flags=1 << 16))
    check(1, "memory_op", 6, reservation(a, [f + 4], order=1))
    # The command's continuation bits: start at extent 1.
    check(2, "memory_op", 1 | 1 << 6, reservation(a, [f + 8, f + 9]))
    check(frames - 1, "memory_op", 3, cur)
    check(1, "memory_op", 6, reservation(a, [f + 9]))
    check(-ESRCH, "memory_op", 1, reservation(a, [f], domid=0))
    check(-EFAULT, "memory_op", 6, 0xfffffff0)
    check(frames, "memory_op", 3, cur)
    a.write("balloon ok\n")
    a.shutdown(0)
    fail_labels(a, fails)


GRANT_FRAME0 = 0x10000      # 256 MiB: beyond the test's RAM
GTF_permit_access, GTF_readonly = 1, 4
GNTCOPY_source_gref, GNTCOPY_dest_gref = 1, 2


def grant(a, ref, domid, frame, flags=GTF_permit_access):
    """A v1 entry as a guest writes it: domid and frame, then flags."""
    at = GRANT_FRAME0 * 4096 + ref * 8
    store(a, at + 4, frame)
    store(a, at, flags | domid << 16)


def copy_op(src, sdom, soff, dst, ddom, doff, length, flags):
    return struct.pack("<QHH4xQHH4xHHhH", src, sdom, soff, dst, ddom, doff,
                       length, flags, 0x5555, 0)


def gntcopy(a):
    fails, check = checker(a)
    src, dst, dst2, ro = 0x300, 0x301, 0x302, 0x303
    gs, gd = GNTCOPY_source_gref, GNTCOPY_dest_gref
    check(0, "memory_op", 7, a.blob(struct.pack("<HHIQQ", DOMID_SELF, 1, 1,
                                                0, GRANT_FRAME0)))
    store(a, src * 4096 + 0x100, 0x636e7467)         # "gtnc"
    store(a, src * 4096 + 0x104, 0x2179706f)         # "opy!"
    grant(a, 8, 1, src)
    grant(a, 9, 1, dst2)
    grant(a, 10, 1, ro, GTF_permit_access | GTF_readonly)
    grant(a, 11, 0, dst2)                            # to domain 0
    ops = [
        (copy_op(8, DOMID_SELF, 0x100, dst, DOMID_SELF, 0x200, 8, gs), 0),
        (copy_op(src, 1, 0x100, 9, DOMID_SELF, 0xff8, 8, gd), 0),
        (copy_op(src, DOMID_SELF, 0, 10, DOMID_SELF, 0, 8, gd), -1),
        (copy_op(src, DOMID_SELF, 0, dst, DOMID_SELF, 0xffc, 8, 0), -10),
        (copy_op(99999, DOMID_SELF, 0, dst, DOMID_SELF, 0, 8, gs), -3),
        (copy_op(8, 0, 0, dst, DOMID_SELF, 0, 8, gs), -2),
        (copy_op(src, 0, 0, dst, DOMID_SELF, 0, 8, 0), -2),
        (copy_op(RAM_END >> 12, DOMID_SELF, 0, dst, DOMID_SELF, 0, 8, 0),
         -9),
        (copy_op(11, DOMID_SELF, 0, dst, DOMID_SELF, 0, 8, gs), -1),
        (copy_op(src, DOMID_SELF, 0, dst, DOMID_SELF, 0, 8, 16), -10),
        (copy_op(0xfe, DOMID_SELF, 0, dst, DOMID_SELF, 0xff0, 0, 0), 0),
    ]
    arr = a.blob(b"".join(op for op, _ in ops))
    check(0, "grant_table_op", 5, arr, len(ops))
    for i, (_, status) in enumerate(ops):
        load(a, arr + 40 * i + 36)
        expect(a, fails, status & 0xffff)
    load(a, dst * 4096 + 0x200)
    expect(a, fails, 0x636e7467)
    load(a, dst * 4096 + 0x204)
    expect(a, fails, 0x2179706f)
    load(a, dst2 * 4096 + 0xffc)
    expect(a, fails, 0x2179706f)
    load(a, ro * 4096)
    expect(a, fails, 0)
    check(-EINVAL, "grant_table_op", 5, arr, 100000)
    check(-EFAULT, "grant_table_op", 5, 0xfffffff0, 1)
    # A released frame, through its ref and as a frame; then populated.
    one = a.blob(copy_op(8, DOMID_SELF, 0x100, dst, DOMID_SELF, 0, 8, gs))
    two = a.blob(copy_op(src, DOMID_SELF, 0, dst, DOMID_SELF, 0, 8, 0))
    check(1, "memory_op", 1, reservation(a, [src]))
    check(0, "grant_table_op", 5, one, 1)
    load(a, one + 36)
    expect(a, fails, -9 & 0xffff)
    check(0, "grant_table_op", 5, two, 1)
    load(a, two + 36)
    expect(a, fails, -9 & 0xffff)
    check(1, "memory_op", 6, reservation(a, [src]))
    check(0, "grant_table_op", 5, one, 1)
    load(a, one + 36)
    expect(a, fails, 0)
    load(a, dst * 4096)
    expect(a, fails, 0)
    a.write("gntcopy ok\n")
    a.shutdown(0)
    fail_labels(a, fails)


def periodic(a):
    fails, check = checker(a)
    si_pfn = 0x108
    pending = si_pfn * 4096 + 0x800     # shared_info.evtchn_pending
    virq = a.blob(struct.pack("<III", 0, 0, 0))
    check(0, "memory_op", 7, a.blob(struct.pack("<HHIQQ", DOMID_SELF, 1, 0,
                                                0, si_pfn)))
    check(0, "event_channel_op", 1, virq)
    check(-EINVAL, "vcpu_op", 6, 0, a.blob(struct.pack("<Q", 999999)))
    check(-EFAULT, "vcpu_op", 6, 0, 0xfffffff8)
    check(0, "vcpu_op", 6, 0, a.blob(struct.pack("<Q", 10 * 1000 * 1000)))
    for _ in range(2):
        load(a, virq + 8)
        a.code += b"\x0f\xa3\x05" + struct.pack("<I", pending)  # bt
        a.code += b"\x73\xf7"                                     # jnc
        a.code += b"\xf0\x0f\xb3\x05" + struct.pack("<I", pending)  # btr
    check(0, "vcpu_op", 7, 0, 0)
    a.write("periodic ok\n")
    a.shutdown(0)
    fail_labels(a, fails)


def hvc(a):
    """hvc0 as Linux's hvc_xen drives it, on struct xencons_interface."""
    ring = 0xfe000              # the machine's HVM_PARAM_CONSOLE_PFN
    out, out_cons, out_prod = ring + 0x400, ring + 0xc08, ring + 0xc0c
    msg = b"hello from hvc0\n"
    pfn = a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 17, 0))
    port = a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 18, 0))
    send = a.blob(bytes(4))
    text = a.blob(msg)
    a.hcall("hvm_op", 1, pfn)
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", pfn + 8)     # mov pfn, %eax
    a.expect(ring >> 12)
    a.hcall("hvm_op", 1, port)
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", port + 8)    # mov port, %eax
    a.code += b"\xa3" + struct.pack("<I", send)        # mov %eax, send
    a.mov("esi", text)
    a.mov("edi", out)
    a.mov("ecx", len(msg))
    a.code += b"\xf3\xa4"                              # rep movsb
    a.code += b"\xc7\x05" + struct.pack("<II", out_prod, len(msg))
    a.hcall("event_channel_op", 4, send)
    a.expect(0)
    # Until the machine has taken it all: mov out_cons,%eax; cmp; jne.
    a.code += b"\xa1" + struct.pack("<I", out_cons)
    a.code += b"\x3d" + struct.pack("<I", len(msg))
    a.code += b"\x75\xf4"
    a.shutdown(0)
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


def timer(a):
    si_pfn = 0x108              # in the image's zeroed tail
    pending = si_pfn * 4096 + 0x800     # shared_info.evtchn_pending
    xatp = a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 0, 0, si_pfn))
    virq = a.blob(struct.pack("<III", 0, 0, 0))
    sshot = a.blob(struct.pack("<QI", 300 * 1000 * 1000, 0) + bytes(4))
    a.hcall("memory_op", 7, xatp)
    a.expect(0)
    a.hcall("event_channel_op", 1, virq)
    a.expect(0)
    a.hcall("vcpu_op", 8, 0, sshot)
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", virq + 8)    # mov port, %eax
    a.code += b"\x0f\xa3\x05" + struct.pack("<I", pending)  # bt %eax, m
    a.code += b"\x73\xf7"                              # jnc .-9
    a.write("timer ok\n")
    a.shutdown(0)
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


def gnttab(a):
    frame0 = 0x10000            # 256 MiB: beyond the test's RAM
    qs = a.blob(struct.pack("<HHIIhH", 0x7ff0, 0, 0, 0, 0, 0))
    a.hcall(20, 6, qs, 1)                               # query_size
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", qs + 4)      # nr_frames
    a.expect(32)
    for idx, gpfn, want in ((0, frame0, 0), (0, 0x200, -17),
                            (99, frame0, -EINVAL)):
        a.hcall("memory_op", 7, a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 1,
                                                   idx, gpfn)))
        a.expect(want)
    addr = frame0 * 4096 + 8
    a.code += b"\xc7\x05" + struct.pack("<II", addr, 0x12345678)
    a.code += b"\xa1" + struct.pack("<I", addr)
    a.expect(0x12345678)
    a.hcall(20, 8, a.blob(struct.pack("<I", 2)), 1)     # set_version 2
    a.expect(-EINVAL)
    a.write("gnttab ok\n")
    a.shutdown(0)
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


def xenstore(a):
    ring = 0xff000              # the machine's HVM_PARAM_STORE_PFN
    req, rsp = ring, ring + 1024
    req_prod, rsp_prod = ring + 2048 + 4, ring + 2048 + 12
    msg = struct.pack("<IIII", 2, 7, 0, 6) + b"domid\0"   # XS_READ
    pfn = a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 1, 0))
    port = a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 2, 0))
    send = a.blob(bytes(4))
    text = a.blob(msg)
    a.hcall("hvm_op", 1, pfn)
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", pfn + 8)
    a.expect(ring >> 12)
    a.hcall("hvm_op", 1, port)
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", port + 8)
    a.code += b"\xa3" + struct.pack("<I", send)
    a.mov("esi", text)
    a.mov("edi", req)
    a.mov("ecx", len(msg))
    a.code += b"\xf3\xa4"                              # rep movsb
    a.code += b"\xc7\x05" + struct.pack("<II", req_prod, len(msg))
    a.hcall("event_channel_op", 4, send)
    a.expect(0)
    # The reply: a 16-byte header and "1".
    a.code += b"\xa1" + struct.pack("<I", rsp_prod)
    a.code += b"\x3d" + struct.pack("<I", 17)
    a.code += b"\x75\xf4"
    a.hcall("console_io", 0, 1, rsp + 16)
    a.write("\n")
    a.shutdown(0)
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


def acpi(a):
    """Walks from %ebx's start_info as an OS does, checking signatures."""
    def cmp_sig(modrm_disp, sig):
        a.code += b"\x81" + modrm_disp + sig           # cmpl $sig, mem
        a.code += b"\x0f\x85"                         # jne fail
        a.fixups.append((len(a.code), "fail"))
        a.code += b"\0\0\0\0"

    a.code += b"\x89\xdd"                    # mov %ebx, %ebp
    a.write("acpi\n")
    a.code += b"\x8b\x75\x20"                # mov 0x20(%ebp), %esi: rsdp
    cmp_sig(b"\x3e", b"RSD ")
    a.code += b"\x8b\x76\x18"                # mov 0x18(%esi), %esi: xsdt
    cmp_sig(b"\x3e", b"XSDT")
    a.code += b"\x8b\x76\x24"                # mov 0x24(%esi), %esi: entry 0
    cmp_sig(b"\x3e", b"FACP")
    a.code += b"\x8b\x9e" + struct.pack("<I", 140)   # mov X_DSDT, %ebx
    cmp_sig(b"\x3b", b"DSDT")
    cmp_sig(b"\x7b\x24", b"\x08\\_S")      # its AML: Name (\_S...
    a.code += b"\x0f\xb6\x43\x2e"            # movzbl 46(%ebx): SLP_TYPa
    a.code += b"\xc1\xe0\x0a"                # shl $10, %eax: SLP_TYP
    a.code += b"\x0d" + struct.pack("<I", 0x2000)     # or $SLP_EN, %eax
    a.code += b"\x8b\x56\x40"                # mov PM1a_CNT_BLK, %edx
    a.code += b"\x66\xef"                    # out %ax, (%dx)
    a.code += b"\xf4"                        # hlt: an exit 1 if still here
    a.label("fail")
    a.write("acpi FAIL\n")
    a.shutdown(3)


def acpireset(a):
    """The FADT's reset register, as Linux's acpi_reboot() writes it."""
    a.code += b"\x89\xdd"                    # mov %ebx, %ebp
    a.write("reset\n")
    a.code += b"\x8b\x75\x20"                # mov 0x20(%ebp), %esi: rsdp
    a.code += b"\x8b\x76\x18"                # mov 0x18(%esi), %esi: xsdt
    a.code += b"\x8b\x76\x24"                # mov 0x24(%esi), %esi: FADT
    a.code += b"\x0f\xb7\x96" + struct.pack("<I", 116 + 4)  # movzwl, %edx
    a.code += b"\x0f\xb6\x86" + struct.pack("<I", 128)      # movzbl, %eax
    a.code += b"\xee"                        # out %al, (%dx)
    a.code += b"\xf4"                        # hlt: an exit 1 if still here


def upcall(a):
    """The per-vCPU upcall vector, delivered and acknowledged twice."""
    vector = 0xf3               # Linux's HYPERVISOR_CALLBACK_VECTOR
    si = 0x108 * 4096           # shared_info, in the image's zeroed tail
    idt = 0x109000
    gate = idt + vector * 8
    lapic = 0xfee00000
    count = a.blob(bytes(4))
    param = a.blob(struct.pack("<HHIQ", 0x7ff0, 0, 0, 1))  # CALLBACK_IRQ
    xatp = a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 0, 0, si // 4096))
    virq = a.blob(struct.pack("<III", 0, 0, 0))
    sshot = a.blob(struct.pack("<QI", 20 * 1000 * 1000, 0) + bytes(4))
    idtr = a.blob(struct.pack("<HI", 0x7ff, idt))
    # PVH enters with CS 0x10 and no GDT; an interrupt reloads CS from one.
    gdt = a.blob(struct.pack("<QQQQ", 0, 0, 0x00cf9a000000ffff,
                             0x00cf92000000ffff))
    gdtr = a.blob(struct.pack("<HI", 4 * 8 - 1, gdt))

    a.mov("eax", 0x40000004)
    a.mov("ecx", 0)
    a.code += b"\x0f\xa2"                            # cpuid
    a.code += b"\x25" + struct.pack("<I", 1 << 6)    # and UPCALL_VECTOR
    a.expect(1 << 6)
    # GSI 1 is refused until a per-vCPU vector overrides it.
    a.hcall("hvm_op", 0, param)
    a.expect(-EINVAL)
    a.hcall("hvm_op", 23, a.blob(struct.pack("<IB3x", 1, vector)))
    a.expect(-ENOENT)
    a.hcall("hvm_op", 23, a.blob(struct.pack("<IB3x", 0, vector)))
    a.expect(0)
    a.hcall("hvm_op", 0, param)
    a.expect(0)
    a.hcall("memory_op", 7, xatp)
    a.expect(0)
    a.hcall("event_channel_op", 1, virq)
    a.expect(0)
    # The GDT; the gate: the handler's address, this code segment, a
    # 32-bit interrupt gate; the IDT; the local APIC software-enabled.
    a.code += b"\x0f\x01\x15" + struct.pack("<I", gdtr)     # lgdt
    a.mov_label("eax", "handler")
    a.code += b"\x66\xa3" + struct.pack("<I", gate)          # mov %ax
    a.code += b"\xc1\xe8\x10"                               # shr $16
    a.code += b"\x66\xa3" + struct.pack("<I", gate + 6)
    a.code += b"\x8c\xc8"                                    # mov %cs
    a.code += b"\x66\xa3" + struct.pack("<I", gate + 2)
    a.code += b"\x66\xc7\x05" + struct.pack("<IH", gate + 4, 0x8e00)
    a.code += b"\x0f\x01\x1d" + struct.pack("<I", idtr)     # lidt
    a.code += b"\xc7\x05" + struct.pack("<II", lapic + 0xf0, 0x1ff)
    a.hcall("vcpu_op", 8, 0, sshot)
    a.expect(0)
    a.code += b"\xfb"                                        # sti
    a.label("idle")
    a.code += b"\xf4\xeb\xfd"                                # hlt; jmp
    a.label("handler")
    a.code += b"\xff\x05" + struct.pack("<I", count)         # incl
    a.code += b"\xc7\x05" + struct.pack("<II", lapic + 0xb0, 0)  # EOI
    # What Linux's upcall clears: upcall_pending, the selector, the port.
    for off in (0, 8, 12, 0x800, 0x804):
        a.code += b"\xc7\x05" + struct.pack("<II", si + off, 0)
    a.code += b"\xa1" + struct.pack("<I", count)              # mov, %eax
    a.expect(2, "rearm")
    a.write("upcall ok\n")
    a.shutdown(0)
    a.label("rearm")
    # No IRET, which PVM's kvm_pvm would emulate and cannot: the second
    # upcall nests in this one.
    a.hcall("vcpu_op", 8, 0, sshot)    # in the past now: at once
    a.expect(0)
    a.code += b"\xfb"                                        # sti
    a.code += b"\xf4\xeb\xfd"                                # hlt; jmp
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


def pvclock(a):
    si = 0x108 * 4096           # in the image's zeroed tail
    time0 = si + 32             # shared_info.vcpu_info[0].time
    EFAULT_ADDR = 0x7fff0000    # far past the guest's 16 MiB

    def jcc_fail(opcode):
        a.code += bytes([0x0f, opcode])
        a.fixups.append((len(a.code), "fail"))
        a.code += b"\0\0\0\0"

    def nonzero(addr):
        a.code += b"\xa1" + struct.pack("<I", addr)    # mov addr, %eax
        a.code += b"\x85\xc0"                          # test %eax, %eax
        jcc_fail(0x84)                                  # jz fail

    fi = a.blob(struct.pack("<II", 0, 0))
    a.hcall("xen_version", 6, fi)                       # get_features
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", fi + 4)
    a.code += b"\x25" + struct.pack("<I", 1 << 9)      # and hvm_safe_pvclock
    a.expect(1 << 9)
    a.hcall("memory_op", 7, a.blob(struct.pack("<HHIQQ", 0x7ff0, 1, 0, 0,
                                                  si >> 12)))
    a.expect(0)
    # Written once, under its version: even, and a TSC scale in it.
    a.code += b"\xa1" + struct.pack("<I", time0)
    a.expect(2)
    nonzero(time0 + 24)                                 # tsc_to_system_mul
    # The wallclock of system time 0: after 2020.
    a.code += b"\x81\x3d" + struct.pack("<II", si + 0xc04, 1600000000)
    jcc_fail(0x82)                                      # jb fail
    # The runstate area: running (0) written over what was there.
    runstate = a.blob(struct.pack("<I", 0xffffffff) + bytes(44))
    a.hcall("vcpu_op", 5, 0, a.blob(struct.pack("<Q", runstate)))
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", runstate)
    a.expect(0)
    nonzero(runstate + 8)                               # state_entry_time
    # A time memory area: the same time info, under its own version.
    area = a.blob(bytes(32))
    a.hcall("vcpu_op", 13, 0, a.blob(struct.pack("<Q", area)))
    a.expect(0)
    a.code += b"\xa1" + struct.pack("<I", area)
    a.expect(2)
    nonzero(area + 24)
    for op in (5, 13):
        a.hcall("vcpu_op", op, 0, a.blob(struct.pack("<Q", EFAULT_ADDR)))
        a.expect(-EFAULT)
        a.hcall("vcpu_op", op, 0, EFAULT_ADDR)
        a.expect(-EFAULT)
    a.write("pvclock ok\n")
    a.shutdown(0)
    a.label("fail")
    a.write("FAIL\n")
    a.shutdown(3)


# The scenarios that are a function of their own.
SCENARIOS = dict(hostile=hostile, hvc=hvc, timer=timer, gnttab=gnttab,
                 balloon=balloon, gntcopy=gntcopy, periodic=periodic,
                 xenstore=xenstore, acpi=acpi, acpireset=acpireset,
                 upcall=upcall, pvclock=pvclock)


def build(scenario):
    a = Asm()
    prologue(a)
    if scenario in SCENARIOS:
        SCENARIOS[scenario](a)
    elif scenario == "hello":
        a.write("hello from a PVH guest\n")
        a.shutdown(0)
    elif scenario == "crash":
        a.shutdown(3)
    elif scenario == "reboot":
        a.write("boot\n")
        a.shutdown(1)
    elif scenario == "cpuid":
        # The hypervisor signature leaf, as a Xen guest finds Xen.
        sig = a.blob(bytes(12) + b"\n")
        a.mov("eax", 0x40000000)
        a.code += b"\x0f\xa2"                       # cpuid
        a.code += b"\x89\x1d" + struct.pack("<I", sig)      # mov %ebx
        a.code += b"\x89\x0d" + struct.pack("<I", sig + 4)  # mov %ecx
        a.code += b"\x89\x15" + struct.pack("<I", sig + 8)  # mov %edx
        a.hcall("console_io", 0, 13, sig)
        a.shutdown(0)
    elif scenario.startswith("loop"):
        # loopN: N xen_version hypercalls, for bench/kvm-hcall.sh.
        a.repeat(int(scenario[4:]), lambda: a.hcall("xen_version", 0, 0))
        a.write("done\n")
        a.shutdown(0)
    elif scenario == "vcpudown":
        # With -smp 2: vCPU 1 (waiting for its SIPI) down and up again.
        for cmd, vcpu, want in ((3, 1, 1), (2, 1, 0), (3, 1, 0), (2, 1, 0),
                                (1, 1, 0), (3, 1, 1), (1, 1, 0), (2, 2, -ENOENT),
                                (3, 0, 1)):
            a.hcall("vcpu_op", cmd, vcpu, 0)
            a.expect(want)
        a.write("vcpudown ok\n")
        a.shutdown(0)
        a.label("fail")
        a.write("FAIL\n")
        a.shutdown(3)
    elif scenario == "unknown":
        # 200 distinct unknown xen_version sub-ops (1001..1200).
        def unknown_subop():
            a.code += b"\x89\xeb"                      # mov %ebp, %ebx
            a.code += b"\x81\xc3" + struct.pack("<I", 1000)  # add, %ebx
            a.mov("eax", HC_PAGE + 32 * HC["xen_version"])
            a.code += b"\xff\xd0"                      # call *%eax

        a.repeat(200, unknown_subop)
        a.write("unknown ok\n")
        a.shutdown(0)
    elif scenario == "spin":
        a.code += b"\xeb\xfe"                       # jmp .
    else:
        raise SystemExit("unknown scenario " + scenario)
    return a.finish()


def elf(code, data):
    notes = b""
    for ntype, desc in ((6, b"Test"), (18, struct.pack("<I", BASE))):
        notes += struct.pack("<III", 4, len(desc), ntype) + b"Xen\0" + desc
    image = bytearray(SIZE)
    image[0:len(code)] = code
    image[DATA - BASE:DATA - BASE + len(data)] = data
    phoff = 64
    notes_off = phoff + 2 * 56
    image_off = 0x1000
    eh = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
          + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, BASE, phoff, 0, 0, 64,
                        56, 2, 64, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 4, 4, notes_off, 0, 0, len(notes),
                     len(notes), 4)
    ph += struct.pack("<IIQQQQQQ", 1, 7, image_off, BASE, BASE, DATA - BASE
                      + len(data), SIZE, 4096)
    head = eh + ph + notes
    return head + bytes(image_off - len(head)) + bytes(image)


def main():
    code, data = build(sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(elf(code, data))


if __name__ == "__main__":
    main()
