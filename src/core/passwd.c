/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance passphrase: checking it, and changing it (every key file re-encrypted, all or
 * nothing).
 *
 * Changing it must never leave an instance whose keys are under two passphrases, nor one with no
 * keys. The new key files are written into a staging directory HOME/keys.passwd beside keys/
 * (each created O_EXCL 0600 and fsynced by eseal_key_save), the staging directory is fsynced,
 * and then the two directories are exchanged in one step with renameat2(RENAME_EXCHANGE)
 * (Linux 3.15; atomic: after a crash keys/ is either the whole old set or the whole new set).
 * The home is fsynced so the exchange is durable; the old set, now under keys.passwd, is removed
 * afterwards. A keys.passwd left by a crash (an incomplete new set, or an old set already
 * replaced) is never read: the next change of passphrase removes it first.
 *
 * Other processes may be writing keys meanwhile (cert issue, ca renew). HOME/keys.lock orders
 * them: a change holds it exclusively from the first check to the exchange, every key write
 * holds it shared (es_key_save), and a writer whose HOME/keys is no longer the directory it saw
 * when its passphrase was set (the exchange replaced it) is refused instead of writing a key
 * under the old passphrase into the new set, or into the old set about to be removed.
 */
#include <dirent.h>
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define KEYS_DIR "keys"
#define STAGE_DIR "keys.passwd"
#define LOCK_FILE "keys.lock"
#define MAX_KEY_FILES 100000
#define PASSWD_WHY_MAX 512 /* why the exchange failed, for the error and the failure entry */

bool es_passwd_exchange_fail = false;

/* Takes HOME/keys.lock (flock, shared or exclusive); *fd is closed to release it. */
static ES_RESULT keys_lock(const eseal_instance *inst, bool exclusive, int *fd)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&p, inst, LOCK_FILE));
    *fd = open(es_buf_cstr(&p), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    ES_ENSURE(*fd >= 0, ESEAL_EIO, "cannot open %s: %s", es_buf_cstr(&p),
              strerror(errno));
    if (flock(*fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
        int err = errno;
        close(*fd);
        *fd = -1;
        ES_BAIL(ESEAL_EIO, "cannot lock %s: %s", es_buf_cstr(&p), strerror(err));
    }
    return ES_OK;
}

static bool keys_stat(const eseal_instance *inst, struct stat *st)
{
    es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    bool ok = es_ok(es_home_path(&p, inst, KEYS_DIR)) && stat(es_buf_cstr(&p), st) == 0;
    es_buf_free(&p);
    return ok;
}

ES_RESULT es_home_path(es_buf *out, const eseal_instance *inst, const char *rel)
{
    es_buf_clear(out);
    return es_buf_printf(out, "%s/%s", inst->home, rel);
}

ES_RESULT es_instance_load_key(eseal_instance *inst, eseal_key **key, const eseal_cert_record *rec)
{
    ES_ENSURE(rec->key_file != NULL && rec->key_file[0] != '\0', ESEAL_ENOTFOUND,
              "certificate %s has no private key in this instance", rec->id);
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS,
              "the instance passphrase is needed (set ESEAL_PASSPHRASE, use --pass-file, or run on a terminal)");
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&p, inst, rec->key_file));
    int rc = eseal_key_load(key, es_buf_cstr(&p), inst->pass.ptr, inst->pass.len);
    return es_from_code(rc);
}

void es_keys_note(eseal_instance *inst)
{
    struct stat st;
    if (inst != NULL && keys_stat(inst, &st)) {
        inst->keys_dev = st.st_dev;
        inst->keys_ino = st.st_ino;
    }
}

