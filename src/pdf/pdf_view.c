/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A signed revision read from the shared parse (issue 18, "a 20-revision file is parsed once").
 *
 * Judging the revisions after a signature compares the signed revision (side a) with the whole
 * file (side b). Before, side a was a second qpdf parse of the file's first signed_end bytes. The
 * view makes the shared parse show the signed revision instead, in place, for the time side a is
 * read (pdf_diff.c enters and leaves it around its side-a phases):
 *
 * - an object no later revision lists, defines or re-houses (es_pdf_xref_changes, pdf_xref.c) is
 *   the same bytes read the same way: it is left alone;
 * - an object a later revision replaced is given its signed definition, read from its offset in
 *   the signed revision's cross-reference table: a dictionary gets the old keys, an array the old
 *   items, a stream the old raw bytes and dictionary (qpdf_oh_replace_stream_data); object numbers
 *   stay what they are, so every reference, every walk and every text reads as the second parse
 *   read them. Leaving puts the whole file's definitions back (kept, on the first entry, as qpdf's
 *   own text of them and a stream's raw bytes).
 *
 * The view is built only where it can be exact; otherwise es_pdf_view_open says no and the caller
 * parses the signed revision on its own bytes as before (counted: es_pdf_view_counts). No view when:
 * the signed revision's chain is not classic cross-reference tables of 20-byte entries (xref
 * streams, /XRefStm); an object to replace is free, in an object stream, of another generation,
 * not a dictionary, array or stream, not of the same kind on both sides, not "N 0 obj ... endobj"
 * at its offset, a stream without an exact /Length; any text holds a NUL; qpdf warns or fails on
 * anything read; the signed page tree is one qpdf would repair (walk_pages, on the first entry). What the view
 * cannot change in place (an object added later is not made null) pdf_diff.c checks after its walk
 * of the signed revision: a reference of the signed revision to an object numbered past its /Size
 * that the whole file defines, or of a generation other than 0, sends it back to the second parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>

#include "pdf/pdf_qpdf.h" /* after qpdf-c.h: qpdf calls through the table */

#include "pdf.h"

#define MAX_SECTIONS 4096   /* cross-reference sections followed through /Prev */
#define MAX_SUBSECTIONS 65536

enum { K_DICT = 1, K_ARRAY, K_STREAM };

typedef struct {
    int num;
    int kind;
    char *old_text, *new_text; /* the signed and the whole file's definition (a stream: its dictionary) */
    uint8_t *old_data, *new_data; /* a stream's raw bytes */
    size_t old_len, new_len;
    bool saved; /* new_* kept */
} swap;

typedef struct {
    size_t start, count, pos; /* objects start..start+count-1, entries from byte pos */
} subsec;

struct es_pdf_view {
    es_pdf_qpdf *file;
    qpdf_data q;
    es_span f;     /* the whole file */
    size_t end;    /* the signed revision's end */
    swap *sw;
    size_t nsw, capsw;
    subsec *sub;   /* the signed revision's subsections, newest section first */
    size_t nsub, capsub;
    char *trailer; /* the signed revision's trailer dictionary */
    int size;      /* its /Size */
    const es_pdf_xref_changes *ch; /* what later revisions replace */
    size_t since;  /* the signed revision, in ch's numbering */
    int *pages;    /* its pages, in qpdf's order */
    size_t npages;
    unsigned max;  /* the parse's object limit */
    bool inside;
    bool walked;   /* the page tree was walked (on the first entry) */
};

static _Thread_local es_pdf_view_counts vcounts;

void es_pdf_view_counts_get(es_pdf_view_counts *out) { *out = vcounts; }

void es_pdf_view_count(bool used)
{
    if (used) {
        vcounts.views++;
    } else {
        vcounts.fallbacks++;
    }
}

static bool is_ws(uint8_t c) { return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }

static bool is_delim(uint8_t c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '/' || c == '%';
}

static size_t skip_ws(const uint8_t *p, size_t i, size_t end)
{
    while (i < end && is_ws(p[i])) {
        i++;
    }
    return i;
}

/* Keyword `w` at i, ending at whitespace, a delimiter or `end`. */
static bool kw(const uint8_t *p, size_t i, size_t end, const char *w)
{
    size_t n = strlen(w);
    return i + n <= end && memcmp(p + i, w, n) == 0 && (i + n == end || is_ws(p[i + n]) || is_delim(p[i + n]));
}

/* Digits at *i (at most 10), as a number. */
static bool read_uint(const uint8_t *p, size_t *i, size_t end, size_t *out)
{
    size_t v = 0, k = *i;
    while (k < end && k - *i < 10 && p[k] >= '0' && p[k] <= '9') {
        v = v * 10 + (size_t)(p[k] - '0');
        k++;
    }
    if (k == *i || (k < end && p[k] >= '0' && p[k] <= '9')) {
        return false;
    }
    *i = k;
    *out = v;
    return true;
}

