#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The PostgreSQL store through the CLI (issue 22; docs/deploy.md, docs/store.md), on a cluster of its
# own (scripts/pg-cluster.sh, or the run's $ESEAL_TEST_PG):
#   - an instance made on SQLite, with a seal, a stamp and audit entries, moved with `eseal store copy
#     --from sqlite:HOME/eseal.db --to postgresql://...`: the tables' row counts printed, `store =` set
#     in eseal.conf, then `eseal log audit` re-hashes every entry against the checkpoint kept outside
#     the store, the stamped document still verifies with its log entry, and a new stamp works there;
#   - a copy into a store that is not empty is refused and leaves it as it was;
#   - `eseal migrate`: nothing to do at the current version; a schema made older (its version set
#     back and the last migration's tables dropped) is refused by every command with "run 'eseal
#     migrate'", which brings it from 8 to 11; a schema newer than the program is refused, by migrate too;
#   - init on $ESEAL_STORE with schema=auto writes the schema it made into eseal.conf; init onto a
#     store that holds an instance is refused; a password in the location is refused at init and in
#     eseal.conf (it is readable by others).
# Usage: store_pg_test.sh /path/to/eseal
set -u
E=$1
S=$(cd "$(dirname "$0")/../../scripts" && pwd)
R=$(cd "$(dirname "$0")/../resources" && pwd)
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=store-pg-pass-1
export ESEAL_HOME=$T/home
export ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASS_FILE ESEAL_STORE || true

if [ -n "${ESEAL_TEST_PG:-}" ]; then
    PG=$ESEAL_TEST_PG
else
    PG=$("$S/pg-cluster.sh" start "$T/pg") || { notok "a PostgreSQL cluster starts"; tap_done store_pg; exit 1; }
    trap '"$S/pg-cluster.sh" stop "$T/pg"; rm -rf "$T"' EXIT
fi
sfx=$$_$RANDOM
psql_in() { # SCHEMA SQL
    PGOPTIONS="-c search_path=$1" psql -X -q -t -A "$PG" -c "$2" 2>&1
}

# An instance on SQLite with something in every part that a stamp touches.
expect 0 "init (SQLite)" -- "$E" init
C=$("$E" cert issue --org "Copy Test Co" --uscc 91350100M000100Y43 --alg sm2 2>/dev/null)
SEAL=$("$E" seal make --cert "$C" --name "Copy Seal" 2>/dev/null)
python3 "$R/mkpdf.py" "$T/in.pdf" 1
expect 0 "stamp on SQLite" -- "$E" stamp "$T/in.pdf" -o "$T/s1.pdf" --seal "$SEAL" --page 1 --at 100,100
entries=$("$E" log audit 2>&1 | sed -n 's/^OK: \([0-9]*\) entries.*/\1/p')
[ -n "$entries" ] && ok "log audit on SQLite: $entries entries" || notok "log audit on SQLite"

TO="$PG?schema=moved_$sfx"
"$E" store copy --from "sqlite:$ESEAL_HOME/eseal.db" --to "$TO" >"$T/copy.out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "store copy to PostgreSQL" || notok "store copy to PostgreSQL (exit $rc: $(tail -2 "$T/copy.out"))"
grep -q "log_entries *$entries rows" "$T/copy.out" && ok "the copy reports $entries log entries" ||
    notok "the copy reports the log entries ($(grep log_entries "$T/copy.out"))"
grep -q "seals *1 rows" "$T/copy.out" && ok "the copy reports 1 seal" || notok "the copy reports 1 seal"
got=$(psql_in "moved_$sfx" "SELECT count(*) FROM log_entries")
[ "$got" = "$entries" ] && ok "PostgreSQL holds the $entries entries" || notok "PostgreSQL holds $got entries, not $entries"

# Point the instance at the copy.
echo "store = $TO" >>"$ESEAL_HOME/eseal.conf"
mv "$ESEAL_HOME/eseal.db" "$T/eseal.db.old"
rm -f "$ESEAL_HOME/eseal.db-wal" "$ESEAL_HOME/eseal.db-shm"
out=$("$E" log audit 2>&1)
case $out in OK:\ $entries\ entries*) ok "log audit on the copy: $entries entries re-hashed" ;; *) notok "log audit on the copy: $out" ;; esac
expect 0 "the stamped document verifies on the copy" -- "$E" verify "$T/s1.pdf"
"$E" verify "$T/s1.pdf" 2>&1 | grep -q "Logged: entry" && ok "its log entry is found on the copy" ||
    notok "its log entry is found on the copy"
