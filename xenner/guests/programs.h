/*
 * In-process test guests: small PV "kernels" run on Xenner's guest-side
 * interface, started with -xenner-guest. They drive the frontends of
 * xenner/guests the way a Linux guest drives its own.
 *
 *  echo     every console's input comes back as its output
 *  demo     a banner on the primary console, then a line-echoing prompt
 *  hostile  echo, but attacks console N (attack-console=N, default 1):
 *           attack=prod      out_prod far past the ring
 *           attack=ring-ref  a ring-ref it never granted
 *           attack=port      an event channel port out of range
 *           attack=frame     a grant of a frame it does not own
 *           attack=flap      state flapping, then an honest reconnect
 *  disk     echo, and a block frontend (blkfront) on every disk in
 *           device/vbd, now and hotplugged later, each checked once
 *           connected (below). Keys: disk-queues=N (default 2),
 *           disk-ring-order=N (2), disk-persistent=on|off (on),
 *           disk-indirect=on|off (on): what it asks for.
 *
 *  fb       echo, and a framebuffer frontend (fbfront) on device/vfb/0
 *           when the toolstack made one (-device xen-fb): once
 *           connected it draws guest_program_fb_pixel() at 32 bits over
 *           the size the backend offered, sends one UPDATE (at once, or
 *           when a refresh is first wanted) and writes "drawn WxH" to
 *           the guest's data/fb.
 *
 *  net      echo, and a network frontend (netfront) on every vif in
 *           device/vif, now and hotplugged later, with vif 0 and vif 1
 *           bridged: every frame received on one is sent on the other,
 *           its checksum and GSO metadata kept (csum_blank and
 *           data_validated become the same TX flags, an RX GSO extra a
 *           TX GSO extra), queue i to queue i % the other's queues.
 *           When the other side's TX ring is full the frame waits (that
 *           RX queue is not read meanwhile); frames that can never go
 *           (no peer connected, a frame over 65535 bytes, GSO the peer's
 *           backend did not offer, a vif other than 0 and 1) are
 *           dropped and counted. Keys, what each netfront asks for:
 *           net-queues=N (1 to 16, default 1), net-split=on|off (on:
 *           split event channels when offered), net-sg=on|off (on),
 *           net-gso=on|off (on: feature-gso-tcpv4/6), net-csum=on|off
 *           (on; off writes feature-no-csum-offload=1 and no
 *           feature-ipv6-csum-offload), net-ctrl=on|off (off: a
 *           control ring when offered). Per vif H it keeps, in the
 *           guest's data/net/H/: "state" ("connected Q" or "connected
 *           Q split", or "closed"), and the counters rx-frames, rx-bytes,
 *           rx-gso, rx-csum-blank, rx-errors (frames from the backend),
 *           tx-frames, tx-bytes, tx-gso, tx-csum-blank, tx-errors (frames
 *           to it; errors are error responses) and drops, written within
 *           50 ms of a change.
 *
 * The disk check, on the disk of virtual device number VDEV (51712 for
 * xvda) of S sectors (512 bytes): N = min(64, S / 2048) ranges (1 when
 * that is 0 but S >= 128), range i being the 128 sectors from sector
 * i * 2048 (one every MiB). Byte b of the disk (b the offset in bytes,
 * from 0) in a range gets
 *
 *     (b ^ b >> 8 ^ b >> 16 ^ b >> 24 ^ VDEV ^ VDEV >> 8) & 0xff
 *
 * (guest_disk_pattern()); nothing else is written. The ranges are
 * written in requests of 128, 32, 8 and 1 sectors (range i % 4), spread
 * over the queues and all submitted at once as far as the rings hold
 * them, then FLUSH_DISKCACHE (when offered), then every range is read
 * back the same way and compared. A read-only disk (info has
 * VDISK_READONLY) gets one WRITE of 8 sectors at sector 0 instead, which
 * must fail with BLKIF_RSP_ERROR, and then the reads, not compared. The
 * result, in the guest's data/disk/VDEV:
 *     "ok W R"          W write and R read requests, all as expected
 *     "readonly-ok R"
 *     "fail REASON"
 *
 * Commands written by the test to the guest's data/xenner-cmd:
 * "reconnect N" (close and re-initialise console N; data/xenner-cmd-done
 * says "reconnect N" once it is connected again), "close N", "open N";
 * for program=disk "disk-reconnect VDEV" (closes the blkfront, connects
 * again, reruns the check; data/xenner-cmd-done says
 * "disk-reconnect VDEV" once data/disk/VDEV has the new result); for
 * program=net "net-reconnect H" (closes vif H's netfront and connects it
 * again; data/net/H/state says so).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_PROGRAMS_H
#define XENNER_GUESTS_PROGRAMS_H

#include "util/qemu-option.h"
#include "xenner/guest.h"

typedef struct GuestProgram GuestProgram;

/* The disk check's ranges (see above), in 512-byte sectors. */
#define GUEST_PROGRAM_DISK_RANGES 64
#define GUEST_PROGRAM_DISK_STRIDE 2048
#define GUEST_PROGRAM_DISK_LEN 128

/* What the domain builder hands the kernel (start_info). */
typedef struct GuestProgramStartInfo {
    uint64_t console_gfn;
    evtchn_port_t console_port;
} GuestProgramStartInfo;

/* The -xenner-guest keys a program reads, beyond the machine's own. */
extern const char *const guest_program_keys[];

/* Whether @opts has any of @keys (NULL-terminated). */
bool guest_program_keys_given(QemuOpts *opts, const char *const *keys);
/* The on|off key @key of @opts in *@value, @def when it is absent. */
bool guest_program_bool(QemuOpts *opts, const char *key, bool def,
                        bool *value, Error **errp);

bool guest_program_exists(const char *name);
/* program=fb's pixel at @x, @y: 0x00RRGGBB = x, y, x ^ y (low bytes). */
uint32_t guest_program_fb_pixel(unsigned x, unsigned y);
/* A one-line list of the programs, for -help. */
const char *guest_program_list(void);
GuestProgram *guest_program_start(XennerGuest *g, const char *program,
                            const GuestProgramStartInfo *si, QemuOpts *opts,
                            Error **errp);
void guest_program_stop(GuestProgram *tg);

#endif /* XENNER_GUESTS_PROGRAMS_H */
