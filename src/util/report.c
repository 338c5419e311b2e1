/* SPDX-License-Identifier: Apache-2.0 */
/* Verification reports: verdict, reasons, ordered fields, children. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define ES_REPORT_MAX_ITEMS 4096

struct reason {
    eseal_verdict verdict;
    eseal_reason code;
    char *text;
};

static const struct {
    const char *name;
    unsigned verdicts;
} reason_table[] = {
#define ES_X_REASON(code, verdicts, doc) {#code, (verdicts)},
    ESEAL_REASON_TABLE(ES_X_REASON)
#undef ES_X_REASON
};

const char *eseal_reason_name(eseal_reason code)
{
    return (unsigned)code < ESEAL_REASON_COUNT ? reason_table[code].name : NULL;
}

struct field {
    char *name;
    char *value;
};

struct eseal_report {
    struct reason *reasons;
    size_t nreasons;
    struct field *fields;
    size_t nfields;
    eseal_report **children;
    size_t nchildren;
};

const char *eseal_verdict_name(eseal_verdict v)
{
    switch (v) {
    case ESEAL_VALID:
        return "VALID";
    case ESEAL_INDETERMINATE:
        return "INDETERMINATE";
    case ESEAL_INVALID:
        return "INVALID";
    default:
        return "INVALID";
    }
}

ES_RESULT es_report_new(eseal_report **out)
{
    eseal_report *r = es_calloc(1, sizeof(*r));
    ES_ENSURE_ALLOC(r);
    *out = r;
    return ES_OK;
}

static ES_RESULT grow(void **arr, size_t n, size_t elem)
{
    ES_ENSURE(n < ES_REPORT_MAX_ITEMS, ESEAL_ELIMIT, "report has more than %d items", ES_REPORT_MAX_ITEMS);
    void *p = es_realloc(*arr, (n + 1) * elem);
    ES_ENSURE_ALLOC(p);
    *arr = p;
    return ES_OK;
}

static ES_RESULT vformat(char **out, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    ES_ENSURE(n >= 0, ESEAL_EINVAL, "bad format");
    char *s = es_malloc((size_t)n + 1);
    ES_ENSURE_ALLOC(s);
    (void)vsnprintf(s, (size_t)n + 1, fmt, ap);
    for (char *p = s; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    *out = s;
    return ES_OK;
}

ES_RESULT es_report_reason(eseal_report *r, eseal_verdict verdict, eseal_reason code, const char *fmt, ...)
{
    /* The table is the contract: a code outside it, or a verdict it does not list for the code, is a bug. */
    ES_ENSURE((unsigned)code < ESEAL_REASON_COUNT, ESEAL_ERROR, "report: reason %d is not in ESEAL_REASON_TABLE",
              (int)code);
    ES_ENSURE((unsigned)verdict <= ESEAL_INVALID && (reason_table[code].verdicts & (1u << verdict)) != 0, ESEAL_ERROR,
              "report: reason %s cannot impose verdict %d (ESEAL_REASON_TABLE)", reason_table[code].name, (int)verdict);
    ES_GUARD(grow((void **)&r->reasons, r->nreasons, sizeof(struct reason)));
    struct reason *re = &r->reasons[r->nreasons];
    re->verdict = verdict;
    re->code = code;
    va_list ap;
    va_start(ap, fmt);
    es_result res = vformat(&re->text, fmt, ap);
    va_end(ap);
    if (!es_ok(res)) {
        return res;
    }
    r->nreasons++;
    return ES_OK;
}

