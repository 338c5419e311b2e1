#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# doc_example.sh CC DOC.md HEADING INCLUDE_DIR OUT.c CALL: extracts the first ```c block after the
# line HEADING of DOC.md into OUT.c, adds a main() that runs CALL, and compiles it (-Werror, syntax
# only) against INCLUDE_DIR: a documented example that no longer fits the API fails the suite.
set -eu
cc=$1 doc=$2 heading=$3 inc=$4 out=$5 call=$6
awk -v h="$heading" '$0 == h { r = 1 } r && /^```c$/ { c = 1; next } c && /^```$/ { exit } c' "$doc" >"$out"
[ -s "$out" ] || { echo "doc_example: no \`\`\`c block after '$heading' in $doc" >&2; exit 1; }
printf 'int main(void)\n{\n    %s\n    return 0;\n}\n' "$call" >>"$out"
"$cc" -std=c17 -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$out"
echo "doc_example: $(wc -l <"$out") lines of $doc compile"
