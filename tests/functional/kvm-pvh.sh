#!/bin/bash
# Xenner on KVM (-M xenner_pvh) end to end: tiny PVH test guests
# (pvh-guest.py) make hypercalls through the hypercall page, honest and
# hostile, write to their console ring, balloon, copy grants, and shut
# down in each way; then Debian's own kernel, when the
# rig's cache has it, boots as a Xen PVH guest with its messages on our
# chardev. Needs /dev/kvm; the refusals run everywhere.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 48

VMLINUZ=${VMLINUZ:-/var/cache/qemu-xenpv-rig/6.1.0-57-amd64/root/boot/vmlinuz-6.1.0-57-amd64}
N=0

# guest SCENARIO: builds the test guest; prints its path.
guest_elf() {
    "$PYTHON" "$SRCDIR/pvh-guest.py" "$1" "$XS_TMP/$1.elf" &&
        echo "$XS_TMP/$1.elf"
}

# boot SECS ARGS...: runs the machine to its end; its serial output in
# $OUT, stderr in $ERR (a server log the sanitizer case reads), exit
# status in $RC.
boot() {
    local secs=$1

    shift
    N=$((N + 1))
    OUT="$XS_TMP/serial-$N.txt"
    ERR="$XS_TMP/server-kvm-$N.log"
    timeout -k 5 "$secs" "$QEMU_XENPV" -M xenner_pvh -serial "file:$OUT" \
        "$@" 2>"$ERR"
    RC=$?
}

# guest_ok SCENARIO WHAT: a test guest that writes "SCENARIO ok" and
# powers off.
guest_ok() {
    boot 60 -m 16 -kernel "$(guest_elf "$1")"
    check_eq "$2" "0 $1 ok" "$RC $(cat "$OUT")"
}

refused "xenner_pvh needs -kernel" "needs -kernel" -M xenner_pvh
refused "xenner_pvh refuses -smp 0" "at least one CPU" \
    -M xenner_pvh -kernel /dev/null -smp 0
refused "xenner_pvh refuses more vCPUs than its MADT holds" \
    "-smp 17: 1 to 16 vCPUs" -M xenner_pvh -kernel /dev/null -smp 17
refused "xenner_pvh refuses -smp cpus=N likewise" "-smp 64: 1 to 16" \
    -M xenner_pvh -kernel /dev/null -smp cpus=64

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ]; then
    refused "xenner_pvh refuses without /dev/kvm" "/dev/kvm" \
        -M xenner_pvh -kernel /dev/null
    skip_rest "no /dev/kvm on this host"
    exit 0
fi
ok "this host has /dev/kvm"

refused "a kernel that is not an ELF or bzImage is refused" \
    "not an ELF file or a bzImage" -M xenner_pvh -kernel /dev/null

boot 60 -m 16 -kernel "$(guest_elf hello)"
check_eq "console_io reaches the chardev; poweroff exits 0" \
    "0 hello from a PVH guest" "$RC $(cat "$OUT")"

# vCPUs 1 to 3 wait for a SIPI that never comes: the power-off still
# stops their threads (the sanitizer case reads this stderr too).
boot 60 -m 16 -smp 4 -kernel "$(guest_elf hello)"
check_eq "with -smp 4, poweroff stops every vCPU and exits 0" \
    "0 hello from a PVH guest" "$RC $(cat "$OUT")"

# ACPI is on by default.
boot 60 -m 16 -kernel "$(guest_elf acpi)"
check_eq "start_info's RSDP leads to a FADT whose S5 sleep powers off" \
    "0 acpi" "$RC $(cat "$OUT")"

boot 60 -M xenner_pvh,acpi=off -m 16 -kernel "$(guest_elf acpi)"
check_eq "with acpi=off, start_info has no RSDP" \
    "1 acpi acpi FAIL" "$RC $(cat "$OUT" | tr '\n' ' ' | sed 's/ $//')"

refused "acpi= takes on or off" "Parameter 'acpi' expects 'on' or 'off'" \
    -M xenner_pvh,acpi=yes -kernel "$(guest_elf hello)"

