/*
 * Unit tests of the chardev subsystem: option and legacy parsing, the
 * ringbuf, file and null backends, and pty and unix socket round trips
 * through a real event loop, flow control and a peer coming and going
 * included.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "chardev/char.h"

/* An upper bound only: conditions are waited for, never slept on. */
#define WAIT_MS 5000

/* What a chardev user saw. */
typedef struct TcUser {
    GByteArray *input;
    GArray *events;             /* ChardevEvent */
    size_t room;                /* what can_read answers */
    unsigned reads;
    unsigned write_ready;
} TcUser;

typedef struct TcFixture {
    EventLoop *loop;
    ChardevSet *set;
    char *dir;
    TcUser user;
} TcFixture;

static size_t tc_can_read(void *opaque)
{
    TcUser *u = opaque;

    return u->room;
}

static void tc_read(void *opaque, const void *buf, size_t len)
{
    TcUser *u = opaque;

    g_assert_cmpuint(len, >, 0);
    g_assert_cmpuint(len, <=, u->room);
    g_byte_array_append(u->input, buf, len);
    u->reads++;
}

static void tc_event(void *opaque, ChardevEvent event)
{
    TcUser *u = opaque;

    g_array_append_val(u->events, event);
}

static void tc_write_ready(void *opaque)
{
    TcUser *u = opaque;

    u->write_ready++;
}

