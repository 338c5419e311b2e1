/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamp record's log part (GET /api/v1/stamps/{serial}, docs/web.md "The stamp record"): the
 * record carries the stamp's entry's leaf hash, its inclusion proof, the checkpoint and the log's
 * key, not the entry (it names who stamped); the entry comes from the public log's entry bundle
 * (GET /tile/entries/...), as the browser reads it. Here the C side checks what the page checks:
 * the bundle's entry is this serial's and this document's, its leaf hash is the one given, and put
 * back together as a C2SP tlog-proof the parts verify with eseal_receipt_verify under the key the
 * record names; one changed proof hash, another index, an entry of another serial or another key
 * of the same log name fail. The seal's picture is public by serial; an unknown serial is 404 there
 * too. A stamp never published has a record without proof, and says why. eseal_receipt_split on
 * hostile receipts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

static char tmpl[] = "/tmp/eseal-record-XXXXXX";
static char ihome[600];
static char esid[128];
static char serial[40];
static char doc_sha256[65];
static eseal_instance *inst;
static eseal_server *srv;
static const char pass[] = "stamp-record-pass-1";

/* An answer of the server: status, content type, body (NUL-terminated, free() it). */
typedef struct {
    int status;
    char type[64];
    char *body;
    size_t len;
} answer;

static answer http_get(const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)eseal_server_port(srv));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512];
    int h = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    assert_true(h > 0 && (size_t)h < sizeof(req));
    assert_int_equal(write(fd, req, (size_t)h), (ssize_t)h);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    ssize_t k;
    while ((k = read(fd, buf + n, cap - 1 - n)) > 0) {
        n += (size_t)k;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[n] = '\0';
    close(fd);
    answer r = {0};
    (void)sscanf(buf, "HTTP/1.1 %d", &r.status);
    const char *ct = strstr(buf, "Content-Type: ");
    if (ct == NULL) {
        ct = strstr(buf, "content-type: ");
    }
    if (ct != NULL) {
        (void)sscanf(ct + 14, "%63[^;\r\n]", r.type);
    }
    char *body = strstr(buf, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    r.len = n - (size_t)(body - buf);
    r.body = malloc(r.len + 1);
    assert_non_null(r.body);
    memcpy(r.body, body, r.len + 1);
    free(buf);
    return r;
}

static int setup(void **state)
{
    (void)state;
    inst = test_instance_with_seal(tmpl, ihome, sizeof(ihome), pass, ESEAL_ALG_P256, esid, sizeof(esid));
    char in[700], out[700];
    (void)snprintf(in, sizeof(in), "%s/doc.pdf", tmpl);
    (void)snprintf(out, sizeof(out), "%s/doc-stamped.pdf", tmpl);
    test_write_pdf(in);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.qr = 1;
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, out, &q), ESEAL_OK);
    (void)snprintf(serial, sizeof(serial), "%s", res.serial);
    eseal_stamp_info st;
    assert_int_equal(eseal_instance_stamp_find(inst, &st, serial), ESEAL_OK);
    (void)snprintf(doc_sha256, sizeof(doc_sha256), "%s", st.document_sha256);
    eseal_serve_options o = ESEAL_SERVE_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.resources = ESEAL_SERVE_API | ESEAL_SERVE_LOG;
    assert_int_equal(eseal_instance_serve(inst, &srv, &o), ESEAL_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_server_stop(srv);
    return test_instance_done(inst, tmpl);
}

/* The record's log part as a C2SP tlog-proof (docs/audit-log.md, "Receipts"). */
static void receipt_of(char *out, size_t cap, const char *entry_b64, uint64_t index, json_t *proof, const char *cp)
{
    int n = snprintf(out, cap, "c2sp.org/tlog-proof@v1\nextra %s\nindex %llu\n", entry_b64, (unsigned long long)index);
    assert_true(n > 0 && (size_t)n < cap);
    size_t i;
    json_t *h;
    json_array_foreach(proof, i, h) {
        n += snprintf(out + n, cap - (size_t)n, "%s\n", json_string_value(h));
        assert_true((size_t)n < cap);
    }
    n += snprintf(out + n, cap - (size_t)n, "\n%s", cp);
    assert_true((size_t)n < cap);
}

static int check(const char *receipt, const char *key)
{
    eseal_receipt_check chk = ESEAL_RECEIPT_CHECK_INIT;
    chk.log_vkey = key;
    eseal_receipt_info info;
    int rc = eseal_receipt_verify(&info, receipt, strlen(receipt), &chk);
    eseal_receipt_info_dispose(&info);
    eseal_error_clear();
    return rc;
}

