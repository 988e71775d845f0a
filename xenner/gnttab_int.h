/*
 * Xenner grant table internals that the unit tests reach into, so that a
 * guest racing with the mapper can be replayed deterministically.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GNTTAB_INT_H
#define XENNER_GNTTAB_INT_H

#include "xenner/gnttab.h"

/*
 * One attempt to claim an entry whose flags+domid word the mapper read as
 * @seen: checks @seen and, when it passes, swaps in @seen with
 * GTF_reading (and GTF_writing when @writable) added, but only if *@word
 * still holds @seen. 0 when claimed; -EPERM or -EACCES when @seen fails
 * the checks (@map adds GTF_sub_page to the refused flags); -EAGAIN when
 * the guest changed the word since it was read, which leaves it alone.
 */
int xenner_gnttab_try_set_status(uint32_t *word, uint32_t seen,
                                 uint16_t domid, bool writable, bool map);

/* The flags+domid word of an entry, as it is laid out in memory. */
uint32_t xenner_gnttab_word(uint16_t flags, uint16_t domid);

/*
 * Called with @ref between reading an entry's word and the
 * compare-and-swap that claims it: where a test plays the racing guest.
 */
typedef void XennerGntRaceHook(void *opaque, uint32_t ref);
void xenner_gnttab_set_race_hook(XennerGnttab *gt, XennerGntRaceHook *fn,
                                 void *opaque);

#endif /* XENNER_GNTTAB_INT_H */
