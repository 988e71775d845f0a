/*
 * Unit tests of the Xenner xenstore tree: nodes and values, paths,
 * permissions and per-domain quotas, held to the behaviour of Xen's C
 * xenstored. Domain management is test-xs-domain.c's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "xenner/xs_tree.h"
#include "xs-test-util.h"

/* ---- nodes and values ------------------------------------------------- */

static void test_new_tree(XtFixture *f, gconstpointer data)
{
    g_autofree char *root = xt_read(f->dom0, 0, "/");
    g_autofree char *dir = xt_dir(f->dom0, 0, "/");
    g_autofree char *perms = xt_perms(f->dom0, 0, "/");

    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 1);
    g_assert_cmpstr(root, ==, "");
    g_assert_cmpstr(dir, ==, "");
    g_assert_cmpstr(perms, ==, "n0");
    g_assert_cmpuint(xenner_xs_client_domid(f->dom0), ==, 0);
}

static void test_value_binary(XtFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) v = g_byte_array_new();
    uint8_t buf[XS_VALUE_MAX + 1];

    /* Nul bytes all through the value: it is not a string. */
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = i % 251;
    }
    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/bin", buf,
                                           XS_VALUE_MAX),
                    ==, 0);
    g_assert_cmpint(xenner_xs_client_read(f->dom0, 0, "/bin", v), ==, 0);
    g_assert_cmpmem(v->data, v->len, buf, XS_VALUE_MAX);

    /* One byte more is refused and leaves the node as it was. */
    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/bin", buf,
                                           XS_VALUE_MAX + 1),
                    ==, -E2BIG);
    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/new", buf,
                                           XS_VALUE_MAX + 1),
                    ==, -E2BIG);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/new"), ==, -ENOENT);
    g_byte_array_set_size(v, 0);
    g_assert_cmpint(xenner_xs_client_read(f->dom0, 0, "/bin", v), ==, 0);
    g_assert_cmpmem(v->data, v->len, buf, XS_VALUE_MAX);

    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/bin", "a\0b\0", 4), ==,
                    0);
    g_byte_array_set_size(v, 0);
    g_assert_cmpint(xenner_xs_client_read(f->dom0, 0, "/bin", v), ==, 0);
    g_assert_cmpmem(v->data, v->len, "a\0b\0", 4);

    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/bin", "", 0), ==, 0);
    g_byte_array_set_size(v, 0);
    g_assert_cmpint(xenner_xs_client_read(f->dom0, 0, "/bin", v), ==, 0);
    g_assert_cmpuint(v->len, ==, 0);
}