boot 60 -M xenner_pvh,acpi=on -m 16 -no-reboot \
    -kernel "$(guest_elf acpireset)"
check_eq "the FADT's reset register reboots (with -no-reboot, exits 0)" \
    "0 reset" "$RC $(cat "$OUT")"

boot 60 -m 16 -kernel "$(guest_elf hvc)"
check_eq "the console ring (hvc0) and its event channel reach the chardev" \
    "0 hello from hvc0" "$RC $(cat "$OUT")"

guest_ok timer \
    "a single-shot timer raises VIRQ_TIMER in shared_info"

guest_ok upcall \
    "events come twice as vCPU 0's upcall vector, EOI in between"

guest_ok pvclock \
    "Xen's time: a TSC scale, the wallclock, runstate and time areas"

guest_ok gnttab \
    "grant-table frames placed outside RAM hold what the guest wrote"

guest_ok balloon \
    "decrease_reservation and populate_physmap, hostile lists refused"

guest_ok gntcopy \
    "GNTTABOP_copy within the guest, per-op status, released frames"

guest_ok periodic \
    "a periodic timer raises VIRQ_TIMER again and again until stopped"

boot 60 -m 16 -kernel "$(guest_elf xenstore)"
check_eq "the xenstore ring answers the guest's XS_READ of its domid" \
    "0 1" "$RC $(cat "$OUT")"

# start_on_socket ARG...: qemu-xenpv's KVM machine with a spinning test
# guest and its xenstore on $XS_TMP/kvm.sock, in the background ($pid,
# stderr in $ERR), once the socket is there.
start_on_socket() {
    N=$((N + 1))
    ERR="$XS_TMP/server-kvm-$N.log"
    rm -f "$XS_TMP/kvm.sock"
    "$QEMU_XENPV" -M "xenner_pvh,xenstore-socket=$XS_TMP/kvm.sock" \
        -m 16 -serial null -kernel "$(guest_elf spin)" "$@" 2>"$ERR" &
    pid=$!
    bg_track "$pid"
    for _ in $(seq 100); do
        [ -S "$XS_TMP/kvm.sock" ] && break
        sleep 0.1
    done
}
# The same xenstore, on a socket, while a guest runs.
if ! have_xenstore_utils; then
    skip "xenstore-ls reads the guest's home" "no xenstore-utils"
    skip "the control nodes' permissions" "no xenstore-utils"
    skip "each vCPU's availability" "no xenstore-utils"
else
    start_on_socket -smp 2
    ls_out=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-ls \
                 /local/domain/1 2>&1)
    cpus=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-ls -f \
               /local/domain/1/cpu 2>&1)
    perms=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-ls -p \
                /local/domain/1/control 2>&1)
    kill -TERM "$pid"
    wait "$pid"
    if grep -q '^name = "pvh"' <<<"$ls_out" &&
        grep -q '^domid = "1"' <<<"$ls_out"; then
        ok "xenstore-ls reads the guest's home on the socket"
    else
        not_ok "xenstore-ls reads the guest's home on the socket" "$ls_out"
    fi
    # As libxl makes them: the nodes the guest answers in are its own.
    n=$(grep -cE '^(shutdown|feature-(poweroff|reboot|suspend)|sysrq) = .*\(n1\)$' \
            <<<"$perms")
    check_eq "control/shutdown, feature-* and sysrq are the guest's own" \
        5 "$n"
    check_eq "each vCPU online in cpu/N/availability, as libxl writes it" \
        "0 online 1 online" \
        "$(sed -n 's|^/local/domain/1/cpu/\([0-9]*\)/availability = "\(.*\)"$|\1 \2|p' \
               <<<"$cpus" | tr '\n' ' ' | sed 's/ $//')"
fi

# A disk: its directories as a toolstack writes them, the backend
# waiting for the guest's blkfront (InitWait), while the guest runs.
refused "xenner_pvh takes no other -device than xen-disk, xen-net-device" \
    "only xen-disk and xen-net-device .*-vnc" \
    -M xenner_pvh -kernel "$(guest_elf spin)" -device xen-kbd,domid=1
