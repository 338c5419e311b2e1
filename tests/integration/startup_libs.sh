#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a start loads (issue 18, docs/performance.md "Start-up"), counted, not timed: `eseal
# version`, `eseal verify` of a PDF and a stamp without a QR code (PDF or OFD, of a seal that keeps
# its outline in the registry) load none of cairo, FreeType, libqrencode, libcurl, libmicrohttpd
# nor the modules that use them (src/util/module.h); `eseal version` and `eseal verify` of a PDF
# load neither libzip nor libxml2 (loaded with the first OFD, src/ofd/ofd_libs.h); the commands
# that need them load them and work: an OFD stamp and its verification, a seal with a drawn
# imprint, a stamp of a seal made before outlines were kept, a stamp with its QR code, `eseal
# serve` and a B-T stamp
# whose time-stamp token comes from it over HTTP. The loader's refusals: a missing module (the
# message names the file), a relative ESEAL_MODULE_DIR, a module writable by others, a file that
# is not a module. Libraries are read from the dynamic loader's own trace (LD_DEBUG=libs:
# "calling init: PATH" for every library a process initialises, dlopen'ed ones included) and from
# /proc/PID/maps of the running server.
# Usage: startup_libs.sh /path/to/eseal   (ESEAL_MODULE_DIR: where the modules are, if not beside it)
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=../lib/store.sh
. "$(dirname "$0")/../lib/store.sh"
R=$(dirname "$0")/../resources
export ESEAL_PASSPHRASE=startup-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
# A module is dlopen'ed as /proc/self/fd/N (the file the loader checked): the trace names it so.
HEAVY='libcairo|libfreetype|libqrencode|libcurl|libmicrohttpd|eseal-draw\.so|eseal-http\.so|/proc/self/fd/'
# libzip and libxml2 (and ICU with it) come with the first OFD (src/ofd/ofd_libs.h).
OFDLIBS='libzip|libxml2|libicu'

# libs NAME CMD...: runs CMD with the loader's trace; the initialised libraries go to $T/NAME.libs.
libs() {
    local name=$1
    shift
    rm -f "$T/$name.trace".*
    LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/$name.trace" "$@" >"$T/$name.out" 2>"$T/$name.err"
    local rc=$?
    cat "$T/$name.trace".* 2>/dev/null | sed -n 's/.*calling init: //p' | sort -u >"$T/$name.libs"
    return $rc
}
# none NAME WHAT: the run NAME initialised none of the heavy libraries.
none() {
    if [ ! -s "$T/$1.libs" ]; then
        notok "$2: no loader trace (LD_DEBUG ignored?)"
    elif grep -Eq "$HEAVY" "$T/$1.libs"; then
        notok "$2 loads $(grep -E "$HEAVY" "$T/$1.libs" | xargs -n1 basename | tr '\n' ' ')"
    else
        ok "$2 loads no module and none of cairo, FreeType, libqrencode, libcurl, libmicrohttpd ($(wc -l <"$T/$1.libs") libraries)"
    fi
}
# no_ofd NAME WHAT: the run NAME initialised neither libzip nor libxml2 (nor ICU).
no_ofd() {
    if [ -s "$T/$1.libs" ] && ! grep -Eq "$OFDLIBS" "$T/$1.libs"; then
        ok "$2 loads neither libzip nor libxml2"
    else
        notok "$2 loads $(grep -E "$OFDLIBS" "$T/$1.libs" | xargs -n1 basename | tr '\n' ' ')"
    fi
}
# some NAME PATTERN WHAT: the run NAME initialised a library matching PATTERN.
some() {
    grep -Eq "$2" "$T/$1.libs" && ok "$3" || notok "$3: not in $(xargs -n1 basename <"$T/$1.libs" | tr '\n' ' ')"
}

# without LIB NAME DESC: the libraries of run NAME do not include LIB (an extended regex).
without() {
    if [ -s "$T/$2.libs" ] && ! grep -Eq "$1" "$T/$2.libs"; then
        ok "$3 ($(wc -l <"$T/$2.libs") libraries)"
    else
        notok "$3: loads $(grep -E "$1" "$T/$2.libs" 2>/dev/null | xargs -n1 basename | tr '\n' ' ')"
    fi
}
# libqpdf, and the libraries it brings (GnuTLS and its 8, libstdc++, ...), come with the first PDF
# (src/pdf/pdf_qpdf.h). libstdc++ is not looked for: the sanitizer build's runtime brings it.
QPDFLIBS='libqpdf|libgnutls'

