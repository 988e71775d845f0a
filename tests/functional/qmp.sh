#!/bin/bash
# qemu-xenpv as libxl launches a device model: its whole argument list,
# two QMP monitors on unix sockets spoken to as libxl_qmp.c does (ids,
# duplicate keys), quit, SIGHUP, signals during a wait=on wait,
# -daemonize with -pidfile, -m, and QEMU's refusals of what it does not
# do.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 35

if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

QMP1=$XS_TMP/qmp-libxl-1
QMP2=$XS_TMP/qmp-libxenstat-1
qmp() {
    timeout -k 2 30 "$PYTHON" "$SRCDIR/qmpclient.py" "$@"
}

# libxl 4.17's argv for a PV guest (xen-rig.md), but for the machine:
# -machine xenpv -xen-attach needs a Xen host, so the same devices run
# under xenner_pv with a disk guest as domain 1.
LIBXL_ARGS=(-xen-domid 1 -no-shutdown
    -chardev "socket,id=libxl-cmd,path=$QMP1,server=on,wait=off"
    -mon chardev=libxl-cmd,mode=control
    -chardev "socket,id=libxenstat-cmd,path=$QMP2,server,nowait"
    -mon chardev=libxenstat-cmd,mode=control
    -nodefaults -no-user-config -name g1 -vnc none -display none
    -nographic -m 512)

truncate -s 16M "$XS_TMP/d.raw"
args=()
# All but -xen-domid N, which belongs to -M xenpv.
for a in "${LIBXL_ARGS[@]:2}" -xenner-guest domid=1,program=disk \
         -drive "file=$XS_TMP/d.raw,if=xen" -device xen-fb,domid=1 \
         -xenner-guest domid=2,program=fb,mem=32 \
         -device xen-fb,domid=2,videoram=4; do
    args+=(-a "$a")
done

disk_done() {
    dom0 xenstore-read /local/domain/1/data/disk/51712 >/dev/null 2>&1
}
if ! xs_start "${args[@]}" || ! wait_for 30 test -S "$QMP2" ||
   ! wait_for 60 disk_done; then
    skip_rest "qemu-xenpv did not start: $(tail -n 5 "$XS_LOG")"
    exit 0
fi

out=$(qmp "$QMP1" query-version query-status query-name 2>&1)
check_eq "greeting, capabilities, query-version/status/name over QMP" \
'return {"package":"qemu-xenpv 0.1.0","qemu":{"major":7,"micro":0,"minor":2}}
return {"running":true,"singlestep":false,"status":"running"}
return {"name":"g1"}' "$out"

out=$(qmp "$QMP2" query-chardev 2>&1)
check "query-chardev lists both monitors' chardevs" \
    grep -q '"label":"libxl-cmd".*"label":"libxenstat-cmd"' <<<"$out"
tap_diag "$out"

out=$(qmp "$QMP1" query-block 2>&1)
check_eq "query-block shows the disk" \
    "return [{\"device\":\"xvda\",\"inserted\":{\"drv\":\"raw\",\"file\":\"$XS_TMP/d.raw\",\"ro\":false},\"locked\":false,\"removable\":false,\"type\":\"unknown\"}]" \
    "$out"

out=$(qmp "$QMP2" query-blockstats 2>&1)
tap_diag "$out"
check "query-blockstats counts the guest's reads, writes and flush" \
    "$PYTHON" -c '
import json, sys
s = json.loads(sys.argv[1].split(" ", 1)[1])[0]["stats"]
ok = (s["wr_operations"] > 0 and s["rd_operations"] > 0 and
      s["flush_operations"] >= 1 and s["wr_bytes"] == s["rd_bytes"])
sys.exit(0 if ok else 1)' "$out"
check "query-blockstats times each read and write: histograms, percentiles" \
    "$PYTHON" -c '
import json, sys
s = json.loads(sys.argv[1].split(" ", 1)[1])[0]["stats"]
ok = True
for op in ("rd", "wr", "flush"):
    h, x = s[op + "_latency_histogram"], s["x-latency"][op]
    n = s[op + "_operations"]
    ok = (ok and len(h["bins"]) == len(h["boundaries"]) + 1 and
          h["boundaries"] == sorted(set(h["boundaries"])) and
          sum(h["bins"]) == x["count"] and
          x["p50_ns"] <= x["p99_ns"] <= x["max_ns"] <=
          s[op + "_total_time_ns"])
    # a flush with data counts as a write too, but is timed as a flush
    ok = ok and (x["count"] == n if op != "wr" else
                 n - s["flush_operations"] <= x["count"] <= n)
sys.exit(0 if ok and s["x-latency"]["rd"]["count"] > 0 else 1)' "$out"

