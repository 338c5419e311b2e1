/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log of an instance (include/eseal/log.h).
 *
 * Storage: entries, the latest version of every hash tile and the right edge
 * of the tree live in the store; an append is one transaction that inserts the
 * entries, extends the tiles and the edge (sequencing and integration are one
 * durable step, as in Tessera's POSIX driver). Concurrent appenders share a
 * commit: whoever finds no commit running takes everything queued.
 *
 * Checkpoints: signed under a lock that also excludes appends, only after a
 * consistency proof from the previous checkpoint (the newest of the store's
 * and of HOME/log/checkpoint, which is written after every signature and
 * outlives a restored database) verifies against the new root. Every process
 * on the home writes that file after its own commit: it is replaced only by a
 * checkpoint at least as large, under HOME/log/checkpoint.lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eseal/log.h"
#include "handle.h"
#include "maxima.h"
#include "tlog/tlog.h"

#define LOG_KEY_FILE "keys/log-ed25519.key"
#define LOG_VKEY_FILE "log/log.vkey"
#define LOG_CHECKPOINT_FILE "log/checkpoint"
#define LOG_CHECKPOINT_LOCK "log/checkpoint.lock"
#define LOG_MAX_BATCH 4096
#define LOG_TILE_CACHE 4096 /* full tiles kept in memory for proofs: 32 MiB at most */

typedef struct log_req {
    es_span entry;
    es_log_tx_fn fn;
    void *ctx;
    uint64_t index;
    int rc;
    char reason[48]; /* a refusal's reason (eseal_error.reason), from whichever thread committed it */
    bool done;
    struct log_req *next;
} log_req;

struct eseal_log {
    es_auditlog *h; /* the room it belongs to: home, settings, keys, clock */
    char *origin;
    es_note_verifier vkey;
    bool have_vkey;
    eseal_key *key;
    es_note_signer signer;
    bool have_signer;
    eseal_store *w; /* appends and checkpoints */
    eseal_store *r; /* proofs and reads: opened at the first read (reader_store), under rmu */
    eseal_store *m; /* witness bookkeeping: opened at the first use (es_log_meta_store) */
    bool w_lent;    /* a short read holds w (reader_short), under rmu */
    pthread_mutex_t rmu;
    es_tlog_tile_reader *tiles;
    /* group commit */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    log_req *head, *tail;
    bool busy; /* a commit or a signature is running on w */
    /* publisher */
    pthread_mutex_t pmu;
    pthread_cond_t pcv;
    pthread_t thread;
    bool running, stop, dirty;
    unsigned interval_ms;
    char last_error[ES_LOG_ERROR_MAX];
};

static inline void key_freep(eseal_key **k) { eseal_key_free(*k); }
static inline void reader_freep(es_tlog_tile_reader **r) { es_tlog_tile_reader_free(*r); }

/* ---- the right edge and tiles inside a transaction -------------------------- */

ES_RESULT es_log_state_read(eseal_store *s, es_tlog_edge *e)
{
    eseal_buf b = {0};
    int rc = eseal_store_log_state(s, &b);
    if (rc == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        es_tlog_edge_init(e);
        return ES_OK;
    }
    ES_GUARD(es_from_code(rc));
    es_result r = es_tlog_edge_decode(e, es_span_of(b.ptr, b.size));
    eseal_buf_dispose(&b);
    return r;
}

/* The tiles being extended by one batch: the open (rightmost) tile of each level. */
typedef struct {
    eseal_store *s;
    struct {
        bool open;
        uint64_t n;
        size_t len; /* bytes */
        bool dirty;
        uint8_t data[ES_TLOG_TILE_WIDTH * ES_TLOG_HASH_LEN];
    } t[8];
} tile_writer;

static ES_RESULT tile_flush(tile_writer *tw, unsigned level)
{
    if (tw->t[level].open && tw->t[level].dirty) {
        int rc = eseal_store_log_tile_put(tw->s, level, tw->t[level].n, tw->t[level].data, tw->t[level].len);
        ES_GUARD(es_from_code(rc));
        tw->t[level].dirty = false;
    }
    return ES_OK;
}

static es_result tile_node(void *ctx, unsigned height, uint64_t index, const es_hash32 hash)
{
    tile_writer *tw = ctx;
    if (height % ES_TLOG_TILE_HEIGHT != 0) {
        return ES_OK;
    }
    unsigned level = height / ES_TLOG_TILE_HEIGHT;
    ES_ENSURE(level < 8, ESEAL_ELIMIT, "log: tree too large");
    uint64_t n = index / ES_TLOG_TILE_WIDTH;
    size_t pos = (size_t)(index % ES_TLOG_TILE_WIDTH);
    if (!tw->t[level].open || tw->t[level].n != n) {
        ES_GUARD(tile_flush(tw, level));
        tw->t[level].open = true;
        tw->t[level].n = n;
        tw->t[level].len = 0;
        tw->t[level].dirty = false;
        eseal_buf b = {0};
        int rc = eseal_store_log_tile(tw->s, &b, level, n);
        if (rc == ESEAL_OK) {
            memcpy(tw->t[level].data, b.ptr, b.size);
            tw->t[level].len = b.size;
            eseal_buf_dispose(&b);
        } else {
            tw->t[level].open = false;
            ES_ENSURE(rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
            eseal_error_clear();
            tw->t[level].open = true;
        }
    }
    ES_ENSURE(tw->t[level].len == pos * ES_TLOG_HASH_LEN, ESEAL_ESTORE,
              "log: tile %u/%llu holds %zu hashes where hash %zu is next: the store is damaged", level,
              (unsigned long long)n, tw->t[level].len / ES_TLOG_HASH_LEN, pos);
    memcpy(tw->t[level].data + tw->t[level].len, hash, ES_TLOG_HASH_LEN);
    tw->t[level].len += ES_TLOG_HASH_LEN;
    tw->t[level].dirty = true;
    if (pos + 1 == ES_TLOG_TILE_WIDTH) {
        ES_GUARD(tile_flush(tw, level));
        tw->t[level].open = false;
    }
    return ES_OK;
}

ES_RESULT es_log_append_tx(eseal_store *s, const es_span *entries, size_t n, uint64_t *first)
{
    ES_ENSURE_ARG(s != NULL && entries != NULL && n > 0 && first != NULL);
    es_tlog_edge e;
    ES_GUARD(es_log_state_read(s, &e));
    *first = e.size;
    ES_AUTO(es_freep) tile_writer *tw = es_calloc(1, sizeof(*tw));
    ES_ENSURE_ALLOC(tw);
    tw->s = s;
    ES_AUTO(es_freep) eseal_store_bytes *eb = es_calloc(n, sizeof(*eb));
    ES_ENSURE_ALLOC(eb);
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE(entries[i].len <= ES_TLOG_MAX_ENTRY, ESEAL_ELIMIT, "log: an entry of %zu bytes (at most %d)",
                  entries[i].len, ES_TLOG_MAX_ENTRY);
        es_hash32 leaf;
        ES_GUARD(es_tlog_leaf_hash(leaf, entries[i]));
        ES_GUARD(es_tlog_edge_append(&e, leaf, tile_node, tw));
        eb[i] = (eseal_store_bytes){entries[i].ptr, entries[i].len};
    }
    int rc = eseal_store_log_entries_put(s, *first, eb, n);
    ES_GUARD(es_from_code(rc));
    for (unsigned l = 0; l < 8; l++) {
        ES_GUARD(tile_flush(tw, l));
    }
    ES_AUTO(es_buf_freep) es_buf st = ES_BUF_INIT(ES_LOG_EDGE_MAX);
    ES_GUARD(es_tlog_edge_encode(&st, &e));
    rc = eseal_store_log_state_put(s, st.ptr, st.len);
    ES_GUARD(es_from_code(rc));
    return ES_OK;
}

/* ---- hash sources --------------------------------------------------------------- */

static es_result store_tile(void *ctx, unsigned level, uint64_t n, es_buf *out)
{
    eseal_buf b = {0};
    int rc = eseal_store_log_tile(ctx, &b, level, n);
    ES_GUARD(es_from_code(rc));
    es_result r = es_buf_append(out, b.ptr, b.size);
    eseal_buf_dispose(&b);
    return r;
}

/*
 * The reader connection, opened when the log is first read through it (the caller holds rmu). Issue
 * 18: every connection to eseal.db costs SQLite's parse of the schema on its first statement, and a
 * stamp opened three (the instance's, w and r) where its reads are a few short ones after its
 * commits (the log's size, a receipt's checkpoint, tiles and entry).
 */
static ES_RESULT reader_open(eseal_log *log, eseal_store **out)
{
    if (log->r == NULL) {
        ES_AUTO(es_buf_freep) es_buf db = ES_BUF_INIT(ES_LOG_PATH_MAX);
        ES_GUARD(es_buf_append_str(&db, log->h->set.store));
        ES_GUARD(es_from_code(eseal_store_open(&log->r, es_buf_cstr(&db))));
    }
    *out = log->r;
    return ES_OK;
}

/*
 * A connection for a short read (reader_short .. reader_short_end, under rmu): the reader when it is
 * open; else the writer when no commit or signature runs on it, taken as a commit takes it (appenders
 * wait for it, as for a commit); else the reader, opened now. A read on the writer outside a
 * transaction sees what the reader would: the last commit. So a process that only stamps keeps to
 * the writer, and one where reads meet commits (a server) opens the reader once and keeps it.
 */
static ES_RESULT reader_short(eseal_log *log, eseal_store **out)
{
    pthread_mutex_lock(&log->rmu);
    if (log->r == NULL) {
        pthread_mutex_lock(&log->mu);
        bool idle = !log->busy;
        log->busy = true; /* taken if it was idle; else the commit running holds it already */
        pthread_mutex_unlock(&log->mu);
        if (idle) {
            log->w_lent = true;
            *out = log->w;
            return ES_OK;
        }
    }
    return reader_open(log, out);
}

static void writer_release(eseal_log *log);

static void reader_short_end(eseal_log *log)
{
    if (log->w_lent) {
        log->w_lent = false;
        writer_release(log);
    }
    pthread_mutex_unlock(&log->rmu);
}

static es_result reader_tile(void *ctx, unsigned level, uint64_t n, es_buf *out)
{
    eseal_log *log = ctx;
    eseal_store *s = NULL;
    es_result r = reader_short(log, &s);
    if (es_ok(r)) {
        r = store_tile(s, level, n, out);
    }
    reader_short_end(log);
    return r;
}

/* MTH of the first `size` leaves, from the tiles of `s` (no cache: sees the transaction's view). */
ES_RESULT es_log_tree_hash_in(eseal_store *s, uint64_t size, es_hash32 out)
{
    ES_AUTO(reader_freep) es_tlog_tile_reader *rd = NULL;
    ES_GUARD(es_tlog_tile_reader_new(&rd, store_tile, s, 0));
    return es_tlog_tree_hash(out, size, es_tlog_tile_reader_hash, rd);
}

ES_RESULT es_log_consistency_in(eseal_store *s, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF],
                                size_t *count)
{
    ES_AUTO(reader_freep) es_tlog_tile_reader *rd = NULL;
    ES_GUARD(es_tlog_tile_reader_new(&rd, store_tile, s, 0));
    return es_tlog_prove_consistency(proof, count, m, n, es_tlog_tile_reader_hash, rd);
}

