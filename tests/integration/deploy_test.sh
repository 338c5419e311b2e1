#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# deploy_test.sh ESEAL SOURCE_DIR
#
# What docs/deploy.md says, checked: the unit files of contrib/systemd pass `systemd-analyze
# verify` (skipped where it is not installed) and carry the hardening and the credential the
# guide describes; `eseal --home H --pass-file F serve` started as the unit starts it is ready, and
# a wrong passphrase stops it with exit 3; two processes on one home share a session (a login on
# one, its cookie accepted by the other); `eseal log export` writes only what changed, the
# checkpoint last; a store restored from an older backup is refused by serve and by log audit
# with the message the guide quotes, and the newer copy is accepted again; behind one address,
# ten failed logins of anyone make a correct login wait (the limitation the guide states: update
# docs/deploy.md, "What eseal reads of a proxied request", when this changes). The store is
# whatever `eseal init` makes (ESEAL_STORE); the restore by file copy is SQLite's and is skipped
# on another store. TAP.
set -u
E=$1
SRC=$2
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_HOME=$T/home ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASSPHRASE
PASS=$T/passphrase
(umask 077 && printf 'deploy-pass-1\n' >"$PASS")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- the unit files --------------------------------------------------------------------------
U=$SRC/contrib/systemd
for f in eseal@.service eseal-log-export.service eseal-log-export.timer eseal.sysusers eseal.tmpfiles; do
    [ -f "$U/$f" ] && ok "contrib/systemd/$f is there" || notok "contrib/systemd/$f is missing"
done
for want in 'User=eseal' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/eseal' 'NoNewPrivileges=yes' \
    'PrivateTmp=yes' 'ProtectHome=yes' 'CapabilityBoundingSet=$' 'LoadCredential=passphrase:/etc/eseal/passphrase' \
    '--pass-file %d/passphrase' 'serve --listen 127.0.0.1:%i'; do
    has "$U/eseal@.service" "$want" "eseal@.service has $want"
done
has "$U/eseal-log-export.service" 'log export /srv/eseal-log' "eseal-log-export.service runs log export"
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -p "$T/units"
    sed "s#/usr/local/bin/eseal#$E#" "$U/eseal@.service" >"$T/units/eseal@8081.service"
    sed "s#/usr/local/bin/eseal#$E#" "$U/eseal-log-export.service" >"$T/units/eseal-log-export.service"
    cp "$U/eseal-log-export.timer" "$T/units/"
    (cd "$T/units" && systemd-analyze verify --man=no ./eseal@8081.service ./eseal-log-export.service \
        ./eseal-log-export.timer) >"$T/verify" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s "$T/verify" ]; then ok "systemd-analyze verify: nothing to say about the units"; else
        notok "systemd-analyze verify (exit $rc)"
        sed 's/^/#   /' "$T/verify" | head -20
    fi
    # and it does see a bad value (so that the check above can fail)
    sed 's/^ProtectSystem=strict/ProtectSystem=strictly/' "$T/units/eseal@8081.service" >"$T/units/bad@8081.service"
    (cd "$T/units" && systemd-analyze verify --man=no ./bad@8081.service) >"$T/verify" 2>&1
    has "$T/verify" "ProtectSystem\|protect system" "systemd-analyze verify flags a mistyped value"
else
    skip "systemd-analyze is not installed: the units are not verified"
    skip "systemd-analyze is not installed"
fi

