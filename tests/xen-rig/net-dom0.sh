# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by attach.sh, after its disk scenarios (in the same boot, as a
# boot of its own costs minutes in CI): the network scenario. dom0 gets
# a bridge, xenbr0, with 192.168.100.1/24 and 192.168.101.1/24 (inside
# the rig only: the emulator has no NIC) and an iperf3 server. The same
# guest and task (guest/net.sh) then run with each backend in turn:
#  netback     the dom0 kernel's xen-netback, libxl's stock vif-bridge
#              script enslaving its vif to xenbr0; no device model;
#  qemu-xenpv  xen-netback unloaded, qemu-xenpv the device model and
#              the vif's backend: it makes the tap vifD.N that the same
#              vif-bridge script enslaves.
# NET_BACKENDS lists those run, in order (both by default); a backend
# may come more than once (bench/rig-net.sh alternates them, round after
# round), each run a guest of its own: n1, n2, ... in order.
# Each time: ping both ways and iperf3 both ways; for the backends in
# NET_HOTPLUG (qemu-xenpv by default), then xl network-attach /
# network-detach of a second vif the guest pings over. netback's hotplug
# is the kernel's, not ours to prove, and libxl's fixed 40 s for its
# vif-bridge script is what a loaded CI host missed most. The iperf3 figures
# go to /rig-out/net-iperf.txt ("BACKEND tx|rx BITS_PER_SECOND RUN", tx
# being guest to dom0, RUN counting that backend's runs from 1) and,
# with the ratio of each run pair, into the TAP as comments.
# NET_PROFILE, when set, is a command run as "NET_PROFILE start|stop
# BACKEND NAME" around a run's iperf3 (bench/rig-net.sh --perf).
# Uses attach.sh's kernel, domu_initrd, bin, xl, out and dom0-checks.sh.
# shellcheck shell=sh disable=SC2154 # the variables above are attach.sh's

net_runtime=10

# net_hotplug BACKEND: whether BACKEND's run does the hotplug part.
net_hotplug() {
    case " ${NET_HOTPLUG-qemu-xenpv} " in *" $1 "*) return 0 ;; esac
    return 1
}

# net_cfg NAME BACKEND [EXTRA]: the net guest, with one vif on xenbr0.
net_cfg() {
    hotplug=0
    ! net_hotplug "$2" || hotplug=1
    cat > /tmp/$1.cfg <<EOF
name = "$1"
kernel = "$kernel"
ramdisk = "$domu_initrd"
extra = "console=hvc0 quiet rig.task=net rig.runtime=$net_runtime rig.hotplug=$hotplug"
memory = 256
vif = [ 'bridge=xenbr0' ]
$3
EOF
}

# net_figure NAME tx|rx: the guest's iperf3 figure in bits per second.
net_figure() {
    console "$1" | sed -n "s/.*RIG-NET $2 bits_per_second=\([0-9]*\).*/\1/p" |
        head -n 1
}

# gbits BITS_PER_SECOND
gbits() { awk -v b="$1" 'BEGIN { printf "%.3f", b / 1e9 }'; }

# net_attach NAME BACKEND_DIR: xl network-attach, up to three times.
# libxl gives a vif's hotplug script 40 s (LIBXL_HOTPLUG_TIMEOUT, built
# into libxl; distributions that run on slow machines raise it), then
# removes the vif. Before dom0 cached the host's root (run-attach.sh),
# vif-bridge ran past it on a loaded host, with netback as with
# qemu-xenpv; cached, it took seconds, but the load is not ours to
# bound. The script is libxl's and Debian's: what is tested here is
# that the vif works once it has run.
net_attach() {
    for try in 1 2 3; do
        $xl network-attach "$1" bridge=xenbr0 && return 0
        echo "# net: $1: xl network-attach failed (try $try)" >> $tap
        wait_for 120 sh -c "! xenstore-read $2/state"
    done
    return 1
}

# net_create NAME: xl create, up to three times. The guest's vif has the
# same 40 s of hotplug as net_attach's, and a CI host running two rigs
# and the sanitizer build missed it at start-up once (xl create failed,
# libxl destroyed the domain).
net_create() {
    for try in 1 2 3; do
        $xl create /tmp/$1.cfg && return 0
        echo "# net: $1: xl create failed (try $try)" >> $tap
        wait_for 120 domain_gone "$1"
    done
    return 1
}