/* Base64 of SHA-256(0x00 || bytes): the leaf hash as the browser computes it (RFC 9162 §2.1.1). */
static void leaf_b64(char out[45], const unsigned char *bytes, size_t n)
{
    unsigned char pre[1] = {0}, md[32], b64[64];
    unsigned int mdl = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, pre, 1), 1);
    assert_int_equal(EVP_DigestUpdate(c, bytes, n), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, md, &mdl), 1);
    EVP_MD_CTX_free(c);
    assert_int_equal(EVP_EncodeBlock(b64, md, 32), 44);
    memcpy(out, b64, 45);
}

/* A verifier key "name+id+base64(0x01 || pub)" (C2SP signed-note) of a fresh Ed25519 key. */
static void other_key(char *out, size_t cap, const char *name)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    unsigned char kb[33] = {0x01}, md[32], b64[64];
    size_t pl = 32;
    assert_int_equal(EVP_PKEY_get_raw_public_key(k, kb + 1, &pl), 1);
    EVP_PKEY_free(k);
    /* key id: SHA-256(name || "\n" || 0x01 || pub)[0:4] */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int mdl = 0;
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, name, strlen(name)), 1);
    assert_int_equal(EVP_DigestUpdate(c, "\n", 1), 1);
    assert_int_equal(EVP_DigestUpdate(c, kb, sizeof(kb)), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, md, &mdl), 1);
    EVP_MD_CTX_free(c);
    assert_true(EVP_EncodeBlock(b64, kb, sizeof(kb)) > 0);
    int n = snprintf(out, cap, "%s+%02x%02x%02x%02x+%s", name, md[0], md[1], md[2], md[3], (const char *)b64);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Entry `index` as a browser reads it from the public log: the entry bundle tile/entries/N (or its
 * partial .p/W at the newest checkpoint), records of a big-endian uint16 length and the entry. */
static int bundle_entry(unsigned char *out, size_t cap, uint64_t index)
{
    answer c = http_get("/checkpoint");
    assert_int_equal(c.status, 200);
    unsigned long long size = 0;
    const char *nl = strchr(c.body, '\n');
    assert_non_null(nl);
    assert_int_equal(sscanf(nl + 1, "%llu", &size), 1);
    free(c.body);
    uint64_t n = index / 256;
    char path[256], digits[64], tmp[64];
    int dl = snprintf(digits, sizeof(digits), "%03llu", (unsigned long long)(n % 1000));
    for (uint64_t rest = n / 1000; rest > 0; rest /= 1000) {
        /* 3-digit groups, all but the last prefixed with "x" (C2SP tlog-tiles): x001/x234/067 */
        memcpy(tmp, digits, sizeof(tmp));
        dl = snprintf(digits, sizeof(digits), "x%03llu/%.50s", (unsigned long long)(rest % 1000), tmp);
    }
    assert_true(dl > 0);
    if ((n + 1) * 256 <= size) {
        (void)snprintf(path, sizeof(path), "/tile/entries/%s", digits);
    } else {
        (void)snprintf(path, sizeof(path), "/tile/entries/%s.p/%llu", digits, size - n * 256);
    }
    answer t = http_get(path);
    assert_int_equal(t.status, 200);
    size_t pos = 0;
    for (uint64_t k = 0; k < index % 256; k++) {
        assert_true(pos + 2 <= t.len);
        pos += 2 + (((size_t)(unsigned char)t.body[pos] << 8) | (unsigned char)t.body[pos + 1]);
    }
    assert_true(pos + 2 <= t.len);
    size_t len = ((size_t)(unsigned char)t.body[pos] << 8) | (unsigned char)t.body[pos + 1];
    assert_true(pos + 2 + len <= t.len && len <= cap);
    memcpy(out, t.body + pos + 2, len);
    free(t.body);
    return (int)len;
}

