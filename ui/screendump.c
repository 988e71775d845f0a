/*
 * QMP's screendump: a console's surface as PPM or PNG, converted row by
 * row into our own memory (the guest may draw meanwhile; we never read
 * its framebuffer twice for one pixel).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/console.h"

#include <errno.h>
#include <glib.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

/* One row of xRGB as packed RGB. */
static void row_rgb(const DisplaySurface *s, uint32_t y, uint32_t *xrgb,
                    uint8_t *rgb)
{
    display_surface_row_xrgb(s, 0, y, s->width, xrgb);
    for (uint32_t x = 0; x < s->width; x++) {
        rgb[3 * x] = xrgb[x] >> 16;
        rgb[3 * x + 1] = xrgb[x] >> 8;
        rgb[3 * x + 2] = xrgb[x];
    }
}

static bool write_ppm(FILE *f, const DisplaySurface *s, uint32_t *xrgb,
                      uint8_t *rgb)
{
    if (fprintf(f, "P6\n%u %u\n255\n", s->width, s->height) < 0) {
        return false;
    }
    for (uint32_t y = 0; y < s->height; y++) {
        row_rgb(s, y, xrgb, rgb);
        if (fwrite(rgb, 3, s->width, f) != s->width) {
            return false;
        }
    }
    return true;
}

static bool write_png(FILE *f, const DisplaySurface *s, uint32_t *xrgb,
                      uint8_t *rgb)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                              NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    volatile bool ok = false;

    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return false;
    }
    /* libpng reports its errors by longjmp: nothing here owns memory. */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < s->height; y++) {
        row_rgb(s, y, xrgb, rgb);
        png_write_row(png, rgb);
    }
    png_write_end(png, NULL);
    ok = true;
    png_destroy_write_struct(&png, &info);
    return ok;
}

bool console_screendump(QemuConsole *con, const char *filename,
                        const char *format, Error **errp)
{
    const DisplaySurface *s = console_surface(con);
    g_autofree uint32_t *xrgb = NULL;
    g_autofree uint8_t *rgb = NULL;
    bool png, ok;
    FILE *f;

    if (!format || !strcmp(format, "ppm")) {
        png = false;
    } else if (!strcmp(format, "png")) {
        png = true;
    } else {
        error_setg(errp, "Parameter 'format' does not accept value '%s'",
                   format);
        return false;
    }
    if (!s) {
        error_setg(errp, "no surface");
        return false;
    }
    f = fopen(filename, "wb");
    if (!f) {
        error_setg(errp, "failed to open file '%s': %s", filename,
                   g_strerror(errno));
        return false;
    }
    xrgb = g_new(uint32_t, s->width);
    rgb = g_malloc((size_t)s->width * 3);
    ok = png ? write_png(f, s, xrgb, rgb) : write_ppm(f, s, xrgb, rgb);
    if (fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        error_setg(errp, "failed to write file '%s'", filename);
        return false;
    }
    return true;
}
