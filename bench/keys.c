/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_keys — signatures per second through each key backend, in one run: the file backend (the
 * key in memory, as an instance holds it once its key file is opened) beside SoftHSM2 through
 * PKCS#11 (issue 23 §1), for P-256 and RSA 2048, and each hardware backend's rate as a ratio of
 * the file backend's for the same algorithm. Every signature is eseal_key_sign over the same
 * 32-byte message, as a stamp makes it; the first of each key is verified in software.
 *
 * Backends are rows of one table (name, how to open a key of an algorithm): an `skf:` backend is
 * one more row (the integrator adds it with the SKF module). SoftHSM2 is set up here in a
 * temporary folder (SOFTHSM2_CONF, softhsm2-util --init-token); without it its rows say so.
 *
 * A report, not a test: it exits 0 when every measurement ran, 1 when one could not.
 * Usage: bench_keys [--seconds S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "eseal/eseal.h"

typedef struct {
    const char *name; /* "file", "pkcs11", later "skf" */
    /* Opens (or makes) a key of `alg`; 0 on success, 1 when the backend is missing here (skipped). */
    int (*open)(eseal_key **out, eseal_key_alg alg);
} bench_backend;

static int open_file(eseal_key **out, eseal_key_alg alg) { return eseal_key_generate(out, alg) == ESEAL_OK ? 0 : -1; }

static char p11_dir[] = "/tmp/eseal-bench-keys-XXXXXX";
static const char *p11_module;
static es_p11_pin *p11_pin;

static int p11_setup(void)
{
    static const char *const mods[] = {"/usr/lib/softhsm/libsofthsm2.so",
                                       "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"};
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]) && p11_module == NULL; i++) {
        p11_module = access(mods[i], R_OK) == 0 ? mods[i] : NULL;
    }
    if (p11_module == NULL || mkdtemp(p11_dir) == NULL) {
        return 1;
    }
    char conf[128], cmd[512];
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", p11_dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", p11_dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", conf, 1);
    snprintf(cmd, sizeof(cmd), "mkdir %s/tokens && softhsm2-util --init-token --free --label bench --pin 1357 "
             "--so-pin 24682468 >/dev/null", p11_dir);
    if (system(cmd) != 0) {
        return -1;
    }
    return es_ok(es_p11_pin_new(&p11_pin, "1357", 4)) ? 0 : -1;
}

static int open_pkcs11(eseal_key **out, eseal_key_alg alg)
{
    if (alg == ESEAL_ALG_SM2) {
        return 1; /* PKCS#11 has no standard SM2 mechanism (SoftHSM2 none): SM2 hardware is SKF's */
    }
    static int ready = 2;
    if (ready == 2) {
        ready = p11_setup();
    }
    if (ready != 0) {
        return ready;
    }
    const char *label = alg == ESEAL_ALG_P256 ? "bench-p256" : "bench-rsa";
    es_buf uri = ES_BUF_INIT(ES_P11_URI_MAX + 1);
    es_p11_uri u;
    int rc = es_ok(es_p11_key_generate(&uri, p11_module, "bench", alg, label, p11_pin)) &&
                     es_ok(es_p11_uri_parse(&u, es_buf_span(&uri))) && es_ok(es_p11_key_open(out, p11_module, &u, p11_pin))
                 ? 0
                 : -1;
    es_buf_free(&uri);
    return rc;
}

/* The GM/T 0016 backend (SM2 only): the module of ESEAL_TEST_SKF_MODULE (with ESEAL_TEST_SKF_REF and
 * ESEAL_TEST_SKF_PIN), else the test double of tests/skf/ set up in a temporary folder. */
static char skf_dir[] = "/tmp/eseal-bench-skf-XXXXXX";

