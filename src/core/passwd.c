/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance passphrase: the key-encryption key derived from it, checking it, and changing it
 * (every key file re-encrypted, all or nothing).
 *
 * One derivation per process (issue 18): every key file of the instance is encrypted under the
 * same scrypt salt and parameters, kept with a check value in HOME/keys/kdf.params, so the scrypt
 * output (the instance key-encryption key, KEK: src/crypto/kek.c) opens them all. It is derived
 * once, when the first key is needed, verified against the check value (a wrong passphrase is
 * told at once, without a key file), and kept with the instance (or installed from an agent with
 * es_instance_set_kek, which needs no passphrase). Key files written before the instance had a
 * KEK (each with its own salt) still open with the passphrase, and are rewritten under the KEK
 * the first time they are opened ("migrated on first use"); `eseal passwd` rewrites them all.
 * kdf.params is created only once the passphrase has opened a key of the instance (or when it
 * has none yet), so a mistyped passphrase can never become the instance's.
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
#include <pthread.h>
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define KEYS_DIR "keys"
#define STAGE_DIR "keys.passwd"
#define LOCK_FILE "keys.lock"
#define KDF_FILE "kdf.params" /* in keys/: the KEK's salt, parameters and check value */
#define KDF_FILE_MAX 1024
#define MAX_KEY_FILES 100000
#define PASSWD_WHY_MAX 512 /* why the exchange failed, for the error and the failure entry */

bool es_passwd_exchange_fail = false;
/* Guards every instance's kek and kek_set: a server's threads may ask for the KEK at once (the
 * first one derives it, the others wait and copy it). One lock for the process: it is held for
 * one derivation at most, once per instance handle. */
static pthread_mutex_t kek_lock = PTHREAD_MUTEX_INITIALIZER;

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

static ES_RESULT keys_write(eseal_instance *inst, const char *path, es_span pem, bool replace);
static ES_RESULT check_pass_legacy(eseal_instance *inst);

bool es_instance_unlocked(const eseal_instance *inst)
{
    return inst != NULL && (inst->pass.ptr != NULL || inst->kek_set);
}

/* kdf.params: "eseal-kdf 1", "scrypt N r p", "salt HEX", "check HEX", one per line. */
static ES_RESULT kdf_read(const char *path, es_kek *k, uint8_t check[ES_KEK_CHECK])
{
    ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(KDF_FILE_MAX);
    es_result r = es_file_read(&text, path, KDF_FILE_MAX);
    if (!es_ok(r)) {
        return r;
    }
    memset(k, 0, sizeof(*k));
    /* Four lines, each "NAME VALUE", in this order; nothing else. */
    char *lines[4] = {NULL, NULL, NULL, NULL};
    ES_GUARD(es_buf_reserve(&text, 1)); /* es_file_read NUL-terminates; the text is edited in place */
    char *cur = (char *)text.ptr;
    cur[text.len] = '\0';
    size_t nl = 0;
    while (*cur != '\0' && nl < 4) {
        char *end = strchr(cur, '\n');
        if (end == NULL) {
            break;
        }
        *end = '\0';
        lines[nl++] = cur;
        cur = end + 1;
    }
    char *salt = nl == 4 && strncmp(lines[2], "salt ", 5) == 0 ? lines[2] + 5 : NULL;
    char *chk = nl == 4 && strncmp(lines[3], "check ", 6) == 0 ? lines[3] + 6 : NULL;
    char *sc = nl == 4 && strncmp(lines[1], "scrypt ", 7) == 0 ? lines[1] + 7 : NULL;
    char *num[3] = {NULL, NULL, NULL};
    for (size_t i = 0; sc != NULL && i < 3; i++) {
        num[i] = sc;
        char *sp = strchr(sc, ' ');
        if (sp != NULL) {
            *sp = '\0';
        }
        sc = sp != NULL && i < 2 ? sp + 1 : NULL;
        if (sp != NULL && i == 2) {
            num[2] = NULL; /* more than three numbers */
        }
    }
    uint64_t n = 0;
    uint64_t rr = 0;
    uint64_t pp = 0;
    ES_ENSURE(*cur == '\0' && nl == 4 && strcmp(lines[0], "eseal-kdf 1") == 0 && salt != NULL && chk != NULL &&
                  num[2] != NULL && strlen(salt) == 2 * ES_KEK_SALT && strlen(chk) == 2 * ES_KEK_CHECK &&
                  es_is_lower_hex(salt, strlen(salt)) && es_is_lower_hex(chk, strlen(chk)) &&
                  es_ok(es_parse_uint(num[0], UINT32_MAX, &n)) && es_ok(es_parse_uint(num[1], 32, &rr)) &&
                  es_ok(es_parse_uint(num[2], 64, &pp)),
              ESEAL_EMALFORMED, "%s is not an eseal key-derivation file", path);
    /* Bounded as OpenSSL's PKCS#8 reader bounds them: N a power of two, 128*r*N <= 32 MiB. */
    ES_ENSURE(n >= 2 && (n & (n - 1)) == 0 && rr >= 1 && rr <= 32 && pp >= 1 && pp <= 64 &&
                  n <= (32u * 1024 * 1024) / (128u * rr),
              ESEAL_EMALFORMED, "%s: scrypt parameters out of range", path);
    k->n = n;
    k->r = (uint32_t)rr;
    k->p = (uint32_t)pp;
    ES_AUTO(es_buf_freep) es_buf bin = ES_BUF_INIT(ES_KEK_CHECK);
    ES_GUARD(es_hex_decode(&bin, salt));
    memcpy(k->salt, bin.ptr, ES_KEK_SALT);
    es_buf_clear(&bin);
    ES_GUARD(es_hex_decode(&bin, chk));
    memcpy(check, bin.ptr, ES_KEK_CHECK);
    return ES_OK;
}

