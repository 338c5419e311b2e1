/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — trust anchors and revocation data for verification.
 *
 * A trust set holds the certificates a verifier accepts as roots, extra
 * intermediate certificates that help build chains, and CRLs. SM2 certificates
 * and CRLs are checked with the ID "1234567812345678" (GM/T 0009).
 */
#ifndef ESEAL_TRUST_H
#define ESEAL_TRUST_H

#include "common.h"
#include "cert.h"

ESEAL_BEGIN_DECL

typedef struct eseal_trust eseal_trust;

ESEAL_EXTERN(int) eseal_trust_new(eseal_trust **out);

/** Adds `cert` as a trust anchor (the trust set keeps its own reference). */
ESEAL_EXTERN(int) eseal_trust_add_anchor(eseal_trust *t, const eseal_cert *cert);

/** Adds an untrusted intermediate that may be used to build chains. */
ESEAL_EXTERN(int) eseal_trust_add_intermediate(eseal_trust *t, const eseal_cert *cert);

/**
 * Adds every certificate of a PEM bundle or DER file as anchors (as_anchor=1)
 * or intermediates (0). A directory adds every *.pem, *.crt, *.cer, *.der in it.
 */
ESEAL_EXTERN(int) eseal_trust_add_path(eseal_trust *t, const char *path, int as_anchor);

/** Adds a CRL (PEM or DER). Its signature is checked when it is used, not here. */
ESEAL_EXTERN(int) eseal_trust_add_crl(eseal_trust *t, const void *data, size_t len);

ESEAL_EXTERN(size_t) eseal_trust_anchor_count(const eseal_trust *t);

ESEAL_EXTERN(void) eseal_trust_free(eseal_trust *t);

ESEAL_END_DECL

#endif
