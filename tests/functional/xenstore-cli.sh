#!/bin/bash
# Debian's xenstore-utils against qemu-xenpv's xenstore: the tools are
# the clients a toolstack really uses, so their exact output, exit
# status and messages are asserted, for dom0 and for an unprivileged
# guest on a -xenstore-guest-socket.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u
. "$SRCDIR/lib.sh"

G=5                             # the guest domain with the perms tests
Q=6                             # a guest that owns nothing but its home
HOME5=/local/domain/$G

tap_plan 68

if ! have_xenstore_utils; then
    skip_rest "xenstore-utils not installed"
    exit 0
fi
if ! xs_start -g "$G" -g "$Q"; then
    not_ok "qemu-xenpv starts"
    skip_rest "no server"
    exit 1
fi

# xenstore-ls -p pads with a dot leader up to the terminal width; keep
# the name, value and the perms.
strip_dots() {
    sed -E 's/[ .]+\(/ (/'
}

# out CMD...: stdout and stderr together, then the exit status, for an
# exact comparison of everything a tool run shows.
out() {
    "$@" 2>&1
    echo "exit $?"
}

# ------------------------------------------------------- read / write

check_eq "write two nodes with spaces in their values" "exit 0" \
    "$(out dom0 xenstore-write /cli/a "hello world" /cli/b "  two  spaces  ")"
check_eq "read both back, one line each" \
    "hello world
  two  spaces  " "$(dom0 xenstore-read /cli/a /cli/b)"
dom0 xenstore-write /cli/empty ""
check_eq "an empty value reads back empty" "
exit 0" "$(out dom0 xenstore-read /cli/empty)"
big=$(head -c 4000 /dev/zero | tr '\0' 'x')
dom0 xenstore-write /cli/big "$big"
check_eq "a 4000-byte value reads back intact" "$big" \
    "$(dom0 xenstore-read /cli/big)"
# The tools unescape what they write and escape what they show; -R is raw.
dom0 xenstore-write /cli/esc 'tab\there\x41'
check_eq "escapes written become bytes (read -R)" "$(printf 'tab\there')A" \
    "$(dom0 xenstore-read -R /cli/esc)"
check_eq "and read back escaped" 'tab\thereA' "$(dom0 xenstore-read /cli/esc)"
check_eq "read -p prefixes the path" "/cli/a: hello world" \
    "$(dom0 xenstore-read -p /cli/a)"
check_eq "read of a missing node: status 1 and the tool's message" \
    "xenstore-read: couldn't read path /cli/nope
exit 1" "$(out dom0 xenstore-read /cli/nope)"
check_eq "overwrite replaces the value" "new" \
    "$(dom0 xenstore-write /cli/a new && dom0 xenstore-read /cli/a)"

# ------------------------------------------------------------ ls/list

dom0 xenstore-write /cli/d/z 1 /cli/d/a/x "nested value" /cli/d/m ""
check_eq "xenstore-list names the children" "a
m
z" "$(dom0 xenstore-list /cli/d | sort)"
check_eq "xenstore-list -p gives full paths" "/cli/d/a
/cli/d/m
/cli/d/z" "$(dom0 xenstore-list -p /cli/d | sort)"
check_eq "xenstore-ls shows the subtree, indented" 'a = ""
 x = "nested value"
m = ""
z = "1"' "$(dom0 xenstore-ls /cli/d)"
check_eq "xenstore-ls -f shows full paths" '/cli/d/a = ""
/cli/d/a/x = "nested value"
/cli/d/m = ""
/cli/d/z = "1"' "$(dom0 xenstore-ls -f /cli/d)"
check_eq "xenstore-ls of a missing node fails with ENOENT" \
    "xenstore-ls: xs_directory (/cli/nope): No such file or directory
exit 1" "$(out dom0 xenstore-ls /cli/nope)"

# More children than one 4096-byte reply holds: the library falls back
# from XS_DIRECTORY (E2BIG) to XS_DIRECTORY_PART.
many=()
for i in $(seq -w 1 300); do
    many+=("/cli/many/child-with-a-long-name-$i" "$i")
