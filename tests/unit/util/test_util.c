/* SPDX-License-Identifier: Apache-2.0 */
/* util: buffers (over-fill, off-by-one, overflow), cursors, time, secrets, files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static void buf_hard_max_is_enforced(void **state)
{
    (void)state;
    es_buf b = ES_BUF_INIT(8);
    assert_true(es_ok(es_buf_append(&b, "12345678", 8))); /* exactly max: fine */
    assert_int_equal(b.len, 8);
    assert_int_equal(b.ptr[8], '\0');
    es_result r = es_buf_append(&b, "9", 1); /* one past: refused */
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.ptr, "12345678", 8);
    assert_int_equal(es_code(es_buf_reserve(&b, SIZE_MAX)), ESEAL_ELIMIT); /* size overflow */
    es_buf_free(&b);
    assert_null(b.ptr);
}

static void buf_printf_and_hex(void **state)
{
    (void)state;
    es_buf b = ES_BUF_INIT(64);
    assert_true(es_ok(es_buf_printf(&b, "%s-%d", "ab", 42)));
    assert_string_equal(es_buf_cstr(&b), "ab-42");
    assert_true(es_ok(es_buf_append_hex(&b, "\x01\xfe", 2, false)));
    assert_string_equal(es_buf_cstr(&b), "ab-4201fe");
    es_buf small = ES_BUF_INIT(3);
    assert_int_equal(es_code(es_buf_printf(&small, "%s", "abcd")), ESEAL_ELIMIT);
    es_buf h = ES_BUF_INIT(16);
    assert_true(es_ok(es_hex_decode(&h, "00FFa0")));
    assert_int_equal(h.len, 3);
    assert_int_equal(h.ptr[1], 0xff);
    assert_int_equal(es_code(es_hex_decode(&h, "abc")), ESEAL_EMALFORMED);
    assert_int_equal(es_code(es_hex_decode(&h, "zz")), ESEAL_EMALFORMED);
    es_buf_free(&b);
    es_buf_free(&small);
    es_buf_free(&h);
}

static void cursor_truncation_and_offsets(void **state)
{
    (void)state;
    es_cur c = es_cur_of(es_span_of("ab12", 4));
    es_span s;
    assert_true(es_ok(es_cur_take(&c, 2, &s)));
    assert_int_equal(c.pos, 2);
    assert_int_equal(es_code(es_cur_take(&c, 3, &s)), ESEAL_EMALFORMED); /* truncated */
    assert_int_equal(c.pos, 2);                                         /* unchanged on failure */
    assert_non_null(strstr(eseal_error_last()->message, "offset 2"));
    uint64_t v = 0;
    assert_true(es_ok(es_cur_uint(&c, 99, &v)));
    assert_int_equal(v, 12);
    assert_true(es_cur_eof(&c));
    uint8_t byte;
    assert_int_equal(es_code(es_cur_u8(&c, &byte)), ESEAL_EMALFORMED);
}

static void uint_parsing_bounds(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_true(es_ok(es_parse_uint("18446744073709551615", UINT64_MAX, &v)));
    assert_true(v == UINT64_MAX);
    assert_int_equal(es_code(es_parse_uint("18446744073709551616", UINT64_MAX, &v)), ESEAL_EINVAL);
    assert_true(es_ok(es_parse_uint("100", 100, &v)));
    assert_int_equal(es_code(es_parse_uint("101", 100, &v)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_parse_uint("-1", 100, &v)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_parse_uint("1x", 100, &v)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_parse_uint("", 100, &v)), ESEAL_EINVAL);
}

