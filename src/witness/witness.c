/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in witness: C2SP tlog-witness v1.0.0 add-checkpoint, with the
 * size-zero and same-size rules of the spec's HEAD (C2SP 95978ca, "clarify size
 * zero and size match handling": 422 where v1.0.0 said 409 for a same-size
 * checkpoint with another root), and the monitoring GET of b1c5e7e/371866d.
 * Cosignatures are C2SP tlog-cosignature v1 (Ed25519, type 0x04).
 *
 * State: one named value per origin in the witness's store, "witness.log.<hex
 * SHA-256(origin)>", holding
 *   0x01 || u64 size || root[32] || u64 time of the last cosignature || note
 * (big-endian; the note is the checkpoint text, the log signatures that were
 * verified and the witness's cosignature: what GET .../checkpoint serves).
 * Reading it, comparing the old size and writing the new state are one BEGIN
 * IMMEDIATE transaction: the compare-and-swap the spec asks for, so that two
 * requests from the same old size cannot both be cosigned (the second sees the
 * first's size and gets 409), whether they come from two threads or two
 * processes sharing the home. One handle has one SQLite connection, whose
 * transactions must not interleave: a mutex serialises its users.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/sys/store.h"
#include "eseal/witness.h"
#include "tlog/tlog.h"
#include "util/ctx.h"
#include "util/util.h"

#define CONF_MAX (1024 * 1024)
/* A verifier key's text, "<name>+<hash>+<base64 key>": a name of ES_NOTE_MAX_NAME (255) and ~60 bytes. */
#define ES_WITNESS_VKEY_MAX 1024
/* Our answer to add-checkpoint: one cosignature line, or the size the log should have, or why not. */
#define ES_WITNESS_ANSWER_MAX (64 * 1024)
#define ORIGIN_HEX 64 /* a log's origin as the monitoring URL names it: lower-case hex SHA-256 */
#define MAX_LOG_LINES 10000
/* Keys trusted for one origin (es_note_verify reports at most 64). */
#define MAX_KEYS_PER_ORIGIN 16
#define STATE_VERSION 1
#define STATE_HEAD (1 + 8 + 32 + 8)
#define STATE_PREFIX "witness.log."
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_SIZE "text/x.tlog.size"

typedef struct {
    char *origin;
    es_note_verifier v;
} wlog;

typedef struct {
    char name[ES_NOTE_MAX_NAME + 1];
    wlog *logs;
    size_t nlogs;
} wconf;

struct eseal_witness {
    char *home;
    wconf conf;
    eseal_key *key;
    es_note_signer signer;
    es_buf vkey;
    eseal_store *store;
    pthread_mutex_t lock; /* the store connection: one transaction at a time */
    const eseal_context *ctx; /* the caller's (eseal_witness_set_context); NULL: the default context */
};

static void conf_free(wconf *c)
{
    for (size_t i = 0; i < c->nlogs; i++) {
        es_free(c->logs[i].origin);
    }
    es_free(c->logs);
    memset(c, 0, sizeof(*c));
}

/* A signed-note key name as eseal writes it: printable ASCII, no space, no '+' (C2SP signed-note). */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ES_NOTE_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '+') {
            return false;
        }
    }
    return true;
}

/* An origin as it can appear in witness.conf: one word, no control characters, at most 255 bytes. */
static bool origin_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ES_NOTE_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f) {
            return false;
        }
    }
    return true;
}

static ES_RESULT home_path(es_buf *out, const char *home, const char *rel)
{
    es_buf_clear(out);
    return es_buf_printf(out, "%s/%s", home, rel);
}

static es_span trim(es_span s)
{
    size_t a = 0, b = s.len;
    while (a < b && (s.ptr[a] == ' ' || s.ptr[a] == '\t')) {
        a++;
    }
    while (b > a && (s.ptr[b - 1] == ' ' || s.ptr[b - 1] == '\t')) {
        b--;
    }
    return es_span_of(s.ptr + a, b - a);
}

