/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6962 / RFC 9162 Merkle trees over SHA-256: hashes, the right edge a
 * writer keeps, proofs made from complete-subtree hashes, and the RFC 9162
 * verification algorithms.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "tlog.h"

/* ---- hashes ------------------------------------------------------------------------------ */

ES_RESULT es_tlog_leaf_hash(es_hash32 out, es_span entry)
{
    /* RFC 9162 §2.1.1: MTH({d0}) = HASH(0x00 || d0). */
    static const uint8_t prefix = 0x00;
    es_span parts[2] = {es_span_of(&prefix, 1), entry};
    return es_sha256(out, parts, 2);
}

ES_RESULT es_tlog_node_hash(es_hash32 out, const es_hash32 left, const es_hash32 right)
{
    /* RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
    uint8_t in[1 + 2 * ES_TLOG_HASH_LEN];
    in[0] = 0x01;
    memcpy(in + 1, left, ES_TLOG_HASH_LEN);
    memcpy(in + 1 + ES_TLOG_HASH_LEN, right, ES_TLOG_HASH_LEN);
    es_span part = es_span_of(in, sizeof(in));
    return es_sha256(out, &part, 1);
}

void es_tlog_empty_root(es_hash32 out)
{
    /* SHA-256("") (RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string). */
    static const es_hash32 empty = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                    0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                    0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    memcpy(out, empty, ES_TLOG_HASH_LEN);
}

/* ---- the right edge ------------------------------------------------------------------------ */

void es_tlog_edge_init(es_tlog_edge *e) { memset(e, 0, sizeof(*e)); }

ES_RESULT es_tlog_edge_append(es_tlog_edge *e, const es_hash32 leaf, es_tlog_node_cb cb, void *ctx)
{
    /* RFC 9162 §2.1.2: push the leaf, then merge once per trailing 1-bit of its index. The edge
     * is only changed once every callback has succeeded, so a failed append can be retried. */
    ES_ENSURE(e->size < UINT64_MAX, ESEAL_ELIMIT, "tlog: the tree is full (2^64 - 1 leaves)");
    ES_ENSURE(e->count == (unsigned)__builtin_popcountll(e->size), ESEAL_EINVAL,
              "tlog: edge of size %llu holds %u hashes", (unsigned long long)e->size, e->count);
    es_hash32 h;
    memcpy(h, leaf, ES_TLOG_HASH_LEN);
    if (cb != NULL) {
        ES_GUARD(cb(ctx, 0, e->size, h));
    }
    unsigned top = e->count;
    unsigned height = 0;
    for (uint64_t i = e->size; (i & 1) != 0; i >>= 1) {
        top--;
        ES_GUARD(es_tlog_node_hash(h, e->h[top], h));
        height++;
        if (cb != NULL) {
            ES_GUARD(cb(ctx, height, e->size >> height, h));
        }
    }
    memcpy(e->h[top], h, ES_TLOG_HASH_LEN);
    e->count = top + 1;
    e->size++;
    return ES_OK;
}

ES_RESULT es_tlog_edge_root(const es_tlog_edge *e, es_hash32 out)
{
    if (e->count == 0) {
        es_tlog_empty_root(out);
        return ES_OK;
    }
    /* The edge holds the perfect subtrees left to right; MTH folds them from the right. */
    es_hash32 r;
    memcpy(r, e->h[e->count - 1], ES_TLOG_HASH_LEN);
    for (unsigned i = e->count - 1; i > 0; i--) {
        ES_GUARD(es_tlog_node_hash(r, e->h[i - 1], r));
    }
    memcpy(out, r, ES_TLOG_HASH_LEN);
    return ES_OK;
}

