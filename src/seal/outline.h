/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A drawn imprint's outline (eseal_imprint_path) kept in the registry, so that a stamp writes the
 * seal's appearance without loading the drawing module (cairo, FreeType, fontconfig ...; issue 18).
 * The codec is in the library (src/seal/imprint_outline.c), never in the module: a stamp that
 * reads a stored outline must not need the module to read it.
 *
 * Format, version 1 (every integer and double little-endian):
 *
 *   "EOUT"             4  magic
 *   version            1  1
 *   flags              1  0 (anything else: refused)
 *   reserved           2  0 (anything else: refused)
 *   count              4  operations, 1 .. ES_OUTLINE_MAX_OPS
 *   npts               4  points; must equal what the operations take (move/line 1, curve 3, close 0)
 *   width, height      8+8  millimetres (IEEE 754 binary64), ES_IMPRINT_SIZE_MIN_MM .. ES_OUTLINE_MAX_MM
 *   color              4  0xRRGGBB (the top byte 0)
 *   ops[count]         1 each: 0 move, 1 line, 2 curve, 3 close (eseal_imprint_op); the first a move
 *   pts[npts]          16 each: x, y (binary64, mm, origin top-left, y down), finite, inside the box
 *                      widened by its own size on every side
 *   SHA-256            32 of every byte before it
 *
 * The points are the drawing's doubles, bit for bit: the PDF appearance rounds each to a thousandth
 * of a point after an offset that depends on the stamp's options (serial, QR code), so only the
 * exact values give the same appearance bytes as drawing again. That is 16 bytes a point (an
 * official seal: ~2,500 points, ~42 KB; an invoice seal ~4,200 points, ~69 KB). The store is
 * trusted less than memory: the decoder checks every size against the input before reading,
 * the digest, and every value; a damaged outline is an error, never a partial outline.
 */
#ifndef ES_SEAL_OUTLINE_H
#define ES_SEAL_OUTLINE_H

#include "draw.h"
#include "util/util.h"

#define ES_OUTLINE_VERSION 1
/* Operations of one outline: the largest template (invoice, 20-character ID) draws ~1,900; 256
 * characters of text in a font with intricate glyphs stay far below this. */
#define ES_OUTLINE_MAX_OPS ((size_t)1 << 16)
/* Points: a curve takes 3, so at most 3 per operation. */
#define ES_OUTLINE_MAX_PTS (3 * ES_OUTLINE_MAX_OPS)
/* Larger than the drawing's own limit (100 mm, seal/draw/imprint_render.c) so that raising it
 * there does not make stored outlines unreadable; a stored size beyond this is damage. */
#define ES_OUTLINE_MAX_MM 1000.0
#define ES_OUTLINE_HEAD_LEN 36
#define ES_OUTLINE_DIGEST_LEN 32
/* The largest encoding: header, ops, points, digest (~3.2 MiB). */
#define ES_OUTLINE_MAX_BYTES \
    (ES_OUTLINE_HEAD_LEN + ES_OUTLINE_MAX_OPS + 16 * ES_OUTLINE_MAX_PTS + ES_OUTLINE_DIGEST_LEN)

/* Its base64 text: 4 characters per 3 bytes. */
#define ES_OUTLINE_TEXT_MAX ((ES_OUTLINE_MAX_BYTES + 2) / 3 * 4)

/* Appends the encoding of `o` to `out`. ESEAL_ELIMIT when it has more than ES_OUTLINE_MAX_OPS
 * operations; ESEAL_EINVAL for an outline the decoder would refuse (a value out of its bounds). */
ES_RESULT es_outline_encode(es_buf *out, const eseal_imprint_outline *o);

/* Reads an encoding: *out gets a new outline (free with eseal_imprint_outline_free). Every
 * refusal is ESEAL_EMALFORMED with a sentence saying what is wrong; *out stays NULL then. */
ES_RESULT es_outline_decode(eseal_imprint_outline **out, es_span in);

/* The same as text, for a JSON string: base64 (RFC 4648 §4, padded, no line breaks) of the encoding.
 * The decoder refuses text longer than an encoding of ES_OUTLINE_MAX_BYTES could be (ESEAL_ELIMIT)
 * and text that is not such base64 (ESEAL_EMALFORMED) before decoding it as above. */
ES_RESULT es_outline_encode_text(es_buf *out, const eseal_imprint_outline *o);
ES_RESULT es_outline_decode_text(eseal_imprint_outline **out, const char *text);

#endif
