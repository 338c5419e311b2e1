/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seals in the service layer: making (imprint, SES_Seal signed by the
 * platform's seal maker), the lifecycle with its audit events, filing
 * receipts, and the registry's "status at time T".
 *
 * Lifecycle (DESIGN.md §1): applied -> approved -> made -> filed -> active
 * <-> suspended -> revoked / cancelled; "expired" is reported past validEnd.
 * Every transition is a numbered event (who, when, why) written in the same
 * store transaction as the state change and handed to the audit hook there.
 * Event times are whole seconds, like the seal's own GeneralizedTime dates,
 * so "at T" questions asked with second precision get the obvious answer.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <stdlib.h>

#include "eseal/imprint.h"
#include "seal/outline.h"
#include "service.h"
#include "util/report.h"
#include "util/versions.h"

#define SEAL_PICTURE_DPI 600

/* Now by the instance's clock, to the second (seal times are whole seconds). */
static int64_t now_s(const eseal_instance *inst) { return es_inst_now(inst) / 1000 * 1000; }

/* Records one transition and tells the audit hook; the caller holds the transaction. */
static ES_RESULT transition(eseal_instance *inst, const es_acting *by, const char *esid, const char *from,
                            const char *to, int64_t at, const char *reason)
{
    eseal_seal_event ev = {0};
    ev.esid = (char *)(uintptr_t)esid; /* the store only reads these */
    ev.at_ms = at;
    ev.from_state = (char *)(uintptr_t)from;
    ev.to_state = (char *)(uintptr_t)to;
    ev.actor = (char *)(uintptr_t)es_actor(by);
    ev.reason = (char *)(uintptr_t)(reason != NULL ? reason : "");
    int64_t seq = 0;
    ES_GUARD(es_from_code(eseal_store_seal_event_add(inst->store, &ev, &seq)));
    ES_GUARD(es_from_code(eseal_store_seal_update(inst->store, esid, to, at, NULL)));
    ES_GUARD(es_audit_seal_event(inst->auditlog, by, esid, from, to, at, reason));
    eseal_audit_event a = {ESEAL_AUDIT_EVENT_VERSION, "seal.transition", esid, seq, at, from, to, ev.actor, ev.reason};
    int rc = es_auditlog_hook_call(inst->auditlog, &a);
    ES_ENSURE(rc == 0, rc < 0 ? rc : ESEAL_ERROR,
              "audit: the audit hook refused the %s -> %s event of seal %s (nothing was changed)", from, to, esid);
    return ES_OK;
}

/* The value of attribute `key` ("O", "CN") in an RFC 2253 subject, unescaped. */
static bool subject_attr(char *out, size_t n, const char *subject, const char *key)
{
    size_t kl = strlen(key);
    const char *p = subject;
    while (*p != 0) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            p += kl + 1;
            size_t o = 0;
            while (*p != 0 && *p != ',' && o + 1 < n) {
                if (*p == '\\' && p[1] != 0) {
                    p++;
                }
                out[o++] = *p++;
            }
            out[o] = 0;
            return o > 0;
        }
        /* next attribute: skip to an unescaped comma */
        while (*p != 0 && *p != ',') {
            p += (*p == '\\' && p[1] != 0) ? 2 : 1;
        }
        if (*p == ',') {
            p++;
        }
    }
    return false;
}

static bool person_type(eseal_seal_type t)
{
    return t == ESEAL_SEAL_PERSONAL || t == ESEAL_SEAL_LEGAL_REP || t == ESEAL_SEAL_SIGNATURE;
}

/* How a drawn imprint is made: kept in the registry (JSON) so it can be drawn again as vectors. */
typedef struct {
    const char *type, *text, *code, *font;
    double width_mm, height_mm;
    uint32_t color;
    const char *outline; /* base64 of its outline (seal/outline.h); NULL: none stored */
} imprint_params;

/* The outline kept beside the description, in binary (seal/outline.h): seals whose outline would
 * take more are stored without one and drawn again at each stamp, as before issue 18. An official
 * seal's takes ~42 KB, an invoice seal's ~69 KB. */
#define SEAL_OUTLINE_STORED_MAX ((size_t)1 << 20)
#define SEAL_OUTLINE_TEXT_MAX ((SEAL_OUTLINE_STORED_MAX + 2) / 3 * 4)

static ES_RESULT imprint_spec(eseal_imprint_spec *sp, const imprint_params *p)
{
    eseal_seal_type t = ESEAL_SEAL_OTHER;
    ES_GUARD(es_from_code(eseal_seal_type_from_name(&t, p->type)));
    int rc = eseal_imprint_template(sp, p->type, p->text, person_type(t) ? NULL : p->code);
    ES_GUARD(es_from_code(rc));
    if (p->width_mm > 0) {
        sp->width_mm = p->width_mm;
    }
    if (p->height_mm > 0) {
        sp->height_mm = p->height_mm;
    }
    if (p->color != 0) {
        sp->color = p->color;
    }
    if (p->font != NULL && p->font[0] != 0) {
        sp->font_path = p->font;
    }
    return ES_OK;
}

static ES_RESULT imprint_json(es_buf *out, const imprint_params *p)
{
    json_t *o = json_pack("{s:s, s:s, s:s*, s:s*, s:f, s:f, s:I, s:s*}", "type", p->type, "text", p->text, "code",
                          p->code, "font", p->font, "width_mm", p->width_mm, "height_mm", p->height_mm, "color",
                          (json_int_t)p->color, "outline", p->outline);
    ES_ENSURE_ALLOC(o);
    char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    ES_ENSURE_ALLOC(txt);
    es_result r = es_buf_append_str(out, txt);
    free(txt); /* !checksrc! allowed: jansson's allocation */
    return r;
}

/* The stored outline (base64 text of the description's "outline"), checked: its own format
 * (seal/outline.h: version, sizes, SHA-256, every value) and that it is the outline of this
 * description (size and colour). Anything wrong is ESEAL_ESTORE naming the seal. */
static ES_RESULT stored_outline(eseal_imprint_outline **out, const char *b64, const imprint_params *p,
                                const char *esid)
{
    eseal_imprint_outline *o = NULL;
    es_result r = es_outline_decode_text(&o, b64);
    if (!es_ok(r)) {
        return es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "registry: the stored imprint outline of seal %s is damaged: %s",
                            esid, eseal_error_last()->message);
    }
    /* The size and colour the description draws, resolved as make_picture records them (a size or
     * colour of 0 is the template's). */
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    r = imprint_spec(&sp, p);
    if (!es_ok(r)) {
        eseal_imprint_outline_free(o);
        return es_error_set(ESEAL_ESTORE, __FILE__, __LINE__, "registry: the stored imprint description of seal %s: %s",
                            esid, eseal_error_last()->message);
    }
    double ew = sp.width_mm, eh = sp.height_mm > 0 ? sp.height_mm : sp.width_mm;
    uint32_t ec = sp.color != 0 ? sp.color : ESEAL_IMPRINT_RED;
    double w = 0, h = 0;
    eseal_imprint_outline_size(o, &w, &h);
    uint32_t color = eseal_imprint_outline_color(o);
    if (w != ew || h != eh || color != ec) {
        eseal_imprint_outline_free(o);
        ES_BAIL(ESEAL_ESTORE,
                "registry: the stored imprint outline of seal %s (%g x %g mm, #%06x) is not the one its description "
                "draws (%g x %g mm, #%06x)",
                esid, w, h, (unsigned)color, ew, eh, (unsigned)ec);
    }
    *out = o;
    return ES_OK;
}

