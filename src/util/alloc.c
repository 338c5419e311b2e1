/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation: the only file that calls malloc/free (scripts/checksrc). */
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Allocation-failure injection for tests (curl "torture" style). */
static _Thread_local unsigned long fail_countdown;

void es_alloc_fail_after(unsigned long n) { fail_countdown = n; }

static bool should_fail(void)
{
    if (fail_countdown == 0) {
        return false;
    }
    fail_countdown--;
    return fail_countdown == 0;
}

void *es_malloc(size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(n == 0 ? 1 : n); /* !checksrc! allowed: the allocator */
}

void *es_calloc(size_t count, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(count == 0 ? 1 : count, size == 0 ? 1 : size); /* !checksrc! allowed */
}

void *es_realloc(void *p, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(p, n == 0 ? 1 : n); /* !checksrc! allowed */
}

void es_free(void *p) { free(p); /* !checksrc! allowed */ }

char *es_strndup(const char *s, size_t n)
{
    if (s == NULL) {
        return NULL;
    }
    size_t len = strnlen(s, n);
    char *d = es_malloc(len + 1);
    if (d == NULL) {
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *es_strdup(const char *s) { return s == NULL ? NULL : es_strndup(s, strlen(s)); }

void es_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0) {
        return;
    }
    /* glibc's explicit_bzero: a full-speed memset the compiler may not drop (a volatile byte loop
       made wiping document-sized buffers a tenth of stamping time). */
    explicit_bzero(p, n);
}
