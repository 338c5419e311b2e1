/* SPDX-License-Identifier: Apache-2.0 */
/* A user principal as the server makes it from a credential (eseal/platform.h), for the unit tests. */
#ifndef ESEAL_TEST_PRINCIPAL_H
#define ESEAL_TEST_PRINCIPAL_H

#include <stddef.h>

#include "eseal/platform.h"

static inline eseal_principal test_user(const char *login, const char *org_id, const char *const *roles, size_t n)
{
    eseal_principal p = ESEAL_PRINCIPAL_INIT;
    p.kind = ESEAL_PRINCIPAL_USER;
    p.id = login;
    p.organization = org_id;
    p.roles = roles;
    p.role_count = n;
    return p;
}

#endif
