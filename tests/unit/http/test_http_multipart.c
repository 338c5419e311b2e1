/* SPDX-License-Identifier: Apache-2.0 */
/*
 * multipart/form-data bodies on a spooled route (src/http, es_http_request.form; issue 20 §2): the
 * parts reach the handler in order, with their names, file names and types, each field's bytes in
 * memory and each file's bytes in one spool file without a name (read back exactly, the boundary
 * nowhere in them), whatever pieces the body came in; a form that is cut, has no boundary, too
 * many parts or a field too long is 400 before the handler runs; the body cap is still 413; the
 * spool file is closed when the request ends; a body that is not a form reaches the route as before.
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

#define PARTS_SEEN 8
#define FILE_SEEN 70000

typedef struct {
    int calls;
    bool had_form;
    size_t n;
    char names[PARTS_SEEN][ES_HTTP_PART_NAME_MAX];
    char filenames[PARTS_SEEN][ES_HTTP_PART_FILENAME_MAX];
    char types[PARTS_SEEN][ES_HTTP_PART_TYPE_MAX];
    bool is_file[PARTS_SEEN];
    char values[PARTS_SEEN][64];
    size_t lens[PARTS_SEEN];
    char file[PARTS_SEEN][FILE_SEEN]; /* a file part's bytes, read from the form's descriptor */
    size_t mem_len;
    int body_fd;
} seen;

static seen S;

static bool spool_it(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    return strcmp(method, "POST") == 0 && strcmp(path, "/form") == 0;
}

static ES_RESULT handler(void *ctx, const es_http_request *rq, es_http_response *rs)
{
    (void)ctx;
    S.calls++;
    S.had_form = rq->form != NULL;
    S.mem_len = rq->body.len;
    S.body_fd = rq->body_fd;
    S.n = rq->form != NULL ? rq->form->n : 0;
    for (size_t i = 0; rq->form != NULL && i < rq->form->n && i < PARTS_SEEN; i++) {
        const es_http_part *p = &rq->form->parts[i];
        (void)snprintf(S.names[i], sizeof(S.names[i]), "%s", p->name);
        (void)snprintf(S.filenames[i], sizeof(S.filenames[i]), "%s", p->filename);
        (void)snprintf(S.types[i], sizeof(S.types[i]), "%s", p->content_type);
        S.is_file[i] = p->is_file;
        S.lens[i] = p->is_file ? (size_t)p->len : p->value.len;
        if (!p->is_file && p->value.len < sizeof(S.values[i])) {
            memcpy(S.values[i], p->value.ptr, p->value.len);
            S.values[i][p->value.len] = 0;
        }
        if (p->is_file && p->len <= FILE_SEEN) {
            assert_int_equal(pread(rq->form->fd, S.file[i], (size_t)p->len, (off_t)p->off), (ssize_t)p->len);
        }
    }
    rs->status = 200;
    return ES_OK;
}