static void test_value_overwrite(XtFixture *f, gconstpointer data)
{
    g_autofree char *v1 = NULL;
    g_autofree char *v2 = NULL;

    g_assert_cmpint(xt_write(f->dom0, 0, "/o", "a long first value"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/o", "short"), ==, 0);
    v1 = xt_read(f->dom0, 0, "/o");
    g_assert_cmpstr(v1, ==, "short");
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 2);
    g_assert_cmpint(xt_write(f->dom0, 0, "/o", ""), ==, 0);
    v2 = xt_read(f->dom0, 0, "/o");
    g_assert_cmpstr(v2, ==, "");
}

static void test_write_creates_parents(XtFixture *f, gconstpointer data)
{
    g_autofree char *a = NULL;
    g_autofree char *ab = NULL;
    g_autofree char *abc = NULL;
    g_autofree char *root = NULL;
    g_autofree char *dir_a = NULL;

    g_assert_cmpint(xt_write(f->dom0, 0, "/a/b/c", "v"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 4);
    a = xt_read(f->dom0, 0, "/a");
    ab = xt_read(f->dom0, 0, "/a/b");
    abc = xt_read(f->dom0, 0, "/a/b/c");
    g_assert_cmpstr(a, ==, "");
    g_assert_cmpstr(ab, ==, "");
    g_assert_cmpstr(abc, ==, "v");
    root = xt_dir(f->dom0, 0, "/");
    dir_a = xt_dir(f->dom0, 0, "/a");
    g_assert_cmpstr(root, ==, "a");
    g_assert_cmpstr(dir_a, ==, "b");

    g_assert_cmpint(xt_write(f->dom0, 0, "/a/b/c", "w"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 4);
}

static void test_mkdir(XtFixture *f, gconstpointer data)
{
    g_autofree char *m = NULL;
    g_autofree char *mn = NULL;
    g_autofree char *kept = NULL;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/m/n"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
    m = xt_read(f->dom0, 0, "/m");
    mn = xt_read(f->dom0, 0, "/m/n");
    g_assert_cmpstr(m, ==, "");
    g_assert_cmpstr(mn, ==, "");

    /* An existing node is fine, and keeps its value. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/m/n", "x"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/m/n"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/"), ==, 0);
    kept = xt_read(f->dom0, 0, "/m/n");
    g_assert_cmpstr(kept, ==, "x");
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
}

static void test_rm(XtFixture *f, gconstpointer data)
{
    g_autofree char *dir = NULL;

    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a/b", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a/c/d", "2"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/e", "3"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 7);

    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/r/a"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a/b"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a/c/d"), ==, -ENOENT);
    dir = xt_dir(f->dom0, 0, "/r");
    g_assert_cmpstr(dir, ==, "e");

    /* Already gone is fine while the parent exists. */
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/r/a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/r/a/b"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/nope/x"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/"), ==, -EINVAL);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
}

static void test_missing_node(XtFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) part = g_byte_array_new();
    const XsPerm perm = { 0, XS_PERM_READ };

    g_assert_cmpint(xt_read_err(f->dom0, 0, "/missing"), ==, -ENOENT);
    g_assert_cmpint(xt_dir_err(f->dom0, 0, "/missing"), ==, -ENOENT);
    g_assert_cmpint(xt_perms_err(f->dom0, 0, "/missing"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_set_perms(f->dom0, 0, "/missing", &perm,
                                               1),
                    ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, 0, "/missing", 0,
                                                    part),
                    ==, -ENOENT);
    g_assert_cmpuint(part->len, ==, 0);
}

/* ---- paths ------------------------------------------------------------ */

static void test_path_invalid(XtFixture *f, gconstpointer data)
{
    static const char *const bad[] = {
        "", "//", "/a//b", "/a/", "a/", "/a b", "a b", "/a\tb", "/a.b",
        "/a*", "/a:b", "/\xc3\xa9", "/a\\b", "/a/./b",
    };
    const XsPerm perm = { 0, XS_PERM_NONE };

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "keep"), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GByteArray) part = g_byte_array_new();

        g_test_message("path \"%s\"", bad[i]);
        g_assert_cmpint(xt_read_err(f->dom0, 0, bad[i]), ==, -EINVAL);
        g_assert_cmpint(xt_write(f->dom0, 0, bad[i], "x"), ==, -EINVAL);
        g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, bad[i]), ==,
                        -EINVAL);
        g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, bad[i]), ==, -EINVAL);
        g_assert_cmpint(xt_dir_err(f->dom0, 0, bad[i]), ==, -EINVAL);
        g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, 0, bad[i], 0,
                                                        part),
                        ==, -EINVAL);
        g_assert_cmpint(xt_perms_err(f->dom0, 0, bad[i]), ==, -EINVAL);
        g_assert_cmpint(xenner_xs_client_set_perms(f->dom0, 0, bad[i], &perm,
                                                   1),
                        ==, -EINVAL);
    }
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 2);

    /* Special names are for permissions and watches only. */
    g_assert_cmpint(xt_read_err(f->dom0, 0, "@introduceDomain"), ==,
                    -EINVAL);
    g_assert_cmpint(xt_write(f->dom0, 0, "@releaseDomain", "x"), ==,
                    -EINVAL);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "@introduceDomain"), ==,
                    -EINVAL);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "@introduceDomain"), ==,
                    -EINVAL);
    g_assert_cmpint(xt_dir_err(f->dom0, 0, "@releaseDomain"), ==, -EINVAL);
}

static void test_path_relative(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *v0 = NULL;
    g_autofree char *v5 = NULL;
    g_autofree char *v5rel = NULL;
    g_autofree char *vbig = NULL;
    XsClient *big;

    g_assert_cmpint(xt_write(f->dom0, 0, "x", "zero"), ==, 0);
    v0 = xt_read(f->dom0, 0, "/local/domain/0/x");
    g_assert_cmpstr(v0, ==, "zero");

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(c5, 0, "dev/a", "five"), ==, 0);
    v5 = xt_read(f->dom0, 0, "/local/domain/5/dev/a");
    v5rel = xt_read(c5, 0, "dev/a");
    g_assert_cmpstr(v5, ==, "five");
    g_assert_cmpstr(v5rel, ==, "five");
    g_assert_cmpint(xt_read_err(c5, 0, "x"), ==, -ENOENT);
    xenner_xs_client_free(c5);

    /* The home's domid has as many digits as a domid may have. */
    big = xt_client(f, 32751);
    xt_make_home(f->dom0, 32751);
    g_assert_cmpint(xt_write(big, 0, "dev", "big"), ==, 0);
    vbig = xt_read(f->dom0, 0, "/local/domain/32751/dev");
    g_assert_cmpstr(vbig, ==, "big");
    xenner_xs_client_free(big);
}