/* "ORIGIN VKEY": a trusted Ed25519 log key. */
static ES_RESULT parse_log(wlog *out, const char *path, size_t line, es_span val)
{
    size_t sp = 0;
    while (sp < val.len && val.ptr[sp] != ' ' && val.ptr[sp] != '\t') {
        sp++;
    }
    es_span vk = trim(es_span_of(val.ptr + sp, val.len - sp));
    ES_ENSURE(sp > 0 && vk.len > 0, ESEAL_EMALFORMED, "%s:%zu: expected 'log = ORIGIN VKEY'", path, line);
    ES_AUTO(es_strfreep) char *origin = es_strndup((const char *)val.ptr, sp);
    ES_AUTO(es_strfreep) char *vkey = es_strndup((const char *)vk.ptr, vk.len);
    ES_ENSURE_ALLOC(origin);
    ES_ENSURE_ALLOC(vkey);
    ES_ENSURE(origin_ok(origin), ESEAL_EMALFORMED,
              "%s:%zu: the origin must be 1 to 255 bytes without spaces or control characters", path, line);
    es_result r = es_note_vkey_parse(&out->v, vkey);
    ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "%s:%zu: bad log key: %s", path, line, eseal_error_last()->message);
    ES_ENSURE(out->v.type == ES_NOTE_ED25519, ESEAL_EMALFORMED,
              "%s:%zu: a log key must be an Ed25519 note key (type 0x01), not type 0x%02x", path, line,
              out->v.type);
    out->origin = origin;
    origin = NULL;
    return ES_OK;
}

static ES_RESULT conf_add(wconf *c, wlog *l)
{
    ES_ENSURE(c->nlogs < MAX_LOG_LINES, ESEAL_ELIMIT, "witness: more than %d log keys", MAX_LOG_LINES);
    wlog *n = es_realloc(c->logs, (c->nlogs + 1) * sizeof(*n));
    ES_ENSURE_ALLOC(n);
    c->logs = n;
    c->logs[c->nlogs++] = *l;
    return ES_OK;
}

/* witness.conf: "key = value" lines and '#' comments; unknown keys are errors, as in eseal.conf. */
static ES_RESULT conf_parse(wconf *c, const char *path, es_span text)
{
    es_cur cur = es_cur_of(text);
    size_t lineno = 0;
    bool have_name = false;
    while (!es_cur_eof(&cur)) {
        es_span raw;
        ES_GUARD(es_cur_line(&cur, 4096, &raw));
        lineno++;
        es_span l = trim(raw);
        if (l.len == 0 || l.ptr[0] == '#') {
            continue;
        }
        const uint8_t *eq = memchr(l.ptr, '=', l.len);
        ES_ENSURE(eq != NULL, ESEAL_EMALFORMED, "%s:%zu: expected 'key = value'", path, lineno);
        es_span key = trim(es_span_of(l.ptr, (size_t)(eq - l.ptr)));
        es_span val = trim(es_span_of(eq + 1, l.len - (size_t)(eq - l.ptr) - 1));
        if (es_span_eq(key, es_span_of("name", 4))) {
            ES_ENSURE(!have_name, ESEAL_EMALFORMED, "%s:%zu: the name is set twice", path, lineno);
            ES_AUTO(es_strfreep) char *name = es_strndup((const char *)val.ptr, val.len);
            ES_ENSURE_ALLOC(name);
            ES_ENSURE(name_ok(name), ESEAL_EMALFORMED,
                      "%s:%zu: the name must be 1 to 255 printable ASCII characters without spaces or '+'", path,
                      lineno);
            memcpy(c->name, name, strlen(name) + 1);
            have_name = true;
        } else if (es_span_eq(key, es_span_of("log", 3))) {
            wlog w = {0};
            ES_GUARD(parse_log(&w, path, lineno, val));
            es_result r = conf_add(c, &w);
            if (!es_ok(r)) {
                es_free(w.origin);
                return r;
            }
        } else {
            ES_BAIL(ESEAL_EMALFORMED, "%s:%zu: unknown setting '%.*s'", path, lineno, (int)key.len,
                    (const char *)key.ptr);
        }
    }
    ES_ENSURE(have_name, ESEAL_EMALFORMED, "%s: no 'name = ...' line", path);
    return ES_OK;
}

static ES_RESULT conf_load(wconf *c, es_buf *text, const char *home)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&p, home, "witness.conf"));
    es_result r = es_file_read(text, es_buf_cstr(&p), CONF_MAX);
    if (es_code(r) == ESEAL_ENOTFOUND) {
        ES_BAIL(ESEAL_ENOTFOUND, "no witness in %s (run 'eseal witness init --home %s')", home, home);
    }
    ES_GUARD(r);
    r = conf_parse(c, es_buf_cstr(&p), es_buf_span(text));
    if (!es_ok(r)) {
        conf_free(c);
    }
    return r;
}

