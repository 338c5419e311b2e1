/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C2SP tlog-tiles: tile and entry-bundle paths, and a reader of subtree
 * hashes over tiles with a bounded cache of full tiles and the inner levels of the newest
 * partial tile of each level (read again only when a subtree lies beyond it).
 */
#include <pthread.h>
#include <string.h>

#include "tlog.h"

/* ---- paths -------------------------------------------------------------------------------- */

/* tlog-tiles: N as 3-digit groups, all but the last prefixed with "x" (1234067 -> x001/x234/067). */
static ES_RESULT append_index(es_buf *out, uint64_t n)
{
    unsigned groups[7]; /* 2^64 < 1000^7 */
    size_t count = 0;
    do {
        groups[count++] = (unsigned)(n % 1000);
        n /= 1000;
    } while (n > 0);
    for (size_t i = count; i > 1; i--) {
        ES_GUARD(es_buf_printf(out, "x%03u/", groups[i - 1]));
    }
    return es_buf_printf(out, "%03u", groups[0]);
}

ES_RESULT es_tlog_tile_path(es_buf *out, int level, uint64_t n, unsigned width)
{
    ES_ENSURE(level >= ES_TLOG_ENTRIES_LEVEL && level <= ES_TLOG_MAX_LEVEL, ESEAL_EINVAL, "tlog: tile level %d is not -1..63",
              level);
    ES_ENSURE(width >= 1 && width <= ES_TLOG_TILE_WIDTH, ESEAL_EINVAL, "tlog: tile width %u is not 1..256", width);
    if (level == ES_TLOG_ENTRIES_LEVEL) {
        ES_GUARD(es_buf_append_str(out, "tile/entries/"));
    } else {
        ES_GUARD(es_buf_printf(out, "tile/%d/", level));
    }
    ES_GUARD(append_index(out, n));
    if (width < ES_TLOG_TILE_WIDTH) {
        ES_GUARD(es_buf_printf(out, ".p/%u", width));
    }
    return ES_OK;
}

/* A decimal without leading zeros (a lone "0" is fine), at most max. */
static ES_RESULT canonical_uint(es_cur *c, uint64_t max, uint64_t *out, const char *path, const char *what)
{
    size_t start = c->pos;
    es_result r = es_cur_uint(c, max, out);
    ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "tile path '%.80s': %s at offset %zu is not a number from 0 to %llu",
              path, what, start, (unsigned long long)max);
    ES_ENSURE(c->pos - start == 1 || c->base[start] != '0', ESEAL_EMALFORMED,
              "tile path '%.80s': %s at offset %zu has a leading zero", path, what, start);
    return ES_OK;
}

ES_RESULT es_tlog_tile_path_parse(const char *path, int *level, uint64_t *n, unsigned *width)
{
    ES_ENSURE_ARG(path != NULL);
    es_cur c = es_cur_of(es_span_of(path, strlen(path)));
    ES_ENSURE(es_cur_peek_is(&c, "tile/"), ESEAL_EMALFORMED, "tile path '%.80s' does not start with 'tile/'", path);
    ES_GUARD(es_cur_skip(&c, 5));
    int lv = 0;
    if (es_cur_peek_is(&c, "entries/")) {
        ES_GUARD(es_cur_skip(&c, 8));
        lv = ES_TLOG_ENTRIES_LEVEL;
    } else {
        uint64_t l = 0;
        ES_GUARD(canonical_uint(&c, 63, &l, path, "the level"));
        ES_ENSURE(es_cur_peek_is(&c, "/"), ESEAL_EMALFORMED, "tile path '%.80s': no '/' after the level", path);
        ES_GUARD(es_cur_skip(&c, 1));
        lv = (int)l;
    }
    /* The index: "xDDD/" groups then a final "DDD"; the first group of several is never 000. */
    const uint64_t max_index = UINT64_MAX >> 8; /* a tile must start at a representable leaf */
    uint64_t v = 0;
    size_t groups = 0;
    for (;;) {
        bool more = es_cur_peek_is(&c, "x");
        if (more) {
            ES_GUARD(es_cur_skip(&c, 1));
        }
        size_t at = c.pos;
        uint64_t g = 0;
        es_result r = es_cur_digits_exact(&c, 3, &g);
        ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "tile path '%.80s': expected 3 digits at offset %zu", path, at);
        ES_ENSURE(groups > 0 || g > 0 || !more, ESEAL_EMALFORMED,
                  "tile path '%.80s': the index has a leading zero group at offset %zu", path, at);
        ES_ENSURE(v <= (max_index - g) / 1000, ESEAL_EMALFORMED, "tile path '%.80s': the index is too large", path);
        v = v * 1000 + g;
        groups++;
        if (!more) {
            break;
        }
        ES_ENSURE(es_cur_peek_is(&c, "/"), ESEAL_EMALFORMED, "tile path '%.80s': expected '/' at offset %zu", path,
                  c.pos);
        ES_GUARD(es_cur_skip(&c, 1));
    }
    unsigned w = ES_TLOG_TILE_WIDTH;
    if (!es_cur_eof(&c)) {
        ES_ENSURE(es_cur_peek_is(&c, ".p/"), ESEAL_EMALFORMED, "tile path '%.80s': unexpected text at offset %zu",
                  path, c.pos);
        ES_GUARD(es_cur_skip(&c, 3));
        uint64_t pw = 0;
        ES_GUARD(canonical_uint(&c, ES_TLOG_TILE_WIDTH - 1, &pw, path, "the partial width"));
        ES_ENSURE(pw > 0, ESEAL_EMALFORMED, "tile path '%.80s': partial width 0", path);
        ES_ENSURE(es_cur_eof(&c), ESEAL_EMALFORMED, "tile path '%.80s': unexpected text at offset %zu", path, c.pos);
        w = (unsigned)pw;
    }
    *level = lv;
    *n = v;
    *width = w;
    return ES_OK;
}

