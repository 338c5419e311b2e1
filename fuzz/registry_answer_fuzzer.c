/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry answers (src/trustlist/registry_answer.c) over arbitrary bytes, issue 24.
 * Properties: checked with a fixed P-256 key (the one the seeds are signed with), an answer reads
 * OK, EMALFORMED, EVERIFY or ELIMIT and nothing else, and one that reads has a status of the four
 * and its kid is that key's SHA-256; the kid reader answers OK, EMALFORMED or ELIMIT. The same bytes
 * go to the payload reader alone (a fuzzer cannot forge a signature): a payload it reads signs again
 * with the fixed key and reads back to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eseal/trustlist.h"
#include "fuzz_fixed_p256.h"
#include "trustlist/tl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static eseal_key *key;
static eseal_buf spki;
static char pin[65];

static void init(void)
{
    if (key != NULL) {
        return;
    }
    if (eseal_key_load_mem(&key, fuzz_fixed_p256_pem, sizeof(fuzz_fixed_p256_pem) - 1, NULL, 0) != ESEAL_OK ||
        eseal_key_public_der(&spki, key) != ESEAL_OK || eseal_key_spki_sha256(pin, key) != ESEAL_OK) {
        abort();
    }
}

static bool str_eq(const char *a, const char *b) { return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0); }

static bool known_status(const char *s)
{
    return strcmp(s, "active") == 0 || strcmp(s, "suspended") == 0 || strcmp(s, "revoked") == 0 ||
           strcmp(s, "unknown") == 0;
}

static void resign(const eseal_registry_answer *a)
{
    eseal_buf out = ESEAL_BUF_INIT;
    if (eseal_registry_answer_sign(&out, a, key) != ESEAL_OK) {
        abort(); /* the reader took something the writer refuses */
    }
    eseal_registry_answer_doc *d = NULL;
    if (eseal_registry_answer_parse(&d, out.ptr, out.size, spki.ptr, spki.size) != ESEAL_OK) {
        abort();
    }
    const eseal_registry_answer *b = eseal_registry_answer_get(d);
    if (!str_eq(a->esid, b->esid) || !str_eq(a->status, b->status) || a->since_ms != b->since_ms ||
        !str_eq(a->reason, b->reason) || a->at_ms != b->at_ms || a->produced_ms != b->produced_ms ||
        a->next_update_ms != b->next_update_ms || !str_eq(a->platform, b->platform)) {
        abort();
    }
    eseal_registry_answer_free(d);
    eseal_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    eseal_registry_answer_doc *d = NULL;
    int rc = eseal_registry_answer_parse(&d, data, size, spki.ptr, spki.size);
    if (rc == ESEAL_OK) {
        char kid[65];
        if (!known_status(eseal_registry_answer_get(d)->status) ||
            eseal_registry_answer_kid(kid, data, size) != ESEAL_OK || strcmp(kid, pin) != 0) {
            abort();
        }
        eseal_registry_answer_free(d);
    } else if (rc != ESEAL_EMALFORMED && rc != ESEAL_EVERIFY && rc != ESEAL_ELIMIT) {
        abort();
    }
    char kid[65];
    rc = eseal_registry_answer_kid(kid, data, size);
    if (rc == ESEAL_OK ? !es_is_lower_hex(kid, 64) || kid[64] != '\0'
                       : (rc != ESEAL_EMALFORMED && rc != ESEAL_ELIMIT)) {
        abort();
    }
    es_result r = es_registry_answer_parse_payload(&d, es_span_of(data, size));
    if (es_ok(r)) {
        if (!known_status(eseal_registry_answer_get(d)->status)) {
            abort();
        }
        resign(eseal_registry_answer_get(d));
        eseal_registry_answer_free(d);
    } else if (es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
        abort();
    }
    return 0;
}
