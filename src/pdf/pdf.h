/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal PDF layer: reading through qpdf's C API in strict mode (no
 * recovery, encrypted files refused), and what the stamping writer needs to
 * append an incremental update (ISO 32000-1 §7.5.6) without rewriting a byte.
 */
#ifndef ES_PDF_H
#define ES_PDF_H

#include "crypto/crypto.h"
#include "eseal/pdf.h"
#include "eseal/seal.h"
#include "util/ctx.h"
#include "util/util.h"

typedef struct {
    int num;
    int gen;
} es_pdf_ref;

#define ES_PDF_ROTATE_BAD 1 /* an impossible /Rotate (not a multiple of 90): the page's was not an integer */

/* ---- named maxima of the PDF module (bounds on what a file may make us do; one line each) ---- */
#define ES_PDF_MAX_OBJNUM 8388607         /* highest object number (ISO 32000-1 Annex C.2: 2^23 - 1) */
#define ES_PDF_TAIL_BYTES 2048            /* the end of the file searched for startxref and %%EOF */
#define ES_PDF_MAX_INHERIT_DEPTH 32       /* /Parent links followed for inherited page attributes */
#define ES_PDF_MAX_TREE_DEPTH 32          /* page tree levels walked down to a page (a loop in /Kids ends there) */
#define ES_PDF_TREE_CHECKED 64            /* kids of a page tree node all looked at (counts checked) on the way down */
#define ES_PDF_MAX_FIELD_DEPTH 16         /* /Kids levels of the form field tree walked */
#define ES_PDF_MAX_DSS_ITEMS 256          /* streams read from one /DSS array (/Certs, /OCSPs, /CRLs) */
#define ES_PDF_MAX_DSS_WRITE 4096         /* validation items written into one /DSS */
#define ES_PDF_MAX_DICT_KEYS 512          /* keys of one dictionary compared by the revision diff */
#define ES_PDF_MAX_DUP_STEPS 64           /* earlier definitions looked at for one duplicate object */
#define ES_PDF_MAX_COLUMNS (1u << 20)     /* /Columns of a predicted cross-reference stream */
#define ES_PDF_MAX_PAGES_CROSS 100000     /* pages one cross-page seal is split over */
#define ES_PDF_MAX_NAME_LEN 255           /* one field name in a field lock */
#define ES_PDF_UPDATE_MAX ((size_t)256 << 20) /* one incremental update we write */
#define ES_PDF_XOBJECT_MAX ((size_t)64 << 20) /* one appearance or form XObject we write */
#define ES_PDF_XREF_MAX ((size_t)1 << 20)     /* the /Index or rows of the cross-reference stream we write */
#define ES_PDF_DSS_ARRAYS_MAX ((size_t)1 << 20) /* the /Certs, /OCSPs, /CRLs arrays of the /DSS we write */
#define ES_PDF_NAMES_MAX ((size_t)64 << 10)   /* the field names of one field lock, read */
#define ES_PDF_REPORT_TEXT_MAX ((size_t)64 << 10) /* one text field of a verification report */
#define ES_PDF_REASON_TEXT_MAX 1024 /* one format reason of the verifier (a sentence and a few numbers) */
#define ES_PDF_DIFF_CHANGED_MAX 16384  /* the changed objects a revision diff lists, each with why */
#define ES_PDF_DIFF_LOCKED_MAX 4096    /* the names of the locked fields a change touched */
#define ES_PDF_DIFF_SUMMARY_MAX 32768  /* the later_changes summary: the changed and locked lists and a verdict */

/*
 * One strict qpdf parse (pdf_read.c), made by the only opener eseal has, with the same settings
 * everywhere: qpdf's errors silenced and fetched, warnings kept, no recovery, encrypted files
 * refused. A verification parses the file once and hands that parse to the signature listing,
 * the /DSS reader and every revision comparison (pdf_verify.c); only a signed revision that later
 * ones changed is parsed again, on its own bytes (es_pdf_judge_changes says why).
 */
