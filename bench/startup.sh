#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a start costs (issue 18, docs/performance.md "Start-up"): two eseal binaries side by side
# (e.g. one without the modules of src/util/module.h and one with them) and `openssl version`,
# interleaved in one run: each repetition runs every row once, in turn, so a change of load hits
# them all. A report, not a test: medians of wall and CPU (user+sys) time per row, ratios of
# medians, and the shared libraries each row's process initialised (LD_DEBUG=libs "calling init":
# dlopen'ed ones included; the dynamic loader itself and the vDSO not counted).
#
# Rows: `eseal version`; `eseal verify` of a 1 MB / 63-page file stamped once; `eseal stamp` of it
# through an agent (no key derivation: what a stamp costs once the keys are open). Both binaries
# use one instance made by the first (the same store and keys).
#
# usage: bench/startup.sh ESEAL_A ESEAL_B [N]      (N: repetitions, default 21)
#   e.g. bench/startup.sh /work/main/build/eseal build/eseal 21
# The modules of each binary are found beside it (or set ESEAL_MODULE_DIR for both).
set -u
A=${1:?usage: startup.sh ESEAL_A ESEAL_B [N]}
B=${2:?usage: startup.sh ESEAL_A ESEAL_B [N]}
N=${3:-21}
root=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=startup-bench-1
cleanup() {
    "$A" agent stop >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
echo "bench/startup: load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
"$A" init >/dev/null 2>&1 || { echo "startup: init failed" >&2; exit 1; }
id=$("$A" cert issue --org "Startup Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
seal=$("$A" seal make --cert "$id" --name "Startup Bench" 2>/dev/null)
python3 "$root/tests/resources/mkpdf.py" "$T/in.pdf" 63 --pad 14300
"$A" stamp "$T/in.pdf" -o "$T/s.pdf" --seal "$seal" --page 1 >/dev/null 2>&1 ||
    { echo "startup: the first stamp failed" >&2; exit 1; }
"$A" agent start >/dev/null 2>&1 || { echo "startup: eseal agent start failed" >&2; exit 1; }
unset ESEAL_PASSPHRASE
python3 - "$A" "$B" "$N" "$T" "$seal" <<'PY'
import os, statistics, subprocess, sys, time
a, b, n, t, seal = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = []
for name, exe in (("A", a), ("B", b)):
    rows.append((f"{name} version", [exe, "version"]))
    rows.append((f"{name} verify 1 MB", [exe, "verify", f"{t}/s.pdf"]))
    rows.append((f"{name} stamp 1 MB (agent)", [exe, "stamp", f"{t}/in.pdf", "-o", f"{t}/out-{name}.pdf",
                                                "--seal", seal, "--page", "1", "-q"]))
rows.append(("openssl version", ["openssl", "version"]))
def run(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, err
libs, codes = {}, {}
for label, cmd in rows:
    env = dict(os.environ, LD_DEBUG="libs", LD_DEBUG_OUTPUT=f"{t}/trace")
    for f in os.listdir(t):
        if f.startswith("trace."):
            os.unlink(os.path.join(t, f))
    run(cmd, env)
    seen = set()
    for f in os.listdir(t):
        if f.startswith("trace."):
            for line in open(os.path.join(t, f), errors="replace"):
                if "calling init:" in line:
                    seen.add(line.split("calling init:")[1].strip())
    libs[label] = seen
wall = {l: [] for l, _ in rows}
cpu = {l: [] for l, _ in rows}
for i in range(n):
    for label, cmd in rows:
        w, c, rc, err = run(cmd)
        wall[label].append(w)
        cpu[label].append(c)
        codes.setdefault(label, set()).add(rc)
med = lambda v: statistics.median(v)
print(f"{n} interleaved repetitions; medians; libraries: initialised by the process (LD_DEBUG=libs)")
print(f"{'row':28} {'wall ms':>8} {'CPU ms':>8} {'libs':>5}  exit")
for label, _ in rows:
    print(f"{label:28} {med(wall[label])*1e3:8.1f} {med(cpu[label])*1e3:8.1f} {len(libs[label]):5d}  "
          f"{','.join(map(str, sorted(codes[label])))}")
o = med(wall["openssl version"])
print("ratios of medians (wall):")
for what in ("version", "verify 1 MB", "stamp 1 MB (agent)"):
    wa, wb = med(wall[f"A {what}"]), med(wall[f"B {what}"])
    print(f"  {what:22} B/A {wb/wa:5.2f}   A {wa/o:5.2f}x openssl version   B {wb/o:5.2f}x   "
          f"(A-B {1e3*(wa-wb):+.1f} ms)")
# a module is dlopen'ed as /proc/self/fd/N (src/util/module.c)
heavy = ("libcairo", "libfreetype", "libqrencode", "libcurl", "libmicrohttpd", "eseal-draw", "eseal-http", "/proc/self/fd/")
for label, _ in rows:
    h = sorted(("module " + p) if p.startswith("/proc/") else os.path.basename(p)
               for p in libs[label] if any(k in p for k in heavy))
    print(f"  {label:28} heavy: {' '.join(h) if h else 'none'}")
PY
echo "bench/startup: load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
