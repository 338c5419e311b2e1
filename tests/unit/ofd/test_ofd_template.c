/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Templates (issue 20 §1, src/ofd/ofd_template.c): an OFD derives from a registered template when
 * it keeps every file of the template byte for byte except the signature list and the form data
 * (the custom tags' data files the template's tag list names, GB/T 33190-2016 §16), and adds only
 * signatures' files and form data. Accepted: the template (also re-zipped), stamped once and
 * twice by es_ofd_stamp, its form data changed or added, filled and stamped. Refused, each with
 * the member named: a page's content changed, a page added, a resource added, a member removed,
 * the tag list changed, form data that a reader could draw (an OFD element, no namespace, not
 * XML), a file added in a signature's directory that no signature names, OFD.xml changed
 * otherwise, and the limits.
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
#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define NS "xmlns:ofd=\"http://www.ofdspec.org/2016\""
#define PAGE "Doc_0/Pages/Page_0/Content.xml"
#define DATA "Doc_0/Tags/Contract.xml"
#define EXTRA "Doc_0/Tags/Extra.xml"
#define TAGS "Doc_0/Tags/CustomTags.xml"
#define LOGO "Doc_0/Res/logo.png"

static int64_t now_ms;
static eseal_key *root_key, *maker_key, *signer_key;
static eseal_cert *root, *maker, *signer;
static eseal_buf seal_der;

/* ---- packages ------------------------------------------------------------------------------ */

static const char *const ofd_xml = HEAD "<ofd:OFD " NS " Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo>"
                                        "<ofd:DocID>6f0c3d0e5a0b4b2a9d1e0c0a0b0c0d0e</ofd:DocID><ofd:Title>Contract"
                                        "</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
                                        "</ofd:DocBody></ofd:OFD>";
static const char *const document_xml =
    HEAD "<ofd:Document " NS "><ofd:CommonData><ofd:MaxUnitID>101</ofd:MaxUnitID><ofd:PageArea>"
         "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>"
         "<ofd:Page ID=\"10\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages>"
         "<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags></ofd:Document>";
static const char *const page_xml =
    HEAD "<ofd:Page " NS "><ofd:Content><ofd:Layer ID=\"200\"><ofd:TextObject ID=\"201\" Boundary=\"20 20 170 10\" "
         "Font=\"1\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"5\">The buyer pays 1,000</ofd:TextCode></ofd:TextObject>"
         "</ofd:Layer></ofd:Content></ofd:Page>";
static const char *const tags_xml =
    HEAD "<ofd:CustomTags " NS "><ofd:CustomTag TypeID=\"contract\"><ofd:FileLoc>Contract.xml</ofd:FileLoc>"
         "</ofd:CustomTag><ofd:CustomTag TypeID=\"extra\"><ofd:FileLoc>/Doc_0/Tags/Extra.xml</ofd:FileLoc>"
         "</ofd:CustomTag></ofd:CustomTags>";
static const char *const data_empty = HEAD "<c:Contract xmlns:c=\"urn:example:contract\"><c:Buyer/></c:Contract>";
static const char *const data_filled =
    HEAD "<c:Contract xmlns:c=\"urn:example:contract\"><c:Buyer>ACME Trading Ltd</c:Buyer></c:Contract>";

/* A package of (name, text) pairs, ending with NULL, in that order. */
static void package(es_buf *out, const char *const *pairs)
{
    char path[] = "/tmp/eseal-ofd-template-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (size_t i = 0; pairs[i] != NULL; i += 2) {
        add_text(z, pairs[i], pairs[i + 1]);
    }
    assert_int_equal(zip_close(z), 0);
    read_back(out, path);
}

