/* SPDX-License-Identifier: Apache-2.0 */
/* libzip and libxml2 loaded on the first OFD (ofd_libs.h says why and how). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ES_OFD_LIBS_IMPL
#include "ofd/ofd_libs.h"

#ifndef ESEAL_LIBZIP_SONAME
#error "ESEAL_LIBZIP_SONAME: the build defines it (CMakeLists.txt reads it from the library)"
#endif
#ifndef ESEAL_LIBXML2_SONAME
#error "ESEAL_LIBXML2_SONAME: the build defines it (CMakeLists.txt reads it from the library)"
#endif

es_ofd_libs es_ofd_lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_code = ESEAL_OK; /* the outcome, kept for every later caller */
static char load_error[512];

static void *open_lib(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        load_code = ESEAL_EUNSUPPORTED;
        const char *e = dlerror();
        (void)snprintf(load_error, sizeof(load_error), "ofd: cannot load %s (OFD files need it): %s", soname,
                       e != NULL ? e : "not found");
    }
    return h;
}

static void *symbol(void *h, const char *soname, const char *name)
{
    void *p = load_code == ESEAL_OK ? dlsym(h, name) : NULL;
    if (p == NULL && load_code == ESEAL_OK) {
        load_code = ESEAL_EUNSUPPORTED;
        (void)snprintf(load_error, sizeof(load_error), "ofd: %s has no %s (OFD files need it)", soname, name);
    }
    return p;
}

static void load(void)
{
    void *zip = open_lib(ESEAL_LIBZIP_SONAME);
    void *xml = load_code == ESEAL_OK ? open_lib(ESEAL_LIBXML2_SONAME) : NULL;
    es_ofd_libs t = {0};
    void *p = NULL; /* dlsym's object pointer into each function pointer: POSIX guarantees the conversion */
#define ES_OFD_ZIP_SYM(name)                                                                            \
    p = symbol(zip, ESEAL_LIBZIP_SONAME, #name);                                                        \
    memcpy(&t.name, &p, sizeof(p));
#define ES_OFD_XML_SYM(name)                                                                            \
    p = symbol(xml, ESEAL_LIBXML2_SONAME, #name);                                                       \
    memcpy(&t.name, &p, sizeof(p));
    ES_OFD_LIBZIP_FNS(ES_OFD_ZIP_SYM)
    ES_OFD_LIBXML2_FNS(ES_OFD_XML_SYM)
#undef ES_OFD_ZIP_SYM
#undef ES_OFD_XML_SYM
    t.xmlFree_p = symbol(xml, ESEAL_LIBXML2_SONAME, "xmlFree");
    if (load_code != ESEAL_OK) {
        /* Nothing half-loaded stays: the handles are closed, the table stays empty. */
        if (xml != NULL) {
            (void)dlclose(xml);
        }
        if (zip != NULL) {
            (void)dlclose(zip);
        }
        return;
    }
    es_ofd_lib = t;
}

ES_RESULT es_ofd_libs_load(void)
{
    (void)pthread_once(&once, load);
    ES_ENSURE(load_code == ESEAL_OK, load_code, "%s", load_error);
    return ES_OK;
}
