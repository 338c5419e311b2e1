#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A 1 MB stamp with the agent (keys unlocked), two eseal builds against podofosign, interleaved in
# one run (issue 18; docs/performance.md, "A stamp without the drawing module"). Each build gets its
# own home (initialised, a P-256 certificate and a seal made by that build, an agent started); per
# repetition, in turn: A's stamp, B's stamp, B's stamp of a seal whose row has no stored outline (a
# seal made before B: drawn through the module, as A does), podofosign of the same file. CPU is
# user+sys of the command and of the agent meanwhile (/proc/PID/stat), as bench/pdf.sh counts it.
# Prints medians, the ratios to podofosign and between the rows, and the libraries each row's
# process initialised (LD_DEBUG=libs, dlopen'ed modules included).
# Usage: bench/stamp-agent.sh A/eseal B/eseal [N]   (RelWithDebInfo builds, modules beside them)
set -u
A=$1 B=$2 N=${3:-21}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
for tool in podofosign openssl python3; do
    command -v $tool >/dev/null || { echo "bench/stamp-agent: $tool is missing (scripts/deps.sh)" >&2; exit 2; }
done
unset ESEAL_MODULE_DIR # each build finds its own modules beside it
T=$(mktemp -d)
export ESEAL_PASSPHRASE=bench-pass-1
cleanup() {
    for x in a b; do ESEAL_HOME=$T/$x timeout 60 "$([ $x = a ] && echo "$A" || echo "$B")" agent stop >/dev/null 2>&1; done
    rm -rf "$T"
}
trap cleanup EXIT
echo "bench/stamp-agent: load at start: $(cat /proc/loadavg); A=$A B=$B N=$N, $(nproc) CPUs"
python3 "$root/tests/resources/mkpdf.py" "$T/in.pdf" 63 --pad 14300

