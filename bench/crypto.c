/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_crypto — signing and verifying throughput of the eseal API compared
 * with `openssl speed`, plus the cost of passphrase key-file protection.
 *
 * A report, not a test: it never fails because something is slow. It exits
 * 0 when every measurement ran and 1 when one could not (a key could not be
 * made, a signature did not verify, `openssl speed` could not be run or
 * parsed).
 *
 * What is compared. Every row signs the same 32-byte message (openssl speed
 * signs 20 or 36 bytes). The eseal columns time the public calls exactly as
 * an application makes them:
 *
 *   eseal_key_sign(&sig, key, ESEAL_HASH_DEFAULT, scheme, msg, 32)
 *   eseal_signature_verify(&valid, spki, spki_len, ESEAL_HASH_DEFAULT, scheme, msg, 32, sig, sig_len)
 *
 * so sign includes hashing and a fresh EVP context per call, and verify also
 * parses the SubjectPublicKeyInfo on every call. `openssl speed` (3.0) does
 * less per operation: RSA and ECDSA call EVP_PKEY_sign/verify on a
 * precomputed digest with one context reused for the whole run, Ed25519
 * reuses one EVP_MD_CTX, only SM2 re-initialises (and recomputes Z) per call.
 * The breakdown table therefore also times, in this process with the same
 * libcrypto, (a) a one-shot EVP_DigestSign/Verify with a fresh context on an
 * already-parsed key and (b) d2i_PUBKEY alone, so the gap can be attributed
 * to context setup, SPKI parsing or the eseal layer itself.
 *
 * Usage: bench_crypto [--seconds S] [--reps N] [--openssl PATH] [--no-openssl] [--no-breakdown]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <eseal/common.h>
#include <eseal/errors.h>
#include <eseal/key.h>

#define MSG_LEN 32
#define MAX_REPS 9
#define FLAG_THRESHOLD_PCT 15.0
#define SM2_DEFAULT_ID "1234567812345678"
#define KEYFILE_PASS "bench-passphrase-not-a-secret"

/* ---- configuration -------------------------------------------------------- */

typedef struct {
    const char *name;      /* row label */
    eseal_key_alg alg;
    eseal_sig_scheme scheme;
    const char *speed_alg; /* `openssl speed` algorithm compared against */
    const char *md;        /* digest for the in-process EVP breakdown; NULL = pure EdDSA */
} bench_alg;

static const bench_alg bench_algs[] = {
    {"sm2", ESEAL_ALG_SM2, ESEAL_SCHEME_DEFAULT, "sm2", "SM3"},
    {"p256", ESEAL_ALG_P256, ESEAL_SCHEME_DEFAULT, "ecdsap256", "SHA256"},
    {"p384", ESEAL_ALG_P384, ESEAL_SCHEME_DEFAULT, "ecdsap384", "SHA384"},
    {"rsa2048", ESEAL_ALG_RSA2048, ESEAL_SCHEME_DEFAULT, "rsa2048", "SHA256"},
    {"rsa2048-pss", ESEAL_ALG_RSA2048, ESEAL_SCHEME_RSA_PSS, "rsa2048", "SHA256"},
    {"rsa3072", ESEAL_ALG_RSA3072, ESEAL_SCHEME_DEFAULT, "rsa3072", "SHA256"},
    {"ed25519", ESEAL_ALG_ED25519, ESEAL_SCHEME_DEFAULT, "ed25519", NULL},
};

#define N_ALGS (sizeof(bench_algs) / sizeof(bench_algs[0]))

typedef struct {
    double seconds;
    unsigned reps;
    const char *openssl_bin;
    bool run_openssl;
    bool breakdown;
} bench_opts;

/* Operations per second; 0 means "not measured". */
typedef struct {
    double es_sign, es_verify;
    double ossl_sign, ossl_verify;
    double raw_sign, raw_verify, spki_parse;
    bool failed;
} row_result;

/* ---- timing --------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median(double *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++) { /* insertion sort: n <= MAX_REPS */
        double x = v[i];
        unsigned j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    if (n == 0) {
        return 0.0;
    }
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

typedef int (*bench_op)(void *ctx);

