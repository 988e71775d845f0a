#!/usr/bin/env python3
# Hostile xenstore clients for xenstore-hostile.sh: guests that try to get
# past their permissions and quotas, clients that flood the server or
# stop reading, and what a released domain may still do.
#
# Usage: xshostile.py DOM0_SOCKET SCENARIO [ARGS...]
# A scenario exits 0 when the server held, else prints why and exits 1.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import sys

from xswire import (Conn, expect, run, XS_DIRECTORY, XS_ERROR,  # noqa: F401
                    XS_GET_PERMS, XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS,
                    XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH,
                    XS_WRITE)

XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_GET_DOMAIN_PATH = 0, 8, 9, 10


SCENARIOS = {f.__name__.replace("_", "-"): f for f in ()}

if __name__ == "__main__":
    sys.exit(run(SCENARIOS))
