/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal crypto API shared by the layers above (ca, store, service). It
 * exposes no OpenSSL type: only this directory includes <openssl/...>.
 */
#ifndef ES_CRYPTO_H
#define ES_CRYPTO_H

#include "eseal/cert.h"
#include "eseal/cms.h"
#include "eseal/key.h"
#include "eseal/report.h"
#include "eseal/trust.h"
#include "eseal/tsa.h"
#include "eseal/tsa_client.h"
#include "util/ctx.h"
#include "util/fetch.h"
#include "util/report.h"
#include "util/util.h"

/* The SM2 distinguishing ID of GM/T 0009-2012 §10 / GB/T 35276 used everywhere. */
#define ES_SM2_ID "1234567812345678"
#define ES_SM2_ID_LEN 16

/* Digest of data under `hash` (never DEFAULT). out must hold 64 bytes. */
ES_RESULT es_digest(uint8_t out[64], size_t *out_len, eseal_hash hash, es_span data);
size_t es_hash_size(eseal_hash hash);
/* Digest of the concatenation of `n` spans (for example the two byte ranges of a PDF signature). */
ES_RESULT es_digest_spans(uint8_t out[64], size_t *out_len, eseal_hash hash, const es_span *parts, size_t n);
/* An incremental digest: begin, update any number of times, end; then free. */
typedef struct es_hash_ctx es_hash_ctx;
ES_RESULT es_hash_begin(es_hash_ctx **out, eseal_hash hash);
ES_RESULT es_hash_update(es_hash_ctx *c, es_span data);
/* A new context in src's state: the digest of what src took, continued separately (one pass over
 * a common prefix serves several digests). */
ES_RESULT es_hash_copy(es_hash_ctx **out, const es_hash_ctx *src);
/* `dst` (made by es_hash_begin or es_hash_copy) put in src's state, allocating nothing of eseal's:
 * a worker thread's snapshot into a context its caller made (doc_hash.c). */
ES_RESULT es_hash_copy_into(es_hash_ctx *dst, const es_hash_ctx *src);
ES_RESULT es_hash_end(es_hash_ctx *c, uint8_t out[64], size_t *out_len);
void es_hash_free(es_hash_ctx *c);
static inline void es_hash_freep(es_hash_ctx **c) { es_hash_free(*c); }
/* Streams a file through a digest. */
ES_RESULT es_digest_file(uint8_t out[64], size_t *out_len, eseal_hash hash, const char *path,
                         uint64_t max_bytes);
ES_RESULT es_random(uint8_t *out, size_t n);
/* True when a[0..n) and b[0..n) are equal, in a time that depends on n only, never on where they
 * differ (OpenSSL's CRYPTO_memcmp; ct.c): for secrets compared with what an attacker sends
 * (credential digests). n == 0 is equal. */
bool es_ct_equal(const void *a, const void *b, size_t n);

/* ---- key files under the instance key-encryption key (kek.c) ---- */

/*
 * Key-file passphrase derivation: scrypt N=2^14, r=8, p=2, 16 MiB of memory and about 0.1 s on
 * this class of machine. OpenSSL 3.0's PKCS#8 decryption caps scrypt memory at 32 MiB
 * (128*r*(N+2) bytes), so N=2^15 with r=8 would not load; p raises the cost linearly without
 * raising memory.
 */
#define ES_SCRYPT_N 16384
#define ES_SCRYPT_R 8
#define ES_SCRYPT_P 2
#define ES_KEK_SALT 16
#define ES_KEK_CHECK 32
#define ES_KEYFILE_PEM_MAX (64 * 1024) /* the largest key file read */
/* The instance key-encryption key: scrypt(passphrase, salt, n, r, p), the AES-256 key of every
 * key file of the instance (kek.c says why one derivation is enough). Secret: es_kek_wipe. */
typedef struct es_kek {
    uint8_t salt[ES_KEK_SALT];
    uint64_t n;
    uint32_t r, p;
    uint8_t key[32];
} es_kek;
/* Test hooks: scrypt derivations and key files opened by this process (every path counts; atomic:
 * a server opens keys from several threads). */
extern _Atomic size_t es_kdf_derivations;
extern _Atomic size_t es_keyfile_opens;
/* OpenSSL's secure heap for private key numbers (ossl.c): `bytes` locked and undumped, made once
 * per process; *locked false when mlock(2) was refused (the heap is still used, not locked). */
ES_RESULT es_secure_heap_init(size_t bytes, bool *locked);
/* Bytes of the secure heap in use (0 without one): decoded private keys live there. */
size_t es_secure_heap_used(void);
/* Test hooks (issue 18, counted, never timed): certificates decoded by eseal (es_cert_parse_all,
 * the certificates of a time-stamp token, a document's certificates in a chain check, a pin's
 * token: es_x509_decodes) and certificate chains validated (es_chain_check_ex: es_chain_validations). */
extern _Atomic size_t es_x509_decodes;
/* Certificates es_x509_from_der found already decoded in this process (its memo, cert.c). */
extern _Atomic size_t es_x509_memo_hits;
/* Empties that memo (references handed out stay valid): a test starts from a fresh process's state. */
void es_x509_memo_clear(void);
/* Certificates of trust sets taken because a path could need them (trust.c; lazily, issue 18):
 * decoded then, or found in the memo (es_x509_memo_hits) when this process had decoded them before. */
extern _Atomic size_t es_trust_decoded;
extern _Atomic size_t es_chain_validations;

/*
 * The pinned check of one TSA's tokens (ts_pin.c says what is compared and why it is as safe as the
 * full checklist for the instance's own TSA). es_ts_pin_new pins the TSA of `token` (a
 * TimeStampToken that passed the whole client checklist against `trust`) whose certificate is
 * `tsa`, issued by `issuer` (may be NULL; the token may carry only these two, compared as DER); es_ts_pin_check then takes a TimeStampResp answering the DER request `req`: *ok true with
 * the token (its bytes in the response), its genTime and its serial in hex, or *ok false when any
 * point differs (an error only for a lack of memory). es_ts_pin_accepted/_refused count them.
 */
