# Shared helpers for the functional tests; source it, do not run it.
#
# A test script sources this file, calls tap_plan with the number of its
# own cases, starts qemu-xenpv with xs_start, and reports each case with
# ok / not_ok / check / check_eq. Everything it starts and every file it
# makes lives under $XS_TMP, and the EXIT trap stops the server, kills the
# background jobs registered with bg_track and removes $XS_TMP, whatever
# way the script ends.
#
# The lib adds one case of its own at the end: every server started must
# have left no sanitizer report on its stderr (kept in $XS_TMP/*.log),
# so an ASan/UBSan build fails the test that triggered the report.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u

: "${QEMU_XENPV:?QEMU_XENPV must name the qemu-xenpv binary}"
: "${SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"

# Bound for one client command (a tool run, a python client); generous
# because an ASan build on a loaded 2-core machine is slow, but finite so
# that a hung server fails the case instead of the whole suite timing out.
XS_CMD_TIMEOUT=${XS_CMD_TIMEOUT:-20}
# Bound for the server itself, should the script die without its trap.
XS_SERVER_TIMEOUT=${XS_SERVER_TIMEOUT:-280}

XS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/qemu-xenpv-func.XXXXXX") || exit 1
XS_SOCK="$XS_TMP/xs.sock"       # the privileged (dom0) socket
XS_PID=""                       # the qemu-xenpv process
XS_WRAP_PID=""                  # the `timeout` running it
XS_LOG=""                       # its stdout and stderr
XS_STATUS=""                    # its exit status, once stopped
XS_NSERVERS=0
XS_BG_PIDS=()

TAP_PLANNED=""
TAP_N=0
TAP_FAILED=0

# The Xen tools find the daemon through this; never let the caller's own
# xenstore leak in.
unset XENSTORED_PATH XENSTORED_RUNDIR

# Python clients: prefer the system interpreter, which has no site
# packages of a user environment in the way.
if [ -x /usr/bin/python3 ]; then
    PYTHON=/usr/bin/python3
else
    PYTHON=python3
fi

# ---------------------------------------------------------------- TAP

# tap_plan N: N is the number of the script's own cases; the lib's final
# sanitizer case comes on top.
tap_plan() {
    TAP_PLANNED=$(($1 + 1))
    echo "1..$TAP_PLANNED"
}

# Diagnostics go after the case as TAP comments.
tap_diag() {
    local line

    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N $1"
}

not_ok() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N $1"
    if [ $# -gt 1 ] && [ -n "$2" ]; then
        tap_diag "$2"
    fi
}

# todo_eq DESC WHY EXPECTED ACTUAL: a case for a known bug, reported as
# TAP TODO: meson counts its failure as expected, and its passing as an
# unexpected pass, so the TODO is dropped once the bug is fixed.
todo_eq() {
    TAP_N=$((TAP_N + 1))
    if [ "$3" == "$4" ]; then
        echo "ok $TAP_N $1 # TODO $2"
    else
        echo "not ok $TAP_N $1 # TODO $2"
        tap_diag "expected: $(printf '%q' "$3")
actual:   $(printf '%q' "$4")"
    fi
}

skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N $1 # SKIP $2"
}

