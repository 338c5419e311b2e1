/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the audit log as C2SP tlog-tiles resources (served by src/server/log.c),
 * exporting it as static files, and auditing it (re-deriving the whole tree
 * from the stored entries).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eseal/log.h"
#include "auditlog.h"
#include "maxima.h"
#include "tlog/tlog.h"

/* 256^level, or 0 when it does not fit in 64 bits. */
static uint64_t pow256(unsigned level) { return level >= 8 ? 0 : UINT64_C(1) << (8 * level); }

/* Number of leaves a tile resource covers up to: (n * 256 + width) * 256^level; false on overflow. */
static bool resource_end(int level, uint64_t n, unsigned width, uint64_t *end)
{
    uint64_t unit = level < 0 ? 1 : pow256((unsigned)level);
    uint64_t hashes = 0;
    if (unit == 0 || ES_MUL_OVERFLOW(n, (uint64_t)ES_TLOG_TILE_WIDTH, &hashes) ||
        ES_ADD_OVERFLOW(hashes, (uint64_t)width, &hashes) || ES_MUL_OVERFLOW(hashes, unit, end)) {
        return false;
    }
    return true;
}

typedef struct {
    es_buf *out;
} bundle_ctx;

static int bundle_entry(uint64_t index, const void *data, size_t len, void *payload)
{
    (void)index;
    bundle_ctx *b = payload;
    uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    es_result r = es_buf_append(b->out, pre, 2);
    if (es_ok(r)) {
        r = es_buf_append(b->out, data, len);
    }
    return es_code(r);
}

/* The bytes of a tile resource from the store `s`. */
static ES_RESULT resource_bytes(eseal_store *s, es_buf *out, int level, uint64_t n, unsigned width)
{
    if (level == ES_TLOG_ENTRIES_LEVEL) {
        bundle_ctx b = {out};
        uint64_t first = n * ES_TLOG_TILE_WIDTH;
        int rc = eseal_store_log_entries(s, first, first + width, bundle_entry, &b);
        ES_GUARD(es_from_code(rc));
        return ES_OK;
    }
    eseal_buf t = {0};
    int rc = eseal_store_log_tile(s, &t, (unsigned)level, n);
    ES_GUARD(es_from_code(rc));
    es_result r = t.size >= (size_t)width * ES_TLOG_HASH_LEN
                      ? es_buf_append(out, t.ptr, (size_t)width * ES_TLOG_HASH_LEN)
                      : es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "log: tile %d/%llu is shorter than the tree",
                                     level, (unsigned long long)n);
    eseal_buf_dispose(&t);
    return r;
}

static ES_RESULT latest(eseal_log *log, eseal_buf *note, uint64_t *size)
{
    int rc = eseal_log_checkpoint(log, note, UINT64_MAX);
    ES_GUARD(es_from_code(rc));
    es_note *n = es_calloc(1, sizeof(*n));
    ES_ENSURE_ALLOC(n);
    es_checkpoint cp;
    es_result r = es_note_parse(n, es_span_of(note->ptr, note->size));
    if (es_ok(r)) {
        r = es_checkpoint_parse(&cp, n->text);
    }
    es_free(n);
    ES_GUARD(r);
    *size = cp.size;
    return ES_OK;
}

static ES_RESULT read_resource(eseal_log *log, es_buf *out, const char *path, int *immutable)
{
    if (strcmp(path, "checkpoint") == 0) {
        eseal_buf note = {0};
        uint64_t size = 0;
        ES_GUARD(latest(log, &note, &size));
        es_result r = es_buf_append(out, note.ptr, note.size);
        eseal_buf_dispose(&note);
        *immutable = 0;
        return r;
    }
    int level = 0;
    uint64_t n = 0;
    unsigned width = 0;
    es_result r = es_tlog_tile_path_parse(path, &level, &n, &width);
    ES_ENSURE(es_ok(r), ESEAL_ENOTFOUND, "log: no resource %s", path);
    eseal_buf note = {0};
    uint64_t size = 0;
    ES_GUARD(latest(log, &note, &size));
    eseal_buf_dispose(&note);
    uint64_t end = 0;
    ES_ENSURE(resource_end(level, n, width, &end) && end <= size, ESEAL_ENOTFOUND,
              "log: %s lies beyond the newest checkpoint (size %llu)", path, (unsigned long long)size);
    *immutable = 1;
    eseal_store *s = NULL;
    es_result rr = es_log_reader_begin(log, &s);
    rr = es_ok(rr) ? resource_bytes(s, out, level, n, width) : rr;
    es_log_reader_end(log);
    return rr;
}