static ES_RESULT kdf_text(es_buf *out, const es_kek *k)
{
    uint8_t check[ES_KEK_CHECK];
    ES_GUARD(es_kek_check(k, check));
    char salt[2 * ES_KEK_SALT + 1];
    char chk[2 * ES_KEK_CHECK + 1];
    es_hex_lower(salt, k->salt, ES_KEK_SALT);
    es_hex_lower(chk, check, ES_KEK_CHECK);
    return es_buf_printf(out, "eseal-kdf 1\nscrypt %" PRIu64 " %u %u\nsalt %s\ncheck %s\n", k->n, (unsigned)k->r,
                         (unsigned)k->p, salt, chk);
}

/* Derives the KEK from the passphrase: under kdf.params when it exists (the check value tells a
 * wrong passphrase), else a new one, once the passphrase has opened a key of the instance (or the
 * instance has no key yet). */
static ES_RESULT kek_unlock(eseal_instance *inst)
{
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS,
              "the instance passphrase is needed (set ESEAL_PASSPHRASE, use --pass-file, or run on a terminal)");
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&path, inst, KEYS_DIR "/" KDF_FILE));
    es_kek k;
    uint8_t check[ES_KEK_CHECK];
    es_result r = ES_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        r = kdf_read(es_buf_cstr(&path), &k, check);
        if (es_ok(r)) {
            r = es_kek_derive(&k, inst->pass.ptr, inst->pass.len);
            if (es_ok(r)) {
                r = es_kek_verify(&k, check, inst->home);
            }
            break;
        }
        if (es_code(r) != ESEAL_ENOTFOUND) {
            break;
        }
        /* No KEK yet: prove the passphrase on a key first (keys written before the KEK). */
        r = check_pass_legacy(inst);
        if (!es_ok(r) && es_code(r) != ESEAL_ENOTFOUND) {
            break;
        }
        ES_AUTO(es_buf_freep) es_buf text = ES_BUF_INIT(KDF_FILE_MAX);
        r = es_kek_new(&k, inst->pass.ptr, inst->pass.len);
        if (es_ok(r)) {
            r = kdf_text(&text, &k);
        }
        if (es_ok(r)) {
            r = keys_write(inst, es_buf_cstr(&path), es_buf_span(&text), false);
        }
        if (es_code(r) != ESEAL_EEXISTS) {
            break; /* else another process made it first: use its KEK */
        }
    }
    if (es_ok(r)) {
        inst->kek = k;
        inst->kek_set = true;
    }
    es_kek_wipe(&k);
    return r;
}

ES_RESULT es_instance_kek(eseal_instance *inst, es_kek *out)
{
    ES_ENSURE_ARG(inst != NULL && out != NULL);
    pthread_mutex_lock(&kek_lock);
    es_result r = inst->kek_set ? ES_OK : kek_unlock(inst);
    if (es_ok(r)) {
        *out = inst->kek;
    }
    pthread_mutex_unlock(&kek_lock);
    return r;
}