# net_guest NAME BACKEND RUN: one run of the guest and its checks.
net_guest() {
    name=$1
    be=$2
    run=$3
    ctx_domid=
    ctx_logs="/var/log/xen/xl-$name.log /var/log/xen/console/guest-$name.log
              /var/log/xen/xen-hotplug.log /tmp/iperf3-server.log"
    [ "$be" = netback ] || ctx_logs="$ctx_logs /var/log/xen/qemu-dm-$name.log"
    check "$name ($be): xl create" net_create "$name"
    domid=$($xl domid "$name" 2>/dev/null) || domid=none
    [ "$domid" = none ] || ctx_domid=$domid
    vbe=/local/domain/0/backend/vif/$domid
    if [ "$be" = netback ]; then
        check "$name ($be): libxl started no device model" sh -c \
            "! xenstore-read /local/domain/$domid/image/device-model-pid"
    else
        dmpid=$(xenstore-read /local/domain/$domid/image/device-model-pid \
                2>/dev/null) || dmpid=none
        check "$name ($be): libxl runs qemu-xenpv as the device model" \
            test "$(readlink -f /proc/$dmpid/exe)" = "$bin"
    fi
    check "$name ($be): vif 0 connected (backend state 4)" wait_for 300 \
        xs_is $vbe/0/state 4
    check "$name ($be): vif-bridge ran (hotplug-status connected)" \
        wait_for 120 xs_is $vbe/0/hotplug-status connected
    check "$name ($be): vif$domid.0 is $be's and a port of xenbr0" \
        wait_for 60 sh -c "test -e /sys/class/net/xenbr0/brif/vif$domid.0 &&
                           $(net_vif_is_cmd "$be" "vif$domid.0")"
    check "$name ($be): the guest pings dom0" \
        wait_guest 600 "$name" 'RIG net-ping-ok'
    check "$name ($be): dom0 pings the guest" \
        ping -c 3 -W 10 192.168.100.2
    [ -z "${NET_PROFILE:-}" ] || $NET_PROFILE start "$be" "$name"
    check "$name ($be): iperf3, guest to dom0 and back" \
        wait_guest 600 "$name" 'RIG-NET rx'
    [ -z "${NET_PROFILE:-}" ] || $NET_PROFILE stop "$be" "$name"
    tx=$(net_figure "$name" tx)
    rx=$(net_figure "$name" rx)
    echo "$be tx ${tx:-0} $run" >> $out/net-iperf.txt
    echo "$be rx ${rx:-0} $run" >> $out/net-iperf.txt
    echo "# net: $be ($name): guest to dom0 $(gbits "${tx:-0}") Gbit/s," \
         "dom0 to guest $(gbits "${rx:-0}") Gbit/s" >> $tap

    if net_hotplug "$be"; then
        net_guest_hotplug
    fi
    check "$name ($be): guest ran its task" \
        wait_guest 300 "$name" 'RIG-TASK-EXIT 0'
    check "$name ($be): domain gone after power-off" \
        wait_for 180 domain_gone "$name"
    check "$name ($be): vif$domid.0 gone from dom0" wait_for 120 \
        sh -c "! test -e /sys/class/net/vif$domid.0"
    if [ "$be" != netback ]; then
        check "$name ($be): device model exited" wait_for 120 gone "$dmpid"
        check "$name ($be): device model log clean" clean_log \
            /var/log/xen/qemu-dm-$name.log
    fi
}