/* ---- keys and the checkpoint kept outside the store ------------------------------ */

static ES_RESULT default_origin(char **out, const es_auditlog_settings *c)
{
    if (c->origin != NULL) {
        *out = es_strdup(c->origin);
        ES_ENSURE_ALLOC(*out);
        return ES_OK;
    }
    const char *u = c->base_url;
    const char *p = strstr(u, "://");
    p = p != NULL ? p + 3 : u;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/') {
        n--;
    }
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_LOG_ORIGIN_MAX);
    ES_GUARD(es_buf_append(&b, p, n));
    ES_GUARD(es_buf_append_str(&b, "/log"));
    for (size_t i = 0; i < b.len; i++) {
        ES_ENSURE(b.ptr[i] > ' ' && b.ptr[i] < 0x7f && b.ptr[i] != '+', ESEAL_EINVAL,
                  "log: the base URL does not give a usable origin; set log_origin in eseal.conf");
    }
    *out = es_strndup((const char *)b.ptr, b.len);
    ES_ENSURE_ALLOC(*out);
    return ES_OK;
}

ES_RESULT es_log_key_create(es_auditlog *h)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_auditlog_path(&p, h, LOG_KEY_FILE));
    ES_ENSURE(h->key_save != NULL, ESEAL_EPASS, "log: creating the log key needs the instance passphrase");
    ES_AUTO(key_freep) eseal_key *k = NULL;
    int rc = eseal_key_generate(&k, ESEAL_ALG_ED25519);
    ES_GUARD(es_from_code(rc));
    ES_GUARD(h->key_save(h->owner, k, es_buf_cstr(&p)));
    ES_AUTO(es_strfreep) char *origin = NULL;
    ES_GUARD(default_origin(&origin, &h->set));
    es_note_signer s;
    ES_GUARD(es_note_signer_init(&s, origin, ES_NOTE_ED25519, k));
    ES_AUTO(es_buf_freep) es_buf vk = ES_BUF_INIT(ES_LOG_VKEY_MAX);
    ES_GUARD(es_note_vkey_format(&vk, &s.v));
    ES_GUARD(es_buf_append_byte(&vk, '\n'));
    es_buf_clear(&p);
    ES_GUARD(es_auditlog_path(&p, h, "log"));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0755));
    es_buf_clear(&p);
    ES_GUARD(es_auditlog_path(&p, h, LOG_VKEY_FILE));
    return es_file_write_atomic(es_buf_cstr(&p), vk.ptr, vk.len, 0644);
}