bool es_instance_kek_held(eseal_instance *inst, es_kek *out)
{
    pthread_mutex_lock(&kek_lock);
    bool held = inst != NULL && inst->kek_set;
    if (held) {
        *out = inst->kek;
    }
    pthread_mutex_unlock(&kek_lock);
    return held;
}

ES_RESULT es_instance_set_kek(eseal_instance *inst, const es_kek *kek)
{
    ES_ENSURE_ARG(inst != NULL && kek != NULL);
    ES_AUTO(es_buf_freep) es_buf path = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&path, inst, KEYS_DIR "/" KDF_FILE));
    es_kek k;
    uint8_t check[ES_KEK_CHECK];
    ES_GUARD(kdf_read(es_buf_cstr(&path), &k, check));
    bool same = memcmp(k.salt, kek->salt, ES_KEK_SALT) == 0 && k.n == kek->n && k.r == kek->r && k.p == kek->p;
    ES_ENSURE(same, ESEAL_EPASS, "the key-encryption key given is not this instance's (was the passphrase changed?)");
    ES_GUARD(es_kek_verify(kek, check, inst->home));
    pthread_mutex_lock(&kek_lock);
    es_kek_wipe(&inst->kek);
    inst->kek = *kek;
    inst->kek_set = true;
    pthread_mutex_unlock(&kek_lock);
    es_keys_note(inst);
    return ES_OK;
}

/* A key file written before the instance had a KEK: opened with the passphrase (one derivation),
 * then rewritten under the KEK when `convert` (never while eseal passwd holds the keys). */
static ES_RESULT load_legacy(eseal_instance *inst, eseal_key **key, const char *path, es_span pem,
                             const es_kek *k, bool convert)
{
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS,
              "%s predates the instance key-encryption key: run one command with the passphrase "
              "(not through the agent) to convert it",
              path);
    ES_GUARD(es_key_load_pem(key, pem, path, inst->pass.ptr, inst->pass.len));
    if (!convert) {
        return ES_OK;
    }
    es_buf out = ES_BUF_INIT(ES_KEYFILE_PEM_MAX);
    out.secret = true;
    es_result r = es_key_pem_kek(&out, *key, k);
    if (es_ok(r)) {
        r = keys_write(inst, path, es_buf_span(&out), true);
    }
    es_buf_free(&out);
    if (!es_ok(r)) {
        eseal_error_clear(); /* the key is open; converting it waits for the next use */
    }
    return ES_OK;
}

static ES_RESULT load_key_file(eseal_instance *inst, eseal_key **key, const char *path, bool convert)
{
    ES_ENSURE_ARG(inst != NULL && key != NULL && path != NULL);
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS,
              "the instance passphrase is needed (set ESEAL_PASSPHRASE, use --pass-file, or run on a terminal)");
    es_kek k;
    ES_GUARD(es_instance_kek(inst, &k));
    es_buf pem = ES_BUF_INIT(ES_KEYFILE_PEM_MAX);
    pem.secret = true;
    es_result r = es_file_read(&pem, path, ES_KEYFILE_PEM_MAX);
    bool other = false;
    if (es_ok(r)) {
        r = es_key_load_kek(key, &other, es_buf_span(&pem), &k, path);
    }
    if (es_ok(r) && other) {
        r = load_legacy(inst, key, path, es_buf_span(&pem), &k, convert);
    }
    es_buf_free(&pem);
    es_kek_wipe(&k);
    return r;
}

ES_RESULT es_instance_load_key_file(eseal_instance *inst, eseal_key **key, const char *path)
{
    return load_key_file(inst, key, path, true);
}

ES_RESULT es_instance_load_key(eseal_instance *inst, eseal_key **key, const eseal_cert_record *rec)
{
    ES_ENSURE(rec->key_file != NULL && rec->key_file[0] != '\0', ESEAL_ENOTFOUND,
              "certificate %s has no private key in this instance", rec->id);
    if (es_hwkey_is_ref(rec->key_file)) {
        return es_hwkey_open(inst, key, rec->key_file); /* a token's key: no passphrase, no file */
    }
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&p, inst, rec->key_file));
    return es_instance_load_key_file(inst, key, es_buf_cstr(&p));
}

