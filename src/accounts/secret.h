/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secrets of the accounts room (src/accounts): password hashes, password quality, and the
 * random credentials handed to people and programs (API tokens, session ids, CSRF tokens).
 *
 * Passwords are hashed with argon2id (RFC 9106) through Debian's libargon2 and checked for
 * quality with libpwquality (cracklib's dictionary). Both live in the module eseal-pw.so
 * (src/accounts/mod/, pw_module.h), loaded by the first call that needs it, so that commands
 * which never see a password (verify, stamp, version) do not load either library (issue 18).
 * The salt comes from the host's CSPRNG (es_random) and is handed to the module.
 *
 * A password is never stored, logged or kept: only its encoded hash (the PHC string
 * "$argon2id$v=19$m=...,t=...,p=...$SALT$HASH"). Credentials are 32 random bytes, shown once,
 * stored only as their SHA-256 (a credential has 256 bits of entropy: a slow hash buys nothing).
 */
#ifndef ES_ACCOUNTS_SECRET_H
#define ES_ACCOUNTS_SECRET_H

#include "util/util.h"

/* A password: 1 to this many bytes of UTF-8, no NUL (longer ones are refused, not cut). */
#define ES_PASSWORD_MAX 1024
/* The encoded argon2id hash with its parameters and salt: "$argon2id$v=19$m=4294967295,t=...". */
#define ES_PW_HASH_MAX 192
/* A credential as handed out: a prefix of at most 8 characters and 43 base64url characters. */
#define ES_CRED_MAX 64
/* The stored form of a credential: its SHA-256 in lower-case hex. */
#define ES_CRED_DIGEST_HEX 65

typedef struct {
    uint32_t t_cost;     /* passes */
    uint32_t m_cost_kib; /* memory, KiB */
    uint32_t lanes;      /* parallelism */
} es_pw_params;

/* The parameters new hashes use (documented in docs/accounts.md with how they were tuned: about
 * 50 ms for one hash on the project's 2-core machine). ESEAL_PW_PARAMS="t,m_kib,p" overrides
 * them for tests (bounded: t 1..10, m 8..1048576 KiB, p 1..4; anything else is ignored).
 * Added: m must also be at least 8p KiB (RFC 9106 §3.1; libargon2 refuses less), and the variable
 * is read with secure_getenv (ignored in setuid programs). */
es_pw_params es_pw_params_default(void);

/* Hashes `password` (NUL-terminated, 1..ES_PASSWORD_MAX bytes) with a fresh 16-byte salt.
 * ESEAL_EINVAL for an empty or too long password.
 * Added: `p` NULL means es_pw_params_default(); parameters outside the bounds above are ESEAL_EINVAL.
 * The tag is 32 bytes. On failure `out` is "". */
ES_RESULT es_pw_hash(char out[ES_PW_HASH_MAX], const char *password, const es_pw_params *p);

/* Checks `password` against an encoded hash: *ok true or false. A hash that is not an argon2id
 * PHC string of bounded parameters is ESEAL_EMALFORMED (never "ok"). Constant time in the
 * password (libargon2's argon2_verify compares in constant time).
 * Added: the bounds are m <= 1048576 KiB (1 GiB), t 1..10, p 1..4, m >= 8p, salt and hash 8..64
 * bytes, the string shorter than ES_PW_HASH_MAX, version 19 only; they are checked before the
 * module is loaded. A password that es_pw_hash would refuse (empty, too long) is ESEAL_EINVAL. */
ES_RESULT es_pw_verify(const char *encoded, const char *password, bool *ok);

/* The same work as es_pw_verify for a login that does not exist, so that the time of a failed
 * login does not tell whether the login exists.
 * Added: one hash with es_pw_params_default(); nothing for a password es_pw_verify refuses at once. */
void es_pw_burn(const char *password);

/* True when `encoded` was made with other parameters than `p` (the caller rehashes on the next
 * successful login).
 * Added: also true for another salt or tag length than ours (16, 32) and for a hash that does not
 * parse (es_pw_verify refuses that one anyway). Never loads the module. */
bool es_pw_needs_rehash(const char *encoded, const es_pw_params *p);

/* Password quality (libpwquality with its default settings and cracklib's dictionary; `login`,
 * may be NULL, is compared too): ESEAL_OK, or ESEAL_EINVAL with "password too weak: <why>" in
 * eseal_error_last() (libpwquality's own message for the reason).
 * Added: /etc/security/pwquality.conf applies on top of the defaults (pwquality_read_config);
 * a password longer than ES_PASSWORD_MAX is ESEAL_EINVAL "password: longer than 1024 bytes";
 * libpwquality failing (configuration unreadable, dictionary missing) is ESEAL_EIO. */
ES_RESULT es_pw_quality(const char *password, const char *login);

/* A new credential: `prefix` (0..8 characters of [a-z_], e.g. "esk_" for API tokens, "" for
 * session ids) then 43 base64url characters of 32 bytes from es_random.
 * Added: NULL is ""; another prefix is ESEAL_EINVAL (and `out` is ""). */
ES_RESULT es_cred_new(char out[ES_CRED_MAX], const char *prefix);

/* The stored form of a credential: SHA-256 of its characters, lower-case hex.
 * Added: a credential of 0 or ES_CRED_MAX or more characters is ESEAL_EINVAL (never digested). */
ES_RESULT es_cred_digest(char hex[ES_CRED_DIGEST_HEX], const char *cred);

/* A credential compared with a stored digest in constant time.
 * Added: false for a digest that is not 64 lower-case hex digits and for a refused credential. */
bool es_cred_matches(const char *cred, const char *digest_hex);

#endif
