#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal agent (issue #18): one process holds the instance's key-encryption key so that later
# commands need no passphrase.
#   - agent start -> a stamp and a signature without any passphrase succeed; agent stop -> the same
#     command fails asking for the passphrase;
#   - the agent refuses a connection of another uid (the socket made connectable by all for the
#     test: 0666 in a traversable home) with no answer, and logs the refusal (needs root to
#     become another uid: that part is skipped otherwise);
#   - --timeout 2, 4 s idle: the key is forgotten, the socket gone, the passphrase asked again;
#   - eseal passwd while the agent runs: its key no longer opens the keys, it is passed over
#     (said on stderr) and the new passphrase works;
#   - the socket's safety: 0600, a second start refused, a file that is not a socket at its path
#     refused and left alone, a dead agent's socket replaced, a home deeper than sun_path works.
# Nothing is timed: every check is an exit status, a file or a log line.
# Usage: agent_test.sh /path/to/eseal SOURCE_DIR
set -u
E=$1
R=$2/tests/resources
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=agent-pass-1
export ESEAL_HOME=$T/home
H=$ESEAL_HOME
# A command with no passphrase at all: not in the environment, and no terminal to ask on (setsid).
nopass() { env -u ESEAL_PASSPHRASE setsid -w "$E" "$@"; }
stop_all() { env -u ESEAL_PASSPHRASE "$E" agent stop >/dev/null 2>&1; }
trap 'stop_all; rm -rf "$T"' EXIT

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Agent Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
seal=$("$E" seal make --cert "$id" --type contract --name "Agent Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"
python3 "$R/mkpdf.py" "$T/in.pdf" 1
printf 'agent test\n' >"$T/doc.txt"

# --- no agent: the passphrase is needed ---
expect 1 "status with no agent: exit 1" -- "$E" agent status
has "$T/out" "^not running" "status says not running"
expect 1 "status --json with no agent: exit 1" -- "$E" --json agent status
has "$T/out" '^{"running": false, "home": "' "status --json says not running"
expect 1 "stop with no agent: exit 1" -- "$E" agent stop
expect 3 "a stamp without a passphrase and no agent fails" -- nopass stamp "$T/in.pdf" -o "$T/s0.pdf" --seal "$seal" --page 1 --at 100,100
has "$T/err" "no passphrase" "it asks for the passphrase"

# --- start: returns once the agent listens ---
expect 3 "start with a wrong passphrase is refused" -- env ESEAL_PASSPHRASE=wrong-pass-1 "$E" agent start
[ ! -e "$H/agent.sock" ] && ok "no socket after a refused start" || notok "no socket after a refused start"
expect 0 "agent start" -- "$E" agent start
[ -S "$H/agent.sock" ] && ok "the socket is there when start returns" || notok "the socket is there when start returns"
mode=$(stat -c %a "$H/agent.sock" 2>/dev/null)
[ "$mode" = 600 ] && ok "the socket is 0600" || notok "the socket is 0600 (mode $mode)"
expect 0 "status: running" -- "$E" agent status
has "$T/out" "^running, pid [0-9]*, idle timeout 3600 s, [0-9]* s left" "status: pid, default idle timeout, seconds left"
pid=$(sed -n 's/^running, pid \([0-9]*\),.*/\1/p' "$T/out")
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ok "the agent process runs" || notok "the agent process runs ($pid)"
expect 0 "status --json: running" -- "$E" --json agent status
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["running"] is True and d["pid"] == int(sys.argv[2]) and d["timeout_s"] == 3600 and 0 < d["left_s"] <= 3600 and d["home"] == sys.argv[3] else 1)' "$T/out" "$pid" "$H" &&
    ok "status --json: running, pid, timeout_s, left_s, home" || notok "status --json: $(cat "$T/out")"
expect 3 "a second start is refused" -- "$E" agent start
has "$T/err" "already runs" "it says an agent already runs"