out=$(qmp "$QMP2" x-block-latency-reset:'{"device":"nope"}' \
      x-block-latency-reset:'{"device":"xvda"}' query-blockstats 2>&1)
check "x-block-latency-reset empties the histograms, not the counters" \
    "$PYTHON" -c '
import json, sys
lines = sys.argv[1].splitlines()
s = json.loads(lines[2].split(" ", 1)[1])[0]["stats"]
ok = (lines[0] == "error {\"class\":\"DeviceNotFound\",\"desc\":\"Device '"'"'nope'"'"' not found\"}" and
      lines[1] == "return {}" and s["rd_operations"] > 0 and
      s["x-latency"]["rd"] == {"count": 0, "p50_ns": 0, "p99_ns": 0,
                               "max_ns": 0} and
      sum(s["rd_latency_histogram"]["bins"]) == 0)
sys.exit(0 if ok else 1)' "$out"
tap_diag "$out"

out=$(qmp "$QMP1" query-vnc change-vnc-password:'{"password":"x"}' \
      query-commands 2>&1)
check "query-vnc: not enabled" grep -qx 'return {"enabled":false}' <<<"$out"
check "change-vnc-password fails as QEMU without VNC" \
    grep -q '^error {"class":"GenericError","desc":"Could not set password"}' \
    <<<"$out"
check "query-commands lists the machine's commands" \
    grep -q '"name":"query-blockstats"' <<<"$out"

# The disk guest has no framebuffer frontend: its vfb has no surface.
# (tests/functional/test-xen-fb.c takes screendumps at every depth.)
out=$(qmp "$QMP1" screendump:"{\"filename\":\"$XS_TMP/s.ppm\",\"device\":\"xenfb1.0\"}" \
      screendump:"{\"filename\":\"$XS_TMP/s.ppm\",\"device\":\"vga\"}" \
      screendump:"{\"filename\":\"$XS_TMP/s\",\"format\":\"jpeg\"}" \
      screendump:"{\"filename\":\"$XS_TMP/s\",\"head\":1}" \
      screendump:'{}' 2>&1)
check_eq "screendump's arguments and errors are QEMU's" \
'error {"class":"GenericError","desc":"no surface"}
error {"class":"DeviceNotFound","desc":"Device '"'"'vga'"'"' not found"}
error {"class":"GenericError","desc":"Parameter '"'"'format'"'"' does not accept value '"'"'jpeg'"'"'"}
error {"class":"GenericError","desc":"'"'"'head'"'"' must be specified together with '"'"'device'"'"'"}
error {"class":"GenericError","desc":"Parameter '"'"'filename'"'"' is missing"}' "$out"

# Guest 2 draws program=fb's pattern: screendump gets it, as PPM (checked
# pixel by pixel) and as PNG (its header).
fb_done() {
    dom0 xenstore-read /local/domain/2/data/fb >/dev/null 2>&1
}
wait_for 30 fb_done
out=$(qmp "$QMP1" \
      screendump:"{\"filename\":\"$XS_TMP/g2.ppm\",\"device\":\"xenfb2.0\"}" \
      screendump:"{\"filename\":\"$XS_TMP/g2.png\",\"device\":\"xenfb2.0\",\"head\":0,\"format\":\"png\"}" \
      2>&1)
check_eq "screendump of a drawing guest is answered" 'return {}
return {}' "$out"
check "the screendump is the guest's pattern, as PPM and PNG" \
    "$PYTHON" -c '
import struct, sys
ppm = open(sys.argv[1], "rb").read()
head = b"P6\n800 600\n255\n"
ok = ppm.startswith(head) and len(ppm) == len(head) + 800 * 600 * 3
px = ppm[len(head):]
for y in range(0, 600, 7):
    for x in range(0, 800, 3):
        i = 3 * (y * 800 + x)
        ok = ok and px[i:i + 3] == bytes([x & 255, y & 255, (x ^ y) & 255])
png = open(sys.argv[2], "rb").read()
ok = ok and png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
ok = ok and struct.unpack(">II", png[16:24]) == (800, 600)
sys.exit(0 if ok else 1)' "$XS_TMP/g2.ppm" "$XS_TMP/g2.png"

# Ids come back as sent, whatever json-glib would make of them, and every
# reply is JSON to Python and to yajl, libxl's parser (qmpclient.py).
if "$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1])
import qmpclient; sys.exit(qmpclient.yajl() is None)' "$SRCDIR"; then
    tap_diag "replies are checked by yajl (libyajl) and Python's json"
else
    tap_diag "no libyajl: replies are checked by Python's json only"
fi
ids=(1e999 -1e999 1e308 18446744073709551615 9223372036854775808
     -9223372036854775809 0.1 -0 1E+2 123456789012345678901234567890
     '"a\"\\\u00e9\ud83d\ude00\u0000\/"' '{"n":[1,-0.5E-3,true,false,null],"s":{}}'
     '[]' null)