expect 0 "a new stamp on PostgreSQL" -- "$E" stamp "$T/in.pdf" -o "$T/s2.pdf" --seal "$SEAL" --page 1 --at 60,60
expect 0 "it verifies" -- "$E" verify "$T/s2.pdf"
[ ! -e "$ESEAL_HOME/eseal.db" ] && ok "no SQLite file was made beside it" || notok "a SQLite file was made"

# A copy into a store that is not empty.
before=$(psql_in "moved_$sfx" "SELECT count(*) FROM log_entries")
expect 3 "a copy into a store with rows is refused" -- "$E" store copy --from "sqlite:$T/eseal.db.old" --to "$TO"
"$E" store copy --from "sqlite:$T/eseal.db.old" --to "$TO" 2>&1 | grep -q "not empty" &&
    ok "it says the target is not empty" || notok "it says the target is not empty"
after=$(psql_in "moved_$sfx" "SELECT count(*) FROM log_entries")
[ "$before" = "$after" ] && ok "the target is unchanged ($after entries)" || notok "the target changed: $before -> $after"
expect 2 "store copy without --to is a usage error" -- "$E" store copy --from "sqlite:$T/eseal.db.old"

# Migrations.
"$E" migrate >"$T/m.out" 2>&1 && grep -q "at schema version 11: nothing to do" "$T/m.out" &&
    ok "migrate at the current version: nothing to do" || notok "migrate at the current version: $(cat "$T/m.out")"
psql_in "moved_$sfx" "DROP TABLE trusted_lists; ALTER TABLE seals DROP COLUMN hardware; DROP TABLE impressions; DROP TABLE unlocks; DROP TABLE devices; UPDATE eseal_schema SET version = 8" >/dev/null
out=$("$E" seal list 2>&1)
case $out in *"older than this eseal's (11): run 'eseal migrate'"*) ok "an older schema is refused: run 'eseal migrate'" ;;
*) notok "an older schema is refused ($out)" ;; esac
"$E" migrate >"$T/m.out" 2>&1 && grep -q "from schema version 8 to 11" "$T/m.out" && ok "migrate: from 8 to 11" ||
    notok "migrate: $(cat "$T/m.out")"
[ "$(psql_in "moved_$sfx" "SELECT count(*) FROM devices")" = 0 ] && ok "the dropped tables are back" || notok "the dropped tables are back"
expect 0 "commands work again" -- "$E" seal list
"$E" migrate --json 2>/dev/null | grep -q '"from":11,"to":11' && ok "migrate --json" || notok "migrate --json"
psql_in "moved_$sfx" "UPDATE eseal_schema SET version = 99" >/dev/null
out=$("$E" seal list 2>&1)
case $out in *"schema version 99 is newer than this eseal"*) ok "a newer schema is refused" ;; *) notok "a newer schema is refused ($out)" ;; esac
expect 3 "migrate refuses a newer schema" -- "$E" migrate
psql_in "moved_$sfx" "UPDATE eseal_schema SET version = 11" >/dev/null

# init on ESEAL_STORE.
out=$(ESEAL_STORE="$PG?schema=auto" "$E" init --home "$T/h2" 2>&1)
rc=$?
[ $rc -eq 0 ] && ok "init on ESEAL_STORE=...?schema=auto" || notok "init on ESEAL_STORE (exit $rc: $out)"
made=$(sed -n 's/^store = .*schema=\(eseal_[0-9a-f]\{16\}\)$/\1/p' "$T/h2/eseal.conf")
[ -n "$made" ] && ok "eseal.conf names the schema it made ($made)" || notok "eseal.conf names the schema it made: $(grep store "$T/h2/eseal.conf")"
[ -n "$made" ] && [ "$(psql_in "$made" "SELECT count(*) FROM certs")" -gt 0 ] && ok "the certificates are in that schema" ||
    notok "the certificates are in that schema"
out=$(ESEAL_STORE="$PG?schema=$made" "$E" init --home "$T/h3" 2>&1)
case $out in *"already holds an eseal instance"*) ok "init onto a store holding an instance is refused" ;;
*) notok "init onto a store holding an instance is refused ($out)" ;; esac
out=$(ESEAL_STORE="postgresql://eseal:secret@127.0.0.1:1/eseal" "$E" init --home "$T/h4" 2>&1)
case $out in *"must not hold a password"*) ok "a password in ESEAL_STORE is refused" ;; *) notok "a password in ESEAL_STORE ($out)" ;; esac
[ ! -e "$T/h4/eseal.conf" ] && ok "and no instance is left" || notok "an instance was left"
echo "store = postgresql://eseal:secret@127.0.0.1:1/eseal" >>"$T/h2/eseal.conf"
out=$("$E" --home "$T/h2" seal list 2>&1)
case $out in *"must not hold a password"*) ok "a password in eseal.conf is refused" ;; *) notok "a password in eseal.conf ($out)" ;; esac
tap_done store_pg
