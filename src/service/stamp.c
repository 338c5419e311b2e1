/* Stamping documents with a seal of the registry, and verifying stamped PDFs (instance.h). */
#include <stdio.h>
#include <string.h>

#include "pdf/pdf.h"
#include "service.h"
#include "util/report.h"

/* The first certificate listed in `ids` ("a,b,c") that has a key here, is current, and the seal allows. */
static ES_RESULT pick_signer(eseal_instance *inst, const eseal_ses_seal *s, const char *ids, const char *ref,
                             eseal_cert **cert, eseal_cert_record *rec)
{
    char list[512];
    (void)snprintf(list, sizeof(list), "%s", ref != NULL ? ref : ids);
    int64_t now = es_now_ms();
    for (char *save = NULL, *id = strtok_r(list, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
        eseal_cert *c = NULL;
        eseal_cert_record r;
        memset(&r, 0, sizeof(r));
        if (!es_ok(es_instance_cert_get(inst, &c, &r, id))) {
            if (ref != NULL) {
                return (es_result){eseal_error_last()->code};
            }
            continue;
        }
        eseal_buf der = ESEAL_BUF_INIT;
        bool allowed = eseal_cert_der(&der, c) == ESEAL_OK && eseal_ses_seal_allows_cert(s, der.ptr, der.size) == 1;
        eseal_buf_dispose(&der);
        bool usable = r.key_file != NULL && r.key_file[0] != 0 && r.revoked_ms == 0 && eseal_cert_not_after(c) > now;
        if (allowed && usable) {
            *cert = c;
            *rec = r;
            return ES_OK;
        }
        if (ref != NULL) {
            eseal_cert_free(c);
            eseal_cert_record_dispose(&r);
            ES_BAIL(ESEAL_ESTATE, "stamp: certificate %s %s", id,
                    !allowed ? "is not one the seal allows to stamp with it"
                             : "cannot sign (no key here, revoked or expired)");
        }
        eseal_cert_free(c);
        eseal_cert_record_dispose(&r);
    }
    ES_BAIL(ESEAL_ENOTFOUND, "stamp: none of the seal's certificates (%s) can sign here (a key in this instance, "
            "not revoked, not expired)", ids);
}

static ES_RESULT stamp_pdf(eseal_instance *inst, eseal_stamp_result *res, const char *const *in_paths,
                           const char *const *out_paths, size_t n, const eseal_stamp_request *q)
{
    ES_ENSURE_ARG(inst != NULL && in_paths != NULL && out_paths != NULL && n > 0 && q != NULL && q->seal_ref != NULL);
    ES_ENSURE(q->version == ESEAL_STAMP_REQUEST_VERSION, ESEAL_EINVAL, "stamp: unknown request version");
    /* The seal: by id, or a file whose esID is in this registry (its bytes must be the registered ones). */
    const char *ref = q->seal_ref;
    ES_AUTO(es_buf_freep) es_buf file = ES_BUF_INIT(eseal_limits_default()->max_der_bytes);
    eseal_ses_seal *fs = NULL;
    if (es_path_exists(ref)) {
        ES_GUARD(es_file_read(&file, ref, file.max));
        ES_GUARD((es_result){eseal_ses_seal_decode(&fs, file.ptr, file.len)});
        ref = eseal_ses_seal_info(fs)->esid;
    }
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    es_result r = (es_result){eseal_store_seal_find(inst->store, &rec, &der, ref)};
    eseal_ses_seal_free(fs);
    ES_GUARD(r);
    eseal_ses_seal *s = NULL;
    eseal_cert *cert = NULL, *issuer = NULL;
    eseal_cert_record crec;
    memset(&crec, 0, sizeof(crec));
    eseal_key *key = NULL;
    eseal_imprint_outline *outline = NULL;
    if (file.len > 0 && (file.len != der.size || memcmp(file.ptr, der.ptr, der.size) != 0)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "stamp: %s is not the seal registered as %s",
                         q->seal_ref, rec.esid);
    }
    eseal_seal_status st;
    if (es_ok(r)) {
        r = (es_result){eseal_instance_seal_status(inst, &st, rec.esid, 0)};
    }
    if (es_ok(r) && strcmp(st.state, "active") != 0) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "stamp: seal %s is %s, not active", rec.esid, st.state);
    }
    if (es_ok(r)) {
        r = (es_result){eseal_ses_seal_decode(&s, der.ptr, der.size)};
    }
    if (es_ok(r)) {
        r = pick_signer(inst, s, rec.cert_ids, q->cert_ref, &cert, &crec);
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &key, &crec);
    }
    if (es_ok(r) && crec.issuer_id[0] != 0) {
        eseal_cert_record irec;
        if (eseal_store_cert_find(inst->store, &irec, crec.issuer_id) == ESEAL_OK) {
            r = (es_result){eseal_cert_parse(&issuer, irec.pem, strlen(irec.pem))};
            eseal_cert_record_dispose(&irec);
        }
    }
    if (es_ok(r)) {
        r = es_seal_outline(&rec, &outline);
    }
    /* Everything above is done once; each document below costs one signature. */
    size_t failed = 0;
    for (size_t i = 0; i < n && es_ok(r); i++) {
        es_result d = ES_OK;
        char serial[40] = "";
        if (es_ok(d)) {
            uint8_t rnd[5];
            char day[ES_GENTIME_LEN];
            es_time_gentime(day, es_now_ms(), false);
            d = es_random(rnd, sizeof(rnd));
            (void)snprintf(serial, sizeof(serial), "ST%.8s-%02X%02X%02X%02X%02X", day, rnd[0], rnd[1], rnd[2],
                           rnd[3], rnd[4]);
        }
        if (es_ok(d)) {
            eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
            o.page = q->page;
            o.x_mm = q->x_mm;
            o.y_mm = q->y_mm;
            o.reason = q->reason;
            o.location = q->location;
            o.name = rec.owner;
            o.serial = serial;
            o.adbe = q->adbe;
            o.certify = q->certify;
            o.cross_page = q->cross_page;
            o.cross_first = q->cross_first;
            o.cross_last = q->cross_last;
            o.pss = q->pss;
            char url[600];
            if (q->qr) {
                (void)snprintf(url, sizeof(url), "%s/v/%s", inst->cfg.base_url, serial);
                o.qr_text = url;
            }
            const eseal_cert *chain[1] = {issuer};
            o.chain = issuer != NULL ? chain : NULL;
            o.chain_len = issuer != NULL ? 1 : 0;
            /* Streaming, file to file: memory stays small whatever the document's size. */
            d = (es_result){eseal_pdf_stamp_file(in_paths[i], out_paths[i], outline, der.ptr, der.size, key, cert,
                                                 &o)};
        }
        if (res != NULL) {
            memset(&res[i], 0, sizeof(res[i]));
            (void)snprintf(res[i].serial, sizeof(res[i].serial), "%s", es_ok(d) ? serial : "");
            (void)snprintf(res[i].esid, sizeof(res[i].esid), "%s", rec.esid);
            (void)snprintf(res[i].cert_id, sizeof(res[i].cert_id), "%s", crec.id);
            res[i].code = es_code(d);
            (void)snprintf(res[i].message, sizeof(res[i].message), "%s", es_ok(d) ? "" : eseal_error_last()->message);
        }
        if (!es_ok(d)) {
            failed++;
            if (n == 1) {
                r = d; /* one document: its error is the call's */
            }
        }
    }
    if (es_ok(r) && failed > 0) {
        r = es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "stamp: %zu of %zu documents failed", failed, n);
    }
    eseal_imprint_outline_free(outline);
    eseal_key_free(key);
    eseal_cert_free(issuer);
    eseal_cert_free(cert);
    eseal_cert_record_dispose(&crec);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&rec);
    return r;
}

