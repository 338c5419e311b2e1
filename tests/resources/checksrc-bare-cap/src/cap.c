/* SPDX-License-Identifier: Apache-2.0 */
/* checksrc must refuse line 9 (an es_buf cap written as a number) and accept lines 10 and 11. */
#include "util/util.h"

#define CAP_NAME_MAX 64 /* a name: one short line */
void caps(void);
void caps(void)
{
    es_buf bare = ES_BUF_INIT(8192);
    es_buf named = ES_BUF_INIT(CAP_NAME_MAX);
    es_buf allowed = ES_BUF_INIT(16); /* !checksrc! allowed: the self-test's escape */
    es_buf_free(&bare);
    es_buf_free(&named);
    es_buf_free(&allowed);
}