# skip_rest REASON: marks every remaining planned case skipped, for a
# script whose prerequisite (a tool, a library) is missing.
skip_rest() {
    while [ "$TAP_N" -lt $((TAP_PLANNED - 1)) ]; do
        skip "not run" "$1"
    done
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
    if [ "$2" == "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected: $(printf '%q' "$2")
actual:   $(printf '%q' "$3")"
    fi
}

# check DESC CMD...: the case passes when CMD exits 0; its output is
# shown only on failure.
check() {
    local desc=$1 out

    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc" "command failed (status $?): $*
$out"
    fi
}

# ------------------------------------------------------------ clients

# run_to SECS CMD...: CMD bounded by a timeout; status 124 when it hung.
run_to() {
    local secs=$1

    shift
    timeout -k 2 "$secs" "$@"
}

# dom0 CMD...: a Xen tool as the privileged domain, on $XS_SOCK.
dom0() {
    XENSTORED_PATH="$XS_SOCK" timeout -k 2 "$XS_CMD_TIMEOUT" "$@"
}

# guest DOMID CMD...: a Xen tool as guest DOMID, on the socket that
# xs_start -g DOMID made.
guest() {
    local domid=$1

    shift
    XENSTORED_PATH="$XS_TMP/guest$domid.sock" \
        timeout -k 2 "$XS_CMD_TIMEOUT" "$@"
}

# status CMD...: prints the exit status of CMD (output discarded), for
# asserting the status itself with check_eq.
status() {
    "$@" >/dev/null 2>&1
    echo $?
}

# py ARGS...: a raw wire client, bounded: xswire.py, or the script a
# test names in XS_PY.
py() {
    timeout -k 2 "$XS_CMD_TIMEOUT" "$PYTHON" "$SRCDIR/${XS_PY:-xswire.py}" "$@"
}

# scenario DESC NAME [ARGS...]: one scenario of the wire client, run with
# the dom0 socket as its first argument, is one case; the server must
# still be running after it. What a passing scenario prints (figures it
# measured) follows the case as TAP comments.
scenario() {
    local desc=$1 out rc

    shift
    out=$(py "$XS_SOCK" "$@" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        not_ok "$desc" "${XS_PY:-xswire.py} $* exited $rc
$out"
    elif ! xs_alive; then
        not_ok "$desc" "qemu-xenpv died: $(tail -n 20 "$XS_LOG")"
    else
        ok "$desc"
        if [ -n "$out" ]; then
            tap_diag "$out"
        fi
    fi
}

# bg_track PID: a background job the EXIT trap must kill if still alive.
bg_track() {
    XS_BG_PIDS+=("$1")
}

# kill_tree PID: PID and its descendants (a background function is a
# subshell whose child runs the command), children first, so none is
# left behind reparented.
kill_tree() {
    local child

    for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        kill_tree "$child"
    done
    kill "$1" 2>/dev/null
}

# wait_for SECS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))

    shift
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.05
    done
}

# watch_begin OUT N WHO PATH: `xenstore-watch -n N PATH` in the
# background as WHO (dom0, or a guest domid), its output in OUT. Returns
# once the registration event is in OUT, i.e. the watch is in place.
watch_begin() {
    local out=$1 n=$2 who=$3 path=$4

    # stderr apart: the shell running the job may report its end there
    # ("Terminated"), which is not an event.
    if [ "$who" == dom0 ]; then
        dom0 xenstore-watch -n "$n" "$path" >"$out" 2>"$out.err" </dev/null &
    else
        guest "$who" xenstore-watch -n "$n" "$path" >"$out" 2>"$out.err" \
            </dev/null &
    fi
    WATCH_PID=$!
    bg_track "$WATCH_PID"
    wait_for 10 test -s "$out"
}

# watch_end OUT [PID]: waits for the watcher PID (default: the last
# watch_begin's) to have had its N events (it then exits 0; on timeout
# 124), and appends "exit STATUS" to OUT, for an exact comparison of OUT.
# Not in a subshell: only this shell can wait for its jobs.
watch_end() {
    local pid=${2:-$WATCH_PID} rc

    wait "$pid"
    rc=$?
    echo "exit $rc" >>"$1"
}

# watch_stop_at OUT LINE [PID]: for a watcher without a fixed number of
# events: waits until LINE, the last event expected, is in OUT, then ends
# the watcher (default: the last watch_begin's).
watch_stop_at() {
    local pid=${3:-$WATCH_PID}

    wait_for 10 grep -qxF -- "$2" "$1"
    kill_tree "$pid"
    wait "$pid" 2>/dev/null
}

have_xenstore_utils() {
    command -v xenstore-write >/dev/null && command -v xenstore-read >/dev/null
}

# The tools under /usr/lib/xen-*/bin (not on $PATH; the /usr/bin
# wrappers insist on a hypervisor). Prints the newest match.
xen_libexec() {
    local f found=""

    for f in /usr/lib/xen-*/bin/"$1"; do
        if [ -x "$f" ]; then
            found=$f
        fi
    done
    [ -n "$found" ] && echo "$found"
}

# ------------------------------------------------------------- server

# xs_start [-p PROP=VALUE]... [-g DOMID]... [-n NOFILE] [-a ARG]...
# Starts qemu-xenpv serving xenstore on $XS_SOCK (dom0), with the extra
# xenner_pv machine properties -p, a guest socket
# $XS_TMP/guest<DOMID>.sock per -g, at most NOFILE descriptors, and each
# -a ARG as one more command-line argument.
# Waits until the server answers. Sets XS_PID, XS_LOG. Returns non-zero
# if it did not come up.
xs_start() {
    local props="" args=() socks=("$XS_SOCK") nofile="" opt s

    OPTIND=1
    while getopts "p:g:n:a:" opt; do
        case $opt in
        p) props+=",$OPTARG" ;;
        g) args+=(-xenstore-guest-socket
                  "domid=$OPTARG,path=$XS_TMP/guest$OPTARG.sock")
           socks+=("$XS_TMP/guest$OPTARG.sock") ;;
        n) nofile=$OPTARG ;;
        a) args+=("$OPTARG") ;;
        *) return 2 ;;
        esac
    done
    # One server at a time: a test that forgot to stop the last one
    # must not leave it running unseen.
    xs_stop TERM
    XS_NSERVERS=$((XS_NSERVERS + 1))
    XS_LOG="$XS_TMP/server$XS_NSERVERS.log"
    XS_STATUS=""
    # --foreground keeps it in our process group, so that the test
    # harness's own kill on timeout reaches it too.
    (
        if [ -n "$nofile" ]; then
            ulimit -n "$nofile" || exit 1
        fi
        exec timeout --foreground -k 5 "$XS_SERVER_TIMEOUT" \
            "$QEMU_XENPV" -M "xenner_pv,xenstore-socket=$XS_SOCK$props" \
            "${args[@]}"
    ) >"$XS_LOG" 2>&1 &
    XS_WRAP_PID=$!
    XS_PID=""
    # The pid to signal is timeout's child, qemu-xenpv itself.
    if ! wait_for 10 xs_find_child; then
        echo "qemu-xenpv did not start: $(cat "$XS_LOG")" >&2
        return 1
    fi
    for s in "${socks[@]}"; do
        if ! wait_for 10 test -S "$s"; then
            echo "no socket $s: $(cat "$XS_LOG")" >&2
            return 1
        fi
    done
    # A bound socket may not listen yet; once dom0 gets an answer the
    # event loop runs, so every socket is ready (they are all made first).
    if ! wait_for 10 xs_answers; then
        echo "qemu-xenpv does not answer: $(cat "$XS_LOG")" >&2
        return 1
    fi
}

