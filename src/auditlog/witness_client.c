/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Collecting cosignatures from C2SP tlog-witness witnesses (witness_client.h).
 *
 * Every witness gets its own thread and its own HTTP exchange (es_http_post,
 * libcurl): the slowest witness bounds the call, not their sum. Threads touch
 * no store and no shared buffer: the calling thread reads the old sizes before
 * and records results after, in the configured order, so the output does not
 * depend on which witness answered first.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "witness_client.h"
#include "maxima.h"

#define RESP_MAX (64 * 1024)
#define WHY_MAX 400

typedef struct {
    const es_witness_cfg *w;
    es_span text; /* the checkpoint text (the note's signed part) */
    es_span note;
    const es_checkpoint *cp;
    es_consistency_fn prove;
    void *ctx;
    pthread_mutex_t *prove_lock;
    unsigned timeout_ms;
    uint64_t old;
    /* results */
    bool ok;
    es_buf line; /* the accepted cosignature line */
    char why[WHY_MAX];
} job;

static void say(job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(j->why, sizeof(j->why), fmt, ap);
    va_end(ap);
    /* One line: a witness's words never break the format of `why`. */
    for (char *p = j->why; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
}

/* The first line of an answer, for a reason: at most 120 printable bytes. */
static void first_line(char *out, size_t cap, const es_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len && n + 1 < cap && n < ES_LOG_WITNESS_QUOTE_MAX; i++) {
        uint8_t c = b->ptr[i];
        if (c == '\n') {
            break;
        }
        out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[n] = '\0';
}

/* "<decimal>\n", no leading zeros (tlog-witness 409 body). */
static bool parse_size(const es_buf *b, uint64_t *out)
{
    es_cur c = es_cur_of(es_buf_span(b));
    if (b->len < 2 || b->ptr[b->len - 1] != '\n' || (b->ptr[0] == '0' && b->len != 2)) {
        return false;
    }
    return es_ok(es_cur_uint(&c, UINT64_MAX >> 1, out)) && es_ok(es_cur_expect(&c, "\n")) && es_cur_eof(&c);
}

static ES_RESULT request_body(job *j, es_buf *body, uint64_t old)
{
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count = 0;
    if (old != 0 && old != j->cp->size) {
        (void)pthread_mutex_lock(j->prove_lock);
        es_result r = j->prove(j->ctx, old, j->cp->size, proof, &count);
        (void)pthread_mutex_unlock(j->prove_lock);
        ES_GUARD(r);
        ES_ENSURE(count <= ES_LOG_WITNESS_PROOF_MAX, ESEAL_ELIMIT, "a consistency proof of %zu hashes (tlog-witness allows 63)", count);
    }
    es_buf_clear(body);
    return es_witness_req_format(body, old, proof, count, j->note);
}

/*
 * Keeps the first line of `resp` by the witness's key that verifies over the checkpoint
 * text; lines by other keys are ignored (tlog-witness: the client MUST ignore them).
 */
static void accept_cosignature(job *j, const es_buf *resp)
{
    es_cur c = es_cur_of(es_buf_span(resp));
    es_note *n = es_calloc(1, sizeof(*n));
    es_buf tmp = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    if (n == NULL) {
        say(j, "out of memory");
        return;
    }
    bool seen = false;
    if (resp->len == 0 || resp->ptr[resp->len - 1] != '\n') {
        say(j, "the answer is not signature lines ending with a newline");
        c.pos = c.len;
    }
    while (!es_cur_eof(&c) && !j->ok) {
        es_span line;
        if (!es_ok(es_cur_line(&c, ES_LOG_WITNESS_LINE_MAX, &line))) {
            say(j, "the answer has a line over 4096 bytes");
            break;
        }
        es_buf_clear(&tmp);
        if (!es_ok(es_buf_append(&tmp, j->text.ptr, j->text.len)) || !es_ok(es_buf_append_byte(&tmp, '\n')) ||
            !es_ok(es_buf_append(&tmp, line.ptr, line.len)) || !es_ok(es_buf_append_byte(&tmp, '\n'))) {
            say(j, "the answer is too large");
            break;
        }
        if (!es_ok(es_note_parse(n, es_buf_span(&tmp))) || n->count != 1) {
            say(j, "malformed cosignature line: %s", eseal_error_last()->message);
            continue; /* not a line any key could have made; look at the others */
        }
        if (n->sigs[0].id != j->w->v.id || strcmp(n->sigs[0].name, j->w->v.name) != 0) {
            continue; /* another key */
        }
        seen = true;
        uint64_t verified = 0, ts = 0;
        if (!es_ok(es_note_verify(n, &j->w->v, 1, &verified, &ts)) || (verified & 1) == 0) {
            say(j, "its cosignature does not verify: %s", eseal_error_last()->message);
            break;
        }
        if (ts == 0) {
            say(j, "its cosignature has a zero timestamp");
            break;
        }
        es_buf_clear(&j->line);
        if (!es_ok(es_buf_append(&j->line, line.ptr, line.len)) || !es_ok(es_buf_append_byte(&j->line, '\n'))) {
            say(j, "out of memory");
            break;
        }
        j->ok = true;
    }
    if (!j->ok && !seen && j->why[0] == '\0') {
        say(j, "no cosignature by its key in the answer");
    }
    es_buf_free(&tmp);
    es_free(n);
}

static void run(job *j)
{
    char url[ES_LOG_URL_MAX];
    const char *base = j->w->url;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') {
        bl--;
    }
    if ((size_t)snprintf(url, sizeof(url), "%.*s/add-checkpoint", (int)bl, base) >= sizeof(url)) {
        say(j, "the URL is too long");
        return;
    }
    es_buf body = ES_BUF_INIT(ES_NOTE_MAX_LEN + ES_LOG_PROOF_TEXT_MAX);
    es_buf resp = ES_BUF_INIT(RESP_MAX);
    es_http_client_options o = {.timeout_ms = j->timeout_ms, .max_response = RESP_MAX};
    uint64_t old = j->old;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!es_ok(request_body(j, &body, old))) {
            say(j, "no consistency proof from size %llu: %s", (unsigned long long)old, eseal_error_last()->message);
            break;
        }
        long status = 0;
        char ctype[ES_LOG_HEADER_MAX] = "";
        if (!es_ok(es_http_post(url, "text/plain", es_buf_span(&body), &o, &resp, &status, ctype, sizeof(ctype)))) {
            say(j, "%s", eseal_error_last()->message);
            break;
        }
        if (status == 200) {
            accept_cosignature(j, &resp);
            break;
        }
        char first[ES_LOG_HEADER_MAX];
        first_line(first, sizeof(first), &resp);
        if (status != 409) {
            say(j, "HTTP %ld from %s: %s", status, url, first);
            break;
        }
        uint64_t size = 0;
        if (!parse_size(&resp, &size)) {
            say(j, "HTTP 409 from %s without a tree size: %s", url, first);
            break;
        }
        if (size > j->cp->size) {
            say(j, "it has cosigned size %llu, more than this checkpoint's %llu", (unsigned long long)size,
                (unsigned long long)j->cp->size);
            break;
        }
        if (attempt == 1 || size == old) {
            say(j, "HTTP 409 again from %s: it has size %llu", url, (unsigned long long)size);
            break;
        }
        old = size; /* tlog-witness: retry from the size the witness has */
    }
    es_buf_free(&body);
    es_buf_free(&resp);
}