typedef struct es_ts_pin es_ts_pin;
extern _Atomic size_t es_ts_pin_accepted;
extern _Atomic size_t es_ts_pin_refused;
ES_RESULT es_ts_pin_new(es_ts_pin **out, es_span token, const eseal_cert *tsa, const eseal_cert *issuer,
                        const eseal_trust *trust);
ES_RESULT es_ts_pin_check(const es_ts_pin *p, bool *ok, es_span resp, es_span req, eseal_buf *token, int64_t *gen_ms,
                          char *serial, size_t serial_cap);
/* The genTimes [lo, hi] (inclusive) in which the pinned chain check holds. */
void es_ts_pin_window(const es_ts_pin *p, int64_t *lo, int64_t *hi);
void es_ts_pin_free(es_ts_pin *p);
/* k->key from the passphrase under k's salt and parameters: one derivation. */
ES_RESULT es_kek_derive(es_kek *k, const char *pass, size_t pass_len);
/* A new KEK: a random salt, the default parameters, one derivation. */
ES_RESULT es_kek_new(es_kek *k, const char *pass, size_t pass_len);
/* HMAC-SHA256(key, label): stored beside the salt, it tells a wrong passphrase without a key file. */
ES_RESULT es_kek_check(const es_kek *k, uint8_t out[ES_KEK_CHECK]);
/* ESEAL_EPASS ("wrong passphrase for `what`") unless k's check value is `want` (constant time). */
ES_RESULT es_kek_verify(const es_kek *k, const uint8_t want[ES_KEK_CHECK], const char *what);
void es_kek_wipe(es_kek *k);
/* A PEM private key (encrypted PKCS#8 opened with the passphrase: one derivation), as
 * eseal_key_load_mem does, labelled after `what`. */
ES_RESULT es_key_load_pem(eseal_key **out, es_span pem, const char *what, const char *pass, size_t pass_len);
/* Opens a PEM key file (its text in `pem`) encrypted under k without deriving anything. *other is
 * set, and ES_OK returned with no key, when the file is not under k (another salt or parameters,
 * or not PBES2-scrypt): the caller opens it with the passphrase instead. ESEAL_EPASS when it is
 * under k's salt but does not decrypt. `what` names the file in messages and the key's label. */
ES_RESULT es_key_load_kek(eseal_key **out, bool *other, es_span pem, const es_kek *k, const char *what);
/* The key as an encrypted PKCS#8 PEM file under k (PBES2: k's salt and parameters, a fresh IV). */
ES_RESULT es_key_pem_kek(es_buf *out, const eseal_key *key, const es_kek *k);

/* Reports (src/crypto/report_evidence.c): the document section with the data's size, SHA-256 and
 * SM3 (es_report_document_init; `digests`: the ESEAL_DOCUMENT_* bits to compute, the others null);
 * a validation object named by the SHA-256 of its DER (es_report_object); the lower-case hex
 * digest of data (out: 2 * digest size + 1). */
ES_RESULT es_report_document(eseal_report *r, const char *format, es_span data, int64_t validation_time_ms,
                             unsigned int digests);
ES_RESULT es_report_evidence(eseal_report *r, es_vobj_type type, es_span der, const char *name, const char *origin,
                             int64_t poe_ms, char id[ES_VOBJ_ID_LEN]);
ES_RESULT es_report_digest_hex(char out[129], eseal_hash h, es_span data);
/* signer.uscc of a report from the certificate's organizationIdentifier (report version 5; null when
 * it carries no NTRCN-<USCC>): report_evidence.c, for every writer of a signer section. */
ES_RESULT es_report_signer_uscc(eseal_report *r, const eseal_cert *cert);
/*
 * The digests of a document before and after a stamp, taken from the bytes the stamper streams
 * (doc_hash.c): es_doc_hash_input for the bytes it reads (they are copied into the output, so
 * they count for both), es_doc_hash_output for the bytes it adds. SHA-256 always, SM3 when
 * asked (OFD entries record both, docs/audit-log.md). Nothing is read back from a path.
 */
typedef struct {
    uint8_t before_sha256[32], before_sm3[32], after_sha256[32], after_sm3[32];
    bool sm3;
} es_doc_digests;
typedef struct {
    es_hash_ctx *c[4]; /* before SHA-256, before SM3, after SHA-256, after SM3 (NULL: not taken) */
} es_doc_hasher;
ES_RESULT es_doc_hash_begin(es_doc_hasher *h, bool sm3);
ES_RESULT es_doc_hash_input(es_doc_hasher *h, es_span data);
ES_RESULT es_doc_hash_output(es_doc_hasher *h, es_span data);
ES_RESULT es_doc_hash_end(es_doc_hasher *h, es_doc_digests *out);
/* A copy of the input digest of `hash` (SHA-256, or SM3 when taken) as it stands: the stamper
 * continues it over its update for the signature, so the input is hashed once for all three
 * digests. ESEAL_ENOTFOUND when the hasher does not take that hash. */
ES_RESULT es_doc_hash_fork(const es_doc_hasher *h, eseal_hash hash, es_hash_ctx **out);

/*
 * One pass over a document for the digests of its prefixes (doc_hash.c): a PDF's signatures each
 * cover the file from its start up to their /Contents, then a short tail, so N signatures hashed
 * on their own cost N times the file. es_prefix_digest keeps a running digest per hash algorithm
 * and, for parts whose first one starts at the document's start and reaches at least as far as
 * the previous request, continues it there and finishes a copy with the other parts: the file is
 * hashed once, plus the tails. Any other request is hashed on its own (same result, no sharing).
 * `bytes` counts what went through the hash functions (a test hook).
 */
