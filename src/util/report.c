/* SPDX-License-Identifier: Apache-2.0 */
/* Verification reports: verdict, reasons, typed data, children. */
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

struct eseal_value {
    eseal_value_type type;
    union {
        char *s;
        int64_t i; /* integers and times */
        bool b;
        double d;
    } u;
    char **keys; /* objects: member keys */
    eseal_value **items;
    size_t n;
};

struct eseal_report {
    eseal_report *parent;
    struct reason *reasons;
    size_t nreasons;
    eseal_value *data;
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

static void value_free(eseal_value *v);

static void value_clear(eseal_value *v)
{
    if (v->type == ESEAL_VALUE_STRING) {
        es_free(v->u.s);
    }
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys != NULL) {
            es_free(v->keys[i]);
        }
        value_free(v->items[i]);
    }
    es_free(v->keys);
    es_free(v->items);
    memset(v, 0, sizeof(*v));
}

static void value_free(eseal_value *v)
{
    if (v != NULL) {
        value_clear(v);
        es_free(v);
    }
}

ES_RESULT es_report_new(eseal_report **out)
{
    eseal_report *r = es_calloc(1, sizeof(*r));
    ES_ENSURE_ALLOC(r);
    r->data = es_calloc(1, sizeof(*r->data));
    if (r->data == NULL) {
        es_free(r);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    r->data->type = ESEAL_VALUE_OBJECT;
    *out = r;
    return ES_OK;
}

eseal_value *es_report_root(eseal_report *r) { return r->data; }

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

ES_RESULT es_report_add_child(eseal_report *r, eseal_report **child)
{
    ES_GUARD(grow((void **)&r->children, r->nchildren, sizeof(eseal_report *)));
    ES_GUARD(es_report_new(&r->children[r->nchildren]));
    r->children[r->nchildren]->parent = r;
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
    value_free(r->data);
    for (size_t i = 0; i < r->nchildren; i++) {
        eseal_report_free(r->children[i]);
    }
    es_free(r->reasons);
    es_free(r->children);
    es_free(r);
}

/* ---- typed values ---- */

#define ES_REPORT_PATH_MAX 128 /* a path segment: longer keys are a bug in the caller */

static eseal_value *value_new(eseal_value_type type)
{
    eseal_value *v = es_calloc(1, sizeof(*v));
    if (v != NULL) {
        v->type = type;
    }
    return v;
}

/* The member `key` (n bytes) of object o, or NULL. */
static eseal_value *member(const eseal_value *o, const char *key, size_t n)
{
    if (o == NULL || o->type != ESEAL_VALUE_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < o->n; i++) {
        if (strlen(o->keys[i]) == n && memcmp(o->keys[i], key, n) == 0) {
            return o->items[i];
        }
    }
    return NULL;
}

static ES_RESULT add_member(eseal_value *o, const char *key, size_t n, eseal_value **out)
{
    ES_ENSURE(n > 0 && n < ES_REPORT_PATH_MAX, ESEAL_ERROR, "report: bad key in a path");
    ES_GUARD(grow((void **)&o->items, o->n, sizeof(eseal_value *)));
    ES_GUARD(grow((void **)&o->keys, o->n, sizeof(char *)));
    char *k = es_malloc(n + 1);
    ES_ENSURE_ALLOC(k);
    memcpy(k, key, n);
    k[n] = '\0';
    eseal_value *v = value_new(ESEAL_VALUE_NULL);
    if (v == NULL) {
        es_free(k);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    o->keys[o->n] = k;
    o->items[o->n++] = v;
    *out = v;
    return ES_OK;
}

/* The slot at path below obj, created (with the objects on the way) when missing; a null on the
 * way becomes an object. The slot keeps its place when it existed. */
static ES_RESULT slot(eseal_value *obj, const char *path, eseal_value **out)
{
    ES_ENSURE(obj != NULL && path != NULL && *path != '\0', ESEAL_ERROR, "report: no path");
    eseal_value *cur = obj;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (cur->type == ESEAL_VALUE_NULL) {
            cur->type = ESEAL_VALUE_OBJECT;
        }
        ES_ENSURE(cur->type == ESEAL_VALUE_OBJECT, ESEAL_ERROR, "report: %s crosses a value that is not an object",
                  path);
        eseal_value *next = member(cur, p, n);
        if (next == NULL) {
            ES_GUARD(add_member(cur, p, n, &next));
        }
        if (dot == NULL) {
            *out = next;
            return ES_OK;
        }
        cur = next;
        p = dot + 1;
    }
}

/* The string `s` (taken: freed on failure) at `path`. */
static ES_RESULT put_string(eseal_value *obj, const char *path, char *s)
{
    eseal_value *v = NULL;
    es_result r = slot(obj, path, &v);
    if (!es_ok(r)) {
        es_free(s);
        return r;
    }
    value_clear(v);
    v->type = ESEAL_VALUE_STRING;
    v->u.s = s;
    return ES_OK;
}

ES_RESULT es_value_vstr(eseal_value *obj, const char *path, const char *fmt, va_list ap)
{
    char *s = NULL;
    ES_GUARD(vformat(&s, fmt, ap));
    return put_string(obj, path, s);
}

ES_RESULT es_value_str(eseal_value *obj, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_result r = es_value_vstr(obj, path, fmt, ap);
    va_end(ap);
    return r;
}

ES_RESULT es_value_text(eseal_value *obj, const char *path, const char *text)
{
    /* Line feeds kept (a signed note is lines, and its signature covers them); no carriage return,
     * no other control character, so that a report line stays one line where it is printed whole. */
    size_t n = strlen(text);
    char *s = es_malloc(n + 1);
    ES_ENSURE_ALLOC(s);
    for (size_t i = 0; i <= n; i++) {
        s[i] = text[i] == '\r' || (text[i] != '\n' && text[i] != '\0' && (unsigned char)text[i] < 0x20) ? ' ' : text[i];
    }
    return put_string(obj, path, s);
}

ES_RESULT es_report_str(eseal_report *rep, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    es_result r = es_value_vstr(rep->data, path, fmt, ap);
    va_end(ap);
    return r;
}

static ES_RESULT set_scalar(eseal_value *obj, const char *path, eseal_value_type type, int64_t i)
{
    eseal_value *v = NULL;
    ES_GUARD(slot(obj, path, &v));
    value_clear(v);
    v->type = type;
    if (type == ESEAL_VALUE_BOOLEAN) {
        v->u.b = i != 0;
    } else {
        v->u.i = i;
    }
    return ES_OK;
}

ES_RESULT es_value_int(eseal_value *obj, const char *path, int64_t v)
{
    return set_scalar(obj, path, ESEAL_VALUE_INTEGER, v);
}
ES_RESULT es_value_bool(eseal_value *obj, const char *path, bool v)
{
    return set_scalar(obj, path, ESEAL_VALUE_BOOLEAN, v);
}
ES_RESULT es_value_time(eseal_value *obj, const char *path, int64_t ms)
{
    return set_scalar(obj, path, ESEAL_VALUE_TIME, ms);
}
ES_RESULT es_value_num(eseal_value *obj, const char *path, double d)
{
    eseal_value *v = NULL;
    ES_GUARD(slot(obj, path, &v));
    value_clear(v);
    v->type = ESEAL_VALUE_NUMBER;
    v->u.d = d;
    return ES_OK;
}
ES_RESULT es_value_null(eseal_value *obj, const char *path) { return set_scalar(obj, path, ESEAL_VALUE_NULL, 0); }

/* path = an empty object or list; *out (when not NULL) = it. */
static ES_RESULT set_container(eseal_value *obj, const char *path, eseal_value_type type, eseal_value **out)
{
    eseal_value *v = NULL;
    ES_GUARD(slot(obj, path, &v));
    value_clear(v);
    v->type = type;
    if (out != NULL) {
        *out = v;
    }
    return ES_OK;
}

ES_RESULT es_value_object(eseal_value *obj, const char *path, eseal_value **out)
{
    return set_container(obj, path, ESEAL_VALUE_OBJECT, out);
}

ES_RESULT es_value_list(eseal_value *obj, const char *path, eseal_value **out)
{
    return set_container(obj, path, ESEAL_VALUE_LIST, out);
}

static ES_RESULT list_push(eseal_value *list, eseal_value *item)
{
    es_result r = grow((void **)&list->items, list->n, sizeof(eseal_value *));
    if (!es_ok(r)) {
        value_free(item);
        return r;
    }
    list->items[list->n++] = item;
    return ES_OK;
}

ES_RESULT es_value_append(eseal_value *obj, const char *path, eseal_value_type type, eseal_value **item)
{
    eseal_value *list = NULL;
    ES_GUARD(slot(obj, path, &list));
    if (list->type == ESEAL_VALUE_NULL) {
        list->type = ESEAL_VALUE_LIST;
    }
    ES_ENSURE(list->type == ESEAL_VALUE_LIST, ESEAL_ERROR, "report: %s is not a list", path);
    eseal_value *v = value_new(type);
    ES_ENSURE_ALLOC(v);
    ES_GUARD(list_push(list, v));
    if (item != NULL) {
        *item = v;
    }
    return ES_OK;
}

ES_RESULT es_value_append_str(eseal_value *obj, const char *path, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    es_result r = vformat(&s, fmt, ap);
    va_end(ap);
    ES_GUARD(r);
    eseal_value *v = NULL;
    r = es_value_append(obj, path, ESEAL_VALUE_STRING, &v);
    if (!es_ok(r)) {
        es_free(s);
        return r;
    }
    v->u.s = s;
    return ES_OK;
}

ES_RESULT es_value_append_int(eseal_value *obj, const char *path, int64_t i)
{
    eseal_value *v = NULL;
    ES_GUARD(es_value_append(obj, path, ESEAL_VALUE_INTEGER, &v));
    v->u.i = i;
    return ES_OK;
}

ES_RESULT es_value_append_num(eseal_value *obj, const char *path, double d)
{
    eseal_value *v = NULL;
    ES_GUARD(es_value_append(obj, path, ESEAL_VALUE_NUMBER, &v));
    v->u.d = d;
    return ES_OK;
}

/* ---- reading ---- */

static bool all_digits(const char *p, size_t n)
{
    if (n == 0 || n > 9) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return true;
}

const eseal_value *eseal_value_find(const eseal_value *v, const char *path)
{
    if (v == NULL || path == NULL) {
        return NULL;
    }
    const char *p = path;
    while (v != NULL) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (v->type == ESEAL_VALUE_OBJECT) {
            v = member(v, p, n);
        } else if (v->type == ESEAL_VALUE_LIST && all_digits(p, n)) {
            size_t idx = 0;
            for (size_t i = 0; i < n; i++) {
                idx = idx * 10 + (size_t)(p[i] - '0');
            }
            v = idx < v->n ? v->items[idx] : NULL;
        } else if (v->type == ESEAL_VALUE_LIST) {
            const eseal_value *hit = NULL;
            for (size_t i = 0; hit == NULL && i < v->n; i++) {
                const eseal_value *id = member(v->items[i], "id", 2);
                if (id != NULL && id->type == ESEAL_VALUE_STRING && strlen(id->u.s) == n &&
                    memcmp(id->u.s, p, n) == 0) {
                    hit = v->items[i];
                }
            }
            v = hit;
        } else {
            return NULL;
        }
        if (dot == NULL) {
            return v;
        }
        p = dot + 1;
    }
    return NULL;
}

