/*
 * Runs a libFuzzer target without libFuzzer (a gcc build): every file
 * named on the command line or found in a named directory, then a fixed
 * number of inputs derived from them by a seeded generator, so that a
 * build without clang still exercises the target the same way each time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DERIVED_INPUTS 2000

static void run_file(const char *path, GPtrArray *seeds)
{
    gchar *data;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    g_ptr_array_add(seeds, g_bytes_new_take(data, len));
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) seeds =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    GRand *rand = g_rand_new_with_seed(0x5eed);

    for (int i = 1; i < argc; i++) {
        GDir *dir = g_dir_open(argv[i], 0, NULL);
        const char *name;

        if (!dir) {
            run_file(argv[i], seeds);
            continue;
        }
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(argv[i], name, NULL);

            run_file(path, seeds);
        }
        g_dir_close(dir);
    }
    /* Flip, insert and truncate bytes of the seeds. */
    for (int i = 0; i < DERIVED_INPUTS && seeds->len; i++) {
        GBytes *seed = g_ptr_array_index(seeds, i % seeds->len);
        gsize len;
        const uint8_t *src = g_bytes_get_data(seed, &len);
        g_autoptr(GByteArray) buf = g_byte_array_new();

        g_byte_array_append(buf, src, len);
        for (int m = g_rand_int_range(rand, 1, 8); m > 0 && buf->len; m--) {
            guint pos = g_rand_int_range(rand, 0, buf->len);

            switch (g_rand_int_range(rand, 0, 3)) {
            case 0:
                buf->data[pos] ^= 1 << g_rand_int_range(rand, 0, 8);
                break;
            case 1:
                g_byte_array_set_size(buf, pos);
                break;
            default:
                buf->data[pos] = g_rand_int_range(rand, 0, 256);
                break;
            }
        }
        LLVMFuzzerTestOneInput(buf->data, buf->len);
    }
    g_rand_free(rand);
    printf("ran %u seeds and %d derived inputs\n", seeds->len,
           seeds->len ? DERIVED_INPUTS : 0);
    return 0;
}