#define ES_PREFIX_HASHES 5 /* indexed by eseal_hash: default, SHA-256, SHA-384, SHA-512, SM3 */
/* Issue 18 (branch h-trust): a prefix whose digest is kept when a running digest passes it (a
 * PDF's first revision, for document.parts: es_prefix_hasher_mark, es_prefix_span_digest). */
#define ES_PREFIX_MARKS 160 /* at most (a verifier asks for 2 per signature: h-bigverify) */
typedef struct {
    eseal_hash hash;
    size_t at;      /* the prefix's length */
    size_t md_len;  /* 0 until the running digest of `hash` passed `at` */
    uint8_t md[64];
    es_hash_ctx *snap; /* the running digest's state at `at` (a worker's, es_prefix_hasher_ahead), or NULL */
} es_prefix_mark;
typedef struct es_prefix_ahead es_prefix_ahead;
typedef struct {
    es_span doc;
    es_hash_ctx *run[ES_PREFIX_HASHES];
    size_t at[ES_PREFIX_HASHES];
    uint64_t bytes;
    es_prefix_mark *mark; /* allocated as asked for (es_prefix_hasher_mark), at most ES_PREFIX_MARKS */
    size_t nmarks, cap;
    es_prefix_ahead *ahead; /* a worker running a digest ahead (es_prefix_hasher_ahead), or NULL */
} es_prefix_hasher;
void es_prefix_hasher_init(es_prefix_hasher *p, es_span doc);
void es_prefix_hasher_free(es_prefix_hasher *p);
ES_RESULT es_prefix_digest(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash,
                           const es_span *parts, size_t n);
void es_doc_hash_free(es_doc_hasher *h);

/* ---- issue 18: the document's digests beside the rest of a verification (branch h-widget) ---- */
/*
 * The digest of all of `doc` (the one es_prefix_hasher_init took): a copy of the running `hash`
 * digest continued from where the last shared request left it to the end, so a verifier's
 * document.sha256 costs the bytes after the last signature's /Contents, not the file again.
 * Without a running digest of that hash, the document is hashed on its own. Counts in `bytes`.
 */
ES_RESULT es_prefix_digest_all(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash);

/* ---- issue 18: a revision's digest from the running one (branch h-trust) ---- */
/*
 * Asks that the `hash` digest of the prefix of `at` bytes be kept when a running digest of `hash`
 * passes it (es_prefix_digest, es_prefix_digest_all): the prefix then costs no pass of its own.
 * Ignored (false) when the running digest is already past it, `at` is 0 or beyond the document, or
 * ES_PREFIX_MARKS are taken; a mark already asked for is kept once. With a mark pending,
 * es_prefix_digest_all runs the digest of `hash` through the marks even with no running digest yet.
 */
bool es_prefix_hasher_mark(es_prefix_hasher *p, eseal_hash hash, size_t at);
/*
 * The `hash` digest of `part`, a span of the document: a kept mark's when `part` is a marked
 * prefix the running digest passed, the running digest's continued when `part` is a prefix at
 * least as long as where it stands (es_prefix_digest), else hashed on its own. Counts in `bytes`.
 */
ES_RESULT es_prefix_span_digest(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash, es_span part);

/* ---- issue 18: the running digest hashed ahead by a worker (branch h-bigverify) ---- */
/*
 * Starts a worker thread that runs the `hash` digest of the whole document (at least `min` bytes,
 * else nothing is started) while the caller does something else, keeping a snapshot of its state
 * at each pending mark of `hash` it passes (es_prefix_hasher_mark, asked for before this call).
 * Every later call on the hasher (digest, span digest, digest of all, mark, free) first waits for
 * the worker; a request whose first part is a marked prefix then continues that mark's snapshot
 * (es_prefix_digest): the document is hashed once, plus each request's other parts, as without the
 * worker; a prefix that was not marked is hashed on its own (same digest). A worker that failed
 * leaves its error code for the next request of `hash` (ESEAL_ECRYPTO and the like), as a digest
 * taken in the caller's thread would have. One thread; none when it cannot be made (then nothing
 * changes). false when nothing was started.
 */
#define ES_PREFIX_AHEAD_MIN ((size_t)4 << 20) /* the verifier's: below this the thread buys nothing */
bool es_prefix_hasher_ahead(es_prefix_hasher *p, eseal_hash hash, size_t min);
static inline void es_prefix_hasher_freep(es_prefix_hasher *p) { es_prefix_hasher_free(p); }
/* Workers es_prefix_hasher_ahead started in this process (a test hook). */
uint64_t es_prefix_ahead_threads(void);
/*
 * Bytes of documents that went through `hash` in the prefix hashers and the es_bg_digest jobs of
 * this process, all threads (a test hook: "each byte once per algorithm"); es_prefix_marks_used:
 * span digests answered from a kept mark.
 */
uint64_t es_doc_hash_bytes(eseal_hash hash);
uint64_t es_prefix_marks_used(void);
/*
 * A digest of a whole document taken by a worker thread while the caller does the rest (the SM3 of
 * a 116 MB PDF's document section is 0.3 s on one core, the longest single piece of its
 * verification). es_bg_digest_start starts it (documents under ES_BG_DIGEST_MIN bytes, or when no
 * thread can be made, are hashed by es_bg_digest_finish in the caller's thread instead);
 * es_bg_digest_finish waits for it, gives the digest and frees the job; es_bg_digest_cancel (also
 * the cleanup of an unfinished job) stops it at its next chunk and waits for it. `data` must stay
 * readable until the job is finished or cancelled. The digest is the same as es_digest's.
 */
