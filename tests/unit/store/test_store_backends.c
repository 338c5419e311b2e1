/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store backends (eseal/sys/store_backend.h): a backend added with a higher priority takes its
 * concern's calls; one transaction spans registry, PKI and log; the lookup rules, ambiguity and
 * the messages live above the backends (a small in-memory registry that only lists ids gets the
 * same answers as SQLite).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "eseal/sys/store_backend.h"
#include "util/util.h" /* es_strdup: records are freed by eseal_*_record_dispose with the library's allocator */

static char dir[] = "/tmp/eseal-store-be-XXXXXX";
static char path[256];
static int db_n;
static int frees; /* backends the store freed */

static eseal_store *open_fresh(void)
{
    char loc[300];
    (void)snprintf(loc, sizeof(loc), "sqlite:%s/%d.db", dir, ++db_n);
    eseal_store *s = NULL;
    assert_int_equal(eseal_store_open(&s, loc), ESEAL_OK);
    return s;
}

static void expect_error(int rc, int code, const char *message)
{
    assert_int_equal(rc, code);
    assert_string_equal(eseal_error_last()->message, message);
}

static eseal_seal_record seal(const char *esid)
{
    eseal_seal_record r;
    memset(&r, 0, sizeof(r));
    r.esid = (char *)(uintptr_t)esid;
    r.name = (char *)(uintptr_t) "seal";
    r.owner = (char *)(uintptr_t) "Example Co";
    r.maker_cert_id = (char *)(uintptr_t) "m1";
    r.state = (char *)(uintptr_t) "made";
    r.sha256 = (char *)(uintptr_t) "00";
    r.type = 1;
    r.generation = 1;
    r.created_ms = r.valid_from_ms = r.updated_ms = 1000;
    r.valid_to_ms = 2000;
    return r;
}

static eseal_cert_record cert(const char *id, const char *serial, const char *fp)
{
    eseal_cert_record r;
    memset(&r, 0, sizeof(r));
    r.id = (char *)(uintptr_t)id;
    r.role = (char *)(uintptr_t) "org";
    r.hierarchy = (char *)(uintptr_t) "sm2";
    r.alg = (char *)(uintptr_t) "sm2";
    r.subject = (char *)(uintptr_t) "CN=x";
    r.serial = (char *)(uintptr_t)serial;
    r.issuer_id = (char *)(uintptr_t) "caid";
    r.fingerprint = (char *)(uintptr_t)fp;
    r.pem = (char *)(uintptr_t) "PEM";
    r.not_before_ms = 1;
    r.not_after_ms = 2;
    r.created_ms = 3;
    return r;
}

/* ---- a counting wrapper around the store's own registry backend ---------------------------- */

typedef struct {
    eseal_store_registry_backend be;
    eseal_store_registry_backend *inner; /* still owned by the store */
    int inserts, gets, ids;
} counting_registry;

static int cr_insert(eseal_store_registry_backend *be, const eseal_seal_record *r, const void *der, size_t len)
{
    counting_registry *c = (counting_registry *)(void *)be;
    c->inserts++;
    return c->inner->seal_insert(c->inner, r, der, len);
}

static int cr_ids(eseal_store_registry_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                  size_t max, size_t *n)
{
    counting_registry *c = (counting_registry *)(void *)be;
    c->ids++;
    return c->inner->seal_ids(c->inner, how, key, ids, max, n);
}

static int cr_get(eseal_store_registry_backend *be, eseal_seal_record *out, eseal_buf *der, const char *esid)
{
    counting_registry *c = (counting_registry *)(void *)be;
    c->gets++;
    return c->inner->seal_get(c->inner, out, der, esid);
}

static void counted_free(eseal_store_registry_backend *be)
{
    frees++;
    free(be);
}

static counting_registry *counting_new(eseal_store_registry_backend *inner)
{
    counting_registry *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->be.version = ESEAL_STORE_REGISTRY_BACKEND_VERSION;
    c->be.seal_insert = cr_insert;
    c->be.seal_ids = cr_ids;
    c->be.seal_get = cr_get;
    c->be.free = counted_free;
    c->inner = inner;
    return c;
}

