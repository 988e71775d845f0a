/*
 * The VNC display on libvncserver; see include/ui/vnc.h.
 *
 * libvncserver is driven from our event loop, not from its own threads
 * or rfbProcessEvents()'s select(): we own the listening socket (so
 * that -vnc's addresses, to= ranges and unix sockets are QEMU's), hand
 * each accepted socket to rfbNewClient(), and when a client's socket
 * is readable call rfbProcessClientMessage() for it, then
 * rfbUpdateClient() to send what it asked for. Guest updates mark
 * their rectangle modified and schedule one flush (a bottom half) that
 * updates every client. Update and pointer deferral are off
 * (deferUpdateTime = deferPtrUpdateTime = 0), so nothing needs a timer.
 *
 * libvncserver closes a client's socket itself (rfbCloseClient) from
 * within any of its calls; after each call we look for clients whose
 * socket went (sock == -1) and finish them with
 * rfbClientConnectionGone(), whose hook drops our handler before
 * anything can reuse the fd number.
 *
 * What a single thread costs: libvncserver reads a message whole,
 * waiting up to maxClientWait (VNC_CLIENT_WAIT_MS) for each missing
 * piece, so we call it only once the message is whole in the socket
 * buffer (ui/vnc-frame.h, SO_RCVLOWAT); but it writes an update whole
 * (up to 5 s for a client that does not read), and a client on a unix
 * socket, where the low-water mark does not wake poll, can still make
 * it wait. docs/display.md says so.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "vnc"

#include "ui/vnc.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <rfb/rfb.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ui/keymap.h"
#include "ui/vnc-frame.h"
#include "ui/vnc-input.h"
#include "ui/vnc-opts.h"
#include "util/trace.h"

/* The blank screen shown without a surface. */
#define VNC_BLANK_WIDTH 640
#define VNC_BLANK_HEIGHT 480
/*
 * The largest mode shown; beyond it, blank. RFB sizes are 16-bit, and
 * our copy of the screen is 4 bytes a pixel whatever the guest's depth.
 */
#define VNC_MAX_DIM 8192
#define VNC_MAX_PIXELS (16u << 20)
/* Clients at once; libvncserver's select() also needs fd < FD_SETSIZE. */
#define VNC_MAX_CLIENTS 32
/* How long libvncserver waits for the rest of a message, ms. */
#define VNC_CLIENT_WAIT_MS 2000
/* VNC authentication keys on the first 8 characters. */
#define VNC_PASSWORD_LEN 8

typedef struct VncClient {
    VncDisplay *vd;
    rfbClientPtr cl;
    int fd;
    VncSockName peer;
    VncInput *vi;               /* NULL while no console is shown */
    size_t lowat;               /* the socket's SO_RCVLOWAT */
} VncClient;

struct VncDisplay {
    EventLoop *loop;
    ConsoleList *consoles;
    InputHub *hub;
    VncOptions opts;
    Keymap *km;

    int listen_fd;              /* -1: -vnc none */
    VncSockName local;
    VncAddrInfo addr;

    rfbScreenInfoPtr screen;
    uint32_t *fb;               /* the screen, 0x00RRGGBB */
    uint32_t fb_width, fb_height;

    QemuConsole *con;           /* shown; NULL: blank */
    DisplayListener *dl;        /* attached while a client is connected */
    GPtrArray *clients;         /* VncClient */

    bool has_password;
    char password[VNC_PASSWORD_LEN + 1];
};

static void vnc_log(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (!trace_enabled(G_LOG_DOMAIN)) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strchomp(msg);
    trace("libvncserver: %s", msg);
}

/* ---- the framebuffer ----------------------------------------------------- */

/*
 * Our screen is 0x00RRGGBB words, what display_surface_row_xrgb()
 * writes, announced with depth 24, as QEMU does. libvncserver's own
 * choice (made again by every rfbNewFramebuffer()) is red in the low
 * byte and depth 32; but its ZRLE encoder sends 3-byte CPIXELs, which
 * RFB allows only at depth 24 or less. Clients translate from ours
 * once the format is set, so their translation is set up again.
 * Red in the low byte would also be gtk-vnc's own format, and then it
 * copies solid ZRLE tiles unconverted, their zero fourth byte becoming
 * alpha: gvnccapture's PNGs go transparent (docs/display.md).
 */