void es_tlog_tile_count(uint64_t size, unsigned level, uint64_t *full, unsigned *partial)
{
    /* Hashes at `level` are subtrees of 256^level leaves: floor(size / 256^level) of them. */
    uint64_t hashes = level >= 8 ? 0 : size >> (8 * level);
    *full = hashes / ES_TLOG_TILE_WIDTH;
    *partial = (unsigned)(hashes % ES_TLOG_TILE_WIDTH);
}

/* ---- the tile reader ------------------------------------------------------------------------ */

/* A tile with its inner levels: level j (0..8) starts at 512 - (512 >> j) and has 256 >> j nodes. */
#define TILE_NODES 511
#define TILE_BYTES (ES_TLOG_TILE_WIDTH * ES_TLOG_HASH_LEN)

static size_t level_base(unsigned j) { return 512u - (512u >> j); }

typedef struct tile_entry {
    unsigned level;
    uint64_t n;
    struct tile_entry *prev, *next; /* recency list, most recent first */
    struct tile_entry *hnext;       /* hash chain */
    es_hash32 nodes[TILE_NODES];
} tile_entry;

/* The inner levels of the last partial tile read at one level. */
typedef struct {
    uint64_t n;
    unsigned width;
    es_hash32 nodes[TILE_NODES];
} partial_memo;

struct es_tlog_tile_reader {
    es_tlog_tile_fn fn;
    void *ctx;
    size_t cap, count;
    tile_entry **buckets;
    size_t nbuckets; /* a power of two */
    tile_entry *head, *tail;
    partial_memo *memo[64];
    pthread_mutex_t mu;
};

/* Hashes the inner levels of the first `width` level-0 nodes, skipping those complete at `done`. */
static ES_RESULT fill_levels(es_hash32 *nodes, unsigned width, unsigned done)
{
    for (unsigned j = 1; j <= 8; j++) {
        es_hash32 *below = nodes + level_base(j - 1);
        es_hash32 *here = nodes + level_base(j);
        for (unsigned i = done >> j; i < (width >> j); i++) {
            ES_GUARD(es_tlog_node_hash(here[i], below[2 * i], below[2 * i + 1]));
        }
    }
    return ES_OK;
}

ES_RESULT es_tlog_tile_reader_new(es_tlog_tile_reader **out, es_tlog_tile_fn fn, void *ctx, size_t cache_tiles)
{
    ES_ENSURE_ARG(out != NULL && fn != NULL);
    es_tlog_tile_reader *r = es_calloc(1, sizeof(*r));
    ES_ENSURE_ALLOC(r);
    r->fn = fn;
    r->ctx = ctx;
    r->cap = cache_tiles;
    size_t want = cache_tiles < ((size_t)1 << 20) ? cache_tiles : ((size_t)1 << 20);
    r->nbuckets = 16;
    while (r->nbuckets < want) {
        r->nbuckets *= 2;
    }
    r->buckets = es_calloc(r->nbuckets, sizeof(*r->buckets));
    if (r->buckets == NULL || pthread_mutex_init(&r->mu, NULL) != 0) {
        es_free(r->buckets);
        es_free(r);
        ES_BAIL(ESEAL_ENOMEM, "tlog: cannot create a tile reader");
    }
    *out = r;
    return ES_OK;
}

