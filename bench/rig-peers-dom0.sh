#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rig-peers-dom0.sh VMLINUZ DOMU_INITRD RUNTIME ROUNDS [OURS [perf]]: dom0 side
# of bench/rig-peers.sh, run as dom0's init by tests/xen-rig/boot.sh.
# Puts one raw image in dom0 memory and serves it, in turn, to a PV domU
# running guest/fio.sh through each block backend: upstream QEMU's qdisk,
# the kernel's blkback (over a loop device) and, given OURS, our binary
# as the device model; ROUNDS times, the order reversed every other round
# so that no backend always goes first. Each guest's RIG-FIO lines go to
# /rig-out/results.txt as "<backend> <round> <job> iops=<n> bw_kib=<n>"
# (a backend that fails leaves none and the host prints n/a), and a line
# per guest to /rig-out/guests.txt says how it ended. For our device
# model, the backend's own latency of each job goes to
# /rig-out/latency.txt as "ours <round> <job> count=<n> p50_ns=<n>
# p99_ns=<n> max_ns=<n>": the guest pauses around each job (rig.fio_pause)
# and rig-peers-lat.py resets the counters before it and reads them after
# it, over the QMP socket libxl gives libxenstat. With "perf", every
# backend's jobs are also sampled, all of dom0 with perf record -g over
# each job's span, and reported inside dom0 (whose kernel symbols the
# host lacks) as /rig-out/perf-BACKEND-ROUND-JOB.txt.
# shellcheck source=SCRIPTDIR/../tests/xen-rig/dom0-up.sh
. "$(dirname "$0")/../tests/xen-rig/dom0-up.sh"
vmlinuz=$1
ramdisk=$2
runtime=$3
rounds=$4
ours=${5:-}
profile=${6:-}
lat=$(dirname "$0")/rig-peers-lat.py
# Seconds the guest waits around each job, for rig-peers-lat.py to see
# its console line (it looks five times a second) and answer over QMP.
pause=3

# The image lives in dom0 RAM (tmpfs), so the backends and not a disk are
# what is compared. Written out in full: reads of a sparse file's holes
# would cost the backends nothing.
work=/run/rig-peers
img=$work/disk.img
mkdir -p $work
dd if=/dev/zero of=$img bs=1M count=512 2>/dev/null || finish 20
# Every xl create reads the kernel and the (large, fio's libraries) ramdisk:
# from RAM, not once per guest over 9p from the host.
{ cp "$vmlinuz" $work/vmlinuz && cp "$ramdisk" $work/domu.gz; } || finish 21
: > "$out"/results.txt
: > "$out"/latency.txt
# Xen's messages about guests (a crash, say) are off by default.
"$xbin"/xl set-parameters loglvl=all guest_loglvl=all

# Debian's /etc/xen/scripts/block hangs in this dom0, so blkback gets a
# hotplug script that does only what blkback waits for: the device's
# major:minor (hex, as stat prints it) and "connected".
cat > $work/block-loop <<'EOF'
#!/bin/sh
[ "$1" = add ] || exit 0
dev=$(xenstore-read "$XENBUS_PATH/params") || exit 1
xenstore-write "$XENBUS_PATH/physical-device" "$(stat -L -c %t:%T "$dev")" \
    "$XENBUS_PATH/physical-device-path" "$dev" \
    "$XENBUS_PATH/hotplug-status" connected
EOF
chmod +x $work/block-loop

# lat_watch BACKEND ROUND NAME: for our device model, starts
# rig-peers-lat.py on the domain's libxenstat QMP socket; it follows the
# guest's console for the whole run and ends with the device model. With
# perf, it runs for every backend and samples each job.
lat_watch() {
    lat_pid=
    sock=-
    [ "$1" = ours ] || [ "$profile" = perf ] || return 0
    domid=$("$xbin"/xl domid "$3" 2>/dev/null) || return 0
    [ "$1" != ours ] || sock=/var/run/xen/qmp-libxenstat-$domid
    python3 "$lat" "$sock" "/var/log/xen/console/guest-$3.log" "$1 $2" \
        "$out"/latency.txt ${profile:+"/tmp/perf-$1-$2-"} \
        > "$out/$1-$2.lat.log" 2>&1 &
    lat_pid=$!
}

