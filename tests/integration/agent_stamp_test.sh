#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stamps made by the eseal agent (issue #18; docs/agent.md "Stamps by the agent"): with an agent
# running, `eseal stamp` of one document hands it to the agent, which stamps in its warm instance.
#   - the stamp needs no passphrase, verifies, and its audit entry names the same operator as a
#     stamp made by the command itself; the agent logs it;
#   - the command opens no key file and not the store (strace: no open under HOME/keys, none of
#     eseal.db): the work is the agent's;
#   - paths are the command's: relative to its working directory (the agent's is "/"), a seal
#     given as a relative .esl file, standard input and output, --in-place, --receipt (checked
#     offline), --level B-T, an OFD package;
#   - errors are the command's own words (a missing input, a suspended seal: same message and exit
#     status as without the agent), and nothing is written;
#   - what changes is seen: a seal made after the agent started stamps, a suspended one does not,
#     a resumed one does again; an edited eseal.conf makes the agent reopen its instance;
#   - when the agent does not take a stamp (busy with another, its key stale after passwd) the
#     command stamps by itself, and a stamp is never made twice.
# Nothing is timed: every check is an exit status, a file, a log line or a trace.
# Usage: agent_stamp_test.sh /path/to/eseal SOURCE_DIR
set -u
E=$(readlink -f "$1")
R=$2/tests/resources
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=agent-stamp-pass
export ESEAL_HOME=$T/home
H=$ESEAL_HOME
nopass() { env -u ESEAL_PASSPHRASE setsid -w "$E" "$@"; }
stop_all() { env -u ESEAL_PASSPHRASE "$E" agent stop >/dev/null 2>&1; }
trap 'stop_all; rm -rf "$T"' EXIT
stamped_by_agent() { grep -c "stamped $1 " "$H/agent.log" 2>/dev/null || true; }

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Agent Stamp Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
seal=$("$E" seal make --cert "$id" --type contract --name "Agent Stamp Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"
mkdir -p "$T/work/sub"
python3 "$R/mkpdf.py" "$T/work/sub/in.pdf" 3

# A local stamp first (no agent): the reference for the audit entry and the error messages.
expect 0 "a stamp by the command itself" -- "$E" stamp "$T/work/sub/in.pdf" -o "$T/local.pdf" --seal "$seal" --page 1
local_serial=$(head -1 "$T/out")
expect 3 "a missing input, without the agent" -- "$E" stamp "$T/work/nothere.pdf" -o "$T/x.pdf" --seal "$seal"
cp "$T/err" "$T/err.local"

expect 0 "agent start" -- "$E" agent start

# --- a stamp through the agent: relative paths from the command's directory ---
(cd "$T/work" && nopass stamp sub/in.pdf -o sub/a1.pdf --seal "$seal" --page 1 >"$T/out" 2>"$T/err")
rc=$?
serial=$(head -1 "$T/out")
[ $rc = 0 ] && [ -s "$T/work/sub/a1.pdf" ] && ok "a stamp with no passphrase, relative paths, through the agent" ||
    notok "a stamp through the agent (rc $rc: $(cat "$T/err"))"
[ "$(stamped_by_agent "$serial")" = 1 ] && ok "the agent made it (its log: stamped $serial)" ||
    notok "the agent made it: $(tail -3 "$H/agent.log")"
expect 0 "it verifies" -- "$E" verify "$T/work/sub/a1.pdf"
# (its first log line is written once it serves, after start returned: read after an answer)
has "$H/agent.log" "keys decoded for stamps in a secure heap of 512 KiB" "the agent set up its secure heap"
[ "$(stat -c %a "$T/work/sub/a1.pdf")" = "$(stat -c %a "$T/local.pdf")" ] && ok "the same file mode as a local stamp" ||
    notok "file mode $(stat -c %a "$T/work/sub/a1.pdf") vs $(stat -c %a "$T/local.pdf")"

# The audit entries of the local and the agent's stamp name the same operator and device.
actor() { "$E" log show "$1" 2>/dev/null | grep -E '^(type|actor|actor-kind|policy-rule) ' | tr '\n' ' '; }
li=$("$E" --json stamp "$T/work/sub/in.pdf" -o "$T/local2.pdf" --seal "$seal" --page 1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["log_index"])')
ai=$(cd "$T/work" && nopass --json stamp sub/in.pdf -o sub/a2.pdf --seal "$seal" --page 1 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["log_index"])')
la=$(actor "$li")
aa=$(actor "$ai")
[ -n "$la" ] && [ "$la" = "$aa" ] && echo "$aa" | grep -q "type stamp" && ok "the audit entries name the same actor: $aa" || notok "actors: local '$la', agent '$aa'"

# --- the command opens no key and not the store: strace of the command alone (not the agent) ---
if command -v strace >/dev/null 2>&1; then
    # (LeakSanitizer cannot run under ptrace: off for this one command in the sanitizer build)
    env -u ESEAL_PASSPHRASE ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -e trace=open,openat -o "$T/trace" "$E" stamp "$T/work/sub/in.pdf" -o "$T/s1.pdf" --seal "$seal" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc = 0 ] && ! grep -q "$H/keys/\|/keys/[^\"]*\.key\|eseal\.db" "$T/trace" &&
        ok "the command opened no key file and not the store" ||
        notok "the command opened: $(grep "keys\|eseal.db" "$T/trace" | head -3) (rc $rc)"
    grep -q 'libcrypto' "$T/trace" && ok "the trace holds the command's opens (its libraries)" ||
        notok "the trace holds the command's opens: $(head -3 "$T/trace")"
