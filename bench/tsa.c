/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_tsa — RFC 3161 time-stamp throughput of the instance TSA: in-process
 * (one thread, and as many threads as CPUs: the ceiling), over HTTP on
 * loopback with keep-alive (eseal_instance_serve restricted to the TSA, libmicrohttpd), and
 * `openssl ts -reply` measured in the same run as the peer.
 *
 * A report, not a test: it exits 0 when every measurement ran, 1 when one
 * could not (the instance could not be made, a response was not granted, the
 * server did not answer, openssl could not be run).
 *
 * What is measured. Every row answers the same request: a SHA-256 imprint with
 * a nonce and certReq (so each token carries the TSA and issuing CA
 * certificates, ~1.5 KB), with the real service of `eseal tsa serve`: the
 * P-256 TSA of a fresh instance in a temporary HOME, serial numbers reserved
 * from its SQLite store. HTTP: one client thread drives C keep-alive
 * connections over epoll, each with one request in flight (closed loop), and
 * times every request from write to the last byte of the response; the client
 * shares the machine's CPUs with the server, as a co-located caller would.
 * openssl: `openssl ts -reply -queryfile` run over a batch, one process per
 * token (it answers one query per run), with an equivalent configuration
 * (P-256 key, sha256 signer digest, ESSCertIDv2 sha256, certs included).
 * Each figure is the median of --runs runs.
 *
 * Usage: bench_tsa [--seconds S] [--runs N] [--conns C] [--openssl PATH] [--no-openssl] [--no-sm2]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ts.h>

#include <eseal/eseal.h>

#include "bench.h"

extern char **environ;

#define MAX_RUNS 9
#define MAX_CONNS 256
#define MAX_THREADS 64

/* ---- the request ---------------------------------------------------------------------- */

static unsigned char *req;
static size_t req_len;

static int make_request(void)
{
    TS_REQ *r = TS_REQ_new();
    TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_INTEGER *nonce = ASN1_INTEGER_new();
    unsigned char dg[32];
    unsigned int dl = 0;
    int ok = r != NULL && mi != NULL && alg != NULL && nonce != NULL &&
             EVP_Digest("bench", 5, dg, &dl, EVP_sha256(), NULL) == 1 &&
             X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1 &&
             TS_MSG_IMPRINT_set_algo(mi, alg) == 1 && TS_MSG_IMPRINT_set_msg(mi, dg, (int)dl) == 1 &&
             TS_REQ_set_version(r, 1) == 1 && TS_REQ_set_msg_imprint(r, mi) == 1 &&
             ASN1_INTEGER_set_uint64(nonce, 0x0123456789abcdefULL) == 1 && TS_REQ_set_nonce(r, nonce) == 1 &&
             TS_REQ_set_cert_req(r, 1) == 1;
    int n = ok ? i2d_TS_REQ(r, &req) : -1;
    TS_REQ_free(r);
    TS_MSG_IMPRINT_free(mi);
    X509_ALGOR_free(alg);
    ASN1_INTEGER_free(nonce);
    if (n <= 0) {
        return -1;
    }
    req_len = (size_t)n;
    return 0;
}

/* ---- in-process ----------------------------------------------------------------------- */

typedef struct {
    eseal_tsa_service *t;
    double until;
    long count;
    int failures;
    size_t bytes;
} inproc;

static void *inproc_run(void *arg)
{
    inproc *w = arg;
    while (now_s() < w->until) {
        eseal_buf resp = ESEAL_BUF_INIT;
        int st = ESEAL_TSA_GRANTED;
        /* Decoding a response costs about as much as making one (it parses the certificates):
         * check every 64th, so that the loop times the TSA, not the check. */
        if (eseal_tsa_service_respond(w->t, &resp, req, req_len) != ESEAL_OK ||
            ((w->count & 63) == 0 && eseal_tsa_response_status(&st, NULL, resp.ptr, resp.size) != ESEAL_OK) ||
            st != ESEAL_TSA_GRANTED) {
            w->failures++;
        }
        w->bytes = resp.size;
        eseal_buf_dispose(&resp);
        w->count++;
    }
    return NULL;
}

/* Tokens per second with `threads` threads for `secs`; -1 on a failure. */
static double inproc_rate(eseal_tsa_service *t, int threads, double secs, size_t *bytes)
{
    inproc w[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    double start = now_s();
    for (int i = 0; i < threads; i++) {
        w[i] = (inproc){t, start + secs, 0, 0, 0};
        if (pthread_create(&th[i], NULL, inproc_run, &w[i]) != 0) {
            return -1;
        }
    }
    long total = 0;
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        total += w[i].count;
        failures += w[i].failures;
        if (bytes != NULL) {
            *bytes = w[i].bytes;
        }
    }
    double el = now_s() - start;
    return failures > 0 ? -1 : (double)total / el;
}