void es_keys_note(eseal_instance *inst)
{
    struct stat st;
    if (inst != NULL && keys_stat(inst, &st)) {
        inst->keys_dev = st.st_dev;
        inst->keys_ino = st.st_ino;
    }
}

/* ESEAL_EPASS when HOME/keys is no longer the directory this process's passphrase was set for. */
static ES_RESULT keys_current(eseal_instance *inst)
{
    struct stat st;
    if (keys_stat(inst, &st)) {
        if (inst->keys_ino == 0) {
            inst->keys_dev = st.st_dev; /* the first key of a new instance */
            inst->keys_ino = st.st_ino;
        } else if (st.st_dev != inst->keys_dev || st.st_ino != inst->keys_ino) {
            ES_BAIL(ESEAL_EPASS, "the instance passphrase was changed (eseal passwd) after this process set it: "
                                 "no key is written under the old one; run the command again");
        }
    }
    return ES_OK;
}

/* Writes a key file under HOME/keys.lock (shared), refusing when HOME/keys is no longer the
 * directory this process's passphrase was set for (eseal passwd replaced it meanwhile). */
static ES_RESULT keys_write(eseal_instance *inst, const char *path, es_span pem, bool replace)
{
    int fd = -1;
    if (!inst->keys_exclusive) {
        ES_GUARD(keys_lock(inst, false, &fd));
    }
    es_result r = keys_current(inst);
    if (es_ok(r)) {
        r = replace ? es_file_write_atomic(path, pem.ptr, pem.len, 0600) : es_file_write_new(path, pem.ptr, pem.len, 0600);
    }
    if (fd >= 0) {
        close(fd);
    }
    return r;
}

ES_RESULT es_key_save(eseal_instance *inst, eseal_key *key, const char *path)
{
    ES_ENSURE_ARG(inst != NULL && key != NULL && path != NULL);
    ES_ENSURE(es_instance_unlocked(inst), ESEAL_EPASS, "the instance passphrase is needed to store a key");
    ES_GUARD(keys_current(inst)); /* told before a derivation that would only say "wrong passphrase" */
    es_kek k;
    ES_GUARD(es_instance_kek(inst, &k));
    es_buf pem = ES_BUF_INIT(ES_KEYFILE_PEM_MAX);
    pem.secret = true;
    es_result r = es_key_pem_kek(&pem, key, &k);
    es_kek_wipe(&k);
    if (es_ok(r)) {
        r = keys_write(inst, path, es_buf_span(&pem), false);
    }
    es_buf_free(&pem);
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

/* Names in keys/ that are not key files: ".", ".." and the KEK's parameters. */
static bool not_a_key(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, KDF_FILE) == 0;
}

/* The passphrase proven on the first key file of keys/, opened with it (not with a KEK): for an
 * instance whose keys predate the KEK. ESEAL_ENOTFOUND when keys/ holds no key. */
