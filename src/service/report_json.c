/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering reports: JSON (jansson) of the typed data, the short answer for people, and the
 * detailed text with every section in a fixed order (docs/verify-report.md shows all three).
 */
#include <string.h>

#include <jansson.h>

#include "service.h"

/* ---- JSON ---- */

static json_t *value_json(const eseal_value *v)
{
    switch (eseal_value_type_of(v)) {
    case ESEAL_VALUE_STRING:
        return json_string(eseal_value_string(v));
    case ESEAL_VALUE_INTEGER:
        return json_integer((json_int_t)eseal_value_integer(v));
    case ESEAL_VALUE_BOOLEAN:
        return json_boolean(eseal_value_boolean(v));
    case ESEAL_VALUE_NUMBER:
        return json_real(eseal_value_number(v));
    case ESEAL_VALUE_TIME: {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, eseal_value_integer(v));
        return json_string(t);
    }
    case ESEAL_VALUE_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; a != NULL && i < eseal_value_count(v); i++) {
            json_t *item = value_json(eseal_value_item(v, i));
            if (item == NULL || json_array_append_new(a, item) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case ESEAL_VALUE_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; o != NULL && i < eseal_value_count(v); i++) {
            json_t *item = value_json(eseal_value_item(v, i));
            if (item == NULL || json_object_set_new(o, eseal_value_key(v, i), item) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    case ESEAL_VALUE_NULL:
    default:
        return json_null();
    }
}

static json_t *reasons_json(const eseal_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < eseal_report_reason_count(r); i++) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "code", eseal_report_reason_code(r, i), "verdict",
                              eseal_verdict_name(eseal_report_reason_verdict(r, i)), "message",
                              eseal_report_reason_text(r, i));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Sets key in o; false (and o untouched but v released) when something failed. */
static bool put(json_t *o, const char *key, json_t *v) { return v != NULL && json_object_set_new(o, key, v) == 0; }

/* {verdict, reasons, <data members but report_version and validation_objects>}, in that order. */
static json_t *node_json(const eseal_report *r, bool top)
{
    json_t *o = json_object();
    const eseal_value *d = eseal_report_data(r);
    bool ok = o != NULL;
    if (ok && top) {
        ok = put(o, "report_version", value_json(eseal_value_find(d, "report_version")));
    }
    ok = ok && put(o, "verdict", json_string(eseal_verdict_name(eseal_report_verdict(r))));
    ok = ok && put(o, "reasons", reasons_json(r));
    for (size_t i = 0; ok && i < eseal_value_count(d); i++) {
        const char *k = eseal_value_key(d, i);
        if (strcmp(k, "report_version") != 0 && strcmp(k, "validation_objects") != 0) {
            ok = put(o, k, value_json(eseal_value_item(d, i)));
        }
    }
    if (ok && top) {
        json_t *sigs = json_array();
        ok = put(o, "signatures", sigs);
        for (size_t i = 0; ok && i < eseal_report_child_count(r); i++) {
            json_t *c = node_json(eseal_report_child(r, i), false);
            ok = c != NULL && json_array_append_new(sigs, c) == 0;
        }
        const eseal_value *objs = eseal_value_find(d, "validation_objects");
        ok = ok && put(o, "validation_objects", objs != NULL ? value_json(objs) : json_array());
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int eseal_report_to_json(eseal_buf *out, const eseal_report *r)
{
    if (out == NULL || r == NULL) {
        ES_BAIL_ARG("out == NULL || r == NULL");
    }
    json_t *o = node_json(r, true);
    if (o == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "building the JSON report"));
    }
    /* Top-level "reasons" also lists every signature's reasons, so a reader of the top sees them all. */
    json_t *all = json_object_get(o, "reasons");
    for (size_t i = 0; i < eseal_report_child_count(r); i++) {
        json_t *cr = reasons_json(eseal_report_child(r, i));
        json_array_extend(all, cr);
        json_decref(cr);
    }
    /* UTF-8 as it is (no \u escapes: JSON_ENSURE_ASCII is not set). */
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (s == NULL) {
        return es_code(es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "encoding the JSON report"));
    }
    es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    es_result res = es_buf_append_str(&b, s);
    if (es_ok(res)) {
        res = es_buf_append_byte(&b, '\n');
    }
    free(s); /* !checksrc! allowed: jansson allocates with malloc */
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

