#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The audit entries of the state-changing operations that had none (issue #16): eseal init (the
# operator as the actor of the set-up entries), eseal passwd
# ("passphrase.changed", never the passphrase), ca crl ("crl.issued": CA, CRL number, thisUpdate,
# nextUpdate, the CRL's SHA-256), sign ("document.signed": the document's SHA-256 and the
# certificate) and extend ("document.extended": before/after SHA-256 and the level), each with the
# acting operator. Then recording is made to fail (a trigger that refuses every new log entry) and
# each operation must fail without publishing its result. A checkpoint publication adds no entry.
# Usage: audit_events_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
R=$(dirname "$0")/../resources
export ESEAL_PASSPHRASE=events-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
me=$(id -un)
size() { "$E" log publish | sed -n 's/.*size \([0-9]*\)$/\1/p'; }
last() { expect 0 "log show the newest entry ($1)" -- "$E" log show "$(($(size) - 1))"; }
actor() {
    has "$T/out" "^actor $me$" "$1: the actor is the operator"
    has "$T/out" "^actor-kind operator$" "$1: actor-kind operator"
    has "$T/out" "^policy-rule local-operator$" "$1: the rule that allowed it"
}
sha() { sha256sum "$1" | cut -c1-64; }

expect 0 "init" -- "$E" init
# eseal init passes the local operator: the actor of every set-up entry (init options version 3).
expect 0 "log show the first set-up entry" -- "$E" log show 0
has "$T/out" "^type cert.issued$" "init: the first entry is a certificate"
actor init
n_setup=$(size)
"$E" log show "$((n_setup - 1))" >"$T/out" 2>&1
has "$T/out" "^type crl.issued$" "init: the last set-up entry is a first CRL"
has "$T/out" "^actor $me$" "init: its actor is the operator too"
id=$("$E" cert issue --org "Events Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
[ -n "$id" ] && ok "a certificate" || notok "a certificate: $(cat "$T/err")"
seal=$("$E" seal make --cert "$id" --type contract --name "Events Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"

# A checkpoint publication is not an entry (its entry would need a checkpoint of its own).
a=$(size)
b=$(size)
[ "$a" = "$b" ] && ok "log publish adds no entry" || notok "log publish adds an entry ($a -> $b)"

# sign
head -c 5000 /dev/urandom >"$T/doc.bin"
expect 0 "sign" -- "$E" sign "$T/doc.bin" --cert "$id" -o "$T/doc.p7s"
last sign
has "$T/out" "^type document.signed$" "sign: type document.signed"
actor sign
has "$T/out" "^doc-format cms$" "sign: doc-format cms"
has "$T/out" "^doc-before-sha256 $(sha "$T/doc.bin")$" "sign: the signed document's SHA-256"
has "$T/out" "^cert $id$" "sign: the certificate"
expect 0 "the signature verifies" -- "$E" verify "$T/doc.p7s" --data "$T/doc.bin"

# ca crl
expect 0 "ca crl" -- "$E" ca crl --alg p256 -o "$T/p.crl"
last "ca crl"
has "$T/out" "^type crl.issued$" "crl: type crl.issued"
actor crl
has "$T/out" "^detail p256 issuing-ca CRL number [0-9]*, thisUpdate 20[0-9-]*T[0-9:.]*Z, nextUpdate 20" \
    "crl: hierarchy, CRL number, this and next update"
has "$T/out" "^doc-after-sha256 $(sha "$T/p.crl")$" "crl: the SHA-256 of the CRL handed out"

# extend
python3 "$R/mkpdf.py" "$T/in.pdf" 1
expect 0 "stamp" -- "$E" stamp "$T/in.pdf" -o "$T/s.pdf" --seal "$seal" --page 1 --at 100,100
expect 0 "extend to B-LT" -- "$E" extend "$T/s.pdf" -o "$T/lt.pdf" --level B-LT
last extend
has "$T/out" "^type document.extended$" "extend: type document.extended"
actor extend
has "$T/out" "^doc-format pdf$" "extend: doc-format pdf"
has "$T/out" "^doc-before-sha256 $(sha "$T/s.pdf")$" "extend: the SHA-256 before"
has "$T/out" "^doc-after-sha256 $(sha "$T/lt.pdf")$" "extend: the SHA-256 after"
has "$T/out" "^detail extended to B-LT$" "extend: the level"

# passwd
printf '%s\n' events-pass-2 >"$T/new"
expect 0 "passwd" -- "$E" passwd --new-pass-file "$T/new"
export ESEAL_PASSPHRASE=events-pass-2
last passwd
has "$T/out" "^type passphrase.changed$" "passwd: type passphrase.changed"
actor passwd
has "$T/out" "^detail the instance passphrase is changed: [0-9]* key files re-encrypted$" "passwd: the detail"
grep -q "events-pass" "$T/out" && notok "passwd: the passphrase is in the entry" || ok "passwd: no passphrase in the entry"
expect 0 "the log audits clean" -- "$E" log audit

# Recording fails: every operation fails and publishes nothing.
inject() { # a trigger in the store's own dialect
    if store_is_pg "$ESEAL_HOME"; then
        if [ "$1" = on ]; then
            store_sql "$ESEAL_HOME" "CREATE FUNCTION no_log() RETURNS trigger LANGUAGE plpgsql AS
                \$\$ BEGIN RAISE EXCEPTION 'injected: the log refuses entries'; END \$\$;
                CREATE TRIGGER no_log BEFORE INSERT ON log_entries FOR EACH ROW EXECUTE FUNCTION no_log()"
        else
            store_sql "$ESEAL_HOME" "DROP TRIGGER no_log ON log_entries; DROP FUNCTION no_log()"
        fi
    elif [ "$1" = on ]; then
        store_sql "$ESEAL_HOME" "CREATE TRIGGER no_log BEFORE INSERT ON log_entries
            BEGIN SELECT RAISE(ABORT, 'injected: the log refuses entries'); END"
    else
        store_sql "$ESEAL_HOME" "DROP TRIGGER no_log"
    fi
}
n0=$(size)
crl0=$(sha "$ESEAL_HOME/crl/$(ls "$ESEAL_HOME/crl" | head -1)")
inject on && ok "recording made to fail" || notok "recording made to fail"
expect 3 "sign fails when its entry cannot be recorded" -- "$E" sign "$T/doc.bin" --cert "$id" -o "$T/no.p7s"
has "$T/err" "store: .*log" "sign: the error is the store refusing the entry"
[ ! -e "$T/no.p7s" ] && ok "sign: no signature written" || notok "sign: a signature was written"
expect 3 "ca crl fails when its entry cannot be recorded" -- "$E" ca crl --alg p256 -o "$T/no.crl"
[ ! -e "$T/no.crl" ] && ok "crl: no CRL handed out" || notok "crl: a CRL was handed out"
[ "$(sha "$ESEAL_HOME/crl/$(ls "$ESEAL_HOME/crl" | head -1)")" = "$crl0" ] && ok "crl: no CRL file replaced" ||
    notok "crl: a CRL file was replaced"
cp "$T/s.pdf" "$T/keep.pdf"
expect 3 "extend in place fails when its entry cannot be recorded" -- "$E" extend "$T/keep.pdf" -o "$T/keep.pdf" --level B-LT
cmp -s "$T/s.pdf" "$T/keep.pdf" && ok "extend: the input is untouched" || notok "extend: the input changed"
ls "$T" | grep -q 'tmp-' && notok "extend: a temporary file is left" || ok "extend: no temporary file left"
printf '%s\n' events-pass-3 >"$T/new3"
expect 3 "passwd fails when its entry cannot be recorded" -- "$E" passwd --new-pass-file "$T/new3"
inject off && ok "recording works again" || notok "recording works again"
[ "$(size)" = "$n0" ] && ok "the refused operations added no entry" || notok "entries were added ($n0 -> $(size))"
expect 0 "the old passphrase still opens every key" -- "$E" sign "$T/doc.bin" --cert "$id" -o "$T/again.p7s"
expect 3 "the refused new passphrase does not" -- env ESEAL_PASSPHRASE=events-pass-3 "$E" sign "$T/doc.bin" --cert "$id" -o "$T/x.p7s"
expect 0 "the log audits clean" -- "$E" log audit

tap_done audit_events
