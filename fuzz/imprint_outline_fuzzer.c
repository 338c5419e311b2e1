/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stored imprint outlines (seal/outline.h): es_outline_decode() over untrusted bytes (the registry
 * is trusted less than memory), again with the input's SHA-256 trailer made right (so that mutations
 * reach the checks after the digest), and es_outline_decode_text() over the same bytes as text. What is
 * accepted must hold the format's bounds and encode back to exactly the input (the format has one
 * encoding per outline).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "seal/outline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const eseal_imprint_outline *o)
{
    double w = 0, h = 0;
    eseal_imprint_outline_size(o, &w, &h);
    size_t n = eseal_imprint_outline_count(o);
    if (n == 0 || n > ES_OUTLINE_MAX_OPS || !(w >= ES_IMPRINT_SIZE_MIN_MM && w <= ES_OUTLINE_MAX_MM) ||
        !(h >= ES_IMPRINT_SIZE_MIN_MM && h <= ES_OUTLINE_MAX_MM) || eseal_imprint_outline_color(o) > 0xFFFFFFu) {
        __builtin_trap();
    }
    for (size_t i = 0; i < n; i++) {
        double p[6];
        eseal_imprint_op op = eseal_imprint_outline_op(o, i, p);
        if ((unsigned)op > ESEAL_IMPRINT_CLOSE || (i == 0 && op != ESEAL_IMPRINT_MOVE)) {
            __builtin_trap();
        }
        for (int k = 0; k < 6; k += 2) {
            if (!(p[k] >= -w && p[k] <= 2 * w && p[k + 1] >= -h && p[k + 1] <= 2 * h)) {
                __builtin_trap();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ES_OUTLINE_MAX_BYTES + 1) {
        return 0;
    }
    eseal_imprint_outline *o = NULL;
    if (es_ok(es_outline_decode(&o, es_span_of(data, size)))) {
        check(o);
        es_buf b = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
        if (!es_ok(es_outline_encode(&b, o)) || b.len != size || memcmp(b.ptr, data, size) != 0) {
            __builtin_trap();
        }
        es_buf_free(&b);
        eseal_imprint_outline_free(o);
    } else if (o != NULL) {
        __builtin_trap();
    }
    /* The same bytes with their SHA-256 made right: mutations reach the checks after the digest. */
    if (size > ES_OUTLINE_DIGEST_LEN) {
        uint8_t *fixed = malloc(size);
        if (fixed == NULL) {
            return 0;
        }
        memcpy(fixed, data, size);
        uint8_t dg[64];
        size_t n = 0;
        if (es_ok(es_digest(dg, &n, ESEAL_HASH_SHA256, es_span_of(fixed, size - ES_OUTLINE_DIGEST_LEN)))) {
            memcpy(fixed + size - ES_OUTLINE_DIGEST_LEN, dg, ES_OUTLINE_DIGEST_LEN);
            o = NULL;
            if (es_ok(es_outline_decode(&o, es_span_of(fixed, size)))) {
                check(o);
                es_buf b = ES_BUF_INIT(ES_OUTLINE_MAX_BYTES);
                if (!es_ok(es_outline_encode(&b, o)) || b.len != size || memcmp(b.ptr, fixed, size) != 0) {
                    __builtin_trap();
                }
                es_buf_free(&b);
                eseal_imprint_outline_free(o);
            } else if (o != NULL) {
                __builtin_trap();
            }
        }
        free(fixed);
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = 0;
    o = NULL;
    if (es_ok(es_outline_decode_text(&o, text))) {
        check(o);
        eseal_imprint_outline_free(o);
    } else if (o != NULL) {
        __builtin_trap();
    }
    free(text);
    eseal_error_clear();
    return 0;
}
