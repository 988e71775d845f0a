# The front door: `make run` and `make check` work on a fresh Debian
# bookworm machine; meson and ninja do the building underneath.

BUILD ?= build
SOCKET ?= $(abspath $(BUILD))/xenstored.sock
# The embedded demo guest, its primary console on this terminal.
RUN_ARGS ?= -M xenner_pv,xenstore-socket=$(SOCKET) -chardev stdio,id=con0 \
	-xenner-guest domid=1,name=demo,program=demo,console=chardev:con0

.PHONY: all deps build run check check-sanitizers check-configs bench bench-xen bench-kvm clean distclean

all: build

# What install-deps.sh fetches beyond the build's packages: the targets
# that run the rig set it, and make passes it down to their `deps`, so
# every package and the rig's Xen are in place before anything builds
# or any test starts (tests never call apt-get).
DEPS_ARGS ?=
check check-sanitizers: DEPS_ARGS = --rig
bench-xen: DEPS_ARGS = --bench

deps:
	@scripts/install-deps.sh $(DEPS_ARGS)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@echo "qemu-xenpv: the xenner_pv machine (XEN_EMULATE) with a demo guest,"
	@echo "  domain 1, whose console follows; xenstore is on $(SOCKET):"
	@echo "  inspect it from another shell: XENSTORED_PATH=$(SOCKET) xenstore-ls"
	@echo "  Ctrl-C stops it."
	$(BUILD)/qemu-xenpv $(RUN_ARGS)

check: build
	meson test -C $(BUILD) --print-errorlogs

# The same suite in a clang ASan+UBSan build whose fuzz targets use libFuzzer.
check-sanitizers: deps
	[ -f build-asan/build.ninja ] || ./configure --builddir=build-asan \
		--cc=clang --enable-sanitizers --enable-fuzzing
	ninja -C build-asan
	meson test -C build-asan --print-errorlogs

# bench/net.sh needs root (network namespaces) and prints one SKIP line
# without it.
bench: build
	bench/xenstore.sh $(BUILD)
	$(BUILD)/bench/echo-floors
	$(BUILD)/bench/backend-bench
	$(BUILD)/bench/disk-bench
	$(BUILD)/bench/vnc-bench
	bench/net.sh $(BUILD)
	bench/kvm-hcall.sh $(BUILD)

# Backends on real Xen under the rig: block (ours, QEMU's qdisk,
# blkback), then net (ours and the kernel's netback, iperf3 each way),
# then xenstore (test-xenstore against Xen's C xenstored and ours), a
# boot each. Minutes, and root; not part of `make bench`.
# Issue 16's goal holds in every round, not only the best: five of them.
BENCH_XEN_ROUNDS ?= 5
bench-xen: build
	bench/rig-peers.sh --ours $(BUILD)/qemu-xenpv --rounds $(BENCH_XEN_ROUNDS)
	bench/rig-net.sh --rounds 3 $(BUILD)/qemu-xenpv
	bench/rig-xenstore.sh --ours $(BUILD)/qemu-xenpv

# A Linux guest on xenner_pvh in the KVM rig (nested KVM under TCG): time
# to its init and fio on our disk, for information. Root; a minute or two.
bench-kvm: build
	bench/kvm-rig.sh $(BUILD)

clean:
	[ ! -f $(BUILD)/build.ninja ] || ninja -C $(BUILD) clean

distclean:
	rm -rf build build-asan build-nox build-noxenner
