/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal device simulate: plays a physical seal with a chip against `eseal serve` (issue 23 §4;
 * docs/devices.md): asks an unlock for an approved request, strikes N times and reports each
 * impression, each message signed with the chip's key over its canonical bytes (eseal/device.h), and
 * prints what it did and what the platform answered. Options play the bad cases a test needs (a
 * replayed ask or report, reports signed by another key, an impression after the unlock's expiry, one
 * more than the unlock allows). Plain http:// only: a test double of a device, not a device.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "eseal/device.h"

#define SIM_ANSWER_MAX (256u * 1024u) /* an answer of the device routes: a token and a certificate */
#define SIM_HOST_MAX 256

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 §4 base64 of [p, p+n) into out (cap bytes); false when it does not fit. */
static bool b64(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t need = (n + 2) / 3 * 4 + 1, o = 0;
    if (need > cap) {
        return false;
    }
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out[o++] = b64chars[(v >> 18) & 63];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
    }
    out[o] = '\0';
    return true;
}

/* "http://HOST:PORT" (a trailing '/' allowed) into host and port. */
static bool parse_url(const char *url, char host[SIM_HOST_MAX], char port[8])
{
    if (strncmp(url, "http://", 7) != 0) {
        return false;
    }
    const char *h = url + 7, *colon = strrchr(h, ':');
    if (colon == NULL || colon == h || (size_t)(colon - h) >= SIM_HOST_MAX) {
        return false;
    }
    size_t pl = strcspn(colon + 1, "/");
    if (pl == 0 || pl >= 8) {
        return false;
    }
    (void)snprintf(host, SIM_HOST_MAX, "%.*s", (int)(colon - h), h);
    (void)snprintf(port, 8, "%.*s", (int)pl, colon + 1);
    return true;
}

/* POSTs the JSON `body` to path on the server; *status and *answer (a new reference, NULL when the body is
 * no JSON). CLI_ERROR with a message when the server cannot be reached. */