/* Runs `op` repeatedly for `seconds`, `reps` times; the median rate in ops/s, or -1 on failure. */
static double measure(bench_op op, void *ctx, double seconds, unsigned reps)
{
    double rates[MAX_REPS];
    if (op(ctx) != 0) { /* warm-up, and a correctness check before timing */
        return -1.0;
    }
    for (unsigned r = 0; r < reps; r++) {
        unsigned long count = 0;
        double start = now_s();
        double end = start + seconds;
        double t = start;
        do {
            if (op(ctx) != 0) {
                return -1.0;
            }
            count++;
            t = now_s();
        } while (t < end);
        rates[r] = (double)count / (t - start);
    }
    return median(rates, reps);
}

/* ---- eseal operations ----------------------------------------------------- */

typedef struct {
    eseal_key *key;
    eseal_sig_scheme scheme;
    const uint8_t *msg;
    size_t len;
    eseal_buf sig;
} es_sign_ctx;

static int op_eseal_sign(void *p)
{
    es_sign_ctx *c = p;
    /* eseal_key_sign disposes c->sig before writing the new signature. */
    return eseal_key_sign(&c->sig, c->key, ESEAL_HASH_DEFAULT, c->scheme, c->msg, c->len) == ESEAL_OK ? 0 : -1;
}

typedef struct {
    const eseal_key *key;
    eseal_sig_scheme scheme;
    const uint8_t *msg;
    size_t len;
    const uint8_t *sig;
    size_t sig_len;
} es_verify_ctx;

static int op_eseal_verify(void *p)
{
    const es_verify_ctx *c = p;
    int valid = 0;
    int rc = eseal_key_verify(&valid, c->key, ESEAL_HASH_DEFAULT, c->scheme, c->msg, c->len, c->sig, c->sig_len);
    return rc == ESEAL_OK && valid == 1 ? 0 : -1;
}

/* ---- in-process libcrypto breakdown --------------------------------------- */

static int setup_pctx(EVP_PKEY_CTX *pctx, const bench_alg *a, bool verify)
{
    if (a->alg == ESEAL_ALG_SM2) {
        return EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, (int)strlen(SM2_DEFAULT_ID)) > 0 ? 0 : -1;
    }
    if (a->scheme == ESEAL_SCHEME_RSA_PSS) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0) {
            return -1;
        }
        int salt = verify ? RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST;
        return EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0 ? 0 : -1;
    }
    return 0;
}

typedef struct {
    EVP_PKEY *pk;
    const bench_alg *a;
    const uint8_t *msg;
    size_t len;
    uint8_t sig[1024];
} raw_sign_ctx;

/* One-shot sign with a fresh EVP_MD_CTX: the least any stateless sign call must do. */
static int op_raw_sign(void *p)
{
    raw_sign_ctx *c = p;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t siglen = sizeof(c->sig);
    int ok = m != NULL && EVP_DigestSignInit_ex(m, &pctx, c->a->md, NULL, NULL, c->pk, NULL) == 1 &&
             setup_pctx(pctx, c->a, false) == 0 && EVP_DigestSign(m, c->sig, &siglen, c->msg, c->len) == 1;
    EVP_MD_CTX_free(m);
    return ok ? 0 : -1;
}

typedef struct {
    EVP_PKEY *pub;
    const bench_alg *a;
    const uint8_t *msg;
    size_t len;
    const uint8_t *sig;
    size_t sig_len;
} raw_verify_ctx;

/* One-shot verify with a fresh EVP_MD_CTX on an already-parsed public key. */
static int op_raw_verify(void *p)
{
    const raw_verify_ctx *c = p;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = m != NULL && EVP_DigestVerifyInit_ex(m, &pctx, c->a->md, NULL, NULL, c->pub, NULL) == 1 &&
             setup_pctx(pctx, c->a, true) == 0 && EVP_DigestVerify(m, c->sig, c->sig_len, c->msg, c->len) == 1;
    EVP_MD_CTX_free(m);
    return ok ? 0 : -1;
}

typedef struct {
    const uint8_t *spki;
    size_t len;
} parse_ctx;