ES_RESULT es_key_save(eseal_instance *inst, eseal_key *key, const char *path)
{
    ES_ENSURE_ARG(inst != NULL && key != NULL && path != NULL);
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS, "the instance passphrase is needed to store a key");
    int fd = -1;
    ES_GUARD(keys_lock(inst, false, &fd));
    struct stat st;
    es_result r = ES_OK;
    if (keys_stat(inst, &st)) {
        if (inst->keys_ino == 0) {
            inst->keys_dev = st.st_dev; /* the first key of a new instance */
            inst->keys_ino = st.st_ino;
        } else if (st.st_dev != inst->keys_dev || st.st_ino != inst->keys_ino) {
            r = es_error_set(ESEAL_EPASS, __FILE__, __LINE__,
                             "the instance passphrase was changed (eseal passwd) after this process set it: "
                             "no key is written under the old one; run the command again");
        }
    }
    if (es_ok(r)) {
        r = es_from_code(eseal_key_save(key, path, inst->pass.ptr, inst->pass.len));
    }
    close(fd);
    return r;
}

/* Removes the regular files of `dir` (one level, as keys/ has) and then `dir`. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    int fd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            (void)unlinkat(fd, e->d_name, 0);
        }
    }
    closedir(d);
    (void)rmdir(dir);
}

static ES_RESULT sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "cannot open %s: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    ES_ENSURE(rc == 0, ESEAL_EIO, "cannot sync %s: %s", dir, strerror(err));
    return ES_OK;
}

/* The names in HOME/keys, sorted (so that a failure is reproducible). */
static ES_RESULT list_keys(const char *keys, struct dirent ***names, int *n)
{
    *n = scandir(keys, names, NULL, alphasort);
    ES_ENSURE(*n >= 0, errno == ENOENT ? ESEAL_ENOTFOUND : ESEAL_EIO, "cannot read %s: %s", keys, strerror(errno));
    return ES_OK;
}

static void free_names(struct dirent **names, int n)
{
    for (int i = 0; i < n; i++) {
        free(names[i]); /* !checksrc! allowed: scandir(3) allocates with malloc */
    }
    free(names); /* !checksrc! allowed: scandir(3) allocates with malloc */
}

static bool is_dot(const char *name) { return strcmp(name, ".") == 0 || strcmp(name, "..") == 0; }

static ES_RESULT check_pass(eseal_instance *inst)
{
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS, "the instance passphrase is needed");
    ES_AUTO(es_buf_freep) es_buf keys = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&keys, inst, KEYS_DIR));
    struct dirent **names = NULL;
    int n = 0;
    ES_GUARD(list_keys(es_buf_cstr(&keys), &names, &n));
    es_result r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "%s holds no key to check the passphrase with",
                               es_buf_cstr(&keys));
    es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    for (int i = 0; i < n; i++) {
        if (is_dot(names[i]->d_name)) {
            continue;
        }
        es_buf_clear(&p);
        r = es_buf_printf(&p, "%s/%s", es_buf_cstr(&keys), names[i]->d_name);
        if (es_ok(r)) {
            eseal_key *k = NULL;
            r = es_from_code(eseal_key_load(&k, es_buf_cstr(&p), inst->pass.ptr, inst->pass.len));
            eseal_key_free(k);
        }
        break; /* one key tells */
    }
    es_buf_free(&p);
    free_names(names, n);
    return r;
}

int eseal_instance_passphrase_check(eseal_instance *inst) { return es_code(check_pass(inst)); }

static ES_RESULT reencrypt_all(eseal_instance *inst, const char *keys, const char *stage, const char *pass,
                               size_t len, size_t *count)
{
    struct dirent **names = NULL;
    int n = 0;
    ES_GUARD(list_keys(keys, &names, &n));
    es_result r = n <= MAX_KEY_FILES ? ES_OK : es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "%s holds over %d files", keys, MAX_KEY_FILES);
    es_buf from = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_buf to = ES_BUF_INIT(ES_PATH_BUF_MAX);
    for (int i = 0; i < n && es_ok(r); i++) {
        if (is_dot(names[i]->d_name)) {
            continue;
        }
        es_buf_clear(&from);
        es_buf_clear(&to);
        r = es_buf_printf(&from, "%s/%s", keys, names[i]->d_name);
        if (es_ok(r)) {
            r = es_buf_printf(&to, "%s/%s", stage, names[i]->d_name);
        }
        eseal_key *k = NULL;
        if (es_ok(r)) {
            /* O_NOFOLLOW: a key file that is a link is refused here as everywhere. */
            r = es_from_code(eseal_key_load(&k, es_buf_cstr(&from), inst->pass.ptr, inst->pass.len));
        }
        if (es_ok(r)) {
            r = es_from_code(eseal_key_save(k, es_buf_cstr(&to), pass, len));
        }
        *count += es_ok(r) ? 1 : 0;
        eseal_key_free(k);
    }
    es_buf_free(&from);
    es_buf_free(&to);
    free_names(names, n);
    return r;
}

