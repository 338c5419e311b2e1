#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/pdf.sh ESEAL [RUNS]
#
# Whole-process PDF stamping and verification, eseal next to its peers, measured in
# the same run on the same ~1 MB, 10-page PDF with the same ECDSA P-256 key and
# certificate: podofosign (libpodofo-utils), pdfsig -add-signature (poppler,
# NSS) and, for verification, pdfsig and mutool sign -v (mupdf-tools). Medians of
# RUNS runs (default 7); ratios, not bare times, are the result. The key-file
# passphrase derivation (scrypt) that every eseal stamp pays is timed separately:
# it is a security cost, not overhead. No assertions: a report.
set -u
E=$1
RUNS=${2:-7}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-pass-1
here=$(cd "$(dirname "$0")" && pwd)
for tool in podofosign pdfsig pk12util certutil mutool openssl python3; do
    command -v $tool >/dev/null || { echo "bench/pdf: $tool is missing (scripts/deps.sh installs it)" >&2; exit 2; }
done

"$E" init >/dev/null 2>&1
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
"$E" cert show "$C" -o "$T/cert.pem" >/dev/null
KEY=$(ls "$ESEAL_HOME"/keys/"$C"*.key)
openssl pkey -in "$KEY" -passin "pass:$ESEAL_PASSPHRASE" -out "$T/key.pem"
openssl pkcs12 -export -in "$T/cert.pem" -inkey "$T/key.pem" -out "$T/k.p12" -passout pass: -name bench
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password
pk12util -i "$T/k.p12" -d "sql:$T/nss" -W '' >/dev/null
"$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
csplit -s -z -f "$T/ca" "$T/chain.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
for f in "$T"/ca0*; do certutil -A -d "sql:$T/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done

# ~1 MB, 10 pages: text content streams, padded with comments.
python3 "$(dirname "$0")/../tests/resources/mkpdf.py" "$T/in.pdf" 10 --pad 99000

median() { python3 -c 'import statistics,sys; print("%.1f" % (statistics.median(float(x) for x in sys.argv[1:]) * 1000))' "$@"; }
# time_cmd NAME -- command...: seconds of one whole-process run
run_times() {
    local out=() i
    for i in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || { echo "bench/pdf: failed: $*" >&2; echo nan; return 0; }
        t1=$(date +%s.%N)
        out+=("$(python3 -c "print($t1 - $t0)")")
    done
    median "${out[@]}"
}

echo "bench/pdf: $(stat -c %s "$T/in.pdf") bytes, 10 pages, ECDSA P-256, medians of $RUNS whole-process runs (ms)"
e_stamp=$(run_times "$E" stamp "$T/in.pdf" -o "$T/e.pdf" --seal "$S" --page 1 --at 20,20)
p_stamp=$(run_times podofosign -in "$T/in.pdf" -out "$T/p.pdf" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 -sigsize 4096 \
    -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed)
