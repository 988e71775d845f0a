#!/bin/bash
# The VNC display on the binary, as libxl drives it: -vnc with to= and
# password=on, query-vnc read the way libxl reads it (host and service
# strings, through yajl), change-vnc-password then a real client's login
# (Net::VNC), set_password's answers, a unix socket, and -vnc refusals.
# Pixels, resizes and hostile clients: test-vnc.c.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

tap_plan 14

if ! have_xenstore_utils; then
    skip_rest "needs xenstore-utils"
    exit 0
fi

QMP=$XS_TMP/qmp.sock
qmp() {
    timeout -k 2 30 "$PYTHON" "$SRCDIR/qmpclient.py" "$@"
}
login() {
    timeout -k 2 30 perl -MNet::VNC -e '
        my $v = Net::VNC->new({hostname => $ARGV[0], port => $ARGV[1],
                               password => $ARGV[2]});
        eval { $v->login; 1 } or exit 1;
        exit 0' "$@"
}

# libxl's -vnc for vnclisten=127.0.0.1, vncunused=1 and a vncpasswd.
base=$((400 + $$ % 1000))
if ! xs_start -a -xenner-guest -a domid=1,program=fb,mem=32 \
        -a -device -a xen-fb,domid=1 \
        -a -vnc -a "127.0.0.1:$base,password=on,to=$((base + 600))" \
        -a -k -a en-us -a -display -a none \
        -a -chardev -a "socket,id=qmp,path=$QMP,server=on,wait=off" \
        -a -mon -a chardev=qmp,mode=control ||
   ! wait_for 10 test -S "$QMP"; then
    skip_rest "qemu-xenpv did not start: $(tail -n 5 "$XS_LOG")"
    exit 0
fi

out=$(qmp "$QMP" query-vnc 2>&1)
port=$("$PYTHON" -c 'import json, sys
r = json.loads(sys.argv[1].split(" ", 1)[1])
assert r["enabled"] is True and r["host"] == "127.0.0.1"
assert r["family"] == "ipv4" and r["auth"] == "vnc" and r["clients"] == []
assert isinstance(r["service"], str)
print(int(r["service"]))' "$out")
check "query-vnc: enabled, host and service strings, ipv4, auth vnc" \
    test -n "$port"
check "to= picked a port of the range" \
    test "${port:-0}" -ge $((5900 + base)) -a "${port:-0}" -le $((6500 + base))

check "no password set yet: a client is refused" \
    eval '! login 127.0.0.1 "$port" anything'
out=$(qmp "$QMP" 'change-vnc-password:{"password":"s3cr3t-and-more"}' 2>&1)
check_eq "change-vnc-password" "return {}" "$out"
check "the password's first 8 characters let a client in" \
    login 127.0.0.1 "$port" s3cr3t-a
check "a wrong password is refused" eval '! login 127.0.0.1 "$port" s3cr3t-b'

out=$(qmp "$QMP" \
    'set_password:{"protocol":"vnc","password":"other","connected":"keep"}' \
    'set_password:{"protocol":"vnc","password":"x","connected":"fail"}' \
    'set_password:{"protocol":"spice","password":"x"}' \
    'set_password:{"protocol":"rdp","password":"x"}' \
    'set_password:{"protocol":"vnc"}' 2>&1)
check_eq "set_password answers as QEMU's" \
'return {}
error {"class":"GenericError","desc":"Invalid parameter '"'"'connected'"'"'"}
error {"class":"DeviceNotActive","desc":"SPICE is not in use"}
error {"class":"GenericError","desc":"Parameter '"'"'protocol'"'"' does not accept value '"'"'rdp'"'"'"}
error {"class":"GenericError","desc":"Parameter '"'"'password'"'"' is missing"}' \
    "$out"
check "set_password's password lets a client in" \
    login 127.0.0.1 "$port" other

# A client connected shows in query-vnc.
exec 3<>"/dev/tcp/127.0.0.1/$port"
sleep_until_client() {
    qmp "$QMP" query-vnc 2>/dev/null | grep -q '"websocket":false'
}
check "query-vnc lists a connected client" wait_for 10 sleep_until_client
exec 3>&-

xs_stop TERM
check "stops cleanly" test "$XS_STATUS" = 0

# A unix socket: family unix, host "", service the path.
if xs_start -a -xenner-guest -a domid=1,program=fb,mem=32 \
        -a -device -a xen-fb,domid=1 \
        -a -vnc -a "unix:$XS_TMP/vnc.sock" \
        -a -chardev -a "socket,id=qmp,path=$QMP,server=on,wait=off" \
        -a -mon -a chardev=qmp,mode=control &&
   wait_for 10 test -S "$QMP"; then
    out=$(qmp "$QMP" query-vnc 2>&1)
    check_eq "query-vnc on a unix socket" \
        "return {\"auth\":\"none\",\"clients\":[],\"enabled\":true,\"family\":\"unix\",\"host\":\"\",\"service\":\"$XS_TMP/vnc.sock\"}" \
        "$out"
    xs_stop TERM
else
    not_ok "query-vnc on a unix socket" "did not start: $(tail -n 5 "$XS_LOG")"
fi

# A busy port without to= fails start-up, in QEMU's words.
timeout 60 "$PYTHON" -c 'import socket, sys, time
s = socket.socket()
for p in range(int(sys.argv[1]), 65000):
    try:
        s.bind(("127.0.0.1", p))
        break
    except OSError:
        pass
s.listen()
print(p, flush=True)
time.sleep(30)' $((7500 + $$ % 1000)) >"$XS_TMP/busy" &
bg_track $!
wait_for 10 test -s "$XS_TMP/busy"
busy=$(head -n 1 "$XS_TMP/busy")
refused "-vnc on a busy port" "Failed to bind socket: Address already in use" \
    -vnc "127.0.0.1:$((busy - 5900))"
refused "-vnc with a bad option" "Invalid parameter 'share'" \
    -vnc "127.0.0.1:0,share=ignore"
refused "-k with a layout QEMU has no keymap for" "keymap 'zz'" \
    -vnc "127.0.0.1:0,to=99" -k zz
