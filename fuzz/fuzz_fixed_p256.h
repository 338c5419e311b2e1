/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The P-256 key the trust-list and registry-answer harnesses sign with (their seeds' registry answers
 * are signed by it too: tests/unit/trustlist/test_trustlist.c, fuzz_seeds). Made once with
 * `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`; a test key, nothing else.
 */
#ifndef FUZZ_FIXED_P256_H
#define FUZZ_FIXED_P256_H

static const char fuzz_fixed_p256_pem[] = "-----BEGIN PRIVATE KEY-----\n"
                                          "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9GJRoNAUmaGV+l3Y\n"
                                          "6C6wMMeWQZbs46mJhJJR8+K49kKhRANCAASYUUiw3ahnXwISWfVY0UGVlUyFY4v7\n"
                                          "P5OGdfaFn3kJImPxLUsGIbzuOM3vKsrwC8G/aCcWd6zpC+vaDh8kGc5+\n"
                                          "-----END PRIVATE KEY-----\n";

#endif