static size_t find(const uint8_t *p, size_t from, size_t end, const char *w)
{
    size_t n = strlen(w);
    const uint8_t *x = from < end ? memmem(p + from, end - from, w, n) : NULL;
    return x == NULL ? SIZE_MAX : (size_t)(x - p);
}

/* Did qpdf fail or warn since the last drain? Then the view is not exact (the pending ones are dropped). */
static bool noisy(qpdf_data q)
{
    bool n = false;
    while (qpdf_has_error(q)) {
        (void)qpdf_get_error(q);
        n = true;
    }
    while (qpdf_more_warnings(q)) {
        (void)qpdf_next_warning(q);
        n = true;
    }
    return n;
}

/*
 * qpdf's C API parses a text without the parse as context, and refuses a reference in it. So each
 * "N G R" of the text (found as qpdf's tokenizer finds it: outside strings, names and comments)
 * is first written as a name /ESREF<N>_<G> (a prefix the text does not hold), and the names are
 * then put back as qpdf's indirect objects of the shared parse (resolve_refs).
 */
#define REF_MARK "ESREF"

static bool regular(uint8_t c) { return !is_ws(c) && !is_delim(c); }

static bool all_digits(const uint8_t *p, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return b > a && b - a <= 9;
}

/* The text with its references marked, NUL-terminated (NULL: a NUL inside, the prefix used, or no memory). */
static char *mark_refs(const uint8_t *p, size_t n)
{
    if (memchr(p, 0, n) != NULL || memmem(p, n, REF_MARK, strlen(REF_MARK)) != NULL) {
        return NULL;
    }
    char *out = es_malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0, i = 0;
    size_t tok[3][2] = {{0, 0}, {0, 0}, {0, 0}}; /* the last three regular tokens, with nothing else between */
    int ntok = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (is_ws(c)) {
            out[o++] = (char)p[i++];
            continue;
        }
        if (c == '%') {
            while (i < n && p[i] != '\r' && p[i] != '\n') {
                out[o++] = (char)p[i++];
            }
            ntok = 0;
            continue;
        }
        if (c == '(') {
            int depth = 0;
            do {
                if (p[i] == '\\' && i + 1 < n) {
                    out[o++] = (char)p[i++];
                } else if (p[i] == '(') {
                    depth++;
                } else if (p[i] == ')') {
                    depth--;
                }
                out[o++] = (char)p[i++];
            } while (i < n && depth > 0);
            ntok = 0;
            continue;
        }
        if ((c == '<' || c == '>') && i + 1 < n && p[i + 1] == c) {
            out[o++] = (char)p[i++];
            out[o++] = (char)p[i++];
            ntok = 0;
            continue;
        }
        if (c == '<') {
            while (i < n && p[i] != '>') {
                out[o++] = (char)p[i++];
            }
            if (i < n) {
                out[o++] = (char)p[i++];
            }
            ntok = 0;
            continue;
        }
        if (c == '/') {
            out[o++] = (char)p[i++];
            while (i < n && regular(p[i])) {
                if (p[i] == '#') {
                    es_free(out); /* "/#45SREF..." would read as a marker: such names go to the second parse */
                    return NULL;
                }
                out[o++] = (char)p[i++];
            }
            ntok = 0;
            continue;
        }
        if (!regular(c)) {
            out[o++] = (char)p[i++];
            ntok = 0;
            continue;
        }
        size_t a = i;
        while (i < n && regular(p[i])) {
            i++;
        }
        if (ntok == 3) {
            memmove(tok[0], tok[1], 2 * sizeof(tok[0]));
            ntok = 2;
        }
        tok[ntok][0] = a;
        tok[ntok][1] = i;
        ntok++;
        if (ntok == 3 && i - a == 1 && p[a] == 'R' && all_digits(p, tok[0][0], tok[0][1]) &&
            all_digits(p, tok[1][0], tok[1][1])) {
            /* out holds the two numbers and what separates them: write the name in their place. */
            size_t start = o - (tok[1][1] - tok[0][0]) - (a - tok[1][1]);
            char name[48];
            int k = snprintf(name, sizeof(name), "/" REF_MARK "%.*s_%.*s", (int)(tok[0][1] - tok[0][0]),
                             (const char *)p + tok[0][0], (int)(tok[1][1] - tok[1][0]), (const char *)p + tok[1][0]);
            if (k <= 0 || (size_t)k >= sizeof(name)) {
                es_free(out);
                return NULL;
            }
            /* The name may be longer than "N G R": grow the output. */
            char *grown = es_realloc(out, o + (size_t)k + (n - i) + 1);
            if (grown == NULL) {
                es_free(out);
                return NULL;
            }
            out = grown;
            memcpy(out + start, name, (size_t)k);
            o = start + (size_t)k;
            ntok = 0;
            continue;
        }
        memcpy(out + o, p + a, i - a);
        o += i - a;
    }
    out[o] = '\0';
    return out;
}

