#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for display.sh: the PV framebuffer and keyboard under a real
# VNC client in dom0. Puts a fixed text on the fbcon tty, the same on
# every boot, so that dom0 can compare the captures of two device
# models; then reports on the console (hvc0) the lines typed over VNC on
# that tty and the left button presses of the Xen virtual pointer, and
# ends after the second line. dom0 sends its input only after
# "RIG display-ready".
tty=/dev/tty1

# The framebuffer appears once the device model in dom0 serves the vfb:
# under load a minute or more after boot.
i=0
while [ ! -e /dev/fb0 ] && [ $i -lt 1800 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ -e /dev/fb0 ] || { echo "RIG display-no-fb0"; exit 1; }
echo "RIG fb0 $(cat /sys/class/graphics/fb0/virtual_size)" \
     "bpp $(cat /sys/class/graphics/fb0/bits_per_pixel)"

# xen-kbdfront registers its devices at probe, before evdev (a module,
# loaded by /init) attaches to them, so the node may come a moment later.
ptr=
i=0
while [ -z "$ptr" ] && [ $i -lt 600 ]; do
    for n in /sys/class/input/event*; do
        [ -e "$n/device/name" ] || continue
        [ "$(cat "$n/device/name")" = "Xen Virtual Pointer" ] &&
            ptr=/dev/input/${n##*/}
    done
    [ -n "$ptr" ] && [ -e "$ptr" ] && break
    ptr=
    sleep 0.1
    i=$((i + 1))
done
[ -n "$ptr" ] || { echo "RIG display-no-pointer"; exit 1; }
echo "RIG pointer $ptr"

# A screen that depends on nothing but this text: tty1 in front, the
# cursor neither blinking nor shown, everything cleared first.
chvt 1
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
printf '\033[?25l\033[H\033[2J' > $tty
{
    printf 'qemu-xenpv rig: the PV framebuffer on a VNC display\n\n'
    printf 'ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789\n'
    printf '!"#$%%&()*+,-./:;<=>?@[\\]^_`{|}~\n\n'
    printf '\033[31mred \033[32mgreen \033[34mblue \033[33myellow \033[0m'
    printf '\033[7m reverse \033[0m \033[1mbold\033[0m\n\n'
    printf 'type a line: '
} > $tty

# What the screen holds now, for a rig that reads the display back (the
# KVM rig's QMP screendump, tests/kvm-rig/fb-md5.py): the md5 of fb0's
# visible rows as they are in its memory. Nothing draws on tty1 again
# until dom0 types.
size=$(cat /sys/class/graphics/fb0/virtual_size)
stride=$(cat /sys/class/graphics/fb0/stride)
echo "RIG fb-md5 $size $stride" \
     "$(dd if=/dev/fb0 bs="$stride" count="${size#*,}" 2>/dev/null |
        md5sum | cut -d' ' -f1)"

# Each read on an evdev node returns whole input_events: on x86_64 a
# 16-byte timeval, then type, code (u16) and value (s32). The node is
# opened once, so no event falls between two reads.
(
    exec 3< "$ptr"
    seen=
    while :; do
        # shellcheck disable=SC2046 # twelve u16 words
        set -- $(dd bs=24 count=1 <&3 2>/dev/null | od -An -v -tu2)
        [ $# -ge 11 ] || exit 1
        # EV_KEY (1), BTN_LEFT (0x110)
        if [ "$9" = 1 ] && [ "${10}" = 272 ]; then
            echo "RIG btn-left ${11}"
            seen="$seen${11}"
            case $seen in *1*0*) exit 0 ;; esac
        fi
    done
) &
btn=$!
# A second line tells the task to end: dom0 types it once it has
# captured the first one's echo.
(
    read -r line < $tty
    echo "RIG typed $line"
    read -r line < $tty
    echo "RIG typed $line"
) &
typed=$!
echo "RIG display-ready"

# dom0 sends its keys and click once it has captured the screen; it
# bounds the whole run, so waiting here needs no limit of its own.
rc=0
wait $btn || rc=1
wait $typed || rc=1
exit $rc
