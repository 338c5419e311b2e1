/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stamp's crash test (tests/integration/stamp_crash.sh), two commands:
 *
 *   stamp_crasher stamp HOME SEAL OUTDIR PHASE IN...
 *       stamps the INs into OUTDIR (one batch, one thread, in place when OUTDIR holds an IN) as the
 *       local operator; with PHASE ("preparing": inside prepare, the temporary file created and
 *       nothing written; "prepared", "authorised", "recorded", "published"; "none": never) the stamp stops there at
 *       its first document: prints "paused PHASE" on stdout and waits to be killed. The pause is the
 *       library's internal phase hook (src/service/stamp_phase.h), set only by this program.
 *   stamp_crasher check HOME OUTDIR [strict]
 *       the oracle, from the audit log and the files: every document in OUTDIR (temporary files
 *       aside) is the doc-after of a "stamp" entry (never a published stamp without its entry), and
 *       every "stamp" entry whose output went to OUTDIR is there (its doc-after is a file in OUTDIR),
 *       or has a "stamp.failed" entry, or (not strict: before a recovery) still waits to be published:
 *       its pending publication is kept (its temporary file may have vanished with the process: an
 *       unnamed one has a name only from the link to the rename). Strict: no temporary file is left
 *       in OUTDIR either (the recovery removed those it knew, and a crash leaves no other). Exit 0,
 *       or 1 with the reasons.
 *
 * The passphrase comes from $ESEAL_PASSPHRASE.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eseal/eseal.h"
#include "eseal/sys/store.h"
#include "service/stamp_phase.h"

/* The instance's store (issue 22): eseal.conf's "store = " line (a PostgreSQL instance), else
 * HOME/eseal.db; the checker reads it on a connection of its own. */
static void store_location(const char *home, char *out, size_t n)
{
    char conf[4096], line[4096];
    (void)snprintf(conf, sizeof(conf), "%s/eseal.conf", home);
    (void)snprintf(out, n, "%s/eseal.db", home);
    FILE *f = fopen(conf, "r");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line + strspn(line, " \t");
        if (strncmp(p, "store", 5) != 0) {
            continue;
        }
        p += 5 + strspn(p + 5, " \t");
        if (*p != '=') {
            continue;
        }
        p++;
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t\r\n");
        (void)snprintf(out, n, "%.*s", (int)len, p);
        break;
    }
    (void)fclose(f);
}

static const char *pause_at;

static void pause_hook(const char *phase, size_t doc)
{
    (void)doc;
    if (pause_at != NULL && strcmp(phase, pause_at) == 0) {
        (void)printf("paused %s\n", phase);
        (void)fflush(stdout);
        for (;;) {
            (void)pause(); /* until SIGKILL */
        }
    }
}

static int open_instance(const char *home, eseal_instance **inst)
{
    const char *pass = getenv("ESEAL_PASSPHRASE");
    if (pass == NULL || eseal_instance_open(inst, home) != ESEAL_OK ||
        eseal_instance_set_passphrase(*inst, pass, strlen(pass)) != ESEAL_OK) {
        (void)fprintf(stderr, "open: %s\n", eseal_error_last()->message);
        return 3;
    }
    return 0;
}

static int stamp(const char *home, const char *seal, const char *outdir, const char *phase, char **in, size_t n)
{
    eseal_instance *inst = NULL;
    if (open_instance(home, &inst) != 0) {
        return 3;
    }
    pause_at = strcmp(phase, "none") == 0 ? NULL : phase;
    es_stamp_phase_hook = pause_hook;
    const char **outs = calloc(n, sizeof(*outs));
    char (*names)[4200] = calloc(n, sizeof(*names));
    if (outs == NULL || names == NULL) {
        return 3;
    }
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(in[i], '/');
        (void)snprintf(names[i], sizeof(names[i]), "%s/%s", outdir, base != NULL ? base + 1 : in[i]);
        outs[i] = names[i];
    }
    eseal_principal who = {ESEAL_PRINCIPAL_VERSION, ESEAL_PRINCIPAL_OPERATOR, "crash-tester", NULL, NULL, 0,
                           "local", "stamp-crasher"};
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.seal_ref = seal;
    q.who = &who;
    q.jobs = 1;
    q.in_place = 1; /* only ever allows an output that is its own input */
    int rc = eseal_instance_stamp_pdfs(inst, NULL, (const char *const *)in, outs, n, &q);
    if (rc != ESEAL_OK) {
        (void)fprintf(stderr, "stamp: %s\n", eseal_error_last()->message);
    }
    eseal_instance_close(inst);
    free(outs);
    free(names);
    return rc == ESEAL_OK ? 0 : 3;
}

/* ---- the oracle ------------------------------------------------------------------- */

#define MAX_FILES 4096

typedef struct {
    char name[256];
    char sha[65];
} out_file;