/* The tree is the caller's to write: the const of eseal_value_find is the public view's. */
eseal_value *es_value_at(eseal_value *obj, const char *path) { return (eseal_value *)(uintptr_t)eseal_value_find(obj, path); }

const eseal_value *eseal_report_data(const eseal_report *r) { return r == NULL ? NULL : r->data; }

const eseal_value *eseal_report_find(const eseal_report *r, const char *path)
{
    return r == NULL ? NULL : eseal_value_find(r->data, path);
}

const char *eseal_report_string(const eseal_report *r, const char *path)
{
    return eseal_value_string(eseal_report_find(r, path));
}

static int typed(const eseal_report *r, const char *path, eseal_value_type type, int64_t *out)
{
    const eseal_value *v = eseal_report_find(r, path);
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    if (v == NULL || v->type != type) {
        ES_BAIL_INT(ESEAL_ENOTFOUND, "report: no %s at %s", type == ESEAL_VALUE_TIME ? "time" : type == ESEAL_VALUE_BOOLEAN ? "boolean" : "integer",
                    path != NULL ? path : "(null)");
    }
    *out = type == ESEAL_VALUE_BOOLEAN ? (int64_t)v->u.b : v->u.i;
    return ESEAL_OK;
}

int eseal_report_integer(const eseal_report *r, const char *path, int64_t *out)
{
    return typed(r, path, ESEAL_VALUE_INTEGER, out);
}