/* Value v of holder (a dictionary key or an array item): a marked reference becomes qpdf's indirect object. */
static bool ref_of(qpdf_data q, qpdf_oh v, qpdf_oh *out)
{
    if (!qpdf_oh_is_name(q, v)) {
        return false;
    }
    const char *nm = qpdf_oh_get_name(q, v);
    size_t pl = strlen(REF_MARK) + 1;
    if (strncmp(nm, "/" REF_MARK, pl) != 0) {
        return false;
    }
    long num = 0, gen = 0;
    const char *s = nm + pl;
    while (*s >= '0' && *s <= '9') {
        num = num * 10 + (*s++ - '0');
    }
    if (*s++ != '_') {
        return false;
    }
    while (*s >= '0' && *s <= '9') {
        gen = gen * 10 + (*s++ - '0');
    }
    *out = qpdf_get_object_by_id(q, (int)num, (int)gen);
    return true;
}

/* Puts qpdf's indirect objects where mark_refs left names; false for a marked key or too deep. */
static bool resolve_refs(qpdf_data q, qpdf_oh o, int depth)
{
    if (depth > 64) {
        return false;
    }
    if (qpdf_oh_is_array(q, o)) {
        int n = qpdf_oh_get_array_n_items(q, o);
        for (int i = 0; i < n; i++) {
            qpdf_oh v = qpdf_oh_get_array_item(q, o, i), r = 0;
            if (ref_of(q, v, &r)) {
                qpdf_oh_erase_item(q, o, i);
                qpdf_oh_insert_item(q, o, i, r);
            } else if (!resolve_refs(q, v, depth + 1)) {
                return false;
            }
        }
    } else if (qpdf_oh_is_dictionary(q, o)) {
        char *keys[ES_PDF_MAX_DICT_KEYS];
        size_t n = 0;
        bool ok = true;
        qpdf_oh_begin_dict_key_iter(q, o);
        while (qpdf_oh_dict_more_keys(q)) {
            const char *k = qpdf_oh_dict_next_key(q);
            if (n >= ES_PDF_MAX_DICT_KEYS || strstr(k, REF_MARK) != NULL) {
                ok = false;
                continue;
            }
            keys[n] = es_strdup(k);
            ok = ok && keys[n] != NULL;
            n += keys[n] != NULL;
        }
        for (size_t i = 0; ok && i < n; i++) {
            qpdf_oh v = qpdf_oh_get_key(q, o, keys[i]), r = 0;
            if (ref_of(q, v, &r)) {
                qpdf_oh_replace_key(q, o, keys[i], r);
            } else {
                ok = resolve_refs(q, v, depth + 1);
            }
        }
        for (size_t i = 0; i < n; i++) {
            es_free(keys[i]);
        }
        return ok;
    }
    return true;
}

/* qpdf's object for the text p[0..n), its references those of the shared parse; 0 when it does not parse. */
static qpdf_oh parse_text(qpdf_data q, const uint8_t *p, size_t n)
{
    (void)noisy(q); /* what was pending concerns others (a type check of the judgement): dropped, as it ends */
    char *s = mark_refs(p, n);
    if (s == NULL) {
        return 0;
    }
    qpdf_oh o = qpdf_oh_parse(q, s);
    es_free(s);
    if (noisy(q) || !qpdf_oh_is_initialized(q, o) || !resolve_refs(q, o, 0) || noisy(q)) {
        return 0;
    }
    return o;
}

static qpdf_oh parse_str(qpdf_data q, const char *s) { return parse_text(q, (const uint8_t *)s, strlen(s)); }

