/* SPDX-License-Identifier: Apache-2.0 */
/* Stamping documents with a seal of the registry, and verifying stamped PDFs (instance.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/audit.h"
#include "eseal/log.h"
#include "eseal/tsa_client.h"
#include "ofd/ofd.h"
#include "pdf/pdf.h"
#include "policy/policy.h"
#include "service.h"
#include "stamp_phase.h"
#include "grant_gate.h"
#include "util/report.h"
#include "util/versions.h"

void (*es_stamp_phase_hook)(const char *phase, size_t doc) = NULL;

static void phase(const char *name, size_t doc)
{
    if (es_stamp_phase_hook != NULL) {
        es_stamp_phase_hook(name, doc);
    }
}

/* The bounds of a stamp, named (issue #16). */
#define ES_STAMP_MAX_JOBS 64       /* worker threads of a batch */
#define ES_STAMP_CERT_LIST_MAX 512 /* a seal's certificate ids, "a,b,c", as the registry keeps them */
#define ES_STAMP_SERIAL_LEN 40     /* a serial and its NUL (eseal_stamp_result.serial, es_audit_stamps_settle) */
#define ES_STAMP_SERIAL_RANDOM 5   /* random bytes of a serial: "ST<day>-" and ten hex digits */
#define ES_STAMP_PATH_MAX 4096     /* a folder of an output, the instance's home paths */
#define ES_STAMP_HOME_PATH_MAX (2 * ES_STAMP_PATH_MAX) /* a path in the home: the home (a path) and a name under it */
#define ES_STAMP_URL_MAX 600       /* the QR code's <base_url>/v/<serial> */
#define ES_STAMP_WHY_MAX 300       /* why a recorded stamp was not published, for its stamp.failed entry */
#define ES_STAMP_DIGEST_MAX 64     /* a digest's bytes, any hash */
#define ES_STAMP_SHA256_LEN 32     /* SHA-256's (the document digests of the audit entries) */
#define ES_STAMP_LATER_MAX 64      /* the later stamps of one document a verification reports */
#define ES_ZIP_MAGIC "PK\x03\x04" /* a local file header: an OFD package (a zip archive) */

_Static_assert(ES_STAMP_SERIAL_LEN == sizeof(((eseal_stamp_result *)0)->serial), "a serial fits the result's");
_Static_assert(ES_STAMP_SERIAL_RANDOM == 5, "the serial's format prints five random bytes");

static ES_RESULT cached_cert(eseal_instance *inst, eseal_cert **out, const char *pem);

/* The first certificate listed in `ids` ("a,b,c") that has a key here, is current, and the seal allows. */
static ES_RESULT pick_signer(eseal_instance *inst, const eseal_ses_seal *s, const char *ids, const char *ref,
                             eseal_cert **cert, eseal_cert_record *rec)
{
    char list[ES_STAMP_CERT_LIST_MAX];
    int ll = snprintf(list, sizeof(list), "%s", ref != NULL ? ref : ids);
    ES_ENSURE(ll >= 0 && (size_t)ll < sizeof(list), ESEAL_ELIMIT, "stamp: the seal's certificate list is longer "
              "than %d bytes", ES_STAMP_CERT_LIST_MAX - 1);
    int64_t now = es_inst_now(inst);
    for (char *save = NULL, *id = strtok_r(list, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
        eseal_cert *c = NULL;
        eseal_cert_record r;
        memset(&r, 0, sizeof(r));
        /* The record (its status) from the store every time; its parse from the instance's cache. */
        es_result got = es_instance_cert_get(inst, NULL, &r, id);
        if (es_ok(got)) {
            got = r.pem != NULL && r.pem[0] != '\0' ? cached_cert(inst, &c, r.pem)
                                                   : (eseal_cert_record_dispose(&r), es_instance_cert_get(inst, &c, &r, id));
            if (!es_ok(got)) {
                eseal_cert_record_dispose(&r);
            }
        }
        if (!es_ok(got)) {
            if (ref != NULL) {
                return got;
            }
            eseal_error_clear();
            continue;
        }
        eseal_buf der = ESEAL_BUF_INIT;
        bool allowed = eseal_cert_der(&der, c) == ESEAL_OK && eseal_ses_seal_allows_cert(s, der.ptr, der.size) == 1;
        eseal_buf_dispose(&der);
        bool usable = r.key_file != NULL && r.key_file[0] != 0 && r.revoked_ms == 0 && eseal_cert_not_after(c) > now;
        if (allowed && usable) {
            *cert = c;
            *rec = r;
            return ES_OK;
        }
        if (ref != NULL) {
            eseal_cert_free(c);
            eseal_cert_record_dispose(&r);
            ES_BAIL(ESEAL_ESTATE, "stamp: certificate %s %s", id,
                    !allowed ? "is not one the seal allows to stamp with it"
                             : "cannot sign (no key here, revoked or expired)");
        }
        eseal_cert_free(c);
        eseal_cert_record_dispose(&r);
    }
    ES_BAIL(ESEAL_ENOTFOUND, "stamp: none of the seal's certificates (%s) can sign here (a key in this instance, "
            "not revoked, not expired)", ids);
}

/* A seal bound to hardware (its ExtData, what its maker signed; docs/seals.md) stamps only with the
 * bound device's key: the signing certificate must be one it binds, and the key, asked now, must be
 * held by that device (kind, serial, key, and chip when the binding names one). A copy of the
 * certificate with a key in software, or another token, is refused with SEAL_HARDWARE_MISMATCH. */
static ES_RESULT hardware_check(const eseal_ses_seal *s, const eseal_cert *cert, const eseal_key *key,
                                const char *esid)
{
    eseal_seal_hardware bound[ESEAL_SEAL_HARDWARE_MAX];
    size_t n = 0;
    int rc = eseal_ses_seal_hardware(s, bound, ESEAL_SEAL_HARDWARE_MAX, &n);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return ES_OK; /* a seal in software */
    }
    ES_GUARD(es_from_code(rc));
    const eseal_seal_hardware *b = NULL;
    for (size_t i = 0; i < n && b == NULL; i++) {
        char fp[65]; /* the certificate's fingerprint is the SHA-256 of its DER */
        es_hex_lower(fp, bound[i].cert_sha256, sizeof(bound[i].cert_sha256));
        b = strcmp(fp, eseal_cert_fingerprint(cert)) == 0 ? &bound[i] : NULL;
    }
    if (b == NULL) {
        return es_error_reason(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                                            "stamp: seal %s is bound to hardware and certificate %.16s is not one "
                                            "of its bound certificates",
                                            esid, eseal_cert_fingerprint(cert)),
                               ESEAL_REFUSAL_SEAL_HARDWARE_MISMATCH);
    }
    eseal_key_hardware now;
    rc = eseal_key_hardware_info(key, &now);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        return es_error_reason(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                                            "stamp: seal %s is bound to %s device %s, and this key (%s) is held in "
                                            "software",
                                            esid, b->hw.kind, b->hw.serial, eseal_key_label(key)),
                               ESEAL_REFUSAL_SEAL_HARDWARE_MISMATCH);
    }
    ES_GUARD(es_from_code(rc)); /* the device itself failed: removed, locked: its own message */
    bool same = strcmp(now.kind, b->hw.kind) == 0 && strcmp(now.serial, b->hw.serial) == 0 &&
                strcmp(now.key_id, b->hw.key_id) == 0 && (b->hw.chip_id[0] == '\0' || strcmp(now.chip_id, b->hw.chip_id) == 0);
    if (!same) {
        return es_error_reason(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                                            "stamp: seal %s is bound to %s device %s (key %s), and this key is held "
                                            "by %s device %s (key %s)",
                                            esid, b->hw.kind, b->hw.serial, b->hw.key_id, now.kind, now.serial,
                                            now.key_id),
                               ESEAL_REFUSAL_SEAL_HARDWARE_MISMATCH);
    }
    return ES_OK;
}

static const char *const level_names[] = {"B-B", "B-T", "B-LT", "B-LTA"};

const char *eseal_level_name(int level)
{
    return level >= ESEAL_LEVEL_B_B && level <= ESEAL_LEVEL_B_LTA ? level_names[level] : NULL;
}

int eseal_level_from_name(int *out, const char *name)
{
    if (out == NULL || name == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "level: none given"));
    }
    const char *n = strncasecmp(name, "B-", 2) == 0 ? name + 2 : name;
    for (int i = 0; i <= ESEAL_LEVEL_B_LTA; i++) {
        if (strcasecmp(n, level_names[i] + 2) == 0) {
            *out = i;
            return ESEAL_OK;
        }
    }
    return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__,
                                  "level: \"%s\" is not one of B-B, B-T, B-LT, B-LTA", name));
}

/* One batch: what every document shares (read-only while the workers run), and where each result goes. */
typedef struct {
    eseal_instance *inst;
    const eseal_stamp_request *q;
    const eseal_seal_record *rec;
    const char *org; /* the seal's organisation (owner.c), NULL for none */
    const eseal_buf *der;
    const eseal_cert_record *crec;
    const eseal_cert *issuer, *cert;
    eseal_key *key;
    const eseal_imprint_outline *outline;
    size_t cms_reserve; /* measured once for the batch */
    const es_timestamper *ts; /* B-T and up, else NULL */
    const es_timestamper *audit_ts; /* B-B: the own TSA, for the audit entries' time tokens */
    char (*serials)[ES_STAMP_SERIAL_LEN]; /* per document: its serial and audit entry ("" and -1 when it failed) */
    int64_t *indices;
    const char *const *in_paths;
    const char *const *out_paths;
    size_t n;
    eseal_stamp_result *res;
    size_t next;   /* the next document to take (atomic) */
    size_t failed; /* (atomic) */
    size_t cancelled; /* documents left alone after a cancel (atomic) */
    pthread_mutex_t lock; /* serialises the progress calls */
    const es_seal_grants *grants; /* a user's stamp: the seal's grants (grant_gate.c); NULL: the policy decides */
    const char *doc_type;         /* declared (eseal_stamp_request version 4), or NULL */
    const es_gate_request *req;   /* the stamp request being executed (version 5), or NULL */
} batch;

