/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_tlog — the audit log (include/eseal/log.h) on a fresh instance in a temporary HOME
 * (SQLite, WAL, synchronous=FULL: every acknowledged append is fsynced).
 *
 * A report, not a test: it exits 0 when every measurement ran, 1 when one could not.
 *
 * Rows (each the median of --runs runs of --seconds seconds):
 *  - durable appends/s with one appender thread: one append per commit, no batching
 *    possible (the floor every ratio is taken against);
 *  - durable appends/s with --threads appenders (concurrent appends share a commit), with the
 *    publisher signing a checkpoint every 250 ms meanwhile; p50/p99 of the time an append
 *    takes to return its durable index, and of the time until a signed checkpoint covers it
 *    (sampled: one append in 64 waits for its checkpoint, polling every 0.5 ms);
 *  - inclusion proofs/s (eseal_log_prove_inclusion at random indices of the whole tree, base64
 *    text out) and receipts/s (eseal_log_receipt: proof + entry + checkpoint, self-checked),
 *    one thread.
 * Entries are 300 bytes.
 *
 * --home DIR appends to the instance at DIR instead (made by `eseal init`, so on the store ESEAL_STORE
 * named then: bench/scale.sh compares stores that way), unlocked with $ESEAL_PASSPHRASE; its log keeps
 * the bench's entries. --appends-only prints the two append rows alone, "appends1 X" and "appendsT X"
 * (per second), for bench/scale.sh, which runs several of these processes on one home at once.
 *
 * Usage: bench_tlog [--seconds S] [--runs N] [--threads T] [--home DIR [--appends-only]]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <eseal/eseal.h>
#include <eseal/sys/log_writer.h>

#include "bench.h"

#define MAX_RUNS 9
#define MAX_THREADS 256
#define MAX_SAMPLES 2000000

static double pct(double *v, size_t n, double p)
{
    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(v[0]), cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static eseal_log *lg;
static double seconds = 2.0;
static atomic_int stop;
static atomic_ulong appended;
static double *lat_index, *lat_ckpt;
static atomic_size_t n_index, n_ckpt;
static atomic_int failed;

static void *appender(void *arg)
{
    unsigned long id = (unsigned long)(uintptr_t)arg;
    char entry[300];
    memset(entry, 'x', sizeof(entry));
    for (unsigned long i = 0; !atomic_load(&stop); i++) {
        int n = snprintf(entry, sizeof(entry), "bench %lu %lu ", id, i);
        entry[n] = 'x';
        uint64_t idx = 0;
        double t0 = now_s();
        if (eseal_log_append(lg, &idx, entry, sizeof(entry)) != ESEAL_OK) {
            atomic_store(&failed, 1);
            return NULL;
        }
        double t1 = now_s();
        atomic_fetch_add(&appended, 1);
        size_t k = atomic_fetch_add(&n_index, 1);
        if (k < MAX_SAMPLES) {
            lat_index[k] = t1 - t0;
        }
        if (lat_ckpt != NULL && i % 64 == 0) {
            uint64_t cs = 0;
            while (!atomic_load(&stop) && eseal_log_size(lg, NULL, &cs) == ESEAL_OK && cs <= idx) {
                usleep(500);
            }
            if (cs > idx) {
                size_t c = atomic_fetch_add(&n_ckpt, 1);
                if (c < MAX_SAMPLES) {
                    lat_ckpt[c] = now_s() - t0;
                }
            }
        }
    }
    return NULL;
}

/* Appends/s with `threads` appenders for `seconds`. */
static double append_run(int threads, bool ckpt)
{
    pthread_t t[MAX_THREADS];
    atomic_store(&stop, 0);
    atomic_store(&appended, 0);
    atomic_store(&n_index, 0);
    atomic_store(&n_ckpt, 0);
    double *keep = lat_ckpt;
    if (!ckpt) {
        lat_ckpt = NULL;
    }
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        (void)pthread_create(&t[i], NULL, appender, (void *)(uintptr_t)i);
    }
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
    }
    double dt = now_s() - t0;
    lat_ckpt = keep;
    return (double)atomic_load(&appended) / dt;
}

