#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The later-revision seeds of fuzz_pdf_verify (fuzz/corpora/pdf_verify_rev/rev-*) are what
# fuzz/mkseeds_pdf_rev.py makes from the harness's stamped file today: when the harness's
# document or the stamper's layout changes, offsets and /Prev go stale and this fails
# (regenerate them as docs/testing.md says).
# Usage: fuzz_seeds_test.sh PATH/TO/pdf_verify_fuzzer SOURCE_DIR
. "$(dirname "$0")/../lib/tap.sh"
H=$1
S=$2
echo "1..3"
: >"$T/empty"
expect 0 "the harness dumps its stamped file" -- env ESEAL_FUZZ_PDF_BASE="$T/base.pdf" "$H" "$T/empty"
mkdir "$T/seeds"
expect 0 "mkseeds_pdf_rev.py makes the seeds from it" -- python3 "$S/fuzz/mkseeds_pdf_rev.py" "$T/base.pdf" "$T/seeds"
stale=""
for b in $( (ls "$T/seeds"; cd "$S/fuzz/corpora/pdf_verify_rev" && ls rev-*) | sort -u); do
    cmp -s "$T/seeds/$b" "$S/fuzz/corpora/pdf_verify_rev/$b" || stale="$stale $b"
done
if [ -z "$stale" ]; then ok "the committed seeds are the ones it makes"; else
    notok "the committed seeds are the ones it makes"
    echo "# stale or missing:$stale"
fi
tap_done fuzz_seeds
