#!/bin/bash
# The block backend end to end: in-process "disk" guests
# (xenner/guests/programs.h) run a self-check on each of their disks
# through blkfront and report it in xenstore; the images are then checked
# from the host side (diskpat.py reproduces the guest's pattern), for raw
# files, qcow2 behind qemu-storage-daemon and qemu-nbd, read-only disks,
# several guests, a disk hotplugged as libxl does it, and bad options.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 56

if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

MIB=1048576
SIZE=$((64 * MIB))
XVDA=51712
XVDB=51728
XVDC=51744
BE=/local/domain/0/backend/qdisk

pat() {
    timeout -k 2 120 "$PYTHON" "$SRCDIR/diskpat.py" "$@"
}

# result DOMID VDEV: the guest's report on that disk.
result() {
    dom0 xenstore-read "/local/domain/$1/data/disk/$2" 2>/dev/null
}

reported() {
    [ -n "$(result "$1" "$2")" ]
}

# check_result DESC DOMID VDEV PREFIX: waits for the report, which must
# start with PREFIX.
check_result() {
    local r

    wait_for 60 reported "$2" "$3"
    r=$(result "$2" "$3")
    if [[ "$r" == "$4 "* ]]; then
        ok "$1"
        tap_diag "data/disk/$3: $r"
    else
        not_ok "$1" "data/disk/$3: '$r'
$(dom0 xenstore-ls -f "$BE/$2/$3" 2>&1)
$(tail -n 20 "$XS_LOG")"
    fi
}

# be_keys DOMID VDEV KEY...: the values of the backend's KEYs, one line.
be_keys() {
    local k out=()

    for k in "${@:3}"; do
        out+=("$k=$(dom0 xenstore-read "$BE/$1/$2/$k" 2>&1)")
    done
    echo "${out[*]}"
}

# image_closed PATH: no process has PATH open (the daemons are gone).
image_closed() {
    if command -v fuser >/dev/null; then
        ! fuser "$1" >/dev/null 2>&1
    else
        ! pgrep -f -- "$1" >/dev/null
    fi
}

have_qemu_tools() {
    command -v qemu-img >/dev/null &&
    command -v qemu-storage-daemon >/dev/null &&
    command -v qemu-nbd >/dev/null
}

LOCKED='Failed to get "write" lock'
SHARED_LOCKED='Failed to get shared "write" lock'
HINT="Is another process using the image"

# check_qemu_words DESC WORDS TEXT: TEXT has QEMU's refusal WORDS and its
# hint naming the image.
check_qemu_words() {
    if grep -qF -- "$2" <<<"$3" && grep -qF -- "$HINT" <<<"$3"; then
        ok "$1"
        tap_diag "$3"
    else
        not_ok "$1" "$3"
    fi
}

# qemu_refuses DESC WORDS CMD...: a QEMU program exits 1 with WORDS and
# the hint.
qemu_refuses() {
    local desc=$1 words=$2 out rc

    shift 2
    out=$(timeout 60 "$@" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" == 1 ]; then
        check_qemu_words "$desc" "$words" "$out"
    else
        not_ok "$desc" "status $rc: $out"
    fi
}

FEATURE_KEYS=(feature-persistent feature-max-indirect-segments
              max-ring-page-order multi-queue-max-queues sectors info state)

# ------------------------------------------------- raw, read-only, hotplug

truncate -s $SIZE "$XS_TMP/a.raw" "$XS_TMP/ro.raw" "$XS_TMP/hot.raw"

if ! xs_start -a -xenner-guest -a domid=1,program=disk,console=pty \
        -a -drive -a "file=$XS_TMP/a.raw,if=xen" \
        -a -drive -a "file=$XS_TMP/ro.raw,if=xen,readonly=on"; then
    skip_rest "qemu-xenpv did not start"
    exit 0
fi

check_result "a raw image (-drive if=xen) passes the guest's check" \
    1 $XVDA ok
check "the raw image holds the pattern in the ranges, zeros elsewhere" \
    pat verify "$XS_TMP/a.raw" $XVDA
check_result "a readonly=on disk refuses the write, reads work" \
    1 $XVDB readonly-ok
check "the read-only image is untouched" pat zero "$XS_TMP/ro.raw"

check_eq "the backend's keys as the toolstack reads them (defaults)" \
    "feature-persistent=1 feature-max-indirect-segments=256 \
max-ring-page-order=4 multi-queue-max-queues=4 sectors=131072 info=0 state=4" \
    "$(be_keys 1 $XVDA "${FEATURE_KEYS[@]}")"
check_eq "a read-only disk's info says VDISK_READONLY" "info=4 mode=r" \
    "$(be_keys 1 $XVDB info mode)"
check_eq "the frontend negotiated 2 queues of 4 ring pages" \
    "2 2 x86_64-abi" \
    "$(FE=/local/domain/1/device/vbd/$XVDA
       dom0 xenstore-read "$FE/multi-queue-num-queues" \
           "$FE/ring-page-order" "$FE/protocol" | tr '\n' ' ' |
       sed 's/ $//')"

