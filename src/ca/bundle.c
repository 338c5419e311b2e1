/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust bundle a recipient needs (`eseal ca export --bundle`): the root certificates, the
 * issuing CA certificates (path helpers, judged with revocation), and the latest CRL of every CA,
 * in one PEM file that `eseal verify --trust` and `openssl verify -CAfile` read as they are.
 */
#include <stdio.h>
#include <string.h>

#include "ca.h"

typedef struct {
    eseal_instance *inst;
    const char *h; /* NULL: every hierarchy */
    es_buf roots, cas, crls;
    eseal_ca_bundle_info *info;
    int64_t now;
    es_result err;
} bundle_ctx;

static ES_RESULT note_stale(eseal_ca_bundle_info *info, const char *subject, const char *why)
{
    info->stale++;
    size_t used = strlen(info->stale_cas);
    if (used + 4 < sizeof(info->stale_cas)) {
        (void)snprintf(info->stale_cas + used, sizeof(info->stale_cas) - used, "%s%s: %s", used > 0 ? "; " : "",
                       subject, why);
    }
    return ES_OK;
}

static ES_RESULT add_ca(bundle_ctx *b, const eseal_cert_record *rec, bool root)
{
    es_buf *dst = root ? &b->roots : &b->cas;
    ES_GUARD(es_buf_printf(dst, "# %s: %s (%s, serial %s)\n", root ? "root CA (trust anchor)" : "issuing CA",
                           rec->subject, rec->hierarchy, rec->serial));
    ES_GUARD(es_buf_append_str(dst, rec->pem));
    if (root) {
        b->info->anchors++;
    } else {
        b->info->intermediates++;
    }
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_store_crl_latest(b->inst->store, &der, rec->id);
    if (rc == ESEAL_ENOTFOUND) {
        return note_stale(b->info, rec->subject, "no CRL was ever issued (eseal ca crl)");
    }
    ES_GUARD(es_from_code(rc));
    int64_t next = 0;
    es_result r = es_buf_printf(&b->crls, "# CRL of %s\n", rec->subject);
    if (es_ok(r)) {
        r = es_crl_to_pem(&b->crls, es_span_of(der.ptr, der.size), &next);
    }
    eseal_buf_dispose(&der);
    ES_GUARD(r);
    b->info->crls++;
    if (next != 0 && next < b->now) {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, next);
        char why[96];
        (void)snprintf(why, sizeof(why), "its latest CRL expired at %s (eseal ca crl issues a fresh one)", t);
        return note_stale(b->info, rec->subject, why);
    }
    return ES_OK;
}

static int collect(const eseal_cert_record *rec, void *payload)
{
    bundle_ctx *b = payload;
    bool root = strcmp(rec->role, "root-ca") == 0;
    if ((!root && strcmp(rec->role, "issuing-ca") != 0) || (b->h != NULL && strcmp(rec->hierarchy, b->h) != 0)) {
        return ESEAL_OK;
    }
    b->err = add_ca(b, rec, root);
    return es_code(b->err);
}

static ES_RESULT ca_bundle(eseal_instance *inst, eseal_buf *pem, const char *h, eseal_ca_bundle_info *info)
{
    ES_ENSURE_ARG(inst != NULL && pem != NULL && info != NULL);
    ES_ENSURE(h == NULL || strcmp(h, "sm2") == 0 || strcmp(h, "p256") == 0 || strcmp(h, "rsa") == 0, ESEAL_EINVAL,
              "unknown CA hierarchy '%s' (sm2, p256 or rsa)", h);
    memset(info, 0, sizeof(*info));
    bundle_ctx b = {inst, h, ES_BUF_INIT(ES_CA_BUNDLE_PEMS_MAX), ES_BUF_INIT(ES_CA_BUNDLE_PEMS_MAX), ES_BUF_INIT(ES_CA_BUNDLE_CRLS_MAX), info, es_inst_now(inst),
                    ES_OK};
    int rc = eseal_store_cert_list(inst->store, collect, &b);
    es_result r = rc == ESEAL_OK ? ES_OK : !es_ok(b.err) ? b.err : es_from_code(rc);
    if (es_ok(r) && info->anchors == 0) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "ca: the instance has no root CA%s%s", h != NULL ? " for " : "",
                         h != NULL ? h : "");
    }
    es_buf out = ES_BUF_INIT(ES_CA_BUNDLE_MAX);
    if (es_ok(r)) {
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, b.now);
        r = es_buf_printf(&out,
                          "# eseal trust bundle of %s, written %s: root certificates (the trust anchors),\n"
                          "# issuing CA certificates, and each CA's latest CRL.\n"
                          "# Use: eseal verify FILE --no-instance --trust THIS-FILE\n",
                          inst->cfg.base_url != NULL ? inst->cfg.base_url : "an eseal instance", t);
    }
    if (es_ok(r)) {
        r = es_buf_append(&out, b.roots.ptr, b.roots.len);
    }
    if (es_ok(r)) {
        r = es_buf_append(&out, b.cas.ptr, b.cas.len);
    }
    if (es_ok(r)) {
        r = es_buf_append(&out, b.crls.ptr, b.crls.len);
    }
    if (es_ok(r)) {
        es_buf_move_out(pem, &out);
    }
    es_buf_free(&out);
    es_buf_free(&b.roots);
    es_buf_free(&b.cas);
    es_buf_free(&b.crls);
    return r;
}

int eseal_instance_ca_bundle(eseal_instance *inst, eseal_buf *pem, const char *hierarchy, eseal_ca_bundle_info *info)
{
    return es_code(ca_bundle(inst, pem, hierarchy, info));
}
