/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification report as a document for people (issue 21 §3): a PDF drawn with cairo and signed
 * by the platform's seal maker, and a self-contained HTML page. Both show the sections and fields
 * of web/report-fields.json, in its order, with the values of the report's JSON (report_version 6,
 * docs/verify-report.md) found by their JSON Pointer (RFC 6901): the verify page draws the same
 * file (web/report-view.js), so a field added there shows in the page and in both reports.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "pdf/pdf.h"
#include "seal/draw.h"
#include "service.h"
#include "util/versions.h"
#include "web/web.h"

#define VALID_INK 0x1E7B34u
#define INVALID_INK 0xB3261Eu
#define INDETERMINATE_INK 0xA35C00u
#define SECTION_INK 0x1F3A5Fu

/* The words of the report that are not field labels (those are in report-fields.json). */
typedef struct {
    const char *key, *en, *zh;
} phrase;

static const phrase phrases[] = {
    {"title", "Signature verification report", "签章验证报告"},
    {"file", "File", "文件"},
    {"sha256", "SHA-256", "SHA-256"},
    {"verified-at", "Verified at", "验证时间"},
    {"platform", "Platform", "验证平台"},
    {"signature", "Signature", "签名"},
    {"reasons", "Reasons", "原因"},
    {"imprint", "Imprint", "印模"},
    {"no-signature", "The document has no signatures.", "文档中没有签名。"},
    {"all-valid", "Every signature is valid.", "所有签名均有效。"},
    {"yes", "yes", "是"},
    {"no", "no", "否"},
    {"VALID", "VALID", "有效 VALID"},
    {"INVALID", "INVALID", "无效 INVALID"},
    {"INDETERMINATE", "INDETERMINATE", "待定 INDETERMINATE"},
    {"signed-by", "Signed by the platform's seal maker", "由平台制章者签名"},
    {"picture-not-drawn", "(an imprint of this format is not drawn here)", "（此格式的印模不在此显示）"},
};

static const char *say(const char *key, bool zh)
{
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (strcmp(phrases[i].key, key) == 0) {
            return zh ? phrases[i].zh : phrases[i].en;
        }
    }
    return key;
}

static uint32_t verdict_ink(const char *v)
{
    return v == NULL                            ? 0
           : strcmp(v, "VALID") == 0            ? VALID_INK
           : strcmp(v, "INVALID") == 0          ? INVALID_INK
           : strcmp(v, "INDETERMINATE") == 0    ? INDETERMINATE_INK
                                                : 0;
}

/* ---- report-fields.json and the report's JSON ---- */

/* RFC 6901: the value at `ptr` below `root` ("" is root), or NULL. */
json_t *es_json_pointer(json_t *root, const char *ptr)
{
    json_t *at = root;
    const char *p = ptr;
    if (p == NULL) {
        return NULL;
    }
    while (at != NULL && *p == '/') {
        p++;
        char tok[128];
        size_t n = 0;
        while (*p != '\0' && *p != '/') {
            char c = *p++;
            if (c == '~' && (*p == '0' || *p == '1')) {
                c = *p++ == '0' ? '~' : '/';
            }
            if (n + 1 >= sizeof(tok)) {
                return NULL;
            }
            tok[n++] = c;
        }
        tok[n] = '\0';
        if (json_is_array(at)) {
            /* an index: digits, no leading zero (RFC 6901 §4), below the array's size */
            size_t i = 0;
            bool digits = n > 0 && n < 10 && (tok[0] != '0' || n == 1);
            for (size_t k = 0; digits && k < n; k++) {
                digits = tok[k] >= '0' && tok[k] <= '9';
                i = 10 * i + (size_t)(tok[k] - '0');
            }
            at = digits ? json_array_get(at, i) : NULL;
        } else {
            at = json_object_get(at, tok);
        }
    }
    return *p == '\0' ? at : NULL;
}

static const char *label_of(json_t *item, bool zh)
{
    json_t *l = json_object_get(item, "label");
    const char *s = json_string_value(json_object_get(l, zh ? "zh" : "en"));
    if (s == NULL) {
        s = json_string_value(json_object_get(l, "en"));
    }
    return s != NULL ? s : json_string_value(json_object_get(item, "id"));
}

/* ---- the PDF ---- */