done
dom0 xenstore-write "${many[@]}"
check_eq "xenstore-list of 300 children (names over 4096 bytes in all)" \
    "$(seq -w 1 300 | sed 's/^/child-with-a-long-name-/')" \
    "$(dom0 xenstore-list /cli/many | sort)"

# ------------------------------------------------------------- exists

check_eq "exists: 0 for a node" "0" "$(status dom0 xenstore-exists /cli/a)"
check_eq "exists: 1 for a missing node" "1" \
    "$(status dom0 xenstore-exists /cli/nope)"
check_eq "exists: 1 if any of several is missing" "1" \
    "$(status dom0 xenstore-exists /cli/a /cli/nope)"
check_eq "exists: 0 for an empty intermediate node" "0" \
    "$(status dom0 xenstore-exists /cli/d/a)"

# ----------------------------------------------------------------- rm

dom0 xenstore-write /rm/t/x/y 1 /rm/t/w 2 /rm/keep 3
check_eq "rm of a subtree" "exit 0" "$(out dom0 xenstore-rm /rm/t/x)"
check_eq "... removes it and its descendants" "1 1" \
    "$(status dom0 xenstore-exists /rm/t/x) \
$(status dom0 xenstore-exists /rm/t/x/y)"
check_eq "rm of a missing node under an existing parent succeeds" "exit 0" \
    "$(out dom0 xenstore-rm /rm/nope)"
check_eq "rm of a node whose parent is missing fails" \
    "xenstore-rm: could not remove path /rm/nope/deeper
exit 1" "$(out dom0 xenstore-rm /rm/nope/deeper)"
# -t: remove the node, then each parent left empty (no children, no value
# does not matter to the tool: it checks the children only).
dom0 xenstore-write /rm/tidy/a/b/c 1 /rm/tidy/other 1
dom0 xenstore-rm -t /rm/tidy/a/b/c
check_eq "rm -t removes the parents it leaves childless" '/rm/keep = "3"
/rm/t = ""
/rm/t/w = "2"
/rm/tidy = ""
/rm/tidy/other = "1"' "$(dom0 xenstore-ls -f /rm)"

# -------------------------------------------------------------- chmod

dom0 xenstore-write /perm/a 1 /perm/a/b 2 /perm/a/b/c 3 /perm/z 4
check_eq "new nodes of dom0 are n0" 'a = "1" (n0)
 b = "2" (n0)
  c = "3" (n0)
z = "4" (n0)' "$(dom0 xenstore-ls -p /perm | strip_dots)"
dom0 xenstore-chmod /perm/a n5 r6 w7 b8
check_eq "chmod sets the list; ls -p shows it on that node only" \
    'a = "1" (n5,r6,w7,b8)
 b = "2" (n0)
  c = "3" (n0)
z = "4" (n0)' "$(dom0 xenstore-ls -p /perm | strip_dots)"
dom0 xenstore-chmod -r /perm/a r3 w4
check_eq "chmod -r sets the node and every descendant" \
    '/perm/a = "1" (r3,w4)