ES_RESULT es_tlog_edge_encode(es_buf *out, const es_tlog_edge *e)
{
    ES_ENSURE(e->count == (unsigned)__builtin_popcountll(e->size), ESEAL_EINVAL,
              "tlog: edge of size %llu holds %u hashes", (unsigned long long)e->size, e->count);
    uint8_t be[8];
    for (int i = 0; i < 8; i++) {
        be[i] = (uint8_t)(e->size >> (56 - 8 * i));
    }
    ES_GUARD(es_buf_append(out, be, sizeof(be)));
    for (unsigned i = 0; i < e->count; i++) {
        ES_GUARD(es_buf_append(out, e->h[i], ES_TLOG_HASH_LEN));
    }
    return ES_OK;
}

ES_RESULT es_tlog_edge_decode(es_tlog_edge *e, es_span in)
{
    es_cur c = es_cur_of(in);
    es_span s;
    ES_ENSURE(in.len >= 8, ESEAL_EMALFORMED, "tlog edge: %zu bytes, too short for the size", in.len);
    ES_GUARD(es_cur_take(&c, 8, &s));
    uint64_t size = 0;
    for (size_t i = 0; i < 8; i++) {
        size = (size << 8) | s.ptr[i];
    }
    unsigned count = (unsigned)__builtin_popcountll(size);
    ES_ENSURE(es_cur_left(&c) == (size_t)count * ES_TLOG_HASH_LEN, ESEAL_EMALFORMED,
              "tlog edge: size %llu needs %u hashes (%u bytes) but %zu bytes follow", (unsigned long long)size,
              count, count * ES_TLOG_HASH_LEN, es_cur_left(&c));
    es_tlog_edge_init(e);
    for (unsigned i = 0; i < count; i++) {
        ES_GUARD(es_cur_take(&c, ES_TLOG_HASH_LEN, &s));
        memcpy(e->h[i], s.ptr, ES_TLOG_HASH_LEN);
    }
    e->size = size;
    e->count = count;
    return ES_OK;
}

/* ---- proofs from complete-subtree hashes ------------------------------------------------ */

static unsigned log2_floor(uint64_t x) { return 63u - (unsigned)__builtin_clzll(x); }

/* The largest power of two smaller than n (n >= 2): RFC 9162 §2.1.1's k. */
static uint64_t split_point(uint64_t n) { return (uint64_t)1 << log2_floor(n - 1); }

/*
 * MTH(D[lo:lo+n]) for n >= 1 where lo is a multiple of the largest power of
 * two <= n, which every range a proof asks for is: its perfect subtrees, from
 * the binary digits of n, folded from the right.
 */
static ES_RESULT range_hash(es_hash32 out, uint64_t lo, uint64_t n, es_tlog_hash_fn fn, void *ctx)
{
    es_hash32 parts[64];
    unsigned count = 0;
    uint64_t at = lo;
    for (int h = 63; h >= 0; h--) {
        uint64_t p = (uint64_t)1 << h;
        if ((n & p) == 0) {
            continue;
        }
        ES_ENSURE((at & (p - 1)) == 0, ESEAL_EINVAL, "tlog: range at %llu is not aligned to %llu",
                  (unsigned long long)at, (unsigned long long)p);
        ES_GUARD(fn(ctx, (unsigned)h, at >> h, parts[count]));
        count++;
        at += p;
    }
    es_hash32 r;
    memcpy(r, parts[count - 1], ES_TLOG_HASH_LEN);
    for (unsigned i = count - 1; i > 0; i--) {
        ES_GUARD(es_tlog_node_hash(r, parts[i - 1], r));
    }
    memcpy(out, r, ES_TLOG_HASH_LEN);
    return ES_OK;
}

ES_RESULT es_tlog_tree_hash(es_hash32 out, uint64_t size, es_tlog_hash_fn fn, void *ctx)
{
    if (size == 0) {
        es_tlog_empty_root(out);
        return ES_OK;
    }
    return range_hash(out, 0, size, fn, ctx);
}

typedef struct {
    es_hash32 *proof;
    size_t count;
    es_tlog_hash_fn fn;
    void *ctx;
} prover;

