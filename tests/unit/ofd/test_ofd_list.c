/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OFD signature lists as evidence, not at their word (issue #15), library level: a package
 * stamped twice by es_ofd_stamp (VALID VALID) is edited the way an attacker would edit it, and
 * es_ofd_verify must name each change. Covered: attributes bounded before parsing (one element,
 * one file; the 100,000-attribute Signatures.xml refused by the limit), processing instructions,
 * XInclude and foreign namespaces refused; duplicated, nested, foreign, Type-less, unknown-Type,
 * escaping and misplaced entries, and a signature taken off the list (SIGNATURE_LIST_ANOMALY);
 * the allow-list of what a later stamp may add (CHANGED_AFTER_SIGNING, the file named).
 * Each of these verified VALID, or took seconds, before.
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

#include <zip.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "ofd/ofd.h"
#include "../test_pki.h"
#include "ofd_fixture.h"
#include "ofd_edit.h"

#define DAY_MS (86400LL * 1000)
#define LIST "Doc_0/Signs/Signatures.xml"
#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define NS "xmlns:ofd=\"http://www.ofdspec.org/2016\""
#define E1 "<ofd:Signature ID=\"s001\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_0/Signature.xml\"/>"
#define E2 "<ofd:Signature ID=\"s002\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>"

static int64_t now_ms;
static eseal_key *root_key, *maker_key, *signer_key;
static eseal_cert *root, *maker, *signer;
static eseal_buf seal_der;
static es_buf two;            /* the test OFD stamped twice */
static eseal_trust *trust;

/* ---- the document and its edits ------------------------------------------------------------ */

/* What tests/resources/mkofd.py writes, one page. */
static void make_ofd(es_buf *out)
{
    char path[] = "/tmp/eseal-ofd-list-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_ofd(path, NULL);
    read_back(out, path);
}

static void stamp(es_buf *out, const es_buf *in)
{
    *out = (es_buf)ES_BUF_INIT((size_t)16 << 20);
    es_ofd_stamp_options o = {.page = 1, .x_mm = 20, .y_mm = 30, .time_ms = now_ms - DAY_MS};
    es_result r = es_ofd_stamp(out, es_buf_span(in), es_span_of(seal_der.ptr, seal_der.size), signer_key, signer, &o);
    if (!es_ok(r)) {
        fail_msg("stamp: %s", eseal_error_last()->message);
    }
}

/* The list of `two` with `entries` in place of its two entries. */
static char *list_of(const char *entries)
{
    static char buf[1 << 16];
    (void)snprintf(buf, sizeof(buf), HEAD "<ofd:Signatures " NS ">%s</ofd:Signatures>", entries);
    return buf;
}

/* ---- setup --------------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now() / 1000 * 1000;
    int64_t from = now_ms - 100 * DAY_MS, to = now_ms + 365 * DAY_MS;
    test_issue(&root, &root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "List Test Root", NULL, NULL, from, to);
    test_issue(&maker, &maker_key, ESEAL_ALG_SM2, ES_PROFILE_SEAL_MAKER, "List Test Maker", root_key, root, from, to);
    test_issue(&signer, &signer_key, ESEAL_ALG_SM2, ES_PROFILE_ORG, "List Test Signer", root_key, root, from, to);
    eseal_buf d = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&d, signer), ESEAL_OK);
    eseal_bytes certs[1] = {{d.ptr, d.size}};
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.format = 4;
    in.esid = "ES-LIST-0001";
    in.type = ESEAL_SEAL_CONTRACT;
    in.name = "List Test Seal";
    in.cert_list_type = 1;
    in.cert_count = 1;
    in.certs = certs;
    in.create_ms = from;
    in.valid_start_ms = from;
    in.valid_end_ms = to;
    in.picture_type = "PNG";
    in.picture = (eseal_bytes){png, sizeof(png) - 1};
    in.picture_width_mm = 40;
    in.picture_height_mm = 40;
    assert_int_equal(eseal_ses_seal_make(&seal_der, &in, maker, maker_key), ESEAL_OK);
    eseal_buf_dispose(&d);
    assert_int_equal(eseal_trust_new(&trust), ESEAL_OK);
    assert_int_equal(eseal_trust_add_anchor(trust, root), ESEAL_OK);
    es_buf crl = ES_BUF_INIT(1 << 20);
    assert_true(es_ok(es_crl_issue(&crl, root_key, root, NULL, 0, 1, now_ms - 60000, now_ms + DAY_MS)));
    assert_int_equal(eseal_trust_add_crl(trust, crl.ptr, crl.len), ESEAL_OK);
    es_buf_free(&crl);
    es_buf plain, one;
    make_ofd(&plain);
    stamp(&one, &plain);
    stamp(&two, &one);
    es_buf_free(&plain);
    es_buf_free(&one);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    es_buf_free(&two);
    eseal_trust_free(trust);
    eseal_buf_dispose(&seal_der);
    eseal_cert *certs[] = {root, maker, signer};
    eseal_key *keys[] = {root_key, maker_key, signer_key};
    for (size_t i = 0; i < 3; i++) {
        eseal_cert_free(certs[i]);
        eseal_key_free(keys[i]);
    }
    return 0;
}

/* ---- checking ------------------------------------------------------------------------------ */

static void dump(const eseal_report *r, const char *who)
{
    print_message("%s: %s\n", who, eseal_verdict_name(eseal_report_verdict(r)));
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        print_message("  - %s [%s]: %s\n", eseal_verdict_name(eseal_report_reason_verdict(r, i)),
                      eseal_report_reason_code(r, i), eseal_report_reason_text(r, i));
    }
}