/* The lines of the document and the strings they point to (kept until the module has drawn them). */
typedef struct {
    es_draw_line *lines;
    size_t n, cap;
    char **strs;
    size_t nstrs, capstrs;
    es_buf *pics;
    size_t npics, cappics;
    bool zh;
    json_t *strings; /* web/i18n/<lang>.json: the page's words, used first (verdicts, checks, reasons) */
} doc_lines;

/* The page's word for `key` (web/i18n), else ours. */
static const char *tr(const doc_lines *d, const char *key)
{
    const char *s = json_string_value(json_object_get(d->strings, key));
    return s != NULL ? s : say(key, d->zh);
}

/* The page's word for prefix+key ("check-chain", "status-passed"), else `fallback`. */
static const char *tr2(const doc_lines *d, const char *prefix, const char *key, const char *fallback)
{
    char k[128];
    int w = key != NULL ? snprintf(k, sizeof(k), "%s%s", prefix, key) : -1;
    const char *s = w > 0 && (size_t)w < sizeof(k) ? json_string_value(json_object_get(d->strings, k)) : NULL;
    return s != NULL ? s : fallback;
}

/* A verdict as people read it: the page's word, the code beside it when the word is another. */
static ES_RESULT verdict_text(es_buf *b, const doc_lines *d, const char *v)
{
    const char *word = tr2(d, "verdict-", v, v != NULL ? v : "-");
    ES_GUARD(es_buf_append_str(b, word));
    return v != NULL && strcmp(word, v) != 0 ? es_buf_printf(b, " %s", v) : ES_OK;
}

/* One item of a `list` field, as report-view.js's itemText: a string as it is, an object by its
 * detail, else its type, name and object. */
static ES_RESULT item_text(es_buf *b, json_t *x)
{
    if (json_is_string(x)) {
        return es_buf_append_str(b, json_string_value(x));
    }
    if (json_is_integer(x)) {
        return es_buf_printf(b, "%lld", (long long)json_integer_value(x));
    }
    const char *det = json_string_value(json_object_get(x, "detail"));
    if (det != NULL && det[0] != '\0') {
        return es_buf_append_str(b, det);
    }
    const char *keys[] = {"type", "name", "object"};
    bool first = true;
    for (size_t i = 0; i < 3; i++) {
        const char *p = json_string_value(json_object_get(x, keys[i]));
        if (p != NULL && p[0] != '\0') {
            ES_GUARD(es_buf_printf(b, "%s%s", first ? "" : " ", p));
            first = false;
        }
    }
    return ES_OK;
}

/* The value as text for `kind`; "" for null (the field is then left out). */
static ES_RESULT value_text(es_buf *b, json_t *v, const char *kind, const doc_lines *d)
{
    if (v == NULL || json_is_null(v)) {
        return ES_OK;
    }
    if (json_is_boolean(v)) {
        return es_buf_append_str(b, tr(d, json_is_true(v) ? "yes" : "no"));
    }
    if (json_is_integer(v)) {
        return es_buf_printf(b, "%lld", (long long)json_integer_value(v));
    }
    if (json_is_real(v)) {
        return es_buf_printf(b, "%g", json_real_value(v));
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (kind != NULL && strcmp(kind, "verdict") == 0) {
            return verdict_text(b, d, s);
        }
        if (kind != NULL && strcmp(kind, "time") == 0 && strlen(s) >= 19 && s[10] == 'T') {
            /* RFC 3339 in UTC as people read it: "2026-12-05 11:39:22 UTC" */
            ES_GUARD(es_buf_append(b, s, 10));
            ES_GUARD(es_buf_append_byte(b, ' '));
            ES_GUARD(es_buf_append(b, s + 11, 8));
            return es_buf_append_str(b, " UTC");
        }
        return es_buf_append_str(b, s);
    }
    if (json_is_array(v) && kind != NULL && strcmp(kind, "count") == 0) {
        return es_buf_printf(b, "%zu", json_array_size(v)); /* how many: "signatures" */
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            ES_GUARD(es_buf_append_str(b, i == 0 ? "" : ", "));
            ES_GUARD(item_text(b, it));
        }
        return ES_OK;
    }
    return es_buf_append_str(b, "-");
}


static void doc_lines_free(doc_lines *d)
{
    for (size_t i = 0; i < d->nstrs; i++) {
        es_free(d->strs[i]);
    }
    for (size_t i = 0; i < d->npics; i++) {
        es_buf_free(&d->pics[i]);
    }
    es_free(d->strs);
    es_free(d->pics);
    es_free(d->lines);
}

