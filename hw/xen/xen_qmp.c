/*
 * QMP commands about the machine; see xen_qmp.h. The protocol itself is
 * monitor/qmp.c's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config-host.h"
#include "hw/xen/xen_qmp.h"

#include <string.h>

#include "monitor/qmp.h"
#include "util/qemu-option.h"

struct XenQmp {
    EventLoop *loop;
    ChardevSet *chardevs;
    XenDiskHost *disks;
    ConsoleList *consoles;      /* NULL: no display */
    VncDisplay *vnc;            /* NULL: no -vnc */
    char *name;
    GPtrArray *servers;         /* QmpServer */
    XenQmpPowerdownFn *powerdown;   /* NULL: the toolstack's to do */
    void *powerdown_opaque;
};

static bool qmp_query_name(void *opaque, JsonObject *args, JsonNode **ret,
                           Error **errp)
{
    XenQmp *q = opaque;
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    if (q->name) {
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, q->name);
    }
    json_builder_end_object(b);
    *ret = json_builder_get_root(b);
    return true;
}

static void add_chardev(void *opaque, Chardev *chr)
{
    JsonBuilder *b = opaque;
    const char *pty = chardev_pty_path(chr);
    g_autofree char *filename = pty ? g_strdup_printf("pty:%s", pty)
                                    : g_strdup(chardev_backend_name(chr));

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "label");
    json_builder_add_string_value(b, chardev_id(chr));
    json_builder_set_member_name(b, "filename");
    json_builder_add_string_value(b, filename);
    json_builder_set_member_name(b, "frontend-open");
    json_builder_add_boolean_value(b, chardev_is_connected(chr));
    json_builder_end_object(b);
}

static bool qmp_query_chardev(void *opaque, JsonObject *args, JsonNode **ret,
                              Error **errp)
{
    XenQmp *q = opaque;
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_array(b);
    chardev_set_foreach(q->chardevs, add_chardev, b);
    json_builder_end_array(b);
    *ret = json_builder_get_root(b);
    return true;
}

static void add_block(void *opaque, const XenDiskInfo *info)
{
    JsonBuilder *b = opaque;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "device");
    json_builder_add_string_value(b, info->device);
    json_builder_set_member_name(b, "locked");
    json_builder_add_boolean_value(b, false);
    json_builder_set_member_name(b, "removable");
    json_builder_add_boolean_value(b, info->removable);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "unknown");
    json_builder_set_member_name(b, "inserted");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "file");
    json_builder_add_string_value(b, info->filename);
    json_builder_set_member_name(b, "drv");
    json_builder_add_string_value(b, info->format);
    json_builder_set_member_name(b, "ro");
    json_builder_add_boolean_value(b, info->readonly);
    json_builder_end_object(b);
    json_builder_end_object(b);
}

static void add_stat(JsonBuilder *b, const char *name, uint64_t v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, (gint64)MIN(v, (uint64_t)G_MAXINT64));
}

/*
 * QEMU's BlockLatencyHistogramInfo: bins[i] counts the latencies in
 * [boundaries[i-1], boundaries[i]), in nanoseconds.
 */
static void add_histogram(JsonBuilder *b, const char *name, const LatHist *h)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "boundaries");
    json_builder_begin_array(b);
    for (unsigned i = 1; i < LAT_HIST_BUCKETS; i++) {
        json_builder_add_int_value(b, (gint64)lat_hist_boundary(i));
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "bins");
    json_builder_begin_array(b);
    for (unsigned i = 0; i < LAT_HIST_BUCKETS; i++) {
        json_builder_add_int_value(b, (gint64)MIN(h->bins[i],
                                                  (uint64_t)G_MAXINT64));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

/* Ours, not QEMU's: what a benchmark wants without doing the sums. */
static void add_percentiles(JsonBuilder *b, const char *name,
                            const LatHist *h)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    add_stat(b, "count", h->count);
    add_stat(b, "p50_ns", lat_hist_percentile(h, 500));
    add_stat(b, "p99_ns", lat_hist_percentile(h, 990));
    add_stat(b, "max_ns", h->max_ns);
    json_builder_end_object(b);
}

