# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the dom0 scenario scripts (attach.sh, display.sh) after
# dom0-up.sh, once they have set tap and log (their TAP and detail
# files), xl, n and failed (0), ctx_domid and ctx_logs: one TAP line per
# check, with diag's explanation when it fails, and the waits.
# shellcheck shell=sh disable=SC2154 # the variables above are the caller's
ok() { n=$((n + 1)); echo "ok $n $*" >> $tap; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*" >> $tap; }
# check DESCRIPTION CMD...: one TAP line for CMD's exit status.
check() {
    desc=$1; shift
    echo "== $(date +%s) $desc: $*" >> $log
    if "$@" >> $log 2>&1; then
        ok "$desc"
    else
        not_ok "$desc"
        # shellcheck disable=SC2086 # a list of paths
        diag "not ok $n $desc" "${ctx_domid:-none}" $ctx_logs
    fi
}
# wait_for SECONDS CMD...: polls until CMD succeeds, for SECONDS of wall
# time (a loaded host makes each poll slow, so polls are not counted).
# The waits below are sized for a 2-core host that also runs the
# sanitizer build's tests and another rig: several times what an idle
# host needs, since a wait that ends early only costs time when
# something is already broken, while the budget of the whole run
# (RIG_BUDGET, in the run-*.sh scripts) still bounds a hang.
wait_for() {
    end=$(($(date +%s) + $1)); shift
    while :; do
        "$@" > /dev/null 2>&1 && return 0
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 1
    done
}
# wait_guest SECONDS NAME PATTERN: waits for PATTERN on NAME's console,
# but gives up as soon as the domain is gone without printing it.
wait_guest() {
    end=$(($(date +%s) + $1))
    while :; do
        console_has "$2" "$3" && return 0
        if domain_gone "$2"; then
            console_has "$2" "$3"
            return
        fi
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 1
    done
}
console() { cat /var/log/xen/console/guest-$1.log 2>/dev/null; }
console_has() { console "$1" | grep -q "$2"; }
xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
domain_gone() { ! $xl domid "$1" > /dev/null 2>&1; }
# A sanitizer report or a crash in the device model's log fails the run.
clean_log() {
    ! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"
}