static ES_RESULT keep(doc_lines *d, const char **out, const char *s)
{
    if (s == NULL) {
        *out = NULL;
        return ES_OK;
    }
    if (d->nstrs == d->capstrs) {
        size_t cap = d->capstrs == 0 ? 64 : 2 * d->capstrs;
        char **p = es_realloc(d->strs, cap * sizeof(*p));
        ES_ENSURE_ALLOC(p);
        d->strs = p;
        d->capstrs = cap;
    }
    char *c = es_strdup(s);
    ES_ENSURE_ALLOC(c);
    d->strs[d->nstrs++] = c;
    *out = c;
    return ES_OK;
}

static ES_RESULT add(doc_lines *d, es_draw_kind kind, const char *label, const char *text, uint32_t color)
{
    ES_ENSURE(d->n < ES_DRAW_DOC_MAX_LINES, ESEAL_ELIMIT, "report: more than %d lines", ES_DRAW_DOC_MAX_LINES);
    if (d->n == d->cap) {
        size_t cap = d->cap == 0 ? 64 : 2 * d->cap;
        es_draw_line *p = es_realloc(d->lines, cap * sizeof(*p));
        ES_ENSURE_ALLOC(p);
        d->lines = p;
        d->cap = cap;
    }
    es_draw_line *ln = &d->lines[d->n];
    *ln = (es_draw_line){.kind = kind, .color = color};
    ES_GUARD(keep(d, &ln->label, label));
    ES_GUARD(keep(d, &ln->text, text));
    d->n++;
    return ES_OK;
}

/* The imprint of a signature's seal (report version 4: seal.picture.data, base64), decoded. */
static ES_RESULT add_picture(doc_lines *d, json_t *sig, bool zh)
{
    json_t *pic = es_json_pointer(sig, "/seal/picture");
    const char *b64 = json_string_value(json_object_get(pic, "data"));
    if (b64 == NULL) {
        return ES_OK;
    }
    if (d->npics == d->cappics) {
        size_t cap = d->cappics == 0 ? 4 : 2 * d->cappics;
        es_buf *p = es_realloc(d->pics, cap * sizeof(*p));
        ES_ENSURE_ALLOC(p);
        d->pics = p;
        d->cappics = cap;
    }
    es_buf *png = &d->pics[d->npics];
    *png = (es_buf)ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    d->npics++;
    ES_GUARD(es_base64_decode(png, es_span_of(b64, strlen(b64))));
    const char *fmt = json_string_value(json_object_get(pic, "format"));
    bool is_png = png->len > 8 && memcmp(png->ptr, "\x89PNG", 4) == 0;
    ES_GUARD(add(d, ES_DRAW_PICTURE, say("imprint", zh), is_png ? fmt : say("picture-not-drawn", zh), 0));
    es_draw_line *ln = &d->lines[d->n - 1];
    ln->png = is_png ? es_buf_span(png) : es_span_of(NULL, 0);
    json_int_t wmm = json_integer_value(json_object_get(pic, "width_mm"));
    ln->width_mm = wmm > 0 && wmm <= 60 ? (double)wmm : 40.0;
    return ES_OK;
}

