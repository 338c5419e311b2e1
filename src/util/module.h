/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Modules: the parts of eseal that need heavy libraries only some commands use, built as
 * plug-ins of our own code and loaded with dlopen when a command first needs them (issue 18,
 * docs/performance.md "Start-up"). `eseal version` and `eseal verify` then load none of them.
 *
 *   eseal-draw.so  imprint drawing and QR codes: cairo, FreeType, libqrencode (src/seal/draw/)
 *   eseal-http.so  the HTTP client and server: libcurl, libmicrohttpd (src/http/mod/)
 *
 * A module is one shared object exporting one function, ES_MODULE_ENTRY, that takes the host's
 * table (es_module_host: its allocator and its error setter, so that memory and errors cross the
 * boundary as if the module were linked in) and returns an es_module_info: magic, ABI, eseal
 * version, a fingerprint of the interface headers (computed by CMake from the headers both sides
 * compile against) and its own table of function pointers. Any mismatch refuses the module:
 * both sides must come from the same build.
 *
 * Where a module is looked for, in this order (never the current directory, never a path from
 * the environment other than ESEAL_MODULE_DIR, which secure_getenv ignores in setuid programs):
 *   1. $ESEAL_MODULE_DIR, when set (an absolute path; the tests set it to the build directory);
 *   2. the directory of the file that holds this code (libeseal.so's path from its link map for
 *      a shared link; /proc/self/exe for the program, never its argv[0]): the
 *      build tree, where the modules sit beside `eseal` and libeseal.so;
 *   3. that directory's eseal/ subfolder: an installed libeseal.so in ${libdir} has them in
 *      ${libdir}/eseal/;
 *   4. that directory's ../${libdir}/eseal (CMAKE_INSTALL_LIBDIR, e.g. lib/x86_64-linux-gnu): an
 *      installed `eseal` in ${bindir} of an install tree moved elsewhere, as $ORIGIN/../lib;
 *   5. the install directory compiled in (ESEAL_MODULE_INSTALL_DIR = ${libdir}/eseal): an
 *      installed `eseal` in ${bindir}, or a program linked with the static archive.
 * The first directory holding the file is used (a file that is there but refused is an error, not
 * a reason to look further). The file must be a regular file owned by root or by the effective
 * user and not writable by others; it is opened once, checked through that descriptor and loaded
 * as /proc/self/fd/N, so the file checked is the file loaded. A module once loaded stays loaded
 * (no dlclose), with its descriptor open (close-on-exec).
 */
#ifndef ES_MODULE_H
#define ES_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

#define ES_MODULE_MAGIC 0x65734d44u /* "esMD" */
#define ES_MODULE_ABI 1u
#define ES_MODULE_ENTRY "eseal_module_entry"

/* The fingerprint of the interface headers, from CMake (every target of the build gets the same). */
#ifndef ESEAL_MODULE_ABI_HASH
#define ESEAL_MODULE_ABI_HASH "none"
#endif

/* What the host lends a module: its allocator (es_malloc & co., failure injection included) and
 * its error setter (the thread's last error is the host's). */
typedef struct {
    uint32_t abi;  /* ES_MODULE_ABI */
    uint32_t size; /* sizeof(es_module_host) */
    void *(*malloc_fn)(size_t n);
    void *(*calloc_fn)(size_t count, size_t size);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
    void (*wipe_fn)(void *p, size_t n);
    es_result (*error_set)(int code, const char *file, int line, const char *fmt, ...);
} es_module_host;

typedef struct {
    uint32_t magic;       /* ES_MODULE_MAGIC */
    uint32_t abi;         /* ES_MODULE_ABI */
    const char *name;     /* "draw", "http": the file is eseal-<name>.so */
    const char *version;  /* ESEAL_VERSION of the module's build */
    const char *abi_hash; /* ESEAL_MODULE_ABI_HASH of the module's build */
    size_t table_size;    /* sizeof the module's table (es_draw_module, es_http_module) */
    const void *table;
} es_module_info;

typedef const es_module_info *(*es_module_entry_fn)(const es_module_host *host);

/*
 * The table of module `name` ("draw" or "http"), loading it on first use (thread-safe; one dlopen
 * per process). `table_size` is the size the caller expects. Errors: ESEAL_ENOTFOUND when no
 * directory holds eseal-<name>.so (the message names the file and the directories searched);
 * ESEAL_EUNSUPPORTED for a file that is not a module of this build (dlopen's or the check's
 * message, naming the file); ESEAL_EINVAL for a bad name or an ESEAL_MODULE_DIR that is not absolute.
 */
ES_RESULT es_module_get(const void **table, const char *name, size_t table_size);

/* Test hook: the path module `name` was loaded from, or NULL when it is not loaded. */
const char *es_module_loaded(const char *name);

/* ---- the module's side (src/util/module/guest.c, linked into every module) ---------------- */

/* Keeps the host's table: es_malloc, es_free, es_error_set ... of the module then go to the host.
 * Returns false when the host's table is not one this module can use. */
bool es_module_guest_init(const es_module_host *host);

/* Defines the module's entry: checks the host, returns `info`. */
#define ES_MODULE_DEFINE(info_ptr)                                                                 \
    __attribute__((visibility("default"))) const es_module_info *eseal_module_entry(const es_module_host *host); \
    const es_module_info *eseal_module_entry(const es_module_host *host)                           \
    {                                                                                              \
        return es_module_guest_init(host) ? (info_ptr) : NULL;                                     \
    }

#endif
