/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Long-term validation for the service: the validation data a PDF's document
 * security store gets, and eseal_instance_extend_pdf (time-stamps come from
 * src/core/timestamper.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eseal/tsa_client.h"
#include "pdf/pdf.h"
#include "service.h"
#include "stamp_phase.h"
#include "util/der.h"
#include "util/report.h"
#include "util/versions.h"

/* The CMS inside a signature's zero-padded /Contents (its DER length), empty when unreadable. */
static es_span cms_of(const es_buf *contents)
{
    es_cur cur = es_cur_of(es_buf_span(contents));
    es_der d;
    return es_ok(es_der_next(&cur, &d)) ? es_span_of(contents->ptr, d.tlv.len) : es_span_of(contents->ptr, 0);
}

/* ---- validation data for the document security store ---- */

#define LTV_MAX_ITEMS 256

/* DER items, each once. */
typedef struct {
    es_buf items[LTV_MAX_ITEMS];
    es_span spans[LTV_MAX_ITEMS];
    size_t n;
} der_list;

static ES_RESULT der_list_add(der_list *l, const void *p, size_t len)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].len == len && memcmp(l->items[i].ptr, p, len) == 0) {
            return ES_OK;
        }
    }
    ES_ENSURE(l->n < LTV_MAX_ITEMS, ESEAL_ELIMIT, "ltv: more than %d validation items", LTV_MAX_ITEMS);
    l->items[l->n] = (es_buf)ES_BUF_INIT(len); /* a copy of bytes bounded where they were read */
    ES_GUARD(es_buf_append(&l->items[l->n], p, len));
    l->spans[l->n] = es_buf_span(&l->items[l->n]);
    l->n++;
    return ES_OK;
}

static void der_list_free(der_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        es_buf_free(&l->items[i]);
    }
    l->n = 0;
}

#define LTV_MAX_CAS 32

typedef struct {
    eseal_instance *inst;
    der_list certs, crls, ocsps;
    der_list answers; /* the registry's signed answers for its own seals in the document (issue 24) */
    eseal_cert *cas[LTV_MAX_CAS]; /* the instance's CA and TSA certificates, to build chains */
    bool is_tsa[LTV_MAX_CAS];
    size_t ncas;
    eseal_cert *signers[LTV_MAX_CAS]; /* the documents' signers and their seals' makers */
    size_t nsigners;
    es_result err;
} ltv_data;

static ES_RESULT add_cert_pem(ltv_data *v, const char *pem)
{
    eseal_cert *c = NULL;
    ES_GUARD(es_cert_parse(&c, es_span_of(pem, strlen(pem))));
    eseal_buf der = ESEAL_BUF_INIT;
    es_result r = es_cert_der(&der, c);
    if (es_ok(r)) {
        r = der_list_add(&v->certs, der.ptr, der.size);
    }
    eseal_buf_dispose(&der);
    eseal_cert_free(c);
    return r;
}

/* The instance's CA and TSA certificates, and each CA's latest CRL. */
static int add_instance_item(const eseal_cert_record *rec, void *payload)
{
    ltv_data *v = payload;
    bool ca = strcmp(rec->role, "root-ca") == 0 || strcmp(rec->role, "issuing-ca") == 0;
    if (!ca && strcmp(rec->role, "tsa") != 0) {
        return ESEAL_OK;
    }
    es_result r = add_cert_pem(v, rec->pem);
    if (es_ok(r) && v->ncas < LTV_MAX_CAS) {
        r = es_cert_parse(&v->cas[v->ncas], es_span_of(rec->pem, strlen(rec->pem)));
        v->is_tsa[v->ncas] = !ca;
        v->ncas += es_ok(r) ? 1 : 0;
    }
    if (es_ok(r) && ca) {
        eseal_buf crl = ESEAL_BUF_INIT;
        int rc = eseal_store_crl_latest(v->inst->store, &crl, rec->id);
        r = rc == ESEAL_OK ? der_list_add(&v->crls, crl.ptr, crl.size)
                           : rc == ESEAL_ENOTFOUND ? ES_OK : es_from_code(rc);
        eseal_buf_dispose(&crl);
    }
    v->err = r;
    return es_code(r);
}

