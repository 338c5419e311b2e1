/* SPDX-License-Identifier: Apache-2.0 */
/* Audit entries, version 1: canonical "key value" lines in a fixed order (docs/audit-log.md). */
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/audit.h"
#include "maxima.h"
#include "util/util.h"
#include "util/versions.h"

typedef enum { F_TEXT, F_HEX, F_TYPE, F_IDS, F_ID, F_TIME_PROOF } field_kind;

typedef struct {
    const char *key;
    size_t off; /* offset of the const char * in eseal_audit_entry */
    field_kind kind;
} field;

#define FIELD(k, m, kind) {k, offsetof(eseal_audit_entry, m), kind}

/* The canonical order. "time" (a number) comes right after "type" and is handled apart. A line
 * added later ("actor-kind", "policy-rule", "org") is optional: entries written before it do not
 * have it and keep their bytes. */
static const field fields[] = {
    FIELD("actor", actor, F_TEXT),
    FIELD("actor-kind", actor_kind, F_TYPE),
    FIELD("actor-cert", actor_cert, F_HEX),
    FIELD("org", org, F_ID),
    FIELD("seal", seal, F_TEXT),
    FIELD("cert", cert, F_TEXT),
    FIELD("stamp", stamp, F_TEXT),
    FIELD("doc-format", doc_format, F_TYPE),
    FIELD("doc-before-sha256", doc_before_sha256, F_HEX),
    FIELD("doc-before-sm3", doc_before_sm3, F_HEX),
    FIELD("doc-after-sha256", doc_after_sha256, F_HEX),
    FIELD("doc-after-sm3", doc_after_sm3, F_HEX),
    FIELD("approvals", approvals, F_IDS),
    FIELD("policy-rule", policy_rule, F_TYPE),
    FIELD("ip-commitment", ip_commitment, F_HEX),
    FIELD("device-commitment", device_commitment, F_HEX),
    FIELD("detail", detail, F_TEXT),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char **slot(eseal_audit_entry *e, const field *f) { return (const char **)((char *)e + f->off); }
static const char *get(const eseal_audit_entry *e, const field *f)
{
    return *(const char *const *)((const char *)e + f->off);
}

/* Valid UTF-8 (no overlongs, no surrogates), no control characters, no leading or trailing space. */
static bool text_ok(const char *s, size_t n)
{
    if (n == 0 || n > ESEAL_AUDIT_MAX_FIELD || s[0] == ' ' || s[n - 1] == ' ') {
        return false;
    }
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || i + len > n) {
            return false;
        }
        uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0x80 && cp <= 0x9f)) {
            return false;
        }
        i += len;
    }
    return true;
}

static bool hex_ok(const char *s, size_t n) { return n == ES_LOG_SHA256_HEX - 1 && es_is_lower_hex(s, n); }

/* [a-z0-9] words joined by '.' or '-', at most 64 bytes. */
static bool type_ok(const char *s, size_t n)
{
    if (n == 0 || n > ES_LOG_TYPE_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        bool sep = c == '.' || c == '-';
        if (!word && !(sep && i > 0 && i + 1 < n && s[i - 1] != '.' && s[i - 1] != '-')) {
            return false;
        }
    }
    return true;
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
}

/* Identifiers [A-Za-z0-9_.:-] separated by single commas. */
static bool ids_ok(const char *s, size_t n)
{
    if (n == 0 || n > ESEAL_AUDIT_MAX_FIELD || s[0] == ',' || s[n - 1] == ',') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!id_char(c) && !(c == ',' && s[i - 1] != ',')) {
            return false;
        }
    }
    return true;
}

/* One identifier [A-Za-z0-9_.:-] of at most ESEAL_AUDIT_MAX_ORG bytes (an organisation's id). */
static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > ESEAL_AUDIT_MAX_ORG) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!id_char(s[i])) {
            return false;
        }
    }
    return true;
}

static bool value_ok(field_kind kind, const char *s, size_t n)
{
    switch (kind) {
    case F_TEXT:
        return text_ok(s, n);
    case F_HEX:
        return hex_ok(s, n);
    case F_TYPE:
        return type_ok(s, n);
    case F_IDS:
        return ids_ok(s, n);
    case F_ID:
        return id_ok(s, n);
    case F_TIME_PROOF:
        break;
    }
    return false;
}