/* The template: a one-page contract whose custom tags hold its form data (Contract.xml; Extra.xml not yet). */
static void make_template(es_buf *out)
{
    const char *const pairs[] = {"OFD.xml", ofd_xml, "Doc_0/Document.xml", document_xml, PAGE, page_xml,
                                 LOGO, "\x89PNG-logo", TAGS, tags_xml, DATA, data_empty, NULL};
    package(out, pairs);
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

/* ---- checking ------------------------------------------------------------------------------ */

static bool derives(const es_buf *tmpl, const es_buf *doc, char why[ES_OFD_TEMPLATE_WHY_MAX])
{
    bool d = true;
    es_result r = es_ofd_template_derives(&d, why, ES_OFD_TEMPLATE_WHY_MAX, es_buf_span(tmpl), es_buf_span(doc), NULL);
    if (!es_ok(r)) {
        fail_msg("es_ofd_template_derives: %s", eseal_error_last()->message);
    }
    if (getenv("ESEAL_TEST_VERBOSE") != NULL) {
        print_message("# %s: %s\n", d ? "yes" : "no", why);
    }
    assert_true(d == (why[0] == '\0')); /* a "no" always says why, a "yes" never */
    return d;
}

static void accepted(const es_buf *tmpl, const es_buf *doc)
{
    char why[ES_OFD_TEMPLATE_WHY_MAX];
    if (!derives(tmpl, doc, why)) {
        fail_msg("refused: %s", why);
    }
}

/* A refusal whose sentence says `what` (the member named). */
static void refused(const es_buf *tmpl, const es_buf *doc, const char *what)
{
    char why[ES_OFD_TEMPLATE_WHY_MAX];
    assert_false(derives(tmpl, doc, why));
    if (strstr(why, what) == NULL) {
        fail_msg("the refusal \"%s\" does not say \"%s\"", why, what);
    }
}

/* ---- setup --------------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    now_ms = eseal_time_now() / 1000 * 1000;
    int64_t from = now_ms - 100 * DAY_MS, to = now_ms + 365 * DAY_MS;
    test_issue(&root, &root_key, ESEAL_ALG_SM2, ES_PROFILE_ROOT_CA, "Template Test Root", NULL, NULL, from, to);
    test_issue(&maker, &maker_key, ESEAL_ALG_SM2, ES_PROFILE_SEAL_MAKER, "Template Test Maker", root_key, root, from,
               to);
    test_issue(&signer, &signer_key, ESEAL_ALG_SM2, ES_PROFILE_ORG, "Template Test Signer", root_key, root, from, to);
    eseal_buf d = ESEAL_BUF_INIT;
    assert_int_equal(eseal_cert_der(&d, signer), ESEAL_OK);
    eseal_bytes certs[1] = {{d.ptr, d.size}};
    static const uint8_t png[] = "\x89PNG\r\n\x1a\n-not-a-real-picture";
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    in.format = 4;
    in.esid = "ES-TEMPLATE-0001";
    in.type = ESEAL_SEAL_CONTRACT;
    in.name = "Template Test Seal";
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
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eseal_buf_dispose(&seal_der);
    eseal_cert *certs[] = {root, maker, signer};
    eseal_key *keys[] = {root_key, maker_key, signer_key};
    for (size_t i = 0; i < 3; i++) {
        eseal_cert_free(certs[i]);
        eseal_key_free(keys[i]);
    }
    return 0;
}

/* ---- accepted ------------------------------------------------------------------------------ */

static void the_template_itself(void **state)
{
    (void)state;
    es_buf t, again;
    make_template(&t);
    accepted(&t, &t);
    /* The same files zipped again in another order: other bytes, the same package. */
    const char *const pairs[] = {DATA, data_empty, TAGS, tags_xml, LOGO, "\x89PNG-logo", PAGE, page_xml,
                                 "Doc_0/Document.xml", document_xml, "OFD.xml", ofd_xml, NULL};
    package(&again, pairs);
    assert_false(again.len == t.len && memcmp(again.ptr, t.ptr, t.len) == 0);
    accepted(&t, &again);
    es_buf_free(&again);
    es_buf_free(&t);
}

/* Stamped by eseal (the list created and named in OFD.xml, Sign_0/), then once more (Sign_1/). */
static void stamped_is_accepted(void **state)
{
    (void)state;
    es_buf t, one, two;
    make_template(&t);
    stamp(&one, &t);
    accepted(&t, &one);
    stamp(&two, &one);
    accepted(&t, &two);
    /* A template that was already stamped once: a further stamp extends its list. */
    accepted(&one, &two);
    es_buf_free(&two);
    es_buf_free(&one);
    es_buf_free(&t);
}

static void form_data_is_accepted(void **state)
{
    (void)state;
    es_buf t, filled, added, stamped;
    make_template(&t);
    edit(&filled, &t, DATA, data_filled, NULL);
    accepted(&t, &filled);
    /* Extra.xml: a place the template's tag list names, not held by the template yet. */
    edit(&added, &filled, EXTRA, HEAD "<x:Extra xmlns:x=\"urn:example:extra\">delivery in May</x:Extra>", NULL);
    accepted(&t, &added);
    stamp(&stamped, &added);
    accepted(&t, &stamped);
    es_buf_free(&stamped);
    es_buf_free(&added);
    es_buf_free(&filled);
    es_buf_free(&t);
}

/* ---- refused ------------------------------------------------------------------------------- */

/* The fixture's one-page OFD has no custom tags: it has no form data, only signatures may be added. */
static void template_without_tags_has_no_form_data(void **state)
{
    (void)state;
    char path[] = "/tmp/eseal-ofd-template-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_ofd(path, "the purchase contract");
    es_buf t, one, d;
    read_back(&t, path);
    stamp(&one, &t);
    accepted(&t, &one);
    edit(&d, &t, DATA, data_filled, NULL);
    refused(&t, &d, "it adds " DATA ", which is neither a signature's file nor form data");
    es_buf_free(&d);
    es_buf_free(&one);
    es_buf_free(&t);
}

static void changed_page_is_refused(void **state)
{
    (void)state;
    es_buf t, d, s;
    make_template(&t);
    char page[1024];
    (void)snprintf(page, sizeof(page), "%s", page_xml);
    char *at = strstr(page, "1,000");
    assert_non_null(at);
    at[0] = '9';
    edit(&d, &t, PAGE, page, DATA, data_filled, NULL);
    refused(&t, &d, "it changes " PAGE);
    /* Stamped afterwards: still refused (the stamp protects the change, it does not make it the template's). */
    stamp(&s, &d);
    refused(&t, &s, "it changes " PAGE);
    es_buf_free(&s);
    es_buf_free(&d);
    es_buf_free(&t);
}

static void added_page_is_refused(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    char doc[2048];
    (void)snprintf(doc, sizeof(doc), "%s", document_xml);
    char *at = strstr(doc, "</ofd:Pages>");
    assert_non_null(at);
    char rest[1024];
    (void)snprintf(rest, sizeof(rest), "%s", at);
    (void)snprintf(at, sizeof(doc) - (size_t)(at - doc), "<ofd:Page ID=\"11\" BaseLoc=\"Pages/Page_1/Content.xml\"/>%s",
                   rest);
    edit(&d, &t, "Doc_0/Document.xml", doc, "Doc_0/Pages/Page_1/Content.xml", page_xml, NULL);
    refused(&t, &d, "changes Doc_0/Document.xml");
    refused(&t, &d, "adds Doc_0/Pages/Page_1/Content.xml, which is neither a signature's file nor form data");
    es_buf_free(&d);
    es_buf_free(&t);
}

static void added_resource_is_refused(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    edit(&d, &t, "Doc_0/Res/overlay.png", "\x89PNG-overlay", NULL);
    refused(&t, &d, "it adds Doc_0/Res/overlay.png, which is neither a signature's file nor form data");
    es_buf_free(&d);
    es_buf_free(&t);
}

static void removed_member_is_refused(void **state)
{
    (void)state;
    es_buf t, d, e;
    make_template(&t);
    edit(&d, &t, LOGO, NULL, NULL);
    refused(&t, &d, "it lacks " LOGO);
    /* Form data may change, not go away. */
    edit(&e, &t, DATA, NULL, NULL);
    refused(&t, &e, "it lacks " DATA);
    es_buf_free(&e);
    es_buf_free(&d);
    es_buf_free(&t);
}

/* The tag list declares where form data goes: it is the template's, a document cannot widen it. */
static void changed_tag_list_is_refused(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    const char *tags = HEAD "<ofd:CustomTags " NS "><ofd:CustomTag TypeID=\"contract\"><ofd:FileLoc>/" PAGE
                            "</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>";
    edit(&d, &t, TAGS, tags, PAGE, page_xml /* same bytes */, NULL);
    refused(&t, &d, "it changes " TAGS);
    es_buf_free(&d);
    es_buf_free(&t);
}

/* Form data a reader could draw: an OFD element, no namespace, SVG, or not XML at all. */
static void drawable_form_data_is_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *what;
    } cases[] = {
        {HEAD "<ofd:Page " NS "><ofd:Content/></ofd:Page>", "a root element in http://www.ofdspec.org/2016"},
        {HEAD "<Contract><Buyer>ACME</Buyer></Contract>", "a root element in no namespace"},
        {HEAD "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"10\" height=\"10\"/></svg>",
         "a root element in http://www.w3.org/2000/svg"},
        {"\x89PNG-not-xml", "content that is not XML form data"},
    };
    es_buf t;
    make_template(&t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        es_buf d, e;
        edit(&d, &t, DATA, cases[i].text, NULL);
        char want[256];
        (void)snprintf(want, sizeof(want), "gives the form data file " DATA " %s", cases[i].what);
        refused(&t, &d, want);
        /* The same as a form data file the template does not hold yet. */
        edit(&e, &t, EXTRA, cases[i].text, NULL);
        (void)snprintf(want, sizeof(want), "gives the form data file " EXTRA " %s", cases[i].what);
        refused(&t, &e, want);
        es_buf_free(&e);
        es_buf_free(&d);
    }
    es_buf_free(&t);
}

