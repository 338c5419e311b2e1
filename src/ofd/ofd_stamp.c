/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OFD stamping (GB/T 33190-2016 §18, GB/T 38540-2020 §7): a seal stamp
 * (Type="Seal") added to a package without touching a byte of its other
 * entries.
 *
 * Several stamps: every stamp protects every file of the package *except*
 * the signature list (Signatures.xml), which each later stamp extends
 * ("continue-sign": standards.md §7.3, the cause of v4-two-seals-h.ofd's
 * broken first signature). Everything else a later stamp adds lives in its
 * own Sign_N directory, which earlier stamps never referenced; the verifier
 * accepts exactly those files (the list and the other signatures' own files)
 * as unprotected. So an earlier stamp stays valid, and any other added or
 * changed file breaks it. docs/formats.md describes the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/tsa.h"
#include "eseal/tsa_client.h"
#include "ofd.h"
#include "ofd_libs.h" /* last of ofd's: libzip and libxml2 calls through its table */
#include "seal/place.h"
#include "seal/ses.h"
#include "util/report.h"

#define MAX_SIGN_DIRS 10000

/* What the package says about the document we stamp. */
typedef struct {
    char doc[ES_OFD_NAME_MAX + 1];  /* Document.xml */
    char list[ES_OFD_NAME_MAX + 1]; /* Signatures.xml, "" when the document has none yet */
    char page_id[64];               /* the page's ID (StampAnnot PageRef) */
    double page_w, page_h;          /* its PhysicalBox size, mm */
} target;

/* "x y w h" (ST_Box, mm) → w, h; false unless four numbers with a usable size. */
static bool box_size(const char *s, double *w, double *h)
{
    double v[4];
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        char *end = NULL;
        v[i] = strtod(p, &end); /* !checksrc! allowed: the end is checked */
        if (end == p) {
            return false;
        }
        p = end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    *w = v[2];
    *h = v[3];
    return *p == 0 && *w > 0 && *h > 0 && *w < ES_OFD_PAGE_MAX_MM && *h < ES_OFD_PAGE_MAX_MM;
}

/* OFD.xml → the first DocBody → DocRoot, Signatures; Document.xml → page `page_no` and its size. */
static ES_RESULT find_target(target *t, const es_ofd_pkg *p, int page_no)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ofd_limits(p)->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf s = ES_BUF_INIT(ES_OFD_NAME_MAX + 1);
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr ofd = NULL;
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr doc = NULL;
    ES_ENSURE(es_ofd_find(p, "OFD.xml") >= 0, ESEAL_EMALFORMED, "ofd: the package has no OFD.xml");
    ES_GUARD(es_ofd_read_xml_bytes(p, "OFD.xml", &ofd, &b));
    xmlNodePtr body = es_ofd_xml_child(xmlDocGetRootElement(ofd), "DocBody");
    xmlNodePtr root = body != NULL ? es_ofd_xml_child(body, "DocRoot") : NULL;
    ES_ENSURE(root != NULL, ESEAL_EMALFORMED, "ofd: OFD.xml names no document (DocBody/DocRoot)");
    ES_GUARD(es_ofd_xml_text(root, &s));
    ES_GUARD(es_ofd_resolve(t->doc, "OFD.xml", es_buf_cstr(&s)));
    xmlNodePtr sigs = es_ofd_xml_child(body, "Signatures");
    t->list[0] = 0;
    if (sigs != NULL) {
        ES_GUARD(es_ofd_xml_text(sigs, &s));
        ES_GUARD(es_ofd_resolve(t->list, "OFD.xml", es_buf_cstr(&s)));
        ES_ENSURE(es_ofd_find(p, t->list) >= 0, ESEAL_EMALFORMED, "ofd: OFD.xml names %s, which is missing",
                  t->list);
    }

    ES_GUARD(es_ofd_read_xml_bytes(p, t->doc, &doc, &b));
    xmlNodePtr d = xmlDocGetRootElement(doc);
    xmlNodePtr pages = d != NULL ? es_ofd_xml_child(d, "Pages") : NULL;
    ES_ENSURE(pages != NULL, ESEAL_EMALFORMED, "ofd: %s has no <Pages>", t->doc);
    size_t n = 0;
    for (xmlNodePtr pg = es_ofd_xml_child(pages, "Page"); pg != NULL; pg = es_ofd_xml_next(pg, "Page")) {
        n++;
    }
    ES_ENSURE(n > 0, ESEAL_EMALFORMED, "ofd: the document has no pages");
    size_t want = page_no <= 0 ? n : (size_t)page_no;
    ES_ENSURE(want <= n, ESEAL_EINVAL, "ofd: page %d does not exist (the document has %zu)", page_no, n);
    xmlNodePtr pg = es_ofd_xml_child(pages, "Page");
    for (size_t i = 1; i < want; i++) {
        pg = es_ofd_xml_next(pg, "Page");
    }
    ES_ENSURE(es_ofd_xml_attr(pg, "ID", &s) && s.len > 0 && s.len < sizeof(t->page_id), ESEAL_EMALFORMED,
              "ofd: page %zu has no usable ID", want);
    (void)snprintf(t->page_id, sizeof(t->page_id), "%s", es_buf_cstr(&s));

    /* The page's own Area/PhysicalBox, else the document's CommonData/PageArea/PhysicalBox. */
    t->page_w = t->page_h = 0;
    char content[ES_OFD_NAME_MAX + 1];
    if (es_ofd_xml_attr(pg, "BaseLoc", &s) && es_ok(es_ofd_resolve(content, t->doc, es_buf_cstr(&s)))) {
        ES_AUTO(es_ofd_xml_freep) xmlDocPtr page = NULL;
        ES_GUARD(es_ofd_read_xml_bytes(p, content, &page, &b));
        xmlNodePtr area = es_ofd_xml_child(xmlDocGetRootElement(page), "Area");
        xmlNodePtr pb = area != NULL ? es_ofd_xml_child(area, "PhysicalBox") : NULL;
        if (pb != NULL && es_ok(es_ofd_xml_text(pb, &s))) {
            (void)box_size(es_buf_cstr(&s), &t->page_w, &t->page_h);
        }
    }
    if (t->page_w <= 0) {
        xmlNodePtr cd = es_ofd_xml_child(d, "CommonData");
        xmlNodePtr area = cd != NULL ? es_ofd_xml_child(cd, "PageArea") : NULL;
        xmlNodePtr pb = area != NULL ? es_ofd_xml_child(area, "PhysicalBox") : NULL;
        ES_ENSURE(pb != NULL && es_ok(es_ofd_xml_text(pb, &s)) && box_size(es_buf_cstr(&s), &t->page_w, &t->page_h),
                  ESEAL_EMALFORMED, "ofd: the size of page %zu is not given (Area/PhysicalBox)", want);
    }
    return ES_OK;
}

