/*
 * Images read back in tests; see image-util.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "image-util.h"

#include <glib.h>
#include <png.h>
#include <stdio.h>

/*
 * Read as RGBA and alpha ignored, so that colours compare as they are:
 * an RGB read would composite a transparent pixel to black. Whether
 * gvnccapture's PNGs are opaque is a test of its own
 * (image_count_translucent(); docs/display.md says when they were not);
 * screendump's PNGs have no alpha, so nothing changes for them.
 */
static uint32_t *image_read_png(const char *path, unsigned *w, unsigned *h)
{
    png_image img = { .version = PNG_IMAGE_VERSION };
    g_autofree uint8_t *rgba = NULL;
    uint32_t *px;

    g_assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGBA;
    rgba = g_malloc(PNG_IMAGE_SIZE(img));
    g_assert_true(png_image_finish_read(&img, NULL, rgba, 0, NULL));
    *w = img.width;
    *h = img.height;
    px = g_new(uint32_t, *w * *h);
    for (unsigned i = 0; i < *w * *h; i++) {
        px[i] = rgba[4 * i] << 16 | rgba[4 * i + 1] << 8 | rgba[4 * i + 2];
    }
    return px;
}

static uint32_t *image_read_ppm(const char *path, unsigned *w, unsigned *h)
{
    g_autofree char *data = NULL;
    uint32_t *px;
    gsize len;
    int off = 0;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpint(sscanf(data, "P6\n%u %u\n255\n%n", w, h, &off), ==, 2);
    g_assert_cmpuint(len, ==, off + 3 * *w * *h);
    px = g_new(uint32_t, *w * *h);
    for (unsigned i = 0; i < *w * *h; i++) {
        const uint8_t *p = (const uint8_t *)data + off + 3 * i;

        px[i] = p[0] << 16 | p[1] << 8 | p[2];
    }
    return px;
}

uint32_t *image_read(const char *path, bool png, unsigned *w, unsigned *h)
{
    return png ? image_read_png(path, w, h) : image_read_ppm(path, w, h);
}

size_t image_count_translucent(const char *path, unsigned *w, unsigned *h)
{
    png_image img = { .version = PNG_IMAGE_VERSION };
    g_autofree uint8_t *rgba = NULL;
    size_t n = 0;

    g_assert_true(png_image_begin_read_from_file(&img, path));
    img.format = PNG_FORMAT_RGBA;
    rgba = g_malloc(PNG_IMAGE_SIZE(img));
    g_assert_true(png_image_finish_read(&img, NULL, rgba, 0, NULL));
    *w = img.width;
    *h = img.height;
    for (size_t i = 0; i < (size_t)img.width * img.height; i++) {
        n += rgba[4 * i + 3] != 255;
    }
    return n;
}