static ES_RESULT witness_init(const char *home, const char *name, const char *pass, size_t pass_len)
{
    ES_ENSURE_ARG(home != NULL && home[0] != '\0' && name != NULL && pass != NULL);
    ES_ENSURE(name_ok(name), ESEAL_EINVAL,
              "witness: the name must be 1 to 255 printable ASCII characters without spaces or '+' "
              "(e.g. witness.example.org)");
    ES_ENSURE(pass_len >= 8, ESEAL_EINVAL, "witness: the passphrase must have at least 8 characters");
    ES_GUARD(es_mkdir_p(home, 0700));
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&p, home, "witness.conf"));
    ES_ENSURE(!es_path_exists(es_buf_cstr(&p)), ESEAL_EEXISTS, "%s already holds a witness", home);
    static const char *const parts[] = {"keys/witness.key", "witness.db", "witness.vkey"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        ES_GUARD(home_path(&p, home, parts[i]));
        ES_ENSURE(!es_path_exists(es_buf_cstr(&p)), ESEAL_EEXISTS,
                  "%s holds %s from an interrupted init; remove the directory and run init again", home, parts[i]);
    }
    ES_GUARD(home_path(&p, home, "keys"));
    ES_GUARD(es_mkdir_p(es_buf_cstr(&p), 0700));

    eseal_key *key = NULL;
    ES_GUARD(es_from_code(eseal_key_generate(&key, ESEAL_ALG_ED25519)));
    es_note_signer s;
    ES_AUTO(es_buf_freep) es_buf vkey = ES_BUF_INIT(ES_WITNESS_VKEY_MAX);
    es_result r = es_note_signer_init(&s, name, ES_NOTE_COSIG_V1, key);
    if (es_ok(r)) {
        r = es_note_vkey_format(&vkey, &s.v);
    }
    if (es_ok(r)) {
        r = es_buf_append_byte(&vkey, '\n');
    }
    if (es_ok(r)) {
        r = home_path(&p, home, "keys/witness.key");
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_key_save(key, es_buf_cstr(&p), pass, pass_len));
    }
    eseal_key_free(key);
    ES_GUARD(r);
    ES_GUARD(home_path(&p, home, "witness.db"));
    eseal_store *st = NULL;
    ES_GUARD(es_from_code(eseal_store_open(&st, es_buf_cstr(&p))));
    eseal_store_close(st);
    ES_GUARD(home_path(&p, home, "witness.vkey"));
    ES_GUARD(es_file_write_new(es_buf_cstr(&p), vkey.ptr, vkey.len, 0644));

    ES_AUTO(es_buf_freep) es_buf conf = ES_BUF_INIT(CONF_MAX);
    ES_GUARD(es_buf_printf(&conf,
                           "# eseal witness (C2SP tlog-witness); see docs/witness.md\n"
                           "# The witness's name: the key name of its cosignatures. Its verifier key is in\n"
                           "# witness.vkey (eseal witness key).\n"
                           "name = %s\n"
                           "# Trusted logs, one line per log key: log = ORIGIN VKEY (eseal witness add-log).\n",
                           name));
    ES_AUTO(es_buf_freep) es_buf tmp = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&tmp, home, "witness.conf.new"));
    (void)unlink(es_buf_cstr(&tmp));
    ES_GUARD(es_file_write_new(es_buf_cstr(&tmp), conf.ptr, conf.len, 0644));
    /* The conf file is renamed into place last: a witness exists only once it is complete. */
    ES_GUARD(home_path(&p, home, "witness.conf"));
    ES_ENSURE(rename(es_buf_cstr(&tmp), es_buf_cstr(&p)) == 0, ESEAL_EIO, "cannot finish %s", es_buf_cstr(&p));
    return es_sync_dir_of(es_buf_cstr(&p));
}

int eseal_witness_init(const char *home, const char *name, const char *pass, size_t pass_len)
{
    return es_code(witness_init(home, name, pass, pass_len));
}

