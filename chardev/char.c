/*
 * The chardev core: the set of chardevs by id, -chardev options and the
 * legacy one-string syntax, and the plumbing between a user's handlers
 * and a backend.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "chardev"

#include "chardev/char.h"
#include "char-int.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "util/trace.h"

/* One read's worth of input from a file descriptor. */
#define CHARDEV_READ_CHUNK 4096

struct ChardevSet {
    EventLoop *loop;
    GHashTable *by_id;          /* id -> Chardev, those from -chardev */
    GPtrArray *all;             /* every Chardev, legacy ones included */
};

static const ChardevClass *const chardev_classes[] = {
    &chardev_pty_class,
    &chardev_socket_class,
    &chardev_file_class,
    &chardev_stdio_class,
    &chardev_null_class,
    &chardev_ringbuf_class,
};

/* Options that may be given without a value, as QEMU allows. */
static const char *const chardev_bool_keys[] = {
    "server", "wait", "append", "signal", NULL
};

ChardevSet *chardev_set_new(EventLoop *loop)
{
    ChardevSet *set = g_new0(ChardevSet, 1);

    set->loop = loop;
    set->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    set->all = g_ptr_array_new();
    return set;
}

void chardev_set_free(ChardevSet *set)
{
    if (!set) {
        return;
    }
    while (set->all->len) {
        chardev_free(g_ptr_array_index(set->all, set->all->len - 1));
    }
    g_hash_table_destroy(set->by_id);
    g_ptr_array_free(set->all, true);
    g_free(set);
}

static const ChardevClass *chardev_class_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(chardev_classes); i++) {
        if (!strcmp(chardev_classes[i]->name, name)) {
            return chardev_classes[i];
        }
    }
    return NULL;
}

static bool chardev_check_keys(const ChardevClass *cls, QemuOpts *opts,
                               Error **errp)
{
    g_autoptr(GPtrArray) allowed = g_ptr_array_new();
    bool ok;

    g_ptr_array_add(allowed, (gpointer)"backend");
    g_ptr_array_add(allowed, (gpointer)"id");
    for (const char *const *k = cls->keys; k && *k; k++) {
        g_ptr_array_add(allowed, (gpointer)*k);
    }
    g_ptr_array_add(allowed, NULL);
    ok = qemu_opts_check_keys(opts, (const char *const *)allowed->pdata,
                              cls->name, errp);
    return ok;
}

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
static bool chardev_id_valid(const char *id)
{
    if (!g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

static Chardev *chardev_new(ChardevSet *set, const ChardevClass *cls,
                            const char *label, bool registered,
                            QemuOpts *opts, Error **errp)
{
    Chardev *chr;

    if (!chardev_check_keys(cls, opts, errp)) {
        return NULL;
    }
    chr = g_malloc0(cls->instance_size);
    chr->cls = cls;
    chr->set = set;
    chr->loop = set->loop;
    chr->label = g_strdup(label);
    if (!cls->open(chr, opts, errp)) {
        g_free(chr->label);
        g_free(chr);
        return NULL;
    }
    trace("%s: opened as %s", label, cls->name);
    chr->registered = registered;
    if (registered) {
        g_hash_table_insert(set->by_id, chr->label, chr);
    }
    g_ptr_array_add(set->all, chr);
    return chr;
}

Chardev *chardev_set_add_opts(ChardevSet *set, QemuOpts *opts, Error **errp)
{
    const char *backend = qemu_opt_get(opts, "backend");
    const char *id = qemu_opt_get(opts, "id");
    const ChardevClass *cls;

    if (!backend) {
        error_setg(errp, "chardev: backend missing");
        return NULL;
    }
    if (!id) {
        error_setg(errp, "chardev: no id specified");
        return NULL;
    }
    cls = chardev_class_find(backend);
    if (!cls) {
        error_setg(errp, "'%s' is not a valid char driver name", backend);
        return NULL;
    }
    if (!chardev_id_valid(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier");
        return NULL;
    }
    if (g_hash_table_contains(set->by_id, id)) {
        error_setg(errp, "attempt to add duplicate property '%s' to object "
                   "(type 'container')", id);
        return NULL;
    }
    return chardev_new(set, cls, id, true, opts, errp);
}

static bool chardev_is_bool_key(const char *key, size_t len)
{
    for (const char *const *k = chardev_bool_keys; *k; k++) {
        if (strlen(*k) == len && !strncmp(*k, key, len)) {
            return true;
        }
    }
    return false;
}

/*
 * Spells bare flags out: "server" as "server=on", "nowait" as
 * "wait=off", leaving ",," escapes alone. The first element is the
 * implied backend and is never a flag.
 */
static char *chardev_expand_flags(const char *str)
{
    GString *out = g_string_new(NULL);
    const char *p = str;
    bool first = true;

    while (*p) {
        const char *start = p;
        bool has_eq = false;
        size_t len;

        while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',') {
                p += 2;
                continue;
            }
            has_eq |= *p == '=';
            p++;
        }
        len = p - start;
        if (!first) {
            g_string_append_c(out, ',');
        }
        g_string_append_len(out, start, len);
        if (!first && !has_eq) {
            if (chardev_is_bool_key(start, len)) {
                g_string_append(out, "=on");
            } else if (len > 2 && !strncmp(start, "no", 2) &&
                       chardev_is_bool_key(start + 2, len - 2)) {
                g_string_erase(out, out->len - len, 2);
                g_string_append(out, "=off");
            }
        }
        first = false;
        if (*p == ',') {
            p++;
        }
    }
    return g_string_free(out, false);
}

QemuOpts *chardev_opts_parse(const char *str, Error **errp)
{
    g_autofree char *expanded = chardev_expand_flags(str);

    return qemu_opts_parse(expanded, "backend", errp);
}

/* "PATH" as an option value: commas doubled. */
static void chardev_append_escaped(GString *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, s[i]);
    }
}

