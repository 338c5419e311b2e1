/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spooled bodies (src/http, es_http_options.spool; issue 19 §2): a body a route spools reaches the
 * handler as a descriptor of a file without a name in the spool directory (nothing in memory, no
 * name in the directory), of the body's bytes; the cap is still kept (413); the file is closed when
 * the request ends; a route that does not spool gets its body in memory as before. And the
 * router's side (src/server/router.c): a spooled body is handed to the route's handler as a
 * read-only mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"
#include "server/server.h"

typedef struct {
    const char *dir;
    int calls;
    int fd_seen;          /* the handler's body_fd */
    size_t fd_len;
    size_t mem_len;       /* rq->body.len */
    int names_in_dir;     /* entries of the spool directory while the handler ran */
    char head[16];        /* the first bytes read from the descriptor */
    bool fd_readonly_ok;  /* the descriptor reads the body's bytes in full */
} seen;

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL) {
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

/* Descriptors of this process open on a file in `dir` (their /proc/self/fd link starts with it). */
static int open_in(const char *dir)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[300], target[4096];
        (void)snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(p, target, sizeof(target) - 1);
        if (k > 0) {
            target[k] = 0;
            n += strncmp(target, dir, strlen(dir)) == 0;
        }
    }
    closedir(d);
    return n;
}

static bool spool_it(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    return strcmp(method, "POST") == 0 && strcmp(path, "/doc") == 0;
}

static ES_RESULT handler(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    seen *s = ctx;
    s->calls++;
    s->fd_seen = rq->body_fd;
    s->fd_len = rq->body_fd_len;
    s->mem_len = rq->body.len;
    s->names_in_dir = entries(s->dir);
    memset(s->head, 0, sizeof(s->head));
    if (rq->body_fd >= 0) {
        ssize_t k = pread(rq->body_fd, s->head, sizeof(s->head) - 1, 0);
        char last = 0;
        s->fd_readonly_ok = k > 0 && pread(rq->body_fd, &last, 1, (off_t)rq->body_fd_len - 1) == 1 && last == 'Z';
    }
    rs->status = 200;
    return ES_OK;
}

static size_t exchange(unsigned int port, const char *head, size_t body_len, char fill, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    char buf[4096];
    memset(buf, fill, sizeof(buf));
    buf[0] = 'S'; /* the body starts with "S", ends with "Z" */
    for (size_t sent = 0; sent < body_len;) {
        size_t k = body_len - sent < sizeof(buf) ? body_len - sent : sizeof(buf);
        if (sent + k == body_len) {
            buf[k - 1] = 'Z';
        }
        ssize_t w = write(fd, buf, k);
        if (w <= 0) {
            break; /* the server may close early on a refused body */
        }
        sent += (size_t)w;
        buf[0] = fill;
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
    }
    out[n] = 0;
    close(fd);
    return n;
}

/* A chunked POST of `n` 8 KiB chunks of 'y' to /doc; the answer in resp. */
static void chunked(unsigned int port, int n, char *resp, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    static const char head[] = "POST /doc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    char chunk[8200];
    int h = snprintf(chunk, sizeof(chunk), "2000\r\n");
    memset(chunk + h, 'y', 0x2000);
    memcpy(chunk + h + 0x2000, "\r\n", 2);
    for (int i = 0; i < n; i++) {
        if (write(fd, chunk, (size_t)h + 0x2000 + 2) <= 0) {
            break; /* the server may close early on a refused body */
        }
    }
    assert_int_equal(write(fd, "0\r\n\r\n", 5), 5);
    size_t got = 0;
    ssize_t k;
    while (got + 1 < cap && (k = read(fd, resp + got, cap - 1 - got)) > 0) {
        got += (size_t)k;
    }
    resp[got] = 0;
    close(fd);
}

