#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make test-clone: the test suite on a clone of the project alone (issue #14 §1). Clones the
# committed HEAD into an empty temporary folder (no ../shared beside it, no ESEAL_TESTDATA),
# configures and builds what the tests below need, and checks that
#   1. CMake finds no vectors, and refuses to go on without them under ESEAL_REQUIRE_TESTDATA=1;
#   2. every test that reads third-party vectors (its script or source uses tests/lib/vectors.sh,
#      tests/unit/test_vectors.h, $ESEAL_TESTDATA or a shared/testdata path, or it needs a fixture
#      of such a test) is labelled `vectors`;
#   3. ctest -L vectors (plus a few others) passes there: no test fails, each vectors test is
#      either skipped (exit 77) or passes saying what it skipped (a TAP "# SKIP" line, a cmocka
#      "[  SKIPPED ]" line; the fuzz replays only lose their third-party seeds);
#   4. a vectors test fails, not skips, under ESEAL_REQUIRE_TESTDATA=1.
# The whole suite is not run a second time (make test does that, ~5 min); this takes ~2-3 min.
# Ends with one line "clone-test: ok (...)" or "clone-test: FAILED (...)".
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
others='^(headertest|checksrc|unit_util)$'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "clone-test: FAILED ($*)"
    exit 1
}

git -C "$src" diff --quiet HEAD 2>/dev/null || echo "clone-test: note: uncommitted changes are not in the clone"
git clone -q "$src" "$tmp/p" || fail "git clone $src"
[ ! -e "$tmp/shared" ] || fail "$tmp/shared exists"
cd "$tmp/p" || fail "cd"
unset ESEAL_TESTDATA ESEAL_REQUIRE_TESTDATA

# 1. configure: no vectors, and none is an error when they are required.
# Debug: -O0 compiles in about half the time, and what is checked here is not speed.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DESEAL_BUILD_BENCH=OFF >"$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log"; fail "cmake"; }
grep -q "Test vectors: none" "$tmp/cmake.log" || fail "CMake found vectors in a clone alone: $(grep 'Test vectors' "$tmp/cmake.log")"
if ESEAL_REQUIRE_TESTDATA=1 cmake -S . -B build-required >"$tmp/cmake2.log" 2>&1; then
    fail "cmake accepted ESEAL_REQUIRE_TESTDATA=1 without vectors"
fi
grep -q "ESEAL_REQUIRE_TESTDATA=1 but there are no test vectors" "$tmp/cmake2.log" || fail "no reason given for the refusal"
rm -rf build-required
echo "clone-test: configured without vectors; ESEAL_REQUIRE_TESTDATA=1 refuses to configure"

# 2. every vector-reading test is labelled `vectors`; the targets the selected tests need.
(cd build && ctest --show-only=json-v1) >"$tmp/tests.json" || fail "ctest --show-only"
cmake --build build --target help >"$tmp/targets" 2>/dev/null || fail "the list of targets"
python3 - "$tmp/tests.json" "$PWD" "$PWD/build" "$tmp/targets" "$others" >"$tmp/plan" <<'PY' || fail "labels (above)"
import json, os, re, sys
tests = json.load(open(sys.argv[1]))["tests"]
root, build, others = sys.argv[2], sys.argv[3], re.compile(sys.argv[5])
targets = set(re.findall(r"^\.\.\. (\S+)", open(sys.argv[4]).read(), re.M))
# The helpers, and what reading vectors without them looks like (outside comments).
use = re.compile(r"vectors\.sh|test_vectors\.h|ESEAL_TESTDATA|shared/testdata|'shared', 'testdata'")