static void record_log_proof_checks(void **state)
{
    (void)state;
    char path[256];
    (void)snprintf(path, sizeof(path), "/api/v1/stamps/%s", serial);
    answer a = http_get(path);
    assert_int_equal(a.status, 200);
    json_error_t err;
    json_t *rec = json_loads(a.body, 0, &err);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "serial")), serial);
    assert_string_equal(json_string_value(json_object_get(rec, "document_sha256")), doc_sha256);
    /* a seal whose key is in software: its hardware bindings are the registry's empty array */
    json_t *hw = json_object_get(json_object_get(rec, "seal"), "hardware");
    assert_true(json_is_array(hw));
    assert_int_equal(json_array_size(hw), 0);
    json_t *log = json_object_get(rec, "log");
    assert_true(json_is_null(json_object_get(log, "unavailable")));
    const char *key = json_string_value(json_object_get(log, "key"));
    const char *cp = json_string_value(json_object_get(log, "checkpoint"));
    const char *leaf = json_string_value(json_object_get(log, "leaf_hash"));
    json_t *proof = json_object_get(log, "proof");
    uint64_t index = (uint64_t)json_integer_value(json_object_get(log, "index"));
    uint64_t size = (uint64_t)json_integer_value(json_object_get(log, "tree_size"));
    assert_non_null(key);
    assert_non_null(cp);
    assert_non_null(leaf);
    assert_true(json_is_array(proof));
    assert_true(index < size);
    /* the key is the log's, the origin its name, the checkpoint's body names that size */
    eseal_log *lg = NULL;
    eseal_buf vkey = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_log(inst, &lg), ESEAL_OK);
    assert_int_equal(eseal_log_vkey(lg, &vkey), ESEAL_OK);
    assert_string_equal(key, (const char *)vkey.ptr);
    eseal_buf_dispose(&vkey);
    assert_string_equal(json_string_value(json_object_get(log, "origin")), eseal_log_origin(lg));
    char line[64];
    (void)snprintf(line, sizeof(line), "\n%llu\n", (unsigned long long)size);
    assert_non_null(strstr(cp, line));

    /* The record names nobody: no entry, no login of who stamped. */
    assert_null(json_object_get(log, "entry"));
    assert_null(strstr(a.body, test_who()->id));

    /* The entry as the browser gets it: from the public log's entry bundle (C2SP tlog-tiles). */
    unsigned char raw[8192];
    int rl = bundle_entry(raw, sizeof(raw), index);
    char want[128];
    leaf_b64(want, raw, (size_t)rl);
    assert_string_equal(leaf, want);
    eseal_audit_entry_parsed p;
    assert_int_equal(eseal_audit_entry_parse(&p, raw, (size_t)rl), ESEAL_OK);
    assert_string_equal(p.e.type, "stamp");
    assert_string_equal(p.e.stamp, serial);
    assert_string_equal(p.e.doc_after_sha256, doc_sha256);
    assert_string_equal(p.e.seal, esid);
    eseal_audit_entry_parsed_dispose(&p);

    /* Put back together, it verifies under the key; the root reached is the checkpoint's. */
    static char rcpt[64 * 1024];
    char entry[12000];
    assert_true(EVP_EncodeBlock((unsigned char *)entry, raw, rl) > 0);
    receipt_of(rcpt, sizeof(rcpt), entry, index, proof, cp);
    assert_int_equal(check(rcpt, key), ESEAL_OK);

    /* One proof hash changed (when the tree has more than this leaf, it has one): not included. */
    assert_true(json_array_size(proof) > 0);
    char bad[64];
    (void)snprintf(bad, sizeof(bad), "%s", json_string_value(json_array_get(proof, 0)));
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    json_t *proof2 = json_deep_copy(proof);
    assert_int_equal(json_array_set_new(proof2, 0, json_string(bad)), 0);
    receipt_of(rcpt, sizeof(rcpt), entry, index, proof2, cp);
    assert_int_equal(check(rcpt, key), ESEAL_EVERIFY);
    json_decref(proof2);

    /* Another index with the same proof: not included either. */
    receipt_of(rcpt, sizeof(rcpt), entry, index ^ 1, proof, cp);
    assert_int_not_equal(check(rcpt, key), ESEAL_OK);

    /* The entry of another stamp (one character of the serial changed): its leaf is not the one proven. */
    unsigned char other_entry[8192], b64[12000];
    memcpy(other_entry, raw, (size_t)rl);
    char *at = strstr((char *)other_entry, "\nstamp ST");
    assert_non_null(at);
    at[strlen("\nstamp ST")] = at[strlen("\nstamp ST")] == '1' ? '2' : '1';
    assert_true(EVP_EncodeBlock(b64, other_entry, rl) > 0);
    receipt_of(rcpt, sizeof(rcpt), (const char *)b64, index, proof, cp);
    assert_int_equal(check(rcpt, key), ESEAL_EVERIFY);

    /* A key of another log of the same name: the checkpoint is not signed by it. */
    char other[256];
    other_key(other, sizeof(other), json_string_value(json_object_get(log, "origin")));
    receipt_of(rcpt, sizeof(rcpt), entry, index, proof, cp);
    assert_int_equal(check(rcpt, other), ESEAL_EVERIFY);
    assert_int_equal(check(rcpt, key), ESEAL_OK);

    json_decref(rec);
    free(a.body);
}

