/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PDF signature verification: for each signature, the byte range (exactly the
 * /Contents gap excluded, inside the file, ending at a revision's %%EOF), the
 * CMS signature over it, the signer's chain, the embedded seal and whether
 * the signer may use it, and what was appended after the signed revision.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf/pdf_qpdf.h" /* after qpdf-c.h: qpdf calls through the table */

#include "crypto/crypto.h"
#include "pdf.h"
#include "seal/ses.h"
#include "util/der.h"
#include "util/report.h"
#include "util/versions.h"

#define MAX_SIGS 64

static void cert_freep(eseal_cert **c) { eseal_cert_free(*c); }

static bool is_hex(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static unsigned hexval(uint8_t c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* A FORMAT_FAILURE reason (INVALID or INDETERMINATE) and the "format" check that says the same. */
__attribute__((format(printf, 3, 4))) static ES_RESULT format_failure(eseal_report *rep, eseal_verdict v,
                                                                      const char *fmt, ...)
{
    char msg[ES_PDF_REASON_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ES_GUARD(es_report_check(rep, "format", v == ESEAL_INVALID ? ESEAL_CHECK_FAILED : ESEAL_CHECK_INDETERMINATE, NULL,
                             "%s", msg));
    return es_report_reason(rep, v, ESEAL_R_FORMAT_FAILURE, "%s", msg);
}

/* ISO 32000-1 §12.8.1: the ranges cover the file except exactly the /Contents hex string. */
static ES_RESULT check_ranges(eseal_report *rep, const es_pdf_sig *s, es_span f, bool *ok, size_t *end)
{
    *ok = false;
    const int64_t *b = s->br;
    if (b[0] != 0 || b[1] <= 0 || b[2] <= b[1] + 1 || b[3] < 0 || (uint64_t)b[2] + (uint64_t)b[3] > f.len) {
        return format_failure(rep, ESEAL_INVALID, "the /ByteRange does not start at 0 or does not lie inside the file");
    }
    size_t g0 = (size_t)b[1], g1 = (size_t)b[2];
    if (f.ptr[g0] != '<' || f.ptr[g1 - 1] != '>') {
        return format_failure(rep, ESEAL_INVALID, "the gap in /ByteRange is not exactly the /Contents hex string");
    }
    size_t nhex = g1 - g0 - 2;
    if (nhex % 2 != 0 || nhex / 2 != s->contents.len) {
        return format_failure(rep, ESEAL_INVALID,
                              "the gap in /ByteRange is not the signature's /Contents (%zu hex digits for %zu bytes)",
                              nhex, s->contents.len);
    }
    for (size_t i = 0; i < nhex / 2; i++) {
        uint8_t h = f.ptr[g0 + 1 + 2 * i], l = f.ptr[g0 + 2 + 2 * i];
        if (!is_hex(h) || !is_hex(l) || ((hexval(h) << 4) | hexval(l)) != s->contents.ptr[i]) {
            return format_failure(rep, ESEAL_INVALID, "the gap in /ByteRange is not the signature's /Contents");
        }
    }
    /* The signed revision must end where a revision ends: "%%EOF" and an optional end-of-line. */
    *end = (size_t)(b[2] + b[3]);
    size_t e = *end;
    while (e > 0 && (f.ptr[e - 1] == '\n' || f.ptr[e - 1] == '\r')) {
        e--;
    }
    if (e < 5 || memcmp(f.ptr + e - 5, "%%EOF", 5) != 0) {
        return format_failure(rep, ESEAL_INVALID, "the signed range does not end at the end of a revision (%%%%EOF)");
    }
    *ok = true;
    return ES_OK;
}

/* The DER length of the CMS inside the zero-padded /Contents. */
static size_t der_length(es_span c)
{
    es_cur cur = es_cur_of(c);
    es_der d;
    return es_ok(es_der_next(&cur, &d)) ? d.tlv.len : 0;
}

/* "D:YYYYMMDDHHmmSS..." to ms (the claimed signing time, ISO 32000-1 §7.9.4); 0 when unreadable. */
static int64_t pdf_date(const char *m)
{
    if (strncmp(m, "D:", 2) != 0 || strlen(m) < 16) {
        return 0;
    }
    char g[20];
    memcpy(g, m + 2, 14);
    g[14] = 'Z';
    g[15] = 0;
    int64_t ms = 0;
    if (!es_ok(es_time_parse_gentime(es_span_of(g, 15), &ms))) {
        return 0;
    }
    /* A +hh'mm' / -hh'mm' offset moves the local time to UTC. */
    const char *z = m + 16;
    if ((*z == '+' || *z == '-') && strlen(z) >= 3) {
        int hh = (z[1] - '0') * 10 + (z[2] - '0');
        int mm = strlen(z) >= 6 ? (z[4] - '0') * 10 + (z[5] - '0') : 0;
        int64_t off = ((int64_t)hh * 60 + mm) * 60000;
        ms += *z == '+' ? -off : off;
    }
    return ms;
}

/*
 * Is signature `k` the same act of signing as signature `i` (issue #15 class 5)? The same field
 * object listed twice, two fields whose /V is the same object, or two signature dictionaries
 * with the same /ByteRange and /Contents (a copy): one signing shown as two.
 */
static bool same_signing(const es_pdf_sig *i, const es_pdf_sig *k)
{
    if ((i->field_num != 0 && i->field_num == k->field_num) || (i->v_num != 0 && i->v_num == k->v_num)) {
        return true;
    }
    return i->error == NULL && k->error == NULL && memcmp(i->br, k->br, sizeof(i->br)) == 0 &&
           i->contents.len == k->contents.len && memcmp(i->contents.ptr, k->contents.ptr, i->contents.len) == 0;
}

static bool is_doc_timestamp(const es_pdf_sig *s)
{
    return s->error == NULL && s->subfilter != NULL && strcmp(s->subfilter, "/ETSI.RFC3161") == 0;
}

/* The check status named `name` ("passed", ...); ESEAL_CHECK_ABSENT for anything else. */
static eseal_check_status status_of(const char *name)
{
    for (int st = ESEAL_CHECK_PASSED; st < ESEAL_CHECK_ABSENT; st++) {
        if (name != NULL && strcmp(eseal_check_status_name((eseal_check_status)st), name) == 0) {
            return (eseal_check_status)st;
        }
    }
    return ESEAL_CHECK_ABSENT;
}

/*
 * What a document timestamp's child takes from the token's report `tr`: its reasons, its checks
 * (with the objects they name) and the TSA's certificate as the signer. The token report's other
 * data (the token's own fields) has no place in a signature's sections; the time section is written
 * from it by the caller. Its validation objects went to the document already (es_report_merge of holder).
 */
static ES_RESULT take_token_report(eseal_report *rep, const eseal_report *tr)
{
    for (size_t i = 0; i < eseal_report_reason_count(tr); i++) {
        ES_GUARD(es_report_reason(rep, eseal_report_reason_verdict(tr, i), eseal_report_reason_id(tr, i), "%s",
                                  eseal_report_reason_text(tr, i)));
    }
    /* The signer section's keys (the schema's), whatever else the token report says of the TSA. */
    static const char *const signer[] = {"subject",       "issuer",     "serial",    "fingerprint_sha256",
                                         "key_algorithm", "not_before", "not_after", "certificate"};
    for (size_t i = 0; i < sizeof(signer) / sizeof(signer[0]); i++) {
        char path[48];
        (void)snprintf(path, sizeof(path), "signer.%s", signer[i]);
        const eseal_value *v = eseal_report_find(tr, path);
        if (v != NULL) {
            ES_GUARD(es_value_set(es_report_root(rep), path, v));
        }
    }
    const eseal_value *checks = eseal_report_find(tr, "checks");
    for (size_t i = 0; eseal_value_type_of(checks) == ESEAL_VALUE_LIST && i < eseal_value_count(checks); i++) {
        const eseal_value *c = eseal_value_item(checks, i);
        const char *id = eseal_value_string(eseal_value_find(c, "id"));
        eseal_check_status st = status_of(eseal_value_string(eseal_value_find(c, "status")));
        if (id == NULL || st == ESEAL_CHECK_ABSENT) {
            continue;
        }
        const char *detail = eseal_value_string(eseal_value_find(c, "detail"));
        const char *source = eseal_value_string(eseal_value_find(c, "source"));
        ES_GUARD(detail != NULL ? es_report_check(rep, id, st, source, "%s", detail)
                                : es_report_check(rep, id, st, source, NULL));
        ES_GUARD(es_report_check_uses_from(rep, id, c));
    }
    return ES_OK;
}

/*
 * A document timestamp (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3): an RFC 3161 token over the byte
 * ranges. A valid one proves that everything before it, signatures and validation data, existed at
 * its genTime (*gen_ms, 0 when it proves nothing).
 */
static ES_RESULT verify_doc_timestamp(eseal_report *rep, const es_pdf_sig *s, es_span f, const eseal_trust *trust,
                                      size_t *signed_end, const es_revocation_opts *ro, int64_t *gen_ms)
{
    *gen_ms = 0;
    bool ok = false;
    ES_GUARD(check_ranges(rep, s, f, &ok, signed_end));
    if (!ok) {
        return ES_OK;
    }
    es_span parts[2] = {es_span_of(f.ptr, (size_t)s->br[1]), es_span_of(f.ptr + s->br[2], (size_t)s->br[3])};
    es_span token = es_span_of(s->contents.ptr, der_length(es_buf_span(&s->contents)));
    /* The token's report (cms_ts.c merges it as it is: signer, token, checks, reasons) in a holder
     * of its own: its validation objects go to the document (the merge of the holder), its reasons,
     * checks and TSA certificate to this child, its token fields to the time section. */
    ES_AUTO(es_report_freep) eseal_report *holder = NULL;
    ES_GUARD(es_report_new(&holder));
    eseal_report *tr = NULL;
    ES_GUARD(es_report_add_child(holder, &tr));
    ES_GUARD(es_tsa_check_token_parts(tr, gen_ms, token, parts, 2, trust, ro));
    ES_GUARD(es_report_merge(rep, holder, NULL));
    ES_GUARD(take_token_report(rep, tr));
    bool bad_token = eseal_report_has_reason(tr, "FORMAT_FAILURE") != 0;
    ES_GUARD(es_report_check(rep, "format", bad_token ? ESEAL_CHECK_FAILED : ESEAL_CHECK_PASSED, NULL, "%s",
                             bad_token ? "/Contents is not a time-stamp token over the byte ranges"
                                       : "the /ByteRange covers the revision except exactly /Contents, an RFC 3161 "
                                         "time-stamp token"));
    const char *tsa = eseal_report_string(tr, "signer.subject");
    const char *serial = eseal_report_string(tr, "token.serial");
    const char *imprint = eseal_report_string(tr, "token.imprint_algorithm");
    if (imprint != NULL) {
        /* What the token's imprint digests the byte ranges with. */
        ES_GUARD(es_report_str(rep, "signature.digest_algorithm", "%s", imprint));
    }
    int64_t acc = 0;
    ES_GUARD(tsa != NULL ? es_report_str(rep, "time.tsa", "%s", tsa) : es_report_null(rep, "time.tsa"));
    ES_GUARD(serial != NULL ? es_report_str(rep, "time.serial", "%s", serial) : es_report_null(rep, "time.serial"));
    if (eseal_report_integer(tr, "token.accuracy_ms", &acc) == ESEAL_OK) {
        ES_GUARD(es_report_int(rep, "time.accuracy_ms", acc));
    }
    char tid[ES_VOBJ_ID_LEN] = "";
    if (!bad_token && token.len > 0) {
        /* The same object as the token report's when it recorded it (kept once per digest). */
        ES_GUARD(es_report_evidence(rep, ES_VOBJ_TIMESTAMP, token, tsa != NULL ? tsa : "document timestamp",
                                    "signature", *gen_ms, tid));
    }
    if (*gen_ms != 0) {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, *gen_ms);
        ES_GUARD(es_report_time(rep, "time.value", *gen_ms));
        ES_GUARD(es_report_str(rep, "time.source", "timestamp"));
        if (tid[0] != 0) {
            ES_GUARD(es_report_str(rep, "time.token", "%s", tid));
        }
        ES_GUARD(es_report_check(rep, "timestamp", ESEAL_CHECK_PASSED, "signature",
                                 "a valid time-stamp token over the byte ranges, genTime %s", t));
    } else {
        eseal_verdict v = eseal_report_verdict(tr);
        ES_GUARD(es_report_str(rep, "time.source", "none"));
        ES_GUARD(es_report_check(rep, "timestamp",
                                 v == ESEAL_INDETERMINATE ? ESEAL_CHECK_INDETERMINATE : ESEAL_CHECK_FAILED, "signature",
                                 "the time-stamp token proves no time (%s)", eseal_verdict_name(v)));
    }
    if (tid[0] != 0) {
        ES_GUARD(es_report_check_uses(rep, "timestamp", tid));
    }
    const char *tsa_cert = eseal_report_string(rep, "signer.certificate");
    if (tsa_cert != NULL) {
        ES_GUARD(es_report_check_uses(rep, "timestamp", tsa_cert));
    }
    return ES_OK;
}

/*
 * The widget of signature `s`: its page (1-based, qpdf's enumeration) and /Rect; *page = 0 when it
 * has none that shows. `walk`: a revision comparison follows (es_pdf_verify), which judges what
 * qpdf's first whole-tree walk repaired (es_pdf_qpdf_pages, pdf_diff.c's repaired()), so that walk
 * is made here first, as before issue 18. Otherwise nothing reads that walk's warning, and the
 * page is found by walking down to it (es_pdf_find_page, issue 18: a 66,500-page file signed on
 * page 1 looks into a few objects, not every page); qpdf's walk only when that walk is not sure.
 */
static void widget_of(es_pdf_qpdf *file, const es_pdf_sig *s, bool walk, int *page, double rect[4])
{
    *page = 0;
    qpdf_data q = file->q;
    const char *repair = NULL;
    if (s->field_num == 0 || (walk && !es_ok(es_pdf_qpdf_pages(file, &repair)))) {
        eseal_error_clear();
        return;
    }
    qpdf_oh w = qpdf_get_object_by_id(q, s->field_num, 0);
    if (!qpdf_oh_has_key(q, w, "/Rect")) {
        qpdf_oh kids = qpdf_oh_get_key(q, w, "/Kids");
        w = qpdf_oh_is_array(q, kids) && qpdf_oh_get_array_n_items(q, kids) > 0 ? qpdf_oh_get_array_item(q, kids, 0)
                                                                                 : w;
    }
    qpdf_oh r = qpdf_oh_get_key(q, w, "/Rect");
    bool nums = qpdf_oh_is_array(q, r) && qpdf_oh_get_array_n_items(q, r) == 4;
    for (int i = 0; nums && i < 4; i++) {
        qpdf_oh x = qpdf_oh_get_array_item(q, r, i);
        nums = qpdf_oh_is_number(q, x);
        rect[i] = nums ? qpdf_oh_get_numeric_value(q, x) : 0;
    }
    /* An invisible signature (a zero-area /Rect) shows nowhere. */
    if (nums && rect[2] != rect[0] && rect[3] != rect[1]) {
        int wn = qpdf_oh_get_object_id(q, w);
        qpdf_oh pg = qpdf_oh_get_key(q, w, "/P");
        int pn = qpdf_oh_is_indirect(q, pg) ? qpdf_oh_get_object_id(q, pg) : 0;
        size_t found = 0;
        bool sure = false;
        /* Neither a /P nor a numbered widget: no page can be it (the full walk below finds none either). */
        sure = pn == 0 && wn == 0;
        if (!sure && !file->pages_walked && !es_ok(es_pdf_find_page(file, pn, wn, &found, &sure))) {
            eseal_error_clear();
            sure = false;
        }
        if (sure) {
            *page = (int)found;
        } else if (es_ok(es_pdf_qpdf_pages(file, &repair))) {
            int np = qpdf_get_num_pages(q);
            for (int i = 0; i < np && *page == 0; i++) {
                qpdf_oh p = qpdf_get_page_n(q, (size_t)i);
                if (pn != 0) {
                    *page = qpdf_oh_get_object_id(q, p) == pn ? i + 1 : 0;
                    continue;
                }
                qpdf_oh annots = qpdf_oh_get_key(q, p, "/Annots");
                int na = qpdf_oh_is_array(q, annots) ? qpdf_oh_get_array_n_items(q, annots) : 0;
                for (int k = 0; k < na && *page == 0 && wn != 0; k++) {
                    *page = qpdf_oh_get_object_id(q, qpdf_oh_get_array_item(q, annots, k)) == wn ? i + 1 : 0;
                }
            }
        } else {
            eseal_error_clear();
        }
    }
    qpdf_oh_release_all(q);
    es_pdf_qpdf_quiet(file);
}

/*
 * The PDF's own parts of a signature's report, written after the CMS merge (which would overwrite
 * them): signature.id/type/format/appearance and the coverage of its byte ranges.
 */
/* A signature's widget as widget_of found it (issue 18, h-bigverify: looked for before the CMS
 * checks, so that the digests' worker hashes meanwhile; reported in pdf_parts, in its place). */
typedef struct {
    int page;
    double rect[4];
} widget;

static ES_RESULT pdf_parts(eseal_report *rep, const es_pdf_sig *s, es_span f, const widget *wd, size_t signed_end)
{
    ES_GUARD(es_report_str(rep, "signature.id", "%s", s->field));
    bool dts = s->error == NULL && s->subfilter != NULL && strcmp(s->subfilter, "/ETSI.RFC3161") == 0;
    ES_GUARD(es_report_str(rep, "signature.type", "%s", dts ? "document_timestamp"
                                                     : s->seal.len > 0 ? "seal_stamp"
                                                                       : "signature"));
    if (s->error == NULL && s->subfilter != NULL) {
        ES_GUARD(es_report_str(rep, "signature.format", "%s", s->subfilter[0] == '/' ? s->subfilter + 1 : s->subfilter));
    } else {
        ES_GUARD(es_report_null(rep, "signature.format"));
    }
    int page = wd->page;
    const double *rect = wd->rect;
    if (page > 0) {
        ES_GUARD(es_report_int(rep, "signature.appearance.page", page));
        ES_GUARD(es_value_list(es_report_root(rep), "signature.appearance.rect", NULL));
        for (int i = 0; i < 4; i++) {
            ES_GUARD(es_value_append_num(es_report_root(rep), "signature.appearance.rect", rect[i]));
        }
    } else {
        ES_GUARD(es_report_null(rep, "signature.appearance"));
    }
    const int64_t *b = s->br;
    if (s->error == NULL && b[0] >= 0 && b[1] >= 0 && b[2] >= 0 && b[3] >= 0) {
        ES_GUARD(es_value_list(es_report_root(rep), "coverage.byte_ranges", NULL));
        for (int i = 0; i < 2; i++) {
            eseal_value *it = NULL;
            ES_GUARD(es_value_append(es_report_root(rep), "coverage.byte_ranges", ESEAL_VALUE_OBJECT, &it));
            ES_GUARD(es_value_int(it, "offset", b[2 * i]));
            ES_GUARD(es_value_int(it, "length", b[2 * i + 1]));
        }
    } else {
        ES_GUARD(es_report_null(rep, "coverage.byte_ranges"));
    }
    return signed_end != 0 ? es_report_bool(rep, "coverage.whole_document", signed_end == f.len)
                           : es_report_null(rep, "coverage.whole_document");
}

static ES_RESULT verify_cms(eseal_report *rep, const es_pdf_sig *s, es_span f, const eseal_trust *trust,
                            int64_t at, const es_pdf_registry_hook *hook, size_t *signed_end,
                            const es_revocation_opts *ro, const eseal_context *ctx, int64_t *gen_ms,
                            es_prefix_hasher *prefix)
{
    *signed_end = 0;
    *gen_ms = 0;
    if (s->error != NULL) {
        return format_failure(rep, ESEAL_INVALID, "the signature dictionary is malformed: %s", s->error);
    }
    int64_t claimed = pdf_date(s->m);
    if (strcmp(s->subfilter, "/ETSI.RFC3161") == 0) {
        return verify_doc_timestamp(rep, s, f, trust, signed_end, ro, gen_ms);
    }
    if (strcmp(s->subfilter, "/ETSI.CAdES.detached") != 0 && strcmp(s->subfilter, "/adbe.pkcs7.detached") != 0) {
        return format_failure(rep, ESEAL_INDETERMINATE, "signatures of /SubFilter %s are not verified", s->subfilter);
    }
    bool ok = false;
    ES_GUARD(check_ranges(rep, s, f, &ok, signed_end));
    if (!ok) {
        return ES_OK;
    }

    /* The CMS over the two ranges. */
    size_t cms_len = der_length(es_buf_span(&s->contents));
    /* The two ranges are hashed in place, never joined. */
    eseal_bytes_part ranges[2] = {{f.ptr, (size_t)s->br[1]}, {f.ptr + s->br[2], (size_t)s->br[3]}};
    eseal_cms_verify_options co = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    co.at_ms = at;
    co.ctx = ctx;
    eseal_report *crep = NULL;
    /* The certificate SignerInfo 1 was checked with: the seal binding below compares it (one decode of the CMS). */
    ES_AUTO(cert_freep) eseal_cert *signer = NULL;
    es_span parts[2] = {es_span_of(ranges[0].ptr, ranges[0].len), es_span_of(ranges[1].ptr, ranges[1].len)};
    int rc = cms_len == 0 ? ESEAL_EMALFORMED
                          : es_code(es_cms_verify_parts_rev(&crep, &signer, es_span_of(s->contents.ptr, cms_len),
                                                            parts, 2, trust, &co, ro, prefix));
    size_t kids = rc == ESEAL_OK ? eseal_report_child_count(crep) : 0;
    if (rc != ESEAL_OK || kids == 0) {
        eseal_report_free(crep);
        return format_failure(rep, ESEAL_INVALID, "/Contents is not a CMS SignedData (%s)",
                              rc != ESEAL_OK ? eseal_error_last()->message : "no signer");
    }
    es_result r = es_report_merge(rep, eseal_report_child(crep, 0), NULL);
    /* More SignerInfos (podofosign 0.9.8 writes its signer twice): each is judged (its reasons count);
     * PAdES allows one. The report's sections describe the first. */
    for (size_t k = 1; k < kids && es_ok(r); k++) {
        const eseal_report *ck = eseal_report_child(crep, k);
        for (size_t i = 0; i < eseal_report_reason_count(ck) && es_ok(r); i++) {
            r = es_report_reason(rep, eseal_report_reason_verdict(ck, i), eseal_report_reason_id(ck, i), "%s",
                                 eseal_report_reason_text(ck, i));
        }
    }
    if (es_ok(r) && kids > 1 && strcmp(s->subfilter, "/ETSI.CAdES.detached") == 0) {
        r = format_failure(rep, ESEAL_INVALID, "a PAdES signature must have exactly one SignerInfo; this one has %zu",
                           kids);
    } else if (es_ok(r)) {
        r = es_report_check(rep, "format", ESEAL_CHECK_PASSED, NULL,
                            "the /ByteRange covers the revision except exactly /Contents, a CMS SignedData with %zu "
                            "SignerInfo%s",
                            kids, kids == 1 ? "" : "s (each judged)");
    }
    eseal_report_free(crep);
    ES_GUARD(r);
    /* A signature timestamp proves the time (the CMS layer judged the signer then); else /M is a claim. */
    int64_t poe = 0;
    const char *src = eseal_report_string(rep, "time.source");
    if (eseal_report_check(rep, "timestamp") != ESEAL_CHECK_PASSED || src == NULL || strcmp(src, "timestamp") != 0 ||
        eseal_report_time(rep, "time.value", &poe) != ESEAL_OK) {
        poe = 0;
    }
    if (poe == 0 && claimed != 0) {
        ES_GUARD(es_report_time(rep, "time.value", claimed));
        ES_GUARD(es_report_str(rep, "time.source", "claimed"));
    }

    /* The embedded seal: genuine, valid at the claimed time, and one the signer may use. */
    if (s->seal.len == 0) {
        return es_report_reason(rep, ESEAL_VALID, ESEAL_R_NO_SEAL, "a plain signature: no electronic seal is embedded");
    }
    eseal_ses_seal *seal = NULL;
    rc = eseal_ses_seal_decode(&seal, s->seal.ptr, s->seal.len);
    if (rc != ESEAL_OK) {
        ES_GUARD(es_report_check(rep, "seal_format", ESEAL_CHECK_FAILED, NULL, "the embedded seal cannot be read: %s",
                                 eseal_error_last()->message));
        return es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_FORMAT_FAILURE, "the embedded seal cannot be read: %s",
                                eseal_error_last()->message);
    }
    eseal_report *srep = NULL;
    /* At the proven (else the claimed) time when it precedes the validation time (never after it). */
    int64_t seal_at = poe != 0 && poe < at ? poe : claimed != 0 && claimed < at ? claimed : at;
    /* The maker's chain and status with the document's validation data too (/DSS), as the signer's. */
    r = es_ses_seal_verify_known(&srep, seal, trust, seal_at, ro, signer);
    if (es_ok(r) && hook != NULL && hook->fn != NULL) {
        r = hook->fn(hook->ctx, srep, seal, seal_at);
    }
    if (es_ok(r)) {
        r = es_report_merge(rep, srep, NULL);
    }
    eseal_report_free(srep);
    if (es_ok(r)) {
        /* The binding: the signer's certificate is one the seal lists (by value or by digest). */
        eseal_buf der = ESEAL_BUF_INIT;
        int listed = signer != NULL && eseal_cert_der(&der, signer) == ESEAL_OK
                         ? eseal_ses_seal_allows_cert(seal, der.ptr, der.size)
                         : -1;
        eseal_buf_dispose(&der);
        if (listed == 1) {
            r = es_report_check(rep, "seal_binding", ESEAL_CHECK_PASSED, NULL,
                                "the signer's certificate is one the seal lists");
        } else if (listed == 0) {
            r = es_report_check(rep, "seal_binding", ESEAL_CHECK_FAILED, NULL,
                                "the signer's certificate is not one the seal allows to stamp with it");
            if (es_ok(r)) {
                r = es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_NOT_ALLOWED,
                                     "the signer's certificate is not one the seal allows to stamp with it");
            }
        } else {
            r = es_report_check(rep, "seal_binding", ESEAL_CHECK_INDETERMINATE, NULL,
                                "the signer's certificate could not be read");
            if (es_ok(r)) {
                r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SEAL_BINDING_UNCHECKED,
                                     "the signer's certificate could not be read, so whether it may use the seal "
                                     "was not checked");
            }
        }
    }
    eseal_ses_seal_free(seal);
    return r;
}

