/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file platform.h
 * The platform's front door: who is acting.
 *
 * Every operation that changes state (a stamp, a seal's lifecycle, a certificate, the audit log)
 * is asked for by a principal: who (a local operator, a user of an organisation with roles, a
 * device) and from where. The platform authorises the principal (src/policy) and records it in
 * the audit entry of the change, in one place.
 */
#ifndef ESEAL_PLATFORM_H
#define ESEAL_PLATFORM_H

#include "eseal/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESEAL_PRINCIPAL_VERSION 1

typedef enum {
    ESEAL_PRINCIPAL_OPERATOR = 1, /**< the local operator of the platform (the CLI on its machine) */
    ESEAL_PRINCIPAL_USER = 2,     /**< a user of an organisation, with roles (the server) */
    ESEAL_PRINCIPAL_DEVICE = 3,   /**< a device or program acting on its own */
} eseal_principal_kind;

/** Who is acting, and from where. Strings are borrowed for the call. */
typedef struct {
    unsigned int version;        /**< ESEAL_PRINCIPAL_VERSION */
    eseal_principal_kind kind;   /**< 0 is not a principal: refused with ESEAL_EINVAL */
    const char *id;              /**< who: the operator's login name, a user id, a device id (required) */
    const char *organization;    /**< the user's organisation (NULL for the operator) */
    const char *const *roles;    /**< the user's roles in that organisation */
    size_t role_count;
    const char *address;         /**< from where: an IP address, or "local" (NULL: "local") */
    const char *device;          /**< the device or program used, e.g. "eseal-cli" (may be NULL) */
} eseal_principal;

/** Zero except the version; a principal still needs a kind and an id (a zero kind is refused). */
#define ESEAL_PRINCIPAL_INIT { .version = ESEAL_PRINCIPAL_VERSION }

/**
 * Zeroes `who` and sets its version: the same as ESEAL_PRINCIPAL_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_PRINCIPAL_VERSION.
 */
ESEAL_EXTERN(int) eseal_principal_init(eseal_principal *who, unsigned int version);

/** The name of a principal kind: "operator", "user", "device" ("?" otherwise). */
ESEAL_EXTERN(const char *) eseal_principal_kind_name(eseal_principal_kind kind);

/**
 * Checks a principal: a known version and kind, an id of 1..128 printable characters without
 * spaces, at most 32 roles. ESEAL_EINVAL with the reason otherwise.
 */
ESEAL_EXTERN(int) eseal_principal_check(const eseal_principal *who);

#ifdef __cplusplus
}
#endif
#endif
