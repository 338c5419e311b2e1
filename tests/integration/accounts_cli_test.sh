#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Organisations, users and API tokens through the CLI (issue 19 §1; include/eseal/accounts.h):
#   - org add prints the id alone on its last line; a taken name or code and a bad unified
#     social credit code are refused (exit status, message, JSON code) and add nothing;
#     org list (text columns, --json) in creation order; org add --id with an ETSI EN 319 412-1
#     identifier (VATDE-...): listed, found by it (user add --org), a taken, NTRCN, bad or
#     both-with-a-code identifier refused;
#   - user add with a 0600 password file, from standard input, never from a file others or the
#     group may read; a weak password ("too weak"), an unknown role, a taken login, an unknown
#     organisation and no password source at all are refused and add nothing; user list --org;
#     disable/enable, roles, passwd;
#   - token create prints esk_ and 43 base64url characters on its last line and says it is shown
#     once; token list shows the token's id, scopes and times but never the token; revoke, and
#     revoke again refused; a token for no such user refused; --expires checked;
#   - no password or token is left in clear anywhere under the instance home.
# Every check is an exit status and the exact output or message.
# Usage: accounts_cli_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=accounts-cli-pass
export ESEAL_HOME=$T/home
# Fast password hashing for tests (t=1, m=8192 KiB, p=1): read by src/accounts.
export ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASS_FILE || true
H=$ESEAL_HOME