static void spooled_bodies(void **state)
{
    (void)state;
    char dir[] = "/tmp/eseal-spool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    seen s = {dir, 0, -1, 0, 0, -1, "", false};
    /* A body cap of 8 MiB: above ES_HTTP_SPOOL_MIN (4 MiB), below which bodies stay in memory. */
    es_http_options o = {"127.0.0.1:0", 8u << 20, 2, 5, handler, &s, NULL, spool_it, dir, NULL, NULL, NULL, NULL};
    es_http_server *srv = NULL;
    es_result started = es_http_start(&srv, &o);
    if (!es_ok(started)) {
        print_error("%s\n", eseal_error_last()->message);
    }
    assert_true(es_ok(started));
    unsigned int port = es_http_port(srv);
    char resp[4096], head[256];

    /* 5 MB announced to a spooled route: a descriptor of its bytes, nothing in memory, no name in the directory. */
    (void)snprintf(head, sizeof(head), "POST /doc HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
                   5000000u);
    exchange(port, head, 5000000, 'x', resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_int_equal(s.calls, 1);
    assert_true(s.fd_seen >= 0);
    assert_int_equal(s.fd_len, 5000000);
    assert_int_equal(s.mem_len, 0);
    assert_int_equal(s.names_in_dir, 0);
    assert_true(s.fd_readonly_ok);
    assert_memory_equal(s.head, "Sxxxx", 5);
    /* Closed when the request ended: no descriptor of this process refers to the directory. */
    usleep(100 * 1000);
    assert_int_equal(open_in(dir), 0);
    assert_int_equal(entries(dir), 0);

    /* 300 KB announced to the same route: small enough to stay in memory (no file, no mapping). */
    s.fd_seen = -1;
    (void)snprintf(head, sizeof(head), "POST /doc HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\nConnection: close\r\n\r\n",
                   300000u);
    exchange(port, head, 300000, 'x', resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_int_equal(s.calls, 2);
    assert_int_equal(s.fd_seen, -1);
    assert_int_equal(s.mem_len, 300000);

    /* Unannounced (chunked), 1.6 MB: in memory; 6.5 MB: to a file once past the threshold, whole. */
    s.fd_seen = -1;
    chunked(port, 200, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_int_equal(s.calls, 3);
    assert_int_equal(s.fd_seen, -1);
    assert_int_equal(s.mem_len, 200 * 0x2000);
    chunked(port, 800, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_int_equal(s.calls, 4);
    assert_true(s.fd_seen >= 0);
    assert_int_equal(s.fd_len, 800 * 0x2000);
    assert_int_equal(s.mem_len, 0);
    assert_int_equal(s.names_in_dir, 0);
    assert_memory_equal(s.head, "yyyyy", 5); /* the bytes held in memory before the switch came first */
    usleep(100 * 1000);
    assert_int_equal(entries(dir), 0);

    /* Over the cap, without a length (chunked, 9.8 MB): 413, the handler never called. */
    chunked(port, 1200, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 413"));
    assert_int_equal(s.calls, 4);
    assert_int_equal(entries(dir), 0);

    /* A route that does not spool: the body in memory, no descriptor. */
    s.fd_seen = -1;
    (void)snprintf(head, sizeof(head), "POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n");
    exchange(port, head, 1000, 'x', resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_int_equal(s.calls, 5);
    assert_int_equal(s.fd_seen, -1);
    assert_int_equal(s.mem_len, 1000);

    es_http_stop(srv);
    assert_int_equal(rmdir(dir), 0);
}

/* The router maps a spooled body for its route's handler. */
static size_t mapped_len;
static char mapped_head[8];

static int doc_route(void *ctx, const es_http_request *rq, const es_route_match *m, es_http_response *rs)
{
    (void)ctx;
    (void)m;
    mapped_len = rq->body.len;
    memcpy(mapped_head, rq->body.ptr, rq->body.len < sizeof(mapped_head) ? rq->body.len : sizeof(mapped_head));
    return es_server_reply(rs, 200, ES_CT_TEXT, "ok\n", 3);
}

static void router_maps_spooled(void **state)
{
    (void)state;
    es_router *r = NULL;
    assert_true(es_ok(es_router_new(&r)));
    es_route rt = {ES_ROUTE_POST | ES_ROUTE_SPOOL, "/doc", NULL, 1u << 20, doc_route, NULL, "POST /doc"};
    assert_true(es_ok(es_router_add(r, &rt)));
    assert_true(es_router_spool(r, "POST", "/doc"));
    assert_false(es_router_spool(r, "POST", "/other"));
    assert_string_equal(es_router_label(r, "POST", "/doc"), "POST /doc");
    assert_null(es_router_label(r, "GET", "/nothing"));

    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite("%PDF-1.7 and more", 1, 17, f), 17);
    assert_int_equal(fflush(f), 0);
    es_http_request rq = {"POST", "/doc", "application/pdf", {NULL, 0}, "", "", "", "", NULL, NULL, "", fileno(f), 17,
                          NULL};
    es_http_response rs = {200, "", ES_BUF_INIT(4096), "", {{0}}, {{0}}, 0, "", ""};
    assert_true(es_ok(es_router_handle(r, &rq, &rs)));
    assert_int_equal(rs.status, 200);
    assert_int_equal(mapped_len, 17);
    assert_memory_equal(mapped_head, "%PDF-1.", 7);
    es_buf_free(&rs.body);
    fclose(f);
    es_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spooled_bodies),
        cmocka_unit_test(router_maps_spooled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
