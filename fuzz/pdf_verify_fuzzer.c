/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PDF verification over LATER REVISIONS of a stamped file (issue #15): the
 * attacker of the incremental-saving, shadow and "one resolution" classes
 * (Mladenov et al. 2019, Mainka et al. 2021) cannot touch the signed bytes,
 * only append to them, so that is what this harness mutates.
 *
 * On the first call it builds, in memory and deterministically, a one-page
 * PDF with text (objects 1-5, a classic cross-reference table), an RSA-2048
 * key with a self-signed certificate (the trust anchor, the signer and the
 * seal maker at once: RSA PKCS#1 v1.5 signatures have a fixed length, so the
 * stamped file has the same length and layout on every run), a seal, and
 * stamps the PDF with the library. Every time is fixed, verification too
 * (ESEAL_FUZZ_AT), so no clock is involved.
 *
 * An input is then:
 * - starting with "%PDF-": a whole file, verified WITHOUT trust anchors; no
 *   signature may then be VALID (the harness's old mode, corpus pdf_verify);
 * - anything else: bytes appended after the stamped file (the later revision
 *   an attacker writes, corpus pdf_verify_rev), verified WITH the anchor.
 *
 * When such a file comes out VALID, two things judge it:
 * 1. Built-in structural checks, cheap and always on (abort = a finding): one
 *    act of signing gives exactly one signature in the report (class 5); no
 *    object header "N G obj" after the last %%EOF (bait for recovering
 *    readers), none defined twice in one appended revision, none of the
 *    stamped file's objects redefined under another generation, and every
 *    appended revision with objects ends with a startxref (spaces and ends of
 *    line around its digits, nothing else) that points at its own xref table
 *    or stream (class 2). Stream bodies are skipped. These are
 *    the "one resolution" rules of the issue; the verifier must refuse such
 *    files, whatever it resolves. And the typed report agrees with itself
 *    (report_disagrees: revisions, coverage, no unexplained change).
 * 2. The rendering oracle, when ESEAL_FUZZ_ORACLE names a command: the file is
 *    written to a temporary file and `/bin/sh -c '$ESEAL_FUZZ_ORACLE "$1"'` is
 *    run on it (tests/attacks/oracle.py: exit 0 renders identically, 1 renders
 *    differently, 2 could not run). Exit 1 aborts (a finding); anything else
 *    but 0 is counted and reported on stderr, never a finding.
 *
 * ESEAL_FUZZ_FINDINGS=dir records findings there instead of aborting (see
 * finding()); ESEAL_FUZZ_VERBOSE prints each report; ESEAL_FUZZ_PDF_BASE=path
 * writes the stamped file there on the first call, for fuzz/mkseeds_pdf_rev.py.
 * The common path does no disk I/O and keeps one work buffer; the key is made
 * once. docs/testing.md ("Fuzzing campaigns") has the rest.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "fuzz_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_APPEND (1u << 20)
#define MAX_OBJ 4096 /* object numbers the structural checks follow */
/* 2024-01-01, 2026-01-01, 2026-06-01 and 2099-01-01 UTC, in ms. */
#define T_2024 1704067200000LL
#define T_2026 1767225600000LL
#define ESEAL_FUZZ_AT 1780272000000LL
#define T_2099 4070908800000LL

/* What a VALID file must not be; ESEAL_FUZZ_FINDINGS=dir records them instead of aborting. */
enum { F_AFTER_EOF, F_GENERATION, F_TWICE, F_UNLISTED, F_TWO_SIGS, F_RENDERING, F_REPORT, F_KINDS };

static struct {
    eseal_key *key;
    eseal_cert *cert;
    eseal_trust *trust;
    eseal_buf base;    /* the stamped file */
    uint8_t *work;     /* base + room for an appended revision */
    uint8_t base_gen[MAX_OBJ]; /* generation + 1 of each object of the stamped file, 0 when absent */
    const char *oracle;
    const char *findings_dir;
    unsigned long found[F_KINDS];
    const uint8_t *in; /* the input being judged */
    size_t in_len;
    bool flagged; /* it already gave a finding */
    bool verbose;
    unsigned long oracle_calls, oracle_unsure;
} h;

static void die(const char *what)
{
    fprintf(stderr, "pdf_verify_fuzzer: setup failed: %s: %s\n", what, eseal_error_last()->message);
    abort();
}

static const char *const finding_name[F_KINDS] = {"after-eof",      "generation", "twice", "unlisted",
                                                  "two-signatures", "rendering",  "report"};
static const char *const finding_what[F_KINDS] = {
    "has an object header after its last %%EOF", "redefines a signed object under another generation",
    "defines an object twice in one revision", "appends objects in a revision whose startxref is broken",
    "lists more than one signature", "renders differently",
    "has a report its own data contradicts (revisions, coverage, unexplained changes)"};

/*
 * Without ESEAL_FUZZ_FINDINGS: abort, so that libFuzzer keeps the input and stops. With it (a
 * campaign against a verifier with known open findings, scripts/fuzz.sh): count, keep the
 * first 20 inputs of each kind as dir/finding-KIND-PID-N (workers may share dir), say so
 * at 1, 2, 4, 8... and go on.
 * One finding per input.
 */
static void finding(int kind, size_t a, size_t b)
{
    if (h.flagged) {
        return;
    }
    h.flagged = true;
    if (h.findings_dir == NULL) {
        fprintf(stderr, "pdf_verify_fuzzer: FINDING: a VALID file %s (%zu %zu)\n", finding_what[kind], a, b);
        abort();
    }
    unsigned long n = ++h.found[kind];
    if (n <= 20) {
        char path[4096];
        (void)snprintf(path, sizeof(path), "%s/finding-%s-%ld-%lu", h.findings_dir, finding_name[kind], (long)getpid(),
                       n);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(h.in, 1, h.in_len, f) != h.in_len || fclose(f) != 0) {
            fprintf(stderr, "pdf_verify_fuzzer: cannot write %s\n", path);
            abort();
        }
    }
    if ((n & (n - 1)) == 0) {
        fprintf(stderr, "pdf_verify_fuzzer: FINDING (%s, #%lu): a VALID file %s (%zu %zu)\n", finding_name[kind], n,
                finding_what[kind], a, b);
    }
}

/* At exit, when a campaign records findings or asks the oracle: what happened. */
static void summary(void)
{
    fprintf(stderr, "pdf_verify_fuzzer: oracle calls %lu (could not judge %lu); findings:", h.oracle_calls,
            h.oracle_unsure);
    for (int k = 0; k < F_KINDS; k++) {
        fprintf(stderr, " %s %lu", finding_name[k], h.found[k]);
    }
    fprintf(stderr, "\n");
}

/* ---- the base document ---- */

/* One page with text, a classic cross-reference table, offsets computed here. */
static size_t tiny_pdf(const char **out)
{
    static const char content[] = "BT /F1 24 Tf 72 700 Td (Pay 100 to Alice) Tj ET";
    static const char *const objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        NULL, /* the content stream */
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    static char buf[2048];
    size_t off[5], n = 0;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%%PDF-1.7\n");
    for (int i = 0; i < 5; i++) {
        off[i] = n;
        if (objs[i] != NULL) {
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
        } else {
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                                  i + 1, sizeof(content) - 1, content);
        }
    }
    size_t x = n;
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 0; i < 5; i++) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%010zu 00000 n \n", off[i]);
    }
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", x);
    if (n >= sizeof(buf)) {
        die("the PDF");
    }
    *out = buf;
    return n;
}