static int open_skf(eseal_key **out, eseal_key_alg alg)
{
    if (alg != ESEAL_ALG_SM2) {
        return 1;
    }
    const char *module = getenv("ESEAL_TEST_SKF_MODULE");
    const char *ref = getenv("ESEAL_TEST_SKF_REF");
    const char *pin = getenv("ESEAL_TEST_SKF_PIN");
    if (module == NULL || module[0] == '\0') {
#ifdef ESEAL_SKF_DOUBLE
        char cmd[1024];
        if (mkdtemp(skf_dir) == NULL) {
            return -1;
        }
        snprintf(cmd, sizeof(cmd), "'%s' '%s' bench-dev SN-BENCH 123456 bench >/dev/null", ESEAL_SKF_SETUP, skf_dir);
        if (system(cmd) != 0) {
            return -1;
        }
        setenv("ESEAL_SKF_DOUBLE_DIR", skf_dir, 1);
        module = ESEAL_SKF_DOUBLE;
        ref = "skf:dev=bench-dev;app=ESEAL;con=bench";
        pin = "123456";
#else
        return 1;
#endif
    } else if (ref == NULL || pin == NULL) {
        return 1;
    }
    return es_ok(es_skf_key_open(out, module, ref, pin, strlen(pin))) ? 0 : -1;
}

static const bench_backend backends[] = {
    {"file", open_file},
    {"pkcs11", open_pkcs11},
    {"skf", open_skf},
};

static double rate(eseal_key *k, double seconds, int *bad)
{
    uint8_t msg[32];
    memset(msg, 0x5a, sizeof(msg));
    eseal_buf sig = ESEAL_BUF_INIT;
    if (eseal_key_sign(&sig, k, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg)) != ESEAL_OK) {
        *bad = 1;
        return 0;
    }
    int valid = 0;
    if (eseal_key_verify(&valid, k, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg), sig.ptr, sig.size) !=
            ESEAL_OK ||
        !valid) {
        *bad = 1;
    }
    eseal_buf_dispose(&sig);
    long n = 0;
    double t0 = now_s();
    double t = t0;
    while (t - t0 < seconds) {
        if (eseal_key_sign(&sig, k, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg)) != ESEAL_OK) {
            *bad = 1;
            break;
        }
        eseal_buf_dispose(&sig);
        n++;
        t = now_s();
    }
    return n / (t - t0);
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else {
            fprintf(stderr, "usage: bench_keys [--seconds S]\n");
            return 2;
        }
    }
    static const eseal_key_alg algs[] = {ESEAL_ALG_P256, ESEAL_ALG_RSA2048, ESEAL_ALG_SM2};
    int bad = 0;
    printf("bench_keys: signatures per second through each key backend (%.1f s each, 32-byte message)\n\n", seconds);
    printf("%-8s %-8s %12s %14s\n", "alg", "backend", "sig/s", "vs file");
    for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        double base = 0;
        for (size_t b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
            eseal_key *k = NULL;
            int rc = backends[b].open(&k, algs[a]);
            if (rc != 0) {
                printf("%-8s %-8s %12s %14s\n", eseal_key_alg_name(algs[a]), backends[b].name,
                       rc > 0 ? "(absent)" : "(failed)", "");
                if (rc < 0) {
                    fprintf(stderr, "bench_keys: %s: %s\n", backends[b].name, eseal_error_last()->message);
                    bad = 1;
                }
                continue;
            }
            double r = rate(k, seconds, &bad);
            eseal_key_free(k);
            if (b == 0) {
                base = r;
                printf("%-8s %-8s %12.0f %14s\n", eseal_key_alg_name(algs[a]), backends[b].name, r, "1.00x");
            } else {
                printf("%-8s %-8s %12.0f %13.2fx\n", eseal_key_alg_name(algs[a]), backends[b].name, r,
                       base > 0 ? r / base : 0);
            }
        }
    }
    es_p11_pin_free(p11_pin);
    if (skf_dir[sizeof(skf_dir) - 7] != 'X') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", skf_dir);
        (void)!system(cmd);
    }
    if (p11_dir[sizeof(p11_dir) - 7] != 'X') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", p11_dir);
        (void)!system(cmd);
    }
    return bad;
}
