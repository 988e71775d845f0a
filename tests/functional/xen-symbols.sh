#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# xen-symbols.sh BINARY: no global symbol of BINARY may share a name with
# one the Xen libraries it links export. The executable's definition
# would win, so libxenstore's own calls, or ours to it, would land in
# Xenner's in-process xenstore: this once crashed -M xenpv on its first
# xenstore read on a real host.
set -u
bin=${1:?usage: xen-symbols.sh BINARY}
echo "1..2"
libs=$(ldd "$bin" | awk '$1 ~ /^libxen/ && $3 ~ /^\// { print $3 }')
if [ -z "$libs" ]; then
    echo "ok 1 # SKIP $bin links no Xen library"
    echo "ok 2 # SKIP"
    exit 0
fi
echo "ok 1 links $(echo $libs | wc -w) Xen libraries"
theirs=$(nm -D --defined-only $libs | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' |
         sort -u)
ours=$(nm --defined-only "$bin" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort -u)
clash=$(comm -12 <(echo "$theirs") <(echo "$ours"))
if [ -z "$clash" ]; then
    echo "ok 2 no symbol of ours shadows one of the Xen libraries"
else
    echo "not ok 2 symbols that shadow the Xen libraries': $(echo $clash)"
    exit 1
fi