static void tc_no_error(Error *err)
{
    if (err) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

static void tc_setup(TcFixture *f, gconstpointer data)
{
    Error *err = NULL;

    f->loop = event_loop_new(&err);
    tc_no_error(err);
    f->set = chardev_set_new(f->loop);
    f->dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->user.input = g_byte_array_new();
    f->user.events = g_array_new(false, false, sizeof(ChardevEvent));
    f->user.room = 4096;
}

static void tc_teardown(TcFixture *f, gconstpointer data)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    chardev_set_free(f->set);
    event_loop_free(f->loop);
    dir = g_dir_open(f->dir, 0, NULL);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(f->dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    g_byte_array_unref(f->user.input);
    g_array_free(f->user.events, true);
}

static Chardev *tc_add(TcFixture *f, const char *str, Error **errp)
{
    QemuOpts *opts = chardev_opts_parse(str, errp);
    Chardev *chr;

    if (!opts) {
        return NULL;
    }
    chr = chardev_set_add_opts(f->set, opts, errp);
    qemu_opts_free(opts);
    return chr;
}

static Chardev *tc_add_ok(TcFixture *f, const char *str)
{
    Error *err = NULL;
    Chardev *chr = tc_add(f, str, &err);

    tc_no_error(err);
    g_assert_nonnull(chr);
    return chr;
}

static void tc_add_fails(TcFixture *f, const char *str, const char *msg)
{
    Error *err = NULL;

    g_assert_null(tc_add(f, str, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("'%s': got '%s', expected '%s'", str, error_get_pretty(err),
                msg);
    }
    error_free(err);
}

static void tc_attach(TcFixture *f, Chardev *chr)
{
    g_assert_cmpint(chardev_set_handlers(chr, tc_can_read, tc_read, tc_event,
                                         &f->user), ==, 0);
}

static ChardevEvent tc_last_event(TcFixture *f)
{
    g_assert_cmpuint(f->user.events->len, >, 0);
    return g_array_index(f->user.events, ChardevEvent,
                         f->user.events->len - 1);
}

/* Runs the loop until @cond holds; fails the test after WAIT_MS. */
#define tc_run_until(f, cond)                                               \
    do {                                                                    \
        gint64 deadline_ = g_get_monotonic_time() + WAIT_MS * 1000;         \
        while (!(cond)) {                                                   \
            g_assert_cmpint(g_get_monotonic_time(), <, deadline_);          \
            g_assert_true(event_loop_run_once((f)->loop, 10, NULL));        \
        }                                                                   \
    } while (0)

/* Runs the loop for about @ms, for checking that nothing happens. */
static void tc_run_for(TcFixture *f, int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        g_assert_true(event_loop_run_once(f->loop, 10, NULL));
    }
}

static void test_opts_errors(TcFixture *f, gconstpointer data)
{
    g_autofree char *sock = g_build_filename(f->dir, "s", NULL);
    g_autofree char *spec = NULL;

    tc_add_fails(f, "pty", "chardev: no id specified");
    tc_add_fails(f, "foo,id=x", "'foo' is not a valid char driver name");
    tc_add_fails(f, "pty,id=x,foo=1", "Property 'pty.foo' not found");
    tc_add_fails(f, "null,id=x,path=/tmp/x", "Property 'null.path' not found");
    tc_add_fails(f, "pty,id=x,bogus", "Invalid parameter 'bogus'");
    tc_add_fails(f, "null,id=1x", "Parameter 'id' expects an identifier");
    tc_add_fails(f, "ringbuf,id=r,size=100",
                 "size of ringbuf chardev must be power of two");
    tc_add_fails(f, "ringbuf,id=r,size=0",
                 "size of ringbuf chardev must be power of two");
    tc_add_fails(f, "ringbuf,id=r,size=lots", "Parameter 'size' expects");
    /* Sizes are read as QEMU reads them, signs and blanks refused. */
    tc_add_fails(f, "ringbuf,id=r,size=-8", "Parameter 'size' expects a "
                 "non-negative number below 2^64");
    tc_add_fails(f, "ringbuf,id=r,size= 8", "Parameter 'size' expects a "
                 "non-negative number below 2^64");
    tc_add_fails(f, "ringbuf,id=r,size=+8", "Parameter 'size' expects a "
                 "non-negative number below 2^64");
    tc_add_fails(f, "ringbuf,id=r,size=8KB", "Parameter 'size' expects a "
                 "non-negative number below 2^64");
    tc_add_fails(f, "ringbuf,id=r,size=18446744073709551616",
                 "Value '18446744073709551616' is out of range for "
                 "parameter 'size'");
    tc_add_fails(f, "ringbuf,id=r,size=2G",
                 "Value '2G' is out of range for parameter 'size'");
    tc_add_fails(f, "ringbuf,id=r,size=1.5K",
                 "size of ringbuf chardev must be power of two");
    tc_add_fails(f, "file,id=f", "no filename given");
    tc_add_fails(f, "file,id=f,path=/nonexistent/dir/f", "Could not open");
    tc_add_fails(f, "socket,id=s,server=on", "no path given");
    spec = g_strdup_printf("socket,id=s,path=%s,server=maybe", sock);
    tc_add_fails(f, spec, "Parameter 'server' expects 'on' or 'off'");
    g_free(spec);
    spec = g_strdup_printf("socket,id=s,path=%s", sock);
    tc_add_fails(f, spec, "Failed to connect to");
    g_free(spec);
    spec = g_strdup_printf("socket,id=s,path=%s,wait=off", sock);
    tc_add_fails(f, spec, "incompatible with socket in client connect mode");

    tc_add_ok(f, "null,id=x");
    tc_add_fails(f, "null,id=x", "attempt to add duplicate property 'x'");
    tc_add_fails(f, "ringbuf,id=x", "attempt to add duplicate property 'x'");
    chardev_free(chardev_set_find(f->set, "x"));
    g_assert_null(chardev_set_find(f->set, "x"));
    tc_add_ok(f, "ringbuf,id=x");
}

static void test_opts_flags(TcFixture *f, gconstpointer data)
{
    Error *err = NULL;
    QemuOpts *opts;

    opts = chardev_opts_parse("socket,id=s,path=/a,,b,server,nowait", &err);
    tc_no_error(err);
    g_assert_cmpstr(qemu_opt_get(opts, "backend"), ==, "socket");
    g_assert_cmpstr(qemu_opt_get(opts, "path"), ==, "/a,b");
    g_assert_cmpstr(qemu_opt_get(opts, "server"), ==, "on");
    g_assert_cmpstr(qemu_opt_get(opts, "wait"), ==, "off");
    qemu_opts_free(opts);

    opts = chardev_opts_parse("file,id=f,path=p,append,noserver", &err);
    tc_no_error(err);
    g_assert_cmpstr(qemu_opt_get(opts, "append"), ==, "on");
    g_assert_cmpstr(qemu_opt_get(opts, "server"), ==, "off");
    qemu_opts_free(opts);

    /* Only the known flags are spelled out. */
    g_assert_null(chardev_opts_parse("pty,id=p,nothing", &err));
    g_assert_nonnull(err);
    error_free(err);
}

static void test_null(TcFixture *f, gconstpointer data)
{
    Chardev *chr = tc_add_ok(f, "null,id=n");

    g_assert_true(chardev_set_find(f->set, "n") == chr);
    g_assert_cmpstr(chardev_id(chr), ==, "n");
    g_assert_cmpstr(chardev_backend_name(chr), ==, "null");
    g_assert_null(chardev_pty_path(chr));
    g_assert_false(chardev_is_connected(chr));
    tc_attach(f, chr);
    g_assert_cmpint(chardev_write(chr, "abc", 3), ==, 3);
    g_assert_cmpuint(chardev_ringbuf_read(chr, (char[4]){ 0 }, 4), ==, 0);
    chardev_add_write_watch(chr, tc_write_ready, &f->user);
    tc_run_until(f, f->user.write_ready == 1);
    tc_run_for(f, 20);
    g_assert_cmpuint(f->user.events->len, ==, 0);
    g_assert_cmpuint(f->user.input->len, ==, 0);
}

static void test_handlers(TcFixture *f, gconstpointer data)
{
    Chardev *chr = tc_add_ok(f, "ringbuf,id=r");
    TcUser other = { 0 };

    tc_attach(f, chr);
    /* A connected chardev tells a new user at once. */
    g_assert_cmpuint(f->user.events->len, ==, 1);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    g_assert_cmpint(chardev_set_handlers(chr, tc_can_read, tc_read, NULL,
                                         &other), ==, -EBUSY);
    /* The holder may change its handlers. */
    g_assert_cmpint(chardev_set_handlers(chr, tc_can_read, tc_read, NULL,
                                         &f->user), ==, 0);
    g_assert_cmpint(chardev_set_handlers(chr, NULL, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint(chardev_set_handlers(chr, tc_can_read, tc_read, NULL,
                                         &other), ==, 0);
    /* A released watch is not called. */
    chardev_add_write_watch(chr, tc_write_ready, &other);
    g_assert_cmpint(chardev_set_handlers(chr, NULL, NULL, NULL, NULL), ==, 0);
    tc_run_for(f, 20);
    g_assert_cmpuint(other.write_ready, ==, 0);
}

static void test_ringbuf(TcFixture *f, gconstpointer data)
{
    Chardev *chr = tc_add_ok(f, "ringbuf,id=r,size=8");
    Chardev *big = tc_add_ok(f, "ringbuf,id=big");
    Chardev *k4 = tc_add_ok(f, "ringbuf,id=k4,size=4k");
    char buf[32];
    g_autofree char *lots = g_malloc(65536 + 10);

    g_assert_true(chardev_is_connected(chr));
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 0);
    g_assert_cmpint(chardev_write(chr, "abcde", 5), ==, 5);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, 2), ==, 2);
    g_assert_cmpmem(buf, 2, "ab", 2);
    /* Overflow keeps the newest 8 bytes. */
    g_assert_cmpint(chardev_write(chr, "fghijkl", 7), ==, 7);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 8);
    g_assert_cmpmem(buf, 8, "efghijkl", 8);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 0);
    /* A write longer than the ring. */
    g_assert_cmpint(chardev_write(chr, "0123456789ABCDEFXYZ", 19), ==, 19);
    g_assert_cmpuint(chardev_ringbuf_read(chr, buf, sizeof(buf)), ==, 8);
    g_assert_cmpmem(buf, 8, "BCDEFXYZ", 8);

    /* The default is 64 KiB. */
    for (size_t i = 0; i < 65536 + 10; i++) {
        lots[i] = i % 251;
    }
    g_assert_cmpint(chardev_write(big, lots, 65536 + 10), ==, 65536 + 10);
    g_assert_cmpuint(chardev_ringbuf_read(big, buf, 4), ==, 4);
    g_assert_cmpmem(buf, 4, lots + 10, 4);

    /* size=4k is 4096 bytes, QEMU's suffixes. */
    g_assert_cmpint(chardev_write(k4, lots, 4096 + 3), ==, 4096 + 3);
    g_assert_cmpuint(chardev_ringbuf_read(k4, buf, 4), ==, 4);
    g_assert_cmpmem(buf, 4, lots + 3, 4);
}