libs version "$E" version && ok "eseal version" || notok "eseal version: $(cat "$T/version.err")"
none version "eseal version"
no_ofd version "eseal version"
without "$QPDFLIBS" version "eseal version loads neither libqpdf nor GnuTLS"

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Startup Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
[ -n "$id" ] && ok "a certificate" || notok "a certificate: $(cat "$T/err")"
libs seal "$E" seal make --cert "$id" --name "Startup Seal" && ok "a seal with a drawn imprint" ||
    notok "seal make: $(cat "$T/seal.err")"
seal=$(cat "$T/seal.out")
some seal '/proc/self/fd/' "seal make loads a module (through the descriptor the loader checked)"
some seal 'libcairo' "... and cairo with it"
mkdir "$T/d"
python3 "$R/mkpdf.py" "$T/d/in.pdf" 3
# A stamp without a QR code draws nothing: the seal's outline is read from the registry, where
# seal make kept it (src/service/seal.c, seal/outline.h), so no drawing module, no cairo/FreeType.
libs plain "$E" stamp "$T/d/in.pdf" -o "$T/d/plain.pdf" --seal "$seal" --page 1 &&
    ok "a stamp of a new seal (no QR code)" || notok "stamp: $(cat "$T/plain.err")"
none plain "a PDF stamp of a new seal"
no_ofd plain "a PDF stamp"
some plain 'libqpdf' "a PDF stamp loads libqpdf"
expect 0 "... it verifies (VALID)" -- "$E" verify "$T/d/plain.pdf"
python3 "$R/mkofd.py" "$T/d/in.ofd"
libs ofd "$E" stamp "$T/d/in.ofd" -o "$T/d/s.ofd" --seal "$seal" --page 1 &&
    ok "an OFD stamp of a new seal" || notok "OFD stamp: $(cat "$T/ofd.err")"
none ofd "an OFD stamp of a new seal"
some ofd 'libzip' "the OFD stamp loads libzip"
without 'libqpdf' ofd "the OFD stamp does not load libqpdf"
expect 0 "... it verifies (VALID)" -- "$E" verify "$T/d/s.ofd"
# A seal made before outlines were kept (its description without one): drawn as then, through the
# module. The row is changed on a connection of the test's own, then put back.
row() { # row get|strip|put FILE: the seal's description (on whichever store the instance has)
    local js
    case $1 in
    get) printf '%s' "$(store_sql "$ESEAL_HOME" "SELECT imprint FROM seals WHERE esid = '$seal'")" >"$2" ;;
    *)
        js=$(python3 - "$1" "$2" <<'PY'
import json, sys
how, f = sys.argv[1:3]
js = open(f).read()
if how == "strip":
    d = json.loads(js)
    del d["outline"]
    js = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print(js.replace("'", "''"))
PY
        )
        [ "$(store_sql "$ESEAL_HOME" "UPDATE seals SET imprint = '$js' WHERE esid = '$seal' RETURNING esid")" = \
            "$seal" ]
        ;;
    esac
}
row get "$T/imprint.json"
grep -q '"outline":"' "$T/imprint.json" && ok "the seal's row keeps its outline" || notok "no outline in the row"
row strip "$T/imprint.json"
libs old "$E" stamp "$T/d/in.pdf" -o "$T/d/old.pdf" --seal "$seal" --page 1 &&
    ok "a stamp of a seal without a stored outline" || notok "old-seal stamp: $(cat "$T/old.err")"
some old '/proc/self/fd/' "... draws it through the drawing module"
some old 'libcairo' "... and cairo with it"
expect 0 "... it verifies (VALID)" -- "$E" verify "$T/d/old.pdf"
row put "$T/imprint.json"
libs stamp "$E" stamp "$T/d/in.pdf" -o "$T/d/s.pdf" --seal "$seal" --page 1 --qr &&
    ok "a stamp with the drawn imprint and a QR code" || notok "stamp: $(cat "$T/stamp.err")"
