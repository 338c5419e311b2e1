/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/tlog: RFC 6962/9162 Merkle trees, C2SP tlog-tiles, signed notes, cosignatures,
 * checkpoints, tlog-proof receipts and tlog-witness request bodies.
 *
 * The published vectors of shared/testdata/tlog-vectors (SOURCES.md says where each comes
 * from) are replayed in full; the rest compares the library with a reference written here
 * from the RFC 9162 §2.1 definitions (recursive MTH, PATH and PROOF over directly computed
 * subtree hashes) on random trees read back through the tile reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "tlog/tlog.h"
#include "../test_vectors.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static char vec_root[1024];

static const char *vec_path(const char *rel)
{
    static _Thread_local char p[2048];
    (void)snprintf(p, sizeof(p), "%s/%s", vec_root, rel);
    return p;
}

static json_t *load_json(const char *rel)
{
    json_error_t err;
    json_t *j = json_load_file(vec_path(rel), 0, &err);
    if (j == NULL) {
        fail_msg("%s: %s (line %d)", rel, err.text, err.line);
    }
    return j;
}

static es_buf read_vec(const char *rel)
{
    es_buf b = ES_BUF_INIT(4u << 20);
    if (!es_ok(es_file_read(&b, vec_path(rel), 4u << 20))) {
        fail_msg("cannot read %s: %s", rel, eseal_error_last()->message);
    }
    return b;
}

static es_span span_str(const char *s) { return es_span_of(s, strlen(s)); }

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

/* Decodes vector base64 with OpenSSL's decoder (not the library's own strict one). */
static size_t b64(uint8_t *out, size_t cap, const char *s)
{
    es_buf b = ES_BUF_INIT(4096);
    assert_true(es_ok(es_base64_decode(&b, span_str(s))));
    size_t n = b.len;
    assert_true(n <= cap);
    if (n > 0) {
        memcpy(out, b.ptr, n);
    }
    es_buf_free(&b);
    return n;
}

static void hex32(es_hash32 out, const char *hex)
{
    es_buf b = ES_BUF_INIT(64);
    assert_true(es_ok(es_hex_decode(&b, hex)));
    assert_int_equal(b.len, 32);
    memcpy(out, b.ptr, 32);
    es_buf_free(&b);
}

static void leaf_of(es_hash32 out, const void *p, size_t n) { assert_true(es_ok(es_tlog_leaf_hash(out, es_span_of(p, n)))); }

static void node_of(es_hash32 out, const es_hash32 l, const es_hash32 r) { assert_true(es_ok(es_tlog_node_hash(out, l, r))); }

static void assert_code(es_result r, int code, const char *needle)
{
    if (es_code(r) != code) {
        fail_msg("expected %s, got %s: %s", eseal_code_name(code), eseal_code_name(es_code(r)),
                 eseal_error_last()->message);
    }
    if (needle != NULL && strstr(eseal_error_last()->message, needle) == NULL) {
        fail_msg("message '%s' does not contain '%s'", eseal_error_last()->message, needle);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

/* ---- an in-memory tile store, written by the edge's node callback ------------------------------ */

typedef struct {
    es_buf *tiles[8];
    size_t ntiles[8];
    unsigned long reads;
} mem_tiles;

static es_result mem_tiles_put(mem_tiles *m, unsigned level, uint64_t n, unsigned pos, const es_hash32 h)
{
    if (n >= m->ntiles[level]) {
        size_t want = (size_t)n + 1;
        es_buf *t = es_realloc(m->tiles[level], want * sizeof(*t));
        assert_non_null(t);
        for (size_t i = m->ntiles[level]; i < want; i++) {
            t[i] = (es_buf)ES_BUF_INIT(8192);
        }
        m->tiles[level] = t;
        m->ntiles[level] = want;
    }
    es_buf *b = &m->tiles[level][n];
    assert_int_equal(b->len, (size_t)pos * 32); /* tiles grow strictly in order */
    return es_buf_append(b, h, 32);
}

/* tlog-tiles: height 8L subtrees are the hashes of level-L tiles. */
static es_result mem_tiles_cb(void *ctx, unsigned height, uint64_t index, const es_hash32 hash)
{
    if (height % 8 != 0) {
        return ES_OK;
    }
    return mem_tiles_put(ctx, height / 8, index >> 8, (unsigned)(index & 255), hash);
}

static es_result mem_tiles_read(void *ctx, unsigned level, uint64_t n, es_buf *out)
{
    mem_tiles *m = ctx;
    __atomic_fetch_add(&m->reads, 1, __ATOMIC_RELAXED);
    if (level >= 8 || n >= m->ntiles[level] || m->tiles[level][n].len == 0) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "test store: no tile %u/%llu", level,
                            (unsigned long long)n);
    }
    return es_buf_append(out, m->tiles[level][n].ptr, m->tiles[level][n].len);
}

static void mem_tiles_free(mem_tiles *m)
{
    for (int l = 0; l < 8; l++) {
        for (size_t i = 0; i < m->ntiles[l]; i++) {
            es_buf_free(&m->tiles[l][i]);
        }
        es_free(m->tiles[l]);
    }
    memset(m, 0, sizeof(*m));
}

/* ---- the reference: RFC 9162 §2.1 written out recursively ----------------------------------------- */

typedef struct {
    es_hash32 *leaves;
    size_t n, cap;
    es_hash32 *levels[64]; /* levels[h][i]: the perfect subtree of height h at index i, bottom-up */
    size_t nlevel[64];
} ref_tree;

static void ref_add(ref_tree *t, const es_hash32 leaf)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->leaves = es_realloc(t->leaves, t->cap * sizeof(es_hash32));
        assert_non_null(t->leaves);
        for (int h = 1; h < 64; h++) {
            t->levels[h] = es_realloc(t->levels[h], (t->cap >> h) * sizeof(es_hash32) + sizeof(es_hash32));
            assert_non_null(t->levels[h]);
        }
    }
    memcpy(t->leaves[t->n], leaf, 32);
    t->n++;
    t->levels[0] = t->leaves;
    t->nlevel[0] = t->n;
    for (int h = 1; h < 64 && (t->n >> h) > t->nlevel[h]; h++) {
        size_t i = t->nlevel[h];
        node_of(t->levels[h][i], t->levels[h - 1][2 * i], t->levels[h - 1][2 * i + 1]);
        t->nlevel[h]++;
    }
}

static void ref_free(ref_tree *t)
{
    es_free(t->leaves);
    for (int h = 1; h < 64; h++) {
        es_free(t->levels[h]);
    }
    memset(t, 0, sizeof(*t));
}

static uint64_t k_of(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

/* MTH(D[lo:lo+n]) (RFC 9162 §2.1.1), perfect aligned subtrees looked up directly. */
static void ref_mth(const ref_tree *t, uint64_t lo, uint64_t n, es_hash32 out)
{
    if (n == 0) {
        es_tlog_empty_root(out);
        return;
    }
    if ((n & (n - 1)) == 0 && lo % n == 0) {
        unsigned h = (unsigned)__builtin_ctzll(n);
        assert_true(lo / n < t->nlevel[h]);
        memcpy(out, t->levels[h][lo / n], 32);
        return;
    }
    uint64_t k = k_of(n);
    es_hash32 a, b;
    ref_mth(t, lo, k, a);
    ref_mth(t, lo + k, n - k, b);
    node_of(out, a, b);
}

/* PATH(m, D[lo:lo+n]) (RFC 9162 §2.1.3.1). */
static void ref_path(const ref_tree *t, uint64_t m, uint64_t lo, uint64_t n, es_hash32 *out, size_t *count)
{
    if (n == 1) {
        return;
    }
    uint64_t k = k_of(n);
    if (m < k) {
        ref_path(t, m, lo, k, out, count);
        ref_mth(t, lo + k, n - k, out[(*count)++]);
    } else {
        ref_path(t, m - k, lo + k, n - k, out, count);
        ref_mth(t, lo, k, out[(*count)++]);
    }
}

/* SUBPROOF(m, D[lo:lo+n], b) (RFC 9162 §2.1.4.1). */
static void ref_subproof(const ref_tree *t, uint64_t m, uint64_t lo, uint64_t n, bool b, es_hash32 *out,
                         size_t *count)
{
    if (m == n) {
        if (!b) {
            ref_mth(t, lo, n, out[(*count)++]);
        }
        return;
    }
    uint64_t k = k_of(n);
    if (m <= k) {
        ref_subproof(t, m, lo, k, b, out, count);
        ref_mth(t, lo + k, n - k, out[(*count)++]);
    } else {
        ref_subproof(t, m - k, lo + k, n - k, false, out, count);
        ref_mth(t, lo, k, out[(*count)++]);
    }
}

/* An es_tlog_hash_fn over the reference (perfect subtrees only, as the contract says). */
static es_result ref_hash_fn(void *ctx, unsigned height, uint64_t index, es_hash32 out)
{
    const ref_tree *t = ctx;
    if (index >= t->nlevel[height]) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "reference: no subtree %u/%llu", height,
                            (unsigned long long)index);
    }
    memcpy(out, t->levels[height][index], 32);
    return ES_OK;
}

/* Checks inclusion of `index` at `size` through `fn` against the reference, then verifies it. */
static void check_inclusion(const ref_tree *t, es_tlog_hash_fn fn, void *ctx, uint64_t index, uint64_t size)
{
    es_hash32 proof[ES_TLOG_MAX_PROOF], want[ES_TLOG_MAX_PROOF], root;
    size_t count = 0, wcount = 0;
    es_result r = es_tlog_prove_inclusion(proof, &count, index, size, fn, ctx);
    if (!es_ok(r)) {
        fail_msg("prove_inclusion(%llu, %llu): %s", (unsigned long long)index, (unsigned long long)size,
                 eseal_error_last()->message);
    }
    ref_path(t, index, 0, size, want, &wcount);
    assert_int_equal(count, wcount);
    assert_memory_equal(proof, want, count * 32);
    ref_mth(t, 0, size, root);
    r = es_tlog_verify_inclusion(index, size, t->leaves[index], proof, count, root);
    if (!es_ok(r)) {
        fail_msg("verify_inclusion(%llu, %llu): %s", (unsigned long long)index, (unsigned long long)size,
                 eseal_error_last()->message);
    }
}

static void check_consistency(const ref_tree *t, es_tlog_hash_fn fn, void *ctx, uint64_t m, uint64_t n)
{
    es_hash32 proof[ES_TLOG_MAX_PROOF], want[ES_TLOG_MAX_PROOF], rm, rn;
    size_t count = 0, wcount = 0;
    es_result r = es_tlog_prove_consistency(proof, &count, m, n, fn, ctx);
    if (!es_ok(r)) {
        fail_msg("prove_consistency(%llu, %llu): %s", (unsigned long long)m, (unsigned long long)n,
                 eseal_error_last()->message);
    }
    ref_subproof(t, m, 0, n, true, want, &wcount);
    assert_int_equal(count, wcount);
    assert_memory_equal(proof, want, count * 32);
    ref_mth(t, 0, m, rm);
    ref_mth(t, 0, n, rn);
    r = es_tlog_verify_consistency(m, n, rm, rn, proof, count);
    if (!es_ok(r)) {
        fail_msg("verify_consistency(%llu, %llu): %s", (unsigned long long)m, (unsigned long long)n,
                 eseal_error_last()->message);
    }
}

/* A tree of `size` random leaves: reference, tiles written through the edge, and the edge. */
typedef struct {
    ref_tree ref;
    mem_tiles tiles;
    es_tlog_edge edge;
} test_log;

static void log_append(test_log *l, const es_hash32 leaf)
{
    ref_add(&l->ref, leaf);
    assert_true(es_ok(es_tlog_edge_append(&l->edge, leaf, mem_tiles_cb, &l->tiles)));
}

static void log_append_random(test_log *l)
{
    uint8_t entry[24];
    for (size_t i = 0; i < sizeof(entry); i += 8) {
        uint64_t v = rnd();
        memcpy(entry + i, &v, 8);
    }
    es_hash32 h;
    leaf_of(h, entry, sizeof(entry));
    log_append(l, h);
}

static void log_free(test_log *l)
{
    ref_free(&l->ref);
    mem_tiles_free(&l->tiles);
}

/* ---- transparency-dev/merkle probes ------------------------------------------------------------- */

typedef void (*probe_fn)(const char *name, const char *raw, json_t *j, unsigned *passed);

/*
 * An unsigned JSON number read from the text itself: jansson's integers are signed 64-bit,
 * and the probes use 2^64 - 1 (an index of 0 minus one).
 */
static uint64_t raw_u64(const char *raw, const char *key)
{
    char quoted[64];
    (void)snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    const char *p = strstr(raw, quoted);
    assert_non_null(p);
    p += strlen(quoted);
    while (*p == ' ' || *p == ':') {
        p++;
    }
    char digits[32];
    size_t n = 0;
    while (*p >= '0' && *p <= '9' && n + 1 < sizeof(digits)) {
        digits[n++] = *p++;
    }
    digits[n] = '\0';
    uint64_t v = 0;
    assert_true(es_ok(es_parse_uint(digits, UINT64_MAX, &v)));
    return v;
}

