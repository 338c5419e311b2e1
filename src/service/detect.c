/* SPDX-License-Identifier: Apache-2.0 */
/* What a file handed to verification is, by its first bytes (eseal_file_kind_detect). */
#include <string.h>

#include "service.h"

/* DER of the OID id-signedData 1.2.840.113549.1.7.2 (RFC 5652 §5.1), with its tag and length. */
static const uint8_t SIGNED_DATA_OID[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};

/* A ContentInfo SEQUENCE (definite or indefinite length) whose first member is id-signedData. */
static bool is_cms_der(const uint8_t *p, size_t len)
{
    if (len < 2 || p[0] != 0x30) {
        return false;
    }
    size_t off = 2;
    if (p[1] == 0x80) {
        off = 2; /* BER indefinite length */
    } else if (p[1] > 0x80) {
        size_t n = p[1] & 0x7F;
        if (n > 4) {
            return false;
        }
        off = 2 + n;
    }
    return len >= off + sizeof(SIGNED_DATA_OID) && memcmp(p + off, SIGNED_DATA_OID, sizeof(SIGNED_DATA_OID)) == 0;
}

static ES_RESULT detect(eseal_file_kind *out, const uint8_t *p, size_t len, const char *name)
{
    ES_ENSURE_ARG(out != NULL && (p != NULL || len == 0));
    const char *what = name != NULL ? name : "the file";
    ES_ENSURE(len > 0, ESEAL_EMALFORMED, "%s is empty", what);
    if (len >= 5 && memcmp(p, "%PDF-", 5) == 0) {
        *out = ESEAL_FILE_PDF;
    } else if (len >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) {
        *out = ESEAL_FILE_OFD;
    } else if (is_cms_der(p, len) || (len >= 11 && memcmp(p, "-----BEGIN ", 11) == 0)) {
        *out = ESEAL_FILE_CMS;
    } else {
        ES_BAIL(ESEAL_EMALFORMED, "%s is not a PDF, OFD or CMS file", what);
    }
    return ES_OK;
}

int eseal_file_kind_detect(eseal_file_kind *out, const void *p, size_t len, const char *name)
{
    return es_code(detect(out, p, len, name));
}