static void make_seal(eseal_buf *out)
{
    eseal_buf der = ESEAL_BUF_INIT;
    if (eseal_cert_der(&der, h.cert) != ESEAL_OK) {
        die("the certificate's DER");
    }
    static const uint8_t pic[] = "\x89PNG-placeholder";
    eseal_bytes c = {der.ptr, der.size};
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.esid = "ES-FUZZ-1";
    in.type = ESEAL_SEAL_OFFICIAL;
    in.name = "Fuzz seal";
    in.cert_list_type = 1;
    in.digest_type = "SM3";
    in.cert_count = 1;
    in.certs = &c;
    in.create_ms = in.valid_start_ms = T_2024;
    in.valid_end_ms = T_2099;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){pic, sizeof(pic) - 1};
    in.picture_width_mm = in.picture_height_mm = 40;
    if (eseal_ses_seal_make(out, &in, h.cert, h.key) != ESEAL_OK) {
        die("the seal");
    }
    eseal_buf_dispose(&der);
}

/*
 * Calls fn(num, gen, segment) for each "N G obj" header outside stream bodies, and eof(offset,
 * segment) for each "%%EOF" there (eof may be NULL); segments end at "%%EOF".
 */
typedef void (*header_fn)(uint64_t num, uint64_t gen, size_t seg, void *ctx);
typedef void (*eof_fn)(size_t off, size_t seg, void *ctx);

