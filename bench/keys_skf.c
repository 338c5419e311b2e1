/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_keys_skf — SM2 signatures per second through an SKF (GM/T 0016-2012) key beside the file
 * backend's, measured in the same run (issue 23: bench/keys puts SoftHSM2, the SKF module and the
 * file backend in one table; h-p11 writes the PKCS#11 part, this is the SKF part for the integrator
 * to join: bench_keys_skf_run() fills one row each).
 *
 * The SKF row goes through the whole backend (src/crypto/skf.c): Z and e = SM3(Z || M) on our side,
 * SKF_ECCSignData in the module, r and s into DER, and the software verification of every signature.
 * Against the project's test double (tests/skf/, libeseal_skf_double.so) that is an upper bound for
 * a device: the double reads its PEM key from the folder on every call, and a USB key takes tens of
 * milliseconds per signature. With ESEAL_TEST_SKF_MODULE, ESEAL_TEST_SKF_REF and ESEAL_TEST_SKF_PIN
 * set, the row is a real device's.
 *
 * A report, not a test: exit 0 when every row ran, 1 when one could not.
 * Usage: bench_keys_skf [--seconds S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "crypto/crypto.h"
#include "eseal/eseal.h"

#define MSG_LEN 32

typedef struct {
    const char *name;
    double per_s;   /* signatures per second, verified by the backend where it does */
    size_t n;
    int ok;
} keys_row;

/* Signs MSG_LEN bytes with `key` for `seconds`; every signature checked once against the key. */
static void time_key(keys_row *row, eseal_key *key, double seconds)
{
    uint8_t msg[MSG_LEN];
    memset(msg, 0x42, sizeof(msg));
    eseal_buf sig = ESEAL_BUF_INIT;
    double t0 = now_s(), t = t0;
    size_t n = 0;
    row->ok = 1;
    while (t - t0 < seconds) {
        if (eseal_key_sign(&sig, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg)) != ESEAL_OK) {
            fprintf(stderr, "%s: %s\n", row->name, eseal_error_last()->message);
            row->ok = 0;
            break;
        }
        n++;
        t = now_s();
    }
    int valid = 0;
    if (row->ok && (eseal_key_verify(&valid, key, ESEAL_HASH_DEFAULT, ESEAL_SCHEME_DEFAULT, msg, sizeof(msg), sig.ptr,
                                     sig.size) != ESEAL_OK ||
                    !valid)) {
        fprintf(stderr, "%s: the last signature does not verify\n", row->name);
        row->ok = 0;
    }
    eseal_buf_dispose(&sig);
    row->n = n;
    row->per_s = t > t0 ? (double)n / (t - t0) : 0;
}

/* The file backend's SM2 row and the SKF row (the double, set up in a temporary folder, or the
 * module of ESEAL_TEST_SKF_MODULE). rows[0] file, rows[1] skf. Returns 0 when both ran. */
int bench_keys_skf_run(keys_row rows[2], double seconds);
int bench_keys_skf_run(keys_row rows[2], double seconds)
{
    rows[0] = (keys_row){.name = "file (SM2, in memory)"};
    rows[1] = (keys_row){.name = "skf (SM2)"};
    eseal_key *file = NULL;
    if (eseal_key_generate(&file, ESEAL_ALG_SM2) != ESEAL_OK) {
        return 1;
    }
    time_key(&rows[0], file, seconds);
    eseal_key_free(file);

    const char *module = getenv("ESEAL_TEST_SKF_MODULE");
    const char *ref = getenv("ESEAL_TEST_SKF_REF");
    const char *pin = getenv("ESEAL_TEST_SKF_PIN");
    char dir[] = "/tmp/eseal-bench-skf-XXXXXX";
    bool made = false;
    if (module == NULL || module[0] == '\0') {
        rows[1].name = "skf (SM2, the test double)";
        if (mkdtemp(dir) == NULL) {
            return 1;
        }
        made = true;
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "'%s' '%s' bench-dev SN-BENCH 123456 bench", ESEAL_SKF_SETUP, dir);
        if (system(cmd) != 0) {
            return 1;
        }
        setenv("ESEAL_SKF_DOUBLE_DIR", dir, 1);
        module = ESEAL_SKF_DOUBLE;
        ref = "skf:dev=bench-dev;app=ESEAL;con=bench";
        pin = "123456";
    } else if (ref == NULL || pin == NULL) {
        fprintf(stderr, "ESEAL_TEST_SKF_MODULE needs ESEAL_TEST_SKF_REF and ESEAL_TEST_SKF_PIN\n");
        return 1;
    }
    eseal_key *skf = NULL;
    es_result r = es_skf_key_open(&skf, module, ref, pin, strlen(pin));
    if (!es_ok(r)) {
        fprintf(stderr, "skf: %s\n", eseal_error_last()->message);
    } else {
        time_key(&rows[1], skf, seconds);
        eseal_key_free(skf);
    }
    if (made) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", dir);
        }
    }
    return rows[0].ok && rows[1].ok ? 0 : 1;
}

#ifndef BENCH_KEYS_SKF_NO_MAIN
int main(int argc, char **argv)
{
    double seconds = 2.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = strtod(argv[++i], NULL);
        } else {
            fprintf(stderr, "usage: %s [--seconds S]\n", argv[0]);
            return 2;
        }
    }
    keys_row rows[2];
    int rc = bench_keys_skf_run(rows, seconds);
    printf("%-30s %12s %10s %10s\n", "backend", "signs/s", "n", "vs file");
    for (int i = 0; i < 2; i++) {
        if (!rows[i].ok) {
            printf("%-30s %12s\n", rows[i].name, "failed");
            continue;
        }
        printf("%-30s %12.0f %10zu %9.2fx\n", rows[i].name, rows[i].per_s, rows[i].n,
               rows[0].per_s > 0 ? rows[i].per_s / rows[0].per_s : 0);
    }
    return rc;
}
#endif
