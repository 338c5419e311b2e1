/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash-test helper for the audit log (tests/integration/log_crash.sh).
 *
 *   log_appender append HOME RUN THREADS   appends "crash-test RUN T I\n" from THREADS threads
 *                                          until killed, with the publisher signing every 20 ms;
 *                                          after each acknowledged append it writes one line
 *                                          "INDEX crash-test RUN T I" to stdout (one write(2)).
 *   log_appender check HOME ACKS           every acknowledged line of ACKS must be the stored entry
 *                                          at its index; prints how many were checked.
 * The passphrase comes from $ESEAL_PASSPHRASE.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "eseal/sys/log_writer.h"

static eseal_log *lg;
static const char *run_id;

static void *appender(void *arg)
{
    long t = (long)(intptr_t)arg;
    for (long i = 0;; i++) {
        char entry[128];
        int n = snprintf(entry, sizeof(entry), "crash-test %s %ld %ld\n", run_id, t, i);
        uint64_t idx = 0;
        if (eseal_log_append(lg, &idx, entry, (size_t)n) != ESEAL_OK) {
            (void)fprintf(stderr, "append: %s\n", eseal_error_last()->message);
            exit(3);
        }
        char line[160];
        int m = snprintf(line, sizeof(line), "%llu %.*s\n", (unsigned long long)idx, n - 1, entry);
        if (write(1, line, (size_t)m) != m) {
            exit(3);
        }
    }
    return NULL;
}

static int open_log(const char *home, eseal_instance **inst)
{
    const char *pass = getenv("ESEAL_PASSPHRASE");
    if (pass == NULL || eseal_instance_open(inst, home) != ESEAL_OK ||
        eseal_instance_set_passphrase(*inst, pass, strlen(pass)) != ESEAL_OK ||
        eseal_instance_log(*inst, &lg) != ESEAL_OK) {
        (void)fprintf(stderr, "open: %s\n", eseal_error_last()->message);
        return 3;
    }
    return 0;
}

int main(int argc, char **argv)
{
    eseal_instance *inst = NULL;
    if (argc == 5 && strcmp(argv[1], "append") == 0) {
        if (open_log(argv[2], &inst) != 0) {
            return 3;
        }
        run_id = argv[3];
        long threads = strtol(argv[4], NULL, 10); /* !checksrc! allowed: a test tool's argument */
        if (eseal_log_publisher_start(lg, 20) != ESEAL_OK) {
            (void)fprintf(stderr, "publisher: %s\n", eseal_error_last()->message);
            return 3;
        }
        pthread_t t[16];
        for (long i = 1; i < threads && i < 16; i++) {
            (void)pthread_create(&t[i], NULL, appender, (void *)(intptr_t)i);
        }
        (void)appender((void *)(intptr_t)0);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "check") == 0) {
        if (open_log(argv[2], &inst) != 0) {
            return 3;
        }
        FILE *f = fopen(argv[3], "r");
        if (f == NULL) {
            return 3;
        }
        char line[256];
        unsigned long checked = 0;
        int bad = 0;
        while (fgets(line, sizeof(line), f) != NULL) {
            char *sp = strchr(line, ' ');
            size_t len = strlen(line);
            if (sp == NULL || len == 0 || line[len - 1] != '\n') {
                continue; /* a line cut by the kill was never acknowledged whole */
            }
            *sp = '\0';
            unsigned long long idx = strtoull(line, NULL, 10); /* !checksrc! allowed: a test tool's input */
            eseal_buf e = ESEAL_BUF_INIT;
            const char *want = sp + 1;
            if (eseal_log_entry(lg, &e, idx) != ESEAL_OK || e.size != strlen(want) ||
                memcmp(e.ptr, want, e.size) != 0) {
                (void)fprintf(stderr, "acknowledged entry %llu is missing or different: %s", idx, want);
                bad = 1;
            }
            eseal_buf_dispose(&e);
            checked++;
        }
        (void)fclose(f);
        printf("%lu acknowledged entries present\n", checked);
        eseal_instance_close(inst);
        return bad;
    }
    (void)fprintf(stderr, "usage: log_appender append HOME RUN THREADS | check HOME ACKS\n");
    return 2;
}