/*
 * Draws a stored imprint description: as a file (fmt, dpi), or as an outline when `outline` is not
 * NULL. An outline stored beside the description is read instead of drawn (no drawing module); a
 * description without one (seals made before issue 18, or with an outline too large to keep) is
 * drawn. `esid` names the seal in errors.
 */
static ES_RESULT imprint_from_json(eseal_buf *out, eseal_imprint_outline **outline, const char *js,
                                   eseal_imprint_format fmt, unsigned int dpi, const char *esid)
{
    json_error_t err;
    json_t *o = json_loads(js, JSON_REJECT_DUPLICATES, &err);
    ES_ENSURE(o != NULL, ESEAL_ESTORE, "registry: the stored imprint description of seal %s is damaged: %s", esid,
              err.text);
    imprint_params p = {0};
    json_int_t color = 0;
    es_result r = ES_OK;
    if (json_unpack(o, "{s:s, s:s, s?s, s?s, s:F, s:F, s:I, s?s}", "type", &p.type, "text", &p.text, "code", &p.code,
                    "font", &p.font, "width_mm", &p.width_mm, "height_mm", &p.height_mm, "color", &color, "outline",
                    &p.outline) != 0) {
        r = es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                         "registry: the stored imprint description of seal %s is incomplete", esid);
    }
    if (es_ok(r) && (color < 0 || color > 0xFFFFFF)) {
        r = es_error_set(ESEAL_ESTORE, __FILE__, __LINE__,
                         "registry: the stored imprint description of seal %s has colour %lld", esid, (long long)color);
    }
    p.color = (uint32_t)color;
    if (es_ok(r) && outline != NULL && p.outline != NULL) {
        r = stored_outline(outline, p.outline, &p, esid);
        json_decref(o);
        return r;
    }
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    if (es_ok(r)) {
        r = imprint_spec(&sp, &p);
    }
    if (es_ok(r)) {
        int rc = outline != NULL ? eseal_imprint_path(outline, &sp) : eseal_imprint_render(out, &sp, fmt, dpi);
        if (rc != ESEAL_OK) {
            r = es_error_set(rc, __FILE__, __LINE__, "%s", eseal_error_last()->message);
        }
    }
    json_decref(o);
    return r;
}

/*
 * The description `js` with its outline beside it, into `out`: the outline is drawn from the
 * description exactly as a stamp without it draws (imprint_from_json), so a stamp reading it
 * writes the same appearance bytes. A description that already has one (a renewal) is copied
 * once its outline has been read and checked; one whose outline would exceed
 * SEAL_OUTLINE_STORED_MAX is copied without.
 */
static ES_RESULT with_outline(es_buf *out, const char *js, const char *esid)
{
    json_t *o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
    ES_ENSURE(o != NULL, ESEAL_ESTORE, "registry: the imprint description of seal %s is damaged", esid);
    bool has = json_object_get(o, "outline") != NULL;
    json_decref(o);
    eseal_imprint_outline *ol = NULL;
    ES_GUARD(imprint_from_json(NULL, &ol, js, ESEAL_IMPRINT_SVG, 0, esid));
    if (has) {
        /* Read and checked (a renewal must not copy a damaged outline), then copied as it is. */
        eseal_imprint_outline_free(ol);
        return es_buf_append_str(out, js);
    }
    ES_AUTO(es_buf_freep) es_buf b64 = ES_BUF_INIT(SEAL_OUTLINE_TEXT_MAX);
    es_result r = es_outline_encode_text(&b64, ol);
    eseal_imprint_outline_free(ol);
    if (es_code(r) == ESEAL_ELIMIT) {
        eseal_error_clear(); /* too large to keep: drawn at each stamp, as before */
        return es_buf_append_str(out, js);
    }
    ES_GUARD(r);
    o = json_loads(js, JSON_REJECT_DUPLICATES, NULL);
    ES_ENSURE_ALLOC(o);
    json_t *v = json_string(es_buf_cstr(&b64));
    if (v == NULL || json_object_set_new(o, "outline", v) != 0) {
        json_decref(o);
        ES_BAIL(ESEAL_ENOMEM, "out of memory");
    }
    char *txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    ES_ENSURE_ALLOC(txt);
    r = es_buf_append_str(out, txt);
    free(txt); /* !checksrc! allowed: jansson's allocation */
    return r;
}

ES_RESULT es_seal_outline(const eseal_seal_record *rec, eseal_imprint_outline **out)
{
    ES_ENSURE(rec->imprint[0] != 0, ESEAL_EUNSUPPORTED,
              "seal %s was made from a scanned picture: stamping needs a drawn (vector) imprint", rec->esid);
    return imprint_from_json(NULL, out, rec->imprint, ESEAL_IMPRINT_SVG, 0, rec->esid);
}

static ES_RESULT make_picture(es_buf *png, es_buf *spec_json, double *w_mm, double *h_mm,
                              const eseal_seal_request *q, const char *owner)
{
    if (q->image_path != NULL) {
        ES_GUARD(es_file_read(png, q->image_path, ESEAL_IMPRINT_PNG_MAX_BYTES));
        unsigned w = 0, h = 0;
        int rc = eseal_imprint_png_check(&w, &h, png->ptr, png->len);
        ES_GUARD_CTX(es_from_code(rc), "%s", q->image_path);
        *w_mm = q->width_mm > 0 ? q->width_mm : 40;
        *h_mm = q->height_mm > 0 ? q->height_mm : *w_mm * h / w;
        return ES_OK;
    }
    imprint_params p = {eseal_seal_type_name(q->type), q->text != NULL ? q->text : owner, q->code, q->font_path,
                        q->width_mm, q->height_mm, q->color, NULL};
    eseal_imprint_spec sp = ESEAL_IMPRINT_SPEC_INIT;
    ES_GUARD(imprint_spec(&sp, &p));
    eseal_buf out = ESEAL_BUF_INIT;
    int rc = eseal_imprint_render(&out, &sp, ESEAL_IMPRINT_PNG, SEAL_PICTURE_DPI);
    ES_GUARD(es_from_code(rc));
    es_result r = es_buf_append(png, out.ptr, out.size);
    eseal_buf_dispose(&out);
    ES_GUARD(r);
    *w_mm = sp.width_mm;
    *h_mm = sp.height_mm > 0 ? sp.height_mm : sp.width_mm;
    p.width_mm = *w_mm;
    p.height_mm = *h_mm;
    p.color = sp.color != 0 ? sp.color : ESEAL_IMPRINT_RED; /* recorded as drawn (0 is the default red) */
    return imprint_json(spec_json, &p);
}