int eseal_report_time(const eseal_report *r, const char *path, int64_t *ms)
{
    return typed(r, path, ESEAL_VALUE_TIME, ms);
}

int eseal_report_boolean(const eseal_report *r, const char *path, int *out)
{
    int64_t b = 0;
    int rc = typed(r, path, ESEAL_VALUE_BOOLEAN, &b);
    if (rc == ESEAL_OK && out != NULL) {
        *out = (int)b;
    }
    return rc;
}

eseal_value_type eseal_value_type_of(const eseal_value *v) { return v == NULL ? ESEAL_VALUE_NULL : v->type; }

const char *eseal_value_string(const eseal_value *v)
{
    return (v != NULL && v->type == ESEAL_VALUE_STRING) ? v->u.s : NULL;
}

int64_t eseal_value_integer(const eseal_value *v)
{
    return (v != NULL && (v->type == ESEAL_VALUE_INTEGER || v->type == ESEAL_VALUE_TIME)) ? v->u.i : 0;
}

double eseal_value_number(const eseal_value *v)
{
    if (v != NULL && v->type == ESEAL_VALUE_NUMBER) {
        return v->u.d;
    }
    return (v != NULL && v->type == ESEAL_VALUE_INTEGER) ? (double)v->u.i : 0.0;
}