struct _qpdf_data; /* qpdf-c.h's qpdf_data */
typedef struct {
    struct _qpdf_data *q;
    size_t len;        /* the bytes parsed */
    bool pages_walked; /* es_pdf_qpdf_pages has run */
    char *repair;      /* what qpdf warned then (a page tree repaired in memory), or NULL */
    const eseal_limits *lim; /* the limits of the parse and of what is read from it; never NULL once open */
} es_pdf_qpdf;

typedef struct {
    es_pdf_ref ref;
    double media[4]; /* MediaBox, inherited from /Pages when absent; normalised: x0 < x1, y0 < y1 */
    double crop[4];  /* the visible area: CropBox (inherited, default MediaBox) clipped to the MediaBox */
    int rotate;      /* /Rotate as written (inherited, default 0), ES_PDF_ROTATE_BAD when not an integer */
    char *dict_wo_annots; /* "<< ... " the page dictionary without /Annots and without the closing ">>" */
    char *annots;         /* the existing /Annots items, space-separated, "" when none */
} es_pdf_page;

typedef struct {
    es_span data;          /* the whole file, borrowed (empty when opened from a descriptor) */
    size_t size_bytes;     /* the file's length */
    uint8_t last_byte;     /* the file's last byte */
    size_t startxref;      /* offset of the last cross-reference section */
    bool xref_stream;      /* the last section is a cross-reference stream */
    int size;              /* trailer /Size */
    es_pdf_ref root;
    char *root_wo_acroform; /* "<< ... " the catalog without /AcroForm */
    bool acroform_indirect;
    es_pdf_ref acroform_ref;
    char *acroform_wo_fields; /* "<< ... " the AcroForm without /Fields and /SigFlags, or NULL */
    char *fields;             /* existing /Fields items, "" when none */
    char *info;               /* /Info as written: "N G R" or a direct "<< ... >>", or NULL */
    uint8_t id0[64];
    size_t id0_len;
    size_t npages;      /* the page count: the page tree root's /Count (ISO 32000-1 §7.7.3.2) */
    size_t first_page;  /* the number (1-based) of pages[0], 0 when no page is loaded */
    size_t nloaded;     /* the pages loaded by es_pdf_load_pages: first_page .. first_page + nloaded - 1 */
    es_pdf_page *pages;
    size_t nsig_fields; /* signature fields already present */
    int docmdp_p;       /* the DocMDP permission of a certification signature in the document, 0: none */
    char *root_wo_dss;  /* "<< ... " the catalog without /DSS (and without the closing ">>") */
    bool has_dss;       /* the catalog has a /DSS dictionary */
    char *dss_certs, *dss_ocsps, *dss_crls; /* its /Certs, /OCSPs, /CRLs items, "" when none */
    char *dss_answers;  /* its /ESealRegistryAnswers items (eseal's registry answers), "" when none */
    char *dss_vri;      /* its /VRI value as written, or NULL */
    es_pdf_qpdf parse;  /* the parse, open until es_pdf_close: pages are read when asked for */
    es_map map;         /* es_pdf_open_fd: the file mapped for qpdf (not mapped: read through its path) */
} es_pdf_doc;

/* Parses `data` (which must outlive the parse) under `lim` (NULL: the defaults); closed on failure. */
ES_RESULT es_pdf_qpdf_open(es_pdf_qpdf *p, es_span data, const eseal_limits *lim);
void es_pdf_qpdf_close(es_pdf_qpdf *p);
/* Forgets qpdf's pending errors and warnings, so that the next user of a shared parse starts clean. */
void es_pdf_qpdf_quiet(es_pdf_qpdf *p);
/*
 * Walks the page tree once (qpdf repairs a broken one in memory the first time, with only a
 * warning) and keeps the first pending warning; then and later, *repair is that warning or NULL.
 */
