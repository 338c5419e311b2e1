#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal ca renew: revoking an issuing CA or the seal maker no longer ends a hierarchy.
# Reproduces the break (cert issue, seal make, ca crl fail after the revocation), renews, and checks
# that everything works again, that what the old keys signed still verifies with the right verdict
# about the revocation, that cert list tells current / superseded / revoked apart, that a planned
# renewal keeps the superseded CA's certificates valid and its CRL published, and that every
# renewal is an audit log entry.
# Usage: ca_renew_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
export ESEAL_PASSPHRASE=renew-pass-123
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
R=$(dirname "$0")/../resources
export PYTHONPATH="$R${PYTHONPATH:+:$PYTHONPATH}"

verdict() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$1"; }
# status ID: the STATUS column of cert list
status() { "$E" cert list | awk -v id="$1" '$1 == id { print $6 }'; }
role_id() { "$E" cert list | awk -v r="$1" -v h="$2" '$2 == r && $3 == h { id = $1 } END { print id }'; }
log_size() { # entries in the audit log (the store's count: checkpoints are signed later)
    store_sql "$ESEAL_HOME" "select count(*) from log_entries"
}
log_types() { # the audit entry types from index $1 on, as eseal log show reads them
    local size i
    size=$(log_size)
    for ((i = $1; i < size; i++)); do "$E" log show "$i" | sed -n 's/^type //p'; done
}

expect 0 "init" -- "$E" init
python3 "$R/mkpdf.py" "$T/in.pdf" 1
printf 'a contract\n' >"$T/doc.txt"

# ---- before: a certificate, a seal, a stamped PDF (B-T) and a CMS signature under sm2 ---------
ORG=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
expect 0 "seal make before" -- "$E" seal make --cert "$ORG" --type contract --name "北京示例科技有限公司合同专用章" -o "$T/old.esl"
SEAL=$(cat "$T/out")
expect 0 "stamp before (B-T)" -- "$E" stamp "$T/in.pdf" -o "$T/old.pdf" --seal "$SEAL" --page 1 --at 100,100 --level B-T
expect 0 "sign before" -- "$E" sign "$T/doc.txt" --cert "$ORG" -o "$T/old.p7s"
# The revocation below must come after these in whole seconds: CRL times and signingTime have
# second precision and the timestamp an accuracy of 1 s, so a revocation in the same second
# cannot be told from one before it (INVALID, not the verdicts checked below).
sleep 2.2
ICA=$(role_id issuing-ca sm2)
MAKER=$(role_id seal-maker sm2)
TSA=$(role_id tsa sm2)
[ "$(status "$ICA")" = current ] && [ "$(status "$MAKER")" = current ] && ok "cert list: the platform certificates are current" \
    || notok "statuses $(status "$ICA") $(status "$MAKER")"
has <("$E" cert list) "STATUS" "cert list has a STATUS column"

# ---- the break: revoke the sm2 issuing CA ---------------------------------------------------
expect 0 "revoke the sm2 issuing CA" -- "$E" cert revoke "$ICA" --reason keyCompromise
[ "$(status "$ICA")" = revoked ] && ok "cert list: it is revoked" || notok "status $(status "$ICA")"
expect 3 "cert issue fails: no current issuing CA" -- "$E" cert issue --org "上海某某贸易有限公司" --uscc 91110000MA01ABCDEX --alg sm2
has "$T/err" "issuing-ca certificate $ICA was revoked" "  ... and says which CA was revoked"
has "$T/err" "eseal ca renew issuing-ca --alg sm2" "  ... and what to run"
expect 3 "seal make fails: the maker's CA is revoked" -- "$E" seal make --cert "$ORG" --type official --name "北京示例科技有限公司"
has "$T/err" "seal maker's issuing CA $ICA is revoked" "  ... and says why"
expect 3 "ca crl fails" -- "$E" ca crl --alg sm2 -o "$T/x.crl"

