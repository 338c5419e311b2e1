/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stamped document's digests before and after, taken while the stamper streams it (crypto.h):
 * the audit entry then records the bytes that were really read and written, never a path read
 * again after the output may have replaced the input (in-place stamping).
 *
 * The output is the input followed by the update, so the input is hashed once: the "after"
 * digests start as copies of the "before" ones when the first output bytes come (or at the end),
 * and the stamper's signature digest is a copy too (es_doc_hash_fork). Each input byte goes
 * through each hash once, where it went through SHA-256 three times.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "crypto.h"

enum { BEFORE_SHA, BEFORE_SM3, AFTER_SHA, AFTER_SM3 };

void es_doc_hash_free(es_doc_hasher *h)
{
    for (size_t i = 0; i < 4; i++) {
        es_hash_free(h->c[i]);
        h->c[i] = NULL;
    }
}

ES_RESULT es_doc_hash_begin(es_doc_hasher *h, bool sm3)
{
    memset(h, 0, sizeof(*h));
    es_result r = es_hash_begin(&h->c[BEFORE_SHA], ESEAL_HASH_SHA256);
    if (es_ok(r) && sm3) {
        r = es_hash_begin(&h->c[BEFORE_SM3], ESEAL_HASH_SM3);
    }
    if (!es_ok(r)) {
        es_doc_hash_free(h);
    }
    return r;
}