/* In a stamped document: a file in a signature's directory that no signature names, and one outside Sign_N/. */
static void unnamed_signature_files_are_refused(void **state)
{
    (void)state;
    es_buf t, one, d, e;
    make_template(&t);
    stamp(&one, &t);
    edit(&d, &one, "Doc_0/Signs/Sign_0/overlay.png", "\x89PNG-overlay", NULL);
    refused(&t, &d, "adds Doc_0/Signs/Sign_0/overlay.png, which is neither a signature's file nor form data");
    edit(&e, &one, "Doc_0/Signs/overlay.png", "\x89PNG-overlay", NULL);
    refused(&t, &e, "adds Doc_0/Signs/overlay.png");
    es_buf_free(&e);
    es_buf_free(&d);
    es_buf_free(&one);
    es_buf_free(&t);
}

/* A list entry whose Signature.xml is not in a directory of its own under Signs/: not a signature's file. */
static void signature_outside_signs_is_refused(void **state)
{
    (void)state;
    es_buf t, one, d;
    make_template(&t);
    stamp(&one, &t);
    es_buf cur = ES_BUF_INIT(1 << 20);
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&one))));
    assert_true(es_ok(es_ofd_read(p, "Doc_0/Signs/Signatures.xml", &cur)));
    es_ofd_close(p);
    assert_true(es_ok(es_buf_printf(&cur, "%s", "")));
    char list[4096];
    (void)snprintf(list, sizeof(list), "%s", es_buf_cstr(&cur));
    char *at = strstr(list, "</ofd:Signatures>");
    assert_non_null(at);
    (void)snprintf(at, sizeof(list) - (size_t)(at - list),
                   "<ofd:Signature ID=\"s002\" Type=\"Seal\" BaseLoc=\"/Doc_0/Res/Signature.xml\"/></ofd:Signatures>");
    edit(&d, &one, "Doc_0/Signs/Signatures.xml", list, "Doc_0/Res/Signature.xml",
         HEAD "<ofd:Signature " NS "><ofd:SignedValue>/Doc_0/Res/SignedValue.dat</ofd:SignedValue></ofd:Signature>",
         "Doc_0/Res/SignedValue.dat", "0", NULL);
    refused(&t, &d, "adds Doc_0/Res/Signature.xml, which is neither a signature's file nor form data; adds "
                    "Doc_0/Res/SignedValue.dat");
    es_buf_free(&cur);
    es_buf_free(&d);
    es_buf_free(&one);
    es_buf_free(&t);
}

