/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Organisation identifiers (ETSI EN 319 412-1 §5.1.4), the value of the subject's
 * organizationIdentifier (2.5.4.97) in an organisation certificate:
 *
 *   3-character type reference + 2-character country + '-' + identifier
 *
 * Type references (§5.1.4 items 1-5): "VAT" (national VAT number), "NTR" (national trade
 * register), "PSD" (payment service provider, PSD2; the extended form of ETSI TS 119 495
 * §5.2.1: NCA id '-' PSP id), "LEI" (ISO 17442, country "XG" for global), or two characters
 * of a national scheme followed by ':'. Other sequences are reserved by the standard and refused.
 *
 * The standard leaves the identifier's alphabet and length to each register; we refuse what no
 * register issues, so that a typo does not end up in a certificate:
 *   - every identifier: upper-case letters and digits; NTR, PSD and national schemes also
 *     '.', '/' and '-' inside (not first or last); VAT also '+' and '*' (old Irish numbers);
 *   - VAT 2..16 characters (VIES formats are 2..12 after the country); NTR and national 1..32;
 *     PSD: NCA id 2..8 letters (TS 119 495 §5.2.1), PSP id 1..32;
 *   - LEI exactly 20 characters, the last two digits, ISO 17442 / ISO 7064 MOD 97-10 check;
 *   - NTRCN: the 18-character unified social credit code with its GB 32100-2015 check character;
 *   - the whole value at most ESEAL_ORGID_MAX (64) bytes, the RFC 5280 bound of its neighbours.
 * The country is two upper-case letters (ISO 3166-1 alpha-2); "XG" only with LEI and LEI only
 * with "XG" (§5.1.4 item 4).
 *
 * In src/core, below the rooms that take one: the CA's certificate requests (src/service) and the
 * accounts' organisations (src/accounts, eseal_org_add_ext), like eseal_uscc_valid.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_upper(c) || is_digit(c); }

static int refuse(eseal_org_id *out, eseal_org_id_problem p, const char *text, const char *why)
{
    out->problem = p;
    return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "organisation identifier '%.80s': %s", text, why));
}

/* ISO 17442-1 §4 (check digits per ISO 7064 MOD 97-10, as IBAN): letters count 10..35, the
 * number formed by the 20 characters is 1 modulo 97. */
static bool lei_check(const char *v)
{
    unsigned rem = 0;
    for (size_t i = 0; i < 20; i++) {
        unsigned d = is_digit(v[i]) ? (unsigned)(v[i] - '0') : (unsigned)(v[i] - 'A' + 10);
        rem = d >= 10 ? (rem * 100 + d) % 97 : (rem * 10 + d) % 97;
    }
    return rem == 1;
}

/* Characters of a register number: A-Z 0-9, and where allowed '.', '/', '-' inside. */
static bool register_chars(const char *v, size_t len, bool punct)
{
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (is_alnum(c)) {
            continue;
        }
        if (!punct || (c != '.' && c != '/' && c != '-') || i == 0 || i + 1 == len) {
            return false;
        }
    }
    return true;
}