ES_RESULT es_report_set(eseal_report *r, const char *name, const char *fmt, ...)
{
    char *value = NULL;
    va_list ap;
    va_start(ap, fmt);
    es_result res = vformat(&value, fmt, ap);
    va_end(ap);
    ES_GUARD(res);
    for (size_t i = 0; i < r->nfields; i++) {
        if (strcmp(r->fields[i].name, name) == 0) {
            es_free(r->fields[i].value);
            r->fields[i].value = value;
            return ES_OK;
        }
    }
    res = grow((void **)&r->fields, r->nfields, sizeof(struct field));
    if (!es_ok(res)) {
        es_free(value);
        return res;
    }
    r->fields[r->nfields].name = es_strdup(name);
    if (r->fields[r->nfields].name == NULL) {
        es_free(value);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    r->fields[r->nfields].value = value;
    r->nfields++;
    return ES_OK;
}

ES_RESULT es_report_add_child(eseal_report *r, eseal_report **child)
{
    ES_GUARD(grow((void **)&r->children, r->nchildren, sizeof(eseal_report *)));
    ES_GUARD(es_report_new(&r->children[r->nchildren]));
    *child = r->children[r->nchildren++];
    return ES_OK;
}

eseal_verdict eseal_report_verdict(const eseal_report *r)
{
    eseal_verdict v = ESEAL_VALID;
    if (r == NULL) {
        return ESEAL_INVALID;
    }
    for (size_t i = 0; i < r->nreasons; i++) {
        if (r->reasons[i].verdict > v) {
            v = r->reasons[i].verdict;
        }
    }
    for (size_t i = 0; i < r->nchildren; i++) {
        eseal_verdict c = eseal_report_verdict(r->children[i]);
        if (c > v) {
            v = c;
        }
    }
    return v;
}

size_t eseal_report_reason_count(const eseal_report *r) { return r == NULL ? 0 : r->nreasons; }

const char *eseal_report_reason_code(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nreasons) ? NULL : reason_table[r->reasons[i].code].name;
}

eseal_reason eseal_report_reason_id(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nreasons) ? ESEAL_REASON_COUNT : r->reasons[i].code;
}

const char *eseal_report_reason_text(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nreasons) ? NULL : r->reasons[i].text;
}

eseal_verdict eseal_report_reason_verdict(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nreasons) ? ESEAL_INVALID : r->reasons[i].verdict;
}

size_t eseal_report_field_count(const eseal_report *r) { return r == NULL ? 0 : r->nfields; }

const char *eseal_report_field_name(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nfields) ? NULL : r->fields[i].name;
}

const char *eseal_report_field_value(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nfields) ? NULL : r->fields[i].value;
}

const char *eseal_report_get(const eseal_report *r, const char *name)
{
    for (size_t i = 0; r != NULL && i < r->nfields; i++) {
        if (strcmp(r->fields[i].name, name) == 0) {
            return r->fields[i].value;
        }
    }
    return NULL;
}

size_t eseal_report_child_count(const eseal_report *r) { return r == NULL ? 0 : r->nchildren; }

const eseal_report *eseal_report_child(const eseal_report *r, size_t i)
{
    return (r == NULL || i >= r->nchildren) ? NULL : r->children[i];
}

int eseal_report_has_reason(const eseal_report *r, const char *code)
{
    if (r == NULL) {
        return 0;
    }
    for (size_t i = 0; i < r->nreasons; i++) {
        if (strcmp(reason_table[r->reasons[i].code].name, code) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < r->nchildren; i++) {
        if (eseal_report_has_reason(r->children[i], code)) {
            return 1;
        }
    }
    return 0;
}

void eseal_report_free(eseal_report *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->nreasons; i++) {
        es_free(r->reasons[i].text);
    }
    for (size_t i = 0; i < r->nfields; i++) {
        es_free(r->fields[i].name);
        es_free(r->fields[i].value);
    }
    for (size_t i = 0; i < r->nchildren; i++) {
        eseal_report_free(r->children[i]);
    }
    es_free(r->reasons);
    es_free(r->fields);
    es_free(r->children);
    es_free(r);
}

ES_RESULT es_report_merge(eseal_report *dst, const eseal_report *src, const char *prefix)
{
    for (size_t i = 0; i < src->nreasons; i++) {
        ES_GUARD(es_report_reason(dst, src->reasons[i].verdict, src->reasons[i].code, "%s", src->reasons[i].text));
    }
    for (size_t i = 0; i < src->nfields; i++) {
        if (prefix != NULL) {
            char name[256];
            (void)snprintf(name, sizeof(name), "%s.%s", prefix, src->fields[i].name);
            ES_GUARD(es_report_set(dst, name, "%s", src->fields[i].value));
        } else {
            ES_GUARD(es_report_set(dst, src->fields[i].name, "%s", src->fields[i].value));
        }
    }
    return ES_OK;
}
