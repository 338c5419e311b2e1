/* SPDX-License-Identifier: Apache-2.0 */
/*
 * assert_report_json(report, document): the report's JSON passes tests/lib/report_schema.py, run
 * with Debian's python3: a document report (PDF, OFD, CMS) against docs/verify-report.schema.json
 * and its evidence rule; any other report (a time-stamp token's, a seal's) only the rule that no
 * number, boolean or list hides in a string (--typed-only). Include after cmocka.h.
 */
#ifndef ESEAL_TEST_REPORT_JSON_H
#define ESEAL_TEST_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eseal/instance.h"

static void assert_report_json(const eseal_report *rep, bool document)
{
    eseal_buf json = ESEAL_BUF_INIT;
    assert_int_equal(eseal_report_to_json(&json, rep), ESEAL_OK);
    char path[] = "/tmp/eseal-report-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json.ptr, json.size), (ssize_t)json.size);
    assert_int_equal(close(fd), 0);
    char root[512], cmd[2048];
    (void)snprintf(root, sizeof(root), "%s", __FILE__);
    char *t = strstr(root, "tests/unit/"); /* __FILE__ may be tests/unit/tsa/../test_report_json.h */
    assert_non_null(t);
    *t = '\0';
    (void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %stests/lib/report_schema.py %s %sdocs/verify-report.schema.json %s",
                   root, document ? "" : "--typed-only", root, path);
    int rc = system(cmd);
    if (rc != 0) {
        print_error("%s\n", (const char *)json.ptr);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(unlink(path), 0);
    eseal_buf_dispose(&json);
}

#endif
