#!/bin/bash
# Tracing (docs/devel/backend-core.md, "Watching the core"): a disk guest
# run with -trace must show its disk from discovery through InitWait to
# Connected, with the keys read on the way; a run without it must print
# none of that. -D, G_MESSAGES_DEBUG and the domain patterns too.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 15

if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

XVDA=51712
BE=/local/domain/0/backend/qdisk/1/$XVDA
FE=/local/domain/1/device/vbd/$XVDA
TRACE="$XS_TMP/trace.log"

truncate -s 16M "$XS_TMP/a.raw"

reported() {
    [ -n "$(dom0 xenstore-read "/local/domain/1/data/disk/$XVDA" \
        2>/dev/null)" ]
}

# disk_guest ARG...: a disk guest with one disk, and ARGs; returns once
# the guest has checked its disk (so the disk went all the way).
disk_guest() {
    local a args=()

    for a in "$@"; do
        args+=(-a "$a")
    done
    xs_start -a -xenner-guest -a domid=1,program=disk \
        -a -drive -a "file=$XS_TMP/a.raw,if=xen" "${args[@]}" &&
        wait_for 60 reported
}

# line_of FILE TEXT: the number of the first line of FILE holding TEXT.
line_of() {
    grep -nF -m1 -- "$2" "$1" | cut -d: -f1
}

# in_order FILE TEXT...: each TEXT is in FILE, after the one before.
in_order() {
    local file=$1 prev=0 n

    shift
    for text in "$@"; do
        n=$(line_of "$file" "$text")
        if [ -z "$n" ] || [ "$n" -le "$prev" ]; then
            echo "'$text' missing or out of order (line ${n:-none})"
            return 1
        fi
        prev=$n
    done
}

# ------------------------------------------------ -trace 'xen-*' -D FILE

if disk_guest -trace 'xen-*' -D "$TRACE"; then
    ok "a disk guest runs with -trace 'xen-*' -D FILE"
else
    not_ok "a disk guest runs with -trace 'xen-*' -D FILE" "$(cat "$XS_LOG")"
fi
xs_stop
tap_diag "$(grep -F "$BE" "$TRACE" | grep -v ': read ' | head -n 20)"

check "the disk goes from discovery through InitWait to Connected" \
    in_order "$TRACE" \
    "xen-backend: $BE: probed, frontend $FE" \
    "xen-backend: $BE: init" \
    "xen-disk: $BE: opened $XS_TMP/a.raw (raw) with engine" \
    "xen-backend: $BE: hotplug-status = connected" \
    "xen-backend: $BE: backend Initialising -> InitWait (init done)" \
    "xen-backend: $BE: frontend Initialising -> Initialised" \
    "xen-backend: $BE: initialise, frontend Initialised" \
    "xen-disk: $BE: frontend chose protocol" \
    "xen-backend: $BE: backend InitWait -> Connected (initialise done)" \
    "xen-backend: $BE: frontend Initialised -> Connected"
check "discovery's keys are traced with their values" \
    in_order "$TRACE" \
    "xen-backend: read $BE/state = \"1\"" \
    "xen-backend: read $BE/online = \"1\"" \
    "xen-backend: read $BE/frontend = \"$FE\"" \
    "xen-backend: read $BE/frontend-id = \"1\""
check "the backend's keys read at init are traced" \
    grep -qF "xen-backend: read $BE/params = \"aio:$XS_TMP/a.raw\"" "$TRACE"
check "the frontend's keys read at initialise are traced" \
    in_order "$TRACE" \
    "xen-backend: read $FE/protocol = " \
    "xen-backend: read $FE/queue-0/ring-ref0 = " \
    "xen-disk: $BE: queue 0: mapped" \
    "xen-backend: read $FE/queue-0/event-channel = " \
    "xen-backend: $BE: frontend port"
check "a stop frees the device" \
    grep -qF "xen-backend: $BE: free" "$TRACE"
check "trace lines carry pid@time as QEMU's do" \
    grep -qE "^[0-9]+@[0-9]+\.[0-9]{6} xen-backend: " "$TRACE"
check "with -D, nothing of the trace is on stderr" \
    bash -c "! grep -q 'xen-backend:' '$XS_LOG'"

# ------------------------------------------------ off, and filtered

disk_guest
xs_stop
check "without -trace, nothing of it is printed" \
    bash -c "! grep -qE 'xen-(backend|disk|console):' '$XS_LOG'"

disk_guest -trace xen-disk
xs_stop
check "-trace xen-disk traces the disk backend, to stderr" \
    grep -qF "xen-disk: $BE: opened" "$XS_LOG"
check "-trace xen-disk leaves the core's domain out" \
    bash -c "! grep -q 'xen-backend:' '$XS_LOG'"

export G_MESSAGES_DEBUG=xen-backend
disk_guest
unset G_MESSAGES_DEBUG
xs_stop
check "G_MESSAGES_DEBUG=xen-backend traces the core" \
    grep -qF "xen-backend: $BE: backend InitWait -> Connected" "$XS_LOG"

# ------------------------------------------------ the option itself

out=$(timeout 20 "$QEMU_XENPV" -trace help 2>&1)
if grep -q '^xen-backend ' <<<"$out" && grep -q '^xen-disk ' <<<"$out"; then
    ok "-trace help lists the domains"
else
    not_ok "-trace help lists the domains" "$out"
fi
refused "-trace with a pattern matching no domain is refused" \
    "no such trace domain" -trace 'nosuch*'
refused "-D into a missing directory is refused" \
    "-D $XS_TMP/no/such/dir" -trace 'xen-*' -D "$XS_TMP/no/such/dir/t.log"