/* Sends head and body (in pieces of `piece` bytes, 0: at once) and reads the answer. */
static void exchange(unsigned int port, const char *head, const char *body, size_t body_len, size_t piece, char *out,
                     size_t cap)
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
    for (size_t sent = 0; sent < body_len;) {
        size_t k = piece == 0 || body_len - sent < piece ? body_len - sent : piece;
        ssize_t w = write(fd, body + sent, k);
        if (w <= 0) {
            break; /* the server may close early on a refused body */
        }
        sent += (size_t)w;
        if (piece != 0) {
            usleep(2000); /* separate reads on the server's side */
        }
    }
    size_t n = 0;
    ssize_t k;
    while (n + 1 < cap && (k = read(fd, out + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
    }
    out[n] = 0;
    close(fd);
}

static void post(unsigned int port, const char *ctype, const char *body, size_t len, size_t piece, char *resp,
                 size_t cap)
{
    char head[512];
    (void)snprintf(head, sizeof(head),
                   "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   ctype, len);
    exchange(port, head, body, len, piece, resp, cap);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

#define CT "multipart/form-data; boundary=XyZzy"

/* A form of two fields and two files, the second file 60,000 bytes holding "--XyZ" (not the boundary). */
static size_t build_form(es_buf *b)
{
    es_buf_clear(b);
    static const char head[] = "--XyZzy\r\nContent-Disposition: form-data; name=\"seal\"\r\n\r\nES2026A\r\n"
                               "--XyZzy\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\r\n"
                               "--XyZzy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
                               "Content-Type: application/pdf\r\n\r\n%PDF-1.7 one\r\n"
                               "--XyZzy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.ofd\"\r\n"
                               "Content-Type: application/ofd\r\n\r\n";
    assert_true(es_ok(es_buf_append_str(b, head)));
    for (size_t i = 0; i < 60000; i++) {
        assert_true(es_ok(es_buf_append_byte(b, i % 1000 == 7 ? '-' : (uint8_t)('a' + i % 26))));
    }
    assert_true(es_ok(es_buf_append_str(b, "--XyZ\r\n--XyZzy--\r\n")));
    return b->len;
}

static void check_form(void)
{
    assert_true(S.had_form);
    assert_int_equal(S.n, 4);
    assert_int_equal(S.mem_len, 0);
    assert_int_equal(S.body_fd, -1);
    assert_string_equal(S.names[0], "seal");
    assert_false(S.is_file[0]);
    assert_string_equal(S.values[0], "ES2026A");
    assert_string_equal(S.names[1], "purpose");
    assert_false(S.is_file[1]);
    assert_int_equal(S.lens[1], 0);
    assert_string_equal(S.names[2], "file");
    assert_true(S.is_file[2]);
    assert_string_equal(S.filenames[2], "a.pdf");
    assert_string_equal(S.types[2], "application/pdf");
    assert_int_equal(S.lens[2], 12);
    assert_memory_equal(S.file[2], "%PDF-1.7 one", 12);
    assert_string_equal(S.filenames[3], "b.ofd");
    assert_string_equal(S.types[3], "application/ofd");
    assert_int_equal(S.lens[3], 60005);
    for (size_t i = 0; i < 60000; i++) {
        if (S.file[3][i] != (i % 1000 == 7 ? '-' : (char)('a' + i % 26))) {
            fail_msg("the second file differs at byte %zu", i);
        }
    }
    assert_memory_equal(S.file[3] + 60000, "--XyZ", 5);
}

static void forms(void **state)
{
    (void)state;
    char dir[] = "/tmp/eseal-form-XXXXXX";
    assert_non_null(mkdtemp(dir));
    es_http_options o = {.listen = "127.0.0.1:0", .max_body = 1u << 20, .threads = 2, .timeout_s = 5,
                         .handler = handler, .spool = spool_it, .spool_dir = dir};
    es_http_server *srv = NULL;
    assert_true(es_ok(es_http_start(&srv, &o)));
    unsigned int port = es_http_port(srv);
    char resp[4096];
    es_buf b = ES_BUF_INIT(1u << 20);
    size_t len = build_form(&b);

    /* At once, then in pieces of 7 and of 1000 bytes: the same parts. */
    static const size_t pieces[] = {0, 1000, 7};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        memset(&S, 0, sizeof(S));
        size_t n = pieces[i] == 7 ? 400 : len; /* the 7-byte pieces: the fields and the first file only */
        if (pieces[i] == 7) {
            /* a shorter form of the same first three parts, closed */
            es_buf_clear(&b);
            assert_true(es_ok(es_buf_append_str(
                &b, "--XyZzy\r\nContent-Disposition: form-data; name=\"seal\"\r\n\r\nES2026A\r\n"
                    "--XyZzy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
                    "Content-Type: application/pdf\r\n\r\n%PDF-1.7 one\r\n--XyZzy--\r\n")));
            n = b.len;
        }
        post(port, CT, (const char *)b.ptr, n, pieces[i], resp, sizeof(resp));
        assert_non_null(strstr(resp, "HTTP/1.1 200"));
        assert_int_equal(S.calls, 1);
        if (pieces[i] == 7) {
            assert_int_equal(S.n, 2);
            assert_string_equal(S.values[0], "ES2026A");
            assert_string_equal(S.filenames[1], "a.pdf");
            assert_memory_equal(S.file[1], "%PDF-1.7 one", 12);
        } else {
            check_form();
        }
        usleep(100 * 1000);
        assert_int_equal(entries(dir), 0); /* the spool file had no name, and is closed */
    }

    /* Refused before the handler: cut (no closing boundary), no boundary, a field too long, too many parts. */
    len = build_form(&b);
    memset(&S, 0, sizeof(S));
    post(port, CT, (const char *)b.ptr, len - 12, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 400"));
    post(port, "multipart/form-data", (const char *)b.ptr, len, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 400"));
    es_buf_clear(&b);
    assert_true(es_ok(es_buf_append_str(&b, "--XyZzy\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n")));
    for (size_t i = 0; i <= ES_HTTP_FIELD_MAX; i++) {
        assert_true(es_ok(es_buf_append_byte(&b, 'p')));
    }
    assert_true(es_ok(es_buf_append_str(&b, "\r\n--XyZzy--\r\n")));
    post(port, CT, (const char *)b.ptr, b.len, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 400"));
    es_buf_clear(&b);
    for (size_t i = 0; i <= ES_HTTP_PARTS_MAX; i++) {
        assert_true(es_ok(es_buf_append_str(&b, "--XyZzy\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nx\r\n")));
    }
    assert_true(es_ok(es_buf_append_str(&b, "--XyZzy--\r\n")));
    post(port, CT, (const char *)b.ptr, b.len, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 400"));
    assert_non_null(strstr(resp, "too many parts"));
    assert_int_equal(S.calls, 0);

    /* Over the route's cap: 413 as for any body. */
    len = build_form(&b);
    char head[512];
    (void)snprintf(head, sizeof(head),
                   "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n"
                   "Connection: close\r\n\r\n",
                   CT);
    es_buf big = ES_BUF_INIT(4u << 20);
    for (int i = 0; i < 20; i++) {
        assert_true(es_ok(es_buf_printf(&big, "%zx\r\n", len)));
        assert_true(es_ok(es_buf_append(&big, b.ptr, len)));
        assert_true(es_ok(es_buf_append_str(&big, "\r\n")));
    }
    assert_true(es_ok(es_buf_append_str(&big, "0\r\n\r\n")));
    exchange(port, head, (const char *)big.ptr, big.len, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 413"));
    assert_int_equal(S.calls, 0);
    es_buf_free(&big);

    /* Not a form: the body as before. */
    memset(&S, 0, sizeof(S));
    post(port, "application/pdf", "%PDF-1.7 x", 10, 0, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_false(S.had_form);
    assert_int_equal(S.mem_len, 10);

    usleep(100 * 1000);
    assert_int_equal(entries(dir), 0);
    es_buf_free(&b);
    es_http_stop(srv);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
