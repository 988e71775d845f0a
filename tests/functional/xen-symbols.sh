#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# xen-symbols.sh BINARY: what the shipped binary is made of.
# 1-2. No global symbol of BINARY may share a name with one the Xen
#    libraries it links export. The executable's definition would win,
#    so libxenstore's own calls, or ours to it, would land in Xenner's
#    in-process xenstore: this once crashed -M xenpv on its first
#    xenstore read on a real host.
# 3. No global of ours takes libxenstore's xs_ prefix at all, so a new
#    libxenstore function cannot start a clash either.
# 4. No object compiled from tests/ is linked in: what ships lives in
#    the product tree.
set -u
bin=${1:?usage: xen-symbols.sh BINARY}
echo "1..4"
ours=$(nm --defined-only "$bin" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort -u)
libs=$(ldd "$bin" | awk '$1 ~ /^libxen/ && $3 ~ /^\// { print $3 }')
if [ -z "$libs" ]; then
    echo "ok 1 # SKIP $bin links no Xen library"
    echo "ok 2 # SKIP"
else
    echo "ok 1 links $(echo $libs | wc -w) Xen libraries"
    theirs=$(nm -D --defined-only $libs |
             awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' | sort -u)
    clash=$(comm -12 <(echo "$theirs") <(echo "$ours"))
    if [ -z "$clash" ]; then
        echo "ok 2 no symbol of ours shadows one of the Xen libraries"
    else
        echo "not ok 2 symbols that shadow the Xen libraries': $(echo $clash)"
    fi
fi

xs=$(echo "$ours" | grep '^xs_')
if [ -z "$xs" ]; then
    echo "ok 3 no global of ours has libxenstore's xs_ prefix"
else
    echo "not ok 3 globals with libxenstore's xs_ prefix: $(echo $xs)"
fi

# The compile units' source names, from the debug info every build
# type but plain release keeps.
units=$(readelf --debug-dump=info "$bin" 2>/dev/null |
        awk '/DW_TAG_compile_unit/ { cu = 1 } cu && /DW_AT_name/ { print $NF; cu = 0 }')
if [ -z "$units" ]; then
    echo "ok 4 # SKIP $bin has no debug info to name its sources"
else
    from_tests=$(echo "$units" | grep -E '(^|/)tests/')
    if [ -z "$from_tests" ]; then
        echo "ok 4 none of $(echo "$units" | wc -l) compile units is from tests/"
    else
        echo "not ok 4 linked from tests/: $(echo $from_tests)"
    fi
fi
