/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Third-party test vectors in unit tests. The vector sets (ofd-samples, tlog-vectors) are
 * files made by others, kept outside the repository; each set's SOURCES.md says where every
 * file comes from and what it must verify to. tests/CMakeLists.txt decides once where they
 * are ($ESEAL_TESTDATA at configure time, else ../shared/testdata beside the source tree,
 * else nowhere) and passes it as ESEAL_TESTDATA (empty: none); run by hand, a test binary
 * takes $ESEAL_TESTDATA, else what CMake found (ESEAL_TESTDATA_DEFAULT).
 *
 * A test case that needs a set starts with TEST_VECTORS(set): without the set the case is
 * skipped (cmocka skip(), one line on stderr saying what is missing, once per binary), the
 * other cases still run; with ESEAL_REQUIRE_TESTDATA=1 (CI) a missing set fails the case.
 * Include after <cmocka.h>.
 */
#ifndef ESEAL_TEST_VECTORS_H
#define ESEAL_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef ESEAL_TESTDATA_DEFAULT
#define ESEAL_TESTDATA_DEFAULT ""
#endif

/* The directory holding the vector sets, or NULL when there is none. */
static inline const char *test_vectors_root(void)
{
    const char *root = getenv("ESEAL_TESTDATA");
    if (root == NULL) {
        root = ESEAL_TESTDATA_DEFAULT;
    }
    return root[0] != '\0' ? root : NULL;
}

/* Whether ROOT/SET/SOURCES.md exists: a set counts as present only with its description. */
static inline int test_vectors_present(const char *set)
{
    const char *root = test_vectors_root();
    if (root == NULL) {
        return 0;
    }
    char p[1024];
    struct stat st;
    int n = snprintf(p, sizeof(p), "%s/%s/SOURCES.md", root, set);
    return n > 0 && (size_t)n < sizeof(p) && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The one line a binary prints for a missing set (once, however many cases it skips). */
static inline void test_vectors_say_missing(const char *set)
{
    static int said;
    if (said) {
        return;
    }
    said = 1;
    const char *root = test_vectors_root();
    fprintf(stderr,
            "# SKIP third-party vectors %s not found in %s: the cases that need them are skipped "
            "(third-party files kept outside the repository, see %s/SOURCES.md of shared/testdata; "
            "set ESEAL_TESTDATA to that directory)\n",
            set, root != NULL ? root : "$ESEAL_TESTDATA or ../shared/testdata", set);
}

static inline int test_vectors_required(void)
{
    const char *r = getenv("ESEAL_REQUIRE_TESTDATA");
    return r != NULL && strcmp(r, "1") == 0;
}

/* First statement of a test case that needs SET; put nothing that allocates before it. */
#define TEST_VECTORS(set)                                                                    \
    do {                                                                                     \
        if (!test_vectors_present(set)) {                                                    \
            if (test_vectors_required()) {                                                   \
                fail_msg("ESEAL_REQUIRE_TESTDATA=1 but the vectors %s are missing", (set)); \
            }                                                                                \
            test_vectors_say_missing(set);                                                   \
            skip();                                                                          \
        }                                                                                    \
    } while (0)

#endif
