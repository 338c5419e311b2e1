# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that use SoftHSM2 as a real PKCS#11 token (issue 23): sets MOD to SoftHSM2's
# module, or says it is not installed and exits 77 (the test is then reported as skipped).
MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -r "$m" ] && MOD=$m && break
done
if [ -z "$MOD" ] || ! command -v softhsm2-util >/dev/null; then
    echo "# SoftHSM2 is not installed (scripts/deps.sh installs softhsm2): skipped"
    exit 77
fi
