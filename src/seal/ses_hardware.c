/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seals bound to hardware (issue 23 §3; docs/seals.md, "Seals bound to hardware"): the ExtData of
 * SES_ESPropertyInfo under ESEAL_OID_SEAL_HARDWARE that says, inside what the seal maker signs,
 * where the key of each of the seal's certificates is held. A verifier without the registry reads
 * it from the seal alone. Written and read strictly: it is untrusted input to every verifier
 * (fuzz/ses_hardware_fuzzer.c).
 */
#include <string.h>

#include "ses.h"

/* The text fields of a binding in their order in the DER, with their capacities. */
typedef struct {
    char *p;
    size_t cap;
    const char *what;
} hw_field;

static size_t hw_fields(eseal_key_hardware *hw, hw_field f[6])
{
    f[0] = (hw_field){hw->kind, sizeof(hw->kind), "kind"};
    f[1] = (hw_field){hw->serial, sizeof(hw->serial), "serial"};
    f[2] = (hw_field){hw->label, sizeof(hw->label), "label"};
    f[3] = (hw_field){hw->key_id, sizeof(hw->key_id), "keyId"};
    f[4] = (hw_field){hw->chip_id, sizeof(hw->chip_id), "chipId"};
    f[5] = (hw_field){hw->maker, sizeof(hw->maker), "maker"};
    return 6;
}

static ES_RESULT encode(es_buf *b, const eseal_seal_hardware *in, size_t n)
{
    ES_ENSURE(in != NULL && n >= 1 && n <= ESEAL_SEAL_HARDWARE_MAX, ESEAL_EINVAL,
              "seal: 1 to %d hardware bindings", ESEAL_SEAL_HARDWARE_MAX);
    size_t all = es_der_open(b);
    for (size_t i = 0; i < n; i++) {
        eseal_seal_hardware one = in[i]; /* a copy: hw_fields hands out writable pointers */
        hw_field f[6];
        size_t nf = hw_fields(&one.hw, f);
        ES_ENSURE(memchr(one.hw.kind, 0, sizeof(one.hw.kind)) != NULL && one.hw.kind[0] != '\0' &&
                      memchr(one.hw.serial, 0, sizeof(one.hw.serial)) != NULL && one.hw.serial[0] != '\0',
                  ESEAL_EINVAL, "seal: a hardware binding needs the kind and the serial of its device");
        size_t m = es_der_open(b);
        ES_GUARD(es_der_put(b, ES_DER_OCTET_STRING, es_span_of(one.cert_sha256, sizeof(one.cert_sha256))));
        for (size_t k = 0; k < nf; k++) {
            ES_ENSURE(memchr(f[k].p, 0, f[k].cap) != NULL, ESEAL_EINVAL, "seal: the binding's %s is not terminated",
                      f[k].what);
            es_der text = {.tag = ES_DER_UTF8STRING, .val = es_span_of(f[k].p, strlen(f[k].p))};
            ES_ENSURE(es_der_text_ok(&text), ESEAL_EINVAL, "seal: the binding's %s is not UTF-8", f[k].what);
            ES_GUARD(es_der_put_str(b, ES_DER_UTF8STRING, f[k].p));
        }
        ES_GUARD(es_der_close(b, m, ES_DER_SEQUENCE));
    }
    return es_der_close(b, all, ES_DER_SEQUENCE);
}

int eseal_seal_hardware_encode(eseal_buf *out, const eseal_seal_hardware *b, size_t n)
{
    if (out == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "seal: no output"));
    }
    es_buf d = ES_BUF_INIT(ES_SES_HARDWARE_MAX_BYTES);
    es_result r = encode(&d, b, n);
    if (!es_ok(r)) {
        es_buf_free(&d);
        return ES_PUBLIC(r);
    }
    es_buf_move_out(out, &d);
    return ESEAL_OK;
}