# A disk the toolstack adds while the guest runs, written key by key
# with the Xen tools as libxl writes it (libxl__device_disk_add):
# hotplug VDEV NAME PARAMS.
hotplug() {
    local be=$BE/1/$1 fe=/local/domain/1/device/vbd/$1

    dom0 xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 &&
    dom0 xenstore-chmod -r "$fe" n1 r0 &&
    dom0 xenstore-write "$fe/virtual-device" "$1" \
        "$fe/device-type" disk "$fe/trusted" 1 &&
    dom0 xenstore-write "$fe/state" 1 &&
    dom0 xenstore-write "$be/frontend" "$fe" "$be/frontend-id" 1 \
        "$be/online" 1 "$be/removable" 0 "$be/bootable" 1 \
        "$be/dev" "$2" "$be/type" qdisk "$be/mode" w \
        "$be/device-type" disk "$be/discard-enable" 1 \
        "$be/params" "$3" &&
    dom0 xenstore-chmod -r "$be" n0 r1 &&
    dom0 xenstore-write "$be/state" 1
}
if hotplug $XVDC xvdc "aio:$XS_TMP/hot.raw"; then
    check_result "a disk hotplugged as libxl writes it connects and passes" \
        1 $XVDC ok
else
    not_ok "a disk hotplugged as libxl writes it connects and passes" \
        "xenstore-write failed"
fi
check_eq "the hotplugged disk's backend is Connected" 4 \
    "$(dom0 xenstore-read $BE/1/$XVDC/state 2>&1)"
check "the hotplugged image holds the pattern" \
    pat verify "$XS_TMP/hot.raw" $XVDC

# A toolstack's disk whose image is missing fails that device alone.
XVDD=51760
# backend_failed VDEV: guest 1's disk VDEV went to Closing (5).
backend_failed() {
    [ "$(dom0 xenstore-read "$BE/1/$1/state" 2>/dev/null)" == 5 ]
}
if hotplug $XVDD xvdd "aio:$XS_TMP/no-such.raw" &&
   wait_for 20 backend_failed $XVDD; then
    err=$(dom0 xenstore-read "$BE/1/$XVDD/error" 2>&1)
    if grep -q "no-such.raw" <<<"$err"; then
        ok "a hotplugged disk with a missing image fails with an error node"
        tap_diag "error: $err"
    else
        not_ok "a hotplugged disk with a missing image fails with an error node" "$err"
    fi
else
    not_ok "a hotplugged disk with a missing image fails with an error node" \
        "$(tail -n 5 "$XS_LOG")"
fi

reconnected() {
    [ "$(dom0 xenstore-read /local/domain/1/data/xenner-cmd-done \
         2>/dev/null)" == "disk-reconnect $XVDA" ]
}
dom0 xenstore-write /local/domain/1/data/xenner-cmd "disk-reconnect $XVDA"
if wait_for 60 reconnected; then
    check_result "after a frontend reconnect the check passes again" \
        1 $XVDA ok
else
    not_ok "after a frontend reconnect the check passes again" \
        "$(dom0 xenstore-ls -f /local/domain/1/data 2>&1)"
fi
check "the disk guest's primary console still echoes (64 KiB)" \
    timeout -k 2 60 "$PYTHON" "$SRCDIR/conscheck.py" echo \
    "$(dom0 xenstore-read /local/domain/1/console/tty)" 65536

xs_stop TERM
check_eq "SIGTERM stops qemu-xenpv with status 0 (raw)" 0 "$XS_STATUS"
check "the raw image still holds the pattern after exit" \
    pat verify "$XS_TMP/a.raw" $XVDA