static bool is_delim(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0 || c == '<' || c == '>' ||
           c == '[' || c == ']' || c == '(' || c == ')' || c == '/' || c == '%' || c == '{' || c == '}';
}

static size_t digits(const uint8_t *p, size_t n, size_t i, uint64_t *v)
{
    size_t k = 0;
    *v = 0;
    while (i + k < n && k < 10 && p[i + k] >= '0' && p[i + k] <= '9') {
        *v = *v * 10 + (uint64_t)(p[i + k] - '0');
        k++;
    }
    return k;
}

static size_t spaces(const uint8_t *p, size_t n, size_t i)
{
    size_t k = 0;
    /* PDF whitespace (ISO 32000-1 §7.2.2): NUL, HT, LF, FF, CR, SP. */
    while (i + k < n && (p[i + k] == ' ' || p[i + k] == '\n' || p[i + k] == '\r' || p[i + k] == '\t' ||
                         p[i + k] == 0 || p[i + k] == '\f')) {
        k++;
    }
    return k;
}

static size_t scan_headers(const uint8_t *p, size_t n, header_fn fn, eof_fn eof, void *ctx)
{
    size_t seg = 0;
    bool dict_end = false; /* the last token was ">>": a "stream" keyword now starts stream data */
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && n - i >= 5 && memcmp(p + i, "%%EOF", 5) == 0) {
            if (eof != NULL) {
                eof(i, seg, ctx);
            }
            seg++;
            i += 4;
            continue;
        }
        /* A comment runs to the end of its line (§7.2.4): what it holds is no object and no ">>"
         * (a false after-eof finding, run 14). Strings are not followed: a '%' in one ends the scan
         * of that line early, which can only hide a header, never invent one. */
        if (p[i] == '%') {
            while (i + 1 < n && p[i + 1] != '\r' && p[i + 1] != '\n') {
                i++;
            }
            continue;
        }
        /* "stream" + EOL after a dictionary (§7.3.8.1): the body up to "endstream" is data, whatever
         * it holds. The word elsewhere (a comment, a string, a stray token) starts nothing: stopping
         * there hid the last %%EOF (false after-eof findings, runs 13 and 14). */
        if (p[i] == 's' && n - i >= 7 && memcmp(p + i, "stream", 6) == 0 && (p[i + 6] == '\r' || p[i + 6] == '\n') &&
            dict_end) {
            const uint8_t *e = memmem(p + i + 6, n - i - 6, "endstream", 9);
            if (e == NULL) {
                break;
            }
            i = (size_t)(e - p) + 8;
            dict_end = false;
            continue;
        }
        if (p[i] == '>' && i + 1 < n && p[i + 1] == '>') {
            dict_end = true;
            i++;
            continue;
        }
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == '\f' || p[i] == 0) {
            continue;
        }
        dict_end = false;
        if (p[i] < '0' || p[i] > '9' || (i > 0 && !is_delim(p[i - 1]))) {
            continue;
        }
        uint64_t num, gen;
        size_t k = digits(p, n, i, &num), j = i + k, s;
        if (i + k < n && p[i + k] >= '0' && p[i + k] <= '9') {
            i = j;
            continue;
        }
        if ((s = spaces(p, n, j)) == 0 || (k = digits(p, n, j + s, &gen)) == 0) {
            i = j - 1 + s;
            continue;
        }
        size_t g = j + s; /* where the generation starts: it may be the number of a real header */
        j = g + k;
        if ((s = spaces(p, n, j)) == 0 || n - (j + s) < 3 || memcmp(p + j + s, "obj", 3) != 0 ||
            (j + s + 3 < n && !is_delim(p[j + s + 3]))) {
            i = g - 1;
            continue;
        }
        fn(num, gen, seg, ctx);
        i = j + s + 2;
    }
    return seg;
}

