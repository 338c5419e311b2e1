/* SPDX-License-Identifier: Apache-2.0 */
/* The lookup of the embedded web files (web.h): the table is generated, sorted by name. */
#include <string.h>

#include "web.h"

const es_web_asset *es_web_asset_find(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    /* A binary search over the names (strcmp order, as CMake's list(SORT) writes them). */
    size_t lo = 0, hi = es_web_assets_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, es_web_assets[mid].name);
        if (c == 0) {
            return &es_web_assets[mid];
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

size_t es_web_asset_count(void) { return es_web_assets_count; }

const es_web_asset *es_web_asset_at(size_t i) { return i < es_web_assets_count ? &es_web_assets[i] : NULL; }
