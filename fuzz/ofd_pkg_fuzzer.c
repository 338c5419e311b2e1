/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OFD package and XML layer over untrusted bytes (src/ofd/ofd.h): open
 * the input as a package, read every entry (bounded), parse every .xml entry
 * and walk its tree, resolve a few fixed paths against every name, and
 * rewrite the package with one entry replaced and one added, then open the
 * result again. Invariants abort, so the fuzzer keeps the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ofd/ofd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits: the fuzzer looks for bugs, not for how long inflating 256 MiB takes. */
static eseal_limits fuzz_limits(void)
{
    eseal_limits l = *eseal_limits_default();
    l.max_input_bytes = 8u << 20;
    l.max_inflated_bytes = 1u << 20;
    l.max_xml_bytes = 1u << 20;
    l.max_zip_entries = 4096;
    return l;
}

/* Failures are expected here; only crashes and broken invariants matter. */
static void ignore(es_result r) { (void)r; }

static void walk(xmlNodePtr n, unsigned depth)
{
    es_buf t = ES_BUF_INIT(1u << 16);
    for (xmlNodePtr c = n; c != NULL && depth < 200; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        ignore(es_ofd_xml_text(c, &t));
        bool present = false;
        ignore(es_ofd_xml_attr_get(c, "BaseLoc", &t, &present));
        (void)es_ofd_xml_attr(c, "ID", &t);
        (void)es_ofd_xml_child(c, "Signature");
        (void)es_ofd_xml_next(c, "Page");
        walk(c->children, depth + 1);
    }
    es_buf_free(&t);
}

static void check_resolved(const char *base, const char *path)
{
    char out[ES_OFD_NAME_MAX + 1];
    if (!es_ok(es_ofd_resolve(out, base, path))) {
        return;
    }
    size_t n = strlen(out);
    /* A resolved name is never empty, absolute, too long, or holds a "." / ".." / empty segment. */
    if (n == 0 || n > ES_OFD_NAME_MAX || out[0] == '/' || out[n - 1] == '/' || strstr(out, "//") != NULL ||
        strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 || strstr(out, "/../") != NULL ||
        (n >= 3 && strcmp(out + n - 3, "/..") == 0) || strcmp(out, ".") == 0 || strncmp(out, "./", 2) == 0 ||
        strstr(out, "/./") != NULL || (n >= 2 && strcmp(out + n - 2, "/.") == 0)) {
        abort();
    }
}

static void rewrite(const es_ofd_pkg *p, const eseal_limits *lim)
{
    es_ofd_writer *w = NULL;
    if (!es_ok(es_ofd_writer_new(&w, p))) {
        return;
    }
    static const char sig[] = "<ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"/>";
    if (!es_ok(es_ofd_writer_put(w, es_ofd_name(p, 0), es_span_of(sig, sizeof(sig) - 1))) ||
        !es_ok(es_ofd_writer_put(w, "Doc_0/Signs/Sign_fuzz/SignedValue.dat", es_span_of("x", 1)))) {
        es_ofd_writer_free(w);
        return;
    }
    es_buf out = ES_BUF_INIT(16u << 20);
    if (es_ok(es_ofd_writer_finish(w, &out))) {
        /* What we write, we read back: same files plus the new one. */
        es_ofd_pkg *q = NULL;
        if (!es_ok(es_ofd_open_limits(&q, es_buf_span(&out), lim))) {
            abort();
        }
        if (es_ofd_find(q, "Doc_0/Signs/Sign_fuzz/SignedValue.dat") < 0 ||
            es_ofd_count(q) != es_ofd_count(p) + (es_ofd_find(p, "Doc_0/Signs/Sign_fuzz/SignedValue.dat") < 0)) {
            abort();
        }
        es_ofd_close(q);
    }
    es_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) {
        return 0;
    }
    /* The XML layer on its own, on the raw input. */
    eseal_limits lim = fuzz_limits();
    xmlDocPtr doc = NULL;
    if (es_ok(es_ofd_xml_parse_named(&doc, es_span_of(data, size), "input", &lim))) {
        walk(xmlDocGetRootElement(doc), 0);
        es_ofd_xml_freep(&doc);
    }

    es_ofd_pkg *p = NULL;
    if (!es_ok(es_ofd_open_limits(&p, es_span_of(data, size), &lim))) {
        return 0;
    }
    static const char *const paths[] = {"/Doc_0/Document.xml", "Signs/Signatures.xml", "../Res/a.png", "./a",
                                        "../../x", "//a", "a/./b/../c", "", "/", "..",
                                        "Doc_0/Signs/Sign_0/Signature.xml"};
    es_buf b = ES_BUF_INIT(lim.max_inflated_bytes);
    size_t n = es_ofd_count(p);
    for (size_t i = 0; i < n; i++) {
        const char *name = es_ofd_name(p, i);
        if (name == NULL || es_ofd_find(p, name) != (long)i) {
            abort();
        }
        es_result r = es_ofd_read(p, name, &b);
        if (es_ok(r) && b.len != es_ofd_size(p, i)) {
            abort();
        }
        size_t len = strlen(name);
        if (es_ok(r) && len >= 4 && strcmp(name + len - 4, ".xml") == 0) {
            if (es_ok(es_ofd_read_xml(p, name, &doc))) {
                walk(xmlDocGetRootElement(doc), 0);
                es_ofd_xml_freep(&doc);
            }
        }
        for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
            check_resolved(name, paths[k]);
        }
        check_resolved(paths[i % (sizeof(paths) / sizeof(paths[0]))], name);
    }
    es_buf_free(&b);
    rewrite(p, &lim);
    es_ofd_close(p);
    return 0;
}
