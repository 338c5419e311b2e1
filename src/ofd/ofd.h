/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal OFD layer (GB/T 33190-2016): the package (a zip archive, read with
 * libzip) and its XML files (libxml2), both treated as hostile input.
 *
 * Package rules (es_ofd_open): the archive must open without repair; at most
 * limits->max_zip_entries entries; no entry name that is absolute, contains a
 * "." or ".." segment, a backslash, a NUL or an empty segment; no two entries
 * with the same name; no encrypted entry; every entry's declared size within
 * limits->max_inflated_bytes, all of them together within
 * limits->max_input_bytes, and no entry inflating more than ES_OFD_MAX_RATIO
 * times its compressed size (zip bombs). Reads check the bytes actually
 * inflated against the declared size and the CRC (libzip).
 *
 * Also refused, so that no two zip readers can see two different packages
 * (ofd_pkg.c walks the central directory next to libzip): a name with a
 * control character or that is not ASCII/UTF-8, a name that a Unicode Path
 * extra field or the local header gives differently, more than one end of
 * central directory record that could end the file, entries whose data
 * overlap, a stored entry whose sizes differ, a directory entry with content,
 * a package without files (all ESEAL_EMALFORMED), and compression other than
 * stored or deflate (ESEAL_EUNSUPPORTED). Directory entries (names ending in
 * '/') are checked but not listed; the writer copies them.
 *
 * XML rules (es_ofd_xml_parse): size capped before parsing, no DOCTYPE at all
 * (so no entity declarations and no external subset), no network, no entity
 * substitution, nesting within limits->max_nesting, at most ES_OFD_XML_MAX_ATTRS attributes on
 * one element and max_xml_bytes / ES_OFD_XML_ATTR_RATIO in one file (counted before parsing), no
 * processing instruction, no XInclude. Elements are matched by
 * local name in the OFD namespace "http://www.ofdspec.org/2016" (or in no
 * namespace: some producers omit it).
 *
 * Names: entries are named as in the zip, without a leading '/'
 * ("Doc_0/Signs/Signatures.xml"). OFD paths inside the files may be absolute
 * ("/Doc_0/...", from the package root) or relative to the directory of the
 * file that holds them; es_ofd_resolve turns them into entry names.
 */
#ifndef ES_OFD_H
#define ES_OFD_H

#include <libxml/tree.h>

#include "eseal/key.h"
#include "eseal/limits.h"
#include "eseal/seal.h"
#include "eseal/trust.h"
#include "eseal/tsa_client.h"
#include "util/ctx.h"
#include "util/util.h"

#define ES_OFD_NS "http://www.ofdspec.org/2016"
#define ES_OFD_NS_DRAFT "http://www.ofdspec.org" /* OFD 1.0 drafts, before GB/T 33190-2016: refused by name */
#define ES_OFD_MAX_RATIO 1000u /* largest inflated/compressed size ratio of one entry */
#define ES_OFD_NAME_MAX 1024   /* longest entry name or resolved path, in bytes (NUL excluded) */
#define ES_OFD_XML_MAX_ATTRS 256u  /* attributes on one XML element (ofd_xml.c: counted before parsing) */
#define ES_OFD_XML_ATTR_RATIO 16u  /* at most max_xml_bytes / this many attributes in one XML file */
#define ES_OFD_SHOWN_MAX 10        /* files or elements named in one reason of a report (then "...") */
#define ES_OFD_PAGE_MAX_MM 100000  /* a page's width or height, in millimetres */
#define ES_OFD_XML_FOREIGN_DEPTH 1024 /* element levels searched for a foreign namespace */
#define ES_OFD_NAME_ESC_MAX (6 * ES_OFD_NAME_MAX) /* an entry name XML-escaped: "&quot;", six bytes, is the longest escape */
#define ES_OFD_ATTR_MAX 256        /* an attribute or short text shown: an ID, a PageRef, a Boundary, a date */
#define ES_OFD_DIGEST_B64_MAX 256  /* a digest in base64 (SHA-512: 88 characters) */
#define ES_OFD_SIG_ENTRY_MAX 8192  /* the <Signature> element we add to Signatures.xml: ids and a BaseLoc path */
#define ES_OFD_SIGNATURE_XML_MAX (64u << 20) /* the Signature.xml we write: a reference per file, our CMS in base64 */
#define ES_OFD_REF_TEXT_MAX (64u << 10) /* a reference's CheckMethod or CheckValue text read from Signature.xml */
#define ES_OFD_CHECK_VALUE_MAX 1024 /* a CheckValue decoded: a digest (64 bytes at most); more is refused */
#define ES_OFD_SHOWN_TEXT_MAX 8192 /* the names shown in one reason (ES_OFD_SHOWN_MAX of them, then "...") */
#define ES_OFD_REASON_MAX 4096     /* one reason of a report (a timestamp's verdict and why) */