# perf_reports TAG: the reports of that guest's jobs' samples, made once
# the guest is gone so that perf report takes no CPU from a job.
perf_reports() {
    for data in /tmp/perf-"$1"-*.data; do
        [ -e "$data" ] || continue
        job=${data#/tmp/perf-"$1"-}
        job=${job%.data}
        {
            echo "# $1 $job: all of dom0 during the job"
            perf report -i "$data" --stdio --no-children \
                --sort comm,dso,sym -g none --percent-limit 0.5 2>&1
            # Whence the busiest entries were called.
            perf report -i "$data" --stdio --no-children \
                --sort comm,sym -G --percent-limit 2 2>&1 | head -n 400
        } > "$out/perf-$1-$job.txt"
        rm -f "$data"
    done
}

# run_guest BACKEND ROUND DISK_SPEC [EXTRA_CONFIG_LINE]: one domU,
# bounded by the fio runtime plus room for boot and shutdown; logs go to
# /rig-out as BACKEND-ROUND.*.
run_guest() {
    name=rig-$1-$2
    tag=$1-$2
    cfg=$work/$tag.cfg
    cat > "$cfg" <<EOF
name = "$name"
type = "pv"
kernel = "$work/vmlinuz"
ramdisk = "$work/domu.gz"
memory = 384
vcpus = 1
extra = "console=hvc0 rig.task=fio rig.disk=xvda rig.runtime=$runtime rig.fio_pause=$pause"
disk = [ '$3' ]
on_poweroff = "destroy"
on_crash = "destroy"
${4:-}
EOF
    t0=$(date +%s)
    made=
    lat_pid=
    # Building the domain alone took over 90 s on a busy host.
    if timeout 240 "$xbin"/xl create "$cfg" > "$out/$tag.xl.log" 2>&1; then
        made=$(($(date +%s) - t0))
        lat_watch "$1" "$2" "$name"
        # Three jobs and their pauses, fio start-up, guest boot and
        # power-off.
        limit=$((made + 3 * runtime + 6 * pause + 150))
        while "$xbin"/xl domid "$name" > /dev/null 2>&1; do
            if [ $(($(date +%s) - t0)) -ge "$limit" ]; then
                echo "rig-peers: $name still running after ${limit}s" \
                    >> "$out/$tag.xl.log"
                break
            fi
            sleep 1
        done
    fi
    # A failed or killed xl create can leave a half-built domain behind.
    ! "$xbin"/xl domid "$name" > /dev/null 2>&1 ||
        "$xbin"/xl destroy "$name" >> "$out/$tag.xl.log" 2>&1
    # Gone with the device model; if not, it has nothing more to read.
    if [ -n "$lat_pid" ]; then
        kill "$lat_pid" 2>/dev/null
        wait "$lat_pid" 2>/dev/null
    fi
    [ "$profile" != perf ] || perf_reports "$tag"
    log=/var/log/xen/console/guest-$name.log
    cp "$log" "$out/$tag.console.log" 2>/dev/null
    cp "/var/log/xen/qemu-dm-$name.log" "$out/$tag.qemu-dm.log" 2>/dev/null
    # xl's own watcher of the domain logs why it shut down.
    cp "/var/log/xen/xl-$name.log" "$out/$tag.xl-watch.log" 2>/dev/null
    st=$(grep -o 'RIG-TASK-EXIT [0-9]*' "$log" 2>/dev/null | tail -n1)
    why=$(grep -o 'shut down, reason code [0-9]*' \
          "/var/log/xen/xl-$name.log" 2>/dev/null | tail -n1)
    echo "$tag: $(($(date +%s) - t0))s (xl create ${made:-failed}s)," \
         "task exit ${st#RIG-TASK-EXIT }, ${why:-no shutdown seen}" \
         >> "$out"/guests.txt
    # Jobs that printed count even if a later one failed: n/a shows the rest.
    grep -o 'RIG-FIO .*' "$log" 2>/dev/null | tr -d '\r' |
        sed "s/^RIG-FIO /$1 $2 /" >> "$out"/results.txt
}

qdisk="format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
loop=$(losetup -f --show $img) || loop=
phy="format=raw,vdev=xvda,access=rw,backendtype=phy,script=$work/block-loop,target=$loop"

# backend BACKEND ROUND: one guest on that backend.
backend() {
    case $1 in
    qemu) run_guest qemu "$2" "$qdisk" ;;
    blkback) [ -z "$loop" ] || run_guest blkback "$2" "$phy" ;;
    ours) run_guest ours "$2" "$qdisk" "device_model_override = \"$ours\"
device_model_version = \"qemu-xen\"" ;;
    esac
}
order="qemu blkback${ours:+ ours}"
reverse="${ours:+ours }blkback qemu"
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) = 1 ]; then list=$order; else list=$reverse; fi
    for b in $list; do backend "$b" "$r"; done
    r=$((r + 1))
done
[ -z "$loop" ] || losetup -d "$loop"
"$xbin"/xl dmesg > "$out"/xl-dmesg.txt 2>&1
finish 0
