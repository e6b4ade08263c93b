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

/** Starts the domain; paused: QEMU launches it (the firmware measures it) but no vCPU runs yet. */
export async function startDomain(l: Libvirt, uuid: string, paused = false): Promise<void> {
  await virsh(l, ["start", ...(paused ? ["--paused"] : []), uuid]);
}

export async function resumeDomain(l: Libvirt, uuid: string): Promise<void> {
  await virsh(l, ["resume", uuid]);
}

/** `virsh domlaunchsecinfo`: the launch measurement and firmware version; null text when virsh failed. */
export async function launchSecInfo(l: Libvirt, uuid: string): Promise<string | null> {
  const r = await virsh(l, ["domlaunchsecinfo", uuid], undefined, true);
  return r.code === 0 ? r.stdout : null;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ACPI shutdown, waiting up to timeoutMs for the guest to power off; then a hard stop. */
export async function stopDomain(l: Libvirt, uuid: string, timeoutMs: number): Promise<"not running" | "shut down" | "destroyed"> {
  const state = await domainState(l, uuid);
  if (state === null || state === "shut off") return "not running";
  await virsh(l, ["shutdown", uuid], undefined, true);
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(1000)) {
    if ((await domainState(l, uuid)) === "shut off") return "shut down";
  }
  await virsh(l, ["destroy", uuid]);
  return "destroyed";
}

/** Removes the definition and the guest's UEFI variable store. */
export async function undefineDomain(l: Libvirt, uuid: string): Promise<void> {
  await virsh(l, ["undefine", "--nvram", uuid]);
}