static eseal_report *verify(const es_buf *ofd)
{
    eseal_report *rep = NULL;
    if (!es_ok(es_ofd_verify(&rep, es_buf_span(ofd), trust, now_ms, NULL))) {
        fail_msg("verify: %s", eseal_error_last()->message);
    }
    return rep;
}

/* Report `r` has a reason `code` imposing `v` whose text holds `text`. */
static bool has(const eseal_report *r, eseal_verdict v, const char *code, const char *text)
{
    for (size_t i = 0; i < eseal_report_reason_count(r); i++) {
        if (strcmp(eseal_report_reason_code(r, i), code) == 0 && eseal_report_reason_verdict(r, i) == v &&
            strstr(eseal_report_reason_text(r, i), text) != NULL) {
            return true;
        }
    }
    return false;
}

/*
 * Verifies `ofd`: the document verdict `doc`, then for `who` (-1: the document itself, else the
 * signature of that index) a reason `code` with verdict `v` and `text` in its message.
 */
static void expect(const es_buf *ofd, eseal_verdict doc, int who, eseal_verdict v, const char *code, const char *text)
{
    eseal_report *rep = verify(ofd);
    const eseal_report *r = who < 0 ? rep : eseal_report_child(rep, (size_t)who);
    bool ok = r != NULL && eseal_report_verdict(rep) == doc && has(r, v, code, text);
    if (!ok) {
        dump(rep, "document");
        for (size_t i = 0; i < eseal_report_child_count(rep); i++) {
            dump(eseal_report_child(rep, i), "signature");
        }
        eseal_report_free(rep);
        fail_msg("expected %s with %s %s \"%s\" on %d", eseal_verdict_name(doc), eseal_verdict_name(v), code, text,
                 who);
    }
    eseal_report_free(rep);
}

