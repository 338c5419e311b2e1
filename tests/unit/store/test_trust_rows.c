/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issue 18 (branch h-trust): the instance's trust set reads only the CA rows of the store.
 *
 * eseal_instance_trust used to list every certificate record (eseal_store_cert_list) and keep the
 * CA ones, so a verification's trust load grew with the certificates ever issued. It now asks the
 * PKI backend for the roles "root-ca" and "issuing-ca" only (cert_list_roles, backend version 2).
 * A counting wrapper around the store's own PKI backend (eseal/sys/store_backend.h) sees every
 * call and every row handed up: with 2,000 issued end-entity records in the store, the load reads
 * exactly the CA rows, never calls cert_list, and builds the same trust set (anchors,
 * intermediates, CRLs, in the same order) as the old listing-and-filtering did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"   /* inst->store: the wrapper goes on the instance's own store */
#include "crypto/ossl.h" /* struct eseal_trust: the sets compared */
#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "eseal/sys/store_backend.h"
#include "../test_instance.h"

#define EE_ROWS 2000 /* issued end-entity records: 1 issued through the front door + clones */

/* ---- a counting wrapper around the store's PKI backend -------------------------------------- */

typedef struct {
    eseal_store_pki_backend be;
    eseal_store_pki_backend *inner; /* owned by the store */
    int list_calls, roles_calls, crl_calls;
    long rows; /* records handed up by cert_list or cert_list_roles */
    int (*cb)(const eseal_cert_record *, void *);
    void *payload;
} counting_pki;

static int count_row(const eseal_cert_record *r, void *payload)
{
    counting_pki *c = payload;
    c->rows++;
    return c->cb(r, c->payload);
}

static int cp_list(eseal_store_pki_backend *be, int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    counting_pki *c = (counting_pki *)(void *)be;
    c->list_calls++;
    c->cb = cb;
    c->payload = payload;
    return c->inner->cert_list(c->inner, count_row, c);
}

static int cp_roles(eseal_store_pki_backend *be, const char *const *roles, size_t n,
                    int (*cb)(const eseal_cert_record *, void *), void *payload)
{
    counting_pki *c = (counting_pki *)(void *)be;
    c->roles_calls++;
    c->cb = cb;
    c->payload = payload;
    return c->inner->cert_list_roles(c->inner, roles, n, count_row, c);
}

static int cp_crl_latest(eseal_store_pki_backend *be, eseal_buf *der, const char *issuer_id)
{
    counting_pki *c = (counting_pki *)(void *)be;
    c->crl_calls++;
    return c->inner->crl_latest(c->inner, der, issuer_id);
}

static int cp_get(eseal_store_pki_backend *be, eseal_cert_record *out, const char *id)
{
    counting_pki *c = (counting_pki *)(void *)be;
    return c->inner->cert_get(c->inner, out, id);
}

static int cp_ids(eseal_store_pki_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                  size_t max, size_t *n)
{
    counting_pki *c = (counting_pki *)(void *)be;
    return c->inner->cert_ids(c->inner, how, key, ids, max, n);
}

static int cp_newest(eseal_store_pki_backend *be, eseal_cert_record *out, const char *role, const char *h)
{
    counting_pki *c = (counting_pki *)(void *)be;
    return c->inner->cert_newest(c->inner, out, role, h);
}

/* The imported trust lists (backend version 3) pass through: the trust set reads them too. */
static int cp_tl_each(eseal_store_pki_backend *be,
                      int (*cb)(const eseal_trusted_list_record *, const void *, size_t, void *), void *payload)
{
    counting_pki *c = (counting_pki *)be;
    return c->inner->trusted_list_each(c->inner, cb, payload);
}
static void cp_free(eseal_store_pki_backend *be) { free(be); }