/perm/a/b = "2" (r3,w4)
/perm/a/b/c = "3" (r3,w4)
/perm/z = "4" (n0)' "$(dom0 xenstore-ls -f -p /perm | sed -E 's/ +\(/ (/')"
dom0 xenstore-write /up/x/y/z 1
dom0 xenstore-chmod -u /up/x/y r9
check_eq "chmod -u sets the node and each ancestor up to the top" \
    'up = "" (r9)
 x = "" (r9)
  y = "" (r9)
   z = "1" (n0)' "$(dom0 xenstore-ls -p / | grep -A3 '^up ' | strip_dots)"
check_eq "chmod with a bad mode letter is refused by the tool" \
    "xenstore-chmod: Invalid permission specification: 'q'
exit 1" "$(out dom0 xenstore-chmod /perm/z q3)"
check_eq "chmod of a missing node fails" \
    "xenstore-chmod: Error occurred setting permissions on '/perm/nope': No such file or directory
exit 1" "$(out dom0 xenstore-chmod /perm/nope r1)"

# ------------------------------------------------- guest permissions

# dom0 prepares domain 5's home as a toolstack would: owned by the domain,
# then nodes it may or may not touch.
dom0 xenstore-write "$HOME5/pub" v "$HOME5/priv" s "$HOME5/ro" r \
    "$HOME5/wo" w "$HOME5/priv/open" o /shared x /secret y
dom0 xenstore-chmod -r "$HOME5" "n$G"
dom0 xenstore-chmod -r "$HOME5/priv" n0
dom0 xenstore-chmod "$HOME5/priv/open" n0 "r$G"
dom0 xenstore-chmod "$HOME5/ro" n0 "r$G"
dom0 xenstore-chmod "$HOME5/wo" n0 "w$G"
dom0 xenstore-chmod /shared n0 "r$G"

check_eq "guest reads its own node by relative path" "v" \
    "$(guest $G xenstore-read pub)"
check_eq "guest reads it by absolute path" "v" \
    "$(guest $G xenstore-read "$HOME5/pub")"
guest $G xenstore-write pub changed
check_eq "guest writes its own node (dom0 sees it)" "changed" \
    "$(dom0 xenstore-read "$HOME5/pub")"
check_eq "guest read of an n0 node refused" \
    "xenstore-read: couldn't read path priv
exit 1" "$(out guest $G xenstore-read priv)"
check_eq "guest write of an n0 node refused, value kept" \
    "xenstore-write: could not write path priv
exit 1
s" "$(out guest $G xenstore-write priv hacked; dom0 xenstore-read "$HOME5/priv")"
check_eq "guest reads an r$G node" "r" "$(guest $G xenstore-read ro)"
check_eq "guest write of an r$G node refused, value kept" \
    "xenstore-write: could not write path ro
exit 1
r" "$(out guest $G xenstore-write ro hacked; dom0 xenstore-read "$HOME5/ro")"
check_eq "guest writes a w$G node" "exit 0
written" "$(out guest $G xenstore-write wo written
            dom0 xenstore-read "$HOME5/wo")"
check_eq "guest read of a w$G node refused" "1" \
    "$(status guest $G xenstore-read wo)"
check_eq "perms are per node: r$G child of an unreadable node is read" "o" \
    "$(guest $G xenstore-read priv/open)"
check_eq "missing child of an unreadable node: EACCES, not ENOENT" \
    "xenstore-ls: xs_directory ($HOME5/priv/nochild): Permission denied
exit 1" "$(out guest $G xenstore-ls "$HOME5/priv/nochild")"
check_eq "missing child of a readable node: ENOENT" \
    "xenstore-ls: xs_directory ($HOME5/pub/nochild): No such file or directory
exit 1" "$(out guest $G xenstore-ls "$HOME5/pub/nochild")"
check_eq "guest reads an r$G node outside its home" "x" \
    "$(guest $G xenstore-read /shared)"
check_eq "guest read of dom0's /secret refused" "1" \
    "$(status guest $G xenstore-read /secret)"
check_eq "guest cannot create nodes at the top" \
    "xenstore-write: could not write path /newtop
exit 1
1" "$(out guest $G xenstore-write /newtop x
      status dom0 xenstore-exists /newtop)"
check_eq "guest cannot remove an n0 node" "1 0" \
    "$(status guest $G xenstore-rm priv) \
$(status dom0 xenstore-exists "$HOME5/priv")"
check_eq "guest listing of / refused" \
    "xenstore-ls: xs_directory (/): Permission denied
exit 1" "$(out guest $G xenstore-ls /)"
guest $G xenstore-write new/child val
guest $G xenstore-write wo/kid k
check_eq "relative paths resolve under $HOME5; created nodes are the \
guest's, with the parent's other entries" \
    "$HOME5/new = \"\" (n$G)
$HOME5/new/child = \"val\" (n$G)
$HOME5/wo/kid = \"k\" (n$G,w$G)" \
    "$(dom0 xenstore-ls -f -p "$HOME5" | grep -e /new -e /wo/ |
       sed -E 's/ +\(/ (/')"
check_eq "guest lists by relative path" "child" \
    "$(guest $G xenstore-list new)"
check_eq "guest chmod of its own node" "exit 0
pub = \"changed\" (n$G,r0)" \
    "$(out guest $G xenstore-chmod pub "n$G" r0
       dom0 xenstore-ls -p "$HOME5" | grep '^pub' | strip_dots)"