truncate -s 8M "$XS_TMP/pvh-disk.img"
refused "xen-disk on xenner_pvh is for domain 1" "domid=2" \
    -M xenner_pvh -kernel "$(guest_elf spin)" \
    -drive "file=$XS_TMP/pvh-disk.img,if=none,id=d0,format=raw" \
    -device xen-disk,domid=2,vdev=xvda,drive=d0
# ls_of "DIR...": xenstore-ls of each DIR on the running machine's socket.
ls_of() {
    for d in $1; do
        echo "$d:"
        XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-ls "$d" 2>&1
    done
}
if ! have_xenstore_utils; then
    skip "-drive if=xen: the vbd's directories" "no xenstore-utils"
    skip "-device xen-disk: the backend in InitWait" "no xenstore-utils"
else
    # ls_dirs "DIR..." ARGS...: xenstore-ls of each DIR while a guest
    # with ARGS runs.
    ls_dirs() {
        local dirs=$1

        shift
        start_on_socket "$@"
        ls_out=$(ls_of "$dirs")
        kill -TERM "$pid"
        wait "$pid"
    }
    # ls_disk ARGS...: both sides of the guest's vbd.
    ls_disk() {
        ls_dirs "/local/domain/1/device/vbd/51712
                 /local/domain/0/backend/qdisk/1/51712" "$@"
    }
    ls_disk -drive "file=$XS_TMP/pvh-disk.img,if=xen,format=raw"
    if grep -q '^backend-id = "0"' <<<"$ls_out" &&
        grep -q '^virtual-device = "51712"' <<<"$ls_out" &&
        grep -q '^device-type = "disk"' <<<"$ls_out" &&
        grep -q '^frontend-id = "1"' <<<"$ls_out" &&
        grep -q "^params = \"aio:$XS_TMP/pvh-disk.img\"" <<<"$ls_out"; then
        ok "-drive if=xen: the vbd's directories as a toolstack writes them"
    else
        not_ok "-drive if=xen: the vbd's directories" "$ls_out"
    fi
    ls_disk -drive "file=$XS_TMP/pvh-disk.img,if=none,id=d0,format=raw" \
        -device xen-disk,vdev=xvda,drive=d0
    if grep -q '^state = "2"' <<<"$ls_out" &&
        grep -q '^hotplug-status = "connected"' <<<"$ls_out"; then
        ok "-device xen-disk: the backend waits for the guest (InitWait)"
    else
        not_ok "-device xen-disk: the backend in InitWait" "$ls_out"
    fi
fi

# Vifs: -nic and -netdev with -device xen-net-device as on xenner_pv,
# their directories as a toolstack writes them, the backend in InitWait.
refused "xen-net-device on xenner_pvh is for domain 1" "domid=2" \
    -M xenner_pvh -kernel "$(guest_elf spin)" -netdev user,id=n0 \
    -device xen-net-device,domid=2,netdev=n0
refused "xen-net-device's netdev must exist" "no -netdev id=n1" \
    -M xenner_pvh -kernel "$(guest_elf spin)" -netdev user,id=n0 \
    -device xen-net-device,netdev=n1
refused "a netdev takes one vif" "in use" \
    -M xenner_pvh -kernel "$(guest_elf spin)" -netdev user,id=n0 \
    -device xen-net-device,netdev=n0 -device xen-net-device,netdev=n0
if ! have_xenstore_utils; then
    skip "-nic: the vif's directories" "no xenstore-utils"
    skip "-device xen-net-device: two vifs, both in InitWait" \
        "no xenstore-utils"