static void add_blockstats(void *opaque, const XenDiskInfo *info)
{
    JsonBuilder *b = opaque;
    const XenDiskStats *st = info->stats;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "device");
    json_builder_add_string_value(b, info->device);
    json_builder_set_member_name(b, "stats");
    json_builder_begin_object(b);
    add_stat(b, "rd_bytes", st->rd_bytes);
    add_stat(b, "wr_bytes", st->wr_bytes);
    add_stat(b, "unmap_bytes", st->unmap_bytes);
    add_stat(b, "rd_operations", st->rd_operations);
    add_stat(b, "wr_operations", st->wr_operations);
    add_stat(b, "flush_operations", st->flush_operations);
    add_stat(b, "unmap_operations", st->unmap_operations);
    /* Refused and failed requests of every kind: not QEMU's split. */
    add_stat(b, "failed_operations", st->failed_operations);
    add_stat(b, "rd_total_time_ns", st->total_time_ns[XEN_DISK_LAT_RD]);
    add_stat(b, "wr_total_time_ns", st->total_time_ns[XEN_DISK_LAT_WR]);
    add_stat(b, "flush_total_time_ns",
             st->total_time_ns[XEN_DISK_LAT_FLUSH]);
    /* Always on, with fixed boundaries: block-latency-histogram-set is not. */
    add_histogram(b, "rd_latency_histogram", &st->latency[XEN_DISK_LAT_RD]);
    add_histogram(b, "wr_latency_histogram", &st->latency[XEN_DISK_LAT_WR]);
    add_histogram(b, "flush_latency_histogram",
                  &st->latency[XEN_DISK_LAT_FLUSH]);
    json_builder_set_member_name(b, "x-latency");
    json_builder_begin_object(b);
    add_percentiles(b, "rd", &st->latency[XEN_DISK_LAT_RD]);
    add_percentiles(b, "wr", &st->latency[XEN_DISK_LAT_WR]);
    add_percentiles(b, "flush", &st->latency[XEN_DISK_LAT_FLUSH]);
    json_builder_end_object(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
}

static bool qmp_query_disks(void *opaque, JsonObject *args, JsonNode **ret,
                            XenDiskInfoFn *fn)
{
    XenQmp *q = opaque;
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_array(b);
    if (q->disks) {
        xen_disk_host_foreach(q->disks, fn, b);
    }
    json_builder_end_array(b);
    *ret = json_builder_get_root(b);
    return true;
}

static bool qmp_query_block(void *opaque, JsonObject *args, JsonNode **ret,
                            Error **errp)
{
    return qmp_query_disks(opaque, args, ret, add_block);
}

static bool qmp_query_blockstats(void *opaque, JsonObject *args,
                                 JsonNode **ret, Error **errp)
{
    return qmp_query_disks(opaque, args, ret, add_blockstats);
}

/*
 * An optional member of @args of JSON type @type; false (errp set, in
 * the words of QEMU's input visitor) when it has another type.
 */
static bool qmp_arg(JsonObject *args, const char *key, GType type,
                    const char *type_name, JsonNode **node, Error **errp)
{
    *node = args ? json_object_get_member(args, key) : NULL;
    if (*node && (!JSON_NODE_HOLDS_VALUE(*node) ||
                  json_node_get_value_type(*node) != type)) {
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   key, type_name);
        return false;
    }
    return true;
}

/* screendump, as qapi/ui.json has it: filename, device, head, format. */
static bool qmp_screendump(void *opaque, JsonObject *args, JsonNode **ret,
                           Error **errp)
{
    static const char *const keys[] = {
        "filename", "device", "head", "format", NULL,
    };
    XenQmp *q = opaque;
    JsonNode *filename, *device, *head, *format;
    QemuConsole *con;
    g_autoptr(GList) names = args ? json_object_get_members(args) : NULL;
    gint64 head_v = 0;

    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains(keys, l->data)) {
            error_setg(errp, "Parameter '%s' is unexpected",
                       (const char *)l->data);
            return false;
        }
    }
    if (!qmp_arg(args, "filename", G_TYPE_STRING, "string", &filename,
                 errp) ||
        !qmp_arg(args, "device", G_TYPE_STRING, "string", &device, errp) ||
        !qmp_arg(args, "head", G_TYPE_INT64, "integer", &head, errp) ||
        !qmp_arg(args, "format", G_TYPE_STRING, "string", &format, errp)) {
        return false;
    }
    if (!filename) {
        error_setg(errp, "Parameter 'filename' is missing");
        return false;
    }
    if (head) {
        head_v = json_node_get_int(head);
        if (head_v < 0 || head_v > UINT32_MAX) {
            error_setg(errp, "Parameter 'head' expects uint32_t");
            return false;
        }
        if (!device) {
            /* QEMU: a head only means something on a named device. */
            error_setg(errp, "'head' must be specified together with "
                       "'device'");
            return false;
        }
    }
    if (!q->consoles) {
        error_setg(errp, "There is no console to take a screendump from");
        return false;
    }
    con = console_list_lookup(q->consoles,
                              device ? json_node_get_string(device) : NULL,
                              head_v, errp);
    return con &&
           console_screendump(con, json_node_get_string(filename),
                              format ? json_node_get_string(format) : NULL,
                              errp);
}

