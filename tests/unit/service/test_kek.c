/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance key-encryption key (issue 18: one unlock per process). Counted through the test
 * hooks es_kdf_derivations and es_keyfile_opens (src/crypto/crypto.h), never timed:
 * - a stamp through the front door pays ONE scrypt derivation whatever keys it uses (the signer's,
 *   the TSA's for the audit entry's time, the log's for its checkpoint), and opens each key file it
 *   uses once; a second stamp on the same handle pays none;
 * - a wrong passphrase is told by kdf.params's check value: one derivation, no key file opened;
 * - a KEK handed over (as the agent does) opens the keys with no passphrase and no derivation; a
 *   KEK that is not the instance's is refused;
 * - the files stay standard: `openssl pkey -passin` opens a key file written under the KEK;
 * - key files from before the KEK (each with its own salt) still open, and are converted on first
 *   use; an instance with no kdf.params never gets one made from a wrong passphrase;
 * - eseal passwd moves the instance to a new salt: the old passphrase is refused, the new one
 *   opens everything with one derivation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "core/core.h"
#include "eseal/eseal.h"
#include "util/util.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-kek-XXXXXX";
static const char pass[] = "correct-horse-battery";
static const char pass2[] = "another-horse-battery";
static char ihome[600];
static char esid[64];

static char *path(const char *name)
{
    static char p[8][900];
    static int k;
    k = (k + 1) % 8;
    (void)snprintf(p[k], sizeof(p[k]), "%s/%s", home, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass);
    eseal_instance *inst = test_instance_open(ihome, pass);
    test_instance_seal(inst, ESEAL_ALG_P256, esid, sizeof(esid));
    eseal_instance_close(inst);
    test_write_pdf(path("in.pdf"));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_scratch_remove(home);
}

static int stamp(eseal_instance *inst, const char *out)
{
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.who = test_who();
    q.seal_ref = esid;
    q.page = 1;
    q.x_mm = 20;
    q.y_mm = 30;
    eseal_stamp_result res;
    int rc = eseal_instance_stamp_pdf(inst, &res, path("in.pdf"), path(out), &q);
    (void)unlink(path(out));
    return rc;
}

static void counters_reset(void)
{
    es_kdf_derivations = 0;
    es_keyfile_opens = 0;
}

/* The key files of the instance (not kdf.params). */
static int key_files(char names[][1024], int max)
{
    char dir[700];
    (void)snprintf(dir, sizeof(dir), "%s/keys", ihome);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] != '.' && strcmp(e->d_name, "kdf.params") != 0 && n < max) {
            (void)snprintf(names[n++], 1024, "%s/%s", dir, e->d_name);
        }
    }
    (void)closedir(d);
    return n;
}

static void one_derivation_per_stamp(void **state)
{
    (void)state;
    eseal_instance *inst = test_instance_open(ihome, pass);
    counters_reset();
    assert_int_equal(stamp(inst, "a.pdf"), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, 1);
    /* The signer's key, the TSA's (the audit entry's time) and the log's (its checkpoint): each
     * file opened once. */
    assert_int_equal(es_keyfile_opens, 3);
    counters_reset();
    assert_int_equal(stamp(inst, "b.pdf"), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, 0);
    eseal_instance_close(inst);
}

static void wrong_passphrase_told_by_the_check_value(void **state)
{
    (void)state;
    eseal_instance *inst = test_instance_open(ihome, "not-the-passphrase");
    counters_reset();
    assert_int_equal(eseal_instance_passphrase_check(inst), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "wrong passphrase"));
    assert_int_equal(es_kdf_derivations, 1);
    assert_int_equal(es_keyfile_opens, 0);
    assert_int_equal(stamp(inst, "c.pdf"), ESEAL_EPASS);
    eseal_instance_close(inst);
}

static void kek_handed_over_needs_no_passphrase(void **state)
{
    (void)state;
    eseal_instance *holder = test_instance_open(ihome, pass);
    es_kek k;
    assert_true(es_ok(es_instance_kek(holder, &k)));
    eseal_instance *user = NULL;
    assert_int_equal(eseal_instance_open(&user, ihome), ESEAL_OK);
    assert_false(es_instance_unlocked(user));
    assert_int_equal(stamp(user, "d.pdf"), ESEAL_EPASS);

    es_kek bad = k;
    bad.key[0] ^= 1;
    assert_int_equal(es_code(es_instance_set_kek(user, &bad)), ESEAL_EPASS);
    bad = k;
    bad.salt[3] ^= 1;
    assert_int_equal(es_code(es_instance_set_kek(user, &bad)), ESEAL_EPASS);
    assert_false(es_instance_unlocked(user));

    counters_reset();
    assert_true(es_ok(es_instance_set_kek(user, &k)));
    assert_int_equal(stamp(user, "d.pdf"), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, 0);
    es_kek_wipe(&k);
    es_kek_wipe(&bad);
    eseal_instance_close(user);
    eseal_instance_close(holder);
}

