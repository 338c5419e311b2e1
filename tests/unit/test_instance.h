/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A throw-away instance for the service unit tests: a scratch folder made with mkdtemp, an
 * instance initialised in it under a passphrase, opened with that passphrase, and the folder
 * removed afterwards. Include after <cmocka.h> and "eseal/eseal.h".
 */
#ifndef ESEAL_TEST_INSTANCE_H
#define ESEAL_TEST_INSTANCE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/sys/store.h" /* test_pending_publication reads the store on its own connection */

/* The principal of the unit tests: the local operator "tester" (every change of state names one). */
static inline const eseal_principal *test_who(void)
{
    static const eseal_principal who = {ESEAL_PRINCIPAL_VERSION, ESEAL_PRINCIPAL_OPERATOR, "tester", NULL, NULL, 0,
                                        "local", "unit-test"};
    return &who;
}

/* Makes the scratch folder from `tmpl` ("/tmp/NAME-XXXXXX", changed in place) and initialises an
 * instance in TMPL/i, written to `ihome` (n bytes). */
static inline void test_instance_init(char *tmpl, char *ihome, size_t n, const char *pass)
{
    assert_non_null(mkdtemp(tmpl));
    (void)snprintf(ihome, n, "%s/i", tmpl);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    assert_int_equal(eseal_instance_init(ihome, &o), ESEAL_OK);
}

/* A one-page PDF of 3 objects (no content) in body (1024 bytes): the document the stamping tests
 * stamp; returns its length. */
static inline size_t test_pdf_bytes(char body[1024])
{
    static const char pdf[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                              "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
                              "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n";
    int n = snprintf(body, 1024, "%sxref\n0 4\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n"
                                 "%010d 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
                     pdf, 9, 58, 115, (int)strlen(pdf));
    assert_true(n > 0 && n < 1024);
    return (size_t)n;
}

/* test_pdf_bytes written to `path`. */
static inline void test_write_pdf(const char *path)
{
    char body[1024];
    size_t n = test_pdf_bytes(body);
    assert_int_equal(eseal_file_write(path, body, n, 0644), ESEAL_OK);
}

/* Opens the instance at `ihome` with `pass` set. */
static inline eseal_instance *test_instance_open(const char *ihome, const char *pass)
{
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(inst, pass, strlen(pass)), ESEAL_OK);
    return inst;
}

/* Issues an organisation certificate (key algorithm `alg`) through the instance's front door and
 * makes a contract seal for it; its ESID is written to `esid` (n bytes). */
static inline void test_instance_seal(eseal_instance *inst, eseal_key_alg alg, char *esid, size_t n)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    q.name = "上海某某贸易有限公司";
    q.uscc = "91110000MA01ABCDEX";
    q.alg = alg;
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(inst, test_who(), &crec, &q), ESEAL_OK);
    eseal_seal_request sq = ESEAL_SEAL_REQUEST_INIT;
    sq.cert_ref = crec.id;
    sq.name = "上海某某贸易有限公司合同专用章";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    (void)snprintf(esid, n, "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&crec);
}

/* The usual fixture: a scratch instance at `tmpl` (see test_instance_init; its home into `ihome`
 * when not NULL, `n` bytes) opened with `pass`, and one seal of key algorithm `alg` (its esID into
 * esid, `esid_n` bytes). */
static inline eseal_instance *test_instance_with_seal(char *tmpl, char *ihome, size_t n, const char *pass,
                                                      eseal_key_alg alg, char *esid, size_t esid_n)
{
    char own[600];
    if (ihome == NULL) {
        ihome = own;
        n = sizeof(own);
    }
    test_instance_init(tmpl, ihome, n, pass);
    eseal_instance *inst = test_instance_open(ihome, pass);
    test_instance_seal(inst, alg, esid, esid_n);
    return inst;
}

/* Removes the scratch folder: 0, or -1 for a cmocka teardown that failed. */
static inline int test_scratch_remove(const char *dir)
{
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The usual teardown: closes `inst` and removes the scratch folder (test_scratch_remove). */
static inline int test_instance_done(eseal_instance *inst, const char *dir)
{
    eseal_instance_close(inst);
    return test_scratch_remove(dir);
}

/* The size of the instance's audit log. */
static inline uint64_t test_log_size(eseal_instance *inst)
{
    eseal_log *log = NULL;
    uint64_t n = 0;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    assert_int_equal(eseal_log_size(log, &n, NULL), ESEAL_OK);
    return n;
}

/* Entry `index` of the instance's audit log, parsed (eseal_audit_entry_parsed_dispose it). */
static inline void test_log_entry(eseal_instance *inst, eseal_audit_entry_parsed *p, uint64_t index)
{
    eseal_log *log = NULL;
    eseal_buf raw = ESEAL_BUF_INIT;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    assert_int_equal(eseal_log_entry(log, &raw, index), ESEAL_OK);
    assert_int_equal(eseal_audit_entry_parse(p, raw.ptr, raw.size), ESEAL_OK);
    eseal_buf_dispose(&raw);
}

/* The location of the store of the instance at `ihome`, written to `out` (n bytes): eseal.conf's
 * "store = " line when it has one (a PostgreSQL instance, issue 22), else HOME/eseal.db. The tests
 * that reach the store behind the instance's back open this, so that they run on either store. */
static inline void test_store_location(const char *ihome, char *out, size_t n)
{
    char conf[700], line[1024];
    (void)snprintf(conf, sizeof(conf), "%s/eseal.conf", ihome);
    (void)snprintf(out, n, "%s/eseal.db", ihome);
    FILE *f = fopen(conf, "r");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, "store", 5) != 0) {
            continue;
        }
        p += 5;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p != '=') {
            continue;
        }
        p++;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        size_t len = strcspn(p, "\r\n");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        (void)snprintf(out, n, "%.*s", (int)len, p);
        break;
    }
    (void)fclose(f);
}