xs_find_child() {
    local kids

    kill -0 "$XS_WRAP_PID" 2>/dev/null || return 2
    kids=$(cat "/proc/$XS_WRAP_PID/task/$XS_WRAP_PID/children" 2>/dev/null)
    XS_PID=${kids%% *}
    [ -n "$XS_PID" ]
}

xs_answers() {
    kill -0 "$XS_PID" 2>/dev/null || return 2
    XENSTORED_PATH="$XS_SOCK" timeout 5 xenstore-exists / 2>/dev/null
}

# xs_stop [SIGNAL]: stops the server (SIGTERM by default) and sets
# XS_STATUS to its exit status; SIGKILL after 10 s of no reaction.
xs_stop() {
    local sig=${1:-TERM}

    if [ -z "$XS_WRAP_PID" ]; then
        return 0
    fi
    # Without a known qemu-xenpv pid, timeout passes the signal on.
    kill -s "$sig" "${XS_PID:-$XS_WRAP_PID}" 2>/dev/null
    # timeout exits as soon as qemu-xenpv does, passing on its status.
    if ! wait_for 10 xs_wrapper_gone; then
        kill -s KILL ${XS_PID:+"$XS_PID"} "$XS_WRAP_PID" 2>/dev/null
    fi
    wait "$XS_WRAP_PID"
    XS_STATUS=$?
    XS_WRAP_PID=""
    XS_PID=""
}

# refused DESC PATTERN ARGS...: qemu-xenpv started with ARGS stops at
# start-up with status 1 and a message matching PATTERN (a case-blind
# extended regular expression), as QEMU refuses what it cannot do.
refused() {
    local desc=$1 pattern=$2 out rc

    shift 2
    out=$(timeout 20 "$QEMU_XENPV" "$@" 2>&1)
    rc=$?
    if [ "$rc" == 1 ] && grep -qiE -- "$pattern" <<<"$out"; then
        ok "$desc"
        tap_diag "$out"
    else
        not_ok "$desc" "status $rc: $out"
    fi
}

xs_wrapper_gone() {
    ! kill -0 "$XS_WRAP_PID" 2>/dev/null
}

# xs_alive: the server is still running (has not crashed).
xs_alive() {
    [ -n "$XS_PID" ] && kill -0 "$XS_PID" 2>/dev/null
}

# ------------------------------------------------------------ cleanup

xs_sanitizer_reports() {
    grep -l -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" \
        -e "runtime error:" "$XS_TMP"/server*.log 2>/dev/null
}

xs_finish() {
    local status=$? pid logs

    trap - EXIT
    for pid in "${XS_BG_PIDS[@]}"; do
        kill_tree "$pid"
    done
    xs_stop TERM
    for pid in "${XS_BG_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ -n "$TAP_PLANNED" ]; then
        logs=$(xs_sanitizer_reports)
        if [ -z "$logs" ]; then
            ok "server stderr has no sanitizer report"
        else
            not_ok "server stderr has no sanitizer report" \
                "$(for f in $logs; do echo "== $f"; head -n 60 "$f"; done)"
        fi
        if [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
            echo "# planned $TAP_PLANNED cases, ran $TAP_N"
            status=1
        fi
        if [ "$TAP_FAILED" -ne 0 ]; then
            status=1
        fi
    fi
    rm -rf "$XS_TMP"
    exit "$status"
}

trap xs_finish EXIT
# Turn signals into an ordinary exit, so the EXIT trap cleans up.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