def reads_vectors(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return False
    c = path.endswith((".c", ".h"))
    for line in text.splitlines():
        s = line.strip()
        if (c and s.startswith(("/*", "*", "//"))) or (not c and s.startswith("#")):
            continue
        if use.search(line):
            return True
    return False

# Sources of the test executables: eseal_unit_test(NAME SRC) lines, fuzz/NAME.c, tools/NAME.c.
cm = open(os.path.join(root, "tests", "CMakeLists.txt")).read()
src = {n: os.path.join(root, "tests", s) for n, s in re.findall(r"eseal_unit_test\((\w+)\s+(\S+?)\)", cm)}
def sources(arg):
    b = os.path.basename(arg)
    for p in (src.get(b), os.path.join(root, "fuzz", b + ".c"), os.path.join(root, "tests", "tools", b + ".c")):
        if p and os.path.exists(p):
            yield p
    # A script of the project is read; a data file given to a test (README.md for the
    # walkthrough) is not: what it says about the vectors is prose, not a use.
    if arg.startswith(root) and not arg.startswith(build) and os.path.isfile(arg) and \
            arg.endswith((".sh", ".py", ".c", ".h")):
        yield arg

def prop(t, name, default=None):
    for p in t.get("properties", []):
        if p["name"] == name:
            return p["value"]
    return default

# Before the build ctest cannot name an executable that does not exist yet: take the target of
# the same name (unit tests) or fuzz_X's X_fuzzer.
def command(t):
    if t.get("command"):
        return t["command"]
    n = t["name"]
    cands = [n]
    if n.startswith("fuzz_"):  # fuzz_X runs X_fuzzer; fuzz_X_part (another corpus) too
        h = n[5:]
        while h:
            cands.append(h + "_fuzzer")
            h = h.rpartition("_")[0]
    for c in cands:
        if c in targets:
            return [os.path.join(build, "tests", c)]
    sys.exit("clone-test: no command nor target for test %s" % n)

users, setups = set(), {}
for t in tests:
    cmd = t["command"] = command(t)
    if any(use.search(a) for a in cmd[1:] if not os.path.isfile(a)) or \
            any(reads_vectors(p) for a in cmd for p in sources(a)):
        users.add(t["name"])
    for f in prop(t, "FIXTURES_SETUP", []):
        setups[f] = t["name"]
for t in tests:
    if any(setups.get(f) in users for f in prop(t, "FIXTURES_REQUIRED", [])):
        users.add(t["name"])
labelled = {t["name"] for t in tests if "vectors" in prop(t, "LABELS", [])}
bad = sorted(users - labelled)
for n in bad:
    print("clone-test: %s reads the third-party vectors but is not labelled `vectors` "
          "(eseal_vectors(%s) in tests/CMakeLists.txt)" % (n, n), file=sys.stderr)
if bad or not labelled:
    sys.exit(1)
print("clone-test: %d tests read vectors, all labelled `vectors`" % len(users), file=sys.stderr)
# What to build: the executables of the selected tests and the programs they are given.
chosen = [t for t in tests if t["name"] in labelled or others.match(t["name"])]
need = {"eseal"}
for t in chosen:
    for a in t.get("command", []):
        if a.startswith(build) and os.path.basename(a) in targets:
            need.add(os.path.basename(a))
print(" ".join(sorted(need)))
PY
echo "clone-test: building $(wc -w <"$tmp/plan") targets"
# shellcheck disable=SC2046
cmake --build build -j"$jobs" $(sed 's/[^ ][^ ]*/--target &/g' "$tmp/plan") >"$tmp/build.log" 2>&1 ||
    { tail -30 "$tmp/build.log"; fail "build"; }

# 3. the vectors tests and a few others: nothing fails; every vectors test says it skipped.
(cd build && ctest -j2 -V -L vectors) >"$tmp/ctest.log" 2>&1
rc=$?
(cd build && ctest -j2 --output-on-failure -R "$others") >"$tmp/ctest2.log" 2>&1 || rc=1
python3 - "$tmp/ctest.log" "$tmp/tests.json" <<'PY' || { tail -60 "$tmp/ctest.log"; fail "the vectors tests (above)"; }
import json, re, sys
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
tests = json.load(open(sys.argv[2]))["tests"]
names = {}
for num, name in re.findall(r"^\s*\d+/\d+ Test\s+#(\d+): (\S+) \.", log, re.M):
    names[num] = name
status = dict(re.findall(r"Test\s+#\d+: (\S+) \.+\s*\**\s*(Passed|Skipped|Failed|Not Run|Timeout|Exception)", log))
out = {}
for num, text in re.findall(r"^(\d+): (.*)$", log, re.M):
    out.setdefault(names.get(num, num), []).append(text)
labelled = [t["name"] for t in tests if any(p["name"] == "LABELS" and "vectors" in p["value"] for p in t.get("properties", []))]
bad = []
for n in labelled:
    st = status.get(n)
    said = any("# SKIP" in l or "[  SKIPPED ]" in l for l in out.get(n, []))
    if st == "Skipped":
        if not any("SKIP" in l and "SOURCES.md" in l for l in out.get(n, [])):
            bad.append("%s skipped without the one line naming SOURCES.md" % n)
    elif st == "Passed":
        if not said and not n.startswith("fuzz_"):
            bad.append("%s passed without reporting what it skipped" % n)
    else:
        bad.append("%s: %s" % (n, st))
for b in bad:
    print("clone-test: " + b, file=sys.stderr)
sk = sorted(n for n in labelled if status.get(n) == "Skipped")
ps = sorted(n for n in labelled if status.get(n) == "Passed")
print("clone-test: skipped (exit 77): %s" % " ".join(sk))
print("clone-test: passed, their vector parts skipped: %s" % " ".join(ps))
sys.exit(1 if bad else 0)
PY
[ "$rc" -eq 0 ] || { cat "$tmp/ctest2.log" | tail -30; fail "ctest reported failures"; }
grep -h -E "tests passed, " "$tmp/ctest.log" "$tmp/ctest2.log" | sed 's/^/clone-test: ctest: /'

# 4. with ESEAL_REQUIRE_TESTDATA=1 a missing set is a failure, not a skip (CI's guarantee).
if (cd build && ESEAL_REQUIRE_TESTDATA=1 ctest -R '^(interop_ofd_samples|unit_witness)$') >"$tmp/req.log" 2>&1; then
    fail "ESEAL_REQUIRE_TESTDATA=1: the vectors tests passed without vectors"
fi
[ "$(grep -c 'Failed' "$tmp/req.log")" -ge 2 ] || { cat "$tmp/req.log"; fail "ESEAL_REQUIRE_TESTDATA=1 did not fail both"; }
echo "clone-test: ok (a clone alone: no failure, the vectors tests skipped and labelled; required vectors fail)"
