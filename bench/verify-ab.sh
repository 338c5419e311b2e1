#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/verify-ab.sh BASE_ESEAL NEW_ESEAL [N]
#
# Issue 18 (branch h-trust): `eseal verify` of two builds side by side, and pdfsig, interleaved
# within each repetition (base, new, pdfsig, base, new, pdfsig, ...), N repetitions (default 9);
# prints the medians (wall and CPU) and the ratios of the medians. No assertions: a report.
# Rows:
#   1 MB / 63 pages, 1 signature (bench/pdf.sh's file), the instance as made
#   the same file, the instance's store holding 2,000 and 20,000 more issued end-entity records
#     (rows copied in the certs table with sqlite3: new id, serial, fingerprint; both builds read the
#     same store, whose schema the two share)
#   the 1 MB file stamped on its last page (63)
#   with BIG=1: bench/pdf.sh's 116 MB file (66,500 blank pages) stamped on page 1 and on its last
#     page (min(N, 5) repetitions: each takes about a second)
# Needs pdfsig, certutil, pk12util, openssl, sqlite3, python3 (scripts/deps.sh).
set -u
if [ $# -lt 2 ]; then
    echo "usage: bench/verify-ab.sh BASE_ESEAL NEW_ESEAL [N]" >&2
    exit 2
fi
B=$(readlink -f "$1")
E=$(readlink -f "$2")
N=${3:-9}
# shellcheck source=verify-home.sh
. "$(dirname "$0")/verify-home.sh"
bench_verify_home verify-ab
"$E" stamp "$T/in.pdf" -o "$T/elast.pdf" --seal "$S" --page 63 --at 20,20 >/dev/null
if [ "${BIG:-0}" = 1 ]; then
    python3 "$root/tests/resources/mkpdf.py" "$T/big.pdf" 66500 --blank --pad 1525
    "$E" stamp "$T/big.pdf" -o "$T/big1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null
    "$E" stamp "$T/big.pdf" -o "$T/biglast.pdf" --seal "$S" --page 66500 --at 20,20 >/dev/null
    rm -f "$T/big.pdf"
fi
# Copies of the instance with more issued end-entity records.
for k in 2000 20000; do
    cp -a "$H" "$T/home$k"
    sqlite3 "$T/home$k/eseal.db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $k)
      INSERT INTO certs (id, role, hierarchy, alg, subject, serial, issuer_id, fingerprint, pem, key_file,
        not_before, not_after, created)
      SELECT printf('%016x', 1000000 + i), role, hierarchy, alg, subject, printf('7E%014X', i), issuer_id,
        printf('%064x', 1000000 + i), pem, '', not_before, not_after, created + i
      FROM certs, n WHERE id = '$C';" || exit 1
done
for h in "$H" "$T/home2000" "$T/home20000"; do
    echo "certificate rows in $(basename "$h"): $(sqlite3 "$h/eseal.db" 'SELECT count(*) FROM certs')"
done
for x in "$B" "$E"; do
    for f in e1 elast; do "$x" verify "$T/$f.pdf" >/dev/null 2>&1 || echo "verify-ab: $x verify $f.pdf: exit $?"; done
done
python3 - "$N" "$B" "$E" "$T" <<'PY'
import os, statistics, subprocess, sys, time
n, base, new, t = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def run(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, st, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime
rows = [("1 MB, 1 signature", "e1.pdf", "home"), ("1 MB, 2,000 more EE rows", "e1.pdf", "home2000"),
        ("1 MB, 20,000 more EE rows", "e1.pdf", "home20000"), ("1 MB, stamp on the last page", "elast.pdf", "home")]
if os.path.exists(os.path.join(t, "big1.pdf")):
    rows += [("116 MB, page 1", "big1.pdf", "home"), ("116 MB, last page", "biglast.pdf", "home")]
for name, f, home in rows:
    reps = n if not f.startswith("big") else min(n, 5)
    env = dict(os.environ, ESEAL_HOME=os.path.join(t, home))
    r = {"base": [], "new": [], "pdfsig": []}
    for i in range(reps):
        r["base"].append(run([base, "verify", os.path.join(t, f)], env))
        r["new"].append(run([new, "verify", os.path.join(t, f)], env))
        r["pdfsig"].append(run(["pdfsig", "-nssdir", "sql:" + os.path.join(t, "nss"), "-no-ocsp", os.path.join(t, f)], env))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in r.items()}
    print("%-30s base %.4f s (cpu %.4f)  new %.4f s (cpu %.4f)  pdfsig %.4f s | new/base %.3f (cpu %.3f) | "
          "base %.2fx pdfsig, new %.2fx pdfsig" % (name, med["base"][0], med["base"][1], med["new"][0], med["new"][1],
          med["pdfsig"][0], med["new"][0] / med["base"][0], med["new"][1] / med["base"][1],
          med["base"][0] / med["pdfsig"][0], med["new"][0] / med["pdfsig"][0]))
PY
echo "verify-ab: load at end: $(cat /proc/loadavg)"