int eseal_instance_seal_imprint(eseal_instance *inst, eseal_buf *out, const char *ref, eseal_imprint_format fmt,
                                unsigned int dpi)
{
    if (inst == NULL || out == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || ref == NULL");
    }
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    int rc = eseal_store_seal_find(inst->store, &rec, &der, ref);
    if (rc != ESEAL_OK) {
        return rc;
    }
    if (rec.imprint[0] != 0) {
        rc = es_code(imprint_from_json(out, NULL, rec.imprint, fmt, dpi, rec.esid));
    } else if (fmt != ESEAL_IMPRINT_PNG) {
        rc = es_code(es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                                  "seal %s was made from a scanned picture: it exists as PNG only", rec.esid));
    } else {
        eseal_ses_seal *s = NULL;
        rc = eseal_ses_seal_decode(&s, der.ptr, der.size);
        if (rc == ESEAL_OK) {
            const eseal_seal_info *in = eseal_ses_seal_info(s);
            es_buf b = ES_BUF_INIT(ESEAL_IMPRINT_PNG_MAX_BYTES);
            rc = es_code(es_buf_append(&b, in->picture.ptr, in->picture.len));
            es_buf_move_out(out, &b);
            eseal_ses_seal_free(s);
        }
    }
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&rec);
    return rc;
}

static ES_RESULT new_esid(char out[40], int64_t now)
{
    uint8_t rnd[6];
    ES_GUARD(es_random(rnd, sizeof(rnd)));
    char day[ES_GENTIME_LEN];
    es_time_gentime(day, now, false);
    (void)snprintf(out, 40, "ES%.8s%02X%02X%02X%02X%02X%02X", day, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    return ES_OK;
}

static ES_RESULT sha256_hex(char out[65], es_span data)
{
    uint8_t dg[64];
    size_t n = 0;
    ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, data));
    for (size_t i = 0; i < 32; i++) {
        (void)snprintf(out + 2 * i, 3, "%02x", dg[i]);
    }
    return ES_OK;
}

typedef struct {
    eseal_cert *cert;
    eseal_key *key;
    eseal_cert_record rec;
} maker;

static void maker_free(maker *m)
{
    eseal_cert_free(m->cert);
    eseal_key_free(m->key);
    eseal_cert_record_dispose(&m->rec);
}

static ES_RESULT maker_load(eseal_instance *inst, maker *m, const char *hierarchy)
{
    memset(m, 0, sizeof(*m));
    const char *h = hierarchy != NULL ? hierarchy : "sm2";
    ES_ENSURE(strcmp(h, "sm2") == 0 || strcmp(h, "p256") == 0, ESEAL_EINVAL,
              "seal: the seal maker hierarchy is sm2 (GB/T 38540, the default) or p256 (outside China), not '%s'", h);
    ES_GUARD(es_from_code(eseal_store_cert_find_role(inst->store, &m->rec, "seal-maker", h)));
    /* A seal signed by a maker whose CA is revoked would never verify: refuse to make one. */
    eseal_cert_record ca;
    ES_GUARD(es_from_code(eseal_store_cert_find(inst->store, &ca, m->rec.issuer_id)));
    bool revoked = ca.revoked_ms != 0;
    eseal_cert_record_dispose(&ca);
    ES_ENSURE(!revoked, ESEAL_ESTATE,
              "seal: the %s seal maker's issuing CA %s is revoked; renew it with 'eseal ca renew issuing-ca --alg %s'",
              h, m->rec.issuer_id, h);
    ES_GUARD(es_cert_parse(&m->cert, es_span_of(m->rec.pem, strlen(m->rec.pem))));
    return es_instance_load_key(inst, &m->key, &m->rec);
}

/* Signs and stores the filing receipt; made -> filed -> active. Inside the caller's transaction. */
static ES_RESULT file_seal(eseal_instance *inst, const es_acting *by, const eseal_seal_record *rec, es_span der,
                           maker *m, int64_t at, const char *reason)
{
    uint8_t dg[64];
    size_t n = 0;
    ES_GUARD(es_digest(dg, &n, ESEAL_HASH_SHA256, der));
    uint64_t serial = 0;
    ES_GUARD(es_from_code(eseal_store_counter_next(inst->store, "filing-receipt", &serial)));
    char registry[512];
    (void)snprintf(registry, sizeof(registry), "%s seal registry, %s", inst->cfg.organization, inst->cfg.base_url);
    eseal_filing_info fi = {rec->esid, {dg, 32}, rec->owner, at, registry, (int64_t)serial};
    eseal_buf receipt = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_filing_receipt_make(&receipt, &fi, m->cert, m->key)));
    es_result r = es_from_code(eseal_store_seal_receipt_put(inst->store, rec->esid, receipt.ptr, receipt.size));
    eseal_buf_dispose(&receipt);
    ES_GUARD(r);
    ES_GUARD(transition(inst, by, rec->esid, "made", "filed", at, reason));
    return transition(inst, by, rec->esid, "filed", "active", at, "filed and activated");
}

/* Runs `fn` in one store transaction: all of it happens, or none. */
static ES_RESULT in_transaction(eseal_instance *inst, es_result r)
{
    if (es_ok(r)) {
        r = es_from_code(eseal_store_commit(inst->store));
        if (es_ok(r)) {
            return r;
        }
    }
    int code = es_code(r);
    (void)eseal_store_rollback(inst->store);
    return es_from_code(code);
}

#define SEAL_MAX_SIGNERS 16

/* The certificates a new seal binds (certList entries: DER, or SM3 digests). */
typedef struct {
    eseal_cert *cert[SEAL_MAX_SIGNERS];
    eseal_buf der[SEAL_MAX_SIGNERS];
    uint8_t dg[SEAL_MAX_SIGNERS][64];
    eseal_bytes entry[SEAL_MAX_SIGNERS];
    size_t n;
    char ids[SEAL_MAX_SIGNERS * 24];
    int64_t end; /* the earliest notAfter */
    eseal_seal_hardware hw[SEAL_MAX_SIGNERS]; /* where the keys in hardware are held (issue 23) */
    size_t n_hw;
} signers;

static void signers_free(signers *sg)
{
    for (size_t i = 0; i < sg->n; i++) {
        eseal_cert_free(sg->cert[i]);
        eseal_buf_dispose(&sg->der[i]);
    }
    sg->n = 0;
}

/* Where the key of `rec` (a key in hardware) is held, for `cert`. */
static ES_RESULT seal_hardware_of(eseal_instance *inst, eseal_seal_hardware *out, const eseal_cert_record *rec,
                                  const eseal_cert *cert)
{
    memset(out, 0, sizeof(*out));
    eseal_key *key = NULL;
    ES_GUARD(es_instance_load_key(inst, &key, rec));
    es_result r = es_from_code(eseal_key_hardware_info(key, &out->hw));
    eseal_key_free(key);
    if (es_code(r) == ESEAL_ENOTFOUND) {
        eseal_error_clear();
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "seal: the key of certificate %s names a device (%.64s) "
                         "but its backend does not say where it is held", rec->id, rec->key_file);
    }
    ES_GUARD(r);
    /* the certificate's fingerprint is the SHA-256 of its DER already */
    ES_AUTO(es_buf_freep) es_buf fp = ES_BUF_INIT(sizeof(out->cert_sha256));
    ES_GUARD(es_hex_decode(&fp, eseal_cert_fingerprint(cert)));
    ES_ENSURE(fp.len == sizeof(out->cert_sha256), ESEAL_EINVAL, "seal: a certificate fingerprint of %zu bytes", fp.len);
    memcpy(out->cert_sha256, fp.ptr, fp.len);
    return ES_OK;
}

