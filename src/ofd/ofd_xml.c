/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OFD XML files through libxml2, as hostile input (ofd.h).
 *
 * Every document is UTF-8 (GB/T 33190-2016 §7.1 stores the XML files in
 * UTF-8): the parser is told so and ignores the declared encoding, which
 * also means "<!DOCTYPE" cannot hide behind UTF-16 or UTF-7 and the
 * byte-level refusal below is complete. No DOCTYPE means no entity
 * declarations and no external subset, so neither entity expansion
 * ("billion laughs") nor external entities (file://, http://) can happen;
 * NONET and the absence of NOENT/DTDLOAD/DTDATTR/HUGE are a second fence.
 *
 * Attributes are counted before libxml2 sees a byte (prescan below): libxml2 checks each
 * attribute of a start tag against the ones before it, so one element with 100,000 attributes
 * costs it seconds and 200,000 minutes (quadratic). The prescan is one linear pass; at most
 * ES_OFD_XML_MAX_ATTRS attributes on one element and lim->max_xml_bytes / ES_OFD_XML_ATTR_RATIO
 * in the whole file (which also bounds the tree libxml2 builds for them). One text node, CDATA
 * section or attribute value is at most lim->max_token_bytes, counted in the same pass.
 *
 * Refused as constructs OFD does not use (GB/T 33190-2016 defines plain XML in one namespace):
 * processing instructions (the XML declaration is not one), and XInclude (its namespace on any
 * element or declaration: libxml2 is not asked to process it, but a reader that does would see
 * another document than eseal).
 *
 * libxml2 reports errors through per-thread handlers (Debian builds it with
 * threads); they are pointed at a collector for the duration of each call,
 * so the library never prints and threads do not see each other's errors.
 */
#include <pthread.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "ofd/ofd.h"
#include "ofd/ofd_libs.h" /* last: libzip and libxml2 calls through its table */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void) { xmlInitParser(); }

/* ---- silencing libxml2 ---------------------------------------------------------------------- */

typedef struct {
    xmlStructuredErrorFunc serror;
    void *serror_ctx;
    xmlGenericErrorFunc generic;
    void *generic_ctx;
} quiet_saved;

static void generic_noop(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void structured_noop(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* Routes this thread's libxml2 errors to `fn` (with `ctx`) until quiet_end. */
static void quiet_begin(quiet_saved *s, xmlStructuredErrorFunc fn, void *ctx)
{
    (void)pthread_once(&xml_once, xml_init);
    s->serror = xmlStructuredError;
    s->serror_ctx = xmlStructuredErrorContext;
    s->generic = xmlGenericError;
    s->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(ctx, fn != NULL ? fn : structured_noop);
    xmlSetGenericErrorFunc(NULL, generic_noop);
}

static void quiet_end(const quiet_saved *s)
{
    xmlSetStructuredErrorFunc(s->serror_ctx, s->serror);
    xmlSetGenericErrorFunc(s->generic_ctx, s->generic);
}

/* ---- parsing -------------------------------------------------------------------------------- */

typedef struct {
    unsigned depth;
    unsigned max_depth;
    bool too_deep;
    int deep_line;
    bool failed;
    int line;
    char msg[256];
    startElementNsSAX2Func start;
    endElementNsSAX2Func end;
    char refused[200]; /* a construct OFD does not use, when one was met (the first) */
    int refused_line;
} parse_state;

#define XINCLUDE_NS_2001 "http://www.w3.org/2001/XInclude"
#define XINCLUDE_NS_2003 "http://www.w3.org/2003/XInclude"

static bool is_xinclude(const xmlChar *uri)
{
    return uri != NULL &&
           (strcmp((const char *)uri, XINCLUDE_NS_2001) == 0 || strcmp((const char *)uri, XINCLUDE_NS_2003) == 0);
}

/* Records the first refused construct and stops the parser there. */
static void refuse(xmlParserCtxtPtr ctxt, parse_state *st, const char *what, const xmlChar *name)
{
    if (st->refused[0] == 0) {
        (void)snprintf(st->refused, sizeof(st->refused), "%s%.100s", what, name != NULL ? (const char *)name : "");
        st->refused_line = ctxt->input != NULL ? ctxt->input->line : 0;
    }
    xmlStopParser(ctxt);
}

/* XML 1.0 §2.6: a processing instruction (the XML declaration is not reported as one). */
static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)data;
    xmlParserCtxtPtr ctxt = ctx;
    refuse(ctxt, ctxt->_private, "a processing instruction <?", target);
}

/* The first error (not warning) wins: later ones are usually its consequences. */
static void on_error(void *ctx, xmlErrorPtr e)
{
    parse_state *st = ctx;
    if (st == NULL || e == NULL || e->level < XML_ERR_ERROR || st->failed) {
        return;
    }
    st->failed = true;
    st->line = e->line;
    const char *m = e->message != NULL ? e->message : "parse error";
    size_t n = strnlen(m, sizeof(st->msg) - 1);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
        n--;
    }
    memcpy(st->msg, m, n);
    st->msg[n] = '\0';
}