ES_RESULT es_pdf_qpdf_pages(es_pdf_qpdf *p, const char **repair);
/* How many times this thread has parsed a PDF with qpdf (every opener above counts): for tests. */
unsigned long es_pdf_open_count(void);
/* Appearance streams this process deflated (pdf_stamp.c keeps the last one per thread): for tests. */
extern _Atomic unsigned long es_pdf_deflations;
/* Stamps (es_pdf_stamp_to) whose input a second thread copied while qpdf read it: for tests. */
extern _Atomic unsigned long es_pdf_copy_threads;
/* Issue 18 (branch h-bigstamp), for tests: stamps whose input was copied wholly in the kernel
 * (copy_file_range, pdf_stamp.c copy_ranges); and a function the copy calls after each range or
 * chunk it copied and hashed, with the bytes done so far (NULL: none), where a test changes or
 * cuts the input in the middle of a copy. */
extern _Atomic unsigned long es_pdf_copy_ranges;
extern void (*es_pdf_copy_hook)(uint64_t done);

/*
 * What an incremental update needs, and nothing more (issue #18): es_pdf_open reads the trailer,
 * the catalog, the AcroForm with its /Fields (and the signature fields, for a certification) and the
 * /DSS, and the page count from the page tree root's /Count; no page. es_pdf_load_pages then reads
 * the pages a stamp touches, walking the page tree down to them only (pdf_read.c says how). qpdf
 * resolves objects lazily, so what is loaded is these objects and the cross-reference sections:
 * memory and time follow the update and the xref, not the page count.
 */
/* Opens a PDF held in memory (which must outlive the document) under `lim` (NULL: the defaults). */
ES_RESULT es_pdf_open(es_pdf_doc *d, es_span data, const eseal_limits *lim);
/*
 * Opens the PDF behind `fd` (`size` bytes, kept open until es_pdf_close) without reading it into
 * memory: qpdf reads it through a mapping (es_map; through the file where it cannot be mapped).
 * What was read counts only if es_pdf_intact says so before es_pdf_close: a file that shrank
 * meanwhile read zeros where it was cut.
 */
ES_RESULT es_pdf_open_fd(es_pdf_doc *d, int fd, uint64_t size, const eseal_limits *lim);
ES_RESULT es_pdf_intact(const es_pdf_doc *d);
/*
 * Reads pages first..last (1-based, within 1..npages; at most ES_PDF_MAX_PAGES_CROSS), once per
 * document; first = last = 0: the last page (npages).
 */
ES_RESULT es_pdf_load_pages(es_pdf_doc *d, size_t first, size_t last);
/* Page `page_no` (1-based) if es_pdf_load_pages read it, else NULL. */
const es_pdf_page *es_pdf_page_at(const es_pdf_doc *d, size_t page_no);
void es_pdf_close(es_pdf_doc *d);
/*
 * How many times this thread's PDF reader looked into an indirect object (qpdf loads an object
 * from the file the first time its content is asked for, so this bounds the objects a read made
 * qpdf load; an object looked at twice counts twice): for the tests.
 */
unsigned long es_pdf_resolve_count(void);

/*
 * The prepare phase of a stamp (eseal_pdf_stamp_file without its publication): the stamped
 * document is streamed into `out` (opened by the caller with es_atomic_open) and synced under
 * its temporary name (es_atomic_sync); the caller publishes it (es_atomic_commit) or aborts it.
 * `dg` (may be NULL) gets the digests of the bytes read (before) and written (after).
 */
ES_RESULT es_pdf_stamp_to(es_atomic_file *out, const char *in_path, const eseal_imprint_outline *imprint,
                          es_span seal, eseal_key *key, const eseal_cert *cert, const eseal_pdf_stamp_options *o,
                          size_t cms_reserve, es_doc_digests *dg);
/*
 * Appends to `out` the document `pdf` followed by an incremental update with a plain PAdES
 * signature (ETSI EN 319 142-1 B-B: /SubFilter /ETSI.CAdES.detached, or adbe with o->adbe) by
 * key/cert: no seal, no imprint, an invisible widget on page 1 (ISO 32000-1 §12.7.4.5: /Rect
 * [0 0 0 0], hidden and printed flags), /Name, /Reason and /Location from `o`. The signed PDF
 * verification report (service/report_pdf.c) is signed so by the platform's seal maker.
 */
