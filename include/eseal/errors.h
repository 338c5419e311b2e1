/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — error model.
 *
 * Public calls return ESEAL_OK (0) or one of the negative codes below. The
 * thread-local eseal_error_last() then describes the failure in one line, set
 * once where the problem was found (for example
 * "keyfile: wrong passphrase for /var/eseal/keys/ca.key").
 *
 * A verification that ran returns ESEAL_OK with a verdict (see report.h);
 * only "could not evaluate" is an error.
 */
#ifndef ESEAL_ERRORS_H
#define ESEAL_ERRORS_H

#include "common.h"

ESEAL_BEGIN_DECL

/* X-macro: code, value, short description. Kept in one table (errors.c). */
#define ESEAL_ERROR_TABLE(X)                                                   \
    X(ESEAL_OK, 0, "success")                                                  \
    X(ESEAL_ERROR, -1, "generic error")                                        \
    X(ESEAL_ENOMEM, -2, "out of memory")                                       \
    X(ESEAL_EINVAL, -3, "invalid argument")                                    \
    X(ESEAL_EMALFORMED, -4, "malformed input")                                 \
    X(ESEAL_ELIMIT, -5, "input exceeds a limit")                               \
    X(ESEAL_ENOTFOUND, -6, "not found")                                        \
    X(ESEAL_ECRYPTO, -7, "cryptographic library failure")                      \
    X(ESEAL_EIO, -8, "input/output error")                                     \
    X(ESEAL_ESTORE, -9, "store failure")                                       \
    X(ESEAL_EPASS, -10, "wrong passphrase")                                    \
    X(ESEAL_EUNSUPPORTED, -11, "unsupported algorithm or feature")             \
    X(ESEAL_EEXISTS, -12, "already exists")                                    \
    X(ESEAL_ESTATE, -13, "operation not allowed in this state")                \
    X(ESEAL_EAMBIGUOUS, -14, "ambiguous identifier")                           \
    X(ESEAL_EVERIFY, -15, "verification failed")                               \
    X(ESEAL_ECANCELED, -16, "cancelled")                                       \
    X(ESEAL_EDENIED, -17, "not authorised")                                    \
    X(ESEAL_EAUTH, -18, "not authenticated")                                   \
    X(ESEAL_ERATE, -19, "too many attempts")

typedef enum {
#define ESEAL_X_ENUM(name, value, text) name = value,
    ESEAL_ERROR_TABLE(ESEAL_X_ENUM)
#undef ESEAL_X_ENUM
} eseal_code;

/** The last error of the calling thread. Owned by the library; valid until the next failing call. */
typedef struct {
    int code;            /**< an eseal_code */
    const char *message; /**< one line, no trailing newline; never NULL */
    const char *where;   /**< "crypto/cms.c:214": for developers, never shown to remote users */
    /**
     * A stable name of why an action was refused, finer than `code` ("NO_GRANT", "GRANT_EXPIRED":
     * eseal/governance.h ESEAL_REFUSAL_*; the API's problem+json `code`), or "" when none.
     */
    const char *reason;
} eseal_error;

/** Returns the calling thread's last error (code ESEAL_OK and "" when none). Never NULL. */
ESEAL_EXTERN(const eseal_error *) eseal_error_last(void);

/** Clears the calling thread's last error. */
ESEAL_EXTERN(void) eseal_error_clear(void);

/** "ESEAL_EMALFORMED" for ESEAL_EMALFORMED; "ESEAL_UNKNOWN" for anything else. */
ESEAL_EXTERN(const char *) eseal_code_name(int code);

/** A short generic description of `code` ("malformed input"). */
ESEAL_EXTERN(const char *) eseal_code_text(int code);

ESEAL_END_DECL

#endif