static void expect_error(const es_buf *ofd, int code, const char *text)
{
    eseal_report *rep = NULL;
    es_result r = es_ofd_verify(&rep, es_buf_span(ofd), trust, now_ms, NULL);
    eseal_report_free(rep);
    if (es_code(r) != code || strstr(eseal_error_last()->message, text) == NULL) {
        fail_msg("expected %s with \"%s\", got %s: %s", eseal_code_name(code), text, eseal_code_name(es_code(r)),
                 eseal_error_last()->message);
    }
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void twice_stamped_is_valid(void **state)
{
    (void)state;
    eseal_report *rep = verify(&two);
    assert_int_equal(eseal_report_child_count(rep), 2);
    for (size_t i = 0; i < 2; i++) {
        if (eseal_report_verdict(eseal_report_child(rep, i)) != ESEAL_VALID ||
            eseal_report_reason_count(eseal_report_child(rep, i)) != 0) {
            dump(eseal_report_child(rep, i), "signature");
            fail_msg("signature %zu is not VALID without reasons", i + 1);
        }
    }
    /* The typed report: the package's entries as document parts; each stamp's sections. */
    assert_string_equal(eseal_report_string(rep, "format"), "ofd");
    assert_string_equal(eseal_report_string(rep, "document.parts.0.kind"), "entry");
    int64_t size = -1;
    assert_int_equal(eseal_report_integer(rep, "document.parts.0.size", &size), ESEAL_OK);
    assert_true(size > 0);
    const eseal_report *first = eseal_report_child(rep, 0);
    assert_string_equal(eseal_report_string(first, "signature.id"), "Doc_0/Signs/Sign_0/Signature.xml");
    assert_string_equal(eseal_report_string(first, "signature.type"), "seal_stamp");
    int whole = 0;
    assert_int_equal(eseal_report_boolean(first, "coverage.whole_document", &whole), ESEAL_OK);
    assert_true(whole);
    /* The second stamp came later: a change the first one allows, typed "signature". */
    assert_string_equal(eseal_report_string(first, "coverage.changes.0.type"), "signature");
    assert_string_equal(eseal_report_string(first, "coverage.changes.0.object"), "Doc_0/Signs/Sign_1/Signature.xml");
    assert_int_equal(eseal_value_count(eseal_report_find(eseal_report_child(rep, 1), "coverage.changes")), 0);
    assert_int_equal(eseal_report_check(first, "modifications"), ESEAL_CHECK_PASSED);
    assert_int_equal(eseal_report_time(first, "signer.not_after", &size), ESEAL_OK);
    assert_non_null(eseal_report_string(first, "signer.certificate"));
    assert_non_null(eseal_report_string(first, "seal.object"));
    eseal_report_free(rep);
    /* The list as es_ofd_stamp wrote it, rewritten by hand, is still VALID: the edits below are the cause. */
    es_buf same;
    edit(&same, &two, LIST, list_of(E1 E2), NULL);
    rep = verify(&same);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    es_buf_free(&same);
}

/* Appends `s` at dst + *k (cap bytes in all); fails the test when it does not fit. */
static void cat(char *dst, size_t cap, size_t *k, const char *s)
{
    size_t n = strlen(s);
    assert_true(*k + n < cap);
    memcpy(dst + *k, s, n + 1);
    *k += n;
}

/* Builds an element with `n` attributes into a static buffer. */
static const char *many_attrs(const char *before, size_t n, const char *after)
{
    static char buf[2u << 20];
    size_t k = (size_t)snprintf(buf, sizeof(buf), "%s", before);
    for (size_t i = 0; i < n && k + 32 < sizeof(buf); i++) {
        k += (size_t)snprintf(buf + k, sizeof(buf) - k, " a%zu=\"\"", i);
    }
    (void)snprintf(buf + k, sizeof(buf) - k, "%s", after);
    return buf;
}

static void attributes_are_bounded(void **state)
{
    (void)state;
    es_buf f;
    /* The issue's file: 100,000 attributes on the list's root, 18-29 s before; refused by the prescan now. */
    edit(&f, &two, LIST, many_attrs(HEAD "<ofd:Signatures " NS, 100000, ">" E1 E2 "</ofd:Signatures>"), NULL);
    expect_error(&f, ESEAL_ELIMIT, "100001 attributes (line 2), more than the limit of 256 on one element");
    es_buf_free(&f);
    /* 255 + xmlns = 256: the limit itself passes. */
    edit(&f, &two, LIST, many_attrs(HEAD "<ofd:Signatures " NS, 255, ">" E1 E2 "</ofd:Signatures>"), NULL);
    eseal_report *rep = verify(&f);
    assert_int_equal(eseal_report_verdict(rep), ESEAL_VALID);
    eseal_report_free(rep);
    es_buf_free(&f);
    edit(&f, &two, LIST, many_attrs(HEAD "<ofd:Signatures " NS, 256, ">" E1 E2 "</ofd:Signatures>"), NULL);
    expect_error(&f, ESEAL_ELIMIT, "257 attributes");
    es_buf_free(&f);
    /* Quoted '=' and '>' are not attributes; attributes in comments and CDATA are not counted. */
    static char doc[1 << 16];
    size_t k = 0;
    cat(doc, sizeof(doc), &k, "<a b=\"=>=>\"><!-- ");
    cat(doc, sizeof(doc), &k, many_attrs("<x", 300, ">"));
    cat(doc, sizeof(doc), &k, " --><![CDATA[x=1 y=2]]></a>");
    xmlDocPtr d = NULL;
    assert_true(es_ok(es_ofd_xml_parse_named(&d, es_span_of(doc, strlen(doc)), "t.xml", NULL)));
    es_ofd_xml_freep(&d);
    /* In total: a file of at most 64 KiB may hold 4,096 attributes (max_xml_bytes / 16). */
    eseal_limits lim = *eseal_limits_default();
    lim.max_xml_bytes = 64u << 10;
    k = 0;
    cat(doc, sizeof(doc), &k, "<r>");
    for (int i = 0; i < 20; i++) {
        cat(doc, sizeof(doc), &k, many_attrs("<e", 250, "/>"));
    }
    cat(doc, sizeof(doc), &k, "</r>");
    assert_true(strlen(doc) < lim.max_xml_bytes);
    es_result r = es_ofd_xml_parse_named(&d, es_span_of(doc, strlen(doc)), "t.xml", &lim);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "more than 4096 attributes"));
    es_ofd_xml_freep(&d);
    assert_true(es_ok(es_ofd_xml_parse_named(&d, es_span_of(doc, strlen(doc)), "t.xml", NULL)));
    es_ofd_xml_freep(&d);
}

