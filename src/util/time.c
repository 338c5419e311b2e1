/* SPDX-License-Identifier: Apache-2.0 */
/* Time helpers: UTC only, milliseconds since the Unix epoch, no locale, no gmtime(). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

int64_t es_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms). */
int64_t es_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void es_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void split(int64_t ms, int64_t *y, unsigned *mo, unsigned *d, unsigned *h, unsigned *mi,
                  unsigned *s, unsigned *frac)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int64_t rem_ms = ms - secs * 1000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    es_civil_from_days(days, y, mo, d);
    *h = (unsigned)(sod / 3600);
    *mi = (unsigned)(sod / 60 % 60);
    *s = (unsigned)(sod % 60);
    *frac = (unsigned)rem_ms;
}

void es_time_rfc3339(char out[ES_RFC3339_LEN], int64_t ms)
{
    int64_t y;
    unsigned mo, d, h, mi, s, f;
    split(ms, &y, &mo, &d, &h, &mi, &s, &f);
    (void)snprintf(out, ES_RFC3339_LEN, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, mo, d, h,
                   mi, s, f);
}

void es_time_gentime(char out[ES_GENTIME_LEN], int64_t ms, bool with_ms)
{
    int64_t y;
    unsigned mo, d, h, mi, s, f;
    split(ms, &y, &mo, &d, &h, &mi, &s, &f);
    if (with_ms && f != 0) {
        /* X.690 §11.7: no trailing zeros in the fraction. */
        char frac[4] = {(char)('0' + f / 100 % 10), (char)('0' + f / 10 % 10), (char)('0' + f % 10), '\0'};
        size_t n = 3;
        while (n > 0 && frac[n - 1] == '0') {
            frac[--n] = '\0';
        }
        (void)snprintf(out, ES_GENTIME_LEN, "%04lld%02u%02u%02u%02u%02u.%sZ", (long long)y, mo, d, h, mi,
                       s, frac);
    } else {
        (void)snprintf(out, ES_GENTIME_LEN, "%04lld%02u%02u%02u%02u%02uZ", (long long)y, mo, d, h, mi, s);
    }
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static ES_RESULT make_ms(int64_t y, uint64_t mo, uint64_t d, uint64_t h, uint64_t mi, uint64_t s,
                         uint64_t frac_ms, int64_t *out)
{
    ES_ENSURE(mo >= 1 && mo <= 12, ESEAL_EMALFORMED, "month %llu out of range", (unsigned long long)mo);
    ES_ENSURE(d >= 1 && d <= days_in_month(y, (unsigned)mo), ESEAL_EMALFORMED, "day %llu out of range",
              (unsigned long long)d);
    ES_ENSURE(h <= 23 && mi <= 59 && s <= 60, ESEAL_EMALFORMED, "time of day out of range");
    if (s == 60) {
        s = 59; /* leap second: clamp, as POSIX time does */
    }
    int64_t days = es_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = ((days * 86400) + (int64_t)(h * 3600 + mi * 60 + s)) * 1000 + (int64_t)frac_ms;
    return ES_OK;
}

/* Reads ".ddd..." keeping milliseconds (further digits truncated). */
static ES_RESULT read_fraction(es_cur *c, uint64_t *ms)
{
    *ms = 0;
    if (!es_cur_peek_is(c, ".")) {
        return ES_OK;
    }
    c->pos++;
    size_t start = c->pos;
    unsigned digits = 0;
    while (!es_cur_eof(c) && c->base[c->pos] >= '0' && c->base[c->pos] <= '9') {
        if (digits < 3) {
            *ms = *ms * 10 + (uint64_t)(c->base[c->pos] - '0');
        }
        digits++;
        c->pos++;
        ES_ENSURE(digits <= 9, ESEAL_EMALFORMED, "too many fraction digits");
    }
    ES_ENSURE(c->pos > start, ESEAL_EMALFORMED, "empty fraction of a second");
    for (; digits < 3; digits++) {
        *ms *= 10;
    }
    return ES_OK;
}

ES_RESULT es_time_parse_rfc3339(const char *str, int64_t *out_ms)
{
    ES_ENSURE_ARG(str != NULL && out_ms != NULL);
    es_cur c = es_cur_of(es_span_of(str, strlen(str)));
    uint64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
    es_result r = es_cur_digits_exact(&c, 4, &y);
    if (es_ok(r)) {
        r = es_cur_expect(&c, "-");
    }
    if (es_ok(r)) {
        r = es_cur_digits_exact(&c, 2, &mo);
    }
    if (es_ok(r)) {
        r = es_cur_expect(&c, "-");
    }
    if (es_ok(r)) {
        r = es_cur_digits_exact(&c, 2, &d);
    }
    ES_ENSURE(es_ok(r), ESEAL_EINVAL, "'%s' is not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)", str);
    int64_t offset_min = 0;
    if (!es_cur_eof(&c)) {
        ES_ENSURE(c.base[c.pos] == 'T' || c.base[c.pos] == 't' || c.base[c.pos] == ' ', ESEAL_EINVAL,
                  "'%s' is not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)", str);
        c.pos++;
        r = es_cur_digits_exact(&c, 2, &h);
        if (es_ok(r)) {
            r = es_cur_expect(&c, ":");
        }
        if (es_ok(r)) {
            r = es_cur_digits_exact(&c, 2, &mi);
        }
        if (es_ok(r)) {
            r = es_cur_expect(&c, ":");
        }
        if (es_ok(r)) {
            r = es_cur_digits_exact(&c, 2, &s);
        }
        if (es_ok(r)) {
            r = read_fraction(&c, &frac);
        }
        ES_ENSURE(es_ok(r) && !es_cur_eof(&c), ESEAL_EINVAL,
                  "'%s' is not an RFC 3339 time (YYYY-MM-DDTHH:MM:SSZ)", str);
        uint8_t z = c.base[c.pos++];
        if (z == '+' || z == '-') {
            uint64_t oh, om;
            r = es_cur_digits_exact(&c, 2, &oh);
            if (es_ok(r)) {
                r = es_cur_expect(&c, ":");
            }
            if (es_ok(r)) {
                r = es_cur_digits_exact(&c, 2, &om);
            }
            ES_ENSURE(es_ok(r) && oh <= 23 && om <= 59, ESEAL_EINVAL, "'%s' has a bad UTC offset", str);
            offset_min = (int64_t)(oh * 60 + om) * (z == '-' ? -1 : 1);
        } else {
            ES_ENSURE(z == 'Z' || z == 'z', ESEAL_EINVAL, "'%s' needs a time zone (Z or +hh:mm)", str);
        }
        ES_ENSURE(es_cur_eof(&c), ESEAL_EINVAL, "'%s' has trailing characters", str);
    }
    int64_t ms = 0;
    r = make_ms((int64_t)y, mo, d, h, mi, s, frac, &ms);
    ES_ENSURE(es_ok(r), ESEAL_EINVAL, "'%s' is not a valid date and time", str);
    *out_ms = ms - offset_min * 60000;
    return ES_OK;
}

ES_RESULT es_time_parse_gentime(es_span sp, int64_t *out_ms)
{
    es_cur c = es_cur_of(sp);
    uint64_t y, mo, d, h, mi, s, frac = 0;
    ES_GUARD(es_cur_digits_exact(&c, 4, &y));
    ES_GUARD(es_cur_digits_exact(&c, 2, &mo));
    ES_GUARD(es_cur_digits_exact(&c, 2, &d));
    ES_GUARD(es_cur_digits_exact(&c, 2, &h));
    ES_GUARD(es_cur_digits_exact(&c, 2, &mi));
    ES_GUARD(es_cur_digits_exact(&c, 2, &s));
    ES_GUARD(read_fraction(&c, &frac));
    ES_GUARD(es_cur_expect(&c, "Z"));
    ES_ENSURE(es_cur_eof(&c), ESEAL_EMALFORMED, "GeneralizedTime has trailing bytes");
    return make_ms((int64_t)y, mo, d, h, mi, s, frac, out_ms);
}

int64_t eseal_time_now(void) { return es_now_ms(); }

int eseal_time_parse(int64_t *out_ms, const char *text)
{
    if (out_ms == NULL || text == NULL) {
        ES_BAIL_ARG("out_ms == NULL || text == NULL");
    }
    return es_code(es_time_parse_rfc3339(text, out_ms));
}

void eseal_time_format(char *out, size_t out_len, int64_t ms)
{
    char buf[ES_RFC3339_LEN];
    es_time_rfc3339(buf, ms);
    if (out != NULL && out_len > 0) {
        (void)snprintf(out, out_len, "%s", buf);
    }
}