static void vnc_set_format(rfbScreenInfoPtr screen)
{
    rfbClientIteratorPtr it;
    rfbClientPtr cl;

    screen->depth = 24;
    screen->serverFormat.depth = 24;
    screen->serverFormat.redShift = 16;
    screen->serverFormat.greenShift = 8;
    screen->serverFormat.blueShift = 0;
    it = rfbGetClientIterator(screen);
    while ((cl = rfbClientIteratorNext(it))) {
        /* A failure closes the client; vnc_flush() finishes it. */
        screen->setTranslateFunction(cl);
    }
    rfbReleaseClientIterator(it);
}

static void vnc_schedule_flush(VncDisplay *vd);

/* Copies a rectangle of @s (clipped by the caller) into our screen. */
static void vnc_copy_rect(VncDisplay *vd, const DisplaySurface *s,
                          uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
    for (uint32_t row = y; row < y + h; row++) {
        uint32_t *out = vd->fb + (size_t)row * vd->fb_width + x;

        display_surface_row_xrgb(s, x, row, w, out);
    }
    rfbMarkRectAsModified(vd->screen, x, y, x + w, y + h);
    vnc_schedule_flush(vd);
}

static bool vnc_surface_fits(const DisplaySurface *s)
{
    return s->width <= VNC_MAX_DIM && s->height <= VNC_MAX_DIM &&
           (uint64_t)s->width * s->height <= VNC_MAX_PIXELS;
}

/* Shows @s whole (NULL: blank), resizing the clients' screens. */
static void vnc_show(VncDisplay *vd, const DisplaySurface *s)
{
    uint32_t w, h;

    if (s && !vnc_surface_fits(s)) {
        trace("%ux%u is too large to show: blank", s->width, s->height);
        s = NULL;
    }
    w = s ? s->width : VNC_BLANK_WIDTH;
    h = s ? s->height : VNC_BLANK_HEIGHT;
    if (w != vd->fb_width || h != vd->fb_height) {
        uint32_t *old = vd->fb;

        vd->fb = g_new0(uint32_t, (size_t)w * h);
        vd->fb_width = w;
        vd->fb_height = h;
        /* Clients with NewFBSize or ExtendedDesktopSize hear of it. */
        rfbNewFramebuffer(vd->screen, (char *)vd->fb, w, h, 8, 3, 4);
        vnc_set_format(vd->screen);
        g_free(old);
        trace("screen is now %ux%u", w, h);
    }
    if (s) {
        vnc_copy_rect(vd, s, 0, 0, w, h);
        if (console_domid(vd->con) >= 0) {
            input_console_set_display_size(
                input_hub_console(vd->hub, console_domid(vd->con)), w, h);
        }
    } else {
        memset(vd->fb, 0, (size_t)w * h * 4);
        rfbMarkRectAsModified(vd->screen, 0, 0, w, h);
        vnc_schedule_flush(vd);
    }
}

static void vnc_resize(void *opaque, QemuConsole *con,
                       const DisplaySurface *s)
{
    vnc_show(opaque, s);
}

static void vnc_update(void *opaque, QemuConsole *con, uint32_t x,
                       uint32_t y, uint32_t w, uint32_t h)
{
    VncDisplay *vd = opaque;
    const DisplaySurface *s = console_surface(con);

    /* console_update() clipped to the surface; we may show blank. */
    if (s && s->width == vd->fb_width && s->height == vd->fb_height) {
        vnc_copy_rect(vd, s, x, y, w, h);
    }
}

static const DisplayListenerOps vnc_listener_ops = {
    .resize = vnc_resize,
    .update = vnc_update,
};

/*
 * Listens to the console exactly while somebody watches, so that the
 * guest is told to stop refreshing when the last client goes.
 */
static void vnc_sync_listener(VncDisplay *vd)
{
    bool want = vd->con && vd->clients->len > 0;

    if (want && !vd->dl) {
        vd->dl = console_add_listener(vd->con, &vnc_listener_ops, vd);
        /* The guest drew unwatched meanwhile: take the screen whole. */
        vnc_show(vd, console_surface(vd->con));
    } else if (!want && vd->dl) {
        console_remove_listener(vd->con, vd->dl);
        vd->dl = NULL;
    }
}