static ES_RESULT load_vkey(eseal_log *log)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_auditlog_path(&p, log->h, LOG_VKEY_FILE));
    if (!es_path_exists(es_buf_cstr(&p))) {
        return ES_OK; /* made with the key, on first publication */
    }
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_LOG_VKEY_FILE_MAX);
    ES_GUARD(es_file_read(&t, es_buf_cstr(&p), ES_LOG_VKEY_FILE_MAX));
    while (t.len > 0 && (t.ptr[t.len - 1] == '\n' || t.ptr[t.len - 1] == '\r')) {
        t.ptr[--t.len] = '\0';
    }
    ES_GUARD(es_note_vkey_parse(&log->vkey, es_buf_cstr(&t)));
    /* The origin is the key's name, fixed when the key was made: a later base_url does not move the
     * log; an explicit log_origin that names another log is an error. */
    const char *want = log->h->set.origin;
    ES_ENSURE(want == NULL || strcmp(log->vkey.name, want) == 0, ESEAL_ESTATE,
              "log: the log key is named %s but eseal.conf sets log_origin = %s (a log's origin cannot change)",
              log->vkey.name, want);
    es_free(log->origin);
    log->origin = es_strdup(log->vkey.name);
    ES_ENSURE_ALLOC(log->origin);
    log->have_vkey = true;
    return ES_OK;
}

static ES_RESULT load_signer(eseal_log *log)
{
    if (log->have_signer) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_auditlog_path(&p, log->h, LOG_KEY_FILE));
    if (!es_path_exists(es_buf_cstr(&p))) {
        ES_GUARD(es_log_key_create(log->h));
        ES_GUARD(load_vkey(log));
    }
    ES_ENSURE(log->h->key_load != NULL, ESEAL_EPASS, "log: signing a checkpoint needs the instance passphrase");
    ES_GUARD(log->h->key_load(log->h->owner, &log->key, es_buf_cstr(&p)));
    ES_GUARD(es_note_signer_init(&log->signer, log->origin, ES_NOTE_ED25519, log->key));
    ES_ENSURE(log->have_vkey && log->signer.v.id == log->vkey.id &&
                  memcmp(log->signer.v.pub, log->vkey.pub, 32) == 0,
              ESEAL_ESTATE, "log: %s does not belong to the key in %s", LOG_KEY_FILE, LOG_VKEY_FILE);
    log->have_signer = true;
    return ES_OK;
}

/* A checkpoint note, checked with the log's key; out gets its body. */
static ES_RESULT open_checkpoint(const eseal_log *log, es_span note, es_checkpoint *out)
{
    ES_AUTO(es_freep) es_note *n = es_calloc(1, sizeof(*n));
    ES_ENSURE_ALLOC(n);
    ES_GUARD(es_note_parse(n, note));
    ES_ENSURE(log->have_vkey, ESEAL_ESTATE, "log: a checkpoint exists but the log's public key (%s) is missing",
              LOG_VKEY_FILE);
    ES_GUARD(es_note_verify(n, &log->vkey, 1, NULL, NULL));
    ES_GUARD(es_checkpoint_parse(out, n->text));
    ES_ENSURE(strcmp(out->origin, log->origin) == 0, ESEAL_EVERIFY, "log: checkpoint of another log (%s)",
              out->origin);
    return ES_OK;
}

/* The checkpoint of HOME/log/checkpoint; *present false when there is none. */
static ES_RESULT outside_checkpoint(eseal_log *log, es_checkpoint *cp, bool *present)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_auditlog_path(&p, log->h, LOG_CHECKPOINT_FILE));
    *present = es_path_exists(es_buf_cstr(&p));
    if (!*present) {
        return ES_OK;
    }
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    ES_GUARD(es_file_read(&t, es_buf_cstr(&p), ES_NOTE_MAX_LEN));
    es_result r = open_checkpoint(log, es_buf_span(&t), cp);
    ES_ENSURE(es_ok(r), ESEAL_ESTATE, "log: %s: %s", es_buf_cstr(&p), eseal_error_last()->message);
    return ES_OK;
}

