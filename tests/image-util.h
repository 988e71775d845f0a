/*
 * Images read back in tests: what screendump writes (P6 PPM or PNG) and
 * what VNC clients capture (PNG), as one 0x00RRGGBB word a pixel, so
 * that any two can be compared word for word.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TESTS_IMAGE_UTIL_H
#define TESTS_IMAGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The PNG (@png) or P6 PPM at @path, row by row, as 0x00RRGGBB; its size
 * in *@w, *@h. Fails the test if the file is not one. g_free() it.
 */
uint32_t *image_read(const char *path, bool png, unsigned *w, unsigned *h);

/*
 * How many pixels of the PNG at @path are not opaque (alpha below 255;
 * none in a PNG without alpha); its size in *@w, *@h.
 */
size_t image_count_translucent(const char *path, unsigned *w, unsigned *h);

#endif /* TESTS_IMAGE_UTIL_H */
