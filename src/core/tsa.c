/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance's time-stamp authority: the TSA certificate and key of a CA
 * hierarchy (role "tsa", issued by es_ca_create_hierarchies with profile
 * ES_PROFILE_TSA) answering RFC 3161 requests through an eseal_tsa_responder.
 *
 * Serial numbers come from the store's counter "tsa-serial-<hierarchy>": a
 * service reserves a block of SERIAL_BLOCK values in one durable transaction
 * (eseal_store_counter_reserve) and hands them out from memory under a mutex,
 * so a token costs no disk write, concurrent processes on one HOME (two
 * `eseal tsa serve`) get disjoint blocks from SQLite's write lock, and a
 * restart continues above every block reserved before. What a service does not
 * hand out of its last block (a crash, a stop) is skipped, never reused: RFC
 * 3161 §2.4.2 asks serials to be unique, not consecutive. The one-shot
 * eseal_instance_tsa_respond reserves one value, so it skips none.
 *
 * Before the store held it, the counter was the file HOME/tsa/serial-<hierarchy>
 * (decimal, rewritten under a flock on serial-<hierarchy>.lock). When it exists
 * its value, read under that lock at open, is the floor of every reservation,
 * so the store continues above the last serial the file handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "eseal/tsa.h"
#include "core.h"

#define SERIAL_BLOCK 1024u

/* The value left in a pre-store counter file, 0 when there is none. */
static ES_RESULT legacy_serial(const char *path, const char *lock, uint64_t *out)
{
    *out = 0;
    int fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        return ES_OK; /* never used a counter file */
    }
    ES_ENSURE(fd >= 0, ESEAL_EIO, "tsa: cannot open %s: %s", lock, strerror(errno));
    if (flock(fd, LOCK_SH) != 0) {
        int e = errno;
        close(fd);
        ES_BAIL(ESEAL_EIO, "tsa: cannot lock %s: %s", lock, strerror(e));
    }
    es_buf cur = ES_BUF_INIT(ES_TSA_SERIAL_TEXT_MAX);
    es_result r = es_file_read(&cur, path, ES_TSA_SERIAL_FILE_MAX);
    if (es_ok(r)) {
        while (cur.len > 0 && (cur.ptr[cur.len - 1] == '\n' || cur.ptr[cur.len - 1] == '\r')) {
            cur.ptr[--cur.len] = '\0';
        }
        r = es_parse_uint(es_buf_cstr(&cur), UINT64_C(1) << 62, out);
        if (!es_ok(r)) {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "tsa: %s does not hold a serial number", path);
        }
    } else if (es_code(r) == ESEAL_ENOTFOUND) {
        r = ES_OK;
    }
    es_buf_free(&cur);
    flock(fd, LOCK_UN);
    close(fd);
    return r;
}

typedef struct {
    eseal_store *store;
    char name[64];         /* the store counter */
    uint64_t floor;        /* the legacy counter file's value */
    pthread_mutex_t lock;  /* guards next/end and the store handle */
    uint64_t next, end;    /* [next, end) is reserved and not handed out yet */
    unsigned int block;    /* values per reservation */
} serial_pool;

/* The store error of this thread's last failed serial reservation (es_tsa_serial_failure). */
static _Thread_local int tl_serial_rc;
static _Thread_local char tl_serial_msg[512];

int es_tsa_serial_failure(const char **msg)
{
    *msg = tl_serial_msg;
    return tl_serial_rc;
}

/* One reservation (a store transaction) at a time in the process: `eseal serve` runs the TSAs of
 * several hierarchies on one instance connection, whose transactions must not interleave. */
static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;

/* The responder's clock: the instance's context's (genTime), read at each response. */
static int64_t inst_clock(void *inst) { return es_inst_now(inst); }

