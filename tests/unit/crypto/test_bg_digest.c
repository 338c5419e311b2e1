/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A whole document's digest beside the rest of a verification (issue 18, h-widget; doc_hash.c):
 * es_bg_digest gives what es_digest gives, from a worker thread at and above ES_BG_DIGEST_MIN
 * bytes and in the caller's thread below it (es_bg_digest_threads counts the workers); a cancelled
 * job is joined and freed; es_prefix_digest_all continues the running digest of the signatures'
 * prefixes to the end of the document, hashing only what lies after the last prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"

static uint8_t *doc_bytes(size_t n)
{
    uint8_t *d = malloc(n + 1);
    assert_non_null(d);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d[i] = (uint8_t)x;
    }
    return d;
}

static void same_as_es_digest(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 1000, ES_BG_DIGEST_MIN - 1, ES_BG_DIGEST_MIN, ((size_t)4 << 20) + 3,
                                   ((size_t)9 << 20) + 17};
    static const eseal_hash hashes[] = {ESEAL_HASH_SHA256, ESEAL_HASH_SM3};
    uint8_t *d = doc_bytes(sizes[6]);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (size_t h = 0; h < 2; h++) {
            es_span data = es_span_of(d, sizes[s]);
            uint8_t want[64], got[64];
            size_t wl = 0, gl = 0;
            assert_true(es_ok(es_digest(want, &wl, hashes[h], data)));
            unsigned long t0 = es_bg_digest_threads();
            es_bg_digest *j = NULL;
            assert_true(es_ok(es_bg_digest_start(&j, hashes[h], data)));
            assert_non_null(j);
            /* a worker exactly from ES_BG_DIGEST_MIN bytes */
            assert_int_equal(es_bg_digest_threads() - t0, sizes[s] >= ES_BG_DIGEST_MIN ? 1 : 0);
            assert_true(es_ok(es_bg_digest_finish(&j, got, &gl)));
            assert_null(j);
            assert_int_equal(gl, wl);
            assert_memory_equal(got, want, wl);
        }
    }
    free(d);
}

static void cancelled_jobs_end(void **state)
{
    (void)state;
    size_t n = (size_t)64 << 20;
    uint8_t *d = doc_bytes(n);
    for (int i = 0; i < 4; i++) {
        es_bg_digest *j = NULL;
        assert_true(es_ok(es_bg_digest_start(&j, ESEAL_HASH_SM3, es_span_of(d, n))));
        es_bg_digest_cancel(&j); /* joined and freed (the sanitizer pass sees a leak or a late read) */
        assert_null(j);
    }
    es_bg_digest *none = NULL;
    es_bg_digest_cancel(&none); /* nothing to cancel */
    {
        /* the cleanup of an unfinished job, as es_pdf_verify's early returns leave it */
        ES_AUTO(es_bg_digest_cancelp) es_bg_digest *j = NULL;
        assert_true(es_ok(es_bg_digest_start(&j, ESEAL_HASH_SHA256, es_span_of(d, n))));
    }
    /* finishing twice: the second has no job */
    es_bg_digest *j = NULL;
    uint8_t md[64];
    size_t len = 0;
    assert_true(es_ok(es_bg_digest_start(&j, ESEAL_HASH_SHA256, es_span_of(d, 10))));
    assert_true(es_ok(es_bg_digest_finish(&j, md, &len)));
    es_result r = es_bg_digest_finish(&j, md, &len);
    assert_int_equal(es_code(r), ESEAL_ESTATE);
    eseal_error_clear();
    free(d);
}

static void prefix_continued_to_the_end(void **state)
{
    (void)state;
    size_t n = 300000;
    uint8_t *d = doc_bytes(n);
    es_span doc = es_span_of(d, n);
    uint8_t want[64], got[64], part[64];
    size_t wl = 0, gl = 0, pl = 0;
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SHA256, doc)));
    /* no running digest: the document on its own */
    es_prefix_hasher p;
    es_prefix_hasher_init(&p, doc);
    assert_true(es_ok(es_prefix_digest_all(&p, got, &gl, ESEAL_HASH_SHA256)));
    assert_memory_equal(got, want, wl);
    assert_int_equal(p.bytes, n);
    es_prefix_hasher_free(&p);
    /* two signatures' ranges (prefix + tail), then the whole document: the prefix is hashed once */
    es_prefix_hasher_init(&p, doc);
    es_span a[2] = {es_span_of(d, 100000), es_span_of(d + 100500, n - 100500)};
    es_span b[2] = {es_span_of(d, 250000), es_span_of(d + 250700, n - 250700)};
    assert_true(es_ok(es_prefix_digest(&p, part, &pl, ESEAL_HASH_SHA256, a, 2)));
    assert_true(es_ok(es_prefix_digest(&p, part, &pl, ESEAL_HASH_SHA256, b, 2)));
    uint64_t before = p.bytes;
    assert_true(es_ok(es_prefix_digest_all(&p, got, &gl, ESEAL_HASH_SHA256)));
    assert_int_equal(gl, wl);
    assert_memory_equal(got, want, wl);
    assert_int_equal(p.bytes - before, n - 250000); /* only what follows the last prefix */
    /* and the running digest is unchanged by it: a later request still continues it */
    es_span c[2] = {es_span_of(d, 260000), es_span_of(d + 260100, n - 260100)};
    uint8_t alone[64];
    size_t al = 0;
    assert_true(es_ok(es_prefix_digest(&p, part, &pl, ESEAL_HASH_SHA256, c, 2)));
    assert_true(es_ok(es_digest_spans(alone, &al, ESEAL_HASH_SHA256, c, 2)));
    assert_memory_equal(part, alone, al);
    /* SM3 has no running digest here: hashed on its own */
    assert_true(es_ok(es_digest(want, &wl, ESEAL_HASH_SM3, doc)));
    assert_true(es_ok(es_prefix_digest_all(&p, got, &gl, ESEAL_HASH_SM3)));
    assert_memory_equal(got, want, wl);
    es_prefix_hasher_free(&p);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_es_digest),
        cmocka_unit_test(cancelled_jobs_end),
        cmocka_unit_test(prefix_continued_to_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
