/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ofd: the package and XML layer (src/ofd/ofd.h). The five third-party
 * sample OFDs of shared/testdata open, list, read and parse; every hostile
 * package of tests/resources/mkzip.py (ESEAL_OFD_HOSTILE) is refused with
 * the exact code and a message that names the reason; paths resolve as
 * GB/T 33190 says; the writer keeps every untouched entry byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zip.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "ofd/ofd.h"
#include "../test_vectors.h"

static const char *const samples[] = {
    "sign-raw-sm2-DigitalSign.ofd", "v1-dms360-n.ofd", "v4-invoice-baiwang-v4signed.ofd",
    "v4-ofdrw-SESV4SignDoc.ofd",    "v4-two-seals-h.ofd",
};
/* Files (directories not counted) and the first file in archive order, as `zipinfo` lists them. */
static const size_t sample_files[] = {7, 9, 16, 8, 14};
static const char *const sample_first[] = {"Doc_0/Document.xml", "Doc_0/Document.xml", "Doc_0/Attachs/Attachments.xml",
                                           "OFD.xml", "Doc_0/Document.xml"};

static void load(es_buf *out, const char *dir_env, const char *sub, const char *file)
{
    const char *dir = getenv(dir_env);
    if (dir == NULL) {
        fail_msg("%s is not set (run through ctest)", dir_env);
    }
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/%s%s", dir, sub, file);
    *out = (es_buf)ES_BUF_INIT((size_t)64 << 20);
    es_result r = es_file_read(out, path, out->max);
    if (!es_ok(r)) {
        fail_msg("cannot read %s: %s", path, eseal_error_last()->message);
    }
}

static void load_sample(es_buf *out, const char *file) { load(out, "ESEAL_TESTDATA", "ofd-samples/ofd/", file); }
static void load_hostile(es_buf *out, const char *file) { load(out, "ESEAL_OFD_HOSTILE", "", file); }

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void assert_error(es_result r, int code, const char *substring)
{
    if (es_code(r) != code || strstr(eseal_error_last()->message, substring) == NULL) {
        fail_msg("expected %s with \"%s\", got %s: %s", eseal_code_name(code), substring, eseal_code_name(es_code(r)),
                 eseal_error_last()->message);
    }
}

/* ---- samples -------------------------------------------------------------------------------- */

static void samples_open_list_read(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        es_buf f;
        load_sample(&f, samples[s]);
        es_ofd_pkg *p = NULL;
        es_result r = es_ofd_open(&p, es_buf_span(&f));
        if (!es_ok(r)) {
            fail_msg("%s: %s", samples[s], eseal_error_last()->message);
        }
        assert_int_equal(es_ofd_count(p), sample_files[s]);
        assert_string_equal(es_ofd_name(p, 0), sample_first[s]);
        assert_null(es_ofd_name(p, es_ofd_count(p)));
        assert_true(es_ofd_find(p, "OFD.xml") >= 0);
        assert_int_equal(es_ofd_find(p, "Doc_0/"), -1); /* directories are not listed */
        assert_int_equal(es_ofd_find(p, "/OFD.xml"), -1);
        es_buf b = ES_BUF_INIT((size_t)1 << 20);
        for (size_t i = 0; i < es_ofd_count(p); i++) {
            const char *n = es_ofd_name(p, i);
            assert_false(ends_with(n, "/"));
            assert_int_equal(es_ofd_find(p, n), (long)i);
            r = es_ofd_read(p, n, &b);
            if (!es_ok(r)) {
                fail_msg("%s %s: %s", samples[s], n, eseal_error_last()->message);
            }
            assert_int_equal(b.len, es_ofd_size(p, i));
        }
        assert_int_equal(es_code(es_ofd_read(p, "Doc_0/missing.xml", &b)), ESEAL_ENOTFOUND);
        es_buf_free(&b);
        es_ofd_close(p);
        es_buf_free(&f);
    }
}

/* Entry bytes equal what `unzip -p` gives (sha256 computed once, outside). */
static void sample_entry_digest(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    es_buf f;
    load_sample(&f, "v4-ofdrw-SESV4SignDoc.ofd");
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&f))));
    static const struct {
        const char *name;
        size_t len;
        const char *sha256;
    } want[] = {
        {"Doc_0/Signs/Sign_0/Signature.xml", 1301, "8ee5b6f37f5f1075655868c68fbabea2081b07770486b14ae104872a45e47626"},
        {"Doc_0/Signs/Sign_0/SignedValue.dat", 17726,
         "d176968e31d850bc91cc2c95cc5f885ccb1e36eaed1cb2533fac4eccd69b6b6e"},
        {"OFD.xml", 471, "9451b9252e730118d920f0593c5ac7a559159ae2ecda532caba222a51a00d1fe"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        es_buf b = ES_BUF_INIT((size_t)1 << 20);
        assert_true(es_ok(es_ofd_read(p, want[i].name, &b)));
        assert_int_equal(b.len, want[i].len);
        uint8_t d[64];
        size_t dl = 0;
        assert_true(es_ok(es_digest(d, &dl, ESEAL_HASH_SHA256, es_buf_span(&b))));
        es_buf hex = ES_BUF_INIT(200);
        assert_true(es_ok(es_buf_append_hex(&hex, d, dl, false)));
        assert_string_equal(es_buf_cstr(&hex), want[i].sha256);
        es_buf_free(&hex);
        es_buf_free(&b);
    }
    /* A buffer whose own maximum is too small: refused before inflating, nothing half-read. */
    es_buf small = ES_BUF_INIT(100);
    assert_error(es_ofd_read(p, "OFD.xml", &small), ESEAL_ELIMIT, "OFD.xml");
    assert_int_equal(small.len, 0);
    es_buf_free(&small);
    es_ofd_close(p);
    es_buf_free(&f);
}