static int serial_cb(void *ctx, uint64_t *serial)
{
    serial_pool *p = ctx;
    int rc = ESEAL_OK;
    pthread_mutex_lock(&p->lock);
    if (p->next == p->end) {
        uint64_t first = 0;
        pthread_mutex_lock(&reserve_lock);
        rc = eseal_store_counter_reserve(p->store, p->name, p->block, p->floor, &first);
        pthread_mutex_unlock(&reserve_lock);
        if (rc == ESEAL_OK) {
            p->next = first;
            p->end = first + p->block;
        }
    }
    if (rc == ESEAL_OK) {
        *serial = p->next++;
    } else {
        /* The responder turns this into a rejection (RFC 3161 §2.4.2 addInfoNotAvailable), right
         * for a client over HTTP; an in-process caller wants the store's own words. */
        tl_serial_rc = rc;
        (void)snprintf(tl_serial_msg, sizeof(tl_serial_msg), "%s", eseal_error_last()->message);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

/* A loaded TSA: its key unlocked once (one scrypt), then any number of requests, from any thread. */
struct eseal_tsa_service {
    eseal_cert *cert, *ca;
    eseal_key *key;
    serial_pool serials;
    bool serials_lock;
    const eseal_cert *chain[1];
    eseal_tsa_responder *responder;
};

void eseal_tsa_service_close(eseal_tsa_service *t)
{
    if (t != NULL) {
        eseal_tsa_responder_free(t->responder);
        eseal_key_free(t->key);
        eseal_cert_free(t->cert);
        eseal_cert_free(t->ca);
        if (t->serials_lock) {
            pthread_mutex_destroy(&t->serials.lock);
        }
        es_free(t);
    }
}

static ES_RESULT tsa_open(eseal_instance *inst, eseal_tsa_service *t, const char *h)
{
    ES_ENSURE_ARG(inst != NULL && h != NULL);
    ES_ENSURE(strcmp(h, "p256") == 0 || strcmp(h, "sm2") == 0, ESEAL_EUNSUPPORTED,
              "tsa: the %s hierarchy has no TSA (sm2 and p256 have)", h);
    eseal_cert_record tsa, issuing;
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &tsa, "tsa", h)));
    /* The TSA's own issuer (after an issuing CA renewal it may be a superseded CA, not the current
     * one); a revoked issuer makes every token untrustworthy: refuse, and say what to do. */
    es_result r = es_from_code(eseal_store_cert_find(inst->store, &issuing, tsa.issuer_id));
    if (es_ok(r) && issuing.revoked_ms != 0) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                         "tsa: the %s TSA's issuing CA %s is revoked; renew it with 'eseal ca renew issuing-ca --alg %s'",
                         h, issuing.id, h);
        eseal_cert_record_dispose(&issuing);
    }
    if (!es_ok(r)) {
        eseal_cert_record_dispose(&tsa);
        return r;
    }
    es_buf dir = ES_BUF_INIT(ES_DIR_PATH_MAX);
    es_buf path = ES_BUF_INIT(ES_DIR_PATH_MAX), lock = ES_BUF_INIT(ES_DIR_PATH_MAX);
    r = es_cert_parse(&t->cert, es_span_of(tsa.pem, strlen(tsa.pem)));
    if (es_ok(r)) {
        r = es_cert_parse(&t->ca, es_span_of(issuing.pem, strlen(issuing.pem)));
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &t->key, &tsa);
    }
    if (es_ok(r)) {
        r = es_home_path(&dir, inst, "tsa");
    }
    if (es_ok(r)) {
        r = es_buf_printf(&path, "%s/serial-%s", es_buf_cstr(&dir), h);
    }
    if (es_ok(r)) {
        r = es_buf_printf(&lock, "%s/serial-%s.lock", es_buf_cstr(&dir), h);
    }
    if (es_ok(r)) {
        r = legacy_serial(es_buf_cstr(&path), es_buf_cstr(&lock), &t->serials.floor);
    }
    es_buf_free(&dir);
    es_buf_free(&path);
    es_buf_free(&lock);
    eseal_cert_record_dispose(&tsa);
    eseal_cert_record_dispose(&issuing);
    ES_GUARD(r);
    t->serials.store = inst->store;
    t->serials.block = SERIAL_BLOCK;
    (void)snprintf(t->serials.name, sizeof(t->serials.name), "tsa-serial-%s", h);
    ES_ENSURE(pthread_mutex_init(&t->serials.lock, NULL) == 0, ESEAL_ENOMEM, "out of memory");
    t->serials_lock = true;
    t->chain[0] = t->ca;
    eseal_tsa_config cfg = ESEAL_TSA_CONFIG_INIT;
    cfg.key = t->key;
    cfg.cert = t->cert;
    cfg.chain = t->chain;
    cfg.chain_len = 1;
    cfg.next_serial = serial_cb;
    cfg.serial_ctx = &t->serials;
    cfg.clock = inst_clock;
    cfg.clock_ctx = inst;
    cfg.policy_oid = inst->cfg.tsa_policy; /* NULL: the placeholder default */
    return es_from_code(eseal_tsa_responder_new(&t->responder, &cfg));
}

int eseal_instance_tsa_open(eseal_instance *inst, eseal_tsa_service **out, const char *hierarchy)
{
    if (out == NULL) {
        ES_BAIL_ARG("out == NULL");
    }
    eseal_tsa_service *t = es_calloc(1, sizeof(*t));
    if (t == NULL) {
        ES_BAIL_INT(ESEAL_ENOMEM, "out of memory");
    }
    es_result r = tsa_open(inst, t, hierarchy != NULL ? hierarchy : "p256");
    if (!es_ok(r)) {
        eseal_tsa_service_close(t);
        return es_code(r);
    }
    *out = t;
    return ESEAL_OK;
}

static ES_RESULT tsa_service_respond(eseal_tsa_service *t, es_buf *out, es_span req)
{
    eseal_buf resp = ESEAL_BUF_INIT;
    es_result r = es_from_code(eseal_tsa_responder_respond(t->responder, &resp, req.ptr, req.len));
    if (es_ok(r)) {
        r = es_buf_append(out, resp.ptr, resp.size);
    }
    eseal_buf_dispose(&resp);
    return r;
}

int eseal_tsa_service_respond(eseal_tsa_service *t, eseal_buf *resp, const void *req, size_t len)
{
    if (t == NULL || resp == NULL || (req == NULL && len > 0)) {
        ES_BAIL_ARG("t == NULL || resp == NULL || (req == NULL && len > 0)");
    }
    es_buf out = ES_BUF_INIT(ES_TS_RESPONSE_MAX);
    tl_serial_rc = ESEAL_OK;
    tl_serial_msg[0] = '\0';
    es_result r = tsa_service_respond(t, &out, es_span_of(req, len));
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(resp, &out);
    return ESEAL_OK;
}

int eseal_instance_tsa_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                               const char *hierarchy)
{
    eseal_tsa_service *t = NULL;
    int rc = eseal_instance_tsa_open(inst, &t, hierarchy);
    if (rc == ESEAL_OK) {
        t->serials.block = 1; /* one token: reserve one serial, skip none */
        rc = eseal_tsa_service_respond(t, resp, req, len);
    }
    eseal_tsa_service_close(t);
    return rc;
}
