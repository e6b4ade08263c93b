/** What a guest's domain XML says about the things SevGuest owns, read through the domain model; compared to find drift and to judge adoption. */
import { SevModel } from "../facts";
import { Owner } from "../domain/metadata";
import { DomainModel, readDomain } from "../domain/document";
import { Disk } from "../domain/disk";
import { launchInputDrift, launchInputsOf, sevModelOf } from "../domain/launch-security";
import { firmwareOf } from "../domain/os";
import { formatPolicy } from "../models";

/** A <disk> element: its device (disk, cdrom), image file or block device, bus, and whether it is the boot disk. */
export interface DiskView {
  device: string;
  path: string | null;
  bus: string | null;
  boot: boolean;
}

/** An <interface> element: bridge or network, what it attaches to, and its MAC address. */
export interface InterfaceView {
  type: string | null;
  source: string | null;
  mac: string | null;
}

/** A guest domain as read back from its XML: what drift detection and adoption compare with the inputs. */
export interface GuestView {
  name: string | null;
  uuid: string | null;
  /** Domain type (kvm, qemu). */
  domainType: string | null;
  /** null: no SEV launchSecurity at all. */
  model: SevModel | null;
  policy: number | null;
  /** The guest owner's launch inputs in <launchSecurity> (dhCert, session, idBlock, kernelHashes, ...). */
  launchInputs: Record<string, string>;
  memoryKiB: number | null;
  vcpus: number | null;
  memoryLocked: boolean;
  /** os/type@machine (pc-q35-8.2, q35, pc-i440fx-…). */
  machine: string | null;
  /** UEFI (firmware='efi' or an OVMF/pflash loader) or BIOS. */
  firmware: "uefi" | "bios";
  disks: DiskView[];
  interfaces: InterfaceView[];
  /** This provider's ownership metadata, null when the domain carries none. */
  owner: Owner | null;
}

/** The boot disk: the one with <boot order='1'/> (the lowest order), else the first device='disk' (os/boot dev='hd'). */
function disksOf(disks: Disk[]): DiskView[] {
  const ordered = disks.filter((d) => d.bootOrder !== null).sort((a, b) => (a.bootOrder as number) - (b.bootOrder as number))[0];
  const boot = ordered ?? disks.find((d) => d.device === "disk");
  return disks.map((d) => ({ device: d.device, path: d.path, bus: d.bus, boot: d === boot }));
}

/** The view of a domain model: what SevGuest compares. */
export function viewOfModel(m: DomainModel): GuestView {
  const ls = m.launchSecurity;
  return {
    name: m.name,
    uuid: m.uuid,
    domainType: m.type,
    model: ls === null ? null : sevModelOf(ls),
    policy: ls === null ? null : ls.policy,
    launchInputs: ls === null ? {} : launchInputsOf(ls),
    memoryKiB: m.memory.memoryKiB,
    vcpus: m.vcpus,
    memoryLocked: m.memory.locked,
    machine: m.os.machine,
    firmware: firmwareOf(m.os),
    disks: disksOf(m.devices.disks),
    interfaces: m.devices.interfaces.map((i) => ({ type: i.type, source: i.source, mac: i.mac })),
    owner: m.owner,
  };
}

/** Reads a guest domain's XML (virsh dumpxml) into the view drift detection and adoption compare. */
export function viewOfDomain(xml: string): GuestView {
  return viewOfModel(readDomain(xml));
}

/** libvirt expands "q35" to the versioned machine (pc-q35-8.2), and a QEMU upgrade brings newer ones: any q35 is q35. */
function sameMachine(wanted: string | null, actual: string | null): boolean {
  const q35 = (m: string | null) => m !== null && /q35/.test(m);
  return q35(wanted) ? q35(actual) : wanted === actual;
}

const describeInterface = (i: InterfaceView | undefined) => (i === undefined ? "none" : `${i.type ?? "?"} ${i.source ?? "?"} mac ${i.mac ?? "none"}`);