int eseal_value_boolean(const eseal_value *v) { return (v != NULL && v->type == ESEAL_VALUE_BOOLEAN) ? v->u.b : 0; }

size_t eseal_value_count(const eseal_value *v)
{
    return (v != NULL && (v->type == ESEAL_VALUE_LIST || v->type == ESEAL_VALUE_OBJECT)) ? v->n : 0;
}

const eseal_value *eseal_value_item(const eseal_value *v, size_t i)
{
    return i < eseal_value_count(v) ? v->items[i] : NULL;
}

const char *eseal_value_key(const eseal_value *v, size_t i)
{
    return (v != NULL && v->type == ESEAL_VALUE_OBJECT && i < v->n) ? v->keys[i] : NULL;
}

/* ---- checks ---- */

static const char *const check_names[] = {"passed", "failed", "indeterminate", "not_applicable"};

const char *eseal_check_status_name(eseal_check_status s)
{
    return (unsigned)s < sizeof(check_names) / sizeof(check_names[0]) ? check_names[s] : NULL;
}

eseal_check_status eseal_report_check(const eseal_report *r, const char *id)
{
    const eseal_value *checks = eseal_report_find(r, "checks");
    for (size_t i = 0; id != NULL && i < eseal_value_count(checks); i++) {
        const char *cid = eseal_value_string(member(checks->items[i], "id", 2));
        if (cid != NULL && strcmp(cid, id) == 0) {
            const char *st = eseal_value_string(member(checks->items[i], "status", 6));
            for (size_t k = 0; st != NULL && k < sizeof(check_names) / sizeof(check_names[0]); k++) {
                if (strcmp(st, check_names[k]) == 0) {
                    return (eseal_check_status)k;
                }
            }
        }
    }
    return ESEAL_CHECK_ABSENT;
}