# --- commands use it by themselves ---
expect 0 "a stamp without any passphrase, through the agent" -- nopass stamp "$T/in.pdf" -o "$T/s1.pdf" --seal "$seal" --page 1 --at 100,100
expect 0 "the stamped PDF verifies" -- "$E" verify "$T/s1.pdf"
expect 0 "a signature without any passphrase" -- nopass sign "$T/doc.txt" --cert "$id" -o "$T/doc.p7s"
expect 0 "a wrong passphrase in the environment does not matter with the agent" -- env ESEAL_PASSPHRASE=wrong-pass-1 "$E" sign "$T/doc.txt" --cert "$id" -o "$T/doc2.p7s"

# --- eseal serve takes its keys from the agent too: its TSA signs with no passphrase ---
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -u ESEAL_PASSPHRASE setsid "$E" serve --listen "127.0.0.1:$PORT" --only tsa </dev/null >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
for _ in $(seq 1 100); do grep -q listening "$T/serve.out" "$T/serve.err" 2>/dev/null && break; sleep 0.1; done
openssl ts -query -data "$T/doc.txt" -sha256 -cert -out "$T/q.tsq" 2>/dev/null
code=$(curl -s -o "$T/r.tsr" -w '%{http_code}' -H 'Content-Type: application/timestamp-query' \
    --data-binary @"$T/q.tsq" "http://127.0.0.1:$PORT/tsa")
[ "$code" = 200 ] && openssl ts -reply -in "$T/r.tsr" -text 2>/dev/null | grep -q "Status: Granted" &&
    ok "serve with no passphrase: its TSA grants a token (key through the agent)" ||
    notok "serve with no passphrase: its TSA grants a token (HTTP $code; $(cat "$T/serve.err"))"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# --- another uid is refused ---
if [ "$(id -u)" = 0 ]; then
    chmod o+x "$T" "$H"
    chmod 0666 "$H/agent.sock"
    answer=$(python3 - "$H/agent.sock" <<'PYEOF'
import os, socket, sys
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
try:
    s.sendall(b"eseal-agent/1 KEK\n")
except OSError:
    pass
got = b""
try:
    while True:
        b = s.recv(512)
        if not b:
            break
        got += b
except OSError:
    pass
print("answer=[%s]" % got.decode("ascii", "replace").strip())
PYEOF
    )
    case $answer in
    "answer=[]") ok "another uid connects and gets no answer" ;;
    *) notok "another uid connects and gets no answer ($answer)" ;;
    esac
    # Logged before the connection is closed: there when the client sees the end.
    has "$H/agent.log" "refused a connection from uid 65534" "the agent logs the refusal with the uid"
    grep -q "key=" "$H/agent.log" && notok "the log holds no key" || ok "the log holds no key"
    chmod 0600 "$H/agent.sock"
    chmod o-x "$T" "$H"
    expect 0 "the agent still serves its own user after the refusal" -- nopass sign "$T/doc.txt" --cert "$id" -o "$T/doc3.p7s"
    # The other way round: an agent of uid 65534 on its own instance is not taken by root's command
    # (the client checks the agent's uid), which falls back to the passphrase. Only when uid 65534
    # may run this build (a tree under a 0700 folder, such as `mktemp -d`'s, is closed to it).
    if setpriv --reuid=65534 --regid=65534 --clear-groups env "$E" version >/dev/null 2>&1; then
    O=$T/other
    mkdir -m 0700 "$O" && chown 65534:65534 "$O"
    chmod o+x "$T"
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$O" "$E" --home "$O/i" "$@"; }
    expect 0 "an instance of uid 65534" -- as_nobody init
    expect 0 "its agent, run as uid 65534" -- as_nobody agent start
    expect 3 "root's command with no passphrase fails rather than use another uid's agent" -- env -u ESEAL_PASSPHRASE setsid -w "$E" --home "$O/i" ca crl --alg p256 -o "$T/other.crl"
    has "$T/err" "runs as uid 65534, not as this user" "it says the agent is another user's"
    # The agent accepts root's connection after root's command has dropped it: wait for the line
    # (a bound, not a timing: up to 10 s).
    for _ in $(seq 1 100); do grep -q "refused a connection from uid 0" "$O/i/agent.log" && break; sleep 0.1; done
    has "$O/i/agent.log" "refused a connection from uid 0" "and that agent refused root"
    expect 0 "its own user stops it" -- as_nobody agent stop
    chmod o-x "$T"
    else
        chmod o-x "$T"
        skip "an agent of another uid: uid 65534 cannot run $E (a folder above it is closed to others)"
    fi
