#!/bin/bash
# Robustness of the xenstore server: many clients at once, malformed,
# oversized and garbage requests, clients that vanish with watches or a
# transaction open, signals, and a stale socket at start-up. The raw
# clients are in xswire.py; the Xen tools are used where they suffice.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

GUEST=7

tap_plan 28

if ! have_xenstore_utils || ! "$PYTHON" -c 'import socket' 2>/dev/null; then
    skip_rest "needs xenstore-utils and python3"
    exit 0
fi

# The watch quota of 2 makes dropped watches observable (xswire.py).
if ! xs_start -p xenstore-quota-watches=2 -g "$GUEST"; then
    not_ok "qemu-xenpv starts"
    skip_rest "no server"
    exit 1
fi
ok "qemu-xenpv starts with a dom0 and a guest socket"

scenario "300 clients connected at once, each served" many 300

# Many tool processes at once as well: each one its own connection.
many_tools() {
    local i pids=() rc=0 got

    for i in $(seq 1 40); do
        dom0 xenstore-write "/tools/$i" "v$i" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do
        wait "$i" || rc=1
    done
    [ "$rc" -eq 0 ] || return 1
    got=$(dom0 xenstore-list /tools | sort -n | tr '\n' ' ')
    [ "$got" == "$(seq 1 40 | tr '\n' ' ')" ] || return 1
    [ "$(dom0 xenstore-read /tools/17)" == "v17" ]
}
check "40 concurrent xenstore-write processes all succeed" many_tools

scenario "unknown types get ENOSYS, missing nul or bad args EINVAL; \
connection stays usable" malformed
scenario "a transaction id not open on the connection gets ENOENT" unknown-tx
scenario "a request of exactly 4096 payload bytes is served" limits
scenario "a header announcing over 4096 bytes closes only that connection" \
    oversized
scenario "garbage on 64 connections: the server keeps answering" garbage 64
scenario "domain-management requests from a guest get EACCES" \
    privileged "$XS_TMP/guest$GUEST.sock" "$GUEST"
scenario "a disconnected client's watches are dropped" \
    watch-dropped "$XS_TMP/guest$GUEST.sock"
scenario "a disconnected client's open transaction has no effect" txn-dropped

# The tools must see the tree the raw clients left.
check_eq "the tree is intact after the abuse" "yes" \
    "$(dom0 xenstore-read /alive)"

# The scheduling policy of a process (field 41 of its stat): 0 is
# SCHED_OTHER, 3 SCHED_BATCH.
policy() {
    awk '{ print $41 }' /proc/"$1"/stat
}
check_eq "serving a socket, the loop runs SCHED_BATCH" "3" "$(policy "$XS_PID")"
xs_stop TERM
if xs_start -p xenstore-sched-batch=off; then
    check_eq "xenstore-sched-batch=off: it stays SCHED_OTHER" "0" \
        "$(policy "$XS_PID")"
else
    not_ok "xenstore-sched-batch=off: it starts"
fi
refused "xenstore-sched-batch takes on or off" "must be on or off" \
    -M "xenner_pv,xenstore-socket=$XS_TMP/batch.sock,xenstore-sched-batch=1"

# Out of descriptors: 40 is enough for a few dozen clients, not 100.
# The server of the cases above stops here; the signal cases start their own.
xs_stop TERM
if xs_start -n 40; then
    scenario "out of descriptors: extra clients are hung up on, no spinning, \
service resumes" exhaust "$XS_PID" 100
    xs_stop TERM
else
    not_ok "out of descriptors: server starts with 40 descriptors"
fi

# ---------------------------------------------------------- signals

# stop_with SIG: the server exits 0 on SIG and removes both sockets.
stop_with() {
    local sig=$1 errs=""

    xs_stop "$sig"
    if [ "$XS_STATUS" != 0 ]; then
        errs+="exit status $XS_STATUS, not 0. "
    fi
    if [ -e "$XS_SOCK" ] || [ -e "$XS_TMP/guest$GUEST.sock" ]; then
        errs+="socket left behind: $(ls "$XS_TMP"). "
    fi
    if [ -n "$errs" ]; then
        not_ok "SIG$sig: exit status 0, sockets removed" \
            "$errs$(tail -n 20 "$XS_LOG")"
    else
        ok "SIG$sig: exit status 0, sockets removed"
    fi
}

for sig in INT TERM HUP; do
    if xs_start -g "$GUEST"; then
        # A connected client and a watch must not hold the exit up.
        dom0 xenstore-watch -n 2 / >"$XS_TMP/watch-$sig.out" 2>&1 </dev/null &
        bg_track $!
        wait_for 10 test -s "$XS_TMP/watch-$sig.out"
        stop_with "$sig"
    else
        not_ok "SIG$sig: server starts"
    fi
done

# ------------------------------------------------------ socket file

# A socket file left by a killed server: bound to nobody, yet still there.
py "$XS_SOCK" stale
if [ -S "$XS_SOCK" ] && xs_start; then
    dom0 xenstore-write /stale replaced
    check_eq "a stale socket file at the path is replaced" "replaced" \
        "$(dom0 xenstore-read /stale)"
    xs_stop TERM
else
    not_ok "a stale socket file at the path is replaced" \
        "$(cat "$XS_LOG" 2>/dev/null)"
fi

# Anything else at the path is not the server's to delete.
echo "precious" >"$XS_TMP/file"
run_to 20 "$QEMU_XENPV" -M "xenner_pv,xenstore-socket=$XS_TMP/file" \
    >"$XS_TMP/server-file.log" 2>&1
rc=$?
check_eq "a regular file at the path: start-up fails (status 1)" "1" "$rc"
check_eq "... with an error naming the path" "1" \
    "$(grep -c "cannot bind xenstore socket '$XS_TMP/file'" \
       "$XS_TMP/server-file.log")"
check_eq "... and the file is left alone" "precious" "$(cat "$XS_TMP/file")"

# Binding replaces a stale socket file: two servers on one path would
# leave the first (dom0's) unreachable. Every spelling of one file is
# refused before anything is bound: relative and ./, a symlinked
# directory, two guest sockets.
SAME="name the same socket file"
refused "dom0 and a guest socket on one path: refused" "$SAME" \
    -M "xenner_pv,xenstore-socket=$XS_TMP/one.sock" \
    -xenstore-guest-socket "domid=3,path=$XS_TMP/one.sock"
check_eq "... and nothing was bound" "" "$(ls "$XS_TMP" | grep one.sock)"
cd "$XS_TMP" || exit 1
refused "x and ./x (dom0, guest): refused" \
    "xenstore-socket=x and -xenstore-guest-socket path=./x $SAME" \
    -M xenner_pv,xenstore-socket=x -xenstore-guest-socket domid=3,path=./x
cd - >/dev/null || exit 1
ln -s "$XS_TMP" "$XS_TMP/link"
refused "the same file through a symlinked directory: refused" "$SAME" \
    -M "xenner_pv,xenstore-socket=$XS_TMP/two.sock" \
    -xenstore-guest-socket "domid=3,path=$XS_TMP/link/two.sock"
refused "two guest sockets on one path: refused" \
    "path=$XS_TMP/g.sock and -xenstore-guest-socket path=$XS_TMP/./g.sock" \
    -M "xenner_pv,xenstore-socket=$XS_SOCK" \
    -xenstore-guest-socket "domid=3,path=$XS_TMP/g.sock" \
    -xenstore-guest-socket "domid=4,path=$XS_TMP/./g.sock"

exit 0