/* Fails on a member of @args not in @keys, as QEMU's input visitor. */
static bool qmp_check_args(JsonObject *args, const char *const *keys,
                           Error **errp)
{
    g_autoptr(GList) names = args ? json_object_get_members(args) : NULL;

    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains(keys, l->data)) {
            error_setg(errp, "Parameter '%s' is unexpected",
                       (const char *)l->data);
            return false;
        }
    }
    return true;
}

/*
 * x-block-latency-reset {device?}: forgets one disk's latency histograms
 * (every disk's without @device), as QEMU's block-latency-histogram-set
 * resets its own; counters and total times go on.
 */
static bool qmp_block_latency_reset(void *opaque, JsonObject *args,
                                    JsonNode **ret, Error **errp)
{
    static const char *const keys[] = { "device", NULL };
    XenQmp *q = opaque;
    JsonNode *device;
    const char *name;

    if (!qmp_check_args(args, keys, errp) ||
        !qmp_arg(args, "device", G_TYPE_STRING, "string", &device, errp)) {
        return false;
    }
    name = device ? json_node_get_string(device) : NULL;
    if (!q->disks) {
        if (name) {
            error_set_class(errp, "DeviceNotFound", "Device '%s' not found",
                            name);
            return false;
        }
        return true;
    }
    return xen_disk_host_reset_latency(q->disks, name, errp);
}

static void add_vnc_addr(JsonBuilder *b, const VncAddrInfo *a)
{
    json_builder_set_member_name(b, "host");
    json_builder_add_string_value(b, a->host);
    json_builder_set_member_name(b, "service");
    json_builder_add_string_value(b, a->service);
    json_builder_set_member_name(b, "family");
    json_builder_add_string_value(b, a->family);
}

static void add_vnc_client(void *opaque, const VncAddrInfo *client)
{
    JsonBuilder *b = opaque;

    json_builder_begin_object(b);
    add_vnc_addr(b, client);
    json_builder_set_member_name(b, "websocket");
    json_builder_add_boolean_value(b, false);
    json_builder_end_object(b);
}

/*
 * query-vnc, as QEMU's VncInfo: libxl reads `enabled`, then `host` and
 * `service` as strings into console/vnc-listen and vnc-port.
 */
static bool qmp_query_vnc(void *opaque, JsonObject *args, JsonNode **ret,
                          Error **errp)
{
    XenQmp *q = opaque;
    g_autoptr(JsonBuilder) b = json_builder_new();
    bool enabled = vnc_display_enabled(q->vnc);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "enabled");
    json_builder_add_boolean_value(b, enabled);
    if (enabled) {
        add_vnc_addr(b, vnc_display_addr(q->vnc));
        json_builder_set_member_name(b, "auth");
        json_builder_add_string_value(b, vnc_display_auth(q->vnc));
        json_builder_set_member_name(b, "clients");
        json_builder_begin_array(b);
        vnc_display_foreach_client(q->vnc, add_vnc_client, b);
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    *ret = json_builder_get_root(b);
    return true;
}

static bool qmp_change_vnc_password(void *opaque, JsonObject *args,
                                    JsonNode **ret, Error **errp)
{
    static const char *const keys[] = { "password", NULL };
    XenQmp *q = opaque;
    JsonNode *password;

    if (!qmp_check_args(args, keys, errp) ||
        !qmp_arg(args, "password", G_TYPE_STRING, "string", &password,
                 errp)) {
        return false;
    }
    if (!password) {
        error_setg(errp, "Parameter 'password' is missing");
        return false;
    }
    return vnc_display_set_password(q->vnc, json_node_get_string(password),
                                    errp);
}

/*
 * set_password {protocol, password, connected?, display?}, as QEMU 7
 * answers it: vnc takes connected=keep only; spice is not in use here.
 */
