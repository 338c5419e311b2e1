/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C2SP signed-note (Ed25519, type 0x01), verifier keys, Go's PRIVATE+KEY
 * signer keys, tlog-cosignature v1 (type 0x04) and tlog-checkpoint bodies.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "tlog_int.h"

/* The signature-line prefix: U+2014 EM DASH, then a space. */
static const char sig_prefix[] = "\xe2\x80\x94 ";

/* ---- text helpers ----------------------------------------------------------------------- */

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

const char *es_tlog_b64_decode(uint8_t *out, size_t cap, size_t *total, es_span in)
{
    *total = 0;
    if (in.len == 0) {
        return "empty base64";
    }
    if (in.len % 4 != 0) {
        return "base64 length is not a multiple of 4";
    }
    es_cur c = es_cur_of(in);
    size_t n = 0;
    while (!es_cur_eof(&c)) {
        bool last = es_cur_left(&c) == 4;
        es_span q;
        if (!es_ok(es_cur_take(&c, 4, &q))) {
            return "truncated base64";
        }
        int v[4];
        size_t pad = 0;
        for (size_t i = 0; i < 4; i++) {
            if (q.ptr[i] == '=') {
                /* '=' only at the end of the last quantum, at most two. */
                if (!last || i < 2) {
                    return "misplaced '=' in base64";
                }
                pad++;
                v[i] = 0;
                continue;
            }
            if (pad > 0) {
                return "misplaced '=' in base64";
            }
            v[i] = b64_value(q.ptr[i]);
            if (v[i] < 0) {
                return "invalid base64 character";
            }
        }
        uint32_t bits = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        /* RFC 4648 §3.5: the pad bits of the last character must be zero (canonical form). */
        if ((pad == 1 && (bits & 0xff) != 0) || (pad == 2 && (bits & 0xffff) != 0)) {
            return "non-zero padding bits in base64";
        }
        uint8_t bytes[3] = {(uint8_t)(bits >> 16), (uint8_t)(bits >> 8), (uint8_t)bits};
        for (size_t i = 0; i < 3 - pad; i++) {
            if (n < cap) {
                out[n] = bytes[i];
            }
            n++;
        }
    }
    *total = n;
    return NULL;
}

const char *es_tlog_decimal(es_span s, uint64_t max, uint64_t *out)
{
    if (s.len == 0) {
        return "empty number";
    }
    if (s.len > 1 && s.ptr[0] == '0') {
        return "leading zero";
    }
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        uint8_t ch = s.ptr[i];
        if (ch < '0' || ch > '9') {
            return "not a decimal number";
        }
        uint64_t d = (uint64_t)(ch - '0');
        if (v > (max - d) / 10) {
            return "number out of range";
        }
        v = v * 10 + d;
    }
    *out = v;
    return NULL;
}

const char *es_tlog_hash_b64(es_hash32 out, es_span s)
{
    uint8_t tmp[ES_TLOG_HASH_LEN];
    size_t total = 0;
    const char *why = es_tlog_b64_decode(tmp, sizeof(tmp), &total, s);
    if (why != NULL) {
        return why;
    }
    if (total != ES_TLOG_HASH_LEN) {
        return "not the base64 of 32 bytes";
    }
    memcpy(out, tmp, ES_TLOG_HASH_LEN);
    return NULL;
}

ES_RESULT es_tlog_append_hash_b64(es_buf *out, const es_hash32 h)
{
    return es_base64_encode(out, es_span_of(h, ES_TLOG_HASH_LEN));
}

