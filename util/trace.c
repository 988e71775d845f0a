/*
 * Run-time tracing: the process's GLib log writer, filtering debug
 * messages by domain.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/trace.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/*
 * Every domain with trace points, for `-trace help` and so that a
 * mistyped pattern is refused rather than silently tracing nothing.
 */
static const struct {
    const char *name;
    const char *what;
} trace_domains[] = {
    { "xen-backend", "backend core: discovery, states, keys read, failures" },
    { "xen-disk", "block backend: image, negotiation, queues" },
    { "xen-net", "net backend: netdev, negotiation, queues, carrier, rate" },
    { "xen-console", "console backend: output, ring and port" },
    { "xen-create", "-xen-create: the domain's build, its states, teardown" },
    { "xen-kbd", "keyboard backend: features, what the frontend chose" },
    { "vnc-input", "VNC keysyms without a key, keys released for a client" },
    { "xen-fb", "framebuffer backend: geometry, mapping, resizes, refresh" },
    { "blk", "disk I/O engines: fallbacks, storage daemons started" },
    { "net", "netdevs: opened, attached, offloads, peers come and gone" },
    { "chardev", "character devices opened, socket peers come and gone" },
    { "qmp", "QMP sessions, commands and the errors answered" },
    { "vnc", "VNC display: clients, console shown, libvncserver's log" },
    { "xenner-xs", "Xenner's xenstore: connections, requests refused" },
};

struct TraceConfig {
    GPtrArray *patterns;        /* GPatternSpec */
    FILE *out;                  /* stderr, or -D's file */
};

TraceConfig *trace_config_new(void)
{
    TraceConfig *tc = g_new0(TraceConfig, 1);

    tc->patterns = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_pattern_spec_free);
    tc->out = stderr;
    return tc;
}

void trace_config_free(TraceConfig *tc)
{
    if (!tc) {
        return;
    }
    g_ptr_array_free(tc->patterns, true);
    if (tc->out != stderr) {
        fclose(tc->out);
    }
    g_free(tc);
}

static bool pattern_matches_a_domain(GPatternSpec *spec)
{
    for (size_t i = 0; i < G_N_ELEMENTS(trace_domains); i++) {
        if (g_pattern_spec_match_string(spec, trace_domains[i].name)) {
            return true;
        }
    }
    return false;
}

bool trace_config_add(TraceConfig *tc, const char *arg, Error **errp)
{
    const char *pattern = g_str_has_prefix(arg, "enable=") ? arg + 7 : arg;
    GPatternSpec *spec;

    if (strchr(pattern, '=') || strchr(pattern, ',')) {
        error_setg(errp, "-trace %s: only [enable=]PATTERN is supported "
                   "(-D FILE chooses the output)", arg);
        return false;
    }
    spec = g_pattern_spec_new(pattern);
    if (!pattern_matches_a_domain(spec)) {
        g_pattern_spec_free(spec);
        error_setg(errp, "-trace %s: no such trace domain "
                   "(-trace help lists them)", arg);
        return false;
    }
    g_ptr_array_add(tc->patterns, spec);
    return true;
}

bool trace_config_set_file(TraceConfig *tc, const char *path, Error **errp)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        error_setg_errno(errp, errno, "-D %s", path);
        return false;
    }
    /* Whole lines, so that a crash or a reader sees every trace. */
    setvbuf(f, NULL, _IOLBF, 0);
    if (tc->out != stderr) {
        fclose(tc->out);
    }
    tc->out = f;
    return true;
}

bool trace_config_matches(const TraceConfig *tc, const char *domain)
{
    if (!domain) {
        return false;
    }
    for (guint i = 0; i < tc->patterns->len; i++) {
        if (g_pattern_spec_match_string(g_ptr_array_index(tc->patterns, i),
                                        domain)) {
            return true;
        }
    }
    return false;
}

static const char *field_string(const GLogField *fields, gsize n,
                                const char *key)
{
    for (gsize i = 0; i < n; i++) {
        if (!strcmp(fields[i].key, key) && fields[i].length < 0) {
            return fields[i].value;
        }
    }
    return NULL;
}

static GLogWriterOutput trace_writer(GLogLevelFlags level,
                                     const GLogField *fields, gsize n,
                                     gpointer user_data)
{
    TraceConfig *tc = user_data;
    const char *domain;
    const char *msg;
    gint64 now;

    if (!(level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))) {
        return g_log_writer_default(level, fields, n, NULL);
    }
    domain = field_string(fields, n, "GLIB_DOMAIN");
    if (!trace_config_matches(tc, domain)) {
        return G_LOG_WRITER_HANDLED;
    }
    msg = field_string(fields, n, "MESSAGE");
    now = g_get_real_time();
    /* QEMU's log line: pid@seconds.microseconds, then the event. */
    fprintf(tc->out, "%d@%" G_GINT64_FORMAT ".%06d %s: %s\n", (int)getpid(),
            now / G_USEC_PER_SEC, (int)(now % G_USEC_PER_SEC), domain,
            msg ? msg : "");
    return G_LOG_WRITER_HANDLED;
}

void trace_config_install(TraceConfig *tc)
{
    const char *env = g_getenv("G_MESSAGES_DEBUG");
    g_auto(GStrv) words = g_strsplit_set(env ? env : "", " ,", -1);

    for (char **w = words; *w; w++) {
        if (**w) {
            g_ptr_array_add(tc->patterns,
                            g_pattern_spec_new(strcmp(*w, "all") ? *w : "*"));
        }
    }
    /*
     * Past this point GLib formats a debug message for every domain once
     * anything is traced; trace_writer() picks the domains. Trace points
     * sit on the control plane only, so the cost is the formatting of
     * the few messages of domains not asked for.
     */
    g_log_set_debug_enabled(tc->patterns->len > 0);
    g_log_set_writer_func(trace_writer, tc,
                          (GDestroyNotify)trace_config_free);
}

void trace_list_domains(FILE *out)
{
    fprintf(out, "Trace domains (-trace PATTERN, G_MESSAGES_DEBUG):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(trace_domains); i++) {
        fprintf(out, "%-12s %s\n", trace_domains[i].name,
                trace_domains[i].what);
    }
}