static char *tc_read_file(const char *path)
{
    char *contents = NULL;

    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    return contents;
}

static void test_file(TcFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "out", NULL);
    g_autofree char *spec = g_strdup_printf("file,id=f,path=%s", path);
    g_autofree char *spec_append =
        g_strdup_printf("file,id=f,path=%s,append=on", path);
    char *contents;
    Chardev *chr;

    g_assert_true(g_file_set_contents(path, "old", -1, NULL));
    chr = tc_add_ok(f, spec);
    g_assert_true(chardev_is_connected(chr));
    g_assert_cmpint(chardev_write(chr, "hello ", 6), ==, 6);
    g_assert_cmpint(chardev_write(chr, "world\n", 6), ==, 6);
    chardev_free(chr);
    contents = tc_read_file(path);
    g_assert_cmpstr(contents, ==, "hello world\n");
    g_free(contents);

    chr = tc_add_ok(f, spec_append);
    g_assert_cmpint(chardev_write(chr, "more", 4), ==, 4);
    chardev_free(chr);
    contents = tc_read_file(path);
    g_assert_cmpstr(contents, ==, "hello world\nmore");
    g_free(contents);
}

static int tc_open_slave(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);

    g_assert_cmpint(fd, >=, 0);
    return fd;
}

/* Reads from a non-blocking @fd until @len bytes or WAIT_MS passed. */
static void tc_read_fd(int fd, void *buf, size_t len)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);

        if (n > 0) {
            done += n;
            continue;
        }
        g_assert_true(n < 0 && errno == EAGAIN);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
}