/* The store must hold the tree of every checkpoint published: refuse a restored older copy. */
static ES_RESULT check_not_behind(eseal_store *s, const es_tlog_edge *e, const es_checkpoint *cp)
{
    ES_ENSURE(cp->size <= e->size, ESEAL_ESTATE,
              "log: the store holds %llu entries but checkpoint %llu was published (%s): this store is older than "
              "the log it belongs to (restored from a backup?); refusing to continue, which would fork the log",
              (unsigned long long)e->size, (unsigned long long)cp->size, LOG_CHECKPOINT_FILE);
    es_hash32 h;
    ES_GUARD(es_log_tree_hash_in(s, cp->size, h));
    ES_ENSURE(memcmp(h, cp->root, 32) == 0, ESEAL_ESTATE,
              "log: the store's tree of size %llu is not the one published in checkpoint %llu: refusing to continue",
              (unsigned long long)cp->size, (unsigned long long)cp->size);
    return ES_OK;
}

/* ---- opening ----------------------------------------------------------------------- */

ES_RESULT es_log_open(eseal_log **out, es_auditlog *h)
{
    eseal_log *log = es_calloc(1, sizeof(*log));
    ES_ENSURE_ALLOC(log);
    log->h = h;
    pthread_mutex_init(&log->mu, NULL);
    pthread_mutex_init(&log->rmu, NULL);
    pthread_mutex_init(&log->pmu, NULL);
    pthread_cond_init(&log->cv, NULL);
    pthread_cond_init(&log->pcv, NULL);
    es_buf db = ES_BUF_INIT(ES_LOG_PATH_MAX);
    es_result r = default_origin(&log->origin, &h->set);
    if (es_ok(r)) {
        r = load_vkey(log);
    }
    if (es_ok(r)) {
        r = es_buf_append_str(&db, h->set.store);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_open(&log->w, es_buf_cstr(&db)));
    }
    es_buf_free(&db);
    if (es_ok(r)) {
        r = es_tlog_tile_reader_new(&log->tiles, reader_tile, log, LOG_TILE_CACHE);
    }
    es_checkpoint cp;
    bool present = false;
    if (es_ok(r)) {
        r = outside_checkpoint(log, &cp, &present);
    }
    if (es_ok(r) && present) {
        /* On the writer: nobody else has this log yet, and no transaction is open on it. */
        es_tlog_edge e;
        r = es_log_state_read(log->w, &e);
        if (es_ok(r)) {
            r = check_not_behind(log->w, &e, &cp);
        }
    }
    if (!es_ok(r)) {
        es_log_free(log);
        return r;
    }
    *out = log;
    return ES_OK;
}

static void publisher_stop(eseal_log *log)
{
    pthread_mutex_lock(&log->pmu);
    bool running = log->running;
    log->stop = true;
    pthread_cond_broadcast(&log->pcv);
    pthread_mutex_unlock(&log->pmu);
    if (running) {
        pthread_join(log->thread, NULL);
    }
}

void es_log_free(eseal_log *log)
{
    if (log == NULL) {
        return;
    }
    publisher_stop(log);
    es_tlog_tile_reader_free(log->tiles);
    eseal_store_close(log->w);
    eseal_store_close(log->r);
    eseal_store_close(log->m);
    eseal_key_free(log->key);
    es_free(log->origin);
    pthread_mutex_destroy(&log->mu);
    pthread_mutex_destroy(&log->rmu);
    pthread_mutex_destroy(&log->pmu);
    pthread_cond_destroy(&log->cv);
    pthread_cond_destroy(&log->pcv);
    es_free(log);
}

/* ---- appending ------------------------------------------------------------------------ */