/* The issuer of `c` among the instance's CA certificates (not `c` itself), or NULL. */
static const eseal_cert *issuer_of(const ltv_data *v, const eseal_cert *c)
{
    for (size_t i = 0; i < v->ncas; i++) {
        if (strcmp(eseal_cert_subject(v->cas[i]), eseal_cert_issuer(c)) == 0 &&
            strcmp(eseal_cert_fingerprint(v->cas[i]), eseal_cert_fingerprint(c)) != 0) {
            return v->cas[i];
        }
    }
    return NULL;
}

/*
 * OCSP responses (and CRLs) for `leaf`'s chain up to the instance's root, from
 * es_instance_revocation_evidence: built in-process for the instance's own CAs,
 * fetched (and cached) for others. What cannot be had is left out: the DSS
 * still holds the CRLs, and a verifier says what it lacks.
 */
static ES_RESULT add_ocsp_for(ltv_data *v, const eseal_cert *leaf)
{
    const eseal_cert *chain[4] = {leaf, NULL, NULL, NULL};
    size_t n = 1;
    while (n < 4 && (chain[n] = issuer_of(v, chain[n - 1])) != NULL) {
        n++;
    }
    if (n < 2) {
        return ES_OK; /* not issued by this instance: its CA's data are the verifier's to find */
    }
    es_revocation_data got = {0};
    es_result r = es_instance_revocation_evidence(v->inst, chain, n, &got);
    if (es_code(r) == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        r = ES_OK;
    }
    for (size_t i = 0; es_ok(r) && i < got.ocsp.n; i++) {
        r = der_list_add(&v->ocsps, got.ocsp.items[i].ptr, got.ocsp.items[i].len);
    }
    for (size_t i = 0; es_ok(r) && i < got.crls.n; i++) {
        r = der_list_add(&v->crls, got.crls.items[i].ptr, got.crls.items[i].len);
    }
    es_revocation_data_free(&got);
    return r;
}

/*
 * The embedded seal's maker certificate (GB/T 38540 SES_Seal cert): a verifier judges the seal
 * maker's chain and status as it judges the signer's, so the certificate joins /Certs and its
 * status joins the OCSP responses (its CA certificates and CRLs are the instance's, added with
 * them). A seal that cannot be read is left out: the verifier will say so.
 */
static ES_RESULT add_seal_maker(ltv_data *v, es_span seal_der)
{
    eseal_ses_seal *seal = NULL;
    if (eseal_ses_seal_decode(&seal, seal_der.ptr, seal_der.len) != ESEAL_OK) {
        return ES_OK;
    }
    /* A seal of this registry: its signed answer, asked now, goes with the document, so that a
     * platform that recognises this one verifies the seal's status without asking (docs/trust-lists.md).
     * It covers every time from the status's start until now, the signing time among them. */
    const eseal_seal_info *in = eseal_ses_seal_info(seal);
    eseal_seal_record rec;
    if (in != NULL && in->esid != NULL && eseal_store_seal_find(v->inst->store, &rec, NULL, in->esid) == ESEAL_OK) {
        bool ours = strcmp(rec.esid, in->esid) == 0;
        eseal_seal_record_dispose(&rec);
        eseal_buf jws = ESEAL_BUF_INIT;
        es_result ar = ours ? es_registry_answer(v->inst, &jws, in->esid, 0) : ES_OK;
        if (es_ok(ar) && ours) {
            ar = der_list_add(&v->answers, jws.ptr, jws.size);
        }
        eseal_buf_dispose(&jws);
        if (!es_ok(ar)) {
            eseal_ses_seal_free(seal);
            return ar;
        }
    }
    eseal_error_clear(); /* not a seal of this registry */
    eseal_bytes m = eseal_ses_seal_maker_cert(seal);
    eseal_cert *maker = NULL;
    es_result r = ES_OK;
    if (m.len > 0 && eseal_cert_parse(&maker, m.ptr, m.len) == ESEAL_OK) {
        r = der_list_add(&v->certs, m.ptr, m.len);
        bool seen = false;
        for (size_t k = 0; k < v->nsigners && !seen; k++) {
            seen = strcmp(eseal_cert_fingerprint(v->signers[k]), eseal_cert_fingerprint(maker)) == 0;
        }
        if (es_ok(r) && !seen && v->nsigners < LTV_MAX_CAS) {
            v->signers[v->nsigners++] = maker;
            maker = NULL;
        }
    }
    eseal_cert_free(maker);
    eseal_ses_seal_free(seal);
    return r;
}