static eseal_value *find_check(eseal_report *r, const char *id)
{
    eseal_value *checks = member(r->data, "checks", 6);
    for (size_t i = 0; i < eseal_value_count(checks); i++) {
        const char *cid = eseal_value_string(member(checks->items[i], "id", 2));
        if (cid != NULL && strcmp(cid, id) == 0) {
            return checks->items[i];
        }
    }
    return NULL;
}

ES_RESULT es_report_check(eseal_report *r, const char *id, eseal_check_status status, const char *source,
                          const char *fmt, ...)
{
    ES_ENSURE(eseal_check_status_name(status) != NULL, ESEAL_ERROR, "report: check %s has no status", id);
    eseal_value *c = find_check(r, id);
    if (c == NULL) {
        ES_GUARD(es_value_append(r->data, "checks", ESEAL_VALUE_OBJECT, &c));
        ES_GUARD(es_value_str(c, "id", "%s", id));
    }
    ES_GUARD(es_value_str(c, "status", "%s", eseal_check_status_name(status)));
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        es_result res = es_value_vstr(c, "detail", fmt, ap);
        va_end(ap);
        ES_GUARD(res);
    } else {
        ES_GUARD(es_value_null(c, "detail"));
    }
    ES_GUARD(source != NULL ? es_value_str(c, "source", "%s", source) : es_value_null(c, "source"));
    if (member(c, "objects", 7) == NULL) {
        ES_GUARD(es_value_list(c, "objects", NULL));
    }
    return ES_OK;
}

ES_RESULT es_report_check_uses(eseal_report *r, const char *id, const char *object_id)
{
    eseal_value *c = find_check(r, id);
    ES_ENSURE(c != NULL, ESEAL_ERROR, "report: check %s is not set", id);
    eseal_value *objs = member(c, "objects", 7);
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        if (strcmp(eseal_value_string(objs->items[i]), object_id) == 0) {
            return ES_OK;
        }
    }
    return es_value_append_str(c, "objects", "%s", object_id);
}

/* ---- sections ---- */

static ES_RESULT nulls(eseal_value *obj, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ES_GUARD(es_value_null(obj, paths[i]));
    }
    return ES_OK;
}

ES_RESULT es_report_document_init(eseal_report *r, const char *format, uint64_t size, const char *sha256_hex,
                                  const char *sm3_hex, int64_t validation_time_ms)
{
    eseal_value *d = r->data;
    ES_GUARD(es_value_int(d, "report_version", ESEAL_REPORT_VERSION));
    ES_GUARD(es_value_str(d, "format", "%s", format));
    ES_ENSURE(size <= INT64_MAX, ESEAL_ERROR, "report: document size");
    ES_GUARD(es_value_int(d, "document.size", (int64_t)size));
    ES_GUARD(sha256_hex != NULL ? es_value_str(d, "document.sha256", "%s", sha256_hex)
                                : es_value_null(d, "document.sha256"));
    ES_GUARD(sm3_hex != NULL ? es_value_str(d, "document.sm3", "%s", sm3_hex) : es_value_null(d, "document.sm3"));
    ES_GUARD(es_value_null(d, "document.parts"));
    ES_GUARD(es_value_time(d, "validation_time", validation_time_ms));
    ES_GUARD(es_value_str(d, "policy.name", "%s", ESEAL_VALIDATION_POLICY_NAME));
    ES_GUARD(es_value_str(d, "policy.version", "%s", ESEAL_VALIDATION_POLICY_VERSION));
    if (member(d, "validation_objects", 18) == NULL) {
        ES_GUARD(es_value_list(d, "validation_objects", NULL));
    }
    return ES_OK;
}

