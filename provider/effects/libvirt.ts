/** virsh on a hypervisor: every argument quoted, domain XML on stdin. */
import { randomBytes } from "crypto";
import { exec, ExecResult, SshTarget } from "./ssh";
import { GuestInterface, parseDomIfAddr } from "../core/parse/domifaddr";
import { DomainNow, parseDomainNow } from "../core/parse/domain-now";

export type { DomainNow };
import { FileToCreate } from "../core/disks";
import { FRAMING, GUEST_FILES } from "./disks";

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

export async function resumeDomain(l: Libvirt, uuid: string): Promise<void> {
  await virsh(l, ["resume", uuid]);
}

/**
 * The header and secret reach virsh only as files, so they come on stdin and are written by a fixed
 * script into a private folder (memory-backed where /dev/shm exists) that is removed when it ends:
 * nothing of them is on a command line, and every argument stays an argument. One line, so that
 * sudoers can name it (SECURITY.md).
 */
const INJECT_SCRIPT = [
  "umask 077",
  "d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) || exit 1",
  "trap 'rm -rf \"$d\"' EXIT",
  "IFS= read -r header; IFS= read -r secret",
  'printf %s "$header" > "$d/header"; printf %s "$secret" > "$d/secret"',
  "uri=$1; dom=$2; shift 2",
  'virsh -c "$uri" domsetlaunchsecstate "$dom" --secrethdr "$d/header" --secret "$d/secret" "$@"',
].join("; ");