/* Decodes one UTF-8 sequence (RFC 3629 §4: no overlong forms, no surrogates, at most U+10FFFF). */
static bool utf8_next(es_cur *c, uint32_t *cp)
{
    es_span s;
    if (es_cur_left(c) < 1 || !es_ok(es_cur_take(c, 1, &s))) {
        return false;
    }
    uint8_t b0 = s.ptr[0];
    if (b0 < 0x80) {
        *cp = b0;
        return true;
    }
    size_t more = 0;
    uint8_t lo = 0x80, hi = 0xbf;
    uint32_t v = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        more = 1;
        v = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        more = 2;
        v = b0 & 0x0f;
        lo = b0 == 0xe0 ? 0xa0 : 0x80;
        hi = b0 == 0xed ? 0x9f : 0xbf;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        more = 3;
        v = b0 & 0x07;
        lo = b0 == 0xf0 ? 0x90 : 0x80;
        hi = b0 == 0xf4 ? 0x8f : 0xbf;
    } else {
        return false;
    }
    if (es_cur_left(c) < more || !es_ok(es_cur_take(c, more, &s))) {
        return false;
    }
    for (size_t i = 0; i < more; i++) {
        uint8_t b = s.ptr[i];
        if (b < lo || b > hi) {
            return false;
        }
        lo = 0x80;
        hi = 0xbf;
        v = (v << 6) | (b & 0x3f);
    }
    *cp = v;
    return true;
}

ES_RESULT es_tlog_text_check(es_span s, const char *what)
{
    es_cur c = es_cur_of(s);
    while (!es_cur_eof(&c)) {
        size_t at = c.pos;
        uint32_t cp = 0;
        ES_ENSURE(utf8_next(&c, &cp), ESEAL_EMALFORMED, "%s: invalid UTF-8 at offset %zu", what, at);
        ES_ENSURE(cp >= 0x20 || cp == '\n', ESEAL_EMALFORMED, "%s: control character 0x%02x at offset %zu", what,
                  (unsigned)cp, at);
    }
    return ES_OK;
}

/* Go's unicode.IsSpace: the White_Space property. */
static bool is_unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
           cp == 0x3000;
}

/* signed-note: key names are non-empty, without Unicode spaces or '+'. */
static const char *name_syntax(es_span name)
{
    if (name.len == 0) {
        return "empty name";
    }
    es_cur c = es_cur_of(name);
    while (!es_cur_eof(&c)) {
        uint32_t cp = 0;
        if (!utf8_next(&c, &cp)) {
            return "name is not valid UTF-8";
        }
        if (cp == '+') {
            return "name contains '+'";
        }
        if (is_unicode_space(cp)) {
            return "name contains a space";
        }
        if (cp < 0x20) {
            return "name contains a control character";
        }
    }
    return NULL;
}

/* Names of keys eseal knows (verifiers, signers) are also at most 255 bytes. */
static const char *name_problem(es_span name)
{
    if (name.len > ES_NOTE_MAX_NAME) {
        return "name longer than 255 bytes";
    }
    return name_syntax(name);
}

static void copy_name(char dst[ES_NOTE_MAX_NAME + 1], es_span name)
{
    if (name.len > 0) {
        memcpy(dst, name.ptr, name.len);
    }
    dst[name.len] = '\0';
}

/* Text a signer may sign: ends in a newline and passes the note character rules. */
static ES_RESULT check_sign_text(es_span text)
{
    ES_ENSURE(text.len <= ES_NOTE_MAX_LEN, ESEAL_ELIMIT, "note: text of %zu bytes, more than the limit of %d",
              text.len, ES_NOTE_MAX_LEN);
    ES_ENSURE(text.len > 0 && text.ptr[text.len - 1] == '\n', ESEAL_EINVAL, "note: text does not end with a newline");
    return es_tlog_text_check(text, "note");
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (24 - 8 * i));
    }
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (56 - 8 * i));
    }
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* ---- keys ----------------------------------------------------------------------------------- */

ES_RESULT es_note_key_id(uint32_t *out, const char *name, uint8_t type, const uint8_t pub[32])
{
    /* signed-note: keyID = SHA-256(name || 0x0A || type || public key)[:4], big-endian. */
    uint8_t sep[2] = {'\n', type};
    es_span parts[3] = {es_span_of(name, strlen(name)), es_span_of(sep, 2), es_span_of(pub, 32)};
    uint8_t h[32];
    ES_GUARD(es_sha256(h, parts, 3));
    *out = ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3];
    return ES_OK;
}

