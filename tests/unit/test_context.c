/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context (include/eseal/context.h): its limits reach the parsers, its clock reaches stamping
 * and verification (toolkit and instance), its fetch function reaches online revocation, a bad
 * limits version is refused; and the process allocator (eseal_allocator_set) sees the library's
 * allocations, and cannot change once the library has allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "util/ctx.h"
#include "util/report.h"
#include "test_pki.h"
#include "pdf/pdf_fixture.h"
#include "test_instance.h"

/* ---- a counting allocator, installed before anything else (main) ----------------------------- */

static atomic_long n_malloc, n_realloc, n_free;

static void *count_malloc(void *payload, size_t n)
{
    (void)payload;
    atomic_fetch_add(&n_malloc, 1);
    return malloc(n);
}

static void *count_realloc(void *payload, void *p, size_t n)
{
    (void)payload;
    atomic_fetch_add(&n_realloc, 1);
    return realloc(p, n);
}

static void count_free(void *payload, void *p)
{
    (void)payload;
    atomic_fetch_add(&n_free, 1);
    free(p);
}

static void allocator_counts_and_is_fixed(void **st)
{
    (void)st;
    long m0 = atomic_load(&n_malloc), f0 = atomic_load(&n_free);
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(atomic_load(&n_malloc) > m0);
    eseal_report_free(rep);
    assert_true(atomic_load(&n_free) > f0);
    /* The library has allocated: another allocator now would free memory it did not allocate. */
    eseal_allocator other = {count_malloc, count_realloc, count_free, NULL};
    assert_int_equal(eseal_allocator_set(&other), ESEAL_ESTATE);
    assert_non_null(strstr(eseal_error_last()->message, "set the allocator first"));
    eseal_allocator half = {count_malloc, NULL, count_free, NULL};
    assert_int_equal(eseal_allocator_set(&half), ESEAL_EINVAL);
}

/* ---- limits ------------------------------------------------------------------------------------ */

static void limits_version_checked_zero_is_default(void **st)
{
    (void)st;
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.version = ESEAL_LIMITS_VERSION + 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "limits version"));
    /* Refused: the context keeps what it had. */
    assert_int_equal(eseal_context_limits(ctx)->max_token_bytes, eseal_limits_default()->max_token_bytes);

    eseal_limits z;
    memset(&z, 0, sizeof(z));
    z.version = ESEAL_LIMITS_VERSION;
    z.max_token_bytes = 9;
    assert_int_equal(eseal_context_set_limits(ctx, &z), ESEAL_OK);
    assert_int_equal(eseal_context_limits(ctx)->max_token_bytes, 9);
    assert_int_equal(eseal_context_limits(ctx)->max_der_bytes, eseal_limits_default()->max_der_bytes);
    assert_int_equal(eseal_context_limits(ctx)->max_xref_sections, eseal_limits_default()->max_xref_sections);
    assert_int_equal(eseal_context_set_limits(ctx, NULL), ESEAL_OK);
    assert_int_equal(eseal_context_limits(ctx)->max_token_bytes, eseal_limits_default()->max_token_bytes);
    assert_ptr_equal(eseal_context_limits(NULL), eseal_limits_default());
    assert_int_equal(eseal_context_limits(eseal_context_default())->max_objects, eseal_limits_default()->max_objects);
    assert_int_equal(eseal_context_set_limits(NULL, NULL), ESEAL_EINVAL);
    eseal_context_free(ctx);
}

/* ---- a fixed clock ------------------------------------------------------------------------------ */

typedef struct {
    int64_t at;
    int calls;
} fixed_clock;

static int64_t clock_now(void *payload)
{
    fixed_clock *c = payload;
    c->calls++;
    return c->at;
}

/* Stamps the fixture's one-page PDF with the context `ctx` (NULL: the default). */
static void stamp(eseal_buf *out, const fixture *f, const eseal_context *ctx)
{
    char body[1024];
    size_t n = test_pdf_bytes(body);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.ctx = ctx;
    assert_int_equal(eseal_pdf_stamp(out, body, (size_t)n, f->outline, f->seal.ptr, f->seal.size, f->key, f->cert, &o),
                     ESEAL_OK);
}


