#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/pdf_revisions.sh ESEAL [RUNS] [OTHER_ESEAL]      (env BASE_PDF: the document stamped)
#
# Verifying a PDF signed 20 times (20 incremental updates, each a stamp by eseal), whole process,
# against a floor measured in the same run on the same file: one qpdf parse of it (`qpdf
# --show-npages`, a process that opens the file and walks its page tree) and `qpdf --check` (every
# object read). With OTHER_ESEAL (another build of eseal, e.g. a worktree of main before issue
# #16), both are timed in interleaved runs (A B A B ...) and the ratio of their medians is the
# result. Each binary's qpdf parses per verification are counted with an LD_PRELOAD shim around
# qpdf_read / qpdf_read_memory (built here with cc; skipped when cc or a shared libqpdf is
# missing). Poppler's pdfsig verifies the same file in the same interleaved runs (issue 18's peer:
# "20 signatures: <= 1.0x pdfsig per signature"); its column is skipped when pdfsig is missing.
# Medians of RUNS runs (default 9); ratios, not bare times. No assertions: a report.
set -u
E=$1
RUNS=${2:-9}
O=${3:-}
NSIG=20
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-pass-1
for tool in qpdf python3; do
    command -v $tool >/dev/null || { echo "bench/pdf_revisions: $tool is missing (scripts/deps.sh installs it)" >&2; exit 2; }
done

"$E" init >/dev/null 2>&1
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")

# 3 pages of text (or the PDF named by BASE_PDF, e.g. var/pdf-corpus/listings.pdf: 63 pages,
# 750 KB, where every judged signature walks thousands of objects), then NSIG stamps, each on the
# revision before (page 1, 2, 3, 1, ...).
if [ -n "${BASE_PDF:-}" ]; then
    cp "$BASE_PDF" "$T/s0.pdf" || exit 2
else
    python3 "$(dirname "$0")/../tests/resources/mkpdf.py" "$T/s0.pdf" 3
fi
for i in $(seq "$NSIG"); do
    "$E" stamp "$T/s$((i - 1)).pdf" -o "$T/s$i.pdf" --seal "$S" --page $(((i - 1) % 3 + 1)) --at $((10 + 25 * ((i - 1) / 3))),20 \
        >/dev/null 2>&1 || { echo "bench/pdf_revisions: stamp $i failed" >&2; exit 1; }
done
F=$T/s$NSIG.pdf
"$E" verify "$F" >"$T/v.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "bench/pdf_revisions: verify of the $NSIG-signature file exits $rc, not 0:" >&2; cat "$T/v.txt" >&2; exit 1; }
if [ -n "$O" ]; then
    "$O" verify "$F" >/dev/null 2>&1 || { echo "bench/pdf_revisions: $O does not verify the file" >&2; exit 1; }
fi

# qpdf parses per verification: a shim counts the calls that parse a file.
parses() { echo "n/a"; }
if command -v cc >/dev/null && ldd "$E" 2>/dev/null | grep -q libqpdf; then
    cat >"$T/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct _qpdf_data *qpdf_data;
static unsigned long parses;
static void report(void) __attribute__((destructor));
static void report(void)
{
    const char *p = getenv("QPDF_PARSES_OUT");
    FILE *f = p != NULL ? fopen(p, "w") : NULL;
    if (f != NULL) {
        fprintf(f, "%lu\n", parses);
        fclose(f);
    }
}
int qpdf_read_memory(qpdf_data q, const char *d, const char *buf, unsigned long long n, const char *pw)
{
    int (*real)(qpdf_data, const char *, const char *, unsigned long long, const char *) =
        (int (*)(qpdf_data, const char *, const char *, unsigned long long, const char *))dlsym(RTLD_NEXT,
                                                                                                "qpdf_read_memory");
    parses++;
    return real(q, d, buf, n, pw);
}
int qpdf_read(qpdf_data q, const char *file, const char *pw)
{
    int (*real)(qpdf_data, const char *, const char *) =
        (int (*)(qpdf_data, const char *, const char *))dlsym(RTLD_NEXT, "qpdf_read");
    parses++;
    return real(q, file, pw);
}
C
    if cc -shared -fPIC -O2 -o "$T/shim.so" "$T/shim.c" -ldl 2>/dev/null; then
        parses() {
            rm -f "$T/parses"
            QPDF_PARSES_OUT=$T/parses LD_PRELOAD=$T/shim.so "$1" verify "$F" >/dev/null 2>&1
            cat "$T/parses" 2>/dev/null || echo "n/a"
        }
    fi
fi

one() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    python3 -c "print($t1 - $t0)"
}
HAVE_PDFSIG=0
command -v pdfsig >/dev/null && HAVE_PDFSIG=1
a=() b=() q1=() qc=() ps=()
for i in $(seq "$RUNS"); do
    a+=("$(one "$E" verify "$F")")
    [ -n "$O" ] && b+=("$(one "$O" verify "$F")")
    [ $HAVE_PDFSIG = 1 ] && ps+=("$(one pdfsig "$F")")
    q1+=("$(one qpdf --show-npages "$F")")
    qc+=("$(one qpdf --check "$F")")
done
echo "bench/pdf_revisions: $(stat -c %s "$F") bytes, $NSIG signatures (each its own revision), medians of $RUNS interleaved whole-process runs"
python3 - "${a[*]}" "${b[*]:-}" "${q1[*]}" "${qc[*]}" "$(parses "$E")" "$([ -n "$O" ] && parses "$O")" "${ps[*]:-}" "$NSIG" <<'PY'
import statistics, sys
med = lambda s: statistics.median(map(float, s.split())) * 1000 if s.strip() else float("nan")
a, b, q1, qc = (med(x) for x in sys.argv[1:5])
pa, pb = sys.argv[5], sys.argv[6] or "-"
ps, nsig = med(sys.argv[7]), int(sys.argv[8])
print("| verify | ms | / one qpdf parse | / qpdf --check | qpdf parses |")
print("|---|---:|---:|---:|---:|")
print("| one qpdf parse (qpdf --show-npages) | %.1f | 1.00x | %.2fx | 1 |" % (q1, q1 / qc))
print("| qpdf --check | %.1f | %.2fx | 1.00x | 1 |" % (qc, qc / q1))
print("| eseal verify (this build) | %.1f | %.2fx | %.2fx | %s |" % (a, a / q1, a / qc, pa))
if b == b:
    print("| eseal verify (OTHER_ESEAL) | %.1f | %.2fx | %.2fx | %s |" % (b, b / q1, b / qc, pb))
    print("this build / OTHER_ESEAL: %.2fx the time (%.2fx faster)" % (a / b, b / a))
if ps == ps:
    print("| per signature | ms | / pdfsig per signature |")
    print("|---|---:|---:|")
    print("| pdfsig | %.2f | 1.00x |" % (ps / nsig))
    print("| eseal verify (this build) | %.2f | %.2fx |" % (a / nsig, a / ps))
    if b == b:
        print("| eseal verify (OTHER_ESEAL) | %.2f | %.2fx |" % (b / nsig, b / ps))
PY
