/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The password module (eseal-pw.so, src/accounts/mod/): argon2id hashes through libargon2 and
 * password quality through libpwquality, loaded by the first call that needs them (util/module.h),
 * so that `eseal version`, `eseal verify` and `eseal stamp` load neither library (issue 18).
 * The host side is accounts/secret.c (secret.h): it checks the arguments, draws the salt from
 * its CSPRNG (the module links no crypto of ours), parses and bounds an encoded hash before it
 * is handed here, and sets the messages the caller sees. The module trusts those checks and
 * bounds nothing twice except what libargon2 itself refuses.
 */
#ifndef ES_ACCOUNTS_PW_MODULE_H
#define ES_ACCOUNTS_PW_MODULE_H

#include "secret.h"
#include "util/module.h"

/* The hash of a password: 32 bytes (RFC 9106 §4 recommends a 256-bit tag); the salt: 16 bytes. */
#define ES_PW_TAG_LEN 32
#define ES_PW_SALT_LEN 16

typedef struct {
    /* argon2id_hash_encoded of password[0..pw_len) with `salt` (ES_PW_SALT_LEN bytes) and `p`
     * into out (ES_PW_HASH_MAX): the PHC string. */
    ES_RESULT (*hash)(char *out, size_t out_cap, const char *password, size_t pw_len, const uint8_t *salt,
                      size_t salt_len, const es_pw_params *p);
    /* argon2id_verify of password[0..pw_len) against `encoded` (already parsed and bounded by
     * the host): *ok true on a match, false on a mismatch; anything else libargon2 says is an error. */
    ES_RESULT (*verify)(const char *encoded, const char *password, size_t pw_len, bool *ok);
    /* pwquality_check with the default settings and the system's configuration: *ok, and when
     * not ok libpwquality's reason (pwquality_strerror) into why[0..why_cap). */
    ES_RESULT (*quality)(const char *password, const char *login, bool *ok, char *why, size_t why_cap);
} es_pw_module;

#endif