else
    skip "the refusal of another uid: not root, cannot become uid 65534"
fi

# --- stop: the key is gone ---
expect 0 "agent stop" -- "$E" agent stop
has "$T/err" "stopped" "stop says it stopped"
# Gone, or a zombie its adopting parent has not reaped yet (PID 1 of a container may never).
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1" | cut -c1)" = Z ]; }
gone "$pid" && ok "the agent process is gone" || notok "the agent process is gone ($(ps -o stat= -p "$pid"))"
[ ! -e "$H/agent.sock" ] && ok "the socket is removed" || notok "the socket is removed"
expect 3 "after stop the same stamp needs the passphrase" -- nopass stamp "$T/in.pdf" -o "$T/s2.pdf" --seal "$seal" --page 1 --at 100,100
has "$T/err" "no passphrase" "it asks for the passphrase"
has "$H/agent.log" "stop asked by pid" "the log says who stopped it"

# --- descriptors the caller handed over are not kept by the daemon ---
# fd 5 is a pipe to cat: if the agent kept it, cat (and the pipeline) would wait for it to exit.
expect 0 "start with a pipe on fd 5: the pipeline ends (the agent closed it)" -- timeout 30 bash -c '"$1" agent start 5>&1 >/dev/null 2>&1 | cat >/dev/null' _ "$E"
expect 0 "that agent runs" -- "$E" agent status
expect 0 "stop" -- "$E" agent stop

# --- idle timeout ---
expect 0 "agent start --timeout 2" -- "$E" agent start --timeout 2
expect 0 "status: 2 s timeout" -- "$E" agent status
has "$T/out" "idle timeout 2 s" "status shows the timeout"
sleep 4
[ ! -e "$H/agent.sock" ] && ok "after the timeout the socket is gone" || notok "after the timeout the socket is gone"
expect 1 "after the timeout: not running" -- "$E" agent status
expect 3 "after the timeout the command needs the passphrase" -- nopass sign "$T/doc.txt" --cert "$id" -o "$T/doc4.p7s"
has "$T/err" "no passphrase" "it asks for the passphrase"
has "$H/agent.log" "idle for 2 s: the key is forgotten" "the log says the key was forgotten"

# --- a stale key (eseal passwd while the agent runs) is passed over ---
expect 0 "agent start (before passwd)" -- "$E" agent start
printf 'agent-pass-2\n' >"$T/new.pass"
chmod 600 "$T/new.pass"
expect 0 "eseal passwd while the agent runs" -- "$E" passwd --new-pass-file "$T/new.pass"
expect 3 "the agent's old key opens nothing: the passphrase is asked" -- nopass sign "$T/doc.txt" --cert "$id" -o "$T/doc5.p7s"
has "$T/err" "agent of .* is not used" "it says the agent was passed over"
has "$T/err" "no passphrase" "and asks for the passphrase"
expect 3 "the old passphrase does not help either" -- env ESEAL_PASSPHRASE=agent-pass-1 "$E" sign "$T/doc.txt" --cert "$id" -o "$T/doc6.p7s"
expect 0 "the new passphrase works with the stale agent running" -- env ESEAL_PASSPHRASE=agent-pass-2 "$E" sign "$T/doc.txt" --cert "$id" -o "$T/doc7.p7s"
expect 0 "stop the stale agent" -- "$E" agent stop
export ESEAL_PASSPHRASE=agent-pass-2
expect 0 "a new agent with the new passphrase" -- "$E" agent start
expect 0 "it unlocks the re-encrypted keys" -- nopass sign "$T/doc.txt" --cert "$id" -o "$T/doc8.p7s"
expect 0 "stop" -- "$E" agent stop