/* SubjectPublicKeyInfo decoding alone, as eseal_signature_verify does per call. */
static int op_spki_parse(void *p)
{
    const parse_ctx *c = p;
    const unsigned char *q = c->spki;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)c->len);
    int ok = pk != NULL && q == c->spki + c->len;
    EVP_PKEY_free(pk);
    return ok ? 0 : -1;
}

static EVP_PKEY *raw_keygen(eseal_key_alg alg)
{
    switch (alg) {
    case ESEAL_ALG_SM2:
        return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    case ESEAL_ALG_P256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case ESEAL_ALG_P384:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    case ESEAL_ALG_RSA2048:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case ESEAL_ALG_RSA3072:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    case ESEAL_ALG_ED25519:
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    case ESEAL_ALG_NONE:
    default:
        return NULL;
    }
}

/* Wall-clock seconds spent waiting for openssl speed children (for print_cpu_share). */
static double g_child_wall;

/* ---- openssl speed -------------------------------------------------------- */

/*
 * `openssl speed -mr` prints one final line per asymmetric test, e.g. on 3.0:
 *   +F2:2:2048:4092.000000:61354.000000          RSA   (sign/s, verify/s)
 *   +F4:3:256:49366.000000:16620.000000          ECDSA
 *   +F6:0:253:Ed25519:27452.040816:9880.000000   EdDSA
 *   +F7:0:256:CurveSM2:3013.000000:3493.000000   SM2
 * In all of them the last two fields are sign/s and verify/s. (+F5 is ECDH
 * and +F8 FFDH, one rate each; +F3 is DSA.)
 */
static bool parse_speed_line(char *line, double *sign, double *verify)
{
    if (line[0] != '+' || line[1] != 'F') {
        return false;
    }
    char kind = line[2];
    if (kind != '2' && kind != '3' && kind != '4' && kind != '6' && kind != '7') {
        return false;
    }
    if (line[3] != ':') {
        return false;
    }
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    char *last = strrchr(line, ':');
    if (last == NULL || last <= line + 3) {
        return false;
    }
    char *prev = last - 1;
    while (prev > line && *prev != ':') {
        prev--;
    }
    if (*prev != ':' || prev <= line + 3) {
        return false;
    }
    char *end = NULL;
    errno = 0;
    double s = strtod(prev + 1, &end);
    if (errno != 0 || end != last) {
        return false;
    }
    double v = strtod(last + 1, &end);
    if (errno != 0 || end == last + 1 || *end != '\0') {
        return false;
    }
    if (!(s > 0.0) || !(v > 0.0)) {
        return false;
    }
    *sign = s;
    *verify = v;
    return true;
}

/*
 * Runs `<bin> speed -seconds <secs> -mr <alg>` without a shell and parses its
 * sign/s and verify/s. Returns 0 on success.
 */
static int run_openssl_speed(const char *bin, const char *alg, int secs, double *sign, double *verify)
{
    char a_bin[PATH_MAX], a_speed[] = "speed", a_seconds[] = "-seconds", a_secs[16], a_mr[] = "-mr", a_alg[64];
    if ((size_t)snprintf(a_bin, sizeof(a_bin), "%s", bin) >= sizeof(a_bin) ||
        (size_t)snprintf(a_alg, sizeof(a_alg), "%s", alg) >= sizeof(a_alg)) {
        return -1;
    }
    (void)snprintf(a_secs, sizeof(a_secs), "%d", secs);
    char *argv[] = {a_bin, a_speed, a_seconds, a_secs, a_mr, a_alg, NULL};

    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    (void)posix_spawn_file_actions_addclose(&fa, fds[0]);
    (void)posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    (void)posix_spawn_file_actions_addclose(&fa, fds[1]);
    (void)posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    double t0 = now_s();
    int rc = posix_spawnp(&pid, a_bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        fprintf(stderr, "bench_crypto: cannot run %s: %s\n", bin, strerror(rc));
        return -1;
    }
    FILE *f = fdopen(fds[0], "r");
    if (f == NULL) {
        close(fds[0]);
        (void)waitpid(pid, NULL, 0);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (getline(&line, &cap, f) >= 0) {
        double s = 0.0, v = 0.0;
        if (!found && parse_speed_line(line, &s, &v)) {
            *sign = s;
            *verify = v;
            found = true;
        }
    }
    free(line);
    fclose(f);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    g_child_wall += now_s() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_crypto: `%s speed %s` failed\n", bin, alg);
        return -1;
    }
    if (!found) {
        fprintf(stderr, "bench_crypto: no +F sign/verify line in `%s speed -mr %s` output\n", bin, alg);
        return -1;
    }
    return 0;
}