/* Runs fn in one transaction on the writer connection (the caller holds it: writer_acquire). */
static ES_RESULT in_writer_tx(eseal_log *log, es_result (*fn)(eseal_log *, void *), void *ctx)
{
    int rc = eseal_store_begin(log->w);
    ES_GUARD(es_from_code(rc));
    es_result r = fn(log, ctx);
    if (es_ok(r)) {
        rc = eseal_store_commit(log->w);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (!es_ok(r)) {
        (void)eseal_store_rollback(log->w);
    }
    return r;
}

typedef struct {
    log_req *batch;
    size_t n;
} batch_ctx;

/* In the batch's transaction: the entries, then each request's own part with its index. */
static es_result batch_tx(eseal_log *log, void *ctx)
{
    batch_ctx *b = ctx;
    ES_AUTO(es_freep) es_span *spans = es_calloc(b->n, sizeof(*spans));
    ES_ENSURE_ALLOC(spans);
    size_t i = 0;
    for (log_req *q = b->batch; q != NULL && i < b->n; q = q->next) {
        spans[i++] = q->entry;
    }
    uint64_t first = 0;
    ES_GUARD(es_log_append_tx(log->w, spans, b->n, &first));
    i = 0;
    for (log_req *q = b->batch; q != NULL && i < b->n; q = q->next, i++) {
        q->index = first + i;
        if (q->fn != NULL) {
            ES_GUARD(q->fn(log->w, q->index, q->ctx));
        }
    }
    return ES_OK;
}

static ES_RESULT commit_batch(eseal_log *log, log_req *batch, size_t n)
{
    batch_ctx b = {batch, n};
    return in_writer_tx(log, batch_tx, &b);
}

/* Waits until no commit or signature runs on the writer connection, and takes it. */
static void writer_acquire(eseal_log *log)
{
    pthread_mutex_lock(&log->mu);
    while (log->busy) {
        pthread_cond_wait(&log->cv, &log->mu);
    }
    log->busy = true;
    pthread_mutex_unlock(&log->mu);
}

static void writer_release(eseal_log *log)
{
    pthread_mutex_lock(&log->mu);
    log->busy = false;
    pthread_cond_broadcast(&log->cv);
    pthread_mutex_unlock(&log->mu);
}

ES_RESULT es_log_append(eseal_log *log, uint64_t *index, es_span entry, es_log_tx_fn fn, void *ctx)
{
    ES_ENSURE_ARG(log != NULL && index != NULL);
    ES_ENSURE(entry.len <= ES_TLOG_MAX_ENTRY, ESEAL_ELIMIT, "log: an entry of %zu bytes (at most %d)", entry.len,
              ES_TLOG_MAX_ENTRY);
    log_req me = {.entry = entry, .fn = fn, .ctx = ctx};
    pthread_mutex_lock(&log->mu);
    if (log->tail != NULL) {
        log->tail->next = &me;
    } else {
        log->head = &me;
    }
    log->tail = &me;
    while (!me.done) {
        if (log->busy) {
            pthread_cond_wait(&log->cv, &log->mu);
            continue;
        }
        /* Lead a commit of everything queued (up to LOG_MAX_BATCH). */
        log->busy = true;
        log_req *batch = log->head;
        size_t n = 0;
        log_req *last = NULL;
        for (log_req *q = batch; q != NULL && n < LOG_MAX_BATCH; q = q->next) {
            last = q;
            n++;
        }
        log->head = last->next;
        if (log->head == NULL) {
            log->tail = NULL;
        }
        last->next = NULL;
        pthread_mutex_unlock(&log->mu);
        es_result r = commit_batch(log, batch, n);
        if (!es_ok(r) && n > 1) {
            /* One bad request must not sink the others: commit them one by one. */
            for (log_req *q = batch; q != NULL; q = q->next) {
                log_req *nx = q->next;
                q->next = NULL;
                es_result r1 = commit_batch(log, q, 1);
                q->rc = es_code(r1);
                (void)snprintf(q->reason, sizeof(q->reason), "%s", es_ok(r1) ? "" : eseal_error_last()->reason);
                q->next = nx;
            }
        } else {
            for (log_req *q = batch; q != NULL; q = q->next) {
                q->rc = es_code(r);
                (void)snprintf(q->reason, sizeof(q->reason), "%s", es_ok(r) ? "" : eseal_error_last()->reason);
            }
        }
        char msg[ES_LOG_ERROR_MAX] = "";
        if (!es_ok(r)) {
            (void)snprintf(msg, sizeof(msg), "%s", eseal_error_last()->message);
        }
        pthread_mutex_lock(&log->mu);
        for (log_req *q = batch; q != NULL;) {
            log_req *nx = q->next;
            q->done = true;
            q->next = NULL;
            q = nx;
        }
        log->busy = false;
        pthread_cond_broadcast(&log->cv);
        if (msg[0] != '\0') {
            (void)snprintf(log->last_error, sizeof(log->last_error), "%s", msg);
        }
    }
    pthread_mutex_unlock(&log->mu);
    if (me.rc != ESEAL_OK) {
        return es_error_reason(es_error_set(me.rc, __FILE__, __LINE__, "log: the entry was not appended: %s",
                                            eseal_error_last()->code == me.rc ? eseal_error_last()->message
                                                                              : log->last_error),
                               me.reason);
    }
    *index = me.index;
    pthread_mutex_lock(&log->pmu);
    log->dirty = true;
    pthread_cond_broadcast(&log->pcv);
    pthread_mutex_unlock(&log->pmu);
    return ES_OK;
}

int eseal_log_append(eseal_log *log, uint64_t *index, const void *entry, size_t len)
{
    if (entry == NULL && len != 0) {
        ES_BAIL_ARG("entry == NULL && len != 0");
    }
    return es_code(es_log_append(log, index, es_span_of(entry, len), NULL, NULL));
}

/* ---- publishing ------------------------------------------------------------------------ */

/* The newest checkpoint published: the store's or the outside file's, whichever is larger. */
static ES_RESULT previous_checkpoint(eseal_log *log, eseal_store *s, es_checkpoint *prev, bool *have)
{
    *have = false;
    eseal_buf note = {0};
    int rc = eseal_store_log_checkpoint(s, &note, UINT64_MAX, NULL);
    if (rc == ESEAL_OK) {
        es_result r = open_checkpoint(log, es_span_of(note.ptr, note.size), prev);
        eseal_buf_dispose(&note);
        ES_GUARD(r);
        *have = true;
    } else {
        ES_ENSURE(rc == ESEAL_ENOTFOUND, rc, "%s", eseal_error_last()->message);
        eseal_error_clear();
    }
    es_checkpoint out;
    bool present = false;
    ES_GUARD(outside_checkpoint(log, &out, &present));
    if (present && (!*have || out.size > prev->size)) {
        *prev = out;
        *have = true;
    } else if (present && out.size == prev->size) {
        ES_ENSURE(memcmp(out.root, prev->root, 32) == 0, ESEAL_ESTATE,
                  "log: the store and %s disagree about the tree of size %llu: refusing to sign", LOG_CHECKPOINT_FILE,
                  (unsigned long long)out.size);
    }
    return ES_OK;
}

/* Replaces HOME/log/checkpoint with `note` (a checkpoint of `size` entries) unless it holds a larger one.
 * Each signer writes it after its own commit, so two processes (or a server's publisher and a stamp)
 * that sign one after the other can write in the other order: the older checkpoint written last would
 * take the file back, and the file guards against a restored older store only as far as it is new.
 * Under an exclusive lock of HOME/log/checkpoint.lock (a file: flock of a directory is not reliable on
 * network filesystems), the file's size is read again and the write is skipped when it is larger. */
static ES_RESULT write_outside(eseal_log *log, es_span note, uint64_t size)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_auditlog_path(&p, log->h, "log"));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0755));
    es_buf_clear(&p);
    ES_GUARD(es_auditlog_path(&p, log->h, LOG_CHECKPOINT_LOCK));
    int fd = open(es_buf_cstr(&p), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "log: cannot open %s: %s", es_buf_cstr(&p), strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            (void)close(fd);
            ES_BAIL(ESEAL_EIO, "log: cannot lock %s: %s", es_buf_cstr(&p), strerror(e));
        }
    }
    es_checkpoint there;
    bool present = false;
    es_result r = outside_checkpoint(log, &there, &present);
    if (es_ok(r) && (!present || there.size <= size)) {
        es_buf_clear(&p);
        r = es_auditlog_path(&p, log->h, LOG_CHECKPOINT_FILE);
        if (es_ok(r)) {
            r = es_file_write_atomic(es_buf_cstr(&p), note.ptr, note.len, 0644);
        }
    }
    (void)close(fd); /* releases the lock */
    return r;
}

