#!/bin/bash
# The console backend end to end in EMULATE mode: in-process echo guests
# behind the backend core, driven from the host side through ptys and
# unix sockets, every byte checked (conscheck.py). Hostile guests run in
# the same process as the honest ones, which must not notice them.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 36

if ! have_xenstore_utils || ! "$PYTHON" -c 'import tty, socket' 2>/dev/null
then
    skip_rest "needs xenstore-utils and python3"
    exit 0
fi

MIB=1048576
BE=/local/domain/0/backend/console

cons() {
    CONSCHECK_TIMEOUT=120 timeout -k 2 150 "$PYTHON" "$SRCDIR/conscheck.py" \
        "$@"
}

be_state() {
    dom0 xenstore-read "$BE/$1/$2/state" 2>/dev/null
}

# state_is DOMID IDX STATE...: the backend's state is one of STATE.
state_is() {
    local s want

    s=$(be_state "$1" "$2") || return 1
    for want in "${@:3}"; do
        [ "$s" == "$want" ] && return 0
    done
    return 1
}

tty_of() {
    if [ "$2" == 0 ]; then
        dom0 xenstore-read "/local/domain/$1/console/tty"
    else
        dom0 xenstore-read "/local/domain/$1/device/console/$2/tty"
    fi
}

# ------------------------------------------------------------ start-up

args=()
add() { args+=(-a "$1" -a "$2"); }
for d in 1 2; do
    add -chardev "pty,id=p${d}1"
    add -chardev "socket,id=s${d}2,path=$XS_TMP/s${d}2.sock,server=on,wait=off"
    add -xenner-guest "domid=$d,console=pty"
    add -device "xen-console,domid=$d,idx=1,chardev=p${d}1"
    add -device "xen-console,domid=$d,idx=2,chardev=s${d}2"
done
d=3
for attack in prod ring-ref port frame flap; do
    add -xenner-guest "domid=$d,console=pty,program=hostile,attack=$attack"
    add -device "xen-console,domid=$d,idx=1,output=pty"
    d=$((d + 1))
done

if ! xs_start -g 1 "${args[@]}"; then
    skip_rest "qemu-xenpv did not start"
    exit 0
fi

all_connected() {
    local d i

    for d in 1 2; do
        for i in 0 1 2; do
            state_is "$d" "$i" 4 || return 1
        done
    done
}
if wait_for 20 all_connected; then
    ok "2 guests x 3 consoles reach Connected"
else
    not_ok "2 guests x 3 consoles reach Connected" \
        "$(dom0 xenstore-ls -f "$BE")"
fi

pty11=$(tty_of 1 1)
check "a pty console's tty is written back for the toolstack" \
    test -c "$pty11"

# ------------------------------------------------------------ streams

check "1 MiB both ways through a pty console (ring wrap-around)" \
    cons echo "$pty11" $MIB
check "1 MiB both ways through a unix socket console" \
    cons echo "$XS_TMP/s12.sock" $MIB
check "a host side that stops reading for 3 s loses nothing (4 MiB)" \
    cons stall "$XS_TMP/s12.sock" $((4 * MIB)) 3
check "1 MiB both ways through a primary console (foreign-mapped ring)" \
    cons echo "$(tty_of 1 0)" $MIB

concurrent() {
    local pids=() rc=0 p

    cons echo "$(tty_of 1 1)" $MIB >"$XS_TMP/c1" 2>&1 & pids+=($!)
    cons echo "$XS_TMP/s12.sock" $MIB >"$XS_TMP/c2" 2>&1 & pids+=($!)
    cons echo "$(tty_of 2 1)" $MIB >"$XS_TMP/c3" 2>&1 & pids+=($!)
    cons echo "$XS_TMP/s22.sock" $MIB >"$XS_TMP/c4" 2>&1 & pids+=($!)
    for p in "${pids[@]}"; do
        wait "$p" || rc=1
    done
    cat "$XS_TMP"/c[1-4]
    return $rc
}
check "2 guests x 2 consoles, 1 MiB each, all at once" concurrent

# ------------------------------------------------------------ hostile guests

# hostile DOMID DESC: the attacked console failed alone, with an error.
hostile() {
    local err

    if ! wait_for 15 state_is "$1" 1 5 6; then
        not_ok "$2" "backend state $(be_state "$1" 1)"
        return
    fi
    err=$(dom0 xenstore-read "$BE/$1/1/error" 2>&1)
    if [ -z "$err" ]; then
        not_ok "$2" "no error node"
    else
        ok "$2"
        tap_diag "error: $err"
    fi
}
hostile 3 "out_prod far past the ring fails that console with an error"
hostile 4 "a ring-ref never granted fails that console with an error"
hostile 5 "a port out of range fails that console with an error"
hostile 6 "a grant of a frame not its own fails that console with an error"

flapped() {
    state_is 7 1 4 && test -n "$(tty_of 7 1)"
}
if wait_for 30 flapped; then
    check "after state flapping, an honest reconnect works (64 KiB)" \
        cons echo "$(tty_of 7 1)" 65536
else
    not_ok "after state flapping, an honest reconnect works (64 KiB)" \
        "backend state $(be_state 7 1)"
fi

hostile_primaries() {
    local d

    for d in 3 4 5 6 7; do
        cons echo "$(tty_of $d 0)" 65536 || return 1
    done
}
check "each hostile guest's own primary console still works" \
    hostile_primaries
