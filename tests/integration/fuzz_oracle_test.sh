#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_pdf_verify's rendering-oracle hook (fuzz/pdf_verify_fuzzer.c), with stand-in oracles:
# a VALID file goes to $ESEAL_FUZZ_ORACLE as one whole file (the stamped file + the input),
# oracle exit 1 is a finding (abort), exit 2 is counted but not a finding, a file that is not
# VALID never reaches the oracle, and the whole-file mode (%PDF-...) never calls it.
# Usage: fuzz_oracle_test.sh PATH/TO/pdf_verify_fuzzer SOURCE_DIR
. "$(dirname "$0")/../lib/tap.sh"
H=$1
C=$2/fuzz/corpora/pdf_verify_rev
echo "1..14"

# An oracle that records its arguments, keeps a copy of its file and exits with $ORACLE_EXIT.
cat >"$T/oracle" <<'EOF'
#!/bin/sh
echo "$#" >>"$ORACLE_LOG"
cp "$1" "$ORACLE_LOG.pdf"
exit "$ORACLE_EXIT"
EOF
chmod +x "$T/oracle"
export ORACLE_LOG="$T/log" ORACLE_EXIT=0

# The stamped file's length, from the harness itself.
: >"$T/empty"
ESEAL_FUZZ_PDF_BASE="$T/base.pdf" "$H" "$T/empty" >/dev/null 2>&1
base=$(wc -c <"$T/base.pdf")

ESEAL_FUZZ_ORACLE="$T/oracle" expect 0 "oracle exit 0 on a VALID file: no finding" -- "$H" "$C/rev-03-ok-same-catalog"
add=$(wc -c <"$C/rev-03-ok-same-catalog")
# The stamped file differs from run to run (a new key each time), its length does not.
if [ "$(cat "$T/log")" = 1 ] && [ "$(wc -c <"$T/log.pdf")" -eq $((base + add)) ] &&
    [ "$(head -c 5 "$T/log.pdf")" = "%PDF-" ] && tail -c "$add" "$T/log.pdf" | cmp -s - "$C/rev-03-ok-same-catalog"; then
    ok "the oracle got one argument: the stamped file with the input appended"
else
    notok "the oracle got one argument: the stamped file with the input appended"
    sed 's/^/#   /' "$T/log"
fi

rm -f "$T/log"
ESEAL_FUZZ_ORACLE="$T/oracle" expect 0 "a file that is not VALID (new content stream)" -- "$H" "$C/rev-06-content-new-stream"
if [ ! -e "$T/log" ]; then ok "...is never given to the oracle"; else notok "...is never given to the oracle"; fi

ORACLE_EXIT=1 ESEAL_FUZZ_ORACLE="$T/oracle" expect 134 "oracle exit 1 (renders differently) aborts" -- "$H" "$C/rev-03-ok-same-catalog"
has "$T/err" "FINDING: a VALID file renders differently" "...saying it is a rendering finding"

ORACLE_EXIT=2 ESEAL_FUZZ_ORACLE="$T/oracle" expect 0 "oracle exit 2 (could not run) is not a finding" -- "$H" "$C/rev-01-ok-newline"
has "$T/err" "the oracle could not judge a VALID file (status 2" "...but it is reported"

# A campaign's mode (ESEAL_FUZZ_FINDINGS): a finding is kept as a file and the run goes on.
mkdir "$T/found"
ORACLE_EXIT=1 ESEAL_FUZZ_FINDINGS="$T/found" ESEAL_FUZZ_ORACLE="$T/oracle" \
    expect 0 "with ESEAL_FUZZ_FINDINGS a finding does not abort" -- "$H" "$C/rev-01-ok-newline" "$C/rev-03-ok-same-catalog"
if cmp -s "$T"/found/finding-rendering-*-1 "$C/rev-01-ok-newline" &&
    cmp -s "$T"/found/finding-rendering-*-2 "$C/rev-03-ok-same-catalog"; then
    ok "...each finding's input is kept (finding-rendering-PID-1, -2)"
else
    notok "...each finding's input is kept (finding-rendering-PID-1, -2)"
    ls -l "$T/found" | sed 's/^/#   /'
fi
has "$T/err" "FINDING (rendering, #2)" "...and counted"
sum="oracle calls 2 (could not judge 0); findings: after-eof 0 generation 0 twice 0 unlisted 0"
has "$T/err" "$sum two-signatures 0 rendering 2" "...and summed up at exit"

# The whole-file mode verifies without trust: never VALID, so never the oracle.
rm -f "$T/log"
ESEAL_FUZZ_ORACLE="$T/oracle" expect 0 "a whole stamped file (%PDF-) is verified without trust" -- "$H" "$T/base.pdf"
if [ ! -e "$T/log" ]; then ok "...and is not given to the oracle"; else notok "...and is not given to the oracle"; fi

tap_done fuzz_oracle
