/*
 * A vkbd frontend for in-process test guests, as Linux's xen-kbdfront
 * is: at probe it reads the backend's feature keys (disable-keyboard,
 * disable-pointer, abs-pointer with width/height, multi-touch with its
 * size and contacts, unique-id), writes request-abs-pointer and
 * request-multi-touch for what is offered, grants its page and writes
 * page-ref, page-gref and event-channel, then Initialised; Connected
 * once the backend is in InitWait. Events are consumed as they come and
 * recorded, the backend notified after each batch.
 *
 * Hostile modes (KbdFrontConfig) and the raw page let tests misbehave
 * on purpose.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_KBDFRONT_H
#define XENNER_GUESTS_KBDFRONT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/kbdif.h>

#include "xenner/guest.h"

typedef struct KbdFront KbdFront;

typedef struct KbdFrontConfig {
    bool no_gref;           /* page-ref only, as before page-gref existed */
    bool bad_gref;          /* page-gref names a ref never granted */
    bool want_raw;          /* request-raw-pointer=1 when offered */
    bool no_abs;            /* never request-abs-pointer */
    bool paused;            /* consume nothing until kbdfront_resume() */
    const char *bad_request;/* request-abs-pointer written as this */
} KbdFrontConfig;

/* What the frontend read at probe, as xen-kbdfront does. */
typedef struct KbdFrontFeatures {
    bool with_kbd, with_ptr, abs, mtouch;
    unsigned width, height;
    unsigned mt_width, mt_height, mt_contacts;
    char *unique_id;
} KbdFrontFeatures;

typedef void KbdFrontStateFn(void *opaque, KbdFront *kf, bool connected);

KbdFront *kbdfront_new(XennerGuest *g, unsigned devid,
                       const KbdFrontConfig *cfg, KbdFrontStateFn *fn,
                       void *opaque);
void kbdfront_free(KbdFront *kf);

bool kbdfront_connected(KbdFront *kf);
const KbdFrontFeatures *kbdfront_features(KbdFront *kf);
/* Every event consumed so far, oldest first (union xenkbd_in_event). */
GArray *kbdfront_events(KbdFront *kf);
/* Starts consuming (after KbdFrontConfig.paused), as an interrupt would. */
void kbdfront_resume(KbdFront *kf);

/* For guests that misbehave on purpose. */
struct xenkbd_page *kbdfront_page(KbdFront *kf);
int kbdfront_notify(KbdFront *kf);

#endif /* XENNER_GUESTS_KBDFRONT_H */
