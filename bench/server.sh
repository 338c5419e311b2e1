#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The API against the CLI (issue 19): `eseal serve` with 2 worker threads, driven by wrk over
# HTTP/1.1 keep-alive connections, beside the CLI run in a loop on the same documents, in one run,
# interleaved, N repetitions, medians:
#   verify  POST /api/v1/verify of a stamped 1 MB PDF   vs `eseal verify FILE` in a loop
#   verify_sha256  the same with ?digests=sha256         vs `eseal verify --digests sha256 FILE`
#           (the report without the document's SM3: issue 19's note, docs/performance.md)
#   stamp   POST /api/v1/stamp of the 1 MB PDF (a token) vs `eseal stamp` in a loop (passphrase in
#           the environment: each command derives the key-encryption key; no agent)
# Prints requests/s, p50 and p99 latency (wrk --latency), the CLI's documents/s, and the ratio
# (target: the API verifies >= 5x the documents per second of the CLI loop). With --soak SECONDS it
# then drives the verify route alone for that long and prints the server's RSS every 30 s and the
# errors (non-2xx and socket errors): memory should stay flat, with no error.
# Usage: bench/server.sh ESEAL [SECONDS_PER_RUN] [N] [--soak SECONDS]
set -u
E=$(readlink -f "$1")
D=${2:-10}
N=${3:-3}
SOAK=0
[ "${4:-}" = "--soak" ] && SOAK=${5:-600}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
for tool in wrk python3 curl; do
    command -v $tool >/dev/null || { echo "bench/server: $tool is missing (scripts/deps.sh installs it)" >&2; exit 2; }
