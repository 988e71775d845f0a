/*
 * The VNC display a toolstack asks for in a vfb's backend directory
 * (hw/xen/xen_vfb_vnc.c): libxl's keys become the -vnc string libxl's
 * libxl_dm.c builds from the same configuration.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "hw/xen/xen_vfb_vnc.h"

typedef struct KeysCase {
    const char *name;
    XenVfbVncKeys k;
    const char *optstr;         /* NULL: no VNC */
    const char *password;
    const char *error;          /* a part of the message; NULL: success */
} KeysCase;

static const KeysCase keys_cases[] = {
    /* xl's vfb = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=1,vncunused=0' ]
     * as the rig saw libxl 4.17 write it; libxl passed -vnc 127.0.0.1:1 */
    { "rig", { "1", "127.0.0.1", "1", "0", NULL }, "127.0.0.1:1" },
    { "vnc-0", { "0", "127.0.0.1", "1", "0", NULL }, NULL },
    { "no-vnc-key", { NULL, "127.0.0.1", "1", "0", NULL }, NULL },
    /* libxl's defaults: 127.0.0.1, display 0 */
    { "defaults", { "1", NULL, NULL, NULL, NULL }, "127.0.0.1:0" },
    { "empty-listen", { "1", "", "3", "0", NULL }, "127.0.0.1:3" },
    { "any-address", { "1", "0.0.0.0", "0", "0", NULL }, "0.0.0.0:0" },
    /* vncunused=1: libxl adds to=99, last */
    { "unused", { "1", "127.0.0.1", "0", "1", NULL }, "127.0.0.1:0,to=99" },
    { "password", { "1", "127.0.0.1", "2", "0", "s3cret" },
      "127.0.0.1:2,password=on", "s3cret" },
    { "password-unused", { "1", "127.0.0.1", "2", "1", "s3cret" },
      "127.0.0.1:2,password=on,to=99", "s3cret" },
    { "empty-password", { "1", "127.0.0.1", "2", "0", "" }, "127.0.0.1:2" },
    /* vnclisten=HOST:N and no vncdisplay: libxl passes vnclisten whole */
    { "listen-with-display", { "1", "127.0.0.1:7", "0", "0", NULL },
      "127.0.0.1:7" },
    { "listen-with-display-no-key", { "1", "127.0.0.1:7", NULL, NULL, NULL },
      "127.0.0.1:7" },
    { "leading-zeros", { "1", "127.0.0.1", "007", "0", NULL },
      "127.0.0.1:7" },
    { "highest-display", { "1", "127.0.0.1", "59635", "0", NULL },
      "127.0.0.1:59635" },

    { "listen-and-display", { "1", "127.0.0.1:7", "1", "0", NULL }, NULL,
      NULL, "holds a display" },
    { "display-too-big", { "1", "127.0.0.1", "59636", "0", NULL }, NULL,
      NULL, "vncdisplay" },
    { "display-negative", { "1", "127.0.0.1", "-1", "0", NULL }, NULL,
      NULL, "vncdisplay" },
    { "display-hex", { "1", "127.0.0.1", "0x1", "0", NULL }, NULL, NULL,
      "vncdisplay" },
    { "display-empty", { "1", "127.0.0.1", "", "0", NULL }, NULL, NULL,
      "vncdisplay" },
    { "vnc-2", { "2", "127.0.0.1", "0", "0", NULL }, NULL, NULL,
      "vnc: '2'" },
    { "vnc-yes", { "yes", "127.0.0.1", "0", "0", NULL }, NULL, NULL,
      "vnc: 'yes'" },
    { "unused-2", { "1", "127.0.0.1", "0", "2", NULL }, NULL, NULL,
      "vncunused" },
    /* a comma would smuggle options into the -vnc string */
    { "listen-comma", { "1", "127.0.0.1,password=off", "0", "0", NULL },
      NULL, NULL, "vnclisten" },
    { "listen-newline", { "1", "127.0.0.1\n", "0", "0", NULL }, NULL, NULL,
      "vnclisten" },
    { "listen-space", { "1", "127.0.0.1 ", "0", "0", NULL }, NULL, NULL,
      "vnclisten" },
    /* vnc=0 asks for nothing, whatever the other keys say */
    { "off-bad-display", { "0", "127.0.0.1", "x", "0", NULL }, NULL },
};

static void test_keys(gconstpointer data)
{
    const KeysCase *c = data;
    XenVfbVnc v = { .optstr = (char *)"stale" };
    Error *err = NULL;
    bool ok = xen_vfb_vnc_from_keys(&c->k, &v, &err);

    if (c->error) {
        g_assert_false(ok);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(error_get_pretty(err), c->error));
        g_assert_null(v.optstr);
        g_assert_null(v.password);
        error_free(err);
        return;
    }
    g_assert_true(ok);
    g_assert_null(err);
    g_assert_cmpstr(v.optstr, ==, c->optstr);
    g_assert_cmpstr(v.password, ==, c->password);
    xen_vfb_vnc_clear(&v);
    g_assert_null(v.optstr);
}

/* ---- reading from xenstore, through a table of paths ------------------- */

struct XenXsHandle {
    GHashTable *kv;             /* path -> value */
    int fail_read;              /* returned for every read when set */
};

static int fake_read(XenXsHandle *h, uint32_t tx, const char *path,
                     char **value, size_t *len)
{
    const char *v;

    if (h->fail_read) {
        return h->fail_read;
    }
    v = g_hash_table_lookup(h->kv, path);
    if (!v) {
        return -ENOENT;
    }
    *value = g_strdup(v);
    if (len) {
        *len = strlen(v);
    }
    return 0;
}