/* One classic section at `off`: its subsections appended, *prev its trailer's /Prev (SIZE_MAX: none). */
static bool read_section(es_pdf_view *v, size_t off, size_t *prev, bool first)
{
    const uint8_t *p = v->f.ptr;
    size_t end = v->end, i = off;
    if (!kw(p, i, end, "xref")) {
        return false;
    }
    i += 4;
    for (;;) {
        i = skip_ws(p, i, end);
        if (kw(p, i, end, "trailer")) {
            break;
        }
        size_t start = 0, count = 0;
        if (!read_uint(p, &i, end, &start) || i >= end || p[i] != ' ') {
            return false;
        }
        i++;
        if (!read_uint(p, &i, end, &count)) {
            return false;
        }
        while (i < end && p[i] == ' ') {
            i++;
        }
        if (i < end && p[i] == '\r') {
            i++;
        }
        if (i >= end || (p[i] != '\n' && p[i - 1] != '\r')) {
            return false;
        }
        if (p[i] == '\n') {
            i++;
        }
        if (count > (end - i) / 20 || v->nsub >= MAX_SUBSECTIONS) {
            return false;
        }
        /* Every entry "oooooooooo ggggg n" and a two-byte end of line. */
        for (size_t k = 0; k < count; k++) {
            const uint8_t *e = p + i + 20 * k;
            for (int j = 0; j < 10; j++) {
                if (e[j] < '0' || e[j] > '9' || (j < 5 && (e[11 + j] < '0' || e[11 + j] > '9'))) {
                    return false;
                }
            }
            if (e[10] != ' ' || e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') ||
                !((e[18] == ' ' && (e[19] == '\n' || e[19] == '\r')) || (e[18] == '\r' && e[19] == '\n'))) {
                return false;
            }
        }
        if (v->nsub == v->capsub) {
            size_t cap = v->capsub == 0 ? 16 : v->capsub * 2;
            subsec *n = es_realloc(v->sub, cap * sizeof(*n));
            if (n == NULL) {
                return false;
            }
            v->sub = n;
            v->capsub = cap;
        }
        v->sub[v->nsub++] = (subsec){start, count, i};
        i += 20 * count;
    }
    i += 7;
    size_t sx = find(p, i, end, "startxref");
    if (sx == SIZE_MAX) {
        return false;
    }
    qpdf_oh t = parse_text(v->q, p + i, sx - i);
    bool ok = t != 0 && qpdf_oh_is_dictionary(v->q, t) && !qpdf_oh_has_key(v->q, t, "/XRefStm");
    qpdf_oh pv = ok ? qpdf_oh_get_key(v->q, t, "/Prev") : 0;
    *prev = SIZE_MAX;
    if (ok && qpdf_oh_has_key(v->q, t, "/Prev")) {
        long long x = qpdf_oh_is_integer(v->q, pv) && !qpdf_oh_is_indirect(v->q, pv) ? qpdf_oh_get_int_value(v->q, pv)
                                                                                        : -1;
        ok = x >= 0 && (size_t)x < end;
        *prev = ok ? (size_t)x : SIZE_MAX;
    }
    if (ok && first) {
        qpdf_oh sz = qpdf_oh_get_key(v->q, t, "/Size");
        ok = qpdf_oh_is_integer(v->q, sz) && !qpdf_oh_is_indirect(v->q, sz) &&
             qpdf_oh_get_int_value(v->q, sz) > 0 && qpdf_oh_get_int_value(v->q, sz) < 0x7fffffff;
        v->size = ok ? qpdf_oh_get_int_value_as_int(v->q, sz) : 0;
        v->trailer = ok ? es_strdup(qpdf_oh_unparse_resolved(v->q, t)) : NULL;
        ok = ok && v->trailer != NULL;
    }
    return ok;
}

/* The signed revision's chain of classic tables, from its startxref. */
static bool read_chain(es_pdf_view *v)
{
    const uint8_t *p = v->f.ptr;
    size_t from = v->end > 1054 ? v->end - 1054 : 0, at = SIZE_MAX;
    for (size_t k = find(p, from, v->end, "startxref"); k != SIZE_MAX; k = find(p, k + 1, v->end, "startxref")) {
        at = k;
    }
    if (at == SIZE_MAX) {
        return false;
    }
    size_t i = skip_ws(p, at + 9, v->end), off = 0;
    if (!read_uint(p, &i, v->end, &off) || off >= v->end) {
        return false;
    }
    for (size_t n = 0; off != SIZE_MAX; n++) {
        if (n >= MAX_SECTIONS || !read_section(v, off, &off, n == 0)) {
            return false;
        }
    }
    return true;
}

/* The signed revision's entry of object num: its offset (0: free, absent, another generation or odd). */
static size_t offset_of(const es_pdf_view *v, int num)
{
    for (size_t s = 0; s < v->nsub; s++) {
        const subsec *x = &v->sub[s];
        if ((size_t)num < x->start || (size_t)num - x->start >= x->count) {
            continue;
        }
        const uint8_t *e = v->f.ptr + x->pos + 20 * ((size_t)num - x->start);
        if (e[17] != 'n' || memcmp(e + 11, "00000", 5) != 0) {
            return 0;
        }
        size_t i = 0, off = 0;
        return read_uint(e, &i, 10, &off) && off < v->end ? off : 0;
    }
    return 0;
}

static bool keys_of(qpdf_data q, qpdf_oh d, char *keys[ES_PDF_MAX_DICT_KEYS], size_t *n);
static void free_keys(char **keys, size_t n);

