/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — seal imprints: what people see of an electronic seal.
 *
 * An imprint is drawn from a spec (shape, size, texts, colour) as one vector
 * path in millimetres: border, star, and every character placed one by one as
 * its glyph outline (no text objects, no embedded fonts). The same path is
 * rendered to PNG, SVG or PDF, or handed to the PDF/OFD stamping code.
 *
 * Layout follows Chinese seal practice (docs/imprints.md): round seals carry
 * the organisation name on the upper arc, characters radial, evenly spaced,
 * of one height and condensed to fit; a five-pointed star in the centre; a
 * horizontal line (e.g. 合同专用章) under it; the seal code on the lower arc.
 *
 * Scanned physical seals come in as PNG with a transparent background;
 * eseal_imprint_png_check() decides whether one is usable.
 */
#ifndef ESEAL_IMPRINT_H
#define ESEAL_IMPRINT_H

#include "common.h"

ESEAL_BEGIN_DECL

/** Imprint shapes. */
typedef enum {
    ESEAL_IMPRINT_ROUND = 0, /**< circle: width_mm is the diameter */
    ESEAL_IMPRINT_OVAL,      /**< ellipse, width_mm >= height_mm (invoice seal 40x30) */
    ESEAL_IMPRINT_SQUARE,    /**< personal name seal: 2-4 characters in columns */
    ESEAL_IMPRINT_RECT,      /**< rectangle: a name on one line */
} eseal_imprint_shape;

/* Version 2: color 0 is the default red (ESEAL_IMPRINT_RED); black is ESEAL_IMPRINT_BLACK. In version-1
 * specs, still accepted, color 0 is black. */
#define ESEAL_IMPRINT_SPEC_VERSION 2

/** The default ink colour (0xRRGGBB), the red of zc310/ofd and many seal tools. */
#define ESEAL_IMPRINT_RED 0xE60012u
/**
 * Bit 24 of a colour marks it explicit: the ink is the low 24 bits even when they are 0. It is
 * how black is asked for, as a zero colour is the default red.
 */
#define ESEAL_IMPRINT_COLOR_EXACT 0x1000000u
#define ESEAL_IMPRINT_BLACK (ESEAL_IMPRINT_COLOR_EXACT | 0x000000u)

/**
 * What to draw. Start from ESEAL_IMPRINT_SPEC_INIT or eseal_imprint_template().
 * Lengths are millimetres; a 0 length means "the default for this size"
 * (the geometry of docs/imprints.md). Texts are UTF-8 and borrowed: they must
 * outlive the calls that use the spec. NULL or "" means "no such text".
 *
 * Which texts a shape uses (a text a shape does not use is ESEAL_EINVAL):
 * - ROUND: arc_text (upper arc), center_text (horizontal, under the star),
 *   bottom_text (lower arc, read left to right, upright).
 * - OVAL: arc_text (upper arc), center_text (horizontal through the centre,
 *   under the star if any), bottom_text (horizontal, below center_text).
 * - SQUARE, RECT: person_text only.
 *
 * Printable ASCII characters other than brackets are drawn with the Latin
 * font (Arial-like digits for codes and tax IDs), everything else with the
 * CJK font, emboldened as engraved seal characters are. On an arc, brackets
 * and spaces take half a character's share. A character the font lacks is an
 * error, never a blank box.
 */
