#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Many `eseal serve` processes on one instance (issue 22, "bench/scale"): stamps per second with 1, 2 and 4
# server processes sharing one home and one store, and the parts that set the ceiling. A report, not a test
# (no timed assertion, not in ctest).
#
# The store is the one ESEAL_STORE names when the script's `eseal init` runs (SQLite, the default, when it is
# unset; `postgresql://USER@HOST:PORT/DB` once that backend is on main): every row is labelled with its kind,
# so runs on both stores print rows of one table (run it once per store and put the rows together).
#
#   stamps  P servers (`eseal serve --only api,log`, each with its own port and its log publisher), each
#           driven by its own wrk (1 thread, CONNS keep-alive connections, default 2) POSTing a 1 MB PDF
#           to /api/v1/stamp (B-B, a token under a grant); requests/s summed over the P, p50/p99 of all the
#           P's requests together (each wrk's latency quantiles merged, weighted by its requests), errors
#           (non-2xx and socket errors), and the servers' CPU per stamp (user+sys of the P processes from
#           /proc over the run, divided by the stamps). Each row: the median of N runs of SECONDS.
#   appends durable log appends/s on the same store (build/bench/bench_tlog --home: eseal_log_append, 300-byte
#           entries): 1 thread (one commit each: the store's commit alone), 16 threads (shared commits), and
#           P processes of 16 threads each at once (summed): what several server processes get from one log.
#   parts   where the ceiling is: the CPU of one stamp (signing, hashing, the time-stamp token, the PDF
#           update: the servers' CPU per stamp at P=1) against the store commits a stamp makes (3 on the
#           log's writer: the entry, the checkpoint, the receipt with the publication mark; docs/
#           performance.md) at the measured one-commit time. Stamps/s cannot pass ncpu / cpu_per_stamp
#           (CPU) nor 1 / (3 x commit time) (the log's commits are serialised across processes: one
#           sequencer, issue 22 §1); 10x the cores moves the first only.
#
# Needs wrk, curl, python3, and build/bench/bench_tlog (cmake --build build --target bench_tlog) for the
# appends rows (left out with a note when it is missing).
# Usage: bench/scale.sh ESEAL [SECONDS_PER_RUN] [N] [PROCESSES...]       (defaults: 10 3 1 2 4)
#   e.g. bench/scale.sh build/eseal 10 3
#        ESEAL_STORE=postgresql://eseal@127.0.0.1:5432/eseal bench/scale.sh build/eseal 10 3
set -u
E=$(readlink -f "$1")
D=${2:-10}
N=${3:-3}
shift $(($# < 3 ? $# : 3))
PROCS=${*:-1 2 4}
CONNS=${CONNS:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
TLOG=${BENCH_TLOG:-$(dirname "$E")/bench/bench_tlog}
for tool in wrk python3 curl; do
    command -v $tool >/dev/null || { echo "bench/scale: $tool is missing (scripts/deps.sh installs it)" >&2; exit 2; }
done
STORE_KIND=sqlite
case "${ESEAL_STORE:-}" in
"") ;;
*://*) STORE_KIND=${ESEAL_STORE%%://*} ;;
*:*) STORE_KIND=${ESEAL_STORE%%:*} ;;
esac
T=$(mktemp -d)
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-scale-pass-1 TMPDIR=$T ESEAL_MODULE_DIR=${ESEAL_MODULE_DIR:-$(dirname "$E")}
PIDS=()
stop_servers() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    PIDS=()
}
cleanup() {
    stop_servers
    rm -rf "$T"
}
trap cleanup EXIT
echo "bench/scale: load at start: $(cat /proc/loadavg); $E; store $STORE_KIND; $D s per run, N=$N, processes $PROCS," \
    "$CONNS connections each; $(nproc) CPUs"

# An instance, an organisation with a P-256 certificate and its seal, a stamper with a grant and a token.
"$E" init >/dev/null 2>&1 || { echo "bench/scale: init failed" >&2; exit 1; }
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
SEAL=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
ORG=$("$E" org add --name "Bench Ltd" --uscc 91110000MA01ABCDEX 2>/dev/null | tail -n 1)
(umask 077 && printf 'Bench-Stamper-Passphrase-5521\n' >"$T/pw")
"$E" user add clerk --org "$ORG" --role stamper --password-file "$T/pw" >/dev/null 2>&1 ||
    { echo "bench/scale: user add failed" >&2; exit 1; }
"$E" grant add --seal "$SEAL" --user clerk >/dev/null 2>&1 || { echo "bench/scale: grant add failed" >&2; exit 1; }
TOKEN=$("$E" token create clerk --scope stamp 2>/dev/null | tail -n 1)
python3 "$root/tests/resources/mkpdf.py" "$T/in.pdf" 63 --pad 14300
echo "bench/scale: a document of $(stat -c %s "$T/in.pdf") bytes"