static int post(const char *url, const char *path, json_t *body, int *status, json_t **answer)
{
    char host[SIM_HOST_MAX], port[8];
    *answer = NULL;
    if (!parse_url(url, host, port)) {
        return cli_usage_error(&cli_cmd_device, "--server: http://HOST:PORT (the simulator speaks plain HTTP)");
    }
    char *text = json_dumps(body, JSON_COMPACT);
    if (text == NULL) {
        return CLI_ERROR;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int fd = -1;
    if (getaddrinfo(host, port, &hints, &ai) == 0) {
        for (struct addrinfo *p = ai; p != NULL && fd < 0; p = p->ai_next) {
            fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
            if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
                (void)close(fd);
                fd = -1;
            }
        }
        freeaddrinfo(ai);
    }
    if (fd < 0) {
        free(text); /* !checksrc! allowed: jansson's allocation */
        fprintf(stderr, "eseal: cannot reach %s\n", url);
        return CLI_ERROR;
    }
    char head[512];
    int hn = snprintf(head, sizeof(head),
                      "POST /api/v1%s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      path, host, strlen(text));
    bool sent = hn > 0 && (size_t)hn < sizeof(head) && write(fd, head, (size_t)hn) == hn &&
                write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    free(text); /* !checksrc! allowed: jansson's allocation */
    static char buf[SIM_ANSWER_MAX + 1];
    size_t got = 0;
    ssize_t r;
    while (sent && got < SIM_ANSWER_MAX && (r = read(fd, buf + got, SIM_ANSWER_MAX - got)) > 0) {
        got += (size_t)r;
    }
    (void)close(fd);
    buf[got] = '\0';
    const char *sp = strchr(buf, ' '), *bodyp = strstr(buf, "\r\n\r\n");
    if (!sent || sp == NULL || bodyp == NULL) {
        fprintf(stderr, "eseal: no HTTP answer from %s\n", url);
        return CLI_ERROR;
    }
    *status = 0;
    for (const char *d = sp + 1; *d >= '0' && *d <= '9' && *status < 1000; d++) {
        *status = *status * 10 + (*d - '0');
    }
    *answer = json_loads(bodyp + 4, 0, NULL);
    return CLI_OK;
}

static int sign_into(json_t *o, eseal_key *key, const eseal_buf *msg)
{
    eseal_buf sig = ESEAL_BUF_INIT;
    int rc = eseal_key_sign(&sig, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg->ptr, msg->size);
    char text[512];
    if (rc == ESEAL_OK && !b64(text, sizeof(text), sig.ptr, sig.size)) {
        rc = ESEAL_ELIMIT;
    }
    eseal_buf_dispose(&sig);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    return json_object_set_new(o, "signature", json_string(text)) == 0 ? CLI_OK : CLI_ERROR;
}

/* Prints one exchange: what was sent, what came back. */
static void said(const char *what, int status, json_t *answer)
{
    const char *code = json_string_value(json_object_get(answer, "code"));
    printf("%s: %d%s%s\n", what, status, code != NULL ? " " : "", code != NULL ? code : "");
}

/* The device whose key is `key`'s public half, from the local instance (when --device is not given). */
typedef struct {
    eseal_buf pub;
    char id[ESEAL_DEVICE_ID_LEN + 1];
} find_ctx;

static int find_cb(const eseal_device *d, void *p)
{
    find_ctx *f = p;
    if (d->status == ESEAL_DEVICE_ACTIVE && d->key_len == f->pub.size && memcmp(d->key, f->pub.ptr, d->key_len) == 0) {
        (void)snprintf(f->id, sizeof(f->id), "%s", d->id);
    }
    return 0;
}

static int device_of(cli_args *a, eseal_key *key, char id[ESEAL_DEVICE_ID_LEN + 1])
{
    if (cli_get(a, "device") != NULL) {
        (void)snprintf(id, ESEAL_DEVICE_ID_LEN + 1, "%s", cli_get(a, "device"));
        return CLI_OK;
    }
    find_ctx f = {ESEAL_BUF_INIT, ""};
    eseal_instance *inst = NULL;
    int rc = eseal_key_public_der(&f.pub, key);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if ((rc = cli_open(a, &inst, false)) != CLI_OK) {
        eseal_buf_dispose(&f.pub);
        return rc;
    }
    int lrc = eseal_device_list(inst, cli_principal(), NULL, find_cb, &f);
    eseal_instance_close(inst);
    eseal_buf_dispose(&f.pub);
    if (lrc != ESEAL_OK) {
        return cli_fail(lrc);
    }
    if (f.id[0] == '\0') {
        return cli_usage_error(&cli_cmd_device, "no active device of this key here: give --device ID");
    }
    memcpy(id, f.id, sizeof(f.id));
    return CLI_OK;
}

static int report_one(const char *server, eseal_key *key, const char *dev, const char *unlock, int64_t seq,
                      int64_t t, int *status)
{
    char photo[65];
    (void)snprintf(photo, sizeof(photo), "%016llx%016llx%016llx%016llx", (unsigned long long)t,
                   (unsigned long long)seq, (unsigned long long)0x5e41u, (unsigned long long)0x9b07u);
    eseal_device_report r = {.device = dev, .unlock = unlock, .seq = seq, .time_ms = t, .lat = "31.2304",
                             .lon = "121.4737", .photo_sha256 = photo, .operator_id = "simulated operator"};
    eseal_buf msg = ESEAL_BUF_INIT;
    int rc = eseal_device_report_bytes(&msg, &r);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "device", dev, "unlock", unlock, "seq",
                          (json_int_t)seq, "time", (json_int_t)t, "lat", r.lat, "lon", r.lon, "photo_sha256", photo,
                          "operator", r.operator_id);
    int crc = o != NULL ? sign_into(o, key, &msg) : CLI_ERROR;
    eseal_buf_dispose(&msg);
    json_t *ans = NULL;
    if (crc == CLI_OK) {
        crc = post(server, "/devices/impressions", o, status, &ans);
    }
    json_decref(o);
    if (crc == CLI_OK) {
        char what[64];
        (void)snprintf(what, sizeof(what), "impression %lld", (long long)seq);
        said(what, *status, ans);
    }
    json_decref(ans);
    return crc;
}

