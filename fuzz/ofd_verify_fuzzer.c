/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OFD verification over untrusted bytes: the package (zip limits), its XML
 * (no DOCTYPE, no entities), Signatures.xml and every Signature.xml, the
 * references, SignedValue.dat (SES_Signature V1/V4/V5) and the embedded seal.
 * Without trust anchors no signature may be VALID.
 */
#include <stdint.h>
#include <stdlib.h>

#include "eseal/eseal.h"
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4u << 20)) {
        return 0;
    }
    eseal_report *r = NULL;
    eseal_ofd_verify_options o = ESEAL_OFD_VERIFY_OPTIONS_INIT;
    o.at_ms = 1622505600000; /* 2021-06-01, inside the sample certificates' validity */
    if (eseal_ofd_verify(&r, data, size, NULL, &o) == ESEAL_OK) {
        fuzz_check_untrusted_report(r);
    }
    return 0;
}