static size_t bucket_of(const es_tlog_tile_reader *r, unsigned level, uint64_t n)
{
    uint64_t h = (n ^ ((uint64_t)level << 58)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (r->nbuckets - 1);
}

static tile_entry *cache_find(es_tlog_tile_reader *r, unsigned level, uint64_t n)
{
    for (tile_entry *e = r->buckets[bucket_of(r, level, n)]; e != NULL; e = e->hnext) {
        if (e->level == level && e->n == n) {
            return e;
        }
    }
    return NULL;
}

static void lru_unlink(es_tlog_tile_reader *r, tile_entry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        r->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        r->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void lru_push_front(es_tlog_tile_reader *r, tile_entry *e)
{
    e->prev = NULL;
    e->next = r->head;
    if (r->head != NULL) {
        r->head->prev = e;
    }
    r->head = e;
    if (r->tail == NULL) {
        r->tail = e;
    }
}

static void cache_remove(es_tlog_tile_reader *r, tile_entry *e)
{
    tile_entry **pp = &r->buckets[bucket_of(r, e->level, e->n)];
    while (*pp != e) {
        pp = &(*pp)->hnext;
    }
    *pp = e->hnext;
    lru_unlink(r, e);
    r->count--;
}

/* Takes `e` into the cache (evicting the least recently used tile when full); returns the cached entry. */
static tile_entry *cache_insert(es_tlog_tile_reader *r, tile_entry *e)
{
    tile_entry *have = cache_find(r, e->level, e->n);
    if (have != NULL) {
        es_free(e); /* another thread read it first */
        return have;
    }
    if (r->count >= r->cap && r->tail != NULL) {
        tile_entry *old = r->tail;
        cache_remove(r, old);
        es_free(old);
    }
    size_t b = bucket_of(r, e->level, e->n);
    e->hnext = r->buckets[b];
    r->buckets[b] = e;
    lru_push_front(r, e);
    r->count++;
    return e;
}

static void cache_clear(es_tlog_tile_reader *r)
{
    tile_entry *e = r->head;
    while (e != NULL) {
        tile_entry *next = e->next;
        es_free(e);
        e = next;
    }
    r->head = r->tail = NULL;
    r->count = 0;
    memset(r->buckets, 0, r->nbuckets * sizeof(*r->buckets));
    for (size_t i = 0; i < 64; i++) {
        es_free(r->memo[i]);
        r->memo[i] = NULL;
    }
}

void es_tlog_tile_reader_reset(es_tlog_tile_reader *r)
{
    if (r == NULL) {
        return;
    }
    pthread_mutex_lock(&r->mu);
    cache_clear(r);
    for (size_t l = 0; l < sizeof(r->memo) / sizeof(r->memo[0]); l++) {
        if (r->memo[l] != NULL) {
            r->memo[l]->width = 0;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

void es_tlog_tile_reader_free(es_tlog_tile_reader *r)
{
    if (r == NULL) {
        return;
    }
    cache_clear(r);
    pthread_mutex_destroy(&r->mu);
    es_free(r->buckets);
    es_free(r);
}

/* The memo of `level` brought up to the partial tile just read; the caller holds the lock. */
static ES_RESULT memo_update(es_tlog_tile_reader *r, unsigned level, uint64_t n, es_span tile, size_t off,
                             es_hash32 out)
{
    unsigned width = (unsigned)(tile.len / ES_TLOG_HASH_LEN);
    partial_memo *m = r->memo[level];
    if (m == NULL) {
        m = es_malloc(sizeof(*m));
        ES_ENSURE_ALLOC(m);
        m->width = 0;
        r->memo[level] = m;
    }
    unsigned done = 0;
    if (m->width > 0 && m->n == n && m->width <= width &&
        memcmp(m->nodes, tile.ptr, (size_t)m->width * ES_TLOG_HASH_LEN) == 0) {
        done = m->width; /* the same tile grown (or unchanged): its earlier nodes stand */
    }
    m->width = 0; /* invalid until filled */
    m->n = n;
    memcpy(m->nodes[done], tile.ptr + (size_t)done * ES_TLOG_HASH_LEN, tile.len - (size_t)done * ES_TLOG_HASH_LEN);
    ES_GUARD(fill_levels(m->nodes, width, done));
    m->width = width;
    memcpy(out, m->nodes[off], ES_TLOG_HASH_LEN);
    return ES_OK;
}

es_result es_tlog_tile_reader_hash(void *reader, unsigned height, uint64_t index, es_hash32 out)
{
    es_tlog_tile_reader *r = reader;
    ES_ENSURE(height <= ES_TLOG_MAX_LEVEL, ESEAL_EINVAL, "tlog: no subtree of height %u", height);
    /* tlog-tiles: the subtree is 2^s nodes of the level-L tile n, starting at position pos. */
    unsigned level = height / ES_TLOG_TILE_HEIGHT;
    unsigned s = height % ES_TLOG_TILE_HEIGHT;
    uint64_t n = index >> (ES_TLOG_TILE_HEIGHT - s);
    unsigned pos = (unsigned)((index << s) & (ES_TLOG_TILE_WIDTH - 1));
    unsigned need = pos + (1u << s);
    size_t off = level_base(s) + (pos >> s);

    pthread_mutex_lock(&r->mu);
    tile_entry *e = cache_find(r, level, n);
    if (e != NULL) {
        lru_unlink(r, e);
        lru_push_front(r, e);
        memcpy(out, e->nodes[off], ES_TLOG_HASH_LEN);
        pthread_mutex_unlock(&r->mu);
        return ES_OK;
    }
    /* The partial tile memo already holds this subtree: a later version of a tile only adds hashes,
     * so what a narrower version gave stays true (C2SP tlog-tiles: partial tiles are prefixes). */
    partial_memo *pm = r->memo[level];
    if (pm != NULL && pm->width >= need && pm->n == n) {
        memcpy(out, pm->nodes[off], ES_TLOG_HASH_LEN);
        pthread_mutex_unlock(&r->mu);
        return ES_OK;
    }
    pthread_mutex_unlock(&r->mu);

    ES_AUTO(es_buf_freep) es_buf tile = ES_BUF_INIT(TILE_BYTES + ES_TLOG_HASH_LEN);
    ES_GUARD(r->fn(r->ctx, level, n, &tile));
    ES_ENSURE(tile.len > 0 && tile.len % ES_TLOG_HASH_LEN == 0 && tile.len <= TILE_BYTES, ESEAL_EMALFORMED,
              "tlog: tile %u/%llu is %zu bytes, not 32 to 8192 in steps of 32", level, (unsigned long long)n,
              tile.len);
    unsigned width = (unsigned)(tile.len / ES_TLOG_HASH_LEN);
    ES_ENSURE(need <= width, ESEAL_ENOTFOUND,
              "tlog: tile %u/%llu has %u hashes; the subtree of height %u at index %llu needs %u", level,
              (unsigned long long)n, width, height, (unsigned long long)index, need);

    if (width == ES_TLOG_TILE_WIDTH && r->cap > 0) {
        /* Full tiles never change: hash their inner levels once, outside the lock. */
        tile_entry *fresh = es_malloc(sizeof(*fresh));
        ES_ENSURE_ALLOC(fresh);
        memset(fresh, 0, offsetof(tile_entry, nodes));
        fresh->level = level;
        fresh->n = n;
        memcpy(fresh->nodes, tile.ptr, TILE_BYTES);
        es_result fr = fill_levels(fresh->nodes, ES_TLOG_TILE_WIDTH, 0);
        if (!es_ok(fr)) {
            es_free(fresh);
            return fr;
        }
        pthread_mutex_lock(&r->mu);
        e = cache_insert(r, fresh);
        memcpy(out, e->nodes[off], ES_TLOG_HASH_LEN);
        pthread_mutex_unlock(&r->mu);
        return ES_OK;
    }
    pthread_mutex_lock(&r->mu);
    es_result res = memo_update(r, level, n, es_buf_span(&tile), off, out);
    pthread_mutex_unlock(&r->mu);
    return res;
}
