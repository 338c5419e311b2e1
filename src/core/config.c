/* SPDX-License-Identifier: Apache-2.0 */
/* eseal.conf: "key = value" lines, '#' comments; unknown keys are errors (typos must not pass silently). */
#include <string.h>

#include "core.h"

#define ES_CONFIG_MAX (64 * 1024)
#define ES_CONFIG_OID_MAX 128 /* a tsa_policy OID's text: real policy OIDs are under 40 */
#define ES_CONFIG_ORIGIN_MAX 200 /* a log_origin (a C2SP key name, which notes carry on every line) */
#define ES_CONFIG_MAX_WITNESSES 32 /* log_witness lines: each is asked at every publication */

void es_config_free(es_config *c)
{
    es_free(c->organization);
    es_free(c->country);
    es_free(c->base_url);
    es_free(c->tsa_policy);
    es_free(c->log_origin);
    es_free(c->store);
    es_free(c->pkcs11_module);
    es_free(c->skf_module);
    for (size_t i = 0; i < c->log_witness_count; i++) {
        es_free(c->log_witnesses[i]);
    }
    es_free(c->log_witnesses);
    memset(c, 0, sizeof(*c));
}

static char *trim_dup(es_span s)
{
    size_t a = 0, b = s.len;
    while (a < b && (s.ptr[a] == ' ' || s.ptr[a] == '\t')) {
        a++;
    }
    while (b > a && (s.ptr[b - 1] == ' ' || s.ptr[b - 1] == '\t')) {
        b--;
    }
    return es_strndup((const char *)s.ptr + a, b - a);
}

static ES_RESULT set_str(char **dst, const char *v)
{
    es_free(*dst);
    *dst = es_strdup(v);
    ES_ENSURE_ALLOC(*dst);
    return ES_OK;
}

