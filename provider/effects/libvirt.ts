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

export async function startDomain(l: Libvirt, uuid: string): Promise<void> {
  await virsh(l, ["start", uuid]);
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