ES_RESULT es_pdf_sign_invisible(es_buf *out, es_span pdf, eseal_key *key, const eseal_cert *cert,
                                const eseal_pdf_stamp_options *o);

/*
 * The /Contents space a stamp by key/cert with options o needs: the size of a
 * real CMS (a trial signature) plus slack. A batch measures it once and passes
 * it to es_pdf_stamp_to (0 there: measured per document).
 */
ES_RESULT es_pdf_cms_reserve(size_t *reserve, eseal_key *key, const eseal_cert *cert,
                             const eseal_pdf_stamp_options *o);

/* Validation data for a document security store (/DSS, ETSI EN 319 142-1 §5.4.2): DER each. */
typedef struct {
    const es_span *certs;
    size_t ncerts;
    const es_span *ocsps; /* OCSPResponse */
    size_t nocsps;
    const es_span *crls;
    size_t ncrls;
    /* Registry answers (compact JWS, docs/trust-lists.md): the stamping platform's signed word on the
     * status of its seals, kept under the DSS key /ESealRegistryAnswers for verifiers elsewhere */
    const es_span *answers;
    size_t nanswers;
} es_pdf_dss_data;

/*
 * Appends to `out` the document `pdf` followed by an incremental update that
 * adds `dd` to the document's /DSS (created, or extended keeping what it
 * holds; data already there is not repeated). Signatures stay valid: the DSS is
 * allowed after any signature, even a certification with P=1.
 */
ES_RESULT es_pdf_add_dss(es_buf *out, es_span pdf, const es_pdf_dss_data *dd);

/*
 * Appends to `out` the document `pdf` followed by an incremental update with a
 * document timestamp (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3): a signature field
 * (an invisible widget on page 1) whose /Type /DocTimeStamp dictionary has
 * /SubFilter /ETSI.RFC3161 and, in /Contents, a time-stamp token from `fn` over
 * the `hash` digest of the byte ranges. `reserve`: bytes kept for the token (0:
 * ESEAL_PDF_TIMESTAMP_RESERVE). `gen_ms` (may be NULL) receives nothing; the
 * caller's callback sees the token. `cx` (NULL: the default context) gives the limits
 * of the parse; no clock is read (a /DocTimeStamp has no /M: its time is the token's).
 */
ES_RESULT es_pdf_add_doc_timestamp(es_buf *out, es_span pdf, eseal_hash hash, eseal_timestamp_fn fn, void *ctx,
                                   size_t reserve, const eseal_context *cx);

/*
 * The OCSP responses and CRLs of the document's /DSS, its /Certs into `certs` and its registry
 * answers (/ESealRegistryAnswers) into `answers` (each may be NULL), for the verifier; *present: it
 * has one. `p` is the parse of the whole file.
 */
ES_RESULT es_pdf_dss_read(es_pdf_qpdf *p, es_revocation_data *out, es_der_list *certs, es_der_list *answers,
                          bool *present);

/* A signature found in a PDF, for the verifier. */
typedef struct {
    char *field;        /* /T of the field */
    int field_num;      /* the field's object number (0: direct) */
    int v_num;          /* its /V's object number (0: direct) */
    int64_t br[4];      /* /ByteRange */
    es_buf contents;    /* /Contents, decoded */
    char *subfilter;    /* e.g. "/ETSI.CAdES.detached" */
    char *m;            /* /M, as written */
    es_buf seal;        /* the embedded SES_Seal (/ESeal.Seal stream), empty when none */
    int docmdp_p;       /* DocMDP permission of a certification signature, 0 when none */
    int lock_action;    /* FieldMDP (ISO 32000-1 §12.8.2.4) in /Reference: ES_PDF_LOCK_* */
    char *lock_fields;  /* the /Fields of the FieldMDP transform, full names separated by '\n', or NULL */
    char *error;        /* set when the signature dictionary itself is malformed */
} es_pdf_sig;