typedef struct {
    unsigned int version;        /**< ESEAL_IMPRINT_SPEC_VERSION */
    eseal_imprint_shape shape;
    double width_mm;             /**< 10..100; round: the diameter */
    double height_mm;            /**< 10..100; 0: same as width (required for OVAL and RECT) */
    double border_mm;            /**< border line width; 0: by size (Ø42: 1.2 mm) */
    int star;                    /**< 1: five-pointed star in the centre (ROUND, OVAL) */
    double star_mm;              /**< point-to-point diameter; 0: by size (Ø42: 14 mm) */
    const char *arc_text;        /**< organisation name on the upper arc, at most 40 characters */
    const char *center_text;     /**< horizontal line, at most 24 characters ("合同专用章", a tax ID) */
    const char *bottom_text;     /**< seal code (13 digits) or second line, at most 32 characters */
    const char *person_text;     /**< SQUARE: 2-4 characters, right-to-left columns; RECT: 1-8 */
    int person_suffix;           /**< SQUARE: 1 appends "印" (3 chars) or "之印" (2 chars) to make 4 */
    uint32_t color;              /**< ink, 0xRRGGBB; 0: ESEAL_IMPRINT_RED; black: ESEAL_IMPRINT_BLACK */
    const char *font_path;       /**< CJK font file; NULL: ESEAL_IMPRINT_DEFAULT_FONT */
    int font_index;              /**< face in a .ttc; with the default font 0 is "AR PL UMing CN" */
    const char *latin_font_path; /**< NULL: ESEAL_IMPRINT_DEFAULT_LATIN_FONT */
    int double_border;           /**< OVAL: a thin second line inside the border */
    double arc_text_mm;          /**< arc character height; 0: by size (Ø42: 6.8 mm) */
    double arc_sweep_deg;        /**< arc text sweep, 60..300; 0: grows with the character count */
} eseal_imprint_spec;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_IMPRINT_SPEC_INIT { .version = ESEAL_IMPRINT_SPEC_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_IMPRINT_SPEC_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_IMPRINT_SPEC_VERSION.
 */
ESEAL_EXTERN(int) eseal_imprint_spec_init(eseal_imprint_spec *o, unsigned int version);

/** Simplified-Chinese Song (宋体-like) face of fonts-arphic-uming; face index 0 is "UMing CN". */
#define ESEAL_IMPRINT_DEFAULT_FONT "/usr/share/fonts/truetype/arphic/uming.ttc"
/** Arial-metric sans from fonts-liberation2, for digits and Latin letters. */
#define ESEAL_IMPRINT_DEFAULT_LATIN_FONT "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"

/**
 * Fills `out` with the layout of a common seal type (docs/imprints.md):
 *
 * | type      | shape          | texts                                              |
 * |-----------|----------------|----------------------------------------------------|
 * | official  | round 42, star | arc = name; bottom = extra (seal code, optional)   |
 * | contract  | round 40, star | arc = name; center "合同专用章"; bottom = extra      |
 * | finance   | round 38, star | arc = name; center "财务专用章"; bottom = extra      |
 * | invoice   | oval 40x30     | arc = name; center = extra (tax ID, required);     |
 * |           |                | bottom "发票专用章"                                  |
 * | legal-rep | square 20      | person = name + "印"/"之印" (4 characters)           |
 * | personal  | square 18      | person = name                                      |
 * | signature | rect, by name  | person = name on one line, thin border             |
 * | other     | round 40, star | arc = name; bottom = extra                         |
 *
 * `name` and `extra` are borrowed by the spec. `extra` must be NULL for the
 * person types. Unknown types and missing names are ESEAL_EINVAL. Texts are
 * checked fully only when the spec is drawn.
 */
ESEAL_EXTERN(int) eseal_imprint_template(eseal_imprint_spec *out, const char *type, const char *name,
                                         const char *extra);

/** Output formats of eseal_imprint_render(). */
typedef enum {
    ESEAL_IMPRINT_PNG = 0, /**< indexed (the ink at 8 or 4 alphas, tRNS), transparent background, pHYs = dpi */
    ESEAL_IMPRINT_SVG,     /**< width/height in mm, paths only */
    ESEAL_IMPRINT_PDF,     /**< one page exactly the seal size (mm * 72 / 25.4 pt), paths only */
} eseal_imprint_format;

/**
 * Draws `spec` into `out` as PNG, SVG or PDF. `dpi` is for PNG only (0: 600,
 * otherwise 72..2400; each side is round(mm * dpi / 25.4) px, at most 8192 px:
 * ESEAL_ELIMIT beyond). Errors: ESEAL_EINVAL for a bad spec (the message
 * names the field), ESEAL_EUNSUPPORTED for a character the font lacks (the
 * message names the code point), ESEAL_ENOTFOUND for a missing font file.
 */
ESEAL_EXTERN(int) eseal_imprint_render(eseal_buf *out, const eseal_imprint_spec *spec, eseal_imprint_format fmt,
                                       unsigned int dpi);

/** The imprint as one path, for callers that write their own content streams. */
typedef struct eseal_imprint_outline eseal_imprint_outline;

/** Path operations; points are in millimetres, origin top-left, y down. */
typedef enum {
    ESEAL_IMPRINT_MOVE = 0, /**< 1 point: start a subpath */
    ESEAL_IMPRINT_LINE,     /**< 1 point */
    ESEAL_IMPRINT_CURVE,    /**< 3 points: two control points and the end (cubic Bezier) */
    ESEAL_IMPRINT_CLOSE,    /**< no point: close the subpath */
} eseal_imprint_op;

/**
 * Builds the path of `spec`. Fill it with the nonzero winding rule (PDF "f",
 * OFD FillRule="NonZero") in eseal_imprint_outline_color(). Free with
 * eseal_imprint_outline_free(). Same errors as eseal_imprint_render().
 */
ESEAL_EXTERN(int) eseal_imprint_path(eseal_imprint_outline **out, const eseal_imprint_spec *spec);

/** The number of operations. */
ESEAL_EXTERN(size_t) eseal_imprint_outline_count(const eseal_imprint_outline *outline);

/**
 * Operation `i` (< count): returns its kind and copies its points into
 * pts[0..5] as x0,y0,x1,y1,x2,y2 (unused entries set to 0).
 */
ESEAL_EXTERN(eseal_imprint_op) eseal_imprint_outline_op(const eseal_imprint_outline *outline, size_t i,
                                                        double pts[6]);

/** The imprint size in millimetres (the page or annotation box). */
ESEAL_EXTERN(void) eseal_imprint_outline_size(const eseal_imprint_outline *outline, double *width_mm,
                                              double *height_mm);

/** The fill colour, 0xRRGGBB. */
ESEAL_EXTERN(uint32_t) eseal_imprint_outline_color(const eseal_imprint_outline *outline);

/** Frees an outline; NULL is fine. */
ESEAL_EXTERN(void) eseal_imprint_outline_free(eseal_imprint_outline *outline);

/** Limits on imported scans (PNG). */
#define ESEAL_IMPRINT_PNG_MAX_BYTES ((size_t)16 << 20)
#define ESEAL_IMPRINT_PNG_MAX_PX 8192u
#define ESEAL_IMPRINT_PNG_MIN_PX 64u

/**
 * Checks a scanned seal image before it is used as an imprint: the input is
 * untrusted. Size and pixel dimensions are checked from the header before
 * anything is decoded; the image is then decoded row by row (no full-image
 * buffer; Adam7 images pass by pass). Accepted: a PNG of 64..8192 px per side, with an
 * alpha channel (colour type with alpha, or tRNS) of which at least 10% of
 * the pixels are transparent (alpha < 32) and at least 1% are ink (alpha >= 128).
 *
 * Sets *w_px and *h_px (either may be NULL) on success. Errors (the message
 * says what to do): ESEAL_ELIMIT for more than 16 MiB or more than 8192 px
 * per side; ESEAL_EMALFORMED for a non-PNG, a truncated or corrupt file;
 * ESEAL_EINVAL for a usable PNG that is not a usable seal (too small, no
 * alpha, no transparent background, no ink).
 */
ESEAL_EXTERN(int) eseal_imprint_png_check(unsigned int *w_px, unsigned int *h_px, const void *png, size_t len);

ESEAL_END_DECL

#endif