/* `openssl speed -seconds` takes whole seconds: --seconds rounded up, at least 1. */
static int speed_seconds(const bench_opts *o)
{
    int secs = (int)o->seconds;
    if ((double)secs < o->seconds) {
        secs++;
    }
    return secs < 1 ? 1 : secs;
}

/* ---- one row -------------------------------------------------------------- */

static void report_eseal_error(const char *what, const char *alg)
{
    const eseal_error *e = eseal_error_last();
    fprintf(stderr, "bench_crypto: %s (%s) failed: %s: %s\n", what, alg, eseal_code_name(e->code), e->message);
}

/* Per-repetition samples of one row; medians go to row_result. */
typedef struct {
    double es_sign[MAX_REPS], es_verify[MAX_REPS];
    double ossl_sign[MAX_REPS], ossl_verify[MAX_REPS];
    double raw_sign[MAX_REPS], raw_verify[MAX_REPS], spki_parse[MAX_REPS];
} row_samples;

/*
 * One repetition of the in-process breakdown. Shorter runs: these columns
 * explain the gap, they are not the headline. Returns 0 on success.
 */
static int breakdown_rep(const bench_opts *o, const bench_alg *a, EVP_PKEY *priv, EVP_PKEY *pub, const uint8_t *msg,
                         const eseal_buf *spki, const eseal_buf *sig, row_samples *smp, unsigned r)
{
    double secs = o->seconds / 4.0;
    raw_sign_ctx *sc = calloc(1, sizeof(*sc));
    if (sc == NULL) {
        return -1;
    }
    sc->pk = priv;
    sc->a = a;
    sc->msg = msg;
    sc->len = MSG_LEN;
    smp->raw_sign[r] = measure(op_raw_sign, sc, secs, 1);
    free(sc);
    parse_ctx pc = {spki->ptr, spki->size};
    smp->spki_parse[r] = measure(op_spki_parse, &pc, secs, 1);
    raw_verify_ctx vc = {pub, a, msg, MSG_LEN, sig->ptr, sig->size};
    smp->raw_verify[r] = measure(op_raw_verify, &vc, secs, 1);
    if (smp->raw_sign[r] < 0 || smp->raw_verify[r] < 0 || smp->spki_parse[r] < 0) {
        fprintf(stderr, "bench_crypto: libcrypto breakdown (%s) failed\n", a->name);
        ERR_print_errors_fp(stderr);
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/*
 * Measures one row. The repetitions are interleaved (eseal sign, eseal verify,
 * breakdown, openssl speed; then again), so a load change on the machine hits
 * both sides of the comparison alike instead of one algorithm's eseal runs.
 * `reuse` (may be NULL) already holds this row's openssl speed figures.
 */
static void bench_row(const bench_opts *o, const bench_alg *a, const uint8_t *msg, const row_result *reuse,
                      row_result *res)
{
    row_samples *smp = calloc(1, sizeof(*smp));
    eseal_key *key = NULL;
    eseal_buf spki = ESEAL_BUF_INIT;
    es_sign_ctx sc = {NULL, a->scheme, msg, MSG_LEN, ESEAL_BUF_INIT};
    EVP_PKEY *priv = NULL, *pub = NULL;
    bool run_openssl = o->run_openssl && reuse == NULL;
    bool breakdown = o->breakdown;

    if (smp == NULL) {
        res->failed = true;
        return;
    }
    if (eseal_key_generate(&key, a->alg) != ESEAL_OK) {
        report_eseal_error("eseal_key_generate", a->name);
        goto fail;
    }
    sc.key = key;
    if (eseal_key_public_der(&spki, key) != ESEAL_OK) {
        report_eseal_error("eseal_key_public_der", a->name);
        goto fail;
    }
    if (breakdown) {
        const unsigned char *q = spki.ptr;
        priv = raw_keygen(a->alg);
        pub = d2i_PUBKEY(NULL, &q, (long)spki.size);
        if (priv == NULL || pub == NULL) {
            fprintf(stderr, "bench_crypto: libcrypto key setup (%s) failed\n", a->name);
            res->failed = true;
            breakdown = false;
        }
    }
    for (unsigned r = 0; r < o->reps; r++) {
        smp->es_sign[r] = measure(op_eseal_sign, &sc, o->seconds, 1);
        if (smp->es_sign[r] < 0) {
            report_eseal_error("eseal_key_sign", a->name);
            goto fail;
        }
        /* sc.sig holds the last signature made: verify that one. */
        es_verify_ctx vc = {sc.key, a->scheme, msg, MSG_LEN, sc.sig.ptr, sc.sig.size};
        smp->es_verify[r] = measure(op_eseal_verify, &vc, o->seconds, 1);
        if (smp->es_verify[r] < 0) {
            report_eseal_error("eseal_key_verify", a->name);
            goto fail;
        }
        if (breakdown && breakdown_rep(o, a, priv, pub, msg, &spki, &sc.sig, smp, r) != 0) {
            res->failed = true;
            breakdown = false;
        }
        if (run_openssl &&
            run_openssl_speed(o->openssl_bin, a->speed_alg, speed_seconds(o), &smp->ossl_sign[r],
                              &smp->ossl_verify[r]) != 0) {
            res->failed = true;
            run_openssl = false;
        }
    }
    res->es_sign = median(smp->es_sign, o->reps);
    res->es_verify = median(smp->es_verify, o->reps);
    if (breakdown) {
        res->raw_sign = median(smp->raw_sign, o->reps);
        res->raw_verify = median(smp->raw_verify, o->reps);
        res->spki_parse = median(smp->spki_parse, o->reps);
    }
    if (run_openssl) {
        res->ossl_sign = median(smp->ossl_sign, o->reps);
        res->ossl_verify = median(smp->ossl_verify, o->reps);
    } else if (reuse != NULL) {
        res->ossl_sign = reuse->ossl_sign;
        res->ossl_verify = reuse->ossl_verify;
    }
    goto done;
fail:
    res->failed = true;
    res->es_sign = 0.0;
    res->es_verify = 0.0;
done:
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    eseal_buf_dispose(&spki);
    eseal_buf_dispose(&sc.sig);
    eseal_key_free(key);
    free(smp);
}

/* ---- key-file protection -------------------------------------------------- */

static int bench_keyfile(const bench_opts *o)
{
    eseal_key *key = NULL;
    if (eseal_key_generate(&key, ESEAL_ALG_P256) != ESEAL_OK) {
        report_eseal_error("eseal_key_generate", "p256");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0') {
        tmp = "/tmp";
    }
    char dir[PATH_MAX];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/eseal-bench-XXXXXX", tmp) >= sizeof(dir) || mkdtemp(dir) == NULL) {
        fprintf(stderr, "bench_crypto: cannot create a temporary directory under %s\n", tmp);
        eseal_key_free(key);
        return -1;
    }
    double save_ms[MAX_REPS], load_ms[MAX_REPS], total_ms[MAX_REPS];
    int rc = 0;
    for (unsigned r = 0; r < o->reps && rc == 0; r++) {
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof(path), "%s/key%u.pem", dir, r) >= sizeof(path)) {
            rc = -1;
            break;
        }
        double t0 = now_s();
        if (eseal_key_save(key, path, KEYFILE_PASS, strlen(KEYFILE_PASS)) != ESEAL_OK) {
            report_eseal_error("eseal_key_save", "p256");
            rc = -1;
            break;
        }
        double t1 = now_s();
        eseal_key *loaded = NULL;
        if (eseal_key_load(&loaded, path, KEYFILE_PASS, strlen(KEYFILE_PASS)) != ESEAL_OK) {
            report_eseal_error("eseal_key_load", "p256");
            rc = -1;
        } else if (eseal_key_algorithm(loaded) != ESEAL_ALG_P256) {
            fprintf(stderr, "bench_crypto: reloaded key is not P-256\n");
            rc = -1;
        }
        double t2 = now_s();
        eseal_key_free(loaded);
        (void)unlink(path);
        save_ms[r] = (t1 - t0) * 1e3;
        load_ms[r] = (t2 - t1) * 1e3;
        total_ms[r] = (t2 - t0) * 1e3;
    }
    (void)rmdir(dir);
    eseal_key_free(key);
    if (rc != 0) {
        return rc;
    }
    printf("\n## scrypt key-file protection (security cost, not overhead)\n\n");
    printf("P-256 key, eseal_key_save + eseal_key_load (PBES2: scrypt + AES-256-CBC, file created 0600 and\n"
           "fsynced), median of %u:\n\n",
           o->reps);
    printf("| step | ms |\n|---|---:|\n");
    printf("| eseal_key_save | %.1f |\n", median(save_ms, o->reps));
    printf("| eseal_key_load | %.1f |\n", median(load_ms, o->reps));
    printf("| save + load | %.1f |\n", median(total_ms, o->reps));
    printf("\nThis is the deliberate cost of one scrypt derivation per save and per load; it is paid once\n"
           "when a key is opened, never per signature, and is not compared with openssl speed.\n");
    return 0;
}

