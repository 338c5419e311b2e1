#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/ofd.sh ESEAL TESTDATA [RUNS]
#
# OFD stamping and verification, whole process: the third-party samples of
# shared/testdata/ofd-samples (verified as they are) and a large generated package (~20 MB,
# 300 pages, each with its own image resource), stamped and verified by eseal. Medians of
# RUNS runs (default 5), in ms. The share spent in SM3 is estimated by hashing the same
# inflated bytes with `openssl dgst -sm3` in the same run (a stamp hashes every entry once,
# a verification every protected entry once); the key-file scrypt every stamp pays is timed
# apart ('eseal key public'). A report, no assertions.
set -u
E=$1
D=$2/ofd-samples
RUNS=${3:-5}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-pass-1
"$E" init >/dev/null 2>&1
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg sm2)
S=$("$E" seal make --cert "$C" --name "Bench seal" --text "示例贸易有限公司")
KEY=$(ls "$ESEAL_HOME"/keys/"$C"*.key)

median_ms() { python3 -c 'import statistics,sys; print("%.1f" % (statistics.median(float(x) for x in sys.argv[1:]) * 1000))' "$@"; }
run_times() {
    local out=() i t0 t1
    for i in $(seq "$RUNS"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        out+=("$(python3 -c "print($t1 - $t0)")")
    done
    median_ms "${out[@]}"
}
# inflated FILE OUT: every entry's bytes, concatenated (what SM3 has to read)
inflated() { python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); open(sys.argv[2],"wb").write(b"".join(z.read(i) for i in z.namelist() if not i.endswith("/")))' "$1" "$2"; }

# The large package: ofdrw's DigitalSign content without its signature, 300 pages, each with a
# 64 KiB incompressible image and a text content stream.
python3 - "$D/ofd/sign-raw-sm2-DigitalSign.ofd" "$T/big.ofd" <<'PY'
import os, re, sys, zipfile
zin = zipfile.ZipFile(sys.argv[1])
pages = 300
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for name in zin.namelist():
        if name.startswith("Doc_0/Signs") or name.endswith("/"):
            continue
        data = zin.read(name)
        if name == "OFD.xml":
            data = re.sub(rb"<ofd:Signatures>[^<]*</ofd:Signatures>", b"", data)
        if name == "Doc_0/Document.xml":
            refs = b"".join(b'<ofd:Page ID="%d" BaseLoc="Pages/Page_%d/Content.xml"/>' % (i + 1, i) for i in range(pages))
            data = re.sub(rb"<ofd:Pages>.*</ofd:Pages>", b"<ofd:Pages>" + refs + b"</ofd:Pages>", data, flags=re.S)
        if name == "Doc_0/Pages/Page_0/Content.xml":
            continue
        z.writestr(name, data)
    for i in range(pages):
        text = b"".join(b'<ofd:TextObject ID="%d" Boundary="20 %d 170 5" Font="3" Size="3"><ofd:TextCode X="0" Y="3">Page %d line %d</ofd:TextCode></ofd:TextObject>' % (1000 + l, 20 + l * 5, i, l) for l in range(50))
        z.writestr("Doc_0/Pages/Page_%d/Content.xml" % i, b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2">' + text + b"</ofd:Layer></ofd:Content></ofd:Page>")
        z.writestr("Doc_0/Res/img_%d.png" % i, os.urandom(64 << 10), compress_type=zipfile.ZIP_STORED)
PY
"$E" stamp "$T/big.ofd" -o "$T/big-s.ofd" --seal "$S" >/dev/null || { echo "bench/ofd: stamping the large package failed" >&2; exit 1; }

kdf=$(run_times "$E" key public "$KEY")
# SM3 speed of this machine: openssl dgst over the large package's inflated bytes, minus its start-up.
inflated "$T/big.ofd" "$T/flat"
: >"$T/empty"
h_big=$(run_times openssl dgst -sm3 "$T/flat")
h_0=$(run_times openssl dgst -sm3 "$T/empty")
rate=$(python3 -c 'import sys; print(int(sys.argv[1]) / (float(sys.argv[2]) - float(sys.argv[3])))' "$(stat -c %s "$T/flat")" "$h_big" "$h_0")
echo "bench/ofd: medians of $RUNS whole-process runs (ms); SM3 (openssl) $(python3 -c "print('%.0f' % ($rate / 1e3))") MB/s; key-file scrypt per stamp: $kdf ms (reported apart)"
echo
echo "| document | size | entries | inflated | verify | SM3 of the inflated bytes | SM3 share |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for f in "$D"/ofd/*.ofd "$T/big-s.ofd"; do
    inflated "$f" "$T/flat"
    v=$(run_times "$E" verify "$f" --no-instance --at 2021-06-01T00:00:00Z)
    n=$(python3 -c 'import sys,zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$f")
    python3 -c 'import sys; f,s,n,fl,v,r=sys.argv[1:]; h=int(fl)/float(r); print("| %s | %.2f MB | %s | %.2f MB | %s | %.2f | %.0f%% |" % (f, int(s)/1e6, n, int(fl)/1e6, v, h, 100*h/float(v)))' \
        "$(basename "$f")" "$(stat -c %s "$f")" "$n" "$(stat -c %s "$T/flat")" "$v" "$rate"
done
echo
# Stamping: whole process (with the scrypt), and per document in a batch of 20 copies (one scrypt).
mkdir "$T/b" "$T/bo"
for i in $(seq 20); do cp "$T/big.ofd" "$T/b/big$i.ofd"; cp "$D/ofd/v4-ofdrw-SESV4SignDoc.ofd" "$T/b/small$i.ofd"; done
ls "$T"/b/big*.ofd >"$T/lbig"
ls "$T"/b/small*.ofd >"$T/lsmall"
inflated "$T/big.ofd" "$T/flat"
for kind in big small; do
    f=$T/big.ofd
    [ $kind = small ] && f=$D/ofd/v4-ofdrw-SESV4SignDoc.ofd
    inflated "$f" "$T/flat"
    st=$(run_times "$E" stamp "$f" -o "$T/x.ofd" --seal "$S")
    bt=$(run_times "$E" stamp --batch "$T/l$kind" -O "$T/bo" --seal "$S")
    python3 -c 'import sys; k,s,st,bt,fl,r=sys.argv[1:]; per=(float(bt))/20; h=int(fl)/float(r); print("stamp %s (%.1f MB): %.1f ms whole process; %.1f ms per document in a batch of 20; SM3 of its inflated bytes %.1f ms = %.0f%% of the batch figure" % (k, int(s)/1e6, float(st), per, h, 100*h/per))' \
        "$(basename "$f")" "$(stat -c %s "$f")" "$st" "$bt" "$(stat -c %s "$T/flat")" "$rate"
done