# ------------------------------------------------- qcow2: qsd and qemu-nbd

if have_qemu_tools &&
   qemu-img create -q -f qcow2 "$XS_TMP/q1.qcow2" $SIZE &&
   qemu-img create -q -f qcow2 "$XS_TMP/q2.qcow2" $SIZE &&
   xs_start -a -xenner-guest -a domid=1,program=disk \
        -a -drive -a "file=$XS_TMP/q1.qcow2,format=qcow2,if=xen" \
        -a -drive -a "file=$XS_TMP/q2.qcow2,format=qcow2,if=none,id=nbd0" \
        -a -device \
        -a "xen-disk,domid=1,vdev=xvdb,drive=nbd0,daemon=qemu-nbd"; then
    check_result "a qcow2 image (format=qcow2, qemu-storage-daemon) passes" \
        1 $XVDA ok
    check_result "a qcow2 image through -device xen-disk,daemon=qemu-nbd" \
        1 $XVDB ok
    # Its daemon locks the image: a second writer's daemon is refused,
    # and says so in the device's error node.
    if hotplug $XVDC xvdc "qcow2:$XS_TMP/q1.qcow2" &&
       wait_for 60 backend_failed $XVDC; then
        check_qemu_words "a hotplugged disk on a qcow2 image being served \
fails alone, with the daemon's words" "$LOCKED" \
            "$(dom0 xenstore-read "$BE/1/$XVDC/error" 2>&1)"
    else
        not_ok "a hotplugged disk on a qcow2 image being served fails alone, \
with the daemon's words" "$(tail -n 5 "$XS_LOG")"
    fi
    xs_stop TERM
    check_eq "SIGTERM stops qemu-xenpv with status 0 (qcow2)" 0 "$XS_STATUS"
    if wait_for 10 image_closed "$XS_TMP/q1.qcow2"; then
        ok "qemu-storage-daemon is gone: nothing has the image open"
    else
        not_ok "qemu-storage-daemon is gone: nothing has the image open" \
            "$(fuser -v "$XS_TMP/q1.qcow2" 2>&1; pgrep -af -- "$XS_TMP")"
    fi
    if wait_for 10 image_closed "$XS_TMP/q2.qcow2"; then
        ok "qemu-nbd is gone: nothing has the image open"
    else
        not_ok "qemu-nbd is gone: nothing has the image open" \
            "$(fuser -v "$XS_TMP/q2.qcow2" 2>&1; pgrep -af -- "$XS_TMP")"
    fi
    pat write "$XS_TMP/ref1.raw" $XVDA $SIZE
    pat write "$XS_TMP/ref2.raw" $XVDB $SIZE
    check "the qcow2 image (qsd) equals the pattern (qemu-img compare)" \
        qemu-img compare -f qcow2 -F raw "$XS_TMP/q1.qcow2" \
        "$XS_TMP/ref1.raw"
    check "the qcow2 image (qemu-nbd) equals the pattern (qemu-img compare)" \
        qemu-img compare -f qcow2 -F raw "$XS_TMP/q2.qcow2" \
        "$XS_TMP/ref2.raw"
    check "qemu-img check finds the qcow2 images consistent" \
        eval "qemu-img check -q '$XS_TMP/q1.qcow2' &&
              qemu-img check -q '$XS_TMP/q2.qcow2'"
else
    for c in "qcow2 via qemu-storage-daemon" "qcow2 via qemu-nbd" \
             "qcow2 lock clash" \
             "exit status" "qsd gone" "qemu-nbd gone" "compare (qsd)" \
             "compare (qemu-nbd)" "qemu-img check"; do
        skip "$c" "needs qemu-img, qemu-storage-daemon and qemu-nbd"
    done
fi

# ------------------------------------------------- two guests