static int sha256_file(char out[65], const char *path)
{
    uint8_t h[64];
    size_t hl = 0;
    int rc = es_code(es_digest_file(h, &hl, ESEAL_HASH_SHA256, path, (uint64_t)1 << 30));
    for (size_t i = 0; rc == ESEAL_OK && i < 32; i++) {
        (void)snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
    return rc;
}

static int check(const char *home, const char *outdir, bool strict)
{
    eseal_instance *inst = NULL;
    eseal_log *log = NULL;
    if (open_instance(home, &inst) != 0 || eseal_instance_log(inst, &log) != ESEAL_OK) {
        (void)fprintf(stderr, "open: %s\n", eseal_error_last()->message);
        return 3;
    }
    static out_file files[MAX_FILES];
    size_t nf = 0, temps = 0;
    DIR *d = opendir(outdir);
    if (d == NULL) {
        return 3;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (strstr(e->d_name, ".tmp-") != NULL) {
            temps++; /* a stamp prepared, never published */
            continue;
        }
        char p[4400];
        (void)snprintf(p, sizeof(p), "%s/%s", outdir, e->d_name);
        if (nf < MAX_FILES && sha256_file(files[nf].sha, p) == ESEAL_OK) {
            (void)snprintf(files[nf].name, sizeof(files[nf].name), "%s", e->d_name);
            nf++;
        }
    }
    (void)closedir(d);
    uint64_t size = 0;
    if (eseal_log_size(log, &size, NULL) != ESEAL_OK) {
        return 3;
    }
    /* The entries: stamps (serial, doc-after, index) and failures (serial). */
    typedef struct {
        char serial[40];
        char after[65];
        uint64_t index;
        bool failed, matched;
    } stamp_entry;
    stamp_entry *st = calloc(size + 1, sizeof(*st));
    size_t ns = 0;
    int bad = 0;
    for (uint64_t i = 0; i < size; i++) {
        eseal_buf raw = ESEAL_BUF_INIT;
        eseal_audit_entry_parsed p = {0};
        if (eseal_log_entry(log, &raw, i) != ESEAL_OK || eseal_audit_entry_parse(&p, raw.ptr, raw.size) != ESEAL_OK) {
            (void)printf("entry %llu: not readable: %s\n", (unsigned long long)i, eseal_error_last()->message);
            bad++;
        } else if (strcmp(p.e.type, "stamp") == 0) {
            (void)snprintf(st[ns].serial, sizeof(st[ns].serial), "%s", p.e.stamp);
            (void)snprintf(st[ns].after, sizeof(st[ns].after), "%s", p.e.doc_after_sha256);
            st[ns].index = i;
            ns++;
        } else if (strcmp(p.e.type, "stamp.failed") == 0) {
            for (size_t k = 0; k < ns; k++) {
                st[k].failed = st[k].failed || strcmp(st[k].serial, p.e.stamp) == 0;
            }
        }
        eseal_audit_entry_parsed_dispose(&p);
        eseal_buf_dispose(&raw);
    }
    /* Never a published stamp without its entry. */
    for (size_t f = 0; f < nf; f++) {
        bool found = false;
        for (size_t k = 0; k < ns; k++) {
            if (strcmp(st[k].after, files[f].sha) == 0) {
                found = true;
                st[k].matched = true;
            }
        }
        if (!found) {
            (void)printf("published without an entry: %s (sha256 %s)\n", files[f].name, files[f].sha);
            bad++;
        }
    }
    /* Never an entry without its published file or a recorded failure (or, before a recovery, a
     * publication still pending with its temporary file). Entries of outputs elsewhere are not ours:
     * their pending publication names another folder. */
    size_t pending = 0, failed = 0, published = 0;
    char real[4096];
    if (realpath(outdir, real) == NULL) {
        return 3;
    }
    for (size_t k = 0; k < ns; k++) {
        if (st[k].matched) {
            published++;
            continue;
        }
        if (st[k].failed) {
            failed++;
            continue;
        }
        eseal_buf pend = ESEAL_BUF_INIT;
        /* A reading connection of the checker's own: what the log keeps privately about a pending
         * publication is not on the front door (nothing but the stamper needs it). */
        char dbp[4096];
        eseal_store *db = NULL;
        store_location(home, dbp, sizeof(dbp));
        int rc = eseal_store_open(&db, dbp);
        if (rc == ESEAL_OK) {
            rc = eseal_store_log_private(db, &pend, st[k].index, "publish");
        }
        eseal_store_close(db);
        bool waits = rc == ESEAL_OK && pend.size > 0 && memchr(pend.ptr, '\n', pend.size) != NULL;
        eseal_buf_dispose(&pend);
        eseal_error_clear();
        if (waits && !strict) {
            pending++;
            continue;
        }
        (void)printf("entry %llu (stamp %s): no published file, no recorded failure%s\n",
                     (unsigned long long)st[k].index, st[k].serial,
                     waits ? " (its publication still pending after a recovery)" : "");
        bad++;
    }
    if (strict && temps > 0) {
        (void)printf("%zu temporary files left after the recovery\n", temps);
        bad++;
    }
    (void)printf("%zu stamp entries: %zu published, %zu recorded as failed, %zu pending; %zu files, %zu temporary\n",
                 ns, published, failed, pending, nf, temps);
    free(st);
    eseal_instance_close(inst);
    return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && strcmp(argv[1], "stamp") == 0) {
        return stamp(argv[2], argv[3], argv[4], argv[5], argv + 6, (size_t)(argc - 6));
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "check") == 0) {
        return check(argv[2], argv[3], argc == 5 && strcmp(argv[4], "strict") == 0);
    }
    (void)fprintf(stderr, "usage: stamp_crasher stamp HOME SEAL OUTDIR PHASE IN... | check HOME OUTDIR [strict]\n");
    return 2;
}
