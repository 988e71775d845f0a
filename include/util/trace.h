/*
 * Run-time tracing: GLib debug messages, one log domain per subsystem.
 *
 * A file that traces defines G_LOG_DOMAIN (before any include, or for a
 * whole library in meson) to its domain, lists the domain in
 * util/trace.c's table, and calls trace(). A trace point is for the
 * control plane (discovery, state changes, negotiation, failures): the
 * answer to "why is my device not connected". Never one per request.
 *
 * What is printed is chosen by `-trace PATTERN` (globs over the domains)
 * and G_MESSAGES_DEBUG, as for any GLib program; both are read in main()
 * (vl.c), which installs the process's log writer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_TRACE_H
#define UTIL_TRACE_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

/*
 * Cheap when tracing is off: GLib answers from a flag and the
 * environment, and nothing is formatted.
 */
static inline bool trace_enabled(const char *domain)
{
    return !g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, domain);
}

#define trace(fmt, ...)                                                     \
    do {                                                                    \
        if (trace_enabled(G_LOG_DOMAIN)) {                                  \
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,               \
                             "CODE_FUNC", G_STRFUNC,                        \
                             "MESSAGE", fmt, ##__VA_ARGS__);                \
        }                                                                   \
    } while (0)

/* The process's choice of what to trace, and where to. */
typedef struct TraceConfig TraceConfig;

TraceConfig *trace_config_new(void);
void trace_config_free(TraceConfig *tc);
/*
 * `-trace` arguments: "[enable=]PATTERN", a glob over the domains that
 * must match at least one of them.
 */
bool trace_config_add(TraceConfig *tc, const char *arg, Error **errp);
/* `-D`: traces go to @path (truncated) instead of stderr. */
bool trace_config_set_file(TraceConfig *tc, const char *path, Error **errp);
/*
 * Adds G_MESSAGES_DEBUG's domains ("all" is every one) and makes @tc the
 * writer of the process's log. GLib has one writer per process and
 * keeps @tc until the process exits. Warnings and errors still go to
 * GLib's default writer.
 */
void trace_config_install(TraceConfig *tc);
/* True when @domain is traced by @tc. */
bool trace_config_matches(const TraceConfig *tc, const char *domain);

/* `-trace help`: every domain, with what it traces. */
void trace_list_domains(FILE *out);

#endif /* UTIL_TRACE_H */
