#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CLI's file habits (issue #14 §3): "-" for standard input and output, progress of long work,
# SIGINT during a batch and --skip-existing, never replacing the user's input, refusing FIFOs and
# other non-regular inputs.
# Usage: cli_io_test.sh /path/to/eseal
set -u
E=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=integration-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
# Every temporary file eseal makes for "-" goes here, to check that none is left behind.
mkdir "$T/tmp"
export TMPDIR=$T/tmp
R=$(dirname "$0")/../resources
export PYTHONPATH="$R${PYTHONPATH:+:$PYTHONPATH}"
check() { # check DESCRIPTION -- command... (a condition)
    local desc=$1
    shift 2
    if "$@"; then ok "$desc"; else notok "$desc"; fi
}
verdict() { "$E" verify "$1" 2>/dev/null | sed -n 's/^verdict: //p'; }

# ---- init says what it generates, on stderr --------------------------------------
expect 0 "init" -- "$E" init
[ "$(grep -c '^generating the .* hierarchy' "$T/err")" -eq 3 ] && ok "init: one progress line per CA hierarchy on stderr" ||
    notok "init progress: $(cat "$T/err")"
has "$T/err" "generating the rsa hierarchy (RSA 3072)" "init names the algorithm it generates"
grep -q generating "$T/out" && notok "progress stays off standard output" || ok "progress stays off standard output"

ORG=$("$E" cert issue --org "北京示例科技有限公司" --uscc 91110000MA01ABCDEX --alg sm2)
S=$("$E" seal make --cert "$ORG" --type contract --name "北京示例科技有限公司合同专用章")
python3 "$R/mkpdf.py" "$T/in.pdf" 1
python3 "$R/mkofd.py" "$T/in.ofd" 1

# ---- "-": standard input and output ---------------------------------------------
"$E" stamp - -o - --seal "$S" <"$T/in.pdf" >"$T/sp.pdf" 2>"$T/err"
check "stamp - -o - < PDF > PDF" -- [ $? -eq 0 ]
check "the stdout document keeps the input as an exact prefix" -- cmp -s -n "$(stat -c %s "$T/in.pdf")" "$T/in.pdf" "$T/sp.pdf"
[ "$(verdict "$T/sp.pdf")" = VALID ] && ok "the PDF written to stdout verifies VALID" || notok "stdout PDF: $(verdict "$T/sp.pdf")"
grep -q '^ST20' "$T/err" && ok "with -o - the serial goes to stderr" || notok "serial on stderr: $(cat "$T/err")"
"$E" stamp - -o - --seal "$S" <"$T/in.ofd" >"$T/sp.ofd" 2>"$T/err"
check "stamp - -o - sniffs an OFD from its content" -- [ $? -eq 0 ]
[ "$(verdict "$T/sp.ofd")" = VALID ] && ok "the OFD written to stdout verifies VALID" || notok "stdout OFD: $(verdict "$T/sp.ofd")"

# ---- --digests: which digests of the whole file the report carries ---------------------
# digests FILE ARGS...: "<verdict> <sha256 or null> <sm3 or null>" of `eseal verify --json ARGS FILE`
digests() {
    local f=$1
    shift
    "$E" verify --json "$@" "$f" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["verdict"], d["document"]["sha256"] or "null", d["document"]["sm3"] or "null")'
}
for f in sp.pdf sp.ofd; do
    sha=$(sha256sum "$T/$f" | cut -d" " -f1)
    sm3=$(openssl dgst -sm3 -r "$T/$f" | cut -d" " -f1)
    [ "$(digests "$T/$f")" = "VALID $sha $sm3" ] && ok "$f: the report carries the file's SHA-256 and SM3 by default" ||
        notok "$f default digests: $(digests "$T/$f")"
    [ "$(digests "$T/$f" --digests sha256)" = "VALID $sha null" ] && ok "$f: --digests sha256 leaves document.sm3 null" ||
        notok "$f --digests sha256: $(digests "$T/$f" --digests sha256)"
    [ "$(digests "$T/$f" --digests sm3)" = "VALID null $sm3" ] && ok "$f: --digests sm3 leaves document.sha256 null" ||
        notok "$f --digests sm3: $(digests "$T/$f" --digests sm3)"
    [ "$(digests "$T/$f" --digests sm3,sha256)" = "VALID $sha $sm3" ] && ok "$f: --digests sm3,sha256 gives both" ||
        notok "$f --digests sm3,sha256: $(digests "$T/$f" --digests sm3,sha256)"
