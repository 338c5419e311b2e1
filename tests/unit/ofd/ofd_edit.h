/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Editing an OFD package in a test: its bytes read back from a file, and a copy with entries
 * replaced or deleted (the others keep their bytes). Include after <cmocka.h>, <zip.h>,
 * <stdarg.h>, <unistd.h>, "util/util.h" (es_buf) and ofd_fixture.h (add_text).
 */
#ifndef ESEAL_TEST_OFD_EDIT_H
#define ESEAL_TEST_OFD_EDIT_H

#include <stdlib.h>

/* The bytes of `path` (at most 16 MiB) into *out; the file is removed. */
static inline void read_back(es_buf *out, const char *path)
{
    *out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    assert_true(es_ok(es_file_read(out, path, out->max)));
    unlink(path);
}

/*
 * `in` with entries changed: pairs of (name, text) with text NULL to delete the entry, ending
 * with NULL. The other entries keep their bytes.
 */
static inline void edit(es_buf *out, const es_buf *in, ...)
{
    char path[] = "/tmp/eseal-ofd-edit-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, in->ptr, in->len), (ssize_t)in->len);
    close(fd);
    int err = 0;
    zip_t *z = zip_open(path, 0, &err);
    assert_non_null(z);
    va_list ap;
    va_start(ap, in);
    for (const char *name = va_arg(ap, const char *); name != NULL; name = va_arg(ap, const char *)) {
        const char *text = va_arg(ap, const char *);
        if (text == NULL) {
            zip_int64_t i = zip_name_locate(z, name, 0);
            assert_true(i >= 0);
            assert_int_equal(zip_delete(z, (zip_uint64_t)i), 0);
        } else {
            add_text(z, name, text);
        }
    }
    va_end(ap);
    assert_int_equal(zip_close(z), 0);
    read_back(out, path);
}

#endif