static void added_backend_takes_its_concerns_calls(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_store_registry_backend *sqlite_reg = eseal_store_registry_backend_current(s);
    assert_non_null(sqlite_reg);
    counting_registry *c = counting_new(sqlite_reg);
    assert_int_equal(eseal_store_add_registry_backend(s, &c->be, 1), ESEAL_OK);
    assert_ptr_equal(eseal_store_registry_backend_current(s), &c->be);

    eseal_seal_record r = seal("SEAL-0001-AAAA");
    assert_int_equal(eseal_store_seal_insert(s, &r, "\x30\x00", 2), ESEAL_OK);
    assert_int_equal(c->inserts, 1);
    eseal_seal_record out;
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "SEAL-0001"), ESEAL_OK); /* exact miss, prefix, get */
    assert_string_equal(out.esid, "SEAL-0001-AAAA");
    eseal_seal_record_dispose(&out);
    assert_int_equal(c->gets, 2);
    assert_int_equal(c->ids, 1);
    /* Not implemented by the wrapper: refused, not sent to the backend below. */
    expect_error(eseal_store_seal_update(s, "SEAL-0001-AAAA", "active", 5, NULL), ESEAL_EUNSUPPORTED,
                 "store: the registry backend has no seal_update");
    /* The other concerns still go to SQLite. */
    eseal_cert_record a = cert("abcd000011112222", "0A", "abcd000011112222ffff");
    assert_int_equal(eseal_store_cert_insert(s, &a), ESEAL_OK);

    /* A lower priority does not take over; a wrong version is refused (and freed: the store owns it). */
    counting_registry *low = counting_new(sqlite_reg);
    assert_int_equal(eseal_store_add_registry_backend(s, &low->be, 0), ESEAL_OK);
    assert_ptr_equal(eseal_store_registry_backend_current(s), &c->be);
    counting_registry *old = counting_new(sqlite_reg);
    old->be.version = 99;
    frees = 0;
    assert_int_equal(eseal_store_add_registry_backend(s, &old->be, 5), ESEAL_EINVAL);
    assert_int_equal(frees, 1);
    assert_ptr_equal(eseal_store_registry_backend_current(s), &c->be);
    eseal_store_close(s);
    assert_int_equal(frees, 3); /* both added wrappers freed at close */
}

/* ---- one transaction spans registry, PKI and log ------------------------------------------- */

typedef struct {
    eseal_store_log_backend be;
    eseal_store_log_backend *inner;
} failing_log;

/* Writes the entries, then fails: a failure in the middle of a transaction, after rows were written. */
static int fl_entries_put(eseal_store_log_backend *be, uint64_t first, const eseal_store_bytes *e, size_t n)
{
    failing_log *f = (failing_log *)(void *)be;
    assert_int_equal(f->inner->entries_put(f->inner, first, e, n), ESEAL_OK);
    eseal_buf check = ESEAL_BUF_INIT; /* the row is there inside the transaction */
    assert_int_equal(f->inner->entry(f->inner, &check, first), ESEAL_OK);
    eseal_buf_dispose(&check);
    return ESEAL_ESTORE;
}

static int fl_entry(eseal_store_log_backend *be, eseal_buf *out, uint64_t index)
{
    failing_log *f = (failing_log *)(void *)be;
    return f->inner->entry(f->inner, out, index);
}

static void fl_free(eseal_store_log_backend *be) { free(be); }

static void write_three_concerns(eseal_store *s, const char *esid, const char *cert_id, const char *fp)
{
    eseal_seal_record r = seal(esid);
    assert_int_equal(eseal_store_seal_insert(s, &r, "\x30\x00", 2), ESEAL_OK);
    eseal_seal_event ev = {0};
    ev.esid = (char *)(uintptr_t)esid;
    ev.to_state = (char *)(uintptr_t) "made";
    assert_int_equal(eseal_store_seal_event_add(s, &ev, NULL), ESEAL_OK);
    eseal_cert_record c = cert(cert_id, cert_id, fp); /* the id as serial: unique per issuer */
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_OK);
}