/* A dictionary whose keys set_keys can all move (fewer than ES_PDF_MAX_DICT_KEYS): checked before anything is replaced. */
static bool movable(qpdf_data q, qpdf_oh d)
{
    char *keys[ES_PDF_MAX_DICT_KEYS];
    size_t n = 0;
    bool ok = keys_of(q, d, keys, &n) && n + 1 < ES_PDF_MAX_DICT_KEYS;
    free_keys(keys, n);
    return ok;
}

/* Object num's signed definition, read at its offset into s (old_*). */
static bool read_old(es_pdf_view *v, int num, swap *s)
{
    const uint8_t *p = v->f.ptr;
    size_t end = v->end, i = offset_of(v, num), n = 0, g = 0;
    if (i == 0 || !read_uint(p, &i, end, &n) || n != (size_t)num || i >= end || !is_ws(p[i])) {
        return false;
    }
    i = skip_ws(p, i, end);
    if (!read_uint(p, &i, end, &g) || g != 0 || i >= end || !is_ws(p[i])) {
        return false;
    }
    i = skip_ws(p, i, end);
    if (!kw(p, i, end, "obj")) {
        return false;
    }
    i += 3;
    size_t eo = find(p, i, end, "endobj"), so = find(p, i, end, "stream");
    if (eo == SIZE_MAX) {
        return false;
    }
    s->num = num;
    if (so < eo) {
        /* A stream: "<< ... >> stream" EOL data EOL? "endstream" "endobj", data as long as /Length says. */
        qpdf_oh d = parse_text(v->q, p + i, so - i);
        if (d == 0 || !qpdf_oh_is_dictionary(v->q, d) || !movable(v->q, d)) {
            return false;
        }
        qpdf_oh len = qpdf_oh_get_key(v->q, d, "/Length");
        if (qpdf_oh_is_indirect(v->q, len)) {
            /* An indirect /Length no later revision replaced is the same integer in the whole file. */
            int lnum = qpdf_oh_get_object_id(v->q, len);
            if (qpdf_oh_get_generation(v->q, len) != 0 || lnum <= 0 || (uint32_t)lnum >= v->ch->n ||
                v->ch->newest[lnum] > v->since || lnum >= v->size) {
                return false;
            }
            len = qpdf_get_object_by_id(v->q, lnum, 0);
            if (qpdf_oh_is_indirect(v->q, len) && !qpdf_oh_is_integer(v->q, len)) {
                return false;
            }
        }
        long long ln = qpdf_oh_is_integer(v->q, len) ? qpdf_oh_get_int_value(v->q, len) : -1;
        size_t ds = so + 6;
        if (ds < end && p[ds] == '\r') {
            ds++;
        }
        if (ds >= end || p[ds] != '\n') {
            return false;
        }
        ds++;
        if (ln < 0 || (size_t)ln > end - ds) {
            return false;
        }
        size_t k = skip_ws(p, ds + (size_t)ln, end);
        if (!kw(p, k, end, "endstream")) {
            return false;
        }
        k = skip_ws(p, k + 9, end);
        if (!kw(p, k, end, "endobj")) {
            return false;
        }
        s->kind = K_STREAM;
        s->old_text = es_strdup(qpdf_oh_unparse_resolved(v->q, d));
        if (s->old_text == NULL || parse_str(v->q, s->old_text) == 0) {
            return false;
        }
        s->old_len = (size_t)ln;
        s->old_data = es_malloc(s->old_len + 1);
        if (s->old_text == NULL || s->old_data == NULL) {
            return false;
        }
        memcpy(s->old_data, p + ds, s->old_len);
        return true;
    }
    qpdf_oh o = parse_text(v->q, p + i, eo - i);
    if (o == 0) {
        return false;
    }
    s->kind = qpdf_oh_is_array(v->q, o) ? K_ARRAY : qpdf_oh_is_dictionary(v->q, o) && movable(v->q, o) ? K_DICT : 0;
    s->old_text = s->kind != 0 ? es_strdup(qpdf_oh_unparse_resolved(v->q, o)) : NULL;
    /* apply() parses the text again: it must (qpdf writes a name with odd bytes with #xx, refused there). */
    return s->old_text != NULL && parse_str(v->q, s->old_text) != 0;
}

/* The kind of the whole file's object num (0: neither dictionary, array nor stream). */
static int kind_of(qpdf_data q, int num)
{
    qpdf_oh h = qpdf_get_object_by_id(q, num, 0);
    return qpdf_oh_is_stream(q, h) ? K_STREAM : qpdf_oh_is_array(q, h) ? K_ARRAY : qpdf_oh_is_dictionary(q, h) ? K_DICT : 0;
}