/* The context's clock is the stamp's /M and the verification's time; its limits bound the verify. */
static void toolkit_clock_and_limits(void **state)
{
    fixture *f = *state;
    /* A minute and two minutes from now: after the fixture's seal was made, within its validity. */
    fixed_clock sc = {eseal_time_now() + 60000, 0};
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(ctx, clock_now, &sc), ESEAL_OK);
    eseal_buf pdf = ESEAL_BUF_INIT;
    stamp(&pdf, f, ctx);
    assert_true(sc.calls > 0);

    fixed_clock vc = {eseal_time_now() + 120000, 0};
    assert_int_equal(eseal_context_set_clock(ctx, clock_now, &vc), ESEAL_OK);
    eseal_pdf_verify_options vo = ESEAL_PDF_VERIFY_OPTIONS_INIT;
    vo.ctx = ctx;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, pdf.ptr, pdf.size, f->trust, &vo), ESEAL_OK);
    int64_t vt = 0;
    assert_int_equal(eseal_report_time(rep, "validation_time", &vt), ESEAL_OK);
    assert_int_equal(vt, vc.at);
    if (eseal_report_verdict(rep) != ESEAL_VALID) {
        eseal_buf t = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&t, rep, 0);
        fprintf(stderr, "%s\n", (const char *)t.ptr);
        eseal_buf_dispose(&t);
    }
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    /* /M is the stamp clock's time (to the second, as PDF dates are). */
    const eseal_report *sig = eseal_report_child(rep, 0);
    assert_non_null(sig);
    int64_t m = 0;
    assert_int_equal(eseal_report_time(sig, "time.value", &m), ESEAL_OK);
    assert_int_equal(m / 1000, sc.at / 1000);
    eseal_report_free(rep);

    /* A tiny max_token_bytes: the same file is refused with ESEAL_ELIMIT, naming the limit... */
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_token_bytes = 8;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    rep = NULL;
    assert_int_equal(eseal_pdf_verify(&rep, pdf.ptr, pdf.size, f->trust, &vo), ESEAL_ELIMIT);
    assert_null(rep);
    assert_non_null(strstr(eseal_error_last()->message, "max_token_bytes (8)"));
    /* ... as with a tiny max_der_bytes (the signature's /Contents does not fit)... */
    l = (eseal_limits)ESEAL_LIMITS_INIT;
    l.max_der_bytes = 64;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_pdf_verify(&rep, pdf.ptr, pdf.size, f->trust, &vo), ESEAL_ELIMIT);
    /* ... while the default context (no options) verifies it. */
    assert_int_equal(eseal_pdf_verify(&rep, pdf.ptr, pdf.size, f->trust, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&pdf);
    eseal_context_free(ctx);
}

/* The CMS verifier takes the context too: its clock is the validation time, its limits bound it. */
static void cms_clock_and_limits(void **state)
{
    fixture *f = *state;
    static const char data[] = "the signed content";
    eseal_buf p7s = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cms_sign(&p7s, f->key, f->cert, data, sizeof(data) - 1, NULL), ESEAL_OK);
    fixed_clock c = {eseal_time_now() + 60000, 0};
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(ctx, clock_now, &c), ESEAL_OK);
    eseal_cms_verify_options o = ESEAL_CMS_VERIFY_OPTIONS_INIT;
    o.ctx = ctx;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_OK);
    assert_true(c.calls > 0);
    int64_t vt = 0;
    assert_int_equal(eseal_report_time(rep, "validation_time", &vt), ESEAL_OK);
    assert_int_equal(vt, c.at);
    eseal_report_free(rep);
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_der_bytes = p7s.size - 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "(max_der_bytes)"));
    l.max_der_bytes = p7s.size;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_OK);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);

    /* max_certs: a signature that carries its issuer too (two certificates) against a limit of one. */
    const eseal_cert *chain[] = {f->root};
    eseal_cms_sign_options so = ESEAL_CMS_SIGN_OPTIONS_INIT;
    so.chain = chain;
    so.chain_len = 1;
    assert_int_equal(eseal_cms_sign(&p7s, f->key, f->cert, data, sizeof(data) - 1, &so), ESEAL_OK);
    l = (eseal_limits)ESEAL_LIMITS_INIT;
    l.max_certs = 1;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "more than 1 certificates (max_certs)"));
    l.max_certs = 2;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_int_equal(eseal_cms_verify(&rep, p7s.ptr, p7s.size, data, sizeof(data) - 1, f->trust, &o), ESEAL_OK);
    eseal_report_free(rep);
    eseal_buf_dispose(&p7s);
    eseal_context_free(ctx);
}

