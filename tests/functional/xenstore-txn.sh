#!/bin/bash
# Concurrent transactions through real clients: xenstore-write and
# xenstore-read run all their paths in one transaction and retry on
# EAGAIN, so a reader must never see a half-applied write; xs-counter
# (libxenstore) does read-modify-write in transactions, so concurrent
# increments must never be lost.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

G=5
HOME5=/local/domain/$G
WRITES=40                       # per writer
COUNT=200                       # increments per xs-counter process

tap_plan 11

if ! have_xenstore_utils; then
    skip_rest "xenstore-utils not installed"
    exit 0
fi
if ! xs_start -g "$G"; then
    not_ok "qemu-xenpv starts"
    skip_rest "no server"
    exit 1
fi

# The pair lives in the guest's home so that the guest can write it too.
dom0 xenstore-write "$HOME5/t/a" init "$HOME5/t/b" init
dom0 xenstore-chmod -r "$HOME5" "n$G"

# writer ID WHO: WRITES pair updates, each one transaction; a failed
# tool run is recorded in $XS_TMP/fail.ID. Touches done.ID at the end.
writer() {
    local id=$1 who=$2 i

    for i in $(seq 1 "$WRITES"); do
        if [ "$who" == dom0 ]; then
            dom0 xenstore-write "$HOME5/t/a" "$id-$i" "$HOME5/t/b" "$id-$i"
        else
            guest "$who" xenstore-write t/a "$id-$i" t/b "$id-$i"
        fi || echo "$id-$i: status $?" >>"$XS_TMP/fail.$id"
    done
    touch "$XS_TMP/done.$id"
}

all_done() {
    [ -e "$XS_TMP/done.w1" ] && [ -e "$XS_TMP/done.w2" ] &&
        [ -e "$XS_TMP/done.g" ]
}

writers=()
writer w1 dom0 &
writers+=($!)
writer w2 dom0 &
writers+=($!)
writer g "$G" &
writers+=($!)
for pid in "${writers[@]}"; do
    bg_track "$pid"
done

# The reader, in this shell: each read of both nodes is one transaction.
reads=0 torn=0 failed=0 deadline=$((SECONDS + 120))
declare -A seen=()
while ! all_done && [ "$SECONDS" -lt "$deadline" ]; do
    if pair=$(dom0 xenstore-read "$HOME5/t/a" "$HOME5/t/b"); then
        reads=$((reads + 1))
        a=${pair%%$'\n'*}
        b=${pair#*$'\n'}
        seen["v$a"]=1
        if [ "$a" != "$b" ]; then
            torn=$((torn + 1))
            tap_diag "torn read: a=$a b=$b"
        fi
    else
        failed=$((failed + 1))
    fi
done
# Not a bare wait: the server is a job of this shell too.
wait "${writers[@]}"

check_eq "all 3 writers finished in time" "yes" \
    "$(all_done && echo yes || echo no)"
check_eq "every transactional xenstore-write succeeded (EAGAIN retried)" "" \
    "$(cat "$XS_TMP"/fail.* 2>/dev/null)"
check_eq "every xenstore-read of the pair succeeded" "0" "$failed"
check_eq "no read saw /t/a and /t/b differ ($reads reads)" "0" "$torn"
# Else the reads did not overlap the writes, and proved nothing.
if [ "${#seen[@]}" -ge 3 ]; then
    ok "the reader saw the writers' progress (${#seen[@]} values)"
else
    not_ok "the reader saw the writers' progress" \
        "only ${#seen[@]} distinct values in $reads reads"
fi
final=$(dom0 xenstore-read "$HOME5/t/a" "$HOME5/t/b")
check_eq "the pair ends equal, at a writer's last value" "yes" \
    "$([ "${final%%$'\n'*}" == "${final#*$'\n'}" ] &&
       [[ "${final%%$'\n'*}" == *-"$WRITES" ]] && echo yes || echo "$final")"

out=$(py "$XS_SOCK" txn-events 2>&1)
check_eq "watch events of a transaction: at commit only, none on abort or \
EAGAIN" "" "$out"

# ---------------------------------------------------------- xs-counter

if [ -z "${XS_COUNTER:-}" ] || [ ! -x "$XS_COUNTER" ]; then
    skip_rest "xs-counter not built (no libxenstore)"
    exit 0
fi

# counters NAME WHO...: one xs-counter per WHO (dom0 or a guest domid)
# at once, on the node NAME in the guest's home; their exit statuses go
# to $XS_TMP/NAME.status.
counters() {
    local name=$1 who pids=() i=0 pid

    shift
    for who in "$@"; do
        i=$((i + 1))
        if [ "$who" == dom0 ]; then
            dom0 "$XS_COUNTER" "$HOME5/$name" "$COUNT"
        else
            guest "$who" "$XS_COUNTER" "$name" "$COUNT"
        fi >"$XS_TMP/$name.$i.out" 2>&1 &
        pids+=($!)
        bg_track $!
    done
    for pid in "${pids[@]}"; do
        wait "$pid"
        echo -n "$? "
    done >"$XS_TMP/$name.status"
}

counters c4 dom0 dom0 dom0 dom0
check_eq "4 dom0 xs-counter processes at once all succeed" "0 0 0 0 " \
    "$(cat "$XS_TMP/c4.status")"
tap_diag "$(cat "$XS_TMP"/c4.*.out)"
check_eq "the count is exactly 4*$COUNT" "$((4 * COUNT))" \
    "$(dom0 xenstore-read "$HOME5/c4")"

counters mixed dom0 "$G" dom0 "$G"
check_eq "2 dom0 and 2 guest xs-counters at once all succeed" "0 0 0 0 " \
    "$(cat "$XS_TMP/mixed.status")"
tap_diag "$(cat "$XS_TMP"/mixed.*.out)"
check_eq "the count is exactly 4*$COUNT" "$((4 * COUNT))" \
    "$(dom0 xenstore-read "$HOME5/mixed")"
exit 0
