/*
 * The -vnc option string as QEMU reads it, and the socket it names.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ui/vnc-opts.h"

static void test_inet(void)
{
    VncOptions o;

    g_assert_true(vnc_options_parse("127.0.0.1:0", &o, NULL));
    g_assert_cmpint(o.type, ==, VNC_ADDR_INET);
    g_assert_cmpstr(o.host, ==, "127.0.0.1");
    g_assert_cmpuint(o.port, ==, 5900);
    g_assert_cmpuint(o.port_to, ==, 5900);
    g_assert_false(o.password);
    g_assert_null(o.display);
    vnc_options_clear(&o);

    /* What libxl passes for vncunused with a password. */
    g_assert_true(vnc_options_parse("127.0.0.1:3,password=on,to=99", &o,
                                    NULL));
    g_assert_cmpuint(o.port, ==, 5903);
    g_assert_cmpuint(o.port_to, ==, 5999);
    g_assert_true(o.password);
    vnc_options_clear(&o);

    /* Empty host: every address. */
    g_assert_true(vnc_options_parse(":1", &o, NULL));
    g_assert_cmpstr(o.host, ==, "");
    g_assert_cmpuint(o.port, ==, 5901);
    vnc_options_clear(&o);

    g_assert_true(vnc_options_parse("[::1]:2,display=xenfb3.0,password",
                                    &o, NULL));
    g_assert_cmpstr(o.host, ==, "::1");
    g_assert_cmpuint(o.port, ==, 5902);
    g_assert_cmpstr(o.display, ==, "xenfb3.0");
    g_assert_true(o.password);
    vnc_options_clear(&o);

    g_assert_true(vnc_options_parse("localhost:59635", &o, NULL));
    g_assert_cmpuint(o.port, ==, 65535);
    vnc_options_clear(&o);
}

static void test_unix_none(void)
{
    VncOptions o;

    g_assert_true(vnc_options_parse("unix:/tmp/a,,b,password=off", &o,
                                    NULL));
    g_assert_cmpint(o.type, ==, VNC_ADDR_UNIX);
    g_assert_cmpstr(o.path, ==, "/tmp/a,b");
    vnc_options_clear(&o);
    g_assert_true(vnc_options_parse("none", &o, NULL));
    g_assert_cmpint(o.type, ==, VNC_ADDR_NONE);
    vnc_options_clear(&o);
}

static void expect_error(const char *str, const char *msg)
{
    VncOptions o;
    Error *err = NULL;

    g_assert_false(vnc_options_parse(str, &o, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
}

static void test_errors(void)
{
    expect_error("127.0.0.1", "no vnc port specified");
    expect_error("127.0.0.1:", "vnc port cannot be empty");
    expect_error("127.0.0.1:x", "can't convert to a number: x");
    expect_error("127.0.0.1:59636", "port 59636 out of range");
    expect_error(":-1", "can't convert to a number: -1");
    expect_error(":0,to=x", "can't convert to a number: x");
    /* A bare key is "on" (found by fuzz-vnc-opts: it read past "to"). */
    expect_error(":0,to", "can't convert to a number: on");
    expect_error(":5,to=4", "to=4 is below display 5");
    expect_error("unix:/x,to=3", "to= needs a TCP address (HOST:N)");
    expect_error(":0,password=maybe",
                 "Parameter 'password' expects 'on' or 'off'");
    expect_error(":0,lossy=on", "Invalid parameter 'lossy'");
    expect_error(":0,display=", "display= needs a console's name");
    expect_error("::1:0", "'::1' is not a host: write an IPv6 address as "
                 "[ADDR]");
    expect_error("unix:", "UNIX socket path '' is empty");
}

/* Listens as @str says; -1 when it does not bind. */
static int listen_str(const char *str, Error **errp)
{
    VncOptions o;
    int fd;

    g_assert_true(vnc_options_parse(str, &o, NULL));
    fd = vnc_listen(&o, errp);
    vnc_options_clear(&o);
    return fd;
}

/* to= takes the next port when the first is busy; the name says which. */
static void test_listen_range(void)
{
    VncSockName name;
    Error *err = NULL;
    int a = -1, b;
    unsigned first, port;

    /* Display numbers well away from what people run. */
    for (first = 400; a < 0 && first < 500; first += 20) {
        g_autofree char *s = g_strdup_printf("127.0.0.1:%u,to=%u", first,
                                             first + 19);

        a = listen_str(s, NULL);
    }
    g_assert_cmpint(a, >=, 0);
    vnc_sock_name(a, false, &name);
    g_assert_cmpstr(name.family, ==, "ipv4");
    g_assert_cmpstr(name.host, ==, "127.0.0.1");
    port = atoi(name.service);
    {
        g_autofree char *alone = g_strdup_printf("127.0.0.1:%u",
                                                 port - VNC_BASE_PORT);
        g_autofree char *range = g_strdup_printf(
            "127.0.0.1:%u,to=%u", port - VNC_BASE_PORT,
            port - VNC_BASE_PORT + 20);

        /* The port alone is busy... */
        g_assert_cmpint(listen_str(alone, &err), <, 0);
        g_assert_true(g_str_has_prefix(error_get_pretty(err),
                                       "Failed to bind socket"));
        error_free(err);
        /* ...and a range starting there moves on. */
        b = listen_str(range, NULL);
    }
    g_assert_cmpint(b, >=, 0);
    vnc_sock_name(b, false, &name);
    g_assert_cmpuint(atoi(name.service), >, port);
    close(b);
    close(a);
}

static void test_listen_unix(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-vnc-opts-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "vnc.sock", NULL);
    g_autofree char *opt = g_strdup_printf("unix:%s", path);
    VncOptions o;
    VncSockName name;
    int fd;

    g_assert_true(vnc_options_parse(opt, &o, NULL));
    fd = vnc_listen(&o, NULL);
    g_assert_cmpint(fd, >=, 0);
    vnc_sock_name(fd, false, &name);
    g_assert_cmpstr(name.family, ==, "unix");
    g_assert_cmpstr(name.host, ==, "");
    g_assert_cmpstr(name.service, ==, path);
    close(fd);
    /* A stale socket file is replaced. */
    fd = vnc_listen(&o, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    vnc_options_clear(&o);
    g_unlink(path);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc-opts/inet", test_inet);
    g_test_add_func("/vnc-opts/unix-none", test_unix_none);
    g_test_add_func("/vnc-opts/errors", test_errors);
    g_test_add_func("/vnc-opts/listen-range", test_listen_range);
    g_test_add_func("/vnc-opts/listen-unix", test_listen_unix);
    return g_test_run();
}