rm -f "$T/s.pdf"
# poppler 22.12 (Debian 12) refuses -etsi with -add-signature ("not supported yet"): adbe.pkcs7.detached.
# It also fails on this input with "signDocument: unable update signature" (it did sign a 2-page file): then n/a.
n_stamp=$(run_times sh -c "rm -f '$T/s.pdf'; pdfsig -nssdir 'sql:$T/nss' -add-signature -nick bench -digest SHA256 '$T/in.pdf' '$T/s.pdf' 2>&1 | grep -q 'unable' && exit 1; test -s '$T/s.pdf'")
kdf=$(run_times "$E" key public "$KEY" )
# Many documents in one run: the seal, key and imprint are prepared once (one scrypt), then
# four threads per CPU stamp; every output is fsynced before the run reports it.
NB=200
mkdir "$T/batch" "$T/bout"
for i in $(seq $NB); do cp "$T/in.pdf" "$T/batch/d$i.pdf"; done
ls "$T"/batch/*.pdf >"$T/list"
sync
# Each run starts from an empty output directory with nothing left to write back (not timed).
batch_times=()
for i in $(seq "$RUNS"); do
    rm -f "$T"/bout/*
    sync
    t0=$(date +%s.%N)
    "$E" stamp --batch "$T/list" -O "$T/bout" --seal "$S" --page 1 --at 20,20 >/dev/null 2>&1 ||
        echo "bench/pdf: the batch stamp failed" >&2
    t1=$(date +%s.%N)
    batch_times+=("$(python3 -c "print($t1 - $t0)")")
done
e_batch=$(median "${batch_times[@]}")
e_verify=$(run_times "$E" verify "$T/e.pdf")
ls "$T"/bout/*.pdf >"$T/vlist"
e_vbatch=$(run_times "$E" verify --batch "$T/vlist")
n_verify=$(run_times pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/e.pdf")
m_verify=$(run_times mutool sign -v "$T/e.pdf")
python3 - "$e_stamp" "$p_stamp" "$n_stamp" "$kdf" "$e_verify" "$n_verify" "$m_verify" "$e_batch" "$e_vbatch" "$NB" <<'PY'
import sys
import math
e, p, n, k, ev, nv, mv, eb, evb, nb = map(float, sys.argv[1:])
n_txt = "n/a (failed)" if math.isnan(n) else "%.1f" % n
fast = min(x for x in (p, n) if not math.isnan(x))
print("| operation | eseal | podofosign | pdfsig (NSS) | mutool | eseal / fastest peer |")
print("|---|---:|---:|---:|---:|---:|")
print("| stamp, whole process | %.1f | %.1f | %s | - | %.2fx |" % (e, p, n_txt, e / fast))
print("| stamp minus the key-file scrypt (%.1f ms) | %.1f | | | | %.2fx |" % (k, e - k, (e - k) / fast))
print("| stamp %d documents in one run, per document | %.2f | | | | %.2fx the documents per second of the fastest peer |" % (nb, eb / nb, fast / (eb / nb)))
print("| the same, minus the one key-file scrypt of the run | %.2f | | | | %.2fx |" % ((eb - k) / nb, fast / ((eb - k) / nb)))
print("| verify, whole process | %.1f | - | %.1f | %.1f | %.2fx of pdfsig, %.2fx of mutool |" % (ev, nv, mv, ev / nv, ev / mv))
print("| `verify --batch`, %d documents in one run, per document | %.2f | - | | | %.2fx faster than pdfsig per document |" % (nb, evb / nb, nv / (evb / nb)))
PY
echo "(the key-file cost is measured as 'eseal key public KEY', which decrypts the scrypt-protected key file)"

# A 100 MB document: stamping streams (one pass copies and hashes), so the target is at most
# 1.5x the time of hashing the file plus 50 ms, with peak memory under 64 MB.
python3 - "$T/in.pdf" "$T/big.pdf" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
# the same 10 pages, each content stream padded to ~10 MB with a comment
d = d.replace(b"%" + b"x" * 99000, b"%" + b"x" * 10400000)
# qpdf below recomputes the lengths and offsets
open(sys.argv[2] + ".raw", "wb").write(d)
PY
qpdf --stream-data=preserve --object-streams=disable "$T/big.pdf.raw" "$T/big.pdf" 2>/dev/null || true
if [ -s "$T/big.pdf" ]; then
    big_times=() big_rss=() hash_times=()
    for i in $(seq 5); do
        rm -f "$T/big-s.pdf" # not timed: replacing the last run's output would free its 100 MB in the run
        sync
        /usr/bin/time -f "%e %M" -o "$T/tm" "$E" stamp "$T/big.pdf" -o "$T/big-s.pdf" --seal "$S" >/dev/null
        read -r t m <"$T/tm"; big_times+=("$t"); big_rss+=("$m")
        /usr/bin/time -f "%e" -o "$T/th" openssl dgst -sha256 "$T/big.pdf" >/dev/null
        hash_times+=("$(cat "$T/th")")
    done
    python3 - "$(stat -c %s "$T/big.pdf")" "$kdf" "${big_times[*]}" "${big_rss[*]}" "${hash_times[*]}" <<'PY'
import statistics, sys
size, kdf = int(sys.argv[1]), float(sys.argv[2])
st = statistics.median(map(float, sys.argv[3].split())) * 1000
rss = max(map(int, sys.argv[4].split())) / 1024
ht = statistics.median(map(float, sys.argv[5].split())) * 1000
limit = 1.5 * ht + 50
print("100 MB: %.1f MB file; eseal stamp %.0f ms (of which the key-file scrypt ~%.0f ms), openssl dgst -sha256 %.0f ms;"
      % (size / 1e6, st, kdf, ht))
print("        target 1.5 x hash + 50 ms = %.0f ms: %s without the key-file scrypt (%.0f ms), %s with it;"
      % (limit, "met" if st - kdf <= limit else "NOT met", st - kdf, "met" if st <= limit else "not met"))
print("        peak memory %.1f MB (target < 64 MB): %s" % (rss, "met" if rss < 64 else "NOT met"))
PY
fi