# ---- an instance, its users ------------------------------------------------------------------
"$E" --pass-file "$PASS" init --base-url https://seal.example.test >/dev/null 2>&1 || {
    echo "not ok - init"
    exit 1
}
ID=$("$E" --pass-file "$PASS" cert issue --org "Deploy Test Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
SEAL=$("$E" --pass-file "$PASS" seal make --cert "$ID" --type contract --name DeploySeal -o "$T/seal.esl" 2>/dev/null)
ORG=$("$E" --pass-file "$PASS" org add --name "Deploy Test Ltd" --uscc 91110000MA01ABCDEX 2>/dev/null | tail -n 1)
(umask 077 && printf 'Tangerine-Orbit-4471\n' >"$T/pw")
"$E" --pass-file "$PASS" user add clerk --org "$ORG" --role stamper --password-file "$T/pw" >/dev/null 2>&1
[ -n "$SEAL" ] && [ -n "$ORG" ] && ok "an instance with a seal and a user" || notok "instance set-up (seal '$SEAL', org '$ORG')"
python3 "$SRC/tests/resources/mkpdf.py" "$T/a.pdf" 2

# ---- serve as the unit starts it ----------------------------------------------------------------
(umask 077 && printf 'not-the-passphrase\n' >"$T/wrong")
P0=$(free_port)
expect 3 "a wrong passphrase stops serve at once with exit 3" -- timeout 20 "$E" --home "$ESEAL_HOME" \
    --pass-file "$T/wrong" serve --listen "127.0.0.1:$P0"
has "$T/err" "wrong passphrase" "and says so"

start_serve() { # PORT: the unit's command line; waits for the banner
    "$E" --home "$ESEAL_HOME" --pass-file "$PASS" serve --listen "127.0.0.1:$1" >"$T/serve-$1.out" \
        2>"$T/serve-$1.err" &
    echo $! >"$T/serve-$1.pid"
    # Up to 60 s: a loaded machine (the suite at -j2 beside other work) has taken more than 15 s.
    for _ in $(seq 600); do grep -q "port $1" "$T/serve-$1.out" 2>/dev/null && break; sleep 0.1; done
}
stop_serve() {
    kill "$(cat "$T/serve-$1.pid")" 2>/dev/null
    wait "$(cat "$T/serve-$1.pid")" 2>/dev/null
}
P1=$(free_port)
P2=$(free_port)
start_serve "$P1"
start_serve "$P2"
for p in "$P1" "$P2"; do
    code=$(curl -s -o "$T/r" -w '%{http_code}' "http://127.0.0.1:$p/readyz")
    [ "$code" = 200 ] && ok "the process on $p is ready (--pass-file, --home before the command)" ||
        notok "readyz on $p: $code"
done

# a login on one process, its session on the other
code=$(curl -s -o "$T/login.json" -c "$T/jar" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"login":"clerk","password":"Tangerine-Orbit-4471"}' "http://127.0.0.1:$P1/api/v1/login")
[ "$code" = 200 ] && ok "login on the first process" || notok "login on the first process: $code"
code=$(curl -s -o "$T/me.json" -b "$T/jar" -w '%{http_code}' "http://127.0.0.1:$P2/api/v1/me")
[ "$code" = 200 ] && ok "the second process accepts the session" || notok "the session on the second process: $code"
has "$T/me.json" '"clerk"' "as clerk's"

# ---- log export -----------------------------------------------------------------------------------
"$E" --pass-file "$PASS" stamp "$T/a.pdf" -o "$T/a1.pdf" --seal "$SEAL" >/dev/null 2>&1
expect 0 "log export" -- "$E" --home "$ESEAL_HOME" log export "$T/tiles"
[ -s "$T/tiles/checkpoint" ] && [ -n "$(find "$T/tiles/tile" -type f 2>/dev/null)" ] &&
    ok "the export holds the checkpoint and tiles" || notok "the export holds the checkpoint and tiles"
expect 0 "log export again" -- "$E" --home "$ESEAL_HOME" log export "$T/tiles"
has "$T/err" "(1 files written)" "the second export writes only the checkpoint"
cmp -s "$T/tiles/checkpoint" <(curl -s "http://127.0.0.1:$P1/checkpoint") &&
    ok "the exported checkpoint is the one served" || notok "the exported checkpoint is the one served"

# ---- a store restored from an older backup ---------------------------------------------------------
case "${ESEAL_STORE:-sqlite}" in
postgres*)
    for _ in 1 2 3 4 5 6; do skip "the restore by file copy is SQLite's (store: PostgreSQL)"; done
    stop_serve "$P2"
    ;;
*)
    backup() { python3 -c 'import sqlite3, sys
s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); s.backup(d); d.close(); s.close()' "$@"; }
    backup "$ESEAL_HOME/eseal.db" "$T/older.db"
    "$E" --pass-file "$PASS" stamp "$T/a.pdf" -o "$T/a2.pdf" --seal "$SEAL" >/dev/null 2>&1 # signs a checkpoint
    stop_serve "$P1"
    stop_serve "$P2"
    backup "$ESEAL_HOME/eseal.db" "$T/newer.db"
    restore() {
        rm -f "$ESEAL_HOME/eseal.db-wal" "$ESEAL_HOME/eseal.db-shm"
        cp "$1" "$ESEAL_HOME/eseal.db"
    }
    restore "$T/older.db"
    P3=$(free_port)
    expect 3 "serve refuses a store older than log/checkpoint (exit 3)" -- timeout 20 "$E" --home "$ESEAL_HOME" \
        --pass-file "$PASS" serve --listen "127.0.0.1:$P3"
    has "$T/err" "this store is older than the log it belongs to (restored from a backup?); refusing to continue" \
        "with the message docs/deploy.md quotes"
    expect 3 "log audit refuses it too (exit 3)" -- "$E" --home "$ESEAL_HOME" log audit
    restore "$T/newer.db"
    expect 0 "the newer copy is accepted: log audit passes" -- "$E" --home "$ESEAL_HOME" log audit
    start_serve "$P1"
    code=$(curl -s -o "$T/r" -w '%{http_code}' "http://127.0.0.1:$P1/readyz")
    [ "$code" = 200 ] && ok "and serve starts on it" ||
        notok "serve on the newer copy: readyz $code ($(tail -2 "$T/serve-$P1.err" 2>/dev/null))"
    ;;
esac

# ---- one address for everyone: the login throttle (what a proxy in front does today) --------------
for i in $(seq 1 10); do
    curl -s -o /dev/null -H 'Content-Type: application/json' -d "{\"login\":\"nobody$i\",\"password\":\"wrong-wrong\"}" \
        "http://127.0.0.1:$P1/api/v1/login"
done
code=$(curl -s -o "$T/login2.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"login":"clerk","password":"Tangerine-Orbit-4471"}' "http://127.0.0.1:$P1/api/v1/login")
[ "$code" = 429 ] && ok "ten failed logins of others from one address make clerk's correct login wait (429)" ||
    notok "clerk's login after ten failures of others from the same address: $code (docs/deploy.md says 429)"
stop_serve "$P1"

tap_done deploy