static counting_pki *counting_add(eseal_store *s)
{
    counting_pki *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->inner = eseal_store_pki_backend_current(s);
    assert_non_null(c->inner);
    c->be.version = ESEAL_STORE_PKI_BACKEND_VERSION;
    c->be.cert_list = cp_list;
    c->be.cert_list_roles = cp_roles;
    c->be.crl_latest = cp_crl_latest;
    c->be.cert_get = cp_get;
    c->be.cert_ids = cp_ids;
    c->be.cert_newest = cp_newest;
    c->be.trusted_list_each = cp_tl_each;
    c->be.free = cp_free;
    assert_int_equal(eseal_store_add_pki_backend(s, &c->be, 1), ESEAL_OK);
    return c;
}

static void counts_reset(counting_pki *c)
{
    c->list_calls = c->roles_calls = c->crl_calls = 0;
    c->rows = 0;
}

/* ---- the trust set as the old code built it: every row listed, the CA ones kept ------------- */

typedef struct {
    eseal_store *s;
    eseal_trust *t;
    long ca_rows;
} old_collect;

static int old_add_ca(const eseal_cert_record *rec, void *payload)
{
    old_collect *c = payload;
    bool root = strcmp(rec->role, "root-ca") == 0;
    if (!root && strcmp(rec->role, "issuing-ca") != 0) {
        return 0;
    }
    c->ca_rows++;
    eseal_cert *cert = NULL;
    assert_int_equal(eseal_cert_parse(&cert, rec->pem, strlen(rec->pem)), ESEAL_OK);
    assert_int_equal(root ? eseal_trust_add_anchor(c->t, cert) : eseal_trust_add_intermediate(c->t, cert), ESEAL_OK);
    eseal_cert_free(cert);
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_store_crl_latest(c->s, &der, rec->id);
    if (rc == ESEAL_OK) {
        assert_int_equal(eseal_trust_add_crl(c->t, der.ptr, der.size), ESEAL_OK);
    } else {
        assert_int_equal(rc, ESEAL_ENOTFOUND);
        eseal_error_clear();
    }
    eseal_buf_dispose(&der);
    return 0;
}

/* The same certificates (by DER, which the lazy trust set keeps: none is decoded to compare), in the same order. */
static void same_trust(const eseal_trust *a, const eseal_trust *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_anchors, b->n_anchors);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->certs[i].anchor, b->certs[i].anchor);
        assert_int_equal(a->certs[i].len, b->certs[i].len);
        assert_memory_equal(a->certs[i].der, b->certs[i].der, a->certs[i].len);
    }
    assert_int_equal(sk_X509_CRL_num(a->crls), sk_X509_CRL_num(b->crls));
    for (int i = 0; i < sk_X509_CRL_num(a->crls); i++) {
        unsigned char *da = NULL, *db = NULL;
        int la = i2d_X509_CRL(sk_X509_CRL_value(a->crls, i), &da);
        int lb = i2d_X509_CRL(sk_X509_CRL_value(b->crls, i), &db);
        assert_true(la > 0 && la == lb);
        assert_memory_equal(da, db, (size_t)la);
        OPENSSL_free(da);
        OPENSSL_free(db);
    }
}

/* ---- the instance: CAs, a renewed issuing CA, CRLs, and 2,000 issued end-entity records ------- */

static int count_roles(const eseal_cert_record *rec, void *payload)
{
    long *n = payload;
    n[0]++;
    n[1] += strcmp(rec->role, "root-ca") == 0 || strcmp(rec->role, "issuing-ca") == 0;
    return 0;
}