static void samples_parse_every_xml(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    size_t parsed = 0;
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        es_buf f;
        load_sample(&f, samples[s]);
        es_ofd_pkg *p = NULL;
        assert_true(es_ok(es_ofd_open(&p, es_buf_span(&f))));
        for (size_t i = 0; i < es_ofd_count(p); i++) {
            const char *n = es_ofd_name(p, i);
            if (!ends_with(n, ".xml")) {
                continue;
            }
            xmlDocPtr doc = NULL;
            es_result r = es_ofd_read_xml(p, n, &doc);
            if (!es_ok(r)) {
                fail_msg("%s %s: %s", samples[s], n, eseal_error_last()->message);
            }
            assert_non_null(xmlDocGetRootElement(doc));
            es_ofd_xml_freep(&doc);
            assert_null(doc);
            parsed++;
        }
        /* OFD.xml: DocBody/DocRoot names the document, relative to the root (§7.4). */
        xmlDocPtr doc = NULL;
        assert_true(es_ok(es_ofd_read_xml(p, "OFD.xml", &doc)));
        xmlNodePtr root = xmlDocGetRootElement(doc);
        assert_string_equal((const char *)root->name, "OFD");
        xmlNodePtr body = es_ofd_xml_child(root, "DocBody");
        assert_non_null(body);
        es_buf t = ES_BUF_INIT(1024);
        assert_true(es_ok(es_ofd_xml_text(es_ofd_xml_child(body, "DocRoot"), &t)));
        char name[ES_OFD_NAME_MAX + 1];
        assert_true(es_ok(es_ofd_resolve(name, "OFD.xml", es_buf_cstr(&t))));
        assert_string_equal(name, "Doc_0/Document.xml");
        assert_true(es_ofd_find(p, name) >= 0);
        assert_true(es_ofd_xml_attr(root, "Version", &t));
        assert_true(strcmp(es_buf_cstr(&t), "1.0") == 0 || strcmp(es_buf_cstr(&t), "1.1") == 0);
        es_buf_free(&t);
        es_ofd_xml_freep(&doc);
        es_ofd_close(p);
        es_buf_free(&f);
    }
    assert_int_equal(parsed, 6 + 7 + 14 + 6 + 10);
}

/* ---- hostile packages ----------------------------------------------------------------------- */

typedef enum { AT_OPEN, AT_READ, AT_XML } stage;

