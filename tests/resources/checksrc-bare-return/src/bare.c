/* SPDX-License-Identifier: Apache-2.0 */
/* checksrc must refuse this file: an error path that sets no message. */
#include "eseal/errors.h"

int bare(const char *p);
int bare(const char *p)
{
    if (p == NULL) {
        return ESEAL_EINVAL;
    }
    return ESEAL_OK;
}