ES_RESULT es_document_digests(unsigned int *out, unsigned int asked)
{
    ES_ENSURE((asked & ~ESEAL_DOCUMENT_DIGESTS_ALL) == 0, ESEAL_EINVAL,
              "document_digests: unknown bits 0x%x (ESEAL_DOCUMENT_SHA256, ESEAL_DOCUMENT_SM3)",
              asked & ~ESEAL_DOCUMENT_DIGESTS_ALL);
    *out = asked == 0 ? ESEAL_DOCUMENT_DIGESTS_ALL : asked;
    return ES_OK;
}

int eseal_document_digests_parse(unsigned int *out, const char *list)
{
    if (out == NULL || list == NULL) {
        ES_BAIL_ARG("out == NULL || list == NULL");
    }
    *out = 0;
    for (const char *p = list;; p++) { /* every item named: no empty one before, between or after commas */
        size_t n = strcspn(p, ",");
        unsigned int bit = n == 6 && strncmp(p, "sha256", 6) == 0 ? ESEAL_DOCUMENT_SHA256
                           : n == 3 && strncmp(p, "sm3", 3) == 0  ? ESEAL_DOCUMENT_SM3
                                                                  : 0;
        if (bit == 0 || (*out & bit) != 0) {
            *out = 0;
            ES_BAIL_INT(ESEAL_EINVAL, "digests: sha256, sm3 or sha256,sm3, not '%.40s'", list);
        }
        *out |= bit;
        p += n;
        if (*p == '\0') {
            return ESEAL_OK;
        }
    }
}

ES_RESULT es_report_signature_init(eseal_report *sig)
{
    static const char *const paths[] = {
        "signature.id", "signature.type", "signature.algorithm", "signature.digest_algorithm", "signature.level",
        "signature.identifier", "signature.signed_digest", "signature.format", "signature.appearance",
        "signature.duplicate_of", "signature.log",
        "signer.subject", "signer.issuer", "signer.serial", "signer.fingerprint_sha256", "signer.key_algorithm",
        "signer.not_before", "signer.not_after", "signer.certificate", "signer.uscc",
        "seal",
        "time.value", "time.source", "time.tsa", "time.serial", "time.accuracy_ms", "time.token", "time.judged_at", "time.judged_by",
        "coverage.byte_ranges", "coverage.whole_document", "coverage.revision", "coverage.changes",
    };
    ES_GUARD(nulls(sig->data, paths, sizeof(paths) / sizeof(paths[0])));
    ES_GUARD(es_value_list(sig->data, "coverage.changes", NULL));
    return es_value_list(sig->data, "checks", NULL);
}

/* ---- validation objects ---- */

static const struct {
    const char *type;
    const char *prefix;
} vobj_names[] = {
    [ES_VOBJ_CERTIFICATE] = {"certificate", "CERT"}, [ES_VOBJ_CRL] = {"crl", "CRL"},
    [ES_VOBJ_OCSP_RESPONSE] = {"ocsp_response", "OCSP"}, [ES_VOBJ_TIMESTAMP] = {"timestamp", "TST"},
    [ES_VOBJ_SEAL] = {"seal", "SEAL"},
};

