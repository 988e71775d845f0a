#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task that needs no disk and does nothing but succeed: the init
# then powers the guest off (poweroff -f), which is what the scenario
# checks (the KVM rig's k1: ACPI S5 on xenner_pvh ends qemu-xenpv).
echo "RIG poweroff"
