/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Page-flowed A4 documents (seal/draw.h es_draw_doc): the PDF verification report. Lines are laid
 * out top to bottom between fixed margins, wrapped at spaces (or anywhere inside CJK text, which
 * has none), and a page that is full is shown and a new one begun.
 *
 * Two faces, as the imprint has: Liberation Sans for Latin text and digits, AR PL UMing (the CJK
 * Song face the imprint draws Chinese with) for everything else, chosen character by character, so
 * that a seal named in Chinese prints in Chinese and a subject in Latin in a sans face. cairo's
 * "toy" text API draws each run; no shaping is needed for Latin and CJK (no ligatures, no joining).
 */
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "imprint_int.h"

#define PAGE_W 595.276 /* A4 in points (ISO 216: 210 x 297 mm) */
#define PAGE_H 841.890
#define MARGIN 50.0
#define FOOT_Y (PAGE_H - 28.0)
#define LABEL_W 150.0 /* the column of a field's label */
#define BODY_PT 9.5
#define SMALL_PT 8.0
#define HEADING_PT 12.0
#define TITLE_PT 18.0
#define VERDICT_PT 30.0
#define LEADING 1.35
#define MM_TO_PT (72.0 / 25.4)

typedef struct {
    cairo_t *cr;
    es_font latin, latin_bold, cjk, cjk_bold;
    double y;
    int page;
    const es_draw_doc *doc;
} lay;

/* The length of the UTF-8 sequence at s (jansson hands us valid UTF-8; a stray byte counts as one)
 * and its code point. */
static size_t utf8_step(const char *s, uint32_t *cp)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            n = 1;
            break;
        }
    }
    uint32_t c = n == 1 ? u[0] : (uint32_t)(u[0] & (0x7F >> n));
    for (size_t i = 1; i < n; i++) {
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

/* Latin, Greek, Cyrillic and the general punctuation go to the sans face; the rest to UMing. */
static bool is_latin(uint32_t cp) { return cp < 0x0530 || (cp >= 0x2000 && cp < 0x2070) || cp == 0x20AC; }

static void use_face(lay *L, bool latin, bool bold, double size)
{
    const es_font *f = latin ? (bold ? &L->latin_bold : &L->latin) : (bold ? &L->cjk_bold : &L->cjk);
    cairo_set_font_face(L->cr, f->face);
    cairo_set_font_size(L->cr, size);
}

/* Width of s[0..n) in points, run by run. */
static double measure(lay *L, const char *s, size_t n, double size, bool bold)
{
    double w = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_step(s + i, &cp);
        bool latin = is_latin(cp);
        size_t j = i + k;
        while (j < n) {
            size_t k2 = utf8_step(s + j, &cp);
            if (is_latin(cp) != latin) {
                break;
            }
            j += k2;
        }
        char run[512];
        size_t done = i;
        while (done < j) { /* in pieces that fit the buffer, cut on a character boundary */
            size_t m = 0;
            while (done + m < j) {
                size_t k3 = utf8_step(s + done + m, &cp);
                if (m + k3 >= sizeof(run)) {
                    break;
                }
                m += k3;
            }
            memcpy(run, s + done, m);
            run[m] = '\0';
            use_face(L, latin, bold, size);
            cairo_text_extents_t te;
            cairo_text_extents(L->cr, run, &te);
            w += te.x_advance;
            done += m;
        }
        i = j;
    }
    return w;
}

/* Draws s[0..n) with its baseline at (x, y). */
static void show(lay *L, double x, double y, const char *s, size_t n, double size, bool bold)
{
    size_t i = 0;
    cairo_move_to(L->cr, x, y);
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_step(s + i, &cp);
        bool latin = is_latin(cp);
        size_t j = i + k;
        while (j < n && j - i < 500) {
            size_t k2 = utf8_step(s + j, &cp);
            if (is_latin(cp) != latin || j + k2 - i >= 500) {
                break;
            }
            j += k2;
        }
        char run[512];
        memcpy(run, s + i, j - i);
        run[j - i] = '\0';
        use_face(L, latin, bold, size);
        cairo_show_text(L->cr, run);
        i = j;
    }
}

static void footer(lay *L)
{
    char num[32];
    (void)snprintf(num, sizeof(num), "  %d", L->page);
    cairo_set_source_rgb(L->cr, 0.35, 0.35, 0.35);
    const char *f = L->doc->footer != NULL ? L->doc->footer : "";
    show(L, MARGIN, FOOT_Y, f, strlen(f), SMALL_PT - 1, false);
    double w = measure(L, num, strlen(num), SMALL_PT - 1, false);
    show(L, PAGE_W - MARGIN - w, FOOT_Y, num, strlen(num), SMALL_PT - 1, false);
    cairo_set_source_rgb(L->cr, 0, 0, 0);
}