/* max_text_bytes bounds text the library reads from files (a certificate file; entries without
 * options use the default context). */
static void text_files_limited(void **st)
{
    (void)st;
    char path[] = "/tmp/eseal-ctx-text-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = eseal_limits_default()->max_text_bytes + 1;
    char *junk = calloc(1, n);
    assert_non_null(junk);
    memset(junk, 'A', n);
    assert_int_equal(write(fd, junk, n), (ssize_t)n);
    (void)close(fd);
    free(junk);
    eseal_cert *c = NULL;
    assert_int_equal(eseal_cert_load(&c, path), ESEAL_ELIMIT);
    assert_null(c);
    assert_int_equal(unlink(path), 0);
}

/* ---- fetch ---------------------------------------------------------------------------------------- */

typedef struct {
    int calls;
    char url[128];
    es_buf crl;
    bool too_much;
} net;

static int fetch_crl(void *payload, const char *url, const char *content_type, const void *body, size_t body_len,
                     unsigned int timeout_ms, eseal_fetch_sink *sink, long *status)
{
    (void)body;
    (void)body_len;
    net *n = payload;
    n->calls++;
    (void)snprintf(n->url, sizeof(n->url), "%s", url);
    assert_null(content_type); /* a CRL: a GET */
    assert_true(timeout_ms > 0);
    *status = 200;
    if (n->too_much) {
        static uint8_t big[1 << 16];
        int rc = ESEAL_OK;
        for (int i = 0; i < 4 && rc == ESEAL_OK; i++) {
            rc = eseal_fetch_sink_write(sink, big, sizeof(big));
        }
        return rc;
    }
    return eseal_fetch_sink_write(sink, n->crl.ptr, n->crl.len);
}

/* The context's fetch function is how online revocation reaches the network. */
static void fetch_reaches_revocation(void **state)
{
    fixture *f = *state;
    /* A leaf with a CRL distribution point, under the fixture's root. */
    eseal_key *k = NULL;
    assert_int_equal(eseal_key_generate(&k, ESEAL_ALG_P256), ESEAL_OK);
    eseal_buf spki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, k), ESEAL_OK);
    uint8_t serial[8] = {0x11, 2, 3, 4, 5, 6, 7, 8};
    int64_t now = eseal_time_now();
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_ORG;
    s.common_name = "Fetched";
    s.organization = "Test";
    s.country = "CN";
    s.not_before_ms = now - 60000;
    s.not_after_ms = now + 86400000LL;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    s.crl_url = "http://crl.invalid/root.crl";
    eseal_cert *leaf = NULL;
    assert_true(es_ok(es_cert_issue(&leaf, &s, es_span_of(spki.ptr, spki.size), f->root_key, f->root)));

    net n = {0};
    n.crl = (es_buf)ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&n.crl, f->root_key, f->root, NULL, 0, 1, now - 60000, now + 86400000LL)));
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_fetch(ctx, fetch_crl, &n), ESEAL_OK);

    es_revocation_opts ro = ES_REVOCATION_OPTS_INIT;
    ro.online = true;
    ro.fetch = es_ctx_fetcher(ctx, (es_fetcher){NULL, NULL});
    ro.ctx = ctx; /* its max_der_bytes bounds what is fetched */
    eseal_limits l = ESEAL_LIMITS_INIT;
    l.max_der_bytes = 4096;
    assert_int_equal(eseal_context_set_limits(ctx, &l), ESEAL_OK);
    assert_true(n.crl.len < 4096);
    bool found = false;
    char src[320] = "";
    assert_true(es_ok(es_revocation_fetch(&found, leaf, f->root, &ro, src, sizeof(src))));
    assert_true(found);
    assert_int_equal(n.calls, 1);
    assert_string_equal(n.url, "http://crl.invalid/root.crl");

    /* More than the library asked for: the sink refuses (ESEAL_ELIMIT), and nothing is found. */
    n.too_much = true;
    found = true;
    src[0] = '\0';
    es_result r = es_revocation_fetch(&found, leaf, f->root, &ro, src, sizeof(src));
    (void)es_code(r); /* not found is not an error here: the reason is in src */
    assert_false(found);
    assert_int_equal(n.calls, 2);
    assert_non_null(strstr(src, "larger than 4096 bytes"));

    /* A context without a fetch function hands back the caller's default. */
    eseal_context *plain = NULL;
    assert_int_equal(eseal_context_new(&plain), ESEAL_OK);
    assert_null(es_ctx_fetcher(plain, (es_fetcher){NULL, NULL}).fn);
    assert_null(es_ctx_fetcher(NULL, (es_fetcher){NULL, NULL}).fn);
    eseal_context_free(plain);
    eseal_context_free(ctx);
    es_buf_free(&n.crl);
    eseal_cert_free(leaf);
    eseal_key_free(k);
    eseal_buf_dispose(&spki);
}