static void time_rfc3339_round_trip(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_true(es_ok(es_time_parse_rfc3339("2026-11-21T04:37:00.123Z", &ms)));
    assert_true(ms == 1795235820123LL);
    char out[ES_RFC3339_LEN];
    es_time_rfc3339(out, ms);
    assert_string_equal(out, "2026-11-21T04:37:00.123Z");
    int64_t ms2 = 0;
    assert_true(es_ok(es_time_parse_rfc3339("2026-11-21T12:37:00.123+08:00", &ms2)));
    assert_true(ms2 == ms);
    assert_true(es_ok(es_time_parse_rfc3339("2024-02-29", &ms2)));
    assert_int_equal(es_code(es_time_parse_rfc3339("2023-02-29", &ms2)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_time_parse_rfc3339("2026-13-01T00:00:00Z", &ms2)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_time_parse_rfc3339("2026-11-21T04:37:00", &ms2)), ESEAL_EINVAL);
    assert_int_equal(es_code(es_time_parse_rfc3339("2026-11-21T04:37:00Zjunk", &ms2)), ESEAL_EINVAL);
    es_time_rfc3339(out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    es_time_rfc3339(out, -1);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
}

static void time_gentime(void **state)
{
    (void)state;
    char g[ES_GENTIME_LEN];
    es_time_gentime(g, 1795235820120LL, true);
    assert_string_equal(g, "20261121043700.12Z"); /* X.690: no trailing zeros */
    es_time_gentime(g, 1795235820000LL, true);
    assert_string_equal(g, "20261121043700Z");
    int64_t ms = 0;
    assert_true(es_ok(es_time_parse_gentime(es_span_of("20261121043700.12Z", 18), &ms)));
    assert_true(ms == 1795235820120LL);
    assert_int_equal(es_code(es_time_parse_gentime(es_span_of("20261121043700", 14), &ms)), ESEAL_EMALFORMED);
}

static void secret_is_copied_and_freed(void **state)
{
    (void)state;
    es_secret s = {NULL, 0};
    assert_true(es_ok(es_secret_set(&s, "hunter2", 7)));
    assert_string_equal(s.ptr, "hunter2");
    es_secret_free(&s);
    assert_null(s.ptr);
    assert_int_equal(s.len, 0);
    es_buf b = ES_BUF_INIT(1024);
    b.secret = true;
    for (int i = 0; i < 100; i++) {
        assert_true(es_ok(es_buf_append(&b, "0123456789", 10)));
    }
    assert_int_equal(b.len, 1000);
    es_buf_free(&b);
}

static void allocation_failure_is_reported(void **state)
{
    (void)state;
    es_buf b = ES_BUF_INIT(1 << 20);
    es_alloc_fail_after(1);
    assert_int_equal(es_code(es_buf_append(&b, "x", 1)), ESEAL_ENOMEM);
    assert_true(es_ok(es_buf_append(&b, "x", 1)));
    es_buf_free(&b);
}

static void files_are_created_exclusively(void **state)
{
    (void)state;
    char dir[] = "/tmp/eseal-util-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], link_path[256];
    (void)snprintf(path, sizeof(path), "%s/new", dir);
    (void)snprintf(link_path, sizeof(link_path), "%s/link", dir);
    assert_true(es_ok(es_file_write_new(path, "abc", 3, 0600)));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(es_code(es_file_write_new(path, "abc", 3, 0600)), ESEAL_EEXISTS);
    assert_int_equal(symlink(path, link_path), 0);
    es_buf b = ES_BUF_INIT(16);
    assert_int_equal(es_code(es_file_read(&b, link_path, 16)), ESEAL_EIO); /* O_NOFOLLOW */
    assert_true(es_ok(es_file_read(&b, path, 16)));
    assert_int_equal(es_code(es_file_read(&b, path, 2)), ESEAL_ELIMIT); /* capped before reading */
    assert_true(es_ok(es_file_write_atomic(path, "xyz!", 4, 0644)));
    assert_true(es_ok(es_file_read(&b, path, 16)));
    assert_memory_equal(b.ptr, "xyz!", 4);
    es_buf_free(&b);
    unlink(link_path);
    unlink(path);
    rmdir(dir);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/*
 * Written in pieces, published whole: the old content until commit, no temporary left after abort.
 * Unnamed (O_TMPFILE, here on Linux): the file being written is not in the directory at all (a
 * crash leaves nothing), not even once es_atomic_name chose its name, only from commit's link to
 * the rename; named_only (as where O_TMPFILE is refused): `out.tmp-XXXXXX` while it is written.
 */
static void atomic_files(bool named_only)
{
    es_atomic_named_only = named_only;
    int writing = named_only ? 2 : 1; /* the entries while a new content is written */
    char dir[] = "/tmp/eseal-util-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    (void)snprintf(path, sizeof(path), "%s/out", dir);
    assert_true(es_ok(es_file_write_atomic(path, "old", 3, 0600)));
    es_atomic_file f;
    assert_true(es_ok(es_atomic_open(&f, path, 0640)));
    assert_true(es_ok(es_atomic_write(&f, "new ", 4)));
    assert_true(es_ok(es_atomic_write(&f, "content", 7)));
    es_buf b = ES_BUF_INIT(64);
    assert_true(es_ok(es_file_read(&b, path, 64)));
    assert_memory_equal(b.ptr, "old", 3); /* not published yet */
    assert_int_equal(entries(dir), writing);
    assert_true(es_ok(es_atomic_sync(&f)));
    assert_true(es_ok(es_atomic_name(&f)));
    assert_non_null(f.tmp_path);
    assert_non_null(strstr(f.tmp_path, "/out.tmp-"));
    assert_int_equal(access(f.tmp_path, F_OK) == 0, named_only); /* named, not yet created */
    assert_int_equal(entries(dir), writing);
    es_buf_clear(&b);
    assert_true(es_ok(es_atomic_read(&f, &b))); /* read back from the start, after the sync */
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.ptr, "new content", 11);
    es_buf_clear(&b);
    es_atomic_abort(&f);
    es_atomic_abort(&f); /* safe to repeat */
    assert_int_equal(entries(dir), 1);
    assert_true(es_ok(es_file_read(&b, path, 64)));
    assert_memory_equal(b.ptr, "old", 3);

    assert_true(es_ok(es_atomic_open(&f, path, 0640)));
    assert_true(es_ok(es_atomic_write(&f, "new ", 4)));
    assert_true(es_ok(es_atomic_write(&f, "content", 7)));
    assert_true(es_ok(es_atomic_commit(&f)));
    es_atomic_abort(&f); /* after commit: nothing to undo */
    assert_true(es_ok(es_file_read(&b, path, 64)));
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.ptr, "new content", 11);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_int_equal(entries(dir), 1);
    assert_int_equal(es_code(es_atomic_write(&f, "x", 1)), ESEAL_ESTATE);

    /* A batch defers the directory sync: commit still publishes, the caller syncs the directory once. */
    assert_true(es_ok(es_atomic_open(&f, path, 0600)));
    f.defer_dir_sync = true;
    assert_true(es_ok(es_atomic_write(&f, "batch", 5)));
    assert_true(es_ok(es_atomic_commit(&f)));
    assert_true(es_ok(es_file_read(&b, path, 64)));
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.ptr, "batch", 5);
    assert_int_equal(entries(dir), 1);
    assert_true(es_ok(es_sync_dir_of(path)));

    char missing[300];
    (void)snprintf(missing, sizeof(missing), "%s/no/such/dir/out", dir);
    assert_int_equal(es_code(es_atomic_open(&f, missing, 0600)), ESEAL_EIO);
    es_atomic_abort(&f);
    assert_int_equal(es_code(es_sync_dir_of(missing)), ESEAL_EIO);
    es_buf_free(&b);
    unlink(path);
    rmdir(dir);
    es_atomic_named_only = false;
}