static void key_files_stay_standard_pkcs8(void **state)
{
    (void)state;
    char names[16][1024];
    int n = key_files(names, 16);
    assert_true(n >= 3);
    for (int i = 0; i < n; i++) {
        char cmd[1200 + sizeof(names[0])];
        (void)snprintf(cmd, sizeof(cmd), "openssl pkey -in '%.1023s' -passin 'pass:%s' -noout 2>/dev/null", names[i], pass);
        assert_int_equal(system(cmd), 0);
        (void)snprintf(cmd, sizeof(cmd), "openssl pkey -in '%.1023s' -passin 'pass:%s' -noout 2>/dev/null", names[i], pass2);
        assert_int_not_equal(system(cmd), 0);
    }
}

/* Rewrites every key file as eseal wrote them before the KEK: each under its own salt. */
static void make_legacy(const char *p)
{
    eseal_instance *inst = test_instance_open(ihome, p);
    char names[16][1024];
    int n = key_files(names, 16);
    for (int i = 0; i < n; i++) {
        eseal_key *k = NULL;
        assert_true(es_ok(es_instance_load_key_file(inst, &k, names[i])));
        assert_int_equal(unlink(names[i]), 0);
        assert_int_equal(eseal_key_save(k, names[i], p, strlen(p)), ESEAL_OK);
        eseal_key_free(k);
    }
    eseal_instance_close(inst);
    char kdf[700];
    (void)snprintf(kdf, sizeof(kdf), "%s/keys/kdf.params", ihome);
    assert_int_equal(unlink(kdf), 0);
}

static void older_key_files_convert_on_first_use(void **state)
{
    (void)state;
    make_legacy(pass);
    char kdf[700];
    (void)snprintf(kdf, sizeof(kdf), "%s/keys/kdf.params", ihome);

    /* A wrong passphrase on an instance without kdf.params: refused, and no kdf.params made. */
    eseal_instance *wrong = test_instance_open(ihome, "not-the-passphrase");
    assert_int_equal(stamp(wrong, "e.pdf"), ESEAL_EPASS);
    eseal_instance_close(wrong);
    struct stat st;
    assert_int_not_equal(stat(kdf, &st), 0);

    /* The right one: the KEK is made, every key used opens with the passphrase and is converted. */
    eseal_instance *inst = test_instance_open(ihome, pass);
    counters_reset();
    assert_int_equal(stamp(inst, "e.pdf"), ESEAL_OK);
    assert_int_equal(stat(kdf, &st), 0);
    assert_true(es_kdf_derivations > 1);
    eseal_instance_close(inst);

    /* The next process pays one derivation. */
    inst = test_instance_open(ihome, pass);
    counters_reset();
    assert_int_equal(stamp(inst, "f.pdf"), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, 1);
    eseal_instance_close(inst);
}

static void passwd_moves_to_a_new_salt(void **state)
{
    (void)state;
    char kdf[700];
    (void)snprintf(kdf, sizeof(kdf), "%s/keys/kdf.params", ihome);
    eseal_buf before = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&before, kdf, 4096), ESEAL_OK);

    eseal_instance *inst = test_instance_open(ihome, pass);
    assert_int_equal(eseal_instance_passwd(inst, test_who(), pass2, strlen(pass2)), ESEAL_OK);
    counters_reset();
    assert_int_equal(stamp(inst, "g.pdf"), ESEAL_OK); /* the same handle goes on under the new KEK */
    assert_int_equal(es_kdf_derivations, 0);
    eseal_instance_close(inst);

    eseal_buf after = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&after, kdf, 4096), ESEAL_OK);
    assert_true(before.size != after.size || memcmp(before.ptr, after.ptr, before.size) != 0);

    eseal_instance *old = test_instance_open(ihome, pass);
    assert_int_equal(eseal_instance_passphrase_check(old), ESEAL_EPASS);
    eseal_instance_close(old);
    inst = test_instance_open(ihome, pass2);
    counters_reset();
    assert_int_equal(stamp(inst, "h.pdf"), ESEAL_OK);
    assert_int_equal(es_kdf_derivations, 1);
    eseal_instance_close(inst);
    eseal_buf_dispose(&before);
    eseal_buf_dispose(&after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_derivation_per_stamp),
        cmocka_unit_test(wrong_passphrase_told_by_the_check_value),
        cmocka_unit_test(kek_handed_over_needs_no_passphrase),
        cmocka_unit_test(key_files_stay_standard_pkcs8),
        cmocka_unit_test(older_key_files_convert_on_first_use),
        cmocka_unit_test(passwd_moves_to_a_new_salt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
