#!/bin/bash
# Xen's own xenstore test program against qemu-xenpv. Its 4.17 version
# may exit 0 even when a test fails, so its output is what is judged:
# each test prints "NAME: avg: N ns (MIN ns .. MAX ns)" when it passed,
# "NAME: failed (ret = E, stage S)" when not; the random mode prints
# only failures (and a line should a transaction exhaust its retries).
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

G=5
RANDOM_SECS=${XS_RANDOM_SECS:-30}   # overridable for quick runs

tap_plan 11

TX=$(xen_libexec test-xenstore)
if [ -z "$TX" ] || ! have_xenstore_utils; then
    skip_rest "test-xenstore (xen-utils) not installed"
    exit 0
fi
if ! xs_start -g "$G"; then
    not_ok "qemu-xenpv starts"
    skip_rest "no server"
    exit 1
fi

# The names of its tests, from the program itself ("NAME  : description").
mapfile -t names < <("$TX" -l | sed -E 's/ *:.*//')
check_eq "test-xenstore lists its 12 tests" "12" "${#names[@]}"

# timed_ok OUTFILE: every listed test has a timing line, nothing else.
timed_ok() {
    local out=$1 name missing=""

    for name in "${names[@]}"; do
        grep -Eq "^$name *: avg: [0-9]+ ns \([0-9]+ ns \.\. [0-9]+ ns\)$" \
            "$out" || missing+="$name; "
    done
    if [ -n "$missing" ] || [ "$(wc -l <"$out")" -ne "${#names[@]}" ]; then
        echo "no timing for: $missing"
        cat "$out"
        return 1
    fi
}

# random_ok OUTFILE: nothing printed, so nothing failed.
random_ok() {
    if [ -s "$1" ]; then
        cat "$1"
        return 1
    fi
}

XENSTORED_PATH="$XS_SOCK" run_to 120 "$TX" -i 100 >"$XS_TMP/i100.out" 2>&1
check_eq "-i 100 as dom0: exit status 0" "0" "$?"
check "-i 100 as dom0: every test reports its time, none failed" \
    timed_ok "$XS_TMP/i100.out"

# The same as an unprivileged guest in a home it owns: quotas and
# permission checks are on this path.
dom0 xenstore-write "/local/domain/$G" ""
dom0 xenstore-chmod "/local/domain/$G" "n$G"
XENSTORED_PATH="$XS_TMP/guest$G.sock" run_to 120 "$TX" -i 50 \
    >"$XS_TMP/guest.out" 2>&1
check_eq "-i 50 as guest $G: exit status 0" "0" "$?"
check "-i 50 as guest $G: every test reports its time, none failed" \
    timed_ok "$XS_TMP/guest.out"

XENSTORED_PATH="$XS_SOCK" run_to $((RANDOM_SECS + 60)) "$TX" \
    -r "$RANDOM_SECS" >"$XS_TMP/r1.out" 2>&1
check_eq "-r $RANDOM_SECS: exit status 0" "0" "$?"
check "-r $RANDOM_SECS: no test failed" random_ok "$XS_TMP/r1.out"

# Two at once: each works in its own xenstore-test/PID, and their
# transactions must not conflict with each other's nodes.
XENSTORED_PATH="$XS_SOCK" run_to $((RANDOM_SECS + 60)) "$TX" \
    -r "$RANDOM_SECS" >"$XS_TMP/r2a.out" 2>&1 &
pa=$!
bg_track "$pa"
XENSTORED_PATH="$XS_SOCK" run_to $((RANDOM_SECS + 60)) "$TX" \
    -r "$RANDOM_SECS" >"$XS_TMP/r2b.out" 2>&1 &
pb=$!
bg_track "$pb"
wait "$pa"
sa=$?
wait "$pb"
sb=$?
check_eq "-r $RANDOM_SECS twice at once: both exit 0" "0 0" "$sa $sb"
check "-r $RANDOM_SECS twice at once: no test failed in either" \
    random_ok "$XS_TMP/r2a.out"
check "... (second instance)" random_ok "$XS_TMP/r2b.out"

# Each run removes its nodes, and the last one their common parent.
check_eq "the runs left no nodes behind" "1 1" \
    "$(status dom0 xenstore-exists /local/domain/0/xenstore-test) \
$(status dom0 xenstore-exists "/local/domain/$G/xenstore-test")"
exit 0