# --- an agent that answers wrongly is passed over: the command says so and uses the passphrase ---
# A fake agent (python, same uid) at HOME/agent.sock answering each connection with $1 (or nothing).
fake() {
    python3 - "$H/agent.sock" "$1" <<'PYEOF' &
import os, socket, sys
path, answer = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
c, _ = s.accept()
c.recv(256)
if answer != "silent":
    c.sendall(answer.encode() + b"\n")
    c.close()
else:
    c.recv(256)  # until the client gives up and closes
os.unlink(path)
PYEOF
    for _ in $(seq 1 100); do [ -S "$H/agent.sock" ] && break; sleep 0.1; done
}
fake "eseal-agent/2 OK KEK salt=00 n=1 r=1 p=1 key=00"
expect 0 "an agent of another protocol version: passed over, the passphrase used" -- "$E" sign "$T/doc.txt" --cert "$id" -o "$T/f1.p7s"
has "$T/err" "speaks another protocol than eseal-agent/1" "it says why"
wait
fake "eseal-agent/1 OK KEK salt=zz"
expect 0 "a malformed KEK answer: passed over, the passphrase used" -- "$E" sign "$T/doc.txt" --cert "$id" -o "$T/f2.p7s"
has "$T/err" "salt is not 32 lower-case hex digits" "it says why"
wait
fake "eseal-agent/1 OK KEK salt=00000000000000000000000000000000 n=16384 r=8 p=1 key=$(printf '0%.0s' $(seq 1 64))"
expect 0 "a well-formed KEK that is not the instance's: passed over" -- "$E" sign "$T/doc.txt" --cert "$id" -o "$T/f3.p7s"
has "$T/err" "is not this instance's" "it says why"
wait
fake silent
expect 0 "an agent that never answers: given up after its deadline, the passphrase used" -- "$E" sign "$T/doc.txt" --cert "$id" -o "$T/f4.p7s"
has "$T/err" "no line within" "it says why"
wait
[ ! -e "$H/agent.sock" ] && ok "the fakes are gone" || notok "the fakes are gone"

# --- the socket path ---
printf 'not a socket\n' >"$H/agent.sock"
expect 3 "a file that is not a socket at agent.sock: start refused" -- "$E" agent start
has "$T/err" "not a socket" "it says so"
[ "$(cat "$H/agent.sock")" = "not a socket" ] && ok "the file is left alone" || notok "the file is left alone"
rm -f "$H/agent.sock"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$H/agent.sock"
[ -S "$H/agent.sock" ] && ok "a dead agent's socket (nobody listens)" || notok "a dead agent's socket"
expect 1 "a dead socket is not a running agent" -- "$E" agent status
expect 0 "start replaces a dead socket" -- "$E" agent start
expect 0 "status: running" -- "$E" agent status
expect 0 "stop" -- "$E" agent stop
# A home deeper than sun_path (108 bytes): the socket through /proc/self/fd/N of the home.
long=$T/$(printf 'd%.0s' $(seq 1 110))
mkdir -p "$long"
mv "$H" "$long/home"
expect 0 "start with a home path longer than sun_path ($((${#long} + 5)) bytes)" -- "$E" --home "$long/home" agent start
[ -S "$long/home/agent.sock" ] && ok "its socket is in that home" || notok "its socket is in that home"
expect 0 "a command in that home uses it" -- env -u ESEAL_PASSPHRASE setsid -w "$E" --home "$long/home" sign "$T/doc.txt" --cert "$id" -o "$T/doc9.p7s"
expect 0 "status" -- "$E" --home "$long/home" agent status
expect 0 "stop" -- "$E" --home "$long/home" agent stop
[ ! -e "$long/home/agent.sock" ] && ok "the socket is removed" || notok "the socket is removed"
mv "$long/home" "$H"
chmod g+w "$H"
expect 3 "a home others may write to is refused" -- "$E" agent start
has "$T/err" "may be written by others" "it says why"
chmod g-w "$H"

# --- usage ---
expect 2 "--timeout must be a number" -- "$E" agent start --timeout soon
expect 2 "an unknown subcommand" -- "$E" agent restart
expect 0 "help agent" -- "$E" help agent
has "$T/out" "SO_PEERCRED" "help agent says how peers are checked"

tap_done agent