cat >"$T/post.lua" <<'LUA'
-- wrk: POST the file named by BODY_FILE with a Bearer token; at the end the summary and 1000 latency quantiles
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/pdf"
wrk.headers["Authorization"] = os.getenv("AUTH")
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.6f %d\n", summary.requests, summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  local q = {}
  for i = 1, 1000 do q[i] = string.format("%.3f", latency:percentile(i / 10) / 1000) end
  io.write("QUANTILES " .. table.concat(q, " ") .. "\n")
end
LUA

# start_servers P: P servers on the home, each warmed by one stamp (its keys unlocked, its caches made).
start_servers() {
    PORTS=()
    for i in $(seq "$1"); do
        "$E" serve --listen 127.0.0.1:0 --only api,log >"$T/serve$i.out" 2>"$T/serve$i.err" &
        PIDS+=($!)
        for _ in $(seq 400); do grep -q 'port' "$T/serve$i.out" 2>/dev/null && break; sleep 0.05; done
        port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve$i.out")
        [ -n "$port" ] || { echo "bench/scale: serve did not start: $(cat "$T/serve$i.err")" >&2; exit 1; }
        PORTS+=("$port")
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/pdf' \
            --data-binary @"$T/in.pdf" "http://127.0.0.1:$port/api/v1/stamp?seal=$SEAL&page=1")
        [ "$code" = 200 ] || { echo "bench/scale: POST /api/v1/stamp answers $code" >&2; exit 1; }
    done
}
# The user+sys clock ticks of the running servers.
cpu_ticks() {
    local sum=0 p v
    for p in "${PIDS[@]}"; do
        v=$(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')
        sum=$((sum + v))
    done
    echo "$sum"
}

# stamps P RUN: one run against the P servers; a line "P RUN requests seconds errors cpu_s" and the quantiles.
stamps() {
    local i c0 c1 w=()
    c0=$(cpu_ticks)
    for i in $(seq 0 $(($1 - 1))); do
        BODY_FILE=$T/in.pdf AUTH="Bearer $TOKEN" wrk -t1 -c"$CONNS" -d"${D}s" --timeout 30s -s "$T/post.lua" \
            "http://127.0.0.1:${PORTS[$i]}/api/v1/stamp?seal=$SEAL&page=1" >"$T/wrk.$1.$2.$i" 2>&1 &
        w+=($!)
    done
    wait "${w[@]}"
    c1=$(cpu_ticks)
    echo "$1 $2 $(((c1 - c0))) $(getconf CLK_TCK)" >>"$T/cpu"
}

: >"$T/cpu"
for p in $PROCS; do
    start_servers "$p"
    for r in $(seq "$N"); do stamps "$p" "$r"; done
    stop_servers
done

# Durable appends on the same store: one process (1 and 16 threads), then P processes at once.
APPENDS=""
if [ -x "$TLOG" ]; then
    "$TLOG" --home "$ESEAL_HOME" --appends-only --seconds "$D" --runs "$N" --threads 16 >"$T/tlog.1" 2>&1 ||
        echo "bench/scale: bench_tlog failed: $(cat "$T/tlog.1")" >&2
    APPENDS="$T/tlog.1"
    for p in $PROCS; do
        [ "$p" -gt 1 ] || continue
        w=()
        for i in $(seq "$p"); do
            "$TLOG" --home "$ESEAL_HOME" --appends-only --seconds "$D" --runs "$N" --threads 16 >"$T/tlog.$p.$i" 2>&1 &
            w+=($!)
        done
        wait "${w[@]}"
    done
else
    echo "bench/scale: $TLOG is missing (cmake --build build --target bench_tlog): no appends rows" >&2
fi

python3 - "$T" "$STORE_KIND" "$(nproc)" "$PROCS" "$N" <<'PY'
import glob, os, re, statistics, sys
t, kind, ncpu, procs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(x) for x in sys.argv[4].split()], int(sys.argv[5])
cpu = {}
for line in open(os.path.join(t, "cpu")):
    p, r, ticks, hz = (int(x) for x in line.split())
    cpu[(p, r)] = ticks / hz
