#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CLI habits users of openssl, gpg and git expect (issue #14 §3): --json everywhere or refused,
# JSON errors, attached and bundled short options, --quiet, passphrase sources (--pass-fd,
# --pass-file -, a symlinked pass file, a mode warning, 3 tries at a terminal), eseal passwd, a
# default home outside the current directory, error messages that name the real cause, and one
# vocabulary (levels, serials, algorithm names, stderr for confirmations).
# Usage: cli_habits_test.sh /path/to/eseal
set -u
E=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
R=$(cd "$(dirname "$0")/../resources" && pwd)
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
unset ESEAL_PASSPHRASE ESEAL_HOME XDG_DATA_HOME || true
PASS=habits-pass-1
export ESEAL_HOME=$T/home
hasnt() { # hasnt FILE PATTERN DESCRIPTION
    if grep -q -- "$2" "$1"; then
        notok "$3 (found '$2')"
        sed 's/^/#   /' "$1" | head -20
    else ok "$3"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# json_error FILE CODE FRAGMENT: FILE is exactly one JSON object {"error": {"code": CODE, "message": ...FRAGMENT...}}
json_error() {
    python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["error"] and set(d["error"]) == {"code", "message"}, d
assert d["error"]["code"] == sys.argv[2], d
assert sys.argv[3] in d["error"]["message"], d
EOF
}

printf '%s\n' "$PASS" >"$T/pass"
chmod 600 "$T/pass"
expect 0 "init with a pass file (0600)" -- "$E" init --pass-file "$T/pass" --org "Habits Platform"
hasnt "$T/err" "warning" "no warning for a 0600 pass file"
has "$T/err" "initialised eseal instance" "init's confirmation is on stderr"
[ ! -s "$T/out" ] && ok "and nothing on stdout" || notok "init wrote to stdout: $(cat "$T/out")"
export ESEAL_PASSPHRASE=$PASS
ORG=$("$E" cert issue --org "Habits Ltd" --uscc 91110000MA01ABCDEX --alg sm2 2>"$T/err")
SEAL=$("$E" seal make --cert "$ORG" --name "Habits seal" 2>"$T/err")
[ -n "$SEAL" ] && ok "a seal to stamp with" || notok "seal make: $(cat "$T/err")"
python3 "$R/mkpdf.py" "$T/in.pdf" 1

# ---- 1. --json ---------------------------------------------------------------------------------
expect 2 "--json on a command without JSON output is a usage error" -- "$E" --json key generate -o "$T/k.key"
json_error "$T/out" ESEAL_EUSAGE "--json is not supported by 'eseal key generate'" &&
    ok "it is refused in JSON on stdout, naming the command" || notok "refusal: $(cat "$T/out")"
[ ! -e "$T/k.key" ] && ok "and nothing was done" || notok "key generate ran with --json"
expect 2 "--json after the command too: ca export" -- "$E" ca export --alg sm2 --json
json_error "$T/out" ESEAL_EUSAGE "--json is not supported by 'eseal ca export'" && ok "ca export --json refused" ||
    notok "ca export: $(cat "$T/out")"
expect 3 "a library error with --json" -- "$E" cert show 0123456789abcdef --json
json_error "$T/out" ESEAL_ENOTFOUND "" && ok "is JSON with the stable code name, exit 3 unchanged" ||
    notok "cert show error: $(cat "$T/out")"
[ ! -s "$T/err" ] && ok "and nothing on stderr" || notok "stderr: $(cat "$T/err")"
expect 2 "a usage error with --json" -- "$E" --json cert issue --bogus
json_error "$T/out" ESEAL_EUSAGE "unknown option '--bogus'" && ok "is JSON too, exit 2" || notok "usage: $(cat "$T/out")"
expect 2 "an unknown command with --json" -- "$E" --json frobnicate
json_error "$T/out" ESEAL_EUSAGE "no command 'frobnicate'" && ok "is JSON" || notok "unknown: $(cat "$T/out")"
expect 0 "version --json" -- "$E" --json version
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["version"]' "$T/out" && ok "is JSON" || notok "version --json: $(cat "$T/out")"
expect 2 "help --json is refused" -- "$E" --json help
json_error "$T/out" ESEAL_EUSAGE "--json is not supported by 'eseal help'" && ok "in JSON" || notok "help --json: $(cat "$T/out")"
expect 2 "--json with -o - (both on stdout) is refused" -- "$E" stamp "$T/in.pdf" -o - --seal "$SEAL" --json
json_error "$T/out" ESEAL_EUSAGE "--json and -o - both write to standard output" && ok "in JSON, nothing stamped" ||
    notok "stamp -o - --json: $(head -c 300 "$T/out")"
expect 2 "the same for cert issue -o - --json" -- "$E" cert issue --person "Li Si" -o - --json
expect 0 "a command with JSON output still gives it" -- "$E" cert list --json
python3 -c 'import json,sys; assert isinstance(json.load(open(sys.argv[1])), list)' "$T/out" &&
    ok "cert list --json parses" || notok "cert list --json"
head -c 3000 /dev/urandom >"$T/rand.bin"
expect 3 "verify --json on random bytes" -- "$E" verify "$T/rand.bin" --json
json_error "$T/out" ESEAL_EMALFORMED "not a PDF, OFD or CMS file" && ok "a JSON error naming the cause" ||
    notok "verify --json error: $(cat "$T/out")"

# ---- 2. short options, --quiet -----------------------------------------------------------------
expect 0 "an attached short option value (-oFILE)" -- "$E" ca export --alg sm2 "-o$T/chain1.pem"
grep -q "BEGIN CERTIFICATE" "$T/chain1.pem" 2>/dev/null && ok "-oFILE wrote FILE" || notok "-oFILE"
has "$T/err" "wrote $T/chain1.pem" "the confirmation goes to stderr"
[ ! -s "$T/out" ] && ok "stdout stays empty" || notok "stdout: $(cat "$T/out")"
expect 0 "--quiet" -- "$E" --quiet ca export --alg sm2 -o "$T/chain2.pem"
[ ! -s "$T/err" ] && ok "--quiet: no confirmation on stderr" || notok "--quiet stderr: $(cat "$T/err")"
expect 0 "bundled flags with an attached value (-qo FILE)" -- "$E" ca export --alg sm2 -qo"$T/chain3.pem"
[ -s "$T/chain3.pem" ] && [ ! -s "$T/err" ] && ok "-qoFILE: quiet, and FILE written" || notok "-qoFILE: $(cat "$T/err")"
expect 0 "-q keeps results on stdout" -- "$E" -q stamp "$T/in.pdf" -o "$T/q.pdf" --seal "$SEAL"
grep -q '^ST' "$T/out" && ok "the stamp serial is printed with -q" || notok "stamp -q stdout: $(cat "$T/out")"
mkdir -p "$T/jb" "$T/jo"
for i in 1 2 3; do cp "$T/in.pdf" "$T/jb/d$i.pdf"; done
ls "$T"/jb/*.pdf >"$T/jlist"
expect 0 "an attached number (-j2) for stamp --batch" -- "$E" stamp --batch "$T/jlist" "-O$T/jo" -j2 --seal "$SEAL"
[ "$(ls "$T/jo" | wc -l)" -eq 3 ] && ok "-j2 -ODIR: three documents stamped into DIR" || notok "-j2: $(ls "$T/jo")"
expect 2 "-j with a bad attached value is still checked" -- "$E" stamp --batch "$T/jlist" -O "$T/jo2" -jx --seal "$SEAL"
expect 2 "an unknown letter in a bundle is named" -- "$E" ca export -qZ
has "$T/err" "unknown option '-Z'" "the unknown short option is named"

# ---- 3. passphrases ----------------------------------------------------------------------------
unset ESEAL_PASSPHRASE
expect 0 "--pass-fd N reads the passphrase from descriptor N" -- "$E" ca crl --alg sm2 -o "$T/c1.der" --pass-fd 3 3<"$T/pass"
printf 'wrong-pass-9\n' >"$T/wrong"
chmod 600 "$T/wrong"
expect 3 "--pass-fd with a wrong passphrase fails" -- "$E" ca crl --alg sm2 -o "$T/c2.der" --pass-fd 3 3<"$T/wrong"
has "$T/err" "wrong passphrase" "and says so"
expect 2 "--pass-fd needs a number" -- "$E" ca crl --alg sm2 -o "$T/c2.der" --pass-fd x
expect 0 "--pass-file - reads standard input" -- sh -c "printf '%s\n' '$PASS' | '$E' ca crl --alg sm2 -o '$T/c3.der' --pass-file -"
expect 0 "--pass-file <(command): a pipe" -- bash -c "'$E' ca crl --alg sm2 -o '$T/c3b.der' --pass-file <(printf '%s\n' '$PASS')"
expect 3 "a directory as pass file is refused" -- "$E" ca crl --alg sm2 -o "$T/c3c.der" --pass-file "$T"
has "$T/err" "is not a file or a pipe" "and says why"
mkdir -p "$T/secret/..data"
cp "$T/pass" "$T/secret/..data/pass"
chmod 600 "$T/secret/..data/pass"
ln -s "..data/pass" "$T/secret/pass"
expect 0 "a pass file that is a symlink (as secret mounts are)" -- "$E" ca crl --alg sm2 -o "$T/c4.der" --pass-file "$T/secret/pass"
hasnt "$T/err" "warning" "no warning when the target is 0600"
chmod 644 "$T/secret/..data/pass"
expect 0 "a pass file readable by others still works" -- "$E" ca crl --alg sm2 -o "$T/c5.der" --pass-file "$T/secret/pass"
has "$T/err" "warning: the pass file $T/secret/pass is readable by others" "with a warning on stderr"
# Three tries at a terminal (a pty): wrong, wrong, right succeeds; three wrong fail.
cat >"$T/ptyrun.py" <<'EOF'
import os, pty, select, sys
exe, out, answers = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
env.pop("ESEAL_PASSPHRASE", None)
pid, fd = pty.fork()
if pid == 0:
    os.execve(exe, [exe, "ca", "crl", "--alg", "sm2", "-o", out], env)
seen = b""
def read_until(token, timeout=120):
    global seen
    buf = b""
    while token not in buf:
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        buf += chunk
        seen += chunk
    return True
for a in answers:
    if not read_until(b"passphrase: "):
        break
    os.write(fd, a.encode() + b"\n")
while True:
    r, _, _ = select.select([fd], [], [], 120)
    if not r:
        break
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(st))
EOF
expect 0 "at a terminal, a mistyped passphrase is asked again" -- python3 "$T/ptyrun.py" "$E" "$T/c6.der" nope-1 nope-2 "$PASS"
has "$T/out" "wrong passphrase, try again (2 of 3)" "the second prompt says why"
has "$T/out" "try again (3 of 3)" "and a third try is given"
expect 3 "three wrong passphrases at a terminal fail" -- python3 "$T/ptyrun.py" "$E" "$T/c7.der" nope-1 nope-2 nope-3
has "$T/out" "wrong passphrase for" "the last failure names the key"
[ ! -e "$T/c7.der" ] && ok "nothing written after three failures" || notok "c7.der written"

# eseal passwd: all keys re-encrypted; the old passphrase fails afterwards, the new one stamps.
NEW=habits-pass-2-new
printf '%s\n' "$NEW" >"$T/newpass"
chmod 600 "$T/newpass"
# A failure in the middle: a key file that cannot be read (a link; key files are opened
# O_NOFOLLOW) sorted after the others, so some keys were re-encrypted before it fails.
nkeys=$(ls "$ESEAL_HOME/keys" | wc -l)
ln -s "$ESEAL_HOME/keys/$(ls "$ESEAL_HOME/keys" | head -1)" "$ESEAL_HOME/keys/zzzz-broken.key"
expect 3 "passwd fails when a key cannot be re-encrypted" -- "$E" passwd --pass-file "$T/pass" --new-pass-file "$T/newpass"
has "$T/err" "zzzz-broken.key" "and names the key file"
[ ! -e "$ESEAL_HOME/keys.passwd" ] && ok "no staging directory is left" || notok "keys.passwd left behind"
rm -f "$ESEAL_HOME/keys/zzzz-broken.key"
expect 0 "after the failed passwd the old passphrase still stamps" -- "$E" stamp "$T/in.pdf" -o "$T/old.pdf" --seal "$SEAL" --pass-file "$T/pass"
expect 3 "and the new one does not" -- "$E" stamp "$T/in.pdf" -o "$T/new0.pdf" --seal "$SEAL" --pass-file "$T/newpass"
expect 0 "passwd" -- "$E" passwd --pass-file "$T/pass" --new-pass-file "$T/newpass"
[ "$(ls "$ESEAL_HOME/keys" | wc -l)" -eq "$nkeys" ] && [ ! -e "$ESEAL_HOME/keys.passwd" ] &&
    ok "the same key files, no staging directory left" || notok "keys after passwd: $(ls "$ESEAL_HOME")"
perms=$(stat -c %a "$ESEAL_HOME"/keys/* | sort -u | tr '\n' ' ')
[ "$perms" = "600 " ] && ok "re-encrypted key files are 0600" || notok "key modes after passwd: $perms"
expect 3 "after passwd the old passphrase fails" -- "$E" stamp "$T/in.pdf" -o "$T/old2.pdf" --seal "$SEAL" --pass-file "$T/pass"
has "$T/err" "wrong passphrase" "with 'wrong passphrase'"
expect 0 "and the new one stamps" -- "$E" stamp "$T/in.pdf" -o "$T/new.pdf" --seal "$SEAL" --pass-file "$T/newpass"
expect 0 "the log key was re-encrypted too (log checkpoint signs)" -- "$E" log checkpoint --pass-file "$T/newpass"
expect 2 "passwd refuses a short new passphrase" -- sh -c "printf 'short\n' | '$E' passwd --pass-file '$T/newpass' --new-pass-file -"
# A crash in the middle (SIGKILL at several points): afterwards every key opens with one and
# the same passphrase, the old or the new one, never a mix; a left-over keys.passwd is harmless.
works_with() { # works_with PASSFILE: the sm2 CAs' keys, the log key and the organisation's key all open
    "$E" ca crl --alg sm2 -o "$T/crash.crl" --pass-file "$1" >/dev/null 2>&1 &&
        "$E" log checkpoint --pass-file "$1" >/dev/null 2>&1 &&
        "$E" stamp "$T/in.pdf" -o "$T/crash.pdf" --seal "$SEAL" --pass-file "$1" >/dev/null 2>&1
}
cur=$T/newpass
other=$T/pass
for delay in 0.3 1 2 4; do
    "$E" passwd --pass-file "$cur" --new-pass-file "$other" >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$T/crash.pdf"
    if works_with "$cur"; then
        ok "killed after ${delay}s: every key still opens with the old passphrase"
    elif works_with "$other"; then
        ok "killed after ${delay}s: every key opens with the new passphrase"
        t=$cur; cur=$other; other=$t
    else
        notok "killed after ${delay}s: the keys open with neither passphrase alone"
    fi
done
expect 0 "a passwd after the crashes works (a left-over keys.passwd does not stop it)" -- \
    "$E" passwd --pass-file "$cur" --new-pass-file "$T/newpass"
[ ! -e "$ESEAL_HOME/keys.passwd" ] && ok "and removes the staging directory" || notok "keys.passwd left"
export ESEAL_PASSPHRASE=$NEW

# ---- 4. the default home -----------------------------------------------------------------------
mkdir -p "$T/elsewhere"
expect 3 "without --home or ESEAL_HOME: \$XDG_DATA_HOME/eseal" -- \
    env -u ESEAL_HOME XDG_DATA_HOME="$T/xdg" sh -c "cd '$T/elsewhere' && '$E' cert list"
has "$T/err" "no eseal instance in $T/xdg/eseal" "the home is \$XDG_DATA_HOME/eseal, not under the current directory"
expect 3 "without XDG_DATA_HOME: ~/.local/share/eseal" -- \
    env -u ESEAL_HOME -u XDG_DATA_HOME HOME="$T/hh" sh -c "cd '$T/elsewhere' && '$E' cert list"
has "$T/err" "no eseal instance in $T/hh/.local/share/eseal" "the home is ~/.local/share/eseal"
expect 3 "a relative XDG_DATA_HOME is ignored (XDG spec)" -- \
    env -u ESEAL_HOME XDG_DATA_HOME=rel HOME="$T/hh" sh -c "cd '$T/elsewhere' && '$E' cert list"
has "$T/err" "no eseal instance in $T/hh/.local/share/eseal" "and ~/.local/share/eseal is used"
expect 0 "ESEAL_HOME wins over XDG_DATA_HOME" -- env XDG_DATA_HOME="$T/xdg" "$E" cert list
expect 0 "--home wins over ESEAL_HOME" -- env ESEAL_HOME="$T/nothere" "$E" --home "$ESEAL_HOME" cert list

# ---- 5. error messages name the real cause -----------------------------------------------------
expect 3 "random bytes to verify" -- "$E" verify "$T/rand.bin"
has "$T/err" "rand.bin is not a PDF, OFD or CMS file" "are 'not a PDF, OFD or CMS file'"
: >"$T/empty.p7s"
expect 3 "an empty file to verify" -- "$E" verify "$T/empty.p7s"
has "$T/err" "empty.p7s is empty" "is 'empty'"
hasnt "$T/err" "needs --data" "not '.p7s needs --data'"
{ printf '%%PDF-1.7\n'; head -c 2000 /dev/urandom; } >"$T/fake.pdf"
expect 3 "a file that starts with %PDF but is not one" -- "$E" verify "$T/fake.pdf"
has "$T/err" "eseal: pdf: not a valid PDF: the file starts like a PDF but is damaged" "says so in plain words first"
expect 3 "stamping it says the same" -- "$E" stamp "$T/fake.pdf" -o "$T/fake-s.pdf" --seal "$SEAL"
has "$T/err" "not a valid PDF" "stamp: not a valid PDF"
sed 's|http://www.ofdspec.org/2016|http://www.ofdspec.org|' "$R/mkofd.py" >"$T/mkold.py"
python3 "$T/mkold.py" "$T/old.ofd"
expect 3 "an OFD in the pre-2016 namespace: verify" -- "$E" verify "$T/old.ofd"
has "$T/err" "uses the pre-2016 namespace http://www.ofdspec.org of the OFD 1.0 drafts" "names the old namespace"
expect 3 "an OFD in the pre-2016 namespace: stamp" -- "$E" stamp "$T/old.ofd" -o "$T/old-s.ofd" --seal "$SEAL"
has "$T/err" "pre-2016 namespace" "stamp names it too"
"$E" sign "$T/rand.bin" --cert "$ORG" -o "$T/rand.p7s" 2>"$T/err"
expect 2 "a CMS signature without --data still asks for --data" -- "$E" verify "$T/rand.p7s"
has "$T/err" "needs --data" "(the CMS file is recognised)"
expect 0 "and verifies with it" -- "$E" verify "$T/rand.p7s" --data "$T/rand.bin"
# A read-only store: as a user by its mode, as root by the immutable attribute.
ro_on() { if [ "$(id -u)" -ne 0 ]; then chmod 444 "$ESEAL_HOME/eseal.db"; else chattr +i "$ESEAL_HOME/eseal.db" 2>/dev/null; fi; }
ro_off() { if [ "$(id -u)" -ne 0 ]; then chmod 644 "$ESEAL_HOME/eseal.db"; else chattr -i "$ESEAL_HOME/eseal.db" 2>/dev/null; fi; }
if ro_on && ! (: >>"$ESEAL_HOME/eseal.db") 2>/dev/null; then
    expect 3 "stamping with a read-only store fails" -- "$E" stamp "$T/in.pdf" -o "$T/ro.pdf" --seal "$SEAL"
    has "$T/err" "is read-only" "and says the store is read-only"
    hasnt "$T/err" "TSA_REJECTED" "not that the TSA rejected it"
    hasnt "$T/err" "did not grant" "nor that it did not grant the time-stamp"
    ro_off
else
    ro_off
    skip "stamping with a read-only store" "cannot make eseal.db read-only here (root without chattr)"
fi
# An unreadable home: root reads everything, so as root run the check as nobody (setpriv).
mkdir -p "$T/locked"
cp -r "$ESEAL_HOME" "$T/locked/home"
chmod 711 "$T" "$T/locked"
chmod 700 "$T/locked/home"
if [ "$(id -u)" -ne 0 ]; then
    chmod 000 "$T/locked/home"
    expect 3 "an unreadable home" -- "$E" --home "$T/locked/home" cert list
    chmod 700 "$T/locked/home"
    has "$T/err" "cannot open the eseal instance in $T/locked/home: permission denied" "is 'permission denied'"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$E" 2>/dev/null; then
    expect 3 "an unreadable home (as nobody)" -- setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$E" --home "$T/locked/home" cert list
    has "$T/err" "cannot open the eseal instance in $T/locked/home: permission denied" "is 'permission denied'"
    hasnt "$T/err" "no eseal instance" "not 'no instance'"
else
    skip "an unreadable home is 'permission denied'" "running as root and cannot drop privileges to run eseal"
fi
chmod 700 "$T"

# ---- 6. one vocabulary -------------------------------------------------------------------------
expect 0 "stamp B-LTA --json" -- "$E" stamp "$T/in.pdf" -o "$T/lta.pdf" --seal "$SEAL" --level B-LTA --json
stamp_level=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["level"])' "$T/out")
"$E" verify "$T/lta.pdf" --json >"$T/out" 2>"$T/err"
verify_level=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signatures"][0]["signature"]["level"])' "$T/out")
[ "$stamp_level" = B-LTA ] && [ "$verify_level" = B-LTA ] && ok "stamp and verify name the level alike (B-LTA)" ||
    notok "levels: stamp '$stamp_level', verify '$verify_level'"
"$E" stamp "$T/in.pdf" -o "$T/bt0.pdf" --seal "$SEAL" --level B-T >/dev/null 2>&1
expect 0 "extend B-LT" -- "$E" extend "$T/bt0.pdf" -o "$T/lt.pdf" --level B-LT
has "$T/out" ": B-LT" "extend prints B-LT"
"$E" verify "$T/lt.pdf" --detail >"$T/v" 2>&1
has "$T/v" "level: B-LT$" "verify says B-LT for it"
"$E" stamp "$T/in.pdf" -o "$T/bt.pdf" --seal "$SEAL" --level B-T >"$T/out" 2>&1
tsser=$(sed -n 's/.*(serial \([0-9A-F]*\))$/\1/p' "$T/out")
"$E" verify "$T/bt.pdf" --json >"$T/v" 2>&1
vser() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signatures"][0][sys.argv[2]]["serial"])' "$T/v" "$1"; }
[ -n "$tsser" ] && [ "$(vser time)" = "$tsser" ] && ok "the time-stamp serial is the same hex in stamp and verify ($tsser)" ||
    notok "serials: stamp '$tsser', verify '$(vser time)'"
certser=$("$E" cert show "$ORG" | sed -n 's/^serial: *//p')
[ "$(vser signer)" = "$certser" ] && ok "the certificate serial is the same in cert show and verify" ||
    notok "cert serial '$certser' vs $(vser signer)"
echo "$certser" | grep -qE '^[0-9A-F]+$' && ok "serials are upper-case hex" || notok "serial form: $certser"
{ "$E" verify "$T/bt.pdf"; "$E" seal show "$SEAL"; python3 "$R/mkofd.py" "$T/n.ofd" &&
    "$E" stamp "$T/n.ofd" -o "$T/ns.ofd" --seal "$SEAL" -q >/dev/null && "$E" verify "$T/ns.ofd"; } >"$T/human" 2>&1
hasnt "$T/human" "1\.2\.156\." "no SM OIDs in human output (verify PDF and OFD, seal show)"
has "$T/human" "SM2-with-SM3" "the algorithm is named"
"$E" seal show "$SEAL" --json >"$T/sj"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["algorithm"]=="SM2-with-SM3" and d["algorithm_oid"]=="1.2.156.10197.1.501"' "$T/sj" &&
    ok "JSON carries the name and the OID" || notok "seal show --json: $(cat "$T/sj")"
expect 0 "sign -o: the confirmation" -- "$E" sign "$T/rand.bin" --cert "$ORG" -o "$T/r2.p7s"
has "$T/err" "signed .* -> $T/r2.p7s" "goes to stderr"
[ ! -s "$T/out" ] && ok "stdout has no confirmation" || notok "sign stdout: $(cat "$T/out")"

tap_done cli_habits
