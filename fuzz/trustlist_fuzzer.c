/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust lists (src/trustlist) over arbitrary bytes, issue 24.
 * Properties: eseal_trustlist_parse answers OK, EMALFORMED, EVERIFY or ELIMIT and nothing else; a list
 * it reads is within the limits, names its key by the SHA-256 of that key, and reports a previous key
 * only with a rotation statement. A fuzzer cannot forge a signature, so the same bytes also go to the
 * LoTE payload reader alone (es_trustlist_parse_payload); a payload it reads (small enough to sign
 * cheaply) must sign again with a fixed key, and the signed list must read back to the same fields:
 * the reader takes nothing the writer refuses, and the writer writes what the reader reads.
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

static void init(void)
{
    if (key == NULL && eseal_key_load_mem(&key, fuzz_fixed_p256_pem, sizeof(fuzz_fixed_p256_pem) - 1, NULL, 0) != 0) {
        abort();
    }
}

static bool str_eq(const char *a, const char *b) { return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0); }

static bool bytes_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void check_list(const eseal_trustlist *tl)
{
    size_t n = eseal_trustlist_entity_count(tl);
    if (n > ESEAL_TRUSTLIST_MAX_ENTITIES || eseal_trustlist_entity(tl, n) != NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        const eseal_tl_entity *e = eseal_trustlist_entity(tl, i);
        if (e == NULL || e->name == NULL || e->service_count > ESEAL_TRUSTLIST_MAX_SERVICES) {
            abort();
        }
        for (size_t k = 0; k < e->service_count; k++) {
            const eseal_tl_service *s = &e->services[k];
            if (s->name == NULL || eseal_tl_service_type_uri(s->type) == NULL ||
                (s->cert_len == 0 && s->spki_len == 0) || s->cert_len > ESEAL_TRUSTLIST_MAX_CERT ||
                s->spki_len > ESEAL_TRUSTLIST_MAX_CERT || s->history_count > ESEAL_TRUSTLIST_MAX_HISTORY) {
                abort();
            }
        }
    }
}

static void same_lists(const eseal_trustlist *a, const eseal_trustlist *b)
{
    const eseal_tl_info *x = eseal_trustlist_info(a), *y = eseal_trustlist_info(b);
    if (x->list_of_lists != y->list_of_lists || x->sequence != y->sequence || x->issued_ms != y->issued_ms ||
        x->next_update_ms != y->next_update_ms || !str_eq(x->operator_name, y->operator_name) ||
        !str_eq(x->scheme_name, y->scheme_name) || !str_eq(x->territory, y->territory) ||
        !str_eq(x->distribution_point, y->distribution_point) ||
        eseal_trustlist_entity_count(a) != eseal_trustlist_entity_count(b)) {
        abort();
    }
    for (size_t i = 0; i < eseal_trustlist_entity_count(a); i++) {
        const eseal_tl_entity *e = eseal_trustlist_entity(a, i), *f = eseal_trustlist_entity(b, i);
        if (!str_eq(e->name, f->name) || !str_eq(e->info_uri, f->info_uri) || e->service_count != f->service_count) {
            abort();
        }
        for (size_t k = 0; k < e->service_count; k++) {
            const eseal_tl_service *s = &e->services[k], *t = &f->services[k];
            if (s->type != t->type || !str_eq(s->name, t->name) || !bytes_eq(s->cert_der, s->cert_len, t->cert_der,
                                                                               t->cert_len) ||
                !bytes_eq(s->spki_der, s->spki_len, t->spki_der, t->spki_len) || !str_eq(s->note_key, t->note_key) ||
                !str_eq(s->supply_point, t->supply_point) || s->status.withdrawn != t->status.withdrawn ||
                s->status.since_ms != t->status.since_ms || s->history_count != t->history_count) {
                abort();
            }
            for (size_t h = 0; h < s->history_count; h++) {
                if (s->history[h].withdrawn != t->history[h].withdrawn ||
                    s->history[h].since_ms != t->history[h].since_ms) {
                    abort();
                }
            }
        }
    }
}

/* A payload the reader takes signs again and reads back the same. */
static void resign(const eseal_trustlist *tl)
{
    size_t n = eseal_trustlist_entity_count(tl);
    eseal_tl_entity *ents = n > 0 ? calloc(n, sizeof(*ents)) : NULL;
    if (n > 0 && ents == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        ents[i] = *eseal_trustlist_entity(tl, i);
    }
    eseal_buf out = ESEAL_BUF_INIT;
    int rc = eseal_trustlist_sign(&out, eseal_trustlist_info(tl), ents, n, key, NULL);
    if (rc != ESEAL_OK) {
        abort(); /* the reader took something the writer refuses */
    }
    eseal_trustlist *back = NULL;
    if (eseal_trustlist_parse(&back, out.ptr, out.size) != ESEAL_OK) {
        abort();
    }
    same_lists(tl, back);
    eseal_trustlist_free(back);
    eseal_buf_dispose(&out);
    free(ents);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    eseal_trustlist *tl = NULL;
    int rc = eseal_trustlist_parse(&tl, data, size);
    if (rc == ESEAL_OK) {
        check_list(tl);
        size_t spki_len = 0;
        const uint8_t *spki = eseal_trustlist_key_spki(tl, &spki_len);
        char hex[65];
        if (eseal_spki_sha256(hex, spki, spki_len) != ESEAL_OK || strcmp(hex, eseal_trustlist_key_sha256(tl)) != 0) {
            abort();
        }
        const char *prev = eseal_trustlist_previous_key_sha256(tl);
        if (prev != NULL && (strlen(prev) != 64 || strcmp(prev, hex) == 0 ||
                             strstr(eseal_trustlist_json(tl), "eseal:KeyRotation") == NULL)) {
            abort();
        }
        eseal_trustlist_free(tl);
    } else if (rc != ESEAL_EMALFORMED && rc != ESEAL_EVERIFY && rc != ESEAL_ELIMIT) {
        abort();
    }

    es_result r = es_trustlist_parse_payload(&tl, es_span_of(data, size));
    if (es_ok(r)) {
        check_list(tl);
        if (size <= 65536) {
            resign(tl);
        }
        eseal_trustlist_free(tl);
    } else if (es_code(r) != ESEAL_EMALFORMED && es_code(r) != ESEAL_ELIMIT) {
        abort();
    }
    return 0;
}