rows = {}
for p in procs:
    runs = []
    for r in range(1, n + 1):
        reqs, rate, errors, qs = 0, 0.0, 0, []
        for f in glob.glob(os.path.join(t, f"wrk.{p}.{r}.*")):
            text = open(f).read()
            m = re.search(r"^RESULT (\d+) ([\d.]+) (\d+)$", text, re.M)
            q = re.search(r"^QUANTILES (.*)$", text, re.M)
            if not m or not q:
                print(f"bench/scale: wrk gave no result ({f}): {text[-300:]}", file=sys.stderr)
                continue
            k, secs, err = int(m.group(1)), float(m.group(2)), int(m.group(3))
            reqs, rate, errors = reqs + k, rate + k / secs, errors + err
            # Each quantile of this wrk stands for k/1000 of its requests: merged by weight.
            qs += [(float(x), k / 1000.0) for x in q.group(1).split()]
        qs.sort()
        total = sum(w for _, w in qs)

        def quant(f):
            acc = 0.0
            for v, w in qs:
                acc += w
                if acc >= f * total:
                    return v
            return qs[-1][0] if qs else float("nan")

        cpu_ms = 1000.0 * cpu.get((p, r), float("nan")) / reqs if reqs else float("nan")
        runs.append((rate, quant(0.5), quant(0.99), errors, cpu_ms))
    rows[p] = runs
print()
print("| store | servers | stamps/s | p50 | p99 | errors | server CPU per stamp | vs 1 server |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
base = None
for p in procs:
    rs = rows[p]
    if not rs:
        continue
    med = lambda i: statistics.median(x[i] for x in rs)
    rate = med(0)
    base = rate if base is None else base
    print(f"| {kind} | {p} | {rate:.1f} | {med(1):.1f} ms | {med(2):.1f} ms | {sum(x[3] for x in rs)} | "
          f"{med(4):.1f} ms | {rate / base:.2f}x |")
print(f"(medians of {n} runs; a 1 MB PDF, B-B, POST /api/v1/stamp; each server driven by its own wrk)")

def tlog(path):
    out = {}
    try:
        for line in open(path):
            w = line.split()
            if len(w) == 2 and w[0] in ("appends1", "appendsT"):
                out[w[0]] = float(w[1])
    except OSError:
        pass
    return out

one = tlog(os.path.join(t, "tlog.1"))
if one:
    print()
    print("| store | durable log appends/s | 1 process, 1 thread (one commit each) | 1 process, 16 threads (shared commits) |"
          + "".join(f" {p} processes x 16 threads |" for p in procs if p > 1))
    print("|---|---|---:|---:|" + "---:|" * sum(1 for p in procs if p > 1))
    cells = []
    for p in procs:
        if p > 1:
            got = [tlog(f) for f in glob.glob(os.path.join(t, f"tlog.{p}.*"))]
            cells.append(f" {sum(g.get('appendsT', 0) for g in got):.0f} |" if got and all(got) else " failed |")
    print(f"| {kind} | eseal_log_append, 300 bytes | {one.get('appends1', 0):.0f} | {one.get('appendsT', 0):.0f} |"
          + "".join(cells))
    commit_ms = 1000.0 / one["appends1"] if one.get("appends1") else float("nan")
    first = rows.get(procs[0]) or [(float("nan"),) * 5]
    cpu1 = statistics.median(x[4] for x in first)
    per_proc = statistics.median(x[0] for x in first) / procs[0]
    cpu_cap = ncpu * 1000.0 / cpu1
    store_cap = 1000.0 / (3 * commit_ms)
    print()
    print("| store | part | per stamp | ceiling, stamps/s | with 10x the hardware |")
    print("|---|---|---:|---:|---:|")
    print(f"| {kind} | CPU: signing, hashing, time-stamp, PDF update (the servers' CPU per stamp, {procs[0]} server) | "
          f"{cpu1:.1f} ms | {cpu_cap:.0f} ({ncpu} CPUs) | {10 * cpu_cap:.0f} (10x the cores) |")
    print(f"| {kind} | one process, one stamp at a time (the API's lock; the document's and checkpoint file's syncs) | "
          f"{1000.0 / per_proc:.1f} ms | {per_proc:.1f} per process | more processes, not a ceiling |")
    print(f"| {kind} | store: 3 durable commits on the log's writer, serialised across processes (one alone: "
          f"{commit_ms:.2f} ms) | {3 * commit_ms:.2f} ms | {store_cap:.0f} | {store_cap:.0f} (the same: one sequencer; "
          f"a faster commit only) |")
    cap = min(cpu_cap, store_cap)
    cap10 = min(10 * cpu_cap, store_cap)
    print(f"(the ceiling: {cap:.0f} stamps/s, set by {'CPU' if cpu_cap < store_cap else 'the store commits'}, reached with "
          f"about {cap / per_proc:.0f} processes; with 10x the cores {cap10:.0f}, set by "
          f"{'CPU' if 10 * cpu_cap < store_cap else 'the store commits'}, with about {cap10 / per_proc:.0f} processes)")
PY
echo "bench/scale: load at end: $(cat /proc/loadavg)"
