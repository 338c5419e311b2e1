#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The loop of the attack corpus runner (tests/attacks/run.sh): applies every variant of every
class of build.py to every stamped input, verifies each output with `eseal verify --json`, runs
the rendering oracle on each VALID output, prints TAP lines (one per class) and the table, and
writes the table and every result as JSON.

corpus.py --eseal ESEAL --seal ID --out DIR --tap-start N --plant-base NAME=UNSIGNED.pdf ... NAME=STAMPED.pdf ...

Each output is counted once as: INVALID, INDETERMINATE, ERROR (eseal verify exits 3: no report,
"cannot be read safely"; a crash, sanitizer report or timeout is counted here too and fails), VALID with identical renderings, VALID with DIFFERENT renderings (a
failure), or VALID although the class must be refused whatever the renderers show (the issue's
"refuse" classes: a failure too). Variants that do not apply to an input (no DocMDP, no embedded
font, ...) are not counted."""
import argparse
import concurrent.futures
import copy
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
import oracle  # noqa: E402
from pdfedit import Doc  # noqa: E402

# Classes whose every output must come with a report: a malformed signature dictionary is a finding
# about that signature (INVALID, FORMAT_FAILURE), not a file eseal cannot read (exit 3).
MUST_REPORT = {"usf"}

COLS = ["tried", "INVALID", "INDETERMINATE", "ERROR", "VALID-identical", "VALID-DIFFERENT", "VALID-must-refuse"]


def verify(eseal, pdf):
    """(verdict, reason codes): ERROR for exit 3 (no report), CRASH for anything else that is not
    a report (a signal, a sanitizer report, a timeout, output that is not JSON)."""
    try:
        r = subprocess.run([eseal, "verify", pdf, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        return "CRASH", ["eseal verify took more than 120 s"]
    err = r.stderr.decode("utf-8", "replace").strip()
    if "Sanitizer" in err or "runtime error:" in err or r.returncode not in (0, 1, 3):
        return "CRASH", ["exit %d: %s" % (r.returncode, err[:300])]
    if r.returncode == 3:  # --json puts the error on standard output: {"error": {"code", "message"}}
        try:
            e = json.loads(r.stdout)["error"]
            return "ERROR", ["%s: %s" % (e.get("code"), e.get("message", ""))[:200]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return "ERROR", [err[:200]]
    try:
        d = json.loads(r.stdout)
        return d["verdict"], sorted({x["code"] for x in d.get("reasons", [])})
    except (ValueError, KeyError, TypeError):
        return "CRASH", ["exit %d and no JSON report: %s" % (r.returncode, err[:300])]


def run_oracle(pdf):
    rc, lines = oracle.check(pdf)
    return rc, [x for x in lines if not x.startswith("#")]


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--eseal", required=True)
    ap.add_argument("--seal", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tap-start", type=int, default=0)
    ap.add_argument("--plant-base", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=2, help="outputs verified and rendered at once")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    work = os.path.join(a.out, "outputs")
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    inputs = [tuple(x.split("=", 1)) for x in a.inputs]
    parsed = {name: Doc(path) for name, path in inputs}
    table = {cls: dict.fromkeys(COLS, 0) for cls in build.CLASSES}
    results, failures = [], {}
    # The planted classes: plant on each unsigned base, stamp (a.jobs at once), attack.
    planted_inputs = []

    def stamp(pl, st):
        r = subprocess.run([a.eseal, "stamp", pl, "-o", st, "--seal", a.seal], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        return r.returncode, r.stderr.decode("utf-8", "replace")[:200]

    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        stamping = []
        for base in a.plant_base:
            bname, bpath = base.split("=", 1)
            for cls in sorted(build.PLANTED):
                for v in build.CLASSES[cls][1]:
                    pl = os.path.join(work, "plant-%s-%s-%s.pdf" % (bname, cls, v))
                    st = pl[:-4] + "-stamped.pdf"
                    try:
                        d = Doc(bpath)
                        build.plant(d, cls, v)
                        open(pl, "wb").write(d.data)
                    except build.NotApplicable:
                        continue
                    stamping.append((bname, cls, v, st, pool.submit(stamp, pl, st)))
        for bname, cls, v, st, fut in stamping:
            rc, err = fut.result()
            if rc != 0:
                failures.setdefault(cls, []).append("%s/%s on %s: the planted file cannot be stamped: %s"
                                                    % (cls, v, bname, err))
                continue
            planted_inputs.append(("planted-" + bname, st, cls, v))
    jobs = []
    for name, path in inputs:
        for cls, (_, variants) in build.CLASSES.items():
            if cls in build.PLANTED:
                continue
            for v in variants:
                jobs.append((name, path, cls, v, parsed[name]))
    for name, path, cls, v in planted_inputs:
        jobs.append((name, path, cls, v, None))
    def judge(out):
        verdict, codes = verify(a.eseal, out)
        if verdict != "VALID":
            os.unlink(out)  # only the VALID outputs are kept, to look at
            return verdict, codes, None, None
        rc, lines = run_oracle(out)
        return verdict, codes, rc, lines

    pending = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for name, path, cls, v, doc in jobs:
            out = os.path.join(work, "%s--%s--%s.pdf" % (name, cls, v))
            try:
                d = copy.deepcopy(doc) if doc is not None else Doc(path)
                build.CLASSES[cls][0](d, v)
            except build.NotApplicable:
                continue
            except Exception as e:  # a builder bug is a test failure, not a silent skip
                failures.setdefault(cls, []).append("%s/%s on %s: the builder failed: %r" % (cls, v, name, e))
                continue
            open(out, "wb").write(d.data)
            pending.append((name, cls, v, out, pool.submit(judge, out)))
        for name, cls, v, out, fut in pending:
            verdict, codes, rc, lines = fut.result()
            row = table[cls]
            row["tried"] += 1
            res = {"class": cls, "variant": v, "input": name, "file": os.path.relpath(out, a.out), "verdict": verdict,
                   "reasons": codes}
            if verdict == "VALID":
                res["oracle"] = {0: "identical", 1: "DIFFERENT", 2: "could not run"}.get(rc, str(rc))
                res["oracle_says"] = lines[:6]
                if rc == 0 and cls in build.REFUSE:
                    row["VALID-must-refuse"] += 1
                    failures.setdefault(cls, []).append(
                        "%s/%s on %s: VALID, but the class must be refused (renderings identical)" % (cls, v, name))
                elif rc == 0:
                    row["VALID-identical"] += 1
                else:
                    row["VALID-DIFFERENT"] += 1
                    failures.setdefault(cls, []).append("%s/%s on %s: VALID with %s renderings: %s" % (
                        cls, v, name, "different" if rc == 1 else "uncomparable", (lines or ["?"])[0][:220]))
            else:
                row[verdict if verdict in row else "ERROR"] += 1
                if verdict == "ERROR" and cls in MUST_REPORT:
                    failures.setdefault(cls, []).append("%s/%s on %s: no report (exit 3): %s" % (
                        cls, v, name, (codes or ["?"])[0][:200]))
                if verdict == "CRASH":
                    failures.setdefault(cls, []).append("%s/%s on %s: eseal verify crashed: %s" % (cls, v, name, codes[0]))
            results.append(res)
    # TAP: one line per class.
    n = a.tap_start
    bad = 0
    for cls in build.CLASSES:
        n += 1
        row = table[cls]
        if cls in failures:
            bad += 1
            print("not ok %d - attack class %s: %d of %d outputs VALID with a different rendering or must be refused"
                  % (n, cls, row["VALID-DIFFERENT"] + row["VALID-must-refuse"], row["tried"]))
            for f in failures[cls][:12]:
                print("#   " + f)
            if len(failures[cls]) > 12:
                print("#   ... and %d more" % (len(failures[cls]) - 12))
        elif row["tried"] == 0:
            bad += 1
            print("not ok %d - attack class %s: no variant applied to any input" % (n, cls))
        else:
            print("ok %d - attack class %s: %d outputs, none VALID with a different rendering" % (n, cls, row["tried"]))
    total = dict.fromkeys(COLS, 0)
    for row in table.values():
        for k in COLS:
            total[k] += row[k]
    w = max(len(c) for c in build.CLASSES) + 2
    print("# %-*s %s" % (w, "class", " ".join("%*s" % (len(c), c) for c in COLS)))
    for cls, row in list(table.items()) + [("TOTAL", total)]:
        print("# %-*s %s" % (w, cls, " ".join("%*d" % (len(c), row[c]) for c in COLS)))
    elapsed = time.time() - t0
    print("# %d outputs from %d inputs (+%d planted) in %.0f s" % (total["tried"], len(inputs), len(planted_inputs), elapsed))
    summary = {"columns": COLS, "classes": table, "total": total, "inputs": [n for n, _ in inputs],
               "planted_inputs": len(planted_inputs), "seconds": round(elapsed, 1)}
    json.dump(summary, open(os.path.join(a.out, "table.json"), "w"), indent=1)
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)
    # the TAP counters for run.sh: "n bad"
    open(os.path.join(a.out, "tap.count"), "w").write("%d %d\n" % (n - a.tap_start, bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