static ES_RESULT encode(es_buf *b, const eseal_audit_entry *e)
{
    ES_ENSURE(e->type != NULL && type_ok(e->type, strlen(e->type)), ESEAL_EINVAL,
              "audit: the entry type must be lower-case words joined by '.' or '-'");
    ES_ENSURE(e->time_ms >= 0, ESEAL_EINVAL, "audit: the entry time is negative");
    ES_GUARD(es_buf_printf(b, "%s\ntype %s\ntime %lld\n", ESEAL_AUDIT_HEADER, e->type, (long long)e->time_ms));
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = get(e, &fields[i]);
        if (v == NULL) {
            continue;
        }
        ES_ENSURE(value_ok(fields[i].kind, v, strlen(v)), ESEAL_EINVAL, "audit: field %s: %s", fields[i].key,
                  fields[i].kind == F_HEX    ? "not 64 lower-case hex digits"
                  : fields[i].kind == F_IDS  ? "not identifiers separated by commas"
                  : fields[i].kind == F_ID   ? "not one identifier of at most 64 bytes"
                  : fields[i].kind == F_TYPE ? "not a lower-case word"
                                             : "empty, too long, surrounding spaces, control characters or bad UTF-8");
        ES_GUARD(es_buf_printf(b, "%s %s\n", fields[i].key, v));
    }
    ES_ENSURE((e->time_proof_kind == NULL) == (e->time_proof_sha256 == NULL), ESEAL_EINVAL,
              "audit: time proof: kind and hash go together");
    if (e->time_proof_kind != NULL) {
        ES_ENSURE(strcmp(e->time_proof_kind, "entry") == 0 || strcmp(e->time_proof_kind, "signature") == 0,
                  ESEAL_EINVAL, "audit: time proof kind must be \"entry\" or \"signature\"");
        ES_ENSURE(hex_ok(e->time_proof_sha256, strlen(e->time_proof_sha256)), ESEAL_EINVAL,
                  "audit: time proof hash: not 64 lower-case hex digits");
        ES_GUARD(es_buf_printf(b, "time-proof %s %s\n", e->time_proof_kind, e->time_proof_sha256));
    }
    return ES_OK;
}