/* A relative path of exactly @len characters, in components of 99. */
static char *long_rel_path(size_t len)
{
    GString *s = g_string_new(NULL);

    while (s->len < len) {
        if (s->len && s->len % 100 == 99) {
            g_string_append_c(s, '/');
        } else {
            g_string_append_c(s, 'p');
        }
    }
    return g_string_free(s, false);
}

static void test_path_length(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *a2048 = g_strnfill(2048, 'a');
    g_autofree char *a2049 = g_strnfill(2049, 'a');
    g_autofree char *a2047 = g_strnfill(2047, 'a');
    g_autofree char *a5000 = g_strnfill(5000, 'a');
    g_autofree char *home_ok = g_strconcat("/local/domain/6/", a2048, NULL);
    g_autofree char *home_bad = g_strconcat("/local/domain/6/", a2049, NULL);
    g_autofree char *abs_ok = g_strconcat("/", a2047, NULL);
    g_autofree char *abs_bad = g_strconcat("/", a2048, NULL);
    g_autofree char *huge = g_strconcat("/", a5000, NULL);
    g_autofree char *rel_ok = long_rel_path(2048);
    g_autofree char *rel_bad = long_rel_path(2049);

    /* Below a domain's home the part after the home counts. */
    g_assert_cmpint(xt_write(f->dom0, 0, home_ok, "v"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, home_bad, "v"), ==, -EINVAL);
    g_assert_cmpint(xt_read_err(f->dom0, 0, home_bad), ==, -EINVAL);

    /* Elsewhere the whole path does. */
    g_assert_cmpint(xt_write(f->dom0, 0, abs_ok, "v"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, abs_bad, "v"), ==, -EINVAL);
    g_assert_cmpint(xt_read_err(f->dom0, 0, huge), ==, -EINVAL);

    /* A relative path resolves below the home first. */
    xt_make_home(f->dom0, 5);
    g_assert_cmpuint(strlen(rel_ok), ==, 2048);
    g_assert_cmpint(xt_write(c5, 0, rel_ok, "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, rel_bad, "v"), ==, -EINVAL);
    g_assert_cmpint(xt_write(c5, 0, a2049, "v"), ==, -EINVAL);
    xenner_xs_client_free(c5);
}

/* ---- directories and generations -------------------------------------- */

static void test_directory_sorted(XtFixture *f, gconstpointer data)
{
    static const char *const names[] = {
        "b", "a", "c", "ab", "B", "0", "a_", "a-", "zz", "z",
    };
    g_autoptr(GByteArray) raw = g_byte_array_new();
    g_autofree char *dir = NULL;
    g_autofree char *after_rm = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_strconcat("/d/", names[i], NULL);

        g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, p), ==, 0);
    }
    dir = xt_dir(f->dom0, 0, "/d");
    g_assert_cmpstr(dir, ==, "0 B a a- a_ ab b c z zz");
    g_assert_cmpint(xenner_xs_client_directory(f->dom0, 0, "/d", raw), ==, 0);
    g_assert_cmpmem(raw->data, raw->len,
                    "0\0B\0a\0a-\0a_\0ab\0b\0c\0z\0zz\0", 24);

    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/d/a_"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/d/0"), ==, 0);
    after_rm = xt_dir(f->dom0, 0, "/d");
    g_assert_cmpstr(after_rm, ==, "B a a- ab b c z zz");
}

static void test_generation(XtFixture *f, gconstpointer data)
{
    uint64_t g0, g1, g2, g3, g4;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/g"), ==, 0);
    g0 = xt_generation(f->dom0, 0, "/g");

    /* A child added changes it. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/g/a", "1"), ==, 0);
    g1 = xt_generation(f->dom0, 0, "/g");
    g_assert_cmpuint(g1, >, g0);

    /* A child's value is the child's business. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/g/a", "2"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/g/a/deep", "3"), ==, 0);
    g_assert_cmpuint(xt_generation(f->dom0, 0, "/g"), ==, g1);

    /* The node's own value changes it. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/g", "self"), ==, 0);
    g2 = xt_generation(f->dom0, 0, "/g");
    g_assert_cmpuint(g2, >, g1);

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/g/b"), ==, 0);
    g3 = xt_generation(f->dom0, 0, "/g");
    g_assert_cmpuint(g3, >, g2);

    /* Removal of a child changes it; removal of nothing does not. */
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/g/a"), ==, 0);
    g4 = xt_generation(f->dom0, 0, "/g");
    g_assert_cmpuint(g4, >, g3);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/g/nothing"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/g/b"), ==, 0);
    g_assert_cmpuint(xt_generation(f->dom0, 0, "/g"), ==, g4);
}

