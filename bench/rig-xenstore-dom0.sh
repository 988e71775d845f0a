#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-xenstore-dom0.sh ITERS ROUNDS OURS...: dom0 side of
# bench/rig-xenstore.sh, run as dom0's init by tests/xen-rig/boot.sh.
# Runs Xen's test-xenstore as dom0 against Xen's C xenstored (started by
# dom0-up.sh, the store the rest of dom0 uses) and against each OURS, a
# qemu-xenpv serving xenstore on a private socket in the same dom0.
# Each round runs, against each server in turn, the whole program with
# -i ITERS ("all"), then each of its five transaction tests with -i
# ITERS; the order of the servers is reversed from one run to the next,
# so that a change in the host's load falls on all of them alike rather
# than on whichever ran then. /rig-out/results.txt gets "<server>
# <round> <run> ms=<n> rc=<n> ok=<tests that printed their time>
# failed=<lines saying failed>", the run "all" or the test's name with
# "_" for spaces; /rig-out/tx.txt every line test-xenstore printed,
# prefixed with the server and round.
# shellcheck source=SCRIPTDIR/../tests/xen-rig/dom0-up.sh
. "$(dirname "$0")/../tests/xen-rig/dom0-up.sh"
iters=$1
rounds=$2
shift 2

work=/run/rig-xenstore
mkdir -p $work
# From RAM, not over 9p from the host at every start.
cp "$xbin"/test-xenstore $work/test-xenstore || finish 20
: > "$out"/results.txt
: > "$out"/tx.txt
{ echo "dom0 CPUs: $(nproc)"; uname -r; } > "$out"/dom0.txt

csock=
for s in /run/xenstored/socket /var/run/xenstored/socket; do
    [ -S "$s" ] && { csock=$s; break; }
done
[ -n "$csock" ] || { diag "no C xenstored socket"; finish 21; }

# One qemu-xenpv per OURS, each on its own socket.
servers="c"
n=0
for bin in "$@"; do
    n=$((n + 1))
    cp "$bin" $work/ours$n || finish 22
    $work/ours$n -M "xenner_pv,xenstore-socket=$work/ours$n.sock" \
        > "$out"/ours$n.log 2>&1 &
    i=0
    until XENSTORED_PATH=$work/ours$n.sock xenstore-ls / > /dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 120 ] || { diag "ours$n did not come up" 0 "$out"/ours$n.log; finish 23; }
        sleep 0.5
    done
    servers="$servers ours$n"
done
reverse=
for s in $servers; do reverse="$s $reverse"; done

sock() {
    case $1 in
    c) echo "$csock" ;;
    *) echo "$work/$1.sock" ;;
    esac
}

# timed SERVER ROUND RUN: one test-xenstore run, the whole program for
# "all", else -t RUN; the time is the whole process, start-up included,
# as a toolstack's client sees it.
timed() {
    name=$1 round=$2 test=$3
    if [ "$test" = all ]; then set --; else set -- -t "$test"; fi
    t0=$(date +%s%N)
    XENSTORED_PATH=$(sock "$name") timeout 900 $work/test-xenstore \
        "$@" -i "$iters" < /dev/null > $work/o 2>&1
    rc=$?
    t1=$(date +%s%N)
    sed "s/^/$name $round: /" $work/o >> "$out"/tx.txt
    echo "$name $round $(echo "$test" | tr ' ' _)" \
         "ms=$(((t1 - t0) / 1000000)) rc=$rc" \
         "ok=$(grep -c ' avg: ' $work/o) failed=$(grep -c failed $work/o)" \
         >> "$out"/results.txt
}

# The whole program, then its transaction tests, named by the program
# itself ("NAME  : description").
{ echo all; $work/test-xenstore -l | sed 's/ *:.*//' | grep '^ta '; } \
    > $work/tests

# A short warm-up against each, so that no server pays for first use.
for s in $servers; do
    XENSTORED_PATH=$(sock "$s") $work/test-xenstore -i 2 > /dev/null 2>&1
done

r=1
k=0
while [ "$r" -le "$rounds" ]; do
    while read -r t; do
        k=$((k + 1))
        if [ $((k % 2)) = 1 ]; then list=$servers; else list=$reverse; fi
        for s in $list; do timed "$s" "$r" "$t"; done
    done < $work/tests
    r=$((r + 1))
done

spid_of() {
    case $1 in
    c) cat /run/xenstored.pid 2>/dev/null ;;
    *) pgrep -f "xenstore-socket=$work/$1.sock" | head -n 1 ;;
    esac
}
ctxt() {
    awk -v k="$1" '$1 == k ":" { print $2 }' /proc/"$2"/status
}

# Untimed, after the rounds: the context switches of each server and of
# its client over one -i 20 run (a server woken more than once a request
# was woken for part of one).
for s in $servers; do
    pid=$(spid_of "$s")
    [ -n "$pid" ] || continue
    v0=$(ctxt voluntary_ctxt_switches "$pid")
    n0=$(ctxt nonvoluntary_ctxt_switches "$pid")
    XENSTORED_PATH=$(sock "$s") /usr/bin/time -f "%w %c" -o $work/tm \
        $work/test-xenstore -i 20 > /dev/null 2>&1
    v1=$(ctxt voluntary_ctxt_switches "$pid")
    n1=$(ctxt nonvoluntary_ctxt_switches "$pid")
    read -r cv cn < $work/tm
    echo "$s server voluntary $((v1 - v0)) involuntary $((n1 - n0));" \
         "client voluntary $cv involuntary $cn" >> "$out"/ctxt.txt
done

# Then what each server and its client ask of the kernel over one -i 20
# run (strace slows them down; the counts are what it is for).
if command -v strace > /dev/null; then
    for s in $servers; do
        pid=$(spid_of "$s")
        [ -n "$pid" ] || continue
        strace -c -f -p "$pid" -o "$out/strace-$s.txt" &
        spid=$!
        sleep 2
        XENSTORED_PATH=$(sock "$s") strace -c -f -o "$out/strace-client-$s.txt" \
            $work/test-xenstore -i 20 > /dev/null 2>&1
        kill -INT $spid
        wait $spid
    done
fi
finish 0