else
    skip "strace is not installed (scripts/deps.sh installs it)"
    skip "strace is not installed"
fi

# --- standard input and output, --in-place, --receipt, B-T, a seal file ---
nopass stamp - -o - --seal "$seal" <"$T/work/sub/in.pdf" >"$T/stdio.pdf" 2>"$T/err"
[ $? = 0 ] && "$E" verify "$T/stdio.pdf" >/dev/null && ok "stdin to stdout through the agent" || notok "stdin/stdout: $(cat "$T/err")"
cp "$T/work/sub/in.pdf" "$T/work/inplace.pdf"
(cd "$T/work" && nopass stamp inplace.pdf --in-place --seal "$seal" >"$T/out" 2>"$T/err")
[ $? = 0 ] && "$E" verify "$T/work/inplace.pdf" >/dev/null && [ "$(stamped_by_agent "$(head -1 "$T/out")")" = 1 ] &&
    ok "--in-place through the agent" || notok "--in-place: $(cat "$T/err")"
(cd "$T/work" && nopass stamp sub/in.pdf -o r.pdf --seal "$seal" --receipt r.receipt >"$T/out" 2>"$T/err")
[ $? = 0 ] && [ -s "$T/work/r.receipt" ] && ok "--receipt through the agent" || notok "--receipt: $(cat "$T/err")"
expect 0 "the receipt verifies offline against the document" -- "$E" log verify-receipt "$T/work/r.receipt" --doc "$T/work/r.pdf"
expect 0 "B-T through the agent" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/bt.pdf" --seal "$seal" --level B-T
has "$T/out" "^time: .*RFC 3161" "its time is a timestamp's"
expect 0 "the B-T stamp verifies" -- "$E" verify "$T/bt.pdf"
"$E" seal export "$seal" -o "$T/work/seal.esl" >/dev/null 2>&1
if [ -s "$T/work/seal.esl" ]; then
    (cd "$T/work" && nopass stamp sub/in.pdf -o esl.pdf --seal seal.esl >"$T/out" 2>"$T/err")
    [ $? = 0 ] && [ "$(stamped_by_agent "$(head -1 "$T/out")")" = 1 ] && ok "a seal as a relative .esl file" ||
        notok "a seal file: $(cat "$T/err")"
else
    notok "cannot export the seal to a file"
fi
python3 "$R/mkofd.py" "$T/work/in.ofd"
(cd "$T/work" && nopass stamp in.ofd -o s.ofd --seal "$seal" --page 1 >"$T/out" 2>"$T/err")
[ $? = 0 ] && [ "$(stamped_by_agent "$(head -1 "$T/out")")" = 1 ] && ok "an OFD stamp through the agent" ||
    notok "an OFD stamp through the agent: $(cat "$T/err")"
expect 0 "the stamped OFD verifies" -- "$E" verify "$T/work/s.ofd"

# --- errors are the command's words; nothing is written ---
expect 3 "a missing input through the agent" -- nopass stamp "$T/work/nothere.pdf" -o "$T/x.pdf" --seal "$seal"
cmp -s "$T/err" "$T/err.local" && ok "the same message as without the agent" || notok "messages differ: $(cat "$T/err") vs $(cat "$T/err.local")"
[ ! -e "$T/x.pdf" ] && ok "nothing written" || notok "nothing written"

