#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/pdf.sh ESEAL [N]
#
# The table of issue 18: PDF stamping and verification by eseal beside its peers and floors,
# whole processes, measured in ONE run on this machine. Every row alternates eseal and its
# peers within each repetition (eseal, peer, floor, eseal, peer, floor, ...), so a change of
# load hits both sides; the result is the ratio of the medians, not the bare times. N
# repetitions per row (default 5); the two heavy rows (116 MB, the batch of real PDFs) use
# min(N, 3), process start max(N, 21). The machine's load (/proc/loadavg) is printed at the
# start and at the end: read the ratios, not the times. No assertions: a report (docs/performance.md).
#
# Rows (P-256 key and certificate shared by eseal and the peers; eseal at its default B-B):
#   stamp 1 MB / 63 pages, CPU (user+sys)  podofosign; floor `openssl cms -sign` of the same file
#   the same without key derivation         a copy of the instance whose key files are re-encrypted
#                                            with scrypt N=2 (same keys, same passphrase), so every
#                                            derivation costs nothing; skipped if the build refuses it
#   the same with the agent                 when `eseal help agent` exits 0: `eseal agent start` on
#                                            another copy, commands without ESEAL_PASSPHRASE; CPU of
#                                            the command plus the agent's (/proc/PID/stat)
#   stamp 116 MB (133k objects), wall + peak RSS   podofosign; floor `openssl dgst -sha256`
#   verify 1 MB, 1 signature, wall           pdfsig (NSS database trusting the instance's CA)
#   verify 1 MB, 20 signatures, per signature  pdfsig
#   verify 116 MB, wall                      pdfsig
#   (1 MB and 116 MB also with `--digests sha256`, the report without document.sm3, when the
#   binary has the option)
#   batch of real PDFs (var/pdf-corpus), docs/s + peak RSS   `eseal stamp --batch` against a
#                                            podofosign loop that fsyncs each output (`sync FILE`),
#                                            as eseal does; "skipped: no corpus" without var/pdf-corpus
#   batch of 1 MB documents (40), docs/s     the same two, on copies of the 1 MB file; and with the
#                                            agent (keys unlocked: the batch's one derivation is most
#                                            of a 40-document batch's CPU otherwise)
#   process start                            `eseal version` against `openssl version`
#   SM2 against P-256, 1 MB stamp CPU        and the SM3 / SHA-256 floor (`openssl dgst`)
# Inputs are generated in a temporary directory (tests/resources/mkpdf.py); the 116 MB file once
# per run (66,500 blank pages, each padded to 1.5 KB). Needs podofosign, pdfsig, certutil,
# pk12util, openssl, qpdf, python3 (scripts/deps.sh).
set -u
if [ $# -lt 1 ]; then
    echo "usage: bench/pdf.sh ESEAL [N]" >&2
    exit 2
fi
E=$(readlink -f "$1")
N=${2:-5}
NH=$((N < 3 ? N : 3))
NS=$((N > 21 ? N : 21))
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
CORPUS=${ESEAL_BENCH_CORPUS:-$root/var/pdf-corpus}
MKPDF=$root/tests/resources/mkpdf.py
for tool in podofosign pdfsig pk12util certutil openssl python3 csplit; do
    command -v $tool >/dev/null || { echo "bench/pdf: $tool is missing (scripts/deps.sh installs it)" >&2; exit 2; }
done
T=$(mktemp -d)
agent_home=
cleanup() {
    [ -n "$agent_home" ] && ESEAL_HOME=$agent_home timeout 60 "$E" agent stop >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
export ESEAL_PASSPHRASE=bench-pass-1
H=$T/home
export ESEAL_HOME=$H
mkdir "$T/r"
echo "bench/pdf: load at start: $(cat /proc/loadavg)"
echo "bench/pdf: $E, N=$N (heavy rows $NH, process start $NS), $(nproc) CPUs"

# ---- measuring ------------------------------------------------------------------------------
# run KEY CMD...: one whole-process run; appends "wall_s cpu_s maxrss_kib exit" to $T/r/KEY.
# CPU is user+sys of the process and of every child it waited for (wait4), plus, when
# EXTRA_PID is set, what that process (the agent) spent meanwhile.
run() {
    local key=$1
    shift
    python3 "$here/measure.py" "$@" >>"$T/r/$key"
}
# sh_run KEY SCRIPT: the same for a shell script (loops).
sh_run() { run "$1" bash -c "$2"; }

# ---- the instance, the peers' key material -----------------------------------------------------
"$E" init >/dev/null 2>&1 || { echo "bench/pdf: eseal init failed" >&2; exit 1; }
C=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg p256)
S=$("$E" seal make --cert "$C" --maker p256 --name "Bench seal" --text "示例贸易有限公司")
C2=$("$E" cert issue --org "Bench Ltd" --uscc 91110000MA01ABCDEX --alg sm2)
S2=$("$E" seal make --cert "$C2" --name "Bench SM2 seal" --text "示例贸易有限公司")
[ -n "$S" ] && [ -n "$S2" ] || { echo "bench/pdf: making the seals failed" >&2; exit 1; }
"$E" cert show "$C" -o "$T/cert.pem" >/dev/null
openssl pkey -in "$H/keys/$C.key" -passin "pass:$ESEAL_PASSPHRASE" -out "$T/key.pem" 2>/dev/null ||
    { echo "bench/pdf: cannot read $H/keys/$C.key with openssl" >&2; exit 1; }
openssl pkcs12 -export -in "$T/cert.pem" -inkey "$T/key.pem" -out "$T/k.p12" -passout pass: -name bench
mkdir "$T/nss"
certutil -N -d "sql:$T/nss" --empty-password
pk12util -i "$T/k.p12" -d "sql:$T/nss" -W '' >/dev/null
"$E" ca export --alg p256 -o "$T/chain.pem" >/dev/null 2>&1
csplit -s -z -f "$T/ca" "$T/chain.pem" '/-----BEGIN CERTIFICATE-----/' '{*}'
for f in "$T"/ca0*; do certutil -A -d "sql:$T/nss" -n "$(basename "$f")" -t "CT,C,C" -i "$f"; done

# The same instance with key files that cost nothing to open (scrypt N=2, r=1, p=1).
cheap=$T/cheap
cp -a "$H" "$cheap"
for k in "$cheap"/keys/*.key; do
    openssl pkcs8 -topk8 -in "$k" -passin "pass:$ESEAL_PASSPHRASE" -v2 aes-256-cbc -scrypt -scrypt_N 2 \
        -scrypt_r 1 -scrypt_p 1 -passout "pass:$ESEAL_PASSPHRASE" -out "$k.n" 2>/dev/null && chmod 600 "$k.n" &&
        mv "$k.n" "$k"
done
# ...and the instance key-encryption key under the same cheap parameters (keys/kdf.params: salt and
# check value, docs/keys-and-ca.md), so that the one derivation a process makes costs nothing too;
# the key files, now under salts of their own, are converted under it on first use.
if [ -f "$cheap/keys/kdf.params" ]; then
    python3 - "$cheap/keys/kdf.params" "$ESEAL_PASSPHRASE" <<'PY'
import hashlib, hmac, os, sys
salt = os.urandom(16)
kek = hashlib.scrypt(sys.argv[2].encode(), salt=salt, n=2, r=1, p=1, dklen=32)
check = hmac.new(kek, b"eseal instance key-encryption key check v1", hashlib.sha256).hexdigest()
with open(sys.argv[1], "w") as f:
    f.write("eseal-kdf 1\nscrypt 2 1 1\nsalt %s\ncheck %s\n" % (salt.hex(), check))
PY
fi

# ---- inputs -------------------------------------------------------------------------------------
python3 "$MKPDF" "$T/in.pdf" 63 --pad 14300
python3 "$MKPDF" "$T/big.pdf" 66500 --blank --pad 1525
stamp() { "$E" stamp "$1" -o "$2" --seal "$S" --page 1 --at 20,20; }
podo() {
    podofosign -in "$1" -out "$2" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 -sigsize 4096 \
        -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed
}
export -f podo
export T
# the cheap copy, if this build accepts it; it also makes the signed inputs faster
nokdf=1
ESEAL_HOME=$cheap "$E" stamp "$T/in.pdf" -o "$T/e1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null 2>"$T/err" ||
    { nokdf=0; head -1 "$T/err" >"$T/nokdf.why"; }
[ $nokdf = 1 ] && SH=$cheap || SH=$H
[ -s "$T/e1.pdf" ] || ESEAL_HOME=$H "$E" stamp "$T/in.pdf" -o "$T/e1.pdf" --seal "$S" --page 1 --at 20,20 >/dev/null ||
    { echo "bench/pdf: stamping the 1 MB file failed" >&2; exit 1; }
# 20 signatures on the 1 MB file: each stamp on the revision before (pages 1, 2, 3, 1, ...)
cp "$T/in.pdf" "$T/s0.pdf"
for i in $(seq 20); do
    ESEAL_HOME=$SH "$E" stamp "$T/s$((i - 1)).pdf" -o "$T/s$i.pdf" --seal "$S" --page $(((i - 1) % 3 + 1)) \
        --at $((10 + 25 * ((i - 1) / 3))),20 >/dev/null 2>&1 || { echo "bench/pdf: stamp $i of 20 failed" >&2; exit 1; }
done
"$E" verify "$T/s20.pdf" >/dev/null 2>&1 || echo "bench/pdf: the 20-signature file does not verify VALID" >&2

# The agent, on a copy of its own (a running agent is used by every command of its home).
agent=0
if "$E" help agent >/dev/null 2>&1; then
    agent_home=$T/agent
    cp -a "$H" "$agent_home"
    if ESEAL_HOME=$agent_home timeout 60 "$E" agent start >/dev/null 2>"$T/err"; then
        agent=1
        AGENT_PID=$(ESEAL_HOME=$agent_home "$E" agent status 2>/dev/null | grep -o 'pid[ =:]*[0-9]*' | grep -o '[0-9]*' | head -1)
        [ -n "$AGENT_PID" ] || AGENT_PID=$(ss -xlpn 2>/dev/null | grep "$agent_home" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    else
        echo "bench/pdf: eseal agent start failed: $(head -1 "$T/err")" >&2
        agent_home=
    fi
fi

# ---- 1 MB stamps: eseal (P-256, SM2; with and without derivations; with the agent) and peers ----
sync
for i in $(seq "$N"); do
    rm -f "$T"/o*.pdf
    run e_stamp "$E" stamp "$T/in.pdf" -o "$T/o1.pdf" --seal "$S" --page 1 --at 20,20
    run p_stamp podofosign -in "$T/in.pdf" -out "$T/o2.pdf" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 \
        -sigsize 4096 -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed
    run f_cms openssl cms -sign -binary -in "$T/in.pdf" -signer "$T/cert.pem" -inkey "$T/key.pem" -md sha256 \
        -outform DER -out "$T/o3.p7s"
    run e_stamp_sm2 "$E" stamp "$T/in.pdf" -o "$T/o4.pdf" --seal "$S2" --page 1 --at 20,20
    if [ $nokdf = 1 ]; then
        run e_stamp_nokdf env ESEAL_HOME="$cheap" "$E" stamp "$T/in.pdf" -o "$T/o5.pdf" --seal "$S" --page 1 --at 20,20
        run e_stamp_sm2_nokdf env ESEAL_HOME="$cheap" "$E" stamp "$T/in.pdf" -o "$T/o6.pdf" --seal "$S2" --page 1 --at 20,20
    fi
    if [ $agent = 1 ]; then
        EXTRA_PID=${AGENT_PID:-} run e_stamp_agent env -u ESEAL_PASSPHRASE ESEAL_HOME="$agent_home" \
            "$E" stamp "$T/in.pdf" -o "$T/o7.pdf" --seal "$S" --page 1 --at 20,20
    fi
    run f_sha1 openssl dgst -sha256 "$T/in.pdf"
    run f_sm31 openssl dgst -sm3 "$T/in.pdf"
done

# ---- 116 MB ---------------------------------------------------------------------------------------
for i in $(seq "$NH"); do
    rm -f "$T/big-e.pdf" "$T/big-p.pdf" # not timed: freeing the last output's pages is not the stamp's cost
    sync
    run e_big "$E" stamp "$T/big.pdf" -o "$T/big-e.pdf" --seal "$S" --page 1 --at 20,20
    sync
    if [ $agent = 1 ]; then # the same with the keys unlocked (its peak RSS is the agent's, which stamps: EXTRA_PID)
        rm -f "$T/big-a.pdf" && sync
        EXTRA_PID=${AGENT_PID:-} run e_big_agent env -u ESEAL_PASSPHRASE ESEAL_HOME="$agent_home" "$E" stamp "$T/big.pdf" -o "$T/big-a.pdf" \
            --seal "$S" --page 1 --at 20,20
        rm -f "$T/big-a.pdf" && sync
    fi
    run p_big podofosign -in "$T/big.pdf" -out "$T/big-p.pdf" -cert "$T/cert.pem" -pkey "$T/key.pem" -digest SHA256 \
        -sigsize 4096 -annot-position 1,20,20,40,40 -annot-print -annot-text 5,5,Sealed
    run f_sha_big openssl dgst -sha256 "$T/big.pdf"
done
rm -f "$T/big-p.pdf"

# ---- verification ---------------------------------------------------------------------------------
# `eseal verify --digests sha256`: the report without document.sm3 (no SM3 pass over the file)
digests=
"$E" help verify 2>/dev/null | grep -q -- --digests && digests=1
for i in $(seq "$N"); do
    run e_ver1 "$E" verify "$T/e1.pdf"
    [ -n "$digests" ] && run e_ver1_sha "$E" verify --digests sha256 "$T/e1.pdf"
    run n_ver1 pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/e1.pdf"
    run e_ver20 "$E" verify "$T/s20.pdf"
    run n_ver20 pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/s20.pdf"
done
if [ -s "$T/big-e.pdf" ]; then
    for i in $(seq "$NH"); do
        run e_verbig "$E" verify "$T/big-e.pdf"
        [ -n "$digests" ] && run e_verbig_sha "$E" verify --digests sha256 "$T/big-e.pdf"
        run n_verbig pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/big-e.pdf"
    done
fi

# what the peer said (so a fast failure is not mistaken for a fast verification)
for f in e1 s20 big-e; do
    [ -s "$T/$f.pdf" ] || continue
    echo "$f.pdf: pdfsig finds $(pdfsig -nssdir "sql:$T/nss" -no-ocsp "$T/$f.pdf" 2>&1 | grep -c 'Signature is Valid') valid" \
        "signature(s), eseal verify exits $("$E" verify "$T/$f.pdf" >/dev/null 2>&1; echo $?)" >>"$T/r/said.txt"
done

# ---- batches --------------------------------------------------------------------------------------
# batch KEY_E KEY_P LIST: `eseal stamp --batch` and a podofosign loop (each output fsynced), interleaved
batch() {
    local ke=$1 kp=$2 list=$3 reps=$4 i
    for i in $(seq "$reps"); do
        rm -rf "$T/bo" && mkdir "$T/bo" && sync
        run "$ke" "$E" stamp --batch "$list" -O "$T/bo" --seal "$S" --page 1 --at 20,20
        find "$T/bo" -maxdepth 1 -name '*.pdf' | wc -l >>"$T/r/$ke.ok"
        rm -rf "$T/bo" && mkdir "$T/bo" && sync
        if [ -n "$agent_home" ] && [ "$ke" = e_batch1 ]; then # with the keys unlocked: no derivation
            EXTRA_PID=${AGENT_PID:-} run "${ke}_agent" env -u ESEAL_PASSPHRASE ESEAL_HOME="$agent_home" \
                "$E" stamp --batch "$list" -O "$T/bo" --seal "$S" --page 1 --at 20,20
            find "$T/bo" -maxdepth 1 -name '*.pdf' | wc -l >>"$T/r/${ke}_agent.ok"
            rm -rf "$T/bo" && mkdir "$T/bo" && sync
        fi
        sh_run "$kp" 'while read -r f; do o=$T/bo/$(basename "$f"); podo "$f" "$o" >/dev/null 2>&1 && sync "$o"; done <'"$list"'; sync "$T/bo"'
        find "$T/bo" -maxdepth 1 -name '*.pdf' | wc -l >>"$T/r/$kp.ok"
    done
    rm -rf "$T/bo"
}
NB1=40
mkdir "$T/b1"
for i in $(seq $NB1); do cp "$T/in.pdf" "$T/b1/d$i.pdf"; done
ls "$T"/b1/*.pdf >"$T/list1"
batch e_batch1 p_batch1 "$T/list1" "$NH"
ncorpus=0
if [ -d "$CORPUS" ]; then
    find "$CORPUS" -maxdepth 1 -name '*.pdf' -type f | sort >"$T/listc"
    ncorpus=$(wc -l <"$T/listc")
    [ "$ncorpus" -gt 0 ] && batch e_batchc p_batchc "$T/listc" "$NH"
fi

# ---- process start --------------------------------------------------------------------------------
for i in $(seq "$NS"); do
    run e_start "$E" version
    run o_start openssl version
done
libs_e=$(ldd "$E" 2>/dev/null | wc -l)
libs_o=$(ldd "$(command -v openssl)" | wc -l)
libs_n=$(ldd "$(command -v pdfsig)" | wc -l)

# ---- the table ------------------------------------------------------------------------------------
python3 - "$T/r" "$nokdf" "$agent" "$ncorpus" "$NB1" "$libs_e" "$libs_o" "$libs_n" "$(cat "$T/nokdf.why" 2>/dev/null)" \
    "$(stat -c %s "$T/in.pdf")" "$(stat -c %s "$T/big.pdf")" <<'PY'
import os, statistics, sys
rdir, nokdf, agent, ncorpus, nb1, libs_e, libs_o, libs_n, why, size1, sizebig = sys.argv[1:12]
nokdf, agent, ncorpus, nb1 = nokdf == "1", agent == "1", int(ncorpus), int(nb1)
workers = 4 * os.cpu_count()  # `eseal stamp --batch` default -j: four per CPU

def rows(key):
    try:
        with open(os.path.join(rdir, key)) as f:
            return [list(map(float, l.split())) for l in f if l.strip()]
    except OSError:
        return []

def med(key, col):  # col 0 wall s, 1 CPU s, 2 peak RSS KiB; None if any eseal run failed
    r = rows(key)
    if not r:
        return None
    return statistics.median(x[col] for x in r)

def cpu_of(key):  # the command's median CPU + the mean of the agent's (measure.py: its ticks are 10 ms)
    r = rows(key)
    if not r:
        return None
    extra = [x[4] if len(x) > 4 else 0.0 for x in r]
    return statistics.median(x[1] - e for x, e in zip(r, extra)) + statistics.mean(extra)

def failed(key):
    return sum(1 for x in rows(key) if x[3] != 0)

def ok(key):
    try:
        with open(os.path.join(rdir, key + ".ok")) as f:
            return statistics.median(int(l) for l in f if l.strip())
    except (OSError, statistics.StatisticsError):
        return 0

s = lambda v: "%.3f s" % v
ms = lambda v: "%.1f ms" % (v * 1000)
mib = lambda kib: "%.0f MiB" % (kib / 1024)
x = lambda a, b: "%.1f×" % (a / b) if b else "n/a"
verdict = lambda good: "met" if good else "NOT met"
out = []
def row(what, e, peer, ratio, target=""):
    out.append("| %s | %s | %s | %s | %s |" % (what, e, peer, ratio, target))

notes = []
for k in sorted(os.listdir(rdir)):
    if "." not in k and failed(k):
        notes.append("%s: %d of %d runs exited non-zero (their times are in the medians)" % (k, failed(k), len(rows(k))))

e, p, f = med("e_stamp", 1), med("p_stamp", 1), med("f_cms", 1)
row("stamp 1 MB / 63 pages, CPU", s(e), "podofosign %s; `openssl cms -sign` %s" % (s(p), s(f)),
    "%s podofosign, %s the floor" % (x(e, p), x(e, f)))
if nokdf:
    e2 = med("e_stamp_nokdf", 1)
    row("the same without key derivation", s(e2), "podofosign %s" % s(p),
        "%s podofosign, %s the floor" % (x(e2, p), x(e2, f)))
else:
    row("the same without key derivation", "skipped: this build refuses re-encrypted key files (%s)" % why, "", "")
if agent:
    ea, eaw = cpu_of("e_stamp_agent"), med("e_stamp_agent", 0)
    row("the same with the agent (CPU of command + agent)", s(ea) + " (wall %s)" % s(eaw), "podofosign %s; floor %s" % (s(p), s(f)),
        "%s podofosign, %s the floor" % (x(ea, p), x(ea, f)),
        "≤ 1.0× podofosign and ≤ 2× floor: %s" % verdict(ea <= p and ea <= 2 * f))
else:
    row("the same with the agent", "skipped: no agent", "", "", "")

eb, ebm, pb, pbm, hb = med("e_big", 0), med("e_big", 2), med("p_big", 0), med("p_big", 2), med("f_sha_big", 0)
if eb is not None:
    lim = 1.5 * hb + 0.05
    row("stamp %.0f MB (133k objects), wall + peak RSS" % (int(sizebig) / 1e6), "%s, %s" % (s(eb), mib(ebm)),
        "podofosign %s, %s; SHA-256 %s" % (s(pb), mib(pbm), s(hb)),
        "%s podofosign, %s the hash" % (x(eb, pb), x(eb, hb)),
        "≤ %s and < 64 MiB: %s" % (s(lim), verdict(eb <= lim and ebm < 64 * 1024)))
    eba, ebam = med("e_big_agent", 0), med("e_big_agent", 2)
    if eba is not None:
        row("the same with the agent (keys unlocked)", "%s, %s" % (s(eba), mib(ebam)), "podofosign %s; SHA-256 %s" % (s(pb), s(hb)),
            "%s podofosign, %s the hash" % (x(eba, pb), x(eba, hb)),
            "≤ %s and < 64 MiB: %s" % (s(lim), verdict(eba <= lim and ebam < 64 * 1024)))

ev, nv, h1 = med("e_ver1", 0), med("n_ver1", 0), med("f_sha1", 0)
row("verify 1 MB, 1 signature", s(ev), "pdfsig %s; SHA-256 %s" % (s(nv), s(h1)), x(ev, nv) + " pdfsig",
    "≤ 0.5× pdfsig: %s" % verdict(ev <= 0.5 * nv))
ev_sha = med("e_ver1_sha", 0)
if ev_sha is not None:
    row("the same, --digests sha256 (no document.sm3)", s(ev_sha), "pdfsig %s" % s(nv), x(ev_sha, nv) + " pdfsig",
        "≤ 0.5× pdfsig: %s" % verdict(ev_sha <= 0.5 * nv))
e20, n20 = med("e_ver20", 0), med("n_ver20", 0)
row("verify 1 MB, 20 signatures, per signature", ms(e20 / 20), "pdfsig %s per signature" % ms(n20 / 20),
    x(e20, n20) + " pdfsig", "≤ 1.0× pdfsig: %s" % verdict(e20 <= n20))
evb, nvb = med("e_verbig", 0), med("n_verbig", 0)
if evb is not None:
    row("verify %.0f MB" % (int(sizebig) / 1e6), s(evb), "pdfsig %s" % s(nvb), x(evb, nvb) + " pdfsig",
        "≤ 0.2× pdfsig (5× faster): %s" % verdict(nvb >= 5 * evb))
    evbs = med("e_verbig_sha", 0)
    if evbs is not None:
        row("the same, --digests sha256 (no document.sm3)", s(evbs), "pdfsig %s" % s(nvb), x(evbs, nvb) + " pdfsig",
            "≤ 0.2× pdfsig (5× faster): %s" % verdict(nvb >= 5 * evbs))

def batch(label, ke, kp, n):
    ew, pw = med(ke, 0), med(kp, 0)
    if ew is None:
        return
    erate, prate = ok(ke) / ew, ok(kp) / pw
    row("%s (%d)" % (label, n), "%.1f docs/s (%d ok), %s" % (erate, ok(ke), mib(med(ke, 2))),
        "podofosign loop + fsync %.1f docs/s (%d ok), %s" % (prate, ok(kp), mib(med(kp, 2))),
        "%s the docs/s, %s the memory" % (x(erate, prate), x(med(ke, 2), med(kp, 2))),
        "≥ 5× podofosign: %s" % verdict(erate >= 5 * prate) if label.startswith("batch, 1 MB")
        else "< 64 MiB per worker: peak / %d workers = %s" % (workers, mib(med(ke, 2) / workers)))
batch("batch, 1 MB documents", "e_batch1", "p_batch1", nb1)
batch("batch, 1 MB documents, with the agent", "e_batch1_agent", "p_batch1", nb1)
if ncorpus:
    batch("batch, real PDFs", "e_batchc", "p_batchc", ncorpus)
else:
    row("batch, real PDFs", "skipped: no corpus (cp -r /work/main/var ./, or ESEAL_BENCH_CORPUS=DIR)", "", "", "")

es, os_ = med("e_start", 0), med("o_start", 0)
row("process start (`eseal version`), wall", "%s, %s shared libraries" % (ms(es), libs_e),
    "`openssl version` %s, %s libraries (pdfsig: %s)" % (ms(os_), libs_o, libs_n), x(es, os_))

sm, pm = med("e_stamp_sm2", 1), med("e_stamp", 1)
row("SM2 against P-256, 1 MB stamp CPU", "SM2 %s" % s(sm), "P-256 %s" % s(pm), x(sm, pm), "≤ 1.3×: %s" % verdict(sm <= 1.3 * pm))
if nokdf:
    sm2, pm2 = med("e_stamp_sm2_nokdf", 1), med("e_stamp_nokdf", 1)
    row("the same without key derivation", "SM2 %s" % s(sm2), "P-256 %s" % s(pm2), x(sm2, pm2), "≤ 1.3×: %s" % verdict(sm2 <= 1.3 * pm2))
h3, h2 = med("f_sm31", 0), med("f_sha1", 0)
row("floor: `openssl dgst` of the 1 MB file, wall", "SM3 %s" % ms(h3), "SHA-256 %s" % ms(h2), x(h3, h2))

print("| what | eseal | peer / floor | ratio | target |")
print("|---|---|---|---|---|")
print("\n".join(out))
print("(%s bytes for \"1 MB\"; medians; CPU = user+sys of the process and its children)" % size1)
for n in notes:
    print("note: " + n)
try:
    print(open(os.path.join(rdir, "said.txt")).read().rstrip())
except OSError:
    pass
PY
echo "bench/pdf: load at end: $(cat /proc/loadavg)"
