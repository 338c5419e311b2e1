#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal extend records "document.extended" before it renames the extended PDF into place; when that
# rename fails (here: the output is a non-empty folder), the command fails (exit 3), the input is
# untouched, no temporary file is left, and the entry is followed at once by "document.extend.failed"
# by the same operator, naming the entry and why (issue #16: never an entry without either the
# published file or a recorded failure). The log still audits clean, and a later extend works.
# Usage: publish_failed_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
R=$(dirname "$0")/../resources
export ESEAL_PASSPHRASE=pubfail-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
me=$(id -un)
size() { "$E" log publish | sed -n 's/.*size \([0-9]*\)$/\1/p'; }
sha() { sha256sum "$1" | cut -c1-64; }

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Pubfail Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
[ -n "$id" ] && ok "a certificate" || notok "a certificate: $(cat "$T/err")"
seal=$("$E" seal make --cert "$id" --type contract --name "Pubfail Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"
mkdir "$T/d"
python3 "$R/mkpdf.py" "$T/d/in.pdf" 1
expect 0 "stamp" -- "$E" stamp "$T/d/in.pdf" -o "$T/d/s.pdf" --seal "$seal" --page 1 --at 100,100
cp "$T/d/s.pdf" "$T/keep.pdf"

# The output is a folder that is not empty: the rename after the record fails.
mkdir -p "$T/d/lt.pdf/x"
n0=$(size)
expect 3 "extend whose output cannot be renamed into place fails" -- "$E" extend "$T/d/s.pdf" -o "$T/d/lt.pdf" --level B-LT
has "$T/err" "cannot rename into" "the error names the failed rename"
grep -q "could not be recorded" "$T/err" && notok "the failure was recorded" || ok "the failure was recorded"
cmp -s "$T/d/s.pdf" "$T/keep.pdf" && ok "the input is untouched" || notok "the input changed"
[ -d "$T/d/lt.pdf/x" ] && ok "the folder in the way is untouched" || notok "the folder in the way changed"
ls "$T/d" | grep -q 'tmp-' && notok "a temporary file is left" || ok "no temporary file left"
[ "$(size)" = "$((n0 + 2))" ] && ok "two entries: the extension and its failure" ||
    notok "entries added: $n0 -> $(size)"
expect 0 "log show the recorded extension" -- "$E" log show "$n0"
has "$T/out" "^type document.extended$" "entry $n0 is document.extended"
has "$T/out" "^doc-before-sha256 $(sha "$T/keep.pdf")$" "its before is the input"
expect 0 "log show the failure" -- "$E" log show "$((n0 + 1))"
has "$T/out" "^type document.extend.failed$" "entry $((n0 + 1)) is document.extend.failed"
has "$T/out" "^detail entry $n0 not published: cannot rename into " "it names the entry and why"
has "$T/out" "^actor $me$" "the same actor"
has "$T/out" "^actor-kind operator$" "the same actor kind"
has "$T/out" "^policy-rule local-operator$" "the rule that allowed the extension"
has "$T/out" "^doc-format pdf$" "doc-format pdf"
expect 0 "the log audits clean" -- "$E" log audit

# A later extend into a free name works and adds only its own entry.
n1=$(size)
expect 0 "a later extend works" -- "$E" extend "$T/d/s.pdf" -o "$T/d/lt2.pdf" --level B-LT
[ "$(size)" = "$((n1 + 1))" ] && ok "one entry for it" || notok "entries added: $n1 -> $(size)"
expect 0 "log show it" -- "$E" log show "$n1"
has "$T/out" "^doc-after-sha256 $(sha "$T/d/lt2.pdf")$" "its after is the published file"

tap_done publish_failed
