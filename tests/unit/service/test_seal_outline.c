/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A seal keeps its imprint's outline in the registry (src/service/seal.c, seal/outline.h), so
 * that a stamp draws nothing (issue 18). Here: a new seal's row has the outline; it is the outline
 * a stamp of the same seal drew before (bit for bit, from the description alone), for every
 * template; a stamp through the front door with it and one with the outline removed from the row
 * (a seal made before: drawn as then) both verify VALID with the same imprint bytes in their
 * appearance; a damaged outline is ESEAL_ESTORE naming the seal, never a stamp; a renewal of a
 * seal without one gets one. The row is changed on the test's own SQLite connection, as a damaged
 * or older store would be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "eseal/eseal.h"
#include "seal/outline.h"
#include "service/service.h"
#include "../test_instance.h"
#include "../test_outline.h"

static char home[] = "/tmp/eseal-outline-XXXXXX";
static const char pass[] = "outline-pass-1";
static char ihome[600];
static eseal_instance *inst;
static char esid[64];

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(home, ihome, sizeof(ihome), pass, ESEAL_ALG_SM2, esid, sizeof(esid));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_instance_done(inst, home);
}

/* The seal's row as the store has it now. */
static void row(eseal_seal_record *rec, const char *id)
{
    assert_int_equal(eseal_instance_seal_get(inst, rec, NULL, id), ESEAL_OK);
}

/* Sets the seal's stored description, on the test's own connection (whichever store the instance has). */
static void set_imprint(const char *id, const char *js)
{
    size_t n = 2 * strlen(js) + 2 * strlen(id) + 100;
    char *sql = malloc(n), *qjs = malloc(2 * strlen(js) + 3), qid[200], out[64];
    assert_non_null(sql);
    assert_non_null(qjs);
    test_sql_quote(js, qjs, 2 * strlen(js) + 3);
    test_sql_quote(id, qid, sizeof(qid));
    (void)snprintf(sql, n, "UPDATE seals SET imprint = %s WHERE esid = %s RETURNING esid", qjs, qid);
    assert_int_equal(test_store_sql(ihome, sql, out, sizeof(out)), 0);
    assert_string_equal(out, id); /* one row changed: the seal's */
    free(qjs);
    free(sql);
}

/* `js` without its "outline" member (keys sorted: "outline" is never the last); a new string. */
static char *without_outline(const char *js)
{
    const char *at = strstr(js, "\"outline\":\"");
    assert_non_null(at);
    const char *end = strchr(at + 11, '"');
    assert_non_null(end);
    assert_int_equal(end[1], ',');
    size_t head = (size_t)(at - js);
    char *out = malloc(strlen(js) + 1);
    assert_non_null(out);
    memcpy(out, js, head);
    strcpy(out + head, end + 2); /* !checksrc! allowed: sized above */
    return out;
}

/* `js` with its "outline" member's text replaced by `text` (a JSON value, quoted or not). */
static char *with_outline_value(const char *js, const char *value)
{
    const char *at = strstr(js, "\"outline\":\"");
    assert_non_null(at);
    const char *end = strchr(at + 11, '"');
    size_t head = (size_t)(at - js) + 10;
    char *out = malloc(strlen(js) + strlen(value) + 1);
    assert_non_null(out);
    memcpy(out, js, head);
    strcpy(out + head, value);           /* !checksrc! allowed: sized above */
    strcat(out, end + 1);                /* !checksrc! allowed: sized above */
    return out;
}

/* The outline of a record whose description is `js`. */
static es_result outline_of(eseal_imprint_outline **o, const char *js)
{
    eseal_seal_record r;
    memset(&r, 0, sizeof(r));
    r.esid = esid;
    r.imprint = (char *)(uintptr_t)js;
    *o = NULL;
    return es_seal_outline(&r, o);
}

