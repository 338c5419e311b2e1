# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that put keys into tokens or devices (issue 23 §1): deposits what the
# suite's scan (test token_key_scan, tests/lib/keyscan.py suite) reads after every such test ran.
#   keyscan_deposit NAME KEY.pem... -- PATH...
# copies the keys (the private keys the test put into a token or device) and the paths (instance
# homes, output folders, files holding what eseal printed) to $ESEAL_KEYSCAN_DIR/NAME/, replacing
# what an earlier run of NAME left; nothing when ESEAL_KEYSCAN_DIR is unset (a test run by hand).
keyscan_deposit() {
    [ -n "${ESEAL_KEYSCAN_DIR:-}" ] || return 0
    local name=$1 dest
    shift
    dest=$ESEAL_KEYSCAN_DIR/$name
    rm -rf "$dest"
    mkdir -p "$dest/keys" "$dest/haystack"
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        cp "$1" "$dest/keys/$(basename "$1")"
        shift
    done
    [ $# -gt 0 ] && shift
    local i=0
    for p in "$@"; do
        i=$((i + 1))
        [ -e "$p" ] && cp -r "$p" "$dest/haystack/$i-$(basename "$p")"
    done
}
