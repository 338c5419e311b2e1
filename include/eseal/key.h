/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — private keys.
 *
 * A key is an opaque handle over a backend (an encrypted key file, later a
 * PKCS#11 token; see sys/key_backend.h). Callers sign through it without
 * knowing where the private key lives; token keys never leave the token.
 *
 * Key files are PKCS#8 PEM encrypted with PBES2 (AES-256-CBC, scrypt), created
 * 0600 with O_EXCL and opened with O_NOFOLLOW.
 */
#ifndef ESEAL_KEY_H
#define ESEAL_KEY_H

#include "common.h"

ESEAL_BEGIN_DECL

typedef enum {
    ESEAL_ALG_NONE = 0,
    ESEAL_ALG_SM2,      /**< SM2 (GB/T 32918) with SM3, ID "1234567812345678" */
    ESEAL_ALG_P256,     /**< ECDSA on NIST P-256 */
    ESEAL_ALG_P384,     /**< ECDSA on NIST P-384 */
    ESEAL_ALG_RSA2048,
    ESEAL_ALG_RSA3072,
    ESEAL_ALG_ED25519,
} eseal_key_alg;

/** "sm2", "p256", "p384", "rsa2048", "rsa3072", "ed25519". */
ESEAL_EXTERN(const char *) eseal_key_alg_name(eseal_key_alg alg);

/** Parses the names above; "rsa" means rsa2048, "ecdsa" p256. ESEAL_EUNSUPPORTED otherwise. */
ESEAL_EXTERN(int) eseal_key_alg_from_name(eseal_key_alg *out, const char *name);

/**
 * Where a key in hardware is held (issue 23), as its backend reports it: what binds a seal to a
 * token (docs/seals.md, "Seals bound to hardware"). Every field is a NUL-terminated string, ""
 * when the device does not tell.
 */
typedef struct {
    char kind[16];      /**< "pkcs11" or "skf" */
    char serial[64];    /**< the token's or device's serial number */
    char label[64];     /**< the token's label (PKCS#11) or the device's name (SKF) */
    char key_id[256];   /**< the key on it: an RFC 7512 URI, or skf:dev=...;app=...;con=... */
    char chip_id[64];   /**< a physical seal's chip id, "" for a token */
    char maker[64];     /**< the token's manufacturer, as it says */
} eseal_key_hardware;

/** RSA padding; ignored for other algorithms. */
typedef enum {
    ESEAL_SCHEME_DEFAULT = 0, /**< PKCS#1 v1.5 for RSA */
    ESEAL_SCHEME_RSA_PKCS1,
    ESEAL_SCHEME_RSA_PSS,     /**< PSS, MGF1 with the same hash, salt = hash length */
} eseal_sig_scheme;

typedef struct eseal_key eseal_key;

/** Generates a new key of `alg` in memory. */
ESEAL_EXTERN(int) eseal_key_generate(eseal_key **out, eseal_key_alg alg);

/**
 * Writes `key` to `path` as encrypted PKCS#8 PEM. The file must not exist
 * (ESEAL_EEXISTS); it is created 0600 and synced. `pass` must not be empty.
 * Only keys whose backend holds the private key in memory can be saved.
 */
ESEAL_EXTERN(int) eseal_key_save(const eseal_key *key, const char *path,
                                 const char *pass, size_t pass_len);

/**
 * Loads an encrypted (or, for imports, plain) PKCS#8 / traditional PEM key.
 * ESEAL_EPASS when the passphrase is wrong, ESEAL_EMALFORMED for a corrupt
 * file, ESEAL_EUNSUPPORTED for an algorithm eseal does not sign with.
 */
ESEAL_EXTERN(int) eseal_key_load(eseal_key **out, const char *path,
                                 const char *pass, size_t pass_len);

/** Same as eseal_key_load() from memory. */
ESEAL_EXTERN(int) eseal_key_load_mem(eseal_key **out, const void *pem, size_t len,
                                     const char *pass, size_t pass_len);

ESEAL_EXTERN(eseal_key_alg) eseal_key_algorithm(const eseal_key *key);

/** A label for messages ("file:/path", "pkcs11:token=..."). Never NULL. */
ESEAL_EXTERN(const char *) eseal_key_label(const eseal_key *key);

/** The public key as DER SubjectPublicKeyInfo. */
ESEAL_EXTERN(int) eseal_key_public_der(eseal_buf *out, const eseal_key *key);

/**
 * Where a key in hardware is held: fills `out` from its backend (asking the device now: a removed
 * token is an error, not old news). ESEAL_ENOTFOUND for a key held in software (a key file, a
 * backend without `hardware`); ESEAL_EINVAL for NULL arguments; the backend's error otherwise.
 */
ESEAL_EXTERN(int) eseal_key_hardware_info(const eseal_key *key, eseal_key_hardware *out);

/**
 * Signs `data` (the message, not a digest). For SM2 the signature is over
 * SM3(Z || data) with ID "1234567812345678" and is DER SEQUENCE{r,s}; ECDSA is
 * DER too; Ed25519 ignores `hash` (pass DEFAULT).
 */
ESEAL_EXTERN(int) eseal_key_sign(eseal_buf *out, eseal_key *key, eseal_hash hash,
                                 eseal_sig_scheme scheme, const void *data, size_t len);

/**
 * Verifies a signature made by eseal_key_sign() (or any standard signer) with
 * the public key `spki_der`. Sets *valid to 1 or 0; returns an error only when
 * the check could not run (bad key, unsupported algorithm).
 */
ESEAL_EXTERN(int) eseal_signature_verify(int *valid, const void *spki_der, size_t spki_len,
                                         eseal_hash hash, eseal_sig_scheme scheme,
                                         const void *data, size_t len,
                                         const void *sig, size_t sig_len);

/**
 * Verifies `sig` over `data` with the public half of `key` (parsed once, when
 * the key was made): the fast path for repeated checks against one key.
 */
ESEAL_EXTERN(int) eseal_key_verify(int *valid, const eseal_key *key, eseal_hash hash, eseal_sig_scheme scheme,
                                   const void *data, size_t len, const void *sig, size_t sig_len);

ESEAL_EXTERN(void) eseal_key_free(eseal_key *key);

ESEAL_END_DECL

#endif