/*
 * Issue 18 (branch h-trust): where the revision before each signature's own ends, kept by the
 * running SHA-256 as it passes (es_prefix_hasher_mark) so that document.parts does not hash the
 * first revision again (es_pdf_report_structure_hashed). A revision ends just after a "%%EOF" and
 * its end of line (pdf_xref.c, section_tail): the last such end before the signature's /Contents,
 * looked for backwards over at most MARK_LOOK_BACK bytes (the signature's own update lies between;
 * beyond that, or when the guess is not where pdf_xref.c puts the end, the part is hashed on its
 * own: a guess only chooses what is shared, never a digest).
 */
#define MARK_LOOK_BACK ((size_t)4 << 20)
static void mark_revision_ends(es_prefix_hasher *p, es_span f, const es_pdf_sig *sigs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t c = sigs[i].br[1];
        if (sigs[i].error != NULL || sigs[i].br[0] != 0 || c < 5 || (uint64_t)c > f.len) {
            continue;
        }
        size_t lo = (size_t)c > MARK_LOOK_BACK ? (size_t)c - MARK_LOOK_BACK : 0;
        for (size_t q = (size_t)c - 5 + 1; q-- > lo;) {
            if (f.ptr[q] == '%' && memcmp(f.ptr + q, "%%EOF", 5) == 0) {
                size_t e = q + 5;
                e += e < f.len && f.ptr[e] == '\r';
                e += e < f.len && f.ptr[e] == '\n';
                if (e <= (size_t)c) {
                    (void)es_prefix_hasher_mark(p, ESEAL_HASH_SHA256, e);
                }
                break;
            }
        }
    }
}

