#!/bin/bash
# Starts qemu-xenpv serving xenstore on a private socket and runs
# xs-bench against it. usage: bench/xenstore.sh BUILD_DIR [SECONDS]
set -eu
build=${1:-build}
secs=${2:-2}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

"$build/qemu-xenpv" -M "xenner_pv,xenstore-socket=$dir/sock" &
pid=$!
for _ in $(seq 100); do
    [ -S "$dir/sock" ] && break
    sleep 0.05
done
echo "xenstore: one synchronous client over a unix socket, $secs s a figure"
"$build/bench/xs-bench" "$dir/sock" "$pid" "$secs"