/*
 * What a verifier needs later to validate the document's signatures without
 * asking anyone, with only root certificates as trust anchors: the signers'
 * and the seal makers' certificates, the instance's CA and TSA certificates,
 * the latest CRLs of the CAs, and OCSP responses for the signers', the seal
 * makers' and the TSAs' certificates.
 */
static ES_RESULT collect_ltv(ltv_data *v, es_span pdf)
{
    es_pdf_sig sigs[64];
    size_t n = 0;
    ES_GUARD(es_pdf_signatures(pdf, sigs, 64, &n));
    es_result r = n > 0 ? ES_OK : es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "ltv: the PDF has no signatures");
    for (size_t i = 0; i < n && es_ok(r); i++) {
        eseal_cert *signer = NULL;
        eseal_buf der = ESEAL_BUF_INIT;
        if (sigs[i].contents.len > 0 && strcmp(sigs[i].subfilter, "/ETSI.RFC3161") != 0 &&
            eseal_cms_signer_cert(&signer, cms_of(&sigs[i].contents).ptr, cms_of(&sigs[i].contents).len, 0, NULL) ==
                ESEAL_OK &&
            eseal_cert_der(&der, signer) == ESEAL_OK) {
            r = der_list_add(&v->certs, der.ptr, der.size);
            if (es_ok(r) && v->nsigners < LTV_MAX_CAS) {
                v->signers[v->nsigners++] = signer;
                signer = NULL;
            }
        }
        eseal_buf_dispose(&der);
        eseal_cert_free(signer);
        if (es_ok(r) && sigs[i].seal.len > 0) {
            r = add_seal_maker(v, es_buf_span(&sigs[i].seal));
        }
    }
    if (es_ok(r)) {
        eseal_error_clear(); /* a signer or maker certificate that cannot be read is simply not added */
    }
    for (size_t i = 0; i < n; i++) {
        es_pdf_sig_free(&sigs[i]);
    }
    ES_GUARD(r);
    int rc = eseal_store_cert_list(v->inst->store, add_instance_item, v);
    ES_GUARD(rc == ESEAL_OK ? ES_OK : !es_ok(v->err) ? v->err : es_from_code(rc));
    for (size_t i = 0; i < v->nsigners; i++) {
        ES_GUARD(add_ocsp_for(v, v->signers[i]));
    }
    for (size_t i = 0; i < v->ncas; i++) {
        if (v->is_tsa[i]) {
            ES_GUARD(add_ocsp_for(v, v->cas[i]));
        }
    }
    return ES_OK;
}

