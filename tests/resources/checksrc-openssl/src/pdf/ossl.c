/* SPDX-License-Identifier: Apache-2.0 */
/* checksrc must refuse this tree: OpenSSL outside src/crypto, directly and through crypto/ossl.h. */
#include <openssl/evp.h>
#include "crypto/ossl.h"
#include "crypto/crypto.h"