/* The stamp options every document of the batch shares (`chain` holds the issuer). */
static void doc_options(const batch *b, eseal_pdf_stamp_options *o, const eseal_cert *chain[1])
{
    const eseal_stamp_request *q = b->q;
    *o = (eseal_pdf_stamp_options)ESEAL_PDF_STAMP_OPTIONS_INIT;
    o->ctx = b->inst->ctx;
    o->page = q->page;
    o->x_mm = q->x_mm;
    o->y_mm = q->y_mm;
    /* The writers read 0 as the default place (es_imprint_place) unless xy_exact; a version-2 request
     * (no xy_exact) meant the page's edge by it. */
    o->xy_exact = q->version < 3 || q->xy_exact;
    o->reason = q->reason;
    o->location = q->location;
    o->name = b->rec->owner;
    o->adbe = q->adbe;
    o->certify = q->certify;
    o->cross_page = q->cross_page;
    o->cross_first = q->cross_first;
    o->cross_last = q->cross_last;
    o->pss = q->pss;
    o->lock = q->lock;
    o->lock_fields = q->lock_fields;
    chain[0] = b->issuer;
    o->chain = b->issuer != NULL ? chain : NULL;
    o->chain_len = b->issuer != NULL ? 1 : 0;
}

/* An OFD package (a zip archive) rather than a PDF: by content. Only a regular file is opened
 * (a FIFO or a device would block or never end). */
static ES_RESULT sniff_ofd(const char *path, bool *ofd)
{
    uint8_t head[sizeof(ES_ZIP_MAGIC) - 1] = {0};
    int fd = -1;
    struct stat st;
    ES_GUARD(es_open_regular(&fd, &st, path, true));
    *ofd = read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) && memcmp(head, ES_ZIP_MAGIC, sizeof(head)) == 0;
    (void)close(fd);
    return ES_OK;
}

/* Where an output goes, to compare outputs with inputs and with each other by file, not by name:
 * the device and inode of its directory, and its name there. */
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *name;
    size_t i;
} out_key;

