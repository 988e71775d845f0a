#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# display.sh KERNEL DOMU_INITRD DM...: dom0 init for the display scenario.
# For each DM (the word "upstream" for the device model Xen runs by
# default, /usr/libexec/xen-qemu-system-i386; the path of a device
# model for device_model_override; or keys:PATH, that device model
# started through a wrapper that drops libxl's -vnc, so that it must
# go by the vfb's keys, which then hold a password too) a Linux PV
# guest with a vfb on a VNC display N (its number among the DMs;
# libxl adds its vkbd) puts a fixed text on its fbcon tty
# (guest/display.sh); dom0 checks what libxl and the device model wrote
# in xenstore, captures the screen with a real VNC client (gvnccapture)
# as /rig-out/display-<DM#>.png, types a line and clicks with another
# (Net::VNC, vnc-input.pl) and reads on the guest's console that the line
# reached the tty and the click the pointer's evdev node; then captures
# the echoed line as display-<DM#>-typed.png, types the line that ends
# the guest's task and checks xl's logs.
# run-display.sh compares the captures of the device models. TAP goes
# to /rig-out/display.tap (no plan: run-display.sh adds its own checks),
# details to /rig-out/display.log.
# shellcheck source=SCRIPTDIR/dom0-up.sh
. "$(dirname "$0")/dom0-up.sh"
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1
domu_initrd=$2
shift 2
tap=$out/display.tap
log=$out/display.log
xl=$xbin/xl
upstream_dm=/usr/libexec/xen-qemu-system-i386
typed=rig-vnc-42
n=0
failed=0

ctx_domid=
ctx_logs=
# shellcheck source=SCRIPTDIR/dom0-checks.sh
. "$(dirname "$0")/dom0-checks.sh"
# libxl logs its failures as "libxl: error: ..." (xl's log holds the
# device model's start and libxl's QMP exchange with it).
no_libxl_error() {
    cat "$@" && ! grep -iE 'libxl: *error|error:' "$@"
}

# guest_check DESCRIPTION CMD...: check, but a guest that missed a step
# is destroyed, so that the waits after it end at once instead of
# spending the run's budget.
guest_check() {
    before=$failed
    check "$@"
    [ "$failed" = "$before" ] || $xl destroy "$name" >> $log 2>&1
}

# capture DISPLAY FILE: gvnccapture, a gtk-vnc client, writes the screen
# as PNG. It asks for a password on its terminal: vnc-password.py
# answers. (Net::VNC's vnccapture would take one as an option, but it
# swaps red and blue against a server whose pixel format has red_shift 0,
# libvncserver's default.)
capture() {
    if [ -n "$password" ]; then
        timeout 300 python3 "$here/vnc-password.py" "$password" \
            gvnccapture "127.0.0.1:$1" "$2"
    else
        timeout 300 gvnccapture -q "127.0.0.1:$1" "$2"
    fi && [ -s "$2" ]
}
refused() {
    ! timeout 300 python3 "$here/vnc-password.py" wrong \
        gvnccapture "127.0.0.1:$1" /tmp/refused.png
}

# keys_wrapper REAL: a device model that runs REAL without libxl's -vnc
# and its value, so that REAL goes by the vfb's keys.
keys_wrapper() {
    cat > /tmp/dm-keys.sh <<EOF
#!/bin/sh
skip=
for a do
    shift
    if [ -n "\$skip" ]; then
        skip=
    elif [ "\$a" = -vnc ]; then
        skip=1
    else
        set -- "\$@" "\$a"
    fi
done
exec "$1" "\$@"
EOF
    chmod +x /tmp/dm-keys.sh
}

i=0
# libxl gives a device model 60 s to start, a constant in 4.17. Under
# TCG, with another rig on the same 2 cores, upstream QEMU's first start
# (its binary and 40 libraries read over 9p, then linked) took longer
# than that in CI. Each device model is read and run once first,
# outside that clock, so the scenario measures device models and not a
# cold page cache.
warm() {
    start=$(date +%s)
    # shellcheck disable=SC2046 # a list of paths
    cat "$1" $(ldd "$1" 2>/dev/null | awk '/=> \//{print $3}') \
        > /dev/null 2>&1
    "$1" -version > /dev/null 2>&1
    echo "== warmed $1 in $(($(date +%s) - start)) s" >> $log
}
warmed=
for dm in "$@"; do
    case $dm in
    upstream) path=$upstream_dm ;;
    keys:*) path=${dm#keys:} ;;
    *) path=$dm ;;
    esac
    case " $warmed " in
    *" $path "*) ;;
    *) warm "$path"; warmed="$warmed $path" ;;
    esac
done