/* The same values as ESEAL_PDF_LOCK_*. */
enum { ES_PDF_LOCK_NONE, ES_PDF_LOCK_ALL, ES_PDF_LOCK_INCLUDE, ES_PDF_LOCK_EXCLUDE };

/* What later revisions may change without invalidating a signature. */
typedef struct {
    int docmdp_p;            /* the document's certification permission P (1..3), 0: not certified */
    int lock_action;         /* this signature's field lock, ES_PDF_LOCK_* */
    const char *lock_fields; /* its field names, '\n'-separated */
} es_pdf_perms;

/* Is the form field `name` (full name) locked by `p`? */
bool es_pdf_field_locked(const es_pdf_perms *p, const char *name);

/* Lists the signature fields with a value. `sigs` is an array of `max`. */
ES_RESULT es_pdf_signatures(es_span data, es_pdf_sig *sigs, size_t max, size_t *n);
/* The same from a parse of the whole file (the verifier's). */
ES_RESULT es_pdf_signatures_of(es_pdf_qpdf *p, es_pdf_sig *sigs, size_t max, size_t *n);
void es_pdf_sig_free(es_pdf_sig *s);

/* Lets the instance add its registry's view of an embedded seal (at the claimed signing time), and
 * the service what the caller asked to see of it (its picture, report version 4). */
typedef struct {
    ES_RESULT (*fn)(void *ctx, eseal_report *seal_report, const eseal_ses_seal *seal, int64_t at_ms);
    void *ctx;
    /* Called (when not NULL) before the first fn with the registry answers the document's /DSS
     * carries (valid until es_pdf_verify returns). */
    void (*stapled)(void *ctx, const es_span *answers, size_t n);
} es_pdf_registry_hook;

/* `net` (may be NULL): whether (and where to cache what) revocation data may be fetched online;
 * `ctx` (NULL: the default context) bounds every parse of the verification with its limits;
 * `digests`: the ESEAL_DOCUMENT_* digests of the document section (0: all; the others null). */
ES_RESULT es_pdf_verify(eseal_report **out, es_span data, const eseal_trust *trust, int64_t at_ms,
                        const es_pdf_registry_hook *hook, const es_revocation_opts *net, const eseal_context *ctx,
                        unsigned int digests);

/*
 * Judges what the revisions after `signed_end` changed (pdf_diff.c) under
 * `perm`, as an allow-list: every object added or changed must be explained by
 * one permitted change (new signatures and document timestamps, invisible
 * unsigned signature fields when P >= 2, revocation data in the catalog's
 * /DSS, filling unlocked form fields when P >= 2 or the document is not
 * certified, comment annotations when P = 3). Anything else is reported on
 * `rep`, naming the object and why (docs/formats.md has the table): reasons, the check
 * "modifications" (its detail the summary), and coverage.changes, one typed entry per change
 * (signature, document_timestamp, dss, form_fill, annotation, other; at most 64 listed).
 *
 * `file` is the parse of all of `data`, shared. `rev` holds the signed revision's parse: opened
 * here on data[0, signed_end) unless it already holds that revision (the caller closes it). qpdf
 * resolves every object through the last cross-reference section of what it parsed and keeps no
 * earlier definition of an object a later revision redefines, so the signed revision cannot be
 * read from `file`: it is the one extra parse, made only for a signature that later revisions follow.
 */
ES_RESULT es_pdf_judge_changes(eseal_report *rep, es_pdf_qpdf *file, es_pdf_qpdf *rev, es_span data,
                               size_t signed_end, const es_pdf_perms *perm);

/*
 * One resolution (pdf_xref.c, issue #15): what in a file's structure lets readers resolve an object
 * differently. ISO 32000-1 §7.5.
 */
