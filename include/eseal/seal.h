/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — seal data: GB/T 38540-2020 SESeal and SES_Signature.
 *
 * A seal is structured data signed by the seal maker (the platform):
 *
 *   SESeal       ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
 *                               signAlgID OBJECT IDENTIFIER, signedValue BIT STRING,
 *                               timeStamp [0] BIT STRING OPTIONAL -- V5 only }
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
 *                                signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
 *                                timeStamp [0] BIT STRING OPTIONAL }
 *
 * Three formats are read: 1 = GM/T 0031-2014 (maker signs
 * SEQUENCE{SES_SealInfo, cert, algorithm}), 4 = GB/T 38540-2020 and
 * 5 = GM/T 0031-2025 (maker signs DER(SES_SealInfo) only). Format 4 is written,
 * as strict DER; 1 and 5 can be written for interoperability tests.
 *
 * Decoding keeps the exact input bytes: signatures are checked over the TLV
 * ranges found in the file, never over a re-encoding. Known vendor quirks
 * (an explicit BOOLEAN FALSE, IA5String entries in a V1 certList, OCTET
 * STRING in place of BIT STRING, GeneralizedTime in V1 dates, an untagged
 * extension list) are read and listed as notes; they never make a wrong
 * signature verify.
 *
 * The maker algorithm follows the maker key: SM2 with SM3 (1.2.156.10197.1.501,
 * ID "1234567812345678"; the default), or ECDSA P-256 with SHA-256
 * (1.2.840.10045.4.3.2) for deployments outside China; the OID in the seal
 * says which.
 */
#ifndef ESEAL_SEAL_H
#define ESEAL_SEAL_H

#include "cert.h"
#include "common.h"
#include "context.h"
#include "key.h"
#include "report.h"
#include "trust.h"

ESEAL_BEGIN_DECL

/** Seal types written by eseal (SES_ESPropertyInfo.type; GM/T 0031: 1 unit, 2 personal). */
typedef enum {
    ESEAL_SEAL_OFFICIAL = 1,  /**< organisation seal (公章) */
    ESEAL_SEAL_PERSONAL = 2,  /**< personal seal (个人印章) */
    ESEAL_SEAL_CONTRACT = 3,  /**< contract seal (合同专用章) */
    ESEAL_SEAL_FINANCE = 4,   /**< finance seal (财务专用章) */
    ESEAL_SEAL_INVOICE = 5,   /**< invoice seal (发票专用章) */
    ESEAL_SEAL_LEGAL_REP = 6, /**< legal representative's seal (法定代表人名章) */
    ESEAL_SEAL_SIGNATURE = 7, /**< personal handwritten-style signature */
    ESEAL_SEAL_OTHER = 9,
} eseal_seal_type;

/** "official", "personal", "contract", "finance", "invoice", "legal-rep", "signature", "other", or NULL. */
ESEAL_EXTERN(const char *) eseal_seal_type_name(int64_t type);
/** Parses the names above ("legal-representative" too); ESEAL_EINVAL otherwise. */
ESEAL_EXTERN(int) eseal_seal_type_from_name(eseal_seal_type *out, const char *name);

/** A borrowed byte range. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} eseal_bytes;

/** One ExtData (custom data) of a seal or a TBS_Sign. */
typedef struct {
    const char *oid; /**< dotted */
    int critical;
    eseal_bytes value;
} eseal_seal_ext;

#define ESEAL_SEAL_INFO_VERSION 1

/**
 * The fields of SES_SealInfo. Filled by the caller to make a seal, and by the
 * decoder (then every pointer borrows from the decoded seal).
 */