check_eq "guest may not give its node away (EPERM)" \
    "xenstore-chmod: Error occurred setting permissions on 'pub': Operation not permitted
exit 1" "$(out guest $G xenstore-chmod pub n0)"
check_eq "guest may not chmod a node it does not own" \
    "xenstore-chmod: Error occurred setting permissions on 'ro': Permission denied
exit 1" "$(out guest $G xenstore-chmod ro "n$G")"
check_eq "guest rm of its own subtree" "exit 0
1" "$(out guest $G xenstore-rm new; status dom0 xenstore-exists "$HOME5/new")"

# ------------------------------------------------------------ watches

watch_begin "$XS_TMP/w1" 4 dom0 /wt/a
dom0 xenstore-write /wt/ab 1            # a sibling sharing a prefix
dom0 xenstore-write /wt/a/b/c 1         # a descendant
dom0 xenstore-write /wt/x 1             # a sibling
dom0 xenstore-write /wt/a 2             # the node
dom0 xenstore-write /wt 3               # the parent
dom0 xenstore-write /wt/a/end 1         # the last expected
watch_end "$XS_TMP/w1"
check_eq "watch: registration event, node and descendants, not siblings \
or parent" "/wt/a
/wt/a/b/c
/wt/a
/wt/a/end
exit 0" "$(cat "$XS_TMP/w1")"

# rm of a subtree: the watch on the node, on an ancestor and on a
# descendant each see one event, for their own path or the removed one.
dom0 xenstore-write /wr/a/b/c 1 /wr/a/d 1 /wr/e 1
watch_begin "$XS_TMP/w-anc" 3 dom0 /wr
anc=$WATCH_PID
watch_begin "$XS_TMP/w-node" 3 dom0 /wr/a
node=$WATCH_PID
watch_begin "$XS_TMP/w-desc" 3 dom0 /wr/a/b/c
desc=$WATCH_PID
dom0 xenstore-rm /wr/a
# A last change each of them sees ends each watcher after its 3 events.
dom0 xenstore-write /wr/a/b/c/fin 1
watch_end "$XS_TMP/w-anc" "$anc"
watch_end "$XS_TMP/w-node" "$node"
watch_end "$XS_TMP/w-desc" "$desc"
check_eq "rm of a subtree: an ancestor's watch sees the removed node" \
    "/wr
/wr/a
/wr/a/b/c/fin
exit 0" "$(cat "$XS_TMP/w-anc")"
check_eq "rm of a subtree: the node's own watch sees it once" \
    "/wr/a
/wr/a
/wr/a/b/c/fin
exit 0" "$(cat "$XS_TMP/w-node")"
check_eq "rm of a subtree: a descendant's watch sees its own path" \
    "/wr/a/b/c
/wr/a/b/c
/wr/a/b/c/fin
exit 0" "$(cat "$XS_TMP/w-desc")"

watch_begin "$XS_TMP/w-rel" 4 "$G" rel
dom0 xenstore-write "$HOME5/rel/x" 1
dom0 xenstore-write "$HOME5/relx" 1     # sibling sharing the prefix
guest $G xenstore-write rel/y 1
guest $G xenstore-rm rel
watch_end "$XS_TMP/w-rel"
check_eq "a guest's relative watch gets relative event paths" "rel
rel/x
rel/y
rel
exit 0" "$(cat "$XS_TMP/w-rel")"

# A guest's watch on a node it cannot read gets its registration event
# but no event for changes it may not see (xenstored checks read perms).
dom0 xenstore-write "$HOME5/hidden/x" 1 "$HOME5/hidden/ok" 1
dom0 xenstore-chmod -r "$HOME5/hidden" n0
dom0 xenstore-chmod "$HOME5/hidden/ok" n0 "r$G"
watch_begin "$XS_TMP/w-hid" 2 "$G" hidden
dom0 xenstore-write "$HOME5/hidden/x" 2
dom0 xenstore-write "$HOME5/hidden/ok" 2
watch_end "$XS_TMP/w-hid"
check_eq "a guest's watch skips events for nodes it cannot read" "hidden
hidden/ok
exit 0" "$(cat "$XS_TMP/w-hid")"