/* dir + leaf into an entry name buffer; ESEAL_ELIMIT when too long. */
static ES_RESULT join(char out[ES_OFD_NAME_MAX + 1], const char *dir, const char *leaf)
{
    int k = snprintf(out, ES_OFD_NAME_MAX + 1, "%s%s", dir, leaf);
    ES_ENSURE(k >= 0 && k <= ES_OFD_NAME_MAX, ESEAL_ELIMIT, "ofd: the path %s%s is too long", dir, leaf);
    return ES_OK;
}

/* The directory of an entry name, with its trailing '/' ("" for the root). */
static void dir_of(char *out, size_t cap, const char *name)
{
    const char *slash = strrchr(name, '/');
    size_t n = slash != NULL ? (size_t)(slash - name) + 1 : 0;
    (void)snprintf(out, cap, "%.*s", (int)n, name);
}

/* Inserts `ins` into `src` before the last occurrence of `marker`; ESEAL_EMALFORMED when absent. */
static ES_RESULT insert_before_last(es_buf *out, es_span src, const char *marker, const char *ins)
{
    size_t ml = strlen(marker);
    size_t at = SIZE_MAX;
    for (size_t i = src.len >= ml ? src.len - ml + 1 : 0; i-- > 0;) {
        if (memcmp(src.ptr + i, marker, ml) == 0) {
            at = i;
            break;
        }
    }
    ES_ENSURE(at != SIZE_MAX, ESEAL_EMALFORMED, "ofd: %s not found where a signature is to be listed", marker);
    out->len = 0;
    ES_GUARD(es_buf_append(out, src.ptr, at));
    ES_GUARD(es_buf_append_str(out, ins));
    return es_buf_append(out, src.ptr + at, src.len - at);
}