static void record_imprint_public(void **state)
{
    (void)state;
    char path[256];
    (void)snprintf(path, sizeof(path), "/api/v1/stamps/%s/imprint.svg", serial);
    answer a = http_get(path);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.type, "image/svg+xml");
    assert_non_null(strstr(a.body, "<svg"));
    free(a.body);
    (void)snprintf(path, sizeof(path), "/api/v1/stamps/%s/imprint.png", serial);
    a = http_get(path);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.type, "image/png");
    assert_true(a.len > 8 && memcmp(a.body, "\x89PNG", 4) == 0);
    free(a.body);
    /* an unknown serial has no picture; the seals' own route still needs a login */
    a = http_get("/api/v1/stamps/ST20990101-00000000AA/imprint.svg");
    assert_int_equal(a.status, 404);
    free(a.body);
    (void)snprintf(path, sizeof(path), "/api/v1/seals/%s/imprint.svg", esid);
    a = http_get(path);
    assert_int_equal(a.status, 401);
    free(a.body);
}

/* A stamp recorded but never published (its rename failed: a stamp.failed entry follows): its record
 * is answered, with no proof and the reason in our own words (no path of the instance). */
static void record_of_unpublished_stamp(void **state)
{
    (void)state;
    char in[700], out[700], sub[720];
    (void)snprintf(in, sizeof(in), "%s/doc2.pdf", tmpl);
    (void)snprintf(out, sizeof(out), "%s/out-is-a-folder.pdf", tmpl);
    (void)snprintf(sub, sizeof(sub), "%s/x", out);
    test_write_pdf(in);
    assert_int_equal(mkdir(out, 0755), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    uint64_t n0 = test_log_size(inst);
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(inst, &res, in, out, &q), ESEAL_EIO);
    eseal_error_clear();
    eseal_audit_entry_parsed p;
    test_log_entry(inst, &p, n0);
    assert_string_equal(p.e.type, "stamp");
    char path[256];
    (void)snprintf(path, sizeof(path), "/api/v1/stamps/%s", p.e.stamp);
    eseal_audit_entry_parsed_dispose(&p);
    answer a = http_get(path);
    assert_int_equal(a.status, 200);
    json_t *rec = json_loads(a.body, 0, NULL);
    assert_non_null(rec);
    json_t *log = json_object_get(rec, "log");
    assert_true(json_is_null(json_object_get(log, "leaf_hash")));
    assert_true(json_is_null(json_object_get(log, "proof")));
    assert_true(json_is_null(json_object_get(log, "checkpoint")));
    assert_string_equal(json_string_value(json_object_get(log, "unavailable")),
                        "the stamp was never published (a stamp.failed entry follows its entry), so it has no receipt");
    assert_null(strstr(a.body, tmpl));
    json_decref(rec);
    free(a.body);
}

/* eseal_receipt_split: the parts of a good receipt; a receipt without entry, or cut, refused. */
static void receipt_split_refuses(void **state)
{
    (void)state;
    eseal_receipt_parts parts;
    assert_int_equal(eseal_instance_stamp_inclusion(inst, &parts, serial), ESEAL_OK);
    assert_true(parts.entry.size > 0 && parts.tree_size > parts.index);
    assert_true(strlen(parts.root) == 44 && strlen(parts.leaf_hash) == 44);
    eseal_receipt_parts_dispose(&parts);
    eseal_buf r = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_stamp_receipt(inst, &r, serial), ESEAL_OK);
    const char *txt = (const char *)r.ptr;
    /* without its extra line */
    const char *extra = strstr(txt, "extra ");
    const char *after = strchr(extra, '\n') + 1;
    static char cut[64 * 1024];
    int n = snprintf(cut, sizeof(cut), "%.*s%s", (int)(extra - txt), txt, after);
    assert_true(n > 0 && (size_t)n < sizeof(cut));
    assert_int_equal(eseal_receipt_split(&parts, cut, (size_t)n), ESEAL_EMALFORMED);
    eseal_receipt_parts_dispose(&parts);
    /* cut before its checkpoint's signature */
    const char *sig = strstr(txt, "\n\n");
    assert_non_null(sig);
    assert_int_not_equal(eseal_receipt_split(&parts, txt, (size_t)(sig - txt) + 2), ESEAL_OK);
    eseal_receipt_parts_dispose(&parts);
    eseal_buf_dispose(&r);
    eseal_error_clear();
    /* an unknown serial: not found */
    assert_int_equal(eseal_instance_stamp_inclusion(inst, &parts, "ST20990101-00000000AA"), ESEAL_ENOTFOUND);
    eseal_receipt_parts_dispose(&parts);
    eseal_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_log_proof_checks),
        cmocka_unit_test(record_imprint_public),
        cmocka_unit_test(record_of_unpublished_stamp),
        cmocka_unit_test(receipt_split_refuses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
