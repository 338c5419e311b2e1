/* SPDX-License-Identifier: Apache-2.0 */
/* Test hooks of the store (issue 18; counted, never timed). */
#ifndef ES_STORE_HOOKS_H
#define ES_STORE_HOOKS_H

#include <stddef.h>

/* Stores opened by this process (eseal_store_open that succeeded): each SQLite connection parses
 * the schema on its first statement, so a stamp pays it once per connection. */
extern _Atomic size_t es_store_opens;

#endif