/* Nesting is counted as elements open, and the parser stops at the first one too deep: a
 * document is refused before a deep tree is ever built (and before libxml2's own 256). */
static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt->_private;
    if (st->refused[0] != 0) {
        return;
    }
    bool xi = is_xinclude(uri);
    for (int i = 0; i < nb_namespaces && !xi; i++) {
        xi = is_xinclude(namespaces[2 * i + 1]);
    }
    if (xi) {
        refuse(ctxt, st, "XInclude (element ", localname);
        (void)snprintf(st->refused + strlen(st->refused), sizeof(st->refused) - strlen(st->refused), ")");
        return;
    }
    if (st->depth >= st->max_depth) {
        if (!st->too_deep) {
            st->too_deep = true;
            st->deep_line = ctxt->input != NULL ? ctxt->input->line : 0;
        }
        xmlStopParser(ctxt);
        return;
    }
    st->depth++;
    st->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted, attributes);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt->_private;
    if (st->depth > 0) {
        st->depth--;
    }
    st->end(ctx, localname, prefix, uri);
}

static void ctxt_freep(xmlParserCtxtPtr *c)
{
    if (*c != NULL) {
        xmlFreeParserCtxt(*c);
        *c = NULL;
    }
}

void es_ofd_xml_freep(xmlDocPtr *doc)
{
    if (*doc != NULL) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
}

/* "in Doc_0/Document.xml" style context for messages. */
static const char *where(const char *name) { return name != NULL ? name : "an XML file"; }

static ES_RESULT parse_quiet(xmlDocPtr *out, es_span bytes, const eseal_limits *lim, const char *name,
                             parse_state *st)
{
    ES_AUTO(ctxt_freep) xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    ES_ENSURE_ALLOC(ctxt);
    ES_ENSURE_ALLOC(ctxt->sax);
    st->max_depth = lim->max_nesting;
    st->start = ctxt->sax->startElementNs;
    st->end = ctxt->sax->endElementNs;
    ES_ENSURE(st->start != NULL && st->end != NULL, ESEAL_ERROR, "xml: libxml2 has no SAX2 element handlers");
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->endElementNs = on_end;
    ctxt->sax->processingInstruction = on_pi;
    ctxt->_private = st;
    /* Not NOENT, DTDLOAD, DTDATTR, HUGE or XINCLUDE; the encoding is UTF-8 whatever the file says. */
    int opts = XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)bytes.ptr, (int)bytes.len, NULL, "UTF-8", opts);
    ES_AUTO(es_ofd_xml_freep) xmlDocPtr d = doc;
    ES_ENSURE(st->refused[0] == 0, ESEAL_EMALFORMED, "ofd: %s has %s at line %d, which OFD XML does not use",
              where(name), st->refused, st->refused_line);
    ES_ENSURE(!st->too_deep, ESEAL_ELIMIT, "ofd: %s nests elements deeper than %u levels (line %d)", where(name),
              lim->max_nesting, st->deep_line);
    if (st->failed) {
        ES_BAIL(ESEAL_EMALFORMED, "ofd: %s is not well-formed XML: line %d: %s", where(name), st->line, st->msg);
    }
    ES_ENSURE(d != NULL && ctxt->wellFormed, ESEAL_EMALFORMED, "ofd: %s is not well-formed XML", where(name));
    /* The byte-level check makes this unreachable; kept so that no DTD ever gets through. */
    ES_ENSURE(d->intSubset == NULL && d->extSubset == NULL, ESEAL_EMALFORMED,
              "ofd: %s has a DOCTYPE declaration, which OFD XML must not have", where(name));
    xmlNodePtr root = xmlDocGetRootElement(d);
    ES_ENSURE(root != NULL, ESEAL_EMALFORMED, "ofd: %s has no root element", where(name));
    /* The OFD 1.0 drafts (before GB/T 33190-2016) used the namespace ES_OFD_NS_DRAFT; elements
     * in it are not OFD elements of the standard, so such a file would look empty ("names no
     * document", "has no signatures"): name the real cause instead. */
    ES_ENSURE(root->ns == NULL || root->ns->href == NULL || strcmp((const char *)root->ns->href, ES_OFD_NS_DRAFT) != 0,
              ESEAL_EUNSUPPORTED,
              "ofd: %s uses the pre-2016 namespace " ES_OFD_NS_DRAFT " of the OFD 1.0 drafts; eseal reads OFD "
              "as GB/T 33190-2016 defines it (namespace " ES_OFD_NS ")",
              where(name));
    *out = d;
    d = NULL;
    return ES_OK;
}

