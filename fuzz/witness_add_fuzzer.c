/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The witness's add-checkpoint (src/witness/witness.c) over arbitrary request
 * bodies, on a witness in a temporary directory that trusts two logs: the
 * Sigsum-style log of the litewitness vectors (its bodies are seeds) and
 * Tessera's test log, whose private key is published
 * (shared/testdata/tlog-vectors/SOURCES.md), so the harness can sign. Each input
 * is tried as sent and, when it holds an empty line, once more with what
 * follows it signed by the Tessera key: well-signed checkpoints of any size,
 * root and proof then reach the consistency checks. Before every request both
 * logs' states are put back (size 1 and 3) from a second store connection.
 *
 * Properties: the call never fails (only the witness's own failures could);
 * the status is one tlog-witness defines; a 409 is text/x.tlog.size with the
 * stored size; a 200 is one cosignature line that verifies with the witness
 * key over the checkpoint text, and the stored state then serves that
 * checkpoint; any other status leaves the state untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "tlog/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PASS "fuzz-witness-pass"
#define TESSERA_SKEY "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
#define TESSERA_VKEY "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
#define SIGSUM_ORIGIN "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562"
#define SIGSUM_PUB "ffdc2d4d98e4124d3feaf788c0c2f9abfd796083d1f0495437f302ec79cf100f"
/* litewitness vector 0: the Sigsum log at size 1. */
static const char sigsum_first[] =
    "old 0\n\n" SIGSUM_ORIGIN "\n1\nKgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 " SIGSUM_ORIGIN
    " UgIom7fPZTqpxWWhyjWduBvTvGVqsokMbqTArsQilegKoFBJQjUFAmQ0+YeSPM3wfUQMFSzVnnNuWRTYrajXpNUbIQY=\n";

static eseal_witness *w;
static eseal_store *side; /* a second connection to witness.db, for the states */
static es_note_signer tessera;
static eseal_key *tessera_key;
static es_note_verifier cosigner;
static char keys[2][80]; /* the states' names: "witness.log.<hex sha256(origin)>" */
static eseal_buf saved[2];

static void die(const char *what)
{
    fprintf(stderr, "witness_add_fuzzer: %s: %s\n", what, eseal_error_last()->message);
    abort();
}

static void state_name(char out[80], const char *origin)
{
    uint8_t h[64];
    size_t hl = 0;
    if (!es_ok(es_digest(h, &hl, ESEAL_HASH_SHA256, es_span_of(origin, strlen(origin))))) {
        die("sha256");
    }
    int n = snprintf(out, 80, "witness.log.");
    for (size_t i = 0; i < 32; i++) {
        n += snprintf(out + n, (size_t)(80 - n), "%02x", h[i]);
    }
}

static void submit(const void *body, size_t len, int *status, eseal_buf *resp, char *ct, size_t cap)
{
    eseal_buf_dispose(resp); /* an output buffer is filled, not appended to: empty it first */
    if (eseal_witness_add_checkpoint(w, body, len, status, resp, ct, cap) != ESEAL_OK) {
        die("add-checkpoint failed"); /* a request must never make the witness fail */
    }
}

static void init(void)
{
    if (w != NULL) {
        return;
    }
    char dir[64];
    (void)snprintf(dir, sizeof(dir), "%s/eseal-wfuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    char home[128];
    (void)snprintf(home, sizeof(home), "%s/w", dir);
    es_note_verifier sv;
    memset(&sv, 0, sizeof(sv));
    (void)snprintf(sv.name, sizeof(sv.name), "%s", SIGSUM_ORIGIN);
    sv.type = ES_NOTE_ED25519;
    es_buf pub = ES_BUF_INIT(64), vk = ES_BUF_INIT(512), text = ES_BUF_INIT(512), note = ES_BUF_INIT(4096);
    if (!es_ok(es_hex_decode(&pub, SIGSUM_PUB)) || pub.len != 32) {
        die("sigsum key");
    }
    memcpy(sv.pub, pub.ptr, 32);
    if (!es_ok(es_note_key_id(&sv.id, sv.name, sv.type, sv.pub)) || !es_ok(es_note_vkey_format(&vk, &sv)) ||
        eseal_witness_init(home, "fuzz.example.org/witness", PASS, strlen(PASS)) != ESEAL_OK ||
        eseal_witness_add_log(home, SIGSUM_ORIGIN, es_buf_cstr(&vk)) != ESEAL_OK ||
        eseal_witness_add_log(home, "example.com/log/testdata", TESSERA_VKEY) != ESEAL_OK ||
        eseal_witness_open(&w, home, PASS, strlen(PASS)) != ESEAL_OK) {
        die("witness setup");
    }
    eseal_buf wv = ESEAL_BUF_INIT;
    if (eseal_witness_vkey(w, &wv) != ESEAL_OK || !es_ok(es_note_vkey_parse(&cosigner, (const char *)wv.ptr)) ||
        !es_ok(es_note_skey_parse(&tessera, &tessera_key, TESSERA_SKEY))) {
        die("keys");
    }
    eseal_buf_dispose(&wv);
    /* The states every request starts from: the Sigsum log at 1, Tessera's at 3 ("one", "two", "three"). */
    int status = 0;
    eseal_buf resp = ESEAL_BUF_INIT;
    submit(sigsum_first, sizeof(sigsum_first) - 1, &status, &resp, NULL, 0);
    if (status != 200) {
        die("vector 0");
    }
    es_tlog_edge e;
    es_tlog_edge_init(&e);
    static const char *const entries[] = {"one", "two", "three"};
    es_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    (void)snprintf(cp.origin, sizeof(cp.origin), "example.com/log/testdata");
    for (size_t i = 0; i < 3; i++) {
        es_hash32 leaf;
        if (!es_ok(es_tlog_leaf_hash(leaf, es_span_of(entries[i], strlen(entries[i])))) ||
            !es_ok(es_tlog_edge_append(&e, leaf, NULL, NULL))) {
            die("tessera leaves");
        }
    }
    cp.size = 3;
    if (!es_ok(es_tlog_edge_root(&e, cp.root)) || !es_ok(es_checkpoint_format(&text, &cp)) ||
        !es_ok(es_buf_append_str(&note, "old 0\n\n")) ||
        !es_ok(es_note_sign(&note, es_buf_span(&text), &tessera, 1))) {
        die("tessera checkpoint");
    }
    submit(note.ptr, note.len, &status, &resp, NULL, 0);
    if (status != 200) {
        die("tessera at 3");
    }
    eseal_buf_dispose(&resp);
    state_name(keys[0], SIGSUM_ORIGIN);
    state_name(keys[1], "example.com/log/testdata");
    char db[160];
    (void)snprintf(db, sizeof(db), "%s/witness.db", home);
    if (eseal_store_open(&side, db) != ESEAL_OK || eseal_store_meta(side, &saved[0], keys[0]) != ESEAL_OK ||
        eseal_store_meta(side, &saved[1], keys[1]) != ESEAL_OK) {
        die("saving the states");
    }
    es_buf_free(&pub);
    es_buf_free(&vk);
    es_buf_free(&text);
    es_buf_free(&note);
}

static void reset(void)
{
    for (int i = 0; i < 2; i++) {
        if (eseal_store_meta_put(side, keys[i], saved[i].ptr, saved[i].size) != ESEAL_OK) {
            die("resetting a state");
        }
    }
}

/* How many of the two states differ from the saved ones. */
static int moved(void)
{
    int n = 0;
    for (int i = 0; i < 2; i++) {
        eseal_buf v = ESEAL_BUF_INIT;
        if (eseal_store_meta(side, &v, keys[i]) != ESEAL_OK) {
            die("reading a state");
        }
        n += v.size != saved[i].size || memcmp(v.ptr, saved[i].ptr, v.size) != 0;
        eseal_buf_dispose(&v);
    }
    return n;
}

static void check_200(const void *body, size_t len, const eseal_buf *resp)
{
    es_witness_req req;
    es_note *n = calloc(1, sizeof(*n));
    es_checkpoint cp;
    if (n == NULL || !es_ok(es_witness_req_parse(&req, es_span_of(body, len))) || !es_ok(es_note_parse(n, req.note)) ||
        !es_ok(es_checkpoint_parse(&cp, n->text))) {
        abort(); /* cosigned something that does not parse */
    }
    es_buf all = ES_BUF_INIT(2u << 20);
    if (!es_ok(es_buf_append(&all, n->text.ptr, n->text.len)) || !es_ok(es_buf_append_byte(&all, '\n')) ||
        !es_ok(es_buf_append(&all, resp->ptr, resp->size))) {
        abort();
    }
    es_note *c = calloc(1, sizeof(*c));
    uint64_t verified = 0, ts = 0;
    if (c == NULL || !es_ok(es_note_parse(c, es_buf_span(&all))) || c->count != 1 ||
        !es_ok(es_note_verify(c, &cosigner, 1, &verified, &ts)) || verified != 1 || ts == 0) {
        abort(); /* the answer is not exactly one good cosignature */
    }
    /* The state moved to this checkpoint: monitoring serves its text. */
    char hex[80];
    state_name(hex, cp.origin);
    eseal_buf latest = ESEAL_BUF_INIT;
    if (eseal_witness_checkpoint(w, &latest, hex + 12) != ESEAL_OK || latest.size < n->text.len ||
        memcmp(latest.ptr, n->text.ptr, n->text.len) != 0) {
        abort();
    }
    eseal_buf_dispose(&latest);
    es_buf_free(&all);
    free(c);
    free(n);
}

static void one(const void *body, size_t len)
{
    reset();
    int status = 0;
    eseal_buf resp = ESEAL_BUF_INIT;
    char ct[96] = "";
    submit(body, len, &status, &resp, ct, sizeof(ct));
    switch (status) {
    case 200:
        check_200(body, len, &resp);
        break;
    case 409:
        if (strcmp(ct, "text/x.tlog.size") != 0 ||
            !(strcmp((const char *)resp.ptr, "1\n") == 0 || strcmp((const char *)resp.ptr, "3\n") == 0)) {
            abort();
        }
        break;
    case 400:
    case 403:
    case 404:
    case 413:
    case 422:
        break;
    default:
        abort();
    }
    if (status != 200 && moved() != 0) {
        abort(); /* a refused request changed a state */
    }
    eseal_buf_dispose(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    one(data, size);
    /* "<head>\n\n<text>": the text signed by the Tessera log, the head kept. */
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] == '\n' && data[i + 1] == '\n') {
            sep = data + i;
            break;
        }
    }
    if (sep == NULL || size > ESEAL_WITNESS_MAX_REQUEST) {
        return 0;
    }
    size_t head = (size_t)(sep - data) + 2;
    es_buf body = ES_BUF_INIT(4u << 20);
    if (!es_ok(es_buf_append(&body, data, head))) {
        abort();
    }
    /* A text the signer refuses (no final newline, control bytes...) is simply not tried. */
    if (es_ok(es_note_sign(&body, es_span_of(data + head, size - head), &tessera, 1))) {
        one(body.ptr, body.len);
    }
    es_buf_free(&body);
    return 0;
}