/* Whether the instance at `ihome` keeps its store on PostgreSQL (test_store_location). */
static inline int test_store_is_pg(const char *ihome)
{
    char loc[1024];
    test_store_location(ihome, loc, sizeof(loc));
    return strncmp(loc, "postgresql://", 13) == 0 || strncmp(loc, "postgres://", 11) == 0;
}

/* Runs `sql` on the store of the instance at `ihome` with the command-line client of its database,
 * for the tests that read or change rows behind the store's back: sqlite3 on the file, or psql on the
 * location with its "schema=" parameter (eseal's, not libpq's) turned into the search path. The SQL
 * goes through a file (no shell quoting); what it prints, rows '|'-separated as sqlite3 prints them,
 * is written to `out` (n bytes, may be NULL). 0 when the client succeeded. */
static inline int test_store_sql(const char *ihome, const char *sql, char *out, size_t n)
{
    char loc[1024], file[] = "/tmp/eseal-sql-XXXXXX", cmd[2600];
    test_store_location(ihome, loc, sizeof(loc));
    if (strchr(loc, '\'') != NULL) {
        return -1; /* quoted below as a shell word */
    }
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    (void)fprintf(f, "%s;\n", sql);
    assert_int_equal(fclose(f), 0);
    if (!test_store_is_pg(ihome)) {
        (void)snprintf(cmd, sizeof(cmd), "sqlite3 -bail -cmd '.timeout 5000' '%s' <'%s'", loc, file);
    } else {
        char uri[1024], schema[256] = "";
        const char *q = strchr(loc, '?');
        (void)snprintf(uri, sizeof(uri), "%.*s", q != NULL ? (int)(q - loc) : (int)strlen(loc), loc);
        const char *s = q != NULL ? strstr(q, "schema=") : NULL;
        if (s != NULL) {
            (void)snprintf(schema, sizeof(schema), "%.*s", (int)strcspn(s + 7, "&"), s + 7);
        }
        (void)snprintf(cmd, sizeof(cmd),
                       "PGOPTIONS='-c search_path=%s' psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d '%s' -f '%s'",
                       schema, uri, file);
    }
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t got = 0;
    char tmp[512];
    size_t k;
    while ((k = fread(tmp, 1, sizeof(tmp), p)) > 0) {
        if (out != NULL && n > 0) {
            size_t room = n - 1 - got < k ? n - 1 - got : k;
            memcpy(out + got, tmp, room);
            got += room;
        }
    }
    while (got > 0 && out != NULL && out[got - 1] == '\n') {
        got--; /* the last row's end */
    }
    if (out != NULL && n > 0) {
        out[got] = '\0';
    }
    int rc = pclose(p);
    (void)unlink(file);
    return rc == 0 ? 0 : -1;
}

/* A string as an SQL literal ('' for each '), for test_store_sql; written to `out` (n bytes). */
static inline void test_sql_quote(const char *s, char *out, size_t n)
{
    size_t o = 0;
    assert_true(n > 2);
    out[o++] = '\'';
    for (; *s != '\0'; s++) {
        assert_true(o + 3 < n);
        if (*s == '\'') {
            out[o++] = '\'';
        }
        out[o++] = *s;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* What the log of the instance at `ihome` keeps privately about entry `index`'s pending
 * publication (read on a connection of the test's own; needs "eseal/sys/store.h"):
 * ESEAL_OK while one waits, ESEAL_ENOTFOUND when none. */
static inline int test_pending_publication(const char *ihome, uint64_t index)
{
    char dbp[1024];
    eseal_store *db = NULL;
    eseal_buf pend = ESEAL_BUF_INIT;
    test_store_location(ihome, dbp, sizeof(dbp));
    assert_int_equal(eseal_store_open(&db, dbp), ESEAL_OK);
    int rc = eseal_store_log_private(db, &pend, index, "publish");
    eseal_store_close(db);
    eseal_buf_dispose(&pend);
    eseal_error_clear();
    return rc;
}

#endif
