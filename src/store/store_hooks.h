/* SPDX-License-Identifier: Apache-2.0 */
/* Test hooks of the store (issue 18; counted, never timed). */
#ifndef ES_STORE_HOOKS_H
#define ES_STORE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

/* Stores opened by this process (eseal_store_open that succeeded): each SQLite connection parses
 * the schema on its first statement, so a stamp pays it once per connection. */
extern _Atomic size_t es_store_opens;

/* eseal_store_migrate: set while it opens the store, so that a scheme whose stores many processes
 * share (PostgreSQL) upgrades an older schema, which it refuses on any other open; the schema's version
 * before the open's migrations is left in es_store_upgraded_from (-1: not known). */
extern _Thread_local bool es_store_upgrade;
extern _Thread_local int es_store_upgraded_from;

#endif