static int out_key_cmp(const void *a, const void *b)
{
    const out_key *x = a, *y = b;
    if (x->dev != y->dev) {
        return x->dev < y->dev ? -1 : 1;
    }
    if (x->ino != y->ino) {
        return x->ino < y->ino ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static ES_RESULT out_key_of(out_key *k, const char *path, size_t i)
{
    const char *slash = strrchr(path, '/');
    char dir[ES_STAMP_PATH_MAX];
    size_t dl = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    ES_ENSURE(dl < sizeof(dir), ESEAL_EINVAL, "stamp: output path too long: %s", path);
    memcpy(dir, slash == NULL ? "." : path, dl);
    dir[dl] = '\0';
    struct stat st;
    ES_ENSURE(stat(dir, &st) == 0, errno == ENOENT ? ESEAL_ENOTFOUND : ESEAL_EIO, "stamp: cannot write %s: %s: %s",
              path, dir, strerror(errno));
    ES_ENSURE(S_ISDIR(st.st_mode), ESEAL_EIO, "stamp: cannot write %s: %s is not a directory", path, dir);
    *k = (out_key){st.st_dev, st.st_ino, slash == NULL ? path : slash + 1, i};
    return ES_OK;
}

/*
 * Never destroy the user's data: before anything is stamped, refuse an output that is an input
 * (the same file by device and inode, so "./IN", a hard link or the input's folder as the
 * output folder are caught; an output that is a symbolic link is replaced, not followed) unless
 * it is its own input and in_place is asked for, and refuse two documents that would be written
 * to the same output (a/x.pdf and b/x.pdf into one folder): one would silently replace the other.
 */
static ES_RESULT check_outputs(const char *const *in_paths, const char *const *out_paths, size_t n, bool in_place)
{
    ES_AUTO(es_freep) out_key *keys = es_calloc(n, sizeof(*keys));
    ES_AUTO(es_freep) out_key *ins = es_calloc(n, sizeof(*ins));
    ES_ENSURE(keys != NULL && ins != NULL, ESEAL_ENOMEM, "out of memory");
    size_t nin = 0;
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE(in_paths[i] != NULL && out_paths[i] != NULL, ESEAL_EINVAL, "stamp: a document without a path");
        /* Where an output waits to be published is kept one path a line (audit.c). */
        ES_ENSURE(strchr(out_paths[i], '\n') == NULL, ESEAL_EINVAL, "stamp: an output path with a line break");
        ES_GUARD(out_key_of(&keys[i], out_paths[i], i));
        struct stat st;
        if (stat(in_paths[i], &st) == 0) {
            ins[nin++] = (out_key){st.st_dev, st.st_ino, "", i};
        }
    }
    qsort(keys, n, sizeof(*keys), out_key_cmp);
    for (size_t k = 1; k < n; k++) {
        if (out_key_cmp(&keys[k - 1], &keys[k]) != 0) {
            continue;
        }
        const char *a = in_paths[keys[k - 1].i], *b = in_paths[keys[k].i];
        struct stat sa, sb;
        bool twice = stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
        ES_ENSURE(twice, ESEAL_EINVAL, "stamp: %s and %s would both be written to %s; nothing was stamped", a, b,
                  out_paths[keys[k].i]);
        ES_BAIL(ESEAL_EINVAL, "stamp: %s is listed twice (both would be written to %s); nothing was stamped", a,
                out_paths[keys[k].i]);
    }
    qsort(ins, nin, sizeof(*ins), out_key_cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (lstat(out_paths[i], &st) != 0) {
            continue; /* a new file */
        }
        out_key probe = {st.st_dev, st.st_ino, "", 0};
        const out_key *hit = bsearch(&probe, ins, nin, sizeof(*ins), out_key_cmp);
        if (hit == NULL) {
            continue;
        }
        /* Several inputs may be one file (listed twice, hard links): any of them that is not document i. */
        size_t lo = (size_t)(hit - ins), hi = lo;
        while (lo > 0 && out_key_cmp(&ins[lo - 1], &probe) == 0) {
            lo--;
        }
        while (hi + 1 < nin && out_key_cmp(&ins[hi + 1], &probe) == 0) {
            hi++;
        }
        bool own = true;
        for (size_t k = lo; k <= hi; k++) {
            own = own && ins[k].i == i;
            hit = ins[k].i != i ? &ins[k] : hit;
        }
        ES_ENSURE(own && in_place, ESEAL_EINVAL,
                  own ? "stamp: the output %s is the input %s (the same file); nothing was stamped (replacing "
                        "the input must be asked for: --in-place)"
                      : "stamp: the output %s is the input %s of another document; nothing was stamped",
                  out_paths[i], own ? in_paths[i] : in_paths[hit->i]);
    }
    return ES_OK;
}

/* Prepare, OFD: the package in memory (packages are small next to their limit), written whole into
 * the temporary file `f` and synced. The digests are of the bytes read and written. */
static es_result stamp_ofd_file(batch *b, size_t i, eseal_pdf_stamp_options *po, es_atomic_file *f,
                                es_doc_digests *dg)
{
    ES_ENSURE(b->q->level <= ESEAL_LEVEL_B_T, ESEAL_EINVAL,
              "stamp: OFD stamps are B-B or B-T (SES_Signature.timeStamp); --level %s is for PDF",
              eseal_level_name(b->q->level));
    ES_AUTO(es_buf_freep) es_buf in = ES_BUF_INIT(es_inst_limits(b->inst)->max_input_bytes);
    ES_AUTO(es_buf_freep) es_buf out = ES_BUF_INIT(es_inst_limits(b->inst)->max_input_bytes);
    ES_GUARD(es_file_read(&in, b->in_paths[i], in.max));
    /* The time of the stamp by the instance's clock (its context). */
    es_ofd_stamp_options o = {.page = po->page,
                              .x_mm = po->x_mm,
                              .y_mm = po->y_mm,
                              .time_ms = es_inst_now(b->inst),
                              .plain = b->q->plain,
                              .timestamp = po->timestamp,
                              .timestamp_ctx = po->timestamp_ctx,
                              .xy_exact = po->xy_exact,
                              .ctx = b->inst->ctx};
    ES_GUARD(es_ofd_stamp(&out, es_buf_span(&in), es_span_of(b->der->ptr, b->der->size), b->key, b->cert, &o));
    ES_GUARD(es_doc_digests_of(dg, es_buf_span(&in), es_buf_span(&out), true));
    ES_GUARD(es_atomic_open(f, b->out_paths[i], 0644));
    phase("preparing", i);
    ES_GUARD(es_atomic_write(f, out.ptr, out.len));
    return es_atomic_sync(f);
}

/* Prepare, PDF B-LT and B-LTA: the signed document goes to a first temporary file, the validation
 * data, then the document timestamp, follow in further updates into `f`. Before: the input's bytes
 * as the stamper read them; after: the bytes written to `f`. */
static es_result stamp_pdf_ltv(batch *b, size_t i, const eseal_pdf_stamp_options *o, es_atomic_file *f,
                               es_doc_digests *dg)
{
    es_atomic_file sig;
    ES_GUARD(es_atomic_open(&sig, b->out_paths[i], 0600));
    phase("preparing", i);
    es_result r = es_pdf_stamp_to(&sig, b->in_paths[i], b->outline, es_span_of(b->der->ptr, b->der->size), b->key,
                                  b->cert, o, b->cms_reserve, dg);
    size_t max = (size_t)es_inst_limits(b->inst)->max_input_bytes;
    es_buf signed_pdf = ES_BUF_INIT(max), out = ES_BUF_INIT(max);
    if (es_ok(r)) {
        r = es_atomic_read(&sig, &signed_pdf); /* our own temporary file, never published */
    }
    es_atomic_abort(&sig);
    es_doc_time lta = {b->ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    if (es_ok(r)) {
        r = es_instance_extend_buf(b->inst, &out, es_buf_span(&signed_pdf), b->q->level, b->ts, &lta);
    }
    eseal_tsa_client_result_free(&lta.got);
    uint8_t h[ES_STAMP_DIGEST_MAX];
    size_t hl = 0;
    if (es_ok(r)) {
        r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_buf_span(&out));
    }
    if (es_ok(r)) {
        memcpy(dg->after_sha256, h, ES_STAMP_SHA256_LEN);
        r = es_atomic_open(f, b->out_paths[i], 0644);
    }
    if (es_ok(r)) {
        r = es_atomic_write(f, out.ptr, out.len);
    }
    if (es_ok(r)) {
        r = es_atomic_sync(f);
    }
    es_buf_free(&signed_pdf);
    es_buf_free(&out);
    return r;
}

/* Fills the result of a document that was not stamped (skipped or cancelled) or failed before its serial. */
static void result_unstamped(const batch *b, eseal_stamp_result *x, int code, const char *message, int skipped)
{
    memset(x, 0, sizeof(*x));
    (void)snprintf(x->esid, sizeof(x->esid), "%s", b->rec->esid);
    (void)snprintf(x->cert_id, sizeof(x->cert_id), "%s", b->crec->id);
    x->code = code;
    x->log_index = -1;
    x->skipped = skipped;
    (void)snprintf(x->message, sizeof(x->message), "%s", message);
}

static es_result stamp_doc(batch *b, size_t i, bool defer_dir_sync, eseal_stamp_result *x);

/* One document: unless the batch is cancelled or its output exists (skip_existing), stamp it; then
 * record its result and tell the caller (progress), once its output is durable. */
static es_result stamp_one(batch *b, size_t i, bool defer_dir_sync)
{
    const eseal_stamp_request *q = b->q;
    eseal_stamp_result x;
    es_result d = ES_OK;
    b->serials[i][0] = '\0';
    b->indices[i] = -1;
    if (q->cancel != NULL && *q->cancel != 0) {
        d = es_error_set(ESEAL_ECANCELED, __FILE__, __LINE__, "stamp: cancelled before %s was started",
                         b->in_paths[i]);
        result_unstamped(b, &x, ESEAL_ECANCELED, eseal_error_last()->message, 0);
        if (b->res != NULL) {
            b->res[i] = x;
        }
        return d; /* not reported: the caller says what was left undone */
    }
    struct stat st;
    if (q->skip_existing && lstat(b->out_paths[i], &st) == 0) {
        char msg[sizeof(x.message)];
        (void)snprintf(msg, sizeof(msg), "skipped: %s exists", b->out_paths[i]);
        result_unstamped(b, &x, ESEAL_OK, msg, 1);
    } else {
        d = stamp_doc(b, i, defer_dir_sync, &x);
    }
    if (b->res != NULL) {
        b->res[i] = x;
    }
    if (q->progress != NULL) {
        (void)pthread_mutex_lock(&b->lock);
        q->progress(q->progress_ctx, i, &x);
        (void)pthread_mutex_unlock(&b->lock);
    }
    return d;
}

/* The failure entry of a stamp that was recorded and then not published (es_publish_recorded). */
typedef struct {
    es_auditlog *log;
    const eseal_principal *who;
    const es_timestamper *ts;
} stamp_failure;

static es_result stamp_failed_entry(void *ctx, uint64_t index, const char *why)
{
    const stamp_failure *sf = ctx;
    return es_audit_stamp_unpublished(sf->log, sf->who, index, sf->ts, why);
}

ES_RESULT es_publish_recorded(es_atomic_file *f, uint64_t index, const char *what,
                              es_result (*failure_entry)(void *ctx, uint64_t index, const char *why), void *ctx)
{
    es_result r = es_atomic_commit(f);
    if (es_ok(r)) {
        return r;
    }
    if (f->renamed) {
        /* In place, but its directory entry may not survive a crash: not acknowledged, and not a
         * failure either; the entry stays pending, and the next recovery finds the output
         * (published) or not (its failure entry). */
        return es_error_set(es_code(r), __FILE__, __LINE__,
                            "%s: the %s file is in place but not yet durable; its audit entry %llu stays pending "
                            "until the next stamp or extend confirms it",
                            eseal_error_last()->message, what, (unsigned long long)index);
    }
    /* The entry stands: the log says at once that this output was not published. When that cannot
     * be written, the pending publication stays and the next recovery records it. */
    char why[ES_STAMP_WHY_MAX];
    (void)snprintf(why, sizeof(why), "%s", eseal_error_last()->message);
    es_result u = failure_entry(ctx, index, why);
    return es_ok(u) ? es_error_set(es_code(r), __FILE__, __LINE__, "%s", why)
                    : es_error_set(es_code(r), __FILE__, __LINE__,
                                   "%s (and its failure could not be recorded after entry %llu: %s)", why,
                                   (unsigned long long)index, eseal_error_last()->message);
}

static es_result stamp_doc(batch *b, size_t i, bool defer_dir_sync, eseal_stamp_result *x)
{
    const eseal_stamp_request *q = b->q;
    char serial[ES_STAMP_SERIAL_LEN] = "";
    uint8_t rnd[ES_STAMP_SERIAL_RANDOM];
    char day[ES_GENTIME_LEN];
    es_time_gentime(day, es_inst_now(b->inst), false);
    es_result d = es_random(rnd, sizeof(rnd));
    (void)snprintf(serial, sizeof(serial), "ST%.8s-%02X%02X%02X%02X%02X", day, rnd[0], rnd[1], rnd[2], rnd[3],
                   rnd[4]);
    es_doc_time dt = {b->ts, {ESEAL_BUF_INIT, 0, "", "", NULL}};
    int64_t clock_ms = es_inst_now(b->inst);
    bool ofd = false;
    es_atomic_file f = {.fd = -1};
    es_doc_digests dg;
    memset(&dg, 0, sizeof(dg));
    es_decision decision = {ES_DENY, "", ""};
    eseal_pdf_stamp_options o;
    const eseal_cert *chain[1];
    if (es_ok(d)) {
        doc_options(b, &o, chain);
        o.serial = serial;
        o.time_ms = clock_ms;
        if (b->ts != NULL) {
            o.timestamp = es_doc_timestamp;
            o.timestamp_ctx = &dt;
        }
        char url[ES_STAMP_URL_MAX];
        if (q->qr) {
            int ul = snprintf(url, sizeof(url), "%s/v/%s", b->inst->cfg.base_url, serial);
            o.qr_text = url;
            if (ul < 0 || (size_t)ul >= sizeof(url)) {
                d = es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "stamp: the QR code's address (base_url and "
                                 "/v/<serial>) is longer than %d bytes", ES_STAMP_URL_MAX - 1);
            }
        }
        if (es_ok(d)) {
            d = sniff_ofd(b->in_paths[i], &ofd);
        }
        /* 1. Prepare: the stamped document, complete and synced in a temporary file beside the output
         * (unnamed where the filesystem allows: a crash here leaves nothing); nothing is published and
         * the input is not touched. */
        if (!es_ok(d)) {
            /* not readable: nothing written */
        } else if (ofd) {
            d = stamp_ofd_file(b, i, &o, &f, &dg);
        } else if (q->plain) {
            d = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "stamp: a plain signature (--plain) is for OFD; "
                             "%s is not an OFD package", b->in_paths[i]);
        } else if (q->level >= ESEAL_LEVEL_B_LT) {
            d = stamp_pdf_ltv(b, i, &o, &f, &dg);
        } else {
            /* Streaming, file to file: memory stays small whatever the document's size. */
            d = es_atomic_open(&f, b->out_paths[i], 0644);
            if (es_ok(d)) {
                phase("preparing", i);
                d = es_pdf_stamp_to(&f, b->in_paths[i], b->outline, es_span_of(b->der->ptr, b->der->size), b->key,
                                    b->cert, &o, b->cms_reserve, &dg);
            }
        }
    }
    f.defer_dir_sync = defer_dir_sync;
    es_grant_pass pass = {.n = 0};
    if (es_ok(d)) {
        phase("prepared", i);
        /* 2. Authorise: the acting principal for this seal: a user under a grant (grant_gate.c), for this
         * very document now that it is read; anyone else by the platform's policy. */
        if (b->grants != NULL) {
            char sha[65];
            es_hex_lower(sha, dg.before_sha256, 32);
            d = b->req != NULL ? es_gate_request_doc(b->req, b->in_paths[i], sha) : ES_OK;
            if (es_ok(d)) {
                d = es_grant_gate(b->grants, q->who, b->rec->esid, b->org, b->doc_type, b->in_paths[i], sha,
                                  b->req != NULL ? b->req->r.approval : NULL, b->inst->ctx, es_inst_now(b->inst),
                                  &pass);
            }
            if (es_code(d) == ESEAL_EDENIED) {
                d = es_refusal_record(b->inst, q->who, "stamp.refused", b->org, d);
            }
            decision.rule = "grant";
        } else {
            es_object obj = {"seal", b->rec->esid, b->org, NULL};
            d = es_policy_require(q->who, ES_ACT_STAMP, &obj, &decision);
        }
    }
    int64_t stamped_ms = dt.got.gen_time_ms != 0 ? dt.got.gen_time_ms : clock_ms;
    uint64_t index = 0;
    if (es_ok(d)) {
        phase("authorised", i);
        /* The name the temporary file will have between its link and the rename (an unnamed file gets
         * it only then): the entry names it, so that a recovery after a crash finds what it must remove. */
        d = es_atomic_name(&f);
    }
    if (es_ok(d)) {
        /* 3. Record: the audit entry is durable before the output is published; without it there is no stamp. */
        es_audit_stamp_in ai = {.q = q,
                                .policy_rule = decision.rule,
                                .serial = serial,
                                .esid = b->rec->esid,
                                .crec = b->crec,
                                .dg = &dg,
                                .tmp_path = f.tmp_path,
                                .out_path = b->out_paths[i],
                                .ofd = ofd,
                                .time_ms = stamped_ms,
                                .sig_token = dt.got.gen_time_ms != 0 ? &dt.got.token : NULL,
                                .ts = b->audit_ts,
                                .grants = (const char(*)[ESEAL_GRANT_ID_LEN + 1])pass.chain,
                                .ngrants = pass.n,
                                .request_id = b->req != NULL ? b->req->r.id : NULL,
                                .approvals = b->req != NULL ? b->req->approvals : NULL};
        d = es_audit_stamp(b->inst->auditlog, &ai, &index);
        if (es_code(d) == ESEAL_EDENIED && b->grants != NULL) {
            /* the last use taken meanwhile by another stamp (QUOTA_EXHAUSTED), the grant revoked */
            d = es_refusal_record(b->inst, q->who, "stamp.refused", b->org, d);
        }
    }
    if (es_ok(d)) {
        phase("recorded", i);
        /* 4. Publish: the link to the recorded name, the rename (and, unless the batch does it once, the
         * directory's sync). */
        stamp_failure sf = {b->inst->auditlog, q->who, b->audit_ts};
        d = es_publish_recorded(&f, index, "stamped", stamp_failed_entry, &sf);
        if (es_ok(d)) {
            phase("published", i);
        }
    }
    es_atomic_abort(&f); /* any failure: only the temporary file goes */
    (void)snprintf(b->serials[i], sizeof(b->serials[i]), "%s", es_ok(d) ? serial : "");
    b->indices[i] = es_ok(d) ? (int64_t)index : -1;
    {
        memset(x, 0, sizeof(*x));
        (void)snprintf(x->serial, sizeof(x->serial), "%s", es_ok(d) ? serial : "");
        (void)snprintf(x->esid, sizeof(x->esid), "%s", b->rec->esid);
        (void)snprintf(x->cert_id, sizeof(x->cert_id), "%s", b->crec->id);
        x->code = es_code(d);
        x->log_index = b->indices[i];
        (void)snprintf(x->message, sizeof(x->message), "%s", es_ok(d) ? "" : eseal_error_last()->message);
        if (es_ok(d) && dt.got.gen_time_ms != 0) {
            x->time_ms = dt.got.gen_time_ms;
            (void)snprintf(x->time_source, sizeof(x->time_source), "RFC 3161 timestamp from %s (serial %s)",
                           dt.got.source, dt.got.serial);
        } else if (es_ok(d)) {
            x->time_ms = clock_ms;
            (void)snprintf(x->time_source, sizeof(x->time_source), "local clock (claimed by the signer, not proven)");
        }
    }
    eseal_tsa_client_result_free(&dt.got);
    return d;
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
        if (i >= b->n) {
            return NULL;
        }
        /* With a progress callback each document is reported as soon as it is durable: its directory is
         * synced with it rather than once at the end. */
        es_result d = stamp_one(b, i, b->q->progress == NULL);
        if (!es_ok(d)) {
            __atomic_fetch_add(es_code(d) == ESEAL_ECANCELED ? &b->cancelled : &b->failed, 1, __ATOMIC_RELAXED);
        }
    }
}