int eseal_log_read(eseal_log *log, eseal_buf *out, const char *path, int *immutable)
{
    if (log == NULL || out == NULL || path == NULL || immutable == NULL) {
        ES_BAIL_ARG("log == NULL || out == NULL || path == NULL || immutable == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_TLOG_TILE_WIDTH * (ES_TLOG_MAX_ENTRY + 2));
    es_result r = read_resource(log, &b, path, immutable);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}

/* ---- export --------------------------------------------------------------------------- */

typedef struct {
    eseal_log *log;
    const char *dir;
    uint64_t written;
} exporter;

/* Writes dir/<path> atomically unless an immutable copy of the right length is there. */
static ES_RESULT export_file(exporter *x, const char *rel, es_span data, bool immutable)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_LOG_PATH_MAX);
    ES_GUARD(es_buf_printf(&p, "%s/%s", x->dir, rel));
    if (immutable) {
        eseal_buf have = {0};
        if (eseal_file_read(&have, es_buf_cstr(&p), data.len + 1) == ESEAL_OK && have.size == data.len &&
            memcmp(have.ptr, data.ptr, data.len) == 0) {
            eseal_buf_dispose(&have);
            return ES_OK;
        }
        eseal_buf_dispose(&have);
        eseal_error_clear();
    }
    char *slash = strrchr((char *)p.ptr, '/');
    *slash = '\0';
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0755));
    *slash = '/';
    ES_GUARD(es_file_write_atomic(es_buf_cstr(&p), data.ptr, data.len, 0644));
    x->written++;
    return ES_OK;
}

static ES_RESULT export_resource(exporter *x, int level, uint64_t n, unsigned width)
{
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_LOG_TILE_PATH_MAX);
    ES_GUARD(es_tlog_tile_path(&path, level, n, width));
    ES_AUTO(es_buf_freep) es_buf data = ES_BUF_INIT(ES_TLOG_TILE_WIDTH * (ES_TLOG_MAX_ENTRY + 2));
    eseal_store *s = NULL;
    es_result r = es_log_reader_begin(x->log, &s);
    r = es_ok(r) ? resource_bytes(s, &data, level, n, width) : r;
    es_log_reader_end(x->log);
    ES_GUARD(r);
    return export_file(x, es_buf_cstr(&path), es_buf_span(&data), true);
}

/* The partial tiles (and bundle) of a tree of `size`. */
static ES_RESULT export_partials(exporter *x, uint64_t size)
{
    for (unsigned level = 0; level < 8 && pow256(level) <= size; level++) {
        unsigned w = (unsigned)((size / pow256(level)) % ES_TLOG_TILE_WIDTH);
        uint64_t n = size / pow256(level) / ES_TLOG_TILE_WIDTH;
        if (w > 0) {
            ES_GUARD(export_resource(x, (int)level, n, w));
            if (level == 0) {
                ES_GUARD(export_resource(x, ES_TLOG_ENTRIES_LEVEL, n, w));
            }
        }
    }
    return ES_OK;
}

typedef struct {
    uint64_t *sizes;
    size_t count, cap;
} size_list;

static int collect_size(uint64_t size, const char *note, int64_t at_ms, void *payload)
{
    (void)note;
    (void)at_ms;
    size_list *l = payload;
    if (l->count == l->cap) {
        size_t cap = l->cap == 0 ? 64 : l->cap * 2;
        uint64_t *n = es_realloc(l->sizes, cap * sizeof(*n));
        if (n == NULL) {
            ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
        }
        l->sizes = n;
        l->cap = cap;
    }
    l->sizes[l->count++] = size;
    return ESEAL_OK;
}

/* Every stored checkpoint size, smallest first. */
ES_RESULT es_log_checkpoint_sizes(eseal_log *log, uint64_t **sizes, size_t *count)
{
    size_list l = {NULL, 0, 0};
    eseal_store *s = NULL;
    es_result rs = es_log_reader_begin(log, &s);
    int rc = es_ok(rs) ? eseal_store_log_checkpoints(s, collect_size, &l) : es_code(rs);
    es_log_reader_end(log);
    if (rc != ESEAL_OK) {
        es_free(l.sizes);
        ES_BAIL(rc, "%s", rc == ESEAL_ENOMEM ? "out of memory" : eseal_error_last()->message);
    }
    *sizes = l.sizes;
    *count = l.count;
    return ES_OK;
}