/* ---- text: the values ---- */

static const char *str(const eseal_report *r, const char *path) { return eseal_report_string(r, path); }

static ES_RESULT scalar_text(es_buf *b, const eseal_value *v)
{
    switch (eseal_value_type_of(v)) {
    case ESEAL_VALUE_STRING:
        return es_buf_append_str(b, eseal_value_string(v));
    case ESEAL_VALUE_INTEGER:
        return es_buf_printf(b, "%lld", (long long)eseal_value_integer(v));
    case ESEAL_VALUE_BOOLEAN:
        return es_buf_append_str(b, eseal_value_boolean(v) ? "yes" : "no");
    case ESEAL_VALUE_NUMBER:
        return es_buf_printf(b, "%g", eseal_value_number(v));
    case ESEAL_VALUE_TIME: {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, eseal_value_integer(v));
        return es_buf_append_str(b, t);
    }
    default:
        return es_buf_append_str(b, "-");
    }
}

static bool is_scalar_list(const eseal_value *v)
{
    for (size_t i = 0; i < eseal_value_count(v); i++) {
        eseal_value_type t = eseal_value_type_of(eseal_value_item(v, i));
        if (t == ESEAL_VALUE_LIST || t == ESEAL_VALUE_OBJECT) {
            return false;
        }
    }
    return true;
}

/* Every member of v, one per line ("key: value"), objects as indented groups, lists of records as
 * "- " items; nulls left out (the JSON has them). */
static ES_RESULT tree_text(es_buf *b, const eseal_value *v, int depth)
{
    for (size_t i = 0; i < eseal_value_count(v); i++) {
        const char *k = eseal_value_key(v, i);
        const eseal_value *m = eseal_value_item(v, i);
        eseal_value_type t = eseal_value_type_of(m);
        if (t == ESEAL_VALUE_NULL || (t == ESEAL_VALUE_LIST && eseal_value_count(m) == 0)) {
            continue;
        }
        ES_GUARD(es_buf_printf(b, "%*s%s%s", depth * 2, "", k != NULL ? k : "-", k != NULL ? ":" : ""));
        if (t == ESEAL_VALUE_OBJECT) {
            ES_GUARD(es_buf_append_byte(b, '\n'));
            ES_GUARD(tree_text(b, m, depth + 1));
        } else if (t == ESEAL_VALUE_LIST && is_scalar_list(m)) {
            for (size_t j = 0; j < eseal_value_count(m); j++) {
                ES_GUARD(es_buf_append_str(b, j == 0 ? " " : ", "));
                ES_GUARD(scalar_text(b, eseal_value_item(m, j)));
            }
            ES_GUARD(es_buf_append_byte(b, '\n'));
        } else if (t == ESEAL_VALUE_LIST) {
            ES_GUARD(es_buf_append_byte(b, '\n'));
            for (size_t j = 0; j < eseal_value_count(m); j++) {
                const eseal_value *item = eseal_value_item(m, j);
                if (eseal_value_type_of(item) == ESEAL_VALUE_OBJECT) {
                    ES_GUARD(es_buf_printf(b, "%*s-\n", (depth + 1) * 2, ""));
                    ES_GUARD(tree_text(b, item, depth + 2));
                } else {
                    ES_GUARD(es_buf_printf(b, "%*s- ", (depth + 1) * 2, ""));
                    ES_GUARD(scalar_text(b, item));
                    ES_GUARD(es_buf_append_byte(b, '\n'));
                }
            }
        } else {
            ES_GUARD(es_buf_append_byte(b, ' '));
            ES_GUARD(scalar_text(b, m));
            ES_GUARD(es_buf_append_byte(b, '\n'));
        }
    }
    return ES_OK;
}

static ES_RESULT reasons_text(es_buf *b, const eseal_report *r, int depth)
{
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        ES_GUARD(es_buf_printf(b, "%*s- %s [%s]: %s\n", depth * 2, "",
                               eseal_verdict_name(eseal_report_reason_verdict(r, i)), eseal_report_reason_code(r, i),
                               eseal_report_reason_text(r, i)));
    }
    return ES_OK;
}