static const struct {
    const char *file;
    stage at;
    const char *entry;
    int code;
    const char *reason;
} hostile[] = {
    /* the archive */
    {"notzip.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "not a valid zip archive"},
    {"truncated.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "is truncated"},
    {"trailing.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "data after the end of central directory record"},
    {"name-gbk-flagged.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "structure is inconsistent"},
    {"empty.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "has no files"},
    {"dirs-only.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "has no files"},
    {"two-eocd.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "2 end of central directory records"},
    {"overlap.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0/outer.bin\" and \"Doc_0/inner.xml\" overlap"},
    /* names */
    {"dotdot.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"../evil.xml\" has a \".\" or \"..\" segment"},
    {"dot.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"./Doc_0/a.xml\" has a \".\" or \"..\" segment"},
    {"abs.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"/abs.xml\" has an absolute name"},
    {"backslash.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "has a backslash"},
    {"emptyseg.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0//a.xml\" has an empty path segment"},
    {"ctrl.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0/a\\x01.xml\" has a control character"},
    {"nul.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0/a.xml\\x00.exe\" has a NUL byte"},
    {"dup.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "two entries of the package are named \"OFD.xml\""},
    {"dup-dir.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "two entries of the package are named \"Doc_0/\""},
    {"longname.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "longer than 1024 bytes"},
    {"unicode-path.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0/a.xml\" is named differently by an extra field"},
    {"local-name.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"Doc_0/b.xml\" has another name in its local header"},
    {"name-gbk.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "has a name that is not UTF-8"},
    /* entries */
    {"encrypted.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "\"OFD.xml\" is encrypted"},
    {"method.ofd", AT_OPEN, NULL, ESEAL_EUNSUPPORTED, "\"Doc_0/a.bin\" uses compression method 12"},
    {"dir-data.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "directory entry \"Doc_0/Res/\" has content"},
    {"stored-size.ofd", AT_OPEN, NULL, ESEAL_EMALFORMED, "stored entry \"Doc_0/a.bin\" declares 20 bytes"},
    {"bomb.ofd", AT_OPEN, NULL, ESEAL_ELIMIT, "\"Doc_0/bomb.bin\" inflates"},
    {"inflates-more.ofd", AT_READ, "Doc_0/a.bin", ESEAL_EMALFORMED, "inflates to more than the 100 bytes declared"},
    {"inflates-less.ofd", AT_READ, "Doc_0/a.bin", ESEAL_EMALFORMED, "inflates to 100 bytes, not the 5000"},
    {"crc-stored.ofd", AT_READ, "Doc_0/a.bin", ESEAL_EMALFORMED, "\"Doc_0/a.bin\" fails its CRC-32 check"},
    {"crc-deflated.ofd", AT_READ, "Doc_0/a.xml", ESEAL_EMALFORMED, "\"Doc_0/a.xml\" fails its CRC-32 check"},
    {"bad-deflate.ofd", AT_READ, "Doc_0/a.bin", ESEAL_EMALFORMED, "\"Doc_0/a.bin\" cannot be inflated"},
    /* XML */
    {"xml-doctype.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml has a DOCTYPE declaration"},
    {"xml-laughs.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml has a DOCTYPE declaration"},
    {"xml-xxe-file.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml has a DOCTYPE declaration"},
    {"xml-xxe-net.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml has a DOCTYPE declaration"},
    {"xml-utf16-doctype.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml is not well-formed XML: line 1"},
    {"xml-utf7-doctype.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml is not well-formed XML: line 2"},
    {"xml-deep.ofd", AT_XML, "OFD.xml", ESEAL_ELIMIT, "OFD.xml nests elements deeper than 64 levels"},
    {"xml-deeper.ofd", AT_XML, "OFD.xml", ESEAL_ELIMIT, "OFD.xml nests elements deeper than 64 levels"},
    {"xml-undeclared-entity.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "line 2: Entity 'foo' not defined"},
    {"xml-unbound-prefix.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "Namespace prefix ofd on OFD is not defined"},
    {"xml-mismatch.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "line 3: Opening and ending tag mismatch"},
    {"xml-not-utf8.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "not proper UTF-8"},
    {"xml-empty.ofd", AT_XML, "OFD.xml", ESEAL_EMALFORMED, "OFD.xml is empty"},
};

static void hostile_packages_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        es_buf f;
        load_hostile(&f, hostile[i].file);
        es_ofd_pkg *p = NULL;
        es_result r = es_ofd_open(&p, es_buf_span(&f));
        if (hostile[i].at != AT_OPEN) {
            if (!es_ok(r)) {
                fail_msg("%s: open: %s", hostile[i].file, eseal_error_last()->message);
            }
            es_buf b = ES_BUF_INIT((size_t)1 << 20);
            if (hostile[i].at == AT_READ) {
                r = es_ofd_read(p, hostile[i].entry, &b);
                assert_int_equal(b.len, 0); /* nothing half-read passes for content */
            } else {
                xmlDocPtr doc = NULL;
                r = es_ofd_read_xml(p, hostile[i].entry, &doc);
                assert_null(doc);
            }
            es_buf_free(&b);
        } else {
            assert_null(p);
        }
        if (es_code(r) != hostile[i].code || strstr(eseal_error_last()->message, hostile[i].reason) == NULL) {
            fail_msg("%s: expected %s with \"%s\", got %s: %s", hostile[i].file, eseal_code_name(hostile[i].code),
                     hostile[i].reason, eseal_code_name(es_code(r)), eseal_error_last()->message);
        }
        es_ofd_close(p);
        es_buf_free(&f);
    }
}

/* The well-formed control packages of mkzip.py pass, so the refusals above are about the flaw. */
static void hostile_controls_pass(void **state)
{
    (void)state;
    static const char *const ok[] = {"good.ofd", "name-utf8.ofd", "xml-nest64.ofd", "xml-big.ofd"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        es_buf f;
        load_hostile(&f, ok[i]);
        es_ofd_pkg *p = NULL;
        es_result r = es_ofd_open(&p, es_buf_span(&f));
        if (!es_ok(r)) {
            fail_msg("%s: %s", ok[i], eseal_error_last()->message);
        }
        for (size_t k = 0; k < es_ofd_count(p); k++) {
            const char *n = es_ofd_name(p, k);
            es_buf b = ES_BUF_INIT((size_t)1 << 20);
            assert_true(es_ok(es_ofd_read(p, n, &b)));
            if (ends_with(n, ".xml")) {
                xmlDocPtr doc = NULL;
                r = es_ofd_read_xml(p, n, &doc);
                if (!es_ok(r)) {
                    fail_msg("%s %s: %s", ok[i], n, eseal_error_last()->message);
                }
                es_ofd_xml_freep(&doc);
            }
            es_buf_free(&b);
        }
        if (strcmp(ok[i], "name-utf8.ofd") == 0) {
            assert_true(es_ofd_find(p, "Doc_0/\xe5\x8f\x91\xe7\xa5\xa8.xml") >= 0);
        }
        es_ofd_close(p);
        es_buf_free(&f);
    }
}

/* ---- limits --------------------------------------------------------------------------------- */

/* The limits on mkzip.py's shaped.ofd, every number taken from the package itself. */
static void limits_are_enforced(void **state)
{
    (void)state;
    es_buf f;
    load_hostile(&f, "shaped.ofd");
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&f))));
    size_t count = es_ofd_count(p), total = 0, big = 0;
    for (size_t i = 0; i < count; i++) {
        total += es_ofd_size(p, i);
        big = es_ofd_size(p, i) > es_ofd_size(p, big) ? i : big;
    }
    char big_name[256], want[512];
    (void)snprintf(big_name, sizeof(big_name), "%s", es_ofd_name(p, big));
    size_t big_size = es_ofd_size(p, big);
    const char *xml = "Doc_0/Pages/Page_1/Content.xml";
    long xi = es_ofd_find(p, xml);
    assert_true(xi >= 0);
    size_t xml_size = es_ofd_size(p, (size_t)xi);
    es_ofd_close(p);
    assert_true(count >= 8 && total > f.len + 1000 && xml_size > 1000);

    eseal_limits l = *eseal_limits_default();
    l.max_zip_entries = count - 1;
    (void)snprintf(want, sizeof(want), "%zu entries, more than the limit of %zu", count, count - 1);
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, want);
    l.max_zip_entries = count;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    l = *eseal_limits_default();
    l.max_inflated_bytes = big_size - 1;
    (void)snprintf(want, sizeof(want), "\"%s\" declares %zu bytes", big_name, big_size);
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, want);
    l.max_inflated_bytes = big_size;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    l = *eseal_limits_default();
    l.max_input_bytes = f.len - 1;
    (void)snprintf(want, sizeof(want), "%zu bytes, more than the limit", f.len);
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, want);
    l.max_input_bytes = total - 1; /* the package fits, its inflated bytes do not */
    (void)snprintf(want, sizeof(want), "declare more than %zu bytes together", total - 1);
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, want);
    l.max_input_bytes = total;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    /* One XML file: the package's limit, checked before a byte is parsed. */
    l = *eseal_limits_default();
    l.max_xml_bytes = xml_size - 1;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    xmlDocPtr doc = NULL;
    (void)snprintf(want, sizeof(want), "%s is %zu bytes", xml, xml_size);
    assert_error(es_ofd_read_xml(p, xml, &doc), ESEAL_ELIMIT, want);
    assert_null(doc);
    assert_true(es_ok(es_ofd_read_xml(p, "OFD.xml", &doc)));
    es_ofd_xml_freep(&doc);
    es_ofd_close(p);
    es_buf_free(&f);
}

/* The same on a third-party sample, with the numbers of its zipinfo listing. */
static void sample_limits_are_enforced(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    es_buf f;
    load_sample(&f, "v4-two-seals-h.ofd"); /* 24 entries, 94891 bytes inflated, 73148 bytes */
    es_ofd_pkg *p = NULL;
    eseal_limits l = *eseal_limits_default();
    l.max_zip_entries = 23;
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, "24 entries, more than the limit of 23");
    l.max_zip_entries = 24;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    l = *eseal_limits_default();
    l.max_inflated_bytes = 17725; /* Sign_1/SignedValue.dat is 17726 */
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT,
                 "\"Doc_0/Signs/Sign_1/SignedValue.dat\" declares 17726 bytes");
    l.max_inflated_bytes = 17726;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    l = *eseal_limits_default();
    l.max_input_bytes = f.len - 1;
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, "73148 bytes, more than the limit");
    l.max_input_bytes = 80000; /* the package fits, its 94891 inflated bytes do not */
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, "declare more than 80000 bytes together");
    l.max_input_bytes = 94891;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    es_ofd_close(p);

    /* One XML file: the package's limit, checked before a byte is parsed. */
    l = *eseal_limits_default();
    l.max_xml_bytes = 4476; /* Page_0/Content.xml is 4477 */
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    xmlDocPtr doc = NULL;
    assert_error(es_ofd_read_xml(p, "Doc_0/Pages/Page_0/Content.xml", &doc), ESEAL_ELIMIT,
                 "Doc_0/Pages/Page_0/Content.xml is 4477 bytes");
    assert_null(doc);
    assert_true(es_ok(es_ofd_read_xml(p, "OFD.xml", &doc)));
    es_ofd_xml_freep(&doc);
    assert_int_equal(es_code(es_ofd_read_xml(p, "Doc_0/none.xml", &doc)), ESEAL_ENOTFOUND);
    es_ofd_close(p);

    l = *eseal_limits_default();
    l.max_nesting = 3;
    assert_true(es_ok(es_ofd_open_limits(&p, es_buf_span(&f), &l)));
    assert_error(es_ofd_read_xml(p, "OFD.xml", &doc), ESEAL_ELIMIT, "deeper than 3 levels");
    es_ofd_close(p);
    es_buf_free(&f);
}