ES_RESULT es_report_object(eseal_report *r, es_vobj_type type, const char *sha256_hex, const char *name,
                           const char *origin, int64_t poe_ms, char id[ES_VOBJ_ID_LEN])
{
    ES_ENSURE((unsigned)type < sizeof(vobj_names) / sizeof(vobj_names[0]) && sha256_hex != NULL &&
                  strlen(sha256_hex) == 64,
              ESEAL_ERROR, "report: bad validation object");
    (void)snprintf(id, ES_VOBJ_ID_LEN, "%s-%.16s", vobj_names[type].prefix, sha256_hex);
    eseal_report *root = r;
    while (root->parent != NULL) {
        root = root->parent;
    }
    eseal_value *list = member(root->data, "validation_objects", 18);
    for (size_t i = 0; i < eseal_value_count(list); i++) {
        const char *have = eseal_value_string(member(list->items[i], "id", 2));
        if (have != NULL && strcmp(have, id) == 0) {
            eseal_value *poe = member(list->items[i], "poe", 3);
            /* The earliest proof of existence wins: what one signature's timestamp proves holds for all. */
            if (poe_ms != 0 && (poe == NULL || poe->type != ESEAL_VALUE_TIME || poe_ms < poe->u.i)) {
                ES_GUARD(es_value_time(list->items[i], "poe", poe_ms));
            }
            return ES_OK;
        }
    }
    eseal_value *o = NULL;
    ES_GUARD(es_value_append(root->data, "validation_objects", ESEAL_VALUE_OBJECT, &o));
    ES_GUARD(es_value_str(o, "id", "%s", id));
    ES_GUARD(es_value_str(o, "type", "%s", vobj_names[type].type));
    ES_GUARD(name != NULL ? es_value_str(o, "name", "%s", name) : es_value_null(o, "name"));
    ES_GUARD(es_value_str(o, "sha256", "%s", sha256_hex));
    ES_GUARD(origin != NULL ? es_value_str(o, "origin", "%s", origin) : es_value_null(o, "origin"));
    return poe_ms != 0 ? es_value_time(o, "poe", poe_ms) : es_value_null(o, "poe");
}

/* ---- merging ---- */

static ES_RESULT value_copy(eseal_value **out, const eseal_value *src);

/* dst = src, in place (dst keeps its place in its parent). */
static ES_RESULT value_assign(eseal_value *dst, const eseal_value *src)
{
    eseal_value *tmp = NULL;
    ES_GUARD(value_copy(&tmp, src));
    value_clear(dst);
    *dst = *tmp;
    es_free(tmp);
    return ES_OK;
}

static ES_RESULT value_copy(eseal_value **out, const eseal_value *src)
{
    eseal_value *v = value_new(src->type);
    ES_ENSURE_ALLOC(v);
    es_result r = ES_OK;
    if (src->type == ESEAL_VALUE_STRING) {
        v->u.s = es_strdup(src->u.s);
        r = v->u.s == NULL ? es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory") : ES_OK;
    } else {
        v->u = src->u;
    }
    for (size_t i = 0; es_ok(r) && i < src->n; i++) {
        eseal_value *item = NULL;
        if (src->type == ESEAL_VALUE_OBJECT) {
            r = add_member(v, src->keys[i], strlen(src->keys[i]), &item);
            if (es_ok(r)) {
                r = value_assign(item, src->items[i]);
            }
        } else {
            r = value_copy(&item, src->items[i]);
            if (es_ok(r)) {
                r = list_push(v, item);
            }
        }
    }
    if (!es_ok(r)) {
        value_free(v);
        return r;
    }
    *out = v;
    return ES_OK;
}

/* Merges src into the object dst: objects member by member, lists appended (checks by id), the rest replaced. */
static ES_RESULT value_merge(eseal_value *dst, const eseal_value *src, bool checks_by_id)
{
    if (src->type != ESEAL_VALUE_OBJECT || dst->type != ESEAL_VALUE_OBJECT) {
        if (src->type == ESEAL_VALUE_NULL && dst->type != ESEAL_VALUE_NULL) {
            return ES_OK; /* "not set" in the part does not erase what the whole knows */
        }
        if (src->type == ESEAL_VALUE_LIST && dst->type == ESEAL_VALUE_LIST) {
            for (size_t i = 0; i < src->n; i++) {
                const char *cid = checks_by_id ? eseal_value_string(member(src->items[i], "id", 2)) : NULL;
                eseal_value *same = NULL;
                for (size_t k = 0; cid != NULL && same == NULL && k < dst->n; k++) {
                    const char *did = eseal_value_string(member(dst->items[k], "id", 2));
                    same = (did != NULL && strcmp(did, cid) == 0) ? dst->items[k] : NULL;
                }
                if (same != NULL) {
                    ES_GUARD(value_assign(same, src->items[i]));
                } else {
                    eseal_value *item = NULL;
                    ES_GUARD(value_copy(&item, src->items[i]));
                    ES_GUARD(list_push(dst, item));
                }
            }
            return ES_OK;
        }
        return value_assign(dst, src);
    }
    for (size_t i = 0; i < src->n; i++) {
        eseal_value *d = member(dst, src->keys[i], strlen(src->keys[i]));
        if (d == NULL) {
            ES_GUARD(add_member(dst, src->keys[i], strlen(src->keys[i]), &d));
        }
        ES_GUARD(value_merge(d, src->items[i], strcmp(src->keys[i], "checks") == 0));
    }
    return ES_OK;
}