/* The registry's copy of a seal's bindings (eseal_seal_record.hardware): a JSON array, "" for none. */
static ES_RESULT hardware_json(es_buf *out, const eseal_seal_hardware *hw, size_t n)
{
    if (n == 0) {
        return es_buf_append_str(out, "");
    }
    json_t *a = json_array();
    ES_ENSURE_ALLOC(a);
    es_result r = ES_OK;
    for (size_t i = 0; i < n && es_ok(r); i++) {
        char fp[65];
        es_hex_lower(fp, hw[i].cert_sha256, sizeof(hw[i].cert_sha256));
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "cert", fp, "kind", hw[i].hw.kind, "serial",
                              hw[i].hw.serial, "label", hw[i].hw.label, "key_id", hw[i].hw.key_id, "chip_id",
                              hw[i].hw.chip_id, "maker", hw[i].hw.maker);
        if (o == NULL || json_array_append_new(a, o) != 0) {
            r = es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "seal: out of memory (hardware bindings)");
        }
    }
    char *text = es_ok(r) ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    if (es_ok(r)) {
        r = text != NULL ? es_buf_append_str(out, text)
                         : es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "seal: out of memory (hardware bindings)");
    }
    free(text); /* !checksrc! allowed: jansson allocates with malloc */
    return r;
}

static ES_RESULT signers_load(eseal_instance *inst, signers *sg, const eseal_seal_request *q, int64_t now)
{
    ES_ENSURE(q->more_cert_count < SEAL_MAX_SIGNERS && (q->more_cert_count == 0 || q->more_certs != NULL),
              ESEAL_EINVAL, "seal: at most %d certificates may stamp with one seal", SEAL_MAX_SIGNERS);
    for (size_t i = 0; i <= q->more_cert_count; i++) {
        const char *ref = i == 0 ? q->cert_ref : q->more_certs[i - 1];
        eseal_cert_record rec;
        memset(&rec, 0, sizeof(rec));
        eseal_cert *cert = NULL;
        ES_GUARD(es_instance_cert_get(inst, &cert, &rec, ref));
        size_t k = sg->n++;
        sg->cert[k] = cert;
        bool revoked = rec.revoked_ms != 0;
        char id[24];
        (void)snprintf(id, sizeof(id), "%.16s", rec.id != NULL ? rec.id : eseal_cert_fingerprint(cert));
        /* A key in hardware binds the seal to its device: asked now (the token present, its PIN),
         * recorded, and signed into the seal (docs/seals.md, "Seals bound to hardware"). */
        es_result hw = ES_OK;
        if (!revoked && es_hwkey_is_ref(rec.key_file)) {
            hw = seal_hardware_of(inst, &sg->hw[sg->n_hw], &rec, cert);
            sg->n_hw += es_ok(hw) ? 1 : 0;
        }
        eseal_cert_record_dispose(&rec);
        ES_GUARD(hw);
        ES_ENSURE(!revoked, ESEAL_ESTATE, "seal: certificate %s is revoked", id);
        ES_ENSURE(eseal_cert_not_after(cert) > now, ESEAL_ESTATE, "seal: certificate %s (%s) has expired", id,
                  eseal_cert_subject(cert));
        for (size_t j = 0; j < k; j++) {
            ES_ENSURE(strcmp(eseal_cert_fingerprint(sg->cert[j]), eseal_cert_fingerprint(cert)) != 0, ESEAL_EINVAL,
                      "seal: certificate %s is listed twice", id);
        }
        ES_GUARD(es_cert_der(&sg->der[k], cert));
        sg->entry[k] = (eseal_bytes){sg->der[k].ptr, sg->der[k].size};
        if (q->cert_digests) {
            size_t n = 0;
            ES_GUARD(es_digest(sg->dg[k], &n, ESEAL_HASH_SM3, es_span_of(sg->der[k].ptr, sg->der[k].size)));
            sg->entry[k] = (eseal_bytes){sg->dg[k], n};
        }
        size_t used = strlen(sg->ids);
        (void)snprintf(sg->ids + used, sizeof(sg->ids) - used, "%s%s", k == 0 ? "" : ",", id);
        if (k == 0 || eseal_cert_not_after(cert) < sg->end) {
            sg->end = eseal_cert_not_after(cert);
        }
    }
    return ES_OK;
}

typedef struct {
    const es_acting *by;
    const eseal_seal_request *q;
    const char *prev_esid;
    int64_t generation;
    /* renewal: the parts of the old seal */
    const eseal_seal_info *from;
    const char *cert_ids;
    const char *imprint;
    const char *hardware; /* the old seal's bindings (its ExtData is in `from`) */
} make_ctx;