done
for arg in md5 sha256, ,sm3 "" sha256,,sm3; do
    "$E" verify --digests "$arg" "$T/sp.pdf" >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q -- "--digests takes sha256, sm3 or sha256,sm3" "$T/err" &&
        ok "--digests '$arg' is a usage error naming what it takes" || notok "--digests '$arg': exit $rc: $(cat "$T/err")"
done
"$E" stamp - -o - --seal "$S" --page 9 <"$T/in.pdf" >"$T/fail.pdf" 2>"$T/err"
check "a failed stamp to stdout fails" -- [ $? -ne 0 ]
check "and writes nothing to stdout (no half document)" -- [ ! -s "$T/fail.pdf" ]
expect 0 "verify - reads a PDF from stdin" -- sh -c '"$1" verify - <"$2"' _ "$E" "$T/sp.pdf"
has "$T/out" "verdict: VALID" "verify - says VALID"
expect 0 "verify - reads an OFD from stdin" -- sh -c '"$1" verify - <"$2"' _ "$E" "$T/sp.ofd"
# A file is mapped (util/map.c), standard input read: the same report, byte for byte, for both kinds.
for k in pdf ofd; do
    "$E" verify --json --at 2030-01-01 "$T/sp.$k" >"$T/mapped.json" 2>&1
    "$E" verify --json --at 2030-01-01 - <"$T/sp.$k" >"$T/read.json" 2>&1
    check "verify FILE.$k (mapped) and verify - (read) give the same report" -- cmp -s "$T/mapped.json" "$T/read.json"
