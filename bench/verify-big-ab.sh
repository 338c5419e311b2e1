#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/verify-big-ab.sh BASE_ESEAL NEW_ESEAL [N]
#
# Issue 18 (branch h-bigverify): `eseal verify` of two builds and pdfsig, interleaved within each
# repetition (base, new, pdfsig, ...), N repetitions (default 5); prints the medians (wall, and CPU
# of all threads) and the ratios of the medians. No assertions: a report. Rows:
#   1 MB / 63 pages, 1 signature (bench/pdf.sh's file): the default report, and --digests sha256
#   116 MB / 66,500 blank pages (bench/pdf.sh's file) stamped once on page 1: the default report
#     (document.sm3 included: a pass of SM3 over the file), and --digests sha256
#   the 116 MB file stamped twice (pages 1 and 2): --digests sha256
# Made from bench/verify-ab.sh (h-trust). Needs pdfsig, certutil, openssl, python3 (scripts/deps.sh).
set -u
if [ $# -lt 2 ]; then
    echo "usage: bench/verify-big-ab.sh BASE_ESEAL NEW_ESEAL [N]" >&2
    exit 2
fi
B=$(readlink -f "$1")
E=$(readlink -f "$2")
N=${3:-5}
# shellcheck source=verify-home.sh
. "$(dirname "$0")/verify-home.sh"
bench_verify_home verify-big-ab
python3 "$root/tests/resources/mkpdf.py" "$T/big.pdf" 66500 --blank --pad 1525
"$E" stamp "$T/big.pdf" -o "$T/big1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null
"$E" stamp "$T/big1.pdf" -o "$T/big2.pdf" --seal "$S" --page 2 --at 20,20 >/dev/null
rm -f "$T/big.pdf"
for x in "$B" "$E"; do
    for f in e1 big1 big2; do "$x" verify "$T/$f.pdf" >/dev/null 2>&1 || echo "verify-big-ab: $x verify $f.pdf: exit $?"; done
done
python3 - "$N" "$B" "$E" "$T" <<'PY'
import os, statistics, subprocess, sys, time
n, base, new, t = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, st, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime
rows = [("1 MB, default report", "e1.pdf", []), ("1 MB, --digests sha256", "e1.pdf", ["--digests", "sha256"]),
        ("116 MB, default report", "big1.pdf", []), ("116 MB, --digests sha256", "big1.pdf", ["--digests", "sha256"]),
        ("116 MB x2 stamps, sha256", "big2.pdf", ["--digests", "sha256"])]
for name, f, extra in rows:
    r = {"base": [], "new": [], "pdfsig": []}
    p = os.path.join(t, f)
    for i in range(n):
        r["base"].append(run([base, "verify"] + extra + [p]))
        r["new"].append(run([new, "verify"] + extra + [p]))
        r["pdfsig"].append(run(["pdfsig", "-nssdir", "sql:" + os.path.join(t, "nss"), "-no-ocsp", p]))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in r.items()}
    print("%-26s base %.4f s (cpu %.4f)  new %.4f s (cpu %.4f)  pdfsig %.4f s | new/base %.3f (cpu %.3f) | "
          "base %.2fx pdfsig, new %.2fx pdfsig" % (name, med["base"][0], med["base"][1], med["new"][0], med["new"][1],
          med["pdfsig"][0], med["new"][0] / med["base"][0], med["new"][1] / med["base"][1],
          med["base"][0] / med["pdfsig"][0], med["new"][0] / med["pdfsig"][0]))
    sys.stdout.flush()
PY
echo "verify-big-ab: load at end: $(cat /proc/loadavg)"
