#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal agent (issue #18): the CPU a command pays with the keys unlocked by a running agent against
# the same command given the passphrase (one scrypt derivation since the instance KEK), interleaved
# in one run on one instance; medians of user+system CPU of the child (getrusage), and the ratio.
# A report, never an assertion: timings on a shared machine are noisy, read the ratios.
#
#   bench/agent.sh ./build/eseal [RUNS]     (default 15 runs of each command in each mode)
#
# Commands: `sign` (a detached CMS of a small file: one key) and `stamp` (a one-page PDF, B-B: the
# signer's key, the TSA and log keys for the audit entry). Also `eseal version` as the floor of
# process start.
set -u
E=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
RUNS=${2:-15}
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
export ESEAL_HOME=$T/home
PASS=bench-agent-pass-1
cleanup() { "$E" agent stop >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
export ESEAL_PASSPHRASE=$PASS
"$E" init >/dev/null 2>&1 || { echo "agent bench: init failed" >&2; exit 1; }
id=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>/dev/null)
seal=$("$E" seal make --cert "$id" --type contract --name "Bench Seal" 2>/dev/null)
python3 "$here/../tests/resources/mkpdf.py" "$T/in.pdf" 1
printf 'bench\n' >"$T/doc.txt"
"$E" agent start --timeout 0 >/dev/null 2>&1 || { echo "agent bench: agent start failed" >&2; exit 1; }

python3 - "$E" "$RUNS" "$T" "$id" "$seal" "$PASS" <<'PYEOF'
import os, resource, statistics, subprocess, sys

eseal, runs, t, cid, seal, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]

def cpu(args, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([eseal] + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, start_new_session=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit("agent bench: %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

agent_env = {k: v for k, v in os.environ.items() if k != "ESEAL_PASSPHRASE"}
# Agent mode: no passphrase anywhere, the agent runs. Passphrase mode: ESEAL_PASSPHRASE, with the
# agent stopped for that round (a running agent would be used first) and started again after it.
cmds = {
    "sign": lambda i: ["sign", t + "/doc.txt", "--cert", cid, "-o", "%s/doc-%d.p7s" % (t, i)],
    "stamp": lambda i: ["stamp", t + "/in.pdf", "-o", "%s/out-%d.pdf" % (t, i), "--seal", seal,
                        "--page", "1", "--at", "100,100"],
    "version": lambda i: ["version"],
}
res = {(c, m): [] for c in cmds for m in ("agent", "passphrase")}
pass_env = dict(os.environ, ESEAL_PASSPHRASE=pw)
for i in range(runs):
    # agent round (the agent runs), then a passphrase round (stopped, restarted after)
    for c, f in cmds.items():
        res[(c, "agent")].append(cpu(f(2 * i), agent_env))
    subprocess.run([eseal, "agent", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for c, f in cmds.items():
        res[(c, "passphrase")].append(cpu(f(2 * i + 1), pass_env))
    subprocess.run([eseal, "agent", "start", "--timeout", "0"], env=pass_env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, start_new_session=True)
load = open("/proc/loadavg").read().split()[:3]
print("eseal agent: CPU per command (user+sys, median of %d interleaved runs), load %s" % (runs, " ".join(load)))
print("%-8s %12s %14s %8s" % ("command", "agent ms", "passphrase ms", "ratio"))
for c in cmds:
    a = statistics.median(res[(c, "agent")]) * 1000
    p = statistics.median(res[(c, "passphrase")]) * 1000
    print("%-8s %12.1f %14.1f %7.2fx" % (c, a, p, a / p if p > 0 else float("nan")))
PYEOF