static void base_header(uint64_t num, uint64_t gen, size_t seg, void *ctx)
{
    (void)seg;
    (void)ctx;
    if (num < MAX_OBJ && gen < 255) {
        h.base_gen[num] = (uint8_t)(gen + 1);
    }
}

/* The scanner on known texts, once: a broken scanner would make every structural check silent. */
static void count_header(uint64_t num, uint64_t gen, size_t seg, void *ctx)
{
    uint64_t *c = ctx;
    c[0]++;
    c[1] = c[1] * 1000 + num * 10 + gen + seg * 100;
}

static void scanner_selftest(void)
{
    static const struct {
        const char *text;
        uint64_t headers, code; /* how many, and the last few as (num*10 + gen + segment*100) folded */
        size_t segments;
    } cases[] = {
        {"1 0 obj\n<<>>\nendobj\n%%EOF\n", 1, 10, 1},
        {"%%EOF\n4 0 obj <<>>", 1, 140, 1},
        {"1 2 0 obj", 1, 20, 0},                                 /* "2 0 obj" after a stray number */
        {"12 0 obj<</Length 9>>stream\n5 0 obj x\nendstream endobj 3 1 obj", 2, 120031, 0}, /* a stream is data */
        {"x1 0 obj 10 0 objx 7 0 R 1 0 obj%", 1, 10, 0},        /* tokens must be whole */
        {"<< >>\nstream\n1 0 obj", 0, 0, 0},                   /* an unterminated stream swallows the rest */
        {"% a stream\n1 0 obj", 1, 10, 0},                     /* "stream" not after a dictionary: no data */
        {"/X % 2 0 obj >>\rstream\n1 0 obj", 1, 10, 0},         /* a comment holds nothing */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t c[2] = {0, 0};
        size_t seg = scan_headers((const uint8_t *)cases[i].text, strlen(cases[i].text), count_header, NULL, c);
        if (c[0] != cases[i].headers || c[1] != cases[i].code || seg != cases[i].segments) {
            fprintf(stderr, "pdf_verify_fuzzer: the object-header scanner is wrong on case %zu (%llu %llu %zu)\n", i,
                    (unsigned long long)c[0], (unsigned long long)c[1], seg);
            abort();
        }
    }
}

