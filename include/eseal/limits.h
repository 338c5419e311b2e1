/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — limits on everything an attacker controls.
 *
 * One versioned struct; hitting a limit is an ESEAL_ELIMIT error, never a
 * truncated success. Start from ESEAL_LIMITS_INIT and lower what you need, and
 * hand it to the library in a context (eseal_context_set_limits, context.h);
 * docs/context.md says where each field is enforced.
 */
#ifndef ESEAL_LIMITS_H
#define ESEAL_LIMITS_H

#include "common.h"

ESEAL_BEGIN_DECL

#define ESEAL_LIMITS_VERSION 1

typedef struct {
    unsigned int version;      /**< ESEAL_LIMITS_VERSION */
    uint64_t max_input_bytes;  /**< whole documents (PDF, OFD, data to sign) */
    size_t max_der_bytes;      /**< one DER object: CMS, certificate, CRL, seal */
    size_t max_text_bytes;     /**< certificate and trust files (PEM bundles) */
    unsigned int max_nesting;  /**< nesting depth of PDF objects and OFD XML elements */
    size_t max_token_bytes;    /**< one PDF token (a hex string: 2 * max_der_bytes) / XML text node or attribute */
    unsigned int max_xref_sections; /**< cross-reference sections followed through /Prev */
    unsigned int max_objects;
    uint64_t max_inflated_bytes; /**< one decompressed stream or zip entry */
    unsigned int max_zip_entries;
    unsigned int max_certs;    /**< certificates in one CMS, time-stamp token, bundle or seal */
    size_t max_xml_bytes;      /**< one XML file (OFD), checked before parsing; libxml2's tree can take
                                    about 30x the input for tiny elements, so this bounds memory too */
} eseal_limits;

#define ESEAL_LIMITS_INIT                                                      \
    {                                                                          \
        ESEAL_LIMITS_VERSION,                                                  \
        (uint64_t)4 << 30,  /* 4 GiB documents */                              \
        (size_t)16 << 20,   /* 16 MiB DER */                                   \
        (size_t)4 << 20,    /* 4 MiB text */                                   \
        64u,                                                                   \
        (size_t)128 << 10,  /* 128 KiB token */                                \
        1024u,                                                                 \
        10000000u,                                                             \
        (uint64_t)256 << 20, /* 256 MiB per inflated stream */                 \
        100000u,                                                               \
        256u,                                                                  \
        (size_t)16 << 20    /* 16 MiB per XML file */                          \
    }

/** The defaults, for callers that pass NULL limits. Never NULL. */
ESEAL_EXTERN(const eseal_limits *) eseal_limits_default(void);

ESEAL_END_DECL

#endif