typedef struct es_ofd_pkg es_ofd_pkg;

/* Opens the package held in `data` (borrowed: it must outlive the package). */
ES_RESULT es_ofd_open(es_ofd_pkg **out, es_span data);
/* The same with explicit limits (copied; NULL: the defaults); reads use them too. */
ES_RESULT es_ofd_open_limits(es_ofd_pkg **out, es_span data, const eseal_limits *lim);
/* The limits the package was opened with (its reads use them; so do its readers). */
const eseal_limits *es_ofd_limits(const es_ofd_pkg *p);
void es_ofd_close(es_ofd_pkg *p);
static inline void es_ofd_closep(es_ofd_pkg **p) { es_ofd_close(*p); }

/* Entries in archive order. */
size_t es_ofd_count(const es_ofd_pkg *p);
const char *es_ofd_name(const es_ofd_pkg *p, size_t i);
/* The index of entry `name`, or -1. */
long es_ofd_find(const es_ofd_pkg *p, const char *name);
/* The declared inflated size of entry i. */
uint64_t es_ofd_size(const es_ofd_pkg *p, size_t i);
/* The inflated bytes of entry `name` into `out` (replacing its content); ESEAL_ENOTFOUND when absent. */
ES_RESULT es_ofd_read(const es_ofd_pkg *p, const char *name, es_buf *out);
/* es_ofd_read + es_ofd_xml_parse_named with the package's limits; messages name the entry. */
ES_RESULT es_ofd_read_xml(const es_ofd_pkg *p, const char *name, xmlDocPtr *out);
/* The same, keeping the entry's bytes in `bytes` (dataHash and in-place edits need them). */
ES_RESULT es_ofd_read_xml_bytes(const es_ofd_pkg *p, const char *name, xmlDocPtr *out, es_buf *bytes);

/*
 * The entry name an OFD path `path` means when it is written in the file
 * `base` (an entry name): absolute paths from the root, relative ones from
 * base's directory; "." and ".." segments resolved, repeated and trailing
 * slashes count as one (base NULL: the root). ESEAL_EMALFORMED when it is
 * empty, escapes the root, names the root itself or is longer than
 * ES_OFD_NAME_MAX (also on the way: "a...a/../x" with a long first segment).
 */
ES_RESULT es_ofd_resolve(char out[ES_OFD_NAME_MAX + 1], const char *base, const char *path);

/* ---- XML ------------------------------------------------------------------------------------ */

ES_RESULT es_ofd_xml_parse(xmlDocPtr *out, es_span bytes);
/* The same; `name` (may be NULL) names the file in messages; lim NULL: the defaults. */
ES_RESULT es_ofd_xml_parse_named(xmlDocPtr *out, es_span bytes, const char *name, const eseal_limits *lim);
void es_ofd_xml_freep(xmlDocPtr *doc); /* for ES_AUTO */

/* The first child element of `parent` with local name `local` (OFD namespace or none), or NULL. */
xmlNodePtr es_ofd_xml_child(xmlNodePtr parent, const char *local);
/* The next sibling element after `n` with local name `local`, or NULL. */
xmlNodePtr es_ofd_xml_next(xmlNodePtr n, const char *local);
/* Text content of element `n`, whitespace-trimmed, in `out`; "" when none. */
ES_RESULT es_ofd_xml_text(xmlNodePtr n, es_buf *out);
/* Attribute `name` (no namespace) of `n` into `out`; false when absent (and when it does not fit
 * in `out`: use es_ofd_xml_attr_get where that must not pass for absence). */
bool es_ofd_xml_attr(xmlNodePtr n, const char *name, es_buf *out);
/* The same, telling absence (*present false, OK) from failure (ESEAL_ELIMIT when out->max is too small). */
ES_RESULT es_ofd_xml_attr_get(xmlNodePtr n, const char *name, es_buf *out, bool *present);

/* True when an element or attribute of `doc` is in a namespace other than OFD's (the xml: attributes
 * excepted): for the files whose schema GB/T 33190 closes (Signatures.xml, Signature.xml). `out`
 * names the first one and its line. */
bool es_ofd_xml_foreign(xmlDocPtr doc, char *out, size_t cap);

/* ---- writing -------------------------------------------------------------------------------- */

/*
 * A new package from `src`: every entry not replaced is copied byte for byte
 * (its compressed data as stored, same method, same order); es_ofd_writer_put
 * replaces an entry in place or adds a new one at the end (deflated).
 */
typedef struct es_ofd_writer es_ofd_writer;
ES_RESULT es_ofd_writer_new(es_ofd_writer **out, const es_ofd_pkg *src);
ES_RESULT es_ofd_writer_put(es_ofd_writer *w, const char *name, es_span bytes);
/* Writes the new package into `out` (in memory, no temporary file); the writer is freed either
 * way. The source package must stay open until then. A replaced entry keeps its method. */