static ES_RESULT export_log(eseal_log *log, const char *dir, uint64_t *written)
{
    exporter x = {log, dir, 0};
    eseal_buf note = {0};
    uint64_t size = 0;
    ES_GUARD(latest(log, &note, &size));
    for (unsigned level = 0; level < 8 && pow256(level + 1) <= size; level++) {
        uint64_t full = size / pow256(level + 1);
        for (uint64_t n = 0; n < full; n++) {
            es_result r = export_resource(&x, (int)level, n, ES_TLOG_TILE_WIDTH);
            if (es_ok(r) && level == 0) {
                r = export_resource(&x, ES_TLOG_ENTRIES_LEVEL, n, ES_TLOG_TILE_WIDTH);
            }
            if (!es_ok(r)) {
                eseal_buf_dispose(&note);
                return r;
            }
        }
    }
    uint64_t *sizes = NULL;
    size_t count = 0;
    es_result r = es_log_checkpoint_sizes(log, &sizes, &count);
    for (size_t i = 0; es_ok(r) && i < count; i++) {
        if (sizes[i] <= size) {
            r = export_partials(&x, sizes[i]);
        }
    }
    es_free(sizes);
    /* The checkpoint last: a reader never sees a checkpoint whose tiles are not there yet. */
    if (es_ok(r)) {
        r = export_file(&x, "checkpoint", es_span_of(note.ptr, note.size), false);
    }
    eseal_buf_dispose(&note);
    *written = x.written;
    return r;
}

int eseal_log_export(eseal_log *log, const char *dir, uint64_t *files_written)
{
    if (log == NULL || dir == NULL) {
        ES_BAIL_ARG("log == NULL || dir == NULL");
    }
    uint64_t n = 0;
    int rc = es_code(export_log(log, dir, &n));
    if (files_written != NULL) {
        *files_written = n;
    }
    return rc;
}

/* ---- audit ---------------------------------------------------------------------------- */

typedef struct {
    eseal_log *log;
    eseal_store *s;
    eseal_log_audit_report *rep;
    es_tlog_edge e;
    struct {
        bool loaded;
        uint64_t n;
        es_buf data;
    } tile[8];
    uint64_t *sizes; /* stored checkpoint sizes, ascending */
    size_t nsizes, next;
} auditor;

