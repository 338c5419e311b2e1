/* SPDX-License-Identifier: Apache-2.0 */
/* The error table, the thread-local last error, and eseal_buf helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eseal/common.h"
#include "eseal/errors.h"
#include "eseal/limits.h"
#include "result.h"
#include "util.h"

#define ES_MSG_MAX 1024

static _Thread_local struct {
    eseal_error err;
    char message[ES_MSG_MAX];
    char where[128];
    char reason[48];
} tls_error = {{ESEAL_OK, "", "", ""}, "", "", ""};

static const char *strip_src(const char *file)
{
    const char *p = strstr(file, "src/");
    return p != NULL ? p + 4 : file;
}

es_result es_error_set(int code, const char *file, int line, const char *fmt, ...)
{
    /* Format into a copy: callers may pass the previous message as an argument ("%s: %s", ctx, last). */
    char tmp[sizeof(tls_error.message)];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    memcpy(tls_error.message, tmp, sizeof(tmp));
    /* One line: a message never carries a newline into a terminal or a log. */
    for (char *p = tls_error.message; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    (void)snprintf(tls_error.where, sizeof(tls_error.where), "%s:%d", strip_src(file), line);
    tls_error.err.code = code;
    tls_error.err.message = tls_error.message;
    tls_error.err.where = tls_error.where;
    tls_error.reason[0] = '\0';
    tls_error.err.reason = tls_error.reason;
    return (es_result){code};
}

es_result es_error_reason(es_result r, const char *reason)
{
    if (tls_error.err.code == r.code_) {
        (void)snprintf(tls_error.reason, sizeof(tls_error.reason), "%s", reason != NULL ? reason : "");
        tls_error.err.reason = tls_error.reason;
    }
    return r;
}

es_result es_error_prefix(es_result r, const char *fmt, ...)
{
    char ctx[ES_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    char tmp[sizeof(tls_error.message)];
    bool own = tls_error.err.code == r.code_ && tls_error.message[0] != '\0';
    if (snprintf(tmp, sizeof(tmp), "%s: %s", ctx, own ? tls_error.message : eseal_code_text(r.code_)) < 0) {
        tmp[0] = '\0'; /* a long message is cut at the end, which keeps the context */
    }
    memcpy(tls_error.message, tmp, sizeof(tmp));
    for (char *p = tls_error.message; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    if (!own) {
        tls_error.where[0] = '\0';
    }
    tls_error.err.code = r.code_;
    tls_error.err.message = tls_error.message;
    tls_error.err.where = tls_error.where;
    return r;
}

es_result es_from_code(int rc)
{
    if (rc != ESEAL_OK && (tls_error.err.code != rc || tls_error.message[0] == '\0')) {
        return es_error_set(rc, __FILE__, __LINE__, "internal: %s without a message (%s)", eseal_code_name(rc),
                            eseal_code_text(rc));
    }
    return (es_result){rc};
}

const eseal_error *eseal_error_last(void)
{
    if (tls_error.err.message == NULL) {
        tls_error.err.message = "";
        tls_error.err.where = "";
    }
    return &tls_error.err;
}

void eseal_error_clear(void)
{
    tls_error.err.code = ESEAL_OK;
    tls_error.message[0] = '\0';
    tls_error.where[0] = '\0';
    tls_error.reason[0] = '\0';
    tls_error.err.message = tls_error.message;
    tls_error.err.where = tls_error.where;
    tls_error.err.reason = tls_error.reason;
}

const char *eseal_code_name(int code)
{
    switch (code) {
#define ESEAL_X_NAME(name, value, text)                                                            \
    case value:                                                                                    \
        return #name;
        ESEAL_ERROR_TABLE(ESEAL_X_NAME)
#undef ESEAL_X_NAME
    default:
        return "ESEAL_UNKNOWN";
    }
}

const char *eseal_code_text(int code)
{
    switch (code) {
#define ESEAL_X_TEXT(name, value, text)                                                            \
    case value:                                                                                    \
        return text;
        ESEAL_ERROR_TABLE(ESEAL_X_TEXT)
#undef ESEAL_X_TEXT
    default:
        return "unknown error";
    }
}

const char *eseal_version(void) { return ESEAL_VERSION; }

static const eseal_limits default_limits = ESEAL_LIMITS_INIT;

const eseal_limits *eseal_limits_default(void) { return &default_limits; }

void eseal_buf_dispose(eseal_buf *buf)
{
    if (buf == NULL) {
        return;
    }
    if (buf->ptr != NULL) {
        es_wipe(buf->ptr, buf->size);
        es_free(buf->ptr);
    }
    buf->ptr = NULL;
    buf->size = 0;
}
