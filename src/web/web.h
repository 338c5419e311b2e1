/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web pages' files (web/ at the repository root, docs/web.md), embedded into the library at
 * build time: scripts/web_embed.cmake turns every file of web/ into a byte array and one table,
 * so that `eseal serve` needs no data directory and a report writer can inline the same files
 * (the HTML report embeds web/report-view.js). A layer of its own just above util: it includes
 * nothing of the library, and every layer above (the server, the report writers) may read it.
 */
#ifndef ES_WEB_H
#define ES_WEB_H

#include <stddef.h>

typedef struct {
    const char *name;          /* its path under web/: "verify.html", "i18n/en.json" */
    const char *content_type;  /* chosen by its extension at build time ("text/html; charset=utf-8") */
    const unsigned char *bytes; /* followed by a NUL that `len` does not count (text reads as a C string) */
    size_t len;
} es_web_asset;

/* The table the build generates (build/generated/web_assets.c), sorted by name; use the functions. */
extern const es_web_asset es_web_assets[];
extern const size_t es_web_assets_count;

/* The embedded file named exactly `name` (no normalisation: "./x", "a//b", "../x" name nothing),
 * NULL when there is none or name is NULL. */
const es_web_asset *es_web_asset_find(const char *name);
/* How many files are embedded, and the i-th by name order (NULL past the end). */
size_t es_web_asset_count(void);
const es_web_asset *es_web_asset_at(size_t i);

#endif