for dm in "$@"; do
    i=$((i + 1))
    name=d$i
    disp=$i
    port=$((5900 + disp))
    password=
    vfb="vnc=1,vnclisten=127.0.0.1,vncdisplay=$disp,vncunused=0"
    case $dm in
    upstream)
        override=
        want_dm=$(readlink -f $upstream_dm)
        ;;
    keys:*)
        want_dm=$(readlink -f "${dm#keys:}")
        keys_wrapper "$want_dm"
        override="device_model_override = \"/tmp/dm-keys.sh\""
        password=rig-pw
        vfb="$vfb,vncpasswd=$password"
        ;;
    *)
        override="device_model_override = \"$dm\""
        want_dm=$(readlink -f "$dm")
        ;;
    esac
    how=
    [ -z "$password" ] ||
        how=", started without -vnc: by the vfb's keys, with a password"
    echo "# $name: device model $want_dm$how, VNC display $disp" >> $tap
    # logo.nologo: the penguin fbcon draws at boot is not the text's.
    cat > /tmp/$name.cfg <<EOF
name = "$name"
kernel = "$kernel"
ramdisk = "$domu_initrd"
extra = "console=hvc0 quiet logo.nologo rig.task=display"
memory = 256
device_model_version = "qemu-xen"
$override
vfb = [ '$vfb' ]
EOF
    ctx_domid=
    ctx_logs="/tmp/xl-create-$name.log /var/log/xen/qemu-dm-$name.log
              /var/log/xen/xl-$name.log
              /var/log/xen/console/guest-$name.log"
    # libxl's errors, its QMP exchange with the device model included,
    # go to xl create's output.
    check "$name: xl create" sh -c \
        "$xl create /tmp/$name.cfg > /tmp/xl-create-$name.log 2>&1"
    domid=$($xl domid "$name" 2>/dev/null) || domid=none
    if [ "$domid" = none ]; then
        # Nothing below can pass without the domain; its waits would
        # only spend the run's budget.
        cat /tmp/xl-create-$name.log >> $log 2>&1
        continue
    fi
    ctx_domid=$domid
    dmpid=$(xenstore-read /local/domain/$domid/image/device-model-pid \
            2>/dev/null) || dmpid=none
    check "$name: libxl runs $want_dm" \
        test "$(readlink -f /proc/$dmpid/exe)" = "$want_dm"
    echo "$name: $(tr '\0' ' ' < /proc/$dmpid/cmdline 2>&1)" >> $log
    xenstore-ls -fp /local/domain/0/backend/vfb/$domid >> $log 2>&1
    check "$name: vfb connected (backend state 4)" wait_for 300 \
        xs_is /local/domain/0/backend/vfb/$domid/0/state 4
    check "$name: vkbd connected (backend state 4)" wait_for 300 \
        xs_is /local/domain/0/backend/vkbd/$domid/0/state 4
    check "$name: console/vnc-port is $port" \
        xs_is /local/domain/$domid/console/vnc-port $port
    check "$name: console/vnc-listen is 127.0.0.1" \
        xs_is /local/domain/$domid/console/vnc-listen 127.0.0.1
    if [ -n "$password" ]; then
        check "$name: the device model was started without -vnc" sh -c \
            "! tr '\\0' '\\n' < /proc/$dmpid/cmdline | grep -qx -- -vnc"
        check "$name: libxl's change-vnc-password took (console/vnc-pass)" \
            xs_is /local/domain/$domid/console/vnc-pass $password
        check "$name: a client with a wrong password is refused" \
            refused $disp
    fi
    guest_check "$name: the guest drew its text" wait_guest 600 $name \
        'RIG display-ready'
    # The guest draws before it prints; under TCG the device model may
    # still be taking the last update in.
    sleep 5
    check "$name: gvnccapture takes the screen" capture $disp \
        $out/display-$i.png
    check "$name: Net::VNC types a line and clicks" env \
        VNC_PASSWORD="$password" timeout 300 \
        perl "$here/vnc-input.pl" 127.0.0.1 $port $typed 400 300
    guest_check "$name: the guest's tty reads the typed line" \
        wait_guest 300 $name "RIG typed $typed"
    guest_check "$name: the pointer's evdev sees BTN_LEFT pressed" \
        wait_guest 300 $name 'RIG btn-left 1'
    guest_check "$name: the pointer's evdev sees BTN_LEFT released" \
        wait_guest 300 $name 'RIG btn-left 0'
    sleep 5
    check "$name: gvnccapture takes the screen with the echoed line" \
        capture $disp $out/display-$i-typed.png
    check "$name: Net::VNC types the line that ends the task" env \
        VNC_PASSWORD="$password" timeout 300 \
        perl "$here/vnc-input.pl" 127.0.0.1 $port rig-end
    check "$name: guest ran its task" wait_guest 300 $name 'RIG-TASK-EXIT 0'
    check "$name: domain gone after power-off" wait_for 180 domain_gone $name
    check "$name: device model exited" wait_for 120 gone "$dmpid"
    check "$name: no libxl error from xl create or in xl's log" \
        no_libxl_error /tmp/xl-create-$name.log /var/log/xen/xl-$name.log
    check "$name: device model log clean" clean_log \
        /var/log/xen/qemu-dm-$name.log
done

for f in /var/log/xen/qemu-dm-*.log /var/log/xen/xl-*.log \
         /var/log/xen/console/guest-*.log /tmp/xl-create-*.log; do
    [ -e "$f" ] && cp "$f" $out/ 2>/dev/null
done
echo "$n" > $out/display.count
finish $((failed != 0))