/* 100000 entries (the default limit) open, and a duplicate among them is found. Opening is
 * O(n log n); no timed assertion here (timings on these machines are noisy, and ASan doubles
 * them): a quadratic reader would take minutes and hit the ctest timeout. */
static void many_entries(void **state)
{
    (void)state;
    es_buf f;
    load_hostile(&f, "many.ofd");
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&f))));
    assert_int_equal(es_ofd_count(p), 100000);
    assert_int_equal(es_ofd_find(p, "d/54321"), 54321);
    es_ofd_close(p);
    eseal_limits l = *eseal_limits_default();
    l.max_zip_entries = 99999;
    assert_error(es_ofd_open_limits(&p, es_buf_span(&f), &l), ESEAL_ELIMIT, "100000 entries");
    es_buf_free(&f);

    load_hostile(&f, "many-dup.ofd");
    assert_error(es_ofd_open(&p, es_buf_span(&f)), ESEAL_EMALFORMED, "named \"d/00001\"");
    es_buf_free(&f);
}

/* ---- paths ---------------------------------------------------------------------------------- */

static void resolve_paths(void **state)
{
    (void)state;
    static const struct {
        const char *base, *path, *want;
    } ok[] = {
        {"Doc_0/Signs/Sign_0/Signature.xml", "/Doc_0/a.xml", "Doc_0/a.xml"},
        {"OFD.xml", "/Doc_0/a.xml", "Doc_0/a.xml"},
        {NULL, "/Doc_0/a.xml", "Doc_0/a.xml"},
        {"Doc_0/Signs/Signatures.xml", "Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/Signature.xml"},
        {"OFD.xml", "Doc_0/Signs/Signatures.xml", "Doc_0/Signs/Signatures.xml"},
        {"Doc_0/Pages/Page_0/Content.xml", "../../Res/x.png", "Doc_0/Res/x.png"},
        {"Doc_0/Document.xml", "../Res/x.png", "Res/x.png"},
        {"Doc_0/Document.xml", "./a", "Doc_0/a"},
        {"Doc_0/Document.xml", "Pages/Page_0/Content.xml", "Doc_0/Pages/Page_0/Content.xml"},
        /* Repeated and trailing slashes count as one (POSIX path resolution). */
        {"OFD.xml", "//a", "a"},
        {"Doc_0/Document.xml", "Res//x.png", "Doc_0/Res/x.png"},
        {"Doc_0/Document.xml", "a/./b/../c", "Doc_0/a/c"},
        {"Doc_0/Document.xml", "/Doc_0/../OFD.xml", "OFD.xml"},
    };
    char out[ES_OFD_NAME_MAX + 1];
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        es_result r = es_ofd_resolve(out, ok[i].base, ok[i].path);
        if (!es_ok(r) || strcmp(out, ok[i].want) != 0) {
            fail_msg("resolve(%s, %s): %s (%s)", ok[i].base ? ok[i].base : "NULL", ok[i].path, out,
                     eseal_error_last()->message);
        }
    }
    static const struct {
        const char *base, *path, *reason;
    } bad[] = {
        {"Doc_0/Document.xml", "../../x", "escapes the package root"},
        {"OFD.xml", "../x", "escapes the package root"},
        {"Doc_0/Document.xml", "/../x", "escapes the package root"},
        {"Doc_0/Document.xml", "", "empty path"},
        {"Doc_0/Document.xml", "/", "names the package root"},
        {"Doc_0/Document.xml", "..", "names the package root"},
        {"OFD.xml", ".", "names the package root"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        es_result r = es_ofd_resolve(out, bad[i].base, bad[i].path);
        assert_error(r, ESEAL_EMALFORMED, bad[i].reason);
        assert_string_equal(out, "");
    }
    assert_error(es_ofd_resolve(out, "OFD.xml", NULL), ESEAL_EMALFORMED, "empty path");
    /* Length: exactly ES_OFD_NAME_MAX fits, one more does not. */
    char longp[ES_OFD_NAME_MAX + 2];
    memset(longp, 'a', sizeof(longp));
    longp[ES_OFD_NAME_MAX] = '\0';
    assert_true(es_ok(es_ofd_resolve(out, "OFD.xml", longp)));
    assert_int_equal(strlen(out), ES_OFD_NAME_MAX);
    longp[ES_OFD_NAME_MAX] = 'a';
    longp[ES_OFD_NAME_MAX + 1] = '\0';
    assert_error(es_ofd_resolve(out, "OFD.xml", longp), ESEAL_EMALFORMED, "longer than 1024 bytes");
    longp[ES_OFD_NAME_MAX - 6] = '\0'; /* 1018 bytes, relative to Doc_0/: 1024 */
    assert_true(es_ok(es_ofd_resolve(out, "Doc_0/Document.xml", longp)));
    longp[ES_OFD_NAME_MAX - 6] = 'a';
    longp[ES_OFD_NAME_MAX - 5] = '\0';
    assert_error(es_ofd_resolve(out, "Doc_0/Document.xml", longp), ESEAL_EMALFORMED, "longer than 1024 bytes");
}