static void changed_ofd_xml_is_refused(void **state)
{
    (void)state;
    es_buf t, d, one, e;
    make_template(&t);
    char x[1024];
    (void)snprintf(x, sizeof(x), "%s", ofd_xml);
    char *at = strstr(x, "Contract</ofd:Title>");
    assert_non_null(at);
    memcpy(at, "Cantrect", 8);
    edit(&d, &t, "OFD.xml", x, NULL);
    refused(&t, &d, "it changes OFD.xml beyond naming a signature list");
    /* A stamped document whose OFD.xml also changed its title. */
    stamp(&one, &t);
    es_buf cur = ES_BUF_INIT(1 << 20);
    es_ofd_pkg *p = NULL;
    assert_true(es_ok(es_ofd_open(&p, es_buf_span(&one))));
    assert_true(es_ok(es_ofd_read(p, "OFD.xml", &cur)));
    es_ofd_close(p);
    assert_true(es_ok(es_buf_printf(&cur, "%s", ""))); /* NUL-terminated */
    char y[2048];
    (void)snprintf(y, sizeof(y), "%s", es_buf_cstr(&cur));
    at = strstr(y, "Contract</ofd:Title>");
    assert_non_null(at);
    memcpy(at, "Cantrect", 8);
    edit(&e, &one, "OFD.xml", y, NULL);
    refused(&t, &e, "it changes OFD.xml beyond naming a signature list");
    refused(&one, &e, "it changes OFD.xml");
    es_buf_free(&cur);
    es_buf_free(&e);
    es_buf_free(&one);
    es_buf_free(&d);
    es_buf_free(&t);
}