/* Checks one XS_DIRECTORY_PART reply: @gen, then exactly @rest. */
static void check_part(XsClient *c, const char *path, size_t offset,
                       const char *rest, size_t rest_len)
{
    g_autoptr(GByteArray) reply = g_byte_array_new();
    g_autofree char *gen = NULL;
    size_t genlen;

    g_assert_cmpint(xenner_xs_client_directory_part(c, 0, path, offset, reply),
                    ==, 0);
    gen = g_strdup_printf("%" G_GUINT64_FORMAT, xt_generation(c, 0, path));
    genlen = strlen(gen) + 1;
    g_assert_cmpuint(reply->len, >=, genlen);
    g_assert_cmpmem(reply->data, genlen, gen, genlen);
    g_assert_cmpmem(reply->data + genlen, reply->len - genlen,
                    rest, rest_len);
}

static void test_directory_part_small(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/s/bb"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/s/aa"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/e"), ==, 0);

    check_part(f->dom0, "/s", 0, "aa\0bb\0\0", 7);
    check_part(f->dom0, "/s", 3, "bb\0\0", 4);
    /* The offset is in bytes of the list, even inside a name. */
    check_part(f->dom0, "/s", 1, "a\0bb\0\0", 6);
    check_part(f->dom0, "/s", 5, "\0\0", 2);
    check_part(f->dom0, "/s", 6, "\0", 1);
    check_part(f->dom0, "/s", 1000, "\0", 1);
    check_part(f->dom0, "/e", 0, "\0", 1);
}

static void test_directory_part_large(XtFixture *f, gconstpointer data)
{
    enum { NAMES = 150, NAME_LEN = 40 };
    g_autoptr(GByteArray) expect = g_byte_array_new();
    g_autoptr(GByteArray) got = g_byte_array_new();
    g_autofree char *gen = NULL;
    size_t offset = 0;
    unsigned calls = 0;
    bool done = false;

    for (unsigned i = 0; i < NAMES; i++) {
        g_autofree char *name = g_strdup_printf("c%03u", i);
        g_autofree char *pad = g_strnfill(NAME_LEN - strlen(name), 'x');
        g_autofree char *path = g_strconcat("/big/", name, pad, NULL);

        g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, path), ==, 0);
        g_byte_array_append(expect, (guint8 *)path + 5, NAME_LEN + 1);
    }
    /* The whole list does not fit one reply. */
    g_assert_cmpint(xt_dir_err(f->dom0, 0, "/big"), ==, -E2BIG);

    gen = g_strdup_printf("%" G_GUINT64_FORMAT,
                          xt_generation(f->dom0, 0, "/big"));
    while (!done) {
        g_autoptr(GByteArray) reply = g_byte_array_new();
        size_t genlen = strlen(gen) + 1, chunk;

        g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, 0, "/big",
                                                        offset, reply),
                        ==, 0);
        g_assert_cmpuint(reply->len, <=, XS_VALUE_MAX);
        g_assert_cmpmem(reply->data, genlen, gen, genlen);
        chunk = reply->len - genlen;
        /* Whole names only; the empty name marks the end of the list. */
        done = chunk && reply->data[reply->len - 1] == '\0' &&
               (chunk == 1 || reply->data[reply->len - 2] == '\0');
        if (done) {
            chunk--;
        } else {
            /* As much as fits: one more name would not. */
            g_assert_cmpuint(genlen + chunk + NAME_LEN + 1, >=,
                             XS_VALUE_MAX);
        }
        g_assert_cmpuint(chunk % (NAME_LEN + 1), ==, 0);
        g_byte_array_append(got, reply->data + genlen, chunk);
        offset += chunk;
        calls++;
        g_assert_cmpuint(calls, <=, 3);
    }
    g_assert_cmpuint(calls, ==, 2);
    g_assert_cmpmem(got->data, got->len, expect->data, expect->len);
}

/* ---- permissions ------------------------------------------------------ */

static void test_perm_parse_format(XtFixture *f, gconstpointer data)
{
    static const struct {
        const char *str;
        uint16_t domid;
        uint8_t perms;
    } good[] = {
        { "n0", 0, XS_PERM_NONE },
        { "r5", 5, XS_PERM_READ },
        { "w65535", 65535, XS_PERM_WRITE },
        { "b7", 7, XS_PERM_READ | XS_PERM_WRITE },
    };
    static const char *const bad[] = {
        "x1", "r", "r-1", "r70000", "r65536", "", "5", "r5x", "r 5", "R5",
        "nn", "r+5", "b",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        XsPerm p = { 0xdead, 0xff };
        char buf[8];

        g_assert_true(xenner_xs_perm_parse(good[i].str, &p));
        g_assert_cmpuint(p.domid, ==, good[i].domid);
        g_assert_cmpuint(p.perms, ==, good[i].perms);
        xenner_xs_perm_format(&p, buf);
        g_assert_cmpstr(buf, ==, good[i].str);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        XsPerm p;

        g_test_message("perm \"%s\"", bad[i]);
        g_assert_false(xenner_xs_perm_parse(bad[i], &p));
    }
}