int eseal_org_id_parse(eseal_org_id *out, const char *text)
{
    if (out == NULL || text == NULL) {
        return es_code(es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "invalid argument: no organisation identifier"));
    }
    memset(out, 0, sizeof(*out));
    size_t len = strlen(text);
    if (len > ESEAL_ORGID_MAX) {
        return refuse(out, ESEAL_ORGID_LENGTH, text, "longer than 64 characters");
    }
    if (len < 7 || text[5] != '-') {
        return refuse(out, ESEAL_ORGID_SYNTAX, text,
                      "not TYPE + COUNTRY + '-' + IDENTIFIER (ETSI EN 319 412-1 §5.1.4, e.g. VATDE-123456789)");
    }
    bool national = is_upper(text[0]) && is_upper(text[1]) && text[2] == ':';
    static const char *const types[] = {"VAT", "NTR", "PSD", "LEI"};
    size_t t = 0;
    while (t < 4 && strncmp(text, types[t], 3) != 0) {
        t++;
    }
    if (!national && t == 4) {
        return refuse(out, ESEAL_ORGID_TYPE, text,
                      "unknown type reference (VAT, NTR, PSD, LEI, or a national scheme 'XX:')");
    }
    memcpy(out->type, text, 3);
    if (!is_upper(text[3]) || !is_upper(text[4])) {
        return refuse(out, ESEAL_ORGID_COUNTRY, text, "the country must be two upper-case letters (ISO 3166-1)");
    }
    memcpy(out->country, text + 3, 2);
    bool lei = !national && t == 3;
    bool xg = strcmp(out->country, "XG") == 0;
    if (lei != xg) {
        return refuse(out, ESEAL_ORGID_COUNTRY, text,
                      lei ? "an LEI is global: its country is XG (LEIXG-...)" : "XG is the country of an LEI only");
    }
    const char *v = text + 6;
    size_t vlen = len - 6;
    memcpy(out->value, v, vlen + 1);
    if (lei) {
        if (vlen != 20) {
            return refuse(out, ESEAL_ORGID_LENGTH, text, "an LEI has 20 characters (ISO 17442)");
        }
        if (!register_chars(v, 20, false) || !is_digit(v[18]) || !is_digit(v[19])) {
            return refuse(out, ESEAL_ORGID_CHARSET, text,
                          "an LEI is 18 upper-case letters or digits and 2 check digits (ISO 17442)");
        }
        if (!lei_check(v)) {
            return refuse(out, ESEAL_ORGID_CHECK, text, "the LEI's check digits are wrong (ISO 17442, MOD 97-10)");
        }
        return ESEAL_OK;
    }
    if (!national && t == 0) { /* VAT */
        for (size_t i = 0; i < vlen; i++) {
            if (!is_alnum(v[i]) && v[i] != '+' && v[i] != '*') {
                return refuse(out, ESEAL_ORGID_CHARSET, text, "a VAT number is upper-case letters and digits");
            }
        }
        if (vlen < 2 || vlen > 16) {
            return refuse(out, ESEAL_ORGID_LENGTH, text, "a VAT number has 2 to 16 characters");
        }
        return ESEAL_OK;
    }
    if (!national && t == 2) { /* PSD: NCA id '-' PSP id (ETSI TS 119 495 §5.2.1) */
        const char *dash = strchr(v, '-');
        size_t nca = dash != NULL ? (size_t)(dash - v) : vlen;
        for (size_t i = 0; i < nca; i++) {
            if (!is_upper(v[i])) {
                return refuse(out, ESEAL_ORGID_CHARSET, text,
                              "the competent authority of a PSD identifier is upper-case letters (ETSI TS 119 495)");
            }
        }
        if (dash == NULL || nca < 2 || nca > 8 || vlen - nca - 1 < 1 || vlen - nca - 1 > 32) {
            return refuse(out, ESEAL_ORGID_LENGTH, text,
                          "a PSD identifier is an authority of 2 to 8 letters, '-', and an authorisation number of "
                          "1 to 32 characters (ETSI TS 119 495 §5.2.1, e.g. PSDGB-FCA-123456)");
        }
        if (!register_chars(dash + 1, vlen - nca - 1, true)) {
            return refuse(out, ESEAL_ORGID_CHARSET, text,
                          "an authorisation number is upper-case letters and digits ('.', '/', '-' inside)");
        }
        return ESEAL_OK;
    }
    /* NTR or a national scheme: a register number. */
    if (!register_chars(v, vlen, true)) {
        return refuse(out, ESEAL_ORGID_CHARSET, text,
                      "a register number is upper-case letters and digits ('.', '/', '-' inside)");
    }
    if (vlen > 32) {
        return refuse(out, ESEAL_ORGID_LENGTH, text, "a register number has at most 32 characters");
    }
    if (!national && strcmp(out->country, "CN") == 0) {
        /* A Chinese trade register number is the unified social credit code (GB 32100-2015). */
        if (vlen != 18) {
            return refuse(out, ESEAL_ORGID_LENGTH, text, "NTRCN takes the 18-character unified social credit code");
        }
        if (!eseal_uscc_valid(v)) {
            return refuse(out, ESEAL_ORGID_CHECK, text,
                          "not a valid unified social credit code (GB 32100-2015 check character)");
        }
    }
    return ESEAL_OK;
}