typedef enum {
    ES_PDF_AMB_DUPLICATE = 1, /* an object defined (bytes, object streams) or listed (xref) twice in a revision */
    ES_PDF_AMB_GENERATION,    /* a later revision gives an object another generation */
    ES_PDF_AMB_HYBRID,        /* a table and its /XRefStm disagree */
    ES_PDF_AMB_AFTER_EOF,     /* bytes other than whitespace after the last %%EOF */
    ES_PDF_AMB_XREF_OFFSET,   /* an entry in use that does not point at "N G obj" of its object */
    ES_PDF_AMB_CHAIN,         /* the startxref and /Prev chain: loops, forward, past the file, unreadable */
    ES_PDF_AMB_SYNTAX,        /* bytes of a revision that are not one sequence of objects */
} es_pdf_ambiguity_kind;

typedef struct {
    es_pdf_ambiguity_kind kind;
    size_t offset; /* where in the file */
    int num, gen;  /* the object, when there is one (else 0) */
    char what[240]; /* one sentence for the report */
} es_pdf_ambiguity;

/*
 * Reads every revision's cross-reference sections (the startxref and /Prev chain, tables, xref
 * streams, hybrid /XRefStm) and the bytes of each revision; stores up to `max` findings in `out`
 * and sets *n to how many there are (which may exceed max). An error only for limits and memory.
 */
ES_RESULT es_pdf_check_structure(es_span f, const eseal_limits *lim, es_pdf_ambiguity *out, size_t max, size_t *n);

/* A revision's bytes: [start, end), end just after the %%EOF that closes it. */
typedef struct {
    size_t start, end;
} es_pdf_revision;

/*
 * For es_pdf_verify: runs the check on `f`; `rep` gets document.parts (one per revision, null when
 * the chain does not delimit them) and, when the check finds anything, document.ambiguities (a list
 * of sentences) and every one of the `n` signature reports the reason AMBIGUOUS_STRUCTURE per
 * finding. *revs (oldest first, freed by the caller with es_free; NULL when unknown) and *nrevs
 * receive the revisions.
 */
ES_RESULT es_pdf_report_structure(eseal_report *rep, eseal_report *const *sigs, size_t n, es_span f,
                                  const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs);

/* ---- issue 18, verify in one pass (branch h-verify): judging a revision by what later ones replace ---- */

/*
 * What the revisions after each one replace (pdf_xref.c): newest[num] is 1 + the newest revision
 * (oldest first) whose cross-reference lists object num, whose bytes define it, or, for an object
 * held in an object stream, that replaces the stream; 0: none. An object with newest[num] <= r has
 * the same definition in revision r and in the whole file. Empty (newest NULL) when the structure
 * check found anything or could not delimit every revision: then nothing is taken as unchanged.
 * b1 and b2 (filled by pdf_diff.c as it goes, one per object number, 0: not yet known) cache, for
 * an object of the whole file, 1 + the newest revision of the objects it references (b1), and of
 * those and what they reference (b2), as qpdf shows them there (pdf_diff.c, unchanged(), says why
 * two levels); UINT32_MAX - 1 stands for a number outside the map.
 */
typedef struct {
    uint32_t *newest;
    uint32_t n;
    uint32_t *b1, *b2;
    struct es_pdf_walks *walks; /* pdf_diff.c's record of pass 1's walk, kept across judgements (h-pass1) */
} es_pdf_xref_changes;

/* Frees ch->walks (pdf_diff.c; es_pdf_xref_changes_free calls it). */
void es_pdf_walks_free(struct es_pdf_walks *w);

void es_pdf_xref_changes_free(es_pdf_xref_changes *ch);

/* es_pdf_report_structure, and *ch (may be NULL) for es_pdf_judge_changes_ex; freed by the caller. */
ES_RESULT es_pdf_report_structure_ex(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                     const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs,
                                     es_pdf_xref_changes *ch);

/*
 * Issue 18 (branch h-trust): es_pdf_report_structure_ex whose document.parts take their SHA-256
 * from `prefix` (may be NULL: hashed on their own), the verifier's running digests over the same
 * file (es_prefix_span_digest): the first revision, a prefix the signatures' digest already
 * passed (es_prefix_hasher_mark), is not hashed again.
 */