static ES_RESULT add_log(const char *home, const char *origin, const char *vkey)
{
    ES_ENSURE_ARG(home != NULL && origin != NULL && vkey != NULL);
    ES_ENSURE(origin_ok(origin), ESEAL_EINVAL,
              "witness: the origin must be 1 to 255 bytes without spaces or control characters");
    es_note_verifier v;
    es_result r = es_note_vkey_parse(&v, vkey);
    ES_ENSURE(es_ok(r), ESEAL_EINVAL, "witness: bad log key '%s': %s", vkey, eseal_error_last()->message);
    ES_ENSURE(v.type == ES_NOTE_ED25519, ESEAL_EINVAL,
              "witness: a log key must be an Ed25519 note key (type 0x01), not type 0x%02x", v.type);
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(CONF_MAX);
    wconf c = {0};
    ES_GUARD(conf_load(&c, &text, home));
    bool dup = false;
    for (size_t i = 0; i < c.nlogs && !dup; i++) {
        dup = strcmp(c.logs[i].origin, origin) == 0 && c.logs[i].v.id == v.id &&
              memcmp(c.logs[i].v.pub, v.pub, sizeof(v.pub)) == 0 && strcmp(c.logs[i].v.name, v.name) == 0;
    }
    size_t n = c.nlogs;
    conf_free(&c);
    ES_ENSURE(!dup, ESEAL_EEXISTS, "witness: %s already trusts this key for %s", home, origin);
    ES_ENSURE(n < MAX_LOG_LINES, ESEAL_ELIMIT, "witness: more than %d log keys", MAX_LOG_LINES);
    if (text.len > 0 && text.ptr[text.len - 1] != '\n') {
        ES_GUARD(es_buf_append_byte(&text, '\n'));
    }
    ES_GUARD(es_buf_printf(&text, "log = %s %s\n", origin, vkey));
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&p, home, "witness.conf"));
    return es_file_write_atomic(es_buf_cstr(&p), text.ptr, text.len, 0644);
}

int eseal_witness_add_log(const char *home, const char *origin, const char *vkey)
{
    return es_code(add_log(home, origin, vkey));
}

/* witness.vkey, checked: one type 0x04 verifier key. */
static ES_RESULT read_vkey(es_buf *out, const char *home)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&p, home, "witness.vkey"));
    ES_GUARD(es_file_read(out, es_buf_cstr(&p), ES_WITNESS_VKEY_MAX));
    while (out->len > 0 && (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r')) {
        out->ptr[--out->len] = '\0';
    }
    es_note_verifier v;
    es_result r = es_note_vkey_parse(&v, es_buf_cstr(out));
    ES_ENSURE(es_ok(r) && v.type == ES_NOTE_COSIG_V1, ESEAL_EMALFORMED,
              "%s does not hold a cosignature verifier key", es_buf_cstr(&p));
    return ES_OK;
}

int eseal_witness_home_vkey(const char *home, eseal_buf *out)
{
    if (home == NULL || out == NULL) {
        ES_BAIL_ARG("home == NULL || out == NULL");
    }
    es_buf v = ES_BUF_INIT(ES_WITNESS_VKEY_MAX);
    es_result r = read_vkey(&v, home);
    if (es_ok(r)) {
        es_buf_move_out(out, &v);
    }
    es_buf_free(&v);
    return es_code(r);
}

int eseal_witness_set_context(eseal_witness *w, const eseal_context *ctx)
{
    if (w == NULL) {
        ES_BAIL_ARG("w == NULL");
    }
    w->ctx = ctx;
    return ESEAL_OK;
}

void eseal_witness_close(eseal_witness *w)
{
    if (w == NULL) {
        return;
    }
    eseal_store_close(w->store);
    eseal_key_free(w->key);
    es_buf_free(&w->vkey);
    conf_free(&w->conf);
    (void)pthread_mutex_destroy(&w->lock);
    es_free(w->home);
    es_free(w);
}

