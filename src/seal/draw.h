/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The drawing module (eseal-draw.so, src/seal/draw/): what needs cairo, FreeType or libqrencode,
 * loaded when a command first draws (util/module.h). `eseal verify` and `eseal version` never
 * load it; making a seal, exporting its picture, a QR code and a stamp of a seal made before
 * issue 18's stored outlines (its imprint is drawn again from the seal's stored description) do.
 * A stamp of a newer seal reads the outline kept in the registry (seal/outline.h) and draws nothing.
 *
 * The public imprint API (include/eseal/imprint.h, src/seal/imprint.c) stays in the library:
 * templates and the outline accessors are ours, eseal_imprint_render and eseal_imprint_path call
 * the module. An application linked with libeseal (shared or static) loads the module by itself.
 */
#ifndef ES_SEAL_DRAW_H
#define ES_SEAL_DRAW_H

#include "eseal/imprint.h"
#include "util/module.h"
#include "util/util.h"

/* Shared by the templates (library) and the spec checks (module). */
#define ES_IMPRINT_TAXID_MIN 15 /* an invoice seal's taxpayer ID: the old 15-character number ... */
#define ES_IMPRINT_TAXID_MAX 20 /* ... up to 20 (the 18-character USCC and the longer individual ones) */
#define ES_IMPRINT_SIZE_MIN_MM 10.0
#define ES_IMPRINT_TEXT_MAX_BYTES 256
#define ES_IMPRINT_OUTPUT_MAX_BYTES ((size_t)128 << 20)

/* An imprint outline (eseal_imprint_path): made by the module with the host's allocator, read and
 * freed by the library's accessors. */
struct eseal_imprint_outline {
    double w, h;
    uint32_t color;
    size_t count;
    uint8_t *ops;
    uint32_t *first; /* index of each operation's first point */
    double *pts;
};

/* The largest QR text (bytes) put_qr of the PDF stamp encodes. */
#define ES_QR_MAX_TEXT 512
/* The cells of the largest QR code (version 40: 177 modules a side). */
#define ES_QR_MAX_CELLS ((size_t)177 * 177)

/*
 * A page-flowed document the module lays out on A4 (the PDF verification report, service/report_pdf.c):
 * a list of lines drawn top to bottom, wrapped at the margins, a new page when one is full. The
 * library decides what is said; the module only where it goes on paper (cairo lives here).
 */
typedef enum {
    ES_DRAW_TITLE = 1, /* the document's title: large and bold */
    ES_DRAW_VERDICT,   /* the verdict: very large and bold, in `color` */
    ES_DRAW_HEADING,   /* a section's heading: bold, a rule under it */
    ES_DRAW_FIELD,     /* `label` in a column of its own, `text` beside it, wrapped */
    ES_DRAW_TEXT,      /* a paragraph, wrapped */
    ES_DRAW_PICTURE,   /* a PNG (`png`) `width_mm` wide, `text` (may be NULL) beside it */
    ES_DRAW_SMALL,     /* a paragraph in small type (the header's lines) */
    ES_DRAW_SUBHEADING, /* a group's heading inside a section: bold, in `color` */
} es_draw_kind;

typedef struct {
    es_draw_kind kind;
    const char *label;
    const char *text;
    uint32_t color; /* 0xRRGGBB; 0: black */
    es_span png;
    double width_mm;
} es_draw_line;

/* The caps of a report document: its lines and its size. */
#define ES_DRAW_DOC_MAX_LINES 4096
#define ES_DRAW_DOC_MAX_BYTES ((size_t)64 << 20)

typedef struct {
    const char *title;  /* PDF metadata /Title */
    const char *footer; /* at the foot of every page, with "N" (the page) after it */
    const es_draw_line *lines;
    size_t count;
} es_draw_doc;

typedef struct {
    /* eseal_imprint_render without the argument checks: appends the file to `out`. */
    ES_RESULT (*render)(es_buf *out, const eseal_imprint_spec *spec, eseal_imprint_format fmt, unsigned int dpi);
    /* eseal_imprint_path without the argument checks. */
    ES_RESULT (*path)(eseal_imprint_outline **out, const eseal_imprint_spec *spec);
    /* A QR code (ISO/IEC 18004, level M, 8-bit mode) of `text`: *width modules a side, `cells` gets
     * width*width bytes, row by row, 1 dark and 0 light. */
    ES_RESULT (*qr)(es_buf *cells, int *width, const char *text);
    /* `doc` as an A4 PDF appended to `out` (text in Liberation Sans, CJK in AR PL UMing: the imprint's
     * fonts, ESEAL_IMPRINT_DEFAULT_*FONT). A PNG cairo cannot read is drawn as an empty frame. */
    ES_RESULT (*doc_pdf)(es_buf *out, const es_draw_doc *doc);
} es_draw_module;

/* The drawing module's table, loaded on first use. */
static inline ES_RESULT es_draw_get(const es_draw_module **out)
{
    const void *t = NULL;
    ES_GUARD(es_module_get(&t, "draw", sizeof(es_draw_module)));
    *out = t;
    return ES_OK;
}

#endif