static es_result audit_fail(auditor *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static es_result audit_fail(auditor *a, const char *fmt, ...)
{
    if (a->rep->problem[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(a->rep->problem, sizeof(a->rep->problem), fmt, ap);
        va_end(ap);
    }
    a->rep->ok = 0;
    return ES_OK;
}

/* Each completed subtree at a tile height must be the stored hash. */
static es_result audit_node(void *ctx, unsigned height, uint64_t index, const es_hash32 hash)
{
    auditor *a = ctx;
    if (height % ES_TLOG_TILE_HEIGHT != 0 || !a->rep->ok) {
        return ES_OK;
    }
    unsigned level = height / ES_TLOG_TILE_HEIGHT;
    uint64_t n = index / ES_TLOG_TILE_WIDTH;
    size_t pos = (size_t)(index % ES_TLOG_TILE_WIDTH);
    if (!a->tile[level].loaded || a->tile[level].n != n) {
        es_buf_clear(&a->tile[level].data);
        eseal_buf t = {0};
        int rc = eseal_store_log_tile(a->s, &t, level, n);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
            return audit_fail(a, "tile %u/%llu is missing", level, (unsigned long long)n);
        }
        ES_GUARD(es_from_code(rc));
        es_result r = es_buf_append(&a->tile[level].data, t.ptr, t.size);
        eseal_buf_dispose(&t);
        ES_GUARD(r);
        a->tile[level].loaded = true;
        a->tile[level].n = n;
    }
    const es_buf *d = &a->tile[level].data;
    if (d->len < (pos + 1) * ES_TLOG_HASH_LEN) {
        return audit_fail(a, "tile %u/%llu ends before hash %zu", level, (unsigned long long)n, pos);
    }
    if (memcmp(d->ptr + pos * ES_TLOG_HASH_LEN, hash, ES_TLOG_HASH_LEN) != 0) {
        if (level == 0) {
            return audit_fail(a, "entry %llu does not hash to the stored leaf hash (tile 0/%llu, hash %zu)",
                              (unsigned long long)index, (unsigned long long)n, pos);
        }
        return audit_fail(a, "tile %u/%llu hash %zu is not the hash of the entries below it", level,
                          (unsigned long long)n, pos);
    }
    a->rep->tiles++;
    return ES_OK;
}

/* The stored checkpoint of the size the tree just reached: its signature and root. */
static ES_RESULT audit_checkpoint(auditor *a, uint64_t size)
{
    eseal_buf note = {0};
    int rc = eseal_store_log_checkpoint(a->s, &note, size, NULL);
    ES_GUARD(es_from_code(rc));
    es_checkpoint cp;
    es_result r = es_log_open_checkpoint(a->log, es_span_of(note.ptr, note.size), &cp);
    eseal_buf_dispose(&note);
    if (!es_ok(r)) {
        return audit_fail(a, "checkpoint %llu: %s", (unsigned long long)size, eseal_error_last()->message);
    }
    es_hash32 root;
    ES_GUARD(es_tlog_edge_root(&a->e, root));
    if (cp.size != size || memcmp(cp.root, root, 32) != 0) {
        return audit_fail(a, "checkpoint %llu: its root is not the root of the first %llu entries",
                          (unsigned long long)size, (unsigned long long)size);
    }
    a->rep->checkpoints++;
    return ES_OK;
}

/* An entry's own time token ("time-proof entry"): kept privately, it must be the one the entry names. */
static ES_RESULT audit_time_token(auditor *a, uint64_t index, const void *data, size_t len)
{
    eseal_audit_entry_parsed p;
    if (eseal_audit_entry_parse(&p, data, len) != ESEAL_OK) {
        eseal_error_clear();
        return ES_OK; /* not an eseal audit entry (the log takes any bytes) */
    }
    es_result r = ES_OK;
    if (p.e.time_proof_kind != NULL && strcmp(p.e.time_proof_kind, "entry") == 0) {
        eseal_buf tok = {0};
        int rc = eseal_store_log_private(a->s, &tok, index, "time-token");
        if (rc == ESEAL_OK) {
            uint8_t h[ES_LOG_DIGEST_MAX];
            size_t hl = 0;
            r = es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(tok.ptr, tok.size));
            ES_AUTO(es_buf_freep) es_buf hex = ES_BUF_INIT(ES_LOG_TOKEN_HEX_MAX);
            if (es_ok(r)) {
                r = es_buf_append_hex(&hex, h, 32, false);
            }
            if (es_ok(r) && strcmp(es_buf_cstr(&hex), p.e.time_proof_sha256) != 0) {
                r = audit_fail(a, "entry %llu: its stored time token is not the one the entry names",
                               (unsigned long long)index);
            } else if (es_ok(r)) {
                a->rep->time_tokens++;
            }
        } else if (rc != ESEAL_ENOTFOUND) {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        } else {
            eseal_error_clear();
        }
        eseal_buf_dispose(&tok);
    }
    eseal_audit_entry_parsed_dispose(&p);
    return r;
}

static int audit_entry(uint64_t index, const void *data, size_t len, void *payload)
{
    auditor *a = payload;
    es_hash32 leaf;
    es_result r = es_tlog_leaf_hash(leaf, es_span_of(data, len));
    if (es_ok(r)) {
        r = es_tlog_edge_append(&a->e, leaf, audit_node, a);
    }
    if (es_ok(r)) {
        r = audit_time_token(a, index, data, len);
    }
    a->rep->entries++;
    while (es_ok(r) && a->next < a->nsizes && a->sizes[a->next] == a->e.size) {
        r = audit_checkpoint(a, a->sizes[a->next++]);
    }
    return es_code(r);
}