/* ---- which console ------------------------------------------------------- */

static bool vnc_wants_console(VncDisplay *vd, QemuConsole *con)
{
    return vd->opts.display ? !strcmp(console_label(con), vd->opts.display)
                            : true;
}

static void vnc_client_set_input(VncClient *vc);

static void vnc_bind(VncDisplay *vd, QemuConsole *con)
{
    vd->con = con;
    for (guint i = 0; i < vd->clients->len; i++) {
        vnc_client_set_input(g_ptr_array_index(vd->clients, i));
    }
    trace("showing console %s", con ? console_label(con) : "(none)");
    vnc_sync_listener(vd);
    if (!vd->dl) {
        vnc_show(vd, NULL);
    }
}

/* The first console we want of the list, but @skip; NULL if none. */
static QemuConsole *vnc_find_console(VncDisplay *vd, QemuConsole *skip)
{
    QemuConsole *c;

    for (unsigned i = 0; (c = console_list_nth(vd->consoles, i)); i++) {
        if (c != skip && vnc_wants_console(vd, c)) {
            return c;
        }
    }
    return NULL;
}

static void vnc_pick_console(void *opaque)
{
    VncDisplay *vd = opaque;
    QemuConsole *con = vd->con ? NULL : vnc_find_console(vd, NULL);

    if (con) {
        vnc_bind(vd, con);
    }
}

/*
 * Not bound here: the console's backend is still inside console_new()
 * and cannot hear of a listener yet. The list is read again later, so a
 * console freed meanwhile is never used.
 */
static void vnc_console_added(void *opaque, QemuConsole *con)
{
    VncDisplay *vd = opaque;

    if (!vd->con && vnc_wants_console(vd, con)) {
        event_loop_schedule(vd->loop, vnc_pick_console, vd);
    }
}

static void vnc_console_removed(void *opaque, QemuConsole *con)
{
    VncDisplay *vd = opaque;

    if (con != vd->con) {
        return;
    }
    if (vd->dl) {
        console_remove_listener(con, vd->dl);
        vd->dl = NULL;
    }
    vd->con = NULL;
    vnc_bind(vd, vnc_find_console(vd, con));
}

static const ConsoleListNotifierOps vnc_notifier_ops = {
    .added = vnc_console_added,
    .removed = vnc_console_removed,
};

/* ---- clients ------------------------------------------------------------- */

/* Finishes every client libvncserver closed during its last call. */
static void vnc_reap(VncDisplay *vd)
{
    for (guint i = vd->clients->len; i-- > 0;) {
        VncClient *vc = g_ptr_array_index(vd->clients, i);

        if (vc->cl->sock == RFB_INVALID_SOCKET) {
            rfbClientConnectionGone(vc->cl);
        }
    }
}

static void vnc_flush(void *opaque)
{
    VncDisplay *vd = opaque;

    for (guint i = 0; i < vd->clients->len; i++) {
        VncClient *vc = g_ptr_array_index(vd->clients, i);

        rfbUpdateClient(vc->cl);
    }
    vnc_reap(vd);
}

static void vnc_schedule_flush(VncDisplay *vd)
{
    if (vd->clients->len) {
        event_loop_schedule(vd->loop, vnc_flush, vd);
    }
}

static VncFrameState vnc_frame_state(VncClient *vc)
{
    rfbClientPtr cl = vc->cl;

    /* WebSockets frames are not RFB messages on the wire. */
    if (cl->wsctx || cl->sslctx) {
        return VNC_FRAME_UNKNOWN;
    }
    switch (cl->state) {
    case RFB_PROTOCOL_VERSION:
        return VNC_FRAME_VERSION;
    case RFB_SECURITY_TYPE:
        return VNC_FRAME_SECURITY;
    case RFB_AUTHENTICATION:
        return vc->vd->opts.password ? VNC_FRAME_AUTH_VNC : VNC_FRAME_UNKNOWN;
    case RFB_INITIALISATION:
        return VNC_FRAME_INIT;
    case RFB_NORMAL:
        return VNC_FRAME_NORMAL;
    default:
        return VNC_FRAME_UNKNOWN;
    }
}