int eseal_audit_entry_encode(eseal_buf *out, const eseal_audit_entry *e)
{
    ES_CHECK_VERSION_INT(e, audit_entry);
    if (out == NULL || e == NULL) {
        ES_BAIL_ARG("out == NULL || e == NULL");
    }
    es_buf b = ES_BUF_INIT(ESEAL_AUDIT_MAX_ENTRY);
    es_result r = encode(&b, e);
    if (!es_ok(r)) {
        es_buf_free(&b);
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

void eseal_audit_entry_parsed_dispose(eseal_audit_entry_parsed *p)
{
    if (p != NULL) {
        es_free(p->storage);
        memset(p, 0, sizeof(*p));
    }
}

/* Splits "key value" at the first space; the key must be `want`. */
static bool take_key(es_span line, const char *want, es_span *value)
{
    size_t k = strlen(want);
    if (line.len <= k + 1 || memcmp(line.ptr, want, k) != 0 || line.ptr[k] != ' ') {
        return false;
    }
    *value = es_span_of(line.ptr + k + 1, line.len - k - 1);
    return true;
}

/* The writable copy of a span of out->storage (the cursor hands out const views of it). */
static char *mut(eseal_audit_entry_parsed *out, es_span v) { return out->storage + (v.ptr - (const uint8_t *)out->storage); }

static ES_RESULT parse(eseal_audit_entry_parsed *out, es_span in)
{
    ES_ENSURE(in.len <= ESEAL_AUDIT_MAX_ENTRY, ESEAL_ELIMIT, "audit: entry of %zu bytes (at most %d)", in.len,
              ESEAL_AUDIT_MAX_ENTRY);
    ES_ENSURE(in.len > 0 && in.ptr[in.len - 1] == '\n', ESEAL_EMALFORMED, "audit: entry does not end with a newline");
    ES_ENSURE(memchr(in.ptr, '\r', in.len) == NULL && memchr(in.ptr, '\0', in.len) == NULL, ESEAL_EMALFORMED,
              "audit: entry contains CR or NUL");
    /* Storage: a copy of the input with each line's '\n' turned into NUL, values pointing into it. */
    out->storage = es_malloc(in.len + 1);
    ES_ENSURE_ALLOC(out->storage);
    memcpy(out->storage, in.ptr, in.len);
    out->storage[in.len] = '\0';
    eseal_audit_entry *e = &out->e;
    *e = (eseal_audit_entry)ESEAL_AUDIT_ENTRY_INIT;

    es_cur c = es_cur_of(es_span_of(out->storage, in.len));
    es_span line;
    size_t lineno = 1;
    ES_GUARD(es_cur_line(&c, ES_LOG_LINE_MAX, &line));
    ES_ENSURE(line.len == strlen(ESEAL_AUDIT_HEADER) && memcmp(line.ptr, ESEAL_AUDIT_HEADER, line.len) == 0,
              ESEAL_EMALFORMED, "audit: line 1: not an eseal-audit/v1 entry");
    es_span v;
    ES_GUARD(es_cur_line(&c, ES_LOG_LINE_MAX, &line));
    lineno++;
    ES_ENSURE(take_key(line, "type", &v) && type_ok((const char *)v.ptr, v.len), ESEAL_EMALFORMED,
              "audit: line 2: expected \"type <lower-case word>\"");
    mut(out, v)[v.len] = '\0';
    e->type = mut(out, v);
    ES_GUARD(es_cur_line(&c, ES_LOG_LINE_MAX, &line));
    lineno++;
    ES_ENSURE(take_key(line, "time", &v), ESEAL_EMALFORMED, "audit: line 3: expected \"time <milliseconds>\"");
    es_cur tc = es_cur_of(v);
    uint64_t t = 0;
    ES_ENSURE(es_ok(es_cur_uint(&tc, INT64_MAX, &t)) && es_cur_eof(&tc) && (v.len == 1 || v.ptr[0] != '0'),
              ESEAL_EMALFORMED, "audit: line 3: the time must be a decimal number without leading zeros");
    e->time_ms = (int64_t)t;

    size_t next = 0;
    while (!es_cur_eof(&c)) {
        ES_GUARD(es_cur_line(&c, ES_LOG_LAST_LINE_MAX, &line));
        lineno++;
        if (take_key(line, "time-proof", &v)) {
            ES_ENSURE(es_cur_eof(&c), ESEAL_EMALFORMED, "audit: line %zu: time-proof must be the last line", lineno);
            const size_t hex = ES_LOG_SHA256_HEX - 1;
            bool entry = v.len == 6 + hex && memcmp(v.ptr, "entry ", 6) == 0;
            bool sig = v.len == 10 + hex && memcmp(v.ptr, "signature ", 10) == 0;
            size_t k = entry ? 5 : 9;
            ES_ENSURE((entry || sig) && hex_ok((const char *)v.ptr + k + 1, hex), ESEAL_EMALFORMED,
                      "audit: line %zu: expected \"time-proof entry|signature <64 hex>\"", lineno);
            mut(out, v)[k] = '\0';
            mut(out, v)[v.len] = '\0';
            e->time_proof_kind = (const char *)v.ptr;
            e->time_proof_sha256 = (const char *)v.ptr + k + 1;
            break;
        }
        size_t i = next;
        while (i < NFIELDS && !take_key(line, fields[i].key, &v)) {
            i++;
        }
        ES_ENSURE(i < NFIELDS, ESEAL_EMALFORMED, "audit: line %zu: unknown, repeated or out-of-order field", lineno);
        ES_ENSURE(value_ok(fields[i].kind, (const char *)v.ptr, v.len), ESEAL_EMALFORMED,
                  "audit: line %zu: field %s has a value that is not canonical", lineno, fields[i].key);
        mut(out, v)[v.len] = '\0';
        *slot(e, &fields[i]) = mut(out, v);
        next = i + 1;
    }
    return ES_OK;
}

int eseal_audit_entry_parse(eseal_audit_entry_parsed *out, const void *data, size_t len)
{
    if (out == NULL || (data == NULL && len != 0)) {
        ES_BAIL_ARG("out == NULL || (data == NULL && len != 0)");
    }
    memset(out, 0, sizeof(*out));
    es_result r = parse(out, es_span_of(data, len));
    if (!es_ok(r)) {
        eseal_audit_entry_parsed_dispose(out);
    }
    return es_code(r);
}

size_t eseal_audit_entry_core_len(const void *data, size_t len)
{
    const char *p = data;
    static const char key[] = "\ntime-proof ";
    for (size_t i = 0; p != NULL && i + sizeof(key) - 1 <= len; i++) {
        if (memcmp(p + i, key, sizeof(key) - 1) == 0) {
            return i + 1;
        }
    }
    return len;
}

int eseal_audit_commitment(char out[65], const char *name, const uint8_t salt[32], const char *value)
{
    if (out == NULL || name == NULL || salt == NULL || value == NULL) {
        ES_BAIL_ARG("out == NULL || name == NULL || salt == NULL || value == NULL");
    }
    es_buf b = ES_BUF_INIT(ESEAL_AUDIT_MAX_FIELD * 2);
    es_result r = es_buf_printf(&b, "eseal-commitment/v1\n%s\n", name);
    if (es_ok(r)) {
        r = es_buf_append(&b, salt, 32);
    }
    if (es_ok(r)) {
        r = es_buf_append_str(&b, value);
    }
    uint8_t h[ES_LOG_DIGEST_MAX];
    size_t hl = 0;
    if (es_ok(r)) {
        r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_buf_span(&b));
    }
    es_buf_free(&b);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_hex_lower(out, h, 32);
    return ESEAL_OK;
}