Chardev *chardev_set_add_legacy(ChardevSet *set, const char *label,
                                const char *spec, Error **errp)
{
    g_autoptr(GString) str = g_string_new(NULL);
    const ChardevClass *cls;
    QemuOpts *opts;
    Chardev *chr;

    if (!strcmp(spec, "pty") || !strcmp(spec, "null") ||
        !strcmp(spec, "stdio") || !strcmp(spec, "ringbuf")) {
        g_string_append(str, spec);
    } else if (g_str_has_prefix(spec, "file:")) {
        g_string_append(str, "file,path=");
        chardev_append_escaped(str, spec + 5, strlen(spec + 5));
    } else if (g_str_has_prefix(spec, "unix:")) {
        /* As in QEMU, the path ends at the first comma. */
        const char *path = spec + 5;
        const char *comma = strchr(path, ',');

        g_string_append(str, "socket,path=");
        g_string_append_len(str, path, comma ? comma - path : -1);
        if (comma) {
            g_string_append(str, comma);
        }
    } else {
        error_setg(errp, "'%s' is not a valid char driver", spec);
        return NULL;
    }
    opts = chardev_opts_parse(str->str, errp);
    if (!opts) {
        return NULL;
    }
    /* "unix:P,backend=..." may name another driver, or none we know. */
    cls = chardev_class_find(qemu_opt_get(opts, "backend"));
    if (!cls) {
        error_setg(errp, "'%s' is not a valid char driver", spec);
        qemu_opts_free(opts);
        return NULL;
    }
    if (qemu_opt_get(opts, "id")) {
        error_setg(errp, "'%s': the legacy syntax takes no id", spec);
        qemu_opts_free(opts);
        return NULL;
    }
    chr = chardev_new(set, cls, label, false, opts, errp);
    qemu_opts_free(opts);
    return chr;
}

Chardev *chardev_set_find(ChardevSet *set, const char *id)
{
    return g_hash_table_lookup(set->by_id, id);
}

static void chardev_write_ready_bh(void *opaque)
{
    chardev_be_write_ready(opaque);
}

void chardev_free(Chardev *chr)
{
    if (!chr) {
        return;
    }
    event_loop_cancel(chr->loop, chardev_write_ready_bh, chr);
    chr->cls->close(chr);
    if (chr->registered) {
        g_hash_table_remove(chr->set->by_id, chr->label);
    }
    g_ptr_array_remove_fast(chr->set->all, chr);
    g_free(chr->label);
    g_free(chr);
}

const char *chardev_id(const Chardev *chr)
{
    return chr->label;
}

