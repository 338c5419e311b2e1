/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One resolution (issue #15, class 2; ISO 32000-1 §7.5): a strict check of a PDF's structure,
 * independent of qpdf, whose single resolution is exactly what is in doubt. Readers resolve an
 * object differently when the file lets them: two definitions of one object in a revision, a
 * later revision that changes an object's generation, a hybrid file whose table and /XRefStm
 * disagree (§7.5.8.4), bytes after the last %%EOF for recovering readers (MuPDF rebuilds from
 * them), an xref entry that does not point at its object, a /Prev chain that loops or runs
 * forward. Each is a finding and the verifier refuses the file (AMBIGUOUS_STRUCTURE).
 *
 * What it reads itself: the startxref and /Prev chain; classic tables (§7.5.4); cross-reference
 * streams (§7.5.8: FlateDecode through zlib, the PNG predictors, /W /Index /Size /Prev) and the
 * /XRefStm of hybrid files; object streams (§7.5.7) for the objects they hold; and every
 * revision's bytes, object by object, stream bodies skipped. Why not qpdf: its C API exposes one
 * merged xref, not each section's entries, nor where each revision's bytes define what.
 *
 * Revisions are delimited by the %%EOF that follows each section of the chain (the same ends the
 * verifier's byte ranges must stop at); a linearized file's first-page section and main section
 * (Annex F: the only forward /Prev allowed) form one revision.
 *
 * Stream bodies: a direct /Length must land on `endstream`; an indirect one is resolved through the
 * xref of the stream's revision; only when that fails is the first `endstream` taken. Whatever the
 * length, a body that contains `endstream` itself is a finding: a reader that searches for the
 * keyword instead of trusting /Length would read the rest of the body as objects.
 *
 * Limits (the caller's, es_pdf_check_structure): sections (max_xref_sections), one token
 * (max_token_bytes; a hex string twice max_der_bytes: token_size), entries and definitions
 * (max_objects), nesting (max_nesting), inflated bytes per stream (max_inflated_bytes). Time is
 * linear in the file: one pass over each revision's bytes, no rescans. A limit is an error
 * (ESEAL_ELIMIT); bytes this check cannot read as one structure are a finding, never silence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pdf.h"
#include "util/report.h"

/* ---- lexer (ISO 32000-1 §7.2) ------------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t len; /* reading stops here */
    size_t pos; /* absolute offset in the file */
    /* "%%EOF" where no revision ends (a comment or string inside one): readers that find revisions
     * by their markers (the text, not the chain) end one there. The scan allows it right after a
     * startxref's offset (eof_ok) and notes the first other one (stray_eof: its offset + 1). */
    bool eof_ok;
    size_t stray_eof;
} lx;

enum { T_EOF, T_INT, T_REAL, T_NAME, T_STR, T_DB, T_DE, T_AB, T_AE, T_KW, T_BAD };

typedef struct {
    int t;
    size_t at, end;
    int64_t i; /* T_INT */
} tok;

/* The byte classes of §7.2.2-3, one table (issue 18, h-bigverify: the lexer's hottest tests):
 * white-space; a delimiter; a control byte that is not PDF white-space (VT (0x0B) and the others
 * are regular characters to the standard but white-space to readers built on isspace(), so a token
 * holding one reads differently from reader to reader: /Root<VT> is /Root to some, another key to
 * others). */
enum { C_WS = 1, C_DELIM = 2, C_CTL = 4 };
#define CC_WS(c) [c] = C_WS
#define CC_DL(c) [c] = C_DELIM
static const uint8_t CLASS[256] = {
    CC_WS(0), CC_WS(9), CC_WS(10), CC_WS(12), CC_WS(13), CC_WS(32),
    [1] = C_CTL, [2] = C_CTL, [3] = C_CTL, [4] = C_CTL, [5] = C_CTL, [6] = C_CTL, [7] = C_CTL, [8] = C_CTL,
    [11] = C_CTL, [14] = C_CTL, [15] = C_CTL, [16] = C_CTL, [17] = C_CTL, [18] = C_CTL, [19] = C_CTL,
    [20] = C_CTL, [21] = C_CTL, [22] = C_CTL, [23] = C_CTL, [24] = C_CTL, [25] = C_CTL, [26] = C_CTL,
    [27] = C_CTL, [28] = C_CTL, [29] = C_CTL, [30] = C_CTL, [31] = C_CTL, [127] = C_CTL,
    CC_DL('('), CC_DL(')'), CC_DL('<'), CC_DL('>'), CC_DL('['), CC_DL(']'), CC_DL('{'), CC_DL('}'), CC_DL('/'),
    CC_DL('%'),
};
#undef CC_WS
#undef CC_DL
static bool is_ws(uint8_t c) { return (CLASS[c] & C_WS) != 0; }
static bool is_ctl(uint8_t c) { return (CLASS[c] & C_CTL) != 0; }
/* Neither white-space nor a delimiter: the byte continues a name, number or keyword. */
static bool is_regular(uint8_t c) { return (CLASS[c] & (C_WS | C_DELIM)) == 0; }
static bool is_hexd(uint8_t c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int hexv(uint8_t c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* Plain whitespace only (before %%EOF, which is a comment to the lexer). */
static void skip_plain_ws(lx *l)
{
    while (l->pos < l->len && is_ws(l->p[l->pos])) {
        l->pos++;
    }
}

/* At l->pos: the marker "%%EOF"; noted unless it ends a section (l->eof_ok, which it uses up). */
static void eof_marker(lx *l, size_t at)
{
    if (l->len - at < 5 || memcmp(l->p + at, "%%EOF", 5) != 0) {
        return;
    }
    if (l->eof_ok) {
        l->eof_ok = false;
    } else if (l->stray_eof == 0) {
        l->stray_eof = at + 1;
    }
}

static void skip_ws(lx *l)
{
    while (l->pos < l->len) {
        uint8_t c = l->p[l->pos];
        if (is_ws(c)) {
            l->pos++;
        } else if (c == '%') {
            /* the marker anywhere in the comment: readers search the text for it */
            while (l->pos < l->len && l->p[l->pos] != '\n' && l->p[l->pos] != '\r') {
                if (l->p[l->pos] == '%') {
                    eof_marker(l, l->pos);
                }
                l->pos++;
            }
        } else {
            break;
        }
    }
}

static void classify(const lx *l, tok *t)
{
    size_t i = t->at, e = t->end;
    bool neg = false;
    if (i < e && (l->p[i] == '+' || l->p[i] == '-')) {
        neg = l->p[i] == '-';
        i++;
    }
    size_t digits = 0, dots = 0;
    int64_t v = 0;
    bool big = false;
    for (size_t k = i; k < e; k++) {
        uint8_t c = l->p[k];
        if (c >= '0' && c <= '9') {
            digits++;
            if (v > ((int64_t)1 << 50)) {
                big = true;
            } else {
                v = v * 10 + (c - '0');
            }
        } else if (c == '.') {
            dots++;
        } else {
            t->t = T_KW;
            return;
        }
    }
    if (digits == 0 || dots > 1) {
        t->t = i == t->at ? T_KW : T_BAD;
        return;
    }
    t->t = dots == 1 || big ? T_REAL : T_INT;
    t->i = neg ? -v : v;
}

static void next(lx *l, tok *t)
{
    skip_ws(l);
    l->eof_ok = false; /* only the marker right after a startxref's offset ends a section */
    t->at = l->pos;
    t->i = 0;
    if (l->pos >= l->len) {
        t->t = T_EOF;
        t->end = l->pos;
        return;
    }
    uint8_t c = l->p[l->pos++];
    switch (c) {
    case '(': {
        size_t depth = 1;
        t->t = T_BAD;
        while (l->pos < l->len) {
            uint8_t d = l->p[l->pos++];
            if (d == '\\') {
                l->pos += l->pos < l->len;
            } else if (d == '%') {
                eof_marker(l, l->pos - 1); /* eof_ok is false here: next() cleared it */
            } else if (d == '(') {
                depth++;
            } else if (d == ')' && --depth == 0) {
                t->t = T_STR;
                break;
            }
        }
        break;
    }
    case '<':
        if (l->pos < l->len && l->p[l->pos] == '<') {
            l->pos++;
            t->t = T_DB;
            break;
        }
        t->t = T_BAD;
        while (l->pos < l->len) {
            uint8_t d = l->p[l->pos++];
            if (d == '>') {
                t->t = T_STR;
                break;
            }
            if (!is_hexd(d) && !is_ws(d)) {
                break;
            }
        }
        break;
    case '>':
        t->t = T_BAD;
        if (l->pos < l->len && l->p[l->pos] == '>') {
            l->pos++;
            t->t = T_DE;
        }
        break;
    case '[':
        t->t = T_AB;
        break;
    case ']':
        t->t = T_AE;
        break;
    case '{':
    case '}':
        t->t = T_KW;
        break;
    case ')':
        t->t = T_BAD;
        break;
    case '/': {
        bool ctl = false;
        while (l->pos < l->len && is_regular(l->p[l->pos])) {
            ctl = ctl || is_ctl(l->p[l->pos]);
            l->pos++;
        }
        t->t = ctl ? T_BAD : T_NAME;
        break;
    }
    default: {
        bool ctl = false;
        while (l->pos < l->len && is_regular(l->p[l->pos])) {
            ctl = ctl || is_ctl(l->p[l->pos]);
            l->pos++;
        }
        t->end = l->pos;
        classify(l, t);
        if (ctl) {
            t->t = T_BAD;
        }
        return;
    }
    }
    t->end = l->pos;
}

static bool kw(const lx *l, const tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->t == T_KW && t->end - t->at == n && memcmp(l->p + t->at, w, n) == 0;
}

/*
 * A name token's bytes after the slash, #xx escapes decoded (§7.3.5: /Pr#65v is /Prev to every
 * reader), into `buf` (`cap` bytes); its length, or `cap` when longer than cap - 1 (then it equals
 * no name shorter than cap).
 */
static size_t name_decode(const lx *l, const tok *t, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    if (t->t != T_NAME) {
        return cap;
    }
    for (size_t i = t->at + 1; i < t->end;) {
        int c = l->p[i];
        if (c == '#' && i + 2 < t->end && is_hexd(l->p[i + 1]) && is_hexd(l->p[i + 2])) {
            c = hexv(l->p[i + 1]) << 4 | hexv(l->p[i + 2]);
            i += 3;
        } else {
            i++;
        }
        if (n == cap - 1) {
            return cap;
        }
        buf[n++] = (uint8_t)c;
    }
    return n;
}

/* A name token equals /want (a literal of the checks below, shorter than 32 bytes). */
static bool name_is(const lx *l, const tok *t, const char *want)
{
    uint8_t buf[32];
    size_t wl = strlen(want);
    size_t n = name_decode(l, t, buf, sizeof(buf));
    return wl < sizeof(buf) && n == wl && memcmp(buf, want, wl) == 0;
}

/* ---- the structure being collected ------------------------------------------------------- */

typedef enum { P_OK, P_BAD, P_LIMIT } pst;

/* The keys of a stream, trailer or object dictionary this check reads; -1: absent. */
typedef struct {
    bool xref, objstm, linearized;
    int64_t length;
    int64_t length_ref; /* > 0: /Length is an indirect reference to this object */
    int nfilter, nflate;
    int64_t predictor, columns, colors, bpc;
    int64_t w[3];
    int nw;
    int64_t *index;
    size_t nindex;
    int64_t size, prev, xrefstm, n, first;
    unsigned seen;     /* keys met, to find one given twice */
    const char *dup;   /* a key given twice: readers disagree which counts */
} dinfo;

static void dinfo_init(dinfo *d)
{
    memset(d, 0, sizeof(*d));
    d->length = d->length_ref = d->predictor = d->columns = d->colors = d->bpc = -1;
    d->size = d->prev = d->xrefstm = d->n = d->first = -1;
}

typedef struct {
    uint32_t num;
    uint8_t type; /* 0 free, 1 in use at f2, 2 in object stream f2 at index f3 */
    uint64_t f2;
    uint32_t f3;
    uint32_t sect; /* index of the section that lists it */
    uint32_t rev;  /* oldest first */
} xent;

typedef struct {
    size_t off, end;    /* end: after the %%EOF that closes its revision (0: an /XRefStm) */
    size_t after;       /* just after the section (its trailer or its endobj) */
    int64_t tail_sx;    /* the startxref value after it */
    int64_t prev, xrefstm;
    bool stream, hybrid; /* an xref stream; the /XRefStm of a table */
    uint32_t rid;       /* revision, newest first while walking */
} sect;

typedef struct {
    uint32_t num, gen;
    size_t off;     /* the "N G obj" header (of the object stream for held objects) */
    int64_t objstm; /* -1: defined directly; else the object stream holding it */
    uint32_t rev;
    uint32_t idx; /* its place in the object stream */
    int64_t stm_len; /* held objects: the object stream's indirect /Length (> 0), else 0 or less */
} def;

typedef struct {
    size_t start, end;
    bool scanned; /* its bytes were read to the end without a finding */
} rev;

typedef struct {
    es_span f;
    const eseal_limits *lim;
    es_pdf_ambiguity *out;
    size_t max, n, count; /* stored, found */
    xent *e;
    size_t ne, cape;
    sect *s;
    size_t ns;
    rev *r;
    size_t nr;
    def *d;
    size_t nd, capd;
    xent *eff; /* one effective entry per (revision, object), sorted by revision then number */
    size_t neff;
    char why[120]; /* why the last P_BAD */
} ctx;

__attribute__((format(printf, 6, 7))) static void finding(ctx *c, es_pdf_ambiguity_kind kind, size_t off,
                                                          int64_t num, int64_t gen, const char *fmt, ...)
{
    c->count++;
    if (c->n >= c->max) {
        return;
    }
    es_pdf_ambiguity *a = &c->out[c->n++];
    a->kind = kind;
    a->offset = off;
    a->num = (int)num;
    a->gen = (int)gen;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(a->what, sizeof(a->what), fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static pst bad(ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
    return P_BAD;
}

/* P_LIMIT: the error is recorded (a limit, or memory); the check stops. */
static pst limit(const char *what)
{
    (void)es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "pdf: %s", what);
    return P_LIMIT;
}

static pst grow(void **p, size_t *cap, size_t n, size_t elem, size_t most)
{
    if (n < *cap) {
        return P_OK;
    }
    if (n >= most) {
        return limit("more cross-reference entries or object definitions than the object limit");
    }
    size_t nc = *cap != 0 ? *cap * 2 : 64;
    void *q = es_realloc(*p, nc * elem);
    if (q == NULL) {
        (void)es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
        return P_LIMIT;
    }
    *p = q;
    *cap = nc;
    return P_OK;
}

/* ---- values and dictionaries ------------------------------------------------------------- */

/* After an integer: "G R" makes it a reference (§7.3.10); *gen receives G. */
static bool ref_tail(lx *l, int64_t *gen)
{
    size_t save = l->pos;
    tok a, b;
    next(l, &a);
    if (a.t == T_INT) {
        next(l, &b);
        if (kw(l, &b, "R")) {
            *gen = a.i;
            return true;
        }
    }
    l->pos = save;
    return false;
}

static pst dict(ctx *c, lx *l, unsigned depth, dinfo *d, bool parms);

/*
 * One token (a name, number, keyword or string) longer than max_token_bytes is refused, as pdfio
 * refuses one: nothing in a PDF's structure needs one. A hex string may be longer, as it carries
 * a signature's /Contents (ISO 32000-1 §12.8.1: a CMS of up to max_der_bytes, two digits a byte).
 */
static pst token_size(ctx *c, const lx *l, const tok *t)
{
    size_t len = t->end - t->at, max = c->lim->max_token_bytes;
    if (t->t == T_STR && l->p[t->at] == '<' && max < 2 * c->lim->max_der_bytes + 2) {
        max = 2 * c->lim->max_der_bytes + 2;
    }
    if (len <= max) {
        return P_OK;
    }
    (void)es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__,
                       "pdf: a token of %zu bytes at offset %zu, more than max_token_bytes (%zu)", len, t->at, max);
    return P_LIMIT;
}

static pst value(ctx *c, lx *l, const tok *t, unsigned depth)
{
    int64_t g = 0;
    pst ts = token_size(c, l, t);
    if (ts != P_OK) {
        return ts;
    }
    switch (t->t) {
    case T_INT:
        (void)ref_tail(l, &g);
        return P_OK;
    case T_REAL:
    case T_STR:
    case T_NAME:
        return P_OK;
    case T_KW:
        if (kw(l, t, "true") || kw(l, t, "false") || kw(l, t, "null")) {
            return P_OK;
        }
        return bad(c, "unexpected '%.*s' at offset %zu", (int)(t->end - t->at > 20 ? 20 : t->end - t->at),
                   (const char *)l->p + t->at, t->at);
    case T_DB:
        if (depth >= c->lim->max_nesting) {
            return limit("objects nested deeper than the limit");
        }
        return dict(c, l, depth + 1, NULL, false);
    case T_AB:
        if (depth >= c->lim->max_nesting) {
            return limit("objects nested deeper than the limit");
        }
        for (;;) {
            tok u;
            next(l, &u);
            if (u.t == T_AE) {
                return P_OK;
            }
            pst s = u.t == T_EOF ? bad(c, "an array is not closed") : value(c, l, &u, depth + 1);
            if (s != P_OK) {
                return s;
            }
        }
    default:
        return bad(c, "unexpected bytes at offset %zu", t->at);
    }
}

/* A direct non-negative integer into *slot; anything else (a reference too) is -2. */
static pst int_value(ctx *c, lx *l, unsigned depth, int64_t *slot)
{
    tok v;
    next(l, &v);
    int64_t g;
    if (v.t == T_INT && v.i >= 0 && !ref_tail(l, &g)) {
        *slot = v.i;
        return P_OK;
    }
    *slot = -2;
    return value(c, l, &v, depth);
}

static pst int_array(ctx *c, lx *l, int64_t **out, size_t *n)
{
    tok u;
    next(l, &u);
    if (u.t != T_AB) {
        return bad(c, "/W or /Index at offset %zu is not an array", u.at);
    }
    size_t cap = 0;
    for (;;) {
        next(l, &u);
        if (u.t == T_AE) {
            return P_OK;
        }
        if (u.t != T_INT || u.i < 0) {
            return bad(c, "/W or /Index at offset %zu holds something else than non-negative integers", u.at);
        }
        pst s = grow((void **)out, &cap, *n, sizeof(**out), 2 * (size_t)c->lim->max_objects);
        if (s != P_OK) {
            return s;
        }
        (*out)[(*n)++] = u.i;
    }
}

enum {
    K_TYPE = 1u << 0, K_LENGTH = 1u << 1, K_FILTER = 1u << 2, K_PARMS = 1u << 3, K_W = 1u << 4, K_INDEX = 1u << 5,
    K_SIZE = 1u << 6, K_PREV = 1u << 7, K_XREFSTM = 1u << 8, K_N = 1u << 9, K_FIRST = 1u << 10,
    K_PRED = 1u << 11, K_COLS = 1u << 12, K_COLORS = 1u << 13, K_BPC = 1u << 14,
};

#define KEY_(s) s, sizeof(s) - 1
static const struct {
    const char *name;
    size_t len;
    unsigned bit;
    bool parms;
} KEYS[] = {
    {KEY_("Type"), K_TYPE, false},   {KEY_("Length"), K_LENGTH, false}, {KEY_("Filter"), K_FILTER, false},
    {KEY_("DecodeParms"), K_PARMS, false}, {KEY_("W"), K_W, false},     {KEY_("Index"), K_INDEX, false},
    {KEY_("Size"), K_SIZE, false},   {KEY_("Prev"), K_PREV, false},     {KEY_("XRefStm"), K_XREFSTM, false},
    {KEY_("N"), K_N, false},         {KEY_("First"), K_FIRST, false},   {KEY_("Predictor"), K_PRED, true},
    {KEY_("Columns"), K_COLS, true}, {KEY_("Colors"), K_COLORS, true},  {KEY_("BitsPerComponent"), K_BPC, true},
};
#undef KEY_
#define KEY_MAX 16 /* the longest name above, "BitsPerComponent" */


static int64_t *int_slot(dinfo *d, unsigned bit)
{
    switch (bit) {
    case K_SIZE: return &d->size;
    case K_PREV: return &d->prev;
    case K_XREFSTM: return &d->xrefstm;
    case K_N: return &d->n;
    case K_FIRST: return &d->first;
    case K_PRED: return &d->predictor;
    case K_COLS: return &d->columns;
    case K_COLORS: return &d->colors;
    case K_BPC: return &d->bpc;
    default: return NULL;
    }
}

static pst filter_value(ctx *c, lx *l, unsigned depth, dinfo *d)
{
    tok v;
    next(l, &v);
    if (v.t == T_NAME) {
        d->nfilter = 1;
        d->nflate = name_is(l, &v, "FlateDecode") || name_is(l, &v, "Fl");
        return P_OK;
    }
    if (v.t != T_AB) {
        d->nfilter = 99;
        return value(c, l, &v, depth);
    }
    for (;;) {
        next(l, &v);
        if (v.t == T_AE) {
            return P_OK;
        }
        if (v.t != T_NAME) {
            return bad(c, "/Filter at offset %zu holds something else than names", v.at);
        }
        d->nfilter++;
        d->nflate += name_is(l, &v, "FlateDecode") || name_is(l, &v, "Fl");
    }
}

static pst parms_value(ctx *c, lx *l, unsigned depth, dinfo *d)
{
    tok v;
    next(l, &v);
    if (v.t == T_DB) {
        return dict(c, l, depth + 1, d, true);
    }
    if (v.t != T_AB) {
        return value(c, l, &v, depth);
    }
    for (;;) {
        next(l, &v);
        if (v.t == T_AE) {
            return P_OK;
        }
        pst s = v.t == T_DB ? dict(c, l, depth + 1, d, true) : kw(l, &v, "null") ? P_OK
                                                                                 : bad(c, "bad /DecodeParms");
        if (s != P_OK) {
            return s;
        }
    }
}

/* After "<<": reads to ">>"; with d, the keys this check needs (parms: those of /DecodeParms). */
static pst dict(ctx *c, lx *l, unsigned depth, dinfo *d, bool parms)
{
    if (depth > c->lim->max_nesting) {
        return limit("objects nested deeper than the limit");
    }
    for (;;) {
        tok k, v;
        next(l, &k);
        if (k.t == T_DE) {
            return P_OK;
        }
        if (k.t != T_NAME) {
            return bad(c, "a dictionary key at offset %zu is not a name", k.at);
        }
        pst ks = token_size(c, l, &k);
        if (ks != P_OK) {
            return ks;
        }
        unsigned bit = 0;
        /* The key decoded once (name_is's reading), then compared with each key this check reads. */
        uint8_t key[KEY_MAX + 1];
        size_t kn = d != NULL ? name_decode(l, &k, key, sizeof(key)) : 0;
        for (size_t i = 0; d != NULL && i < sizeof(KEYS) / sizeof(KEYS[0]) && bit == 0; i++) {
            if (KEYS[i].parms == parms && kn == KEYS[i].len && memcmp(key, KEYS[i].name, kn) == 0) {
                bit = KEYS[i].bit;
                if (d->seen & bit) {
                    d->dup = KEYS[i].name;
                }
                d->seen |= bit;
            }
        }
        if (d != NULL && !parms && kn == 10 && memcmp(key, "Linearized", 10) == 0) {
            d->linearized = true;
        }
        pst s;
        size_t vstart = l->pos;
        int64_t *slot = d != NULL ? int_slot(d, bit) : NULL;
        int64_t g = 0;
        if (slot != NULL) {
            s = int_value(c, l, depth, slot);
        } else if (bit == K_TYPE) {
            next(l, &v);
            d->xref = name_is(l, &v, "XRef");
            d->objstm = name_is(l, &v, "ObjStm");
            s = value(c, l, &v, depth);
        } else if (bit == K_LENGTH) {
            next(l, &v);
            if (v.t == T_INT && v.i >= 0 && ref_tail(l, &g)) {
                d->length_ref = v.i > 0 ? v.i : -2;
            } else {
                d->length = v.t == T_INT && v.i >= 0 ? v.i : -2;
            }
            s = d->length == -2 || d->length_ref == -2 ? value(c, l, &v, depth) : P_OK;
        } else if (bit == K_FILTER) {
            s = filter_value(c, l, depth, d);
        } else if (bit == K_PARMS) {
            s = parms_value(c, l, depth, d);
        } else if (bit == K_W) {
            int64_t *w = NULL;
            size_t nw = 0;
            s = int_array(c, l, &w, &nw);
            if (s == P_OK && nw != 3) {
                s = bad(c, "/W does not have three entries");
            }
            for (size_t i = 0; s == P_OK && i < 3; i++) {
                d->w[i] = w[i];
            }
            d->nw = s == P_OK ? 3 : 0;
            es_free(w);
        } else if (bit == K_INDEX) {
            es_free(d->index);
            d->index = NULL;
            d->nindex = 0;
            s = int_array(c, l, &d->index, &d->nindex);
        } else {
            next(l, &v);
            s = v.t == T_EOF ? bad(c, "a dictionary is not closed") : value(c, l, &v, depth);
        }
        if (s == P_BAD && (bit == K_FILTER || bit == K_PARMS || bit == K_W || bit == K_INDEX)) {
            /* Not the shape a stream gives these keys (a CIDFont's /W): read as any value; unusable. */
            l->pos = vstart;
            d->nw = bit == K_W ? 0 : d->nw;
            d->nfilter = bit == K_FILTER ? 99 : d->nfilter;
            d->predictor = bit == K_PARMS ? -2 : d->predictor;
            d->nindex = bit == K_INDEX ? 1 : d->nindex; /* odd: refused by stream_entries */
            next(l, &v);
            s = v.t == T_EOF ? bad(c, "a dictionary is not closed") : value(c, l, &v, depth);
        }
        if (s != P_OK) {
            return s;
        }
    }
}

/* ---- objects ----------------------------------------------------------------------------- */

typedef struct {
    int64_t num, gen;
    size_t at; /* the header */
    dinfo d;
    bool stream;
    size_t data, data_len;
} obj;

/* An integer written with digits only: object and generation numbers are non-negative integers
 * (ISO 32000-2 §7.3.10), and a sign ("11 -0 obj", "+3 0 obj") is read as a header by some readers
 * and not by others (found by the pdf_verify_rev campaign): one resolution, the strictest. */
static bool plain_uint(const lx *l, const tok *t)
{
    return t->t == T_INT && t->at < l->len && l->p[t->at] >= '0' && l->p[t->at] <= '9';
}

/* "N G obj" from l->pos (whitespace and comments before it skipped). */
static bool header(lx *l, int64_t *num, int64_t *gen, size_t *at)
{
    tok a, b, k;
    next(l, &a);
    *at = a.at;
    if (!plain_uint(l, &a)) {
        return false;
    }
    next(l, &b);
    if (!plain_uint(l, &b)) {
        return false;
    }
    next(l, &k);
    *num = a.i;
    *gen = b.i;
    return kw(l, &k, "obj");
}

static int64_t resolve_length(ctx *c, int64_t num, uint32_t rv);

/*
 * The object after its header, to its endobj. rv: the revision whose xref resolves an indirect
 * /Length (UINT32_MAX: none; the /Length must then be direct).
 */
static pst read_obj(ctx *c, lx *l, uint32_t rv, obj *o)
{
    dinfo_init(&o->d);
    o->stream = false;
    o->data = o->data_len = 0;
    tok v, k;
    next(l, &v);
    bool is_dict = v.t == T_DB;
    pst s = is_dict ? dict(c, l, 1, &o->d, false) : v.t == T_EOF ? bad(c, "the file ends inside it")
                                                                 : value(c, l, &v, 0);
    if (s != P_OK) {
        return s;
    }
    next(l, &k);
    if (kw(l, &k, "endobj")) {
        return P_OK;
    }
    if (!is_dict || !kw(l, &k, "stream")) {
        return bad(c, "no endobj where it ends (offset %zu)", k.at);
    }
    /* §7.3.8.1: "stream" then CRLF or LF (a lone CR is taken too, as readers do). */
    size_t p = l->pos;
    if (l->len - p >= 2 && l->p[p] == '\r' && l->p[p + 1] == '\n') {
        p += 2;
    } else if (p < l->len && (l->p[p] == '\n' || l->p[p] == '\r')) {
        p++;
    } else {
        return bad(c, "no end of line after 'stream'");
    }
    int64_t len = o->d.length;
    if (len < 0 && o->d.length_ref > 0 && rv != UINT32_MAX) {
        len = resolve_length(c, o->d.length_ref, rv);
    }
    if (len < 0 && (o->d.length == -2 || rv == UINT32_MAX || o->d.length_ref <= 0)) {
        return bad(c, "its /Length is not a usable integer");
    }
    size_t dend;
    if (len >= 0) {
        if ((uint64_t)len > l->len - p) {
            return bad(c, "its /Length %lld runs past its revision", (long long)len);
        }
        dend = p + (size_t)len;
        lx m = {.p = l->p, .len = l->len, .pos = dend};
        skip_plain_ws(&m);
        if (m.len - m.pos < 9 || memcmp(m.p + m.pos, "endstream", 9) != 0) {
            return bad(c, "its /Length %lld does not end at endstream: readers disagree where its data ends",
                       (long long)len);
        }
        l->pos = m.pos + 9;
    } else {
        /* An indirect /Length this revision's xref cannot resolve: the first endstream ends it. */
        const uint8_t *e = memmem(l->p + p, l->len - p, "endstream", 9);
        if (e == NULL) {
            return bad(c, "no endstream");
        }
        size_t epos = (size_t)(e - l->p);
        dend = epos;
        if (dend > p && l->p[dend - 1] == '\n') {
            dend--;
        }
        if (dend > p && l->p[dend - 1] == '\r') {
            dend--;
        }
        l->pos = epos + 9;
    }
    if (memmem(l->p + p, dend - p, "endstream", 9) != NULL) {
        return bad(c, "its data contains 'endstream': a reader that searches for it instead of using /Length "
                      "reads the rest as objects");
    }
    o->stream = true;
    o->data = p;
    o->data_len = dend - p;
    next(l, &k);
    if (!kw(l, &k, "endobj")) {
        return bad(c, "no endobj after its stream");
    }
    return P_OK;
}

/* ---- stream data: FlateDecode and the PNG predictors (§7.4.4) ----------------------------- */

static pst inflate_all(ctx *c, const uint8_t *p, size_t n, es_buf *out)
{
    if (n > UINT32_MAX) {
        return limit("a compressed stream larger than 4 GiB");
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK) {
        (void)es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
        return P_LIMIT;
    }
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    uint8_t chunk[16384];
    pst s = P_OK;
    for (;;) {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        int rc = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof(chunk) - z.avail_out;
        if (got > 0 && !es_ok(es_buf_append(out, chunk, got))) {
            s = P_LIMIT;
            break;
        }
        if (rc == Z_STREAM_END) {
            break;
        }
        if (rc != Z_OK) {
            s = bad(c, "its data is not one complete zlib stream");
            break;
        }
    }
    inflateEnd(&z);
    return s;
}

static uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

static pst decode(ctx *c, const dinfo *d, const uint8_t *p, size_t n, es_buf *out)
{
    ES_AUTO(es_buf_freep) es_buf raw = ES_BUF_INIT(c->lim->max_inflated_bytes);
    pst s;
    if (d->nfilter == 0) {
        s = es_ok(es_buf_append(&raw, p, n)) ? P_OK : P_LIMIT;
    } else if (d->nfilter == 1 && d->nflate == 1) {
        s = inflate_all(c, p, n, &raw);
    } else {
        s = bad(c, "a filter other than FlateDecode alone");
    }
    if (s != P_OK) {
        return s;
    }
    if (d->predictor == -1 || d->predictor == 1) {
        return es_ok(es_buf_append(out, raw.ptr, raw.len)) ? P_OK : P_LIMIT;
    }
    if (d->predictor < 10 || d->predictor > 15 || (d->colors != -1 && d->colors != 1) ||
        (d->bpc != -1 && d->bpc != 8)) {
        return bad(c, "a predictor other than PNG on bytes (/Predictor 10-15, one colour, 8 bits)");
    }
    size_t cols = d->columns == -1 ? 1 : (size_t)d->columns;
    if (d->columns == -2 || cols == 0 || cols > ES_PDF_MAX_COLUMNS || raw.len % (cols + 1) != 0) {
        return bad(c, "its /Columns do not divide its data");
    }
    size_t rows = raw.len / (cols + 1);
    if (!es_ok(es_buf_reserve(out, rows * cols))) {
        return P_LIMIT;
    }
    size_t base = out->len;
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *in = raw.ptr + r * (cols + 1);
        uint8_t *cur = out->ptr + base + r * cols;
        const uint8_t *up = r > 0 ? cur - cols : NULL;
        for (size_t x = 0; x < cols; x++) {
            int a = x > 0 ? cur[x - 1] : 0, b = up != NULL ? up[x] : 0, cc = x > 0 && up != NULL ? up[x - 1] : 0;
            int v = in[1 + x];
            switch (in[0]) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, cc); break;
            default: return bad(c, "an unknown PNG row filter %u", in[0]);
            }
            cur[x] = (uint8_t)v;
        }
    }
    out->len = base + rows * cols;
    out->ptr[out->len] = 0;
    return P_OK;
}

/* ---- cross-reference sections (§7.5.4, §7.5.8) ------------------------------------------- */

static pst push_entry(ctx *c, uint32_t sect_i, int64_t num, uint8_t type, uint64_t f2, uint64_t f3)
{
    pst s = grow((void **)&c->e, &c->cape, c->ne, sizeof(*c->e), c->lim->max_objects);
    if (s != P_OK) {
        return s;
    }
    c->e[c->ne++] = (xent){(uint32_t)num, type, f2, (uint32_t)(f3 > UINT32_MAX ? UINT32_MAX : f3), sect_i, 0};
    return P_OK;
}

/* The subsections of a table, up to (not including) "trailer"; entries stored unless sect_i < 0. */
static pst table_body(ctx *c, lx *l, int64_t sect_i)
{
    for (;;) {
        size_t save = l->pos;
        tok a, b;
        next(l, &a);
        if (kw(l, &a, "trailer")) {
            l->pos = save;
            return P_OK;
        }
        next(l, &b);
        if (a.t != T_INT || a.i < 0 || b.t != T_INT || b.i < 0) {
            return bad(c, "the cross-reference subsection at offset %zu has no 'first count' line", a.at);
        }
        if (a.i + b.i > (int64_t)c->lim->max_objects) {
            return limit("a cross-reference subsection beyond the object limit");
        }
        for (int64_t k = 0; k < b.i; k++) {
            skip_plain_ws(l);
            if (l->len - l->pos < 19) {
                return bad(c, "the cross-reference entry at offset %zu is cut short", l->pos);
            }
            const uint8_t *q = l->p + l->pos;
            uint64_t off = 0, gen = 0;
            bool ok = q[10] == ' ' && q[16] == ' ' && (q[17] == 'n' || q[17] == 'f') && is_ws(q[18]);
            for (size_t i = 0; i < 10 && ok; i++) {
                ok = q[i] >= '0' && q[i] <= '9';
                off = off * 10 + (uint64_t)(q[i] - '0');
            }
            for (size_t i = 11; i < 16 && ok; i++) {
                ok = q[i] >= '0' && q[i] <= '9';
                gen = gen * 10 + (uint64_t)(q[i] - '0');
            }
            if (!ok) {
                return bad(c, "the cross-reference entry at offset %zu is not 'nnnnnnnnnn ggggg n'", l->pos);
            }
            l->pos += 18;
            if (sect_i >= 0) {
                pst s = push_entry(c, (uint32_t)sect_i, a.i + k, q[17] == 'n', off, gen);
                if (s != P_OK) {
                    return s;
                }
            }
        }
    }
}

static pst stream_entries(ctx *c, const dinfo *d, es_span data, uint32_t sect_i)
{
    size_t row = 0;
    for (size_t i = 0; i < 3; i++) {
        if (d->nw != 3 || d->w[i] < 0 || d->w[i] > 8) {
            return bad(c, "its /W is not three widths of at most 8 bytes");
        }
        row += (size_t)d->w[i];
    }
    int64_t dflt[2] = {0, d->size};
    const int64_t *idx = d->nindex > 0 ? d->index : dflt;
    size_t nidx = d->nindex > 0 ? d->nindex : 2;
    if (row == 0 || nidx % 2 != 0 || (d->nindex == 0 && d->size < 0)) {
        return bad(c, "its /W, /Index or /Size are not usable");
    }
    size_t pos = 0;
    for (size_t i = 0; i < nidx; i += 2) {
        if (idx[i] + idx[i + 1] > (int64_t)c->lim->max_objects) {
            return limit("a cross-reference stream beyond the object limit");
        }
        for (int64_t k = 0; k < idx[i + 1]; k++) {
            if (data.len - pos < row) {
                return bad(c, "its data ends before entry %lld", (long long)(idx[i] + k));
            }
            uint64_t f[3] = {d->w[0] == 0 ? 1 : 0, 0, 0};
            for (size_t j = 0; j < 3; j++) {
                for (int64_t b = 0; b < d->w[j]; b++) {
                    f[j] = f[j] << 8 | data.ptr[pos++];
                }
            }
            /* §7.5.8.3: other types are references to the null object. */
            pst s = push_entry(c, sect_i, idx[i] + k, f[0] <= 2 ? (uint8_t)f[0] : 0, f[1], f[2]);
            if (s != P_OK) {
                return s;
            }
        }
    }
    return P_OK;
}

static void dinfo_free(dinfo *d) { es_free(d->index); d->index = NULL; }

/* "startxref N %%EOF" after a section: *end just after %%EOF and its end of line. */
static pst section_tail(ctx *c, lx *l, int64_t *sx, size_t *end)
{
    tok a, b;
    next(l, &a);
    next(l, &b);
    if (!kw(l, &a, "startxref") || b.t != T_INT) {
        return bad(c, "it is not followed by startxref and an offset");
    }
    /* §7.5.5: "startxref", end of line, the offset in decimal digits, end of line, "%%EOF". Readers
     * parse this tail differently (poppler takes no NUL or comment before the offset, and rebuilds the
     * cross-reference from the objects it finds, where qpdf reads on): spaces, tabs and ends of line
     * only, never a sign, a NUL or a comment. */
    size_t p = a.at + 9, e0 = b.at;
    while (p < e0 && (l->p[p] == ' ' || l->p[p] == '\t' || l->p[p] == '\r' || l->p[p] == '\n')) {
        p++;
    }
    if (p != e0 || b.at >= b.end || l->p[b.at] < '0' || l->p[b.at] > '9') {
        return bad(c, "its startxref offset is not plain digits after spaces and ends of line: readers read it "
                   "differently");
    }
    p = l->pos;
    while (p < l->len && (l->p[p] == ' ' || l->p[p] == '\t' || l->p[p] == '\r' || l->p[p] == '\n')) {
        p++;
    }
    l->pos = p;
    if (l->len - l->pos < 5 || memcmp(l->p + l->pos, "%%EOF", 5) != 0) {
        return bad(c, "its startxref is not followed by %%%%EOF");
    }
    size_t e = l->pos + 5;
    e += e < l->len && l->p[e] == '\r';
    e += e < l->len && l->p[e] == '\n';
    *sx = b.i;
    *end = e;
    return P_OK;
}

/* The section at s->off: a table and its trailer, or a cross-reference stream; with `tail`, its
 * startxref and %%EOF too. */
static pst read_section(ctx *c, uint32_t si, bool tail)
{
    sect *s = &c->s[si];
    lx l = {.p = c->f.ptr, .len = c->f.len, .pos = s->off};
    tok t;
    next(&l, &t);
    dinfo d;
    dinfo_init(&d);
    pst st;
    if (kw(&l, &t, "xref")) {
        st = table_body(c, &l, si);
        tok tr, db;
        if (st == P_OK) {
            next(&l, &tr);
            next(&l, &db);
            st = kw(&l, &tr, "trailer") && db.t == T_DB ? dict(c, &l, 1, &d, false) : bad(c, "no trailer");
        }
    } else if (t.t == T_INT) {
        l.pos = t.at;
        obj o;
        dinfo_init(&o.d);
        st = header(&l, &o.num, &o.gen, &o.at) ? read_obj(c, &l, UINT32_MAX, &o) : bad(c, "no object header");
        d = o.d;
        s->stream = true;
        if (st == P_OK && (!o.stream || !d.xref)) {
            st = bad(c, "the object there is not a cross-reference stream");
        }
        ES_AUTO(es_buf_freep) es_buf data = ES_BUF_INIT(c->lim->max_inflated_bytes);
        if (st == P_OK) {
            st = decode(c, &d, c->f.ptr + o.data, o.data_len, &data);
        }
        if (st == P_OK) {
            st = stream_entries(c, &d, es_buf_span(&data), si);
        }
    } else {
        st = bad(c, "there is no 'xref' nor an object there");
    }
    if (st == P_OK && d.dup != NULL) {
        st = bad(c, "its dictionary gives /%s twice: readers disagree which counts", d.dup);
    }
    if (st == P_OK && (d.prev == -2 || d.xrefstm == -2)) {
        st = bad(c, "its /Prev or /XRefStm is not a direct offset");
    }
    s->prev = d.prev;
    s->xrefstm = s->stream ? -1 : d.xrefstm;
    dinfo_free(&d);
    s->after = l.pos;
    if (st == P_OK && tail) {
        st = section_tail(c, &l, &s->tail_sx, &s->end);
    }
    return st;
}

/* ---- the checks -------------------------------------------------------------------------- */

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

static int cmp_xent_rev(const void *a, const void *b)
{
    const xent *x = a, *y = b;
    int r = cmp_u64(x->rev, y->rev);
    r = r != 0 ? r : cmp_u64(x->num, y->num);
    return r != 0 ? r : cmp_u64(x->sect, y->sect);
}

static int cmp_xent_num(const void *a, const void *b)
{
    const xent *x = a, *y = b;
    int r = cmp_u64(x->num, y->num);
    return r != 0 ? r : cmp_u64(x->rev, y->rev);
}

static int cmp_def(const void *a, const void *b)
{
    const def *x = a, *y = b;
    int r = cmp_u64(x->rev, y->rev);
    r = r != 0 ? r : cmp_u64(x->num, y->num);
    return r != 0 ? r : cmp_u64(x->off, y->off);
}

/* In a sorted stretch [lo, hi) of `a`: the first element after `key` (after: cmp > 0), or not
 * before it (cmp >= 0); hi when none. Exponential steps from lo, then halving: O(log distance). */
static size_t gallop(const uint8_t *a, size_t sz, size_t lo, size_t hi, const void *key, bool after,
                     int (*cmp)(const void *, const void *))
{
    size_t known = lo, probe = lo, step = 1; /* [lo, known): not yet there */
    while (probe < hi) {
        int r = cmp(a + probe * sz, key);
        if (after ? r > 0 : r >= 0) {
            break;
        }
        known = probe + 1;
        probe = lo + step;
        step *= 2;
    }
    size_t l = known, h = probe < hi ? probe : hi;
    while (l < h) {
        size_t m = l + (h - l) / 2;
        int r = cmp(a + m * sz, key);
        if (after ? r > 0 : r >= 0) {
            h = m;
        } else {
            l = m + 1;
        }
    }
    return l;
}

/*
 * Merges the sorted neighbours [lo, mid) and [mid, hi) of `a` in place, stably (equal elements: the
 * left one first). What is already in place (a left prefix not after a[mid], a right suffix not
 * before a[mid - 1]) is not moved; of the rest, the shorter side goes through a buffer. false: out
 * of memory (nothing changed).
 */
static bool merge_runs(uint8_t *a, size_t sz, size_t lo, size_t mid, size_t hi, int (*cmp)(const void *, const void *))
{
    lo = gallop(a, sz, lo, mid, a + mid * sz, true, cmp);
    if (lo == mid) {
        return true;
    }
    hi = gallop(a, sz, mid, hi, a + (mid - 1) * sz, false, cmp);
    size_t nl = mid - lo, nr = hi - mid;
    uint8_t *t = es_malloc((nl < nr ? nl : nr) * sz);
    if (t == NULL) {
        return false;
    }
    if (nl <= nr) {
        /* the left side out; forward */
        memcpy(t, a + lo * sz, nl * sz);
        size_t i = 0, j = mid, k = lo;
        while (i < nl && j < hi) {
            size_t g = gallop(t, sz, i, nl, a + j * sz, true, cmp);
            memmove(a + k * sz, t + i * sz, (g - i) * sz);
            k += g - i;
            i = g;
            if (i == nl) {
                break;
            }
            size_t h = gallop(a, sz, j, hi, t + i * sz, false, cmp);
            memmove(a + k * sz, a + j * sz, (h - j) * sz);
            k += h - j;
            j = h;
        }
        memcpy(a + k * sz, t + i * sz, (nl - i) * sz);
    } else {
        /* the right side out; backward: from the ends, the right one first on ties */
        memcpy(t, a + mid * sz, nr * sz);
        size_t i = mid, j = nr, k = hi; /* [lo, i) and t[0, j) remain; a[k, hi) is done */
        while (i > lo && j > 0) {
            /* right elements not before the last left one go last */
            size_t g = gallop(t, sz, 0, j, a + (i - 1) * sz, false, cmp);
            /* g: the first of t[0, j) not before a[i - 1]; t[g, j) go to the end */
            k -= j - g;
            memmove(a + k * sz, t + g * sz, (j - g) * sz);
            j = g;
            if (j == 0) {
                break;
            }
            /* left elements after the last remaining right one go next */
            size_t h = gallop(a, sz, lo, i, t + (j - 1) * sz, true, cmp);
            k -= i - h;
            memmove(a + k * sz, a + h * sz, (i - h) * sz);
            i = h;
        }
        memcpy(a + lo * sz, t, j * sz);
    }
    es_free(t);
    return true;
}

/*
 * A stable sort of `n` elements of `sz` bytes (issue 18, h-bigverify): the arrays sorted here come
 * in a few ordered runs (a section's entries, a revision's definitions in file order, one run of
 * effective entries per revision), so the runs are found and merged pairwise in place, what is in
 * place already not moved, instead of glibc's qsort (a merge sort through a comparison function and
 * a copy of the whole array, indirect for elements over 32 bytes). The result is the one every
 * stable sort gives, glibc's merge sort's too (the order of equal elements matters: a section that
 * lists one object twice). Out of memory: qsort, on an array whose merges so far were stable.
 */
void es_pdf_sort_stable(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
    uint8_t *a = base;
    size_t runs = 1;
    for (size_t i = 1; i < n; i++) {
        runs += cmp(a + (i - 1) * sz, a + i * sz) > 0;
    }
    if (runs == 1) {
        return; /* in order already */
    }
    size_t *start = es_malloc((runs + 1) * sizeof(*start));
    if (start == NULL) {
        qsort(base, n, sz, cmp);
        return;
    }
    size_t r = 0;
    start[r++] = 0;
    for (size_t i = 1; i < n; i++) {
        if (cmp(a + (i - 1) * sz, a + i * sz) > 0) {
            start[r++] = i;
        }
    }
    start[r] = n;
    while (runs > 1) {
        /* one pass: runs 0 and 1, 2 and 3, ... become one each */
        size_t w = 0;
        for (size_t k = 0; k < runs; k += 2) {
            if (k + 1 < runs && !merge_runs(a, sz, start[k], start[k + 1], start[k + 2], cmp)) {
                es_free(start);
                qsort(base, n, sz, cmp);
                return;
            }
            start[w++] = start[k];
        }
        start[w] = n;
        runs = w;
    }
    es_free(start);
}

/* The effective entry of `num` in revision rv, or NULL. */
static const xent *eff_find(const ctx *c, uint32_t rv, uint32_t num)
{
    size_t lo = 0, hi = c->neff;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const xent *m = &c->eff[mid];
        if (m->rev < rv || (m->rev == rv && m->num < num)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < c->neff && c->eff[lo].rev == rv && c->eff[lo].num == num ? &c->eff[lo] : NULL;
}

/* An indirect /Length (§7.3.8.2): the integer object the revision's xref (or an earlier one) names. */
static int64_t resolve_length(ctx *c, int64_t num, uint32_t rv)
{
    for (uint32_t r = rv + 1; r-- > 0;) {
        const xent *e = eff_find(c, r, (uint32_t)num);
        if (e == NULL) {
            continue;
        }
        if (e->type != 1 || e->f2 >= c->f.len) {
            return -1;
        }
        lx l = {.p = c->f.ptr, .len = c->f.len, .pos = (size_t)e->f2};
        int64_t n, g;
        size_t at;
        tok v, k;
        if (!header(&l, &n, &g, &at) || n != num) {
            return -1;
        }
        next(&l, &v);
        next(&l, &k);
        return v.t == T_INT && v.i >= 0 && kw(&l, &k, "endobj") ? v.i : -1;
    }
    return -1;
}

/* Is the object at `off` an object stream (structure a pre-1.5 reader never needs)? */
static bool objstm_at(ctx *c, uint64_t off)
{
    if (off >= c->f.len) {
        return false;
    }
    lx l = {.p = c->f.ptr, .len = c->f.len, .pos = (size_t)off};
    int64_t n, g;
    size_t at;
    tok t;
    if (!header(&l, &n, &g, &at)) {
        return false;
    }
    next(&l, &t);
    dinfo d;
    dinfo_init(&d);
    bool r = t.t == T_DB && dict(c, &l, 1, &d, false) == P_OK && d.objstm;
    dinfo_free(&d);
    return r;
}

static pst push_def(ctx *c, def d)
{
    pst s = grow((void **)&c->d, &c->capd, c->nd, sizeof(*c->d), c->lim->max_objects);
    if (s == P_OK) {
        c->d[c->nd++] = d;
    }
    return s;
}

/* The objects an object stream holds (§7.5.7): its header of /N "number offset" pairs. */
static pst objstm_defs(ctx *c, const obj *o, uint32_t rv)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(c->lim->max_inflated_bytes);
    pst s = decode(c, &o->d, c->f.ptr + o->data, o->data_len, &b);
    if (s == P_OK && (o->d.n < 0 || o->d.first < 0 || (uint64_t)o->d.first > b.len ||
                      o->d.n > (int64_t)c->lim->max_objects)) {
        s = bad(c, "its /N or /First is not usable");
    }
    lx m = {.p = b.ptr, .len = s == P_OK ? (size_t)o->d.first : 0, .pos = 0};
    for (int64_t k = 0; s == P_OK && k < o->d.n; k++) {
        tok a, off;
        next(&m, &a);
        next(&m, &off);
        if (a.t != T_INT || a.i <= 0 || a.i > (int64_t)c->lim->max_objects || off.t != T_INT || off.i < 0) {
            s = bad(c, "its header does not list %lld objects", (long long)o->d.n);
            break;
        }
        s = push_def(c, (def){(uint32_t)a.i, 0, o->at, o->num, rv, (uint32_t)k, o->d.length_ref});
    }
    return s;
}

/* Every object the bytes of revision rv define, in order; stops at the first thing that is none. */
static pst scan_rev(ctx *c, uint32_t rv, size_t **doff, size_t *ndoff, size_t *capdoff)
{
    rev *r = &c->r[rv];
    lx l = {.p = c->f.ptr, .len = r->end, .pos = r->start};
    for (;;) {
        tok t;
        next(&l, &t);
        if (l.stray_eof != 0) {
            finding(c, ES_PDF_AMB_SYNTAX, l.stray_eof - 1, 0, 0, "revision %u: a %%%%EOF marker at offset %zu does "
                    "not end a revision (it is in a comment or string inside one): readers that find revisions by "
                    "their markers end one there", rv + 1, l.stray_eof - 1);
            return P_OK;
        }
        if (t.t == T_EOF) {
            r->scanned = true;
            return P_OK;
        }
        pst s = P_OK;
        if (t.t == T_INT) {
            l.pos = t.at;
            obj o;
            if (!header(&l, &o.num, &o.gen, &o.at) || o.num <= 0 || o.num > (int64_t)c->lim->max_objects ||
                o.gen < 0 || o.gen > 65535) {
                finding(c, ES_PDF_AMB_SYNTAX, t.at, 0, 0,
                        "revision %u: the bytes at offset %zu are not an object header", rv + 1, t.at);
                return P_OK;
            }
            s = read_obj(c, &l, rv, &o);
            if (s == P_OK && o.d.dup != NULL) {
                s = bad(c, "its dictionary gives /%s twice: readers disagree which counts", o.d.dup);
            }
            if (s == P_OK) {
                s = push_def(c, (def){(uint32_t)o.num, (uint32_t)o.gen, o.at, -1, rv, 0, 0});
            }
            if (s == P_OK) {
                s = grow((void **)doff, capdoff, *ndoff, sizeof(**doff), c->lim->max_objects);
            }
            if (s == P_OK) {
                (*doff)[(*ndoff)++] = o.at;
            }
            if (s == P_OK && o.d.objstm) {
                s = o.stream ? objstm_defs(c, &o, rv) : bad(c, "an object stream without a stream");
            }
            dinfo_free(&o.d);
            if (s == P_BAD) {
                finding(c, ES_PDF_AMB_SYNTAX, o.at, o.num, o.gen, "object %lld %lld (offset %zu, revision %u): %s",
                        (long long)o.num, (long long)o.gen, o.at, rv + 1, c->why);
                return P_OK;
            }
        } else if (kw(&l, &t, "xref")) {
            s = table_body(c, &l, -1);
            tok tr, db;
            next(&l, &tr);
            next(&l, &db);
            s = s != P_OK                                     ? s
                : kw(&l, &tr, "trailer") && db.t == T_DB ? dict(c, &l, 1, NULL, false)
                                                             : bad(c, "no trailer");
        } else if (kw(&l, &t, "trailer")) {
            tok db;
            next(&l, &db);
            s = db.t == T_DB ? dict(c, &l, 1, NULL, false) : bad(c, "no trailer dictionary");
        } else if (kw(&l, &t, "startxref")) {
            tok v;
            next(&l, &v);
            s = v.t == T_INT ? P_OK : bad(c, "no offset after startxref");
            l.eof_ok = true; /* the %%EOF that follows ends the section */
        } else {
            s = bad(c, "not an object");
        }
        if (s == P_BAD) {
            finding(c, ES_PDF_AMB_SYNTAX, t.at, 0, 0, "revision %u: the bytes at offset %zu are not read as one "
                    "structure (%s)", rv + 1, t.at, c->why);
            return P_OK;
        }
        if (s != P_OK) {
            return s;
        }
    }
}

/* The file's first object is a linearization dictionary (Annex F). */
static pst linearized(ctx *c, bool *lin)
{
    *lin = false;
    lx l = {.p = c->f.ptr, .len = c->f.len, .pos = 0};
    int64_t n, g;
    size_t at;
    tok t;
    if (!header(&l, &n, &g, &at)) {
        return P_OK;
    }
    next(&l, &t);
    dinfo d;
    dinfo_init(&d);
    pst s = t.t == T_DB ? dict(c, &l, 1, &d, false) : P_OK;
    *lin = s == P_OK && d.linearized;
    dinfo_free(&d);
    return s == P_LIMIT ? s : P_OK;
}

#define STOP(s)                                                                                    \
    do {                                                                                           \
        if ((s) == P_LIMIT) {                                                                      \
            return es_from_code(eseal_error_last()->code != 0 ? eseal_error_last()->code : ESEAL_ELIMIT); \
        }                                                                                          \
    } while (0)

/* The startxref and /Prev chain, newest first; revisions from it. false: findings say why not. */
static ES_RESULT walk_chain(ctx *c, bool *ok)
{
    *ok = false;
    es_span f = c->f;
    size_t sx = SIZE_MAX;
    for (size_t i = f.len; i >= 9 && sx == SIZE_MAX; i--) {
        if (f.ptr[i - 9] == 's' && memcmp(f.ptr + i - 9, "startxref", 9) == 0) {
            sx = i - 9;
        }
    }
    if (sx == SIZE_MAX) {
        finding(c, ES_PDF_AMB_CHAIN, 0, 0, 0, "the file has no startxref");
        return ES_OK;
    }
    size_t last_end = 0;
    int64_t cur = -1;
    lx l = {.p = f.ptr, .len = f.len, .pos = sx};
    if (section_tail(c, &l, &cur, &last_end) != P_OK || cur < 0) {
        finding(c, ES_PDF_AMB_CHAIN, sx, 0, 0, "the last startxref (offset %zu) is not followed by an offset in "
                "digits and %%%%EOF, with only spaces and ends of line around them (ISO 32000-1 §7.5.5): readers "
                "read it differently", sx);
        return ES_OK;
    }
    /* Check 4: after the last %%EOF only whitespace (NUL padding included). */
    for (size_t i = last_end; i < f.len; i++) {
        if (!is_ws(f.ptr[i])) {
            finding(c, ES_PDF_AMB_AFTER_EOF, i, 0, 0, "%zu bytes after the last %%%%EOF (from offset %zu) are not "
                    "whitespace: a recovering reader (MuPDF) reads objects there that others ignore", f.len - i, i);
            break;
        }
    }
    bool lin = false, pair = false, join = false;
    pst st = linearized(c, &lin);
    STOP(st);
    uint32_t rid = 0;
    while (cur >= 0) {
        if (c->ns + 2 > c->lim->max_xref_sections) {
            ES_BAIL(ESEAL_ELIMIT, "pdf: more than %u cross-reference sections (max_xref_sections)",
                    c->lim->max_xref_sections);
        }
        if ((uint64_t)cur >= f.len) {
            finding(c, ES_PDF_AMB_CHAIN, (size_t)cur, 0, 0, "a cross-reference offset (%lld) points past the end "
                    "of the file", (long long)cur);
            return ES_OK;
        }
        for (size_t k = 0; k < c->ns; k++) {
            if (c->s[k].off == (size_t)cur) {
                finding(c, ES_PDF_AMB_CHAIN, (size_t)cur, 0, 0, "the /Prev chain loops back to the cross-reference "
                        "section at offset %lld", (long long)cur);
                return ES_OK;
            }
        }
        uint32_t si = (uint32_t)c->ns++;
        c->s[si] = (sect){(size_t)cur, 0, 0, -1, -1, -1, false, false, join ? rid - 1 : rid++};
        st = read_section(c, si, false);
        STOP(st);
        if (st == P_OK) {
            /* Annex F: a linearized file's first-page section may lack its own startxref (qpdf
             * writes none after a first-page xref stream); the main section's closes the revision. */
            bool first_page = lin && !pair && c->s[si].prev >= cur;
            lx tl = {.p = f.ptr, .len = f.len, .pos = c->s[si].after};
            st = section_tail(c, &tl, &c->s[si].tail_sx, &c->s[si].end);
            st = st == P_BAD && first_page ? P_OK : st;
        }
        if (st == P_BAD) {
            finding(c, ES_PDF_AMB_CHAIN, (size_t)cur, 0, 0, "the cross-reference section at offset %lld cannot be "
                    "read: %s", (long long)cur, c->why);
            return ES_OK;
        }
        if (join && c->s[si].prev >= 0) {
            finding(c, ES_PDF_AMB_CHAIN, (size_t)cur, 0, 0, "the main cross-reference section of a linearized file "
                    "(offset %lld) has a /Prev", (long long)cur);
            return ES_OK;
        }
        if (c->s[si].xrefstm >= 0) {
            /* §7.5.8.4 hybrid: the /XRefStm belongs to the table's revision. */
            uint32_t hi = (uint32_t)c->ns++;
            c->s[hi] = (sect){(size_t)c->s[si].xrefstm, 0, 0, -1, -1, -1, false, true, c->s[si].rid};
            st = (uint64_t)c->s[si].xrefstm < f.len ? read_section(c, hi, false) : bad(c, "it is past the end");
            STOP(st);
            if (st == P_BAD) {
                finding(c, ES_PDF_AMB_HYBRID, c->s[hi].off, 0, 0, "the /XRefStm (offset %zu) of the cross-reference "
                        "table at offset %lld cannot be read: %s", c->s[hi].off, (long long)cur, c->why);
                return ES_OK;
            }
        }
        int64_t prev = c->s[si].prev;
        join = false;
        if (prev >= cur) {
            /* Annex F: only a linearized file's first-page section points forward, to the main one. */
            if (!lin || pair) {
                finding(c, ES_PDF_AMB_CHAIN, (size_t)cur, 0, 0, "the /Prev of the cross-reference section at offset "
                        "%lld points %s (%lld): readers disagree which revision is older", (long long)cur,
                        prev == cur ? "to itself, a loop" : "forward", (long long)prev);
                return ES_OK;
            }
            pair = join = true;
        }
        cur = prev;
    }
    /* Revisions (newest first by rid): each ends at the %%EOF after its closing section. */
    size_t nr = rid;
    c->r = es_calloc(nr, sizeof(*c->r));
    size_t *first = es_calloc(nr, sizeof(size_t)), *close = es_calloc(nr, sizeof(size_t));
    size_t *low = es_calloc(nr, sizeof(size_t));
    if (c->r == NULL || first == NULL || close == NULL || low == NULL) {
        es_free(first);
        es_free(close);
        es_free(low);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    c->nr = nr;
    for (size_t k = 0; k < nr; k++) {
        first[k] = close[k] = SIZE_MAX;
        low[k] = SIZE_MAX;
    }
    for (size_t k = 0; k < c->ns; k++) {
        const sect *s = &c->s[k];
        if (!s->hybrid) {
            first[s->rid] = first[s->rid] == SIZE_MAX ? k : first[s->rid];
            close[s->rid] = k;
        }
        low[s->rid] = s->off < low[s->rid] ? s->off : low[s->rid];
    }
    bool good = true;
    for (size_t k = 0; k < nr && good; k++) {
        const sect *fs = &c->s[first[k]], *cs = &c->s[close[k]];
        if (cs->tail_sx != (int64_t)fs->off) {
            finding(c, ES_PDF_AMB_CHAIN, cs->off, 0, 0, "the startxref that closes the revision of the cross-reference "
                    "section at offset %zu names offset %lld: a reader of that revision alone starts elsewhere",
                    fs->off, (long long)cs->tail_sx);
            good = false;
        } else if (k == 0 && cs->end != last_end) {
            finding(c, ES_PDF_AMB_CHAIN, cs->end, 0, 0, "the newest revision ends at offset %zu, not at the file's "
                    "last %%%%EOF (offset %zu)", cs->end, last_end);
            good = false;
        } else if (k + 1 < nr && c->s[close[k + 1]].end > low[k]) {
            finding(c, ES_PDF_AMB_CHAIN, low[k], 0, 0, "the revision ending at offset %zu overlaps the cross-reference "
                    "section at offset %zu of the next one", c->s[close[k + 1]].end, low[k]);
            good = false;
        } else {
            c->r[nr - 1 - k].end = cs->end;
        }
    }
    es_free(first);
    es_free(close);
    es_free(low);
    if (!good) {
        return ES_OK;
    }
    for (size_t k = 1; k < nr; k++) {
        c->r[k].start = c->r[k - 1].end;
    }
    for (size_t k = 0; k < c->ns; k++) {
        const sect *s = &c->s[k];
        const rev *r = &c->r[nr - 1 - s->rid];
        if (s->hybrid && (s->off < r->start || s->off >= r->end)) {
            finding(c, ES_PDF_AMB_HYBRID, s->off, 0, 0, "the /XRefStm at offset %zu lies outside its revision "
                    "(offsets %zu to %zu)", s->off, r->start, r->end);
            good = false;
        }
    }
    for (size_t k = 0; k < c->ne; k++) {
        c->e[k].rev = (uint32_t)(nr - 1 - c->s[c->e[k].sect].rid);
    }
    *ok = good;
    return ES_OK;
}

/* Checks 1 (entries), 3 (hybrid): one effective entry per revision and object. */
static ES_RESULT effective_entries(ctx *c)
{
    if (c->ne > 1) {
        es_pdf_sort_stable(c->e, c->ne, sizeof(*c->e), cmp_xent_rev);
    }
    c->eff = es_calloc(c->ne + 1, sizeof(*c->eff));
    ES_ENSURE_ALLOC(c->eff);
    for (size_t i = 0; i < c->ne;) {
        size_t j = i;
        const xent *tbl = NULL, *other = NULL, *stm = NULL;
        for (; j < c->ne && c->e[j].rev == c->e[i].rev && c->e[j].num == c->e[i].num; j++) {
            const xent *x = &c->e[j];
            if (j > i && x->sect == c->e[j - 1].sect) {
                if (x->sect != c->e[j - 1].sect || j == i + 1 || c->e[j - 2].sect != x->sect) {
                    finding(c, ES_PDF_AMB_DUPLICATE, c->s[x->sect].off, x->num, x->f3, "object %u is listed twice in "
                            "the cross-reference section at offset %zu (revision %u): readers take either",
                            x->num, c->s[x->sect].off, x->rev + 1);
                }
                continue;
            }
            if (c->s[x->sect].hybrid) {
                stm = x;
            } else if (tbl == NULL) {
                tbl = x;
            } else {
                other = x;
            }
        }
        /* A linearized file's two sections (one revision) must not list one object differently. */
        if (tbl != NULL && other != NULL && tbl->type != 0 && other->type != 0 &&
            (tbl->type != other->type || tbl->f2 != other->f2 || tbl->f3 != other->f3)) {
            finding(c, ES_PDF_AMB_DUPLICATE, c->s[other->sect].off, tbl->num, tbl->f3, "object %u is listed "
                    "differently by the two cross-reference sections of revision %u", tbl->num, tbl->rev + 1);
        }
        const xent *base = tbl != NULL && tbl->type != 0 ? tbl : other != NULL && other->type != 0 ? other
                                                            : tbl != NULL ? tbl : other;
        const xent *pick = base;
        if (stm != NULL) {
            size_t at = c->s[stm->sect].off;
            if (base != NULL && base->type == 1 && stm->type == 1 && (stm->f2 != base->f2 || stm->f3 != base->f3)) {
                finding(c, ES_PDF_AMB_HYBRID, at, base->num, base->f3, "revision %u: the table lists object %u at "
                        "offset %llu generation %u, its /XRefStm at offset %llu generation %u", base->rev + 1,
                        base->num, (unsigned long long)base->f2, base->f3, (unsigned long long)stm->f2, stm->f3);
            } else if (base != NULL && base->type == 1 && stm->type == 2) {
                finding(c, ES_PDF_AMB_HYBRID, at, base->num, base->f3, "revision %u: the table lists object %u at "
                        "offset %llu, its /XRefStm in object stream %llu", base->rev + 1, base->num,
                        (unsigned long long)base->f2, (unsigned long long)stm->f2);
            } else if ((base == NULL || base->type == 0) && stm->type == 1 && stm->f2 != at &&
                       !objstm_at(c, stm->f2)) {
                /* §7.5.8.4: the stream may add compressed objects (and their object streams) only. */
                finding(c, ES_PDF_AMB_HYBRID, at, stm->num, stm->f3, "revision %u: the table marks object %u free "
                        "or omits it, its /XRefStm puts it at offset %llu: older readers see no object",
                        stm->rev + 1, stm->num, (unsigned long long)stm->f2);
            }
            pick = base != NULL && base->type == 1 ? base : stm->type != 0 ? stm : base != NULL ? base : stm;
        }
        c->eff[c->neff++] = *pick;
        i = j;
    }
    return ES_OK;
}

static size_t rev_of(const ctx *c, size_t off)
{
    size_t lo = 0, hi = c->nr;
    while (lo + 1 < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->r[mid].start <= off) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Is v in the ascending a[n]? Searched from *hint (where the last search ended), exponentially:
 * entries met in offset order cost O(1) each (issue 18, h-bigverify). */
static bool in_sorted(const size_t *a, size_t n, size_t v, size_t *hint)
{
    size_t lo = 0, hi = n;
    if (*hint < n && a[*hint] < v) {
        /* forward from the hint */
        size_t step = 1;
        lo = *hint + 1;
        while (lo + step - 1 < n && a[lo + step - 1] < v) {
            lo += step;
            step *= 2;
        }
        hi = lo + step - 1 < n ? lo + step - 1 + 1 : n;
    } else if (*hint < n) {
        hi = *hint + 1;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *hint = lo;
    return lo < n && a[lo] == v;
}

/* Checks 1 (bytes), 2, 5, once every revision is read. */
static ES_RESULT judge(ctx *c, const size_t *doff, size_t ndoff)
{
    /* 1: one definition per object and revision, directly or in an object stream. */
    if (c->nd > 1) {
        es_pdf_sort_stable(c->d, c->nd, sizeof(*c->d), cmp_def);
    }
    for (size_t i = 0; i + 1 < c->nd; i++) {
        const def *a = &c->d[i], *b = &c->d[i + 1];
        if (a->rev != b->rev || a->num != b->num || (i > 0 && c->d[i - 1].rev == a->rev && c->d[i - 1].num == a->num)) {
            continue;
        }
        if (a->objstm < 0 && b->objstm < 0) {
            finding(c, ES_PDF_AMB_DUPLICATE, b->off, a->num, b->gen, "object %u is defined twice in revision %u "
                    "(offsets %zu and %zu): readers disagree about what it is", a->num, a->rev + 1, a->off, b->off);
        } else {
            const def *d = a->objstm < 0 ? b : a, *o = a->objstm < 0 ? a : b;
            finding(c, ES_PDF_AMB_DUPLICATE, o->off, a->num, o->gen, "object %u is defined twice in revision %u "
                    "(at offset %zu and in object stream %lld at offset %zu): readers disagree about what it is",
                    a->num, a->rev + 1, o->off, (long long)d->objstm, d->off);
        }
    }
    /* 5: every entry in use points at "N G obj" of its own number and generation, a top-level object;
     * a compressed one at an object stream (of its revision) that holds it at the place it says. */
    size_t hint = 0;
    for (size_t i = 0; i < c->neff; i++) {
        const xent *e = &c->eff[i];
        if (e->type == 2) {
            const xent *se = e->f2 <= UINT32_MAX ? eff_find(c, e->rev, (uint32_t)e->f2) : NULL;
            if (se == NULL || se->type != 1 || se->f2 >= c->f.len || !c->r[rev_of(c, (size_t)se->f2)].scanned) {
                continue; /* an object stream of an earlier revision: not judged here */
            }
            uint32_t rs = (uint32_t)rev_of(c, (size_t)se->f2);
            bool held = false;
            size_t lo = 0, hi = c->nd;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c->d[mid].rev < rs || (c->d[mid].rev == rs && c->d[mid].num < e->num)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (size_t k = lo; k < c->nd && c->d[k].rev == rs && c->d[k].num == e->num && !held; k++) {
                held = c->d[k].objstm == (int64_t)e->f2 && c->d[k].idx == e->f3;
            }
            if (!held) {
                finding(c, ES_PDF_AMB_XREF_OFFSET, (size_t)se->f2, e->num, 0, "the cross-reference entry of object "
                        "%u in revision %u puts it at place %u of object stream %llu, which does not hold it there",
                        e->num, e->rev + 1, e->f3, (unsigned long long)e->f2);
            }
            continue;
        }
        if (e->type != 1) {
            continue;
        }
        const rev *r = &c->r[e->rev];
        if (e->f2 >= r->end) {
            finding(c, ES_PDF_AMB_XREF_OFFSET, r->end, e->num, e->f3, "the cross-reference entry of object %u in "
                    "revision %u points to offset %llu, past the end of that revision", e->num, e->rev + 1,
                    (unsigned long long)e->f2);
            continue;
        }
        lx l = {.p = c->f.ptr, .len = r->end, .pos = (size_t)e->f2};
        int64_t n = -1, g = -1;
        size_t at = 0;
        bool hdr = header(&l, &n, &g, &at);
        if (!hdr || n != e->num || g != e->f3) {
            char held[48] = "no object header";
            if (hdr) {
                (void)snprintf(held, sizeof(held), "object %lld %lld", (long long)n, (long long)g);
            }
            finding(c, ES_PDF_AMB_XREF_OFFSET, (size_t)e->f2, e->num, e->f3, "the cross-reference entry of object "
                    "%u %u in revision %u points to offset %llu, which holds %s", e->num, e->f3, e->rev + 1,
                    (unsigned long long)e->f2, held);
        } else if (c->r[rev_of(c, at)].scanned && !in_sorted(doff, ndoff, at, &hint)) {
            finding(c, ES_PDF_AMB_XREF_OFFSET, at, e->num, e->f3, "the cross-reference entry of object %u in "
                    "revision %u points inside another object's data (offset %zu)", e->num, e->rev + 1, at);
        }
    }
    /* 2: an object keeps the generation it had while in use (a free entry does not reset it). */
    xent *byn = es_malloc((c->neff + 1) * sizeof(*byn));
    ES_ENSURE_ALLOC(byn);
    memcpy(byn, c->eff, c->neff * sizeof(*byn));
    if (c->neff > 1) {
        es_pdf_sort_stable(byn, c->neff, sizeof(*byn), cmp_xent_num);
    }
    int64_t gen = -1;
    uint32_t grev = 0;
    for (size_t i = 0; i < c->neff; i++) {
        const xent *e = &byn[i];
        if (i > 0 && byn[i - 1].num != e->num) {
            gen = -1;
        }
        if (e->type == 0) {
            continue;
        }
        int64_t g = e->type == 1 ? e->f3 : 0;
        if (gen >= 0 && g != gen) {
            finding(c, ES_PDF_AMB_GENERATION, e->type == 1 ? (size_t)e->f2 : 0, e->num, g, "object %u was "
                    "generation %lld in revision %u; revision %u makes it generation %lld: readers resolve "
                    "'%u %lld R' differently", e->num, (long long)gen, grev + 1, e->rev + 1, (long long)g, e->num,
                    (long long)gen);
        }
        gen = g;
        grev = e->rev;
    }
    /* 2, for readers that rebuild the xref: a definition in a later revision's bytes that its xref
     * does not list, under another generation than the object had while in use; and (below) one under
     * the same generation that its xref does not point at. */
    for (size_t i = 0; i < c->nd; i++) {
        const def *d = &c->d[i];
        if (d->objstm >= 0 || d->rev == 0) {
            continue;
        }
        const xent *own = eff_find(c, d->rev, d->num);
        if (own != NULL && own->type == 1 && own->f3 == d->gen) {
            if (own->f2 != d->off) {
                finding(c, ES_PDF_AMB_XREF_OFFSET, d->off, d->num, d->gen, "revision %u defines object %u %u at "
                        "offset %zu, where its cross-reference does not point: readers that rebuild the "
                        "cross-reference take it, others do not", d->rev + 1, d->num, d->gen, d->off);
            }
            continue;
        }
        bool other_gen = false;
        size_t lo = 0, hi = c->neff;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (byn[mid].num < d->num || (byn[mid].num == d->num && byn[mid].rev < d->rev)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (size_t k = lo, steps = 0; k-- > 0 && byn[k].num == d->num && steps < ES_PDF_MAX_DUP_STEPS; steps++) {
            if (byn[k].type != 0) {
                int64_t g = byn[k].type == 1 ? byn[k].f3 : 0;
                if (g != d->gen) {
                    other_gen = true;
                    finding(c, ES_PDF_AMB_GENERATION, d->off, d->num, d->gen, "object %u was generation %lld in "
                            "revision %u; the bytes of revision %u define it as generation %u at offset %zu, which "
                            "readers that rebuild the xref take", d->num, (long long)g, byn[k].rev + 1, d->rev + 1,
                            d->gen, d->off);
                }
                break;
            }
        }
        if (!other_gen) {
            finding(c, ES_PDF_AMB_XREF_OFFSET, d->off, d->num, d->gen, "revision %u defines object %u %u at offset "
                    "%zu, which its cross-reference does not list%s: readers that rebuild the cross-reference take "
                    "it, others do not", d->rev + 1, d->num, d->gen, d->off,
                    own == NULL ? "" : own->type == 0 ? " (it lists it as free)" : " (it lists it in an object stream)");
        }
    }
    es_free(byn);
    return ES_OK;
}

static ES_RESULT check(ctx *c)
{
    if (c->f.len < 5 || memcmp(c->f.ptr, "%PDF-", 5) != 0) {
        finding(c, ES_PDF_AMB_SYNTAX, 0, 0, 0, "the file does not start with %%PDF-: readers that look for the "
                "header further on shift every offset");
    }
    bool ok = false;
    ES_GUARD(walk_chain(c, &ok));
    if (!ok) {
        return ES_OK;
    }
    ES_GUARD(effective_entries(c));
    size_t *doff = NULL, ndoff = 0, capdoff = 0;
    es_result r = ES_OK;
    for (uint32_t rv = 0; rv < c->nr && es_ok(r); rv++) {
        if (scan_rev(c, rv, &doff, &ndoff, &capdoff) != P_OK) {
            r = es_from_code(eseal_error_last()->code != 0 ? eseal_error_last()->code : ESEAL_ELIMIT);
        }
    }
    if (es_ok(r)) {
        r = judge(c, doff, ndoff);
    }
    es_free(doff);
    return r;
}

/* The revisions the chain delimits, when every one was delimited (oldest first, contiguous). */
static bool revisions_known(const ctx *c)
{
    if (c->r == NULL || c->nr == 0) {
        return false;
    }
    for (size_t k = 0; k < c->nr; k++) {
        if (c->r[k].end <= c->r[k].start || (k > 0 && c->r[k].start != c->r[k - 1].end)) {
            return false;
        }
    }
    return true;
}

/*
 * Issue 18, one pass: for each object number, the newest revision that lists it (any section, free
 * or in use), defines it in its bytes, or (for an object held in an object stream) replaces that
 * stream. An object whose number is newest in revision r or before has the same definition in the
 * revision r and in the whole file; es_pdf_judge_changes_ex compares only the others. Made only for
 * a file with no finding whose revisions are all delimited: otherwise *ch stays empty and every
 * object is compared, as before.
 */
static ES_RESULT changes_of(const ctx *c, es_pdf_xref_changes *ch)
{
    uint32_t n = 1;
    for (size_t k = 0; k < c->ne; k++) {
        n = c->e[k].num >= n ? c->e[k].num + 1 : n;
    }
    for (size_t k = 0; k < c->nd; k++) {
        n = c->d[k].num >= n ? c->d[k].num + 1 : n;
    }
    if (n > c->lim->max_objects) {
        return ES_OK; /* the diff's own bound on /Size refuses such a file: nothing to skip */
    }
    uint32_t *newest = es_calloc(n, sizeof(*newest));
    int64_t *stm = es_calloc(n, sizeof(*stm));
    uint32_t *stm_rev = es_calloc(n, sizeof(*stm_rev));
    if (newest == NULL || stm == NULL || stm_rev == NULL) {
        es_free(newest);
        es_free(stm);
        es_free(stm_rev);
        return es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    for (size_t k = 0; k < c->ne; k++) {
        const xent *x = &c->e[k];
        newest[x->num] = x->rev + 1 > newest[x->num] ? x->rev + 1 : newest[x->num];
    }
    for (size_t k = 0; k < c->nd; k++) {
        const def *x = &c->d[k];
        newest[x->num] = x->rev + 1 > newest[x->num] ? x->rev + 1 : newest[x->num];
    }
    /* The object stream of each object's newest effective entry (the one the whole file resolves). */
    for (size_t k = 0; k < c->neff; k++) {
        const xent *x = &c->eff[k];
        if (stm_rev[x->num] <= x->rev + 1) {
            stm_rev[x->num] = x->rev + 1;
            stm[x->num] = x->type == 2 ? (int64_t)x->f2 : -1;
        }
    }
    /* The indirect /Length of an object stream (any of its definitions): its data, so its objects. */
    uint32_t *stm_len = es_calloc(n, sizeof(*stm_len));
    for (size_t k = 0; stm_len != NULL && k < c->nd; k++) {
        const def *x = &c->d[k];
        if (x->objstm > 0 && x->objstm < (int64_t)n && x->stm_len > 0) {
            uint32_t l = x->stm_len < (int64_t)n ? newest[x->stm_len] : UINT32_MAX;
            stm_len[x->objstm] = l > stm_len[x->objstm] ? l : stm_len[x->objstm];
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (stm[i] > 0) {
            uint32_t s = stm[i] < (int64_t)n ? newest[stm[i]] : UINT32_MAX;
            uint32_t l = stm[i] < (int64_t)n && stm_len != NULL ? stm_len[stm[i]] : UINT32_MAX;
            s = l > s ? l : s;
            newest[i] = s > newest[i] ? s : newest[i];
        }
    }
    es_free(stm_len);
    es_free(stm);
    es_free(stm_rev);
    ch->newest = newest;
    ch->n = n;
    return ES_OK;
}

void es_pdf_xref_changes_free(es_pdf_xref_changes *ch)
{
    es_free(ch->newest);
    es_free(ch->b1);
    es_free(ch->b2);
    es_pdf_walks_free(ch->walks);
    *ch = (es_pdf_xref_changes){0};
}

static void ctx_free(ctx *c)
{
    es_free(c->s);
    es_free(c->e);
    es_free(c->r);
    es_free(c->d);
    es_free(c->eff);
    c->s = NULL;
    c->e = c->eff = NULL;
    c->r = NULL;
    c->d = NULL;
}

/* What a checked ctx gives: the revisions (when asked for and known) and the changes map. */
static ES_RESULT finish(ctx *c, es_pdf_revision **revs, size_t *nrevs, es_pdf_xref_changes *ch)
{
    es_result r = ES_OK;
    if (revs != NULL && revisions_known(c)) {
        *revs = es_calloc(c->nr, sizeof(**revs));
        if (*revs == NULL) {
            r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
        }
        for (size_t k = 0; *revs != NULL && k < c->nr; k++) {
            (*revs)[k] = (es_pdf_revision){c->r[k].start, c->r[k].end};
        }
        *nrevs = *revs != NULL ? c->nr : 0;
    }
    if (es_ok(r) && ch != NULL && c->count == 0 && revisions_known(c)) {
        r = changes_of(c, ch);
    }
    return r;
}

static ES_RESULT structure(es_span f, const eseal_limits *lim, es_pdf_ambiguity *out, size_t max, size_t *n,
                           es_pdf_revision **revs, size_t *nrevs, es_pdf_xref_changes *ch)
{
    ES_ENSURE_ARG(n != NULL && (out != NULL || max == 0));
    *n = 0;
    ctx c = {.f = f, .lim = es_limits_or_default(lim), .out = out, .max = max};
    c.s = es_calloc(c.lim->max_xref_sections + 2, sizeof(*c.s));
    ES_ENSURE_ALLOC(c.s);
    es_result r = check(&c);
    if (es_ok(r)) {
        r = finish(&c, revs, nrevs, ch);
    }
    ctx_free(&c);
    *n = c.count;
    return r;
}

ES_RESULT es_pdf_check_structure(es_span f, const eseal_limits *lim, es_pdf_ambiguity *out, size_t max, size_t *n)
{
    return structure(f, lim, out, max, n, NULL, NULL, NULL);
}

#define REPORT_MAX 8

/* document.parts: one {kind "revision", name, offset, size, sha256} per revision; null when the chain
 * does not delimit them. With `prefix` (issue 18, h-trust: the verifier's running digests), a
 * revision that is a prefix the signatures' running SHA-256 already passed is not hashed again. */
static ES_RESULT report_parts(eseal_report *rep, es_span f, const es_pdf_revision *revs, size_t nrevs,
                              es_prefix_hasher *prefix)
{
    if (nrevs == 0) {
        return es_report_null(rep, "document.parts");
    }
    ES_GUARD(es_value_list(es_report_root(rep), "document.parts", NULL));
    for (size_t k = 0; k < nrevs; k++) {
        eseal_value *part = NULL;
        ES_GUARD(es_value_append(es_report_root(rep), "document.parts", ESEAL_VALUE_OBJECT, &part));
        char hex[129];
        es_span bytes = es_span_of(f.ptr + revs[k].start, revs[k].end - revs[k].start);
        ES_GUARD(es_value_str(part, "kind", "revision"));
        ES_GUARD(es_value_str(part, "name", "revision %zu", k + 1));
        ES_GUARD(es_value_int(part, "offset", (int64_t)revs[k].start));
        ES_GUARD(es_value_int(part, "size", (int64_t)bytes.len));
        if (prefix != NULL) {
            uint8_t md[64];
            size_t md_len = 0;
            ES_GUARD(es_prefix_span_digest(prefix, md, &md_len, ESEAL_HASH_SHA256, bytes));
            es_hex_lower(hex, md, md_len);
        } else {
            ES_GUARD(es_report_digest_hex(hex, ESEAL_HASH_SHA256, bytes));
        }
        ES_GUARD(es_value_str(part, "sha256", "%s", hex));
    }
    return ES_OK;
}

ES_RESULT es_pdf_report_structure(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                  const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs)
{
    return es_pdf_report_structure_ex(rep, sigs, nsigs, f, lim, revs, nrevs, NULL);
}

ES_RESULT es_pdf_report_structure_ex(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                     const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs,
                                     es_pdf_xref_changes *ch)
{
    return es_pdf_report_structure_hashed(rep, sigs, nsigs, f, lim, revs, nrevs, ch, NULL);
}

/* The findings and document.parts of a checked structure (its `k` ambiguities in `a`). */
static ES_RESULT report_findings(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                 const es_pdf_ambiguity *a, size_t k, const es_pdf_revision *revs, size_t nrevs,
                                 es_prefix_hasher *prefix)
{
    ES_GUARD(report_parts(rep, f, revs, nrevs, prefix));
    if (k == 0) {
        return ES_OK;
    }
    size_t shown = k < REPORT_MAX ? k : REPORT_MAX;
    ES_GUARD(es_value_list(es_report_root(rep), "document.ambiguities", NULL));
    for (size_t i = 0; i < shown; i++) {
        ES_GUARD(es_value_append_str(es_report_root(rep), "document.ambiguities", "%s", a[i].what));
    }
    if (k > shown) {
        ES_GUARD(es_value_append_str(es_report_root(rep), "document.ambiguities", "and %zu more", k - shown));
    }
    for (size_t j = 0; j < nsigs; j++) {
        for (size_t i = 0; i < shown; i++) {
            ES_GUARD(es_report_reason(sigs[j], ESEAL_INVALID, ESEAL_R_AMBIGUOUS_STRUCTURE, "%s", a[i].what));
        }
    }
    return ES_OK;
}

ES_RESULT es_pdf_report_structure_hashed(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                         const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs,
                                         es_pdf_xref_changes *ch, es_prefix_hasher *prefix)
{
    *revs = NULL;
    *nrevs = 0;
    if (ch != NULL) {
        *ch = (es_pdf_xref_changes){0};
    }
    es_pdf_ambiguity a[REPORT_MAX];
    size_t k = 0;
    ES_GUARD(structure(f, lim, a, REPORT_MAX, &k, revs, nrevs, ch));
    return report_findings(rep, sigs, nsigs, f, a, k, *revs, *nrevs, prefix);
}

/* ---- issue 18 (h-bigverify): the check first, its report later ---- */

struct es_pdf_structure {
    ctx c;
    es_pdf_ambiguity a[REPORT_MAX];
    es_span f;
    const eseal_limits *lim;
    bool checked; /* check() succeeded; else the report runs the whole thing again for its error */
};

void es_pdf_structure_free(es_pdf_structure *s)
{
    if (s != NULL) {
        ctx_free(&s->c);
        es_free(s);
    }
}

void es_pdf_structure_scan(es_pdf_structure **out, es_span f, const eseal_limits *lim)
{
    *out = NULL;
    es_pdf_structure *s = es_calloc(1, sizeof(*s));
    if (s == NULL) {
        eseal_error_clear();
        return;
    }
    s->f = f;
    s->lim = lim;
    s->c = (ctx){.f = f, .lim = es_limits_or_default(lim), .out = s->a, .max = REPORT_MAX};
    s->c.s = es_calloc(s->c.lim->max_xref_sections + 2, sizeof(*s->c.s));
    s->checked = s->c.s != NULL && es_ok(check(&s->c));
    if (!s->checked) {
        /* Its error is made again, in its place, by es_pdf_report_structure_scanned. */
        ctx_free(&s->c);
    }
    eseal_error_clear();
    *out = s;
}

ES_RESULT es_pdf_report_structure_scanned(es_pdf_structure *s, eseal_report *rep, eseal_report *const *sigs,
                                          size_t nsigs, es_pdf_revision **revs, size_t *nrevs,
                                          es_pdf_xref_changes *ch, es_prefix_hasher *prefix)
{
    if (!s->checked) {
        return es_pdf_report_structure_hashed(rep, sigs, nsigs, s->f, s->lim, revs, nrevs, ch, prefix);
    }
    *revs = NULL;
    *nrevs = 0;
    if (ch != NULL) {
        *ch = (es_pdf_xref_changes){0};
    }
    ES_GUARD(finish(&s->c, revs, nrevs, ch));
    return report_findings(rep, sigs, nsigs, s->f, s->a, s->c.count, *revs, *nrevs, prefix);
}
