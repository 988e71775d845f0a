#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task (rig.task=fio): the block benchmark of bench/rig-peers.sh.
# Direct, libaio fio jobs against the guest's disk, so what is measured is
# the frontend/backend path and not the guest's page cache; each one is
# time-bounded (rig.runtime=S, default 10). Prints one line per job for
# dom0 to pick out of the console log:
#   RIG-FIO <job> iops=<n> bw_kib=<n> clat_us=<p50>/<p99>/<max>
# the last being fio's completion latency as the guest saw it.
# With rig.fio_pause=S (default 0) it also prints RIG-FIO-START <job>
# and waits S seconds before each job, and waits S seconds after each
# result line: the quiet moments in which dom0 resets and reads the
# backend's own latency counters, one job at a time.
dev=/dev/${RIG_DISK:-xvda}
runtime=${RIG_RUNTIME:-10}
pause=${RIG_FIO_PAUSE:-0}
rc=0

# job name, rw mode, block size, queue depth
run() {
    if [ "$pause" != 0 ]; then
        echo "RIG-FIO-START $1"
        sleep "$pause"
    fi
    # Terse v3, from field 6 for reads and 47 for writes: KiB, KiB/s,
    # IOPS, runtime, slat (4), clat min, max, mean, stdev (us), then 20
    # clat percentiles as "50.000000%=<us>".
    line=$(fio --name="$1" --filename="$dev" --rw="$2" --bs="$3" \
               --iodepth="$4" --direct=1 --ioengine=libaio --numjobs=1 \
               --time_based --runtime="$runtime" \
               --output-format=terse --terse-version=3) || { rc=1; return; }
    case $2 in *write) f=47 ;; *) f=6 ;; esac
    echo "$line" | awk -F';' -v j="$1" -v f=$f '$1 == "3" {
        p50 = p99 = -1
        for (k = f + 12; k < f + 32; k++) {
            split($k, kv, "=")
            if (kv[1] == "50.000000%") p50 = kv[2]
            if (kv[1] == "99.000000%") p99 = kv[2]
        }
        printf "RIG-FIO %s iops=%d bw_kib=%d clat_us=%d/%d/%d\n", j,
            $(f + 2), $(f + 1), p50, p99, $(f + 9)
    }'
    [ "$pause" = 0 ] || sleep "$pause"
}

run randread4k randread 4k 32
run randwrite4k randwrite 4k 32
run seqread1m read 1m 8
exit $rc
