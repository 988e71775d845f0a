#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest task for create.sh's crash step: the kernel panics, and a PV
# kernel tells Xen so (SCHEDOP_shutdown with SHUTDOWN_crash). Writes to
# /proc/sysrq-trigger are allowed whatever kernel.sysrq says.
echo "RIG crashing"
sync
echo c > /proc/sysrq-trigger
