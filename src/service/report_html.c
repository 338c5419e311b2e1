/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification report as one self-contained HTML file (issue 21 §3, docs/verify-report.md "The
 * HTML and PDF reports"): the report's JSON, web/report-view.js (the verify page's own template),
 * the strings of web/i18n/<lang>.json, web/report-fields.json and web/style.css, all inlined. Its
 * Content-Security-Policy allows no request at all: default-src 'none', the one inline script by
 * its SHA-256 (computed here, over the bytes written), the style by its hash, pictures only as
 * data: URLs. Opened from a disk, a mail or an archive years later, it shows what the verify page
 * showed and asks nothing of anyone.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "service.h"
#include "web/web.h"

/* A SHA-256 in base64 is 44 characters; room to spare for the buffer's terminator. */
#define CSP_HASH_B64_MAX 64

/* Runs after report-view.js, in the same script element: draws the report from the JSON blocks. */
static const char bootstrap[] =
    "\n;(function () {\n"
    "  'use strict';\n"
    "  function data(id) { return JSON.parse(document.getElementById(id).textContent); }\n"
    "  const out = document.getElementById('result');\n"
    "  try {\n"
    "    const meta = data('meta');\n"
    "    EsealReportView.render(data('report'), meta.lang, data('strings'), out,\n"
    "      {fields: data('fields'), fileName: meta.file});\n"
    "    document.body.dataset.state = 'done';\n"
    "  } catch (e) {\n"
    "    document.body.dataset.state = 'error';\n"
    "    out.textContent = String(e);\n"
    "  }\n"
    "})();\n";

static const char *html_say(const char *key, bool zh)
{
    static const struct {
        const char *key, *en, *zh;
    } t[] = {
        {"title", "Signature verification report", "签章验证报告"},
        {"file", "File", "文件"},
        {"verified-at", "Verified at", "验证时间"},
        {"platform", "Platform", "验证平台"},
        {"noscript", "This report needs JavaScript to show its content; the report's data is in this file as JSON.",
         "此报告需要 JavaScript 才能显示；报告数据以 JSON 形式保存在此文件中。"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].key, key) == 0) {
            return zh ? t[i].zh : t[i].en;
        }
    }
    return key;
}

/* Text as HTML character data or attribute value. */
static ES_RESULT esc(es_buf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '<':
            ES_GUARD(es_buf_append_str(b, "&lt;"));
            break;
        case '>':
            ES_GUARD(es_buf_append_str(b, "&gt;"));
            break;
        case '&':
            ES_GUARD(es_buf_append_str(b, "&amp;"));
            break;
        case '"':
            ES_GUARD(es_buf_append_str(b, "&quot;"));
            break;
        case '\'':
            ES_GUARD(es_buf_append_str(b, "&#39;"));
            break;
        default:
            ES_GUARD(es_buf_append_byte(b, (uint8_t)*s));
        }
    }
    return ES_OK;
}

/*
 * JSON inside <script type="application/json">: a '<' can only stand inside a JSON string, where
 * \u003c means the same character, so "</script>" and "<!--" cannot end or bend the element (HTML
 * §4.12.1.3, restrictions for contents of script elements).
 */
static ES_RESULT json_block(es_buf *b, const char *id, es_span json)
{
    ES_GUARD(es_buf_printf(b, "<script type=\"application/json\" id=\"%s\">", id));
    for (size_t i = 0; i < json.len; i++) {
        if (json.ptr[i] == '<') {
            ES_GUARD(es_buf_append_str(b, "\\u003c"));
        } else {
            ES_GUARD(es_buf_append_byte(b, json.ptr[i]));
        }
    }
    return es_buf_append_str(b, "</script>\n");
}

static ES_RESULT asset(const es_web_asset **out, const char *name)
{
    *out = es_web_asset_find(name);
    ES_ENSURE(*out != NULL, ESEAL_ENOTFOUND, "report: web/%s is not embedded in this build", name);
    return ES_OK;
}

/* 'sha256-BASE64' of `text` (CSP Level 3 §8.4, hash-source). */
static ES_RESULT csp_hash(char *out, size_t cap, es_span text)
{
    uint8_t dg[64];
    size_t n = 0;
    ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, text));
    ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT(CSP_HASH_B64_MAX);
    ES_GUARD(es_base64_encode(&b64, es_span_of(dg, n)));
    int w = snprintf(out, cap, "'sha256-%s'", es_buf_cstr(&b64));
    ES_ENSURE(w > 0 && (size_t)w < cap, ESEAL_ERROR, "report: internal: hash too long");
    return ES_OK;
}