/* The 8 lowercase hex digits of a key ID. */
static bool parse_hex8(es_span s, uint32_t *out)
{
    if (s.len != 8) {
        return false;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        uint8_t ch = s.ptr[i];
        uint32_t d = 0;
        if (ch >= '0' && ch <= '9') {
            d = (uint32_t)(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            d = (uint32_t)(ch - 'a' + 10);
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

#define ES_NOTE_MAX_KEY_TEXT 1024

/* Splits "<name>+<hex id>+<base64 key>" (from the left: base64 contains '+'). */
static ES_RESULT split_key(const char *what, es_span text, es_span *name, uint32_t *id, uint8_t key[33])
{
    es_cur c = es_cur_of(text);
    es_span hex, b64;
    ES_ENSURE(es_cur_until(&c, '+', name) && es_cur_until(&c, '+', &hex), ESEAL_EMALFORMED,
              "%s: expected <name>+<key ID>+<key>", what);
    ES_GUARD(es_cur_take(&c, es_cur_left(&c), &b64));
    const char *why = name_problem(*name);
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "%s: %s", what, why);
    ES_ENSURE(parse_hex8(hex, id), ESEAL_EMALFORMED, "%s: the key ID is not 8 lowercase hex digits", what);
    uint8_t buf[64];
    size_t total = 0;
    why = es_tlog_b64_decode(buf, sizeof(buf), &total, b64);
    if (why == NULL && total > 0 && buf[0] != ES_NOTE_ED25519 && buf[0] != ES_NOTE_COSIG_V1) {
        uint8_t type = buf[0];
        es_wipe(buf, sizeof(buf));
        ES_BAIL(ESEAL_EUNSUPPORTED, "%s: signature type 0x%02x is not supported (only 0x01 Ed25519, 0x04 cosignature)",
                what, type);
    }
    if (why == NULL && total != 33) {
        why = "the key is not a type byte and 32 bytes";
    }
    if (why == NULL) {
        memcpy(key, buf, 33);
    }
    es_wipe(buf, sizeof(buf));
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "%s: %s", what, why);
    return ES_OK;
}

ES_RESULT es_note_vkey_parse(es_note_verifier *out, const char *vkey)
{
    ES_ENSURE_ARG(out != NULL && vkey != NULL);
    size_t len = strnlen(vkey, ES_NOTE_MAX_KEY_TEXT + 1);
    ES_ENSURE(len <= ES_NOTE_MAX_KEY_TEXT, ESEAL_ELIMIT, "vkey: longer than %d bytes", ES_NOTE_MAX_KEY_TEXT);
    es_span name;
    uint32_t id = 0;
    uint8_t key[33];
    ES_GUARD(split_key("vkey", es_span_of(vkey, len), &name, &id, key));
    es_note_verifier v;
    memset(&v, 0, sizeof(v));
    copy_name(v.name, name);
    v.type = key[0];
    memcpy(v.pub, key + 1, 32);
    ES_GUARD(es_note_key_id(&v.id, v.name, v.type, v.pub));
    ES_ENSURE(v.id == id, ESEAL_EMALFORMED, "vkey: key ID %08x does not match the key (%08x) of %s", id, v.id, v.name);
    *out = v;
    return ES_OK;
}

ES_RESULT es_note_vkey_format(es_buf *out, const es_note_verifier *v)
{
    const char *why = name_problem(es_span_of(v->name, strnlen(v->name, sizeof(v->name))));
    ES_ENSURE(why == NULL, ESEAL_EINVAL, "vkey: %s", why);
    uint8_t key[33];
    key[0] = v->type;
    memcpy(key + 1, v->pub, 32);
    ES_GUARD(es_buf_printf(out, "%s+%08x+", v->name, v->id));
    return es_base64_encode(out, es_span_of(key, sizeof(key)));
}

ES_RESULT es_note_skey_parse(es_note_signer *out, eseal_key **key_out, const char *skey)
{
    ES_ENSURE_ARG(out != NULL && key_out != NULL && skey != NULL);
    size_t len = strnlen(skey, ES_NOTE_MAX_KEY_TEXT + 1);
    ES_ENSURE(len <= ES_NOTE_MAX_KEY_TEXT, ESEAL_ELIMIT, "skey: longer than %d bytes", ES_NOTE_MAX_KEY_TEXT);
    es_cur c = es_cur_of(es_span_of(skey, len));
    ES_ENSURE(es_cur_peek_is(&c, "PRIVATE+KEY+"), ESEAL_EMALFORMED, "skey: does not start with PRIVATE+KEY+");
    ES_GUARD(es_cur_skip(&c, 12));
    es_span rest, name;
    ES_GUARD(es_cur_take(&c, es_cur_left(&c), &rest));
    uint32_t id = 0;
    uint8_t key[33];
    ES_GUARD(split_key("skey", rest, &name, &id, key));
    if (key[0] != ES_NOTE_ED25519) {
        uint8_t type = key[0];
        es_wipe(key, sizeof(key));
        ES_BAIL(ESEAL_EUNSUPPORTED, "skey: signature type 0x%02x, only 0x01 (Ed25519) signer keys are read", type);
    }
    eseal_key *k = NULL;
    es_result r = es_ed25519_key_from_seed(&k, key + 1);
    es_wipe(key, sizeof(key));
    ES_GUARD(r);
    es_note_signer s;
    memset(&s, 0, sizeof(s));
    copy_name(s.v.name, name);
    s.v.type = ES_NOTE_ED25519;
    s.key = k;
    r = es_ed25519_public_raw(s.v.pub, k);
    if (es_ok(r)) {
        r = es_note_key_id(&s.v.id, s.v.name, s.v.type, s.v.pub);
    }
    if (es_ok(r) && s.v.id != id) {
        r = es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "skey: key ID %08x does not match the key (%08x) of %s",
                         id, s.v.id, s.v.name);
    }
    if (!es_ok(r)) {
        eseal_key_free(k);
        return r;
    }
    *out = s;
    *key_out = k;
    return ES_OK;
}

ES_RESULT es_note_signer_init(es_note_signer *out, const char *name, uint8_t type, eseal_key *key)
{
    ES_ENSURE_ARG(out != NULL && name != NULL && key != NULL);
    ES_ENSURE(type == ES_NOTE_ED25519 || type == ES_NOTE_COSIG_V1, ESEAL_EINVAL,
              "note signer: type 0x%02x is not 0x01 (Ed25519) or 0x04 (cosignature)", type);
    es_span n = es_span_of(name, strnlen(name, ES_NOTE_MAX_NAME + 1));
    const char *why = name_problem(n);
    ES_ENSURE(why == NULL, ESEAL_EINVAL, "note signer: %s", why);
    es_note_signer s;
    memset(&s, 0, sizeof(s));
    copy_name(s.v.name, n);
    s.v.type = type;
    s.key = key;
    ES_GUARD(es_ed25519_public_raw(s.v.pub, key));
    ES_GUARD(es_note_key_id(&s.v.id, s.v.name, type, s.v.pub));
    *out = s;
    return ES_OK;
}

/* ---- parsing ------------------------------------------------------------------------------- */

bool es_note_text_span(es_span msg, es_span *text)
{
    /* signed-note: the text is separated from the signatures by its last empty line (one that
     * follows a newline: "\n\n"). */
    es_cur c = es_cur_of(msg);
    size_t blank = 0;
    bool have = false;
    for (size_t i = 0; !es_cur_eof(&c); i++) {
        size_t at = c.pos;
        es_span line;
        if (!es_cur_until(&c, '\n', &line)) {
            return false;
        }
        if (line.len == 0 && i > 0) {
            blank = at;
            have = true;
        }
    }
    *text = es_span_of(msg.ptr, blank);
    return have;
}

ES_RESULT es_note_parse(es_note *out, es_span msg)
{
    ES_ENSURE_ARG(out != NULL);
    out->count = 0;
    out->text = es_span_of(NULL, 0);
    ES_ENSURE(msg.len <= ES_NOTE_MAX_LEN, ESEAL_ELIMIT, "note: %zu bytes, more than the limit of %d", msg.len,
              ES_NOTE_MAX_LEN);
    ES_GUARD(es_tlog_text_check(msg, "note"));
    ES_ENSURE(msg.len > 0 && msg.ptr[msg.len - 1] == '\n', ESEAL_EMALFORMED, "note: does not end with a newline");
    es_span text, sigs;
    ES_ENSURE(es_note_text_span(msg, &text), ESEAL_EMALFORMED,
              "note: no blank line between the text and the signatures");
    es_cur c = es_cur_of(msg);
    ES_GUARD(es_cur_take(&c, text.len, &text));
    ES_GUARD(es_cur_skip(&c, 1));
    ES_GUARD(es_cur_take(&c, es_cur_left(&c), &sigs));
    ES_ENSURE(sigs.len > 0, ESEAL_EMALFORMED, "note: no signature lines after the blank line");

    es_cur sc = es_cur_of(sigs);
    size_t n = 0;
    while (!es_cur_eof(&sc)) {
        size_t lineno = n + 1;
        ES_ENSURE(n < ES_NOTE_MAX_SIGS, ESEAL_EMALFORMED, "note: more than %d signatures", ES_NOTE_MAX_SIGS);
        es_span line;
        ES_ENSURE(es_cur_until(&sc, '\n', &line), ESEAL_EMALFORMED, "note: signature line %zu has no newline", lineno);
        es_cur lc = es_cur_of(line);
        ES_ENSURE(es_cur_peek_is(&lc, sig_prefix), ESEAL_EMALFORMED,
                  "note: signature line %zu does not start with an em dash and a space", lineno);
        ES_GUARD(es_cur_skip(&lc, sizeof(sig_prefix) - 1));
        es_span name, b64;
        ES_ENSURE(es_cur_until(&lc, ' ', &name), ESEAL_EMALFORMED,
                  "note: signature line %zu: no space between the name and the signature", lineno);
        ES_GUARD(es_cur_take(&lc, es_cur_left(&lc), &b64));
        const char *why = name_syntax(name);
        ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "note: signature line %zu: %s", lineno, why);
        es_note_sig *s = &out->sigs[n];
        uint8_t buf[4 + sizeof(s->sig)];
        size_t total = 0;
        why = es_tlog_b64_decode(buf, sizeof(buf), &total, b64);
        ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "note: signature line %zu: %s", lineno, why);
        ES_ENSURE(total >= 5, ESEAL_EMALFORMED, "note: signature line %zu: %zu bytes, too short for a key ID and a signature",
                  lineno, total);
        /* A longer name than any known key may have is kept as "": it matches no verifier and is
         * ignored, as signed-note asks for unknown keys. */
        copy_name(s->name, name.len <= ES_NOTE_MAX_NAME ? name : es_span_of(NULL, 0));
        s->id = ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3];
        s->sig_len = total - 4;
        if (s->sig_len <= sizeof(s->sig)) {
            memcpy(s->sig, buf + 4, s->sig_len);
        }
        n++;
    }
    out->text = text;
    out->count = n;
    return ES_OK;
}