static void one_transaction_spans_the_concerns(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    failing_log *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->be.version = ESEAL_STORE_LOG_BACKEND_VERSION;
    f->be.entries_put = fl_entries_put;
    f->be.entry = fl_entry;
    f->be.free = fl_free;
    f->inner = eseal_store_log_backend_current(s);

    /* Committed: the three concerns' rows are all there. */
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    write_three_concerns(s, "SEAL-OK-0001", "aaaa000011112222", "aaaa000011112222ffff");
    eseal_store_bytes e = {"entry", 5};
    assert_int_equal(eseal_store_log_entries_put(s, 0, &e, 1), ESEAL_OK);
    assert_int_equal(eseal_store_commit(s), ESEAL_OK);

    /* The log write fails after the registry and PKI rows (and its own) were written: rolled back, none stays. */
    assert_int_equal(eseal_store_add_log_backend(s, &f->be, 1), ESEAL_OK);
    assert_int_equal(eseal_store_begin(s), ESEAL_OK);
    write_three_concerns(s, "SEAL-RB-0002", "bbbb000011112222", "bbbb000011112222ffff");
    assert_int_equal(eseal_store_log_entries_put(s, 1, &e, 1), ESEAL_ESTORE);
    assert_int_equal(eseal_store_rollback(s), ESEAL_OK);

    eseal_seal_record so;
    eseal_cert_record co;
    eseal_buf b = ESEAL_BUF_INIT;
    expect_error(eseal_store_seal_find(s, &so, NULL, "SEAL-RB-0002"), ESEAL_ENOTFOUND,
                 "no seal 'SEAL-RB-0002' in this registry");
    expect_error(eseal_store_cert_find(s, &co, "bbbb0000"), ESEAL_ENOTFOUND,
                 "no certificate 'bbbb0000' in this instance");
    expect_error(eseal_store_log_entry(s, &b, 1), ESEAL_ENOTFOUND, "the audit log has no entry 1");
    /* What was committed before stays. */
    assert_int_equal(eseal_store_seal_find(s, &so, NULL, "SEAL-OK-0001"), ESEAL_OK);
    eseal_seal_record_dispose(&so);
    assert_int_equal(eseal_store_cert_find(s, &co, "aaaa0000"), ESEAL_OK);
    eseal_cert_record_dispose(&co);
    assert_int_equal(eseal_store_log_entry(s, &b, 0), ESEAL_OK);
    eseal_buf_dispose(&b);
    eseal_store_close(s);
}

/* ---- the shared rules above a backend that only lists ids ---------------------------------- */

typedef struct {
    eseal_store_registry_backend be;
    char esids[4][32];
    size_t n;
    int calls;
    size_t max_asked;
} mem_registry;

static int mem_insert(eseal_store_registry_backend *be, const eseal_seal_record *r, const void *der, size_t len)
{
    (void)der;
    (void)len;
    mem_registry *m = (mem_registry *)(void *)be;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->esids[i], r->esid) == 0) {
            return ESEAL_EEXISTS; /* an answer: the store words it */
        }
    }
    assert_true(m->n < 4 && strlen(r->esid) < sizeof(m->esids[0]));
    (void)snprintf(m->esids[m->n++], sizeof(m->esids[0]), "%s", r->esid);
    return ESEAL_OK;
}

static int mem_ids(eseal_store_registry_backend *be, eseal_store_match how, const char *key, eseal_store_id *ids,
                   size_t max, size_t *n)
{
    mem_registry *m = (mem_registry *)(void *)be;
    m->calls++;
    m->max_asked = max;
    *n = 0;
    for (size_t i = 0; i < m->n && *n < max; i++) {
        bool hit = how == ESEAL_STORE_MATCH_PREFIX ? strncmp(m->esids[i], key, strlen(key)) == 0
                                                   : strcmp(m->esids[i], key) == 0;
        if (hit) {
            (void)snprintf(ids[(*n)++].id, sizeof(ids[0].id), "%s", m->esids[i]);
        }
    }
    return ESEAL_OK;
}

static int mem_get(eseal_store_registry_backend *be, eseal_seal_record *out, eseal_buf *der, const char *esid)
{
    (void)der;
    mem_registry *m = (mem_registry *)(void *)be;
    m->calls++;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->esids[i], esid) == 0) {
            memset(out, 0, sizeof(*out));
            out->esid = es_strdup(esid);
            return ESEAL_OK;
        }
    }
    return ESEAL_ENOTFOUND;
}

static void mem_free(eseal_store_registry_backend *be) { free(be); }