/*
 * One linear pass over the bytes, before parsing: attributes counted per start tag (an '='
 * outside quotes, XML 1.0 §3.1 Attribute ::= Name Eq AttValue) and in total; comments, CDATA
 * sections, processing instructions and declarations skipped whole. Malformed input only has to
 * be counted no lower than libxml2 would parse it: libxml2 stops at its first error anyway.
 */
static ES_RESULT prescan(es_span b, const char *name, const eseal_limits *lim)
{
    size_t total_max = lim->max_xml_bytes / ES_OFD_XML_ATTR_RATIO;
    if (total_max < ES_OFD_XML_MAX_ATTRS) {
        total_max = ES_OFD_XML_MAX_ATTRS;
    }
    size_t total = 0, line = 1, i = 0, text = 0, text_line = 1;
    const size_t max_text = lim->max_token_bytes;
    const uint8_t *p = b.ptr;
    size_t n = b.len;
    while (i < n) {
        if (p[i] != '<') {
            text_line = text == 0 ? line : text_line;
            line += p[i] == '\n';
            i++;
            ES_ENSURE(++text <= max_text, ESEAL_ELIMIT,
                      "ofd: %s has a text node of more than %zu bytes (line %zu), the limit max_token_bytes",
                      where(name), max_text, text_line);
            continue;
        }
        text = 0;
        const char *close = NULL;
        size_t skip = 1;
        if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            close = "-->";
            skip = 4;
        } else if (n - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0) {
            close = "]]>";
            skip = 9;
        } else if (n - i >= 2 && (p[i + 1] == '?' || p[i + 1] == '!' || p[i + 1] == '/')) {
            close = ">";
            skip = 2;
        }
        if (close != NULL) {
            size_t cl = strlen(close), from = i, from_line = line;
            for (i += skip; i < n && !(n - i >= cl && memcmp(p + i, close, cl) == 0); i++) {
                line += p[i] == '\n';
            }
            /* A CDATA section is text too. */
            ES_ENSURE(skip != 9 || i - from - skip <= max_text, ESEAL_ELIMIT,
                      "ofd: %s has a CDATA section of more than %zu bytes (line %zu), the limit max_token_bytes",
                      where(name), max_text, from_line);
            i += cl;
            continue;
        }
        /* A start tag: to its '>' outside quotes. */
        size_t tag_line = line, attrs = 0, value = 0;
        uint8_t quote = 0;
        for (i++; i < n; i++) {
            uint8_t c = p[i];
            line += c == '\n';
            if (quote != 0) {
                quote = c == quote ? 0 : quote;
                ES_ENSURE(quote == 0 || ++value <= max_text, ESEAL_ELIMIT,
                          "ofd: %s has an attribute value of more than %zu bytes (line %zu), the limit max_token_bytes",
                          where(name), max_text, tag_line);
            } else if (c == '"' || c == '\'') {
                quote = c;
                value = 0;
            } else if (c == '=') {
                attrs++;
            } else if (c == '>' || c == '<') {
                break;
            }
        }
        ES_ENSURE(attrs <= ES_OFD_XML_MAX_ATTRS, ESEAL_ELIMIT,
                  "ofd: %s has an element with %zu attributes (line %zu), more than the limit of %u on one element",
                  where(name), attrs, tag_line, (unsigned)ES_OFD_XML_MAX_ATTRS);
        total += attrs;
        ES_ENSURE(total <= total_max, ESEAL_ELIMIT,
                  "ofd: %s has more than %zu attributes (line %zu), the limit for an XML file of at most %zu bytes",
                  where(name), total_max, tag_line, lim->max_xml_bytes);
        if (i < n && p[i] == '>') {
            i++;
        }
    }
    return ES_OK;
}