/* Room for `h` more points on this page, else the next page. */
static void need(lay *L, double h)
{
    if (L->y + h <= FOOT_Y - 16.0) {
        return;
    }
    footer(L);
    cairo_show_page(L->cr);
    L->page++;
    L->y = MARGIN;
}

/*
 * The end of the line that starts at s and fits `width` points: the last space that fits, else the
 * last character that fits (CJK text and long tokens such as digests), at least one character.
 */
static size_t fit(lay *L, const char *s, size_t n, double width, double size, bool bold, size_t *next)
{
    size_t end = 0, last_space = 0;
    bool space = false;
    while (end < n) {
        uint32_t cp;
        size_t k = utf8_step(s + end, &cp);
        if (cp == '\n') {
            *next = end + 1;
            return end;
        }
        if (end > 0 && measure(L, s, end + k, size, bold) > width) {
            if (space && cp != ' ') {
                *next = last_space + 1;
                return last_space;
            }
            if (cp == ' ') {
                *next = end + 1;
                return end;
            }
            *next = end;
            return end;
        }
        if (cp == ' ') {
            last_space = end;
            space = true;
        }
        end += k;
    }
    *next = n;
    return n;
}

/* A wrapped paragraph at x, `width` wide; returns nothing, moves L->y past it. */
static void paragraph(lay *L, double x, double width, const char *s, double size, bool bold)
{
    size_t n = s != NULL ? strlen(s) : 0, at = 0;
    double lh = size * LEADING;
    do {
        size_t next = n;
        size_t end = fit(L, s + at, n - at, width, size, bold, &next);
        need(L, lh);
        L->y += lh;
        show(L, x, L->y - size * 0.3, s + at, end, size, bold);
        at += next;
    } while (at < n);
}

static void set_color(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0);
}

typedef struct {
    es_span in;
    size_t at;
} png_reader;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int len)
{
    png_reader *r = closure;
    if (r->in.len - r->at < len) {
        return CAIRO_STATUS_READ_ERROR;
    }
    memcpy(data, r->in.ptr + r->at, len);
    r->at += len;
    return CAIRO_STATUS_SUCCESS;
}

/* The picture `width_mm` wide at the left margin, its caption to the right of it. */
static void picture(lay *L, const es_draw_line *ln)
{
    double w = (ln->width_mm > 0 ? ln->width_mm : 40.0) * MM_TO_PT;
    png_reader rd = {ln->png, 0};
    cairo_surface_t *img = ln->png.len > 0 ? cairo_image_surface_create_from_png_stream(png_read, &rd) : NULL;
    bool ok = img != NULL && cairo_surface_status(img) == CAIRO_STATUS_SUCCESS;
    double pw = ok ? cairo_image_surface_get_width(img) : 1, ph = ok ? cairo_image_surface_get_height(img) : 1;
    double h = ok && pw > 0 ? w * ph / pw : w;
    need(L, h + 8);
    double top = L->y + 4;
    if (ok && pw > 0) {
        cairo_save(L->cr);
        cairo_translate(L->cr, MARGIN + LABEL_W, top);
        cairo_scale(L->cr, w / pw, w / pw);
        cairo_set_source_surface(L->cr, img, 0, 0);
        cairo_paint(L->cr);
        cairo_restore(L->cr);
    } else { /* not a PNG cairo reads (an SVG, a damaged file): its place, empty */
        cairo_set_source_rgb(L->cr, 0.6, 0.6, 0.6);
        cairo_rectangle(L->cr, MARGIN + LABEL_W, top, w, h);
        cairo_set_line_width(L->cr, 0.5);
        cairo_stroke(L->cr);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
    }
    if (img != NULL) {
        cairo_surface_destroy(img);
    }
    if (ln->label != NULL) {
        double save = L->y;
        L->y = top - BODY_PT * 0.2;
        paragraph(L, MARGIN, LABEL_W - 8, ln->label, BODY_PT, false);
        L->y = save;
    }
    if (ln->text != NULL) {
        double save = L->y;
        L->y = top;
        paragraph(L, MARGIN + LABEL_W + w + 10, PAGE_W - 2 * MARGIN - LABEL_W - w - 10, ln->text, SMALL_PT, false);
        L->y = save;
    }
    L->y = top + h + 4;
}

