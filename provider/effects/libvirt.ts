/** virsh on a hypervisor: every argument quoted, domain XML on stdin. */
import { exec, ExecResult, SshTarget } from "./ssh";

export interface Libvirt {
  target: SshTarget;
  uri: string;
}

function virsh(l: Libvirt, args: string[], stdin?: string, allowFailure = false): Promise<ExecResult> {
  return exec(l.target, ["virsh", "-c", l.uri, ...args], { stdin, allowFailure });
}

const NOT_FOUND = /failed to get domain|Domain not found|no domain with matching/i;

export async function defineDomain(l: Libvirt, xml: string): Promise<void> {
  await virsh(l, ["define", "/dev/stdin"], xml);
}

/**
 * The domain's persistent definition (what define wrote and the next boot uses), or null when no
 * such domain is defined.
 */
export async function dumpXml(l: Libvirt, nameOrUuid: string): Promise<string | null> {
  const r = await virsh(l, ["dumpxml", "--inactive", nameOrUuid], undefined, true);
  if (r.code === 0) return r.stdout;
  if (NOT_FOUND.test(r.stderr)) return null;
  throw new Error(`${l.target.host}: virsh dumpxml ${nameOrUuid} failed: ${r.stderr.trim()}`);
}

/** A domain as the host has it: its persistent definition and its state (null: not defined). */
export interface DomainNow {
  xml: string | null;
  state: string | null;
  /** Why start failed (virsh's own words), when a start was asked for and failed. */
  startError: string | null;
}

/** Starts the domain if it is shut off or crashed (and start is asked for), then reads it: one round trip (`sh -s`, script on stdin). */
const START_AND_READ = `uri=$1; id=$2; start=$3
v() { virsh -c "$uri" "$@"; }
state=$(v domstate "$id" 2>/dev/null | head -n 1)
if [ "$start" = yes ] && { [ "$state" = "shut off" ] || [ "$state" = crashed ]; }; then
  if ! err=$(v start "$id" 2>&1 >/dev/null); then printf '@@start-failed@@\n%s\n' "$err"; exit 0; fi
fi
printf '@@state@@\n'; v domstate "$id" 2>/dev/null | head -n 1
printf '@@xml@@\n'; v dumpxml --inactive "$id" 2>/dev/null
exit 0`;

export async function startAndRead(l: Libvirt, uuid: string, start: boolean): Promise<DomainNow> {
  const r = await exec(l.target, ["sh", "-s", "--", l.uri, uuid, start ? "yes" : "no"], {
    stdin: START_AND_READ,
    purpose: `start (if stopped) and read domain ${uuid}`,
  });
  const failed = r.stdout.indexOf("@@start-failed@@\n");
  if (failed >= 0) return { xml: null, state: null, startError: r.stdout.slice(failed + 17).trim() };
  const [, afterState = ""] = r.stdout.split("@@state@@\n");
  const xmlAt = afterState.indexOf("@@xml@@\n");
  const state = afterState.slice(0, xmlAt).trim();
  const xml = afterState.slice(xmlAt + 8);
  return { state: state || null, xml: xml.trim() ? xml : null, startError: null };
}

/** Stops (ACPI shutdown, then a hard stop after waitSeconds) and undefines the domain, if it exists: one round trip (`sh -s`, script on stdin). */
const STOP_AND_UNDEFINE = `uri=$1; id=$2; wait=$3
v() { virsh -c "$uri" "$@"; }
if ! state=$(v domstate "$id" 2>&1); then
  case $state in *"ailed to get domain"*|*"omain not found"*|*"no domain with matching"*) exit 0 ;; esac
  echo "$state" >&2; exit 1
fi
state=$(printf '%s\n' "$state" | head -n 1)
if [ "$state" != "shut off" ]; then
  v shutdown "$id" >/dev/null 2>&1
  i=0
  while [ "$i" -lt "$wait" ] && [ "$(v domstate "$id" 2>/dev/null | head -n 1)" != "shut off" ]; do sleep 1; i=$((i + 1)); done
  [ "$(v domstate "$id" 2>/dev/null | head -n 1)" = "shut off" ] || v destroy "$id" >/dev/null || exit 1
fi
v undefine --nvram "$id" >/dev/null`;

export async function stopAndUndefine(l: Libvirt, uuid: string, timeoutMs: number): Promise<void> {
  const waitSeconds = Math.ceil(timeoutMs / 1000);
  const target = { ...l.target, commandTimeoutMs: Math.max(l.target.commandTimeoutMs, timeoutMs + 30_000) };
  await exec(target, ["sh", "-s", "--", l.uri, uuid, String(waitSeconds)], { stdin: STOP_AND_UNDEFINE, purpose: `stop and undefine domain ${uuid}` });
}

/** Removes the definition and the guest's UEFI variable store. */
export async function undefineDomain(l: Libvirt, uuid: string): Promise<void> {
  await virsh(l, ["undefine", "--nvram", uuid]);
}