static void walk(const char *rel, probe_fn fn, unsigned *count, unsigned *passed)
{
    DIR *d = opendir(vec_path(rel));
    assert_non_null(d);
    struct dirent *e;
    char names[64][256];
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            assert_true(n < 64);
            (void)snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
        }
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char sub[1024];
        (void)snprintf(sub, sizeof(sub), "%s/%s", rel, names[i]);
        struct stat st;
        assert_int_equal(stat(vec_path(sub), &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(sub, fn, count, passed);
        } else if (strstr(names[i], ".json") != NULL) {
            es_buf raw = read_vec(sub);
            json_error_t err;
            json_t *j = json_loads(es_buf_cstr(&raw), JSON_DECODE_INT_AS_REAL, &err);
            if (j == NULL) {
                fail_msg("%s: %s", sub, err.text);
            }
            fn(sub, es_buf_cstr(&raw), j, passed);
            json_decref(j);
            es_buf_free(&raw);
            (*count)++;
        }
    }
}

/* Decodes a probe's hash; false when it is not 32 bytes (the API cannot even express that). */
static bool probe_hash(es_hash32 out, const json_t *v)
{
    uint8_t buf[128];
    size_t n = b64(buf, sizeof(buf), json_string_value(v));
    if (n != 32) {
        return false;
    }
    memcpy(out, buf, 32);
    return true;
}

static bool probe_proof(es_hash32 *proof, size_t *count, const json_t *arr)
{
    *count = 0;
    if (json_is_null(arr)) {
        return true;
    }
    bool ok = true;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        assert_true(i < ES_TLOG_MAX_PROOF);
        ok = probe_hash(proof[i], json_array_get(arr, i)) && ok;
    }
    *count = json_array_size(arr);
    return ok;
}

static void inclusion_probe(const char *name, const char *raw, json_t *j, unsigned *passed)
{
    es_hash32 leaf, root, proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    bool want_err = json_is_true(json_object_get(j, "wantErr"));
    bool sizes_ok = probe_hash(leaf, json_object_get(j, "leafHash"));
    sizes_ok = probe_hash(root, json_object_get(j, "root")) && sizes_ok;
    sizes_ok = probe_proof(proof, &count, json_object_get(j, "proof")) && sizes_ok;
    int code = ESEAL_EMALFORMED; /* a hash that is not 32 bytes: rejected before the algorithm */
    if (sizes_ok) {
        code = es_code(es_tlog_verify_inclusion(raw_u64(raw, "leafIdx"), raw_u64(raw, "treeSize"), leaf, proof,
                                                count, root));
        if (code != ESEAL_OK) {
            assert_int_equal(code, ESEAL_EVERIFY); /* a proof that does not hold is a verdict, not an error */
        }
    }
    if ((code == ESEAL_OK) == want_err) {
        fail_msg("%s (%s): wantErr %d but got %s", name, jstr(j, "desc"), want_err, eseal_code_name(code));
    }
    (*passed)++;
}

static void merkle_inclusion_probes(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    unsigned count = 0, passed = 0;
    walk("merkle/inclusion", inclusion_probe, &count, &passed);
    assert_int_equal(count, 98); /* every file of SOURCES.md's inclusion set */
    assert_int_equal(passed, count);
}

static void consistency_probe(const char *name, const char *raw, json_t *j, unsigned *passed)
{
    es_hash32 r1, r2, proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    bool want_err = json_is_true(json_object_get(j, "wantErr"));
    bool sizes_ok = probe_hash(r1, json_object_get(j, "root1"));
    sizes_ok = probe_hash(r2, json_object_get(j, "root2")) && sizes_ok;
    sizes_ok = probe_proof(proof, &count, json_object_get(j, "proof")) && sizes_ok;
    int code = ESEAL_EMALFORMED;
    if (sizes_ok) {
        code = es_code(es_tlog_verify_consistency(raw_u64(raw, "size1"), raw_u64(raw, "size2"), r1, r2, proof,
                                                  count));
        if (code != ESEAL_OK) {
            assert_int_equal(code, ESEAL_EVERIFY);
        }
    }
    if (strstr(name, "sizes-are-equal-one-and-proof-is-empty.json") != NULL) {
        /*
         * SOURCES.md caveat 2: transparency-dev/merkle only byte-compares the two roots when
         * size1 == size2, so its 12-byte "roots" pass there. Roots are 32-byte hashes in this
         * API (es_hash32), so such a probe is refused before verification: our strict policy.
         * The same case with real 32-byte roots is accepted in equal_sizes_policy below.
         */
        assert_false(want_err);
        assert_false(sizes_ok);
        assert_int_equal(code, ESEAL_EMALFORMED);
        (*passed)++;
        return;
    }
    if ((code == ESEAL_OK) == want_err) {
        fail_msg("%s (%s): wantErr %d but got %s", name, jstr(j, "desc"), want_err, eseal_code_name(code));
    }
    (*passed)++;
}

static void merkle_consistency_probes(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    unsigned count = 0, passed = 0;
    walk("merkle/consistency", consistency_probe, &count, &passed);
    assert_int_equal(count, 98);
    assert_int_equal(passed, count);
}

static void equal_sizes_policy(void **state)
{
    (void)state;
    es_hash32 a, b, p[1];
    leaf_of(a, "a", 1);
    leaf_of(b, "b", 1);
    memcpy(p[0], a, 32);
    assert_true(es_ok(es_tlog_verify_consistency(1, 1, a, a, NULL, 0)));
    assert_true(es_ok(es_tlog_verify_consistency(5, 5, b, b, NULL, 0)));
    assert_code(es_tlog_verify_consistency(1, 1, a, b, NULL, 0), ESEAL_EVERIFY, "two different roots");
    assert_code(es_tlog_verify_consistency(1, 1, a, a, p, 1), ESEAL_EVERIFY, "same size");
    /* Size 0 is refused by the library even with the empty root and no proof (SOURCES.md caveat 1):
     * tlog-witness special-cases old size 0 in the witness, not here. */
    es_hash32 empty;
    es_tlog_empty_root(empty);
    assert_code(es_tlog_verify_consistency(0, 0, empty, empty, NULL, 0), ESEAL_EVERIFY, "old size is 0");
    assert_code(es_tlog_verify_consistency(0, 1, empty, a, NULL, 0), ESEAL_EVERIFY, "old size is 0");
    assert_code(es_tlog_verify_consistency(2, 1, a, a, p, 1), ESEAL_EVERIFY, "larger than the new size");
    es_hash32 many[ES_TLOG_MAX_PROOF + 1];
    memset(many, 0, sizeof(many));
    assert_code(es_tlog_verify_consistency(3, 7, a, b, many, ES_TLOG_MAX_PROOF + 1), ESEAL_EVERIFY, "more than 64");
    assert_code(es_tlog_verify_inclusion(0, 7, a, many, ES_TLOG_MAX_PROOF + 1, b), ESEAL_EVERIFY, "more than 64");
}

/* ---- the RFC 6962 8-leaf tree ---------------------------------------------------------------------- */

static void rfc6962_8leaf(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *j = load_json("rfc6962-8leaf.json");
    json_t *inputs = json_object_get(j, "leaf_inputs_hex");
    assert_int_equal(json_array_size(inputs), 8);
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    es_hash32 root, want;
    for (size_t i = 0; i <= 8; i++) {
        hex32(want, json_string_value(json_object_get(json_object_get(j, "root_by_tree_size"),
                                                      (const char *[]){"0", "1", "2", "3", "4", "5", "6", "7", "8"}[i])));
        assert_true(es_ok(es_tlog_edge_root(&l.edge, root)));
        assert_memory_equal(root, want, 32);
        if (i > 0) {
            ref_mth(&l.ref, 0, i, root);
            assert_memory_equal(root, want, 32);
            assert_true(es_ok(es_tlog_tree_hash(root, i, ref_hash_fn, &l.ref)));
            assert_memory_equal(root, want, 32);
        }
        if (i == 8) {
            break;
        }
        es_buf in = ES_BUF_INIT(64);
        assert_true(es_ok(es_hex_decode(&in, json_string_value(json_array_get(inputs, i)))));
        es_hash32 leaf;
        leaf_of(leaf, in.ptr, in.len);
        es_buf_free(&in);
        hex32(want, json_string_value(json_array_get(json_object_get(j, "leaf_hashes"), i)));
        assert_memory_equal(leaf, want, 32);
        log_append(&l, leaf);
    }
    /* Every complete-subtree hash, as the edge's callback reported and the reference computed. */
    json_t *levels = json_object_get(j, "node_hashes_by_level");
    assert_int_equal(json_array_size(levels), 4);
    for (size_t h = 0; h < 4; h++) {
        json_t *lv = json_array_get(levels, h);
        assert_int_equal(json_array_size(lv), 8u >> h);
        for (size_t i = 0; i < json_array_size(lv); i++) {
            hex32(want, json_string_value(json_array_get(lv, i)));
            es_hash32 got;
            assert_true(es_ok(ref_hash_fn(&l.ref, (unsigned)h, i, got)));
            assert_memory_equal(got, want, 32);
        }
    }
    /* All 36 inclusion and 36 consistency proofs, made by the library from an in-memory source. */
    json_t *inc = json_object_get(j, "inclusion_proofs");
    assert_int_equal(json_array_size(inc), 36);
    for (size_t k = 0; k < 36; k++) {
        json_t *p = json_array_get(inc, k);
        uint64_t idx = (uint64_t)json_integer_value(json_object_get(p, "leaf_index"));
        uint64_t size = (uint64_t)json_integer_value(json_object_get(p, "tree_size"));
        json_t *hs = json_object_get(p, "proof");
        es_hash32 proof[ES_TLOG_MAX_PROOF];
        size_t count = 0;
        assert_true(es_ok(es_tlog_prove_inclusion(proof, &count, idx, size, ref_hash_fn, &l.ref)));
        assert_int_equal(count, json_array_size(hs));
        for (size_t i = 0; i < count; i++) {
            hex32(want, json_string_value(json_array_get(hs, i)));
            assert_memory_equal(proof[i], want, 32);
        }
        ref_mth(&l.ref, 0, size, root);
        assert_true(es_ok(es_tlog_verify_inclusion(idx, size, l.ref.leaves[idx], proof, count, root)));
    }
    json_t *con = json_object_get(j, "consistency_proofs");
    assert_int_equal(json_array_size(con), 36);
    for (size_t k = 0; k < 36; k++) {
        json_t *p = json_array_get(con, k);
        uint64_t m = (uint64_t)json_integer_value(json_object_get(p, "size1"));
        uint64_t n = (uint64_t)json_integer_value(json_object_get(p, "size2"));
        json_t *hs = json_object_get(p, "proof");
        es_hash32 proof[ES_TLOG_MAX_PROOF], rm;
        size_t count = 0;
        assert_true(es_ok(es_tlog_prove_consistency(proof, &count, m, n, ref_hash_fn, &l.ref)));
        assert_int_equal(count, json_array_size(hs));
        for (size_t i = 0; i < count; i++) {
            hex32(want, json_string_value(json_array_get(hs, i)));
            assert_memory_equal(proof[i], want, 32);
        }
        ref_mth(&l.ref, 0, m, rm);
        ref_mth(&l.ref, 0, n, root);
        assert_true(es_ok(es_tlog_verify_consistency(m, n, rm, root, proof, count)));
    }
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    assert_code(es_tlog_prove_inclusion(proof, &count, 8, 8, ref_hash_fn, &l.ref), ESEAL_EINVAL, NULL);
    assert_code(es_tlog_prove_consistency(proof, &count, 0, 8, ref_hash_fn, &l.ref), ESEAL_EINVAL, NULL);
    assert_code(es_tlog_prove_consistency(proof, &count, 5, 4, ref_hash_fn, &l.ref), ESEAL_EINVAL, NULL);
    log_free(&l);
    json_decref(j);
}

/* ---- signed notes ----------------------------------------------------------------------------- */

static json_t *note_vector(json_t *all, const char *id)
{
    json_t *vs = json_object_get(all, "vectors");
    for (size_t i = 0; i < json_array_size(vs); i++) {
        json_t *v = json_array_get(vs, i);
        if (strcmp(jstr(v, "id"), id) == 0) {
            return v;
        }
    }
    fail_msg("no vector %s", id);
    return NULL;
}

static es_result parse_str(es_note *n, const char *s) { return es_note_parse(n, span_str(s)); }

/* `note` with the signature line of `name` re-encoded with one more byte after its signature. */
static void with_longer_signature(es_buf *out, const es_note *n, const char *name)
{
    es_buf_clear(out);
    assert_true(es_ok(es_buf_append(out, n->text.ptr, n->text.len)));
    assert_true(es_ok(es_buf_append_byte(out, '\n')));
    for (size_t i = 0; i < n->count; i++) {
        const es_note_sig *s = &n->sigs[i];
        uint8_t payload[4 + sizeof(s->sig) + 1];
        for (int b = 0; b < 4; b++) {
            payload[b] = (uint8_t)(s->id >> (24 - 8 * b));
        }
        assert_true(s->sig_len <= sizeof(s->sig));
        memcpy(payload + 4, s->sig, s->sig_len);
        size_t len = 4 + s->sig_len;
        if (strcmp(s->name, name) == 0) {
            payload[len++] = 0;
        }
        assert_true(es_ok(es_buf_printf(out, "— %s ", s->name)));
        assert_true(es_ok(es_base64_encode(out, es_span_of(payload, len))));
        assert_true(es_ok(es_buf_append_byte(out, '\n')));
    }
}