/* One signature: its sections, the CMS (or token) checks, then the PDF's own parts. */
static ES_RESULT verify_one(eseal_report *rep, const es_pdf_sig *s, es_span f, const widget *wd,
                            const eseal_trust *trust, int64_t at, const es_pdf_registry_hook *hook,
                            size_t *signed_end, const es_revocation_opts *ro, const eseal_context *ctx,
                            int64_t *gen_ms, es_prefix_hasher *prefix)
{
    ES_GUARD(es_report_signature_init(rep));
    ES_GUARD(verify_cms(rep, s, f, trust, at, hook, signed_end, ro, ctx, gen_ms, prefix));
    return pdf_parts(rep, s, f, wd, *signed_end);
}

/*
 * The PAdES level each signature reaches (ETSI EN 319 142-1 §6): B-B; B-T with a valid signature
 * timestamp; B-LT when a later revision adds a /DSS; B-LTA when a valid document timestamp covers
 * that DSS. Each signature also names the archive timestamps that cover it (check archive_timestamp).
 */
static ES_RESULT judge_levels(eseal_report *rep, eseal_report **children, const es_pdf_sig *sigs, size_t n, bool dss,
                              const bool *dup, const int64_t *archive_at)
{
    size_t archive = 0;
    for (size_t i = 0; i < n; i++) {
        archive += is_doc_timestamp(&sigs[i]) && archive_at[i] != 0;
    }
    ES_GUARD(es_report_int(rep, "document.archive_timestamps", (int64_t)archive));
    for (size_t i = 0; i < n; i++) {
        if (is_doc_timestamp(&sigs[i]) || dup[i]) {
            continue;
        }
        bool bt = eseal_report_check(children[i], "timestamp") == ESEAL_CHECK_PASSED;
        /* Document timestamps after this signature, valid, in file order: the first is its archive POE. */
        size_t covering = 0, first = 0;
        for (size_t k = i + 1; k < n; k++) {
            if (is_doc_timestamp(&sigs[k]) && archive_at[k] != 0) {
                first = covering == 0 ? k : first;
                covering++;
            }
        }
        /* The names of --level and of stamp/extend output (eseal_level_name): one vocabulary. */
        const char *level = !bt ? "B-B" : !dss ? "B-T" : covering == 0 ? "B-LT" : "B-LTA";
        ES_GUARD(es_report_str(children[i], "signature.level", "%s", level));
        if (covering > 0) {
            char t[ES_RFC3339_LEN];
            es_time_rfc3339(t, archive_at[first]);
            ES_GUARD(es_report_check(children[i], "archive_timestamp", ESEAL_CHECK_PASSED, "signature",
                                     "%zu valid document timestamp%s cover%s this signature; the first (field %s) at %s",
                                     covering, covering == 1 ? "" : "s", covering == 1 ? "s" : "", sigs[first].field, t));
            for (size_t k = i + 1; k < n; k++) {
                const char *tok = eseal_report_string(children[k], "time.token");
                if (is_doc_timestamp(&sigs[k]) && archive_at[k] != 0 && tok != NULL) {
                    ES_GUARD(es_report_check_uses(children[i], "archive_timestamp", tok));
                }
            }
        }
    }
    return ES_OK;
}

