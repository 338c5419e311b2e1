#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A libFuzzer campaign: scripts/fuzz.sh TARGET [SECONDS] [JOBS]
#
# Builds the library in build-fuzz/ with clang (-fsanitize=fuzzer-no-link,address,undefined),
# links the harness fuzz/<harness>_fuzzer.c with -fsanitize=fuzzer,address,undefined (clang++
# for the final link: qpdf is C++), copies fuzz/corpora/TARGET/ to
# build-fuzz/run/TARGET/corpus/ and runs the harness there for SECONDS (default 600) with JOBS
# workers (default 1). TARGET is a corpus name: its harness is fuzz/TARGET_fuzzer.c, else the
# name without its last "_part" (pdf_verify_rev runs pdf_verify_fuzzer over the later-revision
# seeds). fuzz/<harness>.dict is used when it exists. Then it prints executions, exec/s,
# coverage (cov and ft from libFuzzer's last status line) and findings (crash-*, leak-*,
# timeout-*, oom-* in build-fuzz/run/TARGET/findings/, and the finding-KIND-PID-N inputs that
# pdf_verify_fuzzer records there: ESEAL_FUZZ_FINDINGS is set to that folder, so that a
# verdict finding does not end the campaign, while a crash or a sanitizer report still does).
# Exit 0 without findings, 1 with, 2 on usage, 3 when the build fails.
#
# Environment: CC/CXX (default clang/clang++), FUZZ_ARGS (more libFuzzer flags), FUZZ_SANITIZE=0
# (no ASan/UBSan, build-fuzz-nosan/: about three times the executions per CPU second, for long
# verdict campaigns; memory errors are then found only when they crash), FUZZ_SEEDS (a folder of
# inputs added to the seeds, e.g. the corpus a previous campaign grew), and what the harness reads (ESEAL_FUZZ_ORACLE for pdf_verify: see docs/testing.md).
# The ctest replay of the corpora (fuzz_* tests) needs none of this: it runs under gcc.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-}
secs=${2:-600}
jobs=${3:-1}
if [ -z "$target" ] || [ ! -d "$root/fuzz/corpora/$target" ] || ! [[ $secs =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh TARGET [SECONDS] [JOBS]   (TARGET: a folder of fuzz/corpora/)" >&2
    exit 2
fi
harness=$target
while [ ! -f "$root/fuzz/${harness}_fuzzer.c" ]; do
    case $harness in
    *_*) harness=${harness%_*} ;;
    *)
        echo "fuzz.sh: no harness fuzz/${target}_fuzzer.c or a prefix of it" >&2
        exit 2
        ;;
    esac
done
CC=${CC:-clang}
CXX=${CXX:-clang++}
bdir=$root/build-fuzz
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
sanitize=ON
if [ "${FUZZ_SANITIZE:-1}" = 0 ]; then
    bdir=$root/build-fuzz-nosan
    san="-g"
    sanitize=OFF
fi