void chardev_set_foreach(ChardevSet *set, void (*fn)(void *opaque,
                                                     Chardev *chr),
                         void *opaque)
{
    for (guint i = 0; i < set->all->len; i++) {
        fn(opaque, g_ptr_array_index(set->all, i));
    }
}

const char *chardev_backend_name(const Chardev *chr)
{
    return chr->cls->name;
}

bool chardev_is_connected(const Chardev *chr)
{
    return chr->connected;
}

static void chardev_update_input(Chardev *chr)
{
    if (chr->cls->update_input) {
        chr->cls->update_input(chr);
    }
}

int chardev_set_handlers(Chardev *chr, ChardevCanReadFn *can_read,
                         ChardevReadFn *read, ChardevEventFn *event,
                         void *opaque)
{
    if (!can_read && !read && !event) {
        chr->has_user = false;
        chr->can_read = NULL;
        chr->read = NULL;
        chr->event = NULL;
        chr->opaque = NULL;
        /* The watch belonged to the user that leaves. */
        chr->write_ready = NULL;
        chr->write_ready_opaque = NULL;
        event_loop_cancel(chr->loop, chardev_write_ready_bh, chr);
        chardev_update_input(chr);
        return 0;
    }
    if (chr->has_user && chr->opaque != opaque) {
        return -EBUSY;
    }
    chr->has_user = true;
    chr->can_read = can_read;
    chr->read = read;
    chr->event = event;
    chr->opaque = opaque;
    chardev_update_input(chr);
    /* Like QEMU: a user arriving at an open chardev still hears of it. */
    if (chr->connected && chr->event) {
        chr->event(chr->opaque, CHR_EVENT_OPENED);
    }
    return 0;
}

void chardev_accept_input(Chardev *chr)
{
    chardev_update_input(chr);
}

ssize_t chardev_write(Chardev *chr, const void *buf, size_t len)
{
    if (!len) {
        return 0;
    }
    return chr->cls->write(chr, buf, len);
}

void chardev_add_write_watch(Chardev *chr, ChardevWriteReadyFn *fn,
                             void *opaque)
{
    chr->write_ready = fn;
    chr->write_ready_opaque = opaque;
    if (chr->cls->watch_output && chr->cls->watch_output(chr)) {
        return;
    }
    event_loop_schedule(chr->loop, chardev_write_ready_bh, chr);
}

size_t chardev_be_can_read(Chardev *chr)
{
    if (!chr->has_user || !chr->can_read || !chr->read) {
        return 0;
    }
    return chr->can_read(chr->opaque);
}

void chardev_be_read(Chardev *chr, const void *buf, size_t len)
{
    if (chr->read && len) {
        chr->read(chr->opaque, buf, len);
    }
}

void chardev_be_set_connected(Chardev *chr, bool connected)
{
    if (chr->connected == connected) {
        return;
    }
    trace("%s: peer %s", chr->label, connected ? "connected" : "gone");
    chr->connected = connected;
    if (chr->event) {
        chr->event(chr->opaque, connected ? CHR_EVENT_OPENED
                                          : CHR_EVENT_CLOSED);
    }
}

void chardev_be_write_ready(Chardev *chr)
{
    ChardevWriteReadyFn *fn = chr->write_ready;

    if (fn) {
        chr->write_ready = NULL;
        fn(chr->write_ready_opaque);
    }
}

bool chardev_be_write_pending(const Chardev *chr)
{
    return chr->write_ready != NULL;
}

ssize_t chardev_be_read_fd(Chardev *chr, int fd)
{
    char buf[CHARDEV_READ_CHUNK];
    size_t room = chardev_be_can_read(chr);
    ssize_t n;

    if (!room) {
        return -ENOSPC;
    }
    do {
        n = read(fd, buf, MIN(room, sizeof(buf)));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
    chardev_be_read(chr, buf, n);
    return n;
}

bool chardev_opt_get_bool(QemuOpts *opts, const char *key, bool def,
                          bool *value, Error **errp)
{
    const char *str = qemu_opt_get(opts, key);

    *value = def;
    if (!str) {
        return true;
    }
    if (!strcmp(str, "on") || !strcmp(str, "yes") || !strcmp(str, "true")) {
        *value = true;
    } else if (!strcmp(str, "off") || !strcmp(str, "no") ||
               !strcmp(str, "false")) {
        *value = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

bool chardev_fd_hung_up(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = 0 };

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}
