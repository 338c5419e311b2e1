/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — key backends (advanced API).
 *
 * A key backend is a versioned table of operations. The built-in one keeps an
 * encrypted key file's private key in memory; a PKCS#11 backend (later) signs
 * inside a token. Callers of eseal_key_sign() and of every signing operation
 * (CMS, certificates, seals) never know which backend they use.
 */
#ifndef ESEAL_SYS_KEY_BACKEND_H
#define ESEAL_SYS_KEY_BACKEND_H

#include "../common.h"
#include "../key.h"

ESEAL_BEGIN_DECL

/* 1: sign, public_der, free, openssl_pkey. 2: adds `hardware` (issue 23). */
#define ESEAL_KEY_BACKEND_VERSION 2

typedef struct {
    unsigned int version; /**< ESEAL_KEY_BACKEND_VERSION */
    const char *name;     /**< "file", "pkcs11", ... */
    /**
     * Signs the message `data` (not a digest) with `hash` and `scheme` and
     * writes the signature into `out` in the standard encoding (DER for ECDSA
     * and SM2; SM2 uses ID "1234567812345678"). Returns ESEAL_OK or a code,
     * with eseal_error_last() set.
     */
    int (*sign)(void *ctx, eseal_buf *out, eseal_hash hash, eseal_sig_scheme scheme,
                const uint8_t *data, size_t len);
    /** The public key as DER SubjectPublicKeyInfo. */
    int (*public_der)(void *ctx, eseal_buf *out);
    /** Releases ctx (and wipes any secret it holds). May be NULL. */
    void (*free)(void *ctx);
    /**
     * Optional: an OpenSSL EVP_PKEY (as void *) that signs with this key, for
     * backends reachable through OpenSSL (the file backend, libp11 tokens).
     * Certificate and CRL issuing need it; NULL or a NULL result means the key
     * can make data and CMS signatures only.
     */
    void *(*openssl_pkey)(void *ctx);
    /**
     * Version 2, optional: where the key is held, for a key in hardware (a PKCS#11 token, an SKF
     * device, a seal's chip). Fills `out` (zeroed by the caller) and returns ESEAL_OK; NULL, or
     * ESEAL_ENOTFOUND, for a key held in software. Called when a seal is bound to hardware and each
     * time a bound seal stamps, so it asks the device (the token present, its serial) rather than
     * repeating what it was told when it was opened.
     */
    int (*hardware)(void *ctx, eseal_key_hardware *out);
} eseal_key_backend;

/** Zero except the version: name and the operations are then filled by the backend's author. */
#define ESEAL_KEY_BACKEND_INIT { .version = ESEAL_KEY_BACKEND_VERSION }

/**
 * Zeroes `backend` and sets its version: the same as ESEAL_KEY_BACKEND_INIT. ESEAL_EINVAL for a
 * NULL pointer or a version other than ESEAL_KEY_BACKEND_VERSION.
 */
ESEAL_EXTERN(int) eseal_key_backend_init(eseal_key_backend *backend, unsigned int version);

/**
 * Wraps a backend instance as an eseal_key. On success the key owns `ctx`
 * (backend->free is called by eseal_key_free()); on failure the caller keeps it.
 */
ESEAL_EXTERN(int) eseal_key_from_backend(eseal_key **out, const eseal_key_backend *backend,
                                         void *ctx, const char *label);

ESEAL_END_DECL

#endif