/* ---- HTTP load client: C keep-alive connections, one request in flight each -------------- */

typedef struct {
    int fd;
    double sent;
    char buf[8192];
    size_t have;
} conn;

static char http_req[1024];
static size_t http_req_len;

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return -1; /* a small request on an idle socket: never EAGAIN in practice */
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int send_req(conn *c)
{
    c->sent = now_s();
    c->have = 0;
    if (send_all(c->fd, http_req, http_req_len) != 0) {
        return -1;
    }
    return send_all(c->fd, (const char *)req, req_len);
}

/* 1 when buf holds a whole response (headers and Content-Length bytes), 0 not yet, -1 bad. */
static int response_complete(conn *c, int *status)
{
    c->buf[c->have < sizeof(c->buf) ? c->have : sizeof(c->buf) - 1] = 0;
    char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (end == NULL) {
        return c->have >= sizeof(c->buf) - 1 ? -1 : 0;
    }
    size_t hl = (size_t)(end - c->buf) + 4;
    const char *cl = strcasestr(c->buf, "\r\ncontent-length:");
    if (cl == NULL || cl > end) {
        return -1;
    }
    size_t len = 0;
    for (cl += 17; *cl == ' '; cl++) {
    }
    for (; *cl >= '0' && *cl <= '9'; cl++) {
        len = len * 10 + (size_t)(*cl - '0');
    }
    if (hl + len > sizeof(c->buf) - 1) {
        return -1;
    }
    if (c->have < hl + len) {
        return 0;
    }
    *status = (c->buf[9] - '0') * 100 + (c->buf[10] - '0') * 10 + (c->buf[11] - '0');
    return 1;
}

typedef struct {
    double rate, p50_ms, p99_ms;
    int errors;
} http_result;

static double *lat;
static size_t lat_cap;

static int http_run(unsigned int port, int nconns, double secs, double warmup, http_result *out)
{
    static conn cs[MAX_CONNS];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = 0;
    int opened = 0;
    for (int i = 0; i < nconns && rc == 0; i++) {
        cs[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (cs[i].fd < 0 || connect(cs[i].fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
            rc = -1;
            break;
        }
        opened++;
        (void)setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) {
            rc = -1;
        }
    }
    double t0 = now_s(), measure_from = t0 + warmup, until = measure_from + secs;
    size_t nlat = 0;
    long done = 0;
    int errors = 0;
    for (int i = 0; i < opened && rc == 0; i++) {
        rc = send_req(&cs[i]);
    }
    while (rc == 0) {
        double t = now_s();
        if (t >= until) {
            break;
        }
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 100);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = -1;
            break;
        }
        for (int i = 0; i < n && rc == 0; i++) {
            conn *c = evs[i].data.ptr;
            ssize_t k = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
            if (k <= 0) {
                rc = -1; /* the server closed a keep-alive connection */
                break;
            }
            c->have += (size_t)k;
            int status = 0;
            int done_one = response_complete(c, &status);
            if (done_one < 0) {
                rc = -1;
                break;
            }
            if (done_one == 0) {
                continue;
            }
            double end = now_s();
            if (status != 200) {
                errors++;
            }
            if (c->sent >= measure_from && end < until) {
                done++;
                if (nlat < lat_cap) {
                    lat[nlat++] = (end - c->sent) * 1000.0;
                }
            }
            rc = send_req(c);
        }
    }
    for (int i = 0; i < opened; i++) {
        close(cs[i].fd);
    }
    close(ep);
    if (rc != 0 || nlat == 0) {
        return -1;
    }
    qsort(lat, nlat, sizeof(lat[0]), cmp_double);
    out->rate = (double)done / secs;
    out->p50_ms = lat[nlat / 2];
    out->p99_ms = lat[(size_t)((double)nlat * 0.99)];
    out->errors = errors;
    return 0;
}

/* ---- openssl ts -reply ----------------------------------------------------------------- */

