#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh ESEAL [TESTDATA]: the OFD attack corpus (issue #15).
#
# A two-page OFD of tests/resources/mkofd.py is stamped once and twice by this instance; each
# stamped package (and the third-party samples of TESTDATA/ofd-samples when present and readable
# by Python's zipfile; skipped otherwise) goes through build.py, and every attack file is verified.
# Per class it prints: tried, refused (the verifier stopped with an error, exit 3), INVALID,
# INDETERMINATE, and VALID with the content unchanged. The oracle: for a VALID verdict, every
# entry of the base package outside the signature directories (Doc_N/Signs/) and the list must
# be in the attack file with the same bytes, and the attack file must have no other entry outside
# them. Fails on a VALID whose content changed, and on a VALID where the manifest says no VALID is
# acceptable (one stamp shown as two, a list read differently by other readers, a refused construct).
# Output is TAP.
set -u
E=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/tap.sh
. "$HERE/../../lib/tap.sh"
# shellcheck source=../../lib/vectors.sh
. "$HERE/../../lib/vectors.sh"
VROOT=${2-$VECTORS_DEFAULT_ROOT}
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=ofd-attack-pass-1

"$E" init >/dev/null 2>&1 || { echo "not ok 1 - init"; exit 1; }
C=$("$E" cert issue --org "Attack Test Ltd" --uscc 91110000MA01ABCDEX --alg sm2) || notok "cert issue"
S=$("$E" seal make --cert "$C" --type contract --name "Attack Test Ltd seal") || notok "seal make"
python3 "$HERE/../../resources/mkofd.py" "$T/in.ofd" 2 || notok "mkofd.py"
"$E" stamp "$T/in.ofd" -o "$T/one.ofd" --seal "$S" --page 1 --at 20,30 >/dev/null 2>"$T/err" || notok "stamp 1: $(cat "$T/err")"
"$E" stamp "$T/one.ofd" -o "$T/two.ofd" --seal "$S" --page 2 --at 20,30 >/dev/null 2>"$T/err" || notok "stamp 2: $(cat "$T/err")"

bases="one two"
D=$(vectors_dir ofd-samples "$VROOT")
if [ -n "$D" ] && [ -d "$D/ofd" ]; then
    for f in "$D"/ofd/*.ofd; do
        b=sample-$(basename "$f" .ofd)
        if python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); [z.read(n) for n in z.namelist()]' "$f" 2>/dev/null; then
            cp "$f" "$T/$b.ofd"
            bases="$bases $b"
        else
            skip "sample $(basename "$f"): Python's zipfile cannot read it, no attacks built on it"
        fi
    done
else
    vectors_skip ofd-samples "$VROOT" "attacks on the third-party samples"
fi

# verdict FILE: VALID / INVALID / INDETERMINATE, or ERROR when the verifier stopped (exit 3).
verdict() {
    "$E" verify "$1" --json >"$T/v.json" 2>"$T/v.err"
    local rc=$?
    if [ "$rc" -eq 3 ]; then echo ERROR; return; fi
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$T/v.json" 2>/dev/null || echo "BROKEN($rc)"
}

# same_content BASE ATTACK: the oracle (exit 0: unchanged outside Signs/ and the list).
same_content() {
python3 - "$1" "$2" <<'PY'
import re, sys, zipfile
def content(path):
    z = zipfile.ZipFile(path)
    ofd = z.read("OFD.xml").decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?Signatures>\s*/?([^<\s]+)\s*</", ofd)
    lst = m.group(1) if m else None
    out = {}
    for i in z.infolist():
        n = i.filename
        if n.endswith("/") or n == lst or re.search(r"(^|/)Signs/", n):
            continue
        out.setdefault(n, []).append(z.read(n))
    return out
a, b = content(sys.argv[1]), content(sys.argv[2])
sys.exit(0 if a == b else 1)
PY
}

for b in $bases; do
    out=$T/attacks-$b
    if ! python3 "$HERE/build.py" "$T/$b.ofd" "$out" >"$T/build.out" 2>&1; then
        notok "build.py on $b: $(tail -3 "$T/build.out")"
        continue
    fi
    base_v=$(verdict "$T/$b.ofd")
    declare -A tried=() refused=() invalid=() indet=() vok=() vbad=()
    while IFS=$'\t' read -r file cls expect what; do
        [ -n "$file" ] || continue
        tried[$cls]=$((${tried[$cls]:-0} + 1))
        v=$(verdict "$out/$file")
        case $v in
        ERROR) refused[$cls]=$((${refused[$cls]:-0} + 1)) ;;
        INVALID) invalid[$cls]=$((${invalid[$cls]:-0} + 1)) ;;
        INDETERMINATE) indet[$cls]=$((${indet[$cls]:-0} + 1)) ;;
        VALID)
            if [ "$expect" = notvalid ]; then
                vbad[$cls]=$((${vbad[$cls]:-0} + 1))
                notok "$b/$file ($what): VALID, where no VALID is acceptable"
            elif same_content "$T/$b.ofd" "$out/$file"; then
                vok[$cls]=$((${vok[$cls]:-0} + 1))
            else
                vbad[$cls]=$((${vbad[$cls]:-0} + 1))
                notok "$b/$file ($what): VALID although the content changed"
            fi ;;
        *) notok "$b/$file ($what): no verdict: $v $(head -c 300 "$T/v.err")" ;;
        esac
    done <"$out/manifest.tsv"
    for cls in $(printf '%s\n' "${!tried[@]}" | sort); do
        line="$b (base $base_v) $cls: tried ${tried[$cls]}, refused ${refused[$cls]:-0}, INVALID ${invalid[$cls]:-0}, INDETERMINATE ${indet[$cls]:-0}, VALID-with-unchanged-content ${vok[$cls]:-0}"
        if [ "${vbad[$cls]:-0}" -eq 0 ]; then ok "$line"; else notok "$line, VALID-not-acceptable ${vbad[$cls]}"; fi
    done
    unset tried refused invalid indet vok vbad
done
tap_done attack_corpus_ofd