else
    ls_dirs "/local/domain/1/device/vif/0 /local/domain/0/backend/vif/1/0" \
        -nic user,restrict=on,mac=52:54:00:12:34:a0
    if grep -q '^backend-id = "0"' <<<"$ls_out" &&
        grep -q '^backend = "/local/domain/0/backend/vif/1/0"' \
            <<<"$ls_out" &&
        [ "$(grep -c '^mac = "52:54:00:12:34:a0"' <<<"$ls_out")" == 2 ] &&
        grep -q '^handle = "0"' <<<"$ls_out" &&
        grep -q '^frontend-id = "1"' <<<"$ls_out" &&
        grep -q '^state = "2"' <<<"$ls_out" &&
        grep -q '^feature-rx-copy = "1"' <<<"$ls_out"; then
        ok "-nic: the vif's directories as a toolstack writes them"
    else
        not_ok "-nic: the vif's directories" "$ls_out"
    fi
    ls_dirs "/local/domain/0/backend/vif/1" \
        -netdev user,id=n0 -netdev user,id=n1 \
        -device xen-net-device,netdev=n0,domid=1 \
        -device xen-net-device,netdev=n1,mac=52:54:00:12:34:a1
    if [ "$(grep -c '^ state = "2"' <<<"$ls_out")" == 2 ] &&
        [ "$(grep -c '^ hotplug-status = "connected"' <<<"$ls_out")" == 2 ] &&
        grep -q '^ mac = "52:54:00:12:34:a1"' <<<"$ls_out" &&
        grep -q '^1 = ""' <<<"$ls_out"; then
        ok "-device xen-net-device: two vifs, both in InitWait"
    else
        not_ok "-device xen-net-device: two vifs, both in InitWait" "$ls_out"
    fi
fi

# A hostile frontend (its keys written on the socket, as domain 0 may):
# a ring-ref in a grant frame the guest never placed fails xvda alone;
# xvdb, the guest and the machine go on.
if ! have_xenstore_utils; then
    skip "a bad ring-ref fails that disk only" "no xenstore-utils"
else
    truncate -s 8M "$XS_TMP/pvh-disk2.img"
    start_on_socket -drive "file=$XS_TMP/pvh-disk.img,if=xen,format=raw" \
        -drive "file=$XS_TMP/pvh-disk2.img,if=xen,format=raw"
    fe=/local/domain/1/device/vbd/51712
    be=/local/domain/0/backend/qdisk/1
    XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-write \
        $fe/ring-ref 1 $fe/event-channel 1 $fe/protocol x86_64-abi
    XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-write $fe/state 3
    for _ in $(seq 100); do
        st=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-read \
                 $be/51712/state 2>&1)
        [ "$st" == 5 ] && break
        sleep 0.1
    done
    st2=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-read \
              $be/51728/state 2>&1)
    error=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-read \
                $be/51712/error 2>&1)
    alive=no
    kill -0 "$pid" 2>/dev/null && alive=yes
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    if [ "$st $st2 $alive $rc" == "5 2 yes 0" ] &&
        grep -q "cannot map .* from ref 1: Invalid argument" <<<"$error"; then
        ok "a bad ring-ref fails that disk only (Closing, its error node)"
    else
        not_ok "a bad ring-ref fails that disk only" \
            "xvda $st, xvdb $st2, running $alive, exit $rc: $error"
    fi
fi

# -vnc: a vfb and a vkbd, written as libxl writes them, both backends
# waiting for the guest (InitWait); -mon: QMP on the machine.
refused "-vnc on a socket that cannot be bound is refused" \
    "$XS_TMP/no-such-dir" \
    -M xenner_pvh -kernel "$(guest_elf spin)" \
    -vnc "unix:$XS_TMP/no-such-dir/vnc.sock"
refused "-mon on a chardev that does not exist is refused" \
    "chardev 'nosuch' not found" \
    -M xenner_pvh -kernel "$(guest_elf spin)" -mon chardev=nosuch,mode=control
if ! have_xenstore_utils; then
    skip "-vnc: the vfb's and vkbd's directories" "no xenstore-utils"
    skip "QMP: query-vnc, screendump before the vfb connects, powerdown" \
        "no xenstore-utils"