static ES_RESULT seal_make(eseal_instance *inst, eseal_seal_record *out, eseal_buf *der_out, const make_ctx *c)
{
    /* Version 1 named the actor: it is refused (pass the principal instead). */
    ES_CHECK_VERSION(c->q, seal_request);
    ES_ENSURE_ARG(inst != NULL);
    eseal_seal_request rq = *c->q;
    if (rq.type == 0) {
        rq.type = ESEAL_SEAL_OFFICIAL; /* zero means the default */
    }
    const eseal_seal_request *q = &rq;
    ES_GUARD(es_audit_prepare(inst->auditlog));
    ES_ENSURE(c->from != NULL || (q->cert_ref != NULL && q->name != NULL && q->name[0] != 0), ESEAL_EINVAL,
              "seal: a certificate (--cert) and a name (--name) are required");
    ES_ENSURE(eseal_seal_type_name(q->type) != NULL, ESEAL_EINVAL, "seal: unknown seal type %d", (int)q->type);
    int64_t now = now_s(inst);

    /* The certificates the seal binds; the first names the owner. */
    ES_AUTO(signers_free) signers sg;
    memset(&sg, 0, sizeof(sg));
    char owner[512] = "";
    es_result r = ES_OK;
    if (c->from == NULL) {
        ES_GUARD(signers_load(inst, &sg, q, now));
        if (person_type(q->type) || !subject_attr(owner, sizeof(owner), eseal_cert_subject(sg.cert[0]), "O")) {
            (void)subject_attr(owner, sizeof(owner), eseal_cert_subject(sg.cert[0]), "CN");
        }
        if (owner[0] == 0) {
            (void)snprintf(owner, sizeof(owner), "%s", eseal_cert_subject(sg.cert[0]));
        }
    } else {
        (void)snprintf(owner, sizeof(owner), "%s", q->text != NULL ? q->text : "");
    }

    maker m;
    memset(&m, 0, sizeof(m));
    ES_AUTO(es_buf_freep) es_buf png = ES_BUF_INIT(ESEAL_IMPRINT_PNG_MAX_BYTES);
    ES_AUTO(es_buf_freep) es_buf spec_json = ES_BUF_INIT(ES_SEAL_SPEC_JSON_MAX);
    ES_AUTO(es_buf_freep) es_buf imprint_js = ES_BUF_INIT(ES_SEAL_SPEC_JSON_MAX);
    eseal_buf der = ESEAL_BUF_INIT;
    double w_mm = 0, h_mm = 0;
    char esid[40], sha[65];
    if (es_ok(r)) {
        r = maker_load(inst, &m, q->hierarchy);
    }
    if (es_ok(r)) {
        r = new_esid(esid, now);
    }
    eseal_seal_info in = ESEAL_SEAL_INFO_INIT;
    if (c->from != NULL) {
        in = *c->from;
        in.format = 4;
    } else if (es_ok(r)) {
        r = make_picture(&png, &spec_json, &w_mm, &h_mm, q, owner);
        in.type = q->type;
        in.name = q->name;
        in.cert_list_type = q->cert_digests ? 2 : 1;
        in.digest_type = "SM3";
        in.cert_count = sg.n;
        in.certs = sg.entry;
        in.picture_type = "PNG";
        in.picture = (eseal_bytes){png.ptr, png.len};
        in.picture_width_mm = (int64_t)(w_mm + 0.5);
        in.picture_height_mm = (int64_t)(h_mm + 0.5);
    }
    /* The bindings to hardware, inside what the maker signs (a renewal keeps the old seal's ExtData). */
    eseal_buf hw_der = ESEAL_BUF_INIT;
    eseal_seal_ext hw_ext = {ESEAL_OID_SEAL_HARDWARE, 0, {NULL, 0}};
    ES_AUTO(es_buf_freep) es_buf hw_json = ES_BUF_INIT(ES_SEAL_SPEC_JSON_MAX);
    if (es_ok(r) && c->from == NULL && sg.n_hw > 0) {
        r = es_from_code(eseal_seal_hardware_encode(&hw_der, sg.hw, sg.n_hw));
        if (es_ok(r)) {
            hw_ext.value = (eseal_bytes){hw_der.ptr, hw_der.size};
            in.ext_count = 1;
            in.exts = &hw_ext;
        }
    }
    if (es_ok(r)) {
        r = c->from != NULL ? es_buf_append_str(&hw_json, c->hardware != NULL ? c->hardware : "")
                            : hardware_json(&hw_json, sg.hw, sg.n_hw);
    }
    if (es_ok(r)) {
        /* Valid until the signer certificate, the maker certificate, or the requested days end. */
        int64_t end = eseal_cert_not_after(m.cert);
        if (sg.n > 0 && sg.end < end) {
            end = sg.end;
        }
        if (c->from != NULL && c->from->valid_end_ms != 0 && c->from->valid_end_ms < end) {
            end = c->from->valid_end_ms;
        }
        if (q->days > 0 && now + (int64_t)q->days * 86400000 < end) {
            end = now + (int64_t)q->days * 86400000;
        }
        in.vid = "eseal";
        in.esid = esid;
        in.create_ms = now;
        in.valid_start_ms = now;
        in.valid_end_ms = end / 1000 * 1000;
        r = es_from_code(eseal_ses_seal_make(&der, &in, m.cert, m.key));
    }
    if (es_ok(r)) {
        r = sha256_hex(sha, es_span_of(der.ptr, der.size));
    }
    /* The description kept in the registry, with the imprint's outline beside it (a renewal of a
     * seal made before there were stored outlines gets one), so that stamps draw nothing. */
    const char *desc = c->from != NULL ? (c->imprint != NULL ? c->imprint : "") : es_buf_cstr(&spec_json);
    if (es_ok(r) && desc[0] != 0) {
        r = with_outline(&imprint_js, desc, esid);
    }
    eseal_seal_record rec = {0};
    char made[] = "applied", empty[] = "";
    rec.esid = esid;
    rec.name = (char *)(uintptr_t)in.name;
    rec.owner = owner;
    rec.cert_ids = sg.n > 0 ? sg.ids : c->cert_ids != NULL ? (char *)(uintptr_t)c->cert_ids : empty;
    rec.maker_cert_id = m.rec.id;
    rec.state = made;
    rec.prev_esid = (char *)(uintptr_t)(c->prev_esid != NULL ? c->prev_esid : "");
    rec.next_esid = empty;
    rec.sha256 = sha;
    rec.imprint = (char *)(uintptr_t)es_buf_cstr(&imprint_js);
    rec.type = in.type;
    rec.generation = c->generation;
    rec.created_ms = now;
    rec.valid_from_ms = in.valid_start_ms;
    rec.valid_to_ms = in.valid_end_ms;
    rec.updated_ms = now;
    rec.hardware = (char *)(uintptr_t)es_buf_cstr(&hw_json);
    if (es_ok(r)) {
        r = es_from_code(eseal_store_begin(inst->store));
        if (es_ok(r)) {
            const char *reason = q->reason != NULL ? q->reason : "seal made on request";
            r = es_from_code(eseal_store_seal_insert(inst->store, &rec, der.ptr, der.size));
            if (es_ok(r)) {
                r = transition(inst, c->by, esid, "", "applied", now, reason);
            }
            if (es_ok(r)) {
                r = transition(inst, c->by, esid, "applied", "approved", now, "approved by the operator");
            }
            if (es_ok(r)) {
                r = transition(inst, c->by, esid, "approved", "made", now, "made and signed by the seal maker");
            }
            if (es_ok(r) && !q->no_file) {
                r = file_seal(inst, c->by, &rec, es_span_of(der.ptr, der.size), &m, now, "filed in the registry");
            }
            r = in_transaction(inst, r);
        }
    }
    if (es_ok(r) && out != NULL) {
        r = es_from_code(eseal_store_seal_find(inst->store, out, NULL, esid));
    }
    if (es_ok(r) && der_out != NULL) {
        *der_out = der;
        der = (eseal_buf)ESEAL_BUF_INIT;
    }
    eseal_buf_dispose(&der);
    eseal_buf_dispose(&hw_der);
    maker_free(&m);
    return r;
}

/* The organisation a seal made of req's certificates will belong to (owner.c), and whether `who`
 * may see them all (a certificate of another organisation is "not found", as a missing one). */
static ES_RESULT make_org(eseal_instance *inst, const eseal_principal *who, const eseal_seal_request *q,
                          char org[ESEAL_OWNER_ORG_MAX + 1])
{
    org[0] = '\0';
    if (inst == NULL || q == NULL || q->cert_ref == NULL) {
        return ES_OK; /* refused with its reason by seal_make */
    }
    ES_AUTO(es_buf_freep) es_buf ids = ES_BUF_INIT(ES_SEAL_CERT_IDS_MAX);
    for (size_t i = 0; i <= q->more_cert_count && (i == 0 || q->more_certs != NULL); i++) {
        const char *ref = i == 0 ? q->cert_ref : q->more_certs[i - 1];
        eseal_cert_record rec;
        memset(&rec, 0, sizeof(rec));
        if (ref == NULL || !es_ok(es_instance_cert_get(inst, NULL, &rec, ref))) {
            eseal_error_clear();
            continue; /* refused with its reason by seal_make */
        }
        es_result r = ES_OK;
        if (rec.id != NULL) {
            char o[ESEAL_OWNER_ORG_MAX + 1];
            r = es_cert_org(inst, &rec, o);
            es_object c = {"cert", rec.id, o[0] != '\0' ? o : NULL, NULL};
            if (es_ok(r) && es_owner_hidden(who, ES_ACT_CERT_READ, &c)) {
                r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no certificate '%.100s'", ref);
            }
            if (es_ok(r)) {
                r = es_buf_printf(&ids, "%s%s", ids.len > 0 ? "," : "", rec.id);
            }
        }
        eseal_cert_record_dispose(&rec);
        ES_GUARD(r);
    }
    return es_seal_org(inst, es_buf_cstr(&ids), org);
}

