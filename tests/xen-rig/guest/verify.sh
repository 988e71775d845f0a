#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for attach.sh scenario 3: after the last guest on this disk
# was destroyed mid-I/O, a new device model must serve all of it.
set -e
size=$(cat /sys/block/xvda/size)
dd if=/dev/xvda of=/dev/null bs=1M 2>/dev/null
dd if=/dev/zero of=/dev/xvda bs=1M count=4 conv=fsync 2>/dev/null
echo "RIG verify-ok $size sectors"
