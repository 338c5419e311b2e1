#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Grants and templates through the CLI (issue 20; include/eseal/governance.h, docs/grants.md):
#   - grant add prints the grant id alone on its last line, with every option of the issue's
#     interface (--seal, --user/--role, --type, --template FILE, --from/--until, --max-uses,
#     --approvers with --k, --steps, --delegable, --parent, --note), each limit read back by
#     grant show / grant list --json exactly;
#   - --template registers the file as a template of the seal's organisation (template list
#     shows it, by its SHA-256), once;
#   - refusals with their exit status (2: a request the library calls malformed, ESEAL_EINVAL; 3: a
#     refusal of what exists) and words: no holder or both, an unknown user or approver,
#     --k without --approvers, --approvers with --steps, a bad approval policy, a window that ends
#     before it starts, a template that is not a PDF or OFD, a seal of no organisation;
#   - delegation narrowed only (--parent), refused when wider;
#   - grant change: the limits given replace, the others stay, --any-/--no- clear; the holder never
#     changes, a delegated grant is not widened, a revoked one not changed;
#   - revoke once; the audit log holds grant.added, grant.delegated, grant.changed, grant.revoked and
#     template.added, each with the organisation and the whole grant.
# Usage: grants_cli_test.sh /path/to/eseal
set -u
E=$1
R=$(cd "$(dirname "$0")/../resources" && pwd)
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=grants-cli-pass
export ESEAL_HOME=$T/home
export ESEAL_PW_PARAMS=1,8192,1
unset ESEAL_PASS_FILE || true

