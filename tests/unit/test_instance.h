/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A throw-away instance for the service unit tests: a scratch folder made with mkdtemp, an
 * instance initialised in it under a passphrase, opened with that passphrase, and the folder
 * removed afterwards. Include after <cmocka.h> and "eseal/eseal.h".
 */
#ifndef ESEAL_TEST_INSTANCE_H
#define ESEAL_TEST_INSTANCE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes the scratch folder from `tmpl` ("/tmp/NAME-XXXXXX", changed in place) and initialises an
 * instance in TMPL/i, written to `ihome` (n bytes). */
static inline void test_instance_init(char *tmpl, char *ihome, size_t n, const char *pass)
{
    assert_non_null(mkdtemp(tmpl));
    (void)snprintf(ihome, n, "%s/i", tmpl);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    assert_int_equal(eseal_instance_init(ihome, &o), ESEAL_OK);
}

/* Opens the instance at `ihome` with `pass` set. */
static inline eseal_instance *test_instance_open(const char *ihome, const char *pass)
{
    eseal_instance *inst = NULL;
    assert_int_equal(eseal_instance_open(&inst, ihome), ESEAL_OK);
    assert_int_equal(eseal_instance_set_passphrase(inst, pass, strlen(pass)), ESEAL_OK);
    return inst;
}

/* Removes the scratch folder: 0, or -1 for a cmocka teardown that failed. */
static inline int test_scratch_remove(const char *dir)
{
    char cmd[700];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