static bool qmp_set_password(void *opaque, JsonObject *args, JsonNode **ret,
                             Error **errp)
{
    static const char *const keys[] = {
        "protocol", "password", "connected", "display", NULL,
    };
    static const char *const actions[] = {
        "keep", "fail", "disconnect", NULL,
    };
    XenQmp *q = opaque;
    JsonNode *protocol, *password, *connected, *display;
    const char *proto, *action;

    if (!qmp_check_args(args, keys, errp) ||
        !qmp_arg(args, "protocol", G_TYPE_STRING, "string", &protocol,
                 errp) ||
        !qmp_arg(args, "password", G_TYPE_STRING, "string", &password,
                 errp) ||
        !qmp_arg(args, "connected", G_TYPE_STRING, "string", &connected,
                 errp) ||
        !qmp_arg(args, "display", G_TYPE_STRING, "string", &display,
                 errp)) {
        return false;
    }
    if (!protocol) {
        error_setg(errp, "Parameter 'protocol' is missing");
        return false;
    }
    proto = json_node_get_string(protocol);
    if (strcmp(proto, "vnc") && strcmp(proto, "spice")) {
        error_setg(errp, "Parameter 'protocol' does not accept value '%s'",
                   proto);
        return false;
    }
    if (!password) {
        error_setg(errp, "Parameter 'password' is missing");
        return false;
    }
    action = connected ? json_node_get_string(connected) : "keep";
    if (!g_strv_contains(actions, action)) {
        error_setg(errp, "Parameter 'connected' does not accept value '%s'",
                   action);
        return false;
    }
    if (!strcmp(proto, "spice")) {
        if (display) {
            error_setg(errp, "Parameter 'display' is unexpected");
            return false;
        }
        error_set_class(errp, "DeviceNotActive", "SPICE is not in use");
        return false;
    }
    if (strcmp(action, "keep")) {
        error_setg(errp, "Invalid parameter 'connected'");
        return false;
    }
    /* One display, QEMU's "default": display= names no other. */
    if (display && strcmp(json_node_get_string(display), "default")) {
        error_setg(errp, "Could not set password");
        return false;
    }
    return vnc_display_set_password(q->vnc, json_node_get_string(password),
                                    errp);
}

/* As QEMU's: asks the guest to power off; the machine says how. */
static bool qmp_system_powerdown(void *opaque, JsonObject *args,
                                 JsonNode **ret, Error **errp)
{
    XenQmp *q = opaque;

    if (!q->powerdown) {
        error_setg(errp, "system_powerdown: the toolstack shuts this "
                   "domain down (xl shutdown)");
        return false;
    }
    return q->powerdown(q->powerdown_opaque, errp);
}

static void qmp_quit(void *opaque)
{
    XenQmp *q = opaque;

    event_loop_quit(q->loop);
}

XenQmp *xen_qmp_start(EventLoop *loop, GPtrArray *mons, ChardevSet *chardevs,
                      XenDiskHost *disks, const char *name, Error **errp)
{
    XenQmp *q = g_new0(XenQmp, 1);

    q->loop = loop;
    q->chardevs = chardevs;
    q->disks = disks;
    q->name = g_strdup(name);
    q->servers = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qmp_server_free);
    for (guint i = 0; mons && i < mons->len; i++) {
        const char *id = qemu_opt_get(g_ptr_array_index(mons, i), "chardev");
        Chardev *chr = chardev_set_find(chardevs, id);
        QmpServer *s;

        if (!chr) {
            error_setg(errp, "-mon: chardev '%s' not found", id);
            xen_qmp_free(q);
            return NULL;
        }
        s = qmp_server_new(loop, chr, "qemu-xenpv " QEMU_XENPV_VERSION,
                           qmp_quit, q, errp);
        if (!s) {
            xen_qmp_free(q);
            return NULL;
        }
        qmp_server_add_command(s, "query-name", qmp_query_name, q);
        qmp_server_add_command(s, "query-chardev", qmp_query_chardev, q);
        qmp_server_add_command(s, "query-block", qmp_query_block, q);
        qmp_server_add_command(s, "query-blockstats", qmp_query_blockstats,
                               q);
        qmp_server_add_command(s, "x-block-latency-reset",
                               qmp_block_latency_reset, q);
        qmp_server_add_command(s, "screendump", qmp_screendump, q);
        qmp_server_add_command(s, "query-vnc", qmp_query_vnc, q);
        qmp_server_add_command(s, "change-vnc-password",
                               qmp_change_vnc_password, q);
        qmp_server_add_command(s, "set_password", qmp_set_password, q);
        qmp_server_add_command(s, "system_powerdown", qmp_system_powerdown,
                               q);
        g_ptr_array_add(q->servers, s);
    }
    return q;
}

void xen_qmp_set_consoles(XenQmp *q, ConsoleList *consoles)
{
    q->consoles = consoles;
}

void xen_qmp_set_powerdown(XenQmp *q, XenQmpPowerdownFn *fn, void *opaque)
{
    q->powerdown = fn;
    q->powerdown_opaque = opaque;
}

void xen_qmp_set_vnc(XenQmp *q, VncDisplay *vnc)
{
    q->vnc = vnc;
}

void xen_qmp_free(XenQmp *q)
{
    if (q) {
        g_ptr_array_free(q->servers, true);
        g_free(q->name);
        g_free(q);
    }
}
