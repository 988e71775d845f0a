/*
 * The VNC display a toolstack asks for in a vfb's backend directory
 * (include/hw/xen/xen_vfb_vnc.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_vfb_vnc.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "util/parse.h"

/* The highest display whose port (5900 + N) is a TCP port. */
#define VFB_VNC_MAX_DISPLAY (65535 - 5900)

void xen_vfb_vnc_clear(XenVfbVnc *v)
{
    g_free(v->optstr);
    g_free(v->password);
    *v = (XenVfbVnc) { 0 };
}

/* "0"/absent: false; "1": true; anything else is refused. */
static bool vfb_vnc_flag(const char *key, const char *value, bool *flag,
                         Error **errp)
{
    if (!value || !strcmp(value, "0")) {
        *flag = false;
    } else if (!strcmp(value, "1")) {
        *flag = true;
    } else {
        error_setg(errp, "vfb key %s: '%s' is neither 0 nor 1", key, value);
        return false;
    }
    return true;
}

bool xen_vfb_vnc_from_keys(const XenVfbVncKeys *k, XenVfbVnc *out,
                           Error **errp)
{
    const char *listen = k->vnclisten;
    uint64_t display = 0;
    bool vnc, unused;
    GString *s;

    *out = (XenVfbVnc) { 0 };
    if (!vfb_vnc_flag("vnc", k->vnc, &vnc, errp) ||
        !vfb_vnc_flag("vncunused", k->vncunused, &unused, errp)) {
        return false;
    }
    if (!vnc) {
        return true;
    }
    if (!listen || !*listen) {
        listen = XEN_VFB_VNC_DEFAULT_LISTEN;
    }
    /*
     * The string is handed to the -vnc parser: a comma would add options
     * the toolstack never asked for, a control character is no host.
     */
    for (const char *p = listen; *p; p++) {
        if (*p == ',' || g_ascii_iscntrl(*p) || *p == ' ') {
            error_setg(errp, "vfb key vnclisten: '%s' is not an address",
                       listen);
            return false;
        }
    }
    if (k->vncdisplay &&
        !parse_decimal(k->vncdisplay, VFB_VNC_MAX_DISPLAY, &display)) {
        error_setg(errp, "vfb key vncdisplay: '%s' is not a display number "
                   "(0 to %d)", k->vncdisplay, VFB_VNC_MAX_DISPLAY);
        return false;
    }

    s = g_string_new(listen);
    if (strchr(listen, ':')) {
        /* libxl refuses both as well: which display would be meant? */
        if (display) {
            error_setg(errp, "vfb keys: vncdisplay %" G_GUINT64_FORMAT
                       " beside vnclisten '%s', which holds a display",
                       display, listen);
            g_string_free(s, true);
            return false;
        }
    } else {
        g_string_append_printf(s, ":%" G_GUINT64_FORMAT, display);
    }
    if (k->vncpasswd && *k->vncpasswd) {
        g_string_append(s, ",password=on");
        out->password = g_strdup(k->vncpasswd);
    }
    if (unused) {
        g_string_append_printf(s, ",to=%d", XEN_VFB_VNC_UNUSED_TO);
    }
    out->optstr = g_string_free(s, false);
    return true;
}

/* The numerically lowest devid of @names, or -1 if none is a number. */
static long vfb_vnc_first_devid(char **names)
{
    long best = -1;

    for (char **n = names; n && *n; n++) {
        uint64_t v;

        if (parse_decimal(*n, G_MAXINT32, &v) &&
            (best < 0 || (long)v < best)) {
            best = v;
        }
    }
    return best;
}

bool xen_vfb_vnc_read(const XenXenstoreOps *ops, XenXsHandle *xs,
                      unsigned be_domid, unsigned domid, XenVfbVnc *out,
                      Error **errp)
{
    static const char *const keys[] = {
        "vnc", "vnclisten", "vncdisplay", "vncunused", "vncpasswd",
    };
    g_autofree char *dir = g_strdup_printf(
        "/local/domain/%u/backend/vfb/%u", be_domid, domid);
    g_auto(GStrv) names = NULL;
    char *values[G_N_ELEMENTS(keys)] = { 0 };
    XenVfbVncKeys k;
    bool ok = false;
    long devid;
    int ret;

    *out = (XenVfbVnc) { 0 };
    ret = ops->directory(xs, XEN_XS_TXN_NULL, dir, &names);
    if (ret == -ENOENT) {
        return true;
    }
    if (ret) {
        error_setg(errp, "cannot list %s: %s", dir, g_strerror(-ret));
        return false;
    }
    devid = vfb_vnc_first_devid(names);
    if (devid < 0) {
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *path = g_strdup_printf("%s/%ld/%s", dir, devid,
                                                keys[i]);

        ret = ops->read(xs, XEN_XS_TXN_NULL, path, &values[i], NULL);
        if (ret && ret != -ENOENT) {
            error_setg(errp, "cannot read %s: %s", path, g_strerror(-ret));
            goto out;
        }
    }
    k = (XenVfbVncKeys) {
        .vnc = values[0], .vnclisten = values[1], .vncdisplay = values[2],
        .vncunused = values[3], .vncpasswd = values[4],
    };
    ok = xen_vfb_vnc_from_keys(&k, out, errp);
    if (!ok) {
        error_prepend(errp, "%s/%ld: ", dir, devid);
    }
out:
    for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
        g_free(values[i]);
    }
    return ok;
}