static ES_RESULT witness_open(eseal_witness *w, const char *home, const char *pass, size_t pass_len)
{
    w->home = es_strdup(home);
    ES_ENSURE_ALLOC(w->home);
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(CONF_MAX);
    ES_GUARD(conf_load(&w->conf, &text, home));
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(home_path(&p, home, "keys/witness.key"));
    ES_GUARD(es_from_code(eseal_key_load(&w->key, es_buf_cstr(&p), pass, pass_len)));
    ES_ENSURE(eseal_key_algorithm(w->key) == ESEAL_ALG_ED25519, ESEAL_EUNSUPPORTED,
              "%s is not an Ed25519 key", es_buf_cstr(&p));
    ES_GUARD(es_note_signer_init(&w->signer, w->conf.name, ES_NOTE_COSIG_V1, w->key));
    ES_GUARD(es_note_vkey_format(&w->vkey, &w->signer.v));
    /* The published key must be the one that signs (a swapped key file or a renamed witness would not verify). */
    ES_AUTO(es_buf_freep) es_buf pub = ES_BUF_INIT(ES_WITNESS_VKEY_MAX);
    ES_GUARD(read_vkey(&pub, home));
    ES_ENSURE(es_span_eq(es_buf_span(&pub), es_buf_span(&w->vkey)), ESEAL_EMALFORMED,
              "witness: witness.vkey (%s) is not the key of keys/witness.key under the name %s (%s)",
              es_buf_cstr(&pub), w->conf.name, es_buf_cstr(&w->vkey));
    ES_GUARD(home_path(&p, home, "witness.db"));
    ES_ENSURE(es_path_exists(es_buf_cstr(&p)), ESEAL_ENOTFOUND, "witness: %s is missing", es_buf_cstr(&p));
    return es_from_code(eseal_store_open(&w->store, es_buf_cstr(&p)));
}