/* ---- output --------------------------------------------------------------- */

static void fmt_rate(char *out, size_t n, double v)
{
    if (v > 0.0) {
        (void)snprintf(out, n, "%.0f", v);
    } else {
        (void)snprintf(out, n, "n/a");
    }
}

static void fmt_us(char *out, size_t n, double rate)
{
    if (rate > 0.0) {
        (void)snprintf(out, n, "%.1f", 1e6 / rate);
    } else {
        (void)snprintf(out, n, "n/a");
    }
}

static bool overhead(double es, double ossl, double *pct)
{
    if (!(es > 0.0) || !(ossl > 0.0)) {
        return false;
    }
    *pct = (ossl / es - 1.0) * 100.0;
    return true;
}

static void fmt_overhead(char *out, size_t n, double es, double ossl)
{
    double pct = 0.0;
    if (overhead(es, ossl, &pct)) {
        (void)snprintf(out, n, "%+.1f%%", pct);
    } else {
        (void)snprintf(out, n, "n/a");
    }
}

static void print_main_table(const bench_opts *o, const row_result *res)
{
    printf("\n## Sign / verify throughput: eseal API vs openssl speed\n\n");
    printf("%d-byte message; each figure is the median of %u runs of %.2f s (openssl: -seconds %d).\n"
           "Overhead = (openssl/eseal - 1) * 100: how much faster openssl speed is than the eseal call.\n\n",
           MSG_LEN, o->reps, o->seconds, speed_seconds(o));
    printf("| algorithm | eseal sign/s | openssl sign/s | sign overhead %% | eseal verify/s | openssl verify/s | "
           "verify overhead %% |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < N_ALGS; i++) {
        const row_result *r = &res[i];
        char es_s[32], os_s[32], ov_s[32], es_v[32], os_v[32], ov_v[32];
        fmt_rate(es_s, sizeof(es_s), r->es_sign);
        fmt_rate(os_s, sizeof(os_s), r->ossl_sign);
        fmt_overhead(ov_s, sizeof(ov_s), r->es_sign, r->ossl_sign);
        fmt_rate(es_v, sizeof(es_v), r->es_verify);
        fmt_rate(os_v, sizeof(os_v), r->ossl_verify);
        fmt_overhead(ov_v, sizeof(ov_v), r->es_verify, r->ossl_verify);
        printf("| %s | %s | %s | %s | %s | %s | %s |\n", bench_algs[i].name, es_s, os_s, ov_s, es_v, os_v, ov_v);
    }
    printf("\nNotes: rsa2048-pss is compared with `openssl speed rsa2048`, which measures raw PKCS#1 v1.5\n"
           "(openssl speed has no PSS test). openssl speed (3.0) signs a precomputed 20/36-byte digest on a\n"
           "context reused for the whole run for RSA and ECDSA, and reuses one EVP_MD_CTX for Ed25519; only\n"
           "SM2 re-initialises per operation. eseal_signature_verify also decodes the SPKI on every call.\n");

    printf("\n### Overhead > %.0f%% flags\n\n", FLAG_THRESHOLD_PCT);
    for (size_t i = 0; i < N_ALGS; i++) {
        const row_result *r = &res[i];
        double ps = 0.0, pv = 0.0;
        bool hs = overhead(r->es_sign, r->ossl_sign, &ps);
        bool hv = overhead(r->es_verify, r->ossl_verify, &pv);
        bool fs = hs && ps > FLAG_THRESHOLD_PCT;
        bool fv = hv && pv > FLAG_THRESHOLD_PCT;
        if (!hs && !hv) {
            printf("- %s: not compared (no openssl figure or a measurement failed)\n", bench_algs[i].name);
        } else if (!fs && !fv) {
            printf("- %s: ok (sign %+.1f%%, verify %+.1f%%)\n", bench_algs[i].name, ps, pv);
        } else {
            printf("- %s: FLAG%s%s\n", bench_algs[i].name, fs ? " sign" : "", fv ? " verify" : "");
            if (fs) {
                printf("  - sign overhead %+.1f%% > %.0f%%\n", ps, FLAG_THRESHOLD_PCT);
            }
            if (fv) {
                printf("  - verify overhead %+.1f%% > %.0f%%\n", pv, FLAG_THRESHOLD_PCT);
            }
        }
    }
}

