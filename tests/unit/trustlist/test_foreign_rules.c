/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/foreign.c's two rules for another platform's seals (issue 24, docs/trust-lists.md "Verifying
 * another platform's seals"): which registry answer states a seal's status at a time, and which
 * status a trust-list service had at a time by its history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

#define H (3600 * 1000LL)

static eseal_registry_answer answer(const char *status, int64_t since, int64_t at, int64_t next)
{
    eseal_registry_answer a = ESEAL_REGISTRY_ANSWER_INIT;
    a.esid = "ES1";
    a.status = status;
    a.since_ms = since;
    a.at_ms = at;
    a.produced_ms = at;
    a.next_update_ms = next;
    return a;
}

static void answer_covers(void **state)
{
    (void)state;
    /* active since 10h, asked about 20h, usable until 44h */
    eseal_registry_answer a = answer("active", 10 * H, 20 * H, 44 * H);
    assert_true(es_registry_answer_covers(&a, 20 * H));  /* the time asked */
    assert_true(es_registry_answer_covers(&a, 10 * H));  /* from the status's start ... */
    assert_true(es_registry_answer_covers(&a, 15 * H));  /* ... to the time asked */
    assert_false(es_registry_answer_covers(&a, 9 * H));  /* before it started: something else then */
    assert_true(es_registry_answer_covers(&a, 30 * H));  /* after, until its next update */
    assert_true(es_registry_answer_covers(&a, 44 * H));
    assert_false(es_registry_answer_covers(&a, 44 * H + 1)); /* stale: ask again */
    /* revoked since 12h: final, whatever the time after it; before it, only up to the next update's rule */
    eseal_registry_answer r = answer("revoked", 12 * H, 20 * H, 44 * H);
    assert_true(es_registry_answer_covers(&r, 12 * H));
    assert_true(es_registry_answer_covers(&r, 1000 * H));
    assert_false(es_registry_answer_covers(&r, 11 * H));
    /* suspended since 12h: holds until the time asked and the next update, not for ever */
    eseal_registry_answer s = answer("suspended", 12 * H, 20 * H, 44 * H);
    assert_true(es_registry_answer_covers(&s, 13 * H));
    assert_false(es_registry_answer_covers(&s, 45 * H));
    /* unknown: only about the very time asked */
    eseal_registry_answer u = answer("unknown", 0, 20 * H, 44 * H);
    assert_true(es_registry_answer_covers(&u, 20 * H));
    assert_false(es_registry_answer_covers(&u, 20 * H + 1));
    assert_false(es_registry_answer_covers(&u, 19 * H));
}

static void status_history(void **state)
{
    (void)state;
    /* granted from 0h, withdrawn from 10h, granted again from 20h (newest first in the history) */
    const eseal_tl_status hist[] = {{1, 10 * H}, {0, 0}};
    eseal_tl_service v = {.type = ESEAL_TL_SEAL_MAKER, .name = "m", .status = {0, 20 * H}, .history = hist,
                          .history_count = 2};
    bool granted = false;
    assert_true(es_tl_status_at(&v, 25 * H, &granted));
    assert_true(granted);
    assert_true(es_tl_status_at(&v, 20 * H, &granted));
    assert_true(granted);
    assert_true(es_tl_status_at(&v, 15 * H, &granted));
    assert_false(granted);
    assert_true(es_tl_status_at(&v, 5 * H, &granted));
    assert_true(granted);
    /* a service listed from 5h had no status before */
    eseal_tl_service w = {.type = ESEAL_TL_SEAL_MAKER, .name = "m", .status = {0, 5 * H}};
    assert_false(es_tl_status_at(&w, 4 * H, &granted));
    assert_true(es_tl_status_at(&w, 5 * H, &granted));
    assert_true(granted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answer_covers),
        cmocka_unit_test(status_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