/* ---- XML ------------------------------------------------------------------------------------ */

static ES_RESULT parse_str(xmlDocPtr *doc, const char *s) { return es_ofd_xml_parse(doc, es_span_of(s, strlen(s))); }

static void xml_parse_rules(void **state)
{
    (void)state;
    xmlDocPtr doc = NULL;
    /* "<!DOCTYPE" anywhere, even in a comment, is refused. XML keywords are case-sensitive:
     * "<!doctype" is not a declaration, just not well-formed. */
    assert_error(parse_str(&doc, "<r><!-- <!DOCTYPE r> --></r>"), ESEAL_EMALFORMED, "DOCTYPE");
    assert_error(parse_str(&doc, "<!doctype r><r/>"), ESEAL_EMALFORMED, "not well-formed XML: line 1");
    assert_error(parse_str(&doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r/>"),
                 ESEAL_EMALFORMED, "DOCTYPE");
    assert_error(parse_str(&doc, "<r>&amp;&lt;&#x41;&nope;</r>"), ESEAL_EMALFORMED, "Entity 'nope' not defined");
    assert_error(parse_str(&doc, "<r>"), ESEAL_EMALFORMED, "not well-formed XML: line 1");
    assert_error(parse_str(&doc, "<a/><b/>"), ESEAL_EMALFORMED, "Extra content at the end of the document");
    assert_null(doc);
    /* XInclude is refused (a reader that processes it would see another document), and so are
     * processing instructions; neither is OFD. */
    assert_error(parse_str(&doc, "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
                                 "<xi:include href=\"file:///etc/passwd\" parse=\"text\"/></r>"),
                 ESEAL_EMALFORMED, "XInclude (element r) at line 1, which OFD XML does not use");
    assert_error(parse_str(&doc, "<r><x:include xmlns:x=\"http://www.w3.org/2003/XInclude\" href=\"a\"/></r>"),
                 ESEAL_EMALFORMED, "XInclude (element include)");
    assert_error(parse_str(&doc, "<?xml version=\"1.0\"?>\n<r><?php echo 1; ?></r>"), ESEAL_EMALFORMED,
                 "a processing instruction <?php at line 2");
    assert_null(doc);
    /* Predefined entities, character references, CDATA and a UTF-8 BOM are fine. */
    assert_true(es_ok(parse_str(&doc, "\xef\xbb\xbf<r a=\"x&amp;y\"><![CDATA[<b>]]>&#x41;</r>")));
    es_buf t = ES_BUF_INIT(64);
    assert_true(es_ok(es_ofd_xml_text(xmlDocGetRootElement(doc), &t)));
    assert_string_equal(es_buf_cstr(&t), "<b>A");
    assert_true(es_ofd_xml_attr(xmlDocGetRootElement(doc), "a", &t));
    assert_string_equal(es_buf_cstr(&t), "x&y");
    es_buf_free(&t);
    es_ofd_xml_freep(&doc);

    /* Nesting: exactly max_nesting levels parse, one more does not. */
    char deep[64 * 7 + 64 * 8 + 16];
    eseal_limits l = *eseal_limits_default();
    for (unsigned levels = 63; levels <= 65; levels++) {
        size_t o = 0;
        for (unsigned i = 0; i < levels; i++) {
            o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<a>");
        }
        for (unsigned i = 0; i < levels; i++) {
            o += (size_t)snprintf(deep + o, sizeof(deep) - o, "</a>");
        }
        es_result r = es_ofd_xml_parse_named(&doc, es_span_of(deep, o), "deep.xml", &l);
        if (levels <= 64) {
            assert_true(es_ok(r));
            es_ofd_xml_freep(&doc);
        } else {
            assert_error(r, ESEAL_ELIMIT, "deep.xml nests elements deeper than 64 levels (line 1)");
        }
    }
    /* Size: exactly max_xml_bytes parses, one more byte is refused before parsing. */
    l.max_xml_bytes = 10;
    assert_true(es_ok(es_ofd_xml_parse_named(&doc, es_span_of("<r>123</r>", 10), NULL, &l)));
    es_ofd_xml_freep(&doc);
    assert_error(es_ofd_xml_parse_named(&doc, es_span_of("<r>1234</r>", 11), "x.xml", &l), ESEAL_ELIMIT,
                 "x.xml is 11 bytes, more than the limit of 10");

    /* max_token_bytes: a text node, a CDATA section or an attribute value of exactly the limit
     * parses; one byte more is refused, naming the limit. */
    l = *eseal_limits_default();
    l.max_token_bytes = 4;
    static const char *const fits[] = {"<r>1234</r>", "<r><![CDATA[1234]]></r>", "<r a=\"1234\"/>",
                                       "<r>1234<b/>1234</r>"};
    static const char *const over[] = {"<r>12345</r>", "<r><![CDATA[12345]]></r>", "<r a=\"12345\"/>",
                                       "<r>\n1234</r>"};
    for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
        assert_true(es_ok(es_ofd_xml_parse_named(&doc, es_span_of(fits[i], strlen(fits[i])), NULL, &l)));
        es_ofd_xml_freep(&doc);
        assert_error(es_ofd_xml_parse_named(&doc, es_span_of(over[i], strlen(over[i])), "t.xml", &l), ESEAL_ELIMIT,
                     "the limit max_token_bytes");
        /* The default limits parse them all. */
        assert_true(es_ok(es_ofd_xml_parse_named(&doc, es_span_of(over[i], strlen(over[i])), NULL, NULL)));
        es_ofd_xml_freep(&doc);
    }
}

