/** Effects on a hypervisor: the probe and machine.slice. Everything goes through exec(). */
import { exec, SshTarget } from "./ssh";
import { FRAMING, scriptFile } from "./scripts";
import { CLAIMS_DIR, claimPath } from "../core/slice-claims";
import { SliceProperty } from "../core/slice";

/** probe.sh after the framing it prints with (framing.sh). */
const probeScript = `${FRAMING}\n${scriptFile("probe.sh")}`;

/** The whole probe in one exec channel; the URI is an argument, the script comes on stdin. */
export async function runProbe(t: SshTarget, libvirtUri: string): Promise<string> {
  const r = await exec(t, ["sh", "-s", "--", libvirtUri], {
    stdin: probeScript,
    purpose: "the host probe: kernel, kvm_amd, /dev/sev, CPU, versions, domcapabilities, SEV domains",
  });
  return r.stdout;
}

/** The probe's slot count alone (misc cgroup, SEV domains): run under the host lock, its output printed before the lock's ready line. */
export function slotCountCommand(libvirtUri: string): string[] {
  return ["sh", "-c", probeScript, "sh", libvirtUri, "slots"];
}

/** Sets a machine.slice memory property; null means no limit ("infinity"). */
export async function setSliceProperty(t: SshTarget, property: SliceProperty, bytes: number | null): Promise<void> {
  await exec(t, ["systemctl", "set-property", "machine.slice", `${property}=${bytes === null ? "infinity" : String(bytes)}`]);
}

/** Records (atomically: written aside, then renamed) this resource's claim on machine.slice. */
export async function writeSliceClaim(t: SshTarget, id: string, content: string): Promise<void> {
  await exec(t, ["sh", "-c", 'mkdir -p "$1" && cat > "$2.new" && mv -f "$2.new" "$2"', "sh", CLAIMS_DIR, claimPath(id)], {
    stdin: content,
    purpose: "recording this SevHost's machine.slice claim",
  });
}

export async function removeSliceClaim(t: SshTarget, id: string): Promise<void> {
  await exec(t, ["rm", "-f", "--", claimPath(id)], { purpose: "removing this SevHost's machine.slice claim" });
}

export async function readSlice(t: SshTarget): Promise<string> {
  const r = await exec(t, ["systemctl", "show", "machine.slice", "-p", "MemoryMax", "-p", "MemoryHigh"]);
  return r.stdout;
}