raw=()
for id in "${ids[@]}"; do
    raw+=("raw:{\"execute\":\"query-status\",\"id\":$id}")
done
out=$(qmp "$QMP1" "${raw[@]}" 2>&1)
mapfile -t lines <<<"$out"
bad=""
for i in "${!ids[@]}"; do
    want=",\"id\":${ids[i]}}"
    if [[ "${lines[i]}" != "raw {\"return\":"*"$want" ]]; then
        bad+="${ids[i]} -> ${lines[i]}"$'\n'
    fi
done
check_eq "ids come back exactly as sent, as JSON yajl reads" "" "$bad"
tap_diag "$out"
out=$(qmp "$QMP1" 'raw:{"execute":"no-such","id": [ 18446744073709551615 , 1e999 ]}' 2>&1)
check_eq "an error carries the id as sent too" \
    'raw {"error":{"class":"CommandNotFound","desc":"The command no-such has not been found"},"id":[18446744073709551615,1e999]}' \
    "$out"

# A key twice is refused at any depth, as QEMU refuses it; json-glib
# alone would keep the last and quit.
out=$(qmp "$QMP1" 'raw:{"execute":"query-status","execute":"quit","id":1}' \
      'raw:{"execute":"query-status","arguments":{"a":{"b":1,"b":2}}}' \
      query-status 2>&1)
check_eq "a duplicate key is refused, at any depth, and the session goes on" \
'raw {"error":{"class":"GenericError","desc":"JSON parse error, duplicate key"}}
raw {"error":{"class":"GenericError","desc":"JSON parse error, duplicate key"}}
return {"running":true,"singlestep":false,"status":"running"}' "$out"
check "the quit given as a duplicate key did not run" xs_alive

out=$(qmp "$QMP1" no-such-command 2>&1)
check_eq "an unknown command: CommandNotFound" \
    'error {"class":"CommandNotFound","desc":"The command no-such-command has not been found"}' \
    "$out"

check "the guest's disk check passed meanwhile" \
    grep -q '^ok ' <<<"$(dom0 xenstore-read /local/domain/1/data/disk/51712)"

out=$(qmp "$QMP1" quit 2>&1)
check_eq "quit is answered" "return {}" "$out"
wait_for 10 xs_wrapper_gone
xs_stop TERM
check_eq "quit stops qemu-xenpv with status 0" 0 "$XS_STATUS"

# libxl tears a device model down with SIGHUP.
if xs_start -a -name -a g2; then
    xs_stop HUP
    check_eq "SIGHUP stops it with status 0" 0 "$XS_STATUS"
else
    not_ok "SIGHUP stops it with status 0" "$(tail -n 5 "$XS_LOG")"
fi

# A server=on,wait=on chardev holds start-up until its first client, as
# in QEMU; SIGTERM, SIGINT and SIGHUP still stop qemu-xenpv then, as at
# any other time: status 0, its sockets and pid file gone.
wait_gone() {
    ! kill -0 "$1" 2>/dev/null
}
for sig in TERM INT HUP; do
    log=$XS_TMP/server-wait-$sig.log
    "$QEMU_XENPV" -M "xenner_pv,xenstore-socket=$XS_TMP/w.sock" \
        -chardev "socket,id=w,path=$XS_TMP/w-qmp.sock,server=on,wait=on" \
        -mon chardev=w,mode=control -pidfile "$XS_TMP/w.pid" >"$log" 2>&1 &
    wpid=$!
    bg_track "$wpid"
    wait_for 10 grep -q "QEMU waiting for connection on" "$log"
    kill -s "$sig" "$wpid"
    if ! wait_for 10 wait_gone "$wpid"; then
        kill -s KILL "$wpid"
    fi
    wait "$wpid"
    status=$?
    left=$(ls "$XS_TMP"/w.sock "$XS_TMP"/w-qmp.sock "$XS_TMP"/w.pid 2>&1 |
           grep -v 'No such file')
    check_eq "SIG$sig while a wait=on chardev waits: status 0, nothing left" \
        "0 " "$status $left"
done

# The driver-domain form: -daemonize returns once the machine is up.
pidfile=$XS_TMP/dm.pid
timeout 20 "$QEMU_XENPV" -M "xenner_pv,xenstore-socket=$XS_TMP/d.sock" \
    -nographic -daemonize -pidfile "$pidfile" -monitor /dev/null \
    -serial /dev/null -parallel /dev/null
