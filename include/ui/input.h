/*
 * The input API: what an input source (the VNC server, a test) calls and
 * what an input device (the vkbd backend) serves.
 *
 * An InputHub holds one InputConsole per guest domain. A source sends
 * events to a domain's console; every device bound to that console (its
 * sinks) receives them. Keys are Linux KEY_* and BTN_* codes
 * (linux/input-event-codes.h). Absolute positions and touch contacts are
 * in the source's coordinate space, whose size is the console's display
 * size (the framebuffer's, set with input_console_set_display_size() by
 * the display side); each device scales them to the range its guest was
 * told, and rescales when the display size changes.
 *
 * Single-threaded (the event loop's thread); no global state: the hub is
 * made by main() and passed down.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_INPUT_H
#define UI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct InputHub InputHub;
typedef struct InputConsole InputConsole;

typedef enum InputEventType {
    INPUT_EVENT_KEY,            /* key or button down/up */
    INPUT_EVENT_REL,            /* relative motion; dz is the wheel */
    INPUT_EVENT_ABS,            /* absolute position, source coordinates */
    INPUT_EVENT_MT,             /* a multi-touch contact */
} InputEventType;

/* As kbdif's XENKBD_MT_EV_*, the ones a source can report. */
typedef enum InputMtType {
    INPUT_MT_DOWN,
    INPUT_MT_UP,
    INPUT_MT_MOTION,
    INPUT_MT_SYN,               /* a frame of contact changes is complete */
} InputMtType;

typedef struct InputEvent {
    InputEventType type;
    union {
        struct {
            uint16_t code;      /* KEY_* or BTN_* */
            bool down;
        } key;
        struct {
            int32_t dx, dy, dz; /* dz > 0: wheel turned away from the user */
        } rel;
        struct {
            uint32_t x, y;      /* within the display size */
            int32_t dz;         /* wheel at the same time */
        } abs;
        struct {
            InputMtType type;
            uint32_t contact;
            uint32_t x, y;      /* DOWN and MOTION only */
        } mt;
    };
} InputEvent;

/* The display size before any is set. */
#define INPUT_DEFAULT_WIDTH 800
#define INPUT_DEFAULT_HEIGHT 600

typedef void InputSinkFn(void *opaque, const InputEvent *ev);
/* The display size changed: rescale from now on. */
typedef void InputResizeFn(void *opaque, uint32_t width, uint32_t height);

typedef struct InputSinkOps {
    InputSinkFn *event;
    InputResizeFn *resize;      /* optional */
} InputSinkOps;

InputHub *input_hub_new(void);
/* Every sink must have been removed. */
void input_hub_free(InputHub *hub);
/* The console of guest @domid, made on first use; the hub owns it. */
InputConsole *input_hub_console(InputHub *hub, uint16_t domid);

/* ---- devices ----------------------------------------------------------- */

/* @opaque is the sink's identity for input_console_remove_sink(). */
void input_console_add_sink(InputConsole *ic, const InputSinkOps *ops,
                            void *opaque);
void input_console_remove_sink(InputConsole *ic, void *opaque);

/* ---- the display side --------------------------------------------------- */

/* Sizes of 0 are ignored. Sinks hear of a change at once. */
void input_console_set_display_size(InputConsole *ic, uint32_t width,
                                    uint32_t height);
void input_console_display_size(const InputConsole *ic, uint32_t *width,
                                uint32_t *height);

/* ---- sources ------------------------------------------------------------- */

void input_send(InputConsole *ic, const InputEvent *ev);
void input_send_key(InputConsole *ic, uint16_t code, bool down);
void input_send_rel(InputConsole *ic, int32_t dx, int32_t dy);
void input_send_wheel(InputConsole *ic, int32_t dz);
/* Beyond the display size is clamped to its edge by the devices. */
void input_send_abs(InputConsole *ic, uint32_t x, uint32_t y);
void input_send_mt(InputConsole *ic, InputMtType type, uint32_t contact,
                   uint32_t x, uint32_t y);

/*
 * Scales @v from [0, @from - 1] to [0, @to - 1], rounding to the nearest
 * and clamping @v to the source's range: the source's last pixel is the
 * guest's last. @from or @to of 0 or 1 give 0.
 */
uint32_t input_scale(uint32_t v, uint32_t from, uint32_t to);

#endif /* UI_INPUT_H */
