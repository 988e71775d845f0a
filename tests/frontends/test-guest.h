/*
 * In-process test guests: small PV "kernels" run on Xenner's guest-side
 * interface, started with -xenner-guest. They drive the frontends of
 * tests/frontends the way a Linux guest drives its own.
 *
 *  echo     every console's input comes back as its output
 *  demo     a banner on the primary console, then a line-echoing prompt
 *  hostile  echo, but attacks console N (attack-console=N, default 1):
 *           attack=prod      out_prod far past the ring
 *           attack=ring-ref  a ring-ref it never granted
 *           attack=port      an event channel port out of range
 *           attack=frame     a grant of a frame it does not own
 *           attack=flap      state flapping, then an honest reconnect
 *
 * Commands written by the test to the guest's data/xenner-cmd:
 * "reconnect N" (close and re-initialise console N; data/xenner-cmd-done
 * says "reconnect N" once it is connected again), "close N", "open N".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FRONTENDS_TEST_GUEST_H
#define TESTS_FRONTENDS_TEST_GUEST_H

#include "util/qemu-option.h"
#include "xenner/guest.h"

typedef struct TestGuest TestGuest;

/* What the domain builder hands the kernel (start_info). */
typedef struct TestGuestStartInfo {
    uint64_t console_gfn;
    evtchn_port_t console_port;
} TestGuestStartInfo;

/* The -xenner-guest keys a program reads, beyond the machine's own. */
extern const char *const test_guest_keys[];

bool test_guest_program_exists(const char *name);
/* A one-line list of the programs, for -help. */
const char *test_guest_program_list(void);
TestGuest *test_guest_start(XennerGuest *g, const char *program,
                            const TestGuestStartInfo *si, QemuOpts *opts,
                            Error **errp);
void test_guest_stop(TestGuest *tg);

#endif /* TESTS_FRONTENDS_TEST_GUEST_H */