static ES_RESULT push_range(prover *p, uint64_t lo, uint64_t n)
{
    ES_ENSURE(p->count < ES_TLOG_MAX_PROOF, ESEAL_ELIMIT, "tlog: proof longer than %d hashes", ES_TLOG_MAX_PROOF);
    ES_GUARD(range_hash(p->proof[p->count], lo, n, p->fn, p->ctx));
    p->count++;
    return ES_OK;
}

/* RFC 9162 §2.1.3.1 PATH(m, D[lo:lo+n]). The recursion is at most 64 deep. */
static ES_RESULT path(prover *p, uint64_t m, uint64_t lo, uint64_t n)
{
    if (n == 1) {
        return ES_OK;
    }
    uint64_t k = split_point(n);
    if (m < k) {
        ES_GUARD(path(p, m, lo, k));
        return push_range(p, lo + k, n - k);
    }
    ES_GUARD(path(p, m - k, lo + k, n - k));
    return push_range(p, lo, k);
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:lo+n], b). */
static ES_RESULT subproof(prover *p, uint64_t m, uint64_t lo, uint64_t n, bool b)
{
    if (m == n) {
        return b ? ES_OK : push_range(p, lo, n);
    }
    uint64_t k = split_point(n);
    if (m <= k) {
        ES_GUARD(subproof(p, m, lo, k, b));
        return push_range(p, lo + k, n - k);
    }
    ES_GUARD(subproof(p, m - k, lo + k, n - k, false));
    return push_range(p, lo, k);
}

ES_RESULT es_tlog_prove_inclusion(es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count, uint64_t index, uint64_t size,
                                  es_tlog_hash_fn fn, void *ctx)
{
    *count = 0;
    ES_ENSURE(index < size, ESEAL_EINVAL, "tlog: no inclusion proof for index %llu in a tree of size %llu",
              (unsigned long long)index, (unsigned long long)size);
    prover p = {proof, 0, fn, ctx};
    ES_GUARD(path(&p, index, 0, size));
    *count = p.count;
    return ES_OK;
}

ES_RESULT es_tlog_prove_consistency(es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count, uint64_t m, uint64_t n,
                                    es_tlog_hash_fn fn, void *ctx)
{
    *count = 0;
    ES_ENSURE(m > 0 && m <= n, ESEAL_EINVAL, "tlog: no consistency proof from size %llu to size %llu",
              (unsigned long long)m, (unsigned long long)n);
    prover p = {proof, 0, fn, ctx};
    ES_GUARD(subproof(&p, m, 0, n, true));
    *count = p.count;
    return ES_OK;
}

/* ---- verification (RFC 9162) -------------------------------------------------------------- */

static bool hash_eq(const es_hash32 a, const es_hash32 b) { return memcmp(a, b, ES_TLOG_HASH_LEN) == 0; }

ES_RESULT es_tlog_verify_inclusion(uint64_t index, uint64_t size, const es_hash32 leaf, const es_hash32 *proof,
                                   size_t count, const es_hash32 root)
{
    /* RFC 9162 §2.1.3.2, step by step. */
    ES_ENSURE(index < size, ESEAL_EVERIFY, "inclusion proof: index %llu is not below the tree size %llu",
              (unsigned long long)index, (unsigned long long)size);
    ES_ENSURE(count <= ES_TLOG_MAX_PROOF, ESEAL_EVERIFY, "inclusion proof: %zu hashes, more than %d", count,
              ES_TLOG_MAX_PROOF);
    uint64_t fn = index;
    uint64_t sn = size - 1;
    es_hash32 r;
    memcpy(r, leaf, ES_TLOG_HASH_LEN);
    for (size_t i = 0; i < count; i++) {
        ES_ENSURE(sn != 0, ESEAL_EVERIFY,
                  "inclusion proof: %zu hashes, longer than a tree of size %llu needs for index %llu", count,
                  (unsigned long long)size, (unsigned long long)index);
        if ((fn & 1) != 0 || fn == sn) {
            ES_GUARD(es_tlog_node_hash(r, proof[i], r));
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ES_GUARD(es_tlog_node_hash(r, r, proof[i]));
        }
        fn >>= 1;
        sn >>= 1;
    }
    ES_ENSURE(sn == 0, ESEAL_EVERIFY,
              "inclusion proof: %zu hashes, shorter than a tree of size %llu needs for index %llu", count,
              (unsigned long long)size, (unsigned long long)index);
    ES_ENSURE(hash_eq(r, root), ESEAL_EVERIFY,
              "inclusion proof: the computed root does not match the root of the tree of size %llu",
              (unsigned long long)size);
    return ES_OK;
}

