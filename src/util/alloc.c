/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation: the only file that calls malloc/free (scripts/checksrc). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/context.h"
#include "util.h"

/* The process's allocator (eseal_allocator_set); zeros: the C library's. */
static eseal_allocator allocator;
/* Set by the first allocation: from then on the allocator may not change. */
static atomic_bool allocated;

int eseal_allocator_set(const eseal_allocator *a)
{
    if (a != NULL && (a->malloc_fn == NULL || a->realloc_fn == NULL || a->free_fn == NULL)) {
        ES_BAIL_INT(ESEAL_EINVAL, "allocator: malloc_fn, realloc_fn and free_fn must all be set");
    }
    if (atomic_load_explicit(&allocated, memory_order_relaxed)) {
        ES_BAIL_INT(ESEAL_ESTATE, "allocator: the library has allocated memory already; set the allocator first");
    }
    if (a != NULL) {
        allocator = *a;
    } else {
        memset(&allocator, 0, sizeof(allocator));
    }
    return ESEAL_OK;
}

static void *raw_malloc(size_t n)
{
    atomic_store_explicit(&allocated, true, memory_order_relaxed);
    return allocator.malloc_fn != NULL ? allocator.malloc_fn(allocator.payload, n)
                                       : malloc(n); /* !checksrc! allowed: the allocator */
}

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
    return raw_malloc(n == 0 ? 1 : n);
}

void *es_calloc(size_t count, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    count = count == 0 ? 1 : count;
    size = size == 0 ? 1 : size;
    if (allocator.malloc_fn == NULL) {
        atomic_store_explicit(&allocated, true, memory_order_relaxed);
        return calloc(count, size); /* !checksrc! allowed: the allocator */
    }
    if (count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = raw_malloc(count * size);
    if (p != NULL) {
        memset(p, 0, count * size);
    }
    return p;
}

void *es_realloc(void *p, size_t n)
{
    if (should_fail()) {
        return NULL;
    }
    atomic_store_explicit(&allocated, true, memory_order_relaxed);
    return allocator.realloc_fn != NULL ? allocator.realloc_fn(allocator.payload, p, n == 0 ? 1 : n)
                                        : realloc(p, n == 0 ? 1 : n); /* !checksrc! allowed */
}

void es_free(void *p)
{
    if (p == NULL) {
        return;
    }
    if (allocator.free_fn != NULL) {
        allocator.free_fn(allocator.payload, p);
    } else {
        free(p); /* !checksrc! allowed */
    }
}

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
