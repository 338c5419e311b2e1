/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fonts for imprints: loaded by file name with FreeType, never looked up
 * through fontconfig, so the same spec draws the same outlines on every
 * machine that has the same font file.
 *
 * Faces are cached for the life of the process. cairo keeps recently used
 * scaled fonts alive after their last reference (its "holdover" cache), so a
 * face handed to cairo cannot be closed at the end of a call anyway; keeping
 * a handful open is cheaper and bounded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include "imprint_int.h"

typedef struct {
    char path[512];
    int index;
    bool bold;
    FT_Face ft;
    cairo_font_face_t *face;
    char family[96];
} font_entry;

static pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;
static FT_Library font_lib;
static font_entry font_cache[ES_FONT_CACHE];
static size_t font_count;

static ES_RESULT load_locked(font_entry *e, const char *path, int index, bool bold)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        ES_ENSURE(err != ENOENT, ESEAL_ENOTFOUND, "imprint: font %s not found (install %s or set font_path)", path,
                  strstr(path, "liberation") != NULL ? "fonts-liberation2" : "fonts-arphic-uming");
        ES_BAIL(ESEAL_EIO, "imprint: font %s: %s", path, strerror(err));
    }
    ES_ENSURE(S_ISREG(st.st_mode), ESEAL_EINVAL, "imprint: font %s is not a regular file", path);
    if (font_lib == NULL) {
        FT_Error fe = FT_Init_FreeType(&font_lib);
        ES_ENSURE(fe == 0, ESEAL_ERROR, "imprint: FreeType initialisation failed (error 0x%02x)", (unsigned)fe);
    }
    FT_Face ft = NULL;
    FT_Error fe = FT_New_Face(font_lib, path, index, &ft);
    if (fe != 0) {
        /* Asking for a face past the end of a collection reports how many there are. */
        FT_Face probe = NULL;
        if (index > 0 && FT_New_Face(font_lib, path, -1, &probe) == 0) {
            long faces = probe->num_faces;
            FT_Done_Face(probe);
            ES_ENSURE(index < faces, ESEAL_EINVAL, "imprint: font %s has %ld faces, no face index %d", path, faces,
                      index);
        }
        ES_BAIL(ESEAL_EUNSUPPORTED, "imprint: cannot load face %d of font %s (FreeType error 0x%02x)", index, path,
                (unsigned)fe);
    }
    if (!FT_IS_SCALABLE(ft) || ft->charmap == NULL) {
        FT_Done_Face(ft);
        ES_BAIL(ESEAL_EUNSUPPORTED, "imprint: font %s face %d is not a scalable Unicode font", path, index);
    }
    /* Outlines only: no hinting, so paths are the designed shapes at any size. */
    cairo_font_face_t *face = cairo_ft_font_face_create_for_ft_face(ft, FT_LOAD_NO_HINTING);
    if (cairo_font_face_status(face) != CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(face);
        FT_Done_Face(ft);
        ES_BAIL(ESEAL_ENOMEM, "imprint: cairo cannot use font %s", path);
    }
    if (bold) {
        /* FT_GlyphSlot_Embolden (em/24) on every outline: engraved seal characters are
         * heavier than a text face; cairo applies it to paths as well. */
        cairo_ft_font_face_set_synthesize(face, CAIRO_FT_SYNTHESIZE_BOLD);
    }
    (void)snprintf(e->path, sizeof(e->path), "%s", path);
    (void)snprintf(e->family, sizeof(e->family), "%s%s%s", ft->family_name != NULL ? ft->family_name : "?",
                   ft->style_name != NULL && strcmp(ft->style_name, "Regular") != 0 ? " " : "",
                   ft->style_name != NULL && strcmp(ft->style_name, "Regular") != 0 ? ft->style_name : "");
    e->index = index;
    e->bold = bold;
    e->ft = ft;
    e->face = face;
    return ES_OK;
}

ES_RESULT es_font_get(es_font *out, const char *path, int index, bool bold)
{
    ES_ENSURE(path != NULL && path[0] != '\0', ESEAL_EINVAL, "imprint: empty font path");
    ES_ENSURE(strlen(path) < sizeof(font_cache[0].path), ESEAL_EINVAL, "imprint: font path too long");
    ES_ENSURE(index >= 0 && index < ES_IMPRINT_FONT_MAX_FACES, ESEAL_EINVAL, "imprint: font index %d out of range 0..%d",
              index, ES_IMPRINT_FONT_MAX_FACES - 1);
    es_result r = ES_OK;
    pthread_mutex_lock(&font_lock);
    font_entry *hit = NULL;
    for (size_t i = 0; i < font_count; i++) {
        if (font_cache[i].index == index && font_cache[i].bold == bold && strcmp(font_cache[i].path, path) == 0) {
            hit = &font_cache[i];
            break;
        }
    }
    if (hit == NULL) {
        if (font_count == ES_FONT_CACHE) {
            r = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                             "imprint: more than %d different fonts in one process", ES_FONT_CACHE);
        } else {
            r = load_locked(&font_cache[font_count], path, index, bold);
            if (es_ok(r)) {
                hit = &font_cache[font_count++];
            }
        }
    }
    pthread_mutex_unlock(&font_lock);
    ES_GUARD(r);
    /* Entries are written once, under the lock, and never change afterwards. */
    out->face = hit->face;
    out->family = hit->family;
    out->path = hit->path;
    return ES_OK;
}
