/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/foreign.c's rules for another platform's seals (issue 24, docs/trust-lists.md "Verifying
 * another platform's seals"): which registry answer states a seal's status at a time, which status a
 * trust-list service had at a time by its history, and the answers an instance keeps: only those of
 * the registry's key, each once, at most eight per seal (the oldest goes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "eseal/eseal.h"
#include "../test_instance.h"

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

/* Registry answer i for seal ES1 by `key`: produced at hour i (so answer 0 is the oldest). */
static void sign_answer(eseal_buf *out, eseal_key *key, int i)
{
    eseal_registry_answer a = answer("active", H, (int64_t)(i + 1) * H, (int64_t)(i + 2) * H);
    a.platform = "P";
    assert_int_equal(eseal_registry_answer_sign(out, &a, key), ESEAL_OK);
}

static size_t files_kept(const char *ihome)
{
    char dir[700];
    (void)snprintf(dir, sizeof(dir), "%s/cache/registry/ES1", ihome);
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *de = d != NULL ? readdir(d) : NULL; de != NULL; de = readdir(d)) {
        n += de->d_name[0] != '.';
    }
    if (d != NULL) {
        (void)closedir(d);
    }
    return n;
}

static void answers_kept(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-foreign-XXXXXX";
    char ihome[600];
    test_instance_init(tmpl, ihome, sizeof(ihome), "foreign-rules-pass-1");
    eseal_instance *inst = test_instance_open(ihome, "foreign-rules-pass-1");
    eseal_key *key = NULL, *other = NULL;
    assert_int_equal(eseal_key_generate(&key, ESEAL_ALG_P256), ESEAL_OK);
    assert_int_equal(eseal_key_generate(&other, ESEAL_ALG_P256), ESEAL_OK);
    eseal_buf spki = ESEAL_BUF_INIT, ospki = ESEAL_BUF_INIT;
    assert_int_equal(eseal_key_public_der(&spki, key), ESEAL_OK);
    assert_int_equal(eseal_key_public_der(&ospki, other), ESEAL_OK);
    es_span sp = es_span_of(spki.ptr, spki.size);
    eseal_buf jws[10];
    for (int i = 0; i < 10; i++) {
        jws[i] = (eseal_buf)ESEAL_BUF_INIT;
        sign_answer(&jws[i], key, i);
        assert_true(es_ok(es_foreign_answer_keep(inst, sp, es_span_of(jws[i].ptr, jws[i].size))));
        assert_int_equal(files_kept(ihome), i < 8 ? (size_t)i + 1 : 8u);
    }
    /* the same answer again: kept already, nothing pushed out */
    assert_true(es_ok(es_foreign_answer_keep(inst, sp, es_span_of(jws[9].ptr, jws[9].size))));
    assert_int_equal(files_kept(ihome), 8);
    /* an answer by another key is not kept */
    eseal_buf forged = ESEAL_BUF_INIT;
    sign_answer(&forged, other, 20);
    assert_int_equal(es_code(es_foreign_answer_keep(inst, sp, es_span_of(forged.ptr, forged.size))), ESEAL_EVERIFY);
    eseal_error_clear();
    assert_int_equal(files_kept(ihome), 8);
    /* what is kept: the eight newest (answers 2..9), all under the registry's key, none under another */
    es_der_list got = {0};
    assert_true(es_ok(es_foreign_answers_collect(inst, sp, &got, 100)));
    assert_int_equal(got.n, 8);
    for (size_t k = 0; k < got.n; k++) {
        for (int old = 0; old < 2; old++) {
            bool same = got.items[k].len == jws[old].size && memcmp(got.items[k].ptr, jws[old].ptr, jws[old].size) == 0;
            assert_false(same);
        }
    }
    es_der_list_free(&got);
    assert_true(es_ok(es_foreign_answers_collect(inst, es_span_of(ospki.ptr, ospki.size), &got, 100)));
    assert_int_equal(got.n, 0);
    es_der_list_free(&got);
    for (int i = 0; i < 10; i++) {
        eseal_buf_dispose(&jws[i]);
    }
    eseal_buf_dispose(&forged);
    eseal_buf_dispose(&spki);
    eseal_buf_dispose(&ospki);
    eseal_key_free(key);
    eseal_key_free(other);
    eseal_instance_close(inst);
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answer_covers),
        cmocka_unit_test(status_history),
        cmocka_unit_test(answers_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