done
head -c 50000 /dev/urandom >"$T/doc.bin"
head -c 50000 /dev/urandom >"$T/other.bin"
expect 0 "sign" -- "$E" sign "$T/doc.bin" --cert "$ORG" -o "$T/doc.p7s"
expect 0 "verify - --data FILE: the CMS from stdin" -- sh -c '"$1" verify - --data "$2" <"$3"' _ "$E" "$T/doc.bin" "$T/doc.p7s"
expect 0 "verify SIG --data -: the content from stdin" -- sh -c '"$1" verify "$2" --data - <"$3"' _ "$E" "$T/doc.p7s" "$T/doc.bin"
expect 1 "verify SIG --data - with other content is not VALID" -- sh -c '"$1" verify "$2" --data - <"$3"' _ "$E" "$T/doc.p7s" "$T/other.bin"
expect 2 "the signature and --data cannot both be stdin" -- "$E" verify - --data -
"$E" sign - --cert "$ORG" <"$T/doc.bin" >"$T/stdin.p7s" 2>"$T/err"
check "sign - writes the signature of stdin to stdout" -- [ $? -eq 0 -a -s "$T/stdin.p7s" ]
expect 0 "and it verifies over the file" -- "$E" verify "$T/stdin.p7s" --data "$T/doc.bin"
mkdir "$T/bl" "$T/blo"
for i in 1 2 3; do cp "$T/in.pdf" "$T/bl/l$i.pdf"; done
expect 0 "stamp --batch - reads the list from stdin" -- sh -c 'ls "$2"/*.pdf | "$1" stamp --batch - -O "$3" --seal "$4"' _ "$E" "$T/bl" "$T/blo" "$S"
[ "$(grep -c ' -> ' "$T/out")" -eq 3 ] && ok "three documents from the stdin list" || notok "batch - : $(cat "$T/out")"
grep -q '\[1/3\]' "$T/err" && notok "no progress line when stderr is not a terminal" || ok "no progress line when stderr is not a terminal"
expect 0 "verify --batch - reads the list from stdin" -- sh -c 'ls "$2"/*.pdf | "$1" verify --batch -' _ "$E" "$T/blo"
[ "$(grep -c '^VALID' "$T/out")" -eq 3 ] && ok "verify --batch -: three VALID" || notok "verify --batch - : $(cat "$T/out")"
"$E" extend - -o - --level B-LT <"$T/sp.pdf" >"$T/ext.pdf" 2>"$T/err"
check "extend - -o -" -- [ $? -eq 0 ]
check "extend to stdout keeps the signed file as a prefix" -- cmp -s -n "$(stat -c %s "$T/sp.pdf")" "$T/sp.pdf" "$T/ext.pdf"
[ "$(verdict "$T/ext.pdf")" = VALID ] && ok "the extended stdout PDF verifies VALID" || notok "extended: $(verdict "$T/ext.pdf")"
"$E" seal show "$S" --imprint - >"$T/imp.png" 2>"$T/err"
head -c 8 "$T/imp.png" | od -An -tx1 | grep -q "89 50 4e 47" && ok "seal show --imprint - writes only a PNG to stdout" || notok "imprint to stdout"
"$E" cert issue --org "Stdout Example Ltd" --uscc 91110000MA01ABCDEX --alg p256 -o - >"$T/c.pem" 2>"$T/err"
check "cert issue -o -" -- [ $? -eq 0 ]
check "its stdout is the certificate only (the id goes to stderr)" -- sh -c 'head -1 "$1" | grep -q "BEGIN CERTIFICATE" && tail -1 "$1" | grep -q "END CERTIFICATE" && [ -s "$2" ]' _ "$T/c.pem" "$T/err"
"$E" ca export --alg sm2 -o - >"$T/ca.pem" 2>"$T/err"
check "ca export -o - writes the chain to stdout and says nothing else" -- sh -c 'grep -q "BEGIN CERTIFICATE" "$1" && [ ! -s "$2" ]' _ "$T/ca.pem" "$T/err"
openssl ts -query -data "$T/doc.bin" -sha256 -cert -out "$T/req.tsq" 2>/dev/null
expect 0 "tsa respond - -o FILE: the request from stdin" -- sh -c '"$1" tsa respond - -o "$2" <"$3"' _ "$E" "$T/resp.tsr" "$T/req.tsq"
openssl ts -reply -in "$T/resp.tsr" -text 2>/dev/null | grep -q "Status: Granted" && ok "and the reply grants it" || notok "tsa respond - reply"
"$E" ca export --alg p256 -o - 2>/dev/null | awk '/BEGIN/{n++} n==1' >"$T/iss.pem"
openssl ocsp -issuer "$T/iss.pem" -cert "$T/c.pem" -reqout "$T/req.ocsp" -no_nonce >/dev/null 2>&1
expect 0 "ocsp respond - -o FILE: the request from stdin" -- sh -c '"$1" ocsp respond - -o "$2" <"$3"' _ "$E" "$T/resp.ocsp" "$T/req.ocsp"
openssl ocsp -respin "$T/resp.ocsp" -resp_text -noverify 2>/dev/null | grep -q "Cert Status: good" && ok "and the answer is good" || notok "ocsp respond - answer"
expect 3 "standard input is read only up to the reader's limit" -- sh -c 'head -c 5000 /dev/zero | "$1" cert import "$2" --key-pass-file -' _ "$E" "$T/c.pem"
has "$T/err" "standard input is more than the limit of 1000 bytes" "the limit is named"
check "no temporary file of '-' is left in TMPDIR" -- [ -z "$(ls -A "$T/tmp")" ]

