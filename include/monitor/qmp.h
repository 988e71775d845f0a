/*
 * A QMP monitor (QEMU Machine Protocol), enough of it for libxl's
 * libxl_qmp.c: the greeting, capabilities negotiation, command dispatch
 * with QEMU's error classes and wording, and a few built-in commands.
 *
 * Two layers: a QmpSession is the protocol of one connection as a pure
 * bytes-in, bytes-out machine (the unit tests and the fuzzer drive it
 * directly); a QmpServer runs a session over a chardev, greeting each
 * new client and buffering output the chardev cannot take yet.
 *
 * Everything runs on the thread of the event loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MONITOR_QMP_H
#define MONITOR_QMP_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "chardev/char.h"
#include "util/error.h"
#include "util/event-loop.h"

/* The QEMU version we claim: libxl checks the major version. */
#define QMP_QEMU_MAJOR 7
#define QMP_QEMU_MINOR 2
#define QMP_QEMU_MICRO 0

/* A partial request larger than this is dropped with an error. */
#define QMP_INPUT_MAX (1024 * 1024)
/* Deeper nesting is refused (as QEMU's MAX_NESTING). */
#define QMP_NESTING_MAX 1024

/*
 * A command handler: fills *ret (a JsonNode the caller frees; left NULL
 * it means {}) or sets @errp (a GenericError) and returns false. @args
 * is NULL when the request had no "arguments".
 */
typedef bool QmpCommandFn(void *opaque, JsonObject *args, JsonNode **ret,
                          Error **errp);

typedef struct QmpCommand {
    const char *name;
    QmpCommandFn *fn;
    void *opaque;
} QmpCommand;

typedef struct QmpSession QmpSession;
typedef struct QmpServer QmpServer;

/*
 * A session with the built-in commands: qmp_capabilities, query-version,
 * query-commands, query-status, quit, and defaults for query-vnc
 * ({"enabled": false}) and change-vnc-password (fails, as QEMU without
 * VNC). @package is the "package" of the version ("qemu-xenpv 0.1.0"
 * when NULL). Nothing is said before qmp_session_open().
 */
QmpSession *qmp_session_new(const char *package);
void qmp_session_free(QmpSession *sess);
/*
 * Adds a command, replacing one of the same name (a built-in included;
 * replacing qmp_capabilities or quit loses their meaning).
 */
void qmp_session_add_command(QmpSession *sess, const char *name,
                             QmpCommandFn *fn, void *opaque);
/*
 * A new client: forgets pending input and output and the negotiation,
 * then queues the greeting.
 */
void qmp_session_open(QmpSession *sess);
/* The client went away: pending input and output are dropped. */
void qmp_session_close(QmpSession *sess);
/* Takes bytes from the client; replies are appended to the output. */
void qmp_session_input(QmpSession *sess, const void *buf, size_t len);
/*
 * The bytes to send, every message ending in "\r\n". The caller removes
 * what it sent (g_string_erase()).
 */
GString *qmp_session_output(QmpSession *sess);
/*
 * True once "quit" was executed: its reply is in the output and further
 * input is ignored until the next qmp_session_open().
 */
bool qmp_session_quit_requested(const QmpSession *sess);

/*
 * Serves QMP on @chr, which it uses but does not own (it must outlive the
 * server). @package as for qmp_session_new(). @quit is called for the
 * quit command once its reply was handed to the chardev (or buffered
 * when the chardev was slow); it must not free the server, but may stop
 * the event loop. Fails when @chr already has a user.
 */
QmpServer *qmp_server_new(EventLoop *loop, Chardev *chr, const char *package,
                          void (*quit)(void *opaque), void *quit_opaque,
                          Error **errp);
/* Makes one last non-blocking attempt to send pending output. */
void qmp_server_free(QmpServer *s);
/* Adds a machine-specific command (query-block, ...); see above. */
void qmp_server_add_command(QmpServer *s, const char *name, QmpCommandFn *fn,
                            void *opaque);
QmpSession *qmp_server_session(QmpServer *s);

#endif /* MONITOR_QMP_H */