/* "cosignature/v1\ntime <t>\n" || text (tlog-cosignature, Ed25519 signed message). */
static ES_RESULT cosig_message(es_buf *m, es_span text, uint64_t t)
{
    ES_GUARD(es_buf_printf(m, "cosignature/v1\ntime %llu\n", (unsigned long long)t));
    return es_buf_append(m, text.ptr, text.len);
}

/* Checks one signature line `s` made by verifier `v` (same name and ID). */
static ES_RESULT check_sig(bool *valid, uint64_t *ts, es_span text, const es_note_verifier *v, const es_note_sig *s)
{
    *valid = false;
    if (v->type == ES_NOTE_ED25519) {
        if (s->sig_len != 64) {
            return ES_OK;
        }
        return es_ed25519_verify(valid, v->pub, text, es_span_of(s->sig, 64));
    }
    /* Type 0x04: timestamped_signature = u64 timestamp || Ed25519 signature (72 bytes). */
    if (s->sig_len != 72) {
        return ES_OK;
    }
    uint64_t t = get_be64(s->sig);
    if (t > ES_TLOG_MAX_SIZE) {
        return ES_OK; /* tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1 */
    }
    ES_AUTO(es_buf_freep) es_buf m = ES_BUF_INIT(ES_NOTE_MAX_LEN + 64);
    ES_GUARD(cosig_message(&m, text, t));
    ES_GUARD(es_ed25519_verify(valid, v->pub, es_buf_span(&m), es_span_of(s->sig + 8, 64)));
    *ts = t;
    return ES_OK;
}

