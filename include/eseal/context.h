/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the context: what a caller decides for every operation it runs (like s2n-tls's
 * s2n_config): the limits on hostile input, the clock, and the network fetch. One context may
 * serve any number of operations and threads at once; it is read, never written, by them, so it
 * must outlive every operation and instance that uses it and must not be changed while one runs.
 *
 * Where it goes: an instance takes one (eseal_instance_init_options.ctx,
 * eseal_instance_set_context()) and every operation of that instance uses it; the toolkit entries
 * that have an options struct take one in it (`ctx`, e.g. eseal_pdf_verify_options.ctx,
 * eseal_ofd_verify_options.ctx). A NULL context everywhere means eseal_context_default(), and the
 * toolkit entries without options use the default context.
 *
 * The allocator is not part of a context: memory crosses contexts (a report made under one is
 * freed by eseal_report_free(), which has none), so, like curl_global_init_mem(),
 * git_libgit2_opts(GIT_OPT_SET_ALLOCATOR) and s2n_mem_set_callbacks(), it is set once for the
 * process with eseal_allocator_set() before anything else.
 */
#ifndef ESEAL_CONTEXT_H
#define ESEAL_CONTEXT_H

#include "common.h"
#include "limits.h"

ESEAL_BEGIN_DECL

typedef struct eseal_context eseal_context;

/** Milliseconds since the Unix epoch, as the caller's clock says (tests, replays). */
typedef int64_t (*eseal_clock_fn)(void *payload);

/** Where a fetch function writes the response body (the library owns it). */
typedef struct eseal_fetch_sink eseal_fetch_sink;

/**
 * Appends `len` bytes of the response to `sink`: ESEAL_ELIMIT (message set) once the response
 * exceeds the maximum the library asked for; the fetch function then returns that code.
 */
ESEAL_EXTERN(int) eseal_fetch_sink_write(eseal_fetch_sink *sink, const void *data, size_t len);

/**
 * Fetches `url` for the library (online revocation: an OCSP request, a CRL): a POST of `body`
 * with `content_type` when content_type is not NULL, else a GET. Writes the response body to
 * `sink` and its HTTP status to *status; takes at most `timeout_ms`. Returns ESEAL_OK when an
 * HTTP answer came (whatever its status), else a negative code with eseal_error_last() set.
 */
typedef int (*eseal_fetch_fn)(void *payload, const char *url, const char *content_type, const void *body,
                              size_t body_len, unsigned int timeout_ms, eseal_fetch_sink *sink, long *status);

/** A new context with the defaults: eseal_limits_default(), the system clock, libcurl for fetches. */
ESEAL_EXTERN(int) eseal_context_new(eseal_context **out);
ESEAL_EXTERN(void) eseal_context_free(eseal_context *ctx);

/** The read-only default context (what NULL means). Never NULL. */
ESEAL_EXTERN(const eseal_context *) eseal_context_default(void);

/**
 * Copies `limits` into the context; a field left 0 takes its default. ESEAL_EINVAL when
 * limits->version is not ESEAL_LIMITS_VERSION. NULL: the defaults.
 */
ESEAL_EXTERN(int) eseal_context_set_limits(eseal_context *ctx, const eseal_limits *limits);

/** The limits the context enforces. Never NULL (ctx NULL: the defaults). */
ESEAL_EXTERN(const eseal_limits *) eseal_context_limits(const eseal_context *ctx);

/** The clock for "now" (validation time, signing time, audit time); fn NULL: the system clock. */
ESEAL_EXTERN(int) eseal_context_set_clock(eseal_context *ctx, eseal_clock_fn fn, void *payload);

/** Now, by the context's clock (ctx NULL: the system clock). */
ESEAL_EXTERN(int64_t) eseal_context_now(const eseal_context *ctx);

/** The network fetch for online revocation; fn NULL: libcurl (the default). */
ESEAL_EXTERN(int) eseal_context_set_fetch(eseal_context *ctx, eseal_fetch_fn fn, void *payload);

/**
 * The library's allocator (payload first, as everywhere): malloc, realloc and free of every
 * buffer, report, handle and string eseal allocates itself. Not covered: what OpenSSL, qpdf,
 * libxml2, libzip, SQLite, cairo, libcurl and libmicrohttpd allocate inside (their own allocators).
 */
typedef struct {
    void *(*malloc_fn)(void *payload, size_t n);
    void *(*realloc_fn)(void *payload, void *p, size_t n);
    void (*free_fn)(void *payload, void *p);
    void *payload;
} eseal_allocator;

/**
 * Sets the process's allocator (NULL: the C library's). Only before the library has allocated
 * anything (ESEAL_ESTATE after: memory from one allocator must not reach another's free), and
 * from one thread; the three functions must be thread-safe, realloc_fn(payload, NULL, n) must act
 * as malloc_fn, and free_fn is never called with NULL. All three or none.
 */
ESEAL_EXTERN(int) eseal_allocator_set(const eseal_allocator *a);

ESEAL_END_DECL

#endif