/* A new seal's row keeps the outline, and it is what drawing the description gives. */
static void new_seal_keeps_its_outline(void **state)
{
    (void)state;
    eseal_seal_record rec;
    row(&rec, esid);
    assert_non_null(strstr(rec.imprint, "\"outline\":\"RU9VVA")); /* base64 of "EOUT" */
    char *old = without_outline(rec.imprint);
    eseal_imprint_outline *stored = NULL, *drawn = NULL;
    assert_true(es_ok(outline_of(&stored, rec.imprint)));
    assert_true(es_ok(outline_of(&drawn, old)));
    assert_same(stored, drawn);
    print_message("row: %zu bytes of description, %zu without the outline; %zu operations\n", strlen(rec.imprint),
                  strlen(old), eseal_imprint_outline_count(stored));
    eseal_imprint_outline_free(stored);
    eseal_imprint_outline_free(drawn);
    free(old);
    eseal_seal_record_dispose(&rec);
}

/* Every template, described as seal make describes it: the stored outline reads back as drawn. */
static void every_template_reads_back_as_drawn(void **state)
{
    (void)state;
    static const char *const descs[] = {
        "{\"color\":15073298,\"height_mm\":42.0,\"text\":\"某某市某某科技有限公司\",\"type\":\"official\",\"width_mm\":42.0}",
        "{\"color\":15073298,\"height_mm\":40.0,\"text\":\"某某市某某科技有限公司\",\"type\":\"contract\",\"width_mm\":40.0}",
        "{\"color\":255,\"height_mm\":38.0,\"text\":\"某某市某某科技有限公司\",\"type\":\"finance\",\"width_mm\":38.0}",
        "{\"code\":\"91110108MA01ABCDE1\",\"color\":15073298,\"height_mm\":30.0,\"text\":\"某某市某某科技有限公司\","
        "\"type\":\"invoice\",\"width_mm\":40.0}",
        "{\"color\":15073298,\"height_mm\":20.0,\"text\":\"张三\",\"type\":\"legal-rep\",\"width_mm\":20.0}",
        "{\"color\":15073298,\"height_mm\":18.0,\"text\":\"张三\",\"type\":\"personal\",\"width_mm\":18.0}",
        "{\"color\":15073298,\"height_mm\":10.0,\"text\":\"张三丰\",\"type\":\"signature\",\"width_mm\":22.5}",
        "{\"code\":\"Shanghai\",\"color\":15073298,\"height_mm\":45.0,\"text\":\"Startup Seal Ltd\",\"type\":\"other\","
        "\"width_mm\":45.0}",
        /* Sizes and colour 0: the template's (40 mm, red), as the outline drawn from it has. */
        "{\"color\":0,\"height_mm\":0.0,\"text\":\"某某市某某科技有限公司\",\"type\":\"contract\",\"width_mm\":0.0}",
    };
    for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
        eseal_imprint_outline *drawn = NULL, *stored = NULL;
        if (!es_ok(outline_of(&drawn, descs[i]))) {
            fail_msg("%s: %s", descs[i], eseal_error_last()->message);
        }
        es_buf t = ES_BUF_INIT(ES_OUTLINE_TEXT_MAX);
        assert_true(es_ok(es_outline_encode_text(&t, drawn)));
        /* "outline" goes between "height_mm" and "text" (sorted keys), as seal make writes it. */
        const char *at = strstr(descs[i], ",\"text\"");
        assert_non_null(at);
        size_t head = (size_t)(at - descs[i]);
        char *js = malloc(strlen(descs[i]) + t.len + 32);
        assert_non_null(js);
        (void)snprintf(js, strlen(descs[i]) + t.len + 32, "%.*s,\"outline\":\"%s\"%s", (int)head, descs[i],
                       es_buf_cstr(&t), at);
        assert_true(es_ok(outline_of(&stored, js)));
        assert_same(stored, drawn);
        free(js);
        es_buf_free(&t);
        eseal_imprint_outline_free(drawn);
        eseal_imprint_outline_free(stored);
    }
}