static void atomic_files_publish_whole_or_nothing(void **state)
{
    (void)state;
    atomic_files(false);
}

static void atomic_files_named_where_no_tmpfile(void **state)
{
    (void)state;
    atomic_files(true);
}

static void error_codes_have_names(void **state)
{
    (void)state;
    assert_string_equal(eseal_code_name(ESEAL_EMALFORMED), "ESEAL_EMALFORMED");
    assert_string_equal(eseal_code_name(12345), "ESEAL_UNKNOWN");
    es_result r = es_error_set(ESEAL_EIO, "src/x/y.c", 7, "line one\nline two");
    assert_int_equal(es_code(r), ESEAL_EIO);
    assert_string_equal(eseal_error_last()->message, "line one line two"); /* always one line */
    assert_string_equal(eseal_error_last()->where, "x/y.c:7");
}

/* Regression: wrapping the last message in a new one ("ctx: %s", last) once overlapped the buffer. */
static void error_message_can_wrap_the_last_one(void **state)
{
    (void)state;
    (void)es_error_set(ESEAL_EMALFORMED, "a.c", 1, "png: not a PNG file (bad signature)");
    (void)es_error_set(ESEAL_EMALFORMED, "b.c", 2, "%s: %s", "/tmp/scan.png", eseal_error_last()->message);
    assert_string_equal(eseal_error_last()->message, "/tmp/scan.png: png: not a PNG file (bad signature)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_hard_max_is_enforced),  cmocka_unit_test(buf_printf_and_hex),
        cmocka_unit_test(cursor_truncation_and_offsets), cmocka_unit_test(uint_parsing_bounds),
        cmocka_unit_test(time_rfc3339_round_trip),  cmocka_unit_test(time_gentime),
        cmocka_unit_test(secret_is_copied_and_freed), cmocka_unit_test(allocation_failure_is_reported),
        cmocka_unit_test(files_are_created_exclusively),
        cmocka_unit_test(atomic_files_publish_whole_or_nothing),
        cmocka_unit_test(atomic_files_named_where_no_tmpfile), cmocka_unit_test(error_codes_have_names),
        cmocka_unit_test(error_message_can_wrap_the_last_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