static void note_peterneumann(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *all = load_json("signed-note-vectors.json");
    json_t *v = note_vector(all, "go-note-peterneumann");
    es_note_signer s;
    eseal_key *key = NULL;
    assert_true(es_ok(es_note_skey_parse(&s, &key, jstr(v, "signer_key"))));
    assert_string_equal(s.v.name, "PeterNeumann");
    char idhex[9];
    (void)snprintf(idhex, sizeof(idhex), "%08x", s.v.id);
    assert_string_equal(idhex, jstr(v, "key_id_hex"));
    es_buf vk = ES_BUF_INIT(1024);
    assert_true(es_ok(es_note_vkey_format(&vk, &s.v)));
    assert_string_equal(es_buf_cstr(&vk), jstr(v, "verifier_key"));
    es_note_verifier ver;
    assert_true(es_ok(es_note_vkey_parse(&ver, jstr(v, "verifier_key"))));
    assert_memory_equal(&ver, &s.v, sizeof(ver));

    /* Ed25519 is deterministic (RFC 8032): the note is reproduced byte for byte. */
    es_buf signed_note = ES_BUF_INIT(4096);
    assert_true(es_ok(es_note_sign(&signed_note, span_str(jstr(v, "text")), &s, 1)));
    assert_string_equal(es_buf_cstr(&signed_note), jstr(v, "signed_note"));

    es_note n;
    uint64_t bits = 0;
    assert_true(es_ok(parse_str(&n, jstr(v, "signed_note"))));
    assert_int_equal(n.count, 1);
    assert_true(es_span_eq(n.text, span_str(jstr(v, "text"))));
    assert_true(es_ok(es_note_verify(&n, &ver, 1, &bits, NULL)));
    assert_int_equal(bits, 1);
    /* An Ed25519 signature is exactly 64 bytes: one byte more is not a valid signature. */
    es_buf longer = ES_BUF_INIT(4096);
    with_longer_signature(&longer, &n, "PeterNeumann");
    es_note ln;
    assert_true(es_ok(es_note_parse(&ln, es_buf_span(&longer))));
    assert_int_equal(ln.sigs[0].sig_len, 65);
    assert_code(es_note_verify(&ln, &ver, 1, &bits, NULL), ESEAL_EVERIFY, "does not verify");
    es_buf_free(&longer);

    /* EnochRoot's second signature: ignored when unknown, checked when known. */
    json_t *e = note_vector(all, "go-note-enochroot");
    es_buf two = ES_BUF_INIT(4096);
    assert_true(es_ok(es_buf_append(&two, signed_note.ptr, signed_note.len)));
    assert_true(es_ok(es_buf_append_str(&two, jstr(e, "signature_line"))));
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&two))));
    assert_int_equal(n.count, 2);
    assert_true(es_ok(es_note_verify(&n, &ver, 1, &bits, NULL)));
    assert_int_equal(bits, 1);
    es_note_verifier both[2];
    both[0] = ver;
    assert_true(es_ok(es_note_vkey_parse(&both[1], jstr(e, "verifier_key"))));
    assert_true(es_ok(es_note_verify(&n, both, 2, &bits, NULL)));
    assert_int_equal(bits, 3);
    assert_true(es_ok(es_note_verify(&n, &both[1], 1, &bits, NULL)));
    assert_int_equal(bits, 1);
    /* Same key and ID under another name: not the known key (signed-note: both must match). */
    es_note_verifier renamed = ver;
    (void)snprintf(renamed.name, sizeof(renamed.name), "PeterNeumann2");
    assert_code(es_note_verify(&n, &renamed, 1, &bits, NULL), ESEAL_EVERIFY, "none of its 2 signatures");
    /* Same name, another ID: an unknown key, ignored; nothing known left: EVERIFY. */
    es_note_verifier other = ver;
    other.id ^= 1;
    assert_code(es_note_verify(&n, &other, 1, &bits, NULL), ESEAL_EVERIFY, "none of its 2 signatures");
    assert_int_equal(bits, 0);
    /* A known key whose signature fails rejects the note even when another one verifies. */
    es_buf bad = ES_BUF_INIT(4096);
    assert_true(es_ok(es_buf_append(&bad, two.ptr, two.len)));
    size_t at = signed_note.len + strlen("— EnochRoot ") + 20;
    bad.ptr[at] = bad.ptr[at] == 'A' ? 'B' : 'A';
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    assert_code(es_note_verify(&n, both, 2, &bits, NULL), ESEAL_EVERIFY, "by EnochRoot (key ID af0cfe78) does not verify");
    assert_true(es_ok(es_note_verify(&n, &ver, 1, &bits, NULL))); /* EnochRoot unknown: fine */
    /* A repeat of a good line is fine; a second, different line by the same key is checked too. */
    es_buf_clear(&bad);
    const char *pn_line = jstr(v, "signed_note") + strlen(jstr(v, "text")) + 1;
    assert_true(es_ok(es_buf_append(&bad, signed_note.ptr, signed_note.len)));
    assert_true(es_ok(es_buf_append_str(&bad, pn_line)));
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    assert_true(es_ok(es_note_verify(&n, &ver, 1, &bits, NULL)));
    size_t at2 = bad.len - 10;
    bad.ptr[at2] = bad.ptr[at2] == 'A' ? 'B' : 'A';
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    assert_code(es_note_verify(&n, &ver, 1, &bits, NULL), ESEAL_EVERIFY, "by PeterNeumann (key ID c74f20a3) does not verify");

    /* The Tessera log's keys. */
    json_t *t = note_vector(all, "tessera-testdata-log-keys");
    es_note_signer ts;
    eseal_key *tkey = NULL;
    assert_true(es_ok(es_note_skey_parse(&ts, &tkey, jstr(t, "signer_key"))));
    es_buf_clear(&vk);
    assert_true(es_ok(es_note_vkey_format(&vk, &ts.v)));
    assert_string_equal(es_buf_cstr(&vk), jstr(t, "verifier_key"));

    eseal_key_free(tkey);
    eseal_key_free(key);
    es_buf_free(&vk);
    es_buf_free(&signed_note);
    es_buf_free(&two);
    es_buf_free(&bad);
    json_decref(all);
}

static void note_c2sp_and_sumdb(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *all = load_json("signed-note-vectors.json");
    json_t *v = note_vector(all, "c2sp-signed-note-example");
    es_note_verifier ver;
    es_note n;
    assert_true(es_ok(es_note_vkey_parse(&ver, jstr(v, "verifier_key"))));
    assert_string_equal(ver.name, "example.com/foo");
    assert_int_equal(ver.id, 0x530d903a);
    assert_true(es_ok(parse_str(&n, jstr(v, "signed_note"))));
    assert_true(es_span_eq(n.text, span_str("This is an example message.\n")));
    assert_true(es_ok(es_note_verify(&n, &ver, 1, NULL, NULL)));

    json_t *s = note_vector(all, "go-sumdb-tree-note-body");
    es_checkpoint cp;
    assert_true(es_ok(es_checkpoint_parse(&cp, span_str(jstr(s, "body")))));
    assert_string_equal(cp.origin, "go.sum database tree");
    assert_true(cp.size == (uint64_t)json_integer_value(json_object_get(s, "tree_size")));
    es_hash32 hw;
    leaf_of(hw, "hello world", 11); /* RecordHash('hello world') */
    assert_memory_equal(cp.root, hw, 32);
    assert_int_equal(cp.ext_lines, 0);
    es_buf b = ES_BUF_INIT(1024);
    assert_true(es_ok(es_checkpoint_format(&b, &cp)));
    assert_string_equal(es_buf_cstr(&b), jstr(s, "body"));
    es_buf_free(&b);
    json_decref(all);
}

/* Go x/mod note_test.go badMsgs, as signed-note-vectors.json describes them. */
static void note_go_negative(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *all = load_json("signed-note-vectors.json");
    json_t *v = note_vector(all, "go-note-peterneumann");
    assert_int_equal(json_array_size(json_object_get(note_vector(all, "go-note-negative"), "must_reject_as_malformed")),
                     8);
    const char *text = jstr(v, "text");
    const char *good = jstr(v, "signed_note");
    const char *line = good + strlen(text) + 1; /* "— PeterNeumann x08go...\n" */
    es_note n;
    es_buf m = ES_BUF_INIT(1 << 16);

    assert_code(parse_str(&n, text), ESEAL_EMALFORMED, "no blank line");
    assert_true(es_ok(es_buf_printf(&m, "%s\n", text)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "no signature lines");
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_append(&m, good, strlen(good) - 1)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "does not end with a newline");
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_printf(&m, "\x01%s", good)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "control character 0x01 at offset 0");
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_printf(&m, "\xff%s", good)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "invalid UTF-8 at offset 0");
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_printf(&m, "%s\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n", text)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "signature line 1: base64 length");
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_printf(&m, "%sUnexpected line.\n", good)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED,
                "signature line 2 does not start with an em dash");
    /* 100 copies of one signature parse and verify; 101 do not parse (Go's limit). */
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_printf(&m, "%s\n", text)));
    for (int i = 0; i < 100; i++) {
        assert_true(es_ok(es_buf_append_str(&m, line)));
    }
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&m))));
    assert_int_equal(n.count, 100);
    es_note_verifier ver;
    assert_true(es_ok(es_note_vkey_parse(&ver, jstr(v, "verifier_key"))));
    assert_true(es_ok(es_note_verify(&n, &ver, 1, NULL, NULL)));
    assert_true(es_ok(es_buf_append_str(&m, line)));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_EMALFORMED, "more than 100 signatures");
    es_buf_free(&m);
    json_decref(all);
}

static void note_limits(void **state)
{
    (void)state;
    es_note n;
    const char *sig = "— a AAAAAAE=\n"; /* key ID 0, one signature byte */
    struct {
        const char *msg;
        const char *why;
    } bad[] = {
        {"a\xc3\x28\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 1"},
        {"\xc0\xaf\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 0"},         /* overlong '/' */
        {"x\xed\xa0\x80\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 1"},    /* a surrogate */
        {"\xf4\x90\x80\x80\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 0"}, /* above U+10FFFF */
        {"ab\xe2\x80\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 2"},       /* truncated */
        {"ab\xe0\x80\xaf\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 2"},   /* overlong, 3 bytes */
        {"\xf0\x80\x80\xaf\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 0"}, /* overlong, 4 bytes */
        {"\x80\n\n— a AAAAAAE=\n", "invalid UTF-8 at offset 0"},             /* lone continuation */
        {"a\r\n\n— a AAAAAAE=\n", "control character 0x0d at offset 1"},
        {"a\tb\n\n— a AAAAAAE=\n", "control character 0x09 at offset 1"},
        {"text\n— a AAAAAAE=\n", "no blank line"},
        {"\n— a AAAAAAE=\n", "no blank line"},
        {"text\n\n— a+b AAAAAAE=\n", "signature line 1: name contains '+'"},
        {"text\n\n— a\xc2\xa0 AAAAAAE=\n", "signature line 1: name contains a space"},
        {"text\n\n— a\xe3\x80\x80 AAAAAAE=\n", "signature line 1: name contains a space"},
        {"text\n\n—  AAAAAAE=\n", "signature line 1: empty name"},
        {"text\n\n— a\n", "signature line 1: no space"},
        {"text\n\n— a \n", "signature line 1: empty base64"},
        {"text\n\n— a AAAAAA==\n", "signature line 1: 4 bytes, too short"},
        {"text\n\n— a AAAAAAF=\n", "non-zero padding bits"},
        {"text\n\n— a AAAA=AE=\n", "misplaced '='"},
        {"text\n\n— a AAAAAAE\n", "not a multiple of 4"},
        {"text\n\n-- a AAAAAAE=\n", "signature line 1 does not start with an em dash"},
        {"text\n\n— a AAAAAAE=\n— b AAAAAAE=", "does not end with a newline"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = parse_str(&n, bad[i].msg);
        if (es_code(r) != ESEAL_EMALFORMED || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("case %zu: got %s '%s', want EMALFORMED '%s'", i, eseal_code_name(es_code(r)),
                     eseal_error_last()->message, bad[i].why);
        }
    }
    static const char nul[] = "a\x00\n\n— a AAAAAAE=\n";
    assert_code(es_note_parse(&n, es_span_of(nul, sizeof(nul) - 1)), ESEAL_EMALFORMED, "control character 0x00 at offset 1");
    /* What the rules allow: DEL and C1 controls in the text (only ASCII below U+0020 is banned),
     * empty lines inside the text, the last blank line as the separator, 16 signatures. */
    assert_true(es_ok(parse_str(&n, "a\x7f\xc2\x85\xf4\x8f\xbf\xbf\n\n— a\x7f AAAAAAE=\n")));
    assert_string_equal(n.sigs[0].name, "a\x7f");
    assert_true(es_ok(parse_str(&n, "\n\n— a AAAAAAE=\n")));
    assert_true(es_span_eq(n.text, span_str("\n")));
    assert_true(es_ok(parse_str(&n, "a\n\nb\n\n\n— x AAAAAAE=\n")));
    assert_true(es_span_eq(n.text, span_str("a\n\nb\n\n")));
    assert_int_equal(n.count, 1);
    es_buf m = ES_BUF_INIT(ES_NOTE_MAX_LEN + 64);
    assert_true(es_ok(es_buf_append_str(&m, "t\n\n")));
    for (int i = 0; i < 16; i++) {
        assert_true(es_ok(es_buf_append_str(&m, sig)));
    }
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&m))));
    assert_int_equal(n.count, 16);
    assert_int_equal(n.sigs[3].sig_len, 1);
    /* A long signature (ML-DSA-44 sized, 2,420 bytes) keeps its name and ID. */
    es_buf_clear(&m);
    uint8_t big[4 + 2420];
    memset(big, 0x5a, sizeof(big));
    assert_true(es_ok(es_buf_append_str(&m, "t\n\n— pq ")));
    assert_true(es_ok(es_base64_encode(&m, es_span_of(big, sizeof(big)))));
    assert_true(es_ok(es_buf_append_str(&m, "\n")));
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&m))));
    assert_int_equal(n.sigs[0].sig_len, 2420);
    assert_int_equal(n.sigs[0].id, 0x5a5a5a5a);
    /* A name of 255 bytes is fine, 256 is not. */
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_append_str(&m, "t\n\n— ")));
    for (int i = 0; i < 255; i++) {
        assert_true(es_ok(es_buf_append_byte(&m, 'n')));
    }
    assert_true(es_ok(es_buf_append_str(&m, " AAAAAAE=\n")));
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&m))));
    es_buf_clear(&m);
    assert_true(es_ok(es_buf_append_str(&m, "t\n\n— ")));
    for (int i = 0; i < 256; i++) {
        assert_true(es_ok(es_buf_append_byte(&m, 'n')));
    }
    assert_true(es_ok(es_buf_append_str(&m, " AAAAAAE=\n")));
    /* A longer one is nobody eseal knows: kept, with an empty name that matches no verifier. */
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&m))));
    assert_string_equal(n.sigs[0].name, "");
    /* More than 1 MiB: refused before any parsing. */
    es_buf_clear(&m);
    for (int i = 0; i < ES_NOTE_MAX_LEN / 8; i++) {
        assert_true(es_ok(es_buf_append_str(&m, "aaaaaaa\n")));
    }
    assert_true(es_ok(es_buf_append_str(&m, "\n— a AAAAAAE=\n")));
    assert_code(es_note_parse(&n, es_buf_span(&m)), ESEAL_ELIMIT, "more than the limit");
    es_buf_free(&m);
}