static void xml_constructs_refused(void **state)
{
    (void)state;
    es_buf f;
    edit(&f, &two, LIST, HEAD "<?xml-stylesheet href=\"x.xsl\"?><ofd:Signatures " NS ">" E1 E2 "</ofd:Signatures>",
         NULL);
    expect_error(&f, ESEAL_EMALFORMED, "a processing instruction <?xml-stylesheet at line 2");
    es_buf_free(&f);
    edit(&f, &two, LIST,
         HEAD "<ofd:Signatures " NS " xmlns:xi=\"http://www.w3.org/2001/XInclude\">" E1
              "<xi:include href=\"/Doc_0/Signs/other.xml\"/></ofd:Signatures>",
         NULL);
    expect_error(&f, ESEAL_EMALFORMED, "XInclude");
    es_buf_free(&f);
    /* An XInclude declaration alone: nothing OFD needs. */
    edit(&f, &two, LIST, HEAD "<ofd:Signatures " NS " xmlns:xi=\"http://www.w3.org/2001/XInclude\">" E1 E2
                              "</ofd:Signatures>",
         NULL);
    expect_error(&f, ESEAL_EMALFORMED, "XInclude");
    es_buf_free(&f);
    /* Another namespace in the list: the schema is closed. */
    edit(&f, &two, LIST, list_of(E1 E2 "<x:Note xmlns:x=\"urn:example\">hi</x:Note>"), NULL);
    expect(&f, ESEAL_INVALID, -1, ESEAL_INVALID, "SIGNATURE_LIST_ANOMALY", "element Note in namespace urn:example");
    es_buf_free(&f);
    edit(&f, &two, LIST,
         list_of(E1 "<ofd:Signature xmlns:x=\"urn:x\" ID=\"s002\" Type=\"Seal\" "
                    "BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\" x:BaseLoc=\"/Doc_0/Pages/Page_0/Content.xml\"/>"),
         NULL);
    expect(&f, ESEAL_INVALID, -1, ESEAL_INVALID, "SIGNATURE_LIST_ANOMALY", "attribute BaseLoc of element Signature");
    es_buf_free(&f);
    /* Thousands of them: ten reasons and a count, not a reason each. */
    static char body[1 << 15];
    size_t k = 0;
    cat(body, sizeof(body), &k, E1 E2);
    for (int i = 0; i < 2000; i++) {
        cat(body, sizeof(body), &k, "<ofd:Odd/>");
    }
    edit(&f, &two, LIST, list_of(body), NULL);
    expect(&f, ESEAL_INVALID, -1, ESEAL_INVALID, "SIGNATURE_LIST_ANOMALY", "has 1990 more such elements");
    eseal_report *rep = verify(&f);
    assert_int_equal(eseal_report_reason_count(rep), 11);
    eseal_report_free(rep);
    es_buf_free(&f);
    /* In a Signature.xml: named (its dataHash breaks too, but the construct is the reason given). */
    es_buf sx = ES_BUF_INIT(1 << 20);
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&two))));
    assert_true(es_ok(es_ofd_read(p, "Doc_0/Signs/Sign_1/Signature.xml", &sx)));
    es_ofd_close(p);
    char *txt = strndup((const char *)sx.ptr, sx.len);
    char *at = strstr(txt, "<ofd:SignedInfo>");
    assert_non_null(at);
    char changed[1 << 16];
    (void)snprintf(changed, sizeof(changed), "%.*s<y:Extra xmlns:y=\"urn:y\"/>%s", (int)(at - txt), txt, at);
    edit(&f, &two, "Doc_0/Signs/Sign_1/Signature.xml", changed, NULL);
    expect(&f, ESEAL_INVALID, 1, ESEAL_INVALID, "FORMAT_FAILURE", "element Extra in namespace urn:y");
    free(txt);
    es_buf_free(&sx);
    es_buf_free(&f);
}

