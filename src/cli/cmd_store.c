/* SPDX-License-Identifier: Apache-2.0 */
/* eseal migrate and eseal store copy: the store's schema and moving an instance to another store (issue 22). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "eseal/sys/store.h"

static int migrate_run(cli_args *a)
{
    if (a->npos != 0) {
        return cli_usage_error(&cli_cmd_migrate, "migrate takes no arguments");
    }
    int from = 0, to = 0;
    int rc = eseal_instance_migrate(cli_home(a), &from, &to);
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (a->json) {
        printf("{\"from\":%d,\"to\":%d}\n", from, to);
    } else if (from == to) {
        printf("the store of %s is at schema version %d: nothing to do\n", cli_home(a), to);
    } else {
        printf("the store of %s is migrated from schema version %d to %d\n", cli_home(a), from, to);
    }
    return CLI_OK;
}

const cli_cmd cli_cmd_migrate = {
    "migrate", "apply the store's schema migrations (PostgreSQL: after an upgrade of eseal)",
    "Usage: eseal migrate\n\n"
    "Brings the schema of the instance's store (eseal.conf's `store`, else HOME/eseal.db) to this\n"
    "eseal's version, each migration in one transaction, and prints the versions. A SQLite store is\n"
    "migrated by any command that opens it; a PostgreSQL store, which many processes share, only by\n"
    "this command: after installing a new eseal, stop the old processes, run 'eseal migrate' once,\n"
    "start the new ones (they refuse an older schema until then). A schema newer than this eseal\n"
    "is refused: upgrade eseal instead. Needs no passphrase. See docs/deploy.md.\n",
    NULL, migrate_run};

typedef struct {
    bool json;
    bool first;
    uint64_t total;
} copy_out;

static int copy_table(const char *table, uint64_t rows, void *payload)
{
    copy_out *o = payload;
    if (o->json) {
        printf("%s\"%s\":%" PRIu64, o->first ? "" : ",", table, rows);
    } else if (rows > 0) {
        printf("  %-16s %" PRIu64 " rows\n", table, rows);
    }
    o->first = false;
    o->total += rows;
    return 0;
}

static const cli_opt_spec copy_opts[] = {{"from", 0, true, false}, {"to", 0, true, false}, {NULL, 0, false, false}};

static int copy(cli_args *a)
{
    const char *from = cli_get(a, "from");
    const char *to = cli_get(a, "to");
    if (from == NULL || to == NULL || a->npos != 1) {
        return cli_usage_error(&cli_cmd_store, "store copy needs --from LOCATION and --to LOCATION");
    }
    copy_out o = {.json = a->json, .first = true};
    if (o.json) {
        printf("{\"tables\":{");
    }
    int rc = eseal_store_copy(from, to, copy_table, &o);
    if (o.json) {
        printf("}}\n");
    }
    if (rc != ESEAL_OK) {
        return cli_fail(rc);
    }
    if (!o.json) {
        printf("copied %" PRIu64 " rows; next: set `store = %s` in eseal.conf, then run 'eseal log audit'\n",
               o.total, to);
    }
    return CLI_OK;
}

static const cli_sub subs[] = {{"copy", copy}};

static int store_run(cli_args *a) { return cli_dispatch(&cli_cmd_store, a, subs, sizeof(subs) / sizeof(subs[0])); }

const cli_cmd cli_cmd_store = {
    "store", "copy an instance's store into another database (SQLite to PostgreSQL)",
    "Usage: eseal store copy --from LOCATION --to LOCATION\n\n"
    "Copies every row of the store at --from into the store at --to, e.g. an instance's SQLite file\n"
    "into PostgreSQL: --from sqlite:/HOME/eseal.db --to postgresql://USER@HOST:PORT/DB (a location\n"
    "as eseal.conf's `store`; libpq's password file, never a password in it). The target is made\n"
    "when it has no schema and must be empty. All or nothing: a failed copy leaves it empty. Stop\n"
    "every process of the instance first (the source is held under its write lock while it is\n"
    "read). Then set `store = LOCATION` in HOME/eseal.conf and run 'eseal log audit', which\n"
    "re-hashes every entry of the copied log against the checkpoint kept outside the store.\n"
    "Needs no passphrase: nothing is decrypted. See docs/deploy.md.\n",
    copy_opts, store_run};