static ES_RESULT check_pass_legacy(eseal_instance *inst)
{
    ES_AUTO(es_buf_freep) es_buf keys = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&keys, inst, KEYS_DIR));
    struct dirent **names = NULL;
    int n = 0;
    es_result r = list_keys(es_buf_cstr(&keys), &names, &n);
    if (!es_ok(r)) {
        return es_code(r) == ESEAL_ENOTFOUND ? es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "no keys yet") : r;
    }
    r = es_error_set(ESEAL_ENOTFOUND, __FILE__, __LINE__, "%s holds no key to check the passphrase with",
                     es_buf_cstr(&keys));
    es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    for (int i = 0; i < n; i++) {
        if (not_a_key(names[i]->d_name)) {
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

/* The passphrase set is the instance's: the KEK derived from it matches kdf.params's check value
 * (or, for an instance without one yet, it opens a key). */
static ES_RESULT check_pass(eseal_instance *inst)
{
    ES_ENSURE_ARG(inst != NULL);
    ES_ENSURE(inst->pass.ptr != NULL, ESEAL_EPASS, "the instance passphrase is needed");
    es_kek k;
    es_result r = es_instance_kek(inst, &k);
    es_kek_wipe(&k);
    return r;
}

int eseal_instance_passphrase_check(eseal_instance *inst) { return es_code(check_pass(inst)); }

/* Every key of keys/ opened (under the current KEK, or the passphrase for older files) and written
 * into stage under the new KEK. */
static ES_RESULT reencrypt_all(eseal_instance *inst, const char *keys, const char *stage, const es_kek *nk,
                               size_t *count)
{
    struct dirent **names = NULL;
    int n = 0;
    ES_GUARD(list_keys(keys, &names, &n));
    es_result r = n <= MAX_KEY_FILES ? ES_OK : es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "%s holds over %d files", keys, MAX_KEY_FILES);
    es_buf from = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_buf to = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_buf pem = ES_BUF_INIT(ES_KEYFILE_PEM_MAX);
    pem.secret = true;
    for (int i = 0; i < n && es_ok(r); i++) {
        if (not_a_key(names[i]->d_name)) {
            continue;
        }
        es_buf_clear(&from);
        es_buf_clear(&to);
        es_buf_clear(&pem);
        r = es_buf_printf(&from, "%s/%s", keys, names[i]->d_name);
        if (es_ok(r)) {
            r = es_buf_printf(&to, "%s/%s", stage, names[i]->d_name);
        }
        eseal_key *k = NULL;
        if (es_ok(r)) {
            /* O_NOFOLLOW: a key file that is a link is refused here as everywhere. Not converted
             * in place: this process holds keys.lock exclusively, and keys/ is being replaced. */
            r = load_key_file(inst, &k, es_buf_cstr(&from), false);
        }
        if (es_ok(r)) {
            r = es_key_pem_kek(&pem, k, nk);
        }
        if (es_ok(r)) {
            r = es_file_write_new(es_buf_cstr(&to), pem.ptr, pem.len, 0600);
        }
        *count += es_ok(r) ? 1 : 0;
        eseal_key_free(k);
    }
    es_buf_free(&from);
    es_buf_free(&to);
    es_buf_free(&pem);
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
    inst->keys_exclusive = true;
    es_result r = change_pass_locked(inst, pass, len, rec, ctx);
    inst->keys_exclusive = false;
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
    /* The new set: a new KEK (new salt) from the new passphrase, its kdf.params, every key under it. */
    size_t count = 0;
    es_kek nk;
    memset(&nk, 0, sizeof(nk));
    es_buf text = ES_BUF_INIT(KDF_FILE_MAX);
    es_buf kdf = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_kek_new(&nk, pass, len);
    if (es_ok(r)) {
        r = kdf_text(&text, &nk);
    }
    if (es_ok(r)) {
        r = es_buf_printf(&kdf, "%s/%s", es_buf_cstr(&stage), KDF_FILE);
    }
    if (es_ok(r)) {
        r = es_file_write_new(es_buf_cstr(&kdf), text.ptr, text.len, 0600);
    }
    es_buf_free(&text);
    es_buf_free(&kdf);
    if (es_ok(r)) {
        r = reencrypt_all(inst, es_buf_cstr(&keys), es_buf_cstr(&stage), &nk, &count);
    }
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
        es_kek_wipe(&nk);
        remove_dir(es_buf_cstr(&stage)); /* the new set, incomplete: keys/ is untouched */
        return r;
    }
    /* From here the new passphrase is the instance's. */
    r = sync_dir(inst->home);
    remove_dir(es_buf_cstr(&stage)); /* the old set */
    es_result s = es_secret_set(&inst->pass, pass, len);
    pthread_mutex_lock(&kek_lock);
    es_kek_wipe(&inst->kek);
    inst->kek = nk;
    inst->kek_set = es_ok(s);
    pthread_mutex_unlock(&kek_lock);
    es_kek_wipe(&nk);
    es_keys_note(inst); /* this process may go on writing keys, under the new passphrase */
    return es_ok(r) ? s : r;
}

ES_RESULT es_tl_key(eseal_instance *inst, eseal_key **key, const char *rel)
{
    ES_AUTO(es_buf_freep) es_buf p = ES_BUF_INIT(ES_PATH_BUF_MAX);
    ES_GUARD(es_home_path(&p, inst, rel));
    if (es_path_exists(es_buf_cstr(&p))) {
        return es_instance_load_key_file(inst, key, es_buf_cstr(&p));
    }
    ES_AUTO(es_key_freep) eseal_key *k = NULL;
    ES_GUARD(es_from_code(eseal_key_generate(&k, ESEAL_ALG_P256)));
    ES_GUARD(es_key_save(inst, k, es_buf_cstr(&p)));
    *key = k;
    k = NULL;
    return ES_OK;
}
