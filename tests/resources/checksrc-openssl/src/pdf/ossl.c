/* SPDX-License-Identifier: Apache-2.0 */
/* checksrc must refuse this tree: OpenSSL outside src/crypto. */
#include <openssl/evp.h>