/* The namespace prefix the root element of `xml` uses for the OFD namespace ("ofd:" or ""). */
static void ofd_prefix(char *out, size_t cap, es_span xml, const char *local)
{
    char pat[64];
    (void)snprintf(pat, sizeof(pat), ":%s", local);
    out[0] = 0;
    for (size_t i = 0; i + strlen(pat) < xml.len && i < 4096; i++) {
        if (xml.ptr[i] == '<' && xml.ptr[i + 1] != '?' && xml.ptr[i + 1] != '!') {
            size_t j = i + 1;
            while (j < xml.len && j - i < 40 && xml.ptr[j] != ':' && xml.ptr[j] != ' ' && xml.ptr[j] != '>') {
                j++;
            }
            if (j < xml.len && xml.ptr[j] == ':' && memcmp(xml.ptr + j, pat, strlen(pat)) == 0) {
                (void)snprintf(out, cap, "%.*s:", (int)(j - i - 1), (const char *)xml.ptr + i + 1);
            }
            return;
        }
    }
}

/* The next signature ID: "s" and one more than the largest number among the IDs listed. */
static ES_RESULT next_id(char *out, size_t cap, xmlDocPtr list)
{
    ES_AUTO(es_buf_freep) es_buf s = ES_BUF_INIT(ES_OFD_ATTR_MAX);
    long max = 0;
    xmlNodePtr root = xmlDocGetRootElement(list);
    for (xmlNodePtr e = es_ofd_xml_child(root, "Signature"); e != NULL; e = es_ofd_xml_next(e, "Signature")) {
        if (es_ofd_xml_attr(e, "ID", &s)) {
            const char *p = es_buf_cstr(&s);
            while (*p != 0 && (*p < '0' || *p > '9')) {
                p++;
            }
            long v = 0;
            for (; *p >= '0' && *p <= '9' && v < 100000000; p++) {
                v = v * 10 + (*p - '0');
            }
            max = v > max ? v : max;
        }
    }
    (void)snprintf(out, cap, "s%03ld", max + 1);
    return ES_OK;
}

static ES_RESULT put_reference(es_buf *x, const char *pfx, const char *name, es_span bytes)
{
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_digest(dg, &dn, ESEAL_HASH_SM3, bytes));
    ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT(ES_OFD_DIGEST_B64_MAX);
    ES_GUARD(es_base64_encode(&b64, es_span_of(dg, dn)));
    ES_AUTO(es_buf_freep) es_buf esc = ES_BUF_INIT(ES_OFD_NAME_ESC_MAX);
    for (const char *c = name; *c != 0; c++) {
        ES_GUARD(*c == '&'   ? es_buf_append_str(&esc, "&amp;")
                 : *c == '<' ? es_buf_append_str(&esc, "&lt;")
                 : *c == '"' ? es_buf_append_str(&esc, "&quot;")
                             : es_buf_append_byte(&esc, (uint8_t)*c));
    }
    return es_buf_printf(x, "<%sReference FileRef=\"/%s\"><%sCheckValue>%s</%sCheckValue></%sReference>", pfx,
                         es_buf_cstr(&esc), pfx, es_buf_cstr(&b64), pfx, pfx);
}

