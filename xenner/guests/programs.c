/*
 * In-process test guests; see programs.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "programs.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/console.h>
#include <xen/io/xenbus.h>

#include "consfront.h"
#include "fbfront.h"
#include "guest-disk.h"
#include "guest-net.h"
#include "util/parse.h"

typedef enum {
    PROGRAM_ECHO,
    PROGRAM_DEMO,
    PROGRAM_HOSTILE,
    PROGRAM_DISK,
    PROGRAM_FB,
    PROGRAM_NET,
} Program;

static const char *const program_names[] = {
    "echo", "demo", "hostile", "disk", "fb", "net",
};

typedef struct GuestConsole {
    struct GuestProgram *tg;
    ConsFront *cf;
    GByteArray *pending;        /* output waiting for ring space */
    bool reconnecting;          /* report "reconnect N" once connected */
} GuestConsole;

struct GuestProgram {
    XennerGuest *g;
    Program program;
    char *attack;
    unsigned attack_idx;
    GuestConsole *primary;
    GHashTable *consoles;       /* index -> GuestConsole, secondaries */
    XenXsWatch *dev_watch;
    XenXsWatch *cmd_watch;
    EventLoopTimer *flap_timer;
    unsigned flaps;
    GRand *rand;
    GuestDisks *disks;          /* program=disk */
    FbFront *fb;                /* program=fb */
    GuestNet *net;              /* program=net */
};

const char *const guest_program_keys[] = {
    "program", "attack", "attack-console", GUEST_DISK_KEYS, GUEST_NET_KEYS,
    NULL,
};

bool guest_program_keys_given(QemuOpts *opts, const char *const *keys)
{
    for (const char *const *k = keys; *k; k++) {
        if (qemu_opt_get(opts, *k)) {
            return true;
        }
    }
    return false;
}

bool guest_program_bool(QemuOpts *opts, const char *key, bool def,
                        bool *value, Error **errp)
{
    const char *s = qemu_opt_get(opts, key);

    *value = def;
    if (!s) {
        return true;
    }
    if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "true")) {
        *value = true;
    } else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "false")) {
        *value = false;
    } else {
        error_setg(errp, "-xenner-guest: %s=%s: on or off", key, s);
        return false;
    }
    return true;
}

bool guest_program_exists(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(program_names); i++) {
        if (!strcmp(name, program_names[i])) {
            return true;
        }
    }
    return false;
}

const char *guest_program_list(void)
{
    return "echo, demo, hostile, disk, fb, net";
}

/* ---- console I/O ------------------------------------------------------ */

static void console_flush(GuestConsole *gc)
{
    int n;

    if (!gc->pending->len) {
        return;
    }
    n = consfront_write(gc->cf, gc->pending->data, gc->pending->len);
    if (n > 0) {
        g_byte_array_remove_range(gc->pending, 0, n);
    }
}

static void console_print(GuestConsole *gc, const char *s)
{
    g_byte_array_append(gc->pending, (const guint8 *)s, strlen(s));
    console_flush(gc);
}

/* Echo: input is taken only as far as the output side has room. */
static void console_echo(GuestConsole *gc)
{
    char buf[2048];
    int space, n;

    for (;;) {
        console_flush(gc);
        if (gc->pending->len) {
            return;
        }
        space = consfront_out_space(gc->cf);
        if (space <= 0) {
            return;
        }
        n = consfront_read(gc->cf, buf, MIN((size_t)space, sizeof(buf)));
        if (n <= 0) {
            return;
        }
        consfront_write(gc->cf, buf, n);
    }
}

static void console_demo(GuestConsole *gc)
{
    char buf[256];
    int n;

    console_flush(gc);
    while (gc->pending->len < 4096 &&
           (n = consfront_read(gc->cf, buf, sizeof(buf))) > 0) {
        for (int i = 0; i < n; i++) {
            if (buf[i] == '\r' || buf[i] == '\n') {
                console_print(gc, "\r\ndemo> ");
            } else {
                g_byte_array_append(gc->pending, (guint8 *)&buf[i], 1);
            }
        }
        console_flush(gc);
    }
}

static void console_notified(void *opaque, ConsFront *cf)
{
    GuestConsole *gc = opaque;

    if (gc->reconnecting && consfront_connected(cf)) {
        gc->reconnecting = false;
        xenner_guest_xs_printf(gc->tg->g, "data/xenner-cmd-done",
                               "reconnect %u", consfront_index(cf));
    }

    if (gc->tg->program == PROGRAM_DEMO) {
        console_demo(gc);
    } else {
        console_echo(gc);
    }
}