/* The checks as a table: status, id, source, detail, the objects used. */
static ES_RESULT checks_text(es_buf *b, const eseal_value *checks, int depth)
{
    for (size_t i = 0; i < eseal_value_count(checks); i++) {
        const eseal_value *c = eseal_value_item(checks, i);
        const char *src = eseal_value_string(eseal_value_find(c, "source"));
        const char *det = eseal_value_string(eseal_value_find(c, "detail"));
        ES_GUARD(es_buf_printf(b, "%*s%-14s %-24s", depth * 2, "", eseal_value_string(eseal_value_find(c, "status")),
                               eseal_value_string(eseal_value_find(c, "id"))));
        if (det != NULL) {
            ES_GUARD(es_buf_printf(b, " %s", det));
        }
        if (src != NULL) {
            ES_GUARD(es_buf_printf(b, " [%s]", src));
        }
        const eseal_value *objs = eseal_value_find(c, "objects");
        for (size_t j = 0; j < eseal_value_count(objs); j++) {
            ES_GUARD(es_buf_printf(b, "%s%s", j == 0 ? " (used " : ", ", eseal_value_string(eseal_value_item(objs, j))));
        }
        ES_GUARD(es_buf_append_str(b, eseal_value_count(objs) > 0 ? ")\n" : "\n"));
    }
    return ES_OK;
}

/* ---- text: --detail ---- */

static ES_RESULT detail_text(es_buf *b, const eseal_report *r)
{
    const eseal_value *d = eseal_report_data(r);
    ES_GUARD(es_buf_printf(b, "verdict: %s\n", eseal_verdict_name(eseal_report_verdict(r))));
    for (size_t i = 0; i < eseal_value_count(d); i++) {
        const char *k = eseal_value_key(d, i);
        if (strcmp(k, "validation_objects") == 0 || strcmp(k, "report_version") == 0) {
            continue;
        }
        const eseal_value *m = eseal_value_item(d, i);
        if (strcmp(k, "checks") == 0) { /* a seal's or a receipt's own checks */
            ES_GUARD(es_buf_append_str(b, "checks:\n"));
            ES_GUARD(checks_text(b, m, 1));
        } else if (eseal_value_type_of(m) == ESEAL_VALUE_OBJECT) {
            ES_GUARD(es_buf_printf(b, "%s:\n", k));
            ES_GUARD(tree_text(b, m, 1));
        } else if (eseal_value_type_of(m) != ESEAL_VALUE_NULL && eseal_value_type_of(m) != ESEAL_VALUE_LIST) {
            ES_GUARD(es_buf_printf(b, "%s: ", k));
            ES_GUARD(scalar_text(b, m));
            ES_GUARD(es_buf_append_byte(b, '\n'));
        }
    }
    ES_GUARD(reasons_text(b, r, 0));
    for (size_t i = 0; i < eseal_report_child_count(r); i++) {
        const eseal_report *c = eseal_report_child(r, i);
        const eseal_value *cd = eseal_report_data(c);
        ES_GUARD(es_buf_printf(b, "\nsignature %zu: %s\n", i + 1, eseal_verdict_name(eseal_report_verdict(c))));
        for (size_t k = 0; k < eseal_value_count(cd); k++) {
            const char *key = eseal_value_key(cd, k);
            const eseal_value *m = eseal_value_item(cd, k);
            eseal_value_type t = eseal_value_type_of(m);
            if (strcmp(key, "checks") == 0) {
                ES_GUARD(es_buf_append_str(b, "  checks:\n"));
                ES_GUARD(checks_text(b, m, 2));
            } else if (t == ESEAL_VALUE_OBJECT) {
                ES_GUARD(es_buf_printf(b, "  %s:\n", key));
                ES_GUARD(tree_text(b, m, 2));
            } else if (t != ESEAL_VALUE_NULL && t != ESEAL_VALUE_LIST) {
                ES_GUARD(es_buf_printf(b, "  %s: ", key));
                ES_GUARD(scalar_text(b, m));
                ES_GUARD(es_buf_append_byte(b, '\n'));
            }
        }
        if (eseal_report_reason_count(c) > 0) {
            ES_GUARD(es_buf_append_str(b, "  reasons:\n"));
            ES_GUARD(reasons_text(b, c, 2));
        }
    }
    const eseal_value *objs = eseal_value_find(d, "validation_objects");
    if (eseal_value_count(objs) > 0) {
        ES_GUARD(es_buf_append_str(b, "\nvalidation objects:\n"));
        for (size_t i = 0; i < eseal_value_count(objs); i++) {
            const eseal_value *o = eseal_value_item(objs, i);
            const char *name = eseal_value_string(eseal_value_find(o, "name"));
            const char *origin = eseal_value_string(eseal_value_find(o, "origin"));
            ES_GUARD(es_buf_printf(b, "  %-21s %-13s %s (from %s", eseal_value_string(eseal_value_find(o, "id")),
                                   eseal_value_string(eseal_value_find(o, "type")), name != NULL ? name : "-",
                                   origin != NULL ? origin : "?"));
            const eseal_value *poe = eseal_value_find(o, "poe");
            if (eseal_value_type_of(poe) == ESEAL_VALUE_TIME) {
                ES_GUARD(es_buf_append_str(b, ", existed at "));
                ES_GUARD(scalar_text(b, poe));
            }
            ES_GUARD(es_buf_append_str(b, ")\n"));
        }
    }
    return ES_OK;
}