ES_RESULT es_pdf_report_structure_hashed(eseal_report *rep, eseal_report *const *sigs, size_t nsigs, es_span f,
                                         const eseal_limits *lim, es_pdf_revision **revs, size_t *nrevs,
                                         es_pdf_xref_changes *ch, es_prefix_hasher *prefix);
/*
 * Issue 18 (branch h-bigverify): the same in two steps, so that the check (the expensive part: it
 * reads every object of every revision) can run while a worker hashes the file and before the
 * signatures that its findings are reported into. es_pdf_structure_scan checks (no error: *out is
 * NULL only when out of memory, then use es_pdf_report_structure_hashed); the report gives exactly
 * what es_pdf_report_structure_hashed gives, a check that failed being run again there for its
 * error. The document must stay as it was until the structure is freed.
 */
/* The stable sort of pdf_xref.c (natural runs merged in place; qsort when out of memory): visible
 * for its test against a reference stable sort. */
void es_pdf_sort_stable(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *));
typedef struct es_pdf_structure es_pdf_structure;
void es_pdf_structure_scan(es_pdf_structure **out, es_span f, const eseal_limits *lim);
ES_RESULT es_pdf_report_structure_scanned(es_pdf_structure *s, eseal_report *rep, eseal_report *const *sigs,
                                          size_t nsigs, es_pdf_revision **revs, size_t *nrevs,
                                          es_pdf_xref_changes *ch, es_prefix_hasher *prefix);
void es_pdf_structure_free(es_pdf_structure *s);
static inline void es_pdf_structure_freep(es_pdf_structure **s) { es_pdf_structure_free(*s); }

/*
 * es_pdf_judge_changes with what later revisions replace: `ch` (may be NULL or empty) and the
 * signed revision `signed_rev` (1-based, oldest first; 0: unknown). The comparison of pass 3 then
 * reads only the objects a later revision replaces and those that reference one (their text may
 * show a reference the signed revision resolved to null); the others are the same bytes in both.
 * The judgement, its reasons and its report are the same as without (pdf_diff.c says why).
 */
ES_RESULT es_pdf_judge_changes_ex(eseal_report *rep, es_pdf_qpdf *file, es_pdf_qpdf *rev, es_span data,
                                  size_t signed_end, const es_pdf_perms *perm, es_pdf_xref_changes *ch,
                                  size_t signed_rev);

/* What this thread's revision judgements have done (es_pdf_judge_changes*): counts for tests and benches. */
typedef struct {
    unsigned long judgements; /* revision comparisons run */
    unsigned long reached;    /* objects of signed revisions walked (pass 1) */
    unsigned long compared;   /* of these, read and compared with the whole file (pass 3) */
    unsigned long skipped;    /* of these, known unchanged from the cross-reference sections */
    unsigned long settled;    /* objects pass 4 took as seen without reading them (pdf_diff.c, settle) */
    unsigned long read1;      /* objects whose value pass 1 read through qpdf (h-pass1) */
    unsigned long replayed;   /* objects whose value pass 1 took from an earlier judgement's record (h-pass1) */
    unsigned long replayed4;  /* the same in pass 4 */
    unsigned long early;      /* judgements whose side-a snapshot was taken in pass 1 (one view entry, h-pass1) */
} es_pdf_diff_counts;

/*
 * Test hook (h-pass1): true makes pass 1 read every object through qpdf, as before its records of
 * earlier judgements existed (the reference walk); false (the default) lets it use them.
 */
void es_pdf_diff_full_walk(bool on);

void es_pdf_diff_counts_get(es_pdf_diff_counts *out);

/* ---- issue 18, the widget's page without walking every page (branch h-widget) ---- */

