/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded web files (src/web/web.h): every file of web/ in the table with its bytes and type,
 * sorted, found by its exact name only (docs/web.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "web/web.h"

#ifndef ESEAL_WEB_DIR
#error "ESEAL_WEB_DIR: the source tree's web/ (tests/CMakeLists.txt)"
#endif

static void table_sorted_and_typed(void **state)
{
    (void)state;
    size_t n = es_web_asset_count();
    assert_true(n >= 7);
    assert_null(es_web_asset_at(n));
    for (size_t i = 0; i < n; i++) {
        const es_web_asset *a = es_web_asset_at(i);
        assert_non_null(a);
        assert_non_null(a->content_type);
        assert_int_equal(a->bytes[a->len], 0); /* the NUL after the bytes */
        assert_ptr_equal(es_web_asset_find(a->name), a);
        if (i > 0) {
            assert_true(strcmp(es_web_asset_at(i - 1)->name, a->name) < 0); /* the binary search needs it */
        }
    }
    assert_string_equal(es_web_asset_find("verify.html")->content_type, "text/html; charset=utf-8");
    assert_string_equal(es_web_asset_find("verify.js")->content_type, "text/javascript; charset=utf-8");
    assert_string_equal(es_web_asset_find("style.css")->content_type, "text/css; charset=utf-8");
    assert_string_equal(es_web_asset_find("i18n/zh.json")->content_type, "application/json");
}

/* The bytes are the file's, byte for byte. */
static void bytes_are_the_files(void **state)
{
    (void)state;
    static const char *const names[] = {"verify.html", "report-view.js", "i18n/zh.json", "report-fields.json"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[1024];
        (void)snprintf(path, sizeof(path), "%s/%s", ESEAL_WEB_DIR, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static unsigned char buf[1 << 20];
        size_t len = fread(buf, 1, sizeof(buf), f);
        (void)fclose(f);
        const es_web_asset *a = es_web_asset_find(names[i]);
        assert_non_null(a);
        assert_int_equal(a->len, len);
        assert_memory_equal(a->bytes, buf, len);
    }
}

static void exact_names_only(void **state)
{
    (void)state;
    static const char *const none[] = {"", "/verify.html", "./verify.html", "../verify.html", "verify.html/",
                                       "VERIFY.HTML", "i18n//zh.json", "i18n/../verify.html", "verify.htm",
                                       "verify.html ", "web/verify.html", "i18n", "i18n/"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        assert_null(es_web_asset_find(none[i]));
    }
    assert_null(es_web_asset_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_sorted_and_typed),
        cmocka_unit_test(bytes_are_the_files),
        cmocka_unit_test(exact_names_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