else
    qmp="$XS_TMP/pvh-qmp.sock"
    rm -f "$qmp"
    start_on_socket -vnc "unix:$XS_TMP/pvh-vnc.sock" \
        -chardev "socket,id=q,path=$qmp,server=on,wait=off" \
        -mon chardev=q,mode=control
    ls_out=$(ls_of "/local/domain/1/device/vfb/0
                    /local/domain/0/backend/vfb/1/0
                    /local/domain/1/device/vkbd/0
                    /local/domain/0/backend/vkbd/1/0")
    qmp_out=$(timeout -k 2 30 "$PYTHON" "$SRCDIR/qmpclient.py" "$qmp" \
                  query-status query-vnc \
                  "screendump:{\"filename\": \"$XS_TMP/pvh.ppm\"}" \
                  system_powerdown 2>&1)
    shutdown=$(XENSTORED_PATH="$XS_TMP/kvm.sock" timeout 20 xenstore-read \
                   /local/domain/1/control/shutdown 2>&1)
    kill -TERM "$pid"
    wait "$pid"
    # Keys of one directory, then keys in both devices' backend (or
    # both frontend) directories.
    dirs_ok=yes
    for want in '^backend = "/local/domain/0/backend/vfb/1/0"' \
            '^backend = "/local/domain/0/backend/vkbd/1/0"' \
            '^width = "800"' '^height = "600"' '^videoram = "16"' \
            '^feature-abs-pointer = "1"'; do
        grep -q -- "$want" <<<"$ls_out" || dirs_ok=no
    done
    for want in '^backend-id = "0"' '^frontend-id = "1"' '^state = "2"' \
            '^hotplug-status = "connected"'; do
        [ "$(grep -c -- "$want" <<<"$ls_out")" == 2 ] || dirs_ok=no
    done
    if [ $dirs_ok == yes ]; then
        ok "-vnc: a vfb and a vkbd as libxl writes them, both in InitWait"
    else
        not_ok "-vnc: the vfb's and vkbd's directories" "$ls_out"
    fi
    # The guest never connects its vfb: no surface to dump yet.
    if [ "$(sed -n 1p <<<"$qmp_out")" == \
            'return {"running":true,"singlestep":false,"status":"running"}' ] &&
        grep -q '^return {.*"enabled":true' <<<"$qmp_out" &&
        grep -q '^error .*no surface' <<<"$qmp_out" &&
        [ "$(sed -n 4p <<<"$qmp_out")" == 'return {}' ] &&
        [ "$shutdown" == poweroff ]; then
        ok "QMP: query-vnc, screendump before the vfb connects, powerdown"
    else
        not_ok "QMP: query-vnc, screendump before the vfb connects, powerdown" \
            "$qmp_out / control/shutdown: $shutdown"
    fi
fi

boot 60 -m 16 -kernel "$(guest_elf crash)"
if [ "$RC" == 1 ] && grep -q "the guest crashed" "$ERR"; then
    ok "SHUTDOWN_crash exits 1 with the reason"
else
    not_ok "SHUTDOWN_crash exits 1 with the reason" "$RC $(cat "$ERR")"
fi

boot 60 -m 16 -no-reboot -kernel "$(guest_elf reboot)"
check_eq "with -no-reboot, a reboot exits 0" "0 boot" "$RC $(cat "$OUT")"

# Without it, the guest starts again: stopped after its third boot.
N=$((N + 1))
OUT="$XS_TMP/serial-$N.txt"
ERR="$XS_TMP/server-kvm-$N.log"
# With a disk, a vif and a display: each boot's backend goes and comes
# back with the guest, the vif numbered 0 again, the vfb's console with
# it on the one VNC display; its two vCPUs with each boot.
"$QEMU_XENPV" -M xenner_pvh -m 16 -smp 2 -serial "file:$OUT" \
    -drive "file=$XS_TMP/pvh-disk.img,if=xen,format=raw" \
    -nic user,restrict=on -vnc "unix:$XS_TMP/pvh-vnc2.sock" \
    -kernel "$(guest_elf reboot)" 2>"$ERR" &
pid=$!
bg_track "$pid"
for _ in $(seq 60); do
    # The chardev makes the file only when the machine starts.
    [ "$(cat "$OUT" 2>/dev/null | grep -c boot)" -ge 3 ] && break
    sleep 1
done
kill -TERM "$pid"
wait "$pid"
if [ "$(grep -c boot "$OUT")" -ge 3 ]; then
    ok "a reboot starts the guest again"
else
    not_ok "a reboot starts the guest again" "$(cat "$OUT" "$ERR")"
fi

boot 60 -m 16 -kernel "$(guest_elf cpuid)"
check_eq "CPUID 0x40000000 says XenVMMXenVMM" "0 XenVMMXenVMM" \
    "$RC $(tr -d '\0' <"$OUT")"

boot 60 -m 16 -kernel "$(guest_elf hostile)"
if [ "$RC" == 0 ] && [ "$(cat "$OUT")" == "hostile ok" ]; then
    ok "hostile hypercalls get errors; the machine goes on"
else
    not_ok "hostile hypercalls get errors; the machine goes on" \
        "status $RC: $(cat "$OUT") $(cat "$ERR")"
fi
if [ "$(grep -c "hypercall 60: not implemented" "$ERR")" == 1 ]; then
    ok "an unknown hypercall is logged once"
else
    not_ok "an unknown hypercall is logged once" "$(cat "$ERR")"
fi
boot 60 -m 16 -smp 2 -kernel "$(guest_elf vcpudown)"
check_eq "VCPUOP_down and _up take vCPU 1 down and back; is_up follows" \
    "0 vcpudown ok" "$RC $(cat "$OUT")"
boot 60 -m 16 -kernel "$(guest_elf unknown)"
logged=$(grep -c "not implemented" "$ERR")
if [ "$RC $(cat "$OUT")" == "0 unknown ok" ] && [ "$logged" == 64 ] &&
    grep -q "no more unknown calls are logged" "$ERR"; then
    ok "200 distinct unknown calls: 64 logged, then no more"
else
    not_ok "200 distinct unknown calls: 64 logged, then no more" \
        "status $RC: $(cat "$OUT"), $logged logged"
fi

# A guest that never makes a hypercall: SIGTERM must still end KVM_RUN.
# Signalled directly, not through timeout(1), whose own status would hide
# ours; bg_track kills it should it hang.
N=$((N + 1))
ERR="$XS_TMP/server-kvm-$N.log"
"$QEMU_XENPV" -M xenner_pvh -m 16 -serial null \
    -kernel "$(guest_elf spin)" 2>"$ERR" &
pid=$!
bg_track "$pid"
sleep 2
kill -TERM "$pid"
for _ in $(seq 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
check_eq "a spinning guest's machine stops on SIGTERM" 0 "$?"

if [ ! -r "$VMLINUZ" ]; then
    skip "Debian's kernel boots as Xen PVH" "no $VMLINUZ"
else
    # Until the guest reaches its console: the machine is stopped then.
    N=$((N + 1))
    OUT="$XS_TMP/serial-$N.txt"
    ERR="$XS_TMP/server-kvm-$N.log"
    timeout -k 5 280 "$QEMU_XENPV" -M xenner_pvh -m 256 \
        -serial "file:$OUT" -kernel "$VMLINUZ" \
        -append "earlyprintk=xen console=hvc0" 2>"$ERR" &
    pid=$!
    bg_track "$pid"
    for _ in $(seq 270); do
        grep -q "Booting kernel on Xen PVH" "$OUT" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if grep -q "Booting kernel on Xen PVH" "$OUT" 2>/dev/null; then
        ok "Debian's kernel boots as Xen PVH, its messages on our chardev"
    else
        not_ok "Debian's kernel boots as Xen PVH" \
            "$(tail -n 20 "$OUT" 2>/dev/null) $(cat "$ERR")"
    fi
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    tap_diag "$(tail -n 3 "$OUT")"
fi
