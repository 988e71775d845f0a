/*
 * The VNC display against clients that misbehave: garbage, messages
 * out of order or too long, half messages held back, connections by
 * the dozen, resets and kills in the middle of an update. Each loses
 * its own connection at most; the guest, the display and the next
 * client are unharmed (display-fixture.h has the setting).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "display-fixture.h"

/* ---- hostile clients ------------------------------------------------------ */

typedef enum Hostility {
    GARBAGE,            /* not a protocol version */
    POINTER_BEFORE_INIT,
    HUGE_CUT_TEXT,
    MANY_ENCODINGS,     /* 65535 of them: legal, served */
    GONE_MID_UPDATE,    /* asks for the whole screen, then resets */
    TOO_MANY,           /* 40 connections at once */
} Hostility;

static void attack(Fixture *f, Hostility h)
{
    int fd = rc_connect(f);

    switch (h) {
    case GARBAGE:
        rc_write(fd, "GET / HTTP/1.0\r\n\r\n\xff\xfe", 20);
        rc_wait_closed(f, fd);
        break;
    case POINTER_BEFORE_INIT: {
        static const uint8_t ptr[6] = { 5, 1, 0, 10, 0, 10 };

        rc_write(fd, ptr, sizeof(ptr));
        rc_write(fd, ptr, sizeof(ptr));
        rc_wait_closed(f, fd);
        break;
    }
    case HUGE_CUT_TEXT: {
        uint8_t msg[8] = { 6 };

        rc_handshake(f, fd);
        put32(msg + 4, 0x7fffffff);
        rc_write(fd, msg, sizeof(msg));
        rc_wait_closed(f, fd);
        break;
    }
    case MANY_ENCODINGS: {
        size_t n = 65535, len = 4 + 4 * n;
        g_autofree uint8_t *msg = g_malloc0(len);
        uint8_t req[10] = { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        uint8_t hdr[4];

        rc_handshake(f, fd);
        msg[0] = 2;
        msg[2] = n >> 8;
        msg[3] = n & 0xff;
        for (size_t i = 0; i < n; i++) {
            put32(msg + 4 + 4 * i, (uint32_t)(i * 7919));
        }
        /* Raw last, so the update below is one we can read. */
        put32(msg + 4 + 4 * (n - 1), 0);
        /* A blocking send would stall: the server reads as we pump. */
        for (size_t off = 0; off < len;) {
            ssize_t w = send(fd, msg + off, len - off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);

            if (w > 0) {
                off += w;
            } else {
                g_assert_true(errno == EAGAIN);
                pump(f, 1);
            }
        }
        req[6] = 0;
        req[7] = 16;
        req[8] = 0;
        req[9] = 16;
        rc_write(fd, req, sizeof(req));
        /* Still served: a FramebufferUpdate comes. */
        g_assert_true(rc_read(f, fd, hdr, sizeof(hdr)));
        g_assert_cmpuint(hdr[0], ==, 0);
        close(fd);
        return;
    }
    case GONE_MID_UPDATE: {
        uint8_t req[10] = { 3, 0, 0, 0, 0, 0, 640 >> 8, 640 & 0xff,
                            480 >> 8, 480 & 0xff };
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };

        rc_handshake(f, fd);
        rc_write(fd, req, sizeof(req));
        /* A reset, not a FIN: the server's writes fail at once. */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
        PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
        return;
    }
    case TOO_MANY: {
        int fds[40];

        fds[0] = fd;
        for (int i = 1; i < 40; i++) {
            /* Within the listen backlog: the loop accepts as we go. */
            pump(f, 2);
            fds[i] = rc_connect(f);
        }
        /* 32 are served; the others are closed at once. */
        PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 32);
        pump(f, 20);
        g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 32);
        for (int i = 0; i < 40; i++) {
            close(fds[i]);
        }
        return;
    }
    }
    close(fd);
}

static void test_hostile(Fixture *f, gconstpointer data)
{
    Hostility h = GPOINTER_TO_UINT(data);
    FbFront *ff;

    open_vnc(f, NULL);
    ff = attach_connected(f, DOM_A, NULL);
    draw(ff, 9);
    attack(f, h);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    /* The display, the guest and the next client are unharmed. */
    g_assert_true(fbfront_connected(ff));
    draw(ff, 10);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

/*
 * Clients that send half a message and wait: libvncserver is not called
 * for them until the rest comes (it would block the loop reading it, and
 * drop them when its wait ran out), so other clients are served
 * meanwhile, and each is served when its message is whole.
 */
static void test_half_messages(Fixture *f, gconstpointer data)
{
    static const uint8_t encodings[] = {
        2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1,     /* Raw, CopyRect */
    };
    static const uint8_t request[10] = { 3, 0, 0, 0, 0, 0, 0, 8, 0, 8 };
    uint8_t hdr[4];
    FbFront *ff;
    int version, header, body;

    open_vnc(f, NULL);
    ff = attach_connected(f, DOM_A, NULL);
    draw(ff, 30);
    version = rc_connect(f);
    rc_write(version, "RFB 003.", 8);
    header = rc_connect(f);
    rc_handshake(f, header);
    rc_write(header, encodings, 2);
    body = rc_connect(f);
    rc_handshake(f, body);
    rc_write(body, encodings, 8);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 3);
    capture_and_check(f, ff);
    /* Not one of them was given up on. */
    g_assert_cmpuint(vnc_display_client_count(f->vd), ==, 3);
    /* The rest of a message comes: it is read, and the client served. */
    rc_write(body, encodings + 8, sizeof(encodings) - 8);
    rc_write(body, request, sizeof(request));
    g_assert_true(rc_read(f, body, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    rc_write(header, encodings + 2, sizeof(encodings) - 2);
    rc_write(header, request, sizeof(request));
    g_assert_true(rc_read(f, header, hdr, sizeof(hdr)));
    g_assert_cmpuint(hdr[0], ==, 0);
    close(version);
    close(header);
    close(body);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    fbfront_free(ff);
}

/* A real client killed while it reads a large update. */
static void test_client_killed(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "killed.png", NULL);
    g_auto(GStrv) argv = NULL;
    FbFront *ff;
    GPid pid;

    open_vnc(f, NULL);
    ff = attach_connected(f, DOM_A, NULL);
    g_assert_cmpint(fbfront_resize(ff, 1024, 1024, 4096, 32, 0), ==, 0);
    draw(ff, 11);
    argv = capture_argv(f, path);
    run_child(f, argv, &pid);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 1);
    kill(pid, SIGKILL);
    g_assert_cmpint(wait_child(f, pid), ==, -1);
    PUMP_UNTIL(f, vnc_display_client_count(f->vd) == 0);
    PUMP_UNTIL(f, fbfront_refresh_period(ff) == XENFB_NO_REFRESH);
    capture_and_check(f, ff);
    fbfront_free(ff);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        Hostility h;
    } hostile[] = {
        { "garbage", GARBAGE },
        { "pointer-before-init", POINTER_BEFORE_INIT },
        { "huge-cut-text", HUGE_CUT_TEXT },
        { "many-encodings", MANY_ENCODINGS },
        { "gone-mid-update", GONE_MID_UPDATE },
        { "too-many", TOO_MANY },
    };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(hostile); i++) {
        g_autofree char *name = g_strdup_printf("/vnc/hostile/%s",
                                                hostile[i].name);

        fixture_add(name, GUINT_TO_POINTER(hostile[i].h), test_hostile);
    }
    fixture_add("/vnc/hostile/half-messages", NULL, test_half_messages);
    fixture_add("/vnc/hostile/client-killed", NULL, test_client_killed);
    return g_test_run();
}
