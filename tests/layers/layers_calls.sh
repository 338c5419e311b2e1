#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The layers at link level (docs/architecture.md): no object of a layer references a symbol that a
# higher layer defines. The include rule (layers_test.cmake) does not see a call made through a
# public header (include/eseal is open to every layer), e.g. src/ca calling eseal_instance_trust of
# src/service: this test does, from the objects the build made (nm).
#
# usage: layers_calls.sh OBJECTS [LAYER_A LAYER_B]
#   OBJECTS: the file the build writes (build/layers-objects.txt): one line a layer, lowest first,
#            "<layer> <object> <object> ...".
#   LAYER_A LAYER_B: take the two layers in swapped order (the test that the check catches an
#            upward call: with service below ca, the service's calls of the CA are upward).
# Exit 0 when nothing goes up; 1 with one line per upward reference otherwise; 2 on bad usage.
set -eu

if [ $# -ne 1 ] && [ $# -ne 3 ]; then
    echo "usage: $0 OBJECTS [LAYER_A LAYER_B]" >&2
    exit 2
fi
objects=$1
swap_a=${2:-}
swap_b=${3:-}
[ -r "$objects" ] || { echo "$0: cannot read $objects" >&2; exit 2; }
command -v nm >/dev/null 2>&1 || { echo "$0: nm (binutils) is needed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# One line per layer with its rank; swapped layers exchange ranks.
rank=0
: >"$tmp/defs"
: >"$tmp/refs"
while read -r layer objs; do
    [ -n "$layer" ] || continue
    rank=$((rank + 1))
    echo "$layer $rank" >>"$tmp/ranks"
    for o in $objs; do
        [ -r "$o" ] || { echo "$0: missing object $o (build first)" >&2; exit 2; }
        src=$(printf '%s\n' "$o" | sed -e 's|.*\.dir/||' -e 's|\.o$||')
        nm -g --defined-only "$o" | awk -v l="$layer" -v s="$src" 'NF == 3 && $2 ~ /^[TDBRCV]$/ {print $3, l, s}' >>"$tmp/defs"
        nm -u "$o" | awk -v l="$layer" -v s="$src" 'NF >= 2 {print $2, l, s}' >>"$tmp/refs"
    done
done <"$objects"
[ "$rank" -gt 1 ] || { echo "$0: $objects lists fewer than two layers" >&2; exit 2; }
if [ -n "$swap_a" ]; then
    grep -q "^$swap_a " "$tmp/ranks" && grep -q "^$swap_b " "$tmp/ranks" ||
        { echo "$0: no layer $swap_a or $swap_b in $objects" >&2; exit 2; }
    awk -v a="$swap_a" -v b="$swap_b" '
        NR == FNR { r[$1] = $2; next }
        { l = $1 == a ? b : $1 == b ? a : $1; print $1, r[l] }' "$tmp/ranks" "$tmp/ranks" >"$tmp/ranks2"
    mv "$tmp/ranks2" "$tmp/ranks"
fi

awk '
    FILENAME == ARGV[1] { rank[$1] = $2; next }
    FILENAME == ARGV[2] { def_layer[$1] = $2; def_src[$1] = $3; next }
    ($1 in def_layer) && rank[def_layer[$1]] > rank[$2] {
        printf "upward call: layer %s (%s) references %s of layer %s (%s)\n", $2, $3, $1, def_layer[$1], def_src[$1]
        bad++
    }
    END { exit bad > 0 }' "$tmp/ranks" "$tmp/defs" "$tmp/refs" && status=0 || status=1
if [ "$status" -eq 0 ]; then
    echo "layers_calls: $rank layers, no object references a symbol of a higher layer"
fi
exit "$status"