/* A file inlined into a <script> or <style> element must not be able to close it. */
static ES_RESULT inlinable(const es_web_asset *a, const char *element)
{
    for (size_t i = 0; i + 1 < a->len; i++) {
        if (a->bytes[i] == '<' && (a->bytes[i + 1] == '/' || a->bytes[i + 1] == '!')) {
            ES_BAIL(ESEAL_EMALFORMED, "report: web/%s holds \"<%c\" at byte %zu, which would end its <%s> element",
                    a->name, a->bytes[i + 1], i, element);
        }
    }
    return ES_OK;
}

ES_RESULT es_report_html(es_buf *out, const eseal_report *r, const char *lang, const char *file_name)
{
    bool zh = lang != NULL && strcmp(lang, "zh") == 0;
    const es_web_asset *view, *css, *strings, *fields;
    ES_GUARD(asset(&view, "report-view.js"));
    ES_GUARD(asset(&css, "style.css"));
    ES_GUARD(asset(&strings, zh ? "i18n/zh.json" : "i18n/en.json"));
    ES_GUARD(asset(&fields, "report-fields.json"));
    ES_GUARD(inlinable(view, "script"));
    ES_GUARD(inlinable(css, "style"));

    ES_AUTO(es_buf_freep) es_buf script = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    ES_GUARD(es_buf_append(&script, view->bytes, view->len));
    ES_GUARD(es_buf_append_str(&script, bootstrap));
    char script_hash[80], style_hash[80];
    ES_GUARD(csp_hash(script_hash, sizeof(script_hash), es_buf_span(&script)));
    ES_GUARD(csp_hash(style_hash, sizeof(style_hash), es_span_of(css->bytes, css->len)));

    eseal_buf js = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_report_to_json(&js, r)));
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_REPORT_TEXT_MAX);
    const char *name = file_name != NULL ? file_name : "";
    es_result res = es_buf_printf(
        &b,
        "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src %s; style-src %s; "
        "img-src data:; base-uri 'none'; form-action 'none'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        zh ? "zh" : "en", script_hash, style_hash);
    if (es_ok(res)) {
        res = esc(&b, html_say("title", zh));
    }
    if (es_ok(res) && name[0] != '\0') {
        res = es_buf_append_str(&b, " — ");
        if (es_ok(res)) {
            res = esc(&b, name);
        }
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "</title>\n<style>");
    }
    if (es_ok(res)) {
        res = es_buf_append(&b, css->bytes, css->len);
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "</style>\n</head>\n<body data-state=\"busy\" class=\"report\">\n<main>\n<h1>");
    }
    if (es_ok(res)) {
        res = esc(&b, html_say("title", zh));
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "</h1>\n<noscript><p>");
    }
    if (es_ok(res)) {
        res = esc(&b, html_say("noscript", zh));
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "</p></noscript>\n<div id=\"result\"></div>\n</main>\n");
    }
    /* meta: what the header says, as JSON like the rest (the file name is the user's text) */
    ES_AUTO(es_buf_freep) es_buf meta = ES_BUF_INIT(ES_PATH_BUF_MAX * 2);
    if (es_ok(res)) {
        res = es_buf_printf(&meta, "{\"lang\":\"%s\",\"file\":\"", zh ? "zh" : "en");
    }
    for (const char *p = name; es_ok(res) && *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        res = c == '"' || c == '\\' ? es_buf_printf(&meta, "\\%c", c)
              : c < 0x20            ? es_buf_printf(&meta, "\\u%04x", c)
                                    : es_buf_append_byte(&meta, c);
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&meta, "\"}");
    }
    if (es_ok(res)) {
        res = json_block(&b, "meta", es_buf_span(&meta));
    }
    if (es_ok(res)) {
        res = json_block(&b, "report", es_span_of(js.ptr, js.size));
    }
    if (es_ok(res)) {
        res = json_block(&b, "strings", es_span_of(strings->bytes, strings->len));
    }
    if (es_ok(res)) {
        res = json_block(&b, "fields", es_span_of(fields->bytes, fields->len));
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "<script>");
    }
    if (es_ok(res)) {
        res = es_buf_append(&b, script.ptr, script.len);
    }
    if (es_ok(res)) {
        res = es_buf_append_str(&b, "</script>\n</body>\n</html>\n");
    }
    eseal_buf_dispose(&js);
    ES_GUARD(res);
    return es_buf_append(out, b.ptr, b.len);
}