/* Signs a checkpoint of the current tree in one transaction; *note gets it (len 0: nothing new). */
static ES_RESULT sign_checkpoint(eseal_log *log, es_buf *note, es_checkpoint *cp, uint64_t *prev_size)
{
    eseal_store *s = log->w;
    es_tlog_edge e;
    ES_GUARD(es_log_state_read(s, &e));
    es_checkpoint prev;
    bool have = false;
    ES_GUARD(previous_checkpoint(log, s, &prev, &have));
    *prev_size = have ? prev.size : 0;
    memset(cp, 0, sizeof(*cp));
    (void)snprintf(cp->origin, sizeof(cp->origin), "%s", log->origin);
    cp->size = e.size;
    ES_GUARD(es_tlog_edge_root(&e, cp->root));
    if (have) {
        ES_GUARD(check_not_behind(s, &e, &prev));
        if (prev.size == e.size) {
            return ES_OK; /* the same tree: already signed */
        }
        if (prev.size > 0) {
            es_hash32 proof[ES_TLOG_MAX_PROOF];
            size_t count = 0;
            ES_GUARD(es_log_consistency_in(s, prev.size, e.size, proof, &count));
            es_result r = es_tlog_verify_consistency(prev.size, e.size, prev.root, cp->root, proof, count);
            ES_ENSURE(es_ok(r), ESEAL_ESTATE,
                      "log: the tree of size %llu is not consistent with checkpoint %llu: refusing to sign (%s)",
                      (unsigned long long)e.size, (unsigned long long)prev.size, eseal_error_last()->message);
        }
    }
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(ES_LOG_CHECKPOINT_TEXT_MAX);
    ES_GUARD(es_checkpoint_format(&text, cp));
    ES_GUARD(es_note_sign(note, es_buf_span(&text), &log->signer, 1));
    int rc = eseal_store_log_checkpoint_put(s, cp->size, es_buf_cstr(note), es_ctx_now(log->h->ctx));
    ES_GUARD(es_from_code(rc));
    return ES_OK;
}

typedef struct {
    es_buf *note;
    es_checkpoint *cp;
    uint64_t *prev_size;
} sign_ctx;

static es_result sign_tx(eseal_log *log, void *ctx)
{
    sign_ctx *c = ctx;
    return sign_checkpoint(log, c->note, c->cp, c->prev_size);
}

static ES_RESULT publish(eseal_log *log, uint64_t *size)
{
    ES_GUARD(load_signer(log));
    ES_AUTO(es_buf_freep) es_buf note = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    es_checkpoint cp;
    uint64_t prev_size = 0;
    sign_ctx sc = {&note, &cp, &prev_size};
    writer_acquire(log);
    es_result r = in_writer_tx(log, sign_tx, &sc);
    writer_release(log);
    ES_GUARD(r);
    if (note.len > 0) {
        /* After the commit: a crash between the two leaves the file behind the store, never ahead. */
        ES_GUARD(write_outside(log, es_buf_span(&note), cp.size));
        ES_GUARD(es_log_witness_cosign(log, &note, &cp, prev_size));
    } else if (cp.size > 0) {
        /* Nothing new to sign: the newest checkpoint may still lack its witness quorum. */
        ES_GUARD(es_log_witness_recosign(log, cp.size));
    }
    if (size != NULL) {
        *size = cp.size;
    }
    return ES_OK;
}

int eseal_log_publish(eseal_log *log, uint64_t *size)
{
    if (log == NULL) {
        ES_BAIL_ARG("log == NULL");
    }
    pthread_mutex_lock(&log->pmu);
    log->dirty = false;
    pthread_mutex_unlock(&log->pmu);
    return es_code(publish(log, size));
}

static void *publisher_main(void *arg)
{
    eseal_log *log = arg;
    pthread_mutex_lock(&log->pmu);
    while (!log->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(log->interval_ms % 1000) * 1000000L;
        until.tv_sec += log->interval_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        /* Wake at the interval (other processes may append too) or sooner when told to stop. */
        (void)pthread_cond_timedwait(&log->pcv, &log->pmu, &until);
        if (log->stop) {
            break;
        }
        log->dirty = false;
        pthread_mutex_unlock(&log->pmu);
        es_result r = publish(log, NULL);
        pthread_mutex_lock(&log->pmu);
        if (!es_ok(r)) {
            (void)snprintf(log->last_error, sizeof(log->last_error), "%s", eseal_error_last()->message);
        }
    }
    pthread_mutex_unlock(&log->pmu);
    return NULL;
}

int eseal_log_publisher_start(eseal_log *log, unsigned int interval_ms)
{
    if (log == NULL || interval_ms > ES_LOG_PUBLISH_INTERVAL_MAX_MS) {
        ES_BAIL_ARG("log == NULL || interval_ms > 1000");
    }
    es_result r = load_signer(log); /* fail now, not silently in the thread */
    if (!es_ok(r)) {
        return es_code(r);
    }
    pthread_mutex_lock(&log->pmu);
    int rc = ESEAL_OK;
    if (!log->running) {
        log->interval_ms = interval_ms == 0 ? ES_LOG_PUBLISH_INTERVAL_MS : interval_ms;
        log->stop = false;
        if (pthread_create(&log->thread, NULL, publisher_main, log) != 0) {
            rc = es_code(es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "log: cannot start the publisher thread"));
        } else {
            log->running = true;
        }
    }
    pthread_mutex_unlock(&log->pmu);
    return rc;
}

const es_auditlog_settings *es_log_config(const eseal_log *log) { return &log->h->set; }

ES_RESULT es_log_meta_store(eseal_log *log, eseal_store **out)
{
    if (log->m == NULL) {
        ES_AUTO(es_buf_freep) es_buf db = ES_BUF_INIT(ES_LOG_PATH_MAX);
        ES_GUARD(es_buf_append_str(&db, log->h->set.store));
        int rc = eseal_store_open(&log->m, es_buf_cstr(&db));
        ES_GUARD(es_from_code(rc));
    }
    *out = log->m;
    return ES_OK;
}