truncate -s $SIZE "$XS_TMP/g1.raw" "$XS_TMP/g2.raw"
if xs_start -a -xenner-guest -a domid=1,program=disk \
        -a -xenner-guest -a domid=2,program=disk \
        -a -drive -a "file=$XS_TMP/g1.raw,if=none,id=g1" \
        -a -drive -a "file=$XS_TMP/g2.raw,if=none,id=g2" \
        -a -device -a "xen-disk,domid=1,vdev=xvda,drive=g1" \
        -a -device -a "xen-disk,domid=2,vdev=xvdb,drive=g2,max-queues=1,\
max-ring-page-order=1,max-indirect-segments=32,persistent=off"
then
    check_result "guest 1 of 2 (-device xen-disk) passes" 1 $XVDA ok
    check_result "guest 2 of 2 (fewer features offered) passes" 2 $XVDB ok
    check_eq "xen-disk's options show in the backend's keys" \
        "feature-persistent=0 feature-max-indirect-segments=32 \
max-ring-page-order=1 multi-queue-max-queues=1 sectors=131072 info=0 state=4" \
        "$(be_keys 2 $XVDB "${FEATURE_KEYS[@]}")"
    check "guest 1's image holds its pattern" \
        pat verify "$XS_TMP/g1.raw" $XVDA
    check "guest 2's image holds its pattern" \
        pat verify "$XS_TMP/g2.raw" $XVDB
    xs_stop TERM
    check_eq "SIGTERM stops qemu-xenpv with status 0 (2 guests)" 0 \
        "$XS_STATUS"
else
    for c in 1 2 3 4 5 6; do
        not_ok "two guests ($c)" "qemu-xenpv did not start"
    done
fi

# ------------------------------------------------- image locks

# QEMU's locks (docs/block.md): our writer keeps QEMU's writers out and
# theirs keep us out, in QEMU's words; readers coexist; locking=off
# opts out. QEMU is qemu-io, and a paused qemu-system-x86_64 with the
# image on a virtio-blk device.
QEMU_SYSTEM=(qemu-system-x86_64 -S -display none -nodefaults -nic none -M pc
             -accel tcg)
have_qemu_system() {
    command -v qemu-system-x86_64 >/dev/null && command -v qemu-io >/dev/null
}

# qemu_holds IMG: QEMU has IMG open for writing with its locks in
# place. Read from /proc/locks, not by probing with qemu-io, whose own
# open would race QEMU's. QEMU locks a byte per permission it takes
# (100 + the permission's bit) and per one it refuses to share (200 +
# the bit): it opens the image with consistent-read (byte 100) alone
# and takes write (101) only when the device is realized, so byte 101
# is what says a writer of ours would now be refused.
qemu_holds() {
    local dev ino

    dev=$(stat -c %d "$1") ino=$(stat -c %i "$1")
    # /proc/locks names the file MAJOR:MINOR:INODE, in the kernel's split,
    # then the range's first and last byte (adjacent ones merged).
    awk -v f="$(printf '%02x:%02x' $(((dev >> 8) & 0xfff)) \
                   $(((dev & 0xff) | ((dev >> 12) & 0xfff00)))):$ino" \
        '$2 == "OFDLCK" && $(NF - 2) == f && $(NF - 1) <= 101 &&
         $NF >= 101 { found = 1 } END { exit !found }' /proc/locks
}

# qemu_start IMG [FORMAT]: a paused QEMU writing IMG through a disk
# device, once its locks are in place; QEMU_PID is its pid.
qemu_start() {
    local fmt=${2:-raw}

    "${QEMU_SYSTEM[@]}" -drive "file=$1,format=$fmt,if=none,id=d0" \
        -device virtio-blk-pci,drive=d0 </dev/null >"$XS_TMP/qemu.log" 2>&1 &
    QEMU_PID=$!
    bg_track "$QEMU_PID"
    wait_for 60 qemu_holds "$1"
}

qemu_stop() {
    kill "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
}