/* The fields of `scope` ("document" or "signature") of every section, from `node`. */
static ES_RESULT add_sections(doc_lines *d, json_t *fields, const char *scope, json_t *node, bool headings)
{
    size_t i;
    json_t *sec;
    json_array_foreach(json_object_get(fields, "sections"), i, sec)
    {
        const char *sc = json_string_value(json_object_get(sec, "scope"));
        if (sc == NULL || strcmp(sc, scope) != 0) {
            continue;
        }
        bool titled = false;
        size_t j;
        json_t *f;
        json_array_foreach(json_object_get(sec, "fields"), j, f)
        {
            const char *kind = json_string_value(json_object_get(f, "kind"));
            json_t *v = es_json_pointer(node, json_string_value(json_object_get(f, "path")));
            if (v == NULL || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) {
                continue;
            }
            if (!titled) {
                ES_GUARD(add(d, headings ? ES_DRAW_HEADING : ES_DRAW_SUBHEADING, NULL, label_of(sec, d->zh), SECTION_INK));
                titled = true;
            }
            if (kind != NULL && strcmp(kind, "checks") == 0 && json_is_array(v)) {
                size_t k;
                json_t *c;
                json_array_foreach(v, k, c)
                {
                    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
                    const char *st = json_string_value(json_object_get(c, "status"));
                    const char *det = json_string_value(json_object_get(c, "detail"));
                    ES_GUARD(es_buf_printf(&t, "%s%s%s", tr2(d, "status-", st, st != NULL ? st : "-"),
                                           det != NULL ? ": " : "", det != NULL ? det : ""));
                    uint32_t ink = st != NULL && strcmp(st, "failed") == 0          ? INVALID_INK
                                   : st != NULL && strcmp(st, "indeterminate") == 0 ? INDETERMINATE_INK
                                                                                    : 0;
                    const char *id = json_string_value(json_object_get(c, "id"));
                    ES_GUARD(add(d, ES_DRAW_FIELD, tr2(d, "check-", id, id), es_buf_cstr(&t), ink));
                }
                continue;
            }
            ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
            if (json_is_true(json_object_get(f, "enum")) && json_is_string(v)) {
                /* an enumeration's value in the page's words ("value-active"), as report-view.js shows it */
                ES_GUARD(es_buf_append_str(&t, tr2(d, "value-", json_string_value(v), json_string_value(v))));
            } else {
                ES_GUARD(value_text(&t, v, kind, d));
            }
            uint32_t ink = kind != NULL && strcmp(kind, "verdict") == 0 ? verdict_ink(json_string_value(v)) : 0;
            ES_GUARD(add(d, ES_DRAW_FIELD, label_of(f, d->zh), es_buf_cstr(&t), ink));
        }
    }
    return ES_OK;
}

/* The reason in one sentence, as the verify page says it (report-view.js reasonSentence): for a VALID
 * document that all is well; otherwise the first reason that imposes the document's verdict, in the
 * page's words when it has them for its code. */
static ES_RESULT reason_sentence(es_buf *b, const doc_lines *d, json_t *rep)
{
    const char *verdict = json_string_value(json_object_get(rep, "verdict"));
    size_t n = json_array_size(json_object_get(rep, "signatures"));
    if (verdict != NULL && strcmp(verdict, "VALID") == 0) {
        const char *s = tr2(d, "reason-valid", n == 1 ? "-one" : "", say("all-valid", d->zh));
        const char *at = strstr(s, "{n}");
        return at == NULL ? es_buf_append_str(b, s) : es_buf_printf(b, "%.*s%zu%s", (int)(at - s), s, n, at + 3);
    }
    json_t *reasons = json_object_get(rep, "reasons"), *r = NULL, *it;
    size_t i;
    json_array_foreach(reasons, i, it)
    {
        const char *v = json_string_value(json_object_get(it, "verdict"));
        if (r == NULL && v != NULL && verdict != NULL && strcmp(v, verdict) == 0) {
            r = it;
        }
    }
    r = r != NULL ? r : json_array_get(reasons, 0);
    if (r == NULL) {
        return es_buf_append_str(b, n == 0 ? say("no-signature", d->zh) : "");
    }
    const char *code = json_string_value(json_object_get(r, "code"));
    const char *msg = json_string_value(json_object_get(r, "message"));
    return es_buf_append_str(b, tr2(d, "reason-", code, msg != NULL ? msg : code != NULL ? code : ""));
}