static void print_breakdown(const row_result *res)
{
    printf("\n## Where the time goes (microseconds per operation)\n\n");
    printf("EVP fresh ctx = one-shot EVP_DigestSign/EVP_DigestVerify with a new EVP_MD_CTX per call on an\n"
           "already-parsed key, same libcrypto, same message (the floor for a stateless sign/verify call).\n"
           "d2i_PUBKEY = decoding the SubjectPublicKeyInfo alone. Shorter runs (a quarter of --seconds).\n\n");
    printf("| algorithm | eseal sign | EVP fresh ctx sign | openssl speed sign | eseal verify | d2i_PUBKEY | "
           "EVP fresh ctx verify | d2i + fresh verify | openssl speed verify |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < N_ALGS; i++) {
        const row_result *r = &res[i];
        char c[8][32];
        fmt_us(c[0], sizeof(c[0]), r->es_sign);
        fmt_us(c[1], sizeof(c[1]), r->raw_sign);
        fmt_us(c[2], sizeof(c[2]), r->ossl_sign);
        fmt_us(c[3], sizeof(c[3]), r->es_verify);
        fmt_us(c[4], sizeof(c[4]), r->spki_parse);
        fmt_us(c[5], sizeof(c[5]), r->raw_verify);
        if (r->spki_parse > 0.0 && r->raw_verify > 0.0) {
            (void)snprintf(c[6], sizeof(c[6]), "%.1f", 1e6 / r->spki_parse + 1e6 / r->raw_verify);
        } else {
            (void)snprintf(c[6], sizeof(c[6]), "n/a");
        }
        fmt_us(c[7], sizeof(c[7]), r->ossl_verify);
        printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", bench_algs[i].name, c[0], c[1], c[2], c[3], c[4],
               c[5], c[6], c[7]);
    }
}

