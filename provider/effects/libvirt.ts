/** virsh on a hypervisor: every argument quoted, domain XML on stdin. */
import { randomBytes } from "crypto";
import { exec, ExecResult, SshTarget } from "./ssh";
import { GuestInterface } from "../core/parse/domifaddr";
import { DomainNow, parseDomainNow } from "../core/parse/domain-now";
import { definedIn, parseDefineStartAndRead } from "../core/parse/define";
import { parseWaitForAddress } from "../core/parse/wait-for-address";
import { parseRemoval, RemovalOutcome, secretInjected } from "../core/parse/outcome";
import { FileToCreate } from "../core/disks";
import { FRAMING, GUEST_FILES, oneLine, scriptFile } from "./scripts";

export type { DomainNow };

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

/** inject-launch-secret.sh as one line, so that sudoers can name it (SECURITY.md). */
const INJECT_SCRIPT = oneLine(scriptFile("inject-launch-secret.sh"));

/** `virsh domsetlaunchsecstate`: writes the owner's secret into the paused guest's memory. */
export async function setLaunchSecret(l: Libvirt, uuid: string, secret: { header: string; secret: string; setAddress?: number }): Promise<void> {
  const address = secret.setAddress === undefined ? [] : ["--set-address", String(secret.setAddress)];
  const r = await exec(l.target, ["sh", "-c", INJECT_SCRIPT, "inject-launch-secret", l.uri, uuid, ...address], {
    stdin: `${secret.header}\n${secret.secret}\n`,
    purpose: "virsh domsetlaunchsecstate: the guest owner's launch secret (header and secret on stdin)",
  });
  if (!secretInjected(r.stdout))
    throw new Error(`${l.target.host}: virsh domsetlaunchsecstate of ${uuid} ended without injecting the secret: ${r.stderr.trim() || "no output"}`);
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

const START_AND_READ_ONLY = scriptFile("start-and-read.sh");
/** start-and-read.sh, after the framing: one round trip starts (if asked and stopped) and reads a domain. */
const START_AND_READ = `${FRAMING}\n${START_AND_READ_ONLY}`;
/** wait-for-address.sh, after the framing. */
const WAIT_FOR_ADDRESS = `${FRAMING}\n${scriptFile("wait-for-address.sh")}`;

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
  const { addresses, last } = parseWaitForAddress(r.stdout);
  return { addresses, last };
}

export async function startAndRead(l: Libvirt, uuid: string, start: StartMode): Promise<DomainNow> {
  const r = await exec(l.target, ["sh", "-s", "--", l.uri, uuid, start], {
    stdin: START_AND_READ,
    purpose: `start (if stopped) and read domain ${uuid}`,
  });
  return parseDomainNow(r.stdout);
}

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

const DEFINE = scriptFile("define.sh");

/**
 * The script of a define, then a start-and-read: guest-files.sh, the framing, the seed's bytes
 * (base64) and a function that defines the domain XML, each a quoted here-document (the shell expands nothing in them) whose end
 * lines are random and not in the text, define.sh and start-and-read.sh. The command stays
 * `sh -s -- <uri> <uuid> <start> [file arguments]`.
 */
function defineStartAndReadScript(xml: string, seed: Buffer | null): string {
  const body = xml.endsWith("\n") ? xml : `${xml}\n`;
  const end = endLineFor(body, "domain-xml");
  const seedText = seed === null ? "" : seed.toString("base64").replace(/.{76}/g, "$&\n");
  const seedEnd = endLineFor(seedText, "seed");
  return [
    GUEST_FILES,
    FRAMING,
    `seed=$(cat <<'${seedEnd}'\n${seedText}\n${seedEnd}\n)`,
    `define_xml() {\nvirsh -c "$1" define /dev/stdin <<'${end}'\n${body}${end}\n}`,
    DEFINE,
    START_AND_READ_ONLY,
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
    stdin: defineStartAndReadScript(xml, seed),
    purpose: `${files.length > 0 ? `create the guest's files (${files.map((f) => f.path).join(", ")}), ` : ""}virsh define of domain ${uuid} (its XML in the script), then start (if stopped) and read it`,
    onStdout: (d) => {
      seen += d.toString("latin1");
      if (definedIn(seen)) markDefined();
    },
  });
  const started = run.then((r) => parseDefineStartAndRead(r.stdout));
  // The channel can end without printing the mark: define failed, or the host was lost.
  const defined = Promise.race([definedSeen, run.then(() => undefined)]);
  started.catch(() => undefined);
  return { defined, started };
}

const STOP_AND_UNDEFINE = `${GUEST_FILES}\n${FRAMING}\n${scriptFile("stop-and-undefine.sh")}`;
const UNDEFINE = `${GUEST_FILES}\n${FRAMING}\n${scriptFile("undefine.sh")}`;

/**
 * Stops (ACPI shutdown, then a hard stop after the wait; at once when libvirt refuses the shutdown)
 * and undefines the domain, if it exists, then removes the files up made for the guest (those
 * carrying its ownership marker; never a base image or a user's disk): one round trip.
 */
export async function stopAndUndefine(l: Libvirt, uuid: string, timeoutMs: number, created: string[] = []): Promise<RemovalOutcome> {
  const waitSeconds = Math.ceil(timeoutMs / 1000);
  const target = { ...l.target, commandTimeoutMs: Math.max(l.target.commandTimeoutMs, timeoutMs + 30_000) };
  const r = await exec(target, ["sh", "-s", "--", l.uri, uuid, String(waitSeconds), ...created], {
    stdin: STOP_AND_UNDEFINE,
    purpose: `stop and undefine domain ${uuid}${created.length > 0 ? `, remove its files (${created.join(", ")})` : ""}`,
  });
  return parseRemoval(r.stdout);
}

/** Removes the definition, the guest's UEFI variable store and the files up made for it. */
export async function undefineDomain(l: Libvirt, uuid: string, created: string[] = []): Promise<void> {
  if (created.length === 0) return void (await virsh(l, ["undefine", "--nvram", uuid]));
  await exec(l.target, ["sh", "-s", "--", l.uri, uuid, ...created], {
    stdin: UNDEFINE,
    purpose: `undefine domain ${uuid} and remove its files (${created.join(", ")})`,
  });
}