ES_RESULT es_note_verify(const es_note *n, const es_note_verifier *vs, size_t nv, uint64_t *verified, uint64_t *ts)
{
    ES_ENSURE_ARG(n != NULL && (vs != NULL || nv == 0));
    ES_ENSURE(nv <= ES_NOTE_MAX_VERIFIERS, ESEAL_EINVAL, "note: %zu verifier keys, at most %d", nv, ES_NOTE_MAX_VERIFIERS);
    if (verified != NULL) {
        *verified = 0;
    }
    if (ts != NULL) {
        memset(ts, 0, nv * sizeof(*ts));
    }
    uint64_t ok = 0;
    for (size_t i = 0; i < nv; i++) {
        const es_note_verifier *v = &vs[i];
        ES_ENSURE(v->type == ES_NOTE_ED25519 || v->type == ES_NOTE_COSIG_V1, ESEAL_EINVAL,
                  "note: verifier %s has type 0x%02x", v->name, v->type);
        const es_note_sig *done = NULL; /* the last line of this key that verified */
        for (size_t j = 0; j < n->count; j++) {
            const es_note_sig *s = &n->sigs[j];
            /* signed-note: a signature is the known key's only when both name and ID match. */
            if (s->id != v->id || strcmp(s->name, v->name) != 0) {
                continue;
            }
            /* A repeated identical line costs nothing (Go skips every repeat of a key; eseal checks
             * each different one, so 100 copies cannot make a note expensive). */
            if (done != NULL && done->sig_len == s->sig_len && s->sig_len <= sizeof(s->sig) &&
                memcmp(done->sig, s->sig, s->sig_len) == 0) {
                continue;
            }
            bool valid = false;
            uint64_t t = 0;
            ES_GUARD(check_sig(&valid, &t, n->text, v, s));
            /* C2SP: a known key's signature that fails SHOULD reject the whole note; eseal does. */
            ES_ENSURE(valid, ESEAL_EVERIFY, "note: the %s by %s (key ID %08x) does not verify",
                      v->type == ES_NOTE_COSIG_V1 ? "cosignature" : "signature", v->name, v->id);
            ok |= (uint64_t)1 << i;
            done = s;
            if (ts != NULL) {
                ts[i] = t;
            }
        }
    }
    if (verified != NULL) {
        *verified = ok;
    }
    ES_ENSURE(ok != 0, ESEAL_EVERIFY, "note: none of its %zu signatures is by one of the %zu known keys", n->count, nv);
    return ES_OK;
}