/* ---- arguments ------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_crypto [--seconds S] [--reps N] [--openssl PATH] [--no-openssl] [--no-breakdown]\n"
               "  --seconds S     time per measurement run (default 1, max 60)\n"
               "  --reps N        runs per measurement, median reported (default 3, 1..%d)\n"
               "  --openssl PATH  openssl binary for `openssl speed` (default: openssl on PATH)\n"
               "  --no-openssl    do not run openssl speed\n"
               "  --no-breakdown  skip the in-process libcrypto cost breakdown\n",
            MAX_REPS);
}

/* A small decimal parser: digits only, no sign, bounded. */
static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        v = v * 10u + (unsigned)(*s - '0');
        if (v > max) {
            return false;
        }
    }
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(arg, "--seconds") == 0 && has_val) {
            char *end = NULL;
            errno = 0;
            double s = strtod(argv[++i], &end);
            if (errno != 0 || end == argv[i] || *end != '\0' || !(s > 0.0) || s > 60.0) {
                fprintf(stderr, "bench_crypto: --seconds wants a number in (0, 60]\n");
                return -1;
            }
            o->seconds = s;
        } else if (strcmp(arg, "--reps") == 0 && has_val) {
            unsigned n = 0;
            if (!parse_uint(argv[++i], MAX_REPS, &n) || n == 0) {
                fprintf(stderr, "bench_crypto: --reps wants 1..%d\n", MAX_REPS);
                return -1;
            }
            o->reps = n;
        } else if (strcmp(arg, "--openssl") == 0 && has_val) {
            o->openssl_bin = argv[++i];
        } else if (strcmp(arg, "--no-openssl") == 0) {
            o->run_openssl = false;
        } else if (strcmp(arg, "--no-breakdown") == 0) {
            o->breakdown = false;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 1;
        } else {
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

/* CPU seconds of this process (self) or of its waited-for children. */
static double cpu_seconds(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0) {
        return 0.0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * Reports how much of a CPU the timed loops actually got. Both sides are
 * single-threaded, so on an idle machine both shares are close to 100%; a
 * lower share means other processes competed and the figures are noisy.
 */
static void print_cpu_share(double wall, double self_cpu, double child_cpu)
{
    double own_wall = wall - g_child_wall;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("\nCPU share while timing (100%% = one full CPU; lower means other load on this %ld-CPU machine):"
           " eseal/libcrypto loops %.0f%%",
           cpus, own_wall > 0.0 ? 100.0 * self_cpu / own_wall : 0.0);
    if (g_child_wall > 0.0) {
        printf(", openssl speed children %.0f%%", 100.0 * child_cpu / g_child_wall);
    }
    printf(".\n");
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
    bench_opts o = {1.0, 3, "openssl", true, true};
    int pa = parse_args(argc, argv, &o);
    if (pa != 0) {
        return pa > 0 ? 0 : 2;
    }

    uint8_t msg[MSG_LEN];
    for (size_t i = 0; i < sizeof(msg); i++) {
        msg[i] = (uint8_t)(0xA5u ^ (i * 7u));
    }

    printf("# eseal crypto benchmark\n\n");
    printf("eseal %s, libcrypto %s\n", eseal_version(), OpenSSL_version(OPENSSL_VERSION));

    row_result res[N_ALGS];
    memset(res, 0, sizeof(res));
    bool failed = false;
    double wall0 = now_s();
    double self0 = cpu_seconds(RUSAGE_SELF);
    double child0 = cpu_seconds(RUSAGE_CHILDREN);
    for (size_t i = 0; i < N_ALGS; i++) {
        const bench_alg *a = &bench_algs[i];
        /* rsa2048-pss reuses the rsa2048 openssl figures: openssl speed has no PSS test. */
        const row_result *reuse = NULL;
        for (size_t j = 0; j < i && reuse == NULL; j++) {
            if (strcmp(bench_algs[j].speed_alg, a->speed_alg) == 0 && res[j].ossl_sign > 0.0) {
                reuse = &res[j];
            }
        }
        fprintf(stderr, "bench_crypto: %s ...\n", a->name);
        bench_row(&o, a, msg, reuse, &res[i]);
        failed = failed || res[i].failed;
    }
    double wall = now_s() - wall0;
    double self_cpu = cpu_seconds(RUSAGE_SELF) - self0;
    double child_cpu = cpu_seconds(RUSAGE_CHILDREN) - child0;

    print_main_table(&o, res);
    print_cpu_share(wall, self_cpu, child_cpu);
    if (o.breakdown) {
        print_breakdown(res);
    }
    fprintf(stderr, "bench_crypto: key-file protection ...\n");
    if (bench_keyfile(&o) != 0) {
        failed = true;
    }
    fflush(stdout);
    return failed ? 1 : 0;
}
