/* SPDX-License-Identifier: Apache-2.0 */
/* Times and text as trust lists and registry answers write them (tl_int.h). */
#include <string.h>

#include "tl_int.h"

/* 10000-01-01T00:00:00Z: RFC 3339 §5.6 has four digits of year. */
#define TL_TIME_END INT64_C(253402300800000)

bool es_tl_time_text(char out[ES_TL_TIME_LEN], int64_t ms, bool with_ms)
{
    if (ms < 0 || ms >= TL_TIME_END) {
        return false;
    }
    char t[ES_RFC3339_LEN];
    es_time_rfc3339(t, ms);
    if (!with_ms) {
        /* "YYYY-MM-DDTHH:MM:SS.mmmZ" without ".mmm": the milliseconds truncated (the brief's whole seconds). */
        t[19] = 'Z';
        t[20] = '\0';
    }
    memcpy(out, t, strlen(t) + 1);
    return true;
}

static bool digits(const char *s, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

ES_RESULT es_tl_time_parse(int64_t *ms, const char *text, bool fraction, const char *what)
{
    /* One spelling, UTC: "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339 §5.6 with the offset Z, upper case); the
     * general parser below would also take offsets, lower case and dates alone. */
    size_t n = strlen(text);
    bool shape = n >= 20 && digits(text, 0, 4) && text[4] == '-' && digits(text, 5, 2) && text[7] == '-' &&
                 digits(text, 8, 2) && text[10] == 'T' && digits(text, 11, 2) && text[13] == ':' &&
                 digits(text, 14, 2) && text[16] == ':' && digits(text, 17, 2) && text[n - 1] == 'Z';
    if (shape && n > 20) {
        /* ".f" to ".fffffffff" (nanoseconds at most) before the Z */
        shape = fraction && text[19] == '.' && n >= 22 && n <= 30 && digits(text, 20, n - 21);
    }
    ES_ENSURE(shape, ESEAL_EMALFORMED, "%s: \"%.40s\" is not a time of the form YYYY-MM-DDTHH:MM:SS%sZ", what, text,
              fraction ? "[.fff]" : "");
    es_result r = es_time_parse_rfc3339(text, ms);
    ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "%s: \"%s\" is not a valid date and time", what, text);
    /* What the writers take (es_tl_time_text): a document read back signs again to the same text. */
    ES_ENSURE(*ms >= 0, ESEAL_EMALFORMED, "%s: \"%s\" is before 1970", what, text);
    return ES_OK;
}

bool es_tl_utf8(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}