static void list_anomalies_named(void **state)
{
    (void)state;
    static const struct {
        const char *entries;
        eseal_verdict doc;
        int who;
        eseal_verdict v;
        const char *text;
    } cases[] = {
        /* One stamp shown as two: the same entry twice, the same ID, the same file under another ID. */
        {E1 E2 E2, ESEAL_INVALID, 2, ESEAL_INVALID, "repeats the ID s002 of entry 2"},
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"Sign_1/Signature.xml\"/>", ESEAL_INVALID, 2,
         ESEAL_INVALID, "lists /Doc_0/Signs/Sign_1/Signature.xml again, as entry 2 does"},
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"Sign_1/Other.xml\"/>", ESEAL_INVALID, 2,
         ESEAL_INVALID, "shares the directory /Doc_0/Signs/Sign_1/ with entry 2"},
        /* Nested: whole-tree readers count it, eseal would not. */
        {"<ofd:Signature ID=\"s001\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_0/Signature.xml\">" E2
         "</ofd:Signature>",
         ESEAL_INVALID, -1, ESEAL_INVALID, "element <Signature> nested in <Signature>"},
        /* In another namespace: the same. */
        {E1 "<x:Signature xmlns:x=\"urn:x\" ID=\"s002\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>",
         ESEAL_INVALID, -1, ESEAL_INVALID, "element Signature in namespace urn:x"},
        /* Type removed: the default, said so. */
        {E1 "<ofd:Signature ID=\"s002\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>", ESEAL_VALID, 1, ESEAL_VALID,
         "no Type attribute: read as \"Seal\""},
        {E1 "<ofd:Signature ID=\"s002\" Type=\"Annot\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>",
         ESEAL_INDETERMINATE, 1, ESEAL_INDETERMINATE, "Type \"Annot\", neither"},
        /* Where the entry points. */
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"../../../x.xml\"/>", ESEAL_INVALID, 2,
         ESEAL_INVALID, "is not a path inside the package"},
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"/Doc_0/Pages/Page_0/Content.xml\"/>",
         ESEAL_INVALID, 2, ESEAL_INVALID, "not a file in a signature directory of its own under /Doc_0/Signs/"},
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Signature.xml\"/>", ESEAL_INVALID, 2,
         ESEAL_INVALID, "not a file in a signature directory of its own"},
        {E1 E2 "<ofd:Signature Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_1/Signature.xml\"/>", ESEAL_INVALID, 2,
         ESEAL_INVALID, "it has no ID"},
        {E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\"/>", ESEAL_INVALID, 2, ESEAL_INVALID, "it has no BaseLoc"},
        /* The earlier signature taken off the list: its files stay (the later stamp protects them). */
        {E2, ESEAL_INVALID, -1, ESEAL_INVALID, "signature files in /Doc_0/Signs/Sign_0/"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case %zu\n", i);
        es_buf f;
        edit(&f, &two, LIST, list_of(cases[i].entries), NULL);
        expect(&f, cases[i].doc, cases[i].who, cases[i].v, "SIGNATURE_LIST_ANOMALY", cases[i].text);
        es_buf_free(&f);
    }
    /* The repeated entry is one signature shown again: signature.duplicate_of names the first (from 1),
     * its format check fails, and the signatures listed once name none. */
    es_buf f;
    edit(&f, &two, LIST, list_of(E1 E2 E2), NULL);
    eseal_report *rep = verify(&f);
    int64_t dup = 0;
    assert_int_equal(eseal_report_integer(eseal_report_child(rep, 2), "signature.duplicate_of", &dup), ESEAL_OK);
    assert_int_equal(dup, 2);
    assert_int_equal(eseal_report_check(eseal_report_child(rep, 2), "format"), ESEAL_CHECK_FAILED);
    assert_int_equal(eseal_value_type_of(eseal_report_find(eseal_report_child(rep, 1), "signature.duplicate_of")),
                     ESEAL_VALUE_NULL);
    eseal_report_free(rep);
    es_buf_free(&f);
}