/* The keys of dictionary d, copied; false past the bound. */
static bool keys_of(qpdf_data q, qpdf_oh d, char *keys[ES_PDF_MAX_DICT_KEYS], size_t *n)
{
    *n = 0;
    bool ok = true;
    qpdf_oh_begin_dict_key_iter(q, d);
    while (qpdf_oh_dict_more_keys(q)) {
        const char *k = qpdf_oh_dict_next_key(q);
        if (*n >= ES_PDF_MAX_DICT_KEYS) {
            ok = false;
            continue;
        }
        keys[*n] = es_strdup(k);
        ok = ok && keys[*n] != NULL;
        *n += keys[*n] != NULL;
    }
    return ok;
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        es_free(keys[i]);
    }
}

/* Dictionary dst takes src's keys and values (in place: every handle to dst sees them). */
static bool set_keys(qpdf_data q, qpdf_oh dst, qpdf_oh src)
{
    char *keys[ES_PDF_MAX_DICT_KEYS];
    size_t n = 0;
    bool ok = keys_of(q, dst, keys, &n);
    for (size_t i = 0; i < n; i++) {
        qpdf_oh_remove_key(q, dst, keys[i]);
    }
    free_keys(keys, n);
    ok = ok && keys_of(q, src, keys, &n);
    for (size_t i = 0; ok && i < n; i++) {
        qpdf_oh_replace_key(q, dst, keys[i], qpdf_oh_get_key(q, src, keys[i]));
    }
    free_keys(keys, ok ? n : 0);
    return ok;
}

/* Object s->num takes its signed (old) or its whole file's definition, in place. */
static bool apply(es_pdf_view *v, swap *s, bool old)
{
    qpdf_data q = v->q;
    if (!old && !s->saved) {
        return true; /* never replaced: entering saves every object before it replaces any */
    }
    qpdf_oh h = qpdf_get_object_by_id(q, s->num, 0);
    qpdf_oh src = parse_str(q, old ? s->old_text : s->new_text);
    if (src == 0) {
        return false;
    }
    bool ok = true;
    if (s->kind == K_DICT) {
        ok = qpdf_oh_is_dictionary(q, src) && set_keys(q, h, src);
    } else if (s->kind == K_ARRAY) {
        ok = qpdf_oh_is_array(q, src);
        for (int i = qpdf_oh_get_array_n_items(q, h) - 1; ok && i >= 0; i--) {
            qpdf_oh_erase_item(q, h, i);
        }
        int n = ok ? qpdf_oh_get_array_n_items(q, src) : 0;
        for (int i = 0; i < n; i++) {
            qpdf_oh_append_item(q, h, qpdf_oh_get_array_item(q, src, i));
        }
    } else {
        ok = qpdf_oh_is_dictionary(q, src);
        if (ok) {
            qpdf_oh_replace_stream_data(q, h, old ? s->old_data : s->new_data, old ? s->old_len : s->new_len,
                                        qpdf_oh_get_key(q, src, "/Filter"), qpdf_oh_get_key(q, src, "/DecodeParms"));
            ok = set_keys(q, qpdf_oh_get_dict(q, h), src);
        }
    }
    return !noisy(q) && ok;
}

/* The whole file's definition of s->num, kept before it is first replaced. */
static bool save(es_pdf_view *v, swap *s)
{
    qpdf_data q = v->q;
    (void)noisy(q);
    qpdf_oh h = qpdf_get_object_by_id(q, s->num, 0);
    if (s->kind == K_STREAM) {
        unsigned char *buf = NULL;
        size_t len = 0;
        if ((qpdf_oh_get_stream_data(q, h, qpdf_dl_none, NULL, &buf, &len) & QPDF_ERRORS) != 0) {
            free(buf); /* !checksrc! allowed: qpdf allocates with malloc */
            return false;
        }
        s->new_data = es_malloc(len + 1);
        if (s->new_data != NULL && len > 0) {
            memcpy(s->new_data, buf, len);
        }
        free(buf); /* !checksrc! allowed: qpdf allocates with malloc */
        s->new_len = len;
        s->new_text = movable(q, qpdf_oh_get_dict(q, h)) ? es_strdup(qpdf_oh_unparse_resolved(q, qpdf_oh_get_dict(q, h)))
                                                          : NULL;
    } else {
        s->new_text = s->kind == K_ARRAY || movable(q, h) ? es_strdup(qpdf_oh_unparse_resolved(q, h)) : NULL;
    }
    s->saved = !noisy(q) && s->new_text != NULL && (s->kind != K_STREAM || s->new_data != NULL) &&
               parse_str(q, s->new_text) != 0; /* leaving must be able to put it back */
    return s->saved;
}

