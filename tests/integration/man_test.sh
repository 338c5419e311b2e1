#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# eseal help and eseal(1) agree: usage man_test.sh ESEAL docs/man/eseal.1
#   - every command of `eseal help` has a SYNOPSIS entry (.SY) and a section (.SS "eseal CMD ...")
#     under COMMANDS, and every command named there is one `eseal help` lists;
#   - every subcommand in the usage of `eseal help CMD` is named in a section of that command,
#     and every subcommand a section names is one the usage lists;
#   - every option in the usage or the option list of `eseal help CMD` appears in that
#     command's sections or under GLOBAL OPTIONS.
set -u
ESEAL=$1
MAN=$2
python3 - "$ESEAL" "$MAN" <<'PYEOF'
import os, re, subprocess, sys

eseal, man_path = sys.argv[1], sys.argv[2]
n = bad = 0

def ok(cond, what):
    global n, bad
    n += 1
    if not cond:
        bad += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))

def plain(s):
    """roff text -> plain text: escapes of dashes and fonts removed."""
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "").replace("\\|", "")
    s = re.sub(r"\\f[BIRP]", "", s)
    s = re.sub(r"\\f\(..", "", s)
    return s

def help_of(*args):
    r = subprocess.run([eseal, "help", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ok(r.returncode == 0, "eseal help %s exits 0" % " ".join(args))
    return r.stdout.decode("utf-8", "replace")

overview = help_of()
m = re.search(r"^Commands:\n((?:  \S.*\n)+)", overview, re.M)
commands = [l.split()[0] for l in m.group(1).splitlines()] if m else []
ok(len(commands) >= 10, "eseal help lists the commands (%d)" % len(commands))

man = [plain(l) for l in open(man_path, encoding="utf-8").read().split("\n")]
# Sections: (.SH name, .SS heading or None, text lines).
sections, cur_sh, cur_ss, buf = [], None, None, []
for l in man:
    if l.startswith(".SH ") or l.startswith(".SS "):
        sections.append((cur_sh, cur_ss, buf))
        buf = []
        if l.startswith(".SH "):
            cur_sh, cur_ss = l[4:].strip().strip('"'), None
        else:
            cur_ss = l[4:].strip().strip('"')
    else:
        buf.append(l)
sections.append((cur_sh, cur_ss, buf))
synopsis = []
in_syn = False
for l in man:
    if l.startswith(".SH "):
        in_syn = l[4:].strip() == "SYNOPSIS"
    elif in_syn and l.startswith(".SY "):
        synopsis.append(l[4:].strip().strip('"'))
cmd_sections = {}
for sh, ss, text in sections:
    if sh == "COMMANDS" and ss and ss.startswith("eseal "):
        cmd_sections.setdefault(ss.split()[1], []).append((ss, "\n".join(text)))
global_text = "\n".join("\n".join(t) for sh, ss, t in sections if sh == "GLOBAL OPTIONS")

WORD = re.compile(r"^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$")

def subcommands(cmd, lines):
    """Subcommand words in usage lines: 'eseal CMD sub ...', 'a|b|c ID', '... | sub ...'."""
    found = []
    for line in lines:
        s = line.strip()
        if s.startswith("Usage:"):
            s = s[6:].strip()
        if not s.startswith("eseal %s" % cmd):
            continue
        for k, seg in enumerate(re.split(r"\s\|\s", s)):
            toks = seg.split()
            if toks[:2] == ["eseal", cmd]:
                toks = toks[2:]
            elif toks[:1] == ["eseal"]:
                continue
            if toks and WORD.match(toks[0]):
                found += toks[0].split("|")
    return found

def options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", text))

for cmd in commands:
    ok(any(s == "eseal %s" % cmd or s.startswith("eseal %s " % cmd) for s in synopsis),
       "SYNOPSIS has eseal %s" % cmd)
    ok(cmd in cmd_sections, "COMMANDS has a section for eseal %s" % cmd)
for name in sorted(set(s.split()[1] for s in synopsis if len(s.split()) > 1)):
    ok(name in commands, "SYNOPSIS command eseal %s is in eseal help" % name)
for name in sorted(cmd_sections):
    ok(name in commands, "COMMANDS section of eseal %s is a command of eseal help" % name)

for cmd in commands:
    if cmd in ("help", "version") or cmd not in cmd_sections:
        continue
    help_text = help_of(cmd)
    usage = help_text.split("\n\n")[0].split("\n")
    subs = list(dict.fromkeys(subcommands(cmd, usage)))
    headings = [h for h, _ in cmd_sections[cmd]]
    man_subs = set(subcommands(cmd, headings))
    for sub in subs:
        ok(sub in man_subs, "eseal %s %s has a section in eseal(1)" % (cmd, sub))
    if subs:
        for sub in sorted(man_subs - set(subs)):
            ok(False, "eseal(1) section of eseal %s %s: not a subcommand in eseal help %s" % (cmd, sub, cmd))
    # Options: the usage block, and the option list lines ("  --opt ...", "  -x, --opt").
    listed = "\n".join(usage + [l for l in help_text.split("\n") if re.match(r"^  +-", l)])
    ctx = "\n".join(h + "\n" + t for h, t in cmd_sections[cmd]) + "\n" + global_text
    documented = options(ctx)
    for opt in sorted(options(listed)):
        ok(opt in documented, "eseal %s %s is in eseal(1)" % (cmd, opt))

print("%d passed, %d failed (man_test)" % (n - bad, bad))
sys.exit(1 if bad else 0)
PYEOF