static void xml_tree_helpers(void **state)
{
    (void)state;
    xmlDocPtr doc = NULL;
    assert_true(es_ok(parse_str(&doc, "<ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\" xmlns:x=\"urn:x\">"
                                      "<x:Signature ID=\"other-ns\"/>"
                                      "<ofd:Signature ID=\"1\" BaseLoc=\" /Doc_0/Signs/Sign_0/Signature.xml \"/>"
                                      "<Signature ID=\"2\"/><ofd:MaxSignId>\n  2 \t</ofd:MaxSignId>"
                                      "<ofd:Signature ID=\"3\"/></ofd:Signatures>")));
    xmlNodePtr root = xmlDocGetRootElement(doc);
    es_buf t = ES_BUF_INIT(64);
    xmlNodePtr s = es_ofd_xml_child(root, "Signature");
    assert_true(es_ofd_xml_attr(s, "ID", &t));
    assert_string_equal(es_buf_cstr(&t), "1"); /* the x: one is in another namespace */
    assert_true(es_ofd_xml_attr(s, "BaseLoc", &t));
    assert_string_equal(es_buf_cstr(&t), " /Doc_0/Signs/Sign_0/Signature.xml "); /* attributes as written */
    assert_false(es_ofd_xml_attr(s, "Type", &t));
    assert_string_equal(es_buf_cstr(&t), "");
    s = es_ofd_xml_next(s, "Signature");
    assert_true(es_ofd_xml_attr(s, "ID", &t));
    assert_string_equal(es_buf_cstr(&t), "2"); /* no namespace: accepted */
    s = es_ofd_xml_next(s, "Signature");
    assert_true(es_ofd_xml_attr(s, "ID", &t));
    assert_string_equal(es_buf_cstr(&t), "3");
    assert_null(es_ofd_xml_next(s, "Signature"));
    assert_null(es_ofd_xml_child(root, "Nothing"));
    assert_true(es_ok(es_ofd_xml_text(es_ofd_xml_child(root, "MaxSignId"), &t)));
    assert_string_equal(es_buf_cstr(&t), "2"); /* text trimmed */
    assert_true(es_ok(es_ofd_xml_text(es_ofd_xml_child(root, "Signature"), &t)));
    assert_string_equal(es_buf_cstr(&t), "");
    /* Values that do not fit: an error, never a truncated value nor "absent". */
    es_buf tiny = ES_BUF_INIT(4);
    bool present = true;
    assert_error(es_ofd_xml_attr_get(es_ofd_xml_child(root, "Signature"), "BaseLoc", &tiny, &present), ESEAL_ELIMIT,
                 "BaseLoc");
    assert_false(es_ofd_xml_attr(es_ofd_xml_child(root, "Signature"), "BaseLoc", &tiny));
    assert_true(es_ok(es_ofd_xml_attr_get(es_ofd_xml_child(root, "Signature"), "Type", &tiny, &present)));
    assert_false(present);
    es_buf_free(&tiny);
    es_buf tiny1 = ES_BUF_INIT(0);
    assert_error(es_ofd_xml_text(es_ofd_xml_child(root, "MaxSignId"), &tiny1), ESEAL_ELIMIT, "MaxSignId");
    es_buf_free(&tiny1);
    es_buf_free(&t);
    es_ofd_xml_freep(&doc);
}

/* The library never prints: libxml2's errors and warnings go nowhere near stderr. */
static void xml_never_prints(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<r>", "<a></b>", "<r>&nope;</r>", "<p:r/>", "<r xmlns=\"not a uri\"/>", "\xff\xfe<\x00r\x00/\x00>\x00",
        "<?xml version=\"1.0\" encoding=\"nonsense\"?><r/>", "<r a='1' a='2'/>", "<r>\x80</r>",
    };
    bool consistent[sizeof(bad) / sizeof(bad[0])];
    es_buf f;
    load_hostile(&f, "truncated.ofd");
    fflush(stderr);
    int saved = dup(2);
    char path[] = "/tmp/eseal-ofd-stderr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(saved >= 0 && fd >= 0);
    assert_true(dup2(fd, 2) >= 0);
    /* Nothing that can fail the test while stderr points at the file (cmocka reports there). */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        xmlDocPtr doc = NULL;
        /* Some are only warnings to libxml2 (a relative namespace URI, an unknown encoding
         * that is ignored): parsed or not, nothing is printed. */
        es_result r = es_ofd_xml_parse(&doc, es_span_of(bad[i], i == 5 ? 10 : strlen(bad[i])));
        consistent[i] = es_ok(r) == (doc != NULL);
        es_ofd_xml_freep(&doc);
    }
    es_ofd_pkg *p = NULL;
    es_result r = es_ofd_open(&p, es_buf_span(&f));
    fflush(stderr);
    (void)dup2(saved, 2);
    close(saved);
    es_buf_free(&f);
    assert_false(es_ok(r));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(consistent[i]);
    }
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    if (st.st_size > 0) {
        char buf[512] = {0};
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        fail_msg("the library printed %zd bytes: %s", n, buf);
    }
    close(fd);
    unlink(path);
}

/* Threads parse at the same time; each sees its own result and its own message (libxml2's error
 * handlers are per thread, the parser is initialised once). */
static void *parse_many(void *arg)
{
    intptr_t id = (intptr_t)arg;
    char root[16], name[16], good[64], bad[64], want[96];
    (void)snprintf(root, sizeof(root), "r%ld", (long)id);
    (void)snprintf(name, sizeof(name), "t%ld.xml", (long)id);
    (void)snprintf(good, sizeof(good), "<%s/>", root);
    (void)snprintf(bad, sizeof(bad), "<%s>\n\n</x%ld>", root, (long)id);
    (void)snprintf(want, sizeof(want), "%s is not well-formed XML: line 3", name);
    for (int i = 0; i < 300; i++) {
        xmlDocPtr doc = NULL;
        es_result r = es_ofd_xml_parse_named(&doc, es_span_of(good, strlen(good)), name, NULL);
        bool ok = es_ok(r) && strcmp((const char *)xmlDocGetRootElement(doc)->name, root) == 0;
        es_ofd_xml_freep(&doc);
        if (!ok) {
            return (void *)1;
        }
        r = es_ofd_xml_parse_named(&doc, es_span_of(bad, strlen(bad)), name, NULL);
        if (es_ok(r) || doc != NULL || strstr(eseal_error_last()->message, want) == NULL) {
            es_ofd_xml_freep(&doc);
            return (void *)2;
        }
    }
    return NULL;
}

static void xml_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, parse_many, (void *)i), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
}