ES_RESULT es_ofd_xml_parse_named(xmlDocPtr *out, es_span bytes, const char *name, const eseal_limits *lim)
{
    ES_ENSURE_ARG(out != NULL);
    *out = NULL;
    ES_GUARD(es_ofd_libs_load()); /* libxml2 comes with the first OFD (ofd_libs.h) */
    if (lim == NULL) {
        lim = es_limits_or_default(NULL);
    }
    ES_ENSURE_ARG(bytes.ptr != NULL || bytes.len == 0);
    /* Capped before libxml2 sees a byte (and xmlCtxtReadMemory takes an int). */
    ES_ENSURE(bytes.len <= lim->max_xml_bytes && bytes.len <= (size_t)INT32_MAX, ESEAL_ELIMIT,
              "ofd: %s is %zu bytes, more than the limit of %zu for one XML file", where(name), bytes.len,
              lim->max_xml_bytes);
    ES_ENSURE(bytes.len > 0, ESEAL_EMALFORMED, "ofd: %s is empty", where(name));
    /* XML 1.0 §2.8: the keyword is case-sensitive. Anywhere in the bytes: also in a comment or a
     * CDATA section, where it would be harmless, rather than reason about where it may be. */
    ES_ENSURE(memmem(bytes.ptr, bytes.len, "<!DOCTYPE", 9) == NULL, ESEAL_EMALFORMED,
              "ofd: %s has a DOCTYPE declaration, which OFD XML must not have (no DTDs, no entities)",
              where(name));
    ES_GUARD(prescan(bytes, name, lim));
    parse_state st;
    memset(&st, 0, sizeof(st));
    quiet_saved saved;
    quiet_begin(&saved, on_error, &st);
    es_result r = parse_quiet(out, bytes, lim, name, &st);
    quiet_end(&saved);
    return r;
}

ES_RESULT es_ofd_xml_parse(xmlDocPtr *out, es_span bytes) { return es_ofd_xml_parse_named(out, bytes, NULL, NULL); }

/* ---- reading the tree ----------------------------------------------------------------------- */

static bool is_ofd_element(xmlNodePtr n, const char *local)
{
    return n->type == XML_ELEMENT_NODE && n->name != NULL && strcmp((const char *)n->name, local) == 0 &&
           (n->ns == NULL || (n->ns->href != NULL && strcmp((const char *)n->ns->href, ES_OFD_NS) == 0));
}

xmlNodePtr es_ofd_xml_child(xmlNodePtr parent, const char *local)
{
    if (parent == NULL || local == NULL) {
        return NULL;
    }
    for (xmlNodePtr c = parent->children; c != NULL; c = c->next) {
        if (is_ofd_element(c, local)) {
            return c;
        }
    }
    return NULL;
}

xmlNodePtr es_ofd_xml_next(xmlNodePtr n, const char *local)
{
    if (n == NULL || local == NULL) {
        return NULL;
    }
    for (xmlNodePtr c = n->next; c != NULL; c = c->next) {
        if (is_ofd_element(c, local)) {
            return c;
        }
    }
    return NULL;
}