/* The children of @path among the table's keys. */
static int fake_directory(XenXsHandle *h, uint32_t tx, const char *path,
                          char ***names)
{
    g_autofree char *prefix = g_strconcat(path, "/", NULL);
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, h->kv);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const char *rest = key;
        g_autofree char *child = NULL;

        if (!g_str_has_prefix(rest, prefix)) {
            continue;
        }
        rest += strlen(prefix);
        child = g_strndup(rest, strcspn(rest, "/"));
        if (!g_ptr_array_find_with_equal_func(out, child, g_str_equal,
                                              NULL)) {
            g_ptr_array_add(out, g_steal_pointer(&child));
        }
    }
    if (!out->len) {
        g_ptr_array_free(out, true);
        return -ENOENT;
    }
    g_ptr_array_add(out, NULL);
    *names = (char **)g_ptr_array_free(out, false);
    return 0;
}

static const XenXenstoreOps fake_ops = {
    .read = fake_read,
    .directory = fake_directory,
};

#define VFB "/local/domain/0/backend/vfb/5"

static XenXsHandle *fake_new(void)
{
    XenXsHandle *h = g_new0(XenXsHandle, 1);

    h->kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return h;
}

static void fake_set(XenXsHandle *h, const char *path, const char *value)
{
    g_hash_table_replace(h->kv, g_strdup(path), g_strdup(value));
}

static void fake_free(XenXsHandle *h)
{
    g_hash_table_destroy(h->kv);
    g_free(h);
}

/* What libxl 4.17 wrote in the rig, state and all. */
static void fake_libxl_vfb(XenXsHandle *h, const char *devid)
{
    static const char *const kv[][2] = {
        { "frontend-id", "5" }, { "online", "1" }, { "state", "1" },
        { "vnc", "1" }, { "vnclisten", "127.0.0.1" }, { "vncdisplay", "1" },
        { "vncunused", "0" }, { "sdl", "0" }, { "opengl", "0" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(kv); i++) {
        g_autofree char *p = g_strdup_printf(VFB "/%s/%s", devid, kv[i][0]);

        fake_set(h, p, kv[i][1]);
    }
}

static void test_read_libxl(void)
{
    XenXsHandle *h = fake_new();
    XenVfbVnc v;

    fake_libxl_vfb(h, "0");
    g_assert_true(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, NULL));
    g_assert_cmpstr(v.optstr, ==, "127.0.0.1:1");
    g_assert_null(v.password);
    xen_vfb_vnc_clear(&v);

    fake_set(h, VFB "/0/vncpasswd", "pw");
    fake_set(h, VFB "/0/vncunused", "1");
    g_assert_true(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, NULL));
    g_assert_cmpstr(v.optstr, ==, "127.0.0.1:1,password=on,to=99");
    g_assert_cmpstr(v.password, ==, "pw");
    xen_vfb_vnc_clear(&v);
    fake_free(h);
}

static void test_read_no_vfb(void)
{
    XenXsHandle *h = fake_new();
    XenVfbVnc v;

    fake_set(h, "/local/domain/0/backend/vkbd/5/0/state", "1");
    /* another domain's vfb is not this one's */
    fake_set(h, "/local/domain/0/backend/vfb/6/0/vnc", "1");
    g_assert_true(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, NULL));
    g_assert_null(v.optstr);
    fake_free(h);
}

/* The lowest devid, numerically; names that are no devid are skipped. */
static void test_read_first_devid(void)
{
    XenXsHandle *h = fake_new();
    XenVfbVnc v;

    fake_libxl_vfb(h, "10");
    fake_set(h, VFB "/10/vncdisplay", "10");
    fake_libxl_vfb(h, "9");
    fake_set(h, VFB "/9/vncdisplay", "9");
    fake_set(h, VFB "/x/vnc", "1");
    g_assert_true(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, NULL));
    g_assert_cmpstr(v.optstr, ==, "127.0.0.1:9");
    xen_vfb_vnc_clear(&v);
    fake_free(h);
}

static void test_read_bad_value(void)
{
    XenXsHandle *h = fake_new();
    XenVfbVnc v;
    Error *err = NULL;

    fake_libxl_vfb(h, "0");
    fake_set(h, VFB "/0/vncdisplay", "1;");
    g_assert_false(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), VFB "/0: "));
    g_assert_nonnull(strstr(error_get_pretty(err), "vncdisplay"));
    g_assert_null(v.optstr);
    error_free(err);
    fake_free(h);
}

static void test_read_error(void)
{
    XenXsHandle *h = fake_new();
    XenVfbVnc v;
    Error *err = NULL;

    fake_libxl_vfb(h, "0");
    h->fail_read = -EACCES;
    g_assert_false(xen_vfb_vnc_read(&fake_ops, h, 0, 5, &v, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "cannot read"));
    g_assert_null(v.optstr);
    error_free(err);
    fake_free(h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(keys_cases); i++) {
        g_autofree char *path = g_strdup_printf("/xen-vfb-vnc/keys/%s",
                                                keys_cases[i].name);

        g_test_add_data_func(path, &keys_cases[i], test_keys);
    }
    g_test_add_func("/xen-vfb-vnc/read/libxl", test_read_libxl);
    g_test_add_func("/xen-vfb-vnc/read/no-vfb", test_read_no_vfb);
    g_test_add_func("/xen-vfb-vnc/read/first-devid", test_read_first_devid);
    g_test_add_func("/xen-vfb-vnc/read/bad-value", test_read_bad_value);
    g_test_add_func("/xen-vfb-vnc/read/error", test_read_error);
    return g_test_run();
}