static void test_perm_access(XtFixture *f, gconstpointer data)
{
    XsClient *c1 = xt_client(f, 1), *c5 = xt_client(f, 5);
    XsClient *c6 = xt_client(f, 6), *c7 = xt_client(f, 7);
    XsClient *c8 = xt_client(f, 8);
    g_autofree char *by_owner = NULL;
    g_autofree char *by_default = NULL;
    g_autofree char *by_both = NULL;
    g_autofree char *final = NULL;

    /* Owner 1, readable by default, 5 shut out, 6 write-only, 8 both. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/p", "v"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/p", "r1 n5 w6 b8"), ==, 0);

    by_owner = xt_read(c1, 0, "/p");
    g_assert_cmpstr(by_owner, ==, "v");
    g_assert_cmpint(xt_write(c1, 0, "/p", "1"), ==, 0);

    g_assert_cmpint(xt_read_err(c5, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xt_dir_err(c5, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xt_perms_err(c5, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xt_write(c5, 0, "/p", "5"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "/p"), ==, -EACCES);

    g_assert_cmpint(xt_read_err(c6, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xt_write(c6, 0, "/p", "6"), ==, 0);

    by_default = xt_read(c7, 0, "/p");
    g_assert_cmpstr(by_default, ==, "6");
    g_assert_cmpint(xt_write(c7, 0, "/p", "7"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_mkdir(c7, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c7, 0, "/p"), ==, -EACCES);

    g_assert_cmpint(xt_write(c8, 0, "/p", "8"), ==, 0);
    by_both = xt_read(c8, 0, "/p");
    g_assert_cmpstr(by_both, ==, "8");

    /* Domain 0 is privileged whatever the entries say. */
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/p", "n1"), ==, 0);
    final = xt_read(f->dom0, 0, "/p");
    g_assert_cmpstr(final, ==, "8");
    g_assert_cmpint(xt_write(f->dom0, 0, "/p", "0"), ==, 0);
    g_assert_cmpint(xt_read_err(c8, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c6, 0, "/p"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c1, 0, "/p"), ==, 0);
}

static void test_perm_set_owner_only(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *c6 = xt_client(f, 6);
    XsClient *c7 = xt_client(f, 7);
    g_autofree char *p1 = NULL;
    g_autofree char *p2 = NULL;
    g_autofree char *p3 = NULL;
    g_autofree char *p4 = NULL;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/o"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/o", "n5 b6"), ==, 0);

    /* Write access is not ownership. */
    g_assert_cmpint(xt_set_perms(c6, 0, "/o", "n5 b6 b7"), ==, -EACCES);
    g_assert_cmpint(xt_set_perms(c7, 0, "/o", "n5 b7"), ==, -EACCES);
    g_assert_cmpint(xt_set_perms(c5, 0, "/o", "n5 r6 r7"), ==, 0);
    p1 = xt_perms(c5, 0, "/o");
    g_assert_cmpstr(p1, ==, "n5 r6 r7");

    /* The owner may not give the node away; dom0 may. */
    g_assert_cmpint(xt_set_perms(c5, 0, "/o", "n6"), ==, -EPERM);
    p2 = xt_perms(f->dom0, 0, "/o");
    g_assert_cmpstr(p2, ==, "n5 r6 r7");
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/o", "r6"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "/o", "n5"), ==, -EACCES);
    g_assert_cmpint(xt_set_perms(c6, 0, "/o", "b6 n5"), ==, 0);
    p3 = xt_perms(c6, 0, "/o");
    g_assert_cmpstr(p3, ==, "b6 n5");
    g_assert_cmpint(xt_perms_err(c5, 0, "/o"), ==, -EACCES);

    /* An owner may drop entries, not only add them. */
    g_assert_cmpint(xt_set_perms(c6, 0, "/o", "n6 r5 r7 r8"), ==, 0);
    g_assert_cmpint(xt_set_perms(c6, 0, "/o", "n6"), ==, 0);
    p4 = xt_perms(c6, 0, "/o");
    g_assert_cmpstr(p4, ==, "n6");

    g_assert_cmpint(xenner_xs_client_set_perms(f->dom0, 0, "/o", NULL, 0), ==,
                    -EINVAL);
}