check "honest guests still work alongside (1 MiB)" \
    cons echo "$(tty_of 2 1)" $MIB
check "the process survived every hostile guest" xs_alive

# ------------------------------------------------------------ reconnect

reconnected() {
    [ "$(dom0 xenstore-read /local/domain/2/data/xenner-cmd-done \
         2>/dev/null)" == "reconnect 1" ]
}
dom0 xenstore-write /local/domain/2/data/xenner-cmd "reconnect 1"
if wait_for 15 reconnected; then
    ok "a frontend that closes and re-initialises connects again"
else
    not_ok "a frontend that closes and re-initialises connects again" \
        "backend state $(be_state 2 1)"
fi
check "the re-initialised console carries 1 MiB both ways" \
    cons echo "$(tty_of 2 1)" $MIB

# ------------------------------------------------------------ unplug

# As libxl's device removal does.
dom0 xenstore-write "$BE/2/2/online" 0 "$BE/2/2/state" 5
if wait_for 15 state_is 2 2 6; then
    ok "online=0 unplugs: the backend reaches Closed"
else
    not_ok "online=0 unplugs: the backend reaches Closed" \
        "backend state $(be_state 2 2)"
fi
check_eq "the frontend is Closed too" 6 \
    "$(dom0 xenstore-read /local/domain/2/device/console/2/state)"
check "the unplugged console echoes nothing" cons silent "$XS_TMP/s22.sock"
check "the same guest's other consoles still work" \
    cons echo "$(tty_of 2 0)" 65536

# ------------------------------------------------------------ hotplug

# A device the toolstack adds while everything runs, written key by key
# with the Xen tools as libxl would.
hotplug() {
    local be=$BE/1/3 fe=/local/domain/1/device/console/3

    dom0 xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 &&
    dom0 xenstore-chmod -r "$fe" n1 r0 &&
    dom0 xenstore-write "$fe/type" ioemu "$fe/output" pty \
        "$fe/limit" 1048576 "$fe/tty" "" &&
    dom0 xenstore-chmod "$fe/type" n0 r1 &&
    dom0 xenstore-chmod "$fe/output" n0 r1 &&
    dom0 xenstore-chmod "$fe/limit" n0 r1 &&
    dom0 xenstore-chmod "$fe/tty" n0 r1 &&
    dom0 xenstore-write "$fe/state" 1 &&
    dom0 xenstore-write "$be/frontend" "$fe" "$be/frontend-id" 1 \
        "$be/online" 1 "$be/protocol" vt100 &&
    dom0 xenstore-chmod -r "$be" n0 r1 &&
    dom0 xenstore-write "$be/state" 1
}
hotplugged() {
    state_is 1 3 4 && [ -n "$(tty_of 1 3 2>/dev/null)" ]
}
if hotplug && wait_for 15 hotplugged; then
    check "a console hotplugged while running connects and echoes" \
        cons echo "$(tty_of 1 3)" 65536
else
    not_ok "a console hotplugged while running connects and echoes" \
        "backend state $(be_state 1 3)"
fi

# A guest-written output key must not steer the host side.
check_eq "the toolstack's output key is read-only for the guest" 1 \
    "$(status guest 1 xenstore-write device/console/1/output file:/tmp/x)"

# ------------------------------------------------------------ exit

xs_stop TERM
check_eq "SIGTERM stops qemu-xenpv with status 0" 0 "$XS_STATUS"

# ------------------------------------------------------------ options

refused "-M xenpv without a mode is refused" "needs -xen-attach" \
    -M xenpv
refused "-xen-attach on a host without Xen is refused at start-up" \
    "not running Xen|built without Xen" -M xenpv -xen-domid 1 -xen-attach
# Checked before the host is: whatever the host, these never start.
refused "-drive with -M xenpv is refused: the toolstack owns the devices" \
    "-drive and -device are not supported" -M xenpv -xen-domid 1 \
    -xen-attach -drive file=/nonexistent,if=none,id=d0
refused "-xen-create needs a kernel" "-xen-create needs -kernel" \
    -M xenpv -xen-create
refused "-kernel is only for -xen-create" \
    "-kernel needs -machine xenpv -xen-create" -kernel /nonexistent
refused "-xen-create on a host without Xen is refused at start-up" \
    "not running Xen|built without Xen" -M xenpv -xen-create \
    -kernel /nonexistent -m 64
refused "-serial is a console only with -xen-create" \
    "no emulated serial port" -serial stdio
refused "-smp 0" "at least one CPU" -M xenpv -xen-create -kernel /x -smp 0
refused "-uuid that is not one" "not a UUID" -M xenpv -xen-create \
    -kernel /x -uuid 1234
refused "-xen-create takes a vif and -vnc: only the host is missing" \
    "not running Xen|built without Xen" -M xenpv -xen-create -kernel /x \
    -nic tap,ifname=xc0,script=no -vnc :1
refused "-xen-create: -device takes only xen-net-device" \
    "only xen-net-device is" -M xenpv -xen-create -kernel /x \
    -device xen-fb
refused "-xen-create: a vif's domid is Xen's to pick" "takes no domid=" \
    -M xenpv -xen-create -kernel /x -netdev tap,id=n0 \
    -device xen-net-device,netdev=n0,domid=3