/* ---- the instance's context --------------------------------------------------------------------- */

/* An instance runs every operation under its context: its clock is a verification's time. */
static void instance_uses_its_context(void **st)
{
    (void)st;
    char tmpl[] = "/tmp/eseal-ctx-XXXXXX";
    char home[256];
    test_instance_init(tmpl, home, sizeof(home), "context-pass");
    eseal_instance *inst = test_instance_open(home, "context-pass");
    char path[300];
    (void)snprintf(path, sizeof(path), "%s/plain.pdf", tmpl);
    test_write_pdf(path);
    eseal_buf pdf = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&pdf, path, 1 << 20), ESEAL_OK);

    fixed_clock c = {1700000000000LL, 0};
    eseal_context *ctx = NULL;
    assert_int_equal(eseal_context_new(&ctx), ESEAL_OK);
    assert_int_equal(eseal_context_set_clock(ctx, clock_now, &c), ESEAL_OK);
    assert_int_equal(eseal_instance_set_context(inst, ctx), ESEAL_OK);
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_verify_pdf(inst, &rep, pdf.ptr, pdf.size, NULL), ESEAL_OK);
    int64_t vt = 0;
    assert_int_equal(eseal_report_time(rep, "validation_time", &vt), ESEAL_OK);
    assert_int_equal(vt, 1700000000000LL); /* 2023-11-14T22:13:20.000Z */
    assert_true(c.calls > 0);
    eseal_report_free(rep);

    /* Back to the default context: now is now again. */
    assert_int_equal(eseal_instance_set_context(inst, NULL), ESEAL_OK);
    assert_int_equal(eseal_instance_verify_pdf(inst, &rep, pdf.ptr, pdf.size, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_time(rep, "validation_time", &vt), ESEAL_OK);
    assert_true(vt != 1700000000000LL);
    eseal_report_free(rep);
    eseal_buf_dispose(&pdf);
    eseal_instance_close(inst);
    eseal_context_free(ctx);
    assert_int_equal(test_scratch_remove(tmpl), 0);
}

int main(void)
{
    /* First, before the library allocates anything. */
    eseal_allocator a = {count_malloc, count_realloc, count_free, NULL};
    if (eseal_allocator_set(&a) != ESEAL_OK) {
        (void)fprintf(stderr, "eseal_allocator_set: %s\n", eseal_error_last()->message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocator_counts_and_is_fixed),
        cmocka_unit_test(limits_version_checked_zero_is_default),
        cmocka_unit_test_setup_teardown(toolkit_clock_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(cms_clock_and_limits, setup, teardown),
        cmocka_unit_test(text_files_limited),
        cmocka_unit_test_setup_teardown(fetch_reaches_revocation, setup, teardown),
        cmocka_unit_test(instance_uses_its_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