ES_RESULT es_tlog_verify_consistency(uint64_t m, uint64_t n, const es_hash32 root_m, const es_hash32 root_n,
                                     const es_hash32 *proof, size_t count)
{
    /* Policy (transparency-dev/merkle): a consistency proof from the empty tree proves nothing;
     * tlog-witness handles old size 0 itself. */
    ES_ENSURE(m > 0, ESEAL_EVERIFY, "consistency proof: the old size is 0 (nothing to prove)");
    ES_ENSURE(m <= n, ESEAL_EVERIFY, "consistency proof: the old size %llu is larger than the new size %llu",
              (unsigned long long)m, (unsigned long long)n);
    ES_ENSURE(count <= ES_TLOG_MAX_PROOF, ESEAL_EVERIFY, "consistency proof: %zu hashes, more than %d", count,
              ES_TLOG_MAX_PROOF);
    if (m == n) {
        ES_ENSURE(count == 0, ESEAL_EVERIFY, "consistency proof: %zu hashes for two trees of the same size %llu",
                  count, (unsigned long long)m);
        ES_ENSURE(hash_eq(root_m, root_n), ESEAL_EVERIFY,
                  "consistency proof: two different roots for the same size %llu", (unsigned long long)m);
        return ES_OK;
    }
    /* RFC 9162 §2.1.4.2, step by step. */
    ES_ENSURE(count > 0, ESEAL_EVERIFY, "consistency proof: empty, but sizes %llu and %llu differ",
              (unsigned long long)m, (unsigned long long)n);
    bool pow2 = (m & (m - 1)) == 0;
    size_t total = count + (pow2 ? 1 : 0);
    uint64_t fn = m - 1;
    uint64_t sn = n - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    es_hash32 fr, sr;
    const uint8_t *first = pow2 ? root_m : proof[0];
    memcpy(fr, first, ES_TLOG_HASH_LEN);
    memcpy(sr, first, ES_TLOG_HASH_LEN);
    for (size_t i = 1; i < total; i++) {
        const uint8_t *c = proof[pow2 ? i - 1 : i];
        ES_ENSURE(sn != 0, ESEAL_EVERIFY, "consistency proof: %zu hashes, more than sizes %llu and %llu need",
                  count, (unsigned long long)m, (unsigned long long)n);
        if ((fn & 1) != 0 || fn == sn) {
            ES_GUARD(es_tlog_node_hash(fr, c, fr));
            ES_GUARD(es_tlog_node_hash(sr, c, sr));
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ES_GUARD(es_tlog_node_hash(sr, sr, c));
        }
        fn >>= 1;
        sn >>= 1;
    }
    ES_ENSURE(sn == 0, ESEAL_EVERIFY, "consistency proof: %zu hashes, fewer than sizes %llu and %llu need", count,
              (unsigned long long)m, (unsigned long long)n);
    ES_ENSURE(hash_eq(fr, root_m), ESEAL_EVERIFY, "consistency proof: does not lead to the old root (size %llu)",
              (unsigned long long)m);
    ES_ENSURE(hash_eq(sr, root_n), ESEAL_EVERIFY, "consistency proof: does not lead to the new root (size %llu)",
              (unsigned long long)n);
    return ES_OK;
}