# ---- never destroy the user's data -------------------------------------------------
mkdir "$T/own"
cp "$T/in.pdf" "$T/own/a.pdf"
cp "$T/in.pdf" "$T/orig.pdf"
expect 2 "stamp IN -o IN is refused" -- "$E" stamp "$T/own/a.pdf" -o "$T/own/a.pdf" --seal "$S"
has "$T/err" "is the input" "the refusal says the output is the input"
has "$T/err" "in-place" "and how to ask for it"
expect 2 "stamp IN -o ./IN is refused (by inode, not name)" -- sh -c 'cd "$2" && "$1" stamp a.pdf -o ./a.pdf --seal "$3"' _ "$E" "$T/own" "$S"
expect 2 "stamp IN -o DIR/../IN is refused" -- "$E" stamp "$T/own/a.pdf" -o "$T/own/../own/a.pdf" --seal "$S"
ln "$T/own/a.pdf" "$T/own/hard.pdf"
expect 2 "stamp IN -o HARDLINK-OF-IN is refused" -- "$E" stamp "$T/own/a.pdf" -o "$T/own/hard.pdf" --seal "$S"
check "the refused input is untouched" -- cmp -s "$T/own/a.pdf" "$T/orig.pdf"
cp "$T/in.ofd" "$T/own/o.ofd"
expect 2 "an OFD stamped onto itself is refused" -- "$E" stamp "$T/own/o.ofd" -o "$T/own/o.ofd" --seal "$S"
check "the OFD is untouched" -- cmp -s "$T/own/o.ofd" "$T/in.ofd"
ln -s a.pdf "$T/own/link.pdf"
expect 0 "an output that is a symbolic link to the input is replaced, not followed" -- "$E" stamp "$T/own/a.pdf" -o "$T/own/link.pdf" --seal "$S"
check "the input behind the link is untouched" -- sh -c 'cmp -s "$1" "$2" && [ ! -L "$3" ]' _ "$T/own/a.pdf" "$T/orig.pdf" "$T/own/link.pdf"
expect 0 "stamp IN --in-place" -- "$E" stamp "$T/own/a.pdf" --in-place --seal "$S"
[ "$(verdict "$T/own/a.pdf")" = VALID ] && ok "the input stamped in place verifies VALID" || notok "in place: $(verdict "$T/own/a.pdf")"
check "the in-place stamp appends (the original is a prefix)" -- cmp -s -n "$(stat -c %s "$T/orig.pdf")" "$T/orig.pdf" "$T/own/a.pdf"
check "--in-place replaces by a rename (a hard link keeps the old version)" -- cmp -s "$T/own/hard.pdf" "$T/orig.pdf"
expect 0 "stamp OFD -o OFD --in-place" -- "$E" stamp "$T/own/o.ofd" -o "$T/own/o.ofd" --in-place --seal "$S"
[ "$(verdict "$T/own/o.ofd")" = VALID ] && ok "the OFD stamped in place verifies VALID" || notok "OFD in place"
expect 2 "--in-place and --skip-existing exclude each other" -- "$E" stamp "$T/own/a.pdf" --in-place --skip-existing --seal "$S"
expect 2 "--in-place needs a file" -- "$E" stamp - --in-place --seal "$S"
# batches
mkdir "$T/bd" "$T/bd/a" "$T/bd/b" "$T/bdo"
cp "$T/in.pdf" "$T/bd/a/x.pdf"
cp "$T/in.pdf" "$T/bd/a/y.pdf"
cp "$T/in.pdf" "$T/bd/b/x.pdf"
ls "$T"/bd/a/*.pdf >"$T/alist"
expect 2 "stamp --batch -O <the input folder> is refused" -- "$E" stamp --batch "$T/alist" -O "$T/bd/a" --seal "$S"
has "$T/err" "is the input" "the batch refusal names the input"
check "the batch inputs are untouched" -- sh -c 'cmp -s "$1" "$3" && cmp -s "$2" "$3"' _ "$T/bd/a/x.pdf" "$T/bd/a/y.pdf" "$T/in.pdf"
printf '%s\n' "$T/bd/a/x.pdf" "$T/bd/a/y.pdf" "$T/bd/b/x.pdf" >"$T/clist"
expect 2 "two inputs with the same file name are refused" -- "$E" stamp --batch "$T/clist" -O "$T/bdo" --seal "$S"
has "$T/err" "would both be written to" "the collision is named"
check "nothing was stamped before the refusal" -- [ -z "$(ls -A "$T/bdo")" ]
expect 0 "stamp --batch -O <the input folder> --in-place" -- "$E" stamp --batch "$T/alist" -O "$T/bd/a" --in-place --seal "$S"
[ "$(verdict "$T/bd/a/y.pdf")" = VALID ] && ok "a document stamped in place by a batch verifies" || notok "batch in place"
# extend works in place by design (documented): the signed bytes stay a prefix, replaced by a rename
cp "$T/sp.pdf" "$T/own/e.pdf"
ln "$T/own/e.pdf" "$T/own/e-old.pdf"
expect 0 "extend FILE works in place (documented)" -- "$E" extend "$T/own/e.pdf" --level B-LT
check "extend in place appends" -- cmp -s -n "$(stat -c %s "$T/sp.pdf")" "$T/sp.pdf" "$T/own/e.pdf"
check "extend replaces by a rename (a hard link keeps the old version)" -- cmp -s "$T/own/e-old.pdf" "$T/sp.pdf"

# ---- FIFOs and other non-regular inputs are refused, never waited on ----------------
mkfifo "$T/fifo"
expect 3 "stamp FIFO is refused, not waited on" -- timeout -k 2 10 "$E" stamp "$T/fifo" -o "$T/ff.pdf" --seal "$S"
has "$T/err" "is not a regular file (it is a FIFO)" "stamp says the FIFO is not a regular file"
expect 3 "verify FIFO is refused, not waited on" -- timeout -k 2 10 "$E" verify "$T/fifo"
has "$T/err" "is not a regular file (it is a FIFO)" "verify says the FIFO is not a regular file"
expect 3 "verify SIG --data FIFO is refused" -- timeout -k 2 10 "$E" verify "$T/doc.p7s" --data "$T/fifo"
has "$T/err" "is not a regular file" "--data FIFO says why"
expect 3 "sign FIFO is refused" -- timeout -k 2 10 "$E" sign "$T/fifo" --cert "$ORG" -o "$T/ff.p7s"
expect 3 "stamp --batch FIFO (the list) is refused" -- timeout -k 2 10 "$E" stamp --batch "$T/fifo" -O "$T/bdo" --seal "$S"
printf '%s\n' "$T/fifo" "$T/in.pdf" >"$T/flist"
expect 3 "a FIFO in a batch list fails that document only" -- timeout -k 2 10 "$E" stamp --batch "$T/flist" -O "$T/bdo" --seal "$S"
has "$T/err" "fifo is not a regular file" "the batch names the FIFO"
[ "$(grep -c ' -> ' "$T/out")" -eq 1 ] && ok "the other document of the list is stamped" || notok "fifo batch: $(cat "$T/out")"
expect 3 "verify /dev/zero is refused (a device)" -- timeout -k 2 10 "$E" verify /dev/zero
has "$T/err" "is not a regular file (it is a character device)" "the device is named"
expect 3 "verify DIR is refused" -- timeout -k 2 10 "$E" verify "$T/bd"
has "$T/err" "is not a regular file (it is a directory)" "the directory is named"
expect 3 "stamp /dev/zero is refused" -- timeout -k 2 10 "$E" stamp /dev/zero -o "$T/z.pdf" --seal "$S"

# ---- a batch interrupted by SIGINT, resumed with --skip-existing -------------------
N=60
mkdir "$T/big" "$T/bigo"
for i in $(seq $N); do cp "$T/in.pdf" "$T/big/d$i.pdf"; done
ls "$T"/big/*.pdf >"$T/biglist"
"$E" log publish >/dev/null 2>&1
L0=$("$E" log checkpoint | sed -n 2p)
# One thread, so that the batch is still running when the first lines are out.
"$E" stamp --batch "$T/biglist" -O "$T/bigo" -j 1 --seal "$S" >"$T/b1.out" 2>"$T/b1.err" &
pid=$!
for _ in $(seq 600); do
    [ "$(grep -c ' -> ' "$T/b1.out")" -ge 5 ] && break
    sleep 0.05
done
kill -INT "$pid"
wait "$pid"
rc=$?
# (A process killed by the signal also shows 130 here: the message below is what proves a clean stop.)
[ "$rc" -eq 130 ] && ok "SIGINT during a batch exits 130" || notok "SIGINT batch exit $rc: $(cat "$T/b1.err")"
done1=$(grep -c ' -> ' "$T/b1.out")
[ "$done1" -ge 5 ] && [ "$done1" -lt $N ] && ok "documents were reported while the batch ran ($done1 of $N before the interrupt)" ||
    notok "interrupted batch reported $done1 of $N"
has "$T/b1.err" "interrupted: $done1 of $N documents stamped" "it says what was completed"
[ -z "$(ls -A "$T/bigo" | grep -v '\.pdf$')" ] && ok "no temporary file is left in the output folder" ||
    notok "left behind: $(ls -A "$T/bigo" | grep -v '\.pdf$')"
[ "$(ls "$T/bigo" | wc -l)" -eq "$done1" ] && ok "every document reported is there, and only those" ||
    notok "$(ls "$T/bigo" | wc -l) files for $done1 lines"
ls "$T"/bigo/*.pdf >"$T/vlist"
expect 0 "every output present is complete and verifies VALID" -- "$E" verify --batch "$T/vlist"
expect 0 "--skip-existing resumes the batch" -- "$E" stamp --batch "$T/biglist" -O "$T/bigo" --skip-existing --seal "$S"
[ "$(grep -c '^skipped ' "$T/out")" -eq "$done1" ] && ok "the $done1 done before are reported as skipped" || notok "skipped: $(grep -c '^skipped ' "$T/out")"
[ "$(grep -c '^ST' "$T/out")" -eq $((N - done1)) ] && ok "the others are stamped" || notok "resumed: $(grep -c '^ST' "$T/out")"
[ "$(ls "$T/bigo" | wc -l)" -eq $N ] && ok "all $N outputs present" || notok "$(ls "$T/bigo" | wc -l) outputs"
# The audit log: exactly one stamp entry per document, and each output is the document its entry records.
"$E" log publish >/dev/null 2>&1
L1=$("$E" log checkpoint | sed -n 2p)
: >"$T/after"
for i in $(seq "$L0" $((L1 - 1))); do
    "$E" log show "$i" >"$T/entry" 2>/dev/null
    grep -q '^type stamp$' "$T/entry" && sed -n 's/^doc-after-sha256 //p' "$T/entry" >>"$T/after"
done
[ "$(wc -l <"$T/after")" -eq $N ] && ok "the audit log has exactly $N stamp entries: no document stamped twice" ||
    notok "$(wc -l <"$T/after") stamp entries for $N documents"
sha256sum "$T"/bigo/*.pdf | cut -d' ' -f1 | sort >"$T/have"
sort "$T/after" | cmp -s - "$T/have" && ok "each output is the one its stamp entry records" || notok "outputs and entries differ"
ls "$T"/bigo/*.pdf >"$T/vlist"
expect 0 "all $N verify VALID" -- "$E" verify --batch "$T/vlist"

# ---- a progress line only on a terminal --------------------------------------------
if command -v script >/dev/null; then
    mkdir "$T/tty"
    script -qec "$E stamp --batch $T/alist -O $T/tty --seal $S" /dev/null >"$T/tty.out" 2>&1
    grep -q "\[2/2\] [xy].pdf" "$T/tty.out" && ok "on a terminal, a progress line [K/N] NAME" || notok "tty: $(od -c "$T/tty.out" | head -5)"
else
    echo "ok $((n + 1)) # SKIP no script(1) to give the batch a terminal"
    n=$((n + 1))
fi

tap_done cli_io