/* ---- signing ------------------------------------------------------------------------------- */

static ES_RESULT append_sig_line(es_buf *out, const es_note_signer *s, const uint8_t *payload, size_t len)
{
    ES_GUARD(es_buf_append_str(out, sig_prefix));
    ES_GUARD(es_buf_append_str(out, s->v.name));
    ES_GUARD(es_buf_append_byte(out, ' '));
    ES_GUARD(es_base64_encode(out, es_span_of(payload, len)));
    return es_buf_append_byte(out, '\n');
}

/* An Ed25519 signature of exactly 64 bytes over msg by the signer's key. */
static ES_RESULT ed25519_sign(uint8_t sig[64], const es_note_signer *s, es_span msg)
{
    ES_ENSURE_ARG(s->key != NULL);
    ES_ENSURE(eseal_key_algorithm(s->key) == ESEAL_ALG_ED25519, ESEAL_EINVAL, "note signer %s: the key is not Ed25519",
              s->v.name);
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_key_sign(&b, s->key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg.ptr, msg.len);
    if (rc != ESEAL_OK) {
        eseal_buf_dispose(&b);
        return es_from_code(rc);
    }
    bool ok = b.size == 64;
    if (ok) {
        memcpy(sig, b.ptr, 64);
    }
    size_t got = b.size;
    eseal_buf_dispose(&b);
    ES_ENSURE(ok, ESEAL_ECRYPTO, "note signer %s: an Ed25519 signature of %zu bytes", s->v.name, got);
    return ES_OK;
}