int eseal_instance_seal_make(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec, eseal_buf *der,
                             const eseal_seal_request *req)
{
    ES_CHECK_VERSION_INT(req, seal_request);
    int prc = eseal_principal_check(who);
    if (prc != ESEAL_OK) {
        return prc;
    }
    char org[ESEAL_OWNER_ORG_MAX + 1];
    int orc = es_code(make_org(inst, who, req, org));
    if (orc != ESEAL_OK) {
        return orc;
    }
    es_acting by;
    es_object obj = {"seal", req != NULL ? req->name : NULL, org[0] != '\0' ? org : NULL, NULL};
    int arc = es_code(es_act_on(&by, who, ES_ACT_SEAL_MAKE, &obj));
    if (arc != ESEAL_OK) {
        return arc;
    }
    make_ctx c = {&by, req, NULL, 1, NULL, NULL, NULL, NULL};
    return es_code(seal_make(inst, rec, der, &c));
}

int eseal_instance_seal_list(eseal_instance *inst, int (*cb)(const eseal_seal_record *rec, void *payload),
                             void *payload)
{
    if (inst == NULL || cb == NULL) {
        ES_BAIL_ARG("inst == NULL || cb == NULL");
    }
    return eseal_store_seal_list(inst->store, cb, payload);
}

int eseal_instance_seal_get(eseal_instance *inst, eseal_seal_record *rec, eseal_buf *der, const char *ref)
{
    if (inst == NULL || rec == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || rec == NULL || ref == NULL");
    }
    return eseal_store_seal_find(inst->store, rec, der, ref);
}

/* es_act_on for an action on the seal `ref`, with its organisation (owner.c): a seal `who` may not
 * read is "not found"; one it reads but may not act on is refused by the policy. The principal is
 * checked first (before anything is looked up). */
static ES_RESULT act_on_seal(eseal_instance *inst, es_acting *by, const eseal_principal *who, es_action action,
                             const char *ref)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && ref != NULL);
    eseal_seal_record rec;
    char org[ESEAL_OWNER_ORG_MAX + 1];
    ES_GUARD(es_seal_visible(inst, who, &rec, NULL, ref, org));
    es_object obj = {"seal", rec.esid, org[0] != '\0' ? org : NULL, NULL};
    es_result r = es_act_on(by, who, action, &obj);
    eseal_seal_record_dispose(&rec);
    return r;
}

static bool final_state(const char *s) { return strcmp(s, "revoked") == 0 || strcmp(s, "cancelled") == 0; }

static ES_RESULT seal_transition(eseal_instance *inst, const es_acting *by, eseal_seal_record *out, const char *ref,
                                 eseal_seal_action action, const char *reason)
{
    ES_ENSURE_ARG(inst != NULL && ref != NULL);
    ES_ENSURE(reason != NULL && reason[0] != 0, ESEAL_EINVAL, "seal: a reason is required (--reason)");
    ES_GUARD(es_audit_prepare(inst->auditlog));
    eseal_seal_record rec;
    eseal_buf der = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_store_seal_find(inst->store, &rec, &der, ref)));
    const char *st = rec.state;
    int64_t now = now_s(inst);
    es_result r = ES_OK;
    const char *to = NULL;
    switch (action) {
    case ESEAL_SEAL_FILE: to = strcmp(st, "made") == 0 ? "filed" : NULL; break;
    case ESEAL_SEAL_SUSPEND: to = strcmp(st, "active") == 0 ? "suspended" : NULL; break;
    case ESEAL_SEAL_RESUME: to = strcmp(st, "suspended") == 0 ? "active" : NULL; break;
    case ESEAL_SEAL_REVOKE: to = final_state(st) ? NULL : "revoked"; break;
    case ESEAL_SEAL_CANCEL: to = final_state(st) ? NULL : "cancelled"; break;
    default: r = es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "seal: unknown action %d", (int)action);
    }
    if (es_ok(r) && to == NULL) {
        static const char *const names[] = {"filed", "suspended", "resumed", "revoked", "cancelled"};
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "seal %s is %s and cannot be %s", rec.esid, st,
                         names[action]);
    }
    if (es_ok(r) && action == ESEAL_SEAL_RESUME && now > rec.valid_to_ms) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "seal %s has expired and cannot be resumed (renew it)",
                         rec.esid);
    }
    maker m;
    memset(&m, 0, sizeof(m));
    if (es_ok(r) && action == ESEAL_SEAL_FILE) {
        eseal_cert_record mrec;
        r = es_from_code(eseal_store_cert_find(inst->store, &mrec, rec.maker_cert_id));
        if (es_ok(r)) {
            m.rec = mrec;
            r = es_cert_parse(&m.cert, es_span_of(mrec.pem, strlen(mrec.pem)));
        }
        if (es_ok(r)) {
            r = es_instance_load_key(inst, &m.key, &m.rec);
        }
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_store_begin(inst->store));
        if (es_ok(r)) {
            if (action == ESEAL_SEAL_FILE) {
                r = file_seal(inst, by, &rec, es_span_of(der.ptr, der.size), &m, now, reason);
            } else {
                r = transition(inst, by, rec.esid, st, to, now, reason);
            }
            r = in_transaction(inst, r);
        }
    }
    if (es_ok(r) && out != NULL) {
        r = es_from_code(eseal_store_seal_find(inst->store, out, NULL, rec.esid));
    }
    maker_free(&m);
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&rec);
    return r;
}

int eseal_instance_seal_transition(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec,
                                   const char *ref, eseal_seal_action action, const char *reason)
{
    es_acting by;
    int arc = es_code(act_on_seal(inst, &by, who, ES_ACT_SEAL_TRANSITION, ref));
    if (arc != ESEAL_OK) {
        return arc;
    }
    return es_code(seal_transition(inst, &by, rec, ref, action, reason));
}

