/*
 * Inside the chardev subsystem: the state every chardev shares, the
 * operations a backend kind provides, and the calls a backend makes back
 * into the core to reach the user.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CHARDEV_CHAR_INT_H
#define CHARDEV_CHAR_INT_H

#include "chardev/char.h"

typedef struct ChardevClass {
    const char *name;
    /* Backends embed Chardev first and allocate this much. */
    size_t instance_size;
    /* Option keys beyond "backend" and "id"; NULL-terminated. */
    const char *const *keys;
    /* Sets chr->connected when a peer is present from the start. */
    bool (*open)(Chardev *chr, QemuOpts *opts, Error **errp);
    /* Releases what open() acquired; the core frees the struct. */
    void (*close)(Chardev *chr);
    ssize_t (*write)(Chardev *chr, const void *buf, size_t len);
    /*
     * Optional: the user's handlers or its room for input changed, so
     * input polling may have to start or stop.
     */
    void (*update_input)(Chardev *chr);
    /*
     * Optional: arms a one-shot writable watch that ends in
     * chardev_be_write_ready(). Returning false means a write can make
     * progress right away (e.g. output is being dropped); the core then
     * calls the user back from a bottom half.
     */
    bool (*watch_output)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    ChardevSet *set;
    EventLoop *loop;
    /* The id, or for a legacy chardev the label it was given. */
    char *label;
    bool registered;
    bool connected;

    bool has_user;
    ChardevCanReadFn *can_read;
    ChardevReadFn *read;
    ChardevEventFn *event;
    void *opaque;

    ChardevWriteReadyFn *write_ready;
    void *write_ready_opaque;
};

extern const ChardevClass chardev_pty_class;
extern const ChardevClass chardev_socket_class;
extern const ChardevClass chardev_file_class;
extern const ChardevClass chardev_stdio_class;
extern const ChardevClass chardev_null_class;
extern const ChardevClass chardev_ringbuf_class;

/* Room the user has for input now; 0 without a user. */
size_t chardev_be_can_read(Chardev *chr);
void chardev_be_read(Chardev *chr, const void *buf, size_t len);
/* Records a peer arriving or leaving and tells the user, once per change. */
void chardev_be_set_connected(Chardev *chr, bool connected);
/* Fires and forgets the user's pending write watch, if any. */
void chardev_be_write_ready(Chardev *chr);
/* True when the user is waiting for chardev_be_write_ready(). */
bool chardev_be_write_pending(const Chardev *chr);

/*
 * Reads from @fd at most what the user can take and hands it over.
 * Returns the bytes delivered, 0 at end of file, -ENOSPC when the user
 * has no room (stop polling until chardev_accept_input), -EAGAIN when
 * nothing is there, or another -errno.
 */
ssize_t chardev_be_read_fd(Chardev *chr, int fd);

/* Parses an on/off option (also yes/no, true/false) into *value. */
bool chardev_opt_get_bool(QemuOpts *opts, const char *key, bool def,
                          bool *value, Error **errp);
/* Whether poll() reports a hang-up on @fd, without consuming input. */
bool chardev_fd_hung_up(int fd);

#endif /* CHARDEV_CHAR_INT_H */