static void setup(void)
{
    scanner_selftest();
    eseal_buf spki = ESEAL_BUF_INIT, seal = ESEAL_BUF_INIT;
    if (eseal_key_generate(&h.key, ESEAL_ALG_RSA2048) != ESEAL_OK || eseal_key_public_der(&spki, h.key) != ESEAL_OK) {
        die("the key");
    }
    static const uint8_t serial[8] = {0x46, 0x55, 0x5a, 0x5a, 0x50, 0x44, 0x46, 0x01};
    es_cert_spec s = {0};
    s.profile = ES_PROFILE_ORG;
    s.common_name = "Fuzz Signer";
    s.organization = "eseal fuzzing";
    s.country = "CN";
    s.not_before_ms = T_2024;
    s.not_after_ms = T_2099;
    s.serial = serial;
    s.serial_len = sizeof(serial);
    if (!es_ok(es_cert_issue(&h.cert, &s, es_span_of(spki.ptr, spki.size), h.key, NULL)) ||
        eseal_trust_new(&h.trust) != ESEAL_OK || eseal_trust_add_anchor(h.trust, h.cert) != ESEAL_OK) {
        die("the certificate");
    }
    make_seal(&seal);
    /* A small round imprint, ASCII only (the Latin font alone, ESEAL_IMPRINT_DEFAULT_LATIN_FONT). */
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    sp.width_mm = 30;
    sp.star = 1;
    sp.arc_text = "FUZZ";
    eseal_imprint_outline *outline = NULL;
    if (eseal_imprint_path(&outline, &sp) != ESEAL_OK) {
        die("the imprint");
    }
    const char *pdf = NULL;
    size_t pdf_len = tiny_pdf(&pdf);
    eseal_pdf_stamp_options o = ESEAL_PDF_STAMP_OPTIONS_INIT;
    o.serial = "FUZZ-1";
    o.page = 1;
    o.x_mm = 20;
    o.y_mm = 20;
    o.time_ms = T_2026;
    if (eseal_pdf_stamp(&h.base, pdf, pdf_len, outline, seal.ptr, seal.size, h.key, h.cert, &o) != ESEAL_OK) {
        die("stamping");
    }
    eseal_imprint_outline_free(outline);
    eseal_buf_dispose(&spki);
    eseal_buf_dispose(&seal);
    (void)scan_headers(h.base.ptr, h.base.size, base_header, NULL, NULL);
    if ((h.work = malloc(h.base.size + MAX_APPEND)) == NULL) {
        die("memory");
    }
    memcpy(h.work, h.base.ptr, h.base.size);
    const char *dump = getenv("ESEAL_FUZZ_PDF_BASE");
    if (dump != NULL && dump[0] != 0) {
        FILE *f = fopen(dump, "wb");
        if (f == NULL || fwrite(h.base.ptr, 1, h.base.size, f) != h.base.size || fclose(f) != 0) {
            fprintf(stderr, "pdf_verify_fuzzer: cannot write %s\n", dump);
            abort();
        }
    }
    h.verbose = getenv("ESEAL_FUZZ_VERBOSE") != NULL;
    h.findings_dir = getenv("ESEAL_FUZZ_FINDINGS");
    if (h.findings_dir != NULL && h.findings_dir[0] == 0) {
        h.findings_dir = NULL;
    }
    h.oracle = getenv("ESEAL_FUZZ_ORACLE");
    if (h.oracle != NULL && h.oracle[0] == 0) {
        h.oracle = NULL;
    }
    if ((h.oracle != NULL || h.findings_dir != NULL) && atexit(summary) != 0) {
        die("atexit");
    }
}

/* ---- judging a VALID file ---- */

typedef struct {
    size_t seg_of[MAX_OBJ]; /* segment + 1 where the object was last defined in the appended bytes */
    size_t last_seg;        /* segments of the appended bytes: headers in segment last_seg follow the last %%EOF */
    size_t seg_start;       /* where the current segment starts in the appended bytes */
    size_t seg_headers;     /* object headers in it so far */
    const uint8_t *app;
    int pass;
} append_scan;

static void append_header(uint64_t num, uint64_t gen, size_t seg, void *ctx)
{
    append_scan *a = ctx;
    if (a->pass == 0) {
        return; /* the first pass only counts the segments */
    }
    if (seg == a->last_seg) {
        finding(F_AFTER_EOF, (size_t)num, (size_t)gen);
    }
    if (num < MAX_OBJ && h.base_gen[num] != 0 && gen + 1 != h.base_gen[num]) {
        finding(F_GENERATION, (size_t)num, (size_t)gen);
    }
    a->seg_headers++;
    if (num < MAX_OBJ) {
        if (a->seg_of[num] == seg + 1) {
            finding(F_TWICE, (size_t)num, (size_t)gen);
        }
        a->seg_of[num] = seg + 1;
    }
}