some stamp 'libqrencode' "the stamp's QR code loads libqrencode (through the drawing module)"
# libpq is dlopen'ed by the PostgreSQL store alone (src/store/postgresql.c): a SQLite instance never loads it.
if store_is_pg "$ESEAL_HOME"; then
    some stamp 'libpq' "a PostgreSQL instance's stamp loads libpq"
else
    without 'libpq' stamp "a SQLite instance's stamp does not load libpq"
fi
grep -Eq 'libcurl|libmicrohttpd' "$T/stamp.libs" && notok "a B-B stamp loads the HTTP module" ||
    ok "a B-B stamp loads no HTTP library"
libs verify "$E" verify "$T/d/s.pdf"
rc=$?
[ $rc -eq 0 ] && ok "the stamped file verifies (VALID)" || notok "verify: exit $rc: $(cat "$T/verify.out" "$T/verify.err")"
none verify "eseal verify"
no_ofd verify "eseal verify of a PDF"
libs verifyjson "$E" verify --json "$T/d/s.pdf" >/dev/null
none verifyjson "eseal verify --json"
no_ofd verifyjson "eseal verify --json of a PDF"
some verify 'libqpdf' "a PDF verification loads libqpdf"
# A stamp made by the agent: the command only asks, and loads no PDF library.
expect 0 "agent start" -- "$E" agent start
libs agentstamp env -u ESEAL_PASSPHRASE "$E" stamp "$T/d/in.pdf" -o "$T/d/agent.pdf" --seal "$seal" --page 1 &&
    ok "a stamp made by the agent" || notok "a stamp made by the agent: $(cat "$T/agentstamp.err")"
grep -q "stamped $(head -1 "$T/agentstamp.out") " "$ESEAL_HOME/agent.log" && ok "... by the agent (its log)" ||
    notok "... by the agent: $(tail -2 "$ESEAL_HOME/agent.log")"
without "$QPDFLIBS" agentstamp "its command loads neither libqpdf nor GnuTLS"
expect 0 "agent stop" -- "$E" agent stop
expect 0 "... it verifies (VALID)" -- "$E" verify "$T/d/agent.pdf"
# The OFD stamped above: its verification loads libzip and libxml2, and works.
libs ofdverify "$E" verify "$T/d/s.ofd" && ok "the stamped OFD verifies (VALID)" ||
    notok "OFD verify: $(cat "$T/ofdverify.out" "$T/ofdverify.err")"
some ofdverify 'libzip' "the OFD verification loads libzip"
some ofdverify 'libxml2' "... and libxml2"

# HTTP: the server (libmicrohttpd) and the client (libcurl) of a B-T stamp.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$E" serve --listen "127.0.0.1:$PORT" --only tsa >"$T/serve.out" 2>"$T/serve.err" &
SERVE=$!
for _ in $(seq 150); do grep -q "port" "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
if grep -q "listening on 127.0.0.1:$PORT" "$T/serve.out"; then
    ok "eseal serve listens"
    grep -q 'eseal-http\.so' "/proc/$SERVE/maps" && grep -q 'libmicrohttpd' "/proc/$SERVE/maps" &&
        ok "serve maps the HTTP module (eseal-http.so) and libmicrohttpd" ||
        notok "serve maps no libmicrohttpd"
    grep -q 'libcairo' "/proc/$SERVE/maps" && notok "serve maps cairo" || ok "serve maps no cairo"
    libs bt "$E" stamp "$T/d/in.pdf" -o "$T/d/bt.pdf" --seal "$seal" --page 1 --level B-T \
        --tsa "http://127.0.0.1:$PORT/tsa" && ok "a B-T stamp with a token fetched over HTTP" ||
        notok "B-T stamp: $(cat "$T/bt.err")"
    some bt 'libcurl' "the B-T stamp loads libcurl (through the HTTP module)"
    expect 0 "the B-T stamp verifies" -- "$E" verify "$T/d/bt.pdf"
else
    notok "eseal serve does not listen: $(cat "$T/serve.err")"
fi
kill "$SERVE" 2>/dev/null
wait "$SERVE" 2>/dev/null