/* Drains whatever is in @fd now; returns how much. */
static size_t tc_drain_fd(int fd)
{
    char buf[4096];
    size_t total = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        total += n;
    }
    return total;
}

static void test_pty(TcFixture *f, gconstpointer data)
{
    /* Bytes a cooked terminal would translate, echo or act upon. */
    static const char raw[] = "a\r\nb\x03\x04\x7f\x1a\x11z";
    Chardev *chr = tc_add_ok(f, "pty,id=p");
    const char *path = chardev_pty_path(chr);
    char chunk[1024] = { 0 };
    char buf[64];
    size_t filled = 0;
    int slave;

    g_assert_true(g_str_has_prefix(path, "/dev/pts/"));
    g_assert_cmpstr(chardev_backend_name(chr), ==, "pty");
    g_assert_false(chardev_is_connected(chr));
    tc_attach(f, chr);
    g_assert_cmpuint(f->user.events->len, ==, 0);
    /* Nobody there: taken and dropped. */
    g_assert_cmpint(chardev_write(chr, "lost", 4), ==, 4);

    slave = tc_open_slave(path);
    tc_run_until(f, f->user.events->len == 1);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    g_assert_true(chardev_is_connected(chr));

    /* Both ways, unchanged. */
    g_assert_cmpint(chardev_write(chr, raw, sizeof(raw)), ==, sizeof(raw));
    tc_read_fd(slave, buf, sizeof(raw));
    g_assert_cmpmem(buf, sizeof(raw), raw, sizeof(raw));
    g_assert_cmpuint(tc_drain_fd(slave), ==, 0);
    g_assert_cmpint(write(slave, raw, sizeof(raw)), ==, sizeof(raw));
    tc_run_until(f, f->user.input->len == sizeof(raw));
    g_assert_cmpmem(f->user.input->data, f->user.input->len, raw,
                    sizeof(raw));

    /* Input flow control: no more than can_read, nothing while 0. */
    g_byte_array_set_size(f->user.input, 0);
    f->user.room = 0;
    chardev_accept_input(chr);
    g_assert_cmpint(write(slave, "0123456789", 10), ==, 10);
    tc_run_for(f, 50);
    g_assert_cmpuint(f->user.input->len, ==, 0);
    f->user.room = 3;
    f->user.reads = 0;
    chardev_accept_input(chr);
    tc_run_until(f, f->user.input->len == 10);
    g_assert_cmpuint(f->user.reads, >=, 4);
    f->user.room = 4096;
    g_assert_cmpmem(f->user.input->data, 10, "0123456789", 10);

    /*
     * Output flow control: fill the pty while the slave reads nothing.
     * The kernel moves what the master wrote to the slave's side in
     * deferred work, so room can open again after a short write until
     * the slave's side is full too: the pty is full once a write after
     * a pause takes nothing.
     */
    for (;;) {
        ssize_t n = chardev_write(chr, chunk, sizeof(chunk));

        g_assert_cmpint(n, >=, 0);
        filled += n;
        g_assert_cmpuint(filled, <, 16 * 1024 * 1024);
        if (n == (ssize_t)sizeof(chunk)) {
            continue;
        }
        tc_run_for(f, 50);
        n = chardev_write(chr, chunk, sizeof(chunk));
        g_assert_cmpint(n, >=, 0);
        filled += n;
        if (n == 0) {
            break;
        }
    }
    chardev_add_write_watch(chr, tc_write_ready, &f->user);
    tc_run_for(f, 50);
    g_assert_cmpuint(f->user.write_ready, ==, 0);
    g_assert_cmpuint(tc_drain_fd(slave), >, 0);
    tc_run_until(f, f->user.write_ready == 1);
    g_assert_cmpint(chardev_write(chr, chunk, 1), ==, 1);
    tc_drain_fd(slave);

    /* The slave goes away, with input polling on and then off. */
    close(slave);
    tc_run_until(f, f->user.events->len == 2);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_CLOSED);
    g_assert_false(chardev_is_connected(chr));
    g_assert_cmpint(chardev_write(chr, "lost", 4), ==, 4);

    slave = tc_open_slave(path);
    tc_run_until(f, f->user.events->len == 3);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    g_assert_cmpint(chardev_write(chr, "again", 5), ==, 5);
    tc_read_fd(slave, buf, 5);
    g_assert_cmpmem(buf, 5, "again", 5);
    f->user.room = 0;
    chardev_accept_input(chr);
    close(slave);
    tc_run_until(f, f->user.events->len == 4);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_CLOSED);
}