# The library, instrumented for coverage but without libFuzzer's main. Warnings are not errors here:
# clang warns where gcc (the -Werror build) does not (-Wformat-nonliteral on vsnprintf wrappers).
mkdir -p "$bdir"
if [ ! -f "$bdir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER="$CC" \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" -DESEAL_SANITIZE=$sanitize -DESEAL_WERROR=OFF -DESEAL_BUILD_TESTS=OFF \
        -DESEAL_BUILD_BENCH=OFF >"$bdir/configure.log" 2>&1 || {
        cat "$bdir/configure.log" >&2
        exit 3
    }
fi
cmake --build "$bdir" --target eseal_static -j"$jobs" >"$bdir/build.log" 2>&1 || {
    tail -30 "$bdir/build.log" >&2
    exit 3
}
libs=$(pkg-config --libs openssl sqlite3 jansson cairo cairo-ft cairo-png cairo-svg cairo-pdf freetype2 libqpdf \
    libqrencode libzip libxml-2.0 libmicrohttpd libcurl)
cflags=$(pkg-config --cflags libxml-2.0 cairo)
exe=$bdir/${harness}_fuzzer
# -rdynamic: the modules (eseal-draw.so, eseal-http.so, loaded with dlopen) are instrumented too and
# refer to libFuzzer's coverage symbols (__sancov_lowest_stack), which only the harness defines.
# Without ASan nothing else exports them: FUZZ_SANITIZE=0 campaigns died at their first input.
# shellcheck disable=SC2086
"$CC" -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer-no-link $san $cflags -I"$root/include" -I"$root/src" \
    -c "$root/fuzz/${harness}_fuzzer.c" -o "$exe.o" &&
    "$CXX" -fsanitize=fuzzer $san -rdynamic "$exe.o" "$bdir/libeseal.a" $libs -lpthread -lm -o "$exe" || exit 3

run=$bdir/run/$target
rm -rf "$run"
mkdir -p "$run/corpus" "$run/findings"
cp "$root/fuzz/corpora/$target/." "$run/corpus/" -R
if [ -n "${FUZZ_SEEDS:-}" ]; then
    cp "$FUZZ_SEEDS/." "$run/corpus/" -R || exit 2
fi
dict=()
[ -f "$root/fuzz/$harness.dict" ] && dict=(-dict="$root/fuzz/$harness.dict")
echo "fuzz.sh: $harness over $target ($(find "$run/corpus" -type f | wc -l) seeds), ${secs}s, $jobs job(s)," \
    "oracle: ${ESEAL_FUZZ_ORACLE:-none}"
cd "$run" || exit 3
export ESEAL_FUZZ_FINDINGS="$run/findings"
# The campaign's CPU time goes to $run/cpu (user and system seconds): on a shared machine exec/s
# says more about the load than about the harness; executions per CPU second do not.
TIMEFORMAT='%U %S'
# shellcheck disable=SC2086
if [ "$jobs" -eq 1 ]; then
    { time "$exe" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$run/findings/" "${dict[@]}" \
        ${FUZZ_ARGS:-} "$run/corpus" >"$run/fuzz-0.log" 2>&1; } 2>"$run/cpu"
else
    { time "$exe" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$run/findings/" "${dict[@]}" \
        -jobs="$jobs" -workers="$jobs" ${FUZZ_ARGS:-} "$run/corpus" >"$run/jobs.log" 2>&1; } 2>"$run/cpu"
fi

cpu=$(awk '{ print int($1 + $2) }' "$run/cpu")

# The figures, summed over the workers' logs.
execs=0
rate=0
for log in "$run"/fuzz-*.log; do
    e=$(awk '/^stat::number_of_executed_units:/ {v=$2} END {print v}' "$log")
    r=$(awk '/^stat::average_exec_per_sec:/ {v=$2} END {print v}' "$log")
    execs=$((execs + ${e:-0}))
    rate=$((rate + ${r:-0}))
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    echo "  $(basename "$log"): ${last:-no status line}"
done
cov=$(cat "$run"/fuzz-*.log | grep -Eo 'cov: [0-9]+' | sort -k2 -n | tail -1)
ft=$(cat "$run"/fuzz-*.log | grep -Eo 'ft: [0-9]+' | sort -k2 -n | tail -1)
found=$(find "$run/findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
echo "executions: $execs"
echo "exec/s: $rate (sum over $jobs job(s)); CPU: ${cpu}s, $((execs / (cpu > 0 ? cpu : 1))) executions per CPU second"
echo "coverage: ${cov:-cov: ?}, ${ft:-ft: ?}; corpus: $(find "$run/corpus" -type f | wc -l) inputs"
echo "crashes and sanitizer reports: $(printf '%s' "$found" | grep -c .)"
[ -n "$found" ] && printf '  %s\n' $found
# Verdict findings: the highest count each kind reached (the harness reports at 1, 2, 4, 8...).
kinds=$(cat "$run"/fuzz-*.log | sed -n 's/.*FINDING (\([a-z-]*\), #\([0-9]*\)): a VALID file \(.*\) ([0-9]* [0-9]*)$/\1 \2 \3/p' |
    sort -k1,1 -k2,2n | awk '{k[$1]=$0} END {for (x in k) print k[x]}' | sort)
echo "verdict findings (kind, at least N inputs): $(printf '%s' "$kinds" | grep -c .) kinds;" \
    "inputs kept: $(find "$run/findings" -name 'finding-*' | wc -l)"
[ -n "$kinds" ] && printf '%s\n' "$kinds" | sed 's/^/  /'
[ -z "$found" ] && [ -z "$kinds" ]