static size_t plain_spaces(const uint8_t *p, size_t n, size_t i)
{
    size_t k = 0;
    while (i + k < n && (p[i + k] == ' ' || p[i + k] == '\n' || p[i + k] == '\r' || p[i + k] == '\t')) {
        k++;
    }
    return k;
}

/* "N G obj" at p[i] (digits, blanks, digits, blanks, "obj"). */
static bool header_at(const uint8_t *p, size_t n, size_t i)
{
    uint64_t v;
    size_t k = digits(p, n, i, &v), s;
    if (k == 0 || (s = spaces(p, n, i + k)) == 0) {
        return false;
    }
    i += k + s;
    if ((k = digits(p, n, i, &v)) == 0 || (s = spaces(p, n, i + k)) == 0) {
        return false;
    }
    i += k + s;
    return n - i >= 3 && memcmp(p + i, "obj", 3) == 0;
}

/*
 * An appended revision with objects must end with "startxref N %%EOF", N the offset of its own
 * "xref" table or of an object of its own (a cross-reference stream), or of whitespace before
 * one. Otherwise its objects are
 * listed by no cross-reference section a strict reader follows, and a recovering reader takes
 * them.
 */
static void append_eof(size_t off, size_t seg, void *ctx)
{
    append_scan *a = ctx;
    size_t start = a->seg_start, headers = a->seg_headers;
    a->seg_start = off + 5;
    a->seg_headers = 0;
    if (headers == 0) {
        return;
    }
    const uint8_t *sx = NULL;
    for (const uint8_t *q = a->app + start; (q = memmem(q, (size_t)(a->app + off - q), "startxref", 9)) != NULL; q++) {
        sx = q;
    }
    uint64_t x = 0;
    size_t i = sx != NULL ? (size_t)(sx - a->app) + 9 : 0, k = 0;
    if (sx != NULL) {
        /* §7.5.5: end of line, the offset, end of line: no NUL, form feed or comment, which readers
         * take differently (poppler rebuilds the cross-reference then). */
        i += plain_spaces(a->app, off, i);
        k = digits(a->app, off, i, &x);
        i += k;
        i += plain_spaces(a->app, off, i);
    }
    size_t total = h.base.size + h.in_len;
    /* Whitespace before the section is skipped, as every reader's lexer (and the verifier) does. */
    if (sx != NULL && k != 0 && x < total) {
        x += spaces(h.work, total, (size_t)x);
    }
    if (sx == NULL || k == 0 || i != off || x < h.base.size + start || x >= h.base.size + off ||
        (!(total - x >= 4 && memcmp(h.work + x, "xref", 4) == 0) && !header_at(h.work, total, (size_t)x))) {
        finding(F_UNLISTED, (size_t)seg, headers);
    }
}

static void run_oracle(const uint8_t *f, size_t n)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/eseal-fuzz-XXXXXX.pdf", dir != NULL && dir[0] != 0 ? dir : "/tmp");
    int fd = mkstemps(path, 4);
    if (fd < 0) {
        perror("pdf_verify_fuzzer: oracle temporary file");
        abort();
    }
    for (size_t done = 0; done < n;) {
        ssize_t k = write(fd, f + done, n - done);
        if (k <= 0) {
            perror("pdf_verify_fuzzer: writing the oracle's file");
            abort();
        }
        done += (size_t)k;
    }
    (void)close(fd);
    h.oracle_calls++;
    pid_t pid = fork();
    if (pid == 0) {
        char cmd[4096];
        (void)snprintf(cmd, sizeof(cmd), "%s \"$1\"", h.oracle);
        execl("/bin/sh", "sh", "-c", cmd, "eseal-fuzz-oracle", path, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0) {
    }
    (void)unlink(path);
    int code = pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code == 1) {
        finding(F_RENDERING, n, 0);
    } else if (code != 0 && (h.oracle_unsure++ % 1000) == 0) {
        fprintf(stderr, "pdf_verify_fuzzer: the oracle could not judge a VALID file (status %d; %lu of %lu calls)\n",
                code, h.oracle_unsure, h.oracle_calls);
    }
}