/* ---- writer --------------------------------------------------------------------------------- */

static void zip_discardp(zip_t **z)
{
    if (*z != NULL) {
        zip_discard(*z);
    }
}

static zip_t *zip_mem(const es_buf *b)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(b->ptr, b->len, 0, &ze);
    assert_non_null(src);
    zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(z);
    zip_error_fini(&ze);
    return z;
}

/* The stored (compressed) bytes of entry i as libzip reads them raw. */
static void raw_bytes(es_buf *out, zip_t *z, zip_uint64_t i)
{
    zip_stat_t st;
    assert_int_equal(zip_stat_index(z, i, 0, &st), 0);
    *out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    assert_true(es_ok(es_buf_reserve(out, (size_t)st.comp_size)));
    if (st.comp_size == 0) {
        return;
    }
    zip_file_t *zf = zip_fopen_index(z, i, ZIP_FL_COMPRESSED);
    assert_non_null(zf);
    zip_int64_t n = zip_fread(zf, out->ptr, st.comp_size);
    assert_int_equal(n, (zip_int64_t)st.comp_size);
    out->len = (size_t)n;
    zip_fclose(zf);
}

static void rewrite_and_compare(const es_buf *orig, const char *replace, const char *add)
{
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(orig))));
    es_ofd_writer *w = NULL;
    assert_true(es_ok(es_ofd_writer_new(&w, p)));
    static const char new_sig[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"/>\n";
    char added[256];
    (void)snprintf(added, sizeof(added), "added by the test: %s", add);
    {
        /* The writer copies what it is given: these bytes die before finish. */
        char tmp[sizeof(new_sig)];
        memcpy(tmp, new_sig, sizeof(tmp));
        assert_true(es_ok(es_ofd_writer_put(w, replace, es_span_of(tmp, sizeof(tmp) - 1))));
        memset(tmp, 'X', sizeof(tmp));
    }
    assert_true(es_ok(es_ofd_writer_put(w, add, es_span_of(added, strlen(added)))));
    es_buf out = ES_BUF_INIT((size_t)64 << 20);
    es_result r = es_ofd_writer_finish(w, &out);
    if (!es_ok(r)) {
        fail_msg("finish: %s", eseal_error_last()->message);
    }
    es_ofd_pkg *q = NULL;
    r = es_ofd_open(&q, es_buf_span(&out));
    if (!es_ok(r)) {
        fail_msg("reopen: %s", eseal_error_last()->message);
    }
    assert_int_equal(es_ofd_count(q), es_ofd_count(p) + 1);
    es_buf a = ES_BUF_INIT((size_t)16 << 20), b = ES_BUF_INIT((size_t)16 << 20);
    for (size_t i = 0; i < es_ofd_count(p); i++) {
        const char *n = es_ofd_name(p, i);
        assert_string_equal(es_ofd_name(q, i), n); /* same order */
        assert_true(es_ok(es_ofd_read(q, n, &b)));
        if (strcmp(n, replace) == 0) {
            assert_int_equal(b.len, sizeof(new_sig) - 1);
            assert_memory_equal(b.ptr, new_sig, b.len);
            continue;
        }
        assert_true(es_ok(es_ofd_read(p, n, &a)));
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.ptr, b.ptr, a.len);
    }
    assert_string_equal(es_ofd_name(q, es_ofd_count(p)), add); /* appended at the end */
    assert_true(es_ok(es_ofd_read(q, add, &b)));
    assert_string_equal(es_buf_cstr(&b), added);
    es_buf_free(&a);
    es_buf_free(&b);

    /* Byte for byte below the API: every archive entry (directories too) in the same place with
     * the same method and the same compressed bytes, except the one replaced. */
    ES_AUTO(zip_discardp) zip_t *za = zip_mem(orig);
    ES_AUTO(zip_discardp) zip_t *zb = zip_mem(&out);
    zip_int64_t na = zip_get_num_entries(za, 0);
    assert_int_equal(zip_get_num_entries(zb, 0), na + 1);
    for (zip_int64_t i = 0; i < na; i++) {
        zip_stat_t sa, sb;
        assert_int_equal(zip_stat_index(za, (zip_uint64_t)i, 0, &sa), 0);
        assert_int_equal(zip_stat_index(zb, (zip_uint64_t)i, 0, &sb), 0);
        assert_string_equal(sa.name, sb.name);
        if (strcmp(sa.name, replace) == 0) {
            assert_int_equal(sb.comp_method, sa.comp_method); /* replaced in place, same method */
            continue;
        }
        assert_int_equal(sb.comp_method, sa.comp_method);
        assert_int_equal(sb.comp_size, sa.comp_size);
        assert_int_equal(sb.size, sa.size);
        assert_int_equal(sb.crc, sa.crc);
        es_buf ra, rb;
        raw_bytes(&ra, za, (zip_uint64_t)i);
        raw_bytes(&rb, zb, (zip_uint64_t)i);
        assert_int_equal(ra.len, rb.len);
        if (ra.len > 0) {
            assert_memory_equal(ra.ptr, rb.ptr, ra.len);
        }
        es_buf_free(&ra);
        es_buf_free(&rb);
    }
    zip_stat_t sn;
    assert_int_equal(zip_stat_index(zb, (zip_uint64_t)na, 0, &sn), 0);
    assert_int_equal(sn.comp_method, ZIP_CM_DEFLATE);
    es_ofd_close(q);
    es_ofd_close(p);
    es_buf_free(&out);
}

static void sample_writer_round_trip(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        es_buf f;
        load_sample(&f, samples[s]);
        /* dms360 keeps Signatures.xml in Doc_0/, the others in Doc_0/Signs/. */
        bool dms = strcmp(samples[s], "v1-dms360-n.ofd") == 0;
        const char *sigs = dms ? "Doc_0/Signatures.xml" : "Doc_0/Signs/Signatures.xml";
        rewrite_and_compare(&f, sigs, "Doc_0/Signs/Sign_9/SignedValue.dat");
        es_buf_free(&f);
    }
}

