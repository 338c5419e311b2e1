/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module loader (src/util/module.h) from a program linked with the static library: nothing is
 * loaded until asked; drawing loads the drawing module and not the HTTP one; allocations and errors
 * of a module are the host's (failure injection reaches it, its messages are the thread's last
 * error); bad names, a missing module, a wrong table size and a relative ESEAL_MODULE_DIR are
 * refused with the exact code. Runs with ESEAL_MODULE_DIR set to the build directory (ctest).
 * The tests run in order in one process: a module once loaded stays loaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"
#include "http/http.h"
#include "seal/draw.h"
#include "util/module.h"
#include "util/util.h"

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static void nothing_is_loaded_before_it_is_needed(void **state)
{
    (void)state;
    assert_null(es_module_loaded("draw"));
    assert_null(es_module_loaded("http"));
    /* Templates and versions are the library's own: still nothing loaded. */
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "Module Test Ltd", NULL), ESEAL_OK);
    assert_null(es_module_loaded("draw"));
}

static void bad_names_and_missing_modules_are_refused(void **state)
{
    (void)state;
    const void *t = NULL;
    assert_int_equal(es_code(es_module_get(&t, "", 8)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_module_get(&t, "../draw", 8)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_module_get(&t, "nope", 8)), ESEAL_ENOTFOUND);
    assert_null(t);
    const char *msg = eseal_error_last()->message;
    assert_non_null(strstr(msg, "module eseal-nope.so not found (looked in "));
    const char *dir = getenv("ESEAL_MODULE_DIR");
    if (dir != NULL && dir[0] != '\0') {
        assert_non_null(strstr(msg, dir));
    }
    assert_null(es_module_loaded("nope"));
}

static void drawing_loads_the_drawing_module_only(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "Module Test Ltd", NULL), ESEAL_OK);
    eseal_imprint_outline *o = NULL;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    assert_true(eseal_imprint_outline_count(o) > 100);
    eseal_imprint_outline_free(o);
    const char *path = es_module_loaded("draw");
    assert_non_null(path);
    assert_true(ends_with(path, "/eseal-draw.so"));
    assert_null(es_module_loaded("http"));
    /* Loaded once: the same table every time. */
    const es_draw_module *a = NULL, *b = NULL;
    assert_true(es_ok(es_draw_get(&a)));
    assert_true(es_ok(es_draw_get(&b)));
    assert_ptr_equal(a, b);
    /* A caller expecting another table is refused, not handed a table of the wrong shape. */
    const void *t = NULL;
    assert_int_equal(es_code(es_module_get(&t, "draw", sizeof(es_draw_module) + 8)), ESEAL_EUNSUPPORTED);
    assert_non_null(strstr(eseal_error_last()->message, "another table size"));
    assert_null(t);
}

static void a_modules_allocations_and_errors_are_the_hosts(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "contract", "Module Test Ltd", NULL), ESEAL_OK);
    assert_non_null(es_module_loaded("draw")); /* so that the first allocation below is the module's */
    /* The host's failure injection reaches the module's es_malloc: the first allocation fails. */
    es_alloc_fail_after(1);
    eseal_imprint_outline *o = NULL;
    int rc = eseal_imprint_path(&o, &s);
    es_alloc_fail_after(0);
    assert_int_equal(rc, ESEAL_ENOMEM);
    assert_null(o);
    /* An error found in the module is this thread's last error, with where it was found. */
    s.font_path = "/nonexistent/font.ttc";
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_ENOTFOUND);
    assert_non_null(strstr(eseal_error_last()->where, "seal/draw/"));
    /* A rendering the module made is freed by the library (one allocator). */
    s.font_path = NULL;
    eseal_buf png = ESEAL_BUF_INIT;
    assert_int_equal(eseal_imprint_render(&png, &s, ESEAL_IMPRINT_PNG, 150), ESEAL_OK);
    assert_true(png.size > 8 && memcmp(png.ptr, "\x89PNG", 4) == 0);
    eseal_buf_dispose(&png);
}

static void the_http_module_loads_when_fetching(void **state)
{
    (void)state;
    char *saved = getenv("ESEAL_MODULE_DIR") != NULL ? es_strdup(getenv("ESEAL_MODULE_DIR")) : NULL;
    assert_int_equal(setenv("ESEAL_MODULE_DIR", "relative/dir", 1), 0);
    es_buf resp = ES_BUF_INIT(1024);
    long status = 0;
    assert_int_equal(es_code(es_http_get("http://127.0.0.1:1/", NULL, &resp, &status, NULL, 0)), ESEAL_EINVAL);
    assert_non_null(strstr(eseal_error_last()->message, "ESEAL_MODULE_DIR must be an absolute path"));
    assert_null(es_module_loaded("http"));
    if (saved != NULL) {
        assert_int_equal(setenv("ESEAL_MODULE_DIR", saved, 1), 0);
    } else {
        assert_int_equal(unsetenv("ESEAL_MODULE_DIR"), 0);
    }
    es_free(saved);
    /* Port 1 refuses: the error is libcurl's, through the module. */
    assert_int_equal(es_code(es_http_get("http://127.0.0.1:1/", NULL, &resp, &status, NULL, 0)), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "http: http://127.0.0.1:1/"));
    assert_non_null(es_module_loaded("http"));
    assert_true(ends_with(es_module_loaded("http"), "/eseal-http.so"));
    es_buf_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_is_loaded_before_it_is_needed),
        cmocka_unit_test(bad_names_and_missing_modules_are_refused),
        cmocka_unit_test(drawing_loads_the_drawing_module_only),
        cmocka_unit_test(a_modules_allocations_and_errors_are_the_hosts),
        cmocka_unit_test(the_http_module_loads_when_fetching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