static int tc_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==,
                    0);
    return fd;
}

/* What a crashed server leaves behind: a socket file nobody listens on. */
static void tc_make_stale_socket(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    close(fd);
}

static void tc_socket_round_trip(TcFixture *f, Chardev *chr, int fd,
                                 const char *msg)
{
    size_t len = strlen(msg);
    char buf[64];

    g_byte_array_set_size(f->user.input, 0);
    g_assert_cmpint(chardev_write(chr, msg, len), ==, len);
    tc_read_fd(fd, buf, len);
    g_assert_cmpmem(buf, len, msg, len);
    g_assert_cmpint(write(fd, msg, len), ==, len);
    tc_run_until(f, f->user.input->len == len);
    g_assert_cmpmem(f->user.input->data, len, msg, len);
}

static void test_socket(TcFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "sock", NULL);
    g_autofree char *spec = NULL;
    struct stat st;
    Chardev *chr;
    char buf[16];
    int c1, c2, c3;

    /* A stale socket is replaced; the old spelling of the flags works. */
    tc_make_stale_socket(path);
    spec = g_strdup_printf("socket,id=s,path=%s,server,nowait", path);
    chr = tc_add_ok(f, spec);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_false(chardev_is_connected(chr));
    tc_attach(f, chr);
    g_assert_cmpint(chardev_write(chr, "lost", 4), ==, 4);

    c1 = tc_connect(path);
    tc_run_until(f, f->user.events->len == 1);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    g_assert_true(chardev_is_connected(chr));
    /* "lost" went nowhere: the first bytes are the round trip's. */
    tc_socket_round_trip(f, chr, c1, "hello");

    /* A second client waits in the backlog while the first is served. */
    c2 = tc_connect(path);
    tc_run_for(f, 30);
    g_assert_cmpint(read(c2, buf, sizeof(buf)), ==, -1);
    g_assert_cmpint(errno, ==, EAGAIN);

    close(c1);
    tc_run_until(f, f->user.events->len >= 2);
    g_assert_cmpint(g_array_index(f->user.events, ChardevEvent, 1), ==,
                    CHR_EVENT_CLOSED);
    /* ... and is taken once the first leaves. */
    tc_run_until(f, f->user.events->len == 3);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    tc_socket_round_trip(f, chr, c2, "second");

    /* A disconnect noticed while input is throttled. */
    f->user.room = 0;
    chardev_accept_input(chr);
    close(c2);
    tc_run_until(f, f->user.events->len == 4);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_CLOSED);
    f->user.room = 4096;
    chardev_accept_input(chr);

    c3 = tc_connect(path);
    tc_run_until(f, f->user.events->len == 5);
    tc_socket_round_trip(f, chr, c3, "third");
    /* A write to a client that left is dropped, then seen as a close. */
    close(c3);
    chardev_set_handlers(chr, NULL, NULL, NULL, NULL);
    tc_run_for(f, 20);
    g_assert_cmpint(chardev_write(chr, "x", 1), ==, 1);
    tc_run_until(f, !chardev_is_connected(chr));

    chardev_free(chr);
    g_assert_cmpint(stat(path, &st), ==, -1);
}

