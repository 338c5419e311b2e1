#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The 116 MB stamp (133k objects), two eseal builds interleaved in one run, with the agent (keys
# unlocked) and without (one derivation), beside the floor `openssl dgst -sha256` of the same file
# (issue 18; docs/performance.md, "Stamp 116 MB"). Per repetition, in turn: A and B with their
# agent, A and B without, the SHA-256. Each output is removed and `sync` run before each timed
# stamp, not timed (the previous output's write-back is not the next stamp's cost). Prints the
# medians of wall, CPU (user+sys, the agent's included) and peak RSS, and the ratios B/A and to
# the SHA-256; checks that every output verifies VALID.
# Usage: bench/stamp-big-ab.sh A/eseal B/eseal [N]   (RelWithDebInfo builds, modules beside them)
#        BIG=file.pdf to reuse a 116 MB file instead of making one.
set -u
A=$1 B=$2 N=${3:-7}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
unset ESEAL_MODULE_DIR
T=$(mktemp -d)
export ESEAL_PASSPHRASE=bench-pass-1
cleanup() {
    ESEAL_HOME=$T/aa timeout 60 "$A" agent stop >/dev/null 2>&1
    ESEAL_HOME=$T/ba timeout 60 "$B" agent stop >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
echo "bench/stamp-big-ab: load at start: $(cat /proc/loadavg); A=$A B=$B N=$N, $(nproc) CPUs"
if [ -n "${BIG:-}" ]; then
    cp "$BIG" "$T/big.pdf"
else
    python3 "$root/tests/resources/mkpdf.py" "$T/big.pdf" 66500 --blank --pad 1525
fi
# home X E AGENT: initialises $T/X with build E, a P-256 certificate and a seal (SEAL_X); with
# AGENT=1 starts an agent (AGENT_X, its pid).
home() {
    local x=$1 e=$2 h=$T/$1
    ESEAL_HOME=$h "$e" init >/dev/null 2>&1 || { echo "bench/stamp-big-ab: $e init failed" >&2; exit 1; }
    local c
    c=$(ESEAL_HOME=$h "$e" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
    eval "SEAL_$x=\$(ESEAL_HOME=\$h \"\$e\" seal make --cert \"\$c\" --maker p256 --name \"Bench seal\" --text \"示例贸易有限公司\")"
    eval "AGENT_$x="
    if [ "$3" = 1 ]; then
        ESEAL_HOME=$h timeout 60 "$e" agent start >/dev/null 2>"$T/err" ||
            { echo "bench/stamp-big-ab: agent start: $(head -1 "$T/err")" >&2; exit 1; }
        eval "AGENT_$x=\$(ss -xlpn 2>/dev/null | grep \"\$h/\" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
    fi
}
home aa "$A" 1
home ba "$B" 1
home an "$A" 0
home bn "$B" 0
mkdir "$T/r"
run() { # run KEY AGENT_PID CMD...: appends "wall cpu maxrss exit agent_cpu" to $T/r/KEY (bench/measure.py)
    local key=$1 pid=$2
    shift 2
    EXTRA_PID=$pid python3 "$here/measure.py" "$@" >>"$T/r/$key"
}
st() { # st KEY E HOME SEAL AGENT_PID [env...]: one timed stamp into $T/KEY.pdf
    local key=$1 e=$2 h=$3 s=$4 pid=$5
    rm -f "$T/$key.pdf" && sync
    if [ -n "$pid" ]; then
        run "$key" "$pid" env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/$h" "$e" stamp "$T/big.pdf" -o "$T/$key.pdf" --seal "$s" --page 1 --at 20,20
    else
        run "$key" "" env ESEAL_HOME="$T/$h" "$e" stamp "$T/big.pdf" -o "$T/$key.pdf" --seal "$s" --page 1 --at 20,20
    fi
}
for i in $(seq "$N"); do
    st a_agent "$A" aa "$SEAL_aa" "$AGENT_aa"
    st b_agent "$B" ba "$SEAL_ba" "$AGENT_ba"
    st a_noagent "$A" an "$SEAL_an" ""
    st b_noagent "$B" bn "$SEAL_bn" ""
    run sha "" openssl dgst -sha256 "$T/big.pdf"
done
for k in a_agent b_agent a_noagent b_noagent; do
    h=$(echo "$k" | sed 's/^\(.\)_\(.\).*/\1\2/') # a_agent -> aa, b_noagent -> bn
    e=$([ "${k%%_*}" = a ] && echo "$A" || echo "$B")
    v=$(ESEAL_HOME=$T/$h "$e" verify "$T/$k.pdf" 2>&1 | head -1)
    echo "bench/stamp-big-ab: $k output: $v"
done
echo "bench/stamp-big-ab: load at end: $(cat /proc/loadavg)"
python3 - "$T/r" <<'PY'
import statistics, sys
d = sys.argv[1]
def med(k, i):
    rows = [l.split() for l in open("%s/%s" % (d, k))]
    bad = [r for r in rows if r[3] != "0"]
    if bad:
        print("%s: %d runs failed" % (k, len(bad)))
    return statistics.median(float(r[i]) for r in rows)
sha = med("sha", 0)
print("%-22s %9s %9s %9s %8s" % ("row", "wall s", "cpu s", "rss MiB", "x sha"))
for k in ("a_agent", "b_agent", "a_noagent", "b_noagent"):
    print("%-22s %9.3f %9.3f %9.1f %8.2f" % (k, med(k, 0), med(k, 1), med(k, 2) / 1024, med(k, 0) / sha))
print("%-22s %9.3f" % ("sha256 (openssl)", sha))
for m in ("agent", "noagent"):
    print("B/A %-8s wall %.2f  cpu %.2f" % (m, med("b_" + m, 0) / med("a_" + m, 0), med("b_" + m, 1) / med("a_" + m, 1)))
print("target: wall <= 1.5 x sha + 0.050 = %.3f s" % (1.5 * sha + 0.05))
PY