static void test_perm_missing_unreadable(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);

    /* /secret inherits the root's "n0". */
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/secret/sub"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/pub"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/pub", "n0 r5"), ==, 0);

    /* Whether the node exists is itself hidden. */
    g_assert_cmpint(xt_read_err(c5, 0, "/secret/x"), ==, -EACCES);
    g_assert_cmpint(xt_read_err(c5, 0, "/secret/sub/deep/x"), ==, -EACCES);
    g_assert_cmpint(xt_read_err(c5, 0, "/secret/sub"), ==, -EACCES);
    g_assert_cmpint(xt_dir_err(c5, 0, "/secret/x"), ==, -EACCES);
    g_assert_cmpint(xt_perms_err(c5, 0, "/secret/x"), ==, -EACCES);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/secret/x"), ==, -ENOENT);

    g_assert_cmpint(xt_read_err(c5, 0, "/pub/x"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(c5, 0, "/pub/a/b"), ==, -ENOENT);
    g_assert_cmpint(xt_dir_err(c5, 0, "/pub/x"), ==, -ENOENT);
    xenner_xs_client_free(c5);
}

/*
 * For a missing node xenstored asks the nearest existing ancestor for the
 * access the operation wants: write access for write, mkdir and rm.
 */
static void test_perm_missing_needs_write(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *made = NULL;
    g_autofree char *dir = NULL;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/ro"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/ro", "n0 r5"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/wo"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/wo", "n0 w5"), ==, 0);

    g_assert_cmpint(xt_write(c5, 0, "/ro/x", "v"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "/ro/x"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "/ro/x"), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "/ro/x/y"), ==, -EACCES);

    g_assert_cmpint(xt_write(c5, 0, "/wo/x", "v"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "/wo/y/z"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "/wo/none"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "/wo/none/deeper"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(c5, 0, "/wo/none"), ==, -EACCES);

    made = xt_perms(f->dom0, 0, "/wo/y/z");
    g_assert_cmpstr(made, ==, "n5 w5");
    dir = xt_dir(f->dom0, 0, "/wo");
    g_assert_cmpstr(dir, ==, "x y");
    xenner_xs_client_free(c5);
}

static void test_perm_inherit(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *c6 = xt_client(f, 6);
    g_autofree char *by_dom0 = NULL;
    g_autofree char *mid = NULL;
    g_autofree char *leaf = NULL;
    g_autofree char *after_dom0 = NULL;
    g_autofree char *dom0_below = NULL;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/i"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/i", "r0 b5 n6"), ==, 0);

    g_assert_cmpint(xt_write(f->dom0, 0, "/i/a", "x"), ==, 0);
    by_dom0 = xt_perms(f->dom0, 0, "/i/a");
    g_assert_cmpstr(by_dom0, ==, "r0 b5 n6");

    /* What an unprivileged domain makes, it owns. */
    g_assert_cmpint(xt_write(c5, 0, "/i/b/c", "y"), ==, 0);
    mid = xt_perms(f->dom0, 0, "/i/b");
    leaf = xt_perms(f->dom0, 0, "/i/b/c");
    g_assert_cmpstr(mid, ==, "r5 b5 n6");
    g_assert_cmpstr(leaf, ==, "r5 b5 n6");
    g_assert_cmpint(xt_read_err(c6, 0, "/i/b/c"), ==, -EACCES);
    g_assert_cmpint(xt_set_perms(c5, 0, "/i/b", "n5"), ==, 0);

    /* Writing another's node keeps its owner; dom0 makes dom0-owned. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/i/b/c", "z"), ==, 0);
    after_dom0 = xt_perms(f->dom0, 0, "/i/b/c");
    g_assert_cmpstr(after_dom0, ==, "r5 b5 n6");
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/i/b/d"), ==, 0);
    dom0_below = xt_perms(f->dom0, 0, "/i/b/d");
    g_assert_cmpstr(dom0_below, ==, "n5");
}

static void test_perm_special(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *intro = xt_perms(f->dom0, 0, "@introduceDomain");
    g_autofree char *rel = xt_perms(f->dom0, 0, "@releaseDomain");

    g_assert_cmpstr(intro, ==, "n0");
    g_assert_cmpstr(rel, ==, "n0");
    g_assert_cmpint(xt_perms_err(f->dom0, 0, "@other"), ==, -ENOENT);
    g_assert_cmpint(xt_perms_err(c5, 0, "@introduceDomain"), ==, -EACCES);
    g_assert_cmpint(xt_set_perms(c5, 0, "@releaseDomain", "r5"), ==,
                    -EACCES);
    xenner_xs_client_free(c5);
}

static void test_set_target(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *c6 = xt_client(f, 6);
    g_autofree char *v = NULL;

    g_assert_cmpint(xt_write(f->dom0, 0, "/t", "guest's"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/t", "n5"), ==, 0);
    g_assert_cmpint(xt_read_err(c6, 0, "/t"), ==, -EACCES);

    g_assert_cmpint(xenner_xs_client_set_target(c5, 6, 5), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_set_target(f->dom0, 6, 5), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 6), ==, 0);
    g_assert_cmpint(xenner_xs_client_set_target(f->dom0, 6, 5), ==, 0);
    v = xt_read(c6, 0, "/t");
    g_assert_cmpstr(v, ==, "guest's");
    g_assert_cmpint(xt_write(c6, 0, "/t", "dm's"), ==, 0);
}

/* ---- quotas ----------------------------------------------------------- */