static bool xml_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Copies s (without XML white space at either end) into out. */
static ES_RESULT put_trimmed(es_buf *out, const xmlChar *s, const char *what)
{
    size_t a = 0, b = strlen((const char *)s);
    while (a < b && xml_space(s[a])) {
        a++;
    }
    while (b > a && xml_space(s[b - 1])) {
        b--;
    }
    es_buf_clear(out);
    ES_ENSURE(b - a <= out->max, ESEAL_ELIMIT, "ofd: %s is %zu bytes, more than the limit of %zu", what, b - a,
              out->max);
    return es_buf_append(out, s + a, b - a);
}

static void xml_freep(xmlChar **p)
{
    if (*p != NULL) {
        xmlFree(*p);
        *p = NULL;
    }
}

ES_RESULT es_ofd_xml_text(xmlNodePtr n, es_buf *out)
{
    ES_ENSURE_ARG(n != NULL && out != NULL);
    quiet_saved saved;
    quiet_begin(&saved, NULL, NULL);
    ES_AUTO(xml_freep) xmlChar *s = xmlNodeGetContent(n);
    quiet_end(&saved);
    ES_ENSURE_ALLOC(s);
    char what[160];
    (void)snprintf(what, sizeof(what), "the text of element %.100s", n->name != NULL ? (const char *)n->name : "?");
    return put_trimmed(out, s, what);
}

ES_RESULT es_ofd_xml_attr_get(xmlNodePtr n, const char *name, es_buf *out, bool *present)
{
    ES_ENSURE_ARG(n != NULL && name != NULL && out != NULL && present != NULL);
    *present = false;
    es_buf_clear(out);
    if (n->type != XML_ELEMENT_NODE || xmlHasNsProp(n, (const xmlChar *)name, NULL) == NULL) {
        return ES_OK;
    }
    quiet_saved saved;
    quiet_begin(&saved, NULL, NULL);
    ES_AUTO(xml_freep) xmlChar *s = xmlGetNoNsProp(n, (const xmlChar *)name);
    quiet_end(&saved);
    ES_ENSURE_ALLOC(s);
    /* Attribute values are kept as written (normalised by the parser, XML 1.0 §3.3.3), not trimmed. */
    size_t len = strlen((const char *)s);
    ES_ENSURE(len <= out->max, ESEAL_ELIMIT, "ofd: attribute %.100s is %zu bytes, more than the limit of %zu", name,
              len, out->max);
    ES_GUARD(es_buf_append(out, s, len));
    *present = true;
    return ES_OK;
}

#define XML_NS "http://www.w3.org/XML/1998/namespace"

static bool ns_is(const xmlNs *ns, const char *href)
{
    return ns != NULL && ns->href != NULL && strcmp((const char *)ns->href, href) == 0;
}

static bool foreign_in(xmlNodePtr n, char *out, size_t cap, unsigned depth)
{
    for (xmlNodePtr c = n; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (c->ns != NULL && !ns_is(c->ns, ES_OFD_NS)) {
            (void)snprintf(out, cap, "element %.60s in namespace %.120s (line %ld)", (const char *)c->name,
                           c->ns->href != NULL ? (const char *)c->ns->href : "?", (long)xmlGetLineNo(c));
            return true;
        }
        for (xmlAttrPtr a = c->properties; a != NULL; a = a->next) {
            if (a->ns != NULL && !ns_is(a->ns, ES_OFD_NS) && !ns_is(a->ns, XML_NS)) {
                (void)snprintf(out, cap, "attribute %.60s of element %.60s in namespace %.120s (line %ld)",
                               (const char *)a->name, (const char *)c->name,
                               a->ns->href != NULL ? (const char *)a->ns->href : "?", (long)xmlGetLineNo(c));
                return true;
            }
        }
        /* Nesting is bounded by the parse (limits->max_nesting), so is this recursion. */
        if (depth < ES_OFD_XML_FOREIGN_DEPTH && foreign_in(c->children, out, cap, depth + 1)) {
            return true;
        }
    }
    return false;
}

bool es_ofd_xml_foreign(xmlDocPtr doc, char *out, size_t cap)
{
    out[0] = 0;
    return doc != NULL && foreign_in(doc->children, out, cap, 0);
}

bool es_ofd_xml_attr(xmlNodePtr n, const char *name, es_buf *out)
{
    bool present = false;
    es_result r = es_ofd_xml_attr_get(n, name, out, &present);
    return es_ok(r) && present;
}