# The loader's refusals: a clear error naming the file, never a module from elsewhere.
mkdir "$T/empty"
ESEAL_MODULE_DIR=$T/empty "$E" seal make --cert "$id" --name "No Module" >"$T/o" 2>"$T/e"
rc=$?
# The program's own directory is looked at after ESEAL_MODULE_DIR: only when the modules are not
# beside it (the tests' build tree has them there) does the empty folder make the drawing fail.
if [ -e "$(dirname "$E")/eseal-draw.so" ]; then
    [ $rc -eq 0 ] && ok "an empty ESEAL_MODULE_DIR falls back to the modules beside the program" ||
        notok "fallback beside the program: exit $rc: $(cat "$T/e")"
else
    [ $rc -eq 3 ] && grep -q "eseal-draw.so not found" "$T/e" && ok "a missing module: exit 3, the file named" ||
        notok "a missing module: exit $rc: $(cat "$T/e")"
fi
# The program alone in a folder, no module beside it: the error names the file and where it looked.
mkdir "$T/bin"
cp "$E" "$T/bin/eseal"
ESEAL_MODULE_DIR=$T/empty "$T/bin/eseal" seal make --cert "$id" --name "Alone" >"$T/o" 2>"$T/e"
rc=$?
if grep -q "not found" "$T/e" || [ $rc -ne 0 ]; then
    [ $rc -eq 3 ] && grep -q "module eseal-draw.so not found (looked in $T/empty, $T/bin, $T/bin/eseal, $T/bin/../" "$T/e" &&
        ok "a missing module: exit 3, the file and the folders named" || notok "a missing module: exit $rc: $(cat "$T/e")"
else
    skip "the modules are installed here (the install directory compiled in has them)"
fi
expect 2 "a relative ESEAL_MODULE_DIR is refused (ESEAL_EINVAL)" -- env ESEAL_MODULE_DIR=relative/dir "$E" seal make --cert "$id" \
    --name "Relative"
has "$T/err" "must be an absolute path" "... saying it must be absolute"
mkdir "$T/bad"
printf 'not an ELF file\n' >"$T/bad/eseal-draw.so"
chmod 644 "$T/bad/eseal-draw.so"
ESEAL_MODULE_DIR=$T/bad "$E" seal make --cert "$id" --name "Bad Module" >"$T/o" 2>"$T/e"
rc=$?
[ $rc -eq 3 ] && grep -q "module $T/bad/eseal-draw.so" "$T/e" && ok "a file that is not a module: exit 3, the file named" ||
    notok "not a module: exit $rc: $(cat "$T/e")"
M=$(dirname "$E")/eseal-draw.so
[ -n "${ESEAL_MODULE_DIR:-}" ] && [ -e "$ESEAL_MODULE_DIR/eseal-draw.so" ] && M=$ESEAL_MODULE_DIR/eseal-draw.so
if [ -e "$M" ]; then
    mkdir "$T/open"
    cp "$M" "$T/open/eseal-draw.so"
    chmod 666 "$T/open/eseal-draw.so"
    ESEAL_MODULE_DIR=$T/open "$E" seal make --cert "$id" --name "Open Module" >"$T/o" 2>"$T/e"
    rc=$?
    [ $rc -eq 3 ] && grep -q "writable by others" "$T/e" && ok "a module writable by others is refused" ||
        notok "writable module: exit $rc: $(cat "$T/e")"
    chmod 664 "$T/open/eseal-draw.so"
    ESEAL_MODULE_DIR=$T/open "$E" seal make --cert "$id" --name "Group Module" >"$T/o" 2>"$T/e"
    rc=$?
    [ $rc -eq 3 ] && grep -q "writable by its group" "$T/e" && ok "a module writable by its group is refused" ||
        notok "group-writable module: exit $rc: $(cat "$T/e")"
    chmod 644 "$T/open/eseal-draw.so"
    ESEAL_MODULE_DIR=$T/open "$E" seal make --cert "$id" --name "Copied Module" >"$T/o" 2>"$T/e" &&
        ok "the same file, not writable by others, is loaded" || notok "copied module: $(cat "$T/e")"
else
    skip "no eseal-draw.so found to copy (ESEAL_MODULE_DIR unset and none beside $E)"
    skip "the copied module"
    skip "the group-writable module"
fi
tap_done "startup_libs"