static ES_RESULT apply(es_config *c, const char *path, size_t line, const char *key, const char *val)
{
    if (strcmp(key, "organization") == 0) {
        return set_str(&c->organization, val);
    }
    if (strcmp(key, "country") == 0) {
        ES_ENSURE(strlen(val) == 2, ESEAL_EMALFORMED, "%s:%zu: country must be a two-letter code", path, line);
        return set_str(&c->country, val);
    }
    if (strcmp(key, "base_url") == 0) {
        ES_ENSURE(es_str_starts(val, "http://") || es_str_starts(val, "https://"), ESEAL_EMALFORMED,
                  "%s:%zu: base_url must start with http:// or https://", path, line);
        return set_str(&c->base_url, val);
    }
    if (strcmp(key, "cert_days") == 0 || strcmp(key, "crl_days") == 0) {
        uint64_t v = 0;
        es_result r = es_parse_uint(val, 36500, &v);
        ES_ENSURE(es_ok(r) && v > 0, ESEAL_EMALFORMED, "%s:%zu: %s must be a number of days from 1 to 36500", path,
                  line, key);
        if (key[1] == 'e') {
            c->cert_days = (unsigned)v;
        } else {
            c->crl_days = (unsigned)v;
        }
        return ES_OK;
    }
    if (strcmp(key, "tsa_policy") == 0) {
        /* A dotted OID of at least two arcs, digits only (RFC 3628 policy identifier). */
        bool ok = strlen(val) < ES_CONFIG_OID_MAX && val[0] >= '0' && val[0] <= '2' && val[1] == '.';
        for (const char *p = val; ok && *p != '\0'; p++) {
            ok = (*p >= '0' && *p <= '9') || (*p == '.' && p[1] != '.' && p[1] != '\0');
        }
        ES_ENSURE(ok, ESEAL_EMALFORMED, "%s:%zu: tsa_policy must be a dotted OID such as 1.2.3.4", path, line);
        return set_str(&c->tsa_policy, val);
    }
    if (strcmp(key, "log_origin") == 0) {
        /* A C2SP key name: no spaces, no '+', printable ASCII. */
        bool ok = val[0] != '\0' && strlen(val) < ES_CONFIG_ORIGIN_MAX;
        for (const char *p = val; ok && *p != '\0'; p++) {
            ok = *p > ' ' && *p < 0x7f && *p != '+';
        }
        ES_ENSURE(ok, ESEAL_EMALFORMED, "%s:%zu: log_origin must be printable ASCII without spaces or '+'", path,
                  line);
        return set_str(&c->log_origin, val);
    }
    if (strcmp(key, "log_witness") == 0) {
        ES_ENSURE(c->log_witness_count < ES_CONFIG_MAX_WITNESSES, ESEAL_ELIMIT, "%s:%zu: at most %d log_witness lines",
                  path, line, ES_CONFIG_MAX_WITNESSES);
        char **n = es_realloc(c->log_witnesses, (c->log_witness_count + 1) * sizeof(*n));
        ES_ENSURE_ALLOC(n);
        c->log_witnesses = n;
        n[c->log_witness_count] = es_strdup(val);
        ES_ENSURE_ALLOC(n[c->log_witness_count]);
        c->log_witness_count++;
        return ES_OK;
    }
    if (strcmp(key, "log_witness_quorum") == 0 || strcmp(key, "log_witness_timeout_ms") == 0) {
        uint64_t v = 0;
        bool q = key[12] == 'q';
        es_result r = es_parse_uint(val, q ? 32 : 60000, &v);
        ES_ENSURE(es_ok(r) && (q || v > 0), ESEAL_EMALFORMED, "%s:%zu: %s must be a number from %d to %d", path, line,
                  key, q ? 0 : 1, q ? 32 : 60000);
        if (q) {
            c->log_witness_quorum = (unsigned)v;
        } else {
            c->log_witness_timeout_ms = (unsigned)v;
        }
        return ES_OK;
    }
    if (strcmp(key, "pkcs11_module") == 0) {
        /* An absolute path: dlopen with a bare name would search the library path, and a relative
         * one would depend on the working directory of whichever process opens the instance. */
        ES_ENSURE(val[0] == '/', ESEAL_EMALFORMED, "%s:%zu: pkcs11_module must be an absolute path", path, line);
        return set_str(&c->pkcs11_module, val);
    }
    if (strcmp(key, "skf_module") == 0) {
        ES_ENSURE(val[0] == '/', ESEAL_EMALFORMED, "%s:%zu: skf_module must be an absolute path", path, line);
        return set_str(&c->skf_module, val);
    }
    if (strcmp(key, "store") == 0) {
        /* A location eseal_store_open reads; a plain path is a SQLite file, relative to nothing: refused,
         * since every process and every working directory must find the same store. */
        ES_ENSURE(es_str_starts(val, "postgresql://") || es_str_starts(val, "postgres://") ||
                      es_str_starts(val, "sqlite:/") || val[0] == '/',
                  ESEAL_EMALFORMED,
                  "%s:%zu: store must be postgresql://USER@HOST:PORT/DB, sqlite:/PATH or an absolute path", path,
                  line);
        ES_ENSURE(!es_store_has_password(val), ESEAL_EMALFORMED,
                  "%s:%zu: store must not hold a password (eseal.conf is readable by others): give it in a "
                  "password file (libpq's ~/.pgpass, or passfile=PATH in the location)",
                  path, line);
        return set_str(&c->store, val);
    }
    ES_BAIL(ESEAL_EMALFORMED, "%s:%zu: unknown setting '%s'", path, line, key);
}