static ES_RESULT doc_lines_make(doc_lines *d, json_t *rep, json_t *fields, const char *file_name, const char *platform)
{
    bool zh = d->zh;
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    ES_GUARD(add(d, ES_DRAW_TITLE, NULL, say("title", zh), 0));
    const char *sha = json_string_value(es_json_pointer(rep, "/document/sha256"));
    ES_GUARD(es_buf_printf(&t, "%s: %s", say("file", zh), file_name != NULL ? file_name : "-"));
    ES_GUARD(add(d, ES_DRAW_SMALL, NULL, es_buf_cstr(&t), 0));
    es_buf_clear(&t);
    ES_GUARD(es_buf_printf(&t, "%s: %s", say("sha256", zh), sha != NULL ? sha : "-"));
    ES_GUARD(add(d, ES_DRAW_SMALL, NULL, es_buf_cstr(&t), 0));
    es_buf_clear(&t);
    ES_GUARD(es_buf_printf(&t, "%s: ", say("verified-at", zh)));
    ES_GUARD(value_text(&t, json_object_get(rep, "validation_time"), "time", d));
    ES_GUARD(add(d, ES_DRAW_SMALL, NULL, es_buf_cstr(&t), 0));
    es_buf_clear(&t);
    ES_GUARD(es_buf_printf(&t, "%s: %s", say("platform", zh), platform != NULL ? platform : "-"));
    ES_GUARD(add(d, ES_DRAW_SMALL, NULL, es_buf_cstr(&t), 0));
    const char *verdict = json_string_value(json_object_get(rep, "verdict"));
    es_buf_clear(&t);
    ES_GUARD(verdict_text(&t, d, verdict != NULL ? verdict : "INDETERMINATE"));
    ES_GUARD(add(d, ES_DRAW_VERDICT, NULL, es_buf_cstr(&t), verdict_ink(verdict)));
    es_buf_clear(&t);
    ES_GUARD(reason_sentence(&t, d, rep));
    ES_GUARD(add(d, ES_DRAW_TEXT, NULL, es_buf_cstr(&t), 0));
    ES_GUARD(add_sections(d, fields, "document", rep, true));
    size_t i;
    json_t *sig;
    json_array_foreach(json_object_get(rep, "signatures"), i, sig)
    {
        const char *v = json_string_value(json_object_get(sig, "verdict"));
        es_buf_clear(&t);
        ES_GUARD(es_buf_printf(&t, "%s %zu: ", say("signature", zh), i + 1));
        ES_GUARD(verdict_text(&t, d, v));
        ES_GUARD(add(d, ES_DRAW_HEADING, NULL, es_buf_cstr(&t), verdict_ink(v)));
        ES_GUARD(add_picture(d, sig, zh));
        ES_GUARD(add_sections(d, fields, "signature", sig, false));
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(sig, "reasons"), k, r)
        {
            es_buf_clear(&t);
            ES_GUARD(es_buf_printf(&t, "%s [%s]: %s", json_string_value(json_object_get(r, "verdict")),
                                   json_string_value(json_object_get(r, "code")),
                                   json_string_value(json_object_get(r, "message"))));
            ES_GUARD(add(d, ES_DRAW_FIELD, k == 0 ? say("reasons", zh) : "", es_buf_cstr(&t),
                         verdict_ink(json_string_value(json_object_get(r, "verdict")))));
        }
    }
    return ES_OK;
}

/* An embedded file of web/ parsed as JSON (report-fields.json, i18n/<lang>.json). */
static ES_RESULT web_json(json_t **out, const char *name)
{
    const es_web_asset *a = es_web_asset_find(name);
    ES_ENSURE(a != NULL, ESEAL_ENOTFOUND, "report: web/%s is not embedded in this build", name);
    json_error_t err;
    *out = json_loadb((const char *)a->bytes, a->len, 0, &err);
    ES_ENSURE(*out != NULL, ESEAL_EMALFORMED, "report: web/%s: %s (line %d)", name, err.text, err.line);
    return ES_OK;
}

ES_RESULT es_report_pdf_draw(es_buf *out, const eseal_report *r, const char *lang, const char *file_name,
                             const char *platform)
{
    bool zh = lang != NULL && strcmp(lang, "zh") == 0;
    doc_lines d = {.zh = zh};
    json_t *rep = NULL, *fields = NULL;
    eseal_buf js = ESEAL_BUF_INIT;
    es_result res = es_from_code(eseal_report_to_json(&js, r));
    if (es_ok(res)) {
        json_error_t err;
        rep = json_loadb((const char *)js.ptr, js.size, 0, &err);
        res = rep != NULL ? ES_OK : es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "report: internal: %s", err.text);
    }
    eseal_buf_dispose(&js);
    if (es_ok(res)) {
        res = web_json(&fields, "report-fields.json");
    }
    if (es_ok(res) && !json_is_array(json_object_get(fields, "sections"))) {
        res = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "report: web/report-fields.json has no \"sections\"");
    }
    if (es_ok(res)) {
        res = web_json(&d.strings, zh ? "i18n/zh.json" : "i18n/en.json");
    }
    if (es_ok(res)) {
        res = doc_lines_make(&d, rep, fields, file_name, platform);
    }
    const es_draw_module *draw = NULL;
    if (es_ok(res)) {
        res = es_draw_get(&draw);
    }
    if (es_ok(res)) {
        es_draw_doc doc = {.title = say("title", zh), .footer = say("signed-by", zh), .lines = d.lines, .count = d.n};
        res = draw->doc_pdf(out, &doc);
    }
    doc_lines_free(&d);
    json_decref(d.strings);
    json_decref(rep);
    json_decref(fields);
    return res;
}