# xenstored lets an event through when the watcher can read the node OR
# its parent (so that a backend sees its frontend's nodes go away), and
# for a perms change when it could read the node before the change.
dom0 xenstore-write "$HOME5/vis/secret" 1 "$HOME5/lose/x" 1
dom0 xenstore-chmod -r "$HOME5/vis" n0 "r$G"
dom0 xenstore-chmod "$HOME5/vis/secret" n0
watch_begin "$XS_TMP/w-par" 100 "$G" vis
dom0 xenstore-write "$HOME5/vis/secret" 2
dom0 xenstore-rm "$HOME5/vis/secret"
dom0 xenstore-write "$HOME5/vis/end" 1
watch_stop_at "$XS_TMP/w-par" vis/end
check_eq "a guest's watch sees changes of an unreadable node in a readable \
parent" "vis
vis/secret
vis/secret
vis/end" "$(cat "$XS_TMP/w-par")"

dom0 xenstore-chmod -r "$HOME5/lose" n0
dom0 xenstore-chmod "$HOME5/lose/x" n0 "r$G"
watch_begin "$XS_TMP/w-lose" 100 "$G" lose/x
dom0 xenstore-chmod "$HOME5/lose/x" n0          # access taken away
dom0 xenstore-write "$HOME5/lose/x" 2           # not for the guest's eyes
dom0 xenstore-chmod "$HOME5/lose/x" n0 "r$G"    # access back
dom0 xenstore-write "$HOME5/lose/x/end" 1
watch_stop_at "$XS_TMP/w-lose" lose/x/end
check_eq "a guest's watch sees the chmod that takes its read access away" \
    "lose/x
lose/x
lose/x
lose/x/end" "$(cat "$XS_TMP/w-lose")"

# ---------------------------------------------------- xenstore-control

XC=$(xen_libexec xenstore-control)
if [ -z "$XC" ]; then
    for _ in 1 2 3 4 5 6 7; do
        skip "xenstore-control" "not installed"
    done
else
    check_eq "xenstore-control quota lists the defaults" \
        "nodes             1000
node-size         2048
watches           128
transactions      10
transaction-nodes 1024
permissions       5
outstanding       20
memory            2621440
memory-total      67108864

exit 0" "$(out dom0 "$XC" quota)"
    # Domain Q owns its home only: with a quota of 3 nodes it may make 2.
    dom0 xenstore-write "/local/domain/$Q" ""
    dom0 xenstore-chmod "/local/domain/$Q" "n$Q"
    check_eq "xenstore-control quota set nodes 3" "OK
exit 0" "$(out dom0 "$XC" quota set nodes 3)"
    check_eq "the guest is held to it: 2 more nodes, not 3" \
        "0 0 1 1" "$(status guest $Q xenstore-write q1 x) \
$(status guest $Q xenstore-write q2 x) $(status guest $Q xenstore-write q3 x) \
$(status dom0 xenstore-exists "/local/domain/$Q/q3")"
    dom0 "$XC" quota set nodes 0 >/dev/null
    check_eq "quota 0 means unlimited" "0" \
        "$(status guest $Q xenstore-write q3 x)"
    # xenstore-write writes its pairs in one transaction, whose first
    # write copies the new node and the home.
    dom0 "$XC" quota set transaction-nodes 2 >/dev/null
    check_eq "quota set transaction-nodes 2: a guest's transaction of \
three writes fails at the second and applies none" \
        "xenstore-write: could not write path t2
exit 1
1" "$(out guest $Q xenstore-write t1 1 t2 2 t3 3; \
      status dom0 xenstore-exists "/local/domain/$Q/t1")"
    dom0 "$XC" quota set transaction-nodes 1024 >/dev/null
    # As xenstored 4.17 shows a domain's usage; an unknown one is ENOENT.
    check_eq "xenstore-control quota $Q: what the domain holds" \
        "Domain $Q:
nodes           :        4
watches         :        0
transactions    :        0

exit 0
Error 2 when trying to execute command.
exit 3" "$(out dom0 "$XC" quota "$Q"; out dom0 "$XC" quota 4711)"
    check_eq "xenstore-control from a guest: error 13 (EACCES), status 3" \
        "Error 13 when trying to execute command.
exit 3" "$(out guest $Q "$XC" quota)"
fi

exit 0
