/*
 * xs-counter: increments a xenstore node N times, each time in its own
 * transaction (read, write the value + 1, commit), starting over when
 * the commit fails with EAGAIN. Run several at once: the final value
 * tells whether transactions are isolated and commits atomic.
 *
 * Usage: xs-counter PATH N     (the socket comes from XENSTORED_PATH)
 * Prints "retries R" on success; exits 1 with a message on any error.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* A transaction that keeps failing this often means a server bug. */
#define MAX_RETRIES 100000

static int increment(struct xs_handle *xsh, const char *path,
                     unsigned long *retries)
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xsh);
        unsigned long value = 0;
        unsigned int len;
        char *old, buf[32];

        if (t == XBT_NULL) {
            perror("xs_transaction_start");
            return -1;
        }
        old = xs_read(xsh, t, path, &len);
        if (old) {
            char *end;

            value = strtoul(old, &end, 10);
            if (!len || *end) {
                fprintf(stderr, "%s holds '%s', not a number\n", path, old);
                free(old);
                xs_transaction_end(xsh, t, true);
                return -1;
            }
            free(old);
        } else if (errno != ENOENT) {
            perror("xs_read");
            xs_transaction_end(xsh, t, true);
            return -1;
        }
        snprintf(buf, sizeof(buf), "%lu", value + 1);
        if (!xs_write(xsh, t, path, buf, strlen(buf))) {
            perror("xs_write");
            xs_transaction_end(xsh, t, true);
            return -1;
        }
        if (xs_transaction_end(xsh, t, false)) {
            return 0;
        }
        if (errno != EAGAIN) {
            perror("xs_transaction_end");
            return -1;
        }
        if (++*retries > MAX_RETRIES) {
            fprintf(stderr, "more than %d retries\n", MAX_RETRIES);
            return -1;
        }
    }
}

int main(int argc, char **argv)
{
    struct xs_handle *xsh;
    unsigned long n, retries = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PATH N\n", argv[0]);
        return 2;
    }
    n = strtoul(argv[2], NULL, 10);
    xsh = xs_open(0);
    if (!xsh) {
        perror("xs_open");
        return 1;
    }
    for (unsigned long i = 0; i < n; i++) {
        if (increment(xsh, argv[1], &retries) < 0) {
            xs_close(xsh);
            return 1;
        }
    }
    xs_close(xsh);
    printf("retries %lu\n", retries);
    return 0;
}