static void test_socket_client(TcFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "sock", NULL);
    g_autofree char *server_spec =
        g_strdup_printf("socket,id=srv,path=%s,server=on,wait=off", path);
    g_autofree char *client_spec =
        g_strdup_printf("socket,id=cli,path=%s", path);
    g_autofree char *file = g_build_filename(f->dir, "plain", NULL);
    g_autofree char *file_spec =
        g_strdup_printf("socket,id=x,path=%s,server=on,wait=off", file);
    Chardev *srv = tc_add_ok(f, server_spec);
    Chardev *cli;
    TcUser cu = { .room = 4096 };

    /* Only stale sockets are replaced. */
    g_assert_true(g_file_set_contents(file, "keep", -1, NULL));
    tc_add_fails(f, file_spec, "Failed to bind socket");
    g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));

    cu.input = g_byte_array_new();
    cu.events = g_array_new(false, false, sizeof(ChardevEvent));
    tc_attach(f, srv);
    cli = tc_add_ok(f, client_spec);
    g_assert_true(chardev_is_connected(cli));
    g_assert_cmpint(chardev_set_handlers(cli, tc_can_read, tc_read, tc_event,
                                         &cu), ==, 0);
    g_assert_cmpuint(cu.events->len, ==, 1);
    tc_run_until(f, f->user.events->len == 1);

    g_assert_cmpint(chardev_write(cli, "ping", 4), ==, 4);
    tc_run_until(f, f->user.input->len == 4);
    g_assert_cmpmem(f->user.input->data, 4, "ping", 4);
    g_assert_cmpint(chardev_write(srv, "pong", 4), ==, 4);
    tc_run_until(f, cu.input->len == 4);
    g_assert_cmpmem(cu.input->data, 4, "pong", 4);

    /* The server's client leaving closes the client chardev. */
    chardev_free(srv);
    tc_run_until(f, cu.events->len == 2);
    g_assert_cmpint(g_array_index(cu.events, ChardevEvent, 1), ==,
                    CHR_EVENT_CLOSED);
    g_assert_false(chardev_is_connected(cli));
    g_assert_cmpint(chardev_write(cli, "lost", 4), ==, 4);
    chardev_free(cli);
    g_byte_array_unref(cu.input);
    g_array_free(cu.events, true);
}

