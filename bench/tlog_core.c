/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_tlog_core — the transparency-log primitives of src/tlog on one core: edge
 * appends, and inclusion / consistency proofs made through the tile reader
 * over a tree of 1,000,000 leaves whose tiles sit in memory (the reader's
 * cache holds every full tile; partial tiles are read each time, as always).
 *
 * A report, not a test. The peer measured in the same run is the floor of the
 * work itself: es_sha256 over a 65-byte Merkle node, and over a 301-byte leaf.
 * An append costs one leaf hash plus on average one node hash, so its ratio to
 * that floor shows the overhead of the edge and its callback. A proof costs
 * about 20 cached hash lookups plus the hashing of the partial tiles on the
 * tree's right edge.
 *
 * Usage: bench_tlog_core [--leaves N] [--seconds S]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "tlog/tlog.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

/* Tiles in memory: level L, tile n, as one growing buffer each. */
typedef struct {
    es_buf *tiles[8];
    size_t n[8];
} store;

static es_result put(void *ctx, unsigned height, uint64_t index, const es_hash32 h)
{
    store *s = ctx;
    if (height % 8 != 0) {
        return ES_OK;
    }
    unsigned l = height / 8;
    uint64_t t = index >> 8;
    if (t >= s->n[l]) {
        size_t want = s->n[l] ? s->n[l] * 2 : 64;
        while (want <= t) {
            want *= 2;
        }
        es_buf *p = es_realloc(s->tiles[l], want * sizeof(*p));
        if (p == NULL) {
            return es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
        }
        for (size_t i = s->n[l]; i < want; i++) {
            p[i] = (es_buf)ES_BUF_INIT(8192);
        }
        s->tiles[l] = p;
        s->n[l] = want;
    }
    return es_buf_append(&s->tiles[l][t], h, 32);
}

static es_result get(void *ctx, unsigned level, uint64_t n, es_buf *out)
{
    store *s = ctx;
    if (level >= 8 || n >= s->n[level] || s->tiles[level][n].len == 0) {
        return es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no tile %u/%llu", level, (unsigned long long)n);
    }
    return es_buf_append(out, s->tiles[level][n].ptr, s->tiles[level][n].len);
}

static void die(const char *what)
{
    fprintf(stderr, "bench_tlog_core: %s: %s\n", what, eseal_error_last()->message);
    exit(1);
}