# ---- the renewal ----------------------------------------------------------------------------
expect 2 "ca renew needs a role" -- "$E" ca renew --alg sm2
expect 2 "ca renew refuses an unknown role" -- "$E" ca renew bogus --alg sm2
has "$T/err" "unknown role 'bogus'" "  ... and names it"
expect 3 "the root is not renewed" -- "$E" ca renew root-ca --alg sm2
has "$T/err" "new trust anchor" "  ... and says why"
expect 2 "the rsa hierarchy has no seal maker" -- "$E" ca renew seal-maker --alg rsa
n0=$(log_size)
ESEAL_PASSPHRASE= expect 3 "ca renew needs the passphrase" -- "$E" ca renew issuing-ca --alg sm2
[ "$(role_id issuing-ca sm2)" = "$ICA" ] && ok "  ... and changes nothing without it" || notok "a refused renewal changed the store"
expect 0 "ca renew issuing-ca --alg sm2" -- "$E" ca renew issuing-ca --alg sm2
ICA2=$(role_id issuing-ca sm2)
MAKER2=$(role_id seal-maker sm2)
TSA2=$(role_id tsa sm2)
[ "$ICA2" != "$ICA" ] && [ "$(sed -n 1p "$T/out")" = "$ICA2" ] && ok "it prints the new issuing CA" || notok "new CA '$ICA2' / '$(cat "$T/out")'"
has "$T/err" "replaces $ICA (revoked)" "  ... and what it replaces"
[ "$MAKER2" != "$MAKER" ] && [ "$TSA2" != "$TSA" ] && ok "the seal maker and TSA under the revoked CA were renewed too" \
    || notok "maker $MAKER -> $MAKER2, tsa $TSA -> $TSA2"
[ "$(status "$ICA2")" = current ] && [ "$(status "$ICA")" = revoked ] && [ "$(status "$MAKER")" = superseded ] &&
    [ "$(status "$MAKER2")" = current ] && [ "$(status "$TSA")" = superseded ] &&
    ok "cert list: current / revoked / superseded" || notok "statuses: $("$E" cert list)"
"$E" cert show "$MAKER" >"$T/show"
has "$T/show" "status:      superseded" "cert show gives the status"
"$E" cert list --json >"$T/list.json"
python3 - "$T/list.json" "$ICA" "$ICA2" <<'PY' && ok "cert list --json gives the status" || notok "cert list --json status"
import json, sys
recs = {r["id"]: r for r in json.load(open(sys.argv[1]))}
assert recs[sys.argv[2]]["status"] == "revoked" and recs[sys.argv[3]]["status"] == "current"
PY
"$E" cert show "$ICA2" -o "$T/ica2.pem" >/dev/null
openssl x509 -in "$T/ica2.pem" -noout -subject -issuer >"$T/ica2.txt" 2>&1
has "$T/ica2.txt" "Issuing CA (SM2) G2" "the new CA's name carries its generation"
has "$T/ica2.txt" "issuer=.*Root CA (SM2)" "  ... and the current root issued it"
[ -s "$ESEAL_HOME/crl/$ICA2.crl" ] && ok "the new CA published its CRL at once" || notok "no crl/$ICA2.crl"
[ -s "$ESEAL_HOME/crl/$ICA.crl" ] && ok "the revoked CA's last CRL stays published" || notok "no crl/$ICA.crl"
log_types "$n0" >"$T/types"
[ "$(grep -c '^cert.renewed$' "$T/types")" -eq 3 ] && ok "three renewals, three cert.renewed audit entries" \
    || { notok "audit entries after the renewal:"; sed 's/^/#   /' "$T/types"; }
expect 0 "the audit log still passes its audit" -- "$E" log audit

