/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eseal_<name>_init functions and the version check of every public entry, from the one
 * table of versioned structs (versions.h).
 */
#include "versions.h"

#include <string.h>

#include "eseal/eseal.h"
#include "eseal/sys/key_backend.h"

typedef struct {
    const char *name; /* eseal_<name>_init */
    const char *what; /* how messages name the struct */
    unsigned int oldest;
    unsigned int current;
} es_version_row;

#define ES_ROW_(name, type, what, oldest, current) {#name, what, oldest, current},
static const es_version_row rows[ES_VID_COUNT] = {ES_VERSIONED(ES_ROW_)};
#undef ES_ROW_

es_result es_version_check(es_vid id, bool present, unsigned int version)
{
    const es_version_row *r = &rows[id];
    if (!present) {
        ES_BAIL(ESEAL_EINVAL, "%s: NULL (start from eseal_%s_init)", r->what, r->name);
    }
    if (version < r->oldest || version > r->current) {
        if (r->oldest < r->current) {
            ES_BAIL(ESEAL_EINVAL, "%s: version %u, this library knows %u to %u (start from eseal_%s_init)", r->what,
                    version, r->oldest, r->current, r->name);
        }
        ES_BAIL(ESEAL_EINVAL, "%s: version %u, this library knows %u (start from eseal_%s_init)", r->what, version,
                r->current, r->name);
    }
    return ES_OK;
}

/* An init function refuses every version but the current one: a caller asking for an older
 * layout compiled against older headers, whose own INIT macro gives it that layout. */
#define ES_INIT_(name, type, what, oldest, current)                                                    \
    int eseal_##name##_init(type *o, unsigned int version)                                             \
    {                                                                                                  \
        if (o == NULL) {                                                                               \
            return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,                              \
                                        "eseal_" #name "_init: NULL " what));                          \
        }                                                                                              \
        if (version != (current)) {                                                                    \
            return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,                              \
                                        "%s: version %u, this library knows %u (start from eseal_%s_init)", \
                                        what, version, (unsigned int)(current), #name));               \
        }                                                                                              \
        memset(o, 0, sizeof(*o));                                                                      \
        o->version = (current);                                                                        \
        return ESEAL_OK;                                                                               \
    }
ES_VERSIONED(ES_INIT_)
#undef ES_INIT_
