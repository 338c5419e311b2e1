/* SPDX-License-Identifier: Apache-2.0 */
/* Comparison in constant time (crypto.h, es_ct_equal). */
#include <openssl/crypto.h>

#include "crypto.h"

bool es_ct_equal(const void *a, const void *b, size_t n) { return n == 0 || CRYPTO_memcmp(a, b, n) == 0; }
