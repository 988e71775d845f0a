#!/bin/bash
# Where a synchronous client's xenstore read goes in the server: figures
# per request that the machine's load does not change (system calls by
# name, context switches, instructions), then the CPU time per request,
# which it does. Each pass starts qemu-xenpv on a private socket and
# runs `xs-bench ... read` (the read round trips beside the echo floor)
# against it. Figures only, never a verdict on speed.
#
# usage: bench/xenstore-profile.sh BUILD_DIR [SECONDS] [PERF_DATA]
# Needs perf (Debian linux-perf) with access to tracepoints (root, or
# kernel.perf_event_paranoid <= -1) and valgrind for the instruction
# count; prints one SKIP line for what it lacks. With PERF_DATA it also
# records the server with `perf record -g` through the read figure, for
# `perf report -i PERF_DATA`.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
build=${1:-build}
secs=${2:-2}
data=${3:-}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

start_server() {
    rm -f "$dir/sock"
    "$@" "$build/qemu-xenpv" -M "xenner_pv,xenstore-socket=$dir/sock" \
        2>"$dir/server.log" &
    pid=$!
    for _ in $(seq 400); do
        [ -S "$dir/sock" ] && return 0
        sleep 0.05
    done
    echo "xenstore-profile: the server did not start" >&2
    cat "$dir/server.log" >&2
    exit 1
}

stop_server() {
    kill "$pid"
    wait "$pid" 2>/dev/null
    pid=
}

# Runs the read figure; prints its requests.
run_reads() {
    "$build/bench/xs-bench" "$dir/sock" "$pid" "$secs" read >"$dir/bench.txt"
    awk '/^read round trips/ { gsub(/\(/, "", $6); print $6 }' \
        "$dir/bench.txt"
}

# perf stat -p over the read figure: "event count" lines in $dir/stat.
perf_over_reads() {
    local events=$1 sp n vcsw0 vcsw1

    start_server
    perf stat -x, -e "$events" -p "$pid" -o "$dir/stat.csv" &
    sp=$!
    sleep 0.2
    vcsw0=$(voluntary_switches)
    n=$(run_reads)
    vcsw1=$(voluntary_switches)
    kill -INT "$sp"
    wait "$sp"
    stop_server
    {
        awk -F, '!/^#/ && NF > 2 { print $3, $1 }' "$dir/stat.csv"
        # A server that sleeps once a request has nothing to read when
        # it has replied: another recv() first would only fail.
        echo "voluntary $((vcsw1 - vcsw0))"
    } >"$dir/stat"
    echo "$n"
}

voluntary_switches() {
    awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status"
}

per() {
    awk -v e="$1" -v n="$2" -v scale="${3:-1}" \
        '$1 == e { printf "%.2f", $2 * scale / n; f = 1 }
         END { if (!f) printf "?" }' "$dir/stat"
}

echo "xenstore profile: the server over one synchronous client's reads," \
     "$secs s a figure"
if ! command -v perf >/dev/null; then
    echo "SKIP system calls and CPU time: no perf (linux-perf)"
elif ! perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
    echo "SKIP system calls and CPU time: perf cannot read tracepoints"
else
    sc=syscalls:sys_enter_
    n=$(perf_over_reads "raw_syscalls:sys_enter,${sc}epoll_wait,${sc}recvfrom,${sc}sendto,${sc}epoll_ctl,${sc}io_uring_enter,context-switches")
    printf '%-40s %s (epoll_wait %s, recv %s, send %s, epoll_ctl %s,' \
        "system calls per request" "$(per raw_syscalls:sys_enter "$n")" \
        "$(per ${sc}epoll_wait "$n")" "$(per ${sc}recvfrom "$n")" \
        "$(per ${sc}sendto "$n")" "$(per ${sc}epoll_ctl "$n")"
    printf ' io_uring_enter %s)\n' "$(per ${sc}io_uring_enter "$n")"
    printf '%-40s %s (%s of them sleeps)\n' \
        "context switches per request" "$(per context-switches "$n")" \
        "$(per voluntary "$n")"
    # Without tracepoints, which cost time of their own.
    n=$(perf_over_reads task-clock)
    printf '%-40s %s us  (at load average %s)\n' "CPU time per request" \
        "$(per task-clock "$n" 1000)" "$(cut -d' ' -f1 /proc/loadavg)"
    # The same run's echo process and ratio, from xs-bench itself.
    awk '/^echo process CPU/ { printf "%-40s %s us\n",
                                      "echo process CPU a round trip",
                                      $(NF - 1) }
         /^read \/ floor/ { printf "%-40s %s\n",
                                  "read / floor in that run", $NF }' \
        "$dir/bench.txt"
    if [ -n "$data" ]; then
        start_server perf record -q -g -o "$data" --
        run_reads >/dev/null
        kill -INT "$pid"
        wait "$pid" 2>/dev/null
        pid=
        echo "perf record -g of the server: perf report -i $data"
    fi
fi

if ! command -v valgrind >/dev/null; then
    echo "SKIP instructions per request: no valgrind"
else
    # Counted from the loop's wait for events (epoll_wait's return
    # included) to the dispatch of the last one, start-up left out.
    start_server valgrind --tool=callgrind --collect-atstart=no \
        --toggle-collect=loop_wait --toggle-collect=run_deferred \
        --callgrind-out-file="$dir/callgrind.out"
    n=$(run_reads)
    stop_server
    ir=$(awk '/^summary:|^totals:/ { print $2; exit }' "$dir/callgrind.out")
    awk -v ir="$ir" -v n="$n" 'BEGIN { printf "%-40s %.0f  (callgrind, \
user space only)\n", "instructions per request", ir / n }'
fi