/* OFD.xml naming a file of the template as the new signature list: that file stays the template's. */
static void template_file_as_list_is_refused(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    char x[1024], page[1024];
    (void)snprintf(x, sizeof(x), "%s", ofd_xml);
    char *at = strstr(x, "</ofd:DocBody>");
    assert_non_null(at);
    (void)snprintf(at, sizeof(x) - (size_t)(at - x), "<ofd:Signatures>/" PAGE "</ofd:Signatures></ofd:DocBody></ofd:OFD>");
    (void)snprintf(page, sizeof(page), "%s", page_xml);
    at = strstr(page, "1,000");
    assert_non_null(at);
    at[0] = '9';
    edit(&d, &t, "OFD.xml", x, PAGE, page, NULL);
    refused(&t, &d, "it names " PAGE ", a file of the template, as its signature list; changes " PAGE);
    es_buf_free(&d);
    es_buf_free(&t);
}

/* Every refusal named at once (up to ES_OFD_SHOWN_MAX), the count of the rest. */
static void many_changes_are_counted(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    edit(&d, &t, "Doc_0/Res/a1.png", "1", "Doc_0/Res/a2.png", "2", "Doc_0/Res/a3.png", "3", "Doc_0/Res/a4.png", "4",
         "Doc_0/Res/a5.png", "5", "Doc_0/Res/a6.png", "6", "Doc_0/Res/a7.png", "7", "Doc_0/Res/a8.png", "8",
         "Doc_0/Res/a9.png", "9", "Doc_0/Res/b1.png", "10", "Doc_0/Res/b2.png", "11", LOGO, NULL, NULL);
    refused(&t, &d, "it lacks " LOGO "; adds Doc_0/Res/a1.png");
    refused(&t, &d, "; and 2 more");
    es_buf_free(&d);
    es_buf_free(&t);
}