ES_RESULT es_instance_extend_buf(eseal_instance *inst, es_buf *out, es_span in, int level, const es_timestamper *ts,
                                 es_doc_time *dt)
{
    ES_ENSURE(level == ESEAL_LEVEL_B_LT || level == ESEAL_LEVEL_B_LTA, ESEAL_EINVAL,
              "extend: a signed PDF can be raised to B-LT or B-LTA");
    ES_ENSURE(level < ESEAL_LEVEL_B_LTA || ts != NULL, ESEAL_EINVAL, "extend: B-LTA needs a time-stamp source");
    ltv_data *v = es_calloc(1, sizeof(*v));
    ES_ENSURE_ALLOC(v);
    v->inst = inst;
    v->err = ES_OK;
    es_result r = collect_ltv(v, in);
    es_buf dss = ES_BUF_INIT(out->max);
    if (es_ok(r)) {
        es_pdf_dss_data dd = {v->certs.spans, v->certs.n, v->ocsps.spans, v->ocsps.n, v->crls.spans, v->crls.n,
                              v->answers.spans, v->answers.n};
        r = es_pdf_add_dss(level == ESEAL_LEVEL_B_LT ? out : &dss, in, &dd);
    }
    if (es_ok(r) && level == ESEAL_LEVEL_B_LTA) {
        r = es_pdf_add_doc_timestamp(out, es_buf_span(&dss), ESEAL_HASH_SHA256, es_doc_timestamp, dt, 0, inst->ctx);
    }
    es_buf_free(&dss);
    der_list_free(&v->certs);
    der_list_free(&v->crls);
    der_list_free(&v->ocsps);
    der_list_free(&v->answers);
    for (size_t i = 0; i < v->ncas; i++) {
        eseal_cert_free(v->cas[i]);
    }
    for (size_t i = 0; i < v->nsigners; i++) {
        eseal_cert_free(v->signers[i]);
    }
    es_free(v);
    return r;
}

/* The failure entry of an extension recorded and then not published (es_publish_recorded). */
typedef struct {
    es_auditlog *log;
    const es_acting *by;
} extend_failure;

static es_result extend_failed_entry(void *ctx, uint64_t index, const char *why)
{
    const extend_failure *ef = ctx;
    return es_audit_unpublished(ef->log, ef->by, index, why);
}

