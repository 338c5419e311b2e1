#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `eseal witness` end to end: init, key, add-log, add-checkpoint from files, and
# `eseal witness serve` on port 0 driven with curl. The litewitness add-checkpoint
# vectors of shared/testdata/tlog-vectors are replayed in order twice (through the
# CLI, then over HTTP) against a witness trusting that Sigsum-style log; every
# status is the C2SP spec's (404 for the unknown origin), 409 answers carry the
# size as text/x.tlog.size, and every 200 cosignature is checked independently of
# eseal: key ID by the C2SP rule and the Ed25519 signature over
# "cosignature/v1\ntime T\n" + checkpoint with `openssl pkeyutl -verify -rawin`.
# Without the vectors (a clone of the project alone) the same steps run on two requests made
# here (a checkpoint of a log key made with openssl: 200, then the same again: 409) and the
# replay of the vectors is reported as skipped.
# Usage: witness_test.sh /path/to/eseal TESTDATA_DIR. TAP.
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/vectors.sh
. "$(dirname "$0")/../lib/vectors.sh"
VROOT=${2-$VECTORS_DEFAULT_ROOT}
VD=$(vectors_dir tlog-vectors "$VROOT")
export ESEAL_PASSPHRASE=witness-pass-1
unset ESEAL_WITNESS_HOME ESEAL_HOME || true
V=$VD/witness-add-checkpoint.json
W=$T/w


# The vectors as files: body.N, and N's spec status in status.N; the log's vkey built by the
# C2SP key-ID rule from the raw Sigsum public key (key name = origin, type 0x01).
if [ -n "$VD" ]; then
    LAST=5
python3 - "$V" "$T" <<'EOF' || { echo "not ok 1 - reading the vectors"; exit 1; }
import base64, hashlib, json, sys
v = json.load(open(sys.argv[1]))
t = sys.argv[2]
pub = bytes.fromhex(v["log_pubkey_hex"])
origin = v["log_origin"]
kid = hashlib.sha256(origin.encode() + b"\n" + b"\x01" + pub).digest()[:4]
open(t + "/logvkey", "w").write("%s+%s+%s" % (origin, kid.hex(), base64.b64encode(b"\x01" + pub).decode()))
open(t + "/origin", "w").write(origin)
open(t + "/originhash", "w").write(hashlib.sha256(origin.encode()).hexdigest())
for i, c in enumerate(v["cases"]):
    open("%s/body.%d" % (t, i), "wb").write(c["request_body"].encode())
    open("%s/status.%d" % (t, i), "w").write(str(c["spec_expected_status"]))
    a = c["assert"]
    open("%s/assert.%d" % (t, i), "w").write(json.loads(a[8:]) if a.startswith("body == ") else "")
print(len(v["cases"]))
EOF
else
    # A log of our own: an Ed25519 key from openssl, its vkey by the same C2SP rule, and a signed
    # checkpoint of size 1 sent with old 0 twice (200 with a cosignature, then 409 "1\n").
    LAST=1
    vectors_skip tlog-vectors "$VROOT" "the litewitness add-checkpoint vectors (replayed through the CLI and over HTTP)"
    openssl genpkey -algorithm ed25519 -out "$T/log.key" 2>/dev/null
    python3 - "$T" <<'EOF' || { echo "not ok 1 - making a checkpoint"; exit 1; }
import base64, hashlib, subprocess, sys
t = sys.argv[1]
pub = subprocess.run(["openssl", "pkey", "-in", t + "/log.key", "-pubout", "-outform", "DER"],
                     check=True, capture_output=True).stdout[-32:]
origin = "example.com/eseal-test-log"
kid = hashlib.sha256(origin.encode() + b"\n" + b"\x01" + pub).digest()[:4]
open(t + "/logvkey", "w").write("%s+%s+%s" % (origin, kid.hex(), base64.b64encode(b"\x01" + pub).decode()))
open(t + "/origin", "w").write(origin)
open(t + "/originhash", "w").write(hashlib.sha256(origin.encode()).hexdigest())
text = "%s\n1\n%s\n" % (origin, base64.b64encode(hashlib.sha256(b"\x00leaf").digest()).decode())
open(t + "/note", "wb").write(text.encode())
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", t + "/log.key", "-in", t + "/note"],
                     check=True, capture_output=True).stdout
body = "old 0\n\n%s\n\u2014 %s %s\n" % (text, origin, base64.b64encode(kid + sig).decode())
for i, (status, want) in enumerate(((200, ""), (409, "1\n"))):
    open("%s/body.%d" % (t, i), "wb").write(body.encode())
    open("%s/status.%d" % (t, i), "w").write(str(status))
    open("%s/assert.%d" % (t, i), "w").write(want)
