/* SPDX-License-Identifier: Apache-2.0 */
/* The password module's implementations (pw.c), gathered into its table by module.c. */
#ifndef ES_ACCOUNTS_MOD_PW_H
#define ES_ACCOUNTS_MOD_PW_H

#include "accounts/pw_module.h"

ES_RESULT es_pwmod_hash(char *out, size_t out_cap, const char *password, size_t pw_len, const uint8_t *salt,
                        size_t salt_len, const es_pw_params *p);
ES_RESULT es_pwmod_verify(const char *encoded, const char *password, size_t pw_len, bool *ok);
ES_RESULT es_pwmod_quality(const char *password, const char *login, bool *ok, char *why, size_t why_cap);

#endif