static void swaps_free(es_pdf_view *v)
{
    for (size_t i = 0; i < v->nsw; i++) {
        es_free(v->sw[i].old_text);
        es_free(v->sw[i].new_text);
        es_free(v->sw[i].old_data);
        es_free(v->sw[i].new_data);
    }
    es_free(v->sw);
}

ES_RESULT es_pdf_view_leave(es_pdf_view *v)
{
    if (v == NULL || !v->inside) {
        return ES_OK;
    }
    bool ok = true;
    for (size_t i = v->nsw; i-- > 0;) {
        ok = apply(v, &v->sw[i], false) && ok;
    }
    qpdf_oh_release_all(v->q);
    v->inside = false;
    ES_ENSURE(ok, ESEAL_ESTATE, "pdf: the shared parse could not be given back its own objects");
    return ES_OK;
}

static bool walk_pages(es_pdf_view *v, unsigned max);

ES_RESULT es_pdf_view_enter(es_pdf_view *v, bool *ok)
{
    *ok = true;
    if (v->inside) {
        return ES_OK;
    }
    for (size_t i = 0; i < v->nsw && *ok; i++) {
        *ok = v->sw[i].saved || save(v, &v->sw[i]);
    }
    v->inside = true; /* from here on, leaving puts back what was replaced */
    for (size_t i = 0; i < v->nsw && *ok; i++) {
        *ok = apply(v, &v->sw[i], true);
    }
    qpdf_oh_release_all(v->q);
    if (*ok && !v->walked) {
        v->walked = true;
        *ok = walk_pages(v, v->max); /* the first entry: the signed page tree, or no view */
    }
    if (!*ok) {
        ES_GUARD(es_pdf_view_leave(v));
    }
    return ES_OK;
}

void es_pdf_view_free(es_pdf_view *v)
{
    if (v == NULL) {
        return;
    }
    es_result r = es_pdf_view_leave(v);
    (void)r; /* es_pdf_view_leave's error was reported by the judgement that left it */
    swaps_free(v);
    es_free(v->sub);
    es_free(v->trailer);
    es_free(v->pages);
    es_free(v);
}

void es_pdf_view_freep(es_pdf_view **v)
{
    es_pdf_view_free(*v);
    *v = NULL;
}

/*
 * The signed revision's pages, as qpdf's getAllPages lists them, but only for a tree qpdf would
 * take as it is: /Pages a /Type /Pages node without /Parent; every node an indirect /Type /Pages
 * dictionary with a /Kids array, met once; every leaf (a kid without /Kids) an indirect /Type
 * /Page dictionary met once. Anything else qpdf repairs with a warning, or refuses: no view.
 */
static bool walk_pages(es_pdf_view *v, unsigned max)
{
    qpdf_data q = v->q;
    qpdf_oh t = parse_str(q, v->trailer); /* drains what was pending */
    qpdf_oh root = t != 0 ? qpdf_oh_get_key(q, t, "/Root") : 0;
    if (root == 0 || !qpdf_oh_is_indirect(q, root) || qpdf_oh_get_generation(q, root) != 0 ||
        qpdf_oh_get_object_id(q, root) >= v->size || !qpdf_oh_is_dictionary(q, root)) {
        return false;
    }
    qpdf_oh top = qpdf_oh_get_key(q, root, "/Pages");
    uint8_t *node_seen = es_calloc((size_t)v->size / 8 + 1, 1), *leaf_seen = es_calloc((size_t)v->size / 8 + 1, 1);
    int *stack = es_calloc(2 * (size_t)max + 2, sizeof(int));
    size_t cap = 64, top_i = 0;
    v->pages = es_calloc(cap, sizeof(int));
    bool ok = node_seen != NULL && leaf_seen != NULL && stack != NULL && v->pages != NULL &&
              qpdf_oh_is_indirect(q, top) && qpdf_oh_get_generation(q, top) == 0 && !qpdf_oh_has_key(q, top, "/Parent");
    int tn = ok ? qpdf_oh_get_object_id(q, top) : 0;
    ok = ok && tn > 0 && tn < v->size;
    if (ok) {
        node_seen[tn / 8] |= (uint8_t)(1u << (tn % 8));
        stack[0] = tn;
        stack[1] = 0;
        top_i = 1;
    }
    size_t visits = 0;
    while (ok && top_i > 0) {
        int nn = stack[2 * (top_i - 1)], k = stack[2 * (top_i - 1) + 1];
        qpdf_oh node = qpdf_get_object_by_id(q, nn, 0);
        qpdf_oh kids = qpdf_oh_get_key(q, node, "/Kids");
        if (k == 0) {
            ok = qpdf_oh_is_dictionary(q, node) &&
                 qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, node, "/Type"), "/Pages") &&
                 qpdf_oh_is_array(q, kids);
        }
        if (!ok || k >= qpdf_oh_get_array_n_items(q, kids)) {
            top_i--;
            qpdf_oh_release_all(q);
            continue;
        }
        stack[2 * (top_i - 1) + 1] = k + 1;
        ok = ++visits <= max;
        qpdf_oh kid = qpdf_oh_get_array_item(q, kids, k);
        int kn = qpdf_oh_is_indirect(q, kid) ? qpdf_oh_get_object_id(q, kid) : 0;
        ok = ok && kn > 0 && kn < v->size && qpdf_oh_get_generation(q, kid) == 0 && qpdf_oh_is_dictionary(q, kid);
        if (ok && qpdf_oh_has_key(q, kid, "/Kids")) {
            ok = (node_seen[kn / 8] & (1u << (kn % 8))) == 0 && top_i <= max;
            if (ok) {
                node_seen[kn / 8] |= (uint8_t)(1u << (kn % 8));
                stack[2 * top_i] = kn;
                stack[2 * top_i + 1] = 0;
                top_i++;
            }
        } else if (ok) {
            ok = (leaf_seen[kn / 8] & (1u << (kn % 8))) == 0 &&
                 qpdf_oh_is_name_and_equals(q, qpdf_oh_get_key(q, kid, "/Type"), "/Page");
            leaf_seen[kn / 8] |= (uint8_t)(1u << (kn % 8));
            if (ok && v->npages == cap) {
                int *n = es_realloc(v->pages, 2 * cap * sizeof(int));
                ok = n != NULL;
                v->pages = ok ? n : v->pages;
                cap *= 2;
            }
            if (ok) {
                v->pages[v->npages++] = kn;
            }
        }
        qpdf_oh_release_all(q);
    }
    es_free(node_seen);
    es_free(leaf_seen);
    es_free(stack);
    qpdf_oh_release_all(q);
    return ok && !noisy(q);
}