static ES_RESULT audit_tail(auditor *a, const es_tlog_edge *stored)
{
    /* The stored right edge is the one the entries give. */
    ES_AUTO(es_buf_freep) es_buf x = ES_BUF_INIT(ES_LOG_EDGE_MAX);
    ES_AUTO(es_buf_freep) es_buf y = ES_BUF_INIT(ES_LOG_EDGE_MAX);
    ES_GUARD(es_tlog_edge_encode(&x, &a->e));
    ES_GUARD(es_tlog_edge_encode(&y, stored));
    if (!es_span_eq(es_buf_span(&x), es_buf_span(&y))) {
        return audit_fail(a, "the stored tree state is not the tree of the stored entries");
    }
    /* The rightmost tile of each level holds exactly the hashes the size gives. */
    uint64_t size = a->e.size;
    for (unsigned level = 0; level < 8 && pow256(level) <= size; level++) {
        uint64_t n = size / pow256(level) / ES_TLOG_TILE_WIDTH;
        size_t w = (size_t)((size / pow256(level)) % ES_TLOG_TILE_WIDTH);
        eseal_buf t = {0};
        int rc = eseal_store_log_tile(a->s, &t, level, n);
        size_t have = rc == ESEAL_OK ? t.size / ES_TLOG_HASH_LEN : 0;
        eseal_buf_dispose(&t);
        if (rc == ESEAL_ENOTFOUND) {
            eseal_error_clear();
        } else {
            ES_GUARD(es_from_code(rc));
        }
        if (have != w) {
            return audit_fail(a, "tile %u/%llu holds %zu hashes, the tree gives %zu", level, (unsigned long long)n,
                              have, w);
        }
    }
    if (a->next < a->nsizes) {
        return audit_fail(a, "checkpoint %llu is larger than the tree (%llu entries)",
                          (unsigned long long)a->sizes[a->next], (unsigned long long)size);
    }
    /* The checkpoint kept outside the store must be one of its trees. */
    es_checkpoint out;
    bool present = false;
    es_result r = es_log_outside_checkpoint(a->log, &out, &present);
    if (!es_ok(r)) {
        return audit_fail(a, "%s", eseal_error_last()->message);
    }
    if (present) {
        es_hash32 h;
        if (out.size > size) {
            return audit_fail(a, "the checkpoint kept outside the store (size %llu) is ahead of the store",
                              (unsigned long long)out.size);
        }
        ES_GUARD(es_log_tree_hash_in(a->s, out.size, h));
        if (memcmp(h, out.root, 32) != 0) {
            return audit_fail(a, "the checkpoint kept outside the store (size %llu) is not this tree",
                              (unsigned long long)out.size);
        }
    }
    return ES_OK;
}

static ES_RESULT audit_log(eseal_log *log, eseal_log_audit_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->ok = 1;
    ES_AUTO(es_freep) auditor *a = es_calloc(1, sizeof(*a));
    ES_ENSURE_ALLOC(a);
    a->log = log;
    a->rep = rep;
    for (unsigned l = 0; l < 8; l++) {
        a->tile[l].data = (es_buf)ES_BUF_INIT(ES_TLOG_TILE_WIDTH * ES_TLOG_HASH_LEN);
    }
    es_tlog_edge_init(&a->e);
    es_result r = es_log_checkpoint_sizes(log, &a->sizes, &a->nsizes);
    es_result rs = es_log_reader_begin(log, &a->s);
    r = es_ok(r) ? rs : r;
    es_tlog_edge stored;
    if (es_ok(r)) {
        r = es_log_state_read(a->s, &stored);
    }
    while (es_ok(r) && a->next < a->nsizes && a->sizes[a->next] == 0) {
        r = audit_checkpoint(a, a->sizes[a->next++]);
    }
    if (es_ok(r) && stored.size > 0) {
        int rc = eseal_store_log_entries(a->s, 0, stored.size, audit_entry, a);
        if (rc == ESEAL_ENOTFOUND) {
            r = audit_fail(a, "%s", eseal_error_last()->message);
            eseal_error_clear();
        } else if (rc != ESEAL_OK) {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
    }
    if (es_ok(r) && rep->ok) {
        r = audit_tail(a, &stored);
    }
    es_log_reader_end(log);
    for (unsigned l = 0; l < 8; l++) {
        es_buf_free(&a->tile[l].data);
    }
    es_free(a->sizes);
    return r;
}

int eseal_log_audit(eseal_log *log, eseal_log_audit_report *rep)
{
    if (log == NULL || rep == NULL) {
        ES_BAIL_ARG("log == NULL || rep == NULL");
    }
    return es_code(audit_log(log, rep));
}