static void *thread_main(void *arg)
{
    run(arg);
    return NULL;
}

static ES_RESULT size_key(es_buf *k, const es_witness_cfg *w)
{
    es_buf_clear(k);
    return es_buf_printf(k, "log.witness.%s.size", w->name);
}

static ES_RESULT stored_size(eseal_store *st, const es_witness_cfg *w, uint64_t *out)
{
    *out = 0;
    ES_AUTO(es_buf_freep) es_buf k = ES_BUF_INIT(ES_LOG_META_KEY_MAX);
    ES_GUARD(size_key(&k, w));
    eseal_buf v = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(st, &v, es_buf_cstr(&k));
    if (rc == ESEAL_ENOTFOUND) {
        return ES_OK;
    }
    ES_GUARD(es_from_code(rc));
    es_result r = es_parse_uint((const char *)v.ptr, UINT64_MAX >> 1, out);
    eseal_buf_dispose(&v);
    if (!es_ok(r)) {
        *out = 0; /* a damaged record only costs a 409 round trip */
    }
    return ES_OK;
}

static ES_RESULT record(eseal_store *st, const es_witness_cfg *w, uint64_t size)
{
    ES_AUTO(es_buf_freep) es_buf k = ES_BUF_INIT(ES_LOG_META_KEY_MAX);
    ES_GUARD(size_key(&k, w));
    char v[ES_LOG_DECIMAL_MAX];
    int n = snprintf(v, sizeof(v), "%llu", (unsigned long long)size);
    return es_from_code(eseal_store_meta_put(st, es_buf_cstr(&k), v, (size_t)n));
}