static gpointer tc_late_client(gpointer data)
{
    const char *path = data;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    for (int i = 0; i < WAIT_MS / 5; i++) {
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            return GINT_TO_POINTER(fd);
        }
        g_usleep(5000);
    }
    close(fd);
    return GINT_TO_POINTER(-1);
}

static void test_socket_wait(TcFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "sock", NULL);
    g_autofree char *spec =
        g_strdup_printf("socket,id=s,path=%s,server=on,wait=on", path);
    GThread *thread = g_thread_new("client", tc_late_client, path);
    Chardev *chr = tc_add_ok(f, spec);
    int fd = GPOINTER_TO_INT(g_thread_join(thread));

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(chardev_is_connected(chr));
    tc_attach(f, chr);
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    tc_socket_round_trip(f, chr, fd, "waited");
    close(fd);
}

static void tc_quit_on_signal(void *opaque, int signo)
{
    event_loop_quit(opaque);
}

/* Signals the process once @path exists: a wait=on chardev waits then. */
static gpointer tc_late_signal(gpointer data)
{
    const char *path = data;

    for (int i = 0; i < WAIT_MS / 5 && !g_file_test(path, G_FILE_TEST_EXISTS);
         i++) {
        g_usleep(5000);
    }
    kill(getpid(), SIGUSR1);
    return NULL;
}

/*
 * A signal the loop stops on ends a wait=on wait, which would otherwise
 * last until a client came: the loop's signals are blocked, and only
 * delivered through it.
 */
static void test_socket_wait_signal(TcFixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "sock", NULL);
    g_autofree char *spec =
        g_strdup_printf("socket,id=s,path=%s,server=on,wait=on", path);
    Error *err = NULL;
    GThread *thread;
    Chardev *chr;
    int fd;

    /* Blocked from here, in this thread and in the one made next. */
    g_assert_true(event_loop_add_signal(f->loop, SIGUSR1, tc_quit_on_signal,
                                        f->loop, &err));
    tc_no_error(err);
    thread = g_thread_new("signal", tc_late_signal, path);
    chr = tc_add_ok(f, spec);
    g_thread_join(thread);
    g_assert_false(chardev_is_connected(chr));
    g_assert_true(event_loop_quit_pending(f->loop));
    /* The loop stops at once for it, and forgets it then. */
    g_assert_true(event_loop_run(f->loop, &err));
    tc_no_error(err);
    g_assert_false(event_loop_quit_pending(f->loop));

    /* The chardev is left as with wait=off: a client is taken later. */
    tc_attach(f, chr);
    fd = tc_connect(path);
    tc_run_until(f, chardev_is_connected(chr));
    g_assert_cmpint(tc_last_event(f), ==, CHR_EVENT_OPENED);
    tc_socket_round_trip(f, chr, fd, "after");
    close(fd);
}