#define ES_BG_DIGEST_MIN ((size_t)256 << 10) /* below this a thread costs more than it saves */
typedef struct es_bg_digest es_bg_digest;
ES_RESULT es_bg_digest_start(es_bg_digest **out, eseal_hash hash, es_span data);
ES_RESULT es_bg_digest_finish(es_bg_digest **job, uint8_t out[64], size_t *out_len);
void es_bg_digest_cancel(es_bg_digest **job);
static inline void es_bg_digest_cancelp(es_bg_digest **job) { es_bg_digest_cancel(job); }
/* Documents this thread's es_bg_digest_start handed to a worker thread: for the tests. */
unsigned long es_bg_digest_threads(void);
/* Both digests of an input and its whole output held in memory (the OFD stamper's case). */
ES_RESULT es_doc_digests_of(es_doc_digests *out, es_span before, es_span after, bool sm3);
/*
 * Asks `fn` for a time-stamp token over the `hash` digest of the signature
 * value of the only SignerInfo of the DER CMS in `cms_der`, and adds it as the
 * unsigned attribute id-aa-timeStampToken; `cms_der` is re-encoded (its signed
 * part unchanged).
 */
ES_RESULT es_cms_add_signature_timestamp(es_buf *cms_der, eseal_hash hash, eseal_timestamp_fn fn, void *ctx);

/* ---- for the transparency log (src/tlog) ------------------------------------------------ */

/* SHA-256 of the concatenation of `n` parts, with the digest fetched once and a context kept
 * per thread: a Merkle node (65 bytes) costs about a third of es_digest's per-call overhead. */
ES_RESULT es_sha256(uint8_t out[32], const es_span *parts, size_t n);

/* HMAC-SHA256 (RFC 2104) of the concatenation of `n` parts under `key` (hmac.c; webhook signatures). */
ES_RESULT es_hmac_sha256(uint8_t out[32], es_span key, const es_span *parts, size_t n);
/* An in-memory Ed25519 key from its RFC 8032 32-byte seed (the private key). */
ES_RESULT es_ed25519_key_from_seed(eseal_key **out, const uint8_t seed[32]);
/* The raw 32-byte Ed25519 public key of `key` (ESEAL_EINVAL for other algorithms). */
ES_RESULT es_ed25519_public_raw(uint8_t out[32], const eseal_key *key);
/* Checks an Ed25519 signature over msg with a raw public key; *valid is the verdict, an error
 * only means the check could not run. A signature that is not 64 bytes is simply not valid. */
ES_RESULT es_ed25519_verify(bool *valid, const uint8_t pub[32], es_span msg, es_span sig);

ES_RESULT es_base64_encode(es_buf *out, es_span in);
ES_RESULT es_base64_decode(es_buf *out, es_span in);

/* Certificate profiles for the built-in CA (RFC 5280, ETSI EN 319 412). */
typedef enum {
    ES_PROFILE_ROOT_CA,
    ES_PROFILE_ISSUING_CA,
    ES_PROFILE_SEAL_MAKER,
    ES_PROFILE_TSA,
    ES_PROFILE_ORG,    /* organisation seal certificate (eIDAS-style legal person) */
    ES_PROFILE_PERSON, /* natural person */
    ES_PROFILE_OCSP,   /* delegated OCSP responder (RFC 6960 §4.2.2.2) */
} es_cert_profile;

typedef struct {
    es_cert_profile profile;
    /* Subject attributes; NULL when absent. */
    const char *common_name;
    const char *organization;
    const char *org_unit;
    const char *country;
    const char *org_identifier; /* 2.5.4.97, e.g. "NTRCN-91110000..." */
    const char *serial_number;  /* 2.5.4.5, e.g. person ID */
    const char *email;
    int64_t not_before_ms;
    int64_t not_after_ms;
    const uint8_t *serial; /* big-endian, positive, 1..20 bytes */
    size_t serial_len;
    const char *crl_url;  /* CRL distribution point, may be NULL */
    const char *ocsp_url; /* AIA OCSP, may be NULL */
    const char *ca_issuers_url; /* AIA caIssuers, may be NULL */
} es_cert_spec;

/*
 * Issues a certificate for `subject_key` (a public key as SPKI DER) signed by
 * `issuer_key` under `issuer` (NULL: self-signed with subject_key = issuer_key).
 */
ES_RESULT es_cert_issue(eseal_cert **out, const es_cert_spec *spec, es_span subject_spki,
                        eseal_key *issuer_key, const eseal_cert *issuer);

typedef struct {
    const uint8_t *serial;
    size_t serial_len;
    int64_t revoked_at_ms;
    int reason; /* RFC 5280 CRLReason, -1 for none */
} es_crl_entry;

/* Issues a CRL (DER) with the given entries, number and update window. */
ES_RESULT es_crl_issue(es_buf *out_der, eseal_key *issuer_key, const eseal_cert *issuer,
                       const es_crl_entry *entries, size_t n, uint64_t crl_number,
                       int64_t this_update_ms, int64_t next_update_ms);

/* Reads all certificates (PEM bundle or one DER) from memory. */
ES_RESULT es_cert_parse_all(eseal_cert ***out, size_t *n, es_span data, size_t max_certs);
/* One certificate, DER or PEM (eseal_cert_parse for callers inside the library). */
ES_RESULT es_cert_parse(eseal_cert **out, es_span data);
/*
 * es_cert_parse(data), except that when `data` is exactly the DER encoding of `known` (may be
 * NULL) the result shares `known`'s parsed certificate instead of parsing the same bytes again:
 * one verification meeting one certificate in several places (a CMS signer that also made the
 * seal) parses it once. Whatever `data` is, the result is what es_cert_parse gives for it.
 */
ES_RESULT es_cert_parse_as(eseal_cert **out, es_span data, const eseal_cert *known);
/* The certificate's DER (eseal_cert_der for callers inside the library). */
ES_RESULT es_cert_der(eseal_buf *out, const eseal_cert *c);
void es_cert_list_free(eseal_cert **list, size_t n);

/* Imports a PKCS#12 file (legacy algorithms allowed). Outputs may be NULL. */
ES_RESULT es_pkcs12_import(eseal_key **key, eseal_cert **cert, eseal_cert ***chain, size_t *chain_n,
                           es_span p12, const char *pass);