ES_RESULT es_pdf_view_open(es_pdf_view **out, es_pdf_qpdf *file, es_span f, size_t signed_end,
                           const es_pdf_xref_changes *ch, size_t since)
{
    *out = NULL;
    if (file->q == NULL || ch == NULL || ch->newest == NULL || since == 0 || signed_end > f.len || signed_end < 32) {
        return ES_OK;
    }
    const char *w = NULL;
    ES_GUARD(es_pdf_qpdf_pages(file, &w));
    if (w != NULL) {
        return ES_OK; /* qpdf repaired the whole file's tree: the judgement compares every object, on two parses */
    }
    es_pdf_qpdf_quiet(file);
    ES_AUTO(es_pdf_view_freep) es_pdf_view *v = es_calloc(1, sizeof(*v));
    ES_ENSURE_ALLOC(v);
    v->file = file;
    v->q = file->q;
    v->f = f;
    v->end = signed_end;
    v->ch = ch;
    v->since = since;
    unsigned max = es_limits_or_default(file->lim)->max_objects;
    bool ok = read_chain(v) && (uint32_t)v->size <= ch->n && (unsigned)v->size <= max;
    /* Every object of the signed revision that a later revision replaced, from its old bytes. */
    for (int num = 1; ok && num < v->size; num++) {
        if (ch->newest[num] <= since) {
            continue;
        }
        if (v->nsw == v->capsw) {
            size_t cap = v->capsw == 0 ? 16 : v->capsw * 2;
            swap *n = es_realloc(v->sw, cap * sizeof(*n));
            ES_ENSURE_ALLOC(n);
            v->sw = n;
            v->capsw = cap;
        }
        swap *s = &v->sw[v->nsw++];
        memset(s, 0, sizeof(*s));
        ok = read_old(v, num, s) && kind_of(v->q, num) == s->kind;
        qpdf_oh_release_all(v->q);
    }
    ok = ok && !noisy(v->q);
    v->max = max;
    if (!ok) {
        es_pdf_qpdf_quiet(file);
        return ES_OK;
    }
    vcounts.rebuilt += v->nsw;
    *out = v;
    v = NULL;
    return ES_OK;
}

int es_pdf_view_size(const es_pdf_view *v) { return v->size; }

size_t es_pdf_view_npages(const es_pdf_view *v) { return v->npages; }

int es_pdf_view_page(const es_pdf_view *v, size_t i) { return i < v->npages ? v->pages[i] : 0; }

unsigned int es_pdf_view_trailer(const es_pdf_view *v) { return parse_str(v->q, v->trailer); }

size_t es_pdf_view_nswapped(const es_pdf_view *v) { return v->nsw; }

int es_pdf_view_swapped(const es_pdf_view *v, size_t i) { return i < v->nsw ? v->sw[i].num : 0; }