static void test_legacy(TcFixture *f, gconstpointer data)
{
    g_autofree char *file = g_build_filename(f->dir, "a,b", NULL);
    g_autofree char *sock = g_build_filename(f->dir, "sock", NULL);
    g_autofree char *spec = NULL;
    g_autofree char *contents = NULL;
    Error *err = NULL;
    Chardev *chr;

    chr = chardev_set_add_legacy(f->set, "serial0", "null", &err);
    tc_no_error(err);
    g_assert_cmpstr(chardev_backend_name(chr), ==, "null");
    g_assert_cmpstr(chardev_id(chr), ==, "serial0");
    g_assert_null(chardev_set_find(f->set, "serial0"));

    chr = chardev_set_add_legacy(f->set, "serial1", "ringbuf", &err);
    tc_no_error(err);
    g_assert_cmpstr(chardev_backend_name(chr), ==, "ringbuf");

    chr = chardev_set_add_legacy(f->set, "console", "pty", &err);
    tc_no_error(err);
    g_assert_true(g_str_has_prefix(chardev_pty_path(chr), "/dev/pts/"));

    spec = g_strdup_printf("file:%s", file);
    chr = chardev_set_add_legacy(f->set, "log", spec, &err);
    tc_no_error(err);
    g_assert_cmpint(chardev_write(chr, "logged", 6), ==, 6);
    chardev_free(chr);
    contents = tc_read_file(file);
    g_assert_cmpstr(contents, ==, "logged");
    g_free(spec);

    spec = g_strdup_printf("unix:%s,server,nowait", sock);
    chr = chardev_set_add_legacy(f->set, "u1", spec, &err);
    tc_no_error(err);
    g_assert_cmpstr(chardev_backend_name(chr), ==, "socket");
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    chardev_free(chr);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    g_free(spec);

    spec = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    chr = chardev_set_add_legacy(f->set, "u2", spec, &err);
    tc_no_error(err);
    g_assert_false(chardev_is_connected(chr));

    g_assert_null(chardev_set_add_legacy(f->set, "x", "xyz", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "'xyz' is not a valid char driver");
    error_free(err);
    err = NULL;
    g_assert_null(chardev_set_add_legacy(f->set, "x", "tcp:1.2.3.4:5", &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(chardev_set_add_legacy(f->set, "x", "unix:/x,bogus",
                                         &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    /* An output key may smuggle in a driver name: an error, no abort. */
    g_assert_null(chardev_set_add_legacy(f->set, "x",
                                         "unix:/x,backend=bogus", &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "'unix:/x,backend=bogus' is not a valid char driver");
    error_free(err);
}

static void test_stdio(TcFixture *f, gconstpointer data)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios before, during, after;
    Chardev *chr;

    if (tty) {
        g_assert_cmpint(tcgetattr(STDIN_FILENO, &before), ==, 0);
    }
    chr = tc_add_ok(f, "stdio,id=s,signal=off");
    if (tty) {
        g_assert_cmpint(tcgetattr(STDIN_FILENO, &during), ==, 0);
        g_assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
    }

    g_assert_true(chardev_is_connected(chr));
    tc_add_fails(f, "stdio,id=t",
                 "cannot use stdio by multiple character devices");
    tc_attach(f, chr);
    g_assert_cmpint(chardev_write(chr, "# stdio chardev\n", 16), ==, 16);
    tc_run_for(f, 20);
    chardev_free(chr);
    if (tty) {
        g_assert_cmpint(tcgetattr(STDIN_FILENO, &after), ==, 0);
        g_assert_cmphex(before.c_iflag, ==, after.c_iflag);
        g_assert_cmphex(before.c_oflag, ==, after.c_oflag);
        g_assert_cmphex(before.c_cflag, ==, after.c_cflag);
        g_assert_cmphex(before.c_lflag, ==, after.c_lflag);
        g_assert_cmpmem(before.c_cc, sizeof(before.c_cc), after.c_cc,
                        sizeof(after.c_cc));
    }
    chr = tc_add_ok(f, "stdio,id=t");
    if (tty) {
        g_assert_cmpint(tcgetattr(STDIN_FILENO, &during), ==, 0);
        g_assert_true(during.c_lflag & ISIG);
        g_assert_false(during.c_lflag & (ICANON | ECHO));
    }
    chardev_free(chr);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, TcFixture, NULL, tc_setup, fn, tc_teardown)
    ADD("/chardev/opts/errors", test_opts_errors);
    ADD("/chardev/opts/flags", test_opts_flags);
    ADD("/chardev/null", test_null);
    ADD("/chardev/handlers", test_handlers);
    ADD("/chardev/ringbuf", test_ringbuf);
    ADD("/chardev/file", test_file);
    ADD("/chardev/pty", test_pty);
    ADD("/chardev/socket/server", test_socket);
    ADD("/chardev/socket/client", test_socket_client);
    ADD("/chardev/socket/wait", test_socket_wait);
    ADD("/chardev/socket/wait-signal", test_socket_wait_signal);
    ADD("/chardev/legacy", test_legacy);
    ADD("/chardev/stdio", test_stdio);
#undef ADD
    return g_test_run();
}