/* A copy (new reference) of a certificate. */
ES_RESULT es_cert_dup(eseal_cert **out, const eseal_cert *in);
/* Key usage / EKU summary for display, e.g. "digitalSignature,nonRepudiation". */
ES_RESULT es_cert_describe(es_buf *out, const eseal_cert *cert);
/* 1 when the key can be saved to a file (it lives in memory). */
bool es_key_is_exportable(const eseal_key *key);
/* Writes an unencrypted SPKI PEM of the key. */
ES_RESULT es_key_public_pem(es_buf *out, const eseal_key *key);
/*
 * Validates `cert` (chain, validity at at_ms, revocation) against `t` and
 * records the outcome in `rep` (see chain.h). `extra` are untrusted helpers.
 */
ES_RESULT es_cert_chain_check(eseal_report *rep, const eseal_trust *t, const eseal_cert *cert,
                              const eseal_cert *const *extra, size_t n_extra, int64_t at_ms, int64_t claimed_ms);
/* ---- revocation data (RFC 6960 OCSP, RFC 5280 CRLs) ------------------------------------- */

/* A list of owned DER objects. */
typedef struct {
    es_buf *items;
    size_t n, cap;
} es_der_list;

/*
 * The collector of revocation evidence: the DER of every OCSPResponse and CRL a check used or
 * the stamping side gathered, each once (identical DER is not added twice). A PDF B-LT writer
 * puts `ocsp` into /DSS /OCSPs and `crls` into /DSS /CRLs.
 */
typedef struct {
    es_der_list ocsp; /* DER OCSPResponse (RFC 6960 §4.2.1) */
    es_der_list crls; /* DER CertificateList (RFC 5280 §5.1) */
} es_revocation_data;

typedef enum { ES_REV_OCSP, ES_REV_CRL } es_rev_kind;

ES_RESULT es_revocation_data_add(es_revocation_data *d, es_rev_kind kind, es_span der);
void es_revocation_data_free(es_revocation_data *d);
/* Appends the PEM ("X509 CRL") of the DER CRL `der` to `out`; *next_update_ms gets its nextUpdate (0: none). */
ES_RESULT es_crl_to_pem(es_buf *out, es_span der, int64_t *next_update_ms);
/* Adds a copy of `der` to `l` unless identical DER is already there (at most 4096 items). */
ES_RESULT es_der_list_add(es_der_list *l, es_span der);
void es_der_list_free(es_der_list *l);

/*
 * Where revocation information may come from beyond the trust set's CRLs. Sources are tried in
 * this order for each certificate: embedded OCSP responses, embedded CRLs, the trust set's CRLs,
 * the cache, then (online) OCSP from the certificate's AIA URL and the CRL from its CRL
 * distribution point; the first that covers the certificate at the validation time decides.
 */
typedef struct {
    const es_span *ocsp;      /* DER OCSPResponses (or BasicOCSPResponses) from the document */
    size_t ocsp_count;
    const es_span *crls;      /* DER CRLs from the document (PDF /DSS, CMS crls) */
    size_t crl_count;
    bool online;              /* fetch what nothing else covers (http/https only), through `fetch` */
    unsigned int timeout_ms;  /* per fetch; 0: 5000 */
    const char *cache_dir;    /* fetched responses/CRLs are kept here, keyed by the certificate's
                                 CertID (or the issuer for CRLs), and reused until their nextUpdate;
                                 NULL: no cache */
    es_revocation_data *used; /* receives the DER of every response and CRL used; NULL: none */
    const es_span *certs;     /* DER certificates from the document (PDF /DSS /Certs): untrusted
                                 helpers that may complete a chain to a trust anchor, never anchors */
    size_t cert_count;
    es_fetcher fetch;         /* how `online` reaches the network (crypto never does itself):
                                 required with `online`, e.g. es_http_fetcher() */
    const eseal_context *ctx; /* the caller's limits (responses, CRLs) and clock (is a cached one
                                 current?); NULL: the default context */
} es_revocation_opts;

/* ---- named maxima of revocation and trust (bounds on what evidence may make us do; one line each) */
#define ES_REV_MAX_ITEMS 4096        /* pieces of revocation information collected in one list */
#define ES_REV_MAX_SINGLES 1000      /* SingleResponses of one OCSP response looked at */
#define ES_REV_MAX_EMBEDDED 1000     /* CRLs and certificates a document brings that are looked at */
#define ES_REV_OCSP_REQUEST_MAX 65536 /* one OCSP request we send */
#define ES_TRUST_MAX_CERTS 10000     /* certificates in one trust set */
#define ES_TRUST_MAX_CRLS 1000       /* CRLs in one file of a trust set */

/* ---- named maxima of certificates, CMS and OCSP (one line each) */
#define ES_X509_NAME_ATTR_MAX 256    /* one subject attribute we write: RFC 5280's ub-* upper bounds are 64..200 */
#define ES_X509_SERIAL_MAX 20        /* serial number octets (RFC 5280 §4.1.2.2) */
#define ES_CMS_MAX_SIGNERS 64        /* SignerInfos of one CMS looked at (eseal writes one) */
#define ES_CMS_MAX_PARTS 16          /* spans one detached signature covers (a PDF's byte ranges are 2) */
#define ES_OCSP_MAX_ISSUERS 256      /* CAs one OCSP responder configuration answers for */
#define ES_CRL_REASON_MAX 10         /* the last CRLReason, aACompromise (RFC 5280 §5.3.1) */
/* es_buf caps of what crypto writes (issue #16); what it reads is under es_ctx_limits (max_der_bytes). */
#define ES_SPKI_DER_MAX 65536        /* a public key's DER: RSA-16384 is ~2 KiB, room for any provider's key */
#define ES_SIG_MAX 16384             /* one signature value: RSA-16384 is 2 KiB, SM2/ECDSA DER under 160 bytes */
#define ES_ALGID_DER_MAX 1024        /* an AlgorithmIdentifier (RSA-PSS parameters, the largest, are < 100 bytes) */
#define ES_CMS_ATTRS_MAX (1 << 20)   /* one SignerInfo's signed attributes: a few digests, a time, certificate ids */
#define ES_TS_STATUS_DER_MAX 1024    /* a PKIStatusInfo we write: a status, failure bits, one short text */
#define ES_TS_TOKEN_MAX (1 << 20)    /* a timestamp token we sign: a CMS with our chain's few certificates */
#define ES_TS_RESPONSE_MAX (1 << 20) /* a TimeStampResp we write: the token and its status (ES_TS_TOKEN_MAX) */
#define ES_X509_AIA_MAX (2 * ES_URL_BUF_MAX) /* an AuthorityInfoAccess we write: an OCSP URL and a CA-issuers URL */
#define ES_TRUST_SOURCES_MAX 4096    /* where a chain's revocation information came from, one report line */
#define ES_KEY_LABEL_MAX 4096        /* a key's label, "file:<path>": a path the system takes (PATH_MAX) */

