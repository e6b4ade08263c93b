# The host lock's holder (effects/lock.ts): run by `flock -w SECONDS /run/lock/pulumi-sev.lock sh -c
# SCRIPT sh HOLDER [FIRST…]` once the lock is taken. Writes HOLDER where a waiter that gives up can
# read it, runs FIRST (the probe's slot count) with its output as the section "first", then prints
# the section "locked" and keeps the lock while its stdin stays open (the provider's channel).
# Everything is framed (framing.sh is put before this text), FIRST's output too: the ready line
# "@@probe locked@@" cannot come from anything the host prints (core/parse/lock.ts).
printf '%s\n' "$1" > /run/lock/pulumi-sev.holder; shift
{ if [ "$#" -gt 0 ]; then sec first; "$@" </dev/null; fi; sec locked; } | framed
exec cat >/dev/null