# ---- after: everything works again ----------------------------------------------------------
expect 0 "cert issue works again" -- "$E" cert issue --org "上海某某贸易有限公司" --uscc 91110000MA01ABCDEX --alg sm2 -o "$T/new.pem"
ORG2=$(cat "$T/out")
openssl x509 -in "$T/new.pem" -noout -issuer >"$T/iss"
has "$T/iss" "Issuing CA (SM2) G2" "  ... from the new issuing CA"
expect 0 "seal make works again" -- "$E" seal make --cert "$ORG2" --type contract --name "上海某某贸易有限公司合同专用章" -o "$T/new.esl"
SEAL2=$(cat "$T/out")
expect 0 "the new seal verifies" -- "$E" seal verify "$T/new.esl"
expect 0 "ca crl works again" -- "$E" ca crl --alg sm2 -o "$T/new.crl"
openssl crl -inform DER -in "$T/new.crl" -noout -issuer >"$T/crliss"
has "$T/crliss" "Issuing CA (SM2) G2" "  ... and outputs the new CA's CRL"
expect 0 "stamp (B-T) works again" -- "$E" stamp "$T/in.pdf" -o "$T/new.pdf" --seal "$SEAL2" --page 1 --at 100,100 --level B-T --json
expect 0 "the new stamp verifies VALID" -- "$E" verify "$T/new.pdf" --json
[ "$(verdict "$T/out")" = VALID ] && ok "  ... VALID" || notok "new stamp: $(verdict "$T/out")"

# ---- what the revoked CA's keys signed: verified, with the verdict about the revocation ------
expect 1 "the old CMS signature is not VALID" -- "$E" verify "$T/old.p7s" --data "$T/doc.txt" --json
python3 -c 'import json,sys; c={c["id"]: c for c in json.load(open(sys.argv[1]))["signatures"][0]["checks"]}["revocation"]; assert c["status"] == "indeterminate" and "CA: CRL" in c["detail"] and ", revoked at " in c["detail"], c' "$T/out" &&
    ok "  ... its check revocation is indeterminate and says when the CA was revoked" || notok "old signature: revocation check $(grep -A3 '"revocation"' "$T/out" | tr '\n' ' ')"
[ "$(verdict "$T/out")" = INDETERMINATE ] && grep -q REVOKED_CA "$T/out" && ok "  ... INDETERMINATE: its CA was revoked, no proof of an earlier time" \
    || notok "old signature: $(verdict "$T/out") $(grep -o '"code": *"[A-Z_]*"' "$T/out" | tr '\n' ' ')"
# Its timestamp (from a TSA outside the revoked CA) proves the stamp existed before the CA's
# revocation (ETSI EN 319 102-1 §5.6.2.4): it stays VALID.
expect 0 "the old stamped PDF (B-T, timestamped before the revocation) is VALID" -- "$E" verify "$T/old.pdf" --json
[ "$(verdict "$T/out")" = VALID ] && ok "  ... VALID" || notok "old PDF: $(verdict "$T/out")"
expect 1 "the old seal (its maker's CA revoked) is not valid" -- "$E" seal verify "$T/old.esl"

# ---- a planned renewal (p256): the old CA is superseded, not revoked -------------------------
PORG=$("$E" cert issue --org "Example GmbH" --org-id VATDE-123456789 --alg p256)
"$E" sign "$T/doc.txt" --cert "$PORG" -o "$T/p.p7s" >/dev/null 2>&1
PICA=$(role_id issuing-ca p256)
PMAKER=$(role_id seal-maker p256)
n1=$(log_size)
expect 0 "ca renew issuing-ca --alg p256 (planned)" -- "$E" ca renew issuing-ca --alg p256
has "$T/err" "replaces $PICA (now superseded)" "  ... the old CA is superseded"
PICA2=$(role_id issuing-ca p256)
[ "$(status "$PICA")" = superseded ] && [ "$(status "$PICA2")" = current ] && ok "cert list: superseded / current" \
    || notok "p256 statuses $(status "$PICA") $(status "$PICA2")"
[ "$(role_id seal-maker p256)" = "$PMAKER" ] && [ "$(status "$PMAKER")" = current ] &&
    ok "the seal maker under a superseded CA stays current" || notok "the p256 maker changed"
