/* SPDX-License-Identifier: Apache-2.0 */
/* libqpdf loaded on the first PDF (pdf_qpdf.h says why and how). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define ES_PDF_QPDF_IMPL
#include "pdf/pdf_qpdf.h"

#ifndef ESEAL_QPDF_SONAME
#error "ESEAL_QPDF_SONAME: the build defines it (CMakeLists.txt reads it from the library)"
#endif

es_pdf_qpdf_libs es_pdf_qpdf_lib;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_code = ESEAL_OK; /* the outcome, kept for every later caller */
static char load_error[512];

static void load(void)
{
    /* RTLD_LAZY, as the loader binds a linked library: qpdf's own calls are bound when made (its
     * thousands of C++ relocations), while every function eseal calls is looked up below. */
    void *h = dlopen(ESEAL_QPDF_SONAME, RTLD_LAZY | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        load_code = ESEAL_EUNSUPPORTED;
        (void)snprintf(load_error, sizeof(load_error), "pdf: cannot load %s (PDF files need it): %s",
                       ESEAL_QPDF_SONAME, e != NULL ? e : "not found");
        return;
    }
    es_pdf_qpdf_libs t;
    memset(&t, 0, sizeof(t));
    void *p = NULL; /* dlsym's object pointer into each function pointer: POSIX guarantees the conversion */
#define ES_PDF_QPDF_SYM(name)                                                                            \
    p = load_code == ESEAL_OK ? dlsym(h, #name) : NULL;                                                   \
    if (p == NULL && load_code == ESEAL_OK) {                                                             \
        load_code = ESEAL_EUNSUPPORTED;                                                                   \
        (void)snprintf(load_error, sizeof(load_error), "pdf: %s has no %s (PDF files need it)",           \
                       ESEAL_QPDF_SONAME, #name);                                                         \
    }                                                                                                     \
    memcpy(&t.name, &p, sizeof(p));
    ES_PDF_QPDF_FNS(ES_PDF_QPDF_SYM)
#undef ES_PDF_QPDF_SYM
    if (load_code != ESEAL_OK) {
        (void)dlclose(h); /* nothing half-loaded stays: the table stays empty */
        return;
    }
    es_pdf_qpdf_lib = t;
}

ES_RESULT es_pdf_qpdf_load(void)
{
    (void)pthread_once(&once, load);
    ES_ENSURE(load_code == ESEAL_OK, load_code, "%s", load_error);
    return ES_OK;
}