static ES_RESULT store_cosigned(eseal_log *log, uint64_t size, es_span note)
{
    eseal_buf old = {0};
    int rc = eseal_store_log_checkpoint(log->w, &old, size, NULL);
    ES_GUARD(es_from_code(rc));
    /* Only more signature lines: the stored note's text and log signature must begin the new one.
     * The stored cosignatures are kept; new lines are added unless that cosigner is there already. */
    es_span o = es_span_of(old.ptr, old.size);
    size_t base = es_log_note_base_len(o);
    bool prefix = base > 0 && base <= note.len && memcmp(old.ptr, note.ptr, base) == 0;
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    es_result r = prefix ? es_buf_append(&text, old.ptr, old.size) : ES_OK;
    for (size_t i = base; es_ok(r) && prefix && i < note.len;) {
        const uint8_t *nl = memchr(note.ptr + i, '\n', note.len - i);
        size_t end = nl != NULL ? (size_t)(nl - note.ptr) + 1 : note.len;
        /* "— NAME base64\n": the same cosigner already present? */
        size_t avail = end - i > 4 ? end - i - 4 : 0;
        const uint8_t *sp = avail > 0 ? memchr(note.ptr + i + 4, ' ', avail) : NULL;
        size_t key = sp != NULL ? (size_t)(sp - (note.ptr + i)) + 1 : end - i;
        bool dup = false;
        for (size_t k = base; k + key <= o.len && !dup; k++) {
            dup = (k == base || o.ptr[k - 1] == '\n') && memcmp(o.ptr + k, note.ptr + i, key) == 0;
        }
        if (!dup) {
            r = es_buf_append(&text, note.ptr + i, end - i);
        }
        i = end;
    }
    eseal_buf_dispose(&old);
    ES_GUARD(r);
    ES_ENSURE(prefix, ESEAL_ESTATE, "log: checkpoint %llu changed while witnesses were cosigning it",
              (unsigned long long)size);
    rc = eseal_store_log_checkpoint_put(log->w, size, es_buf_cstr(&text), es_ctx_now(log->h->ctx));
    ES_GUARD(es_from_code(rc));
    return ES_OK;
}

typedef struct {
    uint64_t size;
    es_span note;
} cosign_ctx;

static es_result cosign_tx(eseal_log *log, void *ctx)
{
    cosign_ctx *c = ctx;
    return store_cosigned(log, c->size, c->note);
}

ES_RESULT es_log_store_cosigned(eseal_log *log, uint64_t size, es_span note)
{
    cosign_ctx cc = {size, note};
    writer_acquire(log);
    es_result r = in_writer_tx(log, cosign_tx, &cc);
    int rc = ESEAL_OK;
    /* The outside copy follows when this is still the newest checkpoint. */
    es_checkpoint out;
    bool present = false;
    if (es_ok(r)) {
        r = outside_checkpoint(log, &out, &present);
    }
    eseal_buf merged = ESEAL_BUF_INIT;
    if (es_ok(r) && present && out.size == size) {
        rc = eseal_store_log_checkpoint(log->w, &merged, size, NULL);
        r = rc == ESEAL_OK ? write_outside(log, es_span_of(merged.ptr, merged.size), size)
                           : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    eseal_buf_dispose(&merged);
    (void)note;
    writer_release(log);
    return r;
}

/* ---- other writes on the writer connection ----------------------------------------------- */

typedef struct {
    es_result (*fn)(eseal_store *s, void *ctx);
    void *ctx;
} store_tx_ctx;

static es_result store_tx(eseal_log *log, void *ctx)
{
    store_tx_ctx *c = ctx;
    return c->fn(log->w, c->ctx);
}

ES_RESULT es_log_write(eseal_log *log, es_result (*fn)(eseal_store *s, void *ctx), void *ctx)
{
    ES_ENSURE_ARG(log != NULL && fn != NULL);
    store_tx_ctx c = {fn, ctx};
    writer_acquire(log);
    es_result r = in_writer_tx(log, store_tx, &c);
    writer_release(log);
    return r;
}

/* ---- reading -------------------------------------------------------------------------- */

ES_RESULT es_log_reader_begin(eseal_log *log, eseal_store **out)
{
    pthread_mutex_lock(&log->rmu);
    return reader_open(log, out);
}

void es_log_reader_end(eseal_log *log) { pthread_mutex_unlock(&log->rmu); }

ES_RESULT es_log_open_checkpoint(const eseal_log *log, es_span note, es_checkpoint *out)
{
    return open_checkpoint(log, note, out);
}

ES_RESULT es_log_outside_checkpoint(eseal_log *log, es_checkpoint *cp, bool *present)
{
    return outside_checkpoint(log, cp, present);
}

int eseal_log_size(eseal_log *log, uint64_t *size, uint64_t *checkpoint_size)
{
    if (log == NULL) {
        ES_BAIL_ARG("log == NULL");
    }
    es_tlog_edge e;
    eseal_store *s = NULL;
    es_result r = reader_short(log, &s);
    if (es_ok(r)) {
        r = es_log_state_read(s, &e);
    }
    uint64_t cs = 0;
    if (es_ok(r) && checkpoint_size != NULL) {
        eseal_buf note = {0};
        int rc = eseal_store_log_checkpoint(s, &note, UINT64_MAX, &cs);
        eseal_buf_dispose(&note);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            cs = 0;
        } else if (rc != ESEAL_OK) {
            r = es_from_code(rc);
        }
    }
    reader_short_end(log);
    if (es_ok(r)) {
        if (size != NULL) {
            *size = e.size;
        }
        if (checkpoint_size != NULL) {
            *checkpoint_size = cs;
        }
    }
    return es_code(r);
}

const char *eseal_log_origin(const eseal_log *log) { return log != NULL ? log->origin : ""; }

int eseal_log_vkey(eseal_log *log, eseal_buf *out)
{
    if (log == NULL || out == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL");
    }
    if (!log->have_vkey) {
        return es_code(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__,
                                    "log: no log key yet (it is made by 'eseal init', or by the first publication)"));
    }
    es_buf b = ES_BUF_INIT(ES_LOG_VKEY_MAX);
    es_result r = es_note_vkey_format(&b, &log->vkey);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}