int cli_device_simulate(cli_args *a)
{
    static const char *const allowed[] = {"device-key", "server", "request", "impressions", "device",
                                          "replay-unlock", "replay-report", "other-key", "late", "extra", NULL};
    int rc = cli_options_only(&cli_cmd_device, a, "device simulate", allowed);
    if (rc != CLI_OK) {
        return rc;
    }
    const char *server = cli_get(a, "server"), *req = cli_get(a, "request");
    if (a->npos != 1 || cli_get(a, "device-key") == NULL || server == NULL || req == NULL) {
        return cli_usage_error(&cli_cmd_device, "device simulate needs --device-key KEY --server URL --request ID");
    }
    uint64_t n = 1;
    if (cli_get(a, "impressions") != NULL &&
        (rc = cli_number(&cli_cmd_device, cli_get(a, "impressions"), "--impressions", ESEAL_UNLOCK_IMPRESSIONS_MAX,
                         &n)) != CLI_OK) {
        return rc;
    }
    if (n == 0) {
        return cli_usage_error(&cli_cmd_device, "--impressions: 1 to %d", ESEAL_UNLOCK_IMPRESSIONS_MAX);
    }
    eseal_key *key = NULL, *other = NULL;
    rc = eseal_key_load(&key, cli_get(a, "device-key"), NULL, 0);
    if (rc == ESEAL_OK && cli_get(a, "other-key") != NULL) {
        rc = eseal_key_load(&other, cli_get(a, "other-key"), NULL, 0);
    }
    if (rc != ESEAL_OK) {
        eseal_key_free(key);
        return cli_fail(rc);
    }
    char dev[ESEAL_DEVICE_ID_LEN + 1];
    int crc = device_of(a, key, dev);
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char nonce[ESEAL_DEVICE_NONCE_LEN + 1];
    (void)snprintf(nonce, sizeof(nonce), "%016llx%08x%08x", (unsigned long long)now, (unsigned)getpid(),
                   (unsigned)(ts.tv_nsec & 0xffffffff));
    eseal_device_ask ask = {.device = dev, .request = req, .impressions = (int64_t)n, .nonce = nonce, .time_ms = now};
    eseal_buf msg = ESEAL_BUF_INIT;
    json_t *o = NULL, *ans = NULL;
    int status = 0, failures = 0;
    if (crc == CLI_OK) {
        int lrc = eseal_device_ask_bytes(&msg, &ask);
        crc = lrc == ESEAL_OK ? CLI_OK : cli_fail(lrc);
    }
    if (crc == CLI_OK) {
        o = json_pack("{s:s, s:s, s:I, s:s, s:I}", "device", dev, "request", req, "impressions", (json_int_t)n, "nonce",
                      nonce, "time", (json_int_t)now);
        crc = o != NULL ? sign_into(o, key, &msg) : CLI_ERROR;
    }
    if (crc == CLI_OK) {
        crc = post(server, "/devices/unlock", o, &status, &ans);
    }
    char unlock[ESEAL_UNLOCK_ID_LEN + 1] = "";
    int64_t expires = 0;
    if (crc == CLI_OK) {
        said("unlock", status, ans);
        json_t *u = json_object_get(ans, "unlock");
        const char *id = json_string_value(json_object_get(u, "id"));
        if (status == 201 && id != NULL) {
            (void)snprintf(unlock, sizeof(unlock), "%s", id);
            expires = (int64_t)json_integer_value(json_object_get(u, "expires"));
            printf("unlock %s: %llu impressions until %lld\n", unlock, (unsigned long long)n, (long long)expires);
        } else {
            failures++;
        }
        if (cli_flag(a, "replay-unlock")) {
            json_decref(ans);
            ans = NULL;
            crc = post(server, "/devices/unlock", o, &status, &ans);
            if (crc == CLI_OK) {
                said("unlock replayed", status, ans);
            }
        }
    }
    json_decref(ans);
    json_decref(o);
    eseal_buf_dispose(&msg);
    uint64_t strikes = n + (cli_flag(a, "extra") ? 1 : 0);
    for (uint64_t i = 1; crc == CLI_OK && unlock[0] != '\0' && i <= strikes; i++) {
        int64_t t = cli_flag(a, "late") ? expires + 1 : now + (int64_t)i;
        crc = report_one(server, other != NULL ? other : key, dev, unlock, (int64_t)i, t, &status);
        failures += crc == CLI_OK && status != 201;
        if (crc == CLI_OK && i == 1 && cli_flag(a, "replay-report")) {
            crc = report_one(server, other != NULL ? other : key, dev, unlock, 1, t, &status);
        }
    }
    eseal_key_free(key);
    eseal_key_free(other);
    if (crc != CLI_OK) {
        return crc;
    }
    /* the bad cases are expected to be refused: the exit status says whether the device's own run was accepted */
    return failures == 0 ? CLI_OK : CLI_NOT_VALID;
}