ES_RESULT es_witness_collect(eseal_store *st, const es_witness_cfg *ws, size_t n, es_span note,
                             const es_checkpoint *cp, es_consistency_fn prove, void *ctx, unsigned timeout_ms,
                             es_buf *cosig_lines, unsigned *got, es_buf *why)
{
    ES_ENSURE_ARG(st != NULL && (ws != NULL || n == 0) && cp != NULL && prove != NULL && cosig_lines != NULL &&
                  got != NULL && why != NULL);
    ES_ENSURE(n <= ES_WITNESS_MAX, ESEAL_ELIMIT, "witness: %zu witnesses, more than %d", n, ES_WITNESS_MAX);
    *got = 0;
    for (size_t i = 0; i < n; i++) {
        ES_ENSURE(ws[i].name != NULL && ws[i].url != NULL && ws[i].v.type == ES_NOTE_COSIG_V1, ESEAL_EINVAL,
                  "witness %zu: a name, a URL and a cosignature key (type 0x04) are needed", i);
    }
    es_note *parsed = es_calloc(1, sizeof(*parsed));
    ES_ENSURE_ALLOC(parsed);
    es_result r = es_note_parse(parsed, note);
    es_span text = parsed->text;
    es_free(parsed);
    ES_GUARD(r);
    job *jobs = es_calloc(n > 0 ? n : 1, sizeof(*jobs));
    ES_ENSURE_ALLOC(jobs);
    pthread_t *tids = es_calloc(n > 0 ? n : 1, sizeof(*tids));
    bool *started = es_calloc(n > 0 ? n : 1, sizeof(*started));
    pthread_mutex_t prove_lock = PTHREAD_MUTEX_INITIALIZER;
    if (tids == NULL || started == NULL) {
        r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        job *j = &jobs[i];
        j->w = &ws[i];
        j->text = text;
        j->note = note;
        j->cp = cp;
        j->prove = prove;
        j->ctx = ctx;
        j->prove_lock = &prove_lock;
        j->timeout_ms = timeout_ms;
        j->line = (es_buf)ES_BUF_INIT(ES_LOG_META_KEY_MAX);
        r = stored_size(st, &ws[i], &j->old);
        if (j->old > cp->size) {
            j->old = 0; /* ahead of this checkpoint (a restored store?): probe, the witness answers 409 */
        }
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        started[i] = pthread_create(&tids[i], NULL, thread_main, &jobs[i]) == 0;
        if (!started[i]) {
            run(&jobs[i]); /* no thread to be had: ask this one from here */
        }
    }
    for (size_t i = 0; i < n && tids != NULL && started != NULL; i++) {
        if (started[i]) {
            (void)pthread_join(tids[i], NULL);
        }
    }
    for (size_t i = 0; es_ok(r) && i < n; i++) {
        job *j = &jobs[i];
        if (j->ok) {
            r = es_buf_append(cosig_lines, j->line.ptr, j->line.len);
            if (!es_ok(r)) {
                break;
            }
            (*got)++;
            if (!es_ok(record(st, j->w, cp->size))) {
                /* The cosignature stands; a size not recorded only costs a 409 round trip next time. */
                r = es_buf_printf(why, "%s: cosigned, but its size was not recorded: %s\n", j->w->name,
                                  eseal_error_last()->message);
            }
        } else {
            r = es_buf_printf(why, "%s: %s\n", j->w->name, j->why[0] != '\0' ? j->why : "no cosignature");
        }
    }
    for (size_t i = 0; i < n; i++) {
        es_buf_free(&jobs[i].line);
    }
    es_free(jobs);
    es_free(tids);
    es_free(started);
    return r;
}