static void limits_apply(void **state)
{
    (void)state;
    es_buf t, d;
    make_template(&t);
    edit(&d, &t, DATA, data_filled, NULL);
    eseal_context *cx = NULL;
    assert_int_equal(eseal_context_new(&cx), ESEAL_OK);
    eseal_limits lim = *eseal_limits_default();
    lim.max_zip_entries = 3; /* the template has 6 files */
    assert_int_equal(eseal_context_set_limits(cx, &lim), ESEAL_OK);
    bool yes = true;
    char why[ES_OFD_TEMPLATE_WHY_MAX];
    es_result r = es_ofd_template_derives(&yes, why, sizeof(why), es_buf_span(&t), es_buf_span(&d), cx);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_false(yes);
    lim = *eseal_limits_default();
    lim.max_input_bytes = t.len - 1;
    assert_int_equal(eseal_context_set_limits(cx, &lim), ESEAL_OK);
    r = es_ofd_template_derives(&yes, why, sizeof(why), es_buf_span(&t), es_buf_span(&d), cx);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "max_input_bytes"));
    lim = *eseal_limits_default();
    lim.max_xml_bytes = 200; /* Document.xml is longer */
    assert_int_equal(eseal_context_set_limits(cx, &lim), ESEAL_OK);
    r = es_ofd_template_derives(&yes, why, sizeof(why), es_buf_span(&t), es_buf_span(&d), cx);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_false(yes);
    eseal_context_free(cx);
    /* A template whose tag list names more places than ES_OFD_TEMPLATE_SLOTS_MAX (duplicates count). */
    es_buf many = ES_BUF_INIT((size_t)1 << 24), big, bigd;
    assert_true(es_ok(es_buf_printf(&many, HEAD "<ofd:CustomTags " NS ">")));
    for (int i = 0; i <= ES_OFD_TEMPLATE_SLOTS_MAX; i++) {
        assert_true(es_ok(es_buf_printf(&many, "<ofd:CustomTag><ofd:FileLoc>Contract.xml</ofd:FileLoc></ofd:CustomTag>")));
    }
    assert_true(es_ok(es_buf_printf(&many, "</ofd:CustomTags>")));
    edit(&big, &t, TAGS, es_buf_cstr(&many), NULL);
    edit(&bigd, &big, DATA, data_filled, NULL);
    r = es_ofd_template_derives(&yes, why, sizeof(why), es_buf_span(&big), es_buf_span(&bigd), NULL);
    assert_int_equal(es_code(r), ESEAL_ELIMIT);
    assert_non_null(strstr(eseal_error_last()->message, "custom tags"));
    assert_false(yes);
    es_buf_free(&bigd);
    es_buf_free(&big);
    es_buf_free(&many);
    es_buf_free(&d);
    es_buf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_template_itself),
        cmocka_unit_test(stamped_is_accepted),
        cmocka_unit_test(form_data_is_accepted),
        cmocka_unit_test(template_without_tags_has_no_form_data),
        cmocka_unit_test(changed_page_is_refused),
        cmocka_unit_test(added_page_is_refused),
        cmocka_unit_test(added_resource_is_refused),
        cmocka_unit_test(removed_member_is_refused),
        cmocka_unit_test(changed_tag_list_is_refused),
        cmocka_unit_test(drawable_form_data_is_refused),
        cmocka_unit_test(unnamed_signature_files_are_refused),
        cmocka_unit_test(signature_outside_signs_is_refused),
        cmocka_unit_test(changed_ofd_xml_is_refused),
        cmocka_unit_test(template_file_as_list_is_refused),
        cmocka_unit_test(many_changes_are_counted),
        cmocka_unit_test(limits_apply),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