static void vnc_set_lowat(VncClient *vc, size_t bytes)
{
    int v = MIN(bytes, (size_t)INT_MAX);

    if (vc->lowat != bytes &&
        setsockopt(vc->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0) {
        vc->lowat = bytes;
    }
}

/*
 * Whether the client's next message is whole in the socket buffer, so
 * that libvncserver's blocking reads of it never wait. If not, the
 * socket's low-water mark is set to its length: TCP then wakes us only
 * once it is there (or at EOF). A wake short of the mark means EOF or
 * a socket that ignores the mark (a unix socket): libvncserver reads
 * then, as it comes.
 */
static bool vnc_client_whole(VncClient *vc)
{
    uint8_t head[8];
    int avail = 0;
    ssize_t n;
    size_t need;

    if (ioctl(vc->fd, FIONREAD, &avail) < 0 || avail <= 0) {
        return true;
    }
    n = recv(vc->fd, head, MIN(sizeof(head), (size_t)avail),
             MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0) {
        return true;
    }
    need = vnc_frame_need(vnc_frame_state(vc),
                          vc->cl->enableExtendedClipboard, head, n);
    if (need == 0 || (size_t)avail >= need) {
        vnc_set_lowat(vc, 1);
        return true;
    }
    if (need > vc->lowat) {
        vnc_set_lowat(vc, need);
        if (vc->lowat == need) {
            return false;
        }
    }
    vnc_set_lowat(vc, 1);
    return true;
}

static void vnc_client_readable(void *opaque)
{
    VncClient *vc = opaque;
    VncDisplay *vd = vc->vd;

    if (!vnc_client_whole(vc)) {
        return;
    }
    rfbProcessClientMessage(vc->cl);
    if (vc->cl->sock != RFB_INVALID_SOCKET) {
        rfbUpdateClient(vc->cl);
    }
    vnc_reap(vd);
}

/*
 * A client's keys and pointer go to the guest of the console shown; on
 * a change of console what it held on the old one is released.
 */
static void vnc_client_set_input(VncClient *vc)
{
    VncDisplay *vd = vc->vd;
    int domid = vd->con ? console_domid(vd->con) : -1;

    vnc_input_free(vc->vi);
    vc->vi = NULL;
    if (domid >= 0) {
        vc->vi = vnc_input_new(input_hub_console(vd->hub, domid), vd->km);
    }
}

static void vnc_client_gone(rfbClientPtr cl)
{
    VncClient *vc = cl->clientData;
    VncDisplay *vd = vc->vd;

    trace("client %s %s gone", vc->peer.host, vc->peer.service);
    vnc_input_free(vc->vi);
    event_loop_set_fd_handler(vd->loop, vc->fd, NULL, NULL, NULL, NULL);
    g_ptr_array_remove(vd->clients, vc);
    cl->clientData = NULL;
    g_free(vc);
    vnc_sync_listener(vd);
}

static enum rfbNewClientAction vnc_new_client(rfbClientPtr cl)
{
    VncDisplay *vd = cl->screen->screenData;
    VncClient *vc = g_new0(VncClient, 1);
    Error *err = NULL;

    vc->vd = vd;
    vc->cl = cl;
    vc->fd = cl->sock;
    vc->lowat = 1;
    vnc_sock_name(vc->fd, true, &vc->peer);
    cl->clientData = vc;
    cl->clientGoneHook = vnc_client_gone;
    g_ptr_array_add(vd->clients, vc);
    if (!event_loop_set_fd_handler(vd->loop, vc->fd, vnc_client_readable,
                                   NULL, vc, &err)) {
        trace("client %s refused: %s", vc->peer.host,
              error_get_pretty(err));
        error_free(err);
        return RFB_CLIENT_REFUSE;
    }
    trace("client %s %s connected", vc->peer.host, vc->peer.service);
    vnc_client_set_input(vc);
    vnc_sync_listener(vd);
    return RFB_CLIENT_ACCEPT;
}

static void vnc_accept(void *opaque)
{
    VncDisplay *vd = opaque;
    int fd = accept4(vd->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        return;
    }
    /* libvncserver keeps its sockets in fd_sets. */
    if (fd >= FD_SETSIZE || vd->clients->len >= VNC_MAX_CLIENTS) {
        trace("connection refused: %u clients, fd %d", vd->clients->len,
              fd);
        close(fd);
        return;
    }
    rfbNewClient(vd->screen, fd);
    vnc_reap(vd);
}

/* ---- authentication ------------------------------------------------------ */

static rfbBool vnc_check_password(rfbClientPtr cl, const char *response,
                                  int len)
{
    VncDisplay *vd = cl->screen->screenData;
    unsigned char expect[CHALLENGESIZE];
    unsigned diff = 0;

    /* With no password set every client is refused, as QEMU does. */
    if (!vd->has_password || len != CHALLENGESIZE) {
        return FALSE;
    }
    memcpy(expect, cl->authChallenge, CHALLENGESIZE);
    rfbEncryptBytes(expect, vd->password);
    for (int i = 0; i < CHALLENGESIZE; i++) {
        diff |= expect[i] ^ (unsigned char)response[i];
    }
    return diff == 0;
}

bool vnc_display_set_password(VncDisplay *vd, const char *password,
                              Error **errp)
{
    if (!vd || !vd->opts.password) {
        error_setg(errp, "Could not set password");
        return false;
    }
    memset(vd->password, 0, sizeof(vd->password));
    g_strlcpy(vd->password, password, sizeof(vd->password));
    vd->has_password = true;
    return true;
}

/* ---- input --------------------------------------------------------------- */

/* Nothing reaches the guest before the client is through the handshake:
 * libvncserver calls these from the normal message state only. */
static void vnc_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl)
{
    VncClient *vc = cl->clientData;

    if (vc && vc->vi) {
        vnc_input_key(vc->vi, down, keysym);
    }
}

