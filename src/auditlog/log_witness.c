/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Witness cosignatures for the audit log's checkpoints: the platform side of
 * C2SP tlog-witness. Witnesses are configured in eseal.conf ("log_witness =
 * NAME VKEY URL", "log_witness_quorum = K"); each new checkpoint is sent to
 * them after it is signed and stored, and the cosignature lines they return
 * (each checked) are added to the stored note and to HOME/log/checkpoint.
 */
#include <string.h>

#include "auditlog.h"
#include "maxima.h"
#include "witness_client.h"

ES_RESULT es_witness_cfg_parse(es_witness_cfg *cfg, const char *line)
{
    ES_AUTO(es_strfreep) char *copy = es_strdup(line);
    ES_ENSURE_ALLOC(copy);
    char *parts[3] = {NULL, NULL, NULL};
    size_t n = 0;
    for (char *p = copy; *p != '\0' && n < 3;) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        parts[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            p++;
        }
    }
    ES_ENSURE(n == 3, ESEAL_EMALFORMED, "eseal.conf: log_witness must be 'NAME VKEY URL' (got '%s')", line);
    ES_GUARD(es_note_vkey_parse(&cfg->v, parts[1]));
    ES_ENSURE(cfg->v.type == ES_NOTE_COSIG_V1, ESEAL_EMALFORMED,
              "eseal.conf: log_witness %s: the key is not a cosignature key (C2SP type 0x04)", parts[0]);
    ES_ENSURE(es_str_starts(parts[2], "http://") || es_str_starts(parts[2], "https://"), ESEAL_EMALFORMED,
              "eseal.conf: log_witness %s: the URL must start with http:// or https://", parts[0]);
    cfg->name = es_strdup(parts[0]);
    cfg->url = es_strdup(parts[2]);
    ES_ENSURE(cfg->name != NULL && cfg->url != NULL, ESEAL_ENOMEM, "out of memory");
    return ES_OK;
}

typedef struct {
    struct eseal_log *log;
} prover;

static es_result prove(void *ctx, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count)
{
    prover *p = ctx;
    eseal_store *s = NULL;
    es_result r = es_log_reader_begin(p->log, &s);
    r = es_ok(r) ? es_log_consistency_in(s, m, n, proof, count) : r;
    es_log_reader_end(p->log);
    return r;
}

ES_RESULT es_log_witness_cosign(struct eseal_log *log, es_buf *note, const es_checkpoint *cp, uint64_t prev_size)
{
    (void)prev_size;
    const es_auditlog_settings *c = es_log_config(log);
    if (c->witness_count == 0) {
        return ES_OK;
    }
    es_witness_cfg *ws = es_calloc(c->witness_count, sizeof(*ws));
    ES_ENSURE_ALLOC(ws);
    es_result r = ES_OK;
    for (size_t i = 0; es_ok(r) && i < c->witness_count; i++) {
        r = es_witness_cfg_parse(&ws[i], c->witnesses[i]);
    }
    ES_AUTO(es_buf_freep) es_buf lines = ES_BUF_INIT(ES_LOG_COSIG_LINES_MAX);
    ES_AUTO(es_buf_freep) es_buf why = ES_BUF_INIT(ES_LOG_WITNESS_WHY_MAX);
    unsigned got = 0;
    if (es_ok(r)) {
        prover pv = {log};
        eseal_store *s = NULL;
        r = es_log_meta_store(log, &s);
        if (es_ok(r)) {
            r = es_witness_collect(s, ws, c->witness_count, es_buf_span(note), cp, prove, &pv,
                                   c->witness_timeout_ms, &lines, &got, &why);
        }
    }
    if (es_ok(r) && lines.len > 0) {
        r = es_buf_append(note, lines.ptr, lines.len);
        if (es_ok(r)) {
            r = es_log_store_cosigned(log, cp->size, es_buf_span(note));
        }
    }
    for (size_t i = 0; i < c->witness_count; i++) {
        es_free(ws[i].name);
        es_free(ws[i].url);
    }
    es_free(ws);
    ES_GUARD(r);
    ES_ENSURE(got >= c->witness_quorum, ESEAL_ESTATE,
              "log: checkpoint %llu was signed but only %u of the %zu witnesses cosigned it (quorum %u): %s",
              (unsigned long long)cp->size, got, c->witness_count, c->witness_quorum, es_buf_cstr(&why));
    return ES_OK;
}

size_t es_log_note_base_len(es_span note)
{
    es_span text;
    if (!es_note_text_span(note, &text) || text.len + 1 >= note.len) {
        return 0;
    }
    size_t sigs = text.len + 1; /* after the blank line */
    const uint8_t *nl = memchr(note.ptr + sigs, '\n', note.len - sigs);
    return nl != NULL ? (size_t)(nl - note.ptr) + 1 : 0;
}

ES_RESULT es_log_witness_recosign(struct eseal_log *log, uint64_t size)
{
    const es_auditlog_settings *c = es_log_config(log);
    if (c->witness_count == 0 || c->witness_quorum == 0) {
        return ES_OK;
    }
    /* How many configured witnesses have cosigned the stored note already? */
    ES_AUTO(es_freep) es_note_verifier *vs = es_calloc(c->witness_count, sizeof(*vs));
    ES_ENSURE_ALLOC(vs);
    for (size_t i = 0; i < c->witness_count; i++) {
        es_witness_cfg w = {0};
        es_result r = es_witness_cfg_parse(&w, c->witnesses[i]);
        es_free(w.name);
        es_free(w.url);
        ES_GUARD(r);
        vs[i] = w.v;
    }
    eseal_buf note = ESEAL_BUF_INIT;
    eseal_store *s = NULL;
    es_result rs = es_log_reader_begin(log, &s);
    int rc = es_ok(rs) ? eseal_store_log_checkpoint(s, &note, size, NULL) : es_code(rs);
    es_log_reader_end(log);
    ES_GUARD(es_from_code(rc));
    es_note *n = es_calloc(1, sizeof(*n));
    es_checkpoint cp;
    uint64_t mask = 0;
    es_result r = n != NULL ? es_note_parse(n, es_span_of(note.ptr, note.size))
                            : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    if (es_ok(r)) {
        r = es_checkpoint_parse(&cp, n->text);
    }
    if (es_ok(r) && !es_ok(es_note_verify(n, vs, c->witness_count, &mask, NULL))) {
        mask = 0; /* no cosignature verifies yet */
        eseal_error_clear();
    }
    unsigned have = (unsigned)__builtin_popcountll(mask);
    ES_AUTO(es_buf_freep) es_buf base = ES_BUF_INIT(ES_NOTE_MAX_LEN);
    if (es_ok(r) && have < c->witness_quorum) {
        r = es_buf_append(&base, note.ptr, es_log_note_base_len(es_span_of(note.ptr, note.size)));
        if (es_ok(r)) {
            r = es_log_witness_cosign(log, &base, &cp, 0);
        }
    }
    es_free(n);
    eseal_buf_dispose(&note);
    return r;
}