ES_RESULT es_ofd_writer_finish(es_ofd_writer *w, es_buf *out);
void es_ofd_writer_free(es_ofd_writer *w);

/* ---- stamping (ofd_stamp.c) ------------------------------------------------------------------ */

typedef struct {
    int page;          /* 1-based; 0 or -1: the last page */
    double x_mm, y_mm; /* the imprint's top-left from the page's top-left; 0 (unless xy_exact) or negative:
                          the default there, 20 mm from the right/bottom (es_imprint_place, seal/place.h) */
    int64_t time_ms;   /* timeInfo and SignatureDateTime; 0: now */
    int plain;         /* 1: a plain digital signature (Type="Sign"): SignedValue.dat is the bare signature
                          over Signature.xml (SM2: SM3 with the standard ID; ECDSA: SHA-256), no seal, no
                          StampAnnot; the signer's certificate is not in the package */
    /*
     * RFC 3161 time-stamp of the stamp (GB/T 38540-2020 SES_Signature.timeStamp); NULL: none.
     * Called once, after signing, with the digest of the signature value (the contents of
     * SES_Signature.signature: SM3 for SM2 signers, SHA-256 otherwise); it puts a DER
     * TimeStampToken (a ContentInfo; eseal_tsa_client_stamp's result.token) into `token`.
     * An error from it fails the stamp, nothing written. Refused (ESEAL_EINVAL) with `plain`
     * (no SES_Signature to hold it) and with a GM/T 0031-2014 seal (V1 stamps have no field).
     * The same callback type as the PDF stamper's (eseal_pdf_stamp_options.timestamp).
     */
    eseal_timestamp_fn timestamp;
    void *timestamp_ctx;
    int xy_exact; /* 1: a 0 in x_mm or y_mm is the page's left or top edge, not the default */
    const eseal_context *ctx; /* the clock when time_ms is 0; NULL: the default context */
} es_ofd_stamp_options;

/*
 * Stamps the package `in` with the seal `seal_der` (an SES_Seal the signer
 * certificate `cert` is allowed by) into `out`: a new Sign_N with
 * Signature.xml, SignedValue.dat (V4 SES_Signature) and Seal.esl, the list
 * extended (or created and named in OFD.xml); all other entries copied.
 */
ES_RESULT es_ofd_stamp(es_buf *out, es_span in, es_span seal_der, eseal_key *key, const eseal_cert *cert,
                       const es_ofd_stamp_options *o);

/* ---- verification (ofd_verify.c) ------------------------------------------------------------ */

typedef struct {
    const void *signer_der; /* the certificate of Type="Sign" signatures, which do not carry it */
    size_t signer_len;
    /* Adds the registry's view of a seal (at the claimed signing time) to its report, and what the
     * caller asked to see of it (its picture); optional. */
    ES_RESULT (*registry)(void *ctx, eseal_report *seal_report, const eseal_ses_seal *seal, int64_t at_ms);
    void *registry_ctx;
    const eseal_limits *lim; /* NULL: the defaults */
    unsigned int digests;    /* the document section's ESEAL_DOCUMENT_* digests; 0: all */
} es_ofd_verify_options;

/* One report child per signature of the document's Signatures.xml; see docs/verify-report.md. */
ES_RESULT es_ofd_verify(eseal_report **out, es_span data, const eseal_trust *trust, int64_t at_ms,
                        const es_ofd_verify_options *opts);

/* ---- issue 20, templates (branch h-template): is this document a template, filled and signed? ---- */

#define ES_OFD_TEMPLATE_WHY_MAX 2048    /* a sentence that names what a document changed of a template (callers' buffer) */
#define ES_OFD_TEMPLATE_TEXT_MAX 16384  /* the members named in it, before it is cut to the caller's buffer */
#define ES_OFD_TEMPLATE_DOCS_MAX 8      /* documents (DocBody) of one OFD.xml compared */
#define ES_OFD_TEMPLATE_SLOTS_MAX 4096  /* custom tags (form data files, their FileLoc) of one template tag list, and in all */
#define ES_OFD_TEMPLATE_SIGS_MAX 64     /* signatures of one list (the verifier's bound) */

/*
 * *derives: the package `doc` is the template `tmpl` byte for byte, or keeps every file of it
 * byte for byte except its signature list and its form data (GB/T 33190-2016 §16 custom tags, as
 * the template's tag list names them), adding only signatures' files and form data
 * (ofd_template.c says exactly what, and why). Otherwise `why` (cap bytes, may be 0) gets one
 * sentence naming the members. An error only when the packages could not be compared: over the
 * context's limits (ctx NULL: the defaults), memory, a package or a template the strict reader
 * refuses. docs/grants.md, "Templates".
 */
ES_RESULT es_ofd_template_derives(bool *derives, char *why, size_t cap, es_span tmpl, es_span doc,
                                  const eseal_context *ctx);

#endif
