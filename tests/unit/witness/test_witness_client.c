/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log publisher's witness client (src/auditlog/witness_client.c) against
 * in-process witnesses of src/witness/witness.c served by es_http_start on port
 * 0: a fresh witness, one that is behind what the store says (the 409 path),
 * one that is unreachable, one whose cosignature does not verify, one too slow,
 * and one that has cosigned more than the checkpoint being published.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "http/http.h"
#include "auditlog/witness_client.h"
#include "testlog.h"

#define PASS "witness-client-pass"

static char tmp[256];

typedef struct {
    eseal_witness *w;
    int mode; /* 0 honest, 1 corrupts its cosignature, 2 answers after 1.5 s */
    int requests;
    pthread_mutex_t m;
    es_http_server *http;
    char url[128];
    es_note_verifier v;
    char home[512];
} served;

static es_result handler(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    served *s = ctx;
    (void)pthread_mutex_lock(&s->m);
    s->requests++;
    (void)pthread_mutex_unlock(&s->m);
    if (s->mode == 2) {
        (void)usleep(1500 * 1000);
    }
    if (strcmp(rq->path, "/add-checkpoint") != 0 || strcmp(rq->method, "POST") != 0) {
        rs->status = 404;
        return ES_OK;
    }
    int status = 0;
    eseal_buf b = ESEAL_BUF_INIT;
    ES_ENSURE(eseal_witness_add_checkpoint(s->w, rq->body.ptr, rq->body.len, &status, &b, rs->content_type,
                                           sizeof(rs->content_type)) == ESEAL_OK,
              ESEAL_ERROR, "the witness failed");
    rs->status = status;
    if (s->mode == 1 && status == 200 && b.size > 12) {
        /* A base64 character of the signature, changed for another valid one. */
        b.ptr[b.size - 10] = b.ptr[b.size - 10] == 'A' ? 'B' : 'A';
    }
    es_result r = es_buf_append(&rs->body, b.ptr, b.size);
    eseal_buf_dispose(&b);
    return r;
}

static void serve(served *s, const char *name, int mode, testlog *log)
{
    memset(s, 0, sizeof(*s));
    (void)snprintf(s->home, sizeof(s->home), "%s/%s", tmp, name);
    assert_int_equal(eseal_witness_init(s->home, name, PASS, strlen(PASS)), ESEAL_OK);
    char vk[512];
    testlog_vkey(log, vk, sizeof(vk));
    assert_int_equal(eseal_witness_add_log(s->home, log->origin, vk), ESEAL_OK);
    assert_int_equal(eseal_witness_open(&s->w, s->home, PASS, strlen(PASS)), ESEAL_OK);
    eseal_buf wv = ESEAL_BUF_INIT;
    assert_int_equal(eseal_witness_vkey(s->w, &wv), ESEAL_OK);
    assert_true(es_ok(es_note_vkey_parse(&s->v, (const char *)wv.ptr)));
    eseal_buf_dispose(&wv);
    s->mode = mode;
    assert_int_equal(pthread_mutex_init(&s->m, NULL), 0);
    es_http_options o = {"127.0.0.1:0", 0, 2, 5, handler, s, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    assert_true(es_ok(es_http_start(&s->http, &o)));
    (void)snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/", es_http_port(s->http));
}

static void unserve(served *s)
{
    es_http_stop(s->http);
    eseal_witness_close(s->w);
    (void)pthread_mutex_destroy(&s->m);
}

static int requests(served *s)
{
    (void)pthread_mutex_lock(&s->m);
    int n = s->requests;
    (void)pthread_mutex_unlock(&s->m);
    return n;
}

/* A port nobody listens on: bound, then closed. */
static unsigned int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct {
    testlog *log;
    int calls;
} prover;

static es_result prove(void *ctx, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count)
{
    prover *p = ctx;
    p->calls++; /* the client calls one at a time */
    return es_tlog_prove_consistency(proof, count, m, n, testlog_subtree, p->log);
}

/* The signed checkpoint of size n, parsed. */
static void checkpoint(testlog *t, uint64_t n, es_buf *note, es_checkpoint *cp)
{
    es_buf text = ES_BUF_INIT(4096);
    testlog_text(t, n, NULL, &text);
    testlog_sign(t, es_buf_span(&text), note);
    assert_true(es_ok(es_checkpoint_parse(cp, es_buf_span(&text))));
    es_buf_free(&text);
}

static void stored(eseal_store *st, const char *name, const char *want)
{
    char key[256];
    (void)snprintf(key, sizeof(key), "log.witness.%s.size", name);
    eseal_buf v = ESEAL_BUF_INIT;
    int rc = eseal_store_meta(st, &v, key);
    if (want == NULL) {
        assert_int_equal(rc, ESEAL_ENOTFOUND);
        return;
    }
    assert_int_equal(rc, ESEAL_OK);
    assert_string_equal((const char *)v.ptr, want);
    eseal_buf_dispose(&v);
}

/* Every line of `lines` is a cosignature over the note's text by one of vs, all of them verify. */
static void verify_lines(const es_buf *note, const es_buf *lines, const es_note_verifier *vs, size_t nv,
                         uint64_t want_bits)
{
    es_buf all = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_buf_append(&all, note->ptr, note->len)));
    assert_true(es_ok(es_buf_append(&all, lines->ptr, lines->len)));
    es_note *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    assert_true(es_ok(es_note_parse(n, es_buf_span(&all))));
    assert_int_equal(n->count, 1 + (size_t)__builtin_popcountll(want_bits));
    uint64_t verified = 0;
    assert_true(es_ok(es_note_verify(n, vs, nv, &verified, NULL)));
    assert_int_equal(verified, want_bits);
    free(n);
    es_buf_free(&all);
}

