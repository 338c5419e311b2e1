/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OFD unit tests' input: a one-page OFD as tests/resources/mkofd.py writes it, built with
 * libzip. Include after <cmocka.h>, <zip.h> and <string.h>.
 */
#ifndef ESEAL_TEST_OFD_FIXTURE_H
#define ESEAL_TEST_OFD_FIXTURE_H

#include <stdio.h>
#include <string.h>

/* Adds (or replaces) entry `name` holding `text`, which must outlive zip_close. */
static void add_text(zip_t *z, const char *name, const char *text)
{
    zip_source_t *s = zip_source_buffer(z, text, strlen(text), 0);
    assert_non_null(s);
    assert_true(zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) >= 0);
}

/* Writes the one-page OFD to `file`; `tag` (may be NULL) is a comment in the page that makes its bytes its own. */
static void write_ofd(const char *file, const char *tag)
{
#define FX_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define FX_NS "xmlns:ofd=\"http://www.ofdspec.org/2016\""
    int err = 0;
    zip_t *z = zip_open(file, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(z);
    add_text(z, "OFD.xml",
             FX_HEAD "<ofd:OFD " FX_NS " Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>"
                     "6f0c3d0e5a0b4b2a9d1e0c0a0b0c0d0e</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml"
                     "</ofd:DocRoot></ofd:DocBody></ofd:OFD>");
    add_text(z, "Doc_0/Document.xml",
             FX_HEAD "<ofd:Document " FX_NS "><ofd:CommonData><ofd:MaxUnitID>101</ofd:MaxUnitID><ofd:PageArea>"
                     "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>"
                     "<ofd:Page ID=\"10\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>");
    char page[512];
    if (tag == NULL) {
        (void)snprintf(page, sizeof(page), "%s",
                       FX_HEAD "<ofd:Page " FX_NS "><ofd:Content><ofd:Layer ID=\"200\"/></ofd:Content></ofd:Page>");
    } else {
        (void)snprintf(page, sizeof(page),
                       FX_HEAD "<ofd:Page " FX_NS "><ofd:Content><ofd:Layer ID=\"200\"><!-- %s --></ofd:Layer>"
                               "</ofd:Content></ofd:Page>",
                       tag);
    }
    add_text(z, "Doc_0/Pages/Page_0/Content.xml", page);
    assert_int_equal(zip_close(z), 0);
#undef FX_HEAD
#undef FX_NS
}

#endif
