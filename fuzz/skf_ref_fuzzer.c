/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SKF key refs "skf:dev=...;app=...;con=..." (es_skf_ref_parse, src/crypto/skf.c) over arbitrary bytes,
 * given with their length and no NUL (the copy is exactly `size` bytes: a read past it is the sanitizer's).
 * Properties: a refusal is ESEAL_EMALFORMED or ESEAL_ELIMIT; an accepted ref has a container, names
 * without NUL and within ES_SKF_NAME_MAX; and the names written back (every byte that is not plainly
 * allowed as %XX) parse to the same names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(char *out, size_t *n, const char *attr, const char *v)
{
    if (v[0] == '\0') {
        return;
    }
    *n += (size_t)snprintf(out + *n, 4096 - *n, "%s%s=", *n > 4 ? ";" : "", attr);
    for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++) {
        bool plain = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
        *n += plain ? (size_t)snprintf(out + *n, 4096 - *n, "%c", *c) : (size_t)snprintf(out + *n, 4096 - *n, "%%%02X", *c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    if (size > 0) {
        memcpy(text, data, size);
    }
    es_skf_ref r;
    es_result res = es_skf_ref_parse(&r, text, size);
    free(text);
    if (!es_ok(res)) {
        if (es_code(res) != ESEAL_EMALFORMED && es_code(res) != ESEAL_ELIMIT) {
            abort();
        }
        return 0;
    }
    if (r.con[0] == '\0' || strlen(r.dev) > ES_SKF_NAME_MAX || strlen(r.app) > ES_SKF_NAME_MAX ||
        strlen(r.con) > ES_SKF_NAME_MAX) {
        abort();
    }
    /* Written back with every non-alphanumeric byte escaped: the same names (when it fits a ref). */
    char again[4096] = "skf:";
    size_t n = 4;
    put(again, &n, "dev", r.dev);
    put(again, &n, "app", r.app);
    put(again, &n, "con", r.con);
    es_skf_ref r2;
    res = es_skf_ref_parse(&r2, again, n);
    if (n <= ES_SKF_REF_MAX) {
        if (!es_ok(res) || strcmp(r.dev, r2.dev) != 0 || strcmp(r.app, r2.app) != 0 || strcmp(r.con, r2.con) != 0) {
            abort();
        }
    } else if (es_code(res) != ESEAL_ELIMIT) {
        abort();
    }
    return 0;
}