# net_guest_hotplug: net_guest's second vif, attached and detached while
# the guest runs.
net_guest_hotplug() {
    check "$name ($be): the guest waits for a second vif" \
        wait_guest 300 "$name" 'RIG net-hotplug-waiting'
    check "$name ($be): xl network-attach" net_attach "$name" $vbe/1
    # Up to three attaches of 40 s of hotplug each, on a loaded host.
    check "$name ($be): vif 1 connected (backend state 4)" wait_for 300 \
        xs_is $vbe/1/state 4
    check "$name ($be): vif$domid.1 is $be's and a port of xenbr0" \
        wait_for 120 sh -c "test -e /sys/class/net/xenbr0/brif/vif$domid.1 &&
                            $(net_vif_is_cmd "$be" "vif$domid.1")"
    check "$name ($be): the guest pings dom0 over vif 1 alone" \
        wait_guest 300 "$name" 'RIG eth1-ok'
    check "$name ($be): xl network-detach" $xl network-detach "$name" 1
    check "$name ($be): vif 1's backend directory removed" wait_for 120 \
        sh -c "! xenstore-read $vbe/1/state"
    check "$name ($be): vif$domid.1 gone from dom0" wait_for 120 \
        sh -c "! test -e /sys/class/net/vif$domid.1"
    check "$name ($be): the guest sees vif 1 go" \
        wait_guest 300 "$name" 'RIG eth1-gone'
}

# net_vif_is_cmd BACKEND IFNAME: a test, for sh -c, that IFNAME is
# BACKEND's: netback's interface is a xenbus device's, qemu-xenpv's a tap
# (it has tun_flags).
net_vif_is_cmd() {
    case $1 in
    netback) echo "test -e /sys/class/net/$2/device &&" \
                  "! test -e /sys/class/net/$2/tun_flags" ;;
    *) echo "test -e /sys/class/net/$2/tun_flags" ;;
    esac
}

# ---- the bridge and the iperf3 server ------------------------------------
# shellcheck disable=SC2034 # dom0-checks.sh's
ctx_domid=
ctx_logs=
check "net: dom0 makes the bridge xenbr0" sh -c '
    ip link add xenbr0 type bridge stp_state 0 forward_delay 0 &&
    ip addr add 192.168.100.1/24 dev xenbr0 &&
    ip addr add 192.168.101.1/24 dev xenbr0 &&
    ip link set xenbr0 up'
check "net: iperf3 server in dom0" sh -c '
    iperf3 -s -D -B 192.168.100.1 -I /tmp/iperf3.pid \
        --logfile /tmp/iperf3-server.log &&
    for i in $(seq 60); do [ -s /tmp/iperf3.pid ] && exit 0; sleep 1; done
    exit 1'
: > $out/net-iperf.txt

# ---- each backend in turn -----------------------------------------------
k=0
runs_netback=0
runs_qemu=0
for be in ${NET_BACKENDS:-netback qemu-xenpv}; do
    k=$((k + 1))
    case $be in
    netback)
        runs_netback=$((runs_netback + 1))
        # After a qemu-xenpv run: dom0's modules are in the cache, beside
        # the kernel (mkinitrd.sh), not in the host's /lib/modules.
        test -e /sys/module/xen_netback ||
            check "net: modprobe xen-netback" \
                modprobe -d "${kernel%/boot/*}" xen-netback
        net_cfg n$k netback
        net_guest n$k netback $runs_netback
        ;;
    qemu-xenpv)
        runs_qemu=$((runs_qemu + 1))
        if test -e /sys/module/xen_netback; then
            check "net: rmmod xen-netback" rmmod xen-netback
            check "net: xen-netback is gone" \
                sh -c '! test -e /sys/module/xen_netback'
        fi
        # libxl starts a PV guest's device model for its qdisk: for a
        # vif alone it starts none.
        dd if=/dev/zero of=/tmp/n$k.img bs=1M count=4 2>/dev/null
        net_cfg n$k qemu-xenpv "device_model_override = \"$bin\"
device_model_version = \"qemu-xen\"
disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/tmp/n$k.img' ]"
        net_guest n$k qemu-xenpv $runs_qemu
        ;;
    esac
done
awk '{ b[$1 " " $2 " " $4] = $3; if ($4 > runs) runs = $4 }
     END {
         for (r = 1; r <= runs; r++) {
             for (d = 0; d < 2; d++) {
                 dir = d ? "rx" : "tx"
                 nb = "netback " dir " " r
                 qx = "qemu-xenpv " dir " " r
                 if (b[nb] > 0 && (qx in b)) {
                     printf "# net: qemu-xenpv/netback, %s, run %d: %.2f\n",
                         d ? "dom0 to guest" : "guest to dom0", r,
                         b[qx] / b[nb]
                 }
             }
         }
     }' $out/net-iperf.txt >> $tap
kill "$(cat /tmp/iperf3.pid 2>/dev/null)" 2>/dev/null
