#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for create.sh's signal and destroy steps: writes and reads
# xvda until the domain is taken away from under it. Each round's
# pattern differs, so that a following guest sees a disk written to the
# end of a round (verify.sh reads it whole).
echo "RIG io-running"
i=0
while :; do
    i=$((i + 1))
    dd if=/dev/urandom of=/dev/xvda bs=64k count=128 conv=fsync 2>/dev/null
    echo 3 > /proc/sys/vm/drop_caches
    dd if=/dev/xvda of=/dev/null bs=64k count=128 2>/dev/null
    [ $((i % 10)) != 1 ] || echo "RIG io-round $i"
done
