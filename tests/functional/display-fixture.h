/*
 * The display's functional tests' common part (test-xen-fb, test-vnc,
 * test-vnc-hostile): a fixture with Xenner, the vfb and vkbd backends,
 * two guest domains, the console list and, when a test opens one, a VNC
 * display on a loopback port; test frontends; real clients from Debian
 * run as children while the loop runs; a raw RFB client for what real
 * clients do not send.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_FUNCTIONAL_DISPLAY_FIXTURE_H
#define TESTS_FUNCTIONAL_DISPLAY_FIXTURE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_fb.h"
#include "hw/xen/xen_kbd.h"
#include "image-util.h"
#include "ui/console.h"
#include "ui/vnc.h"
#include "xenner/guests/fbfront.h"
#include "xenner/guests/kbdfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOM_A 5
#define DOM_B 6
#define MEM_FRAMES (64u << 8)           /* 64 MiB */

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XenBackend *be;
    ConsoleList *consoles;
    InputHub *hub;
    XennerGuest *ga, *gb;
    VncDisplay *vd;             /* NULL until open_vnc() */
    int port;
    char *dir;                  /* a temporary directory, emptied at the end */
} Fixture;

/* Runs the loop until @cond holds, failing after 20000 idle rounds. */
#define PUMP_UNTIL(f, cond)                                                 \
    do {                                                                    \
        for (int i_ = 0; i_ < 20000 && !(cond); i_++) {                     \
            g_assert_true(event_loop_run_once((f)->loop, 1, NULL));         \
        }                                                                   \
        g_assert_true(cond);                                                \
    } while (0)

void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);
/* g_test_add() of @fn on the fixture above. */
void fixture_add(const char *path, gconstpointer data,
                 void (*fn)(Fixture *f, gconstpointer data));
void pump(Fixture *f, int rounds);
XennerGuest *guest_of(Fixture *f, uint16_t domid);

/* The display on a free loopback port (to= finds one), -k @km. */
void open_vnc_km(Fixture *f, const char *extra, const char *km);
void open_vnc(Fixture *f, const char *extra);

/* The vfb of @domid (320x200, 4 MiB) as a toolstack makes it, then its
 * frontend; attach() is DOM_A's. */
FbFront *attach_dom(Fixture *f, uint16_t domid, const FbFrontConfig *cfg);
FbFront *attach(Fixture *f, const FbFrontConfig *cfg);
/* attach_dom(), and its frontend Connected. */
FbFront *attach_connected(Fixture *f, uint16_t domid,
                          const FbFrontConfig *cfg);
/* The console of @domid's vfb, NULL while it has none. */
QemuConsole *console_of(Fixture *f, uint16_t domid);
/* The vfb backend's @key of @domid, NULL if absent. */
char *be_read(Fixture *f, uint16_t domid, const char *key);
/* Pattern @k at (@x, @y), @depth bits a pixel, as the guest writes it. */
uint32_t pattern(unsigned x, unsigned y, unsigned depth, unsigned k);
/* Pattern @k over the whole screen, no UPDATE. */
void fill(FbFront *ff, unsigned k);
/* fill(), then one UPDATE of the whole screen. */
void draw(FbFront *ff, unsigned k);
/* The vkbd of @domid and its frontend, connected. */
KbdFront *attach_kbd_dom(Fixture *f, uint16_t domid);
KbdFront *attach_kbd(Fixture *f);
/* The events the kbdfront got from @from on, as "K30+ K30- P125,62". */
char *events_since(KbdFront *kf, guint from);

/*
 * Runs @argv while the loop runs and returns its exit status (-1: a
 * signal); with @pid_out, only starts it (wait_child() waits).
 */
int run_child(Fixture *f, char **argv, GPid *pid_out);
int wait_child(Fixture *f, GPid pid);
/* gvnccapture of the display into @path. */
char **capture_argv(Fixture *f, const char *path);
/* @px (@w x @h, 0x00RRGGBB, from @what) equals screendump of the
 * shown console. */
void check_pixels(Fixture *f, const uint32_t *px, unsigned w, unsigned h,
                  const char *what);
/* The capture at @path equals screendump of the shown console, w x h. */
void check_capture(Fixture *f, const char *path, unsigned w, unsigned h);
void capture_and_check(Fixture *f, FbFront *ff);
/* Net::VNC logs in and runs @script ($v is the client). */
void net_vnc(Fixture *f, const char *script);

/* ---- the raw client ---- */
int rc_connect(Fixture *f);
/* Reads @len bytes while the loop runs; false at EOF or an error. */
bool rc_read(Fixture *f, int fd, void *buf, size_t len);
void rc_write(int fd, const void *buf, size_t len);
/* Until the server closes @fd. */
void rc_wait_closed(Fixture *f, int fd);
/* Version 3.8, no security, ClientInit shared. */
void rc_handshake(Fixture *f, int fd);
void put32(uint8_t *p, uint32_t v);
uint32_t get32(const uint8_t *p);

#endif /* TESTS_FUNCTIONAL_DISPLAY_FIXTURE_H */
