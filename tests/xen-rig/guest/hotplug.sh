#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for attach.sh scenario 3: waits for dom0 to xl block-attach
# xvdb, writes 2 MiB to it and reads them back past the cache, waits for
# the block-detach, then keeps I/O going on xvda until dom0 destroys the
# domain. The checksum goes to dom0, which compares it with the image.
set -e
echo "RIG hotplug-waiting"
for _ in $(seq 300); do [ -b /dev/xvdb ] && break; sleep 1; done
dd if=/dev/urandom of=/tmp/pat bs=64k count=32 2>/dev/null
dd if=/tmp/pat of=/dev/xvdb bs=64k conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
want=$(sha256sum < /tmp/pat | cut -d' ' -f1)
got=$(dd if=/dev/xvdb bs=64k count=32 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$want" = "$got" ]
echo "RIG xvdb-ok $got"
for _ in $(seq 300); do [ -b /dev/xvdb ] || break; sleep 1; done
[ ! -b /dev/xvdb ]
echo "RIG xvdb-gone"
echo "RIG io-running"
while :; do
    dd if=/dev/zero of=/dev/xvda bs=64k count=128 conv=fsync 2>/dev/null
    echo 3 > /proc/sys/vm/drop_caches
    dd if=/dev/xvda of=/dev/null bs=64k count=128 2>/dev/null
done
