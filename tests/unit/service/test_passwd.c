/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: eseal_instance_passwd against another handle of the same instance. A handle that set
 * the passphrase before the change must not write a key under the old one (into the new key set,
 * where it could never be opened with the new passphrase, or into the old set that the change
 * removes); after opening again with the new passphrase it issues as before.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/eseal.h"
#include "../test_instance.h"

static char home[] = "/tmp/eseal-passwd-XXXXXX";
static char ihome[600];
static const char pass1[] = "first-passphrase-1";
static const char pass2[] = "second-passphrase-2";

static int count_keys(void)
{
    char dir[700];
    (void)snprintf(dir, sizeof(dir), "%s/keys", ihome);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static int issue(eseal_instance *inst)
{
    eseal_cert_request req = ESEAL_CERT_REQUEST_INIT;
    req.person = 1;
    req.name = "Zhang San";
    req.alg = ESEAL_ALG_P256;
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    int rc = eseal_instance_cert_issue(inst, test_who(), &rec, &req);
    if (rc == ESEAL_OK) {
        eseal_cert_record_dispose(&rec);
    }
    return rc;
}

/* An outside certificate with its key (unencrypted PEM), made by openssl. */
static void make_outside(const char *name)
{
    char cmd[1600];
    (void)snprintf(cmd, sizeof(cmd),
                   "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj '/CN=%s' "
                   "-keyout '%s/%s.key' -out '%s/%s.pem' 2>/dev/null",
                   name, home, name, home, name);
    assert_int_equal(system(cmd), 0);
}

/* Imports it: no key of the instance is opened first, only the new one is written. */
static int import(eseal_instance *inst, const char *name)
{
    char cert[700], key[700];
    (void)snprintf(cert, sizeof(cert), "%s/%s.pem", home, name);
    (void)snprintf(key, sizeof(key), "%s/%s.key", home, name);
    eseal_cert_record rec;
    memset(&rec, 0, sizeof(rec));
    int rc = eseal_instance_cert_import(inst, test_who(), &rec, cert, key, NULL);
    if (rc == ESEAL_OK) {
        eseal_cert_record_dispose(&rec);
    }
    return rc;
}

static eseal_instance *open_with(const char *pass) { return test_instance_open(ihome, pass); }

static void stale_handle_writes_no_key(void **state)
{
    (void)state;
    eseal_instance *old = open_with(pass1);   /* a long-running process, opened before */
    eseal_instance *admin = open_with(pass1); /* eseal passwd */
    int before = count_keys();
    assert_int_equal(eseal_instance_passwd(admin, test_who(), pass2, strlen(pass2)), ESEAL_OK);
    assert_int_equal(count_keys(), before);

    /* The stale handle is refused before it writes anything: issuing opens the CA key (under
     * the new passphrase now), importing opens none, and is stopped by HOME/keys having changed. */
    assert_int_equal(issue(old), ESEAL_EPASS);
    make_outside("outside");
    assert_int_equal(import(old, "outside"), ESEAL_EPASS);
    assert_non_null(strstr(eseal_error_last()->message, "eseal passwd"));
    assert_int_equal(count_keys(), before);

    /* The handle that changed it goes on under the new passphrase... */
    assert_int_equal(issue(admin), ESEAL_OK);
    assert_int_equal(count_keys(), before + 1);
    eseal_instance_close(admin);
    eseal_instance_close(old);

    /* ...and every key opens with the new passphrase only. */
    eseal_instance *fresh = open_with(pass2);
    assert_int_equal(eseal_instance_passphrase_check(fresh), ESEAL_OK);
    assert_int_equal(issue(fresh), ESEAL_OK);
    assert_int_equal(import(fresh, "outside"), ESEAL_OK);
    assert_int_equal(count_keys(), before + 3);
    eseal_instance_close(fresh);
    eseal_instance *wrong = open_with(pass1);
    assert_int_equal(eseal_instance_passphrase_check(wrong), ESEAL_EPASS);
    eseal_instance_close(wrong);
}

static int setup(void **state)
{
    (void)state;
    test_instance_init(home, ihome, sizeof(ihome), pass1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_scratch_remove(home);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stale_handle_writes_no_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
