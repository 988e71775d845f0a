# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC2154 # log is the caller's
#
# Sourced by kvm-init.sh and guest.sh: check DESCRIPTION CMD... runs CMD,
# its output and the command line going to $log, and writes one TAP line
# for its exit status to file descriptor 3, which the caller opens where
# its TAP goes. Counts in n and failed.
n=0
failed=0
check() {
    desc=$1
    shift
    echo "== $(date +%s) $desc: $*" >> "$log"
    n=$((n + 1))
    if "$@" >> "$log" 2>&1; then
        echo "ok $n - $desc" >&3
    else
        failed=$((failed + 1))
        echo "not ok $n - $desc" >&3
    fi
}
