/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal_serve_options version 2 (issue 19 §2): max_upload and access_log are read from version 2
 * callers only (a version 1 struct ends before them: whatever lies there is ignored); version 2
 * caps POST /api/v1/verify at max_upload, refuses an access log it cannot open or one without the
 * API; the operations routes come with the API only. Version 3 (issue 21): pdfjs_dir, read from version 3
 * callers only; the pages (ESEAL_SERVE_PAGES) are part of "everything" and of nothing narrower.
 */
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
#include <sys/stat.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

/* POSTs `len` bytes of text to /api/v1/verify with an announced length; the status line's code. */
static int post_verify(unsigned int port, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[4096];
    int h = snprintf(req, sizeof(req),
                     "POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     len);
    assert_true(h > 0 && (size_t)h + len < sizeof(req));
    memset(req + h, 't', len);
    assert_int_equal(write(fd, req, (size_t)h + len), (ssize_t)((size_t)h + len));
    char resp[4096];
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof(resp) && (k = read(fd, resp + n, sizeof(resp) - 1 - n)) > 0) {
        n += (size_t)k;
    }
    resp[n] = 0;
    close(fd);
    int status = 0;
    (void)sscanf(resp, "HTTP/1.1 %d", &status);
    return status;
}

static void serve_options_v2(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-serveopt-XXXXXX";
    char ihome[600];
    static const char pass[] = "serve-options-pass-1";
    test_instance_init(tmpl, ihome, sizeof(ihome), pass);
    eseal_instance *inst = test_instance_open(ihome, pass);
    eseal_server *srv = NULL;

    /* Version 1: the fields past its end are not read (a bad path and a tiny cap are ignored). */
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.version = 1;
    o.listen = "127.0.0.1:0";
    o.resources = ESEAL_SERVE_API;
    o.max_upload = 10;
    o.access_log = "/nonexistent-dir/access.log";
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_non_null(strstr(eseal_server_routes(srv), "GET /healthz"));
    assert_int_equal(post_verify(eseal_server_port(srv), 100), 400); /* read, not refused: the cap is 100 MB */
    eseal_server_stop(srv);

    /* Version 2: the cap is max_upload. */
    o.version = ESEAL_SERVE_OPTIONS_VERSION;
    o.access_log = NULL;
    srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_int_equal(post_verify(eseal_server_port(srv), 100), 413);
    assert_int_equal(post_verify(eseal_server_port(srv), 10), 400);
    eseal_server_stop(srv);

    /* An access log that cannot be opened, or one without the API: refused, nothing served. */
    o.access_log = "/nonexistent-dir/access.log";
    srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_EIO);
    assert_null(srv);
    o.resources = ESEAL_SERVE_LOG;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_EINVAL);

    /* Without the API: no operations routes (the protocol resources' banner is as it was). */
    o.access_log = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_string_equal(eseal_server_routes(srv), "GET /checkpoint, GET /tile/...");
    eseal_server_stop(srv);

    assert_int_equal(test_instance_done(inst, tmpl), 0);
}

/* GETs `path`; the status line's code, and the body in `body` (cap bytes, NUL-ended). */
static int get(unsigned int port, const char *path, char *body, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512];
    int h = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)h), (ssize_t)h);
    static char resp[1 << 16];
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof(resp) && (k = read(fd, resp + n, sizeof(resp) - 1 - n)) > 0) {
        n += (size_t)k;
    }
    resp[n] = 0;
    close(fd);
    int status = 0;
    (void)sscanf(resp, "HTTP/1.1 %d", &status);
    const char *b = strstr(resp, "\r\n\r\n");
    (void)snprintf(body, cap, "%s", b != NULL ? b + 4 : "");
    return status;
}

static void serve_options_v3(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/eseal-serveopt3-XXXXXX";
    char ihome[600];
    static const char pass[] = "serve-options-pass-3";
    test_instance_init(tmpl, ihome, sizeof(ihome), pass);
    eseal_instance *inst = test_instance_open(ihome, pass);
    char dir[700], file[800], body[4096];
    (void)snprintf(dir, sizeof(dir), "%s/pdfjs", tmpl);
    assert_int_equal(mkdir(dir, 0700), 0);
    (void)snprintf(file, sizeof(file), "%s/pdf.js", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    (void)fputs("/* the test's pdf.js */\n", f);
    (void)fclose(f);

    /* Version 3: the pages with pdf.js from pdfjs_dir. */
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.resources = ESEAL_SERVE_PAGES;
    o.pdfjs_dir = dir;
    eseal_server *srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_non_null(strstr(eseal_server_routes(srv), "GET /vendor/pdfjs/pdf.js"));
    assert_null(strstr(eseal_server_routes(srv), "/api/v1"));
    assert_int_equal(get(eseal_server_port(srv), "/vendor/pdfjs/pdf.js", body, sizeof(body)), 200);
    assert_string_equal(body, "/* the test's pdf.js */\n");
    assert_int_equal(get(eseal_server_port(srv), "/", body, sizeof(body)), 200);
    eseal_server_stop(srv);

    /* Version 2: pdfjs_dir lies past its end and is not read (Debian's directory, or its 404). */
    o.version = 2;
    srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    int st = get(eseal_server_port(srv), "/vendor/pdfjs/pdf.js", body, sizeof(body));
    assert_true(st == 200 || (st == 404 && strstr(body, "/usr/share/javascript/pdf/build/pdf.js") != NULL));
    assert_null(strstr(body, "the test's pdf.js"));
    eseal_server_stop(srv);

    /* Only the API: no pages. */
    o.version = ESEAL_SERVE_OPTIONS_VERSION;
    o.resources = ESEAL_SERVE_API;
    srv = NULL;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    assert_null(strstr(eseal_server_routes(srv), "GET /,"));
    assert_int_equal(get(eseal_server_port(srv), "/", body, sizeof(body)), 404);
    eseal_server_stop(srv);

    (void)unlink(file);
    (void)rmdir(dir);
    assert_int_equal(test_instance_done(inst, tmpl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serve_options_v2),
        cmocka_unit_test(serve_options_v3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