int eseal_witness_open(eseal_witness **out, const char *home, const char *pass, size_t pass_len)
{
    if (out == NULL || home == NULL || pass == NULL) {
        ES_BAIL_ARG("out == NULL || home == NULL || pass == NULL");
    }
    *out = NULL;
    eseal_witness *w = es_calloc(1, sizeof(*w));
    if (w == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        es_free(w);
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    w->vkey = (es_buf)ES_BUF_INIT(ES_WITNESS_VKEY_MAX);
    es_result r = witness_open(w, home, pass, pass_len);
    if (!es_ok(r)) {
        eseal_witness_close(w);
        return es_code(r);
    }
    *out = w;
    return ESEAL_OK;
}

int eseal_witness_vkey(eseal_witness *w, eseal_buf *out)
{
    if (w == NULL || out == NULL) {
        ES_BAIL_ARG("w == NULL || out == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_WITNESS_VKEY_MAX);
    es_result r = es_buf_append(&b, w->vkey.ptr, w->vkey.len);
    if (es_ok(r)) {
        es_buf_move_out(out, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}

/* ---- state ---------------------------------------------------------------------------------- */

typedef struct {
    bool present;
    uint64_t size;
    es_hash32 root;
    uint64_t time;
    es_buf note;
} wstate;

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

static ES_RESULT state_key(char out[sizeof(STATE_PREFIX) + ORIGIN_HEX], const char *origin, size_t len)
{
    uint8_t h[64];
    size_t hl = 0;
    ES_GUARD(es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(origin, len)));
    memcpy(out, STATE_PREFIX, sizeof(STATE_PREFIX) - 1);
    es_hex_lower(out + sizeof(STATE_PREFIX) - 1, h, 32);
    return ES_OK;
}

/* Reads the state under `key`; absent is size 0 (the spec's "zero if it never cosigned"). */
static ES_RESULT state_read(eseal_store *st, const char *key, wstate *s)
{
    eseal_buf v = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(st, &v, key);
    if (rc == ESEAL_ENOTFOUND) {
        s->present = false;
        s->size = 0;
        es_tlog_empty_root(s->root);
        s->time = 0;
        return ES_OK;
    }
    ES_GUARD(es_from_code(rc));
    es_result r = ES_OK;
    if (v.size < STATE_HEAD || v.ptr[0] != STATE_VERSION) {
        r = es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "witness: the state %s is damaged", key);
    } else {
        s->present = true;
        s->size = get_u64(v.ptr + 1);
        memcpy(s->root, v.ptr + 9, 32);
        s->time = get_u64(v.ptr + 41);
        es_buf_clear(&s->note);
        r = es_buf_append(&s->note, v.ptr + STATE_HEAD, v.size - STATE_HEAD);
    }
    eseal_buf_dispose(&v);
    return r;
}

static ES_RESULT state_write(eseal_store *st, const char *key, const wstate *s)
{
    ES_AUTO(es_buf_freep) es_buf v = ES_BUF_INIT(ES_NOTE_MAX_LEN + STATE_HEAD);
    uint8_t head[STATE_HEAD];
    head[0] = STATE_VERSION;
    put_u64(head + 1, s->size);
    memcpy(head + 9, s->root, 32);
    put_u64(head + 41, s->time);
    ES_GUARD(es_buf_append(&v, head, sizeof(head)));
    ES_GUARD(es_buf_append(&v, s->note.ptr, s->note.len));
    return es_from_code(eseal_store_meta_put(st, key, v.ptr, v.len));
}

/* ---- add-checkpoint -------------------------------------------------------------------------- */

typedef struct {
    int status;
    es_buf *body;
    char *ctype;
    size_t cap;
} answer;

static void set_ctype(answer *a, const char *t)
{
    if (a->ctype != NULL && a->cap > 0) {
        (void)snprintf(a->ctype, a->cap, "%s", t);
    }
}

/* A refusal: the status and one line "what[: detail]". */
static ES_RESULT refuse(answer *a, int status, const char *what, const char *detail)
{
    a->status = status;
    es_buf_clear(a->body);
    set_ctype(a, CT_TEXT);
    if (detail != NULL && detail[0] != '\0') {
        return es_buf_printf(a->body, "%s: %s\n", what, detail);
    }
    return es_buf_printf(a->body, "%s\n", what);
}

/* "— <name> <base64(id || sig)>\n" for each signature of `n` by a verifier that verified. */
static ES_RESULT verified_lines(es_buf *out, const es_note *n, const es_note_verifier *vs, size_t nv,
                                uint64_t verified)
{
    for (size_t i = 0; i < n->count; i++) {
        const es_note_sig *s = &n->sigs[i];
        bool keep = false;
        for (size_t j = 0; j < nv && !keep; j++) {
            keep = (verified >> j & 1) != 0 && vs[j].id == s->id && strcmp(vs[j].name, s->name) == 0;
        }
        if (!keep) {
            continue;
        }
        uint8_t raw[4 + sizeof(s->sig)];
        raw[0] = (uint8_t)(s->id >> 24);
        raw[1] = (uint8_t)(s->id >> 16);
        raw[2] = (uint8_t)(s->id >> 8);
        raw[3] = (uint8_t)s->id;
        memcpy(raw + 4, s->sig, s->sig_len);
        ES_GUARD(es_buf_printf(out, "\xe2\x80\x94 %s ", s->name));
        ES_GUARD(es_base64_encode(out, es_span_of(raw, 4 + s->sig_len)));
        ES_GUARD(es_buf_append_byte(out, '\n'));
    }
    return ES_OK;
}

/*
 * Inside the transaction: compare the old size with the stored one, check consistency,
 * cosign and write the new state. *commit tells the caller whether to commit.
 */
static ES_RESULT cas(eseal_witness *w, answer *a, const char *key, const es_witness_req *req, const es_note *note,
                     const es_checkpoint *cp, const es_note_verifier *vs, size_t nv, uint64_t verified,
                     bool *commit)
{
    *commit = false;
    wstate s = {0};
    s.note = (es_buf)ES_BUF_INIT(ES_NOTE_MAX_LEN);
    es_result r = state_read(w->store, key, &s);
    if (!es_ok(r)) {
        es_buf_free(&s.note);
        return r;
    }
    if (req->old_size != s.size) {
        /* tlog-witness: 409 with the size last cosigned, so that the client can retry from it. */
        a->status = 409;
        es_buf_clear(a->body);
        set_ctype(a, CT_SIZE);
        r = es_buf_printf(a->body, "%llu\n", (unsigned long long)s.size);
    } else if (req->old_size == cp->size) {
        if (memcmp(s.root, cp->root, 32) != 0) {
            /* 422 since C2SP 95978ca (v1.0.0 said 409): a fork at the same size. */
            r = refuse(a, 422, "checkpoint has the size last cosigned but a different root hash", NULL);
        } else if (req->count != 0) {
            r = refuse(a, 422, "consistency proof must be empty when the old size is the checkpoint size", NULL);
        }
    } else if (req->old_size > 0) {
        es_result v = es_tlog_verify_consistency(req->old_size, cp->size, s.root, cp->root, req->proof, req->count);
        if (es_code(v) == ESEAL_EVERIFY) {
            r = refuse(a, 422, "consistency proof does not verify", eseal_error_last()->message);
        } else {
            r = v;
        }
    }
    /* old 0 (< size): the empty tree is consistent with every tree; the proof was checked empty. */
    if (es_ok(r) && a->status == 0) {
        uint64_t now = (uint64_t)(es_ctx_now(w->ctx) / 1000);
        /* Never earlier than the last cosignature for this log: its time orders what the witness saw. */
        uint64_t ts = now > s.time ? now : s.time;
        if (ts == 0) {
            ts = 1; /* tlog-witness: the timestamp MUST NOT be zero */
        }
        ES_AUTO(es_buf_freep) es_buf line = ES_BUF_INIT(ES_LINE_MAX);
        r = es_note_cosign_line(&line, note->text, &w->signer, ts);
        if (es_ok(r)) {
            s.size = cp->size;
            memcpy(s.root, cp->root, 32);
            s.time = ts;
            es_buf_clear(&s.note);
            r = es_buf_append(&s.note, note->text.ptr, note->text.len);
        }
        if (es_ok(r)) {
            r = es_buf_append_byte(&s.note, '\n');
        }
        if (es_ok(r)) {
            r = verified_lines(&s.note, note, vs, nv, verified);
        }
        if (es_ok(r)) {
            r = es_buf_append(&s.note, line.ptr, line.len);
        }
        if (es_ok(r)) {
            r = state_write(w->store, key, &s);
        }
        if (es_ok(r)) {
            a->status = 200;
            es_buf_clear(a->body);
            set_ctype(a, CT_TEXT);
            r = es_buf_append(a->body, line.ptr, line.len);
            *commit = es_ok(r);
        }
    }
    es_buf_free(&s.note);
    return r;
}

/*
 * The stateless checks, then the compare-and-swap; `note` is scratch space for the parsed note.
 * The note's text is found without reading its signature lines: the origin decides between 404
 * and 403 before they are parsed, so that a known log's note with a line that does not even
 * decode (litewitness vector 1: non-zero base64 padding bits, which es_note_parse refuses) is
 * 403, as the spec says for a note with no valid signature by a trusted key.
 */
static ES_RESULT judge(eseal_witness *w, es_span body, answer *a, es_note *note)
{
    if (body.len > ESEAL_WITNESS_MAX_REQUEST) {
        return refuse(a, 413, "request body too large", NULL);
    }
    es_witness_req req;
    if (!es_ok(es_witness_req_parse(&req, body))) {
        return refuse(a, 400, "malformed request", eseal_error_last()->message);
    }
    es_span text;
    if (!es_note_text_span(req.note, &text)) {
        return refuse(a, 400, "malformed checkpoint note", "no empty line before the signatures");
    }
    es_checkpoint cp;
    if (!es_ok(es_checkpoint_parse(&cp, text))) {
        return refuse(a, 400, "malformed checkpoint", eseal_error_last()->message);
    }
    es_note_verifier vs[MAX_KEYS_PER_ORIGIN];
    size_t nv = 0;
    for (size_t i = 0; i < w->conf.nlogs && nv < MAX_KEYS_PER_ORIGIN; i++) {
        if (strcmp(w->conf.logs[i].origin, cp.origin) == 0) {
            vs[nv++] = w->conf.logs[i].v;
        }
    }
    if (nv == 0) {
        return refuse(a, 404, "unknown log", cp.origin);
    }
    /* A signature line that does not parse leaves no valid signature by a trusted key: 403. */
    if (!es_ok(es_note_parse(note, req.note))) {
        return refuse(a, 403, "invalid signature", eseal_error_last()->message);
    }
    uint64_t verified = 0;
    es_result r = es_note_verify(note, vs, nv, &verified, NULL);
    if (es_code(r) == ESEAL_EVERIFY || es_code(r) == ESEAL_EMALFORMED) {
        /* No trusted-key signature, or one that fails: 403 for both (C2SP 114c409). */
        return refuse(a, 403, "invalid signature", eseal_error_last()->message);
    }
    ES_GUARD(r);
    if (req.old_size > cp.size) {
        char d[96];
        (void)snprintf(d, sizeof(d), "old size %llu is larger than the checkpoint size %llu",
                       (unsigned long long)req.old_size, (unsigned long long)cp.size);
        return refuse(a, 400, "bad old size", d);
    }
    es_hash32 empty;
    es_tlog_empty_root(empty);
    if (cp.size == 0 && memcmp(cp.root, empty, 32) != 0) {
        return refuse(a, 422, "a checkpoint of size 0 must have the root of the empty tree, SHA-256(\"\")", NULL);
    }
    if (req.old_size == 0 && req.count != 0) {
        return refuse(a, 422, "consistency proof must be empty when the old size is 0", NULL);
    }
    char key[sizeof(STATE_PREFIX) + ORIGIN_HEX];
    ES_GUARD(state_key(key, cp.origin, strlen(cp.origin)));
    (void)pthread_mutex_lock(&w->lock);
    r = es_from_code(eseal_store_begin(w->store));
    if (es_ok(r)) {
        bool commit = false;
        r = cas(w, a, key, &req, note, &cp, vs, nv, verified, &commit);
        if (es_ok(r) && commit) {
            r = es_from_code(eseal_store_commit(w->store));
            if (!es_ok(r)) {
                (void)eseal_store_rollback(w->store);
            }
        } else {
            (void)eseal_store_rollback(w->store);
        }
    }
    (void)pthread_mutex_unlock(&w->lock);
    return r;
}

static ES_RESULT add_checkpoint(eseal_witness *w, es_span body, answer *a)
{
    /* es_note holds up to ES_NOTE_MAX_SIGS signatures: too large for a server thread's stack. */
    es_note *note = es_calloc(1, sizeof(*note));
    ES_ENSURE_ALLOC(note);
    es_result r = judge(w, body, a, note);
    es_free(note);
    return r;
}

int eseal_witness_add_checkpoint(eseal_witness *w, const void *body, size_t len, int *http_status,
                                 eseal_buf *resp_body, char *content_type, size_t cap)
{
    if (w == NULL || (body == NULL && len > 0) || http_status == NULL || resp_body == NULL) {
        ES_BAIL_ARG("w == NULL || (body == NULL && len > 0) || http_status == NULL || resp_body == NULL");
    }
    es_buf out = ES_BUF_INIT(ES_WITNESS_ANSWER_MAX);
    answer a = {0, &out, content_type, cap};
    es_result r = add_checkpoint(w, es_span_of(body, len), &a);
    if (es_ok(r)) {
        *http_status = a.status;
        es_buf_move_out(resp_body, &out);
    }
    es_buf_free(&out);
    return es_code(r);
}

/* ---- monitoring ------------------------------------------------------------------------------- */

static bool is_origin_hash(const char *s, size_t n) { return n == ORIGIN_HEX && es_is_lower_hex(s, n); }

static ES_RESULT latest(eseal_witness *w, es_buf *out, const char *hex, size_t n)
{
    ES_ENSURE(is_origin_hash(hex, n), ESEAL_ENOTFOUND, "witness: '%.*s' is not a lower-case hex SHA-256",
              (int)(n > ORIGIN_HEX ? ORIGIN_HEX : n), hex);
    char key[sizeof(STATE_PREFIX) + ORIGIN_HEX];
    memcpy(key, STATE_PREFIX, sizeof(STATE_PREFIX) - 1);
    memcpy(key + sizeof(STATE_PREFIX) - 1, hex, 64);
    key[sizeof(key) - 1] = '\0';
    wstate s = {0};
    s.note = (es_buf)ES_BUF_INIT(ES_NOTE_MAX_LEN);
    (void)pthread_mutex_lock(&w->lock);
    es_result r = state_read(w->store, key, &s);
    (void)pthread_mutex_unlock(&w->lock);
    if (es_ok(r) && !s.present) {
        r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "witness: no checkpoint cosigned for %s", key + sizeof(STATE_PREFIX) - 1);
    }
    if (es_ok(r)) {
        r = es_buf_append(out, s.note.ptr, s.note.len);
    }
    es_buf_free(&s.note);
    return r;
}

int eseal_witness_checkpoint(eseal_witness *w, eseal_buf *note, const char *origin_sha256_hex)
{
    if (w == NULL || note == NULL || origin_sha256_hex == NULL) {
        ES_BAIL_ARG("w == NULL || note == NULL || origin_sha256_hex == NULL");
    }
    es_buf b = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    es_result r = latest(w, &b, origin_sha256_hex, strlen(origin_sha256_hex));
    if (es_ok(r)) {
        es_buf_move_out(note, &b);
    }
    es_buf_free(&b);
    return es_code(r);
}
