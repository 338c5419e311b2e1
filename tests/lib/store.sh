# SPDX-License-Identifier: Apache-2.0
# Sourced by the shell tests that reach an instance's store behind its back (issue 22: the store is
# SQLite's HOME/eseal.db, or a schema of a PostgreSQL database when ESEAL_STORE was set at init):
#   store_location HOME    the instance's store: eseal.conf's "store = " line, else HOME/eseal.db
#   store_is_pg HOME       true when that store is on PostgreSQL
#   store_sql HOME "SQL"   runs SQL on it with the database's own client: sqlite3 on the file, or psql
#                          on the location with eseal's "schema=" parameter (not libpq's) turned into
#                          the search path; rows are printed as sqlite3 prints them ('|'-separated)
store_location() {
    local loc
    loc=$(sed -n 's/^[[:space:]]*store[[:space:]]*=[[:space:]]*//p' "$1/eseal.conf" 2>/dev/null | head -1 |
        sed 's/[[:space:]]*$//')
    if [ -n "$loc" ]; then echo "$loc"; else echo "$1/eseal.db"; fi
}
store_is_pg() {
    case $(store_location "$1") in postgresql://* | postgres://*) return 0 ;; *) return 1 ;; esac
}
store_sql() {
    local loc schema
    loc=$(store_location "$1")
    if ! store_is_pg "$1"; then
        sqlite3 -bail -cmd '.timeout 10000' "$loc" "$2"
        return
    fi
    schema=$(printf '%s\n' "$loc" | sed -n 's/.*[?&]schema=\([^&]*\).*/\1/p')
    PGOPTIONS="-c search_path=$schema" psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "${loc%%\?*}" -c "$2"
}
# store_blob HOME FILE: FILE's bytes as a literal of the store's dialect (X'..' or decode('..', 'hex'))
store_blob() {
    local hex
    hex=$(od -An -tx1 -v "$2" | tr -d ' \n')
    if store_is_pg "$1"; then echo "decode('$hex', 'hex')"; else echo "X'$hex'"; fi
}