/* The outputs' directories, each synced once, before any document is reported stamped. */
static ES_RESULT sync_output_dirs(const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->serials[i][0] == '\0') {
            continue; /* not written here: failed, skipped or cancelled */
        }
        const char *p = b->out_paths[i], *slash = strrchr(p, '/');
        size_t dl = slash != NULL ? (size_t)(slash - p) : 0;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) {
            const char *o = b->out_paths[k], *os = strrchr(o, '/');
            seen = (os != NULL ? (size_t)(os - o) : 0) == dl && strncmp(o, p, dl) == 0;
        }
        if (!seen) {
            ES_GUARD(es_sync_dir_of(p));
        }
    }
    return ES_OK;
}

/*
 * Documents are stamped by q->jobs worker threads (0: four per online CPU):
 * they share the seal, key, certificates and imprint read-only; each writes its
 * own output and result slot. One document is stamped on the caller's thread.
 */
static ES_RESULT run_batch(batch *b)
{
    if (b->n == 1) {
        es_result d = stamp_one(b, 0, false);
        b->failed = es_ok(d) || es_code(d) == ESEAL_ECANCELED ? 0 : 1;
        b->cancelled = es_code(d) == ESEAL_ECANCELED ? 1 : 0;
        return d; /* one document: its error is the call's */
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* Four threads per CPU by default: most of a document's time is the wait for its output's fsync. */
    size_t jobs = b->q->jobs > 0 ? (size_t)b->q->jobs : (cpus > 0 ? 4 * (size_t)cpus : 4);
    jobs = jobs > ES_STAMP_MAX_JOBS ? ES_STAMP_MAX_JOBS : jobs;
    jobs = jobs > b->n ? b->n : jobs;
    pthread_t tid[ES_STAMP_MAX_JOBS];
    size_t started = 0;
    for (; started + 1 < jobs; started++) {
        if (pthread_create(&tid[started], NULL, worker, b) != 0) {
            break; /* fewer threads: the others still take every document */
        }
    }
    (void)worker(b);
    for (size_t t = 0; t < started; t++) {
        (void)pthread_join(tid[t], NULL);
    }
    return sync_output_dirs(b);
}

/*
 * Every stamping call holds HOME/stamp.lock shared while it runs. The first to find no other
 * holder (an exclusive lock, not waited for) first settles the stamps a crashed process recorded
 * but did not publish (es_audit_stamps_recover): only then can no publication still be under way.
 */
static ES_RESULT stamp_lock(eseal_instance *inst, const eseal_principal *who, int *fd)
{
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_STAMP_HOME_PATH_MAX);
    ES_GUARD(es_home_path(&path, inst, "stamp.lock"));
    *fd = open(es_buf_cstr(&path), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    ES_ENSURE(*fd >= 0, ESEAL_EIO, "stamp: cannot open %s: %s", es_buf_cstr(&path), strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0) {
        size_t recovered = 0;
        es_result r = es_audit_stamps_recover(inst->auditlog, who, &recovered);
        if (!es_ok(r)) {
            (void)close(*fd);
            *fd = -1;
            return r;
        }
    }
    while (flock(*fd, LOCK_SH) != 0) {
        ES_ENSURE(errno == EINTR, ESEAL_EIO, "stamp: cannot lock %s: %s", es_buf_cstr(&path), strerror(errno));
    }
    return ES_OK;
}

/* ---- what stamps keep between calls of one instance ------------------------------------------ */

/* A long-lived instance (the agent's, a server's) stamps one document per call: what every call
 * would prepare again is kept here until the instance closes. The own TSA's timestamper of each
 * hierarchy (its key unlocked, its trust loaded, its pin made by the first token: later tokens are
 * checked against the pin, timestamper.c), the decoded key of each signer (keys/ID.key: a key
 * file never changes under its certificate's id), and the parse of each signer's and issuer's
 * certificate, reused only for the same PEM bytes. Nothing that can change is kept: the seal, its
 * state, the certificates' records and their status are read from the store by every stamp, and
 * a timestamper with TSA URLs (the caller's) is made for each call. */
#define STAMP_CACHE_KEYS 16
#define STAMP_CACHE_TS 3 /* the audit's (no hierarchy), p256, sm2 */
#define STAMP_CACHE_ID 64
#define STAMP_CACHE_CERTS 32 /* signers and their issuers */

typedef struct {
    pthread_mutex_t lock;
    struct {
        char cert_id[STAMP_CACHE_ID];
        eseal_key *key;
    } keys[STAMP_CACHE_KEYS];
    size_t n_keys;
    struct {
        char hierarchy[16]; /* "" for none */
        es_timestamper *ts;
    } ts[STAMP_CACHE_TS];
    size_t n_ts;
    struct {
        char *pem; /* the store's PEM it was parsed from: a certificate is reused only for the same bytes */
        eseal_cert *cert;
    } certs[STAMP_CACHE_CERTS];
    size_t n_certs;
} stamp_cache;

/* Test hooks (counted, never timed): timestampers and signer keys a stamp prepared itself. */
_Atomic unsigned long es_stamp_ts_opens;
_Atomic unsigned long es_stamp_key_loads;

static void stamp_cache_free(void *p)
{
    stamp_cache *c = p;
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n_keys; i++) {
        eseal_key_free(c->keys[i].key);
    }
    for (size_t i = 0; i < c->n_ts; i++) {
        es_timestamper_close(c->ts[i].ts);
        es_free(c->ts[i].ts);
    }
    for (size_t i = 0; i < c->n_certs; i++) {
        es_free(c->certs[i].pem);
        eseal_cert_free(c->certs[i].cert);
    }
    (void)pthread_mutex_destroy(&c->lock);
    es_wipe(c, sizeof(*c));
    es_free(c);
}

/* The instance's cache, made on first use (under the process's lock: instances are opened and
 * their first stamps made by any thread). NULL when there is no memory: stamps then prepare all. */
static stamp_cache *cache_of(eseal_instance *inst)
{
    static pthread_mutex_t make = PTHREAD_MUTEX_INITIALIZER;
    (void)pthread_mutex_lock(&make);
    if (inst->stamp_cache == NULL) {
        stamp_cache *c = es_calloc(1, sizeof(*c));
        if (c != NULL && pthread_mutex_init(&c->lock, NULL) == 0) {
            inst->stamp_cache = c;
            inst->stamp_cache_free = stamp_cache_free;
        } else {
            es_free(c);
        }
    }
    stamp_cache *c = inst->stamp_cache;
    (void)pthread_mutex_unlock(&make);
    return c;
}

/* The signer's key: the cached one (*owned false), else loaded and kept (or, with the cache full,
 * the caller's to free: *owned true). */
static ES_RESULT cached_key(eseal_instance *inst, eseal_key **key, bool *owned, const eseal_cert_record *crec)
{
    stamp_cache *c = cache_of(inst);
    *owned = true;
    if (c == NULL || strlen(crec->id) >= STAMP_CACHE_ID) {
        es_stamp_key_loads++;
        return es_instance_load_key(inst, key, crec);
    }
    (void)pthread_mutex_lock(&c->lock);
    es_result r = ES_OK;
    for (size_t i = 0; i < c->n_keys; i++) {
        if (strcmp(c->keys[i].cert_id, crec->id) == 0) {
            *key = c->keys[i].key;
            *owned = false;
            (void)pthread_mutex_unlock(&c->lock);
            return ES_OK;
        }
    }
    es_stamp_key_loads++;
    r = es_instance_load_key(inst, key, crec);
    if (es_ok(r) && c->n_keys < STAMP_CACHE_KEYS) {
        memcpy(c->keys[c->n_keys].cert_id, crec->id, strlen(crec->id) + 1);
        c->keys[c->n_keys++].key = *key;
        *owned = false;
    }
    (void)pthread_mutex_unlock(&c->lock);
    return r;
}

/* A certificate of the store parsed from `pem`: the instance's parse of the same bytes when it has
 * one (a reference to it, eseal_cert_free as any), else parsed and kept. The record (its status)
 * is read by every stamp; only the parse of bytes already parsed is saved. */
static ES_RESULT cached_cert(eseal_instance *inst, eseal_cert **out, const char *pem)
{
    stamp_cache *c = cache_of(inst);
    if (c == NULL) {
        return es_cert_parse(out, es_span_of(pem, strlen(pem)));
    }
    (void)pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_certs; i++) {
        if (strcmp(c->certs[i].pem, pem) == 0) {
            es_result r = es_cert_dup(out, c->certs[i].cert);
            (void)pthread_mutex_unlock(&c->lock);
            return r;
        }
    }
    es_result r = es_cert_parse(out, es_span_of(pem, strlen(pem)));
    if (es_ok(r) && c->n_certs < STAMP_CACHE_CERTS) {
        eseal_cert *keep = NULL;
        char *copy = es_strdup(pem);
        if (copy != NULL && es_ok(es_cert_dup(&keep, *out))) {
            c->certs[c->n_certs].pem = copy;
            c->certs[c->n_certs++].cert = keep;
        } else {
            es_free(copy);
            eseal_error_clear(); /* not kept: the next stamp parses it again */
        }
    }
    (void)pthread_mutex_unlock(&c->lock);
    return r;
}

