/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — PDF stamping and verification (PAdES baseline B-B).
 *
 * Stamping appends one incremental update (ISO 32000-1 §7.5.6) to the
 * original bytes, which stay an exact prefix: the seal's SES_Seal DER, a
 * signature dictionary (/SubFilter /ETSI.CAdES.detached, /ByteRange, /M, no
 * signingTime attribute), a signature field merged with its widget, a vector
 * appearance drawn from the seal's imprint outline, the page with the widget
 * added to /Annots, and the AcroForm. The cross-reference section matches the
 * file's last one (table or stream). docs/formats.md lists the objects.
 *
 * Verification checks every signature's byte range (exactly the /Contents
 * gap excluded, ending at a revision's end), the CMS signature over it, the
 * signer's chain, the embedded seal and whether the signer may use it, and
 * whether anything was added after the signature.
 */
#ifndef ESEAL_PDF_H
#define ESEAL_PDF_H

#include "cert.h"
#include "common.h"
#include "context.h"
#include "imprint.h"
#include "key.h"
#include "report.h"
#include "trust.h"
#include "tsa_client.h"

ESEAL_BEGIN_DECL

/* Version 2 added xy_exact: in version-2 options 0 in x_mm or y_mm is the default place on that axis (as -1
 * was); version-1 options (0: the page's edge) are still accepted. */
#define ESEAL_PDF_STAMP_OPTIONS_VERSION 2

typedef struct {
    unsigned int version;    /**< ESEAL_PDF_STAMP_OPTIONS_VERSION */
    int page;                /**< 1-based page; 0 (the default) or -1: the last page */
    double x_mm, y_mm;       /**< the imprint's top-left corner, millimetres from the top-left of the page's
                                  visible area (CropBox) as displayed (after /Rotate). 0 (the default) or
                                  negative: the default on that axis, 20 mm from the right (x) or bottom
                                  (y) edge; with xy_exact, 0 is the left or top edge */
    const char *reason;      /**< /Reason, optional */
    const char *location;    /**< /Location, optional */
    const char *name;        /**< /Name, optional */
    const char *serial;      /**< stamp serial printed under the imprint and used in the field name */
    int adbe;                /**< 1: /SubFilter /adbe.pkcs7.detached (old readers) */
    int64_t time_ms;         /**< /M; 0: now */
    const eseal_cert *const *chain; /**< issuer certificates to embed in the CMS */
    size_t chain_len;
    const char *qr_text;     /**< when set, a QR code of it (16 mm) is drawn right of the imprint */
    int certify;             /**< 1, 2, 3: a certification signature with DocMDP permission P (ISO 32000-1
                                  §12.8.2.2): 1 no changes, 2 form filling and signing, 3 also annotations.
                                  Only on a document without signatures. 0: an approval signature */
    int cross_page;          /**< 1: a cross-page ("riding seam") seal: slices of the imprint at the right
                                  edge of pages cross_first..cross_last (0: first/last page), one signature;
                                  y_mm places it (0 or negative: centred), x_mm, serial and QR are not used */
    int cross_first, cross_last;
    int pss;                 /**< 1: RSA keys sign with PSS (default PKCS#1 v1.5) */
    int lock;                /**< a field lock (FieldMDP, ISO 32000-1 §12.8.2.4): ESEAL_PDF_LOCK_* */
    const char *lock_fields; /**< for ESEAL_PDF_LOCK_INCLUDE / _EXCLUDE: full field names, comma-separated */
    /** PAdES B-T: when set, called once with the digest of the signature value (the signer's hash) for a
        time-stamp token, added as the unsigned attribute signatureTimeStampToken. Its failure fails the
        stamp: nothing is written, and no other time is used instead */
    eseal_timestamp_fn timestamp;
    void *timestamp_ctx;
    size_t timestamp_reserve; /**< bytes kept in /Contents for the token; 0: ESEAL_PDF_TIMESTAMP_RESERVE */
    int xy_exact;            /**< version 2. 1: a 0 in x_mm or y_mm is the left or top edge, not the default
                                  (cross-page: y 0 is the top, not centred) */
    const eseal_context *ctx; /**< version 2. Limits and clock (time_ms 0: its now); NULL: eseal_context_default() */
} eseal_pdf_stamp_options;

/** Room kept for a signature timestamp token (with its TSA's certificates) when none is given. */
#define ESEAL_PDF_TIMESTAMP_RESERVE 12288u

/** Field locks: after this signature, filling the locked form fields invalidates it. */
enum {
    ESEAL_PDF_LOCK_NONE = 0,
    ESEAL_PDF_LOCK_ALL = 1,     /**< every form field */
    ESEAL_PDF_LOCK_INCLUDE = 2, /**< the fields named in lock_fields */
    ESEAL_PDF_LOCK_EXCLUDE = 3  /**< every field except those named */
};

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_PDF_STAMP_OPTIONS_INIT { .version = ESEAL_PDF_STAMP_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_PDF_STAMP_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_PDF_STAMP_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_pdf_stamp_options_init(eseal_pdf_stamp_options *o, unsigned int version);

/**
 * Stamps `pdf` with a visible seal: `imprint` (the seal's outline, required)
 * drawn at its true size, `seal_der` embedded, and a PAdES signature by
 * `key`/`cert`. `out` receives the whole new file. Encrypted PDFs and files
 * that need repair are refused (ESEAL_EUNSUPPORTED, ESEAL_EMALFORMED).
 */
ESEAL_EXTERN(int) eseal_pdf_stamp(eseal_buf *out, const void *pdf, size_t len, const eseal_imprint_outline *imprint,
                                  const void *seal_der, size_t seal_len, eseal_key *key, const eseal_cert *cert,
                                  const eseal_pdf_stamp_options *opts);

/**
 * Same, file to file, streaming: the input is copied and hashed in one pass,
 * so memory stays at the size of the update whatever the document's size. The
 * output is written to a temporary file next to `out_path`, synced and
 * renamed; a failed stamp leaves nothing. `out_path` may equal `in_path`.
 */
ESEAL_EXTERN(int) eseal_pdf_stamp_file(const char *in_path, const char *out_path,
                                       const eseal_imprint_outline *imprint, const void *seal_der, size_t seal_len,
                                       eseal_key *key, const eseal_cert *cert, const eseal_pdf_stamp_options *opts);

#define ESEAL_PDF_VERIFY_OPTIONS_VERSION 3 /* 2: ctx; 3: document_digests */

typedef struct {
    unsigned int version; /**< ESEAL_PDF_VERIFY_OPTIONS_VERSION */
    int64_t at_ms;        /**< validation time; 0: now, by the context's clock */
    const eseal_context *ctx; /**< version 2. Limits and clock; NULL: eseal_context_default() */
    unsigned int document_digests; /**< version 3. ESEAL_DOCUMENT_* bits (report.h); 0: both */
} eseal_pdf_verify_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_PDF_VERIFY_OPTIONS_INIT { .version = ESEAL_PDF_VERIFY_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_PDF_VERIFY_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_PDF_VERIFY_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_pdf_verify_options_init(eseal_pdf_verify_options *o, unsigned int version);

/**
 * Verifies every signature of a PDF into a report with one child per
 * signature. ESEAL_EMALFORMED when the file is not a PDF qpdf can read
 * strictly; a PDF without signatures gives an INDETERMINATE report.
 */
ESEAL_EXTERN(int) eseal_pdf_verify(eseal_report **out, const void *pdf, size_t len, const eseal_trust *trust,
                                   const eseal_pdf_verify_options *opts);

ESEAL_END_DECL

#endif