/* ---- text: the short answer ---- */

/* "CN=Foo,O=Bar" -> "Foo": the common name people recognise, else the whole name. */
static ES_RESULT common_name(es_buf *b, const char *dn)
{
    const char *cn = dn != NULL ? strstr(dn, "CN=") : NULL;
    if (cn == NULL || (cn != dn && cn[-1] != ',' && cn[-1] != '/' && cn[-1] != ' ')) {
        return es_buf_append_str(b, dn != NULL ? dn : "an unknown signer");
    }
    cn += 3;
    size_t n = strcspn(cn, ",/");
    return es_buf_append(b, cn, n);
}

static ES_RESULT time_sentence(es_buf *b, const eseal_report *c)
{
    const eseal_value *tv = eseal_report_find(c, "time.value");
    const char *src = str(c, "time.source");
    if (eseal_value_type_of(tv) != ESEAL_VALUE_TIME || src == NULL || strcmp(src, "none") == 0) {
        return es_buf_append_str(b, "  When: unknown (no claimed time and no timestamp)\n");
    }
    ES_GUARD(es_buf_append_str(b, "  When: "));
    ES_GUARD(scalar_text(b, tv));
    const char *type = str(c, "signature.type");
    if (type != NULL && strcmp(type, "document_timestamp") == 0) {
        return es_buf_append_str(b, ", the time this document timestamp gives\n");
    }
    if (strcmp(src, "timestamp") == 0) {
        ES_GUARD(es_buf_append_str(b, ", proven by a timestamp"));
        if (str(c, "time.tsa") != NULL) {
            ES_GUARD(es_buf_append_str(b, " from "));
            ES_GUARD(common_name(b, str(c, "time.tsa")));
        }
        return es_buf_append_str(b, "\n");
    }
    return es_buf_append_str(b, ", as the signer claims (no timestamp proves it)\n");
}

static ES_RESULT coverage_sentence(es_buf *b, const eseal_report *c)
{
    int whole = 0;
    const eseal_value *changes = eseal_report_find(c, "coverage.changes");
    if (eseal_report_boolean(c, "coverage.whole_document", &whole) != ESEAL_OK) {
        return ES_OK;
    }
    ES_GUARD(es_buf_append_str(b, whole ? "  Covers: the whole document" : "  Covers: part of the document"));
    const eseal_value *br = eseal_report_find(c, "coverage.byte_ranges");
    if (!whole && eseal_value_count(br) > 0) {
        int64_t end = 0;
        for (size_t i = 0; i < eseal_value_count(br); i++) {
            int64_t off = eseal_value_integer(eseal_value_find(eseal_value_item(br, i), "offset"));
            int64_t len = eseal_value_integer(eseal_value_find(eseal_value_item(br, i), "length"));
            end = off + len > end ? off + len : end;
        }
        ES_GUARD(es_buf_printf(b, " (its first %lld bytes)", (long long)end));
    }
    if (eseal_value_count(changes) > 0) {
        ES_GUARD(es_buf_append_str(b, "; changed later:"));
        for (size_t i = 0; i < eseal_value_count(changes) && i < 5; i++) {
            const eseal_value *ch = eseal_value_item(changes, i);
            const char *what = eseal_value_string(eseal_value_find(ch, "type"));
            const char *det = eseal_value_string(eseal_value_find(ch, "detail"));
            ES_GUARD(es_buf_printf(b, "%s %s", i == 0 ? "" : ";",
                                   det != NULL ? det : what != NULL ? what : "a change"));
        }
        if (eseal_value_count(changes) > 5) {
            ES_GUARD(es_buf_printf(b, "; and %zu more", eseal_value_count(changes) - 5));
        }
    }
    return es_buf_append_byte(b, '\n');
}