static GuestConsole *console_new(GuestProgram *tg)
{
    GuestConsole *gc = g_new0(GuestConsole, 1);

    gc->tg = tg;
    gc->pending = g_byte_array_new();
    return gc;
}

static void console_free(gpointer p)
{
    GuestConsole *gc = p;

    consfront_free(gc->cf);
    g_byte_array_free(gc->pending, true);
    g_free(gc);
}

/* Console @idx of device/console, connected through xenbus. */
static void guest_add_console(GuestProgram *tg, unsigned idx,
                              ConsFrontNotifyFn *fn)
{
    GuestConsole *gc = console_new(tg);

    g_hash_table_insert(tg->consoles, GUINT_TO_POINTER(idx), gc);
    gc->cf = consfront_new(tg->g, idx, fn, gc);
}

/* ---- attacks ---------------------------------------------------------- */

/*
 * The xenbus dance of a console frontend with one lie in it: the backend
 * must answer with `error` and Closing for this device alone.
 */
static void attack_keys(GuestProgram *tg, unsigned idx)
{
    g_autofree char *dir = g_strdup_printf("device/console/%u", idx);
    g_autofree char *ring_key = g_strdup_printf("%s/ring-ref", dir);
    g_autofree char *port_key = g_strdup_printf("%s/port", dir);
    XennerGuest *g = tg->g;
    uint64_t gfn;
    int ref = -1, port;

    if (!xenner_guest_alloc_page(g, &gfn)) {
        return;
    }
    port = xenner_guest_alloc_unbound(g, 0, NULL, NULL);
    if (!strcmp(tg->attack, "ring-ref")) {
        ref = 1000;                 /* never granted */
    } else if (!strcmp(tg->attack, "frame")) {
        /* A frame past the end of its memory: not the guest's to give. */
        uint64_t nr = xenner_mem_nr_frames(xenner_domain_mem(
            xenner_guest_xenner(g), xenner_guest_domid(g)));

        ref = xenner_guest_grant(g, 0, nr + 16, false);
        if (ref < 0) {
            /* The entry cannot even hold it: hand-write the lie. */
            grant_entry_v1_t *e = xenner_guest_grant_entry(g, 1001);

            e->domid = 0;
            e->frame = (uint32_t)(nr + 16);
            __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
            ref = 1001;
        }
    } else {
        ref = xenner_guest_grant(g, 0, gfn, false);
    }
    if (!strcmp(tg->attack, "port")) {
        port = 1000000;             /* beyond every ABI's port count */
    }
    xenner_guest_xs_printf(g, ring_key, "%d", ref);
    xenner_guest_xs_printf(g, port_key, "%d", port);
    xenner_guest_switch_state(g, dir, XenbusStateInitialised);
}

static void attack_prod(void *opaque, ConsFront *cf)
{
    GuestConsole *gc = opaque;
    struct xencons_interface *intf = consfront_ring(cf);

    if (!consfront_connected(cf)) {
        return;
    }
    /* Claim a megabyte of output in a 2 KiB ring. */
    intf->out_prod = intf->out_cons + (1u << 20);
    xenner_guest_notify(gc->tg->g, consfront_port(cf));
}

static void flap_tick(void *opaque)
{
    static const char *const junk[] = { "", "-1", "99999999999", "3x", "9" };
    GuestProgram *tg = opaque;
    g_autofree char *dir = g_strdup_printf("device/console/%u",
                                           tg->attack_idx);
    g_autofree char *key = g_strdup_printf("%s/state", dir);

    for (int i = 0; i < 8; i++) {
        if (g_rand_int_range(tg->rand, 0, 4) == 0) {
            xenner_guest_xs_printf(tg->g, key, "%s",
                                   junk[g_rand_int_range(tg->rand, 0, 5)]);
        } else {
            xenner_guest_switch_state(tg->g, dir,
                                      g_rand_int_range(tg->rand, 0, 9));
        }
    }
    if (++tg->flaps < 200) {
        return;
    }
    /* Enough: close honestly, then connect as a well-behaved guest. */
    event_loop_del_timer(xenner_guest_loop(tg->g), tg->flap_timer);
    tg->flap_timer = NULL;
    xenner_guest_switch_state(tg->g, dir, XenbusStateClosed);
    guest_add_console(tg, tg->attack_idx, console_notified);
}