#define ES_REVOCATION_OPTS_INIT {NULL, 0, NULL, 0, false, 0, NULL, NULL, NULL, 0, {NULL, NULL}, NULL}

/* Adds one PEM or DER certificate to t, not decoded until a path may need it (its names are read
 * now: a malformed certificate is refused here, one whose key does not decode when it is needed). */
ES_RESULT es_trust_add_lazy(eseal_trust *t, es_span data, bool anchor);
/* The http(s) URLs of the CRL distribution points of a DER certificate, at most `max`; *n gets how many. */
ES_RESULT es_cert_crl_urls(es_span cert_der, char (*urls)[ES_URL_BUF_MAX], size_t max, size_t *n);
/* Checks that the DER CRL is issued and signed by the CA certificate `ca_der` (ESEAL_EVERIFY when not)
 * and reads its CRL number (0: none), thisUpdate and nextUpdate (0: none). */
ES_RESULT es_crl_check_issued(es_span crl_der, es_span ca_der, uint64_t *number, int64_t *this_ms, int64_t *next_ms);
/* Adds one DER certificate with a note of where the trust in it came from (issue 24: "the trust list
 * of P, sequence N"): a chain check that ends at it names the note in its detail. */
ES_RESULT es_trust_add_noted(eseal_trust *t, es_span der, bool anchor, const char *note);
/* The service types a chain check may require of a certificate whose chain ends at a noted anchor. */
enum { ES_TRUST_SVC_TSA = 1, ES_TRUST_SVC_OCSP = 2, ES_TRUST_SVC_SEAL_MAKER = 3, ES_TRUST_SVC_CA = 4 };
/* Statuses kept per service (a list's ServiceHistory holds up to 64; the newest are the ones that count). */
#define ES_TRUST_SERVICE_STATUSES 16
/* Adds a service the trust list of a noted anchor names: the certificate `der` as a service of `type`,
 * with its statuses from `since[i]` on (`granted[i]`: granted, else withdrawn), newest first; more than
 * ES_TRUST_SERVICE_STATUSES keeps the newest. A time-stamp token whose TSA chains to a noted anchor
 * is trusted only when its TSA certificate is such a service of type TSA, granted at the token's time;
 * and a chain to a noted anchor holds only when each of its certificates the list names as a CA was
 * granted at the time the chain is judged at (a CA withdrawn later still vouches for the past). */
ES_RESULT es_trust_add_service(eseal_trust *t, es_span der, int type, const int64_t *since, const bool *granted,
                               size_t n);

/* es_cert_chain_check with revocation data and helper certificates beyond the trust set (`ro`, may be NULL). */
ES_RESULT es_cert_chain_check_ex(eseal_report *rep, const eseal_trust *t, const eseal_cert *cert,
                                 const eseal_cert *const *extra, size_t n_extra, int64_t at_ms, int64_t claimed_ms,
                                 const es_revocation_opts *ro);

/*
 * Gathers current revocation information for `cert` issued by `issuer` from `ro` (its cache and,
 * when ro->online, the network: OCSP first, then the CRL) and adds what it found valid to
 * ro->used. *found is set when something covered the certificate; `source` (may be NULL) gets
 * where it came from, e.g. "OCSP, http://ca.example/ocsp".
 */
ES_RESULT es_revocation_fetch(bool *found, const eseal_cert *cert, const eseal_cert *issuer,
                              const es_revocation_opts *ro, char *source, size_t source_cap);

/*
 * eseal_cms_verify_parts with revocation data beyond the trust set (`ro`, may
 * be NULL): the OCSP responses and CRLs of a PDF's /DSS. When `signer` is not
 * NULL it gets, on ES_OK, the certificate the first SignerInfo was checked
 * with (what eseal_cms_signer_cert(p7s, 0, trust) returns when opts names no
 * expected signer), or NULL when none was found: the caller frees it. The
 * signature is then decoded once, not once more for its signer.
 */
ES_RESULT es_cms_verify_parts_rev(eseal_report **out, eseal_cert **signer, es_span p7s, const es_span *parts,
                                  size_t nparts, const eseal_trust *trust, const eseal_cms_verify_options *opts,
                                  const es_revocation_opts *ro, es_prefix_hasher *prefix);

/*
 * Checks the time-stamp token `token` (a DER ContentInfo) over the
 * concatenation of `parts` (a PDF document timestamp's byte ranges) against
 * `t`, merging the client checklist's fields and reasons into `rep`. *gen_ms is
 * its genTime when VALID, else 0.
 */
ES_RESULT es_tsa_check_token_parts(eseal_report *rep, int64_t *gen_ms, es_span token, const es_span *parts, size_t n,
                                   const eseal_trust *t, const es_revocation_opts *ro);