/* The new package: the list (and OFD.xml when it was created) and the stamp's files put, the rest copied. */
static ES_RESULT write_package(es_buf *out, const es_ofd_pkg *p, const target *t, bool new_list, const es_buf *ofdxml,
                               const es_buf *list, const char *const names[3], const es_span files[3])
{
    es_ofd_writer *wr = NULL;
    ES_GUARD(es_ofd_writer_new(&wr, p));
    es_result r = ES_OK;
    if (new_list) {
        r = es_ofd_writer_put(wr, "OFD.xml", es_buf_span(ofdxml));
    }
    if (es_ok(r)) {
        r = es_ofd_writer_put(wr, t->list, es_buf_span(list));
    }
    for (size_t i = 0; i < 3 && es_ok(r); i++) {
        if (names[i] != NULL) {
            r = es_ofd_writer_put(wr, names[i], files[i]);
        }
    }
    if (!es_ok(r)) {
        es_ofd_writer_free(wr);
        return r;
    }
    return es_ofd_writer_finish(wr, out);
}

/* Type="Sign": the bare signature over the exact Signature.xml bytes. */
static ES_RESULT finish_plain(es_buf *out, const es_ofd_pkg *p, const target *t, bool new_list, const es_buf *ofdxml,
                              const es_buf *list, const char *sigxml, const char *value, const es_buf *sx,
                              eseal_key *key)
{
    eseal_buf sig = ESEAL_BUF_INIT;
    eseal_hash h = eseal_key_algorithm(key) == ESEAL_ALG_SM2 ? ESEAL_HASH_SM3 : ESEAL_HASH_SHA256;
    ES_GUARD(es_from_code(eseal_key_sign(&sig, key, h, ESEAL_SCHEME_DEFAULT, sx->ptr, sx->len)));
    const char *names[3] = {sigxml, value, NULL};
    es_span files[3] = {es_buf_span(sx), es_span_of(sig.ptr, sig.size), {NULL, 0}};
    es_result r = write_package(out, p, t, new_list, ofdxml, list, names, files);
    eseal_buf_dispose(&sig);
    return r;
}

/*
 * What the time-stamp callback returned must at least be a TimeStampToken (a ContentInfo,
 * not a whole TimeStampResp) whose imprint is the digest of this signature value and whose
 * signature verifies: trusting the TSA is the callback's business (eseal_tsa_client_stamp
 * runs the whole RFC 3161 client checklist), embedding a token for other data is ours.
 */
static ES_RESULT check_token(es_span token, es_span value)
{
    es_cur c = es_cur_of(token);
    es_der d, first;
    ES_ENSURE(es_ok(es_der_expect(&c, ES_DER_SEQUENCE, &d, "time-stamp token")) && es_cur_eof(&c), ESEAL_EMALFORMED,
              "ofd: the time-stamp callback returned %zu bytes that are not one DER SEQUENCE", token.len);
    es_cur inner = es_der_inner(&c, &d);
    ES_ENSURE(es_ok(es_der_next(&inner, &first)) && first.tag == ES_DER_OID, ESEAL_EMALFORMED,
              "ofd: the time-stamp callback returned something other than a TimeStampToken (ContentInfo); a "
              "TimeStampResp must be unwrapped to its timeStampToken");
    eseal_tsa_verify_options vo = ESEAL_TSA_VERIFY_OPTIONS_INIT;
    vo.data = value.ptr;
    vo.data_len = value.len;
    eseal_report *rep = NULL;
    ES_GUARD(es_from_code(eseal_tsa_verify_token(&rep, NULL, token.ptr, token.len, NULL, &vo)));
    for (size_t i = 0; i < eseal_report_reason_count(rep); i++) {
        if (eseal_report_reason_verdict(rep, i) == ESEAL_INVALID) {
            es_result r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                                       "ofd: the time-stamp token does not fit the signature value (%s: %s)",
                                       eseal_report_reason_code(rep, i), eseal_report_reason_text(rep, i));
            eseal_report_free(rep);
            return r;
        }
    }
    eseal_report_free(rep);
    return ES_OK;
}

/*
 * GB/T 38540-2020 SES_Signature.timeStamp: a token over the signature value (the contents of
 * the `signature` BIT STRING; shared/research/standards.md §4), added to the stamp `ses`.
 */
