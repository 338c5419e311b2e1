#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal cert issue with ETSI EN 319 412-1 §5.1.4 organisation identifiers (--org-id) next to the
# USCC: what lands in organizationIdentifier and C, and every refusal with exit 2 and its reason.
# Usage: cert_orgid_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=orgid-pass-123
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true

"$E" init >/dev/null 2>&1 && ok "init" || notok "init"

# issue_ok DESCRIPTION EXPECTED-ORGID EXPECTED-C -- args...
issue_ok() {
    local desc=$1 want_id=$2 want_c=$3
    shift 4
    rm -f "$T/c.pem"
    if "$E" cert issue --org "Acme Ltd" "$@" -o "$T/c.pem" >"$T/out" 2>"$T/err"; then
        local subj
        subj=$(openssl x509 -in "$T/c.pem" -noout -subject -nameopt RFC2253)
        case "$subj" in
        *"organizationIdentifier=$want_id,"*"C=$want_c") ok "$desc" ;;
        *) notok "$desc (subject $subj)" ;;
        esac
    else
        notok "$desc (exit $?)"
        sed 's/^/#   /' "$T/err"
    fi
}
# refused DESCRIPTION MESSAGE-PART -- args...
refused() {
    local desc=$1 want=$2
    shift 3
    "$E" cert issue --org "Acme Ltd" "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$T/err"; then ok "$desc"; else
        notok "$desc (exit $rc, wanted 2 and '$want')"
        sed 's/^/#   /' "$T/err"
    fi
}

issue_ok "VAT number: C follows its country" "VATDE-123456789" DE -- --org-id VATDE-123456789
issue_ok "trade register number" "NTRDE-HRB12345" DE -- --org-id NTRDE-HRB12345 --alg p256
issue_ok "payment service provider (TS 119 495)" "PSDGB-FCA-123456" GB -- --org-id PSDGB-FCA-123456
issue_ok "LEI with --country" "LEIXG-5493001KJTIIGC8Y1R12" GB -- --org-id LEIXG-5493001KJTIIGC8Y1R12 --country GB
issue_ok "national scheme XX:" "NO:NO-123456789" NO -- --org-id NO:NO-123456789
issue_ok "USCC as before" "NTRCN-91110000MA01ABCDEX" CN -- --uscc 91110000MA01ABCDEX
issue_ok "--org-id NTRCN-<USCC> is the same as --uscc" "NTRCN-91110000MA01ABCDEX" CN -- --org-id NTRCN-91110000MA01ABCDEX
issue_ok "--org-id NTRCN and the same --uscc" "NTRCN-91110000MA01ABCDEX" CN -- --org-id NTRCN-91110000MA01ABCDEX --uscc 91110000MA01ABCDEX

refused "a CN organisation still needs its USCC" "needs --uscc" -- --country CN
refused "no identifier at all" "needs --uscc CODE (China) or --org-id ID" --
refused "--uscc outside China" "--uscc is for organisations in China" -- --country DE --uscc 91110000MA01ABCDEX
refused "a CN organisation cannot use a VAT number instead" "identified by its unified social credit code" -- --org-id VATCN-123456789
refused "an LEI alone names no country" "names no country of its own" -- --org-id LEIXG-5493001KJTIIGC8Y1R12
refused "NTRCN's check character is checked" "GB 32100-2015 check character" -- --org-id NTRCN-91110000MA01ABCDE5
refused "NTRCN and a different --uscc" "name different organisations" -- --org-id NTRCN-91110000MA01ABCDEX --uscc 91110108MA01ABCD2H
refused "identifier and --country disagree" "is of country DE, but the certificate's country is FR" -- --org-id VATDE-123456789 --country FR
refused "unknown type reference" "unknown type reference" -- --org-id ABCDE-123456
refused "lower-case country" "two upper-case letters" -- --org-id VATde-123456789
refused "LEI check digits" "check digits are wrong" -- --org-id LEIXG-5493001KJTIIGC8Y1R13 --country GB
refused "LEI outside XG" "its country is XG" -- --org-id LEIGB-5493001KJTIIGC8Y1R12
refused "a space in a register number" "register number is upper-case letters and digits" -- --org-id "NTRDE-HRB 12345"
refused "a VAT number too long" "2 to 16 characters" -- --org-id VATDE-12345678901234567
"$E" cert issue --person "Erika Mustermann" --org-id VATDE-123456789 >"$T/out" 2>"$T/err"
[ $? -eq 2 ] && grep -q "person certificate takes no organisation identifier" "$T/err" && ok "person + --org-id is refused" \
    || { notok "person + --org-id is refused"; sed 's/^/#   /' "$T/err"; }

# Nothing refused was issued: the 8 organisation certificates issued above and no more.
norg=$("$E" cert list | awk '$2 == "org"' | wc -l)
[ "$norg" -eq 8 ] && ok "only the accepted requests made certificates" || notok "$norg organisation certificates, wanted 8"
"$E" help cert >"$T/help" 2>&1
grep -q -- "--org-id ID" "$T/help" && ok "help names --org-id" || notok "help names --org-id"

tap_done cert_orgid