/*
 * The page (1-based, in qpdf's enumeration, qpdf_get_page_n + 1) of the first page that is object
 * `pn` (pn != 0: a widget's /P), or, when pn is 0, whose /Annots lists object `wn`: *page, 0 when
 * no page is. Walks the tree depth first in qpdf's order and stops there, so page 1 costs the path
 * down to it, not the tree; looked-into objects count in es_pdf_resolve_count. *sure = false when
 * the part walked is one qpdf's enumeration repairs or warns about (pdf_read.c lists what): then
 * *page means nothing and the caller asks qpdf (es_pdf_qpdf_pages, qpdf_get_page_n). qpdf's
 * pending warnings are dropped before and after (es_pdf_qpdf_quiet).
 */
ES_RESULT es_pdf_find_page(es_pdf_qpdf *p, int pn, int wn, size_t *page, bool *sure);
/* How many times this thread made qpdf walk a whole page tree (es_pdf_qpdf_pages): for the tests. */
unsigned long es_pdf_page_walks(void);

/* ---- issue 18, parse once (branch h-once): the signed revision read from the shared parse ---- */

/*
 * A view of a signed revision over the whole file's parse (pdf_view.c): while entered, every
 * object a later revision replaced shows its signed definition, in place, read from the signed
 * revision's bytes; leaving gives the parse back its own. es_pdf_view_open sets *out NULL (no error)
 * when the view cannot be built exactly: the caller then parses the signed revision on its own
 * bytes. pdf_diff.c uses it for es_pdf_judge_changes_ex.
 */
typedef struct es_pdf_view es_pdf_view;
ES_RESULT es_pdf_view_open(es_pdf_view **out, es_pdf_qpdf *file, es_span f, size_t signed_end,
                           const es_pdf_xref_changes *ch, size_t since);
/* *ok false: the view could not be entered exactly (the parse is left as it was). */
ES_RESULT es_pdf_view_enter(es_pdf_view *v, bool *ok);
ES_RESULT es_pdf_view_leave(es_pdf_view *v);
void es_pdf_view_free(es_pdf_view *v); /* leaves first */
void es_pdf_view_freep(es_pdf_view **v);
int es_pdf_view_size(const es_pdf_view *v);          /* the signed trailer's /Size */
unsigned int es_pdf_view_trailer(const es_pdf_view *v); /* the signed trailer, a qpdf_oh of the shared parse (0: none) */
size_t es_pdf_view_npages(const es_pdf_view *v);     /* the signed revision's pages, in qpdf's order */
int es_pdf_view_page(const es_pdf_view *v, size_t i);
/* The objects the view gives their signed definition (h-pass1): their number, i < es_pdf_view_nswapped. */
size_t es_pdf_view_nswapped(const es_pdf_view *v);
int es_pdf_view_swapped(const es_pdf_view *v, size_t i);

/* This thread's counts: judgements that used a view, that went back to a second parse, objects rebuilt. */
typedef struct {
    unsigned long views;     /* judgements made on a view (no second parse) */
    unsigned long fallbacks; /* judgements with what later revisions replace that parsed the signed revision again */
    unsigned long rebuilt;   /* objects given their signed definition from old bytes, over all views built */
} es_pdf_view_counts;
void es_pdf_view_counts_get(es_pdf_view_counts *out);
void es_pdf_view_count(bool used); /* pdf_diff.c: a judgement made on a view (true) or gone back to a second parse */

/* ---- issue 20, templates (branch h-template): is this document a template with its form filled? ---- */

#define ES_PDF_TEMPLATE_WHY_MAX 1024 /* the sentence that names what a document changed of a template */

/*
 * *derives: `doc` is the template `tmpl` byte for byte, or an incremental update of it that only
 * fills its form fields (and signs: pdf_template.c says why), as the verifier's modification
 * analysis judges it with the template as the signed revision and DocMDP P = 2. Otherwise `why`
 * (cap bytes, may be 0) gets one sentence naming what changed. An error only when the inputs
 * could not be judged: over the context's limits (ctx NULL: the defaults), memory, a document
 * the strict parser cannot read. docs/grants.md, "Templates".
 */
ES_RESULT es_pdf_template_derives(bool *derives, char *why, size_t cap, es_span tmpl, es_span doc,
                                  const eseal_context *ctx);

#endif