/* ---- consoles at device/console --------------------------------------- */

static void guest_open_console(GuestProgram *tg, unsigned idx)
{
    if (g_hash_table_contains(tg->consoles, GUINT_TO_POINTER(idx))) {
        return;
    }
    if (tg->program == PROGRAM_HOSTILE && idx == tg->attack_idx) {
        if (!strcmp(tg->attack, "flap")) {
            if (!tg->flap_timer) {
                tg->flap_timer = event_loop_add_timer(
                    xenner_guest_loop(tg->g), 1, flap_tick, tg, NULL);
            }
            return;
        }
        if (strcmp(tg->attack, "prod")) {
            /* Mark it taken, so the lie is told once. */
            g_hash_table_insert(tg->consoles, GUINT_TO_POINTER(idx),
                                console_new(tg));
            attack_keys(tg, idx);
            return;
        }
    }
    guest_add_console(tg, idx,
                      tg->program == PROGRAM_HOSTILE &&
                      idx == tg->attack_idx ? attack_prod : console_notified);
}

static void guest_scan_consoles(void *opaque, const char *path)
{
    GuestProgram *tg = opaque;
    g_auto(GStrv) names = NULL;

    if (xenner_guest_xs_ops(tg->g)->directory(xenner_guest_xs(tg->g),
                                              XEN_XS_TXN_NULL,
                                              "device/console", &names)) {
        return;
    }
    for (char **n = names; *n; n++) {
        g_autofree char *state = g_strdup_printf("device/console/%s", *n);
        uint64_t idx;

        /* A frontend directory the toolstack finished writing. */
        if (!parse_decimal(*n, UINT_MAX, &idx) || idx == 0 ||
            xenner_guest_xs_read_state(tg->g, state) !=
            XenbusStateInitialising) {
            continue;
        }
        guest_open_console(tg, idx);
    }
}

static void guest_command(void *opaque, const char *path)
{
    GuestProgram *tg = opaque;
    g_autofree char *cmd = xenner_guest_xs_read(tg->g, "data/xenner-cmd");
    GuestConsole *gc;
    char verb[16];
    unsigned idx;

    if (!cmd || sscanf(cmd, "%15s %u", verb, &idx) != 2) {
        return;
    }
    xenner_guest_xs_ops(tg->g)->rm(xenner_guest_xs(tg->g), XEN_XS_TXN_NULL,
                                   "data/xenner-cmd");
    if (tg->disks && !strncmp(verb, "disk-", 5)) {
        guest_disks_command(tg->disks, verb, idx);
        return;
    }
    if (tg->net && !strncmp(verb, "net-", 4)) {
        guest_net_command(tg->net, verb, idx);
        return;
    }
    gc = g_hash_table_lookup(tg->consoles, GUINT_TO_POINTER(idx));
    if (!strcmp(verb, "reconnect") && gc && gc->cf) {
        gc->reconnecting = true;
        consfront_reconnect(gc->cf);
    } else if (!strcmp(verb, "close") && gc) {
        g_hash_table_remove(tg->consoles, GUINT_TO_POINTER(idx));
    } else if (!strcmp(verb, "open") && !gc) {
        guest_add_console(tg, idx, console_notified);
    }
}

/* ---- the program -------------------------------------------------------- */

uint32_t guest_program_fb_pixel(unsigned x, unsigned y)
{
    return (x & 0xff) << 16 | (y & 0xff) << 8 | ((x ^ y) & 0xff);
}

/* Connected: the pattern over the whole screen, then one update. */
static void fb_state(void *opaque, FbFront *ff, bool connected)
{
    GuestProgram *tg = opaque;
    unsigned w = fbfront_width(ff), h = fbfront_height(ff);

    if (!connected) {
        return;
    }
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            fbfront_put_pixel(ff, x, y, guest_program_fb_pixel(x, y));
        }
    }
    /* Sent now if a refresh is wanted, else once one is. */
    fbfront_update(ff, 0, 0, w, h);
    xenner_guest_xs_printf(tg->g, "data/fb", "drawn %ux%u", w, h);
}

