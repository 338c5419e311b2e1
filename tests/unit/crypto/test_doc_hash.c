/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamper's one-pass digests (src/crypto/doc_hash.c, issue 18): the input is hashed once and
 * the "after" digests and the signature digest continue copies of its state. Each result is
 * compared with a digest of the whole bytes taken on its own (es_digest), for SHA-256 and SM3;
 * input after output is refused; a fork of a hash not taken is ESEAL_ENOTFOUND. The verifier's
 * prefix hasher gives the digests es_digest_spans gives, and hashes a document's prefixes once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"

static void whole(uint8_t out[32], eseal_hash hash, const char *s)
{
    uint8_t d[64];
    size_t n = 0;
    assert_true(es_ok(es_digest(d, &n, hash, es_span_of(s, strlen(s)))));
    assert_int_equal(n, 32);
    memcpy(out, d, 32);
}

static void one_pass_equals_separate_digests(void **state)
{
    (void)state;
    es_doc_hasher h;
    assert_true(es_ok(es_doc_hash_begin(&h, true)));
    assert_true(es_ok(es_doc_hash_input(&h, es_span_of("%PDF-1.7 in", 11))));
    assert_true(es_ok(es_doc_hash_input(&h, es_span_of("put bytes", 9))));
    es_hash_ctx *sig = NULL;
    es_hash_ctx *sm3 = NULL;
    assert_true(es_ok(es_doc_hash_fork(&h, ESEAL_HASH_SHA256, &sig)));
    assert_true(es_ok(es_doc_hash_fork(&h, ESEAL_HASH_SM3, &sm3)));
    assert_int_equal(es_code(es_doc_hash_fork(&h, ESEAL_HASH_SHA384, &sig)), ESEAL_ENOTFOUND);
    assert_true(es_ok(es_hash_update(sig, es_span_of(" signed part", 12))));
    assert_true(es_ok(es_hash_update(sm3, es_span_of(" signed part", 12))));
    assert_true(es_ok(es_doc_hash_output(&h, es_span_of(" the update", 11))));
    assert_int_equal(es_code(es_doc_hash_input(&h, es_span_of("late", 4))), ESEAL_ESTATE);
    es_doc_digests dg;
    assert_true(es_ok(es_doc_hash_end(&h, &dg)));
    es_doc_hash_free(&h);

    uint8_t want[32];
    whole(want, ESEAL_HASH_SHA256, "%PDF-1.7 input bytes");
    assert_memory_equal(dg.before_sha256, want, 32);
    whole(want, ESEAL_HASH_SM3, "%PDF-1.7 input bytes");
    assert_memory_equal(dg.before_sm3, want, 32);
    whole(want, ESEAL_HASH_SHA256, "%PDF-1.7 input bytes the update");
    assert_memory_equal(dg.after_sha256, want, 32);
    whole(want, ESEAL_HASH_SM3, "%PDF-1.7 input bytes the update");
    assert_memory_equal(dg.after_sm3, want, 32);
    uint8_t got[64];
    size_t n = 0;
    assert_true(es_ok(es_hash_end(sig, got, &n)));
    whole(want, ESEAL_HASH_SHA256, "%PDF-1.7 input bytes signed part");
    assert_memory_equal(got, want, 32);
    assert_true(es_ok(es_hash_end(sm3, got, &n)));
    whole(want, ESEAL_HASH_SM3, "%PDF-1.7 input bytes signed part");
    assert_memory_equal(got, want, 32);
    es_hash_free(sig);
    es_hash_free(sm3);
}

static void no_output_means_after_equals_before(void **state)
{
    (void)state;
    es_doc_hasher h;
    assert_true(es_ok(es_doc_hash_begin(&h, false)));
    assert_true(es_ok(es_doc_hash_input(&h, es_span_of("abc", 3))));
    es_doc_digests dg;
    assert_true(es_ok(es_doc_hash_end(&h, &dg)));
    es_doc_hash_free(&h);
    assert_memory_equal(dg.before_sha256, dg.after_sha256, 32);
    assert_false(dg.sm3);
    /* es_doc_digests_of: before and the whole of after, separately. */
    assert_true(es_ok(es_doc_digests_of(&dg, es_span_of("abc", 3), es_span_of("abcdef", 6), true)));
    uint8_t want[32];
    whole(want, ESEAL_HASH_SHA256, "abcdef");
    assert_memory_equal(dg.after_sha256, want, 32);
    whole(want, ESEAL_HASH_SM3, "abc");
    assert_memory_equal(dg.before_sm3, want, 32);
}

/* A PDF with three signatures: each covers [0, a) and [b, e) of the file, a < b <= e, in file order. */
static void prefixes_hashed_once(void **state)
{
    (void)state;
    static uint8_t doc[100000];
    for (size_t i = 0; i < sizeof(doc); i++) {
        doc[i] = (uint8_t)(i * 131 + 7);
    }
    const size_t r[3][3] = {{20000, 20500, 21000}, {50000, 50500, 51000}, {99000, 99500, 100000}};
    es_prefix_hasher p;
    es_prefix_hasher_init(&p, es_span_of(doc, sizeof(doc)));
    eseal_hash hashes[2] = {ESEAL_HASH_SHA256, ESEAL_HASH_SM3};
    uint64_t tails = 0;
    for (size_t h = 0; h < 2; h++) {
        for (size_t i = 0; i < 3; i++) {
            es_span parts[2] = {es_span_of(doc, r[i][0]), es_span_of(doc + r[i][1], r[i][2] - r[i][1])};
            uint8_t got[64], want[64];
            size_t gn = 0, wn = 0;
            assert_true(es_ok(es_prefix_digest(&p, got, &gn, hashes[h], parts, 2)));
            assert_true(es_ok(es_digest_spans(want, &wn, hashes[h], parts, 2)));
            assert_int_equal(gn, wn);
            assert_memory_equal(got, want, wn);
            tails += h == 0 ? r[i][2] - r[i][1] : 0;
        }
    }
    /* Each hash went over the longest prefix once, plus the tails: not 20000 + 50000 + 99000. */
    assert_int_equal(p.bytes, 2 * (99000 + tails));

    /* Out of order, or not from the start: hashed on its own, still right. */
    uint64_t before = p.bytes;
    es_span early[2] = {es_span_of(doc, 1000), es_span_of(doc + 2000, 10)};
    es_span inner[1] = {es_span_of(doc + 5, 100)};
    uint8_t got[64], want[64];
    size_t gn = 0, wn = 0;
    assert_true(es_ok(es_prefix_digest(&p, got, &gn, ESEAL_HASH_SHA256, early, 2)));
    assert_true(es_ok(es_digest_spans(want, &wn, ESEAL_HASH_SHA256, early, 2)));
    assert_memory_equal(got, want, wn);
    assert_true(es_ok(es_prefix_digest(&p, got, &gn, ESEAL_HASH_SHA256, inner, 1)));
    assert_true(es_ok(es_digest_spans(want, &wn, ESEAL_HASH_SHA256, inner, 1)));
    assert_memory_equal(got, want, wn);
    assert_int_equal(p.bytes, before + 1010 + 100);
    es_prefix_hasher_free(&p);
    /* Without a hasher: the plain digest. */
    assert_true(es_ok(es_prefix_digest(NULL, got, &gn, ESEAL_HASH_SHA256, early, 2)));
    assert_true(es_ok(es_digest_spans(want, &wn, ESEAL_HASH_SHA256, early, 2)));
    assert_memory_equal(got, want, wn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_pass_equals_separate_digests),
        cmocka_unit_test(no_output_means_after_equals_before),
        cmocka_unit_test(prefixes_hashed_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