/* The own TSA's timestamper of `hierarchy` (NULL: the audit entries'), kept by the instance. */
static ES_RESULT cached_ts(eseal_instance *inst, const es_timestamper **out, const char *hierarchy)
{
    stamp_cache *c = cache_of(inst);
    ES_ENSURE(c != NULL, ESEAL_ENOMEM, "stamp: out of memory");
    const char *h = hierarchy != NULL ? hierarchy : "";
    ES_ENSURE(strlen(h) < sizeof(c->ts[0].hierarchy), ESEAL_EINVAL, "stamp: unknown TSA hierarchy %s", h);
    (void)pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_ts; i++) {
        if (strcmp(c->ts[i].hierarchy, h) == 0) {
            *out = c->ts[i].ts;
            (void)pthread_mutex_unlock(&c->lock);
            return ES_OK;
        }
    }
    es_result r = c->n_ts < STAMP_CACHE_TS ? ES_OK
                                           : es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "stamp: TSA hierarchy %s", h);
    es_timestamper *t = es_ok(r) ? es_calloc(1, sizeof(*t)) : NULL;
    if (es_ok(r) && t == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "stamp: out of memory");
    }
    if (es_ok(r)) {
        es_stamp_ts_opens++;
        r = es_timestamper_open(t, inst, NULL, 0, 0, hierarchy);
    }
    if (es_ok(r)) {
        memcpy(c->ts[c->n_ts].hierarchy, h, strlen(h) + 1);
        c->ts[c->n_ts++].ts = t;
        *out = t;
    } else {
        es_free(t);
    }
    (void)pthread_mutex_unlock(&c->lock);
    return r;
}

static ES_RESULT stamp_pdf(eseal_instance *inst, eseal_stamp_result *res, const char *const *in_paths,
                           const char *const *out_paths, size_t n, const eseal_stamp_request *q)
{
    ES_CHECK_VERSION(q, stamp_request); /* version 2 (no xy_exact) is still read */
    int prc = eseal_principal_check(q->who);
    ES_ENSURE(prc == ESEAL_OK, prc, "stamp: %s", eseal_error_last()->message);
    ES_ENSURE_ARG(inst != NULL && in_paths != NULL && out_paths != NULL && n > 0 && q->seal_ref != NULL);
    ES_GUARD(check_outputs(in_paths, out_paths, n, q->in_place != 0));
    /* The seal: by id, or a file whose esID is in this registry (its bytes must be the registered ones). */
    const char *ref = q->seal_ref;
    ES_AUTO(es_buf_freep) es_buf file = ES_BUF_INIT(es_inst_limits(inst)->max_der_bytes);
    eseal_ses_seal *fs = NULL;
    if (es_path_exists(ref)) {
        ES_GUARD(es_file_read(&file, ref, file.max));
        ES_GUARD(es_from_code(eseal_ses_seal_decode(&fs, file.ptr, file.len)));
        ref = eseal_ses_seal_info(fs)->esid;
    }
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_store_seal_find(inst->store, &rec, &der, ref));
    eseal_ses_seal_free(fs);
    ES_GUARD(r);
    /* Refused before anything is prepared (each document is authorised again once it is), for the
     * seal's organisation (owner.c): another organisation's seal is "not found". */
    char org[ESEAL_OWNER_ORG_MAX + 1];
    r = es_seal_org(inst, rec.cert_ids, org);
    es_object obj = {"seal", rec.esid, org[0] != '\0' ? org : NULL, NULL};
    if (es_ok(r) && es_owner_hidden(q->who, ES_ACT_SEAL_READ, &obj)) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "stamp: no seal '%.100s'", q->seal_ref);
    }
    /* A user stamps under a grant of the seal (docs/grants.md): refused here, before anything is
     * prepared, unless one may allow it (its template limit is judged per document, once read). */
    es_seal_grants grants = {0};
    bool by_grant = q->who != NULL && q->who->kind == ESEAL_PRINCIPAL_USER;
    const char *doc_type = q->version >= 4 ? q->doc_type : NULL;
    const char *request_id = q->version >= 5 ? q->request_id : NULL;
    es_gate_request req;
    memset(&req, 0, sizeof(req));
    bool by_request = request_id != NULL && request_id[0] != '\0';
    if (es_ok(r) && by_request && !by_grant) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "stamp: a request is executed by the user who submitted it");
    }
    if (es_ok(r) && by_request) {
        /* the request's declared type, under the approval policy it satisfied (docs/requests.md) */
        r = es_gate_request_load(inst, q->who, request_id, rec.esid, &req);
        doc_type = req.r.doc_type[0] != '\0' ? req.r.doc_type : NULL;
    }
    if (es_ok(r) && by_grant) {
        r = es_seal_grants_load(inst, q->who, rec.esid, &grants);
        es_grant_pass pre;
        if (es_ok(r)) {
            r = es_grant_gate(&grants, q->who, rec.esid, obj.org, doc_type, NULL, NULL,
                              by_request ? req.r.approval : NULL, inst->ctx, es_inst_now(inst), &pre);
        }
    } else if (es_ok(r)) {
        r = es_policy_require(q->who, ES_ACT_STAMP, &obj, NULL);
    }
    if (by_grant && es_code(r) == ESEAL_EDENIED) {
        r = es_refusal_record(inst, q->who, "stamp.refused", obj.org, r); /* every refusal is evidence */
    }
    eseal_ses_seal *s = NULL;
    eseal_cert *cert = NULL, *issuer = NULL;
    eseal_cert_record crec;
    memset(&crec, 0, sizeof(crec));
    eseal_key *key = NULL;
    eseal_imprint_outline *outline = NULL;
    if (es_ok(r) && file.len > 0 && (file.len != der.size || memcmp(file.ptr, der.ptr, der.size) != 0)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "stamp: %s is not the seal registered as %s",
                         q->seal_ref, rec.esid);
    }
    eseal_seal_status st;
    if (es_ok(r)) {
        r = es_from_code(eseal_instance_seal_status(inst, &st, rec.esid, 0));
    }
    if (es_ok(r) && strcmp(st.state, "active") != 0) {
        r = es_error_reason(es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "stamp: seal %s is %s, not active", rec.esid,
                                         st.state),
                            ESEAL_REFUSAL_SEAL_NOT_ACTIVE);
        if (by_grant) {
            r = es_refusal_record(inst, q->who, "stamp.refused", obj.org, r); /* a user's refusal is evidence */
        }
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_ses_seal_decode(&s, der.ptr, der.size));
    }
    if (es_ok(r)) {
        r = pick_signer(inst, s, rec.cert_ids, q->cert_ref, &cert, &crec);
    }
    bool key_owned = true;
    if (es_ok(r)) {
        r = cached_key(inst, &key, &key_owned, &crec);
    }
    if (es_ok(r)) {
        r = hardware_check(s, cert, key, rec.esid);
        if (by_grant && es_code(r) == ESEAL_ESTATE) {
            r = es_refusal_record(inst, q->who, "stamp.refused", obj.org, r); /* evidence, as every refusal */
        }
    }
    if (es_ok(r) && crec.issuer_id[0] != 0) {
        eseal_cert_record irec;
        if (eseal_store_cert_find(inst->store, &irec, crec.issuer_id) == ESEAL_OK) {
            r = cached_cert(inst, &issuer, irec.pem);
            eseal_cert_record_dispose(&irec);
        }
    }
    if (es_ok(r)) {
        r = es_seal_outline(&rec, &outline);
    }
    /* Everything above is done once; each document below costs one signature. */
    size_t failed = 0, cancelled = 0;
    es_timestamper ts = {0}; /* a timestamper of the caller's TSAs, for this call */
    const es_timestamper *use_ts = NULL;
    if (es_ok(r) && eseal_level_name(q->level) == NULL) {
        r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "stamp: unknown level %d", q->level);
    }
    if (es_ok(r)) {
        /* B-T and up: the TSAs asked for the signature timestamps; B-B: the own TSA, for the audit entries. */
        /* The signature timestamps and the document timestamp come from the TSA of the signer's
         * algorithm (docs/formats.md), so that one root certificate verifies the whole stamp. The
         * own TSA's are the instance's (cached_ts); one of the caller's TSAs is made for the call. */
        if (q->level >= ESEAL_LEVEL_B_T && q->n_tsa_urls > 0) {
            es_stamp_ts_opens++;
            r = es_timestamper_open(&ts, inst, q->tsa_urls, q->n_tsa_urls, q->tsa_timeout_ms,
                                    es_tsa_hierarchy_for(cert));
            use_ts = &ts;
        } else {
            r = cached_ts(inst, &use_ts, q->level >= ESEAL_LEVEL_B_T ? es_tsa_hierarchy_for(cert) : NULL);
        }
    }
    char(*serials)[ES_STAMP_SERIAL_LEN] = es_calloc(n, sizeof(*serials));
    int64_t *indices = es_calloc(n, sizeof(*indices));
    if (es_ok(r) && (serials == NULL || indices == NULL)) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    if (es_ok(r)) {
        batch b = {.inst = inst,
                   .q = q,
                   .rec = &rec,
                   .org = obj.org,
                   .der = &der,
                   .crec = &crec,
                   .issuer = issuer,
                   .cert = cert,
                   .key = key,
                   .outline = outline,
                   .serials = serials,
                   .indices = indices,
                   .in_paths = in_paths,
                   .out_paths = out_paths,
                   .n = n,
                   .res = res,
                   .lock = PTHREAD_MUTEX_INITIALIZER,
                   .grants = by_grant ? &grants : NULL,
                   .doc_type = doc_type,
                   .req = by_request ? &req : NULL};
        b.ts = q->level >= ESEAL_LEVEL_B_T ? use_ts : NULL;
        b.audit_ts = q->level >= ESEAL_LEVEL_B_T ? NULL : use_ts;
        if (n > 1) {
            eseal_pdf_stamp_options o;
            const eseal_cert *chain[1];
            doc_options(&b, &o, chain);
            o.timestamp = b.ts != NULL ? es_doc_timestamp : NULL; /* only its presence counts: room for a token */
            r = es_pdf_cms_reserve(&b.cms_reserve, key, cert, &o);
        }
        eseal_log *log = NULL;
        if (es_ok(r)) {
            /* Opened (and checked against the outside checkpoint) once, before any document is signed. */
            r = es_from_code(eseal_instance_log(inst, &log));
        }
        int lock = -1;
        if (es_ok(r)) {
            r = stamp_lock(inst, q->who, &lock);
        }
        size_t stamped = 0;
        if (es_ok(r)) {
            r = run_batch(&b);
            for (size_t i = 0; i < n; i++) {
                stamped += serials[i][0] != '\0';
            }
            /* The receipts: one checkpoint for the batch, then each stamp's inclusion proof, kept with
             * its record; in the same commit, when every output stamped here is published and durable
             * (run_batch synced the directories), where each waited is forgotten. Still under the
             * shared lock, so no recovery looks at these outputs meanwhile; a crash before this commit
             * leaves the marks, and the next recovery finds each output published by its digest. The
             * stamps are durable and stand even if this fails: eseal_instance_stamp_receipt makes a
             * missing receipt when it is asked for (and reports then why it cannot). A document that
             * failed, also one recorded and then not published (stamp.failed), has serial "" and index
             * -1 here (stamp_doc): it gets no receipt. */
            es_result settled = ES_OK;
            if (stamped > 0) {
                settled = es_audit_stamps_settle(inst->auditlog, (const char(*)[ES_STAMP_SERIAL_LEN])serials, indices,
                                                 n, es_ok(r));
            }
            if (!es_ok(settled) && es_ok(r)) {
                /* The outputs are in place and recorded, but still marked as waiting (another process
                 * held the store past its wait, say): not acknowledged, as a rename whose folder is not
                 * durable. Acknowledged, the output could go (a server removes it once it has answered,
                 * a user moves it) and the next recovery would record a stamp that succeeded as failed;
                 * not acknowledged, that recovery decides by the output's digest what the caller knows. */
                r = es_error_set(es_code(settled), __FILE__, __LINE__,
                                 "stamp: published and recorded, but the publication could not be committed, so "
                                 "it is not acknowledged (the next stamp's recovery settles it): %s",
                                 eseal_error_last()->message);
            } else if (!es_ok(settled)) {
                eseal_error_clear(); /* marks left: the next stamp's recovery finds those outputs published */
            }
        }
        if (lock >= 0) {
            (void)close(lock); /* releases the shared lock */
        }
        failed = b.failed;
        cancelled = b.cancelled;
        if (es_ok(r) && cancelled > 0 && n > 1) {
            r = es_error_set(ESEAL_ECANCELED, __FILE__, __LINE__,
                             "stamp: cancelled: %zu of %zu documents stamped, %zu not started", stamped, n, cancelled);
        }
        (void)pthread_mutex_destroy(&b.lock);
    }
    es_free(serials);
    es_free(indices);
    if (es_ok(r) && failed > 0 && n > 1) {
        r = es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "stamp: %zu of %zu documents failed", failed, n);
    }
    es_timestamper_close(&ts);
    eseal_imprint_outline_free(outline);
    if (key_owned) {
        eseal_key_free(key);
    }
    eseal_cert_free(issuer);
    eseal_cert_free(cert);
    eseal_cert_record_dispose(&crec);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&rec);
    es_seal_grants_free(&grants);
    es_gate_request_free(&req);
    return r;
}