static void lookup_rules_are_above_the_backends(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_store_registry_backend *sqlite_reg = eseal_store_registry_backend_current(s);
    mem_registry *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->be.version = ESEAL_STORE_REGISTRY_BACKEND_VERSION;
    m->be.seal_insert = mem_insert;
    m->be.seal_ids = mem_ids;
    m->be.seal_get = mem_get;
    m->be.free = mem_free;
    assert_int_equal(eseal_store_add_registry_backend(s, &m->be, 10), ESEAL_OK);

    eseal_seal_record r1 = seal("SEAL-0001-AAAA"), r2 = seal("SEAL-0002-BBBB");
    assert_int_equal(eseal_store_seal_insert(s, &r1, "\x30\x00", 2), ESEAL_OK);
    assert_int_equal(eseal_store_seal_insert(s, &r2, "\x30\x00", 2), ESEAL_OK);
    expect_error(eseal_store_seal_insert(s, &r2, "\x30\x00", 2), ESEAL_EEXISTS,
                 "store: seal SEAL-0002-BBBB is already recorded");
    assert_int_equal(m->n, 2);
    /* The rows went to the in-memory backend, not to SQLite below it. */
    eseal_store_id ids[2];
    size_t n = 9;
    assert_int_equal(sqlite_reg->seal_ids(sqlite_reg, ESEAL_STORE_MATCH_PREFIX, "SEAL", ids, 2, &n), ESEAL_OK);
    assert_int_equal(n, 0);

    eseal_seal_record out;
    expect_error(eseal_store_seal_find(s, &out, NULL, "SEAL-000"), ESEAL_EAMBIGUOUS,
                 "'SEAL-000' matches several seals; give more characters");
    assert_int_equal(m->max_asked, 2); /* the backend is asked for two rows at most */
    assert_int_equal(eseal_store_seal_find(s, &out, NULL, "SEAL-0002"), ESEAL_OK);
    assert_string_equal(out.esid, "SEAL-0002-BBBB");
    eseal_seal_record_dispose(&out);
    expect_error(eseal_store_seal_find(s, &out, NULL, "NOPE-0000"), ESEAL_ENOTFOUND,
                 "no seal 'NOPE-0000' in this registry");
    /* Too short to identify anything: refused before any backend is asked. */
    m->calls = 0;
    expect_error(eseal_store_seal_find(s, &out, NULL, "SEA"), ESEAL_EINVAL, "seal id 'SEA' must have 4 to 256 characters");
    assert_int_equal(m->calls, 0);
    eseal_store_close(s);
}