ES_RESULT es_config_load(es_config *c, const char *path)
{
    memset(c, 0, sizeof(*c));
    c->cert_days = 365;
    c->crl_days = 7;
    c->log_witness_timeout_ms = 1000;
    ES_GUARD(set_str(&c->organization, "eseal Platform"));
    ES_GUARD(set_str(&c->country, "CN"));
    ES_GUARD(set_str(&c->base_url, "http://127.0.0.1:8080"));
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(ES_CONFIG_MAX);
    ES_GUARD(es_file_read(&text, path, ES_CONFIG_MAX));
    es_cur cur = es_cur_of(es_buf_span(&text));
    size_t lineno = 0;
    while (!es_cur_eof(&cur)) {
        es_span line;
        ES_GUARD(es_cur_line(&cur, 4096, &line));
        lineno++;
        ES_AUTO(es_strfreep) char *l = trim_dup(line);
        ES_ENSURE_ALLOC(l);
        if (l[0] == '\0' || l[0] == '#') {
            continue;
        }
        char *eq = strchr(l, '=');
        ES_ENSURE(eq != NULL, ESEAL_EMALFORMED, "%s:%zu: expected 'key = value'", path, lineno);
        *eq = '\0';
        ES_AUTO(es_strfreep) char *key = trim_dup(es_span_of(l, strlen(l)));
        ES_AUTO(es_strfreep) char *val = trim_dup(es_span_of(eq + 1, strlen(eq + 1)));
        ES_ENSURE_ALLOC(key);
        ES_ENSURE_ALLOC(val);
        ES_GUARD(apply(c, path, lineno, key, val));
    }
    return ES_OK;
}

bool es_store_has_password(const char *location)
{
    const char *s = strstr(location, "://");
    if (s == NULL) {
        return false;
    }
    s += 3;
    size_t auth = strcspn(s, "/?"); /* USER[:PASSWORD]@HOST:PORT */
    const char *at = memchr(s, '@', auth);
    const char *q = strchr(s, '?');
    return (at != NULL && memchr(s, ':', (size_t)(at - s)) != NULL) ||
           (q != NULL && (strstr(q, "?password=") != NULL || strstr(q, "&password=") != NULL));
}

ES_RESULT es_store_location(es_buf *out, const es_config *cfg, const char *home)
{
    es_buf_clear(out);
    return cfg->store != NULL ? es_buf_append_str(out, cfg->store) : es_buf_printf(out, "%s/eseal.db", home);
}

ES_RESULT es_config_write_default(const char *path, const eseal_instance_init_options *o, const char *store)
{
    ES_AUTO(es_buf_freep) es_buf t = ES_BUF_INIT(ES_CONFIG_MAX);
    ES_GUARD(es_buf_printf(&t,
                           "# eseal instance configuration (see eseal(1), section CONFIGURATION)\n"
                           "# The platform operator, as named in the CA certificates.\n"
                           "organization = %s\n"
                           "country = %s\n"
                           "# Public URL: CRL distribution points, OCSP and verification links are under it.\n"
                           "base_url = %s\n"
                           "# Default validity of issued certificates, and of each CRL, in days.\n"
                           "cert_days = 365\n"
                           "crl_days = 7\n"
                           "# The TSA's policy OID (RFC 3628). The default, 1.3.6.1.4.1.99999.1, is a placeholder:\n"
                           "# set your own before the TSA serves anyone else.\n"
                           "# tsa_policy = 1.2.3.4.5\n"
                           "# The audit log's origin (default: base_url without its scheme, then /log), and\n"
                           "# witnesses that cosign its checkpoints: NAME VKEY URL lines, and how many must.\n"
                           "# log_origin = seal.example.com/log\n"
                           "# log_witness = witness.example.org witness.example.org+1234abcd+BASE64 http://w.example.org\n"
                           "# log_witness_quorum = 1\n",
                           o->organization != NULL ? o->organization : "eseal Platform",
                           o->country != NULL ? o->country : "CN",
                           o->base_url != NULL ? o->base_url : "http://127.0.0.1:8080"));
    if (store != NULL) {
        ES_GUARD(es_buf_printf(&t,
                               "# Where the store is (eseal(1), CONFIGURATION; docs/deploy.md): PostgreSQL here.\n"
                               "store = %s\n",
                               store));
    }
    const char *module = o->version >= 5 ? o->pkcs11_module : NULL;
    if (module != NULL) {
        ES_ENSURE(module[0] == '/' && strchr(module, '\n') == NULL, ESEAL_EINVAL,
                  "the PKCS#11 module is an absolute path on one line");
        ES_GUARD(es_buf_printf(&t,
                               "# The PKCS#11 module of the tokens that hold keys (docs/keys.md).\n"
                               "pkcs11_module = %s\n",
                               module));
    }
    return es_file_write_new(path, t.ptr, t.len, 0644);
}