int eseal_instance_stamp_pdf(eseal_instance *inst, eseal_stamp_result *res, const char *in_path, const char *out_path,
                             const eseal_stamp_request *req)
{
    return es_code(stamp_pdf(inst, res, &in_path, &out_path, 1, req));
}

int eseal_instance_stamp_ofd(eseal_instance *inst, eseal_stamp_result *res, const char *in_path, const char *out_path,
                             const eseal_stamp_request *req)
{
    return es_code(stamp_pdf(inst, res, &in_path, &out_path, 1, req));
}

int eseal_instance_stamp_pdfs(eseal_instance *inst, eseal_stamp_result *res, const char *const *in_paths,
                              const char *const *out_paths, size_t n, const eseal_stamp_request *req)
{
    return es_code(stamp_pdf(inst, res, in_paths, out_paths, n, req));
}

/* signature.approvals of `sig` from a stamp entry's approvals line ("req_…,ITEM,…"): the request and
 * how many approvals (docs/verify-report.md). */
static ES_RESULT approvals_note(eseal_report *sig, const char *line)
{
    size_t n = strcspn(line, ",");
    int64_t count = 0;
    for (const char *p = line + n; *p == ','; p = p + 1 + strcspn(p + 1, ",")) {
        count++;
    }
    ES_GUARD(es_report_str(sig, "signature.approvals.request", "%.*s", (int)n, line));
    return es_report_int(sig, "signature.approvals.count", count);
}

/* At most this many revision ends of a PDF are hashed to find the stamp's output (the parse limits bound
 * the revisions; a stamp's output is its signed revision and, at B-LT and B-LTA, two more). */
#define LOG_ENDS_MAX 16

/* signature.log: the parts of the receipt GET /api/v1/stamps/{serial} gives in `log` (docs/verify-report.md). */
static ES_RESULT log_parts(eseal_report *sig, const eseal_receipt_parts *p, const char *serial)
{
    eseal_value *root = es_report_root(sig);
    eseal_value *list = NULL;
    ES_GUARD(es_value_str(root, "signature.log.serial", "%s", serial));
    ES_GUARD(es_value_int(root, "signature.log.index", (int64_t)p->index));
    ES_GUARD(es_value_str(root, "signature.log.origin", "%s", p->origin));
    ES_GUARD(es_value_int(root, "signature.log.tree_size", (int64_t)p->tree_size));
    ES_GUARD(es_value_str(root, "signature.log.root", "%s", p->root));
    ES_GUARD(es_value_str(root, "signature.log.leaf_hash", "%s", p->leaf_hash));
    ES_GUARD(es_value_list(root, "signature.log.proof", &list));
    for (size_t i = 0; i < p->proof_count && i < sizeof(p->proof) / sizeof(p->proof[0]); i++) {
        ES_GUARD(es_value_append_str(root, "signature.log.proof", "%s", p->proof[i]));
    }
    ES_GUARD(es_value_text(root, "signature.log.checkpoint", (const char *)p->checkpoint.ptr));
    return p->key[0] != '\0' ? es_value_str(root, "signature.log.key", "%s", p->key)
                             : es_value_null(root, "signature.log.key");
}

/* The check cannot be decided now (no receipt yet, the log unreadable): said, and the signature
 * INDETERMINATE, since it claims a record this platform cannot show at the moment. */
static ES_RESULT log_unavailable(eseal_report *sig, const char *serial, const char *why)
{
    ES_GUARD(es_report_check(sig, "log_inclusion", ESEAL_CHECK_INDETERMINATE, "audit_log", "stamp %s: %s", serial, why));
    return es_report_reason(sig, ESEAL_INDETERMINATE, ESEAL_R_LOG_INCLUSION_FAILURE,
                            "this platform cannot show the audit log entry of stamp %s now: %s", serial, why);
}

/*
 * Check log_inclusion and signature.log of `sig`, a signature that names stamp `serial` of this
 * platform. The stamp's receipt (eseal_instance_stamp_receipt: the entry and its inclusion proof in a
 * checkpoint) must verify under the log's key (eseal_receipt_verify), and its entry must bind this
 * signature: what an entry records of the document is doc-after-sha256, the SHA-256 of the file the
 * stamp wrote (src/auditlog/audit.c es_audit_stamp). That file is the signed revision (B-B, B-T) or
 * it followed by the validation data and the document timestamp (B-LT, B-LTA); a copy verified later
 * may carry more revisions still (another stamp). So the entry binds the signature when the SHA-256
 * of the verified bytes up to one of `ends` (the signed revision's end and every later revision's;
 * an OFD: the package) is its doc-after-sha256. Another document's entry under this serial (a field
 * renamed to another real serial) is a claim proven false: INVALID, as a seal whose registry holds
 * other bytes (SEAL_NOT_REGISTERED). A proof that does not verify proves nothing about the signature,
 * only that the log cannot back it: INDETERMINATE.
 */
static ES_RESULT log_inclusion(eseal_instance *inst, eseal_report *sig, const char *serial, es_span doc,
                               const uint64_t *ends, size_t n_ends)
{
    eseal_buf rcpt = ESEAL_BUF_INIT, key = ESEAL_BUF_INIT;
    eseal_log *log = NULL;
    int rc = eseal_instance_stamp_receipt(inst, &rcpt, serial);
    if (rc == ESEAL_OK) {
        rc = eseal_instance_log(inst, &log);
    }
    if (rc == ESEAL_OK) {
        rc = eseal_log_vkey(log, &key);
    }
    if (rc != ESEAL_OK) {
        /* Our own sentences: the library's may name the instance's files, and the report is public. */
        const char *msg = eseal_error_last()->message;
        const char *why = rc == ESEAL_ENOTFOUND ? "the stamp has no audit log entry"
                          : rc == ESEAL_ESTATE && strstr(msg, "never published") != NULL
                              ? "the stamp was never published (a stamp.failed entry follows its entry)"
                          : rc == ESEAL_ESTATE ? "its entry is not in a signed checkpoint yet"
                                               : "the audit log cannot give the proof now";
        eseal_error_clear();
        eseal_buf_dispose(&rcpt);
        eseal_buf_dispose(&key);
        return log_unavailable(sig, serial, why);
    }
    ES_AUTO(es_freep) char *vkey = es_calloc(1, key.size + 1);
    eseal_receipt_parts parts;
    memset(&parts, 0, sizeof(parts));
    eseal_receipt_info info;
    memset(&info, 0, sizeof(info));
    es_result r = vkey != NULL ? ES_OK : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (es_ok(r)) {
        memcpy(vkey, key.ptr, key.size);
        r = es_from_code(eseal_receipt_split(&parts, rcpt.ptr, rcpt.size));
    }
    if (es_ok(r)) {
        (void)snprintf(parts.key, sizeof(parts.key), "%s", vkey);
        r = log_parts(sig, &parts, serial);
    }
    int vrc = ESEAL_OK;
    if (es_ok(r)) {
        eseal_receipt_check chk = ESEAL_RECEIPT_CHECK_INIT;
        chk.log_vkey = vkey;
        vrc = eseal_receipt_verify(&info, rcpt.ptr, rcpt.size, &chk);
        if (vrc != ESEAL_OK && vrc != ESEAL_EVERIFY) {
            r = es_from_code(vrc);
        }
    }
    const eseal_audit_entry *e = &info.entry.e;
    if (!es_ok(r)) {
    } else if (vrc == ESEAL_EVERIFY) {
        eseal_error_clear();
        r = es_report_check(sig, "log_inclusion", ESEAL_CHECK_FAILED, "audit_log",
                            "entry %llu of %s: the receipt does not verify: %s", (unsigned long long)parts.index,
                            parts.origin, info.problem);
        if (es_ok(r)) {
            r = es_report_reason(sig, ESEAL_INDETERMINATE, ESEAL_R_LOG_INCLUSION_FAILURE,
                                 "the inclusion proof of stamp %s's audit entry %llu does not verify: %s", serial,
                                 (unsigned long long)parts.index, info.problem);
        }
    } else {
        bool bound = false;
        char hex[2 * ES_STAMP_SHA256_LEN + 1];
        bool stamp_entry = e->type != NULL && strcmp(e->type, "stamp") == 0 && e->stamp != NULL &&
                           strcmp(e->stamp, serial) == 0 && e->doc_after_sha256 != NULL;
        for (size_t i = 0; es_ok(r) && stamp_entry && !bound && i < n_ends; i++) {
            uint8_t h[ES_STAMP_DIGEST_MAX];
            size_t hl = 0;
            if (ends[i] > doc.len) {
                continue;
            }
            r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(doc.ptr, (size_t)ends[i]));
            es_hex_lower(hex, h, ES_STAMP_SHA256_LEN);
            bound = es_ok(r) && strcmp(hex, e->doc_after_sha256) == 0;
        }
        if (es_ok(r) && bound) {
            r = es_report_check(sig, "log_inclusion", ESEAL_CHECK_PASSED, "audit_log",
                                "entry %llu of %s, included in the checkpoint of size %llu, records this signed "
                                "document (SHA-256 %.16s…)",
                                (unsigned long long)parts.index, parts.origin, (unsigned long long)parts.tree_size,
                                e->doc_after_sha256);
        } else if (es_ok(r)) {
            r = es_report_check(sig, "log_inclusion", ESEAL_CHECK_FAILED, "audit_log",
                                "entry %llu of %s records stamp %s of another document (SHA-256 %.16s…)",
                                (unsigned long long)parts.index, parts.origin, serial,
                                e->doc_after_sha256 != NULL ? e->doc_after_sha256 : "none");
            if (es_ok(r)) {
                r = es_report_reason(sig, ESEAL_INVALID, ESEAL_R_LOG_INCLUSION_FAILURE,
                                     "the signature claims to be stamp %s of this platform, whose audit entry %llu "
                                     "records another document: this signature is not that stamp",
                                     serial, (unsigned long long)parts.index);
            }
        }
    }
    eseal_receipt_info_dispose(&info);
    eseal_receipt_parts_dispose(&parts);
    eseal_buf_dispose(&rcpt);
    eseal_buf_dispose(&key);
    return r;
}

