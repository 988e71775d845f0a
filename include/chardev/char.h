/*
 * Character devices: the host side of consoles and channels, with QEMU's
 * -chardev syntax. A backend (the frontend of the chardev, in QEMU's
 * words) attaches handlers and pushes bytes; the chardev moves them to a
 * pty, a file, a unix socket client, stdio, a ring buffer or nowhere.
 *
 * Everything runs on the thread of the event loop; no call blocks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"
#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct Chardev Chardev;
typedef struct ChardevSet ChardevSet;

typedef enum ChardevEvent {
    CHR_EVENT_OPENED,       /* a peer connected (socket client, pty slave) */
    CHR_EVENT_CLOSED,       /* the peer went away */
} ChardevEvent;

/* How many bytes the user can take now; 0 stops input until accept_input. */
typedef size_t ChardevCanReadFn(void *opaque);
/* @len is at most what can_read returned just before. */
typedef void ChardevReadFn(void *opaque, const void *buf, size_t len);
typedef void ChardevEventFn(void *opaque, ChardevEvent event);
/* Output that was refused can now be retried (one-shot). */
typedef void ChardevWriteReadyFn(void *opaque);

/* The chardevs of one process, by id. */
ChardevSet *chardev_set_new(EventLoop *loop);
/* Frees every chardev in the set. */
void chardev_set_free(ChardevSet *set);
/*
 * Parses a -chardev argument with implied key "backend", accepting QEMU's
 * bare boolean flags as well: "server" for server=on, "nowait" for
 * wait=off (likewise for wait, append and signal).
 */
QemuOpts *chardev_opts_parse(const char *str, Error **errp);
/*
 * Creates a chardev from a -chardev argument already parsed with implied
 * key "backend" (see chardev_opts_parse()): "pty,id=x",
 * "socket,id=x,path=P,server=on,wait=off", "file,id=x,path=P",
 * "stdio,id=x", "null,id=x", "ringbuf,id=x,size=N". The one exception to
 * "no call blocks": a socket server with wait=on (QEMU's default when
 * server=on is given without wait) blocks here until a client connects.
 */
Chardev *chardev_set_add_opts(ChardevSet *set, QemuOpts *opts, Error **errp);
/*
 * Creates an anonymous chardev from QEMU's legacy one-string syntax, as
 * libxl's "output" key and -serial use: "pty", "null", "stdio",
 * "file:PATH", "unix:PATH,server[,nowait]", "ringbuf". @label names it
 * in messages; it is not registered under an id.
 */
Chardev *chardev_set_add_legacy(ChardevSet *set, const char *label,
                                const char *spec, Error **errp);
Chardev *chardev_set_find(ChardevSet *set, const char *id);
/* Calls @fn for each chardev of @set, in the order they were made. */
void chardev_set_foreach(ChardevSet *set, void (*fn)(void *opaque,
                                                     Chardev *chr),
                         void *opaque);
/*
 * Frees a chardev made by chardev_set_add_legacy() or _add_opts(). Not
 * from inside one of its own callbacks.
 */
void chardev_free(Chardev *chr);

const char *chardev_id(const Chardev *chr);
/* "pty", "socket", ... */
const char *chardev_backend_name(const Chardev *chr);
/* A pty's slave path (/dev/pts/N); NULL for other kinds. */
const char *chardev_pty_path(const Chardev *chr);
/* True while input can arrive and output is delivered (peer present). */
bool chardev_is_connected(const Chardev *chr);

/*
 * One user at a time. -EBUSY when another user holds it; NULL handlers
 * release it. A user is told by its @opaque: the holder may call again to
 * change its handlers. As in QEMU, when the chardev is already connected
 * @event gets CHR_EVENT_OPENED before this returns.
 */
int chardev_set_handlers(Chardev *chr, ChardevCanReadFn *can_read,
                         ChardevReadFn *read, ChardevEventFn *event,
                         void *opaque);
/* The user made room: input is polled again. */
void chardev_accept_input(Chardev *chr);

/*
 * Non-blocking write. Returns the bytes taken (maybe fewer than @len,
 * maybe 0 when the host side is slow), or -errno. Output with no peer
 * (a pty nobody opened, a socket with no client) is taken and dropped,
 * as QEMU does, so a guest is never stalled by an absent reader.
 */
ssize_t chardev_write(Chardev *chr, const void *buf, size_t len);
/* Calls @fn once when a write that came up short can make progress. */
void chardev_add_write_watch(Chardev *chr, ChardevWriteReadyFn *fn,
                             void *opaque);

/* ringbuf: moves up to @len of the oldest bytes into @buf. */
size_t chardev_ringbuf_read(Chardev *chr, void *buf, size_t len);

#endif /* CHARDEV_CHAR_H */
