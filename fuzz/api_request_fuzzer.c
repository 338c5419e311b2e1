/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON API (src/server/api*.c) behind its router, over arbitrary requests: the method, path,
 * credentials, media type and body of one request are the input's first six lines and the rest
 * (docs/testing.md). The literal words $TOKEN, $SESSION and $CSRF in a line are replaced by a
 * real API token, session id and CSRF token of a platform administrator made at start, so that
 * the handlers behind authentication are reached too (the corpus's seeds use them).
 *
 * A body sent as multipart/form-data is handed to the route as the HTTP module hands a parsed form
 * (es_http_request.form: libmicrohttpd's parser is not ours to fuzz, what the routes do with the
 * parts is): parts separated by lines "--", each "NAME" (a field) or "NAME;FILENAME" (a file) on
 * its first line and its bytes after; the files' bytes in one temporary file, as the module keeps them.
 *
 * Properties: no crash or sanitizer report; every answer has a status of 200..599 and a media
 * type; under /api/ every 4xx and 5xx is application/problem+json whose JSON has that status and a
 * code; a 5xx says nothing but its reason phrase; no answer carries the administrator's token,
 * session id or password, nor another secret of the set-up.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "server/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PASS "api-fuzz-passphrase"
#define PW "Fuzz-Admin-Passphrase-7731"
#define LINE_MAX_ 512

static eseal_instance *inst;
static es_router *router;
static es_api *api;
static char token[ESEAL_TOKEN_MAX + 1];
static char session[ESEAL_SESSION_MAX + 1], csrf[ESEAL_SESSION_MAX + 1];

static void die(const char *why)
{
    (void)fprintf(stderr, "api_request_fuzzer: %s: %s\n", why, eseal_error_last()->message);
    abort();
}

static void init(void)
{
    if (inst != NULL) {
        return;
    }
    (void)setenv("ESEAL_PW_PARAMS", "1,8192,1", 1);
    char dir[64], home[128];
    (void)snprintf(dir, sizeof(dir), "%s/eseal-apifuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    (void)snprintf(home, sizeof(home), "%s/i", dir);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = PASS;
    o.passphrase_len = strlen(PASS);
    eseal_principal op = ESEAL_PRINCIPAL_INIT;
    op.kind = ESEAL_PRINCIPAL_OPERATOR;
    op.id = "fuzzer";
    eseal_org a, b;
    eseal_user u;
    eseal_identity id;
    int64_t wait = 0;
    if (eseal_instance_init(home, &o) != ESEAL_OK || eseal_instance_open(&inst, home) != ESEAL_OK ||
        eseal_instance_set_passphrase(inst, PASS, strlen(PASS)) != ESEAL_OK ||
        eseal_org_add(inst, &op, &a, "Alpha Fuzz Ltd", "91110000MA01ABCDEX") != ESEAL_OK ||
        eseal_org_add(inst, &op, &b, "Beta Fuzz Ltd", NULL) != ESEAL_OK ||
        eseal_user_add(inst, &op, &u, "root", NULL, a.id, "platform-admin", PW) != ESEAL_OK ||
        eseal_user_add(inst, &op, &u, "ada", NULL, a.id, "org-admin", PW) != ESEAL_OK ||
        eseal_user_add(inst, &op, &u, "bob", NULL, b.id, "stamper", PW) != ESEAL_OK ||
        eseal_token_create(inst, &op, "root", NULL, 0, token, NULL) != ESEAL_OK ||
        eseal_auth_password(inst, &id, "root", PW, NULL, &wait) != ESEAL_OK ||
        eseal_session_open(inst, &id, session, csrf) != ESEAL_OK) {
        die("set-up");
    }
    if (!es_ok(es_router_new(&router)) || !es_ok(es_server_mount_api(router, inst, 0, &api))) {
        die("router");
    }
}

/* Line i of the input (at most LINE_MAX_ - 1 bytes, with $TOKEN, $SESSION, $CSRF replaced). */
static const uint8_t *line(const uint8_t *p, const uint8_t *end, char *out)
{
    size_t n = 0;
    out[0] = '\0';
    while (p < end && *p != '\n') {
        if (n + 1 < LINE_MAX_) {
            out[n++] = (char)*p;
        }
        p++;
    }
    out[n] = '\0';
    static const struct {
        const char *word;
        const char *value;
    } subst[] = {{"$TOKEN", token}, {"$SESSION", session}, {"$CSRF", csrf}};
    for (size_t i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
        char *at = strstr(out, subst[i].word);
        size_t wl = strlen(subst[i].word), vl = strlen(subst[i].value);
        if (at != NULL && strlen(out) - wl + vl < LINE_MAX_) {
            memmove(at + vl, at + wl, strlen(at + wl) + 1);
            memcpy(at, subst[i].value, vl);
        }
    }
    return p < end ? p + 1 : p;
}

#define FORM_PARTS_MAX 64

/* The form of a multipart body (see above) into parts[] and the file `fd`; how many parts. */
static size_t form_of(const uint8_t *p, const uint8_t *end, es_http_part *parts, int fd)
{
    size_t n = 0;
    uint64_t off = 0;
    while (p < end && n < FORM_PARTS_MAX) {
        const uint8_t *stop = end;
        for (const uint8_t *q = p; q + 4 <= end; q++) {
            if (memcmp(q, "\n--\n", 4) == 0) {
                stop = q;
                break;
            }
        }
        const uint8_t *nl = memchr(p, '\n', (size_t)(stop - p));
        const uint8_t *value = nl != NULL ? nl + 1 : stop;
        size_t hl = (size_t)((nl != NULL ? nl : stop) - p);
        es_http_part *part = memset(&parts[n++], 0, sizeof(*part));
        char head[ES_HTTP_PART_NAME_MAX + ES_HTTP_PART_FILENAME_MAX];
        (void)snprintf(head, sizeof(head), "%.*s", (int)(hl < sizeof(head) ? hl : sizeof(head) - 1), (const char *)p);
        char *semi = strchr(head, ';');
        part->is_file = semi != NULL;
        if (semi != NULL) {
            *semi = '\0';
            (void)snprintf(part->filename, sizeof(part->filename), "%.*s", (int)sizeof(part->filename) - 1, semi + 1);
        }
        (void)snprintf(part->name, sizeof(part->name), "%.*s", (int)sizeof(part->name) - 1, head);
        size_t vl = (size_t)(stop - value);
        if (part->is_file) {
            part->off = off;
            part->len = pwrite(fd, value, vl, (off_t)off) == (ssize_t)vl ? vl : 0;
            off += part->len;
        } else {
            part->value = es_span_of(value, vl < ES_HTTP_FIELD_MAX ? vl : ES_HTTP_FIELD_MAX);
        }
        p = stop + (stop < end ? 4 : 0);
    }
    return n;
}

static bool holds(const es_buf *b, const char *secret)
{
    size_t n = strlen(secret);
    if (n == 0 || b->len < n) {
        return false;
    }
    for (size_t i = 0; i + n <= b->len; i++) {
        if (memcmp(b->ptr + i, secret, n) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    static char method[LINE_MAX_], path[LINE_MAX_], authz[LINE_MAX_], cookie[LINE_MAX_], xcsrf[LINE_MAX_],
        ctype[LINE_MAX_];
    const uint8_t *p = data, *end = data + size;
    p = line(p, end, method);
    p = line(p, end, path);
    p = line(p, end, authz);
    p = line(p, end, cookie);
    p = line(p, end, xcsrf);
    p = line(p, end, ctype);
    if (path[0] != '/') {
        return 0; /* libmicrohttpd hands the router absolute paths only */
    }
    es_http_request rq = {.method = method,
                          .path = path,
                          .content_type = ctype,
                          .body = es_span_of(p, (size_t)(end - p)),
                          .authorization = authz,
                          .cookie = cookie,
                          .csrf_token = xcsrf,
                          .remote = "192.0.2.9",
                          .body_fd = -1};
    es_http_response rs = {.status = 200, .body = ES_BUF_INIT(ES_HTTP_RESPONSE_MAX)};
    /* The body cap the HTTP module would have applied before the router saw the request. */
    if (rq.body.len > es_router_body_cap(router, method, path)) {
        es_buf_free(&rs.body);
        return 0;
    }
    static es_http_part parts[FORM_PARTS_MAX];
    es_http_form form = {parts, 0, -1};
    FILE *files = NULL;
    if (strncmp(ctype, "multipart/form-data", 19) == 0 && es_router_spool(router, method, path)) {
        files = tmpfile();
        if (files == NULL) {
            abort();
        }
        form.fd = fileno(files);
        form.n = form_of(rq.body.ptr, rq.body.ptr + rq.body.len, parts, form.fd);
        rq.form = &form;
        rq.body = es_span_of(NULL, 0); /* the module hands a form's route no body */
    }
    es_result handled = es_router_handle(router, &rq, &rs);
    if (files != NULL) {
        (void)fclose(files);
    }
    if (!es_ok(handled)) {
        die("the router could not answer"); /* only memory may fail here */
    }
    if (getenv("ESEAL_FUZZ_VERBOSE") != NULL) { /* what each seed reaches: the corpus's review */
        (void)fprintf(stderr, "%s %s -> %d %.*s\n", method, path, rs.status, (int)(rs.body.len > 120 ? 120 : rs.body.len),
                      (const char *)rs.body.ptr);
    }
    if (rs.status < 200 || rs.status > 599 || rs.content_type[0] == '\0') {
        die("an answer without a status or a media type");
    }
    if (strncmp(path, "/api/", 5) == 0 && rs.status >= 400) {
        json_t *j = json_loadb((const char *)rs.body.ptr, rs.body.len, 0, NULL);
        if (strcmp(rs.content_type, ES_CT_PROBLEM) != 0 || j == NULL ||
            json_integer_value(json_object_get(j, "status")) != rs.status ||
            !json_is_string(json_object_get(j, "code"))) {
            die("an API error that is not problem+json with its status and code");
        }
        if (rs.status >= 500 && json_object_get(j, "detail") != NULL) {
            die("a 5xx with a detail");
        }
        json_decref(j);
    }
    /* A secret that this or an earlier request carried may come back (an unknown field's name is
     * quoted; an organisation named after it is listed later): the client knew it. One no request
     * ever carried must not. */
    const char *secrets[] = {token, session, PW, PASS};
    static bool told[sizeof(secrets) / sizeof(secrets[0])];
    for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++) {
        const char *x = secrets[k];
        es_buf body = {(uint8_t *)(uintptr_t)p, (size_t)(end - p), 0, 0, false};
        /* Carried as data (not as the credential it is: the credential lines never count, since
         * an answer must never echo a credential). */
        bool asked = strstr(method, x) != NULL || strstr(path, x) != NULL || strstr(ctype, x) != NULL ||
                     holds(&body, x);
        told[k] = told[k] || asked;
        if (told[k]) {
            continue;
        }
        if (holds(&rs.body, x)) {
            die("an answer carries a secret of the set-up");
        }
        for (size_t i = 0; i < rs.n_headers; i++) {
            if (strstr(rs.header_value[i], x) != NULL) {
                die("a header carries a secret of the set-up");
            }
        }
    }
    es_buf_free(&rs.body);
    return 0;
}