static ES_RESULT signature_paragraph(es_buf *b, const eseal_report *c, size_t i)
{
    const char *type = str(c, "signature.type");
    const char *label = type == NULL                                  ? "signature"
                        : strcmp(type, "seal_stamp") == 0         ? "seal stamp"
                        : strcmp(type, "document_timestamp") == 0 ? "document timestamp"
                                                                  : type;
    ES_GUARD(es_buf_printf(b, "\nSignature %zu (%s): %s\n", i + 1, label, eseal_verdict_name(eseal_report_verdict(c))));
    const char *sealname = str(c, "seal.name");
    if (sealname != NULL) {
        const char *owner = str(c, "seal.owner");
        const char *esid = str(c, "seal.esid");
        const char *tname = str(c, "seal.type_name");
        ES_GUARD(es_buf_printf(b, "  Seal: %s", sealname));
        if (esid != NULL) {
            ES_GUARD(es_buf_printf(b, " (%s%sesID %s)", tname != NULL ? tname : "", tname != NULL ? " seal, " : "", esid));
        }
        if (owner != NULL) {
            ES_GUARD(es_buf_printf(b, " of %s", owner));
        }
        ES_GUARD(es_buf_append_byte(b, '\n'));
    }
    /* Where the seal says its keys are held (a seal bound to hardware, docs/seals.md). */
    const eseal_value *hw = eseal_report_find(c, "seal.hardware");
    for (size_t k = 0; hw != NULL && k < eseal_value_count(hw); k++) {
        const eseal_value *detail = eseal_value_find(eseal_value_item(hw, k), "detail");
        if (detail != NULL && eseal_value_string(detail) != NULL) {
            ES_GUARD(es_buf_printf(b, "  Key: %s\n", eseal_value_string(detail)));
        }
    }
    int64_t filed = 0;
    if (eseal_report_time(c, "seal.filing.filed_at", &filed) == ESEAL_OK) {
        char t[ES_RFC3339_LEN];
        int verified = 0;
        (void)eseal_report_boolean(c, "seal.filing.verified", &verified);
        es_time_rfc3339(t, filed);
        ES_GUARD(es_buf_printf(b, "  Filed: %s with %s, filing receipt %s\n", t,
                               str(c, "seal.filing.registry") != NULL ? str(c, "seal.filing.registry") : "this registry",
                               verified ? "verified" : "NOT verified"));
    }
    const char *subject = str(c, "signer.subject");
    if (subject != NULL) {
        ES_GUARD(es_buf_append_str(b, "  Signed by: "));
        ES_GUARD(common_name(b, subject));
        if (str(c, "signer.issuer") != NULL) {
            ES_GUARD(es_buf_append_str(b, ", certified by "));
            ES_GUARD(common_name(b, str(c, "signer.issuer")));
        }
        ES_GUARD(es_buf_append_byte(b, '\n'));
    }
    ES_GUARD(time_sentence(b, c));
    int64_t approvals = 0;
    if (str(c, "signature.approvals.request") != NULL &&
        eseal_report_integer(c, "signature.approvals.count", &approvals) == ESEAL_OK) {
        /* who approved is the organisation's to know (docs/requests.md) */
        ES_GUARD(es_buf_printf(b, "  Approved: %lld approval%s before it was stamped (request %s)\n", (long long)approvals,
                               approvals == 1 ? "" : "s", str(c, "signature.approvals.request")));
    }
    int64_t index = 0, tree_size = 0;
    if (eseal_report_integer(c, "signature.log.index", &index) == ESEAL_OK &&
        eseal_report_integer(c, "signature.log.tree_size", &tree_size) == ESEAL_OK) {
        eseal_check_status ls = eseal_report_check(c, "log_inclusion");
        ES_GUARD(es_buf_printf(b, "  Logged: entry %lld of %s, included in checkpoint of size %lld%s\n", (long long)index,
                               str(c, "signature.log.origin") != NULL ? str(c, "signature.log.origin") : "the audit log",
                               (long long)tree_size,
                               ls == ESEAL_CHECK_PASSED ? "" : "; the entry does NOT bind this signature or its proof fails"));
    }
    ES_GUARD(coverage_sentence(b, c));
    if (eseal_report_verdict(c) != ESEAL_VALID) {
        ES_GUARD(es_buf_append_str(b, "  Why:\n"));
        for (size_t k = 0; k < eseal_report_reason_count(c); k++) {
            if (eseal_report_reason_verdict(c, k) == ESEAL_VALID) {
                continue;
            }
            ES_GUARD(es_buf_printf(b, "    %s [%s]: %s\n", eseal_verdict_name(eseal_report_reason_verdict(c, k)),
                                   eseal_report_reason_code(c, k), eseal_report_reason_text(c, k)));
        }
    }
    for (size_t k = 0; k < eseal_report_reason_count(c); k++) {
        if (eseal_report_reason_verdict(c, k) == ESEAL_VALID) {
            ES_GUARD(es_buf_printf(b, "  Note [%s]: %s\n", eseal_report_reason_code(c, k),
                                   eseal_report_reason_text(c, k)));
        }
    }
    return ES_OK;
}