static ES_RESULT seal_renew(eseal_instance *inst, const es_acting *by, eseal_seal_record *out, const char *ref,
                            const char *reason)
{
    ES_ENSURE_ARG(inst != NULL && ref != NULL);
    ES_ENSURE(reason != NULL && reason[0] != 0, ESEAL_EINVAL, "seal: a reason is required (--reason)");
    ES_GUARD(es_audit_prepare(inst->auditlog));
    eseal_seal_record old;
    eseal_buf der = ESEAL_BUF_INIT;
    ES_GUARD(es_from_code(eseal_store_seal_find(inst->store, &old, &der, ref)));
    eseal_ses_seal *s = NULL;
    es_result r = ES_OK;
    if (final_state(old.state)) {
        r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__, "seal %s is %s and cannot be renewed", old.esid, old.state);
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_ses_seal_decode(&s, der.ptr, der.size));
    }
    eseal_seal_record fresh;
    memset(&fresh, 0, sizeof(fresh));
    if (es_ok(r)) {
        /* The new version keeps name, type, picture and bound certificates; its validity starts now. */
        eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
        q.type = (eseal_seal_type)eseal_ses_seal_info(s)->type;
        q.name = eseal_ses_seal_info(s)->name;
        q.text = old.owner;
        q.reason = reason;
        q.hierarchy = strcmp(eseal_ses_seal_sig_alg(s), ESEAL_OID_SM2_SM3) == 0 ? "sm2" : "p256";
        eseal_seal_info from = *eseal_ses_seal_info(s);
        /* The new version may not outlive the certificates it binds. */
        from.valid_end_ms = 0;
        for (size_t i = 0; from.cert_list_type == 1 && i < from.cert_count; i++) {
            eseal_cert *bc = NULL;
            if (eseal_cert_parse(&bc, from.certs[i].ptr, from.certs[i].len) == ESEAL_OK) {
                int64_t na = eseal_cert_not_after(bc);
                from.valid_end_ms = from.valid_end_ms == 0 || na < from.valid_end_ms ? na : from.valid_end_ms;
                eseal_cert_free(bc);
            }
        }
        if (from.valid_end_ms != 0 && from.valid_end_ms <= es_inst_now(inst)) {
            r = es_error_set(ESEAL_ESTATE, __FILE__, __LINE__,
                             "seal %s: the certificate it binds has expired; issue a new certificate and make a new "
                             "seal",
                             old.esid);
        } else {
            make_ctx c = {by, &q, old.esid, old.generation + 1, &from, old.cert_ids, old.imprint, old.hardware};
            r = seal_make(inst, &fresh, NULL, &c);
        }
    }
    if (es_ok(r)) {
        char why[600];
        (void)snprintf(why, sizeof(why), "superseded by %s: %s", fresh.esid, reason);
        r = es_from_code(eseal_store_begin(inst->store));
        if (es_ok(r)) {
            r = transition(inst, by, old.esid, old.state, "cancelled", now_s(inst), why);
            if (es_ok(r)) {
                char renews[600];
                (void)snprintf(renews, sizeof(renews), "renews %s: %s", old.esid, reason);
                r = es_audit_seal_event(inst->auditlog, by, fresh.esid, "", "renewed", now_s(inst), renews);
            }
            if (es_ok(r)) {
                r = es_from_code(eseal_store_seal_update(inst->store, old.esid, "cancelled", now_s(inst), fresh.esid));
            }
            r = in_transaction(inst, r);
        }
    }
    if (es_ok(r) && out != NULL) {
        *out = fresh;
        memset(&fresh, 0, sizeof(fresh));
    }
    eseal_seal_record_dispose(&fresh);
    eseal_ses_seal_free(s);
    eseal_buf_dispose(&der);
    eseal_seal_record_dispose(&old);
    return r;
}

int eseal_instance_seal_renew(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec,
                              const char *ref, const char *reason)
{
    es_acting by;
    int arc = es_code(act_on_seal(inst, &by, who, ES_ACT_SEAL_RENEW, ref));
    if (arc != ESEAL_OK) {
        return arc;
    }
    return es_code(seal_renew(inst, &by, rec, ref, reason));
}

typedef struct {
    int64_t at;
    eseal_seal_status *st;
} status_ctx;

static int status_cb(const eseal_seal_event *e, void *payload)
{
    status_ctx *c = payload;
    if (e->at_ms <= c->at) {
        (void)snprintf(c->st->state, sizeof(c->st->state), "%s", e->to_state);
        (void)snprintf(c->st->actor, sizeof(c->st->actor), "%s", e->actor);
        (void)snprintf(c->st->reason, sizeof(c->st->reason), "%s", e->reason);
        c->st->since_ms = e->at_ms;
        c->st->seq = e->seq;
    }
    return 0;
}

static ES_RESULT seal_status(eseal_instance *inst, eseal_seal_status *out, const eseal_seal_record *rec,
                             int64_t at)
{
    memset(out, 0, sizeof(*out));
    (void)snprintf(out->state, sizeof(out->state), "none");
    status_ctx c = {at, out};
    ES_GUARD(es_from_code(eseal_store_seal_events(inst->store, rec->esid, status_cb, &c)));
    /* Past validEnd a seal that was not ended otherwise has expired. */
    if (at > rec->valid_to_ms && strcmp(out->state, "none") != 0 && !final_state(out->state)) {
        (void)snprintf(out->state, sizeof(out->state), "expired");
        (void)snprintf(out->reason, sizeof(out->reason), "the seal's validity ended");
        (void)snprintf(out->actor, sizeof(out->actor), "registry");
        out->since_ms = rec->valid_to_ms;
    }
    return ES_OK;
}

int eseal_instance_seal_status(eseal_instance *inst, eseal_seal_status *out, const char *ref, int64_t at_ms)
{
    if (inst == NULL || out == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || out == NULL || ref == NULL");
    }
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, ref);
    if (rc != ESEAL_OK) {
        return rc;
    }
    rc = es_code(seal_status(inst, out, &rec, at_ms != 0 ? at_ms : es_inst_now(inst)));
    eseal_seal_record_dispose(&rec);
    return rc;
}

int eseal_instance_seal_events(eseal_instance *inst, const char *ref,
                               int (*cb)(const eseal_seal_event *ev, void *payload), void *payload)
{
    if (inst == NULL || ref == NULL || cb == NULL) {
        ES_BAIL_ARG("inst == NULL || ref == NULL || cb == NULL");
    }
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, ref);
    if (rc == ESEAL_OK) {
        rc = eseal_store_seal_events(inst->store, rec.esid, cb, payload);
        eseal_seal_record_dispose(&rec);
    }
    return rc;
}

int eseal_instance_seal_receipt(eseal_instance *inst, eseal_buf *der, const char *ref)
{
    if (inst == NULL || der == NULL || ref == NULL) {
        ES_BAIL_ARG("inst == NULL || der == NULL || ref == NULL");
    }
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, ref);
    if (rc == ESEAL_OK) {
        rc = eseal_store_seal_receipt(inst->store, der, rec.esid);
        eseal_seal_record_dispose(&rec);
    }
    return rc;
}

/* A registry state as the report's enumeration (docs/verify-report.schema.json registry_status):
 * expired and the states before the seal was made ("none", "applied", ..., "filed") are not active. */
static const char *registry_status_name(const char *state)
{
    static const char *const same[] = {"active", "suspended", "revoked", "cancelled"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        if (strcmp(state, same[i]) == 0) {
            return same[i];
        }
    }
    return "not_active";
}

/*
 * Adds the registry's view of the seal (when the seal is ours): seal.registry {at_signing: its
 * state at `at` (the time the seal is judged at), now: its state now}, check "registry", the
 * owner the registry knows, and the reasons of its state at `at`. A seal of another platform that
 * this one recognises is judged by that platform's list and registry answers (core/foreign.c).
 */