/* The ends of the PDF revisions from the one `sig` signed (coverage.revision, from 1) to the last, from
 * the document's parts: where the stamp's output may end (log_inclusion). */
static size_t revision_ends(const eseal_report *doc, const eseal_report *sig, uint64_t ends[LOG_ENDS_MAX])
{
    int64_t rev = 0;
    if (eseal_report_integer(sig, "coverage.revision", &rev) != ESEAL_OK || rev < 1) {
        eseal_error_clear();
        return 0;
    }
    const eseal_value *parts = eseal_report_find(doc, "document.parts");
    size_t n = 0;
    for (size_t i = (size_t)rev - 1; i < eseal_value_count(parts) && n < LOG_ENDS_MAX; i++) {
        const eseal_value *p = eseal_value_item(parts, i);
        int64_t off = eseal_value_integer(eseal_value_find(p, "offset"));
        int64_t size = eseal_value_integer(eseal_value_find(p, "size"));
        if (off >= 0 && size > 0) {
            ends[n++] = (uint64_t)off + (uint64_t)size;
        }
    }
    return n;
}

/*
 * For each signature that is a stamp of this platform made under a stamp request (its field name
 * "eseal-ST…" is a serial of the stamp records, whose audit entry names the request): the request
 * and how many approvals it had (signature.approvals, docs/verify-report.md). Who approved is the
 * organisation's to know (eseal_instance_stamp_approvals); a report anyone may ask for says only
 * that approvals happened, and how many. And for every stamp of this platform, with or without a
 * request: its audit log entry and inclusion proof (signature.log, check log_inclusion).
 */
static ES_RESULT stamp_approvals(eseal_instance *inst, eseal_report *rep, es_span pdf)
{
    for (size_t i = 0; i < eseal_report_child_count(rep); i++) {
        eseal_report *sig = (eseal_report *)(uintptr_t)eseal_report_child(rep, i);
        const char *id = eseal_report_string(sig, "signature.id");
        eseal_stamp_info st;
        if (id == NULL || strncmp(id, "eseal-ST", 8) != 0) {
            continue;
        }
        if (eseal_instance_stamp_find(inst, &st, id + 6) != ESEAL_OK) {
            eseal_error_clear(); /* another platform's stamp, or a made-up name */
            continue;
        }
        if (st.request[0] != '\0') {
            ES_GUARD(es_report_str(sig, "signature.approvals.request", "%s", st.request));
            ES_GUARD(es_report_int(sig, "signature.approvals.count", st.approvals));
        }
        uint64_t ends[LOG_ENDS_MAX];
        size_t n = revision_ends(rep, sig, ends);
        if (n == 0) {
            ends[n++] = pdf.len; /* no revision known: the file as a whole */
        }
        ES_GUARD(log_inclusion(inst, sig, st.serial, pdf, ends, n));
    }
    return ES_OK;
}

/* What the verifiers' seal hook knows: the instance whose registry is asked (NULL: none), and
 * whether the report carries each seal's picture. */
typedef struct {
    eseal_instance *inst;
    bool pictures;
    es_foreign_opts foreign; /* another platform's seals: the document's registry answers, whether to ask */
} seal_hook_ctx;

/* The registry answers a PDF's /DSS carries (es_pdf_registry_hook.stapled). */
static void seal_hook_stapled(void *ctx, const es_span *answers, size_t n)
{
    seal_hook_ctx *h = ctx;
    h->foreign.stapled = answers;
    h->foreign.nstapled = n;
}

/*
 * seal.filing (report version 5): this registry's signed filing receipt of the seal
 * (eseal_instance_seal_receipt), its date, registry and number, and whether it verifies with the
 * instance's trust against these very seal bytes (eseal_instance_receipt_verify, as GET
 * /api/v1/seals/{esid}/receipt). Only for a seal this registry holds these bytes of (its registry
 * check found it); absent for a seal never filed. A receipt that does not verify is said
 * (verified: false) and weighs nothing on the verdict: the registry's state (check registry) is
 * what says whether the seal may stamp, the receipt is the registry's evidence to hand on.
 */
static ES_RESULT seal_filing(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *seal)
{
    const char *reg = eseal_report_string(rep, "seal.registry.at_signing");
    const eseal_seal_info *in = eseal_ses_seal_info(seal);
    if (in == NULL || reg == NULL || strcmp(reg, "unknown") == 0 || strcmp(reg, "not_registered") == 0) {
        return ES_OK;
    }
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_instance_seal_receipt(inst, &der, in->esid);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear(); /* never filed */
        eseal_buf_dispose(&der);
        return ES_OK;
    }
    eseal_filing_receipt *fr = NULL;
    eseal_report *vr = NULL;
    es_result r = es_from_code(rc);
    if (es_ok(r)) {
        r = es_from_code(eseal_filing_receipt_decode(&fr, der.ptr, der.size));
    }
    bool verified = false;
    if (es_ok(r)) {
        eseal_verify_request vq = ESEAL_VERIFY_REQUEST_INIT;
        eseal_bytes sd = eseal_ses_seal_der(seal);
        if (eseal_instance_receipt_verify(inst, &vr, der.ptr, der.size, sd.ptr, sd.len, &vq) == ESEAL_OK) {
            verified = eseal_report_verdict(vr) == ESEAL_VALID;
        } else {
            eseal_error_clear(); /* could not check it: said as not verified */
        }
    }
    ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT((der.size + 2) / 3 * 4 + 1);
    if (es_ok(r)) {
        r = es_base64_encode(&b64, es_span_of(der.ptr, der.size));
    }
    const eseal_filing_info *fi = es_ok(r) ? eseal_filing_receipt_info(fr) : NULL;
    if (es_ok(r)) {
        r = es_report_time(rep, "seal.filing.filed_at", fi->filed_ms);
    }
    if (es_ok(r)) {
        r = es_report_str(rep, "seal.filing.registry", "%s", fi->registry != NULL ? fi->registry : "");
    }
    if (es_ok(r)) {
        r = es_report_int(rep, "seal.filing.serial", fi->serial);
    }
    if (es_ok(r)) {
        r = es_report_str(rep, "seal.filing.receipt", "%s", es_buf_cstr(&b64));
    }
    if (es_ok(r)) {
        r = es_report_bool(rep, "seal.filing.verified", verified);
    }
    eseal_report_free(vr);
    eseal_filing_receipt_free(fr);
    eseal_buf_dispose(&der);
    return r;
}

static ES_RESULT seal_hook(void *ctx, eseal_report *rep, const eseal_ses_seal *seal, int64_t at)
{
    const seal_hook_ctx *h = ctx;
    const eseal_seal_info *in = eseal_ses_seal_info(seal);
    if (h->pictures && in != NULL && in->picture.len > 0) {
        /* seal.picture.data (report version 4): the imprint as the seal holds it, for a page or a
         * report to show; its format is seal.picture.format. */
        /* its base64 exactly (the picture is bounded by the seal, which the parse limits bounded) */
        ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT((in->picture.len + 2) / 3 * 4 + 1);
        ES_GUARD(es_base64_encode(&b64, es_span_of(in->picture.ptr, in->picture.len)));
        ES_GUARD(es_report_str(rep, "seal.picture.data", "%s", es_buf_cstr(&b64)));
    }
    if (h->inst == NULL) {
        return ES_OK;
    }
    ES_GUARD(es_seal_registry_check(h->inst, rep, seal, at, &h->foreign));
    return seal_filing(h->inst, rep, seal);
}

int eseal_instance_verify_pdf(eseal_instance *inst, eseal_report **out, const void *pdf, size_t len,
                              const eseal_verify_request *req)
{
    ES_CHECK_VERSION_OPT_INT(req, verify_request);
    if (out == NULL || pdf == NULL) {
        ES_BAIL_ARG("out == NULL || pdf == NULL");
    }
    eseal_trust *t = NULL;
    bool owned = true;
    es_result r = es_instance_trust_shared(inst, req, &t, &owned);
    if (es_ok(r)) {
        seal_hook_ctx hc = {inst, req != NULL && req->version >= 3 && req->pictures != 0,
                            {NULL, 0, req != NULL && req->online != 0}};
        es_pdf_registry_hook hook = {seal_hook, &hc, seal_hook_stapled};
        int64_t at = req != NULL && req->at_ms != 0 ? req->at_ms : es_inst_now(inst);
        es_revocation_opts net = ES_REVOCATION_OPTS_INIT;
        es_buf cache = ES_BUF_INIT(ES_STAMP_HOME_PATH_MAX);
        if (req != NULL && req->online) {
            net.online = true;
            net.fetch = es_ctx_fetcher(inst != NULL ? inst->ctx : NULL, es_http_fetcher());
            if (inst != NULL && es_ok(es_home_path(&cache, inst, "cache/revocation"))) {
                net.cache_dir = es_buf_cstr(&cache);
            }
        }
        r = es_pdf_verify(out, es_span_of(pdf, len), t, at, inst != NULL || hc.pictures ? &hook : NULL, &net,
                          inst != NULL ? inst->ctx : NULL,
                          ES_OPT_DIGESTS(req, 2));
        if (es_ok(r) && inst != NULL) {
            r = stamp_approvals(inst, *out, es_span_of(pdf, len));
            if (!es_ok(r)) {
                eseal_report_free(*out);
                *out = NULL;
            }
        }
        es_buf_free(&cache);
    }
    if (owned) {
        eseal_trust_free(t);
    }
    return es_code(r);
}

