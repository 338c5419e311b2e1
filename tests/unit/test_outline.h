/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two imprint outlines are the same: operations, doubles bit for bit, size and colour (the seal
 * outline tests: the stored codec and the registry's kept outline against a fresh drawing).
 * Include after <cmocka.h> and "eseal/eseal.h".
 */
#ifndef ESEAL_TEST_OUTLINE_H
#define ESEAL_TEST_OUTLINE_H

#include <stddef.h>

static void assert_same(const eseal_imprint_outline *a, const eseal_imprint_outline *b)
{
    assert_int_equal(eseal_imprint_outline_count(a), eseal_imprint_outline_count(b));
    double wa, ha, wb, hb;
    eseal_imprint_outline_size(a, &wa, &ha);
    eseal_imprint_outline_size(b, &wb, &hb);
    assert_memory_equal(&wa, &wb, sizeof(double));
    assert_memory_equal(&ha, &hb, sizeof(double));
    assert_int_equal(eseal_imprint_outline_color(a), eseal_imprint_outline_color(b));
    for (size_t i = 0; i < eseal_imprint_outline_count(a); i++) {
        double pa[6], pb[6];
        assert_int_equal(eseal_imprint_outline_op(a, i, pa), eseal_imprint_outline_op(b, i, pb));
        assert_memory_equal(pa, pb, sizeof(pa));
    }
}

#endif