static void note_keys(void **state)
{
    (void)state;
    es_note_verifier v;
    const char *good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert_true(es_ok(es_note_vkey_parse(&v, good)));
    struct {
        const char *vkey;
        int code;
        const char *why;
    } bad[] = {
        {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "does not match"},
        {"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "lowercase hex"},
        {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "lowercase hex"},
        {"Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "lowercase hex"},
        {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "space"},
        {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", ESEAL_EMALFORMED, "empty name"},
        {"PeterNeumann+c74f20a3", ESEAL_EMALFORMED, "expected <name>+<key ID>+<key>"},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", ESEAL_EMALFORMED, "multiple of 4"},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy1w==", ESEAL_EMALFORMED, "type byte and 32"},
        {"PeterNeumann+c74f20a3+ApwczYvRb/1XsQ2Yc9Lk3vuRn0Yi7GZmdj20TjbpNzDTqQ==", ESEAL_EUNSUPPORTED, "type 0x02"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_note_vkey_parse(&v, bad[i].vkey);
        if (es_code(r) != bad[i].code || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("vkey case %zu: got %s '%s'", i, eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
    }
    es_note_signer s;
    eseal_key *k = NULL;
    assert_code(es_note_skey_parse(&s, &k, "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"),
                ESEAL_EMALFORMED, "does not match");
    assert_null(k);
    assert_code(es_note_skey_parse(&s, &k, "PRIVATE+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"),
                ESEAL_EMALFORMED, "PRIVATE+KEY+");
    assert_code(es_note_skey_parse(&s, &k, "PRIVATE+KEY+PeterNeumann+c74f20a3+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"),
                ESEAL_EUNSUPPORTED, "0x04");
    /* Signers: name rules, type, and the key must be Ed25519. */
    eseal_key *ed = NULL, *p256 = NULL;
    assert_int_equal(eseal_key_generate(&ed, ESEAL_ALG_ED25519), ESEAL_OK);
    assert_int_equal(eseal_key_generate(&p256, ESEAL_ALG_P256), ESEAL_OK);
    assert_code(es_note_signer_init(&s, "a+b", ES_NOTE_ED25519, ed), ESEAL_EINVAL, "'+'");
    assert_code(es_note_signer_init(&s, "ab", 0x02, ed), ESEAL_EINVAL, "type 0x02");
    assert_code(es_note_signer_init(&s, "ab", ES_NOTE_ED25519, p256), ESEAL_EINVAL, "not ed25519");
    assert_true(es_ok(es_note_signer_init(&s, "example.com/log", ES_NOTE_ED25519, ed)));
    es_buf out = ES_BUF_INIT(4096);
    assert_code(es_note_sign_line(&out, span_str("no newline"), &s), ESEAL_EINVAL, "newline");
    assert_code(es_note_sign_line(&out, span_str("a\x01\n"), &s), ESEAL_EMALFORMED, "control character");
    assert_code(es_note_cosign_line(&out, span_str("a\n"), &s, 1), ESEAL_EINVAL, "cannot make a cosignature");
    /* A fresh key signs, and its vkey verifies what it signed. */
    assert_true(es_ok(es_note_sign(&out, span_str("hello\n"), &s, 1)));
    es_buf vk = ES_BUF_INIT(1024);
    assert_true(es_ok(es_note_vkey_format(&vk, &s.v)));
    assert_true(es_ok(es_note_vkey_parse(&v, es_buf_cstr(&vk))));
    es_note n;
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&out))));
    assert_true(es_ok(es_note_verify(&n, &v, 1, NULL, NULL)));
    es_note_verifier many[65];
    for (int i = 0; i < 65; i++) {
        many[i] = v;
    }
    assert_code(es_note_verify(&n, many, 65, NULL, NULL), ESEAL_EINVAL, "at most 64");
    eseal_key_free(ed);
    eseal_key_free(p256);
    es_buf_free(&out);
    es_buf_free(&vk);
}

/* ---- cosignatures ------------------------------------------------------------------------------- */

static void cosignature_one(const char *dir, const char *seed_text)
{
    char rel[256];
    (void)snprintf(rel, sizeof(rel), "cosignature/%s/checkpoint", dir);
    es_buf cp = read_vec(rel);
    (void)snprintf(rel, sizeof(rel), "cosignature/%s/witness.v0.json", dir);
    json_t *w = load_json(rel);
    const char *vkey = json_string_value(json_array_get(json_object_get(w, "verifier_keys"), 0));
    assert_non_null(vkey);
    es_note_verifier v;
    assert_true(es_ok(es_note_vkey_parse(&v, vkey)));
    assert_int_equal(v.type, ES_NOTE_COSIG_V1);
    assert_string_equal(v.name, jstr(w, "name"));

    es_note n;
    uint64_t bits = 0, ts = 0;
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&cp))));
    assert_true(es_ok(es_note_verify(&n, &v, 1, &bits, &ts)));
    assert_int_equal(bits, 1);
    assert_true(ts == 1767139200u);
    es_checkpoint c;
    assert_true(es_ok(es_checkpoint_parse(&c, n.text)));
    assert_true(c.size == 300);

    /* The witness key from its documented seed reproduces the vkey and the line byte for byte. */
    uint8_t seed[64];
    size_t seed_len = 0;
    assert_true(es_ok(es_digest(seed, &seed_len, ESEAL_HASH_SHA256, span_str(seed_text))));
    eseal_key *key = NULL;
    assert_true(es_ok(es_ed25519_key_from_seed(&key, seed)));
    es_note_signer s;
    assert_true(es_ok(es_note_signer_init(&s, jstr(w, "name"), ES_NOTE_COSIG_V1, key)));
    es_buf vk = ES_BUF_INIT(1024);
    assert_true(es_ok(es_note_vkey_format(&vk, &s.v)));
    assert_string_equal(es_buf_cstr(&vk), vkey);
    es_buf line = ES_BUF_INIT(1024);
    assert_true(es_ok(es_note_cosign_line(&line, n.text, &s, 1767139200)));
    char prefix[300];
    (void)snprintf(prefix, sizeof(prefix), "— %s ", v.name);
    const char *in_file = strstr(es_buf_cstr(&cp), prefix);
    assert_non_null(in_file);
    assert_memory_equal(in_file, line.ptr, line.len);
    assert_int_equal(strlen(in_file), line.len); /* the witness line is the last one */
    /* As a note signer it cannot sign plain notes. */
    assert_code(es_note_sign_line(&line, n.text, &s), ESEAL_EINVAL, "cannot make a note signature");

    /* A timestamped signature is exactly 72 bytes. */
    es_buf longer = ES_BUF_INIT(4096);
    with_longer_signature(&longer, &n, v.name);
    es_note ln;
    assert_true(es_ok(es_note_parse(&ln, es_buf_span(&longer))));
    assert_code(es_note_verify(&ln, &v, 1, &bits, &ts), ESEAL_EVERIFY, "cosignature by");
    es_buf_free(&longer);

    /* One flipped byte, in the text or in the signature, and it fails. */
    es_buf bad = ES_BUF_INIT(4096);
    assert_true(es_ok(es_buf_append(&bad, cp.ptr, cp.len)));
    bad.ptr[2] ^= 0x01;
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    assert_code(es_note_verify(&n, &v, 1, &bits, &ts), ESEAL_EVERIFY, "cosignature by");
    es_buf_clear(&bad);
    assert_true(es_ok(es_buf_append(&bad, cp.ptr, cp.len)));
    size_t at = (size_t)(in_file - es_buf_cstr(&cp)) + strlen(prefix) + 30;
    bad.ptr[at] = bad.ptr[at] == 'A' ? 'B' : 'A';
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    assert_code(es_note_verify(&n, &v, 1, &bits, &ts), ESEAL_EVERIFY, "cosignature by");
    /* The timestamp is signed too: another timestamp, same signature, fails. */
    es_buf_clear(&bad);
    assert_true(es_ok(es_buf_append(&bad, cp.ptr, cp.len)));
    assert_true(es_ok(es_note_parse(&n, es_buf_span(&bad))));
    for (size_t i = 0; i < n.count; i++) {
        if (strcmp(n.sigs[i].name, v.name) == 0) {
            n.sigs[i].sig[7] ^= 1;
        }
    }
    assert_code(es_note_verify(&n, &v, 1, &bits, &ts), ESEAL_EVERIFY, "cosignature by");

    eseal_key_free(key);
    es_buf_free(&vk);
    es_buf_free(&line);
    es_buf_free(&bad);
    es_buf_free(&cp);
    json_decref(w);
}

/* tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1, even under a valid signature. */
static void cosignature_timestamp_bound(void **state)
{
    (void)state;
    eseal_key *key = NULL;
    assert_int_equal(eseal_key_generate(&key, ESEAL_ALG_ED25519), ESEAL_OK);
    es_note_signer s;
    assert_true(es_ok(es_note_signer_init(&s, "w.example", ES_NOTE_COSIG_V1, key)));
    const char *text = "log.example\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    es_buf line = ES_BUF_INIT(1024);
    assert_code(es_note_cosign_line(&line, span_str(text), &s, (uint64_t)INT64_MAX + 1), ESEAL_EINVAL, "2^63 - 1");
    const uint64_t stamps[] = {(uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < 3; i++) {
        /* Signed by hand, past the signer's own check. */
        char msg[512];
        int ml = snprintf(msg, sizeof(msg), "cosignature/v1\ntime %llu\n%s", (unsigned long long)stamps[i], text);
        eseal_buf sig = ESEAL_BUF_INIT;
        assert_int_equal(eseal_key_sign(&sig, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, (size_t)ml), ESEAL_OK);
        uint8_t payload[76];
        for (int b = 0; b < 4; b++) {
            payload[b] = (uint8_t)(s.v.id >> (24 - 8 * b));
        }
        for (int b = 0; b < 8; b++) {
            payload[4 + b] = (uint8_t)(stamps[i] >> (56 - 8 * b));
        }
        assert_int_equal(sig.size, 64);
        memcpy(payload + 12, sig.ptr, 64);
        eseal_buf_dispose(&sig);
        es_buf note = ES_BUF_INIT(4096);
        assert_true(es_ok(es_buf_printf(&note, "%s\n— w.example ", text)));
        assert_true(es_ok(es_base64_encode(&note, es_span_of(payload, sizeof(payload)))));
        assert_true(es_ok(es_buf_append_byte(&note, '\n')));
        es_note n;
        uint64_t ts = 0;
        assert_true(es_ok(es_note_parse(&n, es_buf_span(&note))));
        if (i == 0) {
            assert_true(es_ok(es_note_verify(&n, &s.v, 1, NULL, &ts)));
            assert_true(ts == (uint64_t)INT64_MAX);
            /* The library's own line for that time is the same bytes. */
            es_buf_clear(&line);
            assert_true(es_ok(es_note_cosign_line(&line, span_str(text), &s, (uint64_t)INT64_MAX)));
            assert_non_null(strstr(es_buf_cstr(&note), es_buf_cstr(&line)));
        } else {
            assert_code(es_note_verify(&n, &s.v, 1, NULL, &ts), ESEAL_EVERIFY, "cosignature by w.example");
        }
        es_buf_free(&note);
    }
    es_buf_free(&line);
    eseal_key_free(key);
}

static void cosignatures(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    cosignature_one("witness", "skylight test witness key");
    cosignature_one("witness2", "skylight test witness2 key");
}

/* ---- tile paths --------------------------------------------------------------------------------- */

static void path_is(int level, uint64_t n, unsigned width, const char *want)
{
    es_buf b = ES_BUF_INIT(256);
    assert_true(es_ok(es_tlog_tile_path(&b, level, n, width)));
    assert_string_equal(es_buf_cstr(&b), want);
    int l = 0;
    uint64_t nn = 0;
    unsigned w = 0;
    assert_true(es_ok(es_tlog_tile_path_parse(want, &l, &nn, &w)));
    assert_int_equal(l, level);
    assert_true(nn == n);
    assert_int_equal(w, width);
    es_buf_free(&b);
}

static void tile_paths(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *j = load_json("tile-paths.json");
    json_t *enc = json_object_get(j, "index_encoding");
    assert_true(json_array_size(enc) >= 7);
    for (size_t i = 0; i < json_array_size(enc); i++) {
        json_t *e = json_array_get(enc, i);
        char want[128];
        (void)snprintf(want, sizeof(want), "tile/0/%s", jstr(e, "path_element"));
        path_is(0, (uint64_t)json_integer_value(json_object_get(e, "n")), 256, want);
        (void)snprintf(want, sizeof(want), "tile/entries/%s.p/7", jstr(e, "path_element"));
        path_is(ES_TLOG_ENTRIES_LEVEL, (uint64_t)json_integer_value(json_object_get(e, "n")), 7, want);
    }
    assert_string_equal(jstr(json_object_get(j, "spec_examples"), "1234067"), "x001/x234/067");

    /* The inventory of every listed tree size, from es_tlog_tile_count and es_tlog_tile_path. */
    json_t *inv = json_object_get(j, "inventory_by_tree_size");
    const char *key;
    json_t *levels;
    size_t sizes = 0;
    json_object_foreach(inv, key, levels)
    {
        uint64_t size = 0;
        assert_true(es_ok(es_parse_uint(key, UINT64_MAX, &size)));
        size_t nlev = 0;
        for (unsigned level = 0; level < 8; level++) {
            uint64_t full = 0;
            unsigned partial = 0;
            es_tlog_tile_count(size, level, &full, &partial);
            if (full == 0 && partial == 0) {
                for (unsigned above = level; above < 10; above++) {
                    es_tlog_tile_count(size, above, &full, &partial);
                    assert_true(full == 0 && partial == 0);
                }
                break;
            }
            json_t *lv = json_array_get(levels, nlev++);
            assert_non_null(lv);
            assert_int_equal(json_integer_value(json_object_get(lv, "level")), level);
            assert_true(full == (uint64_t)json_integer_value(json_object_get(lv, "full_tiles")));
            assert_int_equal(partial, json_integer_value(json_object_get(lv, "partial_width")));
            es_buf b = ES_BUF_INIT(256);
            if (full > 0) {
                assert_true(es_ok(es_tlog_tile_path(&b, (int)level, full - 1, 256)));
                assert_string_equal(es_buf_cstr(&b), jstr(lv, "last_full"));
            } else {
                assert_true(json_is_null(json_object_get(lv, "last_full")));
            }
            es_buf_clear(&b);
            if (partial > 0) {
                assert_true(es_ok(es_tlog_tile_path(&b, (int)level, full, partial)));
                assert_string_equal(es_buf_cstr(&b), jstr(lv, "partial"));
            } else {
                assert_true(json_is_null(json_object_get(lv, "partial")));
            }
            es_buf_free(&b);
        }
        assert_int_equal(nlev, json_array_size(levels));
        sizes++;
    }
    assert_int_equal(sizes, 15);
    /* The spec's own examples: 70,000 and 256. */
    uint64_t full = 0;
    unsigned partial = 0;
    es_tlog_tile_count(70000, 0, &full, &partial);
    assert_true(full == 273 && partial == 112);
    es_tlog_tile_count(70000, 1, &full, &partial);
    assert_true(full == 1 && partial == 17);
    es_tlog_tile_count(70000, 2, &full, &partial);
    assert_true(full == 0 && partial == 1);
    es_tlog_tile_count(256, 1, &full, &partial);
    assert_true(full == 0 && partial == 1);

    json_t *bundles = json_object_get(j, "entry_bundle_examples");
    assert_int_equal(json_array_size(bundles), 14);
    for (size_t i = 0; i < json_array_size(bundles); i++) {
        json_t *e = json_array_get(bundles, i);
        uint64_t size = (uint64_t)json_integer_value(json_object_get(e, "tree_size"));
        es_tlog_tile_count(size, 0, &full, &partial);
        es_buf b = ES_BUF_INIT(256);
        if (full > 0) {
            assert_true(es_ok(es_tlog_tile_path(&b, ES_TLOG_ENTRIES_LEVEL, full - 1, 256)));
            assert_string_equal(es_buf_cstr(&b), jstr(e, "last_full_bundle"));
        } else {
            assert_true(json_is_null(json_object_get(e, "last_full_bundle")));
        }
        es_buf_clear(&b);
        if (partial > 0) {
            assert_true(es_ok(es_tlog_tile_path(&b, ES_TLOG_ENTRIES_LEVEL, full, partial)));
            assert_string_equal(es_buf_cstr(&b), jstr(e, "partial_bundle"));
        } else {
            assert_true(json_is_null(json_object_get(e, "partial_bundle")));
        }
        es_buf_free(&b);
    }

    /* golang.org/x/mod's tile/H/L/N[.p/W] and tile/H/data/N paths are another scheme (the height
     * is in the path, "data" not "entries"): none of them, valid or invalid there, is read here. */
    json_t *go = json_object_get(j, "go_sumdb_paths_with_height");
    json_t *valid = json_object_get(go, "valid");
    json_t *invalid = json_object_get(go, "invalid");
    assert_int_equal(json_array_size(valid), 6);
    assert_int_equal(json_array_size(invalid), 2);
    int l = 0;
    uint64_t n = 0;
    unsigned w = 0;
    for (size_t i = 0; i < json_array_size(valid); i++) {
        const char *p = json_string_value(json_array_get(json_array_get(valid, i), 0));
        assert_code(es_tlog_tile_path_parse(p, &l, &n, &w), ESEAL_EMALFORMED, "tile path");
    }
    for (size_t i = 0; i < json_array_size(invalid); i++) {
        assert_code(es_tlog_tile_path_parse(json_string_value(json_array_get(invalid, i)), &l, &n, &w),
                    ESEAL_EMALFORMED, "tile path");
    }
    json_decref(j);

    /* Non-canonical forms of our own scheme. */
    const char *bad[] = {"tile/0/000.p/0",   "tile/0/000.p/256",  "tile/0/000.p/01",     "tile/64/000",
                         "tile/00/000",      "tile/01/000",       "tile/0/x000/001",     "tile/0/1",
                         "tile/0/0001",      "tile/0/000/",       "tile/0/x1234/000",    "tile/0/x001",
                         "tile/0/001.p/",    "tile/0/001.p/5/",   "tile/-1/000",         "tile/data/000",
                         "tile/0/000.p/5x",  "Tile/0/000",        "tile/0/x01/000",      "tile//000",
                         "tile/0/x001/x000", "tile/0/000.P/5",    "tile/entries/x000/000", "",
                         "tile/0/x072/x057/x594/x037/x927/936" /* 2^56: its first leaf would be 2^64 */};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_tlog_tile_path_parse(bad[i], &l, &n, &w);
        if (es_code(r) != ESEAL_EMALFORMED) {
            fail_msg("'%s' parsed (%s)", bad[i], eseal_code_name(es_code(r)));
        }
    }
    path_is(63, 0, 255, "tile/63/000.p/255");
    path_is(0, UINT64_MAX >> 8, 1, "tile/0/x072/x057/x594/x037/x927/935.p/1");
    path_is(ES_TLOG_ENTRIES_LEVEL, 1000, 256, "tile/entries/x001/000");
    es_buf b = ES_BUF_INIT(256);
    assert_code(es_tlog_tile_path(&b, 64, 0, 256), ESEAL_EINVAL, NULL);
    assert_code(es_tlog_tile_path(&b, -2, 0, 256), ESEAL_EINVAL, NULL);
    assert_code(es_tlog_tile_path(&b, 0, 0, 0), ESEAL_EINVAL, NULL);
    assert_code(es_tlog_tile_path(&b, 0, 0, 257), ESEAL_EINVAL, NULL);
    es_buf_free(&b);
}

/* ---- the Tessera log, rebuilt ---------------------------------------------------------------------- */

static void tessera_log(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *all = load_json("signed-note-vectors.json");
    json_t *v = note_vector(all, "tessera-testdata-log-keys");
    json_t *entries = json_object_get(v, "entries_in_order");
    assert_int_equal(json_array_size(entries), 15);
    es_note_signer s;
    eseal_key *key = NULL;
    es_note_verifier ver;
    assert_true(es_ok(es_note_skey_parse(&s, &key, jstr(v, "signer_key"))));
    assert_true(es_ok(es_note_vkey_parse(&ver, jstr(v, "verifier_key"))));

    mem_tiles tiles;
    memset(&tiles, 0, sizeof(tiles));
    es_tlog_tile_reader *reader = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&reader, mem_tiles_read, &tiles, 16)));
    es_tlog_edge edge;
    es_tlog_edge_init(&edge);
    es_buf bundle = ES_BUF_INIT(1 << 20);
    es_hash32 leaves[15];
    for (size_t size = 0; size <= 15; size++) {
        if (size > 0) {
            const char *e = json_string_value(json_array_get(entries, size - 1));
            size_t len = strlen(e);
            leaf_of(leaves[size - 1], e, len);
            assert_true(es_ok(es_tlog_edge_append(&edge, leaves[size - 1], mem_tiles_cb, &tiles)));
            /* tlog-tiles entry bundle: uint16 big-endian length, then the entry. */
            uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
            assert_true(es_ok(es_buf_append(&bundle, be, 2)));
            assert_true(es_ok(es_buf_append(&bundle, e, len)));
        }
        es_checkpoint cp;
        memset(&cp, 0, sizeof(cp));
        (void)snprintf(cp.origin, sizeof(cp.origin), "%s", "example.com/log/testdata");
        cp.size = size;
        assert_true(es_ok(es_tlog_edge_root(&edge, cp.root)));
        es_hash32 th;
        assert_true(es_ok(es_tlog_tree_hash(th, size, es_tlog_tile_reader_hash, reader)));
        assert_memory_equal(th, cp.root, 32);
        es_buf body = ES_BUF_INIT(4096), note = ES_BUF_INIT(4096);
        assert_true(es_ok(es_checkpoint_format(&body, &cp)));
        assert_true(es_ok(es_note_sign(&note, es_buf_span(&body), &s, 1)));
        char rel[64];
        (void)snprintf(rel, sizeof(rel), "tessera-log/checkpoint.%zu", size);
        es_buf want = read_vec(rel);
        assert_int_equal(note.len, want.len);
        assert_memory_equal(note.ptr, want.ptr, want.len);
        es_note n;
        es_checkpoint got;
        assert_true(es_ok(es_note_parse(&n, es_buf_span(&want))));
        assert_true(es_ok(es_note_verify(&n, &ver, 1, NULL, NULL)));
        assert_true(es_ok(es_checkpoint_parse(&got, n.text)));
        assert_true(got.size == size);
        assert_memory_equal(got.root, cp.root, 32);
        es_buf_free(&want);
        if (size > 0) {
            (void)snprintf(rel, sizeof(rel), "tessera-log/tile/0/000.p/%zu", size);
            want = read_vec(rel);
            assert_int_equal(tiles.tiles[0][0].len, want.len);
            assert_memory_equal(tiles.tiles[0][0].ptr, want.ptr, want.len);
            es_buf_free(&want);
            (void)snprintf(rel, sizeof(rel), "tessera-log/tile/entries/000.p/%zu", size);
            want = read_vec(rel);
            assert_int_equal(bundle.len, want.len);
            assert_memory_equal(bundle.ptr, want.ptr, want.len);
            es_buf_free(&want);
            /* Every entry so far is provably in this checkpoint, through the tiles. */
            for (size_t i = 0; i < size; i++) {
                es_hash32 proof[ES_TLOG_MAX_PROOF];
                size_t count = 0;
                assert_true(es_ok(es_tlog_prove_inclusion(proof, &count, i, size, es_tlog_tile_reader_hash, reader)));
                assert_true(es_ok(es_tlog_verify_inclusion(i, size, leaves[i], proof, count, got.root)));
            }
        }
        es_buf_free(&body);
        es_buf_free(&note);
    }
    es_buf latest = read_vec("tessera-log/checkpoint");
    es_buf last = read_vec("tessera-log/checkpoint.15");
    assert_true(es_span_eq(es_buf_span(&latest), es_buf_span(&last)));
    es_buf_free(&latest);
    es_buf_free(&last);
    es_tlog_tile_reader_free(reader);
    mem_tiles_free(&tiles);
    es_buf_free(&bundle);
    eseal_key_free(key);
    json_decref(all);
}

