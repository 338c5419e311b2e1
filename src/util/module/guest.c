/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module's side of module.h, linked into every module (and only there): the allocation and
 * error functions of src/util the module's code calls go to the host that loaded it, so memory
 * allocated here is freed there (and the other way), allocation-failure injection and a caller's
 * allocator (eseal_allocator_set) apply, and an error set here is the host thread's last error.
 * The module also links its own copy of src/util/buf.c (buffers and cursors: code, no state).
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/module.h"
#include "util/util.h"

static const es_module_host *host;

bool es_module_guest_init(const es_module_host *h)
{
    if (h == NULL || h->abi != ES_MODULE_ABI || h->size != sizeof(es_module_host)) {
        return false;
    }
    host = h;
    return true;
}

void *es_malloc(size_t n) { return host->malloc_fn(n); }
void *es_calloc(size_t count, size_t size) { return host->calloc_fn(count, size); }
void *es_realloc(void *p, size_t n) { return host->realloc_fn(p, n); }
void es_free(void *p) { host->free_fn(p); }
void es_wipe(void *p, size_t n) { host->wipe_fn(p, n); }

es_result es_error_set(int code, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return host->error_set(code, file, line, "%s", msg);
}
