/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OFD XML layer over untrusted bytes directly (no zip around them, so the
 * fuzzer spends its time in the parser rules: size cap, DOCTYPE refusal,
 * forced UTF-8, nesting limit, namespaces): parse, then walk the tree with
 * the lookup helpers the verifier and stamper use, and resolve the text of
 * every element as an OFD path. Invariants abort, so the fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ofd/ofd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"OFD", "DocBody", "DocRoot", "Signatures", "Signature", "SignedInfo",
                                    "References", "Reference", "CheckValue", "StampAnnot", "Seal", "BaseLoc",
                                    "SignedValue", "Pages", "Page", "Area", "PhysicalBox"};

static void walk(xmlNodePtr n, unsigned depth)
{
    if (n == NULL || depth > 80) {
        return;
    }
    es_buf t = ES_BUF_INIT(1u << 16);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        for (xmlNodePtr c = es_ofd_xml_child(n, names[i]); c != NULL; c = es_ofd_xml_next(c, names[i])) {
            if (es_ok(es_ofd_xml_text(c, &t))) {
                char out[ES_OFD_NAME_MAX + 1];
                if (es_ok(es_ofd_resolve(out, "Doc_0/Signs/Signatures.xml", es_buf_cstr(&t)))) {
                    /* A resolved path never climbs out of the package nor starts with '/'. */
                    if (out[0] == '/' || strncmp(out, "../", 3) == 0 || strstr(out, "/../") != NULL) {
                        abort();
                    }
                }
            }
            (void)es_ofd_xml_attr(c, "BaseLoc", &t);
            (void)es_ofd_xml_attr(c, "ID", &t);
            walk(c, depth + 1);
        }
    }
    es_buf_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xmlDocPtr doc = NULL;
    es_result r = es_ofd_xml_parse(&doc, es_span_of(data, size));
    if (es_ok(r)) {
        if (doc == NULL || doc->intSubset != NULL || doc->extSubset != NULL) {
            abort(); /* a document with a DOCTYPE must never be accepted */
        }
        walk(xmlDocGetRootElement(doc), 0);
        es_ofd_xml_freep(&doc);
    } else if (doc != NULL) {
        abort(); /* a refusal leaves nothing behind */
    }
    return 0;
}