typedef struct {
    unsigned int version;      /**< ESEAL_SEAL_INFO_VERSION */
    int format;                /**< 1, 4 (default when 0) or 5 */
    const char *vid;           /**< SES_Header.Vid: seal maker (vendor) id; default "eseal" */
    const char *esid;          /**< esID: unique, stable seal id (IA5String) */
    int64_t type;              /**< eseal_seal_type or a vendor's number */
    const char *name;          /**< seal name (UTF-8) */
    int cert_list_type;        /**< 1 (default when 0): certificates, 2: certificate digests */
    size_t cert_count;
    const eseal_bytes *certs;  /**< DER certificates (type 1) or digests (type 2) */
    const char *digest_type;   /**< type 2: CertDigestObj.type, "SM3" or "SHA256" (decoded: the first entry's) */
    int64_t create_ms;         /**< createDate */
    int64_t valid_start_ms;    /**< validStart */
    int64_t valid_end_ms;      /**< validEnd */
    const char *picture_type;  /**< "PNG", "SVG", "GIF", "JPG", "ofd", ... */
    eseal_bytes picture;
    int64_t picture_width_mm;
    int64_t picture_height_mm;
    size_t ext_count;
    const eseal_seal_ext *exts;
} eseal_seal_info;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_SEAL_INFO_INIT { .version = ESEAL_SEAL_INFO_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_SEAL_INFO_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_SEAL_INFO_VERSION.
 */
ESEAL_EXTERN(int) eseal_seal_info_init(eseal_seal_info *o, unsigned int version);

/* ---- SESeal -------------------------------------------------------------- */

typedef struct eseal_ses_seal eseal_ses_seal;

/**
 * Decodes a seal (format detected from the structure, then the header
 * version). The input is copied. ESEAL_EMALFORMED names the offset of a
 * defect; ESEAL_ELIMIT for inputs over the DER limit.
 */
ESEAL_EXTERN(int) eseal_ses_seal_decode(eseal_ses_seal **out, const void *der, size_t len);

/**
 * Makes and signs a seal: the maker certificate and key sign `info` (format
 * 4 unless info->format says 1 or 5). `der` receives the strict DER SESeal.
 */
ESEAL_EXTERN(int) eseal_ses_seal_make(eseal_buf *der, const eseal_seal_info *info, const eseal_cert *maker,
                                      eseal_key *maker_key);

/** Re-encodes a decoded seal as strict DER (equal to the input for a DER seal). */
ESEAL_EXTERN(int) eseal_ses_seal_encode(eseal_buf *der, const eseal_ses_seal *seal);

ESEAL_EXTERN(const eseal_seal_info *) eseal_ses_seal_info(const eseal_ses_seal *seal);
/** 1, 4 or 5. */
ESEAL_EXTERN(int) eseal_ses_seal_format(const eseal_ses_seal *seal);
/** SES_Header.version as written (V1 producers write 1, 2 or 11). */
ESEAL_EXTERN(int64_t) eseal_ses_seal_header_version(const eseal_ses_seal *seal);
/** The seal's bytes as decoded. */
ESEAL_EXTERN(eseal_bytes) eseal_ses_seal_der(const eseal_ses_seal *seal);
/** The maker certificate (DER). */
ESEAL_EXTERN(eseal_bytes) eseal_ses_seal_maker_cert(const eseal_ses_seal *seal);
/** The maker's signature algorithm OID, dotted. */
ESEAL_EXTERN(const char *) eseal_ses_seal_sig_alg(const eseal_ses_seal *seal);
/** The maker's signature value (DER SEQUENCE{r,s} for SM2/ECDSA). */
ESEAL_EXTERN(eseal_bytes) eseal_ses_seal_signature(const eseal_ses_seal *seal);
/** The bytes the maker signed (exact input ranges; format 1: a new SEQUENCE around them). */
ESEAL_EXTERN(eseal_bytes) eseal_ses_seal_signed_bytes(const eseal_ses_seal *seal);
/** V5 timeStamp contents, or {NULL, 0}. */
ESEAL_EXTERN(eseal_bytes) eseal_ses_seal_timestamp(const eseal_ses_seal *seal);
/** Notes about non-standard encodings that were tolerated while reading. */
ESEAL_EXTERN(size_t) eseal_ses_seal_note_count(const eseal_ses_seal *seal);
ESEAL_EXTERN(const char *) eseal_ses_seal_note(const eseal_ses_seal *seal, size_t i);

/**
 * Checks only the maker's signature. *valid: 1 good, 0 bad. An error
 * (ESEAL_EUNSUPPORTED) when the algorithm cannot be checked here.
 */
ESEAL_EXTERN(int) eseal_ses_seal_verify_signature(int *valid, const eseal_ses_seal *seal);

/**
 * 1 when the signer certificate `cert_der` may stamp with the seal: its
 * bytes are in the certificate list (type 1), or its digest is (type 2).
 * A seal with an empty list allows nobody.
 */
ESEAL_EXTERN(int) eseal_ses_seal_allows_cert(const eseal_ses_seal *seal, const void *cert_der, size_t len);

/* ---- seals bound to hardware (issue 23; docs/seals.md) ------------------------------------ */

/**
 * eseal's OID arc: a UUID under 2.25 (ITU-T X.667 | ISO/IEC 9834-8), which needs no registration and
 * no one else can hold. Its sub-arcs are listed in docs/seals.md.
 */
#define ESEAL_OID_ARC "2.25.148747660797756603356242542536755846475"
/** The ExtData of SES_ESPropertyInfo saying where the keys of a seal's certificates are held. */
#define ESEAL_OID_SEAL_HARDWARE ESEAL_OID_ARC ".1"
/** The most bindings one seal carries (one per certificate, as many as a seal lists). */
#define ESEAL_SEAL_HARDWARE_MAX 8

/** One certificate of a seal and where its key is held. */
typedef struct {
    uint8_t cert_sha256[32]; /**< SHA-256 of the certificate's DER */
    eseal_key_hardware hw;
} eseal_seal_hardware;

/**
 * The ExtData value (extnValue contents) binding a seal to hardware, in DER:
 *   HardwareBindings ::= SEQUENCE SIZE (1..8) OF HardwareBinding
 *   HardwareBinding  ::= SEQUENCE { certSHA256 OCTET STRING (SIZE (32)), kind UTF8String,
 *                                   serial UTF8String, label UTF8String, keyId UTF8String,
 *                                   chipId UTF8String, maker UTF8String }
 * ESEAL_EINVAL for no binding, more than ESEAL_SEAL_HARDWARE_MAX, an empty kind or serial, or a
 * string that is not UTF-8.
 */
ESEAL_EXTERN(int) eseal_seal_hardware_encode(eseal_buf *out, const eseal_seal_hardware *b, size_t n);

/**
 * Decodes that value, strictly (DER, every field, nothing after). ESEAL_EMALFORMED names the
 * defect; ESEAL_ELIMIT for more than `max` bindings or a string longer than its field.
 */
ESEAL_EXTERN(int) eseal_seal_hardware_decode(eseal_seal_hardware *out, size_t max, size_t *n, const void *der,
                                             size_t len);

/**
 * The bindings a seal carries in its ExtData (ESEAL_OID_SEAL_HARDWARE). ESEAL_ENOTFOUND when it
 * carries none (a seal whose keys are in software, or one made elsewhere); the decoder's error for
 * a value that does not decode.
 */
ESEAL_EXTERN(int) eseal_ses_seal_hardware(const eseal_ses_seal *seal, eseal_seal_hardware *out, size_t max,
                                          size_t *n);

/**
 * Verifies a seal at `at_ms` (0: now) into a report: format notes, the maker
 * signature, the maker certificate's chain against `trust` (may be NULL: then
 * INDETERMINATE, NO_CERTIFICATE_CHAIN_FOUND), the seal's validity window, and
 * the certificates it binds. The registry status is added by the instance.
 */
ESEAL_EXTERN(int) eseal_ses_seal_verify(eseal_report **out, const eseal_ses_seal *seal, const eseal_trust *trust,
                                        int64_t at_ms);

ESEAL_EXTERN(void) eseal_ses_seal_free(eseal_ses_seal *seal);

/* ---- SES_Signature (a stamp) -------------------------------------------- */

typedef struct eseal_ses_signature eseal_ses_signature;

/** Decodes a V1/V4/V5 SES_Signature (with its seal). The input is copied. */
ESEAL_EXTERN(int) eseal_ses_signature_decode(eseal_ses_signature **out, const void *der, size_t len);

#define ESEAL_SES_SIGN_REQUEST_VERSION 2 /* 2: ctx */

typedef struct {
    unsigned int version;      /**< ESEAL_SES_SIGN_REQUEST_VERSION */
    const void *seal_der;      /**< the seal (embedded byte for byte) */
    size_t seal_len;
    int64_t time_ms;           /**< timeInfo; 0: now, by ctx's clock */
    const void *data_hash;     /**< digest of the original (SM3 for SM2) */
    size_t data_hash_len;
    const char *property_info; /**< e.g. "/Doc_0/Signs/Sign_0/Signature.xml" */
    size_t ext_count;
    const eseal_seal_ext *exts; /**< TBS_Sign extDatas, optional */
    const eseal_context *ctx;   /**< version 2. Clock (time_ms 0) and limits; NULL: eseal_context_default() */
} eseal_ses_sign_request;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_SES_SIGN_REQUEST_INIT { .version = ESEAL_SES_SIGN_REQUEST_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_SES_SIGN_REQUEST_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_SES_SIGN_REQUEST_VERSION.
 */
ESEAL_EXTERN(int) eseal_ses_sign_request_init(eseal_ses_sign_request *o, unsigned int version);

/**
 * Makes a V4 SES_Signature: the signer signs DER(TBS_Sign). The format
 * follows the seal's (V1 seals give a V1 stamp with the certificate inside
 * TBS_Sign). The signer certificate must be one the seal allows.
 */
ESEAL_EXTERN(int) eseal_ses_signature_make(eseal_buf *der, const eseal_ses_sign_request *req,
                                           const eseal_cert *signer, eseal_key *key);

/** Re-encodes a decoded stamp as strict DER. */
ESEAL_EXTERN(int) eseal_ses_signature_encode(eseal_buf *der, const eseal_ses_signature *sig);

/** 1, 4 or 5. */
ESEAL_EXTERN(int) eseal_ses_signature_format(const eseal_ses_signature *sig);
/** TBS_Sign.version as written. */
ESEAL_EXTERN(int64_t) eseal_ses_signature_version(const eseal_ses_signature *sig);
/** The embedded seal (owned by sig). */
ESEAL_EXTERN(const eseal_ses_seal *) eseal_ses_signature_seal(const eseal_ses_signature *sig);
/** timeInfo in ms, or 0 when a V1 timeInfo could not be read as a time. */
ESEAL_EXTERN(int64_t) eseal_ses_signature_time(const eseal_ses_signature *sig);
/** timeInfo contents as written (V1: free text or DER; V4: GeneralizedTime text). */
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_time_raw(const eseal_ses_signature *sig);
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_data_hash(const eseal_ses_signature *sig);
ESEAL_EXTERN(const char *) eseal_ses_signature_property_info(const eseal_ses_signature *sig);
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_signer_cert(const eseal_ses_signature *sig);
ESEAL_EXTERN(const char *) eseal_ses_signature_sig_alg(const eseal_ses_signature *sig);
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_value(const eseal_ses_signature *sig);
/** The exact TBS_Sign bytes the signer signed. */
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_tbs(const eseal_ses_signature *sig);
ESEAL_EXTERN(eseal_bytes) eseal_ses_signature_timestamp(const eseal_ses_signature *sig);
ESEAL_EXTERN(size_t) eseal_ses_signature_ext_count(const eseal_ses_signature *sig);
ESEAL_EXTERN(const eseal_seal_ext *) eseal_ses_signature_ext(const eseal_ses_signature *sig, size_t i);
ESEAL_EXTERN(size_t) eseal_ses_signature_note_count(const eseal_ses_signature *sig);
ESEAL_EXTERN(const char *) eseal_ses_signature_note(const eseal_ses_signature *sig, size_t i);

/** Checks only the signer's signature over the exact TBS_Sign bytes. */
ESEAL_EXTERN(int) eseal_ses_signature_verify_signature(int *valid, const eseal_ses_signature *sig);

ESEAL_EXTERN(void) eseal_ses_signature_free(eseal_ses_signature *sig);

/* ---- filing receipts ----------------------------------------------------- */

/*
 * A filing receipt is the registry's signed statement that a seal was filed:
 *
 *   EsealFilingReceipt ::= SEQUENCE {
 *     tbs SEQUENCE { version INTEGER (1), esID IA5String, sealSha256 OCTET STRING,
 *                    owner UTF8String, filedAt GeneralizedTime, registry UTF8String,
 *                    serial INTEGER },
 *     cert OCTET STRING, signAlgID OBJECT IDENTIFIER, signature BIT STRING }
 *
 * signed like a V4 seal (over the exact tbs bytes), so anyone holding the
 * platform's certificate chain can check it offline (docs/seals.md).
 */
typedef struct {
    const char *esid;
    eseal_bytes seal_sha256; /**< SHA-256 of the seal DER (32 bytes) */
    const char *owner;
    int64_t filed_ms;
    const char *registry;    /**< registry identity: operator name and base URL */
    int64_t serial;          /**< receipt number in this registry */
} eseal_filing_info;

typedef struct eseal_filing_receipt eseal_filing_receipt;

ESEAL_EXTERN(int) eseal_filing_receipt_make(eseal_buf *der, const eseal_filing_info *info,
                                            const eseal_cert *registry_cert, eseal_key *key);
ESEAL_EXTERN(int) eseal_filing_receipt_decode(eseal_filing_receipt **out, const void *der, size_t len);
ESEAL_EXTERN(const eseal_filing_info *) eseal_filing_receipt_info(const eseal_filing_receipt *r);
ESEAL_EXTERN(eseal_bytes) eseal_filing_receipt_cert(const eseal_filing_receipt *r);
/**
 * Verifies a receipt: the registry's signature, its certificate chain
 * against `trust` at the filing time, and (when seal_der is not NULL) that the
 * receipt is for exactly those seal bytes.
 */
ESEAL_EXTERN(int) eseal_filing_receipt_verify(eseal_report **out, const eseal_filing_receipt *r,
                                              const eseal_trust *trust, const void *seal_der, size_t seal_len);
ESEAL_EXTERN(void) eseal_filing_receipt_free(eseal_filing_receipt *r);

/* ---- algorithm OIDs ------------------------------------------------------ */

#define ESEAL_OID_SM2_SM3 "1.2.156.10197.1.501"
#define ESEAL_OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define ESEAL_OID_ECDSA_SHA384 "1.2.840.10045.4.3.3"
#define ESEAL_OID_RSA_SHA256 "1.2.840.113549.1.1.11"

/**
 * The name of a signature algorithm OID for people ("SM2-with-SM3", "ecdsa-with-SHA256",
 * "sha256WithRSAEncryption": OpenSSL's long names), or `oid` itself when it is not one eseal
 * knows. Human output shows names, never OIDs; JSON carries both.
 */
ESEAL_EXTERN(const char *) eseal_sig_alg_name(const char *oid);

ESEAL_END_DECL

#endif
