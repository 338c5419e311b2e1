#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eseal log forget through the front door (issue #16): the passphrase is needed, the erasure is an
# audit entry "log.forgotten" naming the entry, the field and the operator, and changes of state
# record the operator (actor LOGIN, actor-kind operator) and, as commitments, the address and device.
# Usage: log_forget_test.sh /path/to/eseal
set -u
E=$1
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
export ESEAL_PASSPHRASE=forget-pass-1
export ESEAL_HOME=$T/home
unset ESEAL_PASS_FILE || true
me=$(id -un)
size() { "$E" log publish | sed -n 's/.*size \([0-9]*\)$/\1/p'; }

expect 0 "init" -- "$E" init
id=$("$E" cert issue --org "Forget Ltd" --uscc 91110000MA01ABCDEX --alg p256 2>"$T/err")
seal=$("$E" seal make --cert "$id" --type contract --name "Forget Seal" 2>"$T/err")
[ -n "$seal" ] && ok "a seal" || notok "a seal: $(cat "$T/err")"
first=$(size)
expect 0 "a lifecycle change" -- "$E" seal suspend "$seal" --reason "forget test"
target=$first
expect 0 "log show the change" -- "$E" log show "$target"
has "$T/out" "^type seal.suspended$" "it is the suspension"
has "$T/out" "^actor $me$" "the actor is the operator's login"
has "$T/out" "^actor-kind operator$" "its kind is operator"
has "$T/out" "^policy-rule local-operator$" "the rule that allowed it"
has "$T/out" "^ip-commitment [0-9a-f]\{64\}$" "the address is a commitment"
has "$T/out" "^device-commitment [0-9a-f]\{64\}$" "the device (eseal-cli) is a commitment"
grep -Eq "(^| )(eseal-cli|local)$" "$T/out" && notok "the address or device is in the clear" || ok "no address or device in the clear"
before=$(size)

expect 2 "forget needs --field ip|device" -- "$E" log forget "$target" --field name
has "$T/err" "log forget needs INDEX and --field ip|device" "the usage error says what is needed"
expect 3 "forget without a passphrase is refused" -- env -u ESEAL_PASSPHRASE "$E" log forget "$target" --field ip
has "$T/err" "no passphrase" "it asks for the passphrase"
expect 3 "forget with a wrong passphrase is refused" -- env ESEAL_PASSPHRASE=wrong-pass-1 "$E" log forget "$target" --field ip
[ "$(size)" = "$before" ] && ok "refusals add no entry" || notok "refusals add no entry"

expect 0 "forget the ip salt" -- "$E" log forget "$target" --field ip
has "$T/out" "entry $target: the ip salt is erased" "it says what was erased"
has "$T/out" "recorded as entry $before" "it says where it is recorded"
expect 0 "log show the forgetting" -- "$E" log show "$before"
has "$T/out" "^type log.forgotten$" "the entry is log.forgotten"
has "$T/out" "^actor $me$" "it names who asked"
has "$T/out" "^detail entry $target: the ip salt is erased$" "it names the entry and the field"
after=$(size)
[ "$after" = "$((before + 1))" ] && ok "one entry added" || notok "one entry added ($before -> $after)"
expect 3 "forgetting twice: nothing left" -- "$E" log forget "$target" --field ip
has "$T/err" "has no ip salt" "it says there is no salt"
[ "$(size)" = "$after" ] && ok "no entry for a refused forget" || notok "no entry for a refused forget"
expect 0 "an agent holds the instance key" -- "$E" agent start --timeout 60
expect 0 "the device salt is still there to forget, through the agent (no passphrase)" -- env -u ESEAL_PASSPHRASE "$E" log forget "$target" --field device
expect 0 "agent stop" -- "$E" agent stop
expect 0 "the log audits clean" -- "$E" log audit
expect 0 "help names the passphrase and the entry" -- "$E" help log
has "$T/out" "log.forgotten" "help log mentions log.forgotten"

tap_done log_forget