/** `virsh domsetlaunchsecstate`: writes the owner's secret into the paused guest's memory. */
export async function setLaunchSecret(l: Libvirt, uuid: string, secret: { header: string; secret: string; setAddress?: number }): Promise<void> {
  const address = secret.setAddress === undefined ? [] : ["--set-address", String(secret.setAddress)];
  await exec(l.target, ["sh", "-c", INJECT_SCRIPT, "inject-launch-secret", l.uri, uuid, ...address], {
    stdin: `${secret.header}\n${secret.secret}\n`,
    purpose: "virsh domsetlaunchsecstate: the guest owner's launch secret (header and secret on stdin)",
  });
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

export async function domainState(l: Libvirt, uuid: string): Promise<string | null> {
  const r = await virsh(l, ["domstate", uuid], undefined, true);
  if (r.code === 0) return r.stdout.trim().split("\n")[0];
  if (NOT_FOUND.test(r.stderr)) return null;
  throw new Error(`${l.target.host}: virsh domstate ${uuid} failed: ${r.stderr.trim()}`);
}

/** How a start-and-read starts a stopped domain: not at all, running, or paused (launched, no vCPU runs yet). */
export type StartMode = "no" | "yes" | "paused";

/**
 * Starts the domain if it is shut off or crashed (and a start is asked for), then reads its state,
 * launch info, addresses and definition: one round trip (`sh -s`, script on stdin). Framed as
 * probe.sh frames its sections (core/parse/domain-now.ts reads it): a domain's description that
 * holds marker lines is data.
 */
const START_AND_READ = `uri=$1; id=$2; start=$3
${FRAMING}
v() { virsh -c "$uri" "$@"; }
{
state=$(v domstate "$id" 2>/dev/null | head -n 1)
if [ "$start" != no ] && { [ "$state" = "shut off" ] || [ "$state" = crashed ]; }; then
  flag=; [ "$start" = paused ] && flag=--paused
  if ! err=$(v start $flag "$id" 2>&1 >/dev/null); then sec start-failed; printf '%s\\n' "$err"; exit 0; fi
  sec started
fi
sec state; v domstate "$id" 2>/dev/null | head -n 1
sec launchsecinfo; v domlaunchsecinfo "$id" 2>/dev/null
sec addresses; v domifaddr --source agent "$id" 2>/dev/null || v domifaddr --source lease "$id" 2>/dev/null
sec xml; v dumpxml --inactive "$id" 2>/dev/null
} | framed
exit 0`;

/** Polls `virsh domifaddr` once a second until an interface other than loopback has an address, or the wait is over; prints the last answer. */
const WAIT_FOR_ADDRESS = `uri=$1; id=$2; source=$3; wait=$4
v() { virsh -c "$uri" "$@"; }
i=0
while :; do
  out=$(v domifaddr --source "$source" "$id" 2>&1)
  printf '%s\\n' "$out" | grep -v '00:00:00:00:00:00' | grep -Eq '([0-9a-f]{2}:){5}[0-9a-f]{2}[[:space:]]+ipv[46][[:space:]]' && break
  [ "$i" -ge "$wait" ] && break
  sleep 1; i=$((i + 1))
done
printf '%s\\n' "$out"`;

/** The guest's addresses once it reports one, or after waitSeconds: one channel, bounded. `last` is virsh's last answer. */
export async function waitForAddresses(
  l: Libvirt,
  uuid: string,
  source: "agent" | "lease",
  waitSeconds: number,
): Promise<{ addresses: GuestInterface[]; last: string }> {
  const target = { ...l.target, commandTimeoutMs: Math.max(l.target.commandTimeoutMs, waitSeconds * 1000 + 30_000) };
  const r = await exec(target, ["sh", "-s", "--", l.uri, uuid, source, String(waitSeconds)], {
    stdin: WAIT_FOR_ADDRESS,
    purpose: `wait up to ${waitSeconds} s for an address of domain ${uuid} (virsh domifaddr --source ${source})`,
  });
  return { addresses: parseDomIfAddr(r.stdout), last: r.stdout.trim() };
}

export async function startAndRead(l: Libvirt, uuid: string, start: StartMode): Promise<DomainNow> {
  const r = await exec(l.target, ["sh", "-s", "--", l.uri, uuid, start], {
    stdin: START_AND_READ,
    purpose: `start (if stopped) and read domain ${uuid}`,
  });
  return parseDomainNow(r.stdout);
}

/** Printed once `virsh define` has written the definition; what follows is START_AND_READ's. */
const DEFINED = "@@defined@@\n";

/** A here-document's end line that is not in the text. */
function endLineFor(text: string, what: string): string {
  let end = "";
  do end = `@@${what}-${randomBytes(12).toString("hex")}@@`;
  while (text.includes(end));
  return end;
}

/** The guest's files to make before the define: KIND PATH SOURCE FORMAT SIZE per file, "-" where none. */
export function fileArguments(files: FileToCreate[]): string[] {
  const size = (gib: number | null) => (gib === null ? "-" : String(gib));
  return files.flatMap((f) => {
    if (f.kind === "overlay" || f.kind === "copy") return [f.kind, f.path, f.image.path, f.image.format, size(f.sizeGiB)];
    return [f.kind, f.path, "-", "-", f.kind === "blank" ? size(f.sizeGiB) : "-"];
  });
}

/**
 * The domain XML (and the seed's bytes, base64) go in the script as quoted here-documents (the shell
 * expands nothing in them), whose end lines are random and not in the text: the command stays
 * `sh -s -- <uri> <uuid> <start> [file arguments]`. Files are made first, all or nothing; a define
 * that fails removes what this run made.
 */
function defineThenStartAndRead(xml: string, seed: Buffer | null): string {
  const body = xml.endsWith("\n") ? xml : `${xml}\n`;
  const end = endLineFor(body, "domain-xml");
  const seedText = seed === null ? "" : seed.toString("base64").replace(/.{76}/g, "$&\n");
  const seedEnd = endLineFor(seedText, "seed");
  return [
    GUEST_FILES,
    `made=$(mktemp) || exit 1; trap 'rm -f "$made"' EXIT`,
    `seed=$(cat <<'${seedEnd}'\n${seedText}\n${seedEnd}\n)`,
    `files_of() { shift 3; make_files "$uuid_" "$@"; }; uuid_=$2; files_of "$@" || exit 1`,
    `virsh -c "$1" define /dev/stdin >/dev/null <<'${end}' || { undo_files; exit 1; }\n${body}${end}`,
    `printf '${DEFINED.trim()}\\n'`,
    START_AND_READ,
  ].join("\n");
}

/** A define whose start goes on in the same channel: defined settles when define has (the lock may go), started when the start and read have. */
export interface DefineAndStart {
  defined: Promise<void>;
  started: Promise<DomainNow>;
}

/**
 * Defines the domain, then starts it if it is stopped (and a start is asked for) and reads it: one
 * channel, where define and start-and-read would take two.
 */
export function defineStartAndRead(
  l: Libvirt,
  xml: string,
  uuid: string,
  start: StartMode,
  files: FileToCreate[] = [],
  seed: Buffer | null = null,
): DefineAndStart {
  let seen = "";
  let markDefined = () => {};
  const definedSeen = new Promise<void>((done) => (markDefined = done));
  const run = exec(l.target, ["sh", "-s", "--", l.uri, uuid, start, ...fileArguments(files)], {
    stdin: defineThenStartAndRead(xml, seed),
    purpose: `${files.length > 0 ? `create the guest's files (${files.map((f) => f.path).join(", ")}), ` : ""}virsh define of domain ${uuid} (its XML in the script), then start (if stopped) and read it`,
    onStdout: (d) => {
      seen += d.toString("latin1");
      if (seen.startsWith(DEFINED)) markDefined();
    },
  });
  const started = run.then((r) => parseDomainNow(r.stdout.startsWith(DEFINED) ? r.stdout.slice(DEFINED.length) : ""));
  // The channel can end without printing the mark: define failed, or the host was lost.
  const defined = Promise.race([definedSeen, run.then(() => undefined)]);
  started.catch(() => undefined);
  return { defined, started };
}

/** Stops (ACPI shutdown, then a hard stop after waitSeconds; at once when libvirt refuses the shutdown) and undefines the domain, if it exists: one round trip (`sh -s`, script on stdin). */
const STOP_AND_UNDEFINE = `uri=$1; id=$2; wait=$3
v() { virsh -c "$uri" "$@"; }
stop_and_undefine() {
  if ! state=$(v domstate "$id" 2>&1); then
    case $state in *"ailed to get domain"*|*"omain not found"*|*"no domain with matching"*) return 0 ;; esac
    echo "$state" >&2; return 1
  fi
  state=$(printf '%s\n' "$state" | head -n 1)
  if [ "$state" != "shut off" ]; then
    # libvirt refuses to shut down a paused guest ("domain is not running"): no wait for what cannot come.
    if v shutdown "$id" >/dev/null 2>&1; then
      i=0
      while [ "$i" -lt "$wait" ] && [ "$(v domstate "$id" 2>/dev/null | head -n 1)" != "shut off" ]; do sleep 1; i=$((i + 1)); done
    fi
    [ "$(v domstate "$id" 2>/dev/null | head -n 1)" = "shut off" ] || v destroy "$id" >/dev/null || return 1
  fi
  v undefine --nvram "$id" >/dev/null
}
stop_and_undefine || exit 1
shift 3; remove_files "$id" "$@"`;

/** Then removes the files up made for the guest (those carrying its ownership marker; never a base image or a user's disk). */
export async function stopAndUndefine(l: Libvirt, uuid: string, timeoutMs: number, created: string[] = []): Promise<void> {
  const waitSeconds = Math.ceil(timeoutMs / 1000);
  const target = { ...l.target, commandTimeoutMs: Math.max(l.target.commandTimeoutMs, timeoutMs + 30_000) };
  await exec(target, ["sh", "-s", "--", l.uri, uuid, String(waitSeconds), ...created], {
    stdin: `${GUEST_FILES}\n${STOP_AND_UNDEFINE}`,
    purpose: `stop and undefine domain ${uuid}${created.length > 0 ? `, remove its files (${created.join(", ")})` : ""}`,
  });
}

/** Removes the definition, the guest's UEFI variable store and the files up made for it. */
export async function undefineDomain(l: Libvirt, uuid: string, created: string[] = []): Promise<void> {
  if (created.length === 0) return void (await virsh(l, ["undefine", "--nvram", uuid]));
  await exec(l.target, ["sh", "-s", "--", l.uri, uuid, ...created], {
    stdin: `${GUEST_FILES}\nvirsh -c "$1" undefine --nvram "$2" >/dev/null || exit 1\nid=$2; shift 2; remove_files "$id" "$@"`,
    purpose: `undefine domain ${uuid} and remove its files (${created.join(", ")})`,
  });
}