#define LATER_NEEDLE "\ndoc-before-sha256 %s\n"

typedef struct {
    char hex[2 * ES_STAMP_SHA256_LEN + 1];
    char needle[sizeof(LATER_NEEDLE) + 2 * ES_STAMP_SHA256_LEN];
    size_t needle_len;
    size_t found, failed_n;
    struct {
        char serial[ES_STAMP_SERIAL_LEN];
        uint64_t index;
        int64_t time_ms;
    } later[ES_STAMP_LATER_MAX]; /* the stamps of this document, at most ES_STAMP_LATER_MAX */
    char failed[ES_STAMP_LATER_MAX][ES_STAMP_SERIAL_LEN]; /* serials with a "stamp.failed" entry among them:
                                                            never published */
    /* The stamp whose output is this very package (its doc-after-sha256), when it was a stamp
     * request's: its seal and its entry's approvals line ("" none). */
    char made_needle[sizeof(LATER_NEEDLE) + 2 * ES_STAMP_SHA256_LEN];
    size_t made_needle_len;
    char made_seal[64];
    char made_approvals[ESEAL_AUDIT_MAX_FIELD + 1];
    char made_serial[ES_STAMP_SERIAL_LEN]; /* that stamp's serial, request or not ("" none): its log entry */
} later_ctx;

/* One audit entry: a substring test first, the strict parse only for a candidate. */
static int later_entry(uint64_t index, const void *data, size_t len, void *payload)
{
    later_ctx *x = payload;
    static const char failed[] = "\ntype stamp.failed\n";
    bool is_failed = memmem(data, len, failed, sizeof(failed) - 1) != NULL;
    bool made = memmem(data, len, x->made_needle, x->made_needle_len) != NULL;
    if (!is_failed && !made && memmem(data, len, x->needle, x->needle_len) == NULL) {
        return ESEAL_OK;
    }
    eseal_audit_entry_parsed p = {0};
    if (eseal_audit_entry_parse(&p, data, len) != ESEAL_OK) {
        eseal_error_clear(); /* not an entry of ours to judge here; the log audit reports it */
        return ESEAL_OK;
    }
    if (made && p.e.type != NULL && strcmp(p.e.type, "stamp") == 0 && p.e.doc_after_sha256 != NULL &&
        strcmp(p.e.doc_after_sha256, x->hex) == 0 && p.e.stamp != NULL) {
        bool req = p.e.approvals != NULL && strncmp(p.e.approvals, "req_", 4) == 0;
        (void)snprintf(x->made_seal, sizeof(x->made_seal), "%s", p.e.seal != NULL ? p.e.seal : "");
        (void)snprintf(x->made_approvals, sizeof(x->made_approvals), "%s", req ? p.e.approvals : "");
        (void)snprintf(x->made_serial, sizeof(x->made_serial), "%s", p.e.stamp);
    }
    if (p.e.type != NULL && strcmp(p.e.type, "stamp") == 0 && p.e.doc_before_sha256 != NULL &&
        strcmp(p.e.doc_before_sha256, x->hex) == 0 && x->found < ES_STAMP_LATER_MAX) {
        (void)snprintf(x->later[x->found].serial, sizeof(x->later[x->found].serial), "%s",
                       p.e.stamp != NULL ? p.e.stamp : "?");
        x->later[x->found].index = index;
        x->later[x->found].time_ms = p.e.time_ms;
        x->found++;
    } else if (is_failed && p.e.stamp != NULL && x->failed_n < ES_STAMP_LATER_MAX) {
        for (size_t i = 0; i < x->found; i++) {
            if (strcmp(x->later[i].serial, p.e.stamp) == 0) {
                (void)snprintf(x->failed[x->failed_n++], sizeof(x->failed[0]), "%s", p.e.stamp);
                break;
            }
        }
    }
    eseal_audit_entry_parsed_dispose(&p);
    return ESEAL_OK;
}

/*
 * A stamp this platform made later of this very package: an audit entry of type "stamp" whose
 * doc-before-sha256 is the SHA-256 of the bytes verified, and no "stamp.failed" entry for its serial
 * (that one was recorded but never published). The copy in hand then lacks that stamp (a later
 * version exists); said as a note on the document (verdict VALID: it changes nothing about the
 * signatures that are there). The store keeps stamps by serial and after-hash only, so the lookup
 * reads the audit log once, in one range query, with a substring test before any parse: linear in
 * the log. document.later_stamps counts them; could not look: it stays absent, the verdict stands.
 */
static ES_RESULT later_stamps(eseal_instance *inst, eseal_report *rep, es_span doc)
{
    ES_AUTO(es_freep) later_ctx *x = es_calloc(1, sizeof(*x));
    ES_ENSURE_ALLOC(x);
    uint8_t h[ES_STAMP_DIGEST_MAX];
    size_t hl = 0;
    ES_GUARD(es_digest(h, &hl, ESEAL_HASH_SHA256, doc));
    es_hex_lower(x->hex, h, ES_STAMP_SHA256_LEN);
    x->needle_len = (size_t)snprintf(x->needle, sizeof(x->needle), LATER_NEEDLE, x->hex);
    x->made_needle_len = (size_t)snprintf(x->made_needle, sizeof(x->made_needle), "\ndoc-after-sha256 %s\n", x->hex);
    eseal_log *log = NULL;
    uint64_t size = 0;
    int rc = eseal_instance_log(inst, &log);
    if (rc == ESEAL_OK) {
        rc = eseal_log_size(log, &size, NULL);
    }
    if (rc == ESEAL_OK && size > 0) {
        rc = eseal_store_log_entries(inst->store, 0, size, later_entry, x);
    }
    if (rc != ESEAL_OK) {
        /* Not looked at: document.later_stamps stays absent (a count of 0 would say "none"). */
        eseal_error_clear();
        return ES_OK;
    }
    size_t published = 0;
    for (size_t i = 0; i < x->found; i++) {
        bool failed = false;
        for (size_t k = 0; k < x->failed_n && !failed; k++) {
            failed = strcmp(x->failed[k], x->later[i].serial) == 0;
        }
        if (failed) {
            continue;
        }
        char t[ES_RFC3339_LEN];
        es_time_rfc3339(t, x->later[i].time_ms);
        published++;
        ES_GUARD(es_report_reason(rep, ESEAL_VALID, ESEAL_R_LATER_STAMP_MISSING,
                                  "this platform stamped this document again on %s (serial %s, audit entry %llu); "
                                  "the copy verified here does not carry that stamp",
                                  t, x->later[i].serial, (unsigned long long)x->later[i].index));
    }
    ES_GUARD(es_report_int(rep, "document.later_stamps", (int64_t)published));
    /* This package is the output of a stamp of this platform: its newest signature with that seal is
     * that stamp (an OFD signature does not name its serial as a PDF field does); its approvals when
     * it was a stamp request's, and its log entry, which binds the package by construction (its
     * doc-after-sha256 is what found it) and still has its proof checked. */
    for (size_t i = eseal_report_child_count(rep); x->made_serial[0] != '\0' && i > 0; i--) {
        eseal_report *sig = (eseal_report *)(uintptr_t)eseal_report_child(rep, i - 1);
        const char *esid = eseal_report_string(sig, "seal.esid");
        if (esid != NULL && strcmp(esid, x->made_seal) == 0) {
            if (x->made_approvals[0] != '\0') {
                ES_GUARD(approvals_note(sig, x->made_approvals));
            }
            uint64_t end = doc.len;
            return log_inclusion(inst, sig, x->made_serial, doc, &end, 1);
        }
    }
    return ES_OK;
}

int eseal_instance_verify_ofd(eseal_instance *inst, eseal_report **out, const void *ofd, size_t len,
                              const eseal_verify_request *req)
{
    ES_CHECK_VERSION_OPT_INT(req, verify_request);
    if (out == NULL || ofd == NULL) {
        ES_BAIL_ARG("out == NULL || ofd == NULL");
    }
    eseal_trust *t = NULL;
    bool owned = true;
    es_result r = es_instance_trust_shared(inst, req, &t, &owned);
    eseal_cert *signer = NULL;
    eseal_buf der = ESEAL_BUF_INIT;
    if (es_ok(r) && req != NULL && req->expected_signer != NULL) {
        /* A certificate of this instance, else a certificate file. */
        if (inst == NULL || eseal_instance_cert_get(inst, &signer, NULL, req->expected_signer) != ESEAL_OK) {
            r = es_from_code(eseal_cert_load(&signer, req->expected_signer));
        }
        if (es_ok(r)) {
            r = es_cert_der(&der, signer);
        }
    }
    if (es_ok(r)) {
        seal_hook_ctx hc = {inst, req != NULL && req->version >= 3 && req->pictures != 0,
                            {NULL, 0, req != NULL && req->online != 0}};
        es_ofd_verify_options o = {der.ptr, der.size, inst != NULL || hc.pictures ? seal_hook : NULL, &hc,
                                   es_inst_limits(inst), ES_OPT_DIGESTS(req, 2)};
        int64_t at = req != NULL && req->at_ms != 0 ? req->at_ms : es_inst_now(inst);
        r = es_ofd_verify(out, es_span_of(ofd, len), t, at, &o);
        if (es_ok(r) && inst != NULL) {
            r = later_stamps(inst, *out, es_span_of(ofd, len));
            if (!es_ok(r)) {
                eseal_report_free(*out);
                *out = NULL;
            }
        }
    }
    eseal_buf_dispose(&der);
    eseal_cert_free(signer);
    if (owned) {
        eseal_trust_free(t);
    }
    return es_code(r);
}

ES_RESULT es_stamp_lock(eseal_instance *inst, const eseal_principal *who, int *fd)
{
    return stamp_lock(inst, who, fd);
}