static void trust_reads_only_ca_rows(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-trust-rows-XXXXXX";
    char ihome[300];
    test_instance_init(tmpl, ihome, sizeof(ihome), "correct-horse-battery");
    eseal_instance *inst = test_instance_open(ihome, "correct-horse-battery");
    /* A superseded issuing CA (two intermediates of one hierarchy, in creation order) and CRLs. */
    assert_int_equal(eseal_instance_ca_renew(inst, test_who(), NULL, "issuing-ca", "sm2", NULL, NULL), ESEAL_OK);
    eseal_buf crl = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_crl_issue(inst, test_who(), &crl, "sm2"), ESEAL_OK);
    eseal_buf_dispose(&crl);
    /* One end-entity certificate issued through the front door, then its record copied under new
     * ids, serials and fingerprints: 2,000 issued end-entity rows (the PEM is never read by the
     * trust load, old or new). */
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    q.alg = ESEAL_ALG_SM2;
    eseal_cert_record ee;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &ee, &q), ESEAL_OK);
    eseal_store *s = inst->store;
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    for (int i = 1; i < EE_ROWS; i++) {
        char id[40], serial[40], fp[80];
        (void)snprintf(id, sizeof(id), "ee%014d", i);
        (void)snprintf(serial, sizeof(serial), "7E%014X", (unsigned)i);
        (void)snprintf(fp, sizeof(fp), "%064x", (unsigned)i);
        eseal_cert_record r = ee;
        r.id = id;
        r.serial = serial;
        r.fingerprint = fp;
        r.created_ms = ee.created_ms + i;
        assert_int_equal(eseal_store_cert_insert(s, &r), ESEAL_OK);
    }
    assert_int_equal(eseal_store_commit(s), ESEAL_OK);
    eseal_cert_record_dispose(&ee);
    long n[2] = {0, 0}; /* all rows, CA rows */
    assert_int_equal(eseal_store_cert_list(s, count_roles, n), ESEAL_OK);
    assert_true(n[0] >= EE_ROWS + n[1]);
    assert_true(n[1] >= 4); /* at least a root and two issuing CAs of sm2 */
    print_message("store: %ld certificate rows, %ld of them CA rows\n", n[0], n[1]);

    /* The bump to version 2: a PKI backend written for version 1 is refused (and freed). */
    counting_pki *v1 = calloc(1, sizeof(*v1));
    assert_non_null(v1);
    v1->be.version = 1;
    v1->be.free = cp_free;
    assert_int_equal(eseal_store_add_pki_backend(s, &v1->be, 1), ESEAL_EINVAL);
    eseal_error_clear();
    counting_pki *c = counting_add(s);
    /* The new load: only the CA rows, one backend call, no full listing. */
    eseal_trust *t = NULL;
    assert_int_equal(eseal_instance_trust(inst, &t), ESEAL_OK);
    assert_int_equal(c->list_calls, 0);
    assert_int_equal(c->roles_calls, 1);
    assert_int_equal(c->rows, n[1]);
    assert_int_equal(c->crl_calls, n[1]); /* one CRL lookup per CA */
    /* The old load through the same wrapper: every row. */
    counts_reset(c);
    old_collect o = {s, NULL, 0};
    assert_int_equal(eseal_trust_new(&o.t), ESEAL_OK);
    assert_int_equal(eseal_store_cert_list(s, old_add_ca, &o), ESEAL_OK);
    assert_int_equal(c->list_calls, 1);
    assert_int_equal(c->rows, n[0]);
    assert_int_equal(o.ca_rows, n[1]);
    /* Same anchors, intermediates and CRLs, in the same order. */
    assert_true(eseal_trust_anchor_count(t) >= 1);
    assert_true(sk_X509_CRL_num(t->crls) >= 1);
    same_trust(t, o.t);
    eseal_trust_free(o.t);
    eseal_trust_free(t);
    eseal_instance_close(inst);
    assert_int_equal(test_scratch_remove(tmpl), 0);
}

/* ---- the store call: the filtered rows in cert_list's order; its arguments ------------------- */

typedef struct {
    char ids[16][24];
    int n;
} id_list;

static int collect_id(const eseal_cert_record *r, void *payload)
{
    id_list *l = payload;
    assert_true(l->n < 16);
    (void)snprintf(l->ids[l->n++], sizeof(l->ids[0]), "%s", r->id);
    return 0;
}

static int keep_roles(const eseal_cert_record *r, void *payload)
{
    return strcmp(r->role, "root-ca") == 0 || strcmp(r->role, "tsa") == 0 ? collect_id(r, payload) : 0;
}

