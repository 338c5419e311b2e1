#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs eseal (the binary named by $ESEAL_REAL) and, when the command is `verify`, keeps a copy of the
# report in $ESEAL_REPORT_DIR: with --json as NAME.json for the report_schema_all test, which
# validates every one against docs/verify-report.schema.json; without, the text people read as
# NAME.txt (build/tests/reports/ after a run). Exit status, stdout and stderr are the binary's.
real=${ESEAL_REAL:?ESEAL_REAL names the eseal binary}
if [ -z "${ESEAL_REPORT_DIR:-}" ]; then
    exec "$real" "$@"
fi
cmd=""
json=0
skip=0
for a in "$@"; do
    if [ $skip = 1 ]; then
        skip=0
        continue
    fi
    case $a in
    --json) json=1 ;;
    --home | --pass-file | --pass-fd) [ -z "$cmd" ] && skip=1 ;;
    -*) ;;
    *) [ -z "$cmd" ] && cmd=$a ;;
    esac
done
if [ "$cmd" != verify ]; then
    exec "$real" "$@"
fi
case " $* " in *" --batch "*) exec "$real" "$@" ;; esac
mkdir -p "$ESEAL_REPORT_DIR"
out=$(mktemp "$ESEAL_REPORT_DIR/report.XXXXXXXX") || exit 3
"$real" "$@" >"$out"
rc=$?
cat "$out"
if [ $json = 0 ]; then
    # the text people read (the short answer, --detail), kept beside the JSON for a look
    if [ -s "$out" ]; then mv "$out" "$out.txt" && printf '%s\n' "$*" >"$out.args"; else rm -f "$out"; fi
elif [ -s "$out" ] && ! grep -q '^{"error"' "$out"; then
    mv "$out" "$out.json"
    printf '%s\n' "$*" >"$out.args"
else
    rm -f "$out" # an error object, not a report
fi
exit $rc