static int run_quiet(const char *const *args)
{
    char *const *argv; /* posix_spawnp does not write through it */
    memcpy(&argv, &args, sizeof(argv));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return -1;
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0) {
        return -1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    int rc = fwrite(p, 1, n, f) == n ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

/* An equivalent openssl TSA in dir: P-256 key, self-issued certificate (critical timeStamping). */
static int openssl_setup(const char *openssl, const char *dir, char *cnf, size_t cnf_cap)
{
    char key[600], crt[600], subj[] = "/CN=openssl peer TSA";
    (void)snprintf(key, sizeof(key), "%s/peer.key", dir);
    (void)snprintf(crt, sizeof(crt), "%s/peer.crt", dir);
    const char *gen[] = {openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-keyout", key, "-out", crt, "-subj", subj, "-days", "2", "-addext",
                   "extendedKeyUsage=critical,timeStamping", "-addext", "keyUsage=critical,digitalSignature", NULL};
    if (run_quiet(gen) != 0) {
        return -1;
    }
    char body[4096];
    int n = snprintf(body, sizeof(body),
                     "[ tsa ]\ndefault_tsa = peer\n[ peer ]\nserial = %s/serial\nsigner_cert = %s\ncerts = %s\n"
                     "signer_key = %s\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.99999.1\n"
                     "digests = sha256, sha384, sha512\naccuracy = secs:1\nclock_precision_digits = 3\n"
                     "ess_cert_id_alg = sha256\n",
                     dir, crt, crt, key);
    (void)snprintf(cnf, cnf_cap, "%s/ts.cnf", dir);
    char q[600];
    (void)snprintf(q, sizeof(q), "%s/q.tsq", dir);
    return n > 0 && (size_t)n < sizeof(body) && write_file(cnf, body, (size_t)n) == 0 &&
                   write_file(q, req, req_len) == 0
               ? 0
               : -1;
}

/* Tokens per second over `count` runs of openssl ts -reply; -1 on a failure. */
static double openssl_rate(const char *openssl, const char *dir, const char *cnf, int count)
{
    char q[600], out[600];
    (void)snprintf(q, sizeof(q), "%s/q.tsq", dir);
    (void)snprintf(out, sizeof(out), "%s/r.tsr", dir);
    const char *argv[] = {openssl, "ts", "-reply", "-config", cnf, "-queryfile", q, "-out", out, NULL};
    double start = now_s();
    for (int i = 0; i < count; i++) {
        if (run_quiet(argv) != 0) {
            return -1;
        }
    }
    return count / (now_s() - start);
}

/* ---- main ----------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: bench_tsa [--seconds S] [--runs N] [--conns C] [--openssl PATH] [--no-openssl] [--no-sm2]\n");
    exit(2);
}

static double parse_num(const char *s, double lo, double hi)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != 0 || v < lo || v > hi) {
        usage();
    }
    return v;
}

int main(int argc, char **argv)
{
    double secs = 2.0;
    int runs = 3, nconns = 8;
    const char *openssl = "openssl";
    bool with_openssl = true, with_sm2 = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secs = parse_num(argv[++i], 0.2, 60);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = (int)parse_num(argv[++i], 1, MAX_RUNS);
        } else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc) {
            nconns = (int)parse_num(argv[++i], 1, MAX_CONNS);
        } else if (strcmp(argv[i], "--openssl") == 0 && i + 1 < argc) {
            openssl = argv[++i];
        } else if (strcmp(argv[i], "--no-openssl") == 0) {
            with_openssl = false;
        } else if (strcmp(argv[i], "--no-sm2") == 0) {
            with_sm2 = false;
        } else {
            usage();
        }
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cpus > 0 && cpus <= MAX_THREADS ? (int)cpus : 2;
    char home[] = "/tmp/bench-tsa-XXXXXX";
    if (mkdtemp(home) == NULL || make_request() != 0) {
        fprintf(stderr, "bench_tsa: setup failed\n");
        return 1;
    }
    char ihome[600];
    (void)snprintf(ihome, sizeof(ihome), "%s/home", home);
    static const char pass[] = "bench-tsa-passphrase";
    eseal_instance_init_options io = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    io.passphrase = pass;
    io.passphrase_len = sizeof(pass) - 1;
    eseal_instance *inst = NULL;
    eseal_tsa_service *t = NULL, *sm2 = NULL;
    int bad = 0;
    if (eseal_instance_init(ihome, &io) != ESEAL_OK || eseal_instance_open(&inst, ihome) != ESEAL_OK ||
        eseal_instance_set_passphrase(inst, pass, sizeof(pass) - 1) != ESEAL_OK ||
        eseal_instance_tsa_open(inst, &t, "p256") != ESEAL_OK ||
        (with_sm2 && eseal_instance_tsa_open(inst, &sm2, "sm2") != ESEAL_OK)) {
        fprintf(stderr, "bench_tsa: cannot set up the instance TSA: %s\n", eseal_error_last()->message);
        return 1;
    }
    lat_cap = (size_t)(secs * 200000) + 1024;
    lat = calloc(lat_cap, sizeof(double));
    if (lat == NULL) {
        return 1;
    }
    size_t token_bytes = 0;
    double one[MAX_RUNS], all[MAX_RUNS], sm2one[MAX_RUNS], sm2all[MAX_RUNS], hr[MAX_RUNS], h50[MAX_RUNS], h99[MAX_RUNS],
        ossl[MAX_RUNS];
    int herrors = 0;
    (void)inproc_rate(t, threads, 0.3, NULL); /* warm-up: the pool of TS_RESP_CTX, the serial block */
    for (int r = 0; r < runs; r++) {
        one[r] = inproc_rate(t, 1, secs, &token_bytes);
        all[r] = inproc_rate(t, threads, secs, NULL);
        bad |= one[r] < 0 || all[r] < 0;
        if (with_sm2) {
            sm2one[r] = inproc_rate(sm2, 1, secs / 2, NULL);
            sm2all[r] = inproc_rate(sm2, threads, secs / 2, NULL);
            bad |= sm2one[r] < 0 || sm2all[r] < 0;
        }
    }
    eseal_server *srv = NULL;
    eseal_serve_options so = ESEAL_SERVE_OPTIONS_INIT;
    so.listen = "127.0.0.1:0";
    so.resources = ESEAL_SERVE_TSA;
    so.tsa_hierarchy = "p256";
    if (eseal_instance_serve(inst, &srv, &so) != ESEAL_OK) {
        fprintf(stderr, "bench_tsa: cannot listen: %s\n", eseal_error_last()->message);
        return 1;
    }
    unsigned int port = eseal_server_port(srv);
    http_req_len = (size_t)snprintf(http_req, sizeof(http_req),
                                    "POST /tsa HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: "
                                    "application/timestamp-query\r\nContent-Length: %zu\r\n\r\n",
                                    port, req_len);
    for (int r = 0; r < runs; r++) {
        http_result hres = {0, 0, 0, 0};
        if (http_run(port, nconns, secs, 0.3, &hres) != 0) {
            fprintf(stderr, "bench_tsa: the HTTP run failed\n");
            bad = 1;
            hres.rate = hres.p50_ms = hres.p99_ms = -1;
        }
        hr[r] = hres.rate;
        h50[r] = hres.p50_ms;
        h99[r] = hres.p99_ms;
        herrors += hres.errors;
    }
    eseal_server_stop(srv);
    bool have_ossl = false;
    char cnf[700];
    if (with_openssl) {
        if (openssl_setup(openssl, home, cnf, sizeof(cnf)) != 0) {
            fprintf(stderr, "bench_tsa: cannot set up `%s ts -reply`\n", openssl);
            bad = 1;
        } else {
            have_ossl = true;
            int count = (int)(secs * 100) < 20 ? 20 : (int)(secs * 100);
            for (int r = 0; r < runs; r++) {
                ossl[r] = openssl_rate(openssl, home, cnf, count);
                bad |= ossl[r] < 0;
            }
        }
    }

    double m_one = median(one, runs), m_all = median(all, runs), m_h = median(hr, runs);
    printf("## eseal TSA throughput (ECDSA P-256, SHA-256 imprint, nonce, certReq: %zu-byte responses)\n\n", token_bytes);
    printf("%d CPUs; %d runs of %.1f s each, medians; HTTP: %d keep-alive connections on loopback, one request in flight "
           "each, client on the same CPUs.\n\n",
           threads, runs, secs, nconns);
    printf("| measurement | tokens/s | p50 ms | p99 ms | vs in-process ceiling |\n|---|---:|---:|---:|---:|\n");
    printf("| in-process, 1 thread (eseal_tsa_service_respond) | %.0f | | | %.2f |\n", m_one, m_one / m_all);
    printf("| in-process, %d threads (the ceiling) | %.0f | | | 1.00 |\n", threads, m_all);
    printf("| HTTP POST /tsa (eseal tsa serve) | %.0f | %.2f | %.2f | %.2f |\n", m_h, median(h50, runs),
           median(h99, runs), m_h / m_all);
    if (have_ossl) {
        double m_o = median(ossl, runs);
        printf("| `openssl ts -reply`, one process per token (peer) | %.0f | | | %.3f |\n", m_o, m_o / m_all);
        printf("\nHTTP / openssl ts -reply: %.0fx.\n", m_h / m_o);
    }
    if (with_sm2) {
        printf("\nSM2 TSA, same request, for comparison: in-process 1 thread %.0f tokens/s, %d threads %.0f "
               "tokens/s.\n",
               median(sm2one, runs), threads, median(sm2all, runs));
    }
    if (herrors > 0) {
        printf("\n%d HTTP responses were not 200.\n", herrors);
        bad = 1;
    }
    eseal_tsa_service_close(t);
    eseal_tsa_service_close(sm2);
    eseal_instance_close(inst);
    const char *rm[] = {"rm", "-rf", home, NULL};
    (void)run_quiet(rm);
    free(lat);
    OPENSSL_free(req);
    return bad ? 1 : 0;
}