EOF
fi
NCASES=$(ls "$T"/body.* | wc -l)
ORIGIN=$(cat "$T/origin")

# Checks the cosignature line in FILE over the checkpoint of body.N with the witness key, without eseal.
cosig_ok() { # cosig_ok FILE N
    python3 - "$1" "$T/body.$2" "$T/vkey" "$T" <<'EOF' || return 1
import base64, hashlib, struct, sys, time
line = open(sys.argv[1], "rb").read().decode()
body = open(sys.argv[2], "rb").read().decode()
vkey = open(sys.argv[3]).read().strip()
t = sys.argv[4]
name, kid, key = vkey.split("+", 2)
key = base64.b64decode(key)
assert key[0] == 4 and len(key) == 33, "not a cosignature key"
assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == kid, "key ID rule"
assert line.count("\n") == 1 and line.endswith("\n"), "one line"
dash, lname, sig = line[:-1].split(" ")
assert dash == "\u2014" and lname == name, "line prefix"
raw = base64.b64decode(sig, validate=True)
assert len(raw) == 76 and raw[:4].hex() == kid, "76 bytes, key ID first"
ts = struct.unpack(">Q", raw[4:12])[0]
assert ts != 0 and abs(ts - time.time()) < 120, "timestamp %d" % ts
text = body.split("\n\n", 1)[1].rsplit("\n\n", 1)[0] + "\n"
open(t + "/msg", "wb").write(b"cosignature/v1\ntime %d\n" % ts + text.encode())
open(t + "/sig", "wb").write(raw[12:])
# SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): fixed prefix and the 32 key bytes.
spki = bytes.fromhex("302a300506032b6570032100") + key[1:]
open(t + "/pub.pem", "w").write("-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(spki).decode())
EOF
    openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig" >/dev/null 2>&1
}

expect 2 "witness init needs --home" -- "$E" witness init --name example.com/witness
has "$T/err" "needs --home DIR" "it says so"
expect 2 "witness init needs --name" -- "$E" witness init --home "$W"
expect 2 "a name with a space is refused" -- "$E" witness init --home "$W" --name "a b"
[ ! -e "$W/witness.conf" ] && ok "a refused init leaves no witness" || notok "a refused init leaves no witness"
expect 0 "witness init" -- "$E" witness init --home "$W" --name example.com/witness
has "$T/out" "vkey: example.com/witness+" "init prints the vkey"
expect 3 "init refuses an existing witness" -- "$E" witness init --home "$W" --name example.com/witness
has "$T/err" "already holds a witness" "and says why"
[ "$(stat -c %a "$W/keys/witness.key")" = 600 ] && ok "the key file is 0600" || notok "key file mode"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$W/keys/witness.key" && ok "the key file is encrypted" || notok "key encrypted"
expect 0 "witness key (no passphrase needed)" -- env -u ESEAL_PASSPHRASE "$E" witness key --home "$W"
cp "$T/out" "$T/vkey"
grep -qx "example.com/witness+[0-9a-f]\{8\}+[A-Za-z0-9+/]*=*" "$T/vkey" && ok "key prints NAME+ID+BASE64" ||
    notok "key: $(cat "$T/vkey")"
cmp -s "$T/vkey" "$W/witness.vkey" && ok "the same as witness.vkey" || notok "witness.vkey differs"
expect 0 "\$ESEAL_WITNESS_HOME stands for --home" -- env ESEAL_WITNESS_HOME="$W" "$E" witness key
expect 0 "add-log with the vectors' log key" -- "$E" witness add-log --home "$W" --origin "$ORIGIN" --vkey "$(cat "$T/logvkey")"
expect 3 "the same key again is refused" -- "$E" witness add-log --home "$W" --origin "$ORIGIN" --vkey "$(cat "$T/logvkey")"
expect 2 "a cosignature key is no log key" -- "$E" witness add-log --home "$W" --origin x.example --vkey "$(cat "$T/vkey")"
expect 2 "add-log needs --vkey" -- "$E" witness add-log --home "$W" --origin x.example
grep -qx "log = $ORIGIN $(cat "$T/logvkey")" "$W/witness.conf" && ok "witness.conf lists the log" || notok "conf"
expect 2 "an unknown subcommand" -- "$E" witness frob --home "$W"
expect 0 "eseal help witness" -- "$E" help witness
has "$T/out" "eseal witness add-checkpoint --home DIR FILE" "the help shows add-checkpoint"
has "$T/out" "409 old size is not the size last cosigned" "and the statuses"

# The vectors through the CLI, in order, on witness W.
for i in $(seq 0 $((NCASES - 1))); do
    want=$(cat "$T/status.$i")
    code=0
    [ "$want" = 200 ] || code=1
    expect $code "add-checkpoint vector $i exits $code" -- "$E" witness add-checkpoint --home "$W" "$T/body.$i"
    has "$T/err" "^status: $want\$" "vector $i: status $want"
    if [ "$want" = 200 ]; then
        cosig_ok "$T/out" "$i" && ok "vector $i: the cosignature verifies with openssl" || notok "vector $i: cosignature"
    elif [ -s "$T/assert.$i" ]; then
        cmp -s "$T/out" "$T/assert.$i" && ok "vector $i: body '$(tr -d '\n' <"$T/assert.$i")\\n'" || notok "vector $i: body $(cat "$T/out")"
    fi
done
expect 3 "a wrong passphrase" -- env ESEAL_PASSPHRASE=wrong-passphrase "$E" witness add-checkpoint --home "$W" "$T/body.0"
has "$T/err" "passphrase" "is named"

# Over HTTP: a second witness with the same log, served on a free port.
W2=$T/w2
"$E" witness init --home "$W2" --name example.com/witness >/dev/null 2>&1 &&
    "$E" witness add-log --home "$W2" --origin "$ORIGIN" --vkey "$(cat "$T/logvkey")" >/dev/null 2>&1 ||
    notok "second witness"
"$E" witness key --home "$W2" >"$T/vkey"
"$E" witness serve --home "$W2" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 100); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.out")
[ -n "$PORT" ] && [ "$PORT" -gt 0 ] && ok "witness serve listens (port $PORT)" || notok "serve: $(cat "$T/serve.err")"
BASE=http://127.0.0.1:$PORT
curl -s -o "$T/get" -w '%{http_code}' "$BASE/$(cat "$T/originhash")/checkpoint" >"$T/code"
[ "$(cat "$T/code")" = 404 ] && ok "GET checkpoint before any: 404" || notok "GET before: $(cat "$T/code")"
for i in $(seq 0 $((NCASES - 1))); do
    want=$(cat "$T/status.$i")
    curl -s -o "$T/resp" -w '%{http_code} %{content_type}' --data-binary "@$T/body.$i" "$BASE/add-checkpoint" >"$T/code"
    read -r code ctype <"$T/code"
    [ "$code" = "$want" ] && ok "POST vector $i: $want" || notok "POST vector $i: $code, wanted $want ($(cat "$T/resp"))"
    if [ "$want" = 200 ]; then
        cosig_ok "$T/resp" "$i" && ok "vector $i: the cosignature verifies with openssl" || notok "vector $i: cosignature"
    elif [ "$want" = 409 ]; then
        [ "$ctype" = text/x.tlog.size ] && cmp -s "$T/resp" "$T/assert.$i" &&
            ok "vector $i: 409 text/x.tlog.size '$(tr -d '\n' <"$T/resp")\\n'" || notok "vector $i: 409 $ctype $(cat "$T/resp")"
    fi