/* The first /FlateDecode stream after `base` (the stamp's appearance), inflated into out. */
static size_t appearance_of(const char *path, size_t base, char *out, size_t cap)
{
    eseal_buf f = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&f, path, 64u << 20), ESEAL_OK);
    static const char mark[] = "/Filter /FlateDecode /Length ";
    const char *p = (const char *)f.ptr + base, *end = (const char *)f.ptr + f.size;
    const char *m = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1);
    assert_non_null(m);
    size_t n = strtoul(m + sizeof(mark) - 1, NULL, 10);
    const char *s = memmem(m, (size_t)(end - m), ">>\nstream\n", 10);
    assert_non_null(s);
    uLongf len = (uLongf)cap;
    assert_int_equal(uncompress((Bytef *)out, &len, (const Bytef *)s + 10, (uLong)n), Z_OK);
    eseal_buf_dispose(&f);
    return (size_t)len;
}

static int stamp(const char *in, const char *out)
{
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    return eseal_instance_stamp_pdf(inst, NULL, in, out, &q);
}

static void valid(const char *path)
{
    eseal_buf f = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&f, path, 64u << 20), ESEAL_OK);
    eseal_verify_request vq = ESEAL_VERIFY_REQUEST_INIT;
    eseal_report *rep = NULL;
    assert_int_equal(eseal_instance_verify_pdf(inst, &rep, f.ptr, f.size, &vq), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    eseal_buf_dispose(&f);
}

/* A stamp with the stored outline and one drawn as before: both VALID, the same imprint bytes. */
static void stored_and_drawn_stamps_are_the_same(void **state)
{
    (void)state;
    char in[700], a[700], b[700];
    (void)snprintf(in, sizeof(in), "%s/in.pdf", home);
    (void)snprintf(a, sizeof(a), "%s/stored.pdf", home);
    (void)snprintf(b, sizeof(b), "%s/drawn.pdf", home);
    test_write_pdf(in);
    char body[1024];
    size_t base = test_pdf_bytes(body);
    eseal_seal_record rec;
    row(&rec, esid);
    if (stamp(in, a) != ESEAL_OK) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
    char *old = without_outline(rec.imprint);
    set_imprint(esid, old); /* the row of a seal made before outlines were kept */
    if (stamp(in, b) != ESEAL_OK) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
    set_imprint(esid, rec.imprint);
    valid(a);
    valid(b);
    static char ap_a[1 << 20], ap_b[1 << 20];
    size_t na = appearance_of(a, base, ap_a, sizeof(ap_a)), nb = appearance_of(b, base, ap_b, sizeof(ap_b));
    /* The imprint: colour, path, fill; then each stamp's own serial under it (same length). */
    const char *fa = strstr(ap_a, "f Q\n"), *fb = strstr(ap_b, "f Q\n");
    assert_non_null(fa);
    assert_non_null(fb);
    assert_int_equal(fa - ap_a, fb - ap_b);
    assert_true(fa - ap_a > 10000);
    assert_memory_equal(ap_a, ap_b, (size_t)(fa - ap_a) + 4);
    assert_int_equal(na, nb);
    free(old);
    eseal_seal_record_dispose(&rec);
}

static void estore_naming_the_seal(es_result r, const char *words)
{
    assert_int_equal(es_code(r), ESEAL_ESTORE);
    const char *m = eseal_error_last()->message;
    if (strstr(m, esid) == NULL || strstr(m, words) == NULL) {
        fail_msg("expected %s and '%s' in: %s", esid, words, m);
    }
}

