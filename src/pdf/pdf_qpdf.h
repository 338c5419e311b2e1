/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libqpdf, loaded when the first PDF is opened (issue 18). Linked into the program, qpdf and what
 * it brings (libstdc++, libgcc_s, GnuTLS with nettle, hogweed, gmp, tasn1, idn2, unistring,
 * p11-kit and ffi, libjpeg) were 13 of the 21 shared libraries every eseal process loads,
 * relocates and initialises at start: about half of the start of `eseal version`, and of a stamp
 * the agent makes, whose command only asks (docs/performance.md, "Start-up").
 *
 * Only the four files of src/pdf that call qpdf (pdf_read.c, pdf_view.c, pdf_diff.c,
 * pdf_verify.c) include this file, after <qpdf/qpdf-c.h>: from there on every qpdf call goes
 * through the table es_pdf_qpdf_lib (the macros at the end), which es_pdf_qpdf_load() fills once
 * per process with dlopen(3) of the soname the build linked against (ESEAL_QPDF_SONAME, read from
 * the library by CMakeLists.txt, so the ABI is the one the headers describe) and dlsym(3) of each
 * function, as src/ofd/ofd_libs.h does for libzip and libxml2.
 *
 * The one qpdf object eseal makes is made by qp_open_any (pdf_read.c), which calls
 * es_pdf_qpdf_load() first and fails with ESEAL_EUNSUPPORTED naming the library or the symbol if it
 * cannot be loaded; every other call works on that object, so the table is filled before it is
 * read (pthread_once orders the fill before every caller's reads).
 *
 * Adding a qpdf call: add it to the list below (the build fails at the macro otherwise: an
 * undeclared member). tests/integration/startup_libs.sh checks that `eseal version` and a stamp
 * made by the agent load no qpdf and that a PDF command does.
 */
#ifndef ES_PDF_QPDF_H
#define ES_PDF_QPDF_H

#include <qpdf/qpdf-c.h>

#include "util/result.h"

#define ES_PDF_QPDF_FNS(X)                                                                                    \
    X(qpdf_cleanup) X(qpdf_get_error) X(qpdf_get_error_code) X(qpdf_get_error_file_position)                  \
    X(qpdf_get_error_full_text) X(qpdf_get_error_message_detail) X(qpdf_get_num_pages)                        \
    X(qpdf_get_object_by_id) X(qpdf_get_page_n) X(qpdf_get_root) X(qpdf_get_trailer) X(qpdf_has_error)        \
    X(qpdf_init) X(qpdf_is_encrypted) X(qpdf_more_warnings) X(qpdf_next_warning) X(qpdf_oh_append_item)       \
    X(qpdf_oh_begin_dict_key_iter) X(qpdf_oh_dict_more_keys) X(qpdf_oh_dict_next_key)                         \
    X(qpdf_oh_erase_item) X(qpdf_oh_get_array_item) X(qpdf_oh_get_array_n_items)                              \
    X(qpdf_oh_get_binary_string_value) X(qpdf_oh_get_dict) X(qpdf_oh_get_generation)                          \
    X(qpdf_oh_get_int_value) X(qpdf_oh_get_int_value_as_int) X(qpdf_oh_get_key) X(qpdf_oh_get_name)           \
    X(qpdf_oh_get_numeric_value) X(qpdf_oh_get_object_id) X(qpdf_oh_get_stream_data) X(qpdf_oh_has_key)       \
    X(qpdf_oh_insert_item) X(qpdf_oh_is_array) X(qpdf_oh_is_dictionary) X(qpdf_oh_is_dictionary_of_type)      \
    X(qpdf_oh_is_indirect) X(qpdf_oh_is_initialized) X(qpdf_oh_is_integer) X(qpdf_oh_is_name)                 \
    X(qpdf_oh_is_name_and_equals) X(qpdf_oh_is_null) X(qpdf_oh_is_number) X(qpdf_oh_is_stream)                \
    X(qpdf_oh_is_string) X(qpdf_oh_new_array) X(qpdf_oh_new_dictionary) X(qpdf_oh_new_null)                   \
    X(qpdf_oh_parse) X(qpdf_oh_release) X(qpdf_oh_release_all) X(qpdf_oh_remove_key)                          \
    X(qpdf_oh_replace_key) X(qpdf_oh_replace_stream_data) X(qpdf_oh_unparse) X(qpdf_oh_unparse_binary)        \
    X(qpdf_oh_unparse_resolved) X(qpdf_read) X(qpdf_read_memory) X(qpdf_set_attempt_recovery)                 \
    X(qpdf_set_suppress_warnings) X(qpdf_silence_errors)

#define ES_PDF_QPDF_MEMBER(name) __typeof__(name) *name;
typedef struct {
    ES_PDF_QPDF_FNS(ES_PDF_QPDF_MEMBER)
} es_pdf_qpdf_libs;
#undef ES_PDF_QPDF_MEMBER

extern es_pdf_qpdf_libs es_pdf_qpdf_lib;

/* Loads libqpdf and every function of the list, once per process; ESEAL_EUNSUPPORTED "pdf: cannot
 * load libqpdf.so.29: ..." when the library or a symbol is missing (each later call returns the
 * same error). */
ES_RESULT es_pdf_qpdf_load(void);

#ifndef ES_PDF_QPDF_IMPL
#define qpdf_cleanup (es_pdf_qpdf_lib.qpdf_cleanup)
#define qpdf_get_error (es_pdf_qpdf_lib.qpdf_get_error)
#define qpdf_get_error_code (es_pdf_qpdf_lib.qpdf_get_error_code)
#define qpdf_get_error_file_position (es_pdf_qpdf_lib.qpdf_get_error_file_position)
#define qpdf_get_error_full_text (es_pdf_qpdf_lib.qpdf_get_error_full_text)
#define qpdf_get_error_message_detail (es_pdf_qpdf_lib.qpdf_get_error_message_detail)
#define qpdf_get_num_pages (es_pdf_qpdf_lib.qpdf_get_num_pages)
#define qpdf_get_object_by_id (es_pdf_qpdf_lib.qpdf_get_object_by_id)
#define qpdf_get_page_n (es_pdf_qpdf_lib.qpdf_get_page_n)
#define qpdf_get_root (es_pdf_qpdf_lib.qpdf_get_root)
#define qpdf_get_trailer (es_pdf_qpdf_lib.qpdf_get_trailer)
#define qpdf_has_error (es_pdf_qpdf_lib.qpdf_has_error)
#define qpdf_init (es_pdf_qpdf_lib.qpdf_init)
#define qpdf_is_encrypted (es_pdf_qpdf_lib.qpdf_is_encrypted)
#define qpdf_more_warnings (es_pdf_qpdf_lib.qpdf_more_warnings)
#define qpdf_next_warning (es_pdf_qpdf_lib.qpdf_next_warning)
#define qpdf_oh_append_item (es_pdf_qpdf_lib.qpdf_oh_append_item)
#define qpdf_oh_begin_dict_key_iter (es_pdf_qpdf_lib.qpdf_oh_begin_dict_key_iter)
#define qpdf_oh_dict_more_keys (es_pdf_qpdf_lib.qpdf_oh_dict_more_keys)
#define qpdf_oh_dict_next_key (es_pdf_qpdf_lib.qpdf_oh_dict_next_key)
#define qpdf_oh_erase_item (es_pdf_qpdf_lib.qpdf_oh_erase_item)
#define qpdf_oh_get_array_item (es_pdf_qpdf_lib.qpdf_oh_get_array_item)
#define qpdf_oh_get_array_n_items (es_pdf_qpdf_lib.qpdf_oh_get_array_n_items)
#define qpdf_oh_get_binary_string_value (es_pdf_qpdf_lib.qpdf_oh_get_binary_string_value)
#define qpdf_oh_get_dict (es_pdf_qpdf_lib.qpdf_oh_get_dict)
#define qpdf_oh_get_generation (es_pdf_qpdf_lib.qpdf_oh_get_generation)
#define qpdf_oh_get_int_value (es_pdf_qpdf_lib.qpdf_oh_get_int_value)
#define qpdf_oh_get_int_value_as_int (es_pdf_qpdf_lib.qpdf_oh_get_int_value_as_int)
#define qpdf_oh_get_key (es_pdf_qpdf_lib.qpdf_oh_get_key)
#define qpdf_oh_get_name (es_pdf_qpdf_lib.qpdf_oh_get_name)
#define qpdf_oh_get_numeric_value (es_pdf_qpdf_lib.qpdf_oh_get_numeric_value)
#define qpdf_oh_get_object_id (es_pdf_qpdf_lib.qpdf_oh_get_object_id)
#define qpdf_oh_get_stream_data (es_pdf_qpdf_lib.qpdf_oh_get_stream_data)
#define qpdf_oh_has_key (es_pdf_qpdf_lib.qpdf_oh_has_key)
#define qpdf_oh_insert_item (es_pdf_qpdf_lib.qpdf_oh_insert_item)
#define qpdf_oh_is_array (es_pdf_qpdf_lib.qpdf_oh_is_array)
#define qpdf_oh_is_dictionary (es_pdf_qpdf_lib.qpdf_oh_is_dictionary)
#define qpdf_oh_is_dictionary_of_type (es_pdf_qpdf_lib.qpdf_oh_is_dictionary_of_type)
#define qpdf_oh_is_indirect (es_pdf_qpdf_lib.qpdf_oh_is_indirect)
#define qpdf_oh_is_initialized (es_pdf_qpdf_lib.qpdf_oh_is_initialized)
#define qpdf_oh_is_integer (es_pdf_qpdf_lib.qpdf_oh_is_integer)
#define qpdf_oh_is_name (es_pdf_qpdf_lib.qpdf_oh_is_name)
#define qpdf_oh_is_name_and_equals (es_pdf_qpdf_lib.qpdf_oh_is_name_and_equals)
#define qpdf_oh_is_null (es_pdf_qpdf_lib.qpdf_oh_is_null)
#define qpdf_oh_is_number (es_pdf_qpdf_lib.qpdf_oh_is_number)
#define qpdf_oh_is_stream (es_pdf_qpdf_lib.qpdf_oh_is_stream)
#define qpdf_oh_is_string (es_pdf_qpdf_lib.qpdf_oh_is_string)
#define qpdf_oh_new_array (es_pdf_qpdf_lib.qpdf_oh_new_array)
#define qpdf_oh_new_dictionary (es_pdf_qpdf_lib.qpdf_oh_new_dictionary)
#define qpdf_oh_new_null (es_pdf_qpdf_lib.qpdf_oh_new_null)
#define qpdf_oh_parse (es_pdf_qpdf_lib.qpdf_oh_parse)
#define qpdf_oh_release (es_pdf_qpdf_lib.qpdf_oh_release)
#define qpdf_oh_release_all (es_pdf_qpdf_lib.qpdf_oh_release_all)
#define qpdf_oh_remove_key (es_pdf_qpdf_lib.qpdf_oh_remove_key)
#define qpdf_oh_replace_key (es_pdf_qpdf_lib.qpdf_oh_replace_key)
#define qpdf_oh_replace_stream_data (es_pdf_qpdf_lib.qpdf_oh_replace_stream_data)
#define qpdf_oh_unparse (es_pdf_qpdf_lib.qpdf_oh_unparse)
#define qpdf_oh_unparse_binary (es_pdf_qpdf_lib.qpdf_oh_unparse_binary)
#define qpdf_oh_unparse_resolved (es_pdf_qpdf_lib.qpdf_oh_unparse_resolved)
#define qpdf_read (es_pdf_qpdf_lib.qpdf_read)
#define qpdf_read_memory (es_pdf_qpdf_lib.qpdf_read_memory)
#define qpdf_set_attempt_recovery (es_pdf_qpdf_lib.qpdf_set_attempt_recovery)
#define qpdf_set_suppress_warnings (es_pdf_qpdf_lib.qpdf_set_suppress_warnings)
#define qpdf_silence_errors (es_pdf_qpdf_lib.qpdf_silence_errors)
#endif

#endif