/* The revision (1-based) that ends where a signature's byte ranges end; 0 when none does. */
static size_t revision_of(const es_pdf_revision *revs, size_t nrevs, size_t signed_end)
{
    for (size_t k = 0; k < nrevs; k++) {
        if (revs[k].end <= signed_end && (k + 1 == nrevs || revs[k + 1].end > signed_end)) {
            return k + 1;
        }
    }
    return 0;
}

/* The certification and field lock of signature s, for the modifications check's detail ("" when none). */
static void permissions_of(const es_pdf_sig *s, char *out, size_t cap)
{
    static const char *const act[] = {"", "all form fields", "the form fields", "all form fields except"};
    static const char *const what[] = {"", "no changes", "form filling and signing",
                                       "form filling, signing and annotations"};
    out[0] = 0;
    size_t len = 0;
    if (s->docmdp_p != 0) {
        int p = s->docmdp_p >= 1 && s->docmdp_p <= 3 ? s->docmdp_p : 2;
        int w = snprintf(out, cap, "certification DocMDP P=%d (%s allowed)", p, what[p]);
        len = w > 0 && (size_t)w < cap ? (size_t)w : cap - 1;
    }
    if (s->lock_action > ES_PDF_LOCK_NONE && s->lock_action <= ES_PDF_LOCK_EXCLUDE) {
        (void)snprintf(out + len, cap - len, "%sFieldMDP: %s%s%s", len > 0 ? "; " : "", act[s->lock_action],
                       s->lock_fields != NULL ? " " : "", s->lock_fields != NULL ? s->lock_fields : "");
    }
}