int main(int argc, char **argv)
{
    int runs = 3, threads = 64;
    const char *at = NULL;
    bool appends_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--appends-only") == 0) {
            appends_only = true;
        } else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
            seconds = atof(argv[++i]); /* !checksrc! allowed: a bench argument */
        } else if (i + 1 < argc && strcmp(argv[i], "--runs") == 0) {
            runs = atoi(argv[++i]); /* !checksrc! allowed: a bench argument */
        } else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
            threads = atoi(argv[++i]); /* !checksrc! allowed: a bench argument */
        } else if (i + 1 < argc && strcmp(argv[i], "--home") == 0) {
            at = argv[++i];
        }
    }
    runs = runs < 1 ? 1 : runs > MAX_RUNS ? MAX_RUNS : runs;
    threads = threads < 2 ? 2 : threads > MAX_THREADS ? MAX_THREADS : threads;
    char home[] = "/tmp/eseal-bench-tlog-XXXXXX";
    if (mkdtemp(home) == NULL) {
        return 1;
    }
    char ihome[600];
    (void)snprintf(ihome, sizeof(ihome), "%s/i", home);
    const char *pass = at != NULL ? getenv("ESEAL_PASSPHRASE") : "bench-tlog-passphrase";
    if (pass == NULL) {
        (void)fprintf(stderr, "bench_tlog: --home needs the instance passphrase in ESEAL_PASSPHRASE\n");
        return 1;
    }
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    eseal_instance *inst = NULL;
    if ((at == NULL && eseal_instance_init(ihome, &o) != ESEAL_OK) ||
        eseal_instance_open(&inst, at != NULL ? at : ihome) != ESEAL_OK ||
        eseal_instance_set_passphrase(inst, pass, strlen(pass)) != ESEAL_OK ||
        eseal_instance_log(inst, &lg) != ESEAL_OK) {
        (void)fprintf(stderr, "bench_tlog: %s\n", eseal_error_last()->message);
        return 1;
    }
    lat_index = calloc(MAX_SAMPLES, sizeof(double));
    lat_ckpt = calloc(MAX_SAMPLES, sizeof(double));
    double single[MAX_RUNS], batched[MAX_RUNS], proofs[MAX_RUNS], receipts[MAX_RUNS];
    double p50i[MAX_RUNS], p99i[MAX_RUNS], p50c[MAX_RUNS], p99c[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        single[r] = append_run(1, false);
    }
    if (eseal_log_publisher_start(lg, 250) != ESEAL_OK) {
        (void)fprintf(stderr, "bench_tlog: %s\n", eseal_error_last()->message);
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        batched[r] = append_run(threads, true);
        size_t ni = atomic_load(&n_index), nc = atomic_load(&n_ckpt);
        ni = ni > MAX_SAMPLES ? MAX_SAMPLES : ni;
        nc = nc > MAX_SAMPLES ? MAX_SAMPLES : nc;
        p50i[r] = pct(lat_index, ni, 0.50) * 1e3;
        p99i[r] = pct(lat_index, ni, 0.99) * 1e3;
        p50c[r] = pct(lat_ckpt, nc, 0.50) * 1e3;
        p99c[r] = pct(lat_ckpt, nc, 0.99) * 1e3;
    }
    if (appends_only) {
        printf("appends1 %.1f\nappendsT %.1f\n", median(single, runs), median(batched, runs));
        eseal_instance_close(inst);
        (void)rmdir(home);
        return atomic_load(&failed) ? 1 : 0;
    }
    uint64_t size = 0, cs = 0;
    if (eseal_log_publish(lg, &cs) != ESEAL_OK || eseal_log_size(lg, &size, &cs) != ESEAL_OK || cs == 0) {
        (void)fprintf(stderr, "bench_tlog: %s\n", eseal_error_last()->message);
        return 1;
    }
    srand(7);
    for (int r = 0; r < runs; r++) {
        unsigned long n = 0;
        double t0 = now_s();
        while (now_s() - t0 < seconds) {
            for (int k = 0; k < 256; k++, n++) {
                eseal_buf b = ESEAL_BUF_INIT;
                uint64_t idx = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % cs;
                if (eseal_log_prove_inclusion(lg, &b, idx, cs) != ESEAL_OK) {
                    atomic_store(&failed, 1);
                }
                eseal_buf_dispose(&b);
            }
        }
        proofs[r] = (double)n / (now_s() - t0);
        n = 0;
        t0 = now_s();
        while (now_s() - t0 < seconds) {
            for (int k = 0; k < 64; k++, n++) {
                eseal_buf b = ESEAL_BUF_INIT;
                uint64_t idx = ((uint64_t)rand() << 16 ^ (uint64_t)rand()) % cs;
                if (eseal_log_receipt(lg, &b, idx) != ESEAL_OK) {
                    atomic_store(&failed, 1);
                }
                eseal_buf_dispose(&b);
            }
        }
        receipts[r] = (double)n / (now_s() - t0);
    }
    double s = median(single, runs), b = median(batched, runs);
    printf("bench_tlog: %d runs of %.1f s, 300-byte entries, %s; tree of %llu entries\n", runs, seconds,
           at != NULL ? "the store of --home" : "SQLite WAL synchronous=FULL", (unsigned long long)size);
    printf("| measurement | per second | p50 ms | p99 ms | vs 1-thread appends |\n|---|---:|---:|---:|---:|\n");
    printf("| durable appends, 1 thread (one commit each) | %.0f | | | 1.00 |\n", s);
    printf("| durable appends, %d threads (shared commits) | %.0f | %.2f | %.2f | %.2f |\n", threads, b,
           median(p50i, runs), median(p99i, runs), b / s);
    printf("| time to a signed checkpoint (publisher every 250 ms) | | %.1f | %.1f | |\n", median(p50c, runs),
           median(p99c, runs));
    printf("| inclusion proofs (eseal_log_prove_inclusion) | %.0f | | | |\n", median(proofs, runs));
    printf("| receipts (eseal_log_receipt) | %.0f | | | |\n", median(receipts, runs));
    eseal_instance_close(inst);
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    int rc = system(cmd);
    (void)rc;
    return atomic_load(&failed) ? 1 : 0;
}