eq() {
    if [ "$1" = "$2" ]; then ok "$3"; else notok "$3 (got '$1', wanted '$2')"; fi
}
jq_py() { python3 -c 'import json,sys; j=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2" 2>&1; }

expect 0 "init" -- "$E" init
ORG=$("$E" org add --name "Alpha Trading Ltd" --uscc 91110000MA01ABCDEX 2>/dev/null | tail -n 1)
C=$("$E" cert issue --org "Alpha Trading Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
SEAL=$("$E" seal make --cert "$C" --name "Alpha Contract Seal" 2>/dev/null)
P=$("$E" cert issue --org "Nobody's" --org-id VATDE-811569868 --country DE --alg p256 2>/dev/null)
LOOSE=$("$E" seal make --cert "$P" --name "Seal of no organisation" 2>/dev/null)
(umask 077 && printf 'Grants-Cli-Passphrase-4417\n' >"$T/pw")
for u in lena:stamper li:stamper head:approver legal1:approver legal2:approver; do
    "$E" user add "${u%%:*}" --org "$ORG" --role "${u##*:}" --password-file "$T/pw" >/dev/null 2>&1 ||
        notok "user add $u"
done
python3 "$R/mkpdf.py" "$T/contract.pdf" >/dev/null 2>&1
TSHA=$(sha256sum "$T/contract.pdf" | cut -d' ' -f1)

# ---- grant add: every option, read back ----
expect 0 "grant add with every limit" -- "$E" grant add --seal "$SEAL" --role stamper --type contract --type invoice \
    --template "$T/contract.pdf" --from 2026-01-01T00:00:00Z --until 2030-12-31T23:59:59Z --max-uses 5 \
    --steps "1:head;2:legal1,legal2" --delegable --note "purchase contracts"
G1=$(tail -n 1 "$T/out")
eq "$(printf '%s' "$G1" | grep -c '^grt_[0-9a-f]\{16\}$')" 1 "the grant id alone on the last line ($G1)"
"$E" grant show "$G1" >"$T/show.json" 2>"$T/err"
eq "$(jq_py '(j["seal"], j["org"], j["role"], j["types"], j["templates"], j["max_uses"], j["uses"], j["approval"], j["delegable"])' "$T/show.json")" \
    "('$SEAL', '$ORG', 'stamper', ['contract', 'invoice'], ['$TSHA'], 5, 0, '1:head;2:legal1,legal2', True)" \
    "grant show: seal, organisation, role, types, template, uses, approval, delegable"
eq "$(jq_py '(j["not_before"], j["not_after"], j["created_by"], j["revoked"])' "$T/show.json")" \
    "('2026-01-01T00:00:00.000Z', '2030-12-31T23:59:59.000Z', 'operator:root', None)" \
    "grant show: the window, who made it, not revoked"
"$E" template list --json >"$T/tl.json" 2>&1
eq "$(jq_py '[(t["sha256"], t["org"], t["name"], t["format"]) for t in j]' "$T/tl.json")" \
    "[('$TSHA', '$ORG', 'contract.pdf', 'pdf')]" "--template registered the file as a template of the seal's organisation"

expect 0 "grant add --user with --approvers and --k" -- "$E" grant add --seal "$SEAL" --user lena \
    --approvers legal1,legal2,head --k 2 --template "$T/contract.pdf"
G2=$(tail -n 1 "$T/out")
"$E" grant show "$G2" >"$T/show2.json"
eq "$(jq_py '(j["user"], j["approval"], j["templates"], j["max_uses"], j["not_after"])' "$T/show2.json")" \
    "('lena', '2:legal1,legal2,head', ['$TSHA'], 0, None)" "user holder, 2 of 3 approvers, the same template (registered once)"
"$E" template list --json >"$T/tl.json" 2>&1
eq "$(jq_py 'len(j)' "$T/tl.json")" 1 "the template is registered once"
expect 0 "grant add with --approvers alone (one of them)" -- "$E" grant add --seal "$SEAL" --role stamper --approvers '@approver'
eq "$("$E" grant show "$(tail -n 1 "$T/out")" | python3 -c 'import json,sys; print(json.load(sys.stdin)["approval"])')" \
    "1:@approver" "--approvers @approver: one approver of the role"

# ---- refusals ----
expect 2 "no holder" -- "$E" grant add --seal "$SEAL"
has "$T/err" "give the holder as a user or as a role (one of them)" "  ... says what it needs"
expect 2 "both a user and a role" -- "$E" grant add --seal "$SEAL" --user lena --role stamper
has "$T/err" "give the holder as a user or as a role (one of them)" "  ... says so"
expect 3 "an unknown user" -- "$E" grant add --seal "$SEAL" --user nobody
has "$T/err" "no user 'nobody' in the seal's organisation" "  ... names it"
expect 3 "an unknown approver" -- "$E" grant add --seal "$SEAL" --role stamper --approvers ghost
has "$T/err" "approver 'ghost' is no user of the seal's organisation" "  ... names it"
expect 2 "--k without --approvers" -- "$E" grant add --seal "$SEAL" --role stamper --k 2
expect 2 "--approvers with --steps" -- "$E" grant add --seal "$SEAL" --role stamper --approvers head --steps 1:head
expect 2 "--k 0" -- "$E" grant add --seal "$SEAL" --role stamper --approvers head --k 0
expect 2 "more approvals than approvers" -- "$E" grant add --seal "$SEAL" --role stamper --approvers head --k 2
has "$T/err" "2 approvals of 1 named approvers" "  ... says so"
expect 2 "a role no organisation has" -- "$E" grant add --seal "$SEAL" --role platform-admin
expect 2 "a window that ends before it starts" -- "$E" grant add --seal "$SEAL" --role stamper \
    --from 2027-01-01T00:00:00Z --until 2026-01-01T00:00:00Z
has "$T/err" "it ends before it starts" "  ... says so"
expect 2 "a bad document type" -- "$E" grant add --seal "$SEAL" --role stamper --type "Big Contract"
printf 'just text\n' >"$T/t.txt"
expect 3 "a template that is no PDF or OFD" -- "$E" grant add --seal "$SEAL" --role stamper --template "$T/t.txt"
expect 2 "a seal of no organisation takes no grant" -- "$E" grant add --seal "$LOOSE" --role stamper
has "$T/err" "belongs to no organisation of the platform" "  ... says why"
expect 3 "an unknown seal" -- "$E" grant add --seal ES0000000000 --role stamper
"$E" grant list --json >"$T/gl.json"
eq "$(jq_py 'len(j)' "$T/gl.json")" 3 "the refusals added nothing"

# ---- delegation ----
expect 0 "delegate narrowed (--parent)" -- "$E" grant add --seal "$SEAL" --user li --parent "$G1" --max-uses 2 \
    --until 2030-06-30T00:00:00Z --type invoice --template "$T/contract.pdf" --steps "1:head;2:legal1,legal2"
G3=$(tail -n 1 "$T/out")
eq "$("$E" grant show "$G3" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["parent"], j["max_uses"])')" \
    "$G1 2" "the delegated grant names its parent"
expect 3 "delegating wider (more uses than left) is refused" -- "$E" grant add --seal "$SEAL" --user li --parent "$G1" \
    --max-uses 6 --until 2030-06-30T00:00:00Z --type invoice --template "$T/contract.pdf" --steps "1:head;2:legal1,legal2"
has "$T/err" "at most the 5 uses its parent" "  ... says why"
expect 3 "delegating without the parent's approvals is refused" -- "$E" grant add --seal "$SEAL" --user li \
    --parent "$G1" --max-uses 1 --until 2030-06-30T00:00:00Z --type invoice --template "$T/contract.pdf"
expect 3 "delegating a grant that is not delegable is refused" -- "$E" grant add --seal "$SEAL" --user lena \
    --parent "$G2" --template "$T/contract.pdf" --approvers legal1,legal2,head --k 2

# ---- change: set limits replace, unset ones stay, --any-/--no- clear ----
expect 0 "grant change: window, uses, types, approval" -- "$E" grant change "$G2" --type contract \
    --until 2031-01-01T00:00:00Z --max-uses 7 --no-approval --reason "one approver left"
eq "$(tail -n 1 "$T/out")" "$G2" "grant change prints the grant id on the last line"
"$E" grant show "$G2" >"$T/show2.json"
eq "$(jq_py '(j["user"], j["types"], j["templates"], j["max_uses"], j["not_after"], j["approval"], j["delegable"])' "$T/show2.json")" \
    "('lena', ['contract'], ['$TSHA'], 7, '2031-01-01T00:00:00.000Z', '', False)" \
    "grant change: the limits given replaced, the others kept"
expect 0 "grant change --json, clearing" -- "$E" grant change "$G2" --json --any-type --any-template --no-end \
    --no-limit --approvers head
eq "$(jq_py '(j["id"], j["types"], j["templates"], j["max_uses"], j["not_after"], j["approval"], j["user"])' "$T/out")" \
    "('$G2', [], [], 0, None, '1:head', 'lena')" "grant change --json: the grant as changed, cleared"
expect 2 "grant change --until with --no-end" -- "$E" grant change "$G2" --until 2031-01-01T00:00:00Z --no-end
expect 2 "grant change --max-uses 0 (--no-limit says that)" -- "$E" grant change "$G2" --max-uses 0
expect 2 "grant change --approvers with --no-approval" -- "$E" grant change "$G2" --approvers head --no-approval
expect 2 "grant change of the holder" -- "$E" grant change "$G2" --user li
expect 2 "grant change of nothing" -- "$E" grant change "$G2" --approvers head
has "$T/err" "changes nothing" "  ... says so"
expect 2 "grant change without an ID" -- "$E" grant change --max-uses 3
expect 3 "grant change widening a delegated grant (no end) is refused" -- "$E" grant change "$G3" --no-end
has "$T/err" "cannot end after its parent" "  ... says why"
expect 3 "grant change of a delegated grant's approvals is refused" -- "$E" grant change "$G3" --no-approval
expect 3 "grant change of nothing there" -- "$E" grant change grt_0000000000000000 --max-uses 3
"$E" grant show "$G3" >"$T/show3.json"
eq "$(jq_py '(j["max_uses"], j["not_after"], j["approval"])' "$T/show3.json")" \
    "(2, '2030-06-30T00:00:00.000Z', '1:head;2:legal1,legal2')" "the refused changes changed nothing"

# ---- list, revoke ----
"$E" grant list >"$T/list.txt"
eq "$(head -n 1 "$T/list.txt" | tr -s ' ')" "ID SEAL HOLDER FROM UNTIL USES STATE APPROVAL" "grant list: its header"
eq "$(grep -c '^grt_' "$T/list.txt")" 4 "grant list: the four grants"
"$E" grant list --seal "$LOOSE" --json >"$T/gl.json" 2>"$T/err"
expect 0 "grant revoke" -- "$E" grant revoke "$G1" --reason "contracts moved to the new seal"
expect 3 "grant revoke again" -- "$E" grant revoke "$G1"
has "$T/err" "is revoked already" "  ... says so"
expect 3 "grant revoke of nothing" -- "$E" grant revoke grt_0000000000000000
expect 3 "grant change of a revoked grant" -- "$E" grant change "$G1" --max-uses 3
has "$T/err" "is revoked" "  ... says so"
"$E" grant list --json >"$T/gl.json"
eq "$(jq_py '[(g["id"] == "'"$G1"'", g["revoked"] is not None) for g in j][0]' "$T/gl.json")" "(True, True)" \
    "grant list shows it revoked"

# ---- the audit log ----
"$E" log audit >/dev/null 2>&1 && ok "log audit passes" || notok "log audit"
# every entry through `eseal log show`, in order: the grant and template ones, with org and rule
types=""
i=0
while "$E" log show "$i" >"$T/entry" 2>/dev/null; do
    t=$(sed -n 's/^type //p' "$T/entry")
    case $t in
    grant.* | template.*)
        types="$types $t:$(sed -n 's/^org //p' "$T/entry"):$(sed -n 's/^policy-rule //p' "$T/entry")" ;;
    esac
    i=$((i + 1))
done
types=${types# }
L=local-operator
eq "$types" "template.added:$ORG:$L grant.added:$ORG:$L grant.added:$ORG:$L grant.added:$ORG:$L grant.delegated:$ORG:$L grant.changed:$ORG:$L grant.changed:$ORG:$L grant.revoked:$ORG:$L" \
    "the audit log: template.added, three grant.added, grant.delegated, two grant.changed, grant.revoked, each of the organisation"

tap_done grants_cli
