#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-xenstore.sh [--ours PATH]... [--cache DIR] [--iters N] [--rounds N]
#                 [--dom0-vcpus N] [--logs DIR]:
# xenstore on real Xen. Boots the rig (tests/xen-rig) once and, in dom0,
# times Xen's test-xenstore as dom0 against Xen's C xenstored and against
# each --ours binary serving xenstore on a private socket in the same
# dom0 (rig-xenstore-dom0.sh does that part): the whole program with -i N
# (default 200) and each of its five transaction tests with -i N, each
# against every server in turn. Prints per round and server the time of
# the whole run and the sum over the transaction tests, each server's
# best round and the ratio C / ours,
# each test's average time as test-xenstore reports it, and, from an
# untimed run, the context switches and system calls of each server and
# of its client. Xen runs
# under TCG here, so absolute figures are meaningless; only the ratios
# within one run are. A second --ours (a build from before a change, say)
# is measured in the same boot. --logs DIR keeps the run's logs.
#
# dom0 has one vCPU unless --dom0-vcpus says otherwise: with two, each
# request wakes the other vCPU, which under TCG is a host thread woken
# on a host that may be busy, and the figures measured that: a run of
# test-xenstore -i 200 against C xenstored took 493 s on a host with
# three rigs running (12.6 s on an idle one). With one, client and
# server take turns on it, as they do on a dom0 vCPU of a real host.
set -eu
usage="usage: rig-xenstore.sh [--ours PATH]... [--cache DIR] [--iters N] [--rounds N] [--dom0-vcpus N] [--logs DIR]"
ours=()
cache=/var/cache/qemu-xenpv-rig
iters=200
rounds=3
vcpus=1
logs=
while [ $# -gt 0 ]; do
    case $1 in
    --ours) ours+=("$(realpath "${2:?$usage}")"); shift 2 ;;
    --cache) cache=${2:?$usage}; shift 2 ;;
    --iters) iters=${2:?$usage}; shift 2 ;;
    --rounds) rounds=${2:?$usage}; shift 2 ;;
    --dom0-vcpus) vcpus=${2:?$usage}; shift 2 ;;
    --logs) logs=${2:?$usage}; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
for n in "$iters" "$rounds" "$vcpus"; do
    case $n in '' | 0 | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
done
[ "${#ours[@]}" -gt 0 ] || { echo "$usage" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "rig-xenstore.sh: needs root (the rig)" >&2; exit 2; }
for b in "${ours[@]}"; do
    [ -x "$b" ] || { echo "rig-xenstore.sh: $b is not executable" >&2; exit 2; }
done
top=$(cd "$(dirname "$0")/.." && pwd)
rig=$top/tests/xen-rig

# shellcheck source=SCRIPTDIR/../tests/xen-rig/rig-lib.sh
. "$rig/rig-lib.sh"
rig_setup "$cache"
init=$(rig_init "$top/bench/rig-xenstore-dom0.sh" "$iters" "$rounds" \
       "${ours[@]}")