int main(int argc, char **argv)
{
    uint64_t leaves = 1000000;
    double seconds = 2.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--leaves") == 0 && !es_ok(es_parse_uint(argv[i + 1], UINT64_MAX, &leaves))) {
            die("--leaves");
        } else if (strcmp(argv[i], "--seconds") == 0) {
            uint64_t s = 0;
            if (!es_ok(es_parse_uint(argv[i + 1], 3600, &s))) {
                die("--seconds");
            }
            seconds = (double)s;
        }
    }

    /* The floor: SHA-256 of a Merkle node (65 bytes) and of a 301-byte leaf input. */
    uint8_t node[65] = {1}, entry[300];
    memset(entry, 0x5a, sizeof(entry));
    es_hash32 h;
    double t0 = now_s();
    uint64_t nodes = 0;
    while (now_s() - t0 < seconds / 2) {
        for (int k = 0; k < 10000; k++, nodes++) {
            node[1] = (uint8_t)k;
            es_span p = es_span_of(node, sizeof(node));
            if (!es_ok(es_sha256(h, &p, 1))) {
                die("sha256");
            }
        }
    }
    double node_rate = (double)nodes / (now_s() - t0);
    t0 = now_s();
    uint64_t lh = 0;
    while (now_s() - t0 < seconds / 2) {
        for (int k = 0; k < 10000; k++, lh++) {
            entry[0] = (uint8_t)k;
            if (!es_ok(es_tlog_leaf_hash(h, es_span_of(entry, sizeof(entry))))) {
                die("leaf hash");
            }
        }
    }
    double leaf_rate = (double)lh / (now_s() - t0);

    /* Appends: precomputed leaf hashes into the edge alone; then with 300-byte entries hashed
     * and every completed tile hash written to the in-memory store. */
    es_hash32 *lhs = es_malloc((size_t)leaves * sizeof(es_hash32));
    if (lhs == NULL) {
        die("allocating leaf hashes");
    }
    for (uint64_t i = 0; i < leaves; i++) {
        uint64_t v[4] = {rnd(), rnd(), rnd(), i};
        memcpy(lhs[i], v, 32);
    }
    es_tlog_edge e;
    es_tlog_edge_init(&e);
    t0 = now_s();
    for (uint64_t i = 0; i < leaves; i++) {
        if (!es_ok(es_tlog_edge_append(&e, lhs[i], NULL, NULL))) {
            die("append");
        }
    }
    double edge_rate = (double)leaves / (now_s() - t0);

    store s;
    memset(&s, 0, sizeof(s));
    es_tlog_edge_init(&e);
    t0 = now_s();
    for (uint64_t i = 0; i < leaves; i++) {
        memcpy(entry, &i, sizeof(i));
        if (!es_ok(es_tlog_leaf_hash(lhs[i], es_span_of(entry, sizeof(entry)))) ||
            !es_ok(es_tlog_edge_append(&e, lhs[i], put, &s))) {
            die("append with tiles");
        }
    }
    double full_rate = (double)leaves / (now_s() - t0);
    es_hash32 root;
    if (!es_ok(es_tlog_edge_root(&e, root))) {
        die("root");
    }

    /* Proofs through the tile reader, cache large enough for every full tile. */
    es_tlog_tile_reader *rd = NULL;
    if (!es_ok(es_tlog_tile_reader_new(&rd, get, &s, (size_t)(leaves / 256 + 64)))) {
        die("reader");
    }
    es_hash32 check;
    if (!es_ok(es_tlog_tree_hash(check, leaves, es_tlog_tile_reader_hash, rd)) || memcmp(check, root, 32) != 0) {
        die("tree hash");
    }
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    for (uint64_t i = 0; i < leaves; i += 97) { /* warm the cache */
        if (!es_ok(es_tlog_prove_inclusion(proof, &count, i, leaves, es_tlog_tile_reader_hash, rd))) {
            die("warm-up proof");
        }
    }
    uint64_t done = 0;
    t0 = now_s();
    while (now_s() - t0 < seconds) {
        for (int k = 0; k < 1000; k++, done++) {
            uint64_t i = rnd() % leaves;
            if (!es_ok(es_tlog_prove_inclusion(proof, &count, i, leaves, es_tlog_tile_reader_hash, rd))) {
                die("inclusion proof");
            }
        }
    }
    double inc_rate = (double)done / (now_s() - t0);
    /* One proof checked, so the numbers are about correct proofs. */
    if (!es_ok(es_tlog_prove_inclusion(proof, &count, 4242 % leaves, leaves, es_tlog_tile_reader_hash, rd)) ||
        !es_ok(es_tlog_verify_inclusion(4242 % leaves, leaves, lhs[4242 % leaves], proof, count, root))) {
        die("verifying a proof");
    }
    done = 0;
    t0 = now_s();
    while (now_s() - t0 < seconds) {
        for (int k = 0; k < 1000; k++, done++) {
            uint64_t m = 1 + rnd() % leaves;
            if (!es_ok(es_tlog_prove_consistency(proof, &count, m, leaves, es_tlog_tile_reader_hash, rd))) {
                die("consistency proof");
            }
        }
    }
    double con_rate = (double)done / (now_s() - t0);
    done = 0;
    uint64_t idx = 4242 % leaves;
    if (!es_ok(es_tlog_prove_inclusion(proof, &count, idx, leaves, es_tlog_tile_reader_hash, rd))) {
        die("inclusion proof");
    }
    t0 = now_s();
    while (now_s() - t0 < seconds / 2) {
        for (int k = 0; k < 1000; k++, done++) {
            if (!es_ok(es_tlog_verify_inclusion(idx, leaves, lhs[idx], proof, count, root))) {
                die("verify");
            }
        }
    }
    double ver_rate = (double)done / (now_s() - t0);

    printf("bench_tlog_core: %llu leaves, one core\n", (unsigned long long)leaves);
    printf("  %-52s %12.0f /s\n", "floor: es_sha256, 65-byte node", node_rate);
    printf("  %-52s %12.0f /s\n", "floor: leaf hash, 300-byte entry", leaf_rate);
    printf("  %-52s %12.0f /s  (%.2f x node floor)\n", "edge append, leaf hashes given", edge_rate,
           edge_rate / node_rate);
    printf("  %-52s %12.0f /s  (%.2f x 1/(1/leaf+1/node))\n", "append: hash 300 B entry + edge + tile writes",
           full_rate, full_rate / (1.0 / (1.0 / leaf_rate + 1.0 / node_rate)));
    printf("  %-52s %12.0f /s  (%zu hashes; %.1f node-hash times each)\n",
           "inclusion proof via tile reader, random index", inc_rate, count, node_rate / inc_rate);
    printf("  %-52s %12.0f /s  (%.1f node-hash times each)\n", "consistency proof via tile reader, random m",
           con_rate, node_rate / con_rate);
    printf("  %-52s %12.0f /s\n", "inclusion proof verification", ver_rate);

    es_tlog_tile_reader_free(rd);
    for (int l = 0; l < 8; l++) {
        for (size_t i = 0; i < s.n[l]; i++) {
            es_buf_free(&s.tiles[l][i]);
        }
        es_free(s.tiles[l]);
    }
    es_free(lhs);
    return 0;
}