/* Prefixes the modifications check's detail with the signature's permissions (status kept). */
static ES_RESULT note_permissions(eseal_report *child, const es_pdf_sig *s)
{
    char perm[ES_PDF_NAMES_MAX / 16];
    permissions_of(s, perm, sizeof(perm));
    eseal_check_status st = eseal_report_check(child, "modifications");
    if (perm[0] == 0 || st == ESEAL_CHECK_ABSENT) {
        return ES_OK;
    }
    const char *d = eseal_report_string(child, "checks.modifications.detail");
    ES_AUTO(es_buf_freep) es_buf detail = ES_BUF_INIT(ES_PDF_REPORT_TEXT_MAX);
    ES_GUARD(es_buf_printf(&detail, "%s%s%s", perm, d != NULL ? ": " : "", d != NULL ? d : ""));
    return es_report_check(child, "modifications", st, NULL, "%s", es_buf_cstr(&detail));
}

/* The document section's digests (es_report_document's, in the places es_report_document_init kept):
 * the SHA-256 taken beside the signatures' (es_prefix_digest_all), the SM3 from its worker; one not
 * asked for (sha256_len 0, no worker) stays null. */
static ES_RESULT document_digests(eseal_report *rep, const uint8_t *sha256, size_t sha256_len, es_bg_digest **sm3)
{
    char hex[129];
    if (sha256_len > 0) {
        es_hex_lower(hex, sha256, sha256_len);
        ES_GUARD(es_report_str(rep, "document.sha256", "%s", hex));
    }
    if (*sm3 == NULL) {
        return ES_OK;
    }
    uint8_t md[64];
    size_t len = 0;
    ES_GUARD(es_bg_digest_finish(sm3, md, &len));
    es_hex_lower(hex, md, len);
    return es_report_str(rep, "document.sm3", "%s", hex);
}

