/* SPDX-License-Identifier: Apache-2.0 */
/* Internal structures of the SESeal / SES_Signature codec (src/seal only). */
#ifndef ES_SES_H
#define ES_SES_H

#include "crypto/crypto.h"
#include "eseal/seal.h"
#include "util/der.h"
#include "util/util.h"

#define ES_SES_MAX_NOTES 16
#define ES_SES_MAX_EXTS 64
#define ES_SES_HARDWARE_MAX_BYTES 8192 /* the hardware bindings' ExtData: 8 bindings of at most ~560 bytes */
#define ES_SES_MAX_TEXT 4096 /* esID, names, property info */
#define ES_SES_MAX_HASH 64 /* a stamp's dataHash: the largest digest there is (SHA-512; SM3 is 32) */
#define ES_SES_PICTURE_MAX_MM 1000 /* a seal picture's side: a metre is no seal, and no page holds it */
#define ES_SES_TIME_MAX 64 /* a signing time as text: a GeneralizedTime is 15 to 24 characters */
#define ES_SES_SIG_DER_MAX 128 /* an SM2 signature r||s converted to DER: two 32-byte INTEGERs, at most 72 bytes */
#define ES_SES_RECEIPT_MAX (1 << 20) /* a receipt we sign: its fields, a signature and the signer's certificate */
#define ES_SES_TIME_TEXT_MIN 10 /* a V1 timeInfo as text: at least YYYYMMDDhh (GM/T 0031-2014 leaves it free) */
#define ES_SES_CERT_HEX_SHOWN 64 /* bytes of a listed certificate a report shows in hex: enough to tell them apart */

typedef struct {
    char *items[ES_SES_MAX_NOTES];
    size_t n;
} es_notes;

struct eseal_ses_seal {
    es_buf der;             /* owned copy of the input */
    int format;             /* 1, 4, 5 */
    int64_t header_version;
    eseal_seal_info info;   /* borrows from the fields below and from der */
    char *vid, *esid, *name, *picture_type, *digest_type;
    eseal_bytes *certs;
    uint8_t *cert_tags;     /* identifier octet of each certList entry as read */
    eseal_seal_ext *exts;
    char **ext_oids;
    char sig_alg[128];
    es_span maker_cert, signature, timestamp;
    es_span sealinfo_tlv;   /* exact SES_SealInfo bytes */
    es_buf signed_v1;       /* format 1: SEQUENCE{SES_SealInfo, cert, algorithm} from the input TLVs */
    bool signature_bits;    /* signedValue was a BIT STRING (not an OCTET STRING quirk) */
    es_notes notes;
};

struct eseal_ses_signature {
    es_buf der;
    int format;
    int64_t version;
    eseal_ses_seal *seal;
    es_span tbs_tlv;
    uint8_t time_tag;       /* identifier of timeInfo as read */
    es_span time_raw;       /* contents (BIT STRING: without the unused-bits octet) */
    int64_t time_ms;
    es_span data_hash;
    char *property_info;
    es_span signer_cert;
    char sig_alg[128];
    es_span value;
    es_span timestamp;
    eseal_seal_ext *exts;
    char **ext_oids;
    size_t ext_count;
    es_notes notes;
};

/* Notes are best effort: a failed allocation drops the note, never the parse. */
void es_notes_add(es_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void es_notes_free(es_notes *n);
static inline void es_notes_freep(es_notes *n) { es_notes_free(n); }
/*
 * eseal_ses_seal_verify with revocation data and helper certificates beyond the trust set for
 * the maker's chain (`ro`, may be NULL): a PDF's /DSS carries the seal maker's CA certificates,
 * CRLs and OCSP responses, so that a recipient with only root certificates can judge it.
 */
ES_RESULT es_ses_seal_verify_rev(eseal_report **out, const eseal_ses_seal *seal, const eseal_trust *trust,
                                 int64_t at_ms, const es_revocation_opts *ro);
/*
 * es_ses_seal_verify_rev where `known` (may be NULL) is a certificate the caller already parsed
 * in this verification (a PDF signature's signer): when the maker certificate is exactly its
 * DER, it is not parsed again (es_cert_parse_as). Every check is the same.
 */
ES_RESULT es_ses_seal_verify_known(eseal_report **out, const eseal_ses_seal *seal, const eseal_trust *trust,
                                   int64_t at_ms, const es_revocation_opts *ro, const eseal_cert *known);
/* The notes of a and b (either may be NULL) appended to out as one "; "-separated text (a check's detail). */
ES_RESULT es_ses_notes_text(es_buf *out, const es_notes *a, const es_notes *b);
/*
 * Parts of a report judged in a report of their own (a certificate's chain, a time-stamp token),
 * taken into rep: its validation objects (into rep's document, once per digest), its reasons, and
 * check `id` (status, detail, source and the objects it names; nothing when part has no such check).
 */
ES_RESULT es_ses_report_take_objects(eseal_report *rep, const eseal_report *part);
ES_RESULT es_ses_report_take_reasons(eseal_report *rep, const eseal_report *part);
ES_RESULT es_ses_report_take_check(eseal_report *rep, const eseal_report *part, const char *id);
/* The signer section of rep (subject, issuer, serial, fingerprint_sha256, key_algorithm, not_before,
 * not_after, certificate) for `cert` (DER `der`), recorded as a validation object from `origin`; id
 * receives its object id. */
ES_RESULT es_ses_report_signer(eseal_report *rep, const eseal_cert *cert, es_span der, const char *origin,
                               char id[ES_VOBJ_ID_LEN]);

/* Frees the extension list read by es_ses_read_exts(). */
void es_ses_exts_free(eseal_seal_ext *exts, char **oids, size_t n);

/* Signature algorithms by OID; the SM2 alias "1.2.156.10197.501" (ofdrw OIDs.java) is read with a note. */
typedef struct {
    eseal_hash hash;
    eseal_sig_scheme scheme;
    eseal_key_alg key_alg; /* ESEAL_ALG_P256 stands for any ECDSA curve, RSA2048 for any RSA */
    bool alias;
} es_sig_alg;

ES_RESULT es_ses_sig_alg(es_sig_alg *out, const char *oid);
/* Signature algorithm OID and hash for a signing key. */
ES_RESULT es_ses_alg_for_key(const char **oid, eseal_hash *hash, eseal_key_alg alg);
/* Verifies sig over data with the certificate `cert_der` under algorithm `oid`; notes on quirks. */
ES_RESULT es_ses_verify(int *valid, es_notes *notes, es_span cert_der, const char *oid, es_span data, es_span sig);

/*
 * `der` (a V4/V5 SES_Signature without timeStamp, as eseal_ses_signature_make writes it) with
 * timeStamp [0] = `token` (a DER TimeStampToken over the signature value, GB/T 38540-2020
 * SES_Signature) appended into `out`; every other byte is kept. ESEAL_EINVAL for a V1 stamp
 * (no such field) or one that has a timeStamp already.
 */
ES_RESULT es_ses_signature_add_timestamp(es_buf *out, es_span der, es_span token);

#endif