ES_RESULT es_note_sign_line(es_buf *out, es_span text, const es_note_signer *s)
{
    ES_ENSURE_ARG(out != NULL && s != NULL);
    ES_ENSURE(s->v.type == ES_NOTE_ED25519, ESEAL_EINVAL, "note signer %s: type 0x%02x cannot make a note signature",
              s->v.name, s->v.type);
    ES_GUARD(check_sign_text(text));
    uint8_t payload[4 + 64];
    put_be32(payload, s->v.id);
    ES_GUARD(ed25519_sign(payload + 4, s, text));
    return append_sig_line(out, s, payload, sizeof(payload));
}

ES_RESULT es_note_cosign_line(es_buf *out, es_span text, const es_note_signer *s, uint64_t timestamp)
{
    ES_ENSURE_ARG(out != NULL && s != NULL);
    ES_ENSURE(s->v.type == ES_NOTE_COSIG_V1, ESEAL_EINVAL, "note signer %s: type 0x%02x cannot make a cosignature",
              s->v.name, s->v.type);
    ES_ENSURE(timestamp <= ES_TLOG_MAX_SIZE, ESEAL_EINVAL, "cosignature: timestamp %llu exceeds 2^63 - 1",
              (unsigned long long)timestamp);
    ES_GUARD(check_sign_text(text));
    ES_AUTO(es_buf_freep) es_buf m = ES_BUF_INIT(ES_NOTE_MAX_LEN + 64);
    ES_GUARD(cosig_message(&m, text, timestamp));
    uint8_t payload[4 + 8 + 64];
    put_be32(payload, s->v.id);
    put_be64(payload + 4, timestamp);
    ES_GUARD(ed25519_sign(payload + 12, s, es_buf_span(&m)));
    return append_sig_line(out, s, payload, sizeof(payload));
}

ES_RESULT es_note_sign(es_buf *out, es_span text, const es_note_signer *signers, size_t count)
{
    ES_ENSURE_ARG(out != NULL && signers != NULL);
    ES_ENSURE(count >= 1 && count <= ES_NOTE_MAX_SIGS, ESEAL_EINVAL, "note: %zu signers, not 1 to %d", count,
              ES_NOTE_MAX_SIGS);
    ES_GUARD(check_sign_text(text));
    ES_AUTO(es_buf_freep) es_buf lines = ES_BUF_INIT(out->max);
    for (size_t i = 0; i < count; i++) {
        ES_GUARD(es_note_sign_line(&lines, text, &signers[i]));
    }
    ES_GUARD(es_buf_append(out, text.ptr, text.len));
    ES_GUARD(es_buf_append_byte(out, '\n'));
    return es_buf_append(out, lines.ptr, lines.len);
}

