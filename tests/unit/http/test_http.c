/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server (src/http): whole requests reach the handler, bodies are capped, errors are 500s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"

/* Echoes "METHOD PATH TYPE|BODY" with 201; the path /fail makes the handler fail. */
static ES_RESULT echo(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    int *calls = ctx;
    (*calls)++;
    ES_ENSURE(strcmp(rq->path, "/fail") != 0, ESEAL_ERROR, "asked to fail");
    rs->status = 201;
    (void)snprintf(rs->content_type, sizeof(rs->content_type), "application/x-test");
    ES_GUARD(es_buf_printf(&rs->body, "%s %s %s|", rq->method, rq->path, rq->content_type));
    return es_buf_append(&rs->body, rq->body.ptr, rq->body.len);
}

/* Sends `req` to 127.0.0.1:port and returns the whole response (the server closes or we read to the end). */
static size_t exchange(unsigned int port, const char *req, size_t reqlen, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(write(fd, req, reqlen), (ssize_t)reqlen);
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
    }
    out[n] = 0;
    close(fd);
    return n;
}

static void serves_whole_requests_and_caps_bodies(void **state)
{
    (void)state;
    int calls = 0;
    es_http_options o = {"127.0.0.1:0", 1000, 2, 5, echo, &calls, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    es_http_server *s = NULL;
    assert_true(es_ok(es_http_start(&s, &o)));
    unsigned int port = es_http_port(s);
    assert_true(port > 0);
    char resp[8192];

    static const char post[] = "POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Type: application/timestamp-query\r\n"
                               "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
    exchange(port, post, sizeof(post) - 1, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 201"));
    assert_non_null(strstr(resp, "application/x-test"));
    assert_non_null(strstr(resp, "POST /tsa application/timestamp-query|hello"));

    /* A body over the cap: 413, and the handler never sees it. */
    char big[2048];
    int h = snprintf(big, sizeof(big), "POST /tsa HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\nConnection: close\r\n\r\n");
    memset(big + h, 'x', 1500);
    int before = calls;
    exchange(port, big, (size_t)h + 1500, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 413"));
    assert_int_equal(calls, before);

    /* A handler error is a 500 without details. */
    static const char fail[] = "GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    exchange(port, fail, sizeof(fail) - 1, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 500"));
    assert_null(strstr(resp, "asked to fail"));

    /* Garbage is answered by libmicrohttpd (400), not by the handler. */
    before = calls;
    static const char junk[] = "NOT HTTP AT ALL\r\n\r\n";
    exchange(port, junk, sizeof(junk) - 1, resp, sizeof(resp));
    assert_int_equal(calls, before);
    es_http_stop(s);
}

static void refuses_bad_listen_addresses(void **state)
{
    (void)state;
    int calls = 0;
    es_http_server *s = NULL;
    const char *bad[] = {"localhost:80", "127.0.0.1", "127.0.0.1:99999", "1.2.3.4:x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_http_options o = {bad[i], 0, 1, 1, echo, &calls, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
        assert_int_equal(es_code(es_http_start(&s, &o)), ESEAL_EINVAL);
    }
    /* The same port twice: the second cannot listen. */
    es_http_options o = {"127.0.0.1:0", 0, 1, 1, echo, &calls, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    assert_true(es_ok(es_http_start(&s, &o)));
    char again[64];
    (void)snprintf(again, sizeof(again), "127.0.0.1:%u", es_http_port(s));
    es_http_server *s2 = NULL;
    es_http_options o2 = {again, 0, 1, 1, echo, &calls, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    assert_int_equal(es_code(es_http_start(&s2, &o2)), ESEAL_EIO);
    es_http_stop(s);
}

/* Sleeps for /slow, answers 2000 bytes for /big, else echoes. */
static ES_RESULT shaped(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    if (strcmp(rq->path, "/slow") == 0) {
        usleep(600 * 1000);
    }
    if (strcmp(rq->path, "/big") == 0) {
        for (int i = 0; i < 2000; i++) {
            ES_GUARD(es_buf_append_byte(&rs->body, 'b'));
        }
        return ES_OK;
    }
    return echo(ctx, rq, rs);
}

static void client_posts_with_bounds(void **state)
{
    (void)state;
    int calls = 0;
    es_http_options o = {"127.0.0.1:0", 0, 4, 5, shaped, &calls, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    es_http_server *s = NULL;
    assert_true(es_ok(es_http_start(&s, &o)));
    char url[128], type[96];
    long status = 0;
    es_buf resp = ES_BUF_INIT(0);
    es_http_client_options co = {.timeout_ms = 200, .max_response = 1000};

    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/tsa", es_http_port(s));
    assert_true(es_ok(es_http_post(url, "application/timestamp-query", es_span_of("abc", 3), &co, &resp, &status, type,
                                   sizeof(type))));
    assert_int_equal(status, 201);
    assert_string_equal(type, "application/x-test");
    assert_int_equal(resp.len, strlen("POST /tsa application/timestamp-query|abc"));
    assert_memory_equal(resp.ptr, "POST /tsa application/timestamp-query|abc", resp.len);

    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/slow", es_http_port(s));
    es_result r = es_http_post(url, "x/y", es_span_of("a", 1), &co, &resp, &status, NULL, 0);
    assert_int_equal(es_code(r), ESEAL_EIO);
    assert_non_null(strstr(eseal_error_last()->message, "timed out"));

    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/big", es_http_port(s));
    assert_int_equal(es_code(es_http_post(url, "x/y", es_span_of("a", 1), &co, &resp, &status, NULL, 0)), ESEAL_ELIMIT);
    assert_int_equal(es_code(es_http_post("ftp://127.0.0.1/x", "x/y", es_span_of("a", 1), &co, &resp, &status, NULL, 0)),
                     ESEAL_EINVAL);
    unsigned int port = es_http_port(s);
    es_http_stop(s);
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/tsa", port);
    assert_int_equal(es_code(es_http_post(url, "x/y", es_span_of("a", 1), &co, &resp, &status, NULL, 0)), ESEAL_EIO);
    es_buf_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serves_whole_requests_and_caps_bodies),
        cmocka_unit_test(refuses_bad_listen_addresses),
        cmocka_unit_test(client_posts_with_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