/* ---- tlog-witness add-checkpoint bodies --------------------------------------------------------- */

static void witness_requests(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *j = load_json("witness-add-checkpoint.json");
    es_buf pub = ES_BUF_INIT(64);
    assert_true(es_ok(es_hex_decode(&pub, jstr(j, "log_pubkey_hex"))));
    assert_int_equal(pub.len, 32);
    es_note_verifier log;
    memset(&log, 0, sizeof(log));
    (void)snprintf(log.name, sizeof(log.name), "%s", jstr(j, "log_origin"));
    log.type = ES_NOTE_ED25519;
    memcpy(log.pub, pub.ptr, 32);
    assert_true(es_ok(es_note_key_id(&log.id, log.name, log.type, log.pub)));

    /* A witness reduced to its checks (tlog-witness §add-checkpoint), applied in order. */
    uint64_t wsize = 0;
    es_hash32 wroot;
    es_tlog_empty_root(wroot);
    json_t *cases = json_object_get(j, "cases");
    assert_int_equal(json_array_size(cases), 9);
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        const char *body = jstr(c, "request_body");
        es_witness_req req;
        assert_true(es_ok(es_witness_req_parse(&req, span_str(body))));
        /* The old size and proof lines, counted here from the text itself. */
        uint64_t want_old = 0;
        assert_int_equal(strncmp(body, "old ", 4), 0);
        for (const char *p = body + 4; *p != '\n'; p++) {
            want_old = want_old * 10 + (uint64_t)(*p - '0');
        }
        size_t want_count = 0;
        const char *p = strchr(body, '\n') + 1;
        while (*p != '\n') {
            want_count++;
            p = strchr(p, '\n') + 1;
        }
        assert_true(req.old_size == want_old);
        assert_int_equal(req.count, want_count);
        assert_true(req.note.ptr == (const uint8_t *)p + 1);
        /* Round trip: formatting the parsed request gives the body back. */
        es_buf again = ES_BUF_INIT(8192);
        assert_true(es_ok(es_witness_req_format(&again, req.old_size, req.proof, req.count, req.note)));
        assert_string_equal(es_buf_cstr(&again), body);
        es_buf_free(&again);

        int status = 0;
        es_note n;
        es_checkpoint cp;
        es_result r = es_note_parse(&n, req.note);
        if (!es_ok(r)) {
            /*
             * Case 2's signature ends in "6gx=": non-zero padding bits. Go (litewitness)
             * decodes base64 leniently and then fails the signature (403); our strict
             * decoder already refuses the note's syntax. Either way it is not accepted.
             */
            assert_int_equal(i, 1);
            assert_code(r, ESEAL_EMALFORMED, "non-zero padding bits");
            status = 403;
        } else {
            assert_true(es_ok(es_checkpoint_parse(&cp, n.text)));
            if (strcmp(cp.origin, log.name) != 0) {
                status = 404;
            } else if (!es_ok(es_note_verify(&n, &log, 1, NULL, NULL))) {
                status = 403;
            } else if (req.old_size > cp.size) {
                status = 400;
            } else if (req.old_size != wsize) {
                status = 409;
            } else if (req.old_size == 0) {
                es_hash32 empty;
                es_tlog_empty_root(empty);
                status = req.count == 0 && (cp.size > 0 || memcmp(cp.root, empty, 32) == 0) ? 200 : 422;
            } else {
                r = es_tlog_verify_consistency(req.old_size, cp.size, wroot, cp.root, req.proof, req.count);
                status = es_ok(r) ? 200 : 422;
            }
            if (status == 200) {
                wsize = cp.size;
                memcpy(wroot, cp.root, 32);
            }
        }
        if (status != json_integer_value(json_object_get(c, "spec_expected_status"))) {
            fail_msg("case %zu: status %d, spec says %lld", i + 1, status,
                     (long long)json_integer_value(json_object_get(c, "spec_expected_status")));
        }
        if (status == 409) {
            char want[64];
            (void)snprintf(want, sizeof(want), "body == \"%llu\\n\"", (unsigned long long)wsize);
            assert_string_equal(jstr(c, "assert"), want);
        }
    }
    assert_true(wsize == 5);

    /* Malformed bodies. */
    struct {
        const char *body;
        const char *why;
    } bad[] = {
        {"old 01\n\nx\n", "leading zero"},
        {"old -1\n\nx\n", "not a decimal number"},
        {"old 1\r\n\nx\n", "not a decimal number"},
        {"new 1\n\nx\n", "not 'old <size>'"},
        {"old 1\n", "no empty line"},
        {"old 1\nKgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "no empty line"},
        {"old 1\n\n", "no checkpoint"},
        {"old 1\nKgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\nx\n", "proof hash 1: not the base64 of 32 bytes"},
        {"old 1\nKgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nx\n", "proof hash 1: base64 length"},
        {"old 1", "no 'old <size>' line"},
        {"old 9223372036854775808\n\nx\n", "out of range"},
    };
    es_witness_req req;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_witness_req_parse(&req, span_str(bad[i].body));
        if (es_code(r) != ESEAL_EMALFORMED || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("witness case %zu: got %s '%s'", i, eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
    }
    es_buf many = ES_BUF_INIT(1 << 16);
    assert_true(es_ok(es_buf_append_str(&many, "old 1\n")));
    for (int i = 0; i < 63; i++) {
        assert_true(es_ok(es_buf_append_str(&many, "KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")));
    }
    es_buf tail = ES_BUF_INIT(1 << 16);
    assert_true(es_ok(es_buf_append(&tail, many.ptr, many.len)));
    assert_true(es_ok(es_buf_append_str(&tail, "\nnote\n")));
    assert_true(es_ok(es_witness_req_parse(&req, es_buf_span(&tail))));
    assert_int_equal(req.count, 63);
    assert_true(es_ok(es_buf_append_str(&many, "KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nnote\n")));
    assert_code(es_witness_req_parse(&req, es_buf_span(&many)), ESEAL_EMALFORMED, "more than 63 proof hashes");
    es_buf_free(&many);
    es_buf_free(&tail);
    es_buf_free(&pub);
    json_decref(j);
}

/* ---- the edge ----------------------------------------------------------------------------------- */

static void edge_encoding(void **state)
{
    (void)state;
    es_tlog_edge e, d;
    es_tlog_edge_init(&e);
    es_buf b = ES_BUF_INIT(4096);
    for (unsigned i = 0; i < 300; i++) {
        es_buf_clear(&b);
        assert_true(es_ok(es_tlog_edge_encode(&b, &e)));
        assert_int_equal(b.len, 8 + 32 * __builtin_popcount(i));
        assert_true(es_ok(es_tlog_edge_decode(&d, es_buf_span(&b))));
        assert_true(d.size == e.size);
        assert_int_equal(d.count, e.count);
        assert_memory_equal(d.h, e.h, 32 * e.count);
        es_hash32 r1, r2;
        assert_true(es_ok(es_tlog_edge_root(&e, r1)));
        assert_true(es_ok(es_tlog_edge_root(&d, r2)));
        assert_memory_equal(r1, r2, 32);
        /* Decoded, it appends on exactly like the original. */
        es_hash32 leaf;
        leaf_of(leaf, &i, sizeof(i));
        assert_true(es_ok(es_tlog_edge_append(&e, leaf, NULL, NULL)));
        assert_true(es_ok(es_tlog_edge_append(&d, leaf, NULL, NULL)));
        assert_true(es_ok(es_tlog_edge_root(&e, r1)));
        assert_true(es_ok(es_tlog_edge_root(&d, r2)));
        assert_memory_equal(r1, r2, 32);
    }
    /* Wrong lengths for the size: one hash short, one extra byte, truncated size, empty. */
    es_buf_clear(&b);
    assert_true(es_ok(es_tlog_edge_encode(&b, &e))); /* size 300: 4 hashes */
    assert_code(es_tlog_edge_decode(&d, es_span_of(b.ptr, b.len - 32)), ESEAL_EMALFORMED, "needs 4 hashes");
    assert_true(es_ok(es_buf_append_byte(&b, 0)));
    assert_code(es_tlog_edge_decode(&d, es_buf_span(&b)), ESEAL_EMALFORMED, "needs 4 hashes");
    assert_code(es_tlog_edge_decode(&d, es_span_of(b.ptr, 7)), ESEAL_EMALFORMED, "too short");
    assert_code(es_tlog_edge_decode(&d, es_span_of(NULL, 0)), ESEAL_EMALFORMED, "too short");
    /* The largest size: 64 hashes; it decodes but cannot grow. */
    uint8_t big[8 + 64 * 32];
    memset(big, 0xff, 8);
    memset(big + 8, 7, sizeof(big) - 8);
    assert_true(es_ok(es_tlog_edge_decode(&d, es_span_of(big, sizeof(big)))));
    assert_int_equal(d.count, 64);
    es_hash32 leaf = {0};
    assert_code(es_tlog_edge_append(&d, leaf, NULL, NULL), ESEAL_ELIMIT, "full");
    /* An inconsistent edge is refused, not trusted. */
    es_buf_clear(&b);
    assert_true(es_ok(es_tlog_edge_encode(&b, &e)));
    assert_true(es_ok(es_tlog_edge_decode(&d, es_buf_span(&b))));
    d.count = 3;
    assert_code(es_tlog_edge_append(&d, leaf, NULL, NULL), ESEAL_EINVAL, "holds 3 hashes");
    assert_code(es_tlog_edge_encode(&b, &d), ESEAL_EINVAL, "holds 3 hashes");
    es_buf_free(&b);
}

static int cb_calls;
static es_result failing_cb(void *ctx, unsigned height, uint64_t index, const es_hash32 hash)
{
    (void)index;
    (void)hash;
    cb_calls++;
    if (height == *(unsigned *)ctx) {
        return es_error_set(ESEAL_EIO, __FILE__, __LINE__, "store down");
    }
    return ES_OK;
}

/* A callback failure leaves the edge as it was, so the append can be retried. */
static void edge_append_is_atomic(void **state)
{
    (void)state;
    es_tlog_edge e, before;
    es_tlog_edge_init(&e);
    es_hash32 leaf = {1};
    for (int i = 0; i < 7; i++) {
        assert_true(es_ok(es_tlog_edge_append(&e, leaf, NULL, NULL)));
    }
    before = e;
    unsigned fail_at = 2; /* appending leaf 7 completes subtrees of heights 0, 1, 2, 3 */
    cb_calls = 0;
    assert_code(es_tlog_edge_append(&e, leaf, failing_cb, &fail_at), ESEAL_EIO, "store down");
    assert_int_equal(cb_calls, 3);
    assert_memory_equal(&e, &before, sizeof(e));
    fail_at = 99;
    cb_calls = 0;
    assert_true(es_ok(es_tlog_edge_append(&e, leaf, failing_cb, &fail_at)));
    assert_int_equal(cb_calls, 4);
    assert_true(e.size == 8 && e.count == 1);
}

/* ---- random trees through the tile reader --------------------------------------------------------- */

static void random_trees(void **state)
{
    (void)state;
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    es_tlog_tile_reader *rd = NULL, *nocache = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&rd, mem_tiles_read, &l.tiles, 1000)));
    assert_true(es_ok(es_tlog_tile_reader_new(&nocache, mem_tiles_read, &l.tiles, 0)));
    for (uint64_t n = 1; n <= 2000; n++) {
        log_append_random(&l);
        /* The tree hash at every size: the edge, the tiles and the reference agree. */
        es_hash32 a, b, c;
        assert_true(es_ok(es_tlog_edge_root(&l.edge, a)));
        assert_true(es_ok(es_tlog_tree_hash(b, n, es_tlog_tile_reader_hash, rd)));
        ref_mth(&l.ref, 0, n, c);
        assert_memory_equal(a, c, 32);
        assert_memory_equal(b, c, 32);
        if (n <= 70) {
            /* Every pair while the tiles are still partial. */
            for (uint64_t i = 0; i < n; i++) {
                check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, i, n);
            }
            for (uint64_t m = 1; m <= n; m++) {
                check_consistency(&l.ref, es_tlog_tile_reader_hash, rd, m, n);
            }
        } else {
            check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, 0, n);
            check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, n - 1, n);
            check_inclusion(&l.ref, es_tlog_tile_reader_hash, nocache, rnd_below(n), n);
            check_consistency(&l.ref, es_tlog_tile_reader_hash, rd, 1 + rnd_below(n), n);
            check_consistency(&l.ref, es_tlog_tile_reader_hash, nocache, 1 + rnd_below(n), n);
        }
    }
    /* Every pair again for n <= 70, now read from the tiles of the tree of 2000 (the latest
     * version of each tile, full by now). */
    for (uint64_t n = 1; n <= 70; n++) {
        for (uint64_t i = 0; i < n; i++) {
            check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, i, n);
        }
        for (uint64_t m = 1; m <= n; m++) {
            check_consistency(&l.ref, es_tlog_tile_reader_hash, nocache, m, n);
        }
    }
    es_tlog_tile_reader_free(rd);
    es_tlog_tile_reader_free(nocache);
    log_free(&l);
}