# --- what changes is seen by the warm instance ---
seal2=$("$E" seal make --cert "$id" --type finance --name "Made After Start" 2>"$T/err")
expect 0 "a seal made after the agent started stamps" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/n2.pdf" --seal "$seal2"
[ "$(stamped_by_agent "$(head -1 "$T/out")")" = 1 ] && ok "by the agent" || notok "by the agent"
expect 0 "suspend it" -- "$E" seal suspend "$seal2" --reason test
expect 3 "a suspended seal is refused by the agent" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/n3.pdf" --seal "$seal2"
has "$T/err" "suspended, not active" "it says why"
[ ! -e "$T/n3.pdf" ] && ok "nothing written" || notok "nothing written"
expect 0 "resume it" -- "$E" seal resume "$seal2" --reason test
expect 0 "a resumed seal stamps again" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/n4.pdf" --seal "$seal2"
opened=$(grep -c "opened its instance" "$H/agent.log")
touch "$H/eseal.conf"
expect 0 "a stamp after eseal.conf changed" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/n5.pdf" --seal "$seal"
[ "$(grep -c "opened its instance" "$H/agent.log")" = $((opened + 1)) ] && ok "the agent reopened its instance" ||
    notok "the agent reopened its instance: $(grep "opened its instance" "$H/agent.log")"
opened=$(grep -c "opened its instance" "$H/agent.log")
expect 0 "a certificate revoked (a CRL published)" -- "$E" cert revoke "$("$E" cert issue --org "Other Ltd" --uscc 91110000MA01ABCDEX --alg p256)" --reason superseded
expect 0 "a stamp after the revocation" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/n6.pdf" --seal "$seal"
[ "$(grep -c "opened its instance" "$H/agent.log")" = $((opened + 1)) ] && ok "the agent reopened its instance (new CRL)" ||
    notok "the agent reopened its instance after a revocation"

# --- busy: a stamp waiting on a slow TSA holds the agent; another one is made by the command ---
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$PORT" "$T/tsa.hit" "$T/tsa.ready" <<'PYEOF' &
import http.server, sys, time
port, hit, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        open(hit, "w").close()
        time.sleep(4)
        self.send_response(503); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", port), H)
open(ready, "w").close()  # listening: the stamp may start
s.timeout = 120  # a loaded machine (two suites at once) may take long to start the stamp
s.handle_request()
PYEOF
tsapid=$!
# The stamp starts once the TSA listens (a fixed half second was not enough for python's start on
# a loaded machine: the stamp found nothing listening and failed at once).
for _ in $(seq 1 600); do [ -e "$T/tsa.ready" ] && break; sleep 0.1; done
nopass stamp "$T/work/sub/in.pdf" -o "$T/slow.pdf" --seal "$seal" --level B-T --tsa "http://127.0.0.1:$PORT/tsa" --tsa-timeout 10000 >"$T/slow.out" 2>"$T/slow.err" &
slowpid=$!
# Up to 60 s (it returns as soon as the TSA is hit): a loaded machine starts the stamp slowly.
for _ in $(seq 1 600); do [ -e "$T/tsa.hit" ] && break; sleep 0.1; done
[ -e "$T/tsa.hit" ] && ok "the slow stamp is waiting on its TSA" || notok "the slow stamp reached its TSA"
expect 0 "meanwhile another stamp is made" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/busy.pdf" --seal "$seal"
busy_serial=$(head -1 "$T/out")
[ "$(stamped_by_agent "$busy_serial")" = 0 ] && ok "by the command itself (the agent was busy)" || notok "by the command itself"
wait $slowpid
src=$?
[ $src = 3 ] && [ ! -e "$T/slow.pdf" ] && grep -q "TSA\|time-stamp\|timestamp" "$T/slow.err" &&
    ok "the slow stamp fails on its TSA (503), nothing written" || notok "the slow stamp: rc $src $(cat "$T/slow.err")"
wait $tsapid 2>/dev/null

# --- a stale key (passwd while the agent runs): the command stamps by itself with the passphrase ---
printf 'agent-stamp-pass-2\n' >"$T/new.pass"
chmod 600 "$T/new.pass"
expect 0 "eseal passwd while the agent runs" -- "$E" passwd --new-pass-file "$T/new.pass"
expect 3 "with no passphrase the stamp cannot be made" -- nopass stamp "$T/work/sub/in.pdf" -o "$T/stale.pdf" --seal "$seal"
has "$T/err" "no passphrase" "it asks for the passphrase"
[ ! -e "$T/stale.pdf" ] && ok "nothing written" || notok "nothing written"
has "$H/agent.log" "no stamp: .*" "the agent said why it did not stamp"
expect 0 "with the new passphrase the command stamps by itself" -- env ESEAL_PASSPHRASE=agent-stamp-pass-2 "$E" stamp "$T/work/sub/in.pdf" -o "$T/stale2.pdf" --seal "$seal"
expect 0 "stop" -- "$E" agent stop
[ "$local_serial" != "$serial" ] && ok "serials differ" || notok "serials differ"

tap_done agent_stamp