int eseal_log_checkpoint(eseal_log *log, eseal_buf *note, uint64_t size)
{
    if (log == NULL || note == NULL) {
        ES_BAIL_ARG("log == NULL || note == NULL");
    }
    eseal_store *s = NULL;
    es_result r = reader_short(log, &s);
    int rc = es_ok(r) ? eseal_store_log_checkpoint(s, note, size, NULL) : es_code(r);
    reader_short_end(log);
    return rc;
}

int eseal_log_entry(eseal_log *log, eseal_buf *out, uint64_t index)
{
    if (log == NULL || out == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL");
    }
    eseal_store *s = NULL;
    es_result r = reader_short(log, &s);
    int rc = es_ok(r) ? eseal_store_log_entry(s, out, index) : es_code(r);
    reader_short_end(log);
    return rc;
}

static ES_RESULT proof_lines(es_buf *out, const es_hash32 *proof, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(ES_LOG_PROOF_LINE_MAX);
        ES_GUARD(es_base64_encode(&b, es_span_of(proof[i], 32)));
        ES_GUARD(es_buf_append(out, b.ptr, b.len));
        ES_GUARD(es_buf_append_byte(out, '\n'));
    }
    return ES_OK;
}

static ES_RESULT tree_size(eseal_log *log, uint64_t *size)
{
    es_tlog_edge e = {0};
    eseal_store *s = NULL;
    es_result r = reader_short(log, &s);
    if (es_ok(r)) {
        r = es_log_state_read(s, &e);
    }
    reader_short_end(log);
    *size = e.size;
    return r;
}

static ES_RESULT prove_inclusion(eseal_log *log, es_buf *out, uint64_t index, uint64_t size)
{
    uint64_t n = 0;
    ES_GUARD(tree_size(log, &n));
    ES_ENSURE(index < size && size <= n, ESEAL_EINVAL,
              "log: no entry %llu in a tree of size %llu (the log has %llu entries)", (unsigned long long)index,
              (unsigned long long)size, (unsigned long long)n);
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    ES_GUARD(es_tlog_prove_inclusion(proof, &count, index, size, es_tlog_tile_reader_hash, log->tiles));
    return proof_lines(out, proof, count);
}

static int out_text(eseal_buf *out, es_buf *b, es_result r)
{
    if (es_ok(r)) {
        es_buf_move_out(out, b);
    }
    es_buf_free(b);
    return es_code(r);
}

int eseal_log_prove_inclusion(eseal_log *log, eseal_buf *out, uint64_t index, uint64_t size)
{
    if (log == NULL || out == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_LOG_PROOF_TEXT_MAX);
    return out_text(out, &b, prove_inclusion(log, &b, index, size));
}

static ES_RESULT prove_consistency(eseal_log *log, es_buf *out, uint64_t m, uint64_t n)
{
    uint64_t size = 0;
    ES_GUARD(tree_size(log, &size));
    ES_ENSURE(m > 0 && m <= n && n <= size, ESEAL_EINVAL,
              "log: a consistency proof needs 0 < m <= n <= %llu (the log's size)", (unsigned long long)size);
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    ES_GUARD(es_tlog_prove_consistency(proof, &count, m, n, es_tlog_tile_reader_hash, log->tiles));
    return proof_lines(out, proof, count);
}

int eseal_log_prove_consistency(eseal_log *log, eseal_buf *out, uint64_t m, uint64_t n)
{
    if (log == NULL || out == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_LOG_PROOF_TEXT_MAX);
    return out_text(out, &b, prove_consistency(log, &b, m, n));
}

static ES_RESULT receipt(eseal_log *log, es_buf *out, uint64_t index)
{
    eseal_buf note = {0};
    uint64_t size = 0;
    eseal_store *s = NULL;
    es_result rs = reader_short(log, &s);
    int rc = es_ok(rs) ? eseal_store_log_checkpoint(s, &note, UINT64_MAX, &size) : es_code(rs);
    reader_short_end(log);
    if (rc == ESEAL_ENOTFOUND) {
        size = 0;
    } else if (rc != ESEAL_OK) {
        ES_BAIL(rc, "%s", eseal_error_last()->message);
    }
    if (size <= index) {
        eseal_buf_dispose(&note);
        ES_BAIL(ESEAL_ESTATE, "log: entry %llu is not in a signed checkpoint yet (newest: size %llu); publish first",
                (unsigned long long)index, (unsigned long long)size);
    }
    es_checkpoint cp;
    es_result r = open_checkpoint(log, es_span_of(note.ptr, note.size), &cp);
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    if (es_ok(r)) {
        r = es_tlog_prove_inclusion(proof, &count, index, size, es_tlog_tile_reader_hash, log->tiles);
    }
    eseal_buf entry = {0};
    if (es_ok(r)) {
        rs = reader_short(log, &s);
        rc = es_ok(rs) ? eseal_store_log_entry(s, &entry, index) : es_code(rs);
        reader_short_end(log);
        r = rc == ESEAL_OK ? ES_OK : es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
    }
    if (es_ok(r)) {
        /* Check what is handed out: a damaged store gives an error here, not a bad receipt. */
        es_hash32 leaf;
        r = es_tlog_leaf_hash(leaf, es_span_of(entry.ptr, entry.size));
        if (es_ok(r)) {
            r = es_tlog_verify_inclusion(index, size, leaf, proof, count, cp.root);
        }
        if (!es_ok(r)) {
            r = es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                             "log: the stored entry %llu or its tiles do not match checkpoint %llu: the store is "
                             "damaged (run 'eseal log audit')",
                             (unsigned long long)index, (unsigned long long)size);
        }
    }
    if (es_ok(r)) {
        r = es_tlog_proof_format(out, es_span_of(entry.ptr, entry.size), index, proof, count,
                                 es_span_of(note.ptr, note.size));
    }
    eseal_buf_dispose(&entry);
    eseal_buf_dispose(&note);
    return r;
}

int eseal_log_receipt(eseal_log *log, eseal_buf *out, uint64_t index)
{
    if (log == NULL || out == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_LOG_RECEIPT_MAX);
    return out_text(out, &b, receipt(log, &b, index));
}