/* The same rules over SQLite: certificates by id, serial or fingerprint in either case, stamps by serial. */
static void cert_and_stamp_references(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_cert_record a = cert("abcd000011112222", "0A1B", "abcd000011112222ffff");
    eseal_cert_record b = cert("abcd999911112222", "0B2C", "9999000011112222ffff");
    assert_int_equal(eseal_store_cert_insert(s, &a), ESEAL_OK);
    assert_int_equal(eseal_store_cert_insert(s, &b), ESEAL_OK);
    expect_error(eseal_store_cert_insert(s, &a), ESEAL_EEXISTS, "store: certificate abcd000011112222 is already recorded");
    eseal_cert_record out;
    expect_error(eseal_store_cert_find(s, &out, "ABCD"), ESEAL_EAMBIGUOUS,
                 "'ABCD' matches several certificates; give more digits");
    assert_int_equal(eseal_store_cert_find(s, &out, "0a1b"), ESEAL_OK); /* serial, lower case */
    assert_string_equal(out.id, "abcd000011112222");
    eseal_cert_record_dispose(&out);
    assert_int_equal(eseal_store_cert_find(s, &out, "9999000011112222FFFF"), ESEAL_OK); /* fingerprint */
    assert_string_equal(out.id, "abcd999911112222");
    eseal_cert_record_dispose(&out);
    /* "abcd9999..." is b's id prefix, and b's fingerprint starts "9999": only exact fingerprints count. */
    expect_error(eseal_store_cert_find(s, &out, "9999"), ESEAL_ENOTFOUND, "no certificate '9999' in this instance");
    /* One reference naming two records by different forms (c's serial is b's id): ambiguous. */
    eseal_cert_record c = cert("0c0c0c0c", "ABCD999911112222", "0c0c0c0cffff");
    assert_int_equal(eseal_store_cert_insert(s, &c), ESEAL_OK);
    expect_error(eseal_store_cert_find(s, &out, "abcd999911112222"), ESEAL_EAMBIGUOUS,
                 "'abcd999911112222' matches several certificates; give more digits");
    expect_error(eseal_store_cert_find_role(s, &out, "tsa", "p256"), ESEAL_ENOTFOUND,
                 "no certificate 'p256/tsa' in this instance");
    expect_error(eseal_store_cert_revoke(s, "ffff", 1, 1), ESEAL_ESTATE, "certificate ffff is already revoked");

    eseal_stamp_record st = {0};
    st.serial = (char *)(uintptr_t) "st20261121-0a1b2c3d4e";
    st.esid = (char *)(uintptr_t) "SEAL-X";
    st.log_index = 7;
    assert_int_equal(eseal_store_stamp_insert(s, &st), ESEAL_OK);
    expect_error(eseal_store_stamp_insert(s, &st), ESEAL_EEXISTS, "store: stamp ST20261121-0A1B2C3D4E is already recorded");
    eseal_stamp_record so;
    assert_int_equal(eseal_store_stamp_find(s, &so, "St20261121-0A1b2c3d4e"), ESEAL_OK);
    assert_string_equal(so.serial, "ST20261121-0A1B2C3D4E");
    assert_int_equal(so.log_index, 7);
    eseal_stamp_record_dispose(&so);
    assert_int_equal(eseal_store_stamp_receipt_put(s, "st20261121-0a1b2c3d4e", "proof"), ESEAL_OK);
    assert_int_equal(eseal_store_stamp_find(s, &so, "ST20261121-0A1B2C3D4E"), ESEAL_OK);
    assert_string_equal(so.receipt, "proof");
    eseal_stamp_record_dispose(&so);
    expect_error(eseal_store_stamp_find(s, &so, "ST00000000-0000000000"), ESEAL_ENOTFOUND,
                 "no stamp with serial ST00000000-0000000000");
    eseal_store_close(s);
}

static int count_entry(uint64_t index, const void *data, size_t len, void *payload)
{
    (void)index;
    (void)data;
    (void)len;
    (*(int *)payload)++;
    return ESEAL_OK;
}

/* The backend hands stored rows; the store finds the gap and words it. */
static void log_entries_gap_is_found_above(void **state)
{
    (void)state;
    eseal_store *s = open_fresh();
    eseal_store_bytes e[2] = {{"a", 1}, {"b", 1}};
    assert_int_equal(eseal_store_log_entries_put(s, 0, e, 2), ESEAL_OK);
    assert_int_equal(eseal_store_log_entries_put(s, 3, e, 1), ESEAL_OK);
    expect_error(eseal_store_log_entries_put(s, 1, e, 1), ESEAL_EEXISTS, "store: log index 1 is taken");
    int n = 0;
    assert_int_equal(eseal_store_log_entries(s, 0, 2, count_entry, &n), ESEAL_OK);
    assert_int_equal(n, 2);
    n = 0;
    expect_error(eseal_store_log_entries(s, 0, 4, count_entry, &n), ESEAL_ENOTFOUND, "the audit log has no entry 2");
    assert_int_equal(n, 2);
    expect_error(eseal_store_log_entries(s, 3, 5, count_entry, &n), ESEAL_ENOTFOUND, "the audit log has no entry 4");
    uint64_t first = 0, next = 0;
    assert_int_equal(eseal_store_counter_reserve(s, "c", 10, 100, &first), ESEAL_OK);
    assert_int_equal(first, 101);
    assert_int_equal(eseal_store_counter_next(s, "c", &next), ESEAL_OK);
    assert_int_equal(next, 111);
    eseal_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    (void)snprintf(path, sizeof(path), "%s", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    return system(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(added_backend_takes_its_concerns_calls),
        cmocka_unit_test(one_transaction_spans_the_concerns),
        cmocka_unit_test(lookup_rules_are_above_the_backends),
        cmocka_unit_test(cert_and_stamp_references),
        cmocka_unit_test(log_entries_gap_is_found_above),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