static void demo_banner(GuestProgram *tg)
{
    g_autofree char *name = xenner_guest_xs_read(tg->g, "name");
    g_autofree char *banner = g_strdup_printf(
        "\r\nXenner demo guest: domain %u (\"%s\"), a PV guest kernel "
        "running inside qemu-xenpv.\r\n"
        "This is its primary console: a xencons ring in its memory, "
        "served by\r\nqemu-xenpv's console backend "
        "(backend/console/%u/0 in xenstore).\r\n"
        "Type a line and it comes back. Ctrl-C stops qemu-xenpv.\r\n"
        "demo> ", xenner_guest_domid(tg->g), name ? name : "?",
        xenner_guest_domid(tg->g));

    console_print(tg->primary, banner);
}

GuestProgram *guest_program_start(XennerGuest *g, const char *program,
                            const GuestProgramStartInfo *si, QemuOpts *opts,
                            Error **errp)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(g);
    const char *attack = qemu_opt_get(opts, "attack");
    GuestProgram *tg;
    uint64_t idx;

    if (!qemu_opt_get_number(opts, "attack-console", 1, 1023, &idx, errp)) {
        return NULL;
    }
    tg = g_new0(GuestProgram, 1);
    tg->g = g;
    for (size_t i = 0; i < G_N_ELEMENTS(program_names); i++) {
        if (!strcmp(program, program_names[i])) {
            tg->program = i;
        }
    }
    if (tg->program == PROGRAM_HOSTILE) {
        static const char *const attacks[] = {
            "prod", "ring-ref", "port", "frame", "flap", NULL,
        };

        if (!attack || !g_strv_contains(attacks, attack)) {
            error_setg(errp, "program=hostile needs attack=prod, ring-ref, "
                       "port, frame or flap");
            g_free(tg);
            return NULL;
        }
    } else if (attack) {
        error_setg(errp, "attack= is for program=hostile");
        g_free(tg);
        return NULL;
    }
    if (tg->program != PROGRAM_DISK && guest_disks_keys_given(opts)) {
        error_setg(errp, "disk-* keys are for program=disk");
        g_free(tg);
        return NULL;
    }
    if (tg->program != PROGRAM_NET && guest_net_keys_given(opts)) {
        error_setg(errp, "net-* keys are for program=net");
        g_free(tg);
        return NULL;
    }
    if (tg->program == PROGRAM_NET) {
        tg->net = guest_net_new(g, opts, errp);
        if (!tg->net) {
            g_free(tg);
            return NULL;
        }
    }
    if (tg->program == PROGRAM_DISK) {
        tg->disks = guest_disks_new(g, opts, errp);
        if (!tg->disks) {
            g_free(tg);
            return NULL;
        }
    }
    tg->attack = g_strdup(attack);
    tg->attack_idx = idx;
    tg->rand = g_rand_new_with_seed(xenner_guest_domid(g));
    tg->consoles = g_hash_table_new_full(NULL, NULL, NULL, console_free);
    tg->primary = console_new(tg);
    tg->primary->cf = consfront_new_primary(g, si->console_gfn,
                                            si->console_port,
                                            console_notified, tg->primary);
    if (tg->program == PROGRAM_DEMO) {
        demo_banner(tg);
    }
    if (tg->program == PROGRAM_FB) {
        g_autofree char *be = xenner_guest_xs_read(g, "device/vfb/0/backend");

        if (be) {
            tg->fb = fbfront_new(g, 0, NULL, fb_state, tg);
        }
    }
    ops->watch(xenner_guest_xs(g), "device/console", guest_scan_consoles, tg,
               &tg->dev_watch);
    ops->watch(xenner_guest_xs(g), "data/xenner-cmd", guest_command, tg,
               &tg->cmd_watch);
    return tg;
}

void guest_program_stop(GuestProgram *tg)
{
    const XenXenstoreOps *ops;

    if (!tg) {
        return;
    }
    ops = xenner_guest_xs_ops(tg->g);
    if (tg->dev_watch) {
        ops->unwatch(xenner_guest_xs(tg->g), tg->dev_watch);
    }
    if (tg->cmd_watch) {
        ops->unwatch(xenner_guest_xs(tg->g), tg->cmd_watch);
    }
    event_loop_del_timer(xenner_guest_loop(tg->g), tg->flap_timer);
    guest_disks_free(tg->disks);
    guest_net_free(tg->net);
    fbfront_free(tg->fb);
    g_hash_table_destroy(tg->consoles);
    console_free(tg->primary);
    g_rand_free(tg->rand);
    g_free(tg->attack);
    g_free(tg);
}