typedef struct {
    test_log *l;
    es_tlog_tile_reader *rd;
    uint64_t seed;
    int failures;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    uint64_t s = a->seed;
    uint64_t size = a->l->ref.n;
    for (int k = 0; k < 400; k++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        uint64_t x = s * 2685821657736338717ull;
        uint64_t n = 1 + x % size;
        uint64_t i = (x >> 20) % n;
        es_hash32 proof[ES_TLOG_MAX_PROOF], want[ES_TLOG_MAX_PROOF], root;
        size_t count = 0, wcount = 0;
        if (!es_ok(es_tlog_prove_inclusion(proof, &count, i, n, es_tlog_tile_reader_hash, a->rd))) {
            a->failures++;
            continue;
        }
        ref_path(&a->l->ref, i, 0, n, want, &wcount);
        ref_mth(&a->l->ref, 0, n, root);
        if (count != wcount || memcmp(proof, want, count * 32) != 0 ||
            !es_ok(es_tlog_verify_inclusion(i, n, a->l->ref.leaves[i], proof, count, root))) {
            a->failures++;
        }
    }
    return NULL;
}

static void big_tree_and_threads(void **state)
{
    (void)state;
    /* 70,000 leaves: the spec's example, with partial tiles at levels 0, 1 and 2. */
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    for (int i = 0; i < 70000; i++) {
        log_append_random(&l);
    }
    assert_int_equal(l.tiles.ntiles[0], 274);
    assert_int_equal(l.tiles.tiles[0][273].len, 112 * 32);
    assert_int_equal(l.tiles.ntiles[1], 2);
    assert_int_equal(l.tiles.tiles[1][1].len, 17 * 32);
    assert_int_equal(l.tiles.ntiles[2], 1);
    assert_int_equal(l.tiles.tiles[2][0].len, 1 * 32);
    es_tlog_tile_reader *rd = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&rd, mem_tiles_read, &l.tiles, 64)));
    es_hash32 a, b;
    assert_true(es_ok(es_tlog_edge_root(&l.edge, a)));
    assert_true(es_ok(es_tlog_tree_hash(b, 70000, es_tlog_tile_reader_hash, rd)));
    assert_memory_equal(a, b, 32);
    for (int k = 0; k < 1500; k++) {
        uint64_t n = 1 + rnd_below(70000);
        check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, rnd_below(n), n);
        check_consistency(&l.ref, es_tlog_tile_reader_hash, rd, 1 + rnd_below(n), n);
    }
    /* Sizes around the tile boundaries. */
    const uint64_t edges[] = {255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 69999, 70000};
    for (size_t e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
        for (size_t f = 0; f <= e; f++) {
            check_consistency(&l.ref, es_tlog_tile_reader_hash, rd, edges[f], edges[e]);
        }
        check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, edges[e] - 1, edges[e]);
        check_inclusion(&l.ref, es_tlog_tile_reader_hash, rd, 0, edges[e]);
    }

    /* Four threads on one reader whose cache holds 3 tiles: constant eviction. */
    es_tlog_tile_reader *small = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&small, mem_tiles_read, &l.tiles, 3)));
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){&l, small, 0x1234567ull * (uint64_t)(i + 1), 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }

    /* Tampering: a flipped bit anywhere, another index, another size (with that size's root). */
    uint64_t n = 70000, idx = 12345;
    es_hash32 proof[ES_TLOG_MAX_PROOF], root, other_root;
    size_t count = 0;
    assert_true(es_ok(es_tlog_prove_inclusion(proof, &count, idx, n, es_tlog_tile_reader_hash, rd)));
    ref_mth(&l.ref, 0, n, root);
    assert_true(es_ok(es_tlog_verify_inclusion(idx, n, l.ref.leaves[idx], proof, count, root)));
    for (size_t i = 0; i < count; i++) {
        for (int bit = 0; bit < 256; bit += 37) {
            proof[i][bit / 8] ^= (uint8_t)(1 << (bit % 8));
            assert_code(es_tlog_verify_inclusion(idx, n, l.ref.leaves[idx], proof, count, root), ESEAL_EVERIFY,
                        "inclusion proof");
            proof[i][bit / 8] ^= (uint8_t)(1 << (bit % 8));
        }
    }
    assert_code(es_tlog_verify_inclusion(idx + 1, n, l.ref.leaves[idx], proof, count, root), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_inclusion(idx - 1, n, l.ref.leaves[idx], proof, count, root), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_inclusion(idx, n, l.ref.leaves[idx + 1], proof, count, root), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_inclusion(idx, n, l.ref.leaves[idx], proof, count - 1, root), ESEAL_EVERIFY, "shorter");
    ref_mth(&l.ref, 0, n - 1, other_root);
    assert_code(es_tlog_verify_inclusion(idx, n - 1, l.ref.leaves[idx], proof, count, other_root), ESEAL_EVERIFY, NULL);
    ref_mth(&l.ref, 0, 65536, other_root);
    assert_code(es_tlog_verify_inclusion(idx, 65536, l.ref.leaves[idx], proof, count, other_root), ESEAL_EVERIFY,
                NULL);
    assert_code(es_tlog_verify_inclusion(idx, 2 * n, l.ref.leaves[idx], proof, count, root), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_inclusion(n, n, l.ref.leaves[idx], proof, count, root), ESEAL_EVERIFY, "not below");
    /* Consistency: flipped bits, sizes swapped or off by one. */
    uint64_t m = 40000;
    es_hash32 rm;
    ref_mth(&l.ref, 0, m, rm);
    assert_true(es_ok(es_tlog_prove_consistency(proof, &count, m, n, es_tlog_tile_reader_hash, rd)));
    assert_true(es_ok(es_tlog_verify_consistency(m, n, rm, root, proof, count)));
    for (size_t i = 0; i < count; i++) {
        proof[i][i % 32] ^= 0x80;
        assert_code(es_tlog_verify_consistency(m, n, rm, root, proof, count), ESEAL_EVERIFY, "consistency proof");
        proof[i][i % 32] ^= 0x80;
    }
    assert_code(es_tlog_verify_consistency(m, n, root, rm, proof, count), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_consistency(m + 1, n, rm, root, proof, count), ESEAL_EVERIFY, NULL);
    /* Another new size with that size's root. (With the same root a neighbouring size can pass:
     * RFC 9162 §2.1.4.2 reads only the shape of the size, and a checkpoint signs size and root
     * together, so that is no weakness.) */
    ref_mth(&l.ref, 0, n - 1, other_root);
    assert_code(es_tlog_verify_consistency(m, n - 1, rm, other_root, proof, count), ESEAL_EVERIFY, NULL);
    assert_code(es_tlog_verify_consistency(m, n, rm, root, proof, count - 1), ESEAL_EVERIFY, NULL);

    es_tlog_tile_reader_free(small);
    es_tlog_tile_reader_free(rd);
    log_free(&l);
}

/* What the reader does with missing, odd-sized, rewritten and cached tiles. */
static void tile_reader_behaviour(void **state)
{
    (void)state;
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    for (int i = 0; i < 600; i++) {
        log_append_random(&l);
    }
    es_tlog_tile_reader *rd = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&rd, mem_tiles_read, &l.tiles, 8)));
    es_hash32 h, want;
    /* Full tiles are read once; a partial one (tile 0/2 of 88 hashes) once too, while what is asked
     * lies within the width read (partial tiles only grow: what a version gave stays true). */
    l.tiles.reads = 0;
    for (int k = 0; k < 5; k++) {
        assert_true(es_ok(es_tlog_tile_reader_hash(rd, 3, 5, h))); /* leaves 40..47: tile 0/0 */
        assert_true(es_ok(es_tlog_tile_reader_hash(rd, 0, 300, h)));
    }
    assert_int_equal(l.tiles.reads, 2);
    for (int k = 0; k < 5; k++) {
        assert_true(es_ok(es_tlog_tile_reader_hash(rd, 4, 32, h))); /* leaves 512..527: tile 0/2 */
    }
    assert_int_equal(l.tiles.reads, 3);
    assert_memory_equal(h, l.ref.levels[4][32], 32);
    /* The full tile 1/0 does not exist yet (600 leaves: partial, width 2). */
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 9, 0, h)));
    assert_memory_equal(h, l.ref.levels[9][0], 32);
    assert_code(es_tlog_tile_reader_hash(rd, 9, 1, h), ESEAL_ENOTFOUND, "needs 4");
    assert_code(es_tlog_tile_reader_hash(rd, 0, 600, h), ESEAL_ENOTFOUND, "needs 89");
    assert_code(es_tlog_tile_reader_hash(rd, 0, 256 * 5, h), ESEAL_ENOTFOUND, "no tile 0/5");
    assert_code(es_tlog_tile_reader_hash(rd, 64, 0, h), ESEAL_EINVAL, "height 64");

    /* A rewritten partial tile is not noticed while its memo covers the subtree, until a reset
     * (tampering is `eseal log audit`'s to find, which reads without a cache). */
    es_buf *t2 = &l.tiles.tiles[0][2];
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 3, 64 + 2, h)));
    memcpy(want, h, 32);
    t2->ptr[17 * 32] ^= 1; /* leaf 529 */
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 3, 64 + 2, h)));
    assert_memory_equal(h, want, 32);
    es_tlog_tile_reader_reset(rd);
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 3, 64 + 2, h)));
    assert_memory_not_equal(h, want, 32);
    t2->ptr[17 * 32] ^= 1;
    es_tlog_tile_reader_reset(rd);
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 3, 64 + 2, h)));
    assert_memory_equal(h, want, 32);
    /* A rewritten full tile is not (it is immutable by definition) until the reader is reset. */
    es_buf *t0 = &l.tiles.tiles[0][0];
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 7, 0, h))); /* leaves 0..127, inside tile 0/0 */
    memcpy(want, h, 32);
    t0->ptr[0] ^= 1;
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 7, 0, h)));
    assert_memory_equal(h, want, 32);
    es_tlog_tile_reader_reset(rd);
    assert_true(es_ok(es_tlog_tile_reader_hash(rd, 7, 0, h)));
    assert_memory_not_equal(h, want, 32);
    t0->ptr[0] ^= 1;
    es_tlog_tile_reader_reset(rd);
    /* Tiles whose size is not a whole number of hashes, or too big. */
    assert_true(es_ok(es_buf_append_byte(t2, 0)));
    assert_code(es_tlog_tile_reader_hash(rd, 0, 512, h), ESEAL_EMALFORMED, "not 32 to 8192");
    t2->len -= 1;
    es_buf *t1 = &l.tiles.tiles[0][1];
    t1->max = 8192 + 32;
    assert_true(es_ok(es_buf_append(t1, want, 32)));
    assert_code(es_tlog_tile_reader_hash(rd, 0, 256, h), ESEAL_EMALFORMED, "8224 bytes");
    es_tlog_tile_reader_free(rd);
    log_free(&l);
}

/* The cache is bounded and least-recently-used: three full tiles cycled through 2 slots are
 * read on every use, through 3 slots once each; a cache of 0 reads every time. */
static void tile_cache_eviction(void **state)
{
    (void)state;
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    for (int i = 0; i < 1024; i++) {
        log_append_random(&l);
    }
    const size_t caps[] = {0, 2, 3};
    const unsigned long want[] = {3 * 10, 3 * 10, 3};
    for (size_t c = 0; c < 3; c++) {
        es_tlog_tile_reader *rd = NULL;
        assert_true(es_ok(es_tlog_tile_reader_new(&rd, mem_tiles_read, &l.tiles, caps[c])));
        l.tiles.reads = 0;
        for (int k = 0; k < 10; k++) {
            for (uint64_t t = 0; t < 3; t++) {
                es_hash32 h;
                uint64_t leaf = t * 256 + (uint64_t)k;
                assert_true(es_ok(es_tlog_tile_reader_hash(rd, 0, leaf, h)));
                assert_memory_equal(h, l.ref.leaves[leaf], 32);
                assert_true(es_ok(es_tlog_tile_reader_hash(rd, 8, t, h))); /* the tile's root, from tile 1/0 */
                assert_memory_equal(h, l.ref.levels[8][t], 32);
            }
        }
        /* Tile 1/0 (partial: 4 hashes) is read once, whatever the cache of full tiles. */
        assert_int_equal(l.tiles.reads, want[c] + 1);
        es_tlog_tile_reader_free(rd);
    }
    /* Recency, not age: with 2 slots, A B A C A reads A, B and C once each (B goes for C). */
    es_tlog_tile_reader *rd = NULL;
    assert_true(es_ok(es_tlog_tile_reader_new(&rd, mem_tiles_read, &l.tiles, 2)));
    l.tiles.reads = 0;
    const uint64_t seq[] = {0, 256, 1, 512, 2};
    for (size_t i = 0; i < 5; i++) {
        es_hash32 h;
        assert_true(es_ok(es_tlog_tile_reader_hash(rd, 0, seq[i], h)));
        assert_memory_equal(h, l.ref.leaves[seq[i]], 32);
    }
    assert_int_equal(l.tiles.reads, 3);
    es_tlog_tile_reader_free(rd);
    log_free(&l);
}

/* ---- tlog-proof receipts ------------------------------------------------------------------------- */