static void line(lay *L, const es_draw_line *ln)
{
    double width = PAGE_W - 2 * MARGIN;
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    switch (ln->kind) {
    case ES_DRAW_TITLE:
        paragraph(L, MARGIN, width, ln->text, TITLE_PT, true);
        L->y += 4;
        break;
    case ES_DRAW_VERDICT:
        L->y += 6;
        set_color(L->cr, ln->color);
        paragraph(L, MARGIN, width, ln->text, VERDICT_PT, true);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        L->y += 4;
        break;
    case ES_DRAW_HEADING:
        need(L, HEADING_PT * LEADING * 3);
        L->y += 10;
        set_color(L->cr, ln->color);
        paragraph(L, MARGIN, width, ln->text, HEADING_PT, true);
        cairo_set_line_width(L->cr, 0.6);
        cairo_move_to(L->cr, MARGIN, L->y + 1.5);
        cairo_line_to(L->cr, PAGE_W - MARGIN, L->y + 1.5);
        cairo_stroke(L->cr);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        L->y += 5;
        break;
    case ES_DRAW_SUBHEADING:
        need(L, BODY_PT * LEADING * 3);
        L->y += 3;
        set_color(L->cr, ln->color);
        paragraph(L, MARGIN, width, ln->text, BODY_PT + 0.5, true);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        break;
    case ES_DRAW_FIELD: {
        double top = L->y;
        int page = L->page;
        cairo_set_source_rgb(L->cr, 0.3, 0.3, 0.3);
        paragraph(L, MARGIN, LABEL_W - 8, ln->label, BODY_PT, false);
        double after_label = L->y;
        if (L->page == page) {
            L->y = top; /* the value beside its label */
        }
        set_color(L->cr, ln->color);
        paragraph(L, MARGIN + LABEL_W, width - LABEL_W, ln->text != NULL ? ln->text : "-", BODY_PT, false);
        if (L->page == page && after_label > L->y) {
            L->y = after_label;
        }
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        break;
    }
    case ES_DRAW_PICTURE:
        picture(L, ln);
        break;
    case ES_DRAW_SMALL:
        cairo_set_source_rgb(L->cr, 0.25, 0.25, 0.25);
        paragraph(L, MARGIN, width, ln->text, SMALL_PT, false);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        break;
    case ES_DRAW_TEXT:
    default:
        set_color(L->cr, ln->color);
        paragraph(L, MARGIN, width, ln->text, BODY_PT, false);
        cairo_set_source_rgb(L->cr, 0, 0, 0);
        break;
    }
}

ES_RESULT es_draw_doc_pdf(es_buf *out, const es_draw_doc *doc)
{
    ES_ENSURE(doc != NULL && (doc->lines != NULL || doc->count == 0), ESEAL_EINVAL, "invalid argument: doc");
    ES_ENSURE(doc->count <= ES_DRAW_DOC_MAX_LINES, ESEAL_ELIMIT, "report: %zu lines, over the %d a document may have",
              doc->count, ES_DRAW_DOC_MAX_LINES);
    lay L = {.doc = doc, .y = MARGIN, .page = 1};
    ES_GUARD(es_font_get(&L.latin, ESEAL_IMPRINT_DEFAULT_LATIN_FONT, 0, false));
    ES_GUARD(es_font_get(&L.latin_bold, ESEAL_IMPRINT_DEFAULT_LATIN_FONT, 0, true));
    ES_GUARD(es_font_get(&L.cjk, ESEAL_IMPRINT_DEFAULT_FONT, 0, false));
    ES_GUARD(es_font_get(&L.cjk_bold, ESEAL_IMPRINT_DEFAULT_FONT, 0, true));
    es_buf b = ES_BUF_INIT(ES_DRAW_DOC_MAX_BYTES);
    es_draw_sink k = {&b, false};
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(es_draw_sink_write, &k, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "eseal");
    if (doc->title != NULL) {
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, doc->title);
    }
    L.cr = cairo_create(surf);
    for (size_t i = 0; i < doc->count; i++) {
        line(&L, &doc->lines[i]);
    }
    footer(&L);
    cairo_show_page(L.cr);
    cairo_status_t st = cairo_status(L.cr);
    cairo_destroy(L.cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS) {
        st = cairo_surface_status(surf);
    }
    cairo_surface_destroy(surf);
    if (k.failed) {
        es_buf_free(&b);
        ES_BAIL(ESEAL_ELIMIT, "report: the PDF exceeds %zu bytes", ES_DRAW_DOC_MAX_BYTES);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        es_buf_free(&b);
        ES_BAIL(st == CAIRO_STATUS_NO_MEMORY ? ESEAL_ENOMEM : ESEAL_ERROR, "report: cairo: %s",
                cairo_status_to_string(st));
    }
    es_result r = es_buf_append(out, b.ptr, b.len);
    es_buf_free(&b);
    return r;
}