# home X E: initialises $T/X with build E, a P-256 certificate and seal; SEAL_X, AGENT_X set.
home() {
    local x=$1 e=$2 h=$T/$1
    ESEAL_HOME=$h "$e" init >/dev/null 2>&1 || { echo "bench/stamp-agent: $e init failed" >&2; exit 1; }
    local c
    c=$(ESEAL_HOME=$h "$e" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
    eval "SEAL_$x=\$(ESEAL_HOME=\$h \"\$e\" seal make --cert \"\$c\" --maker p256 --name \"Bench seal\" --text \"示例贸易有限公司\")"
    eval "SEAL2_$x=\$(ESEAL_HOME=\$h \"\$e\" seal make --cert \"\$c\" --maker p256 --name \"Bench seal 2\" --text \"示例贸易有限公司\")"
    if [ "$x" = a ]; then
        ESEAL_HOME=$h "$e" cert show "$c" -o "$T/cert.pem" >/dev/null
        openssl pkey -in "$h/keys/$c.key" -passin "pass:$ESEAL_PASSPHRASE" -out "$T/key.pem" 2>/dev/null ||
            { echo "bench/stamp-agent: cannot read the key with openssl" >&2; exit 1; }
    fi
    ESEAL_HOME=$h timeout 60 "$e" agent start >/dev/null 2>"$T/err" ||
        { echo "bench/stamp-agent: agent start: $(head -1 "$T/err")" >&2; exit 1; }
    local pid
    pid=$(ss -xlpn 2>/dev/null | grep "$h" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    eval "AGENT_$x=\$pid"
}
home a "$A"
home b "$B"
# B's second seal as a seal made before B: its description without the stored outline.
python3 - "$T/b/eseal.db" "$SEAL2_b" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
js = c.execute("SELECT imprint FROM seals WHERE esid = ?", (sys.argv[2],)).fetchone()[0]
d = json.loads(js)
d.pop("outline", None)
c.execute("UPDATE seals SET imprint = ? WHERE esid = ?", (json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False), sys.argv[2]))
c.commit()
PY
mkdir "$T/r"
run() { # run KEY AGENT_PID CMD...: appends "wall cpu maxrss exit agent_cpu" to $T/r/KEY (bench/measure.py)
    local key=$1 pid=$2
    shift 2
    EXTRA_PID=$pid python3 "$here/measure.py" "$@" >>"$T/r/$key"
}
st() { # st X E SEAL OUT
    env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/$1" "$2" stamp "$T/in.pdf" -o "$4" --seal "$3" --page 1 --at 20,20
}
libs() { # libs KEY CMD...: libraries the process initialised
    local key=$1
    shift
    rm -f "$T/tr".*
    LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/tr "$@" >/dev/null 2>&1
    cat "$T/tr".* | sed -n 's/.*calling init: //p' | sort -u >"$T/$key.libs"
}
for i in $(seq "$N"); do
    rm -f "$T"/o*.pdf
    run a "$AGENT_a" env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/a" "$A" stamp "$T/in.pdf" -o "$T/o1.pdf" --seal "$SEAL_a" --page 1 --at 20,20
    run b "$AGENT_b" env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/b" "$B" stamp "$T/in.pdf" -o "$T/o2.pdf" --seal "$SEAL_b" --page 1 --at 20,20
    run b_old "$AGENT_b" env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/b" "$B" stamp "$T/in.pdf" -o "$T/o3.pdf" --seal "$SEAL2_b" --page 1 --at 20,20
    run p "" podofosign -in "$T/in.pdf" -out "$T/o4.pdf" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 \
        -sigsize 4096 -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed
done
ESEAL_HOME=$T/a "$A" verify "$T/o1.pdf" >/dev/null 2>&1 || echo "bench/stamp-agent: A's output does not verify VALID" >&2
for f in o2 o3; do
    ESEAL_HOME=$T/b "$B" verify "$T/$f.pdf" >/dev/null 2>&1 || echo "bench/stamp-agent: B's $f.pdf does not verify VALID" >&2
done
rm -f "$T"/o*.pdf
libs a env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/a" "$A" stamp "$T/in.pdf" -o "$T/o1.pdf" --seal "$SEAL_a" --page 1 --at 20,20
libs b env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/b" "$B" stamp "$T/in.pdf" -o "$T/o2.pdf" --seal "$SEAL_b" --page 1 --at 20,20
libs b_old env -u ESEAL_PASSPHRASE ESEAL_HOME="$T/b" "$B" stamp "$T/in.pdf" -o "$T/o3.pdf" --seal "$SEAL2_b" --page 1 --at 20,20
libs p podofosign -in "$T/in.pdf" -out "$T/o4.pdf" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 \
    -sigsize 4096 -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed
echo "bench/stamp-agent: load at end: $(cat /proc/loadavg)"
python3 - "$T" <<'PY'
import statistics, sys
t = sys.argv[1]
def col(k, i):
    rows = [l.split() for l in open("%s/r/%s" % (t, k))]
    bad = [r for r in rows if r[3] != "0"]
    if bad:
        print("  %s: %d runs failed" % (k, len(bad)))
    return statistics.median(float(r[i]) for r in rows)
names = {"a": "A (parent), seal of A", "b": "B, seal with a stored outline", "b_old": "B, seal without (drawn)",
         "p": "podofosign"}
def cpu_of(k):  # the command's median CPU + the mean of the agent's (measure.py: its ticks are 10 ms)
    rows = [l.split() for l in open("%s/r/%s" % (t, k))]
    extra = [float(r[4]) if len(r) > 4 else 0.0 for r in rows]
    return statistics.median(float(r[1]) - e for r, e in zip(rows, extra)) + statistics.mean(extra)
cpu = {k: cpu_of(k) for k in names}
wall = {k: col(k, 0) for k in names}
nlib = {k: sum(1 for _ in open("%s/%s.libs" % (t, k))) for k in names}
print("| row | CPU ms (median) | x podofosign | wall ms | libraries |")
print("|---|---:|---:|---:|---:|")
for k, n in names.items():
    print("| %s | %.1f | %.2fx | %.1f | %d |" % (n, cpu[k] * 1e3, cpu[k] / cpu["p"], wall[k] * 1e3, nlib[k]))
print("B / A CPU: %.2fx; B with / without a stored outline: %.2fx" % (cpu["b"] / cpu["a"], cpu["b"] / cpu["b_old"]))
PY
