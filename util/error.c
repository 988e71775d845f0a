/*
 * Error objects and the process's report functions.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/error.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

struct Error {
    char *msg;
    const char *cls;            /* QMP's error class; NULL: GenericError */
};

#define PROGNAME "qemu-xenpv"

static void error_setv(Error **errp, const char *suffix,
                       const char *fmt, va_list ap)
{
    Error *err;
    char *msg;

    if (!errp) {
        return;
    }
    g_assert(*errp == NULL);
    msg = g_strdup_vprintf(fmt, ap);
    err = g_new0(Error, 1);
    if (suffix) {
        err->msg = g_strconcat(msg, ": ", suffix, NULL);
        g_free(msg);
    } else {
        err->msg = msg;
    }
    *errp = err;
}

void error_setg(Error **errp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, NULL, fmt, ap);
    va_end(ap);
}

void error_set_class(Error **errp, const char *cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, NULL, fmt, ap);
    va_end(ap);
    if (errp) {
        (*errp)->cls = cls;
    }
}

const char *error_get_class(const Error *err)
{
    return err->cls ? err->cls : "GenericError";
}

void error_setg_errno(Error **errp, int os_errno, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, g_strerror(os_errno), fmt, ap);
    va_end(ap);
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    va_list ap;
    char *prefix;
    char *msg;

    if (!errp || !*errp) {
        return;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    msg = g_strconcat(prefix, (*errp)->msg, NULL);
    g_free(prefix);
    g_free((*errp)->msg);
    (*errp)->msg = msg;
}

void error_propagate(Error **dst_errp, Error *local_err)
{
    if (!local_err) {
        return;
    }
    if (dst_errp && !*dst_errp) {
        *dst_errp = local_err;
    } else {
        error_free(local_err);
    }
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

void error_free(Error *err)
{
    if (err) {
        g_free(err->msg);
        g_free(err);
    }
}

void error_report_err(Error *err)
{
    error_report("%s", err->msg);
    error_free(err);
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);

    fprintf(stderr, PROGNAME ": %s%s\n", kind, msg);
    g_free(msg);
}

void error_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

void info_report(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("info: ", fmt, ap);
    va_end(ap);
}

bool ratelimit_allow(RateLimit *rl, unsigned burst, unsigned interval_ms,
                     unsigned *suppressed)
{
    long long now_ms = g_get_monotonic_time() / 1000;

    *suppressed = 0;
    if (now_ms >= rl->next_ms) {
        rl->next_ms = now_ms + interval_ms;
        *suppressed = rl->suppressed;
        rl->suppressed = 0;
        rl->burst = 1;
        return true;
    }
    if (rl->burst < burst) {
        rl->burst++;
        return true;
    }
    rl->suppressed++;
    return false;
}