static int stop_at_first(const eseal_cert_record *r, void *payload)
{
    (void)r;
    (void)payload;
    return 42;
}

static void roles_listing_matches_filtered_list(void **state)
{
    (void)state;
    char dir[] = "/tmp/eseal-roles-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char loc[300];
    (void)snprintf(loc, sizeof(loc), "sqlite:%s/s.db", dir);
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, loc), ESEAL_OK);
    /* Created out of insertion order, with ties (then insertion order decides). */
    static const struct {
        const char *role;
        int64_t created;
    } rows[] = {{"org", 5}, {"root-ca", 9}, {"tsa", 3}, {"root-ca", 3}, {"org", 1},
                {"tsa", 9}, {"root-cax", 2}, {"Root-CA", 2}, {"root-ca", 1}, {"tsa", 3}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char id[24], serial[24], fp[24];
        (void)snprintf(id, sizeof(id), "id%02zu", i);
        (void)snprintf(serial, sizeof(serial), "%02zX", i);
        (void)snprintf(fp, sizeof(fp), "fp%02zu", i);
        eseal_cert_record r;
        memset(&r, 0, sizeof(r));
        r.id = id;
        r.role = (char *)(uintptr_t)rows[i].role;
        r.hierarchy = (char *)(uintptr_t) "sm2";
        r.alg = (char *)(uintptr_t) "sm2";
        r.subject = (char *)(uintptr_t) "CN=x";
        r.serial = serial;
        r.issuer_id = (char *)(uintptr_t) "caid";
        r.fingerprint = fp;
        r.pem = (char *)(uintptr_t) "PEM";
        r.created_ms = rows[i].created;
        assert_int_equal(eseal_store_cert_insert(s, &r), ESEAL_OK);
    }
    id_list want = {0}, got = {0};
    assert_int_equal(eseal_store_cert_list(s, keep_roles, &want), ESEAL_OK);
    static const char *const roles[] = {"tsa", "root-ca"};
    assert_int_equal(eseal_store_cert_list_roles(s, roles, 2, collect_id, &got), ESEAL_OK);
    assert_int_equal(got.n, 6);
    assert_int_equal(got.n, want.n);
    for (int i = 0; i < got.n; i++) {
        assert_string_equal(got.ids[i], want.ids[i]);
    }
    assert_string_equal(got.ids[0], "id08"); /* root-ca created 1 */
    assert_string_equal(got.ids[1], "id02"); /* created 3: insertion order */
    /* A role no row has; a stop from the callback is returned. */
    static const char *const none[] = {"nobody"};
    id_list empty = {0};
    assert_int_equal(eseal_store_cert_list_roles(s, none, 1, collect_id, &empty), ESEAL_OK);
    assert_int_equal(empty.n, 0);
    assert_int_equal(eseal_store_cert_list_roles(s, roles, 2, stop_at_first, NULL), 42);
    /* Arguments: no role, too many, a NULL role, no callback. */
    static const char *const nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    static const char *const with_null[] = {"tsa", NULL};
    assert_int_equal(eseal_store_cert_list_roles(s, roles, 0, collect_id, &empty), ESEAL_EINVAL);
    assert_int_equal(eseal_store_cert_list_roles(s, nine, 9, collect_id, &empty), ESEAL_EINVAL);
    assert_int_equal(eseal_store_cert_list_roles(s, nine, 8, collect_id, &empty), ESEAL_OK);
    assert_int_equal(eseal_store_cert_list_roles(s, with_null, 2, collect_id, &empty), ESEAL_EINVAL);
    assert_int_equal(eseal_store_cert_list_roles(s, roles, 2, NULL, NULL), ESEAL_EINVAL);
    eseal_error_clear();
    eseal_store_close(s);
    assert_int_equal(test_scratch_remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_listing_matches_filtered_list),
        cmocka_unit_test(trust_reads_only_ca_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