/* A damaged outline: ESEAL_ESTORE naming the seal, never an outline, never a stamp. */
static void damaged_outline_is_a_store_error(void **state)
{
    (void)state;
    eseal_seal_record rec;
    row(&rec, esid);
    char *at = strstr(rec.imprint, "\"outline\":\"") + 11;
    eseal_imprint_outline *o = NULL;
    /* One character in the middle of the points: base64 still, the SHA-256 does not match. */
    char *flip = strdup(rec.imprint);
    assert_non_null(flip);
    char *c = flip + (at - rec.imprint) + 4000;
    *c = *c == 'A' ? 'B' : 'A';
    estore_naming_the_seal(outline_of(&o, flip), "SHA-256");
    assert_null(o);
    /* Through the front door: the stamp is refused with the same words, no output. */
    char in[700], out[700];
    (void)snprintf(in, sizeof(in), "%s/in2.pdf", home);
    (void)snprintf(out, sizeof(out), "%s/out2.pdf", home);
    test_write_pdf(in);
    set_imprint(esid, flip);
    assert_int_equal(stamp(in, out), ESEAL_ESTORE);
    assert_non_null(strstr(eseal_error_last()->message, "damaged"));
    assert_int_equal(access(out, F_OK), -1);
    set_imprint(esid, rec.imprint);
    free(flip);
    /* Cut (4 characters fewer), empty, not a string, not base64. */
    char *cut = strdup(rec.imprint);
    assert_non_null(cut);
    char *q = strchr(cut + (at - rec.imprint), '"');
    memmove(q - 4, q, strlen(q) + 1);
    estore_naming_the_seal(outline_of(&o, cut), "damaged");
    free(cut);
    static const char *const values[][2] = {
        {"\"\"", "damaged"}, {"12", "incomplete"}, {"\"@@@@\"", "damaged"}, {"null", "incomplete"}};
    for (size_t i = 0; i < 4; i++) {
        char *js = with_outline_value(rec.imprint, values[i][0]);
        estore_naming_the_seal(outline_of(&o, js), values[i][1]);
        assert_null(o);
        free(js);
    }
    /* A sound outline of another imprint (a personal seal's, 18 mm): not this description's. */
    eseal_imprint_spec sp;
    assert_int_equal(eseal_imprint_template(&sp, "personal", "张三", NULL), ESEAL_OK);
    eseal_imprint_outline *other = NULL;
    assert_int_equal(eseal_imprint_path(&other, &sp), ESEAL_OK);
    es_buf t = ES_BUF_INIT(ES_OUTLINE_TEXT_MAX + 2);
    assert_true(es_ok(es_buf_append_byte(&t, '"')));
    assert_true(es_ok(es_outline_encode_text(&t, other)));
    assert_true(es_ok(es_buf_append_byte(&t, '"')));
    char *js = with_outline_value(rec.imprint, es_buf_cstr(&t));
    estore_naming_the_seal(outline_of(&o, js), "is not the one its description draws");
    free(js);
    es_buf_free(&t);
    eseal_imprint_outline_free(other);
    /* And the row as made still stamps. */
    assert_int_equal(stamp(in, out), ESEAL_OK);
    valid(out);
    eseal_seal_record_dispose(&rec);
}

/* A renewal copies a checked outline; one of a seal made before outlines were kept gets one. */
static void renewal_keeps_or_fills_the_outline(void **state)
{
    (void)state;
    eseal_seal_record rec, renewed;
    row(&rec, esid);
    char *old = without_outline(rec.imprint);
    set_imprint(esid, old);
    if (eseal_instance_seal_renew(inst, test_who(), &renewed, esid, "renewal test") != ESEAL_OK) {
        fail_msg("renew: %s", eseal_error_last()->message);
    }
    assert_string_equal(renewed.imprint, rec.imprint); /* filled: the same text seal make wrote */
    /* Renewing the renewed seal copies its outline; a damaged one stops the renewal. */
    char next[64];
    (void)snprintf(next, sizeof(next), "%s", renewed.esid);
    char *bad = with_outline_value(renewed.imprint, "\"RU9VVA==\"");
    set_imprint(next, bad);
    eseal_seal_record r2;
    assert_int_equal(eseal_instance_seal_renew(inst, test_who(), &r2, next, "renewal test"), ESEAL_ESTORE);
    set_imprint(next, renewed.imprint);
    assert_int_equal(eseal_instance_seal_renew(inst, test_who(), &r2, next, "renewal test"), ESEAL_OK);
    assert_string_equal(r2.imprint, rec.imprint);
    eseal_seal_record_dispose(&r2);
    free(bad);
    free(old);
    eseal_seal_record_dispose(&renewed);
    eseal_seal_record_dispose(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_seal_keeps_its_outline),
        cmocka_unit_test(every_template_reads_back_as_drawn),
        cmocka_unit_test(stored_and_drawn_stamps_are_the_same),
        cmocka_unit_test(damaged_outline_is_a_store_error),
        cmocka_unit_test(renewal_keeps_or_fills_the_outline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