static void vnc_pointer(int mask, int x, int y, rfbClientPtr cl)
{
    VncClient *vc = cl->clientData;

    if (vc && vc->vi) {
        vnc_input_pointer(vc->vi, mask, x, y);
    }
}

static void vnc_release_all(rfbClientPtr cl)
{
    VncClient *vc = cl->clientData;

    if (vc && vc->vi) {
        vnc_input_release_all(vc->vi);
    }
}

/* ---- the display --------------------------------------------------------- */

static bool vnc_screen_new(VncDisplay *vd)
{
    rfbScreenInfoPtr screen;

    /* The library's own log lines go to our trace domain. */
    rfbLog = vnc_log;
    rfbErr = vnc_log;
    screen = rfbGetScreen(NULL, NULL, VNC_BLANK_WIDTH, VNC_BLANK_HEIGHT, 8,
                          3, 4);
    if (!screen) {
        return false;
    }
    vd->screen = screen;
    vnc_set_format(screen);
    vd->fb_width = VNC_BLANK_WIDTH;
    vd->fb_height = VNC_BLANK_HEIGHT;
    vd->fb = g_new0(uint32_t, VNC_BLANK_WIDTH * VNC_BLANK_HEIGHT);
    screen->frameBuffer = (char *)vd->fb;
    screen->screenData = vd;
    screen->desktopName = "QEMU";
    /* No server-drawn cursor: the guest draws its own. */
    screen->cursor = NULL;
    screen->deferUpdateTime = 0;
    screen->deferPtrUpdateTime = 0;
    screen->maxClientWait = VNC_CLIENT_WAIT_MS;
    /* A second viewer joins rather than evicting the first. */
    screen->alwaysShared = TRUE;
    screen->newClientHook = vnc_new_client;
    screen->kbdAddEvent = vnc_key;
    screen->ptrAddEvent = vnc_pointer;
    screen->kbdReleaseAllKeys = vnc_release_all;
    if (vd->opts.password) {
        /* Any non-NULL value makes libvncserver offer VNC auth. */
        screen->authPasswdData = vd;
        screen->passwordCheck = vnc_check_password;
    }
    /* No rfbInitServer(): its sockets are ours; SIGPIPE is ignored. */
    return true;
}