static void collects_from_good_witnesses_only(void **state)
{
    (void)state;
    testlog L;
    testlog_new(&L, "log.example.org/published", 20);
    served w1, w2, liar, slow;
    serve(&w1, "w1.example.org", 0, &L);
    serve(&w2, "w2.example.org", 0, &L);
    serve(&liar, "w3.example.org", 1, &L);
    serve(&slow, "w4.example.org", 2, &L);

    /* w2 has cosigned size 2, but the store believes 4: its first answer is 409 "2". */
    es_buf body = ES_BUF_INIT(1 << 20);
    testlog_body(&L, 0, 2, &body);
    int status = 0;
    eseal_buf resp = ESEAL_BUF_INIT;
    assert_int_equal(eseal_witness_add_checkpoint(w2.w, body.ptr, body.len, &status, &resp, NULL, 0), ESEAL_OK);
    assert_int_equal(status, 200);
    eseal_buf_dispose(&resp);
    char db[600];
    (void)snprintf(db, sizeof(db), "%s/log.db", tmp);
    eseal_store *st = NULL;
    assert_int_equal(eseal_store_open(&st, db), ESEAL_OK);
    assert_int_equal(eseal_store_meta_put(st, "log.witness.w2.example.org.size", "4", 1), ESEAL_OK);

    char dead[64];
    (void)snprintf(dead, sizeof(dead), "http://127.0.0.1:%u", dead_port());
    char n1[] = "w1.example.org", n2[] = "unreachable.example.org", n3[] = "w2.example.org", n4[] = "w3.example.org",
         n5[] = "w4.example.org";
    es_witness_cfg ws[] = {
        {n1, w1.v, w1.url}, {n2, w1.v, dead}, {n3, w2.v, w2.url}, {n4, liar.v, liar.url}, {n5, slow.v, slow.url},
    };
    /* The unreachable witness needs its own name in its key to be a sound configuration. */
    (void)snprintf(ws[1].v.name, sizeof(ws[1].v.name), "unreachable.example.org");

    es_buf note = ES_BUF_INIT(8192), lines = ES_BUF_INIT(1 << 20), why = ES_BUF_INIT(1 << 20);
    es_checkpoint cp;
    checkpoint(&L, 6, &note, &cp);
    prover p = {&L, 0};
    unsigned got = 99;
    assert_true(es_ok(es_witness_collect(st, ws, 5, es_buf_span(&note), &cp, prove, &p, 700, &lines, &got, &why)));
    assert_int_equal(got, 2);
    es_note_verifier vs[] = {w1.v, w2.v};
    verify_lines(&note, &lines, vs, 2, 3);
    /* In the order of the configuration: w1's line first. */
    assert_true(strncmp(es_buf_cstr(&lines), "\xe2\x80\x94 w1.example.org ", 19) == 0);
    assert_int_equal(requests(&w1), 1);
    assert_int_equal(requests(&w2), 2); /* 409, then from size 2 with a proof */
    assert_int_equal(p.calls, 2);       /* only w2 needs proofs: 4 -> 6 (the store's size), then 2 -> 6 */
    const char *y = es_buf_cstr(&why);
    if (strstr(y, "unreachable.example.org: http: ") == NULL ||
        strstr(y, "w3.example.org: its cosignature does not verify") == NULL ||
        strstr(y, "w4.example.org: http: ") == NULL || strstr(y, "timed out") == NULL ||
        strstr(y, "w1.example.org") != NULL || strstr(y, "w2.example.org") != NULL) {
        fail_msg("why: %s", y);
    }
    size_t nl = 0;
    for (size_t i = 0; i < why.len; i++) {
        nl += why.ptr[i] == '\n';
    }
    assert_int_equal(nl, 3);
    stored(st, "w1.example.org", "6");
    stored(st, "w2.example.org", "6");
    stored(st, "unreachable.example.org", NULL);
    stored(st, "w3.example.org", NULL);
    stored(st, "w4.example.org", NULL);

    /* The log grows: each good witness is asked once, from the size it has, with a proof. */
    es_buf_clear(&lines);
    es_buf_clear(&why);
    checkpoint(&L, 11, &note, &cp);
    p.calls = 0;
    assert_true(es_ok(es_witness_collect(st, ws, 1, es_buf_span(&note), &cp, prove, &p, 2000, &lines, &got, &why)));
    assert_true(es_ok(es_witness_collect(st, ws + 2, 1, es_buf_span(&note), &cp, prove, &p, 2000, &lines, &got,
                                         &why)));
    assert_int_equal(got, 1); /* the count of the last call */
    assert_int_equal(why.len, 0);
    verify_lines(&note, &lines, vs, 2, 3);
    assert_int_equal(requests(&w1), 2);
    assert_int_equal(requests(&w2), 3);
    assert_int_equal(p.calls, 2);
    stored(st, "w1.example.org", "11");

    /* Publishing an older checkpoint than w1 cosigned: refused with the reason, nothing recorded. */
    es_buf_clear(&lines);
    checkpoint(&L, 9, &note, &cp);
    assert_true(es_ok(es_witness_collect(st, ws, 1, es_buf_span(&note), &cp, prove, &p, 2000, &lines, &got, &why)));
    assert_int_equal(got, 0);
    assert_int_equal(lines.len, 0);
    assert_non_null(strstr(es_buf_cstr(&why), "w1.example.org: it has cosigned size 11, more than this checkpoint's 9"));
    stored(st, "w1.example.org", "11");

    /* Bad calls are errors, not reasons. */
    static const char junk[] = "not a note";
    assert_int_equal(es_code(es_witness_collect(st, ws, 1, es_span_of(junk, sizeof(junk) - 1), &cp, prove, &p,
                                                2000, &lines, &got, &why)),
                     ESEAL_EMALFORMED);
    es_witness_cfg bad = ws[0];
    bad.v.type = ES_NOTE_ED25519;
    assert_int_equal(es_code(es_witness_collect(st, &bad, 1, es_buf_span(&note), &cp, prove, &p, 2000, &lines, &got,
                                                &why)),
                     ESEAL_EINVAL);

    eseal_store_close(st);
    es_buf_free(&note);
    es_buf_free(&lines);
    es_buf_free(&why);
    es_buf_free(&body);
    unserve(&w1);
    unserve(&w2);
    unserve(&liar);
    unserve(&slow);
    testlog_free(&L);
}

static int setup(void **state)
{
    (void)state;
    (void)snprintf(tmp, sizeof(tmp), "/tmp/eseal-wclient-XXXXXX");
    return mkdtemp(tmp) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collects_from_good_witnesses_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
