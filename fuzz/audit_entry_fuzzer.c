/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audit entries (src/auditlog/entry.c, docs/audit-log.md) over arbitrary bytes.
 * Properties: the parser answers OK, ESEAL_EMALFORMED or ESEAL_ELIMIT only; an entry that
 * parses has one encoding, the input itself (eseal_audit_entry_encode of the parsed entry gives
 * back exactly its bytes: the log's leaf hashes depend on it), so every optional line (`org`,
 * `actor-kind`, `policy-rule`...) is either absent or in its one place; and the core length
 * (what an entry's own time token covers) ends right before a `time-proof` line, or is the whole
 * entry when it has none.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eseal/eseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eseal_audit_entry_parsed p;
    int rc = eseal_audit_entry_parse(&p, data, size);
    if (rc != ESEAL_OK) {
        if (rc != ESEAL_EMALFORMED && rc != ESEAL_ELIMIT) {
            abort();
        }
        eseal_error_clear();
        return 0;
    }
    eseal_buf again = ESEAL_BUF_INIT;
    if (eseal_audit_entry_encode(&again, &p.e) != ESEAL_OK || again.size != size ||
        memcmp(again.ptr, data, size) != 0) {
        abort(); /* an entry that parses is its own canonical encoding */
    }
    size_t core = eseal_audit_entry_core_len(data, size);
    static const char tp[] = "time-proof ";
    bool has_proof = p.e.time_proof_kind != NULL;
    if (core > size || (has_proof && (core >= size || size - core < sizeof(tp) - 1 ||
                                      memcmp(data + core, tp, sizeof(tp) - 1) != 0)) ||
        (!has_proof && core != size)) {
        abort();
    }
    eseal_buf_dispose(&again);
    eseal_audit_entry_parsed_dispose(&p);
    return 0;
}