ES_RESULT es_pdf_verify(eseal_report **out, es_span f, const eseal_trust *trust, int64_t at,
                        const es_pdf_registry_hook *hook, const es_revocation_opts *net, const eseal_context *ctx,
                        unsigned int digests)
{
    const eseal_limits *lim = es_ctx_limits(ctx);
    ES_GUARD(es_document_digests(&digests, digests));
    /* The document section's SM3 (issue 18): hashed by a worker thread while the file is parsed and
     * judged, collected at the end (document_digests); cancelled on every early return. Not asked
     * for, no worker: on a large file it is most of the verification (docs/performance.md). */
    ES_AUTO(es_bg_digest_cancelp) es_bg_digest *sm3 = NULL;
    if ((digests & ESEAL_DOCUMENT_SM3) != 0) {
        ES_GUARD(es_bg_digest_start(&sm3, ESEAL_HASH_SM3, f));
    }
    /* One strict parse of the whole file for the listing, the /DSS and every comparison (pdf.h). */
    ES_AUTO(es_pdf_qpdf_close) es_pdf_qpdf file = {0};
    ES_GUARD(es_pdf_qpdf_open(&file, f, lim));
    es_pdf_sig sigs[MAX_SIGS];
    size_t n = 0;
    ES_GUARD(es_pdf_signatures_of(&file, sigs, MAX_SIGS, &n));
    /* The signatures' byte ranges, in file order, share one pass of each hash over the file. On a
     * large file (issue 18, h-bigverify) a worker runs the SHA-256 pass ahead, keeping its state
     * where each signature's first range and each revision before one ends, while this thread
     * checks the structure below; the signatures then continue those states (es_prefix_hasher_ahead). */
    ES_AUTO(es_prefix_hasher_freep) es_prefix_hasher prefix;
    es_prefix_hasher_init(&prefix, f);
    mark_revision_ends(&prefix, f, sigs, n);
    if (f.len >= ES_PREFIX_AHEAD_MIN) {
        for (size_t i = 0; i < n; i++) {
            const int64_t *b = sigs[i].br;
            if (sigs[i].error == NULL && !is_doc_timestamp(&sigs[i]) && b[0] == 0 && b[1] > 0 &&
                (uint64_t)b[1] <= f.len) {
                (void)es_prefix_hasher_mark(&prefix, ESEAL_HASH_SHA256, (size_t)b[1]);
            }
        }
        (void)es_prefix_hasher_ahead(&prefix, ESEAL_HASH_SHA256, ES_PREFIX_AHEAD_MIN);
    }
    ES_AUTO(es_pdf_structure_freep) es_pdf_structure *structure = NULL;
    eseal_report *rep = NULL;
    es_result r = es_report_new(&rep);
    if (es_ok(r)) {
        /* Its digests are written when known (document_digests): their places are kept. */
        r = es_report_document_init(rep, "pdf", f.len, NULL, NULL, at);
    }
    if (es_ok(r) && n == 0) {
        r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_NO_SIGNATURE, "the PDF has no signatures");
    }
    /* The document's validation data (/DSS): OCSP responses and CRLs the chain checks may use. */
    es_revocation_data dss = {0};
    es_der_list dss_certs = {0};
    es_der_list dss_answers = {0};
    bool has_dss = false;
    if (es_ok(r) && n > 0 &&
        !es_ok(es_pdf_dss_read(&file, &dss, &dss_certs, hook != NULL && hook->stapled != NULL ? &dss_answers : NULL,
                               &has_dss))) {
        eseal_error_clear(); /* an unreadable DSS only means less evidence */
    }
    es_pdf_qpdf_quiet(&file); /* what qpdf noted reading the DSS is not the comparisons' business */
    es_span *rspans = es_calloc(dss.ocsp.n + dss.crls.n + dss_certs.n + 1, sizeof(*rspans));
    if (es_ok(r) && rspans == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.ctx = ctx;
    if (net != NULL) {
        ro.online = net->online;
        ro.fetch = net->fetch;
        ro.timeout_ms = net->timeout_ms;
        ro.cache_dir = net->cache_dir;
    }
    for (size_t i = 0; rspans != NULL && i < dss.ocsp.n; i++) {
        rspans[i] = es_buf_span(&dss.ocsp.items[i]);
    }
    for (size_t i = 0; rspans != NULL && i < dss.crls.n; i++) {
        rspans[dss.ocsp.n + i] = es_buf_span(&dss.crls.items[i]);
    }
    ro.ocsp = rspans;
    ro.ocsp_count = rspans != NULL ? dss.ocsp.n : 0;
    ro.crls = rspans != NULL ? rspans + dss.ocsp.n : NULL;
    ro.crl_count = rspans != NULL ? dss.crls.n : 0;
    /* Its certificates (the CAs of the signer, the TSAs and the seal maker) may complete chains to
     * the anchors: a recipient who trusts only root certificates finds the rest in the document. */
    for (size_t i = 0; rspans != NULL && i < dss_certs.n; i++) {
        rspans[dss.ocsp.n + dss.crls.n + i] = es_buf_span(&dss_certs.items[i]);
    }
    ro.certs = rspans != NULL ? rspans + dss.ocsp.n + dss.crls.n : NULL;
    ro.cert_count = rspans != NULL ? dss_certs.n : 0;
    /* The registry answers it carries, for the hook to judge other platforms' seals by (issue 24). */
    es_span *aspans = es_calloc(dss_answers.n + 1, sizeof(*aspans));
    if (es_ok(r) && aspans == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    for (size_t i = 0; aspans != NULL && i < dss_answers.n; i++) {
        aspans[i] = es_buf_span(&dss_answers.items[i]);
    }
    if (es_ok(r) && hook != NULL && hook->stapled != NULL) {
        hook->stapled(hook->ctx, aspans, dss_answers.n);
    }
    size_t ends[MAX_SIGS] = {0};
    eseal_report *children[MAX_SIGS];
    for (size_t i = 0; i < n && es_ok(r); i++) {
        r = es_report_add_child(rep, &children[i]);
    }
    /* A signature shown again (class 5): reported once, its duplicates INVALID and not judged further. */
    bool dup[MAX_SIGS] = {false};
    for (size_t i = 0; i < n && es_ok(r); i++) {
        for (size_t k = 0; k < i && !dup[i]; k++) {
            if (!dup[k] && same_signing(&sigs[k], &sigs[i])) {
                dup[i] = true;
                r = es_report_signature_init(children[i]);
                if (es_ok(r)) {
                    r = es_report_str(children[i], "signature.id", "%s", sigs[i].field);
                }
                if (es_ok(r)) {
                    r = es_report_str(children[i], "signature.type", "%s",
                                      is_doc_timestamp(&sigs[i]) ? "document_timestamp"
                                      : sigs[i].seal.len > 0     ? "seal_stamp"
                                                                 : "signature");
                }
                if (es_ok(r)) {
                    r = es_report_int(children[i], "signature.duplicate_of", (int64_t)k + 1);
                }
                if (es_ok(r)) {
                    r = es_report_reason(children[i], ESEAL_INVALID, ESEAL_R_DUPLICATE_SIGNATURE,
                                         "field %s shows the signature of field %s again: one act of signing is "
                                         "shown as two",
                                         sigs[i].field, sigs[k].field);
                }
            }
        }
    }
    /*
     * Document timestamps first: a valid one proves that everything before it existed at its time
     * (ETSI EN 319 102-1 §5.6.2.4, POE from an archive timestamp). Each signature is then judged at
     * the earliest such time after it, so that a certificate that expired or was revoked since
     * does not undo it; its own signature timestamp, when earlier, still wins (cms.c).
     */
    int64_t archive_at[MAX_SIGS] = {0};
    /* Will a revision be compared (a signature whose byte ranges end before the file: es_pdf_judge_changes
     * runs only for those)? Then qpdf's whole-tree walk comes first, as that comparison needs (widget_of). */
    bool walk = false;
    for (size_t i = 0; i < n; i++) {
        const int64_t *b = sigs[i].br;
        walk = walk || (sigs[i].error == NULL &&
                        !(b[2] >= 0 && b[3] >= 0 && (uint64_t)b[2] <= f.len && (uint64_t)b[3] == f.len - (uint64_t)b[2]));
    }
    /*
     * Issue 18 (h-bigverify): what needs neither the digests nor the CMS runs first, while the
     * worker hashes (es_prefix_hasher_ahead): each signature's widget, looked for in the order the
     * signatures are judged below (document timestamps first: qpdf sees the same sequence of
     * reads as when each was looked for after its CMS checks, which do not touch qpdf), then the
     * structure check (pdf_xref.c), whose findings are reported in their place below.
     */
    widget wd[MAX_SIGS];
    memset(wd, 0, sizeof(wd));
    for (int pass = 0; pass < 2 && es_ok(r); pass++) {
        for (size_t i = 0; i < n; i++) {
            if (!dup[i] && is_doc_timestamp(&sigs[i]) == (pass == 0) && sigs[i].error == NULL) {
                widget_of(&file, &sigs[i], walk, &wd[i].page, wd[i].rect);
            }
        }
    }
    if (es_ok(r)) {
        es_pdf_structure_scan(&structure, f, lim);
    }
    for (size_t i = 0; i < n && es_ok(r); i++) {
        if (is_doc_timestamp(&sigs[i]) && !dup[i]) {
            r = verify_one(children[i], &sigs[i], f, &wd[i], trust, at, hook, &ends[i], &ro, ctx, &archive_at[i],
                           NULL);
        }
    }
    for (size_t i = 0; i < n && es_ok(r); i++) {
        if (is_doc_timestamp(&sigs[i]) || dup[i]) {
            continue;
        }
        int64_t poe = 0, unused = 0;
        for (size_t k = i + 1; k < n; k++) {
            poe = archive_at[k] != 0 && (poe == 0 || archive_at[k] < poe) ? archive_at[k] : poe;
        }
        r = verify_one(children[i], &sigs[i], f, &wd[i], trust, poe != 0 && poe < at ? poe : at, hook, &ends[i], &ro,
                       ctx, &unused, &prefix);
        int64_t judged = 0;
        if (es_ok(r) && poe != 0 && poe < at && eseal_report_time(children[i], "time.judged_at", &judged) != ESEAL_OK) {
            r = es_report_time(children[i], "time.judged_at", poe);
            if (es_ok(r)) {
                r = es_report_str(children[i], "time.judged_by", "archive_timestamp");
            }
        }
    }
    /* The document's SHA-256 continues the signatures' running one to the end of the file. */
    uint8_t dsha[64];
    size_t dsha_len = 0;
    if (es_ok(r) && (digests & ESEAL_DOCUMENT_SHA256) != 0) {
        r = es_prefix_digest_all(&prefix, dsha, &dsha_len, ESEAL_HASH_SHA256);
    }
    /* One resolution: a structure that lets readers disagree invalidates every signature (pdf_xref.c);
     * the same reading delimits the revisions (document.parts, coverage.revision). */
    es_pdf_revision *revs = NULL;
    size_t nrevs = 0;
    /* What each revision replaces (issue 18): a revision comparison reads only what later ones changed. */
    ES_AUTO(es_pdf_xref_changes_free) es_pdf_xref_changes ch = {0};
    bool later = false; /* a revision follows a signed one: something to judge, so the map is worth making */
    for (size_t i = 0; i < n; i++) {
        later = later || (!dup[i] && ends[i] != 0 && ends[i] != f.len);
    }
    if (es_ok(r)) {
        r = structure != NULL ? es_pdf_report_structure_scanned(structure, rep, children, n, &revs, &nrevs,
                                                                later ? &ch : NULL, &prefix)
                              : es_pdf_report_structure_hashed(rep, children, n, f, lim, &revs, &nrevs,
                                                               later ? &ch : NULL, &prefix);
        es_pdf_structure_free(structure); /* its memory before the revision comparisons take theirs */
        structure = NULL;
        if (!es_ok(r) && n == 0) {
            /* Without signatures the structure only describes the parts: a limit leaves them unknown. */
            eseal_error_clear();
            r = es_report_null(rep, "document.parts");
        }
    }
    size_t signed_rev[MAX_SIGS] = {0};
    for (size_t i = 0; i < n && es_ok(r); i++) {
        size_t rv = dup[i] ? 0 : revision_of(revs, nrevs, ends[i]);
        r = rv != 0 ? es_report_int(children[i], "coverage.revision", (int64_t)rv) : ES_OK;
        /* The signed bytes are that revision, and at most the end-of-line after its %%EOF. */
        bool exact = rv != 0 && ends[i] >= revs[rv - 1].end;
        for (size_t k = rv != 0 ? revs[rv - 1].end : 0; exact && k < ends[i]; k++) {
            exact = f.ptr[k] == '\r' || f.ptr[k] == '\n';
        }
        signed_rev[i] = exact ? rv : 0;
    }
    es_free(revs);
    /* The document's certification (the first signature's DocMDP, ISO 32000-1 §12.8.2.2) bounds every later change. */
    int doc_p = 0;
    for (size_t i = 0; i < n && doc_p == 0; i++) {
        if (dup[i]) {
            continue;
        }
        doc_p = sigs[i].docmdp_p >= 1 && sigs[i].docmdp_p <= 3 ? sigs[i].docmdp_p : sigs[i].docmdp_p != 0 ? 2 : 0;
    }
    /* Anything appended after a signed revision must be judged; until it is, it is not VALID. Each
     * signed revision is parsed once, for the signatures that end there (es_pdf_judge_changes); the
     * comparison reads only what the revisions after it replaced (ch, es_pdf_judge_changes_ex). */
    ES_AUTO(es_pdf_qpdf_close) es_pdf_qpdf rev = {0};
    for (size_t i = 0; i < n && es_ok(r); i++) {
        if (dup[i]) {
            continue;
        }
        if (ends[i] != 0 && ends[i] == f.len) {
            r = es_report_check(children[i], "modifications", ESEAL_CHECK_PASSED, NULL,
                                "no revision follows the signed one");
        }
        if (es_ok(r) && sigs[i].docmdp_p != 0) {
            /* A certification signature (ISO 32000-1 §12.8.2.2): P=1 allows no later change at all. */
            int p = sigs[i].docmdp_p >= 1 && sigs[i].docmdp_p <= 3 ? sigs[i].docmdp_p : 2;
            /* Validation data and document timestamps may follow any signature (ISO 32000-2 §12.8.2.2.1):
             * under P=1 later signatures must all be document timestamps, and the judge below requires
             * every later revision to bring one or a /DSS. */
            bool only_ltv = true;
            for (size_t k = i + 1; k < n; k++) {
                only_ltv = only_ltv && (is_doc_timestamp(&sigs[k]) || dup[k]);
            }
            if (p == 1 && ends[i] != 0 && ends[i] != f.len && !only_ltv) {
                r = es_report_check(children[i], "modifications", ESEAL_CHECK_FAILED, NULL,
                                    "a later revision was added, and not only validation data or document "
                                    "timestamps");
                if (es_ok(r)) {
                    r = es_report_reason(children[i], ESEAL_INVALID, ESEAL_R_MDP_VIOLATION,
                                         "the document was certified with no changes allowed (DocMDP P=1), yet a "
                                         "later revision was added");
                }
                if (es_ok(r)) {
                    r = note_permissions(children[i], &sigs[i]);
                }
                continue;
            }
        }
        if (es_ok(r) && ends[i] != 0 && ends[i] != f.len) {
            es_pdf_perms perm = {doc_p, sigs[i].lock_action, sigs[i].lock_fields};
            r = es_pdf_judge_changes_ex(children[i], &file, &rev, f, ends[i], &perm, &ch, signed_rev[i]);
        }
        if (es_ok(r)) {
            r = note_permissions(children[i], &sigs[i]);
        }
    }
    if (es_ok(r)) {
        r = judge_levels(rep, children, sigs, n, has_dss, dup, archive_at);
    }
    for (size_t i = 0; i < n; i++) {
        es_pdf_sig_free(&sigs[i]);
    }
    es_free(rspans);
    es_free(aspans);
    es_revocation_data_free(&dss);
    es_der_list_free(&dss_certs);
    es_der_list_free(&dss_answers);
    if (es_ok(r)) {
        r = document_digests(rep, dsha, dsha_len, &sm3);
    }
    if (!es_ok(r)) {
        eseal_report_free(rep);
        return r;
    }
    *out = rep;
    return ES_OK;
}

int eseal_pdf_verify(eseal_report **out, const void *pdf, size_t len, const eseal_trust *trust,
                     const eseal_pdf_verify_options *opts)
{
    ES_CHECK_VERSION_OPT_INT(opts, pdf_verify_options);
    if (out == NULL || pdf == NULL) {
        ES_BAIL_ARG("out == NULL || pdf == NULL");
    }
    const eseal_context *ctx = ES_OPT_CTX(opts, 2);
    int64_t at = opts != NULL && opts->at_ms != 0 ? opts->at_ms : es_ctx_now(ctx);
    return es_code(es_pdf_verify(out, es_span_of(pdf, len), trust, at, NULL, NULL, ctx, ES_OPT_DIGESTS(opts, 3)));
}
