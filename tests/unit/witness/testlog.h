/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny in-memory transparency log for the witness tests: RFC 6962 leaves,
 * signed C2SP checkpoints, consistency proofs, tlog-witness request bodies,
 * all made with the src/tlog primitives. cmocka assertions on failure.
 */
#ifndef ESEAL_TEST_TESTLOG_H
#define ESEAL_TEST_TESTLOG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tlog.h"

#define TESTLOG_MAX 256

typedef struct {
    char origin[128];
    es_hash32 leaves[TESTLOG_MAX];
    uint64_t n;
    eseal_key *key;
    es_note_signer signer;
} testlog;

static inline es_result testlog_subtree(void *ctx, unsigned height, uint64_t index, es_hash32 out)
{
    testlog *t = ctx;
    if (height == 0) {
        ES_ENSURE(index < t->n, ESEAL_EINVAL, "leaf %llu of %llu", (unsigned long long)index,
                  (unsigned long long)t->n);
        memcpy(out, t->leaves[index], 32);
        return ES_OK;
    }
    es_hash32 l, r;
    ES_GUARD(testlog_subtree(ctx, height - 1, 2 * index, l));
    ES_GUARD(testlog_subtree(ctx, height - 1, 2 * index + 1, r));
    return es_tlog_node_hash(out, l, r);
}

/* A log named `origin` with a fresh Ed25519 key (key name = origin) and `n` entries. */
static inline void testlog_new(testlog *t, const char *origin, uint64_t n)
{
    memset(t, 0, sizeof(*t));
    (void)snprintf(t->origin, sizeof(t->origin), "%s", origin);
    assert_int_equal(eseal_key_generate(&t->key, ESEAL_ALG_ED25519), ESEAL_OK);
    assert_true(es_ok(es_note_signer_init(&t->signer, origin, ES_NOTE_ED25519, t->key)));
    assert_true(n <= TESTLOG_MAX);
    for (uint64_t i = 0; i < n; i++) {
        char e[32];
        int k = snprintf(e, sizeof(e), "entry %llu", (unsigned long long)i);
        assert_true(es_ok(es_tlog_leaf_hash(t->leaves[i], es_span_of(e, (size_t)k))));
    }
    t->n = n;
}

static inline void testlog_free(testlog *t) { eseal_key_free(t->key); }

/* The log's verifier key, "name+id+base64". */
static inline void testlog_vkey(testlog *t, char *out, size_t cap)
{
    es_buf b = ES_BUF_INIT(1024);
    assert_true(es_ok(es_note_vkey_format(&b, &t->signer.v)));
    assert_true(b.len < cap);
    memcpy(out, b.ptr, b.len + 1);
    es_buf_free(&b);
}

static inline void testlog_root(testlog *t, uint64_t size, es_hash32 out)
{
    assert_true(size <= t->n);
    assert_true(es_ok(es_tlog_tree_hash(out, size, testlog_subtree, t)));
}

/* The checkpoint text of size `size` (root `root` when not NULL, else the real one). */
static inline void testlog_text(testlog *t, uint64_t size, const es_hash32 root, es_buf *out)
{
    es_checkpoint c;
    memset(&c, 0, sizeof(c));
    (void)snprintf(c.origin, sizeof(c.origin), "%s", t->origin);
    c.size = size;
    if (root != NULL) {
        memcpy(c.root, root, 32);
    } else {
        testlog_root(t, size, c.root);
    }
    es_buf_clear(out);
    assert_true(es_ok(es_checkpoint_format(out, &c)));
}

/* A signed checkpoint note (the log's one signature) over `text`. */
static inline void testlog_sign(testlog *t, es_span text, es_buf *note)
{
    es_buf_clear(note);
    assert_true(es_ok(es_note_sign(note, text, &t->signer, 1)));
}

/* PROOF(m, D[n]); nothing for m == 0 or m == n. */
static inline size_t testlog_proof(testlog *t, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF])
{
    size_t count = 0;
    if (m != 0 && m != n) {
        es_result r = es_tlog_prove_consistency(proof, &count, m, n, testlog_subtree, t);
        if (!es_ok(r)) {
            fail_msg("PROOF(%llu, %llu): %s", (unsigned long long)m, (unsigned long long)n, eseal_error_last()->message);
        }
    }
    return count;
}

/* The add-checkpoint body from old size m to the real checkpoint of size n. */
static inline void testlog_body(testlog *t, uint64_t m, uint64_t n, es_buf *body)
{
    es_buf text = ES_BUF_INIT(4096), note = ES_BUF_INIT(8192);
    testlog_text(t, n, NULL, &text);
    testlog_sign(t, es_buf_span(&text), &note);
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = testlog_proof(t, m, n, proof);
    es_buf_clear(body);
    assert_true(es_ok(es_witness_req_format(body, m, proof, count, es_buf_span(&note))));
    es_buf_free(&text);
    es_buf_free(&note);
}

#endif