/* eseal_tsa_verify_token with revocation data beyond the trust set for the TSA's chain (`ro`, may be NULL). */
ES_RESULT es_tsa_verify_token_rev(eseal_report **out, int64_t *gen_time_ms, es_span token, const eseal_trust *trust,
                                  const eseal_tsa_verify_options *opts, const es_revocation_opts *ro);

/*
 * The time-stamp client's codec (ts_client.c): the DER TimeStampReq for `digest` (version 1, a
 * random 63-bit nonce, certReq, `policy` as reqPolicy when not NULL), and the TimeStampToken of
 * a granted TimeStampResp `resp` into `token` with its serial number in hexadecimal.
 */
ES_RESULT es_ts_request_der(es_buf *out, eseal_hash hash, es_span digest, const char *policy);
ES_RESULT es_ts_response_token(eseal_buf *token, char *serial, size_t serial_cap, es_span resp);

/* A DER OCSPRequest for one certificate: CertID with SHA-1 (sha256 false) or SHA-256, optional nonce. */
ES_RESULT es_ocsp_request_der(es_buf *out, const eseal_cert *cert, const eseal_cert *issuer, bool sha256, bool nonce);

/* A public key as PEM ("PUBLIC KEY") or SubjectPublicKeyInfo DER into its DER (spki.c), P-256 or SM2
 * (*alg; ESEAL_EUNSUPPORTED otherwise, ESEAL_EMALFORMED for anything that is not one key). */
ES_RESULT es_spki_parse(es_buf *der, eseal_key_alg *alg, es_span in);

/* ---- ES256 in the forms JOSE writes (jose.c; RFC 7518 §3.4, §6.2.1): trust lists, issue 24 ---- */
#define ES_P256_SPKI_LEN 91 /* a P-256 SubjectPublicKeyInfo DER with an uncompressed point */
/* The affine coordinates of a P-256 public key (SubjectPublicKeyInfo DER), 32 bytes each, big-endian:
 * a JWK's x and y. ESEAL_EUNSUPPORTED for any other key (SM2 included), ESEAL_EMALFORMED for bytes
 * that are not one SubjectPublicKeyInfo. */
ES_RESULT es_p256_spki_point(uint8_t x[32], uint8_t y[32], es_span spki);
/* The SubjectPublicKeyInfo DER of the P-256 point (x, y): ESEAL_EMALFORMED when it is not on the curve. */
ES_RESULT es_p256_spki_from_point(es_buf *spki, const uint8_t x[32], const uint8_t y[32]);
/* An ECDSA P-256 signature as DER SEQUENCE{r, s} (what eseal_key_sign gives) into r || s, 32 bytes
 * each (a JWS signature); ESEAL_EMALFORMED when it is not one, or r or s needs more than 32 bytes. */
ES_RESULT es_ecdsa_p256_der_to_raw(uint8_t raw[64], es_span der);
/* r || s back into DER SEQUENCE{r, s} (for eseal_signature_verify). */
ES_RESULT es_ecdsa_p256_raw_to_der(es_buf *der, const uint8_t raw[64]);

/* The SM2 Z value (GM/T 0003.2 §5.5) of an SM2 public key with ID ES_SM2_ID. */
ES_RESULT es_sm2_z(uint8_t out[32], es_span spki);

/* ---- keys in SKF devices (GM/T 0016-2012, skf.c; docs/skf.md) ---- */
#define ES_SKF_NAME_MAX 128          /* a device, application or container name of a key ref, decoded */
#define ES_SKF_REF_MAX 255           /* a key ref as written: it is eseal_key_hardware.key_id (256 with its NUL) */
#define ES_SKF_PIN_MAX 64            /* a PIN handed to SKF_VerifyPIN (UKeys take 6..16 characters) */
#define ES_SKF_LIST_MAX 65536        /* a device, application or container name list a module answers */
#define ES_SKF_LIST_NAMES 256        /* names looked at in one such list */
#define ES_SKF_CERT_MAX 65536        /* a certificate SKF_ExportCertificate answers */
/*
 * A key ref "skf:dev=NAME;app=APP;con=CONTAINER" parsed: attributes in any order, each at most once,
 * values percent-decoded as in RFC 7512 (a ';', '=', '%', space or control byte in a name is written
 * %XX). `con` is required; an empty `dev` or `app` means "the only one there is". Refused with
 * ESEAL_EMALFORMED (naming the offset) or ESEAL_ELIMIT (a value over ES_SKF_NAME_MAX, a ref over
 * ES_SKF_REF_MAX).
 */
typedef struct {
    char dev[ES_SKF_NAME_MAX + 1];
    char app[ES_SKF_NAME_MAX + 1];
    char con[ES_SKF_NAME_MAX + 1];
} es_skf_ref;
ES_RESULT es_skf_ref_parse(es_skf_ref *out, const char *text, size_t len);
/*
 * Opens the signing key of an SKF device: loads the vendor module `module_path` (dlopen), finds the
 * device, application and container of `ref` (bounded enumeration), verifies the user PIN (a wrong
 * one: ESEAL_EPASS saying how many tries are left; a locked PIN: ESEAL_ERATE), reads the signing
 * public key and, when the container has one, its certificate (which must hold the same key). The
 * key signs SM2 only: Z and e = SM3(Z || M) computed here (GM/T 0009-2012 §8, ID 1234567812345678),
 * e signed by SKF_ECCSignData, every signature checked in software before it is returned. Its
 * `hardware` asks the device each time (kind "skf", serial, label, key_id = ref, maker): a removed
 * device is ESEAL_EIO. The integrator's dispatcher (src/core/hwkey.c) calls this for "skf:" refs.
 */
ES_RESULT es_skf_key_open(eseal_key **out, const char *module_path, const char *ref, const char *pin,
                          size_t pin_len);
/*
 * A new SM2 signing key pair made in the device (SKF_CreateContainer, SKF_GenECCKeyPair) in the container
 * `ref` names, which must not exist yet (ESEAL_EEXISTS), then opened as es_skf_key_open does. The key never
 * leaves the device; its container has no certificate until one is issued for its public key.
 * ESEAL_EUNSUPPORTED when the module has no key generation.
 */