/*
 * The typed report of a VALID file must agree with itself: the revisions (document.parts) follow
 * one another from offset 0 inside the file, the signature's coverage names one of them, and no
 * change is unexplained (type "other") nor the modifications check failed. Returns 0 when it
 * agrees, else which rule broke (1-based).
 */
static size_t report_disagrees(const eseal_report *r, size_t file_len)
{
    const eseal_value *parts = eseal_report_find(r, "document.parts");
    size_t np = eseal_value_count(parts);
    int64_t at = 0;
    for (size_t k = 0; k < np; k++) {
        const eseal_value *p = eseal_value_item(parts, k);
        if (eseal_value_integer(eseal_value_find(p, "offset")) != at) {
            return 1;
        }
        at += eseal_value_integer(eseal_value_find(p, "size"));
    }
    if (np == 0 || at <= 0 || (uint64_t)at > file_len) {
        return 2;
    }
    const eseal_report *c = eseal_report_child(r, 0);
    int64_t rev = 0;
    int whole = 0;
    if (eseal_report_integer(c, "coverage.revision", &rev) != ESEAL_OK || rev < 1 || (uint64_t)rev > np ||
        eseal_report_boolean(c, "coverage.whole_document", &whole) != ESEAL_OK) {
        return 3;
    }
    const eseal_value *ch = eseal_report_find(c, "coverage.changes");
    for (size_t k = 0; k < eseal_value_count(ch); k++) {
        const char *t = eseal_value_string(eseal_value_find(eseal_value_item(ch, k), "type"));
        if (t == NULL || strcmp(t, "other") == 0) {
            return 4;
        }
    }
    return eseal_report_check(c, "modifications") == ESEAL_CHECK_FAILED ? 5 : 0;
}

static void judge_valid(const eseal_report *r, const uint8_t *app, size_t n)
{
    /* Nothing was signed after the stamp: one act of signing, one signature (class 5). */
    if (eseal_report_child_count(r) != 1) {
        finding(F_TWO_SIGS, eseal_report_child_count(r), 1);
    }
    size_t broke = report_disagrees(r, h.base.size + n);
    if (broke != 0) {
        finding(F_REPORT, broke, 0);
    }
    static append_scan a;
    memset(&a, 0, sizeof(a));
    a.app = app;
    a.last_seg = scan_headers(app, n, append_header, NULL, &a);
    a.pass = 1;
    (void)scan_headers(app, n, append_header, append_eof, &a);
    if (h.oracle != NULL && !h.flagged) {
        run_oracle(h.work, h.base.size + n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_APPEND) {
        return 0;
    }
    eseal_report *r = NULL;
    if (size >= 5 && memcmp(data, "%PDF-", 5) == 0) {
        if (eseal_pdf_verify(&r, data, size, NULL, NULL) == ESEAL_OK) {
            fuzz_check_untrusted_report(r);
        }
        return 0;
    }
    if (h.work == NULL) {
        setup();
    }
    if (size > 0) {
        memcpy(h.work + h.base.size, data, size);
    }
    h.in = data;
    h.in_len = size;
    h.flagged = false;
    eseal_pdf_verify_options vo = ESEAL_PDF_VERIFY_OPTIONS_INIT;
    vo.at_ms = ESEAL_FUZZ_AT;
    if (eseal_pdf_verify(&r, h.work, h.base.size + size, h.trust, &vo) != ESEAL_OK) {
        return 0;
    }
    if (h.verbose) {
        eseal_buf t = ESEAL_BUF_INIT;
        (void)eseal_report_to_text(&t, r, ESEAL_REPORT_TEXT_DETAIL);
        fprintf(stderr, "%.*s\n", (int)t.size, (const char *)t.ptr);
        eseal_buf_dispose(&t);
    }
    if (eseal_report_verdict(r) == ESEAL_VALID) {
        judge_valid(r, data, size);
    }
    eseal_report_free(r);
    return 0;
}
