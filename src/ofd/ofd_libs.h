/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libzip and libxml2, loaded when the first OFD is read or written (issue 18). Linked into the
 * library, they and what they bring (ICU, liblzma, libbz2) were 6 of the 28 shared libraries every
 * process loads and initialises at start, about 15% of the start of `eseal version` and of every
 * PDF command (docs/performance.md, "Start-up"), for files most commands never see.
 *
 * Only the files of src/ofd include this file, after every header that declares libzip or libxml2: from
 * there on every call of a libzip or libxml2 function goes through the table es_ofd_lib (the
 * macros at the end), which
 * es_ofd_libs_load() fills once per process with dlopen(3) of the libraries' sonames — the ones
 * the build linked against (ESEAL_LIBZIP_SONAME, ESEAL_LIBXML2_SONAME, read from the libraries by
 * CMakeLists.txt), so the ABI is the one the headers describe — and dlsym(3) of each function.
 * The dynamic loader looks for them as it would have at start (the system's library path).
 *
 * Every src/ofd entry point that creates a zip or XML object (a package opened, a writer, an XML
 * parse) calls es_ofd_libs_load() first and fails with ESEAL_EUNSUPPORTED naming the library or
 * the symbol if it cannot be loaded; every other call works on such an object, so the table is
 * filled before it is read (pthread_once orders the fill before every caller's reads).
 *
 * Adding a libzip or libxml2 call to src/ofd: add it to the lists below (the build fails at the
 * macro otherwise: an undeclared member) — tests/integration/startup_libs.sh checks that a PDF
 * command loads neither library and an OFD command loads both.
 */
#ifndef ES_OFD_LIBS_H
#define ES_OFD_LIBS_H

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <zip.h>

#include "util/result.h"

#ifndef LIBXML_THREAD_ENABLED
#error "ofd_libs.h: libxml2 without threads keeps its error handlers and xmlFree in variables, not behind functions"
#endif

#define ES_OFD_LIBZIP_FNS(X)                                                                           \
    X(zip_close) X(zip_discard) X(zip_error_code_zip) X(zip_error_fini) X(zip_error_init)               \
    X(zip_error_strerror) X(zip_fclose) X(zip_file_add) X(zip_file_get_error) X(zip_file_replace)        \
    X(zip_fopen_index) X(zip_fread) X(zip_get_archive_comment) X(zip_get_error) X(zip_get_name)           \
    X(zip_get_num_entries) X(zip_name_locate) X(zip_open_from_source) X(zip_set_archive_comment)           \
    X(zip_set_file_compression) X(zip_source_buffer) X(zip_source_buffer_create) X(zip_source_close)       \
    X(zip_source_error) X(zip_source_free) X(zip_source_keep) X(zip_source_open) X(zip_source_read)        \
    X(zip_source_stat) X(zip_source_zip) X(zip_stat_index) X(zip_stat_init)

/* The __xml* functions are what libxml2's globals.h macros (xmlStructuredError, ...) call in a
 * threaded build: the per-thread variables. xmlFree is a variable (below). */
#define ES_OFD_LIBXML2_FNS(X)                                                                          \
    X(xmlCtxtReadMemory) X(xmlDocGetRootElement) X(xmlFreeDoc) X(xmlFreeParserCtxt) X(xmlGetLineNo)      \
    X(xmlGetNoNsProp) X(xmlHasNsProp) X(xmlInitParser) X(xmlNewParserCtxt) X(xmlNodeGetContent)           \
    X(xmlSetGenericErrorFunc) X(xmlSetStructuredErrorFunc) X(xmlStopParser)                              \
    X(__xmlGenericError) X(__xmlGenericErrorContext) X(__xmlStructuredError) X(__xmlStructuredErrorContext)

#define ES_OFD_LIB_MEMBER(name) __typeof__(name) *name;
typedef struct {
    ES_OFD_LIBZIP_FNS(ES_OFD_LIB_MEMBER)
    ES_OFD_LIBXML2_FNS(ES_OFD_LIB_MEMBER)
    xmlFreeFunc *xmlFree_p; /* libxml2's variable xmlFree (its allocator's free) */
} es_ofd_libs;
#undef ES_OFD_LIB_MEMBER

extern es_ofd_libs es_ofd_lib;

/* Loads both libraries and every function of the lists, once per process; ESEAL_EUNSUPPORTED
 * "ofd: cannot load libzip.so.4: ..." when a library or a symbol is missing (each later call
 * returns the same error). */
ES_RESULT es_ofd_libs_load(void);

#ifndef ES_OFD_LIBS_IMPL
#define zip_close (es_ofd_lib.zip_close)
#define zip_discard (es_ofd_lib.zip_discard)
#define zip_error_code_zip (es_ofd_lib.zip_error_code_zip)
#define zip_error_fini (es_ofd_lib.zip_error_fini)
#define zip_error_init (es_ofd_lib.zip_error_init)
#define zip_error_strerror (es_ofd_lib.zip_error_strerror)
#define zip_fclose (es_ofd_lib.zip_fclose)
#define zip_file_add (es_ofd_lib.zip_file_add)
#define zip_file_get_error (es_ofd_lib.zip_file_get_error)
#define zip_file_replace (es_ofd_lib.zip_file_replace)
#define zip_fopen_index (es_ofd_lib.zip_fopen_index)
#define zip_fread (es_ofd_lib.zip_fread)
#define zip_get_archive_comment (es_ofd_lib.zip_get_archive_comment)
#define zip_get_error (es_ofd_lib.zip_get_error)
#define zip_get_name (es_ofd_lib.zip_get_name)
#define zip_get_num_entries (es_ofd_lib.zip_get_num_entries)
#define zip_name_locate (es_ofd_lib.zip_name_locate)
#define zip_open_from_source (es_ofd_lib.zip_open_from_source)
#define zip_set_archive_comment (es_ofd_lib.zip_set_archive_comment)
#define zip_set_file_compression (es_ofd_lib.zip_set_file_compression)
#define zip_source_buffer (es_ofd_lib.zip_source_buffer)
#define zip_source_buffer_create (es_ofd_lib.zip_source_buffer_create)
#define zip_source_close (es_ofd_lib.zip_source_close)
#define zip_source_error (es_ofd_lib.zip_source_error)
#define zip_source_free (es_ofd_lib.zip_source_free)
#define zip_source_keep (es_ofd_lib.zip_source_keep)
#define zip_source_open (es_ofd_lib.zip_source_open)
#define zip_source_read (es_ofd_lib.zip_source_read)
#define zip_source_stat (es_ofd_lib.zip_source_stat)
#define zip_source_zip (es_ofd_lib.zip_source_zip)
#define zip_stat_index (es_ofd_lib.zip_stat_index)
#define zip_stat_init (es_ofd_lib.zip_stat_init)
#define xmlCtxtReadMemory (es_ofd_lib.xmlCtxtReadMemory)
#define xmlDocGetRootElement (es_ofd_lib.xmlDocGetRootElement)
#define xmlFreeDoc (es_ofd_lib.xmlFreeDoc)
#define xmlFreeParserCtxt (es_ofd_lib.xmlFreeParserCtxt)
#define xmlGetLineNo (es_ofd_lib.xmlGetLineNo)
#define xmlGetNoNsProp (es_ofd_lib.xmlGetNoNsProp)
#define xmlHasNsProp (es_ofd_lib.xmlHasNsProp)
#define xmlInitParser (es_ofd_lib.xmlInitParser)
#define xmlNewParserCtxt (es_ofd_lib.xmlNewParserCtxt)
#define xmlNodeGetContent (es_ofd_lib.xmlNodeGetContent)
#define xmlSetGenericErrorFunc (es_ofd_lib.xmlSetGenericErrorFunc)
#define xmlSetStructuredErrorFunc (es_ofd_lib.xmlSetStructuredErrorFunc)
#define xmlStopParser (es_ofd_lib.xmlStopParser)
#define xmlFree (*es_ofd_lib.xmlFree_p)
#define __xmlGenericError (es_ofd_lib.__xmlGenericError)
#define __xmlGenericErrorContext (es_ofd_lib.__xmlGenericErrorContext)
#define __xmlStructuredError (es_ofd_lib.__xmlStructuredError)
#define __xmlStructuredErrorContext (es_ofd_lib.__xmlStructuredErrorContext)
#endif

#endif