static void test_quota_settings(XtFixture *f, gconstpointer data)
{
    const XsQuota def = XS_QUOTA_DEFAULT;
    const XsQuota small = { 3, 64, 2, 1, 2 };
    XsQuota q;

    g_assert_cmpuint(def.nodes, ==, 1000);
    g_assert_cmpuint(def.entry_size, ==, 2048);
    g_assert_cmpuint(def.watches, ==, 128);
    g_assert_cmpuint(def.transactions, ==, 10);
    g_assert_cmpuint(def.perms, ==, 5);
    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpmem(&q, sizeof(q), &def, sizeof(def));
    xenner_xs_tree_set_quota(f->tree, &small);
    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpmem(&q, sizeof(q), &small, sizeof(small));
}

static void test_quota_nodes_default(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    unsigned owned = 1;         /* the home */
    unsigned count;

    xt_make_home(f->dom0, 5);
    /* Few children per node, so that no node outgrows its entry quota. */
    for (unsigned d = 0; owned < 1000; d++) {
        g_autofree char *dir = g_strdup_printf("d%u", d);

        g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, dir), ==, 0);
        owned++;
        for (unsigned n = 0; n < 50 && owned < 1000; n++) {
            g_autofree char *p = g_strdup_printf("d%u/n%u", d, n);

            g_assert_cmpint(xt_write(c5, 0, p, "v"), ==, 0);
            owned++;
        }
    }
    count = xenner_xs_tree_node_count(f->tree);
    g_assert_cmpint(xt_write(c5, 0, "extra", "v"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "d0/extra"), ==, -ENOSPC);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, count);

    /* Removal gives the room back. */
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "d0/n0"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "extra", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "extra2", "v"), ==, -ENOSPC);

    /* Domain 0 is not held to it, even below the home. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/by0", "v"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/tool/a/b/c", "v"), ==, 0);
    xenner_xs_client_free(c5);
}

static void test_quota_nodes_small(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 3, 2048, 128, 10, 5 };
    XsClient *c5 = xt_client(f, 5), *c5b = xt_client(f, 5);

    xenner_xs_tree_set_quota(f->tree, &q);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(c5, 0, "a/b", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "c", "v"), ==, -ENOSPC);
    /* The quota is the domain's, whichever connection asks. */
    g_assert_cmpint(xt_write(c5b, 0, "c", "v"), ==, -ENOSPC);

    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "a"), ==, 0);
    /* Three new nodes would make four: none is made. */
    g_assert_cmpint(xt_write(c5, 0, "x/y/z", "v"), ==, -ENOSPC);
    g_assert_cmpint(xt_read_err(c5, 0, "x"), ==, -ENOENT);
    g_assert_cmpint(xt_write(c5, 0, "x/y", "v"), ==, 0);

    for (unsigned i = 0; i < 10; i++) {
        g_autofree char *p = g_strdup_printf("/tool/n%u", i);

        g_assert_cmpint(xt_write(f->dom0, 0, p, "v"), ==, 0);
    }
    xenner_xs_client_free(c5);
    xenner_xs_client_free(c5b);
}

static void test_quota_entry_size(XtFixture *f, gconstpointer data)
{
    /* A node's size is its value, its permissions and its children. */
    const size_t max_one = 2048 - 1 - sizeof(XsPerm);
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *big = g_strnfill(XS_VALUE_MAX, 'v');
    g_autofree char *kept = NULL;
    unsigned kids = 0;

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "big", big, 2048), ==,
                    -ENOSPC);
    g_assert_cmpint(xt_read_err(c5, 0, "big"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "ok", big, max_one), ==, 0);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "no", big, max_one + 1), ==,
                    -ENOSPC);

    /* Overwriting is held to it too, and a refusal changes nothing. */
    g_assert_cmpint(xt_write(c5, 0, "small", "keep"), ==, 0);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "small", big, 2048), ==,
                    -ENOSPC);
    kept = xt_read(c5, 0, "small");
    g_assert_cmpstr(kept, ==, "keep");

    /* Inherited permission entries count in a new node. */
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "acl"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "acl", "n5 r6 r7"), ==, 0);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "acl/v", big, max_one), ==,
                    -ENOSPC);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "acl/v", big,
                                           max_one - 2 * sizeof(XsPerm)),
                    ==, 0);

    /* More entries on a full node do not fit either. */
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "p", big,
                                           max_one - sizeof(XsPerm)),
                    ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "p", "n5 r6"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "p", "n5 r6 r7"), ==, -ENOSPC);

    /* So do the names of the children. */
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "kids"), ==, 0);
    for (;;) {
        g_autofree char *name = g_strdup_printf("%03u", kids);
        g_autofree char *pad = g_strnfill(100 - strlen(name), 'k');
        g_autofree char *p = g_strconcat("kids/", name, pad, NULL);
        int ret = xenner_xs_client_mkdir(c5, 0, p);

        if (ret) {
            g_assert_cmpint(ret, ==, -ENOSPC);
            break;
        }
        kids++;
    }
    g_assert_cmpuint(kids, ==, (2048 - 1 - sizeof(XsPerm)) / 101);

    /* Domain 0 is exempt. */
    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/local/domain/5/big",
                                           big, XS_VALUE_MAX),
                    ==, 0);
    xenner_xs_client_free(c5);
}