static void tlog_proof_receipts(void **state)
{
    (void)state;
    TEST_VECTORS("tlog-vectors");
    json_t *all = load_json("signed-note-vectors.json");
    json_t *v = note_vector(all, "tessera-testdata-log-keys");
    json_t *entries = json_object_get(v, "entries_in_order");
    es_note_verifier ver;
    assert_true(es_ok(es_note_vkey_parse(&ver, jstr(v, "verifier_key"))));
    test_log l;
    memset(&l, 0, sizeof(l));
    es_tlog_edge_init(&l.edge);
    for (size_t i = 0; i < 15; i++) {
        const char *e = json_string_value(json_array_get(entries, i));
        es_hash32 h;
        leaf_of(h, e, strlen(e));
        log_append(&l, h);
    }
    es_buf cp = read_vec("tessera-log/checkpoint.15");
    const uint8_t extra[] = "vrf proof \x00\x01\x02";
    for (uint64_t i = 0; i < 15; i++) {
        es_hash32 proof[ES_TLOG_MAX_PROOF];
        size_t count = 0;
        assert_true(es_ok(es_tlog_prove_inclusion(proof, &count, i, 15, ref_hash_fn, &l.ref)));
        es_buf text = ES_BUF_INIT(1 << 16);
        es_span ex = es_span_of(extra, i % 2 == 0 ? sizeof(extra) : 0);
        assert_true(es_ok(es_tlog_proof_format(&text, ex, i, proof, count, es_buf_span(&cp))));
        es_tlog_proof p;
        assert_true(es_ok(es_tlog_proof_parse(&p, es_buf_span(&text))));
        assert_true(p.index == i);
        assert_int_equal(p.count, count);
        assert_memory_equal(p.proof, proof, count * 32);
        assert_int_equal(p.has_extra, ex.len > 0);
        assert_int_equal(p.extra.len, ex.len);
        if (ex.len > 0) {
            assert_memory_equal(p.extra.ptr, extra, ex.len);
        }
        assert_true(es_span_eq(p.checkpoint, es_buf_span(&cp)));
        es_buf again = ES_BUF_INIT(1 << 16);
        assert_true(es_ok(es_tlog_proof_format(&again, es_buf_span(&p.extra), p.index, p.proof, p.count, p.checkpoint)));
        assert_true(es_span_eq(es_buf_span(&again), es_buf_span(&text)));
        /* Verified against the log's key and origin; the wrong leaf, origin or key fail. */
        uint64_t bits = 0;
        es_checkpoint c;
        assert_true(es_ok(es_tlog_proof_verify(&p, l.ref.leaves[i], "example.com/log/testdata", &ver, 1, &bits, &c)));
        assert_int_equal(bits, 1);
        assert_true(c.size == 15);
        assert_code(es_tlog_proof_verify(&p, l.ref.leaves[(i + 1) % 15], NULL, &ver, 1, NULL, NULL), ESEAL_EVERIFY,
                    "inclusion proof");
        assert_code(es_tlog_proof_verify(&p, l.ref.leaves[i], "example.com/other", &ver, 1, NULL, NULL), ESEAL_EVERIFY,
                    "not 'example.com/other'");
        es_note_verifier stranger = ver;
        stranger.id++;
        assert_code(es_tlog_proof_verify(&p, l.ref.leaves[i], NULL, &stranger, 1, NULL, NULL), ESEAL_EVERIFY,
                    "known keys");
        es_tlog_proof_free(&p);
        es_buf_free(&text);
        es_buf_free(&again);
    }
    /* The spec's layout, written out by hand. */
    es_buf t = ES_BUF_INIT(1 << 16);
    assert_true(es_ok(es_buf_printf(&t, "c2sp.org/tlog-proof@v1\nextra AAEC\nindex 0\n")));
    es_hash32 pr[ES_TLOG_MAX_PROOF];
    size_t pc = 0;
    assert_true(es_ok(es_tlog_prove_inclusion(pr, &pc, 0, 15, ref_hash_fn, &l.ref)));
    for (size_t k = 0; k < pc; k++) {
        assert_true(es_ok(es_base64_encode(&t, es_span_of(pr[k], 32))));
        assert_true(es_ok(es_buf_append_byte(&t, '\n')));
    }
    assert_true(es_ok(es_buf_append_byte(&t, '\n')));
    assert_true(es_ok(es_buf_append(&t, cp.ptr, cp.len)));
    es_tlog_proof p;
    assert_true(es_ok(es_tlog_proof_parse(&p, es_buf_span(&t))));
    assert_true(p.has_extra && p.extra.len == 3 && p.extra.ptr[2] == 2);
    assert_true(es_ok(es_tlog_proof_verify(&p, l.ref.leaves[0], NULL, &ver, 1, NULL, NULL)));
    es_tlog_proof_free(&p);
    /* An empty extra line is allowed by the format (and kept as "present, empty"). */
    assert_true(es_ok(es_tlog_proof_parse(&p, span_str("c2sp.org/tlog-proof@v1\nextra \nindex 3\n\nx\n"))));
    assert_true(p.has_extra && p.extra.len == 0 && p.count == 0 && p.index == 3);
    es_tlog_proof_free(&p);
    /* A garbage checkpoint parses as framing but never verifies. */
    assert_true(es_ok(es_tlog_proof_parse(&p, span_str("c2sp.org/tlog-proof@v1\nindex 3\n\nx\n"))));
    assert_code(es_tlog_proof_verify(&p, l.ref.leaves[0], NULL, &ver, 1, NULL, NULL), ESEAL_EMALFORMED, "note:");
    es_tlog_proof_free(&p);

    struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"c2sp.org/tlog-proof@v2\nindex 0\n\nx\n", "first line"},
        {"c2sp.org/tlog-proof@v1\r\nindex 0\n\nx\n", "first line"},
        {"c2sp.org/tlog-proof@v1", "first line"},
        {"c2sp.org/tlog-proof@v1\n", "no index line"},
        {"c2sp.org/tlog-proof@v1\nindex 01\n\nx\n", "index: leading zero"},
        {"c2sp.org/tlog-proof@v1\nindex -1\n\nx\n", "index: not a decimal"},
        {"c2sp.org/tlog-proof@v1\nindex \n\nx\n", "index: empty number"},
        {"c2sp.org/tlog-proof@v1\nindex 9223372036854775807\n\nx\n", "out of range"},
        {"c2sp.org/tlog-proof@v1\nIndex 1\n\nx\n", "expected 'index <N>' on line 2"},
        {"c2sp.org/tlog-proof@v1\nextra AAEC\nextra AAEC\nindex 1\n\nx\n", "expected 'index <N>' on line 3"},
        {"c2sp.org/tlog-proof@v1\nextra AAE\nindex 1\n\nx\n", "extra line: base64 length"},
        {"c2sp.org/tlog-proof@v1\nextra AAEC\n", "no index line after the extra line"},
        {"c2sp.org/tlog-proof@v1\nindex 1\n", "no empty line"},
        {"c2sp.org/tlog-proof@v1\nindex 1\n\n", "no checkpoint"},
        {"c2sp.org/tlog-proof@v1\nindex 1\nAAEC\n\nx\n", "proof hash 1: not the base64 of 32 bytes"},
        {"c2sp.org/tlog-proof@v1\nindex 1\nKgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \n\nx\n", "proof hash 1"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_tlog_proof_parse(&p, span_str(bad[i].text));
        if (es_code(r) != ESEAL_EMALFORMED || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("tlog-proof case %zu: got %s '%s'", i, eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
        assert_null(p.extra.ptr); /* nothing to free after a failure */
    }
    es_buf many = ES_BUF_INIT(1 << 16);
    assert_true(es_ok(es_buf_append_str(&many, "c2sp.org/tlog-proof@v1\nindex 1\n")));
    for (int i = 0; i < 64; i++) {
        assert_true(es_ok(es_buf_append_str(&many, "KgEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")));
    }
    assert_true(es_ok(es_buf_append_str(&many, "\nx\n")));
    assert_code(es_tlog_proof_parse(&p, es_buf_span(&many)), ESEAL_EMALFORMED, "more than 63 proof hashes");
    /* Formatting refuses what it could not write back. */
    es_hash32 sixty4[64];
    memset(sixty4, 0, sizeof(sixty4));
    assert_code(es_tlog_proof_format(&many, es_span_of(NULL, 0), 0, sixty4, 64, span_str("x\n")), ESEAL_EINVAL,
                "at most 63");
    assert_code(es_tlog_proof_format(&many, es_span_of(NULL, 0), 0, NULL, 0, es_span_of(NULL, 0)), ESEAL_EINVAL,
                "no checkpoint");
    es_buf_free(&many);
    es_buf_free(&t);
    es_buf_free(&cp);
    log_free(&l);
    json_decref(all);
}

static void checkpoint_rules(void **state)
{
    (void)state;
    es_checkpoint c;
    assert_true(es_ok(es_checkpoint_parse(&c, span_str("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"))));
    assert_true(c.size == 0);
    assert_true(es_ok(es_checkpoint_parse(&c, span_str("o r\n9223372036854775807\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next 1\next 2\n"))));
    assert_int_equal(c.ext_lines, 2);
    assert_string_equal(c.origin, "o r");
    es_buf b = ES_BUF_INIT(1024);
    assert_code(es_checkpoint_format(&b, &c), ESEAL_EINVAL, "extension lines");
    struct {
        const char *text;
        const char *why;
    } bad[] = {
        {"o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "tree size line: leading zero"},
        {"o\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "out of range"},
        {"o\n+1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "not a decimal"},
        {"\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "empty origin"},
        {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", "root hash line: non-zero padding"},
        {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n", "root hash line: not the base64 of 32"},
        {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", "extension line 1 is empty"},
        {"o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "does not end with a newline"},
        {"o\n1\n", "fewer than 3 lines"},
        {"o\r\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", "control character 0x0d"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_checkpoint_parse(&c, span_str(bad[i].text));
        if (es_code(r) != ESEAL_EMALFORMED || strstr(eseal_error_last()->message, bad[i].why) == NULL) {
            fail_msg("checkpoint case %zu: got %s '%s'", i, eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
    }
    memset(&c, 0, sizeof(c));
    assert_code(es_checkpoint_format(&b, &c), ESEAL_EINVAL, "origin is empty");
    (void)snprintf(c.origin, sizeof(c.origin), "a\nb");
    assert_code(es_checkpoint_format(&b, &c), ESEAL_EINVAL, "newline");
    es_buf_free(&b);
}

static void hashes(void **state)
{
    (void)state;
    /* SHA-256 of the empty string, and es_sha256 against OpenSSL's one-shot digest. */
    es_hash32 e, h;
    es_tlog_empty_root(e);
    uint8_t d[64];
    size_t dl = 0;
    assert_true(es_ok(es_digest(d, &dl, ESEAL_HASH_SHA256, es_span_of("", 0))));
    assert_memory_equal(e, d, 32);
    for (size_t len = 0; len < 300; len += 7) {
        uint8_t buf[300];
        for (size_t i = 0; i < len; i++) {
            buf[i] = (uint8_t)rnd();
        }
        es_span parts[3] = {es_span_of(buf, len / 3), es_span_of(buf + len / 3, len / 3),
                            es_span_of(buf + 2 * (len / 3), len - 2 * (len / 3))};
        assert_true(es_ok(es_sha256(h, parts, 3)));
        assert_true(es_ok(es_digest(d, &dl, ESEAL_HASH_SHA256, es_span_of(buf, len))));
        assert_memory_equal(h, d, 32);
    }
}

int main(void)
{
    const char *root = test_vectors_root(); /* NULL: the cases that need it skip (TEST_VECTORS) */
    (void)snprintf(vec_root, sizeof(vec_root), "%s/tlog-vectors", root != NULL ? root : "");
    const char *seed = getenv("ESEAL_TLOG_SEED");
    if (seed != NULL) {
        uint64_t s = 0;
        if (es_ok(es_parse_uint(seed, UINT64_MAX, &s)) && s != 0) {
            rng_state = s;
        }
    }
    printf("# random seed %llu (set ESEAL_TLOG_SEED to repeat)\n", (unsigned long long)rng_state);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hashes),
        cmocka_unit_test(merkle_inclusion_probes),
        cmocka_unit_test(merkle_consistency_probes),
        cmocka_unit_test(equal_sizes_policy),
        cmocka_unit_test(rfc6962_8leaf),
        cmocka_unit_test(note_peterneumann),
        cmocka_unit_test(note_c2sp_and_sumdb),
        cmocka_unit_test(note_go_negative),
        cmocka_unit_test(note_limits),
        cmocka_unit_test(note_keys),
        cmocka_unit_test(cosignatures),
        cmocka_unit_test(cosignature_timestamp_bound),
        cmocka_unit_test(tile_paths),
        cmocka_unit_test(tessera_log),
        cmocka_unit_test(witness_requests),
        cmocka_unit_test(edge_encoding),
        cmocka_unit_test(edge_append_is_atomic),
        cmocka_unit_test(random_trees),
        cmocka_unit_test(big_tree_and_threads),
        cmocka_unit_test(tile_reader_behaviour),
        cmocka_unit_test(tile_cache_eviction),
        cmocka_unit_test(tlog_proof_receipts),
        cmocka_unit_test(checkpoint_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