static void writer_round_trip(void **state)
{
    (void)state;
    es_buf f;
    load_hostile(&f, "shaped.ofd");
    rewrite_and_compare(&f, "Doc_0/Signs/Signatures.xml", "Doc_0/Signs/Sign_9/SignedValue.dat");
    es_buf_free(&f);
    /* A stored entry replaced stays stored; the stored directory entry is copied. */
    load_hostile(&f, "good.ofd");
    rewrite_and_compare(&f, "Doc_0/Res/stored.bin", "Doc_0/new.xml");
    es_buf_free(&f);
    /* UTF-8 names keep their bytes, and a new one can be added. */
    load_hostile(&f, "name-utf8.ofd");
    rewrite_and_compare(&f, "Doc_0/\xe5\x8f\x91\xe7\xa5\xa8.xml", "Doc_0/\xe5\x8f\x91\xe7\xa5\xa8-2.xml");
    es_buf_free(&f);
}

static void writer_refuses(void **state)
{
    (void)state;
    es_buf f;
    load_hostile(&f, "shaped.ofd");
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&f))));
    es_ofd_writer *w = NULL;
    assert_true(es_ok(es_ofd_writer_new(&w, p)));
    static const char *const bad[] = {"", "/OFD.xml", "../x", "Doc_0/./a", "Doc_0//a", "Doc_0/", "a\\b", "a\x01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_error(es_ofd_writer_put(w, bad[i], es_span_of("x", 1)), ESEAL_EINVAL, "not a valid file name");
    }
    assert_error(es_ofd_writer_put(w, "Doc_0/\xff.xml", es_span_of("x", 1)), ESEAL_EINVAL, "not UTF-8");
    /* Putting the same new name twice replaces the first put, no duplicate. */
    assert_true(es_ok(es_ofd_writer_put(w, "Doc_0/x.xml", es_span_of("one", 3))));
    assert_true(es_ok(es_ofd_writer_put(w, "Doc_0/x.xml", es_span_of("two", 3))));
    es_buf out = ES_BUF_INIT((size_t)1 << 20);
    assert_true(es_ok(es_ofd_writer_finish(w, &out)));
    es_ofd_pkg *q = NULL;
    assert_true(es_ok(es_ofd_open(&q, es_buf_span(&out))));
    assert_int_equal(es_ofd_count(q), es_ofd_count(p) + 1);
    es_buf b = ES_BUF_INIT(100);
    assert_true(es_ok(es_ofd_read(q, "Doc_0/x.xml", &b)));
    assert_string_equal(es_buf_cstr(&b), "two");
    es_buf_free(&b);
    es_ofd_close(q);
    /* An output buffer too small: ELIMIT, and the writer is gone either way. */
    assert_true(es_ok(es_ofd_writer_new(&w, p)));
    es_buf small = ES_BUF_INIT(1000);
    assert_error(es_ofd_writer_finish(w, &small), ESEAL_ELIMIT, "new package would be");
    assert_int_equal(small.len, 0);
    es_buf_free(&small);
    es_buf_free(&out);
    es_ofd_close(p);
    es_buf_free(&f);
}

/* Every allocation of ours that fails is reported as ESEAL_ENOMEM, never a crash or a half-open
 * package (ASan checks that nothing leaks on the way out). */
static ES_RESULT open_read_write(const es_buf *f)
{
    ES_AUTO(es_ofd_closep) es_ofd_pkg *p = NULL;
    ES_GUARD(es_ofd_open(&p, es_buf_span(f)));
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT((size_t)1 << 20);
    ES_GUARD(es_ofd_read(p, "Doc_0/Signs/Sign_0/Signature.xml", &b));
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr doc = NULL;
    ES_GUARD(es_ofd_read_xml(p, "OFD.xml", &doc));
    ES_GUARD(es_ofd_xml_text(es_ofd_xml_child(xmlDocGetRootElement(doc), "DocBody"), &b));
    es_ofd_writer *w = NULL;
    ES_GUARD(es_ofd_writer_new(&w, p));
    es_result r = es_ofd_writer_put(w, "Doc_0/new.xml", es_span_of("<x/>", 4));
    if (!es_ok(r)) {
        es_ofd_writer_free(w);
        return r;
    }
    ES_AUTO(es_buf_freep) es_buf out = ES_BUF_INIT((size_t)1 << 20);
    return es_ofd_writer_finish(w, &out);
}

static void allocation_failures_on(const char *what, const es_buf *f)
{
    bool ok = false;
    unsigned long n = 1;
    for (; n < 400 && !ok; n++) {
        es_alloc_fail_after(n);
        es_result r = open_read_write(f);
        es_alloc_fail_after(0);
        if (es_ok(r)) {
            ok = true;
        } else if (es_code(r) != ESEAL_ENOMEM) {
            fail_msg("%s: allocation %lu failed: %s: %s", what, n, eseal_code_name(es_code(r)),
                     eseal_error_last()->message);
        }
    }
    assert_true(ok);
    assert_true(n > 10); /* the loop did fail allocations on the way */
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    es_buf f;
    load_hostile(&f, "shaped.ofd");
    allocation_failures_on("shaped.ofd", &f);
    es_buf_free(&f);
}

static void sample_allocation_failures_are_reported(void **state)
{
    (void)state;
    TEST_VECTORS("ofd-samples");
    es_buf f;
    load_sample(&f, "v4-ofdrw-SESV4SignDoc.ofd");
    allocation_failures_on("v4-ofdrw-SESV4SignDoc.ofd", &f);
    es_buf_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_open_list_read),
        cmocka_unit_test(sample_entry_digest),
        cmocka_unit_test(samples_parse_every_xml),
        cmocka_unit_test(hostile_packages_refused),
        cmocka_unit_test(hostile_controls_pass),
        cmocka_unit_test(limits_are_enforced),
        cmocka_unit_test(sample_limits_are_enforced),
        cmocka_unit_test(many_entries),
        cmocka_unit_test(resolve_paths),
        cmocka_unit_test(xml_parse_rules),
        cmocka_unit_test(xml_tree_helpers),
        cmocka_unit_test(xml_never_prints),
        cmocka_unit_test(xml_threads),
        cmocka_unit_test(writer_round_trip),
        cmocka_unit_test(sample_writer_round_trip),
        cmocka_unit_test(writer_refuses),
        cmocka_unit_test(allocation_failures_are_reported),
        cmocka_unit_test(sample_allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