static ES_RESULT add_timestamp(es_buf *out, es_span ses, eseal_key *key, const es_ofd_stamp_options *o)
{
    eseal_ses_signature *sig = NULL;
    ES_GUARD(es_from_code(eseal_ses_signature_decode(&sig, ses.ptr, ses.len)));
    eseal_bytes v = eseal_ses_signature_value(sig);
    eseal_hash h = eseal_key_algorithm(key) == ESEAL_ALG_SM2 ? ESEAL_HASH_SM3 : ESEAL_HASH_SHA256;
    uint8_t dg[64];
    size_t dn = 0;
    ES_AUTO(es_buf_freep) es_buf token = ES_BUF_INIT(ESEAL_TSA_CLIENT_MAX_RESPONSE);
    es_result r = es_digest(dg, &dn, h, es_span_of(v.ptr, v.len));
    if (es_ok(r)) {
        eseal_buf t = ESEAL_BUF_INIT;
        int rc = o->timestamp(o->timestamp_ctx, &t, h, dg, dn);
        r = rc != ESEAL_OK ? es_from_code(rc) /* the callee set the message */ : es_buf_append(&token, t.ptr, t.size);
        eseal_buf_dispose(&t);
    }
    if (es_ok(r)) {
        r = check_token(es_buf_span(&token), es_span_of(v.ptr, v.len));
    }
    eseal_ses_signature_free(sig);
    ES_GUARD(r);
    return es_ses_signature_add_timestamp(out, ses, es_buf_span(&token));
}