truncate -s $SIZE "$XS_TMP/l.raw" "$XS_TMP/lro.raw"
if have_qemu_system &&
   xs_start -a -xenner-guest -a domid=1,program=disk \
        -a -drive -a "file=$XS_TMP/l.raw,if=xen" \
        -a -drive -a "file=$XS_TMP/lro.raw,if=xen,readonly=on" \
        -a -drive -a "file=$XS_TMP/lro.raw,if=xen,readonly=on"; then
    check_result "two read-only disks on one image: the first works" \
        1 $XVDB readonly-ok
    check_result "... and so does the second" 1 $XVDC readonly-ok
    # A second writer in this process: the toolstack's disk on the image.
    if hotplug $XVDD xvdd "aio:$XS_TMP/l.raw" &&
       wait_for 20 backend_failed $XVDD; then
        check_qemu_words "a hotplugged disk on an image a disk of ours \
writes fails alone, in QEMU's words" "$LOCKED" \
            "$(dom0 xenstore-read "$BE/1/$XVDD/error" 2>&1)"
    else
        not_ok "a hotplugged disk on an image a disk of ours writes fails \
alone, in QEMU's words" "$(tail -n 5 "$XS_LOG")"
    fi
    check_eq "... the process and the image's first disk carry on" \
        "alive 4" "$(xs_alive && echo alive) $(be_keys 1 $XVDA state |
                                               sed 's/state=//')"
    qemu_refuses "qemu-io cannot write an image we write" "$LOCKED" \
        qemu-io -f raw -c "write 0 512" "$XS_TMP/l.raw"
    check "qemu-io -r (QEMU's reader shares writing) reads it" \
        qemu-io -r -f raw -c "read 0 512" "$XS_TMP/l.raw"
    qemu_refuses "qemu-io cannot write an image our read-only disks read" \
        "$LOCKED" qemu-io -f raw -c "write 0 512" "$XS_TMP/lro.raw"
    qemu_refuses "qemu-system-x86_64 cannot put it on a device" "$LOCKED" \
        "${QEMU_SYSTEM[@]}" -drive "file=$XS_TMP/l.raw,format=raw,if=none,\
id=d0" -device virtio-blk-pci,drive=d0
    refused "another qemu-xenpv with the image writable: refused at start" \
        "$LOCKED" -xenner-guest domid=1,program=disk \
        -drive "file=$XS_TMP/l.raw,if=xen"
    # Another qemu-xenpv reading the read-only disks' image: it serves.
    "$QEMU_XENPV" -M "xenner_pv,xenstore-socket=$XS_TMP/xs2.sock" \
        -xenner-guest domid=1,program=disk \
        -drive "file=$XS_TMP/lro.raw,if=xen,readonly=on" \
        >"$XS_TMP/server-reader.log" 2>&1 </dev/null &
    reader=$!
    bg_track "$reader"
    reader_result() {
        XENSTORED_PATH="$XS_TMP/xs2.sock" timeout 5 \
            xenstore-read "/local/domain/1/data/disk/$XVDA" 2>/dev/null
    }
    reader_reported() {
        [ -n "$(reader_result)" ]
    }
    wait_for 60 reader_reported
    check_eq "another qemu-xenpv reads the read-only disks' image" \
        readonly-ok "$(reader_result | cut -d' ' -f1)"
    kill "$reader"
    wait "$reader"
    check_eq "... and exits 0" 0 "$?"
    xs_stop TERM
    check_eq "SIGTERM stops qemu-xenpv with status 0 (locks)" 0 "$XS_STATUS"

    # QEMU first, then us.
    if qemu_start "$XS_TMP/l.raw"; then
        ok "QEMU holds the image"
    else
        not_ok "QEMU holds the image" "$(cat "$XS_TMP/qemu.log")"
    fi
    refused "qemu-xenpv beside QEMU's writer: refused at start" \
        "$LOCKED" -xenner-guest domid=1,program=disk \
        -drive "file=$XS_TMP/l.raw,if=xen"
    refused "... a read-only disk as well" "$SHARED_LOCKED" \
        -xenner-guest domid=1,program=disk \
        -drive "file=$XS_TMP/l.raw,if=xen,readonly=on"
    if xs_start -a -xenner-guest -a domid=1,program=disk \
            -a -drive -a "file=$XS_TMP/l.raw,if=xen,locking=off"; then
        check_result "locking=off: the disk works beside QEMU's writer" \
            1 $XVDA ok
        xs_stop TERM
    else
        not_ok "locking=off: the disk works beside QEMU's writer" \
            "qemu-xenpv did not start"
    fi
    qemu_stop
    # A qcow2 image's daemon is passed locking= (qemu-storage-daemon).
    if ! have_qemu_tools; then
        skip "locking=off reaches qemu-storage-daemon" "needs qemu tools"
    elif ! qemu-img create -q -f qcow2 "$XS_TMP/l.qcow2" $SIZE ||
         ! qemu_start "$XS_TMP/l.qcow2" qcow2; then
        not_ok "locking=off reaches qemu-storage-daemon" \
            "QEMU did not lock the image: $(cat "$XS_TMP/qemu.log")"
        qemu_stop
    else
        if xs_start -a -xenner-guest -a domid=1,program=disk \
                -a -drive \
                -a "file=$XS_TMP/l.qcow2,format=qcow2,if=xen,locking=off"
        then
            check_result "locking=off reaches qemu-storage-daemon: a qcow2 \
disk works beside QEMU's writer" 1 $XVDA ok
            xs_stop TERM
        else
            not_ok "locking=off reaches qemu-storage-daemon" \
                "qemu-xenpv did not start"
        fi
        qemu_stop
    fi
