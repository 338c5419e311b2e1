/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Imprints inside the drawing module (eseal-draw.so, seal/draw.h): the path being built, fonts,
 * layout.
 *
 * ../imprint.c          public API (in the library): templates, outline accessors, calls of the module
 * ../imprint_png.c      checks of scanned PNG imprints (in the library: untrusted input, libpng)
 * imprint_render.c      spec checks, rendering to PNG/SVG/PDF, the outline
 * imprint_layout.c      geometry: border, star, characters one by one -> es_ipath
 * imprint_font.c        FreeType faces loaded by file name (no fontconfig), cached
 * imprint_png_write.c   the indexed PNG of a rendering (libpng)
 * qr.c                  QR codes (libqrencode)
 * report_draw.c         page-flowed A4 documents (the PDF verification report)
 * module.c              the module's entry and table
 */
#ifndef ES_IMPRINT_INT_H
#define ES_IMPRINT_INT_H

#include <cairo.h>

#include "eseal/imprint.h"
#include "seal/draw.h"
#include "util/util.h"

/* ---- the path: ops and points in mm, origin top-left, y down ------------- */

typedef struct {
    es_buf ops; /* one uint8_t eseal_imprint_op per operation */
    es_buf pts; /* doubles x,y: 1 point per MOVE/LINE, 3 per CURVE */
    size_t nops;
    size_t npts;
} es_ipath;

/* Hard caps: 40 arc characters of a dense font stay far below these. */
#define ES_IPATH_MAX_OPS ((size_t)1 << 20)
#define ES_IMPRINT_ARC_SWEEP_MIN 60 /* degrees of arc text: less crowds the glyphs into a clump */
#define ES_IMPRINT_ARC_SWEEP_MAX 300 /* degrees of arc text: more closes the ring over the bottom text */
#define ES_IMPRINT_FONT_MAX_FACES 256 /* faces of one font file (a .ttc index); FreeType's index is 16 bits, real files have a few */
#define ES_PNG_IHDR_END 33 /* PNG signature (8) + IHDR length, type, 13 bytes of data and CRC (PNG §5.3, §11.2.2) */

void es_ipath_init(es_ipath *p);
void es_ipath_free(es_ipath *p);
ES_RESULT es_ipath_move(es_ipath *p, double x, double y);
ES_RESULT es_ipath_line(es_ipath *p, double x, double y);
ES_RESULT es_ipath_curve(es_ipath *p, double x1, double y1, double x2, double y2, double x3, double y3);
ES_RESULT es_ipath_close(es_ipath *p);
/* Replays the path into a cairo context (current user space = mm). */
void es_ipath_to_cairo(const es_ipath *p, cairo_t *cr);

/* ---- fonts ------------------------------------------------------------------ */

/*
 * A font face by file and face index, loaded once per process with FreeType
 * and kept (at most ES_FONT_CACHE faces; more is ESEAL_ELIMIT). The cairo
 * face is shared: cairo-ft locks the FT_Face around every use.
 */
#define ES_FONT_CACHE 8

typedef struct {
    cairo_font_face_t *face; /* owned by the cache */
    const char *family;      /* "AR PL UMing CN" */
    const char *path;
} es_font;

/* `bold`: synthetic emboldening (one face per file, index and weight). */
ES_RESULT es_font_get(es_font *out, const char *path, int index, bool bold);

/* ---- layout ----------------------------------------------------------------- */

/* A spec whose defaults have been resolved (every length > 0) and texts decoded. */
#define ES_TEXT_MAX 40

typedef struct {
    uint32_t cp[ES_TEXT_MAX];
    size_t n;
} es_text;

typedef struct {
    eseal_imprint_shape shape;
    double w, h;          /* mm */
    double border;
    int star;
    double star_d;
    double arc_h;         /* arc character height */
    double arc_sweep;     /* degrees, 0: auto */
    int double_border;
    es_text arc, center, bottom, person;
    uint32_t color;
    es_font cjk, latin;
} es_ispec;

/* Checks and resolves a public spec: every error names the field. */
ES_RESULT es_ispec_resolve(es_ispec *out, const eseal_imprint_spec *spec);

/* Draws the resolved spec into `out`. */
ES_RESULT es_imprint_layout(es_ipath *out, const es_ispec *s);

/* Default geometry by size (docs/imprints.md, research platforms.md §2.3). */
double es_imprint_default_border(eseal_imprint_shape shape, double w, double h);
double es_imprint_default_star(eseal_imprint_shape shape, double w, double h);
double es_imprint_default_arc_h(eseal_imprint_shape shape, double w, double h);

/* ---- PNG output ------------------------------------------------------------- */

/*
 * `surf` (ARGB32, painted with `color` only) as a 4- or 2-bit indexed PNG with tRNS
 * appended to `out`: the ink at 8 (or 4) alpha levels, each pixel's alpha rounded
 * to the nearest; any pixel that is not the ink is ESEAL_ERROR (internal).
 */
ES_RESULT es_imprint_png_indexed(es_buf *out, cairo_surface_t *surf, uint32_t color);

/* ---- the module's table (seal/draw.h) ------------------------------------------------ */

ES_RESULT es_imprint_draw_render(es_buf *out, const eseal_imprint_spec *spec, eseal_imprint_format fmt,
                                 unsigned int dpi);
ES_RESULT es_imprint_draw_path(eseal_imprint_outline **out, const eseal_imprint_spec *spec);
ES_RESULT es_draw_qr(es_buf *cells, int *width, const char *text);
ES_RESULT es_draw_doc_pdf(es_buf *out, const es_draw_doc *doc);

/* Where cairo writes a vector surface (cairo_svg/pdf_surface_create_for_stream with es_draw_sink_write):
 * appended to buf; failed is set when it could not grow (cairo then fails the surface). */
typedef struct {
    es_buf *buf;
    bool failed;
} es_draw_sink;
cairo_status_t es_draw_sink_write(void *closure, const unsigned char *data, unsigned int len);

#endif
