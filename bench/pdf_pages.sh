#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/pdf_pages.sh ESEAL [BASE_ESEAL] [RUNS]
#
# Issue #18, "touch only what the stamp needs": whole-process `eseal stamp --page 1` of two
# generated documents (tests/resources/mkpdf.py), wall and CPU time and peak memory
# (/usr/bin/time), medians of RUNS runs (default 3), beside the floors measured in the same run:
# `openssl dgst -sha256` of the file and `eseal key public` (the key-file scrypt every stamp pays
# today, issue #18's first point). With BASE_ESEAL (an eseal built from an earlier commit), the
# two binaries are run interleaved, before and after. Ratios are the result; no assertions.
#   1 MB: 63 pages padded with comments (1.1 MB, 130 objects)
#   116 MB: 66,500 blank pages padded with comments (133,003 objects), one flat /Pages node
set -u
E=$1
B=${2:-}
RUNS=${3:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ESEAL_HOME=$T/home ESEAL_PASSPHRASE=bench-pass-1
here=$(cd "$(dirname "$0")" && pwd)
"$E" init >/dev/null 2>&1
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
KEY=$(ls "$ESEAL_HOME"/keys/"$C"*.key)
python3 "$here/../tests/resources/mkpdf.py" "$T/small.pdf" 63 --pad 15000
python3 "$here/../tests/resources/mkpdf.py" "$T/big.pdf" 66500 --blank --pad 1530

# one NAME CMD...: appends "wall cpu maxrss_kb" of one run to $T/NAME
one() {
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$T/tm" "$@" >/dev/null 2>&1 || { echo "bench/pdf_pages: failed: $*" >&2; return; }
    read -r w u s m <"$T/tm"
    echo "$w $(python3 -c "print($u + $s)") $m" >>"$T/$name"
}

echo "bench/pdf_pages: load $(cut -d' ' -f1-3 /proc/loadavg), medians of $RUNS interleaved runs"
for f in small big; do
    for i in $(seq "$RUNS"); do
        for bin in new ${B:+base}; do
            x=$E
            [ "$bin" = base ] && x=$B
            rm -f "$T/out.pdf"
            sync
            one "$f-$bin" "$x" stamp "$T/$f.pdf" -o "$T/out.pdf" --seal "$S" --page 1 --at 20,20
        done
        one "$f-sha" openssl dgst -sha256 "$T/$f.pdf"
        one "kdf" "$E" key public "$KEY"
    done
done
python3 - "$T" "$(stat -c %s "$T/small.pdf")" "$(stat -c %s "$T/big.pdf")" "${B:+1}" <<'PY'
import os, statistics, sys
t, sizes, base = sys.argv[1], {"small": int(sys.argv[2]), "big": int(sys.argv[3])}, sys.argv[4] == "1"
def med(name):
    rows = [list(map(float, l.split())) for l in open(os.path.join(t, name))]
    return [statistics.median(c) for c in zip(*rows)]
kw, kc, km = med("kdf")
print("key-file scrypt (`eseal key public`): wall %.3f s, CPU %.3f s, %.1f MiB" % (kw, kc, km / 1024))
print("| document | binary | wall s | CPU s | max RSS MiB | wall / SHA-256 | wall - 3 key-file runs (a stamp's three scrypts, roughly) vs 1.5 x SHA-256 + 50 ms |")
print("|---|---|---:|---:|---:|---:|---|")
for f in ("small", "big"):
    hw = med(f + "-sha")[0]
    for b in (["base"] if base else []) + ["new"]:
        w, c, m = med("%s-%s" % (f, b))
        lim = 1.5 * hw + 0.05
        print("| %s (%.1f MB) | %s | %.3f | %.3f | %.1f | %.1fx | %.3f s vs %.3f s: %s |"
              % (f, sizes[f] / 1e6, b, w, c, m / 1024, w / max(hw, 0.001), w - kw, lim,
                 "met" if w - kw <= lim else "not met"))
    print("| %s | openssl dgst -sha256 | %.3f | | | 1.0x | |" % (f, hw))
PY