done
curl -s -o "$T/get" -w '%{http_code}' "$BASE/$(cat "$T/originhash")/checkpoint" >"$T/code"
[ "$(cat "$T/code")" = 200 ] && grep -q "^$LAST$" "$T/get" && grep -q "^— example.com/witness " "$T/get" &&
    grep -q "^— $ORIGIN " "$T/get" && ok "GET checkpoint: size $LAST with the log's signature and the cosignature" ||
    notok "GET checkpoint: $(cat "$T/code") $(cat "$T/get")"
curl -s -o /dev/null -w '%{http_code}' "$BASE/add-checkpoint" >"$T/code"
[ "$(cat "$T/code")" = 405 ] && ok "GET /add-checkpoint: 405" || notok "GET add-checkpoint: $(cat "$T/code")"
curl -s -o /dev/null -w '%{http_code}' --data-binary "@$T/body.0" "$BASE/elsewhere" >"$T/code"
[ "$(cat "$T/code")" = 404 ] && ok "another path: 404" || notok "other path: $(cat "$T/code")"
head -c 200000 /dev/zero | tr '\0' A >"$T/big"
curl -s -o /dev/null -w '%{http_code}' --data-binary "@$T/big" "$BASE/add-checkpoint" >"$T/code"
[ "$(cat "$T/code")" = 413 ] && ok "a 200 kB body: 413" || notok "big body: $(cat "$T/code")"
kill -TERM "$SERVE" 2>/dev/null
wait "$SERVE"
[ $? -eq 0 ] && ok "witness serve stops cleanly on SIGTERM" || notok "witness serve exit status on SIGTERM"

tap_done witness_test
