/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP client (http.h) on libcurl, in the HTTP module (http_module.h): one POST or GET, bounded
 * in time and size. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http/http_module.h"

#define DEFAULT_TIMEOUT_MS 5000u
#define DEFAULT_MAX_RESPONSE (1u << 20)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;
static void init(void) { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    es_buf *out;
    bool too_large;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t len = size * n;
    if (!es_ok(es_buf_append(s->out, p, len))) {
        s->too_large = true;
        return 0; /* stops the transfer */
    }
    return len;
}

/* One exchange: a POST of `body` when content_type is not NULL, else a GET. */
static ES_RESULT transfer(const char *url, const char *content_type, es_span body, const es_http_client_options *o,
                          es_buf *resp, long *status, char *resp_type, size_t resp_type_cap)
{
    ES_ENSURE_ARG(url != NULL && resp != NULL && status != NULL);
    ES_ENSURE(strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0, ESEAL_EINVAL,
              "http: only http:// and https:// URLs are fetched, not %s", url);
    (void)pthread_once(&once, init);
    ES_ENSURE(init_rc == CURLE_OK, ESEAL_ERROR, "http: libcurl could not start");
    size_t max = o != NULL && o->max_response != 0 ? o->max_response : DEFAULT_MAX_RESPONSE;
    long timeout = (long)(o != NULL && o->timeout_ms != 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
    es_buf_free(resp);
    *resp = (es_buf)ES_BUF_INIT(max);
    *status = 0;
    CURL *c = curl_easy_init();
    ES_ENSURE_ALLOC(c);
    struct curl_slist *hdr = NULL;
    CURLcode rc = CURLE_OK;
    if (content_type != NULL) {
        char ct[256];
        (void)snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
        hdr = curl_slist_append(NULL, ct);
        rc = hdr == NULL ? CURLE_OUT_OF_MEMORY : CURLE_OK;
        for (size_t i = 0; rc == CURLE_OK && o != NULL && o->headers != NULL && o->headers[i] != NULL; i++) {
            struct curl_slist *more = curl_slist_append(hdr, o->headers[i]);
            rc = more == NULL ? CURLE_OUT_OF_MEMORY : CURLE_OK;
            hdr = more != NULL ? more : hdr;
        }
    }
    char err[CURL_ERROR_SIZE] = "";
    sink s = {resp, false};
    if (rc == CURLE_OK) {
        (void)curl_easy_setopt(c, CURLOPT_URL, url);
        (void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        (void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        (void)curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never a proxy from the environment */
        (void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
        (void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
        /* A Content-Length over the cap is refused before any byte is read. */
        (void)curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
        if (content_type != NULL) {
            (void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
            (void)curl_easy_setopt(c, CURLOPT_POST, 1L);
            (void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body.ptr);
            (void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        } else {
            (void)curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        }
        (void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        (void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        (void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
        rc = curl_easy_perform(c);
    }
    if (rc == CURLE_OK) {
        (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
        char *t = NULL;
        if (resp_type != NULL && resp_type_cap > 0) {
            resp_type[0] = 0;
            if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &t) == CURLE_OK && t != NULL) {
                (void)snprintf(resp_type, resp_type_cap, "%s", t);
            }
        }
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    ES_ENSURE(!s.too_large && rc != CURLE_FILESIZE_EXCEEDED, ESEAL_ELIMIT,
              "http: the response from %s is larger than %zu bytes", url, max);
    ES_ENSURE(rc == CURLE_OK, ESEAL_EIO, "http: %s: %s", url,
              rc == CURLE_OPERATION_TIMEDOUT ? "timed out" : (err[0] != 0 ? err : curl_easy_strerror(rc)));
    return ES_OK;
}

ES_RESULT es_http_post(const char *url, const char *content_type, es_span body, const es_http_client_options *o,
                       es_buf *resp, long *status, char *resp_type, size_t resp_type_cap)
{
    ES_ENSURE_ARG(content_type != NULL);
    return transfer(url, content_type, body, o, resp, status, resp_type, resp_type_cap);
}

ES_RESULT es_http_get(const char *url, const es_http_client_options *o, es_buf *resp, long *status, char *resp_type,
                      size_t resp_type_cap)
{
    return transfer(url, NULL, es_span_of(NULL, 0), o, resp, status, resp_type, resp_type_cap);
}