int eseal_instance_stamp_pdf(eseal_instance *inst, eseal_stamp_result *res, const char *in_path, const char *out_path,
                             const eseal_stamp_request *req)
{
    return es_code(stamp_pdf(inst, res, &in_path, &out_path, 1, req));
}

int eseal_instance_stamp_pdfs(eseal_instance *inst, eseal_stamp_result *res, const char *const *in_paths,
                              const char *const *out_paths, size_t n, const eseal_stamp_request *req)
{
    return es_code(stamp_pdf(inst, res, in_paths, out_paths, n, req));
}

static ES_RESULT registry_hook(void *ctx, eseal_report *rep, const eseal_ses_seal *seal, int64_t at)
{
    return es_seal_registry_check(ctx, rep, seal, at);
}

int eseal_instance_verify_pdf(eseal_instance *inst, eseal_report **out, const void *pdf, size_t len,
                              const eseal_verify_request *req)
{
    if (out == NULL || pdf == NULL) {
        return ESEAL_EINVAL;
    }
    eseal_trust *t = NULL;
    bool owned = true;
    es_result r = es_instance_trust_shared(inst, req, &t, &owned);
    if (es_ok(r)) {
        es_pdf_registry_hook hook = {registry_hook, inst};
        int64_t at = req != NULL && req->at_ms != 0 ? req->at_ms : es_now_ms();
        r = es_pdf_verify(out, es_span_of(pdf, len), t, at, inst != NULL ? &hook : NULL);
    }
    if (owned) {
        eseal_trust_free(t);
    }
    return es_code(r);
}