rc=$?
pid=$(cat "$pidfile" 2>/dev/null)
check_eq "-daemonize: the parent exits 0 once it is up" 0 "$rc"
check "-daemonize: the pid file names a live process serving xenstore" \
    env XENSTORED_PATH="$XS_TMP/d.sock" xenstore-ls /
# Detached, it is nobody's child here: once it exits it may stay a
# zombie until init reaps it.
running() {
    local st

    st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st:0:1}" != Z ]
}
stopped() {
    ! running "$1" && [ ! -e "$pidfile" ]
}
if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
    wait_for 20 stopped "$pid"
fi
if [ -n "$pid" ] && ! running "$pid" && [ ! -e "$pidfile" ]; then
    ok "-daemonize: SIGTERM stops it and the pid file goes"
else
    not_ok "-daemonize: SIGTERM stops it and the pid file goes" \
        "pid ${pid:-none}: $(ps -o stat=,cmd= -p "${pid:-0}")"
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
fi

# What qemu-xenpv does not do is refused, in QEMU's words.
refused "an unknown option" "^qemu-xenpv: -bogus: invalid option$" -bogus
refused "-vnc without a display number" "no vnc port specified" -vnc foo
refused "-mon mode=readline" "only mode=control" -mon chardev=x,mode=readline

# -m as QEMU reads it: a PV guest's memory is the toolstack's, but what
# QEMU refuses is refused (issue 12: -5, 2^64 and size=-1 were taken).
refused "-m -5" \
    "^qemu-xenpv: -m -5: Parameter 'size' expects a non-negative number below 2\^64$" \
    -m -5
refused "-m 18446744073709551616" \
    "^qemu-xenpv: -m 18446744073709551616: Value '18446744073709551616' is out of range for parameter 'size'$" \
    -m 18446744073709551616
refused "-m size=-1" \
    "^qemu-xenpv: -m size=-1: Parameter 'size' expects a non-negative number below 2\^64$" \
    -m size=-1
# Past the options, -device help answers and exits 0.
bad=""
for m in 512 0 1b 1k 2M 1.5G 1.5g 0.25T 1P 15E 17592186044415 size=512 \
         512,size=256 size=512,maxmem=1G size=1G,maxmem=1G \
         size=512,slots=2,maxmem=1G 512,maxmem=536870913 maxmem=64M; do
    out=$("$QEMU_XENPV" -m "$m" -device help 2>&1) || bad+="-m $m: $out"$'\n'
done
check_eq "-m takes QEMU's sizes and suffixes" "" "$bad"
bad=""
while IFS='|' read -r m msg; do
    out=$(timeout 20 "$QEMU_XENPV" -m "$m" -device help 2>&1)
    rc=$?
    if [ "$rc" != 1 ] ||
       ! grep -qxF -- "qemu-xenpv: -m $m: $msg" <<<"$out"; then
        bad+="-m '$m': status $rc: $out"$'\n'
    fi
done <<'EOF'
|Parameter 'size' expects a non-negative number below 2^64
 512|Parameter 'size' expects a non-negative number below 2^64
512 |Parameter 'size' expects a non-negative number below 2^64
+512|Parameter 'size' expects a non-negative number below 2^64
-0|Parameter 'size' expects a non-negative number below 2^64
512MB|Parameter 'size' expects a non-negative number below 2^64
512 M|Parameter 'size' expects a non-negative number below 2^64
1.5|Parameter 'size' expects a non-negative number below 2^64
1.5B|Parameter 'size' expects a non-negative number below 2^64
.5G|Parameter 'size' expects a non-negative number below 2^64
0x100|Parameter 'size' expects a non-negative number below 2^64
1e3|Parameter 'size' expects a non-negative number below 2^64
size=|Parameter 'size' expects a non-negative number below 2^64
16E|Value '16E' is out of range for parameter 'size'
17592186044416|Value '17592186044416' is out of range for parameter 'size'
18446744073709551615|Value '18446744073709551615' is out of range for parameter 'size'
99999999999999999999999|Value '99999999999999999999999' is out of range for parameter 'size'
512,maxmem=-1|Parameter 'maxmem' expects a non-negative number below 2^64
512,maxmem=16E|Value '16E' is out of range for parameter 'maxmem'
512,foo=1|Invalid parameter 'foo'
size=512,slots=2|slots specified but no max-size
size=512,slots=-1,maxmem=1G|Parameter 'slots' expects a number no larger than 18446744073709551615
size=1G,maxmem=512M|invalid value of maxmem: maximum memory size (0x20000000) must be at least the initial memory size (0x40000000)
512,maxmem=536870912,slots=1|invalid value of maxmem: memory slots were specified but maximum memory size (0x20000000) is equal to the initial memory size (0x20000000)
EOF
check_eq "-m refuses signs, blanks, garbage and overflow in QEMU's words" \
    "" "$bad"