done
T=$(mktemp -d)
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-pass-1
SERVE=
cleanup() {
    [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null && wait "$SERVE" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
echo "bench/server: load at start: $(cat /proc/loadavg); $E; $D s per run, N=$N, $(nproc) CPUs"

# An instance, an organisation that owns a P-256 certificate and its seal, a stamper with a token.
"$E" init >/dev/null 2>&1 || { echo "bench/server: init failed" >&2; exit 1; }
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
SEAL=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
ORG=$("$E" org add --name "Bench Ltd" --uscc 91110000MA01ABCDEX 2>/dev/null | tail -n 1)
(umask 077 && printf 'Bench-Stamper-Passphrase-5521\n' >"$T/pw")
"$E" user add clerk --org "$ORG" --role stamper --password-file "$T/pw" >/dev/null 2>&1 ||
    { echo "bench/server: user add failed" >&2; exit 1; }
"$E" grant add --seal "$SEAL" --user clerk >/dev/null 2>&1 || { echo "bench/server: grant add failed" >&2; exit 1; }
TOKEN=$("$E" token create clerk --scope stamp,verify 2>/dev/null | tail -n 1)
python3 "$root/tests/resources/mkpdf.py" "$T/in.pdf" 63 --pad 14300
"$E" stamp "$T/in.pdf" -o "$T/stamped.pdf" --seal "$SEAL" >/dev/null 2>&1 || { echo "bench/server: stamp failed" >&2; exit 1; }
echo "bench/server: documents $(stat -c %s "$T/in.pdf") and $(stat -c %s "$T/stamped.pdf") bytes"

"$E" serve --listen 127.0.0.1:0 --only api --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 200); do grep -q 'port' "$T/serve.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.out")
[ -n "$PORT" ] || { echo "bench/server: serve did not start: $(cat "$T/serve.err")" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/pdf' --data-binary @"$T/stamped.pdf" "$BASE/api/v1/verify")
[ "$code" = 200 ] || { echo "bench/server: POST /api/v1/verify answers $code" >&2; exit 1; }
code=$(curl -s -o "$T/api-stamped.pdf" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/pdf' \
    --data-binary @"$T/in.pdf" "$BASE/api/v1/stamp?seal=$SEAL&page=1")
STAMP_ROUTE=1
[ "$code" = 200 ] || { echo "bench/server: POST /api/v1/stamp answers $code: the stamp rows are left out" >&2; STAMP_ROUTE=0; }

cat >"$T/post.lua" <<'LUA'
-- wrk: POST the file named by BODY_FILE with the headers of the environment
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/pdf"
local auth = os.getenv("AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.3f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA

# api ROUTE BODY AUTH: "req/s p50_ms p99_ms errors requests"
api() {
    BODY_FILE=$2 AUTH=$3 wrk -t2 -c4 -d"${D}s" -s "$T/post.lua" "$BASE$1" 2>/dev/null | sed -n 's/^RESULT //p'
}
# cli KIND: documents per second of the CLI loop for D seconds
cli() {
    python3 - "$E" "$1" "$D" "$T" "$SEAL" <<'PY'
import subprocess, sys, time
e, kind, secs, t, seal = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
n, start = 0, time.monotonic()
while time.monotonic() - start < secs:
    if kind == "verify":
        cmd = [e, "verify", t + "/stamped.pdf"]
    elif kind == "verify_sha256":
        cmd = [e, "verify", t + "/stamped.pdf", "--digests", "sha256"]
    else:
        cmd = [e, "stamp", t + "/in.pdf", "-o", t + "/cli-out.pdf", "--seal", seal]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    n += 1
print("%.3f" % (n / (time.monotonic() - start)))
PY
}

: >"$T/rows"
for i in $(seq "$N"); do
    echo "verify_api $(api /api/v1/verify "$T/stamped.pdf" '')" >>"$T/rows"
    echo "verify_cli $(cli verify)" >>"$T/rows"
    echo "verify_sha256_api $(api '/api/v1/verify?digests=sha256' "$T/stamped.pdf" '')" >>"$T/rows"
    echo "verify_sha256_cli $(cli verify_sha256)" >>"$T/rows"
    if [ $STAMP_ROUTE = 1 ]; then
        echo "stamp_api $(api "/api/v1/stamp?seal=$SEAL&page=1" "$T/in.pdf" "Bearer $TOKEN")" >>"$T/rows"
        echo "stamp_cli $(cli stamp)" >>"$T/rows"
    fi
done
python3 - "$T/rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) >= 2:
        rows.setdefault(w[0], []).append([float(x) for x in w[1:]])
def med(k, i):
    v = [r[i] for r in rows.get(k, []) if len(r) > i]
    return statistics.median(v) if v else float("nan")
print("| route | API req/s | p50 | p99 | API errors | CLI docs/s | API / CLI |")
print("|---|---|---|---|---|---|---|")
for k in ("verify", "verify_sha256", "stamp"):
    if k + "_api" not in rows:
        continue
    a, c = med(k + "_api", 0), med(k + "_cli", 0)
    errors = sum(int(r[3]) for r in rows[k + "_api"] if len(r) > 3)
    print("| %s | %.1f | %.1f ms | %.1f ms | %d | %.1f | %.1fx |" % (k, a, med(k + "_api", 1), med(k + "_api", 2), errors, c, a / c))
print("(medians of %d runs; target: verify API / CLI >= 5x)" % len(rows.get("verify_api", [])))
PY

if [ "$SOAK" -gt 0 ]; then
    echo "bench/server: soak, POST /api/v1/verify for $SOAK s; the server's RSS every 30 s:"
    BODY_FILE=$T/stamped.pdf AUTH='' wrk -t2 -c4 -d"${SOAK}s" -s "$T/post.lua" "$BASE/api/v1/verify" >"$T/soak.out" 2>&1 &
    W=$!
    while kill -0 $W 2>/dev/null; do
        printf '  %s s: %s\n' "$SECONDS" "$(grep VmRSS /proc/$SERVE/status)"
        sleep 30
    done
    wait $W
    sed -n 's/^RESULT \([^ ]*\) [^ ]* [^ ]* \([^ ]*\) \([^ ]*\)/  soak: \1 req\/s, \2 errors in \3 requests/p' "$T/soak.out"
fi
