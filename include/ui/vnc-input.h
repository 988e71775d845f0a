/*
 * VNC input: a VNC client's RFB KeyEvent (X11 keysym, down) and
 * PointerEvent (button mask, position) messages turned into Linux key
 * codes, buttons, wheel steps and absolute positions on the input API
 * (include/ui/input.h), with the `-k` keymap (include/ui/keymap.h).
 *
 * One VncInput per client: it remembers which Linux key each keysym it
 * holds pressed, so that a release always releases that key whatever
 * the modifiers did in between, and what to release when the client
 * goes. See docs/display.md, "VNC input", for the rules.
 *
 * Nothing a client sends is trusted: unknown keysyms are dropped,
 * positions clamped to the display, unknown mask bits ignored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_VNC_INPUT_H
#define UI_VNC_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/input.h"
#include "ui/keymap.h"

typedef struct VncInput VncInput;

/*
 * One per VNC client. @km: the -k keymap (the server loads "en-us"
 * when -k is absent); borrowed, outlives the VncInput; NULL knows the
 * modifier keys only. @ic: borrowed, outlives it too.
 */
VncInput *vnc_input_new(InputConsole *ic, const Keymap *km);
/* Releases what this client still holds (keys, buttons) first. */
void vnc_input_free(VncInput *vi);
void vnc_input_key(VncInput *vi, bool down, uint32_t keysym);
/*
 * RFB button mask: bit 0 left, 1 middle, 2 right, 3/4 wheel up/down,
 * 5/6 wheel left/right; x, y in the display's pixels.
 */
void vnc_input_pointer(VncInput *vi, int button_mask, int x, int y);
/* Releases every key and button this client holds (focus lost). */
void vnc_input_release_all(VncInput *vi);

#endif /* UI_VNC_INPUT_H */