function diskDrift(wanted: DiskView[], actual: DiskView[]): string[] {
  const drift: string[] = [];
  const wantedBoot = wanted.find((d) => d.boot);
  const actualBoot = actual.find((d) => d.boot);
  if (wantedBoot?.path !== actualBoot?.path) drift.push(`boot disk is ${actualBoot?.path ?? "none"}, expected ${wantedBoot?.path ?? "none"}`);
  else if (wantedBoot?.bus !== actualBoot?.bus) drift.push(`boot disk bus is ${actualBoot?.bus ?? "none"}, expected ${wantedBoot?.bus ?? "none"}`);
  const others = (ds: DiskView[]) => ds.filter((d) => !d.boot);
  const key = (d: DiskView) => `${d.device} ${d.path ?? "(no source)"}`;
  const wantedOthers = new Set(others(wanted).map(key));
  const actualOthers = new Set(others(actual).map(key));
  for (const k of actualOthers) if (!wantedOthers.has(k)) drift.push(`${k} is attached but not declared`);
  for (const k of wantedOthers) if (!actualOthers.has(k)) drift.push(`${k} is declared but not attached`);
  return [...drift, ...busDrift(others(wanted), others(actual))];
}

/** A non-boot disk attached on another bus than declared (a data disk moved from virtio to SCSI). */
function busDrift(wanted: DiskView[], actual: DiskView[]): string[] {
  return wanted.flatMap((w) => {
    const a = actual.find((d) => d.device === w.device && d.path === w.path);
    return a === undefined || a.bus === w.bus ? [] : [`${w.device} ${w.path ?? "(no source)"} bus is ${a.bus ?? "none"}, expected ${w.bus ?? "none"}`];
  });
}

function interfaceDrift(wanted: InterfaceView[], actual: InterfaceView[]): string[] {
  const drift: string[] = [];
  for (let n = 0; n < Math.max(wanted.length, actual.length); n++) {
    const w = describeInterface(wanted[n]);
    const a = describeInterface(actual[n]);
    if (w !== a) drift.push(`network interface ${n + 1} is ${a}, expected ${w}`);
  }
  return drift;
}

/**
 * Every difference between the domain as rendered (wanted) and a domain as libvirt has it (actual),
 * worded for an operator: drift on refresh, and the reasons an existing domain cannot be adopted.
 */
export function guestDrift(wanted: GuestView, actual: GuestView): string[] {
  const drift: string[] = [];
  if (actual.model === null) drift.push("not SEV-encrypted: no launchSecurity, the guest would start unencrypted");
  else if (actual.model !== wanted.model) drift.push(`SEV model is ${actual.model}, expected ${wanted.model}`);
  if (actual.model !== null && actual.policy !== wanted.policy) drift.push(`SEV policy is ${policyShown(actual)}, expected ${policyShown(wanted)}`);
  if (actual.model !== null) drift.push(...launchInputDrift(wanted.launchInputs, actual.launchInputs));
  if (actual.memoryKiB !== wanted.memoryKiB) drift.push(`memory is ${actual.memoryKiB} KiB, expected ${wanted.memoryKiB} KiB`);
  if (actual.vcpus !== wanted.vcpus) drift.push(`vcpus is ${actual.vcpus}, expected ${wanted.vcpus}`);
  if (wanted.memoryLocked && !actual.memoryLocked) drift.push("memory is not locked (no memoryBacking/locked)");
  if (actual.domainType !== wanted.domainType) drift.push(`domain type is ${actual.domainType}, expected ${wanted.domainType}`);
  if (!sameMachine(wanted.machine, actual.machine)) drift.push(`machine is ${actual.machine ?? "none"}, expected ${wanted.machine ?? "none"}`);
  if (actual.firmware !== wanted.firmware)
    drift.push(`firmware is ${actual.firmware === "uefi" ? "UEFI" : "BIOS"}, expected ${wanted.firmware === "uefi" ? "UEFI" : "BIOS"}`);
  drift.push(...diskDrift(wanted.disks, actual.disks));
  drift.push(...interfaceDrift(wanted.interfaces, actual.interfaces));
  return drift;
}

/** The policy as the model writes it; "none" without one. */
export function policyShown(v: Pick<GuestView, "model" | "policy">): string {
  return v.policy === null ? "none" : formatPolicy(v.policy, v.model ?? "sev");
}
