/*
 * What the block backend's tests share: one Xenner with a guest domain,
 * the backend core with xen_disk registered, a temporary directory for
 * images, and the test blkfront to reach them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUNCTIONAL_DISK_FIXTURE_H
#define TESTS_FUNCTIONAL_DISK_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_disk.h"
#include "xenner/guests/blkfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOMID 5
#define DISK_SECTORS (64u << 11)        /* 64 MiB */
#define SECTOR 512u

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    XenDiskHost *host;
    XennerGuest *guest;
    char *dir;
    GPtrArray *fronts;          /* BlkFront, freed at teardown */
    GPtrArray *conns;           /* their Conn, freed after them */
} Fixture;

void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);

/* Runs the loop until *@flag, failing the test after about 20 s. */
void pump_until(Fixture *f, const bool *flag);
void pump(Fixture *f, int rounds);

/* A sparse raw image of @bytes in the fixture's directory. */
char *make_raw(Fixture *f, const char *name, uint64_t bytes);

typedef struct Conn {
    bool connected;
    bool closed;
} Conn;

/* A BlkFrontStateFn that keeps a Conn up to date. */
void fixture_conn_state(void *opaque, BlkFront *bf, bool connected);

/*
 * Creates disk @vdev as a toolstack would and connects a blkfront; its
 * connection state stays readable through *@conn (NULL: not wanted).
 */
BlkFront *attach(Fixture *f, unsigned vdev, const char *params,
                 bool readonly, const XenDiskOpts *opts,
                 const BlkFrontConfig *cfg, Conn **conn);
char *be_key(Fixture *f, unsigned vdev, const char *key);

/* One request, waited for; returns its status. */
int16_t do_io(Fixture *f, BlkFront *bf, unsigned queue, uint8_t op,
              uint64_t sector, void *buf, uint32_t nr_sectors, bool secure);
int16_t do_raw(Fixture *f, BlkFront *bf, const BlkifRequest *req);

#endif /* TESTS_FUNCTIONAL_DISK_FIXTURE_H */