/* The seal maker of `hierarchy` with its key and its issuing CA (seal.c maker_load, for a report). */
static ES_RESULT sign_report(eseal_instance *inst, es_buf *out, es_span pdf, const char *hierarchy)
{
    const char *h = hierarchy != NULL ? hierarchy : "p256";
    ES_ENSURE(strcmp(h, "sm2") == 0 || strcmp(h, "p256") == 0, ESEAL_EINVAL,
              "report: the seal maker that signs a report is p256 (the default) or sm2, not '%s'", h);
    eseal_cert_record rec = {0}, ca = {0};
    eseal_cert *cert = NULL, *ca_cert = NULL;
    eseal_key *key = NULL;
    es_result r = es_from_code(eseal_store_cert_find_role(inst->store, &rec, "seal-maker", h));
    if (es_ok(r)) {
        r = es_from_code(eseal_store_cert_find(inst->store, &ca, rec.issuer_id));
    }
    if (es_ok(r)) {
        r = es_cert_parse(&cert, es_span_of(rec.pem, strlen(rec.pem)));
    }
    if (es_ok(r)) {
        r = es_cert_parse(&ca_cert, es_span_of(ca.pem, strlen(ca.pem)));
    }
    if (es_ok(r)) {
        /* Without the passphrase there is no key: the report is refused, never left unsigned. */
        r = es_instance_load_key(inst, &key, &rec);
    }
    if (es_ok(r)) {
        eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
        const eseal_cert *chain[1] = {ca_cert};
        o.chain = chain;
        o.chain_len = 1;
        o.name = inst->cfg.organization;
        o.reason = "eseal verification report";
        o.location = inst->cfg.base_url;
        o.ctx = inst->ctx;
        r = es_pdf_sign_invisible(out, pdf, key, cert, &o);
    }
    eseal_key_free(key);
    eseal_cert_free(cert);
    eseal_cert_free(ca_cert);
    eseal_cert_record_dispose(&rec);
    eseal_cert_record_dispose(&ca);
    return r;
}

ES_RESULT es_instance_report_pdf(eseal_instance *inst, es_buf *out, const eseal_report *r, const char *lang,
                                 const char *file_name, const char *hierarchy)
{
    char platform[1024];
    (void)snprintf(platform, sizeof(platform), "%s, %s", inst->cfg.organization != NULL ? inst->cfg.organization : "-",
                   inst->cfg.base_url != NULL ? inst->cfg.base_url : "-");
    ES_AUTO(es_buf_freep) es_buf plain = ES_BUF_INIT(ES_DRAW_DOC_MAX_BYTES);
    ES_GUARD(es_report_pdf_draw(&plain, r, lang, file_name, platform));
    return sign_report(inst, out, es_buf_span(&plain), hierarchy);
}

/* ---- the public calls ---- */

static ES_RESULT doc_options(const eseal_report_doc_options *o, const char **lang)
{
    *lang = o != NULL && o->lang != NULL ? o->lang : "en";
    ES_ENSURE(strcmp(*lang, "en") == 0 || strcmp(*lang, "zh") == 0, ESEAL_EINVAL,
              "report: the language is en or zh, not '%s'", *lang);
    return ES_OK;
}

int eseal_report_to_html(eseal_buf *out, const eseal_report *r, const eseal_report_doc_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, report_doc_options);
    if (out == NULL || r == NULL) {
        ES_BAIL_ARG("out == NULL || r == NULL");
    }
    const char *lang = NULL;
    es_result res = doc_options(opts, &lang);
    es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    if (es_ok(res)) {
        res = es_report_html(&b, r, lang, opts != NULL ? opts->file_name : NULL);
    }
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

int eseal_instance_report_pdf(eseal_instance *inst, eseal_buf *out, const eseal_report *r,
                              const eseal_report_doc_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, report_doc_options);
    if (inst == NULL || out == NULL || r == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || r == NULL");
    }
    const char *lang = NULL;
    es_result res = doc_options(opts, &lang);
    es_buf b = ES_BUF_INIT(ES_DRAW_DOC_MAX_BYTES);
    if (es_ok(res)) {
        res = es_instance_report_pdf(inst, &b, r, lang, opts != NULL ? opts->file_name : NULL,
                                     opts != NULL ? opts->hierarchy : NULL);
    }
    if (!es_ok(res)) {
        es_buf_free(&b);
        return es_code(res);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}