static ES_RESULT change_pass_locked(eseal_instance *inst, const char *pass, size_t len, es_passwd_record_fn rec,
                                    void *ctx);

ES_RESULT es_instance_passwd_change(eseal_instance *inst, const char *pass, size_t len, es_passwd_record_fn rec,
                                    void *ctx)
{
    ES_ENSURE_ARG(inst != NULL && pass != NULL);
    ES_ENSURE(len >= 8, ESEAL_EINVAL, "the instance passphrase must have at least 8 characters");
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS, "the current instance passphrase is needed");
    int lock = -1;
    ES_GUARD(keys_lock(inst, true, &lock));
    es_result r = change_pass_locked(inst, pass, len, rec, ctx);
    close(lock);
    return r;
}

static ES_RESULT change_pass_locked(eseal_instance *inst, const char *pass, size_t len, es_passwd_record_fn rec,
                                    void *ctx)
{
    /* Every key must open under the current passphrase before anything is written. */
    ES_GUARD(check_pass(inst));
    ES_AUTO(es_buf_freep) es_buf keys = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_AUTO(es_buf_freep) es_buf stage = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&keys, inst, KEYS_DIR));
    ES_GUARD(es_home_path(&stage, inst, STAGE_DIR));
    remove_dir(es_buf_cstr(&stage)); /* left by an interrupted change: never read */
    ES_ENSURE(mkdir(es_buf_cstr(&stage), 0700) == 0, ESEAL_EIO, "cannot create %s: %s", es_buf_cstr(&stage),
              strerror(errno));
    size_t count = 0;
    es_result r = reencrypt_all(inst, es_buf_cstr(&keys), es_buf_cstr(&stage), pass, len, &count);
    if (es_ok(r)) {
        r = sync_dir(es_buf_cstr(&stage));
    }
    bool recorded = false;
    if (es_ok(r) && rec != NULL) {
        /* The new set is complete and durable: the change goes on the record before it takes
         * effect; a failure to record leaves keys/ (and the passphrase) as they were. */
        r = rec(ctx, count, NULL);
        recorded = es_ok(r);
    }
    if (es_ok(r) && (es_passwd_exchange_fail ||
                     renameat2(AT_FDCWD, es_buf_cstr(&stage), AT_FDCWD, es_buf_cstr(&keys), RENAME_EXCHANGE) != 0)) {
        char why[PASSWD_WHY_MAX];
        (void)snprintf(why, sizeof(why), "cannot switch %s to the re-encrypted keys: %s", es_buf_cstr(&keys),
                       strerror(es_passwd_exchange_fail ? EIO : errno));
        /* The change is on the record but did not happen: the record says so at once. */
        es_result u = recorded ? rec(ctx, count, why) : ES_OK;
        r = es_ok(u) ? es_error_set(ESEAL_EIO, __FILE__, __LINE__, "%s", why)
                     : es_error_set(ESEAL_EIO, __FILE__, __LINE__, "%s (and its failure could not be recorded: %s)",
                                    why, eseal_error_last()->message);
    }
    if (!es_ok(r)) {
        remove_dir(es_buf_cstr(&stage)); /* the new set, incomplete: keys/ is untouched */
        return r;
    }
    /* From here the new passphrase is the instance's. */
    r = sync_dir(inst->home);
    remove_dir(es_buf_cstr(&stage)); /* the old set */
    es_result s = es_secret_set(&inst->pass, pass, len);
    es_keys_note(inst); /* this process may go on writing keys, under the new passphrase */
    return es_ok(r) ? s : r;
}