/* ---- checkpoints ------------------------------------------------------------------------------ */

ES_RESULT es_checkpoint_parse(es_checkpoint *out, es_span text)
{
    ES_ENSURE_ARG(out != NULL);
    ES_ENSURE(text.len <= ES_NOTE_MAX_LEN, ESEAL_ELIMIT, "checkpoint: %zu bytes, more than the limit of %d", text.len,
              ES_NOTE_MAX_LEN);
    ES_GUARD(es_tlog_text_check(text, "checkpoint"));
    ES_ENSURE(text.len > 0 && text.ptr[text.len - 1] == '\n', ESEAL_EMALFORMED,
              "checkpoint: does not end with a newline");
    es_cur c = es_cur_of(text);
    es_span origin, size, root;
    ES_ENSURE(es_cur_until(&c, '\n', &origin) && es_cur_until(&c, '\n', &size) && es_cur_until(&c, '\n', &root),
              ESEAL_EMALFORMED, "checkpoint: fewer than 3 lines (origin, size, root)");
    /* tlog-checkpoint: the origin is any non-empty line; eseal caps it like a key name. */
    ES_ENSURE(origin.len > 0, ESEAL_EMALFORMED, "checkpoint: empty origin line");
    ES_ENSURE(origin.len <= ES_NOTE_MAX_NAME, ESEAL_ELIMIT, "checkpoint: origin of %zu bytes, more than %d", origin.len,
              ES_NOTE_MAX_NAME);
    es_checkpoint cp;
    memset(&cp, 0, sizeof(cp));
    copy_name(cp.origin, origin);
    const char *why = es_tlog_decimal(size, ES_TLOG_MAX_SIZE, &cp.size);
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "checkpoint: tree size line: %s", why);
    why = es_tlog_hash_b64(cp.root, root);
    ES_ENSURE(why == NULL, ESEAL_EMALFORMED, "checkpoint: root hash line: %s", why);
    while (!es_cur_eof(&c)) {
        es_span ext;
        ES_ENSURE(es_cur_until(&c, '\n', &ext), ESEAL_EMALFORMED, "checkpoint: does not end with a newline");
        ES_ENSURE(ext.len > 0, ESEAL_EMALFORMED, "checkpoint: extension line %zu is empty", cp.ext_lines + 1);
        cp.ext_lines++;
    }
    *out = cp;
    return ES_OK;
}

ES_RESULT es_checkpoint_format(es_buf *out, const es_checkpoint *c)
{
    ES_ENSURE_ARG(out != NULL && c != NULL);
    size_t olen = strnlen(c->origin, sizeof(c->origin));
    ES_ENSURE(olen > 0 && olen <= ES_NOTE_MAX_NAME, ESEAL_EINVAL, "checkpoint: the origin is empty or too long");
    ES_ENSURE(memchr(c->origin, '\n', olen) == NULL, ESEAL_EINVAL, "checkpoint: the origin contains a newline");
    ES_GUARD(es_tlog_text_check(es_span_of(c->origin, olen), "checkpoint origin"));
    ES_ENSURE(c->size <= ES_TLOG_MAX_SIZE, ESEAL_EINVAL, "checkpoint: size %llu exceeds 2^63 - 1",
              (unsigned long long)c->size);
    ES_ENSURE(c->ext_lines == 0, ESEAL_EINVAL, "checkpoint: extension lines cannot be formatted");
    ES_GUARD(es_buf_printf(out, "%s\n%llu\n", c->origin, (unsigned long long)c->size));
    ES_GUARD(es_tlog_append_hash_b64(out, c->root));
    return es_buf_append_byte(out, '\n');
}