ES_RESULT es_instance_extend_file(eseal_instance *inst, const es_acting *by, const char *in_path, const char *out_path,
                                  int level, const es_timestamper *ts, es_doc_time *dt, bool defer_dir_sync)
{
    ES_ENSURE_ARG(inst != NULL && in_path != NULL && out_path != NULL);
    size_t max = (size_t)es_inst_limits(inst)->max_input_bytes;
    ES_AUTO(es_buf_freep) es_buf in = ES_BUF_INIT(max);
    ES_AUTO(es_buf_freep) es_buf out = ES_BUF_INIT(max);
    ES_GUARD(es_file_read(&in, in_path, max));
    es_doc_time own = {ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    es_doc_time *d = dt != NULL ? dt : &own;
    d->t = ts;
    es_result r = es_instance_extend_buf(inst, &out, es_buf_span(&in), level, ts, d);
    eseal_tsa_client_result_free(&own.got);
    ES_GUARD(r);
    es_atomic_file f;
    ES_GUARD(es_atomic_open(&f, out_path, 0644));
    f.defer_dir_sync = defer_dir_sync;
    r = es_atomic_write(&f, out.ptr, out.len);
    if (es_ok(r)) {
        r = es_atomic_name(&f); /* the name it has between link and rename, recorded with the entry */
    }
    /* The stamps' lock, shared from the record to the publication: the first holder settles what a
     * crashed stamp or extend recorded and did not publish (es_audit_stamps_recover), and none settles
     * this one while it is under way. */
    int lock = -1;
    if (es_ok(r)) {
        r = es_stamp_lock(inst, by->who, &lock);
    }
    uint64_t index = 0;
    if (es_ok(r)) {
        /* Prepared under a temporary name, recorded (with where it waits), then published: never an
         * extended document without its entry, and the input untouched when the entry cannot be written. */
        char detail[64];
        (void)snprintf(detail, sizeof(detail), "extended to %s", eseal_level_name(level));
        r = es_audit_document_event(inst->auditlog, by, "document.extended", NULL, "pdf", es_buf_span(&in),
                                    es_buf_span(&out), detail, f.tmp_path, out_path, &index);
    }
    if (!es_ok(r)) {
        es_atomic_abort(&f);
        if (lock >= 0) {
            (void)close(lock);
        }
        return r;
    }
    if (es_stamp_phase_hook != NULL) {
        es_stamp_phase_hook("extend.recorded", 0);
    }
    extend_failure ef = {inst->auditlog, by};
    r = es_publish_recorded(&f, index, "extended", extend_failed_entry, &ef); /* the temporary file goes */
    if (es_ok(r) && es_stamp_phase_hook != NULL) {
        es_stamp_phase_hook("extend.published", 0);
    }
    if (es_ok(r) && !defer_dir_sync) {
        int64_t i = (int64_t)index;
        if (!es_ok(es_audit_stamps_published(inst->auditlog, &i, 1))) {
            eseal_error_clear(); /* left for the next recovery, which finds it published */
        }
    }
    (void)close(lock);
    return r;
}

/*
 * The own TSA for a document timestamp: the one of the newest signature's signer (an SM2 signer's
 * document is archived by the SM2 TSA), as `stamp --level B-LTA` does, so that the root that
 * verifies the newest stamp also verifies the archive timestamp. "p256" when no signer is readable.
 */
static ES_RESULT newest_signer_hierarchy(char out[8], const char *path, size_t max)
{
    (void)snprintf(out, 8, "p256");
    ES_AUTO(es_buf_freep) es_buf in = ES_BUF_INIT(max);
    ES_GUARD(es_file_read(&in, path, max));
    es_pdf_sig sigs[64];
    size_t n = 0;
    if (!es_ok(es_pdf_signatures(es_buf_span(&in), sigs, 64, &n))) {
        eseal_error_clear(); /* extend_buf reports an unreadable document */
        return ES_OK;
    }
    /* The newest signature is the one whose signed range ends last. */
    int64_t end = -1;
    for (size_t i = 0; i < n; i++) {
        eseal_cert *signer = NULL;
        if (sigs[i].contents.len > 0 && sigs[i].subfilter != NULL && strcmp(sigs[i].subfilter, "/ETSI.RFC3161") != 0 &&
            sigs[i].br[2] + sigs[i].br[3] > end &&
            eseal_cms_signer_cert(&signer, cms_of(&sigs[i].contents).ptr, cms_of(&sigs[i].contents).len, 0, NULL) ==
                ESEAL_OK) {
            end = sigs[i].br[2] + sigs[i].br[3];
            (void)snprintf(out, 8, "%s", es_tsa_hierarchy_for(signer));
        }
        eseal_cert_free(signer);
        es_pdf_sig_free(&sigs[i]);
    }
    eseal_error_clear();
    return ES_OK;
}

int eseal_instance_extend_pdf(eseal_instance *inst, const eseal_principal *who, eseal_stamp_result *res,
                              const char *in_path, const char *out_path, const eseal_extend_request *q)
{
    ES_CHECK_VERSION_INT(q, extend_request);
    es_acting by;
    ES_ACT_PUBLIC(&by, who, ES_ACT_EXTEND, "document", in_path);
    if (inst == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "extend: invalid argument"));
    }
    int level = q->level != ESEAL_LEVEL_B_B ? q->level : ESEAL_LEVEL_B_LTA; /* zero means the default */
    es_timestamper ts = {0};
    es_result r = ES_OK;
    if (level == ESEAL_LEVEL_B_LTA) {
        char h[8];
        r = newest_signer_hierarchy(h, in_path, (size_t)es_inst_limits(inst)->max_input_bytes);
        if (es_ok(r)) {
            r = es_timestamper_open(&ts, inst, q->tsa_urls, q->n_tsa_urls, q->tsa_timeout_ms, h);
        }
    }
    es_doc_time dt = {&ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    if (es_ok(r)) {
        r = es_instance_extend_file(inst, &by, in_path, out_path, level, level == ESEAL_LEVEL_B_LTA ? &ts : NULL,
                                    &dt, false);
    }
    if (res != NULL) {
        memset(res, 0, sizeof(*res));
        res->code = es_code(r);
        (void)snprintf(res->message, sizeof(res->message), "%s", es_ok(r) ? "" : eseal_error_last()->message);
        if (es_ok(r) && dt.got.gen_time_ms != 0) {
            res->time_ms = dt.got.gen_time_ms;
            (void)snprintf(res->time_source, sizeof(res->time_source), "RFC 3161 document timestamp from %s (serial %s)",
                           dt.got.source, dt.got.serial);
        }
    }
    eseal_tsa_client_result_free(&dt.got);
    es_timestamper_close(&ts);
    return ES_PUBLIC(r);
}