# eq GOT WANT DESCRIPTION: ok when the two strings are equal, else not ok showing both.
eq() {
    if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
# jq_py EXPR FILE: evaluates the Python expression EXPR over the JSON in FILE (as `j`).
jq_py() { python3 -c 'import json,sys; j=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2" 2>&1; }
# The error code of a --json run (its stdout in $T/out).
jcode() { jq_py 'j["error"]["code"]' "$T/out"; }
lines() { wc -l <"$1" | tr -d ' '; }

expect 0 "init" -- "$E" init

# ---- organisations ----------------------------------------------------------------------------
expect 0 "org add with a code" -- "$E" org add --name "Acme Trading Ltd" --uscc 91110000MA01ABCDEX
org1=$(tail -1 "$T/out")
echo "$org1" | grep -Eq '^org_[0-9a-f]{16}$' && ok "its id alone on the last line: $org1" || notok "the last line is not an id: '$org1'"
has "$T/err" "Acme Trading Ltd" "a note names the organisation on stderr"
expect 0 "org add without a code" -- "$E" org add --name "Beta GmbH"
org2=$(tail -1 "$T/out")
echo "$org2" | grep -Eq '^org_[0-9a-f]{16}$' && [ "$org2" != "$org1" ] && ok "a second, different id" || notok "second id '$org2'"
expect 0 "org add -q prints the id alone" -- "$E" -q org add --name "Gamma SA"
org3=$(cat "$T/out")
echo "$org3" | grep -Eq '^org_[0-9a-f]{16}$' && [ ! -s "$T/err" ] && ok "-q: only the id, nothing on stderr" || notok "-q: '$org3' / $(cat "$T/err")"

expect 3 "a taken name is refused (exit 3)" -- "$E" org add --name "Acme Trading Ltd"
has "$T/err" "^eseal: an organisation named 'Acme Trading Ltd' exists$" "the message names the name"
expect 3 "the same refusal with --json" -- "$E" --json org add --name "Acme Trading Ltd"
eq "$(jcode)" ESEAL_EEXISTS "its JSON code is ESEAL_EEXISTS"
expect 3 "a taken code is refused" -- "$E" org add --name "Acme Copy Ltd" --uscc 91110000MA01ABCDEX
has "$T/err" "with code '91110000MA01ABCDEX' exists" "the message names the code"
expect 2 "a bad unified social credit code is refused (exit 2)" -- "$E" org add --name "Bad Code Ltd" --uscc 91110000MA01ABCDE0
grep -q "91110000MA01ABCDE0" "$T/err" && ok "the message names the code" || notok "the message names the code: $(cat "$T/err")"
expect 2 "the same with --json" -- "$E" --json org add --name "Bad Code Ltd" --uscc 91110000MA01ABCDE0
eq "$(jcode)" ESEAL_EINVAL "its JSON code is ESEAL_EINVAL"
expect 2 "org add without --name is a usage error" -- "$E" org add --uscc 91110000MA01ABCDEX
has "$T/err" "^eseal: org add needs --name NAME$" "it says what is missing"
expect 2 "org with no subcommand is a usage error" -- "$E" org
has "$T/err" "^eseal: org needs a subcommand: add, list$" "it names the subcommands"

expect 0 "org list" -- "$E" org list
eq "$(lines "$T/out")" 4 "a header and three organisations (the refused ones are not there)"
head -1 "$T/out" | grep -Eq '^ID +CODE +NAME +CREATED$' && ok "the columns: id, code, name, created" || notok "header: $(head -1 "$T/out")"
sed -n 2p "$T/out" | grep -Eq "^$org1 +91110000MA01ABCDEX +Acme Trading Ltd +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$" &&
    ok "the first one made comes first, with its code and time" || notok "row 1: $(sed -n 2p "$T/out")"
sed -n 3p "$T/out" | grep -Eq "^$org2 +- +Beta GmbH +[0-9T:Z-]+$" && ok "no code is shown as -" || notok "row 2: $(sed -n 3p "$T/out")"
expect 0 "org list --json" -- "$E" --json org list
eq "$(jq_py '[o["id"] for o in j]' "$T/out")" "['$org1', '$org2', '$org3']" "an array of the three, oldest first"
eq "$(jq_py '(j[0]["name"], j[0]["uscc"], j[1]["uscc"])' "$T/out")" "('Acme Trading Ltd', '91110000MA01ABCDEX', None)" \
    "name and code; null for none"
eq "$(jq_py 'sorted(j[0].keys())' "$T/out")" "['created', 'id', 'identifier', 'name', 'uscc']" "the members of an organisation"
eq "$(jq_py '[o["identifier"] for o in j]' "$T/out")" "[None, None, None]" "identifier null for none"

# ---- an organisation outside China: its ETSI EN 319 412-1 identifier (--id) ---------------------
expect 0 "org add --id VATDE-..." -- "$E" org add --name "Deutsche Siegel GmbH" --id VATDE-811569869
org4=$(tail -1 "$T/out")
echo "$org4" | grep -Eq '^org_[0-9a-f]{16}$' && ok "its id on the last line" || notok "the last line is not an id: '$org4'"
has "$T/err" "^organisation 'Deutsche Siegel GmbH' with identifier VATDE-811569869 added$" "the note names the identifier"
expect 0 "org list shows it" -- "$E" org list
eq "$(lines "$T/out")" 5 "a header and four organisations"
sed -n 5p "$T/out" | grep -Eq "^$org4 +VATDE-811569869 +Deutsche Siegel GmbH +[0-9T:Z-]+$" &&
    ok "its identifier in the code column" || notok "row 4: $(sed -n 5p "$T/out")"
expect 0 "org list --json shows it" -- "$E" --json org list
eq "$(jq_py '(j[3]["id"], j[3]["identifier"], j[3]["uscc"])' "$T/out")" "('$org4', 'VATDE-811569869', None)" \
    "identifier set, uscc null"
expect 0 "--json org add --id" -- "$E" --json org add --name "Lei Holdings" --id LEIXG-5493001KJTIIGC8Y1R12
eq "$(jq_py '(j["identifier"], j["uscc"], j["name"])' "$T/out")" "('LEIXG-5493001KJTIIGC8Y1R12', None, 'Lei Holdings')" \
    "the new organisation with its identifier"
expect 3 "a taken identifier is refused (exit 3)" -- "$E" org add --name "Andere GmbH" --id VATDE-811569869
has "$T/err" "^eseal: an organisation with identifier 'VATDE-811569869' exists$" "the message names the identifier"
expect 2 "NTRCN-<USCC> as an identifier is refused (exit 2)" -- "$E" org add --name "China Ltd" --id NTRCN-91350100M000100Y43
has "$T/err" "give it as the USCC (--uscc 91350100M000100Y43" "it points at --uscc"
expect 2 "a bad LEI check is refused (exit 2)" -- "$E" --json org add --name "Lei Bad" --id LEIXG-5493001KJTIIGC8Y1R13
eq "$(jcode)" ESEAL_EINVAL "its JSON code is ESEAL_EINVAL"
expect 2 "a code and an identifier together are refused" -- \
    "$E" org add --name "Both Ltd" --uscc 91350100M000100Y43 --id VATFR-12345678901
has "$T/err" "not both" "the message says not both"
expect 2 "another case is refused (identifiers are upper-case)" -- "$E" org add --name "Klein GmbH" --id vatde-811569870
expect 0 "still five organisations" -- "$E" --json org list
eq "$(jq_py 'len(j)' "$T/out")" 5 "the refused ones are not there"

# ---- users ------------------------------------------------------------------------------------
PW1='Vq7!rT2#mB9zKp4w-Lantern'
PW2='Xr4$hN8@cJ3sWq6e-Harbour'
printf '%s\n' "$PW1" >"$T/pw1"
chmod 600 "$T/pw1"
printf '%s\n' "$PW2" >"$T/pw2"
chmod 400 "$T/pw2"
printf 'password\n' >"$T/weak"
chmod 600 "$T/weak"
printf '%s\n' "$PW1" >"$T/pw644"
chmod 644 "$T/pw644"
printf '%s\n' "$PW1" >"$T/pw640"
chmod 640 "$T/pw640"
user_count() { "$E" --json user list 2>/dev/null >"$T/ul" && jq_py 'len(j)' "$T/ul"; }

expect 0 "user add with a 0600 password file" -- \
    "$E" user add alice --org "$org1" --role stamper,approver --name "Alice Li" --password-file "$T/pw1"
eq "$(tail -1 "$T/out")" alice "it prints the login"
expect 0 "user add, the organisation by its name, the password from standard input" -- \
    sh -c '"$1" user add erin --org "Beta GmbH" --role auditor --password-file - <"$2"' sh "$E" "$T/pw2"
expect 0 "user add, the organisation by its code, --role repeated, a 0400 file" -- \
    "$E" user add frank --org 91110000MA01ABCDEX --role seal-keeper --role org-admin --password-file "$T/pw2"
eq "$(user_count)" 3 "three users"

expect 2 "a weak password is refused (exit 2)" -- \
    "$E" user add bob --org "$org1" --role stamper --password-file "$T/weak"
has "$T/err" "too weak" "the message says the password is too weak"
expect 3 "a password file readable by others is refused (exit 3)" -- \
    "$E" user add bob --org "$org1" --role stamper --password-file "$T/pw644"
has "$T/err" "^eseal: the password file $T/pw644 is readable by others (mode 644): make it 0600 or 0400$" "the message names the file and its mode"
expect 3 "a password file readable by its group is refused" -- \
    "$E" user add bob --org "$org1" --role stamper --password-file "$T/pw640"
has "$T/err" "^eseal: the password file $T/pw640 is readable by its group (mode 640): make it 0600 or 0400$" "the message names the group"
expect 2 "an unknown role is refused (exit 2)" -- \
    "$E" user add bob --org "$org1" --role stamper,wizard --password-file "$T/pw1"
has "$T/err" "wizard" "the message names the role"
expect 2 "the same with --json" -- "$E" --json user add bob --org "$org1" --role wizard --password-file "$T/pw1"
eq "$(jcode)" ESEAL_EINVAL "its JSON code is ESEAL_EINVAL"
expect 3 "a taken login is refused (exit 3)" -- \
    "$E" user add alice --org "$org2" --role auditor --password-file "$T/pw1"
has "$T/err" "^eseal: a user 'alice' exists$" "the message names the login"
expect 3 "the same with --json" -- "$E" --json user add alice --org "$org2" --role auditor --password-file "$T/pw1"
eq "$(jcode)" ESEAL_EEXISTS "its JSON code is ESEAL_EEXISTS"
expect 3 "an unknown organisation is refused" -- \
    "$E" user add bob --org "No Such Org" --role stamper --password-file "$T/pw1"
has "$T/err" "^eseal: no organisation 'No Such Org'$" "the message names it"
expect 2 "no --password-file and no terminal is a usage error" -- \
    sh -c '"$1" user add bob --org "$2" --role stamper </dev/null' sh "$E" "$org1"
has "$T/err" "^eseal: user add needs --password-file FILE ('-': standard input) when standard input is not a terminal$" \
    "it says where the password must come from"
expect 3 "a missing password file" -- "$E" user add bob --org "$org1" --role stamper --password-file "$T/none"
has "$T/err" "^eseal: cannot open the password file $T/none: No such file or directory$" "the message names the file"
expect 2 "user add without --org" -- "$E" user add bob --role stamper --password-file "$T/pw1"
has "$T/err" "^eseal: user add needs --org ORG (its id, code or name)$" "it says what is missing"
expect 2 "user add without --role" -- "$E" user add bob --org "$org1" --password-file "$T/pw1"
has "$T/err" "^eseal: user add needs --role ROLE\[,ROLE\]$" "it says what is missing"
expect 2 "an option of another subcommand" -- "$E" user list --role stamper
has "$T/err" "^eseal: user list takes no --role$" "it names the option"
eq "$(user_count)" 3 "no refusal added a user"

expect 0 "user list --org" -- "$E" user list --org "$org1"
eq "$(lines "$T/out")" 3 "a header and the two users of the organisation"
head -1 "$T/out" | grep -Eq '^LOGIN +ORG +STATUS +ROLES +CREATED +NAME$' && ok "the columns" || notok "header: $(head -1 "$T/out")"
sed -n 2p "$T/out" | grep -Eq "^alice +$org1 +active +approver,stamper +[0-9T:Z-]+ +Alice Li$" &&
    ok "alice: active, her roles in the documented order, her display name" || notok "row: $(sed -n 2p "$T/out")"
sed -n 3p "$T/out" | grep -Eq "^frank +$org1 +active +org-admin,seal-keeper +[0-9T:Z-]+ +frank$" &&
    ok "frank: the login as display name, both --role values" || notok "row: $(sed -n 3p "$T/out")"
expect 0 "user list --org by name, --json" -- "$E" --json user list --org "Beta GmbH"
eq "$(jq_py '[(u["login"], u["org"], u["roles"], u["status"]) for u in j]' "$T/out")" "[('erin', '$org2', ['auditor'], 'active')]" \
    "only erin, of Beta GmbH"
eq "$(jq_py 'sorted(j[0].keys())' "$T/out")" "['created', 'display_name', 'login', 'org', 'roles', 'status', 'updated']" "the members of a user"
expect 3 "user list of an unknown organisation" -- "$E" user list --org "No Such Org"
has "$T/err" "^eseal: no organisation 'No Such Org'$" "the message names it"

expect 0 "user disable" -- "$E" user disable alice
eq "$(cat "$T/out")" "alice: disabled" "it prints the new status"
expect 0 "user list --json" -- "$E" --json user list --org "$org1"
eq "$(jq_py '[u["status"] for u in j]' "$T/out")" "['disabled', 'active']" "alice is disabled, frank is not"
expect 0 "user enable" -- "$E" user enable alice
eq "$(cat "$T/out")" "alice: active" "it prints the new status"
expect 3 "user enable of an active user is a state error" -- "$E" user enable alice
has "$T/err" "^eseal: user alice is already active$" "the message says so"
expect 0 "user disable --json" -- "$E" --json user disable alice
eq "$(jq_py '(j["login"], j["status"])' "$T/out")" "('alice', 'disabled')" "the user object"
expect 0 "user enable --json" -- "$E" --json user enable alice
eq "$(jq_py '(j["login"], j["status"])' "$T/out")" "('alice', 'active')" "the user object"
expect 3 "user disable of no such user" -- "$E" user disable nosuch
has "$T/err" "^eseal: no user 'nosuch'$" "the message names the login"
expect 2 "user disable without a login" -- "$E" user disable
has "$T/err" "^eseal: user disable needs one LOGIN$" "it says what is missing"

expect 0 "user roles" -- "$E" user roles alice auditor,stamper
eq "$(cat "$T/out")" "alice: stamper,auditor" "it prints the roles kept, in the documented order"
expect 0 "user list --json after roles" -- "$E" --json user list --org "$org1"
eq "$(jq_py 'j[0]["roles"]' "$T/out")" "['stamper', 'auditor']" "the roles are replaced"
expect 2 "user roles with an unknown role" -- "$E" user roles alice auditor,wizard
has "$T/err" "wizard" "the message names the role"
expect 0 "the roles are unchanged" -- "$E" --json user list --org "$org1"
eq "$(jq_py 'j[0]["roles"]' "$T/out")" "['stamper', 'auditor']" "after the refusal"

expect 0 "user passwd with a 0400 file" -- "$E" user passwd alice --password-file "$T/pw2"
has "$T/err" "^the password of alice is changed$" "a note says so"
[ ! -s "$T/out" ] && ok "nothing on stdout" || notok "stdout: $(cat "$T/out")"
expect 2 "user passwd with a weak password" -- "$E" user passwd alice --password-file "$T/weak"
has "$T/err" "too weak" "the message says the password is too weak"
expect 3 "user passwd with a readable file" -- "$E" user passwd alice --password-file "$T/pw644"
has "$T/err" "readable by others" "refused as for add"
expect 3 "user passwd of no such user" -- "$E" user passwd nosuch --password-file "$T/pw1"
has "$T/err" "^eseal: no user 'nosuch'$" "the message names the login"

# At a terminal (a pty): the password asked twice without echo; two different answers refused.
cat >"$T/ptyrun.py" <<'EOF'
import os, pty, select, sys
# ptyrun.py ANSWER... -- COMMAND...: answers each prompt (ending in ": ") in turn.
sep = sys.argv.index("--")
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
seen = b""
def read_until(token, timeout=60):
    global seen
    buf = b""
    while token not in buf:
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        buf += chunk
        seen += chunk
    return True
for a in answers:
    if not read_until(b": "):
        break
    os.write(fd, a.encode() + b"\n")
while True:
    r, _, _ = select.select([fd], [], [], 60)
    if not r:
        break
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
expect 0 "user add at a terminal: the password asked twice" -- \
    python3 "$T/ptyrun.py" "$PW1" "$PW1" -- "$E" user add gina --org "Gamma SA" --role auditor
has "$T/out" "new password of gina: " "the first prompt names the login"
has "$T/out" "new password of gina (again): " "the second asks again"
grep -qF "$PW1" "$T/out" && notok "the password is not echoed" || ok "the password is not echoed"
expect 3 "two different answers are refused" -- \
    python3 "$T/ptyrun.py" "$PW1" "$PW2" -- "$E" user add hugo --org "Gamma SA" --role auditor
has "$T/out" "eseal: the passwords do not match" "it says they differ"
expect 0 "user passwd at a terminal" -- python3 "$T/ptyrun.py" "$PW2" "$PW2" -- "$E" user passwd gina
has "$T/out" "the password of gina is changed" "a note says so"
expect 0 "the users of Gamma SA" -- "$E" --json user list --org "Gamma SA"
eq "$(jq_py '[u["login"] for u in j]' "$T/out")" "['gina']" "gina, not hugo"

# ---- API tokens -------------------------------------------------------------------------------
expect 0 "token create" -- "$E" token create alice
tok1=$(tail -1 "$T/out")
eq "${tok1:0:4}" esk_ "the last line starts with esk_"
eq "${#tok1}" 47 "and has 47 characters"
echo "$tok1" | grep -Eq '^esk_[A-Za-z0-9_-]{43}$' && ok "base64url after the prefix" || notok "token '$tok1'"
eq "$(lines "$T/out")" 1 "the token is the only line on stdout"
has "$T/err" "shown once" "stderr says it is shown once"
grep -qF "$tok1" "$T/err" && notok "the token is not on stderr" || ok "the token is not on stderr"
expect 0 "token create with scopes and --expires 30d" -- "$E" token create alice --scope stamp,verify --expires 30d
tok2=$(tail -1 "$T/out")
echo "$tok2" | grep -Eq '^esk_[A-Za-z0-9_-]{43}$' && [ "$tok2" != "$tok1" ] && ok "a second, different token" || notok "token '$tok2'"
now=$(date +%s)
expect 0 "token create --json, --scope repeated, --expires 12h" -- \
    "$E" --json token create frank --scope seals:read --scope audit:read --expires 12h
tok3=$(jq_py 'j["token"]' "$T/out")
echo "$tok3" | grep -Eq '^esk_[A-Za-z0-9_-]{43}$' && ok "the token in the JSON object" || notok "token '$tok3'"
eq "$(jq_py '(j["login"], j["scopes"], j["revoked"], j["last_used"])' "$T/out")" "('frank', ['seals:read', 'audit:read'], None, None)" \
    "its login, scopes, not revoked, not used"
exp=$(jq_py 'j["expires"]' "$T/out")
exps=$(date -d "$exp" +%s 2>/dev/null || echo 0)
[ $((exps - now - 43200)) -ge -5 ] && [ $((exps - now - 43200)) -le 60 ] && ok "it expires in 12 hours ($exp)" ||
    notok "expires $exp, now $now"
expect 0 "token create --expires RFC 3339" -- "$E" token create erin --expires 2099-01-31T00:00:00Z
tok4=$(tail -1 "$T/out")

expect 0 "token list" -- "$E" token list
eq "$(lines "$T/out")" 5 "a header and four tokens"
head -1 "$T/out" | grep -Eq '^ID +LOGIN +CREATED +EXPIRES +LAST-USED +REVOKED +SCOPES$' && ok "the columns" || notok "header: $(head -1 "$T/out")"
sed -n 3p "$T/out" | grep -Eq '^tok_[0-9a-f]{16} +alice +[0-9T:Z-]+ +[0-9T:Z-]+ +- +- +stamp,verify$' &&
    ok "the second token: its expiry, never used, not revoked, its scopes" || notok "row: $(sed -n 3p "$T/out")"
sed -n 5p "$T/out" | grep -Eq '^tok_[0-9a-f]{16} +erin +[0-9T:Z-]+ +2099-01-31T00:00:00Z +- +- ' &&
    ok "the RFC 3339 expiry kept" || notok "row: $(sed -n 5p "$T/out")"
for t in "$tok1" "$tok2" "$tok3" "$tok4"; do
    grep -qF "$t" "$T/out" && notok "a token is in the list" || ok "the token ${t:0:8}... is not in the list"
done
grep -q "esk_" "$T/out" && notok "no esk_ in the list" || ok "no esk_ at all in the list"
expect 0 "token list alice --json" -- "$E" --json token list alice
eq "$(jq_py 'len(j)' "$T/out")" 2 "alice has two tokens"
eq "$(jq_py '(j[0]["login"], j[0]["expires"], j[1]["scopes"], j[0]["revoked"])' "$T/out")" "('alice', None, ['stamp', 'verify'], None)" \
    "the first never expires; the second's scopes"
eq "$(jq_py 'sorted(j[0].keys())' "$T/out")" "['created', 'expires', 'id', 'last_used', 'login', 'org', 'revoked', 'scopes']" \
    "the members of a token: no token among them"
grep -q "esk_" "$T/out" && notok "no esk_ in the JSON list" || ok "no esk_ in the JSON list"
id1=$(jq_py 'j[0]["id"]' "$T/out")
echo "$id1" | grep -Eq '^tok_[0-9a-f]{16}$' && ok "a token id: $id1" || notok "token id '$id1'"
expect 0 "token list frank --json" -- "$E" --json token list frank
eq "$(jq_py '[t["login"] for t in j]' "$T/out")" "['frank']" "only frank's token"

expect 0 "token revoke" -- "$E" token revoke "$id1"
has "$T/err" "^revoked $id1$" "a note says so"
expect 0 "token list after revoke" -- "$E" --json token list alice
eq "$(jq_py '(j[0]["revoked"] is not None, j[1]["revoked"])' "$T/out")" "(True, None)" "the first is revoked, the second not"
expect 3 "token revoke again is refused (exit 3)" -- "$E" token revoke "$id1"
expect 3 "the same with --json" -- "$E" --json token revoke "$id1"
eq "$(jcode)" ESEAL_ESTATE "its JSON code is ESEAL_ESTATE"
expect 3 "token revoke of no such token" -- "$E" token revoke tok_0000000000000000
has "$T/err" "^eseal: no token 'tok_0000000000000000'$" "the message names the id"
expect 3 "token create for no such user is refused (exit 3)" -- "$E" token create nosuchuser
has "$T/err" "^eseal: no user 'nosuchuser'$" "the message names the login"
[ ! -s "$T/out" ] && ok "nothing on stdout" || notok "stdout: $(cat "$T/out")"
expect 3 "the same with --json" -- "$E" --json token create nosuchuser
eq "$(jcode)" ESEAL_ENOTFOUND "its JSON code is ESEAL_ENOTFOUND"
expect 2 "an unknown scope is refused" -- "$E" token create alice --scope stamp,fly
has "$T/err" "fly" "the message names the scope"
expect 2 "--expires 0d is refused" -- "$E" token create alice --expires 0d
has "$T/err" "^eseal: --expires 0d: from 1 to 36500 days$" "it gives the range"
expect 2 "--expires of too many hours is refused" -- "$E" token create alice --expires 876001h
has "$T/err" "^eseal: --expires 876001h: from 1 to 876000 hours$" "it gives the range in hours"
expect 2 "--expires of twenty digits is refused, not wrapped" -- "$E" token create alice --expires 99999999999999999999d
has "$T/err" "^eseal: --expires 99999999999999999999d: from 1 to 36500 days$" "it gives the range"
expect 2 "--expires in the past is refused" -- "$E" token create alice --expires 2001-01-01T00:00:00Z
has "$T/err" "^eseal: --expires 2001-01-01T00:00:00Z is in the past$" "it says so"
expect 2 "--expires of another form is refused" -- "$E" token create alice --expires tomorrow
has "$T/err" "^eseal: --expires takes a duration (30d, 12h) or an RFC 3339 time" "it gives the forms"
expect 0 "the refusals made no token" -- "$E" --json token list
eq "$(jq_py 'len(j)' "$T/out")" 4 "still four tokens"

# ---- a user of the organisation found by its identifier ------------------------------------------
expect 0 "user add --org VATDE-... (the organisation by its identifier)" -- \
    "$E" --json user add dora --org VATDE-811569869 --role seal-keeper --password-file "$T/pw1"
eq "$(jq_py 'j["org"]' "$T/out")" "$org4" "dora is of the German organisation"
expect 3 "--org by another case of the identifier is no organisation" -- \
    "$E" user add dirk --org vatde-811569869 --role seal-keeper --password-file "$T/pw1"
has "$T/err" "^eseal: no organisation 'vatde-811569869'$" "exactly: not another case"
expect 3 "--org by a prefix of the identifier is no organisation" -- \
    "$E" user add dirk --org VATDE-81156986 --role seal-keeper --password-file "$T/pw1"
has "$T/err" "^eseal: no organisation 'VATDE-81156986'$" "exactly: not a prefix"

# ---- help and secrets at rest -----------------------------------------------------------------
expect 0 "eseal help" -- "$E" help
for c in org user token; do
    has "$T/out" "^  $c " "eseal help lists $c"
done
for c in org user token; do
    expect 0 "eseal help $c" -- "$E" help $c
done
leaks=$(grep -rlaF -e "$PW1" -e "$PW2" -e "$tok1" -e "$tok2" -e "$tok3" -e "$tok4" "$H" 2>/dev/null)
[ -z "$leaks" ] && ok "no password or token in clear under the home" || notok "in clear in: $leaks"

tap_done accounts_cli
