/*
 * Error reporting for the control plane, in QEMU's style: a function that
 * can fail returns bool and takes an Error **errp as its last parameter.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include <stdbool.h>
#include <stdarg.h>

typedef struct Error Error;

void error_setg(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * As error_setg, in one of QMP's error classes other than GenericError
 * (a string literal: "DeviceNotFound", ...), which a QMP reply carries.
 */
void error_set_class(Error **errp, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "GenericError" unless error_set_class() said otherwise. */
const char *error_get_class(const Error *err);
/* As error_setg, with ": strerror(os_errno)" appended. */
void error_setg_errno(Error **errp, int os_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_prepend(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves @local_err into @dst_errp (or frees it when dst_errp is NULL). */
void error_propagate(Error **dst_errp, Error *local_err);
const char *error_get_pretty(const Error *err);
void error_free(Error *err);
/* Prints the error with error_report() and frees it. */
void error_report_err(Error *err);

/* Reports go to stderr, each line prefixed with "qemu-xenpv: ". */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A per-call-site budget for log lines a guest or client can provoke, so
 * a hostile peer cannot flood the log: at most @burst lines, then one in
 * every @interval_ms milliseconds.
 */
typedef struct RateLimit {
    long long next_ms;
    unsigned burst;
    unsigned suppressed;
} RateLimit;

#define RATELIMIT_INIT { 0, 0, 0 }

bool ratelimit_allow(RateLimit *rl, unsigned burst, unsigned interval_ms,
                     unsigned *suppressed);

#define warn_report_ratelimited(rl, fmt, ...)                               \
    do {                                                                    \
        unsigned suppressed_;                                               \
        if (ratelimit_allow((rl), 10, 1000, &suppressed_)) {                \
            warn_report(fmt "%s", ##__VA_ARGS__,                            \
                        suppressed_ ? " (earlier lines suppressed)" : "");  \
        }                                                                   \
    } while (0)

#endif /* UTIL_ERROR_H */