static ES_RESULT decode(eseal_seal_hardware *out, size_t max, size_t *n, es_span der)
{
    ES_ENSURE(der.len <= ES_SES_HARDWARE_MAX_BYTES, ESEAL_ELIMIT, "seal: a hardware binding of over %d bytes",
              ES_SES_HARDWARE_MAX_BYTES);
    es_cur top = es_cur_of(der);
    es_der all;
    ES_GUARD(es_der_expect(&top, ES_DER_SEQUENCE, &all, "HardwareBindings"));
    ES_GUARD(es_der_end(&top, "HardwareBindings"));
    ES_ENSURE(all.der_ok, ESEAL_EMALFORMED, "seal: HardwareBindings at offset %zu is not DER", all.off);
    es_cur c = es_der_inner(&top, &all);
    size_t k = 0;
    while (!es_cur_eof(&c)) {
        ES_ENSURE(k < max && k < ESEAL_SEAL_HARDWARE_MAX, ESEAL_ELIMIT, "seal: more than %zu hardware bindings",
                  max < ESEAL_SEAL_HARDWARE_MAX ? max : (size_t)ESEAL_SEAL_HARDWARE_MAX);
        es_der one;
        ES_GUARD(es_der_expect(&c, ES_DER_SEQUENCE, &one, "HardwareBinding"));
        ES_ENSURE(one.der_ok, ESEAL_EMALFORMED, "seal: HardwareBinding at offset %zu is not DER", one.off);
        es_cur f = es_der_inner(&c, &one);
        eseal_seal_hardware *b = &out[k];
        memset(b, 0, sizeof(*b));
        es_der e;
        ES_GUARD(es_der_expect(&f, ES_DER_OCTET_STRING, &e, "HardwareBinding.certSHA256"));
        ES_ENSURE(e.val.len == sizeof(b->cert_sha256) && e.der_ok, ESEAL_EMALFORMED,
                  "seal: HardwareBinding.certSHA256 at offset %zu is not 32 octets", e.off);
        memcpy(b->cert_sha256, e.val.ptr, e.val.len);
        hw_field fl[6];
        size_t nf = hw_fields(&b->hw, fl);
        for (size_t i = 0; i < nf; i++) {
            ES_GUARD(es_der_expect(&f, ES_DER_UTF8STRING, &e, fl[i].what));
            ES_ENSURE(e.der_ok && es_der_text_ok(&e) && memchr(e.val.ptr, 0, e.val.len) == NULL, ESEAL_EMALFORMED,
                      "seal: HardwareBinding.%s at offset %zu is not UTF-8 text", fl[i].what, e.off);
            ES_ENSURE(e.val.len < fl[i].cap, ESEAL_ELIMIT, "seal: HardwareBinding.%s at offset %zu is over %zu bytes",
                      fl[i].what, e.off, fl[i].cap - 1);
            memcpy(fl[i].p, e.val.ptr, e.val.len);
            fl[i].p[e.val.len] = '\0';
        }
        ES_GUARD(es_der_end(&f, "HardwareBinding"));
        ES_ENSURE(b->hw.kind[0] != '\0' && b->hw.serial[0] != '\0', ESEAL_EMALFORMED,
                  "seal: HardwareBinding at offset %zu has no kind or no serial", one.off);
        k++;
    }
    ES_ENSURE(k >= 1, ESEAL_EMALFORMED, "seal: HardwareBindings at offset %zu is empty", all.off);
    *n = k;
    return ES_OK;
}

int eseal_seal_hardware_decode(eseal_seal_hardware *out, size_t max, size_t *n, const void *der, size_t len)
{
    if (out == NULL || n == NULL || (der == NULL && len != 0)) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "seal: invalid arguments"));
    }
    *n = 0;
    return ES_PUBLIC(decode(out, max, n, es_span_of(der, len)));
}

int eseal_ses_seal_hardware(const eseal_ses_seal *seal, eseal_seal_hardware *out, size_t max, size_t *n)
{
    if (seal == NULL || out == NULL || n == NULL) {
        return ES_PUBLIC(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "seal: invalid arguments"));
    }
    *n = 0;
    const eseal_seal_info *in = eseal_ses_seal_info(seal);
    for (size_t i = 0; i < in->ext_count; i++) {
        if (in->exts[i].oid != NULL && strcmp(in->exts[i].oid, ESEAL_OID_SEAL_HARDWARE) == 0) {
            return ES_PUBLIC(decode(out, max, n, es_span_of(in->exts[i].value.ptr, in->exts[i].value.len)));
        }
    }
    return ES_PUBLIC(es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "seal: no hardware binding"));
}