static void later_additions_allow_list(void **state)
{
    (void)state;
    es_buf f;
    const char *page = HEAD "<ofd:Page " NS "><ofd:Content><ofd:Layer ID=\"300\"/></ofd:Content></ofd:Page>";
    /* A page file added and disguised as a third signature's Signature.xml: the entry is refused and
     * both signatures name the file (before, each accepted it as "another signature's file"). */
    edit(&f, &two, LIST, list_of(E1 E2 "<ofd:Signature ID=\"s003\" BaseLoc=\"/Doc_0/Pages/Page_1/Content.xml\"/>"),
         "Doc_0/Pages/Page_1/Content.xml", page, NULL);
    expect(&f, ESEAL_INVALID, 0, ESEAL_INVALID, "CHANGED_AFTER_SIGNING", "Doc_0/Pages/Page_1/Content.xml");
    expect(&f, ESEAL_INVALID, 1, ESEAL_INVALID, "CHANGED_AFTER_SIGNING", "Doc_0/Pages/Page_1/Content.xml");
    es_buf_free(&f);
    /* A third "signature" in its own directory whose SignedValue and Seal point at a resource file: only
     * files inside the signature's own directory are its files. */
    const char *fake = HEAD "<ofd:Signature " NS "><ofd:SignedInfo><ofd:Seal><ofd:BaseLoc>/Doc_0/Res/stamp.png"
                            "</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:SignedValue>/Doc_0/Res/evil.xml"
                            "</ofd:SignedValue></ofd:Signature>";
    edit(&f, &two, LIST,
         list_of(E1 E2 "<ofd:Signature ID=\"s003\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_2/Signature.xml\"/>"),
         "Doc_0/Signs/Sign_2/Signature.xml", fake, "Doc_0/Res/evil.xml", page, "Doc_0/Res/stamp.png", "png", NULL);
    expect(&f, ESEAL_INVALID, 0, ESEAL_INVALID, "CHANGED_AFTER_SIGNING", "Doc_0/Res/evil.xml");
    expect(&f, ESEAL_INVALID, 1, ESEAL_INVALID, "CHANGED_AFTER_SIGNING", "Doc_0/Res/stamp.png");
    es_buf_free(&f);
    /* A file beside the signatures' own (in Sign_1/, named by nobody): not a signature's file. */
    edit(&f, &two, "Doc_0/Signs/Sign_1/Extra.xml", page, NULL);
    expect(&f, ESEAL_INVALID, 0, ESEAL_INVALID, "CHANGED_AFTER_SIGNING", "Doc_0/Signs/Sign_1/Extra.xml");
    es_buf_free(&f);
    /* A changed Document.xml (a later stamp never touches it): the first signature names it. */
    edit(&f, &two, "Doc_0/Document.xml", page, NULL);
    expect(&f, ESEAL_INVALID, 0, ESEAL_INVALID, "HASH_FAILURE", "Doc_0/Document.xml (changed)");
    es_buf_free(&f);
}

/* An entry whose name is near ES_OFD_NAME_MAX and all '&' is still referenced: escaped, each is "&amp;"
 * (five bytes), so the escaped name needs more than four times the name (ES_OFD_NAME_ESC_MAX). */
static void long_escaped_name_is_stamped(void **state)
{
    (void)state;
    static char name[1024];
    size_t k = (size_t)snprintf(name, sizeof(name), "Doc_0/Res/");
    memset(name + k, '&', 900);
    name[k + 900] = '\0';
    es_buf base = ES_BUF_INIT((size_t)1 << 20), in = ES_BUF_INIT((size_t)1 << 20), out;
    make_ofd(&base);
    edit(&in, &base, name, "x", NULL);
    stamp(&out, &in);
    assert_true(out.len > in.len);
    es_buf_free(&base);
    es_buf_free(&in);
    es_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(twice_stamped_is_valid),
        cmocka_unit_test(attributes_are_bounded),
        cmocka_unit_test(xml_constructs_refused),
        cmocka_unit_test(list_anomalies_named),
        cmocka_unit_test(later_additions_allow_list),
        cmocka_unit_test(long_escaped_name_is_stamped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