ES_RESULT es_report_merge(eseal_report *dst, const eseal_report *src, const char *prefix)
{
    for (size_t i = 0; i < src->nreasons; i++) {
        ES_GUARD(es_report_reason(dst, src->reasons[i].verdict, src->reasons[i].code, "%s", src->reasons[i].text));
    }
    /* The validation objects live in the document report: src's (or its document's) go to dst's. */
    const eseal_report *sroot = src;
    while (sroot->parent != NULL) {
        sroot = sroot->parent;
    }
    eseal_report *droot = dst;
    while (droot->parent != NULL) {
        droot = droot->parent;
    }
    const eseal_value *objs = member(sroot->data, "validation_objects", 18);
    if (objs != NULL && objs->n > 0 && sroot != droot) {
        eseal_value *dobjs = member(droot->data, "validation_objects", 18);
        if (dobjs == NULL) {
            ES_GUARD(es_value_list(droot->data, "validation_objects", &dobjs));
        }
        for (size_t i = 0; i < objs->n; i++) {
            const char *oid = eseal_value_string(member(objs->items[i], "id", 2));
            bool have = false;
            for (size_t k = 0; oid != NULL && !have && k < dobjs->n; k++) {
                const char *did = eseal_value_string(member(dobjs->items[k], "id", 2));
                have = did != NULL && strcmp(did, oid) == 0;
            }
            if (!have) {
                eseal_value *item = NULL;
                ES_GUARD(value_copy(&item, objs->items[i]));
                ES_GUARD(list_push(dobjs, item));
            }
        }
    }
    eseal_value *target = dst->data;
    if (prefix != NULL) {
        ES_GUARD(slot(dst->data, prefix, &target));
        if (target->type == ESEAL_VALUE_NULL) {
            target->type = ESEAL_VALUE_OBJECT;
        }
    }
    /* A signature part's validation_objects stay out of dst's data (they went to the document above). */
    for (size_t i = 0; i < src->data->n; i++) {
        if (sroot == src && strcmp(src->data->keys[i], "validation_objects") == 0) {
            continue;
        }
        eseal_value *d = member(target, src->data->keys[i], strlen(src->data->keys[i]));
        if (d == NULL) {
            ES_GUARD(add_member(target, src->data->keys[i], strlen(src->data->keys[i]), &d));
        }
        ES_GUARD(value_merge(d, src->data->items[i], strcmp(src->data->keys[i], "checks") == 0));
    }
    return ES_OK;
}

ES_RESULT es_value_set(eseal_value *obj, const char *path, const eseal_value *v)
{
    if (v == NULL) {
        return es_value_null(obj, path);
    }
    eseal_value *slotv = NULL;
    ES_GUARD(slot(obj, path, &slotv));
    return value_assign(slotv, v);
}

ES_RESULT es_report_check_uses_from(eseal_report *r, const char *id, const eseal_value *check)
{
    const eseal_value *objs = eseal_value_find(check, "objects");
    for (size_t i = 0; i < eseal_value_count(objs); i++) {
        const char *o = eseal_value_string(eseal_value_item(objs, i));
        if (o != NULL) {
            ES_GUARD(es_report_check_uses(r, id, o));
        }
    }
    return ES_OK;
}
