/*
 * The instance's time-stamp authority: the TSA certificate and key of a CA
 * hierarchy (role "tsa", issued by es_ca_create_hierarchies with profile
 * ES_PROFILE_TSA) answering RFC 3161 requests through eseal_tsa_respond().
 *
 * Serial numbers come from a counter file, HOME/tsa/serial-<hierarchy>, a
 * decimal number rewritten atomically (temporary file, fsync, rename) under an
 * exclusive flock on HOME/tsa/serial-<hierarchy>.lock, so that concurrent
 * processes never hand out the same serial and a crash never loses the file.
 * (Interim: the counter moves into the store with its next migration.)
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "eseal/tsa.h"
#include "service.h"

typedef struct {
    const char *path; /* the counter file */
    const char *lock; /* its lock file */
} serial_file;

static ES_RESULT serial_next(const serial_file *sf, uint64_t *out)
{
    int fd = open(sf->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "tsa: cannot open %s: %s", sf->lock, strerror(errno));
    if (flock(fd, LOCK_EX) != 0) {
        int e = errno;
        close(fd);
        ES_BAIL(ESEAL_EIO, "tsa: cannot lock %s: %s", sf->lock, strerror(e));
    }
    es_buf cur = ES_BUF_INIT(64);
    uint64_t last = 0;
    es_result r = es_file_read(&cur, sf->path, 32);
    if (es_ok(r)) {
        while (cur.len > 0 && (cur.ptr[cur.len - 1] == '\n' || cur.ptr[cur.len - 1] == '\r')) {
            cur.ptr[--cur.len] = '\0';
        }
        r = es_parse_uint(es_buf_cstr(&cur), UINT64_MAX - 1, &last);
        if (!es_ok(r)) {
            r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "tsa: %s does not hold a serial number", sf->path);
        }
    } else if (es_code(r) == ESEAL_ENOTFOUND) {
        r = ES_OK; /* the first time-stamp of this TSA */
    }
    es_buf_clear(&cur);
    if (es_ok(r)) {
        r = es_buf_printf(&cur, "%llu\n", (unsigned long long)(last + 1));
    }
    if (es_ok(r)) {
        r = es_file_write_atomic(sf->path, cur.ptr, cur.len, 0600);
    }
    es_buf_free(&cur);
    flock(fd, LOCK_UN);
    close(fd);
    if (es_ok(r)) {
        *out = last + 1;
    }
    return r;
}

static int serial_cb(void *ctx, uint64_t *serial) { return es_code(serial_next(ctx, serial)); }

static ES_RESULT tsa_respond(eseal_instance *inst, es_buf *out, es_span req, const char *h)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL && h != NULL);
    ES_ENSURE(strcmp(h, "p256") == 0, ESEAL_EUNSUPPORTED,
              "tsa: the %s hierarchy cannot answer time-stamp requests yet (p256 can)", h);
    eseal_cert_record tsa, issuing;
    ES_GUARD((es_result){eseal_store_cert_find_role(inst->store, &tsa, "tsa", h)});
    es_result r = (es_result){eseal_store_cert_find_role(inst->store, &issuing, "issuing-ca", h)};
    if (!es_ok(r)) {
        eseal_cert_record_dispose(&tsa);
        return r;
    }
    eseal_cert *cert = NULL, *ca = NULL;
    eseal_key *key = NULL;
    es_buf dir = ES_BUF_INIT(4096), path = ES_BUF_INIT(4096), lock = ES_BUF_INIT(4096);
    r = (es_result){eseal_cert_parse(&cert, tsa.pem, strlen(tsa.pem))};
    if (es_ok(r)) {
        r = (es_result){eseal_cert_parse(&ca, issuing.pem, strlen(issuing.pem))};
    }
    if (es_ok(r)) {
        r = es_instance_load_key(inst, &key, &tsa);
    }
    if (es_ok(r)) {
        r = es_home_path(&dir, inst, "tsa");
    }
    if (es_ok(r)) {
        r = es_mkdir_p(es_buf_cstr(&dir), 0700);
    }
    if (es_ok(r)) {
        r = es_buf_printf(&path, "%s/serial-%s", es_buf_cstr(&dir), h);
    }
    if (es_ok(r)) {
        r = es_buf_printf(&lock, "%s/serial-%s.lock", es_buf_cstr(&dir), h);
    }
    if (es_ok(r)) {
        serial_file sf = {es_buf_cstr(&path), es_buf_cstr(&lock)};
        const eseal_cert *chain[] = {ca};
        eseal_tsa_config cfg = ESEAL_TSA_CONFIG_INIT;
        cfg.key = key;
        cfg.cert = cert;
        cfg.chain = chain;
        cfg.chain_len = 1;
        cfg.next_serial = serial_cb;
        cfg.serial_ctx = &sf;
        eseal_buf resp = ESEAL_BUF_INIT;
        r = (es_result){eseal_tsa_respond(&resp, req.ptr, req.len, &cfg)};
        if (es_ok(r)) {
            r = es_buf_append(out, resp.ptr, resp.size);
        }
        eseal_buf_dispose(&resp);
    }
    es_buf_free(&dir);
    es_buf_free(&path);
    es_buf_free(&lock);
    eseal_key_free(key);
    eseal_cert_free(cert);
    eseal_cert_free(ca);
    eseal_cert_record_dispose(&tsa);
    eseal_cert_record_dispose(&issuing);
    return r;
}

int eseal_instance_tsa_respond(eseal_instance *inst, eseal_buf *resp, const void *req, size_t len,
                               const char *hierarchy)
{
    if (resp == NULL || (req == NULL && len > 0)) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "tsa: invalid argument"));
    }
    es_buf out = ES_BUF_INIT(1 << 20);
    es_result r = tsa_respond(inst, &out, es_span_of(req, len), hierarchy != NULL ? hierarchy : "p256");
    if (!es_ok(r)) {
        es_buf_free(&out);
        return es_code(r);
    }
    es_buf_move_out(resp, &out);
    return ESEAL_OK;
}