ES_RESULT es_skf_key_generate(eseal_key **out, const char *module_path, const char *ref, const char *pin,
                              size_t pin_len);
/* The signing certificate an SKF key's container holds (DER), read when it was opened; ESEAL_ENOTFOUND
 * when it holds none, ESEAL_EINVAL for a key of another backend. */
ES_RESULT es_skf_key_cert(es_buf *out, const eseal_key *key);
/* Test hooks: signatures an SKF device returned that did not verify, and so were refused. */
extern _Atomic size_t es_skf_bad_signatures;
/* ---- PKCS#11 keys (pkcs11.c, p11uri.c; issue 23 §1) ----------------------------------------
 * RFC 7512 URIs, the PIN held in locked memory, and keys in a token opened, generated and used
 * through libp11. The private key never leaves the token: every signature is made by the token
 * (C_Sign through libp11's OpenSSL methods). */

/* The longest URI read, and the longest value of one attribute after percent-decoding. PKCS#11
 * token labels are 32 bytes, serials 16, CKA_ID has no limit but real ones are hashes (<= 64). */
#define ES_P11_URI_MAX 1024
#define ES_P11_VALUE_MAX 128

typedef enum {
    ES_P11_TYPE_ANY = 0,
    ES_P11_TYPE_PRIVATE,
    ES_P11_TYPE_PUBLIC,
    ES_P11_TYPE_CERT,
} es_p11_type;

/* A parsed "pkcs11:" URI (RFC 7512 §2.3), the attributes eseal uses; each "" when absent. */
typedef struct {
    char token[ES_P11_VALUE_MAX + 1];  /* CKA token label */
    char serial[ES_P11_VALUE_MAX + 1]; /* token serial number */
    char object[ES_P11_VALUE_MAX + 1]; /* CKA_LABEL */
    uint8_t id[ES_P11_VALUE_MAX];      /* CKA_ID (binary) */
    size_t id_len;
    es_p11_type type;
} es_p11_uri;

/* Parses `text` strictly: the scheme "pkcs11:", then path attributes token=, serial=, object=,
 * id=, type= (private|public|cert) separated by ';', each at most once, values percent-decoded
 * (RFC 3986 §2.1) and at most ES_P11_VALUE_MAX bytes; no query part, no other attribute, no NUL,
 * no control character. A token or a serial and an object or an id are required.
 * ESEAL_EMALFORMED naming the problem otherwise. */
ES_RESULT es_p11_uri_parse(es_p11_uri *out, es_span text);
/* Writes the canonical URI of `u` (attributes in the order token, serial, object, id, type; every
 * byte outside RFC 7512's unreserved and pchar set percent-encoded) to `out`. */
ES_RESULT es_p11_uri_format(es_buf *out, const es_p11_uri *u);
/* True when `s` starts with "pkcs11:" (any case of the scheme). */
bool es_p11_is_uri(const char *s);

/* ---- the PIN: in locked memory, wiped on free ---- */

typedef struct es_p11_pin es_p11_pin;
/* Copies `pin` into a page locked with mlock (not swapped, not in a core dump: MADV_DONTDUMP). */
ES_RESULT es_p11_pin_new(es_p11_pin **out, const void *pin, size_t len);
/* A copy of `p` in a locked page of its own (for another instance handle: eseal_instance_open_like). */
ES_RESULT es_p11_pin_copy(es_p11_pin **out, const es_p11_pin *p);
void es_p11_pin_free(es_p11_pin *p);
/* The PIN's bytes (NUL-terminated, in its locked page) and length, for a backend that takes them as
 * a string (SKF); NULL and 0 for NULL. */
const char *es_p11_pin_bytes(const es_p11_pin *p, size_t *len);
static inline void es_p11_pin_freep(es_p11_pin **p) { es_p11_pin_free(*p); }

/* ---- keys in a token ---- */

/* Opens the private key `uri` names in the token of `module` (a PKCS#11 module path), logging in
 * with `pin` (NULL: no login, only for tokens that need none). ESEAL_ENOTFOUND when no token or no
 * key matches, ESEAL_EPASS for a wrong PIN (the message says how many tries the token has left
 * when it tells, never the PIN), ESEAL_EDENIED for a locked PIN, ESEAL_EIO when the module cannot
 * be loaded or the token went away. The key signs through the token until eseal_key_free. */
ES_RESULT es_p11_key_open(eseal_key **out, const char *module, const es_p11_uri *uri, const es_p11_pin *pin);

/* Generates a key pair of `alg` (P-256 or RSA 2048/3072; SM2 is refused: PKCS#11 has no standard
 * SM2 mechanism and SoftHSM2 none) in the token labelled `token`, the private half CKA_TOKEN,
 * CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, labelled `label` with a random CKA_ID.
 * ESEAL_EEXISTS when the token already holds an object labelled `label`. The URI of the new key
 * (token, object and id) is written to `uri_out`. */
ES_RESULT es_p11_key_generate(es_buf *uri_out, const char *module, const char *token, eseal_key_alg alg,
                              const char *label, const es_p11_pin *pin);

/* Checks, before anything is made in it, that the token labelled `token` is present, takes `pin`
 * (the same errors as es_p11_key_open) and can generate P-256 and RSA key pairs. */
ES_RESULT es_p11_token_check(const char *module, const char *token, const es_p11_pin *pin);

/* What a failed C_Login means, from its CKR code and the token's flags after it (CKF_USER_PIN_*),
 * as the message es_p11_key_open gives: exposed for the unit test of CKR_PIN_LOCKED, which
 * SoftHSM2 never reports. Never includes the PIN. */
ES_RESULT es_p11_login_error(unsigned long ckr, unsigned long token_flags, const char *token_label);

#endif