static void test_quota_entry_size_small(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 1000, 64, 128, 10, 5 };
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *v = g_strnfill(64, 'v');

    xenner_xs_tree_set_quota(f->tree, &q);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "a", v, 64), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_write(c5, 0, "a", v, 10), ==, 0);
    g_assert_cmpint(xenner_xs_client_write(f->dom0, 0, "/local/domain/5/b", v,
                                           64),
                    ==, 0);
    xenner_xs_client_free(c5);
}

static void test_quota_perms(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 1000, 2048, 128, 10, 2 };
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *p = NULL;

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "n"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "n", "n5 r1 r2 r3 r4"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, 0, "n", "n5 r1 r2 r3 r4 r6"), ==,
                    -ENOSPC);
    p = xt_perms(c5, 0, "n");
    g_assert_cmpstr(p, ==, "n5 r1 r2 r3 r4");
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/local/domain/5/n",
                                 "n5 r1 r2 r3 r4 r6 r7 r8"), ==, 0);

    xenner_xs_tree_set_quota(f->tree, &q);
    g_assert_cmpint(xt_set_perms(c5, 0, "n", "n5 r1 r2"), ==, -ENOSPC);
    g_assert_cmpint(xt_set_perms(c5, 0, "n", "n5 r1"), ==, 0);
    xenner_xs_client_free(c5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    XT_ADD("/xs-tree/node/new-tree", test_new_tree);
    XT_ADD("/xs-tree/node/value-binary", test_value_binary);
    XT_ADD("/xs-tree/node/value-overwrite", test_value_overwrite);
    XT_ADD("/xs-tree/node/write-creates-parents", test_write_creates_parents);
    XT_ADD("/xs-tree/node/mkdir", test_mkdir);
    XT_ADD("/xs-tree/node/rm", test_rm);
    XT_ADD("/xs-tree/node/missing", test_missing_node);
    XT_ADD("/xs-tree/path/invalid", test_path_invalid);
    XT_ADD("/xs-tree/path/relative", test_path_relative);
    XT_ADD("/xs-tree/path/length", test_path_length);
    XT_ADD("/xs-tree/dir/sorted", test_directory_sorted);
    XT_ADD("/xs-tree/dir/generation", test_generation);
    XT_ADD("/xs-tree/dir/part-small", test_directory_part_small);
    XT_ADD("/xs-tree/dir/part-large", test_directory_part_large);
    XT_ADD("/xs-tree/perm/parse-format", test_perm_parse_format);
    XT_ADD("/xs-tree/perm/access", test_perm_access);
    XT_ADD("/xs-tree/perm/set-owner-only", test_perm_set_owner_only);
    XT_ADD("/xs-tree/perm/missing-unreadable", test_perm_missing_unreadable);
    XT_ADD("/xs-tree/perm/missing-needs-write",
           test_perm_missing_needs_write);
    XT_ADD("/xs-tree/perm/inherit", test_perm_inherit);
    XT_ADD("/xs-tree/perm/special", test_perm_special);
    XT_ADD("/xs-tree/perm/set-target", test_set_target);
    XT_ADD("/xs-tree/quota/settings", test_quota_settings);
    XT_ADD("/xs-tree/quota/nodes-default", test_quota_nodes_default);
    XT_ADD("/xs-tree/quota/nodes-small", test_quota_nodes_small);
    XT_ADD("/xs-tree/quota/entry-size", test_quota_entry_size);
    XT_ADD("/xs-tree/quota/entry-size-small", test_quota_entry_size_small);
    XT_ADD("/xs-tree/quota/perms", test_quota_perms);
    return g_test_run();
}