/* "PDF", "OFD", "CMS" for people (format is the lower-case enum in the data). */
static const char *format_label(const char *format)
{
    if (format == NULL) {
        return "document";
    }
    return strcmp(format, "pdf") == 0   ? "PDF"
           : strcmp(format, "ofd") == 0 ? "OFD"
           : strcmp(format, "cms") == 0 ? "CMS"
                                        : format;
}

static ES_RESULT simple_text(es_buf *b, const eseal_report *r)
{
    size_t n = eseal_report_child_count(r), count[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        count[eseal_report_verdict(eseal_report_child(r, i))]++;
    }
    /* The first line is the verdict alone: scripts read it ("verdict: VALID"). */
    ES_GUARD(es_buf_printf(b, "verdict: %s\n%s, %zu signature%s", eseal_verdict_name(eseal_report_verdict(r)),
                           format_label(str(r, "format")), n, n == 1 ? "" : "s"));
    const char *sep = ": ";
    for (int v = ESEAL_VALID; v <= ESEAL_INVALID; v++) {
        if (count[v] > 0) {
            ES_GUARD(es_buf_printf(b, "%s%zu %s", sep, count[v], eseal_verdict_name((eseal_verdict)v)));
            sep = ", ";
        }
    }
    ES_GUARD(es_buf_append_byte(b, '\n'));
    for (size_t k = 0; k < eseal_report_reason_count(r); k++) {
        ES_GUARD(es_buf_printf(b, "  %s [%s]: %s\n", eseal_verdict_name(eseal_report_reason_verdict(r, k)),
                               eseal_report_reason_code(r, k), eseal_report_reason_text(r, k)));
    }
    for (size_t i = 0; i < n; i++) {
        ES_GUARD(signature_paragraph(b, eseal_report_child(r, i), i));
    }
    return ES_OK;
}

int eseal_report_to_text(eseal_buf *out, const eseal_report *r, unsigned flags)
{
    if (out == NULL || r == NULL || (flags & ~(unsigned)ESEAL_REPORT_TEXT_DETAIL) != 0) {
        ES_BAIL_ARG("out == NULL || r == NULL || unknown flags");
    }
    es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    /* A seal or a receipt (no document format) has no signatures to summarise: it shows its sections. */
    bool detail = (flags & ESEAL_REPORT_TEXT_DETAIL) != 0 || str(r, "format") == NULL;
    es_result res = detail ? detail_text(&b, r) : simple_text(&b, r);
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}