ES_RESULT es_ofd_stamp(es_buf *out, es_span in, es_span seal_der, eseal_key *key, const eseal_cert *cert,
                       const es_ofd_stamp_options *o)
{
    ES_AUTO(es_ofd_closep) es_ofd_pkg *p = NULL;
    ES_GUARD(es_ofd_open(&p, in));
    eseal_ses_seal *seal = NULL;
    ES_GUARD(es_from_code(eseal_ses_seal_decode(&seal, seal_der.ptr, seal_der.len)));
    const eseal_seal_info *si = eseal_ses_seal_info(seal);
    double w = (double)si->picture_width_mm, h = (double)si->picture_height_mm;
    int seal_format = eseal_ses_seal_format(seal);
    eseal_ses_seal_free(seal);
    ES_ENSURE(w > 0 && h > 0, ESEAL_EINVAL, "ofd: the seal gives no picture size");
    /* Checked before anything is signed or a TSA is asked. */
    ES_ENSURE(o->timestamp == NULL || !o->plain, ESEAL_EINVAL,
              "ofd: a plain signature (Type=\"Sign\") cannot carry a timestamp: SignedValue.dat is the bare "
              "signature, with no SES_Signature.timeStamp to hold the token (stamp with a seal instead)");
    ES_ENSURE(o->timestamp == NULL || seal_format != 1, ESEAL_EINVAL,
              "ofd: a stamp with a GM/T 0031-2014 (V1) seal cannot carry a timestamp: its SES_Signature has no "
              "timeStamp field");

    target t;
    ES_GUARD(find_target(&t, p, o->page));
    double x_mm, y_mm;
    es_imprint_place(&x_mm, &y_mm, o->x_mm, o->y_mm, o->xy_exact != 0);
    double x = x_mm >= 0 ? x_mm : t.page_w - ES_IMPRINT_MARGIN_MM - w;
    double y = y_mm >= 0 ? y_mm : t.page_h - ES_IMPRINT_MARGIN_MM - h;
    ES_ENSURE(o->plain || (x >= 0 && y >= 0 && x + w <= t.page_w + 0.001 && y + h <= t.page_h + 0.001), ESEAL_EINVAL,
              "ofd: the imprint (%.0fx%.0f mm) at %.1f,%.1f mm does not fit on the page (%.0fx%.0f mm)", w, h, x, y,
              t.page_w, t.page_h);

    /* Where the stamp's files go: a new Sign_N next to the list (or under the document's Signs/). */
    char signs[ES_OFD_NAME_MAX + 1], docdir[ES_OFD_NAME_MAX + 1];
    dir_of(docdir, sizeof(docdir), t.doc);
    if (t.list[0] != 0) {
        dir_of(signs, sizeof(signs), t.list);
    } else {
        ES_GUARD(join(signs, docdir, "Signs/"));
    }
    char sigxml[ES_OFD_NAME_MAX + 1] = "", value[ES_OFD_NAME_MAX + 1], eslpath[ES_OFD_NAME_MAX + 1];
    for (int n = 0; n < MAX_SIGN_DIRS && sigxml[0] == 0; n++) {
        char probe[ES_OFD_NAME_MAX + 1];
        int k = snprintf(probe, sizeof(probe), "%sSign_%d/", signs, n);
        ES_ENSURE(k > 0 && (size_t)k < sizeof(probe) - 20, ESEAL_ELIMIT, "ofd: signature path too long");
        bool used = false;
        for (size_t i = 0; i < es_ofd_count(p) && !used; i++) {
            used = strncmp(es_ofd_name(p, i), probe, (size_t)k) == 0;
        }
        if (!used) {
            ES_GUARD(join(sigxml, probe, "Signature.xml"));
            ES_GUARD(join(value, probe, "SignedValue.dat"));
            ES_GUARD(join(eslpath, probe, "Seal.esl"));
        }
    }
    ES_ENSURE(sigxml[0] != 0, ESEAL_ELIMIT, "ofd: no free Sign_N directory");

    /* The signature list, extended in place (its other bytes kept), or created and named in OFD.xml. */
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(es_ofd_limits(p)->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf list = ES_BUF_INIT(es_ofd_limits(p)->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf ofdxml = ES_BUF_INIT(es_ofd_limits(p)->max_inflated_bytes);
    ES_AUTO(es_buf_freep) es_buf ins = ES_BUF_INIT(ES_OFD_SIG_ENTRY_MAX);
    char id[32], pfx[40];
    bool new_list = t.list[0] == 0;
    const char *type = o->plain ? "Sign" : "Seal";
    if (!new_list) {
        ES_AUTO(es_ofd_xml_freep) xmlDocPtr l = NULL;
        ES_GUARD(es_ofd_read_xml_bytes(p, t.list, &l, &b));
        ES_GUARD(next_id(id, sizeof(id), l));
        ofd_prefix(pfx, sizeof(pfx), es_buf_span(&b), "Signatures");
        ES_GUARD(es_buf_printf(&ins, "<%sSignature ID=\"%s\" Type=\"%s\" BaseLoc=\"/%s\"/>", pfx, id, type, sigxml));
        char end[64];
        (void)snprintf(end, sizeof(end), "</%sSignatures>", pfx);
        ES_GUARD(insert_before_last(&list, es_buf_span(&b), end, es_buf_cstr(&ins)));
    } else {
        (void)snprintf(id, sizeof(id), "s001");
        ES_GUARD(join(t.list, signs, "Signatures.xml"));
        (void)snprintf(pfx, sizeof(pfx), "ofd:");
        ES_GUARD(es_buf_printf(&list,
                               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures xmlns:ofd=\"" ES_OFD_NS
                               "\"><ofd:Signature ID=\"%s\" Type=\"%s\" BaseLoc=\"/%s\"/></ofd:Signatures>",
                               id, type, sigxml));
        ES_GUARD(es_ofd_read(p, "OFD.xml", &b));
        char opfx[40], end[64];
        ofd_prefix(opfx, sizeof(opfx), es_buf_span(&b), "OFD");
        ins.len = 0;
        ES_GUARD(es_buf_printf(&ins, "<%sSignatures>/%s</%sSignatures>", opfx, t.list, opfx));
        (void)snprintf(end, sizeof(end), "</%sDocBody>", opfx);
        ES_GUARD(insert_before_last(&ofdxml, es_buf_span(&b), end, es_buf_cstr(&ins)));
    }

    /* References: every file of the package as it will be, except the list and this stamp's own two. */
    ES_AUTO(es_buf_freep) es_buf sx = ES_BUF_INIT(ES_OFD_SIGNATURE_XML_MAX);
    char date[ES_GENTIME_LEN];
    int64_t now = o->time_ms != 0 ? o->time_ms : es_ctx_now(o->ctx);
    es_time_gentime(date, now, false);
    const char *sigalg = eseal_key_algorithm(key) == ESEAL_ALG_SM2 ? "1.2.156.10197.1.501" : "1.2.840.10045.4.3.2";
    ES_GUARD(es_buf_printf(&sx,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature xmlns:ofd=\"" ES_OFD_NS
                           "\"><ofd:SignedInfo><ofd:Provider ProviderName=\"eseal\" Version=\"%s\" Company=\"eseal\"/>"
                           "<ofd:SignatureMethod>%s</ofd:SignatureMethod><ofd:SignatureDateTime>%.14s"
                           "</ofd:SignatureDateTime><ofd:References CheckMethod=\"1.2.156.10197.1.401\">",
                           eseal_version(), sigalg, date));
    for (size_t i = 0; i < es_ofd_count(p); i++) {
        const char *name = es_ofd_name(p, i);
        size_t len = strlen(name);
        if (len == 0 || name[len - 1] == '/' || strcmp(name, t.list) == 0) {
            continue;
        }
        if (strcmp(name, "OFD.xml") == 0 && new_list) {
            ES_GUARD(put_reference(&sx, "ofd:", name, es_buf_span(&ofdxml)));
            continue;
        }
        ES_GUARD(es_ofd_read(p, name, &b));
        ES_GUARD(put_reference(&sx, "ofd:", name, es_buf_span(&b)));
    }
    if (o->plain) {
        ES_GUARD(es_buf_printf(&sx, "</ofd:References></ofd:SignedInfo><ofd:SignedValue>/%s</ofd:SignedValue>"
                                    "</ofd:Signature>",
                               value));
        return finish_plain(out, p, &t, new_list, &ofdxml, &list, sigxml, value, &sx, key);
    }
    ES_GUARD(put_reference(&sx, "ofd:", eslpath, seal_der));
    ES_GUARD(es_buf_printf(&sx,
                           "</ofd:References><ofd:StampAnnot ID=\"1\" PageRef=\"%s\" Boundary=\"%.2f %.2f %.2f %.2f\"/>"
                           "<ofd:Seal><ofd:BaseLoc>/%s</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>"
                           "<ofd:SignedValue>/%s</ofd:SignedValue></ofd:Signature>",
                           t.page_id, x, y, w, h, eslpath, value));

    /* The stamp: dataHash = SM3 of the exact Signature.xml bytes, propertyInfo its absolute path. */
    uint8_t dg[64];
    size_t dn = 0;
    ES_GUARD(es_digest(dg, &dn, ESEAL_HASH_SM3, es_buf_span(&sx)));
    char prop[ES_OFD_NAME_MAX + 2];
    (void)snprintf(prop, sizeof(prop), "/%s", sigxml);
    eseal_ses_sign_request rq = ESEAL_SES_SIGN_REQUEST_INIT;
    rq.seal_der = seal_der.ptr;
    rq.seal_len = seal_der.len;
    rq.time_ms = now;
    rq.data_hash = dg;
    rq.data_hash_len = dn;
    rq.property_info = prop;
    rq.ctx = o->ctx;
    eseal_buf ses = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_ses_signature_make(&ses, &rq, cert, key)));
    ES_AUTO(es_buf_freep) es_buf stamped = ES_BUF_INIT(es_ofd_limits(p)->max_der_bytes);
    es_span sv = es_span_of(ses.ptr, ses.size);
    es_result r = ES_OK;
    if (o->timestamp != NULL) {
        r = add_timestamp(&stamped, sv, key, o);
        sv = es_buf_span(&stamped);
    }
    if (es_ok(r)) {
        const char *names[3] = {eslpath, sigxml, value};
        es_span files[3] = {seal_der, es_buf_span(&sx), sv};
        r = write_package(out, p, &t, new_list, &ofdxml, &list, names, files);
    }
    eseal_buf_dispose(&ses);
    return r;
}
