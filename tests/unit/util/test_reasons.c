/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reason table (ESEAL_REASON_TABLE, include/eseal/report.h) is the contract of every code a
 * report carries: names round-trip, es_report_reason refuses a code or verdict outside it, and the
 * generated table of docs/verify-report.md is the table. `unit_reasons --doc` prints that section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/report.h"

#define DOC_BEGIN "<!-- BEGIN generated from ESEAL_REASON_TABLE"
#define DOC_END "<!-- END generated -->"

static const struct {
    eseal_reason id;
    const char *name;
    unsigned verdicts;
    const char *doc;
} table[] = {
#define X_ROW(code, verdicts, doc) {ESEAL_R_##code, #code, (verdicts), (doc)},
    ESEAL_REASON_TABLE(X_ROW)
#undef X_ROW
};
#define NROWS (sizeof(table) / sizeof(table[0]))

static const char *verdicts_text(unsigned v)
{
    switch (v) {
    case ESEAL_RV_INVALID: return "INVALID";
    case ESEAL_RV_INDETERMINATE: return "INDETERMINATE";
    case ESEAL_RV_VALID: return "VALID (note)";
    case ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE: return "INVALID or INDETERMINATE";
    case ESEAL_RV_INVALID | ESEAL_RV_INDETERMINATE | ESEAL_RV_VALID: return "INVALID, INDETERMINATE or VALID (note)";
    default: return NULL;
    }
}

/* The generated section of docs/verify-report.md, markers included. */
static char *doc_section(void)
{
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n,
                          DOC_BEGIN " (include/eseal/report.h) by `build/tests/unit_reasons --doc`; "
                                    "unit_reasons fails when they differ -->\n"
                                    "| code | verdict | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < NROWS; i++) {
        n += (size_t)snprintf(s + n, cap - n, "| `%s` | %s | %s |\n", table[i].name, verdicts_text(table[i].verdicts),
                              table[i].doc);
        assert_true(n < cap);
    }
    n += (size_t)snprintf(s + n, cap - n, DOC_END "\n");
    assert_true(n < cap);
    return s;
}

static char *read_doc(void)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/docs/verify-report.md", ESEAL_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[256 * 1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    assert_true(n < sizeof(buf) - 1);
    buf[n] = '\0';
    return buf;
}

static void names_round_trip(void **state)
{
    (void)state;
    assert_int_equal(NROWS, ESEAL_REASON_COUNT);
    for (size_t i = 0; i < NROWS; i++) {
        assert_int_equal(table[i].id, (eseal_reason)i);
        assert_string_equal(eseal_reason_name(table[i].id), table[i].name);
        assert_non_null(verdicts_text(table[i].verdicts)); /* a non-empty set of the three verdicts */
        assert_true(strlen(table[i].doc) > 10);
        assert_null(strpbrk(table[i].doc, "|\n`")); /* one markdown table cell */
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(table[i].name, table[j].name);
        }
    }
    assert_null(eseal_reason_name(ESEAL_REASON_COUNT));
    assert_null(eseal_reason_name((eseal_reason)-1));
}

/* A report carries only the table's codes, with a verdict the table lists for them. */
static void report_takes_only_table_codes(void **state)
{
    (void)state;
    eseal_report *rep = NULL;
    assert_true(es_ok(es_report_new(&rep)));
    assert_true(es_ok(es_report_reason(rep, ESEAL_INVALID, ESEAL_R_HASH_FAILURE, "changed")));
    assert_true(es_ok(es_report_reason(rep, ESEAL_VALID, ESEAL_R_SIGNATURE_LIST_ANOMALY, "note")));
    assert_int_equal(es_code(es_report_reason(rep, ESEAL_VALID, ESEAL_R_HASH_FAILURE, "x")), ESEAL_ERROR);
    assert_non_null(strstr(eseal_error_last()->message, "HASH_FAILURE cannot impose verdict"));
    assert_int_equal(es_code(es_report_reason(rep, ESEAL_INVALID, ESEAL_REASON_COUNT, "x")), ESEAL_ERROR);
    assert_int_equal(es_code(es_report_reason(rep, ESEAL_INVALID, (eseal_reason)-1, "x")), ESEAL_ERROR);
    assert_int_equal(es_code(es_report_reason(rep, (eseal_verdict)3, ESEAL_R_HASH_FAILURE, "x")), ESEAL_ERROR);
    assert_int_equal(eseal_report_reason_count(rep), 2);
    assert_string_equal(eseal_report_reason_code(rep, 0), "HASH_FAILURE");
    assert_int_equal(eseal_report_reason_id(rep, 1), ESEAL_R_SIGNATURE_LIST_ANOMALY);
    assert_int_equal(eseal_report_reason_id(rep, 2), ESEAL_REASON_COUNT);
    assert_null(eseal_report_reason_code(rep, 2));
    eseal_report *dst = NULL;
    assert_true(es_ok(es_report_new(&dst)));
    assert_true(es_ok(es_report_merge(dst, rep, "x")));
    assert_true(eseal_report_has_reason(dst, "SIGNATURE_LIST_ANOMALY"));
    assert_false(eseal_report_has_reason(dst, "REVOKED"));
    assert_int_equal(eseal_report_verdict(dst), ESEAL_INVALID);
    eseal_report_free(dst);
    eseal_report_free(rep);
}

static void docs_table_is_the_code_table(void **state)
{
    (void)state;
    const char *doc = read_doc();
    char *want = doc_section();
    const char *b = strstr(doc, DOC_BEGIN);
    const char *e = b != NULL ? strstr(b, DOC_END) : NULL;
    size_t have_len = e != NULL ? (size_t)(e - b) + strlen(DOC_END "\n") : 0;
    if (e == NULL || have_len != strlen(want) || memcmp(b, want, have_len) != 0) {
        print_error("docs/verify-report.md's generated reason table differs from ESEAL_REASON_TABLE; "
                    "replace it with the output of `unit_reasons --doc`:\n%s",
                    want);
        free(want);
        fail();
    }
    free(want);
}

/* The hand-written per-format tables of "## Reason codes" name only codes of the table. */
static void docs_name_only_table_codes(void **state)
{
    (void)state;
    const char *doc = read_doc();
    const char *p = strstr(doc, "\n## Reason codes\n");
    const char *end = p != NULL ? strstr(p, "\n## Examples\n") : NULL;
    assert_non_null(end);
    size_t rows = 0;
    while ((p = strstr(p, "\n| `")) != NULL && p < end) {
        p += 4;
        size_t n = strcspn(p, "`");
        size_t upper = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        if (n != upper) {
            continue; /* a field table (`timestamp.verdict`) */
        }
        bool found = false;
        for (size_t i = 0; i < NROWS && !found; i++) {
            found = strlen(table[i].name) == n && memcmp(table[i].name, p, n) == 0;
        }
        if (!found) {
            print_error("docs/verify-report.md names reason %.*s, which ESEAL_REASON_TABLE lacks\n", (int)n, p);
        }
        assert_true(found);
        rows++;
    }
    assert_true(rows > NROWS); /* the per-format tables, and the generated one */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--doc") == 0) {
        char *s = doc_section();
        fputs(s, stdout);
        free(s);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(report_takes_only_table_codes),
        cmocka_unit_test(docs_table_is_the_code_table),
        cmocka_unit_test(docs_name_only_table_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