VncDisplay *vnc_display_open(EventLoop *loop, ConsoleList *consoles,
                             InputHub *hub, const char *optstr,
                             const char *keymap, const char *keymap_dir,
                             Error **errp)
{
    VncDisplay *vd = g_new0(VncDisplay, 1);

    vd->loop = loop;
    vd->consoles = consoles;
    vd->hub = hub;
    vd->listen_fd = -1;
    vd->clients = g_ptr_array_new();
    if (!vnc_options_parse(optstr, &vd->opts, errp)) {
        error_prepend(errp, "-vnc %s: ", optstr);
        goto fail;
    }
    if (vd->opts.type == VNC_ADDR_NONE) {
        return vd;
    }
    vd->km = keymap_load(keymap ? keymap : VNC_DEFAULT_KEYMAP, keymap_dir,
                         errp);
    if (!vd->km) {
        goto fail;
    }
    vd->listen_fd = vnc_listen(&vd->opts, errp);
    if (vd->listen_fd < 0) {
        error_prepend(errp, "-vnc %s: ", optstr);
        goto fail;
    }
    vnc_sock_name(vd->listen_fd, false, &vd->local);
    vd->addr = (VncAddrInfo) {
        .host = vd->local.host,
        .service = vd->local.service,
        .family = vd->local.family,
    };
    if (!vnc_screen_new(vd)) {
        error_setg(errp, "-vnc %s: cannot make the VNC screen", optstr);
        goto fail;
    }
    if (!event_loop_set_fd_handler(loop, vd->listen_fd, vnc_accept, NULL, vd,
                                   errp)) {
        goto fail;
    }
    console_list_add_notifier(consoles, &vnc_notifier_ops, vd);
    vnc_pick_console(vd);
    trace("listening on %s %s (%s)%s", vd->addr.host, vd->addr.service,
          vd->addr.family, vd->opts.password ? ", password" : "");
    return vd;

fail:
    vnc_display_close(vd);
    return NULL;
}

void vnc_display_close(VncDisplay *vd)
{
    if (!vd) {
        return;
    }
    if (vd->screen) {
        while (vd->clients->len) {
            VncClient *vc = g_ptr_array_index(vd->clients, 0);

            rfbCloseClient(vc->cl);
            rfbClientConnectionGone(vc->cl);
        }
        rfbScreenCleanup(vd->screen);
    }
    event_loop_cancel(vd->loop, vnc_flush, vd);
    event_loop_cancel(vd->loop, vnc_pick_console, vd);
    console_list_remove_notifier(vd->consoles, vd);
    if (vd->dl) {
        console_remove_listener(vd->con, vd->dl);
    }
    if (vd->listen_fd >= 0) {
        event_loop_set_fd_handler(vd->loop, vd->listen_fd, NULL, NULL, NULL,
                                  NULL);
        close(vd->listen_fd);
        if (vd->opts.type == VNC_ADDR_UNIX) {
            unlink(vd->opts.path);
        }
    }
    keymap_free(vd->km);
    vnc_options_clear(&vd->opts);
    g_ptr_array_free(vd->clients, true);
    g_free(vd->fb);
    g_free(vd);
}

/* ---- query-vnc ----------------------------------------------------------- */

bool vnc_display_enabled(const VncDisplay *vd)
{
    return vd && vd->listen_fd >= 0;
}

const VncAddrInfo *vnc_display_addr(const VncDisplay *vd)
{
    return &vd->addr;
}

const char *vnc_display_auth(const VncDisplay *vd)
{
    return vd->opts.password ? "vnc" : "none";
}

void vnc_display_foreach_client(VncDisplay *vd, VncClientFn *fn,
                                void *opaque)
{
    for (guint i = 0; vd && i < vd->clients->len; i++) {
        VncClient *vc = g_ptr_array_index(vd->clients, i);
        VncAddrInfo info = {
            .host = vc->peer.host,
            .service = vc->peer.service,
            .family = vc->peer.family,
        };

        fn(opaque, &info);
    }
}

unsigned vnc_display_client_count(const VncDisplay *vd)
{
    return vd ? vd->clients->len : 0;
}

QemuConsole *vnc_display_console(const VncDisplay *vd)
{
    return vd->con;
}