[ "$(log_types "$n1" | grep -c '^cert.renewed$')" -eq 1 ] && ok "one cert.renewed entry" || notok "p256 renew audit entries"
expect 0 "ca export --tsa after the renewal" -- "$E" ca export --alg p256 --tsa -o "$T/tsa-chain.pem"
python3 - "$T/tsa-chain.pem" "$T/c" <<'PY'
import sys
pems = open(sys.argv[1]).read().split("-----END CERTIFICATE-----")[:-1]
for i, p in enumerate(pems):
    open(f"{sys.argv[2]}{i}.pem", "w").write(p.strip() + "\n-----END CERTIFICATE-----\n")
PY
openssl verify -CAfile "$T/c2.pem" -untrusted "$T/c1.pem" "$T/c0.pem" >"$T/v" 2>&1 &&
    ok "  ... the TSA's chain is its own (the superseded CA), and verifies" || { notok "TSA chain after renewal"; sed 's/^/#   /' "$T/v"; }
expect 0 "a signature by a certificate of the superseded CA stays VALID" -- "$E" verify "$T/p.p7s" --data "$T/doc.txt"
before=$(openssl crl -inform DER -in "$ESEAL_HOME/crl/$PICA.crl" -noout -crlnumber)
expect 0 "ca crl --alg p256" -- "$E" ca crl --alg p256 -o "$T/p.crl"
after=$(openssl crl -inform DER -in "$ESEAL_HOME/crl/$PICA.crl" -noout -crlnumber)
[ "$before" != "$after" ] && ok "ca crl also refreshes the superseded CA's CRL ($before -> $after)" || notok "superseded CA's CRL not refreshed ($before)"
expect 0 "a certificate of the superseded CA can be revoked" -- "$E" cert revoke "$PORG" --reason affiliationChanged
openssl crl -inform DER -in "$ESEAL_HOME/crl/$PICA.crl" -noout -text >"$T/pcrl"
has "$T/pcrl" "$("$E" cert show "$PORG" | sed -n 's/^serial: *//p')" "  ... and lands on that CA's CRL"
expect 1 "  ... and its signature then verifies as revoked" -- "$E" verify "$T/p.p7s" --data "$T/doc.txt" --json
grep -q '"code": *"REVOKED' "$T/out" && ok "  ... REVOKED" || notok "p256 revoked verdict: $(grep -o '"code": *"[A-Z_]*"' "$T/out" | tr '\n' ' ')"

# ---- revoking the seal maker alone ------------------------------------------------------------
expect 0 "revoke the sm2 seal maker" -- "$E" cert revoke "$MAKER2" --reason keyCompromise
expect 3 "seal make fails" -- "$E" seal make --cert "$ORG2" --type official --name "上海某某贸易有限公司"
has "$T/err" "seal-maker certificate $MAKER2 was revoked" "  ... and says so"
expect 0 "ca renew seal-maker --alg sm2" -- "$E" ca renew seal-maker --alg sm2
[ "$(role_id issuing-ca sm2)" = "$ICA2" ] && ok "  ... renews the seal maker only" || notok "the issuing CA changed"
expect 0 "seal make works again" -- "$E" seal make --cert "$ORG2" --type official --name "上海某某贸易有限公司" -o "$T/m3.esl"
SEAL3=$(cat "$T/out")
expect 0 "  ... and the seal verifies" -- "$E" seal verify "$T/m3.esl"
expect 0 "ca renew tsa --alg sm2 --json" -- "$E" ca renew tsa --alg sm2 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["renewed"][0]["role"] == "tsa" and d["renewed"][0]["replaced_status"] == "superseded"' "$T/out" \
    && ok "  ... JSON names the renewal" || notok "renew --json: $(cat "$T/out")"
expect 0 "stamping (B-T) with the renewed TSA" -- "$E" stamp "$T/in.pdf" -o "$T/t3.pdf" --seal "$SEAL3" --level B-T
expect 0 "  ... verifies" -- "$E" verify "$T/t3.pdf"
expect 1 "a seal of the revoked maker no longer verifies" -- "$E" seal verify "$T/new.esl"

"$E" help ca >"$T/help" 2>&1
has "$T/help" "eseal ca renew issuing-ca|seal-maker|tsa" "help ca shows renew"

tap_done ca_renew