else
    for c in $(seq 1 17); do
        skip "image locks ($c)" "needs qemu-system-x86_64 and qemu-io"
    done
fi

# ------------------------------------------------- SIGKILL: no leftovers

# The daemon's socket directory goes as soon as it is connected, so a
# SIGKILL leaves none; leftovers of a process killed sooner are swept by
# the next start, but never a live process's (its "owner" lock held, or
# a directory just made). The daemon's directories go to a TMPDIR of the
# test's own.
NBD_TMP=$XS_TMP/nbdtmp
mkdir -p "$NBD_TMP"/qemu-xenpv-nbd-{dead01,live01,empty01,young01}
touch "$NBD_TMP/qemu-xenpv-nbd-dead01/owner" \
    "$NBD_TMP/qemu-xenpv-nbd-dead01/nbd.sock" \
    "$NBD_TMP/qemu-xenpv-nbd-live01/owner"
touch -d "2 minutes ago" "$NBD_TMP/qemu-xenpv-nbd-empty01"
owner_held() {
    ! flock -n "$NBD_TMP/qemu-xenpv-nbd-live01/owner" true
}
if have_qemu_tools && command -v flock >/dev/null &&
   qemu-img create -q -f qcow2 "$XS_TMP/k.qcow2" $SIZE; then
    flock "$NBD_TMP/qemu-xenpv-nbd-live01/owner" sleep 600 &
    bg_track $!
    wait_for 10 owner_held
    if TMPDIR=$NBD_TMP xs_start -a -xenner-guest -a domid=1,program=disk \
            -a -drive -a "file=$XS_TMP/k.qcow2,format=qcow2,if=xen"; then
        check_result "a qcow2 disk passes (daemon sockets in a TMPDIR of \
the test's)" 1 $XVDA ok
        check_eq "once connected, the daemon's socket directory is gone; \
leftovers of dead owners swept; a live or new one's kept" \
            "qemu-xenpv-nbd-live01 qemu-xenpv-nbd-young01" \
            "$(ls "$NBD_TMP" | tr '\n' ' ' | sed 's/ $//')"
        xs_stop KILL
        check_eq "SIGKILL kills qemu-xenpv" 137 "$XS_STATUS"
        if wait_for 10 image_closed "$XS_TMP/k.qcow2"; then
            ok "... and its daemon exits: nothing has the image open"
        else
            not_ok "... and its daemon exits: nothing has the image open" \
                "$(fuser -v "$XS_TMP/k.qcow2" 2>&1)"
        fi
        check_eq "... and leaves no socket directory behind" \
            "qemu-xenpv-nbd-live01 qemu-xenpv-nbd-young01" \
            "$(ls "$NBD_TMP" | tr '\n' ' ' | sed 's/ $//')"
    else
        for c in 1 2 3 4 5; do
            not_ok "SIGKILL leftovers ($c)" "qemu-xenpv did not start"
        done
    fi
else
    for c in 1 2 3 4 5; do
        skip "SIGKILL leftovers ($c)" "needs qemu tools and flock"
    done
fi

# ------------------------------------------------- options

refused "-drive with a missing file is refused, as QEMU does" \
    "Could not open.*no-such.raw" \
    -xenner-guest domid=1,program=disk \
    -drive "file=$XS_TMP/no-such.raw,if=xen"
refused "-drive with an unknown key is refused" "bogus" \
    -xenner-guest domid=1,program=disk \
    -drive "file=$XS_TMP/a.raw,if=xen,bogus=1"
refused "-drive if=xen without a -xenner-guest is refused" \
    "guest" -drive "file=$XS_TMP/a.raw,if=xen"
refused "a bad disk-queues= of the disk guest is refused" "disk-queues" \
    -xenner-guest domid=1,program=disk,disk-queues=99