ES_RESULT es_seal_registry_check(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *s, int64_t at,
                                 const es_foreign_opts *fo)
{
    eseal_value *root = es_report_root(rep);
    eseal_seal_record rec;
    int rc = eseal_store_seal_find(inst->store, &rec, NULL, eseal_ses_seal_info(s)->esid);
    if (rc == ESEAL_ENOTFOUND || rc == ESEAL_EINVAL || rc == ESEAL_EAMBIGUOUS ||
        (rc == ESEAL_OK && strcmp(rec.esid, eseal_ses_seal_info(s)->esid) != 0)) {
        if (rc == ESEAL_OK) {
            eseal_seal_record_dispose(&rec);
        }
        eseal_error_clear();
        bool foreign = false;
        ES_GUARD(es_foreign_seal_check(inst, rep, s, at, fo, &foreign));
        if (foreign) {
            return ES_OK;
        }
        ES_GUARD(es_value_str(root, "seal.registry.at_signing", "unknown"));
        ES_GUARD(es_value_str(root, "seal.registry.now", "unknown"));
        return es_report_check(rep, "registry", ESEAL_CHECK_NOT_APPLICABLE, "registry",
                               "not in this registry, nor made by a seal maker of a platform recognised here");
    }
    ES_GUARD(es_from_code(rc));
    char sha[65];
    eseal_bytes der = eseal_ses_seal_der(s);
    es_result r = sha256_hex(sha, es_span_of(der.ptr, der.len));
    eseal_seal_status st, now;
    if (es_ok(r)) {
        r = seal_status(inst, &st, &rec, at);
    }
    if (es_ok(r)) {
        r = seal_status(inst, &now, &rec, es_inst_now(inst));
    }
    if (es_ok(r) && strcmp(sha, rec.sha256) != 0) {
        r = es_value_str(root, "seal.registry.at_signing", "not_registered");
        if (es_ok(r)) {
            r = es_value_str(root, "seal.registry.now", "not_registered");
        }
        if (es_ok(r)) {
            r = es_report_check(rep, "registry", ESEAL_CHECK_FAILED, "registry",
                                "different seal bytes are registered under this esID");
        }
        if (es_ok(r)) {
            r = es_report_reason(rep, ESEAL_INVALID, ESEAL_R_SEAL_NOT_REGISTERED,
                                 "the registry holds other bytes for seal %s: this is not the seal that was filed",
                                 rec.esid);
        }
    } else if (es_ok(r)) {
        char tb[ES_RFC3339_LEN];
        es_time_rfc3339(tb, st.since_ms);
        r = es_value_str(root, "seal.registry.at_signing", "%s", registry_status_name(st.state));
        if (es_ok(r)) {
            r = es_value_str(root, "seal.registry.now", "%s", registry_status_name(now.state));
        }
        if (es_ok(r) && rec.owner != NULL && rec.owner[0] != 0) {
            r = es_value_str(root, "seal.owner", "%s", rec.owner);
        }
        bool good = strcmp(st.state, "active") == 0 || strcmp(st.state, "expired") == 0;
        bool ended = strcmp(st.state, "revoked") == 0 || strcmp(st.state, "cancelled") == 0 ||
                     strcmp(st.state, "suspended") == 0;
        if (es_ok(r)) {
            /* expired is judged by the seal's own window (seal_validity), not here */
            r = es_report_check(rep, "registry", good ? ESEAL_CHECK_PASSED : ended ? ESEAL_CHECK_FAILED
                                                                                   : ESEAL_CHECK_INDETERMINATE,
                                "registry", "%s%s%s%s%s%s%s%s%s", st.state, st.since_ms != 0 ? " since " : "",
                                st.since_ms != 0 ? tb : "", st.reason[0] != 0 ? ": " : "", st.reason,
                                strcmp(now.state, st.state) != 0 ? "; now " : "",
                                strcmp(now.state, st.state) != 0 ? now.state : "",
                                rec.next_esid[0] != 0 ? "; superseded by " : "", rec.next_esid);
        }
        if (!es_ok(r) || good) {
        } else if (ended) {
            r = es_report_reason(rep, ESEAL_INVALID,
                                 strcmp(st.state, "revoked") == 0     ? ESEAL_R_SEAL_REVOKED
                                 : strcmp(st.state, "cancelled") == 0 ? ESEAL_R_SEAL_CANCELLED
                                                                      : ESEAL_R_SEAL_SUSPENDED,
                                 "the registry says the seal was %s at the validation time (since %s: %s)", st.state,
                                 tb, st.reason);
        } else {
            r = es_report_reason(rep, ESEAL_INDETERMINATE, ESEAL_R_SEAL_NOT_ACTIVE,
                                 "the registry says the seal was %s, not active, at the validation time", st.state);
        }
    }
    eseal_seal_record_dispose(&rec);
    return r;
}

static ES_RESULT seal_verify(eseal_instance *inst, eseal_report **out, es_span der, const eseal_verify_request *q)
{
    ES_ENSURE_ARG(out != NULL);
    static const eseal_verify_request defaults = ESEAL_VERIFY_REQUEST_INIT;
    if (q == NULL) {
        q = &defaults;
    }
    int64_t at = q->at_ms != 0 ? q->at_ms : es_inst_now(inst);
    eseal_ses_seal *s = NULL;
    ES_GUARD(es_from_code(eseal_ses_seal_decode(&s, der.ptr, der.len)));
    eseal_trust *t = NULL;
    es_result r = es_instance_trust_for(inst, q, &t);
    if (es_ok(r)) {
        r = es_from_code(eseal_ses_seal_verify(out, s, t, at));
    }
    if (es_ok(r) && inst != NULL) {
        es_foreign_opts fo = {NULL, 0, q->online != 0};
        r = es_seal_registry_check(inst, *out, s, at, &fo);
        if (!es_ok(r)) {
            eseal_report_free(*out);
            *out = NULL;
        }
    }
    eseal_trust_free(t);
    eseal_ses_seal_free(s);
    return r;
}

int eseal_instance_seal_verify(eseal_instance *inst, eseal_report **out, const void *der, size_t len,
                               const eseal_verify_request *req)
{
    ES_CHECK_VERSION_OPT_INT(req, verify_request);
    return es_code(seal_verify(inst, out, es_span_of(der, len), req));
}

int eseal_instance_receipt_verify(eseal_instance *inst, eseal_report **out, const void *receipt, size_t len,
                                  const void *seal_der, size_t seal_len, const eseal_verify_request *req)
{
    ES_CHECK_VERSION_OPT_INT(req, verify_request);
    if (out == NULL || receipt == NULL) {
        ES_BAIL_ARG("out == NULL || receipt == NULL");
    }
    eseal_filing_receipt *fr = NULL;
    int rc = eseal_filing_receipt_decode(&fr, receipt, len);
    if (rc != ESEAL_OK) {
        return rc;
    }
    eseal_trust *t = NULL;
    rc = es_code(es_instance_trust_for(inst, req, &t));
    if (rc == ESEAL_OK) {
        rc = eseal_filing_receipt_verify(out, fr, t, seal_der, seal_len);
    }
    eseal_trust_free(t);
    eseal_filing_receipt_free(fr);
    return rc;
}
