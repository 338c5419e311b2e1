/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal must-check results and guard macros (after s2n-tls).
 *
 * Every internal function that can fail returns es_result; the public
 * boundary turns it into an int with ES_PUBLIC(). The message is set once,
 * where the problem is found (ES_BAIL), and propagated unchanged (ES_GUARD).
 */
#ifndef ES_RESULT_H
#define ES_RESULT_H

#include <stdbool.h>

#include "eseal/errors.h"

typedef struct {
    int code_;
} es_result;

#define ES_RESULT __attribute__((warn_unused_result)) es_result
#define ES_OK ((es_result){0})

static inline bool es_ok(es_result r) { return r.code_ == 0; }
static inline int es_code(es_result r) { return r.code_; }

/* Records `code` with a printf-style message as the thread's last error. */
__attribute__((format(printf, 4, 5))) es_result es_error_set(int code, const char *file, int line,
                                                            const char *fmt, ...);

/* Turns `r` into the public int code (the message is already set). */
#define ES_PUBLIC(expr) es_code(expr)

#define ES_BAIL(code, ...) return es_error_set((code), __FILE__, __LINE__, __VA_ARGS__)

#define ES_ENSURE(cond, code, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ES_BAIL((code), __VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

#define ES_ENSURE_ARG(cond) ES_ENSURE((cond), ESEAL_EINVAL, "invalid argument: %s", #cond)

#define ES_ENSURE_ALLOC(ptr) ES_ENSURE((ptr) != NULL, ESEAL_ENOMEM, "out of memory")

#define ES_GUARD(expr)                                                                             \
    do {                                                                                           \
        es_result es_r_ = (expr);                                                                  \
        if (!es_ok(es_r_)) {                                                                       \
            return es_r_;                                                                          \
        }                                                                                          \
    } while (0)

/*
 * Prefixes the thread's last error with context ("seal ab12: " + message) and returns `r`
 * unchanged: the inner code and where it was found are kept. When `r` left no message of
 * its own (the last error has another code), the code's generic text stands in for it.
 */
__attribute__((format(printf, 2, 3))) es_result es_error_prefix(es_result r, const char *fmt, ...);

/* Names why `r` (the thread's last error) refused an action: a stable reason ("NO_GRANT") kept in
 * eseal_error.reason until the next error is set. Returns `r`. */
es_result es_error_reason(es_result r, const char *reason);

/*
 * A public int code turned back into a result, for the rare internal caller of a public eseal_*
 * function that has no internal es_* form: the code and the callee's message are kept. A failing
 * code without its message (a callee that broke the contract) gets one that says so.
 */
es_result es_from_code(int rc);

/* Like ES_GUARD, but on failure says in which context: "<fmt>: <inner message>", inner code kept. */
#define ES_GUARD_CTX(expr, ...)                                                                    \
    do {                                                                                           \
        es_result es_r_ = (expr);                                                                  \
        if (!es_ok(es_r_)) {                                                                       \
            return es_error_prefix(es_r_, __VA_ARGS__);                                            \
        }                                                                                          \
    } while (0)

/* In a function that returns an int code (a public entry, a backend callback): ES_BAIL's message, then the code. */
#define ES_BAIL_INT(code, ...) return es_code(es_error_set((code), __FILE__, __LINE__, __VA_ARGS__))

/* A public entry refusing its arguments: "eseal_time_parse: invalid argument: out_ms == NULL || text == NULL". */
#define ES_BAIL_ARG(what) ES_BAIL_INT(ESEAL_EINVAL, "%s: invalid argument: %s", __func__, (what))

/* For public wrappers: run expr, return its int code. */
#define ES_RETURN_PUBLIC(expr) return es_code(expr)

/* Owned locals free themselves on scope exit (s2n DEFER_CLEANUP). */
#define ES_AUTO(freep) __attribute__((cleanup(freep)))

/* Checked size arithmetic. */
#define ES_ADD_OVERFLOW(a, b, out) __builtin_add_overflow((a), (b), (out))
#define ES_MUL_OVERFLOW(a, b, out) __builtin_mul_overflow((a), (b), (out))

#endif
