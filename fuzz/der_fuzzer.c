/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DER reader (src/util/der.c) on its own, over arbitrary bytes: every
 * element is walked (constructed ones recursively, depth-limited) and every
 * primitive decoder is tried on it. Properties: spans stay inside the input,
 * and what es_der_put_* writes reads back to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(es_cur *c, const uint8_t *base, size_t size, int depth)
{
    while (!es_cur_eof(c)) {
        es_der d;
        if (!es_ok(es_der_next(c, &d))) {
            return;
        }
        if (d.tlv.ptr < base || d.tlv.ptr + d.tlv.len > base + size || d.val.ptr + d.val.len > d.tlv.ptr + d.tlv.len) {
            abort();
        }
        int64_t v;
        char oid[128];
        es_span bits;
        /* Each decoder may refuse; none may read outside the element. */
        if (es_ok(es_der_bits(&d, &bits)) && (bits.ptr < d.val.ptr || bits.ptr + bits.len > d.val.ptr + d.val.len)) {
            abort();
        }
        if (es_ok(es_der_oid_text(&d, oid, sizeof(oid))) && strnlen(oid, sizeof(oid)) == sizeof(oid)) {
            abort();
        }
        /* Integers, times and text have no span to check: they must only not crash. */
        es_result ignored = es_der_int64(&d, &v);
        ignored = es_der_time(&d, &v);
        (void)ignored;
        (void)es_der_text_ok(&d);
        if ((d.tag & 0x20) != 0 && depth < 32) {
            es_cur in = es_der_inner(c, &d);
            walk(&in, base, size, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    es_cur c = es_cur_of(es_span_of(data, size));
    walk(&c, data, size, 0);
    /* Writer round trip: an integer and an OID taken from the input. */
    if (size >= 8) {
        int64_t v;
        memcpy(&v, data, sizeof(v));
        es_buf b = ES_BUF_INIT(64);
        es_cur r;
        es_der d;
        int64_t back = 0;
        if (!es_ok(es_der_put_int(&b, v)) || (r = es_cur_of(es_buf_span(&b)), !es_ok(es_der_next(&r, &d))) ||
            !es_ok(es_der_int64(&d, &back)) || back != v) {
            abort();
        }
        es_buf_free(&b);
    }
    return 0;
}