# dom0 runs the same programs over and over: let it cache them. Nothing
# on the host changes during the run.
export RIG_9P_CACHE=loose
export RIG_XEN_EXTRA="dom0_max_vcpus=$vcpus"
# Boot, then per round and server six runs of up to 15 minutes each
# (dom0's own bound); a whole round took a minute or two on a busy host.
budget=$((SECONDS + 600 + rounds * (${#ours[@]} + 1) * 6 * 120))
load0=$(cut -d' ' -f1 /proc/loadavg)
rc=0
rig_boot "$init" || rc=$?
[ -z "$logs" ] || { mkdir -p "$logs" && cp -r "$out"/. "$logs"/; }
if [ "$rc" != 0 ] || [ ! -s "$out/results.txt" ]; then
    echo "rig-xenstore.sh: rig failed (boot.sh exit $rc)" >&2
    tail -n 30 "$out/diag.log" >&2 2>/dev/null || true
    tail -n 30 "$out/serial.log" >&2 2>/dev/null || true
    exit 1
fi

servers="c"
for i in "${!ours[@]}"; do servers="$servers ours$((i + 1))"; done
echo "xenstore on real Xen 4.17 under TCG: absolute figures are meaningless"
echo "here; only the ratios between servers in one run mean anything."
echo "Xen's test-xenstore as dom0, against each server in turn; \"all\": the"
echo "whole program with -i $iters, \"ta\": its five transaction tests with"
echo "-i $iters each, one process each; wall time of the processes, in ms."
echo "c: Xen's C xenstored (4.17); ours1..: qemu-xenpv on a private socket:"
for i in "${!ours[@]}"; do echo "  ours$((i + 1)) = ${ours[$i]}"; done
sed 's/^/dom0: /' "$out/dom0.txt"

# results.txt: "<server> <round> <run> ms=<n> rc=<n> ok=<n> failed=<n>".
# A round counts for a server only if every one of its tests passed.
declare -A all ta bad best_all best_ta
nbad=0
while read -r s r t ms rcw okw failw; do
    ms=${ms#ms=} rcw=${rcw#rc=} okw=${okw#ok=} failw=${failw#failed=}
    want=1
    [ "$t" != all ] || want=12
    if [ "$rcw" != 0 ] || [ "$okw" != "$want" ] || [ "$failw" != 0 ]; then
        bad[$s.$r]=1
        nbad=$((nbad + 1))
    fi
    case $t in
    all) all[$s.$r]=$ms ;;
    ta_*) ta[$s.$r]=$((${ta[$s.$r]:-0} + ms)) ;;
    esac
done < "$out/results.txt"

echo "Every round (ms):"
printf '  %-8s %6s %12s %12s\n' server round all ta
for s in $servers; do
    for r in $(seq "$rounds"); do
        [ -n "${all[$s.$r]:-}" ] || continue
        printf '  %-8s %6s %12s %12s%s\n' "$s" "$r" "${all[$s.$r]}" \
            "${ta[$s.$r]:-0}" "${bad[$s.$r]:+  (a test failed)}"
        [ -z "${bad[$s.$r]:-}" ] || continue
        [ "${all[$s.$r]}" -ge "${best_all[$s]:-999999999}" ] ||
            best_all[$s]=${all[$s.$r]}
        [ "${ta[$s.$r]:-0}" -ge "${best_ta[$s]:-999999999}" ] ||
            best_ta[$s]=${ta[$s.$r]:-0}
    done
done

echo "Each server's best round, and the ratio C / ours (above 1: ours faster):"
printf '%-8s %14s %14s\n' server "all ms" "ta ms"
for s in $servers; do
    printf '%-8s %14s %14s\n' "$s" "${best_all[$s]:-failed}" \
        "${best_ta[$s]:-failed}"
done
ratio() {
    if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then
        awk -v a="$1" -v o="$2" 'BEGIN { printf "%.2f", a / o }'
    else
        echo n/a
    fi
}
for s in $servers; do
    [ "$s" != c ] || continue
    printf '%-8s %14s %14s\n' "c/$s" \
        "$(ratio "${best_all[c]:-}" "${best_all[$s]:-}")" \
        "$(ratio "${best_ta[c]:-}" "${best_ta[$s]:-}")"
done

# Each test's own average (test-xenstore times its "run" step only), the
# best round of each server.
echo "Per test, avg ns of its timed step, best round; ratio c / each ours:"
awk -v servers="$servers" '
    / avg: / {
        s = $1; name = ""
        for (i = 3; $i != "avg:" && i <= NF; i++) name = name (name ? " " : "") $i
        sub(/ *:$/, "", name); sub(/:$/, "", name)
        v = $(i + 1)
        if (!((s, name) in best) || v < best[s, name]) best[s, name] = v
        if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    }
    END {
        ns = split(servers, sv, " ")
        printf "  %-11s", "test"
        for (j = 1; j <= ns; j++) printf " %10s", sv[j]
        for (j = 2; j <= ns; j++) printf " %9s", "c/" sv[j]
        printf "\n"
        for (k = 1; k <= n; k++) {
            printf "  %-11s", order[k]
            for (j = 1; j <= ns; j++) printf " %10s", best[sv[j], order[k]]
            for (j = 2; j <= ns; j++)
                if (best[sv[j], order[k]] > 0)
                    printf " %9.2f", best["c", order[k]] / best[sv[j], order[k]]
            printf "\n"
        }
    }' "$out/tx.txt"
sed 's/^/# context switches over one -i 20 run: /' "$out/ctxt.txt" 2>/dev/null || true
# What each server and its client asked of the kernel over one -i 20
# run: more reads than writes on the server means requests that came in
# pieces, each costing a wake-up.
for s in $servers; do
    for who in "$s" "client-$s"; do
        f=$out/strace-$who.txt
        [ -s "$f" ] || continue
        echo "# $who, syscalls over one -i 20 run (strace -c): $(awk '
            $1 ~ /^[0-9]+[.][0-9]+$/ {
                if ($NF == "total") t = $4; else l = l ", " $NF " " $4
            }
            END { print t " in all" l }' "$f")"
    done
done
[ "$nbad" = 0 ] || echo "# $nbad test run(s) failed or printed a failure: see above"
grep -h 'Exhaustive' "$out/tx.txt" | sed 's/^/# /' || true
echo "# whole run ${SECONDS}s; host load average $load0 at boot," \
     "$(cut -d' ' -f1 /proc/loadavg) at the end ($(nproc) CPUs)"
[ "$nbad" = 0 ]
