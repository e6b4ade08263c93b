/** The probe's devices sections: which /dev nodes exist, and who may open /dev/sev. */
import { DevSevAccess } from "../facts";
import { keyValues } from "./lines";

/** The names of the /dev nodes that exist, one a line. */
export function parseDevices(text: string): { sev: boolean; kvm: boolean } {
  const names = new Set(text.split(/\s+/).filter((n) => n !== ""));
  return { sev: names.has("sev"), kvm: names.has("kvm") };
}

/** "mode 600 root root", "qemu-user libvirt-qemu", "qemu-groups libvirt-qemu kvm"; null without a mode line. */
export function parseDevSevAccess(text: string): DevSevAccess | null {
  const kv = keyValues(text, " ");
  const [mode, owner, group] = (kv.get("mode") ?? "").split(/\s+/);
  if (!/^[0-7]{3,4}$/.test(mode ?? "") || !owner || !group) return null;
  return {
    mode: parseInt(mode, 8),
    owner,
    group,
    qemuUser: kv.get("qemu-user") || null,
    qemuGroups: (kv.get("qemu-groups") ?? "").split(/\s+/).filter((g) => g !== ""),
  };
}