/* The "after" digests from the "before" ones, once the input is complete. */
static ES_RESULT fork_after(es_doc_hasher *h)
{
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3; i++) {
        if (h->c[i] != NULL && h->c[i + AFTER_SHA] == NULL) {
            ES_GUARD(es_hash_copy(&h->c[i + AFTER_SHA], h->c[i]));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_input(es_doc_hasher *h, es_span data)
{
    ES_ENSURE(h->c[AFTER_SHA] == NULL, ESEAL_ESTATE, "doc hash: input after output");
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3; i++) {
        if (h->c[i] != NULL) {
            ES_GUARD(es_hash_update(h->c[i], data));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_fork(const es_doc_hasher *h, eseal_hash hash, es_hash_ctx **out)
{
    const es_hash_ctx *c = hash == ESEAL_HASH_SHA256 ? h->c[BEFORE_SHA] : hash == ESEAL_HASH_SM3 ? h->c[BEFORE_SM3] : NULL;
    ES_ENSURE(c != NULL && h->c[AFTER_SHA] == NULL, ESEAL_ENOTFOUND, "doc hash: no input digest of that hash to continue");
    return es_hash_copy(out, c);
}

ES_RESULT es_doc_hash_output(es_doc_hasher *h, es_span data)
{
    ES_GUARD(fork_after(h));
    for (size_t i = AFTER_SHA; i <= AFTER_SM3; i++) {
        if (h->c[i] != NULL) {
            ES_GUARD(es_hash_update(h->c[i], data));
        }
    }
    return ES_OK;
}

ES_RESULT es_doc_hash_end(es_doc_hasher *h, es_doc_digests *out)
{
    memset(out, 0, sizeof(*out));
    ES_GUARD(fork_after(h));
    uint8_t *dst[4] = {out->before_sha256, out->before_sm3, out->after_sha256, out->after_sm3};
    out->sm3 = h->c[BEFORE_SM3] != NULL;
    for (size_t i = 0; i < 4; i++) {
        if (h->c[i] == NULL) {
            continue;
        }
        uint8_t d[64];
        size_t n = 0;
        ES_GUARD(es_hash_end(h->c[i], d, &n));
        ES_ENSURE(n == 32, ESEAL_ERROR, "digest of %zu bytes, expected 32", n);
        memcpy(dst[i], d, 32);
    }
    return ES_OK;
}

ES_RESULT es_doc_digests_of(es_doc_digests *out, es_span before, es_span after, bool sm3)
{
    es_doc_hasher h;
    ES_GUARD(es_doc_hash_begin(&h, sm3));
    /* The "input" digests take `before`; the "output" ones all of `after` (not before + after):
     * their own contexts, from the start. */
    es_result r = ES_OK;
    for (size_t i = BEFORE_SHA; i <= BEFORE_SM3 && es_ok(r); i++) {
        r = h.c[i] != NULL ? es_hash_update(h.c[i], before) : ES_OK;
        if (es_ok(r) && h.c[i] != NULL) {
            r = es_hash_begin(&h.c[i + AFTER_SHA], i == BEFORE_SHA ? ESEAL_HASH_SHA256 : ESEAL_HASH_SM3);
        }
    }
    if (es_ok(r)) {
        r = es_doc_hash_output(&h, after);
    }
    if (es_ok(r)) {
        r = es_doc_hash_end(&h, out);
    }
    es_doc_hash_free(&h);
    return r;
}

/* ---- prefixes of one document, one pass ---- */

/* What went through each hash here (prefix hashers and es_bg_digest jobs), all threads: a test hook. */
static _Atomic uint64_t hashed[ES_PREFIX_HASHES];
static _Atomic uint64_t marks_used;

uint64_t es_doc_hash_bytes(eseal_hash hash)
{
    return (size_t)hash < ES_PREFIX_HASHES ? atomic_load(&hashed[hash]) : 0;
}

uint64_t es_prefix_marks_used(void) { return atomic_load(&marks_used); }

static void counted(es_prefix_hasher *p, eseal_hash hash, uint64_t n)
{
    if (p != NULL) {
        p->bytes += n;
    }
    if ((size_t)hash < ES_PREFIX_HASHES) {
        atomic_fetch_add(&hashed[hash], n);
    }
}

/* ---- the running digest taken ahead by a worker (issue 18, h-bigverify) ---- */

/*
 * While a worker runs, it alone touches the hasher's running digest of its hash, that hash's `at`,
 * the marks' snapshots and `bytes`; the caller's thread touches nothing of the hasher until it has
 * joined the worker (ahead_join, first thing in every entry point below). The marks array is not
 * changed while the worker runs (es_prefix_hasher_mark joins first). Like es_bg_digest, the worker
 * calls no eseal allocator: the snapshots' contexts are made by the caller before it starts.
 */
#define AHEAD_CHUNK ((size_t)4 << 20) /* hashed between two looks at the cancel flag */

struct es_prefix_ahead {
    es_prefix_hasher *p;
    eseal_hash hash;
    pthread_t th;
    atomic_bool stop; /* the hasher is being freed: leave at the next chunk */
    int result;       /* the worker's: ESEAL_OK, or what failed */
};

static _Atomic uint64_t ahead_threads;

uint64_t es_prefix_ahead_threads(void) { return atomic_load(&ahead_threads); }

static size_t next_mark(const es_prefix_hasher *p, eseal_hash hash, size_t from, size_t to);

static void *ahead_run(void *arg)
{
    es_prefix_ahead *a = arg;
    es_prefix_hasher *p = a->p;
    size_t k = (size_t)a->hash;
    es_result r = ES_OK;
    while (es_ok(r) && p->at[k] < p->doc.len && !atomic_load(&a->stop)) {
        size_t m = next_mark(p, a->hash, p->at[k], p->doc.len);
        size_t stop = m < ES_PREFIX_MARKS ? p->mark[m].at : p->doc.len;
        size_t n = stop - p->at[k] < AHEAD_CHUNK ? stop - p->at[k] : AHEAD_CHUNK;
        r = es_hash_update(p->run[k], es_span_of(p->doc.ptr + p->at[k], n));
        if (es_ok(r)) {
            counted(p, a->hash, n);
            p->at[k] += n;
        }
        if (es_ok(r) && m < ES_PREFIX_MARKS && p->at[k] == stop) {
            r = es_hash_copy_into(p->mark[m].snap, p->run[k]);
            p->mark[m].md_len = es_ok(r) ? 1 : 0; /* passed: its digest is made from the snapshot (ahead_join) */
        }
    }
    a->result = es_code(r);
    eseal_error_clear(); /* the worker's thread-local error dies with it; the next request reports the code */
    return NULL;
}

/* Waits for the worker and frees it: each mark it passed gets its digest from its snapshot. A
 * worker that failed leaves its hash's running digest unusable: it is dropped, so later requests
 * hash on their own, and the failure is returned (once). `discard` (the hasher is being freed):
 * the worker is stopped and nothing else is done, no error set. */
static ES_RESULT ahead_join(es_prefix_hasher *p, bool discard)
{
    es_prefix_ahead *a = p->ahead;
    if (a == NULL) {
        return ES_OK;
    }
    p->ahead = NULL;
    if (discard) {
        atomic_store(&a->stop, true);
    }
    (void)pthread_join(a->th, NULL);
    int rc = a->result;
    size_t k = (size_t)a->hash;
    es_free(a);
    if (discard) {
        return ES_OK;
    }
    es_result r = ES_OK;
    for (size_t i = 0; i < p->nmarks; i++) {
        es_prefix_mark *m = &p->mark[i];
        if (m->snap == NULL) {
            continue;
        }
        if (m->md_len != 0 && es_ok(r)) {
            ES_AUTO(es_hash_freep) es_hash_ctx *c = NULL;
            r = es_hash_copy(&c, m->snap);
            r = es_ok(r) ? es_hash_end(c, m->md, &m->md_len) : r;
        }
        if (!es_ok(r)) {
            m->md_len = 0;
        }
    }
    if (rc != ESEAL_OK || !es_ok(r)) {
        es_hash_free(p->run[k]);
        p->run[k] = NULL;
        p->at[k] = 0;
        for (size_t i = 0; i < p->nmarks; i++) {
            if (p->mark[i].snap != NULL) {
                es_hash_free(p->mark[i].snap);
                p->mark[i].snap = NULL;
                p->mark[i].md_len = 0;
            }
        }
        ES_GUARD(r);
        ES_ENSURE(rc == ESEAL_OK, rc, "digest: the document's running digest could not be computed");
    }
    return ES_OK;
}

bool es_prefix_hasher_ahead(es_prefix_hasher *p, eseal_hash hash, size_t min)
{
    size_t k = (size_t)hash;
    if (k >= ES_PREFIX_HASHES || p->ahead != NULL || p->doc.len < min || p->doc.len == 0 || p->run[k] != NULL) {
        return false;
    }
    es_prefix_ahead *a = es_calloc(1, sizeof(*a));
    bool ok = a != NULL && es_ok(es_hash_begin(&p->run[k], hash));
    for (size_t i = 0; ok && i < p->nmarks; i++) {
        es_prefix_mark *m = &p->mark[i];
        ok = m->hash != hash || m->md_len != 0 || es_ok(es_hash_begin(&m->snap, hash));
    }
    if (ok) {
        a->p = p;
        a->hash = hash;
        atomic_init(&a->stop, false);
        p->ahead = a;
        ok = pthread_create(&a->th, NULL, ahead_run, a) == 0;
        p->ahead = ok ? a : NULL;
    }
    if (!ok) {
        /* Nothing started: the hasher is as it was (no running digest, no snapshots). */
        eseal_error_clear();
        es_free(a);
        es_hash_free(p->run[k]);
        p->run[k] = NULL;
        for (size_t i = 0; i < p->nmarks; i++) {
            es_hash_free(p->mark[i].snap);
            p->mark[i].snap = NULL;
        }
        return false;
    }
    atomic_fetch_add(&ahead_threads, 1);
    return true;
}

void es_prefix_hasher_init(es_prefix_hasher *p, es_span doc)
{
    memset(p, 0, sizeof(*p));
    p->doc = doc;
}

void es_prefix_hasher_free(es_prefix_hasher *p)
{
    es_result stopped = ahead_join(p, true); /* sets no error */
    (void)stopped;
    for (size_t i = 0; i < ES_PREFIX_HASHES; i++) {
        es_hash_free(p->run[i]);
        p->run[i] = NULL;
    }
    for (size_t i = 0; i < p->nmarks; i++) {
        es_hash_free(p->mark[i].snap);
    }
    es_free(p->mark);
    p->mark = NULL;
    p->nmarks = p->cap = 0;
}

bool es_prefix_hasher_mark(es_prefix_hasher *p, eseal_hash hash, size_t at)
{
    if (!es_ok(ahead_join(p, false))) {
        eseal_error_clear(); /* the failure is the running digest's: its requests hash on their own */
    }
    size_t k = (size_t)hash;
    if (k >= ES_PREFIX_HASHES || at == 0 || at > p->doc.len || at <= p->at[k]) {
        return false;
    }
    for (size_t i = 0; i < p->nmarks; i++) {
        if (p->mark[i].hash == hash && p->mark[i].at == at) {
            return true;
        }
    }
    if (p->nmarks == ES_PREFIX_MARKS) {
        return false;
    }
    if (p->nmarks == p->cap) {
        size_t cap = p->cap == 0 ? 8 : p->cap * 2;
        cap = cap > ES_PREFIX_MARKS ? ES_PREFIX_MARKS : cap;
        es_prefix_mark *m = es_realloc(p->mark, cap * sizeof(*m));
        if (m == NULL) {
            return false;
        }
        p->mark = m;
        p->cap = cap;
    }
    p->mark[p->nmarks++] = (es_prefix_mark){.hash = hash, .at = at};
    return true;
}

/* The nearest pending mark of `hash` in (from, to]: its index, or ES_PREFIX_MARKS. */
static size_t next_mark(const es_prefix_hasher *p, eseal_hash hash, size_t from, size_t to)
{
    size_t best = ES_PREFIX_MARKS;
    for (size_t i = 0; i < p->nmarks; i++) {
        const es_prefix_mark *m = &p->mark[i];
        if (m->hash == hash && m->md_len == 0 && m->at > from && m->at <= to &&
            (best == ES_PREFIX_MARKS || m->at < p->mark[best].at)) {
            best = i;
        }
    }
    return best;
}

/* Runs the running digest of `hash` (begun if need be) on to `to`, keeping each mark it passes. */
static ES_RESULT advance(es_prefix_hasher *p, eseal_hash hash, size_t to)
{
    size_t k = (size_t)hash;
    if (p->run[k] == NULL) {
        ES_GUARD(es_hash_begin(&p->run[k], hash));
    }
    while (p->at[k] < to) {
        size_t m = next_mark(p, hash, p->at[k], to);
        size_t stop = m < ES_PREFIX_MARKS ? p->mark[m].at : to;
        ES_GUARD(es_hash_update(p->run[k], es_span_of(p->doc.ptr + p->at[k], stop - p->at[k])));
        counted(p, hash, stop - p->at[k]);
        p->at[k] = stop;
        if (m < ES_PREFIX_MARKS) {
            ES_AUTO(es_hash_freep) es_hash_ctx *c = NULL;
            ES_GUARD(es_hash_copy(&c, p->run[k]));
            ES_GUARD(es_hash_end(c, p->mark[m].md, &p->mark[m].md_len));
        }
    }
    return ES_OK;
}

/* A mark of `hash` at `at` with a snapshot (the worker passed it), or NULL. */
static const es_prefix_mark *snapshot_at(const es_prefix_hasher *p, eseal_hash hash, size_t at)
{
    for (size_t i = 0; i < p->nmarks; i++) {
        const es_prefix_mark *m = &p->mark[i];
        if (m->hash == hash && m->at == at && m->snap != NULL && m->md_len != 0) {
            return &p->mark[i];
        }
    }
    return NULL;
}

ES_RESULT es_prefix_digest(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash,
                           const es_span *parts, size_t n)
{
    if (p != NULL) {
        ES_GUARD(ahead_join(p, false));
    }
    size_t k = (size_t)hash;
    const es_prefix_mark *snap = p != NULL && n > 0 && parts[0].ptr == p->doc.ptr
                                     ? snapshot_at(p, hash, parts[0].len)
                                     : NULL;
    bool shared = p != NULL && n > 0 && k < ES_PREFIX_HASHES && parts[0].ptr == p->doc.ptr &&
                  parts[0].len <= p->doc.len && parts[0].len >= p->at[k];
    if (!shared && snap == NULL) {
        for (size_t i = 0; i < n; i++) {
            counted(p, hash, parts[i].len);
        }
        return es_digest_spans(out, out_len, hash, parts, n);
    }
    ES_AUTO(es_hash_freep) es_hash_ctx *c = NULL;
    if (snap != NULL) {
        ES_GUARD(es_hash_copy(&c, snap->snap));
        atomic_fetch_add(&marks_used, 1);
    } else {
        ES_GUARD(advance(p, hash, parts[0].len));
        ES_GUARD(es_hash_copy(&c, p->run[k]));
    }
    for (size_t i = 1; i < n; i++) {
        ES_GUARD(es_hash_update(c, parts[i]));
        counted(p, hash, parts[i].len);
    }
    return es_hash_end(c, out, out_len);
}

ES_RESULT es_prefix_digest_all(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash)
{
    ES_GUARD(ahead_join(p, false));
    size_t k = (size_t)hash;
    if (k < ES_PREFIX_HASHES) {
        /* The running digest goes as far as the last pending mark (kept on the way), then a copy
         * goes on to the end: the running digest stays where a later request may continue it. */
        size_t last = 0;
        for (size_t i = 0; i < p->nmarks; i++) {
            const es_prefix_mark *m = &p->mark[i];
            last = m->hash == hash && m->md_len == 0 && m->at > p->at[k] && m->at > last ? m->at : last;
        }
        if (last != 0) {
            ES_GUARD(advance(p, hash, last));
        }
    }
    if (k >= ES_PREFIX_HASHES || p->run[k] == NULL) {
        counted(p, hash, p->doc.len);
        return es_digest(out, out_len, hash, p->doc);
    }
    ES_AUTO(es_hash_freep) es_hash_ctx *c = NULL;
    ES_GUARD(es_hash_copy(&c, p->run[k]));
    ES_GUARD(es_hash_update(c, es_span_of(p->doc.ptr + p->at[k], p->doc.len - p->at[k])));
    counted(p, hash, p->doc.len - p->at[k]);
    return es_hash_end(c, out, out_len);
}

ES_RESULT es_prefix_span_digest(es_prefix_hasher *p, uint8_t out[64], size_t *out_len, eseal_hash hash, es_span part)
{
    if (p != NULL) {
        ES_GUARD(ahead_join(p, false));
    }
    size_t k = (size_t)hash;
    bool prefix = p != NULL && k < ES_PREFIX_HASHES && part.ptr == p->doc.ptr && part.len <= p->doc.len;
    for (size_t i = 0; prefix && i < p->nmarks; i++) {
        const es_prefix_mark *m = &p->mark[i];
        if (m->hash == hash && m->at == part.len && m->md_len != 0) {
            memcpy(out, m->md, m->md_len);
            *out_len = m->md_len;
            atomic_fetch_add(&marks_used, 1);
            return ES_OK;
        }
    }
    return es_prefix_digest(p, out, out_len, hash, &part, 1);
}

/* ---- a whole document's digest in a worker thread (issue 18) ---- */

/*
 * The worker only updates and finishes a hash context made and freed by the caller's thread: it
 * calls no eseal allocator (a program's eseal_allocator_set need not be thread-safe for this; what
 * OpenSSL allocates inside is OpenSSL's business, as everywhere).
 */
#define BG_CHUNK ((size_t)4 << 20) /* hashed between two looks at the cancel flag */

struct es_bg_digest {
    es_span data;
    eseal_hash hash;
    bool threaded;     /* a worker thread runs (else finish hashes in the caller's thread) */
    pthread_t th;
    es_hash_ctx *c;    /* made by start, freed by finish or cancel (the caller's thread) */
    atomic_bool stop;  /* cancel: the worker leaves at its next chunk */
    int result;        /* the worker's: ESEAL_OK, or what failed (its thread's error stays there) */
    uint8_t md[64];
    size_t md_len;
};

static _Thread_local unsigned long bg_threads;

unsigned long es_bg_digest_threads(void) { return bg_threads; }

static void *bg_run(void *arg)
{
    es_bg_digest *j = arg;
    es_result r = ES_OK;
    for (size_t at = 0; es_ok(r) && at < j->data.len && !atomic_load(&j->stop); at += BG_CHUNK) {
        size_t n = j->data.len - at < BG_CHUNK ? j->data.len - at : BG_CHUNK;
        r = es_hash_update(j->c, es_span_of(j->data.ptr + at, n));
        counted(NULL, j->hash, es_ok(r) ? n : 0);
    }
    if (es_ok(r) && !atomic_load(&j->stop)) {
        r = es_hash_end(j->c, j->md, &j->md_len);
    }
    j->result = es_code(r);
    eseal_error_clear(); /* the worker's thread-local error dies with it; finish reports the code */
    return NULL;
}

static void bg_free(es_bg_digest *j)
{
    es_hash_free(j->c);
    es_free(j);
}

ES_RESULT es_bg_digest_start(es_bg_digest **out, eseal_hash hash, es_span data)
{
    *out = NULL;
    es_bg_digest *j = es_calloc(1, sizeof(*j));
    ES_ENSURE_ALLOC(j);
    j->data = data;
    j->hash = hash;
    atomic_init(&j->stop, false);
    if (data.len >= ES_BG_DIGEST_MIN) {
        es_result r = es_hash_begin(&j->c, hash);
        if (!es_ok(r)) {
            bg_free(j);
            return r;
        }
        /* Hashing needs little stack; the default (8 MiB of address space) is kept. */
        j->threaded = pthread_create(&j->th, NULL, bg_run, j) == 0;
        bg_threads += j->threaded ? 1 : 0;
    }
    *out = j;
    return ES_OK;
}

ES_RESULT es_bg_digest_finish(es_bg_digest **job, uint8_t out[64], size_t *out_len)
{
    es_bg_digest *j = *job;
    *job = NULL;
    ES_ENSURE(j != NULL, ESEAL_ESTATE, "digest: no job to finish");
    if (!j->threaded) {
        counted(NULL, j->hash, j->data.len);
        es_result r = es_digest(out, out_len, j->hash, j->data);
        bg_free(j);
        return r;
    }
    (void)pthread_join(j->th, NULL);
    int rc = j->result;
    memcpy(out, j->md, sizeof(j->md));
    *out_len = j->md_len;
    bg_free(j);
    ES_ENSURE(rc == ESEAL_OK, rc, "digest: the document's digest could not be computed");
    return ES_OK;
}

void es_bg_digest_cancel(es_bg_digest **job)
{
    es_bg_digest *j = *job;
    *job = NULL;
    if (j == NULL) {
        return;
    }
    if (j->threaded) {
        atomic_store(&j->stop, true);
        (void)pthread_join(j->th, NULL);
    }
    bg_free(j);
}
