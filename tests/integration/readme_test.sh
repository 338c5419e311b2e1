#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's walkthrough, run as written: usage readme_test.sh ESEAL README.md
#
# Every shell block of the "## Walkthrough" section of README.md is run, in order, in one
# bash process whose working directory is an empty temporary folder (so are $HOME and the
# instance home the README exports), with the eseal under test first on PATH:
#   ```sh blocks        run as they are, under set -e: any failing command fails the test;
#   ```console blocks   (and plain ``` blocks) only their "$ " lines are run, one by one
#                       ("> " lines continue a command that ends with a backslash); the
#                       other lines are the output the README shows, which is not compared
#                       (other work changes wording), except:
#     - "$ echo $?" followed by a line N: the command before must exit with N (without
#       that, every command must exit 0);
#     - a shown "verdict: WORD" line: the command's output must have the same line.
# So a README that drifts from the program fails here; see the README's Walkthrough.
# README_TEST_LOG=FILE appends every console command's output to FILE (to refresh the
# outputs the README shows).
set -u
ESEAL=$1
README=$2
. "$(dirname "$0")/../lib/tap.sh"

case $ESEAL in /*) ;; *) ESEAL=$PWD/$ESEAL ;; esac
[ -x "$ESEAL" ] || { echo "not ok 1 - no eseal binary at $ESEAL"; exit 1; }
[ -r "$README" ] || { echo "not ok 1 - no README at $README"; exit 1; }

# The walkthrough's blocks -> a bash script that reports in TAP.
python3 - "$README" >"$T/walk.sh" <<'PYEOF' || { echo "not ok 1 - could not extract the walkthrough"; exit 1; }
import re, sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next((i for i, l in enumerate(lines) if l.strip() == "## Walkthrough"), None)
if start is None:
    sys.exit("README.md has no '## Walkthrough' section")
end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))

def q(s):
    return "'" + s.replace("'", "'\\''") + "'"

out = [r'''
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
    n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$OUT"; exit 1
}
block=
# A server the walkthrough started in the background (`eseal serve ... &`) does not outlive a failure.
trap 'rc=$?; kill $(jobs -p) 2>/dev/null; if [ -n "$block" ]; then n=$((n + 1)); echo "not ok $n - README.md:$block: a command of this sh block exited $rc"; sed "s/^/# /" "$OUT"; fi' EXIT
# check LINE EXPECTED-EXIT VERDICT-OR-EMPTY TEXT
check() {
    if [ -n "${README_TEST_LOG:-}" ]; then
        { echo "### README.md:$1: $4 (exit $RC)"; cat "$OUT"; } >>"$README_TEST_LOG"
    fi
    if [ "$RC" -ne "$2" ]; then
        fail "README.md:$1: exit $RC, the README expects $2: $4"
    fi
    if [ -n "$3" ] && ! grep -qx "verdict: $3" "$OUT"; then
        fail "README.md:$1: no 'verdict: $3' line in the output: $4"
    fi
    ok "README.md:$1: $4"
}
''']
ncmd = 0
i = start
while i < end:
    m = re.match(r"^```\s*(\w*)\s*$", lines[i])
    if not m:
        i += 1
        continue
    lang, first = m.group(1), i + 1
    j = first
    while j < end and lines[j].strip() != "```":
        j += 1
    body = lines[first:j]
    i = j + 1
    if lang == "sh":
        out.append("block=%d\nset -e\n{\n%s\n} >\"$OUT\" 2>&1\nset +e\nblock=\nok %s"
                   % (first, "\n".join(body), q("README.md:%d: sh block" % first)))
        ncmd += 1
    elif lang in ("console", ""):
        cmds = []  # [line, text, expected exit, verdict]
        k = 0
        while k < len(body):
            l = body[k]
            if l.startswith("$ "):
                text, at = l[2:], first + k
                while text.endswith("\\") and k + 1 < len(body) and body[k + 1].startswith("> "):
                    k += 1
                    text += "\n" + body[k][2:]
                if text.strip() == "echo $?" and cmds and k + 1 < len(body) \
                        and re.fullmatch(r"\d+", body[k + 1].strip()):
                    cmds[-1][2] = int(body[k + 1].strip())
                    k += 2
                    continue
                cmds.append([at, text, 0, ""])
            elif cmds:
                v = re.fullmatch(r"verdict: (VALID|INVALID|INDETERMINATE)", l.strip())
                if v and not cmds[-1][3]:
                    cmds[-1][3] = v.group(1)
            k += 1
        for at, text, code, verdict in cmds:
            out.append("{\n%s\n} >\"$OUT\" 2>&1\nRC=$?\ncheck %d %d %s %s"
                       % (text, at, code, q(verdict), q(text.split("\n")[0])))
            ncmd += 1
if ncmd < 10:
    sys.exit("only %d commands found in the walkthrough" % ncmd)
out.append('echo "$n passed, 0 failed (README walkthrough)"')
print("\n".join(out))
PYEOF

mkdir "$T/work" "$T/home"
cd "$T/work" || exit 1
env -u ESEAL_HOME -u ESEAL_PASSPHRASE -u ESEAL_WITNESS_HOME -u XDG_DATA_HOME \
    README_TEST_LOG="${README_TEST_LOG:-}" HOME="$T/home" PATH="$(dirname "$ESEAL"):$PATH" OUT="$T/out" \
    bash "$T/walk.sh"
rc=$?
cd / && exit $rc
