/**
 * From a guest's inputs to its domain model: the SEV decisions (Nova SEV spec, libvirt "Launch security with AMD SEV"):
 * - <launchSecurity> as the model's descriptor says (launch-security.ts);
 * - a q35 machine (virtio 1.0 on PCIe, for iommu_platform) and UEFI (OVMF);
 * - <memoryBacking><locked/></memoryBacking> where the model pins encrypted pages (SEV, SEV-ES; not SNP, as in Nova);
 * - <driver iommu='on'/> on every virtio device, so DMA goes through SEV's bounce buffers;
 * - <rom enabled='no'/> on every virtio-net: its iPXE option ROM is not SEV-aware (libvirt's SEV guidance);
 * - a boot disk that is not virtio-blk (virtio-scsi or SATA), no IDE (q35 has none), no <hostdev>.
 * Pure: the host's domain capabilities and libvirt version come in as facts.
 */
import { DomainCapabilities } from "../facts";
import { ResolvedFlavor } from "../flavor";
import { MODELS } from "../models";
import { atLeast } from "../versions";
import { GuestLaunchSecurity } from "../../generated/sev-guest";
import { Controller } from "./controller";
import { Devices } from "./devices";
import { Disk, diskTypeOf } from "./disk";
import { DomainModel, renderDomain } from "./document";
import { isUuid, stableMac } from "./ids";
import { Interface } from "./interface";
import { launchSecurityFor, launchSecurityProblems } from "./launch-security";
import { Memory } from "./memory";
import { Owner } from "./metadata";
import { machineFor, nvramTemplateOf, Os, selectLoader } from "./os";

export const DEFAULT_NVRAM_DIR = "/var/lib/libvirt/qemu/nvram";
/** <loader stateless='yes'> (since libvirt 8.6). */
export const LIBVIRT_STATELESS_LOADER = "8.6.0";

/** The guest's boot disk as the domain XML references it: its path, format and the bus the flavor resolved. */
export interface BootDisk {
  /** Image file or block device ("/dev/…") on the host. */
  path: string;
  format: "qcow2" | "raw";
}

/** A disk after the boot disk; virtio-blk is allowed here (with iommu='on'), only the boot disk may not be. */
export interface DataDisk {
  /** Image file or block device ("/dev/…") on the host. */
  path: string;
  format: "qcow2" | "raw";
  bus: "scsi" | "sata" | "virtio";
}

/** A host bridge or a libvirt network; mac defaults to a stable address derived from the UUID. */
export type GuestNetwork = { bridge: string; mac?: string } | { network: string; mac?: string };

/** Everything the domain XML is rendered from: the guest's inputs, its resolved flavor and the host's domain capabilities. */
export interface DomainXmlInput {
  name: string;
  uuid: string;
  flavor: ResolvedFlavor;
  /** facts.domcaps of the target host. */
  caps: DomainCapabilities;
  /** facts.libvirtVersion of the target host. */
  libvirtVersion: string | null;
  bootDisk: BootDisk;
  /** Disks after the boot disk, in order: sdb, sdc… on SCSI and SATA, vda, vdb… on virtio. */
  dataDisks?: DataDisk[];
  /** One interface; the same as networks: [network]. */
  network?: GuestNetwork;
  /** Interfaces in order; the first has the MAC a single network would have. */
  networks?: GuestNetwork[];
  /** ISO image attached as a read-only CD-ROM on the boot disk's bus (SCSI or SATA, never IDE). */
  configDrive?: string;
  /** A cloud-init NoCloud seed ISO, attached as configDrive is; not together with configDrive. */
  seed?: string;
  owner: Owner;
  /** Folder of the per-guest UEFI variable store (default /var/lib/libvirt/qemu/nvram). */
  nvramDir?: string;
  /** Domain type (default kvm). */
  domainType?: "kvm" | "qemu";
  /** Firmware code image to use instead of choosing one from the host's loader list. */
  loader?: string;
  /** The guest owner's launch inputs (validated by launchInputProblems). */
  launch?: GuestLaunchSecurity;
}

/** Everything that prevents rendering, listed together. */
export class DomainXmlError extends Error {
  constructor(
    readonly domain: string,
    readonly problems: string[],
  ) {
    super(
      `cannot render the domain XML of ${JSON.stringify(domain)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `- ${p}`).join("\n")}`,
    );
    this.name = "DomainXmlError";
  }
}

function isAbsolutePath(p: unknown): boolean {
  return typeof p === "string" && p.startsWith("/") && !/[\n\r\0]/.test(p);
}

/** The interfaces asked for, whether as network or as networks. */
export function networksOf(i: Pick<DomainXmlInput, "network" | "networks">): GuestNetwork[] {
  return i.networks ?? (i.network === undefined ? [] : [i.network]);
}

/** The MAC of interface n when none is given: interface 0 keeps the single network's address. */
export function interfaceMac(uuid: string, n: number, mac?: string): string {
  return (mac ?? stableMac(n === 0 ? uuid : `${uuid}/${n}`)).toLowerCase();
}

function networkProblems(network: GuestNetwork, label: string): string[] {
  const problems: string[] = [];
  const n = network as { bridge?: unknown; network?: unknown; mac?: unknown };
  const hasBridge = typeof n.bridge === "string" && n.bridge !== "";
  const hasNetwork = typeof n.network === "string" && n.network !== "";
  if (hasBridge === hasNetwork) problems.push(`${label} needs exactly one of bridge or network`);
  if (hasBridge && !/^[A-Za-z0-9_.:-]+$/.test(n.bridge as string)) problems.push(`bridge ${JSON.stringify(n.bridge)} is not a host interface name`);
  if (n.mac !== undefined && !(typeof n.mac === "string" && /^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$/i.test(n.mac))) {
    problems.push(`mac ${JSON.stringify(n.mac)} is not a unicast MAC address`);
  }
  return problems;
}

function allNetworkProblems(i: DomainXmlInput): string[] {
  if (i.network !== undefined && i.networks !== undefined) return ["give network or networks, not both"];
  const label = (n: number) => (i.networks === undefined ? "network" : `networks[${n}]`);
  const problems = networksOf(i).flatMap((n, k) => networkProblems(n, label(k)));
  if (problems.length > 0 || !isUuid(i.uuid)) return problems;
  const macs = networksOf(i).map((n, k) => interfaceMac(i.uuid, k, n.mac));
  const repeated = macs.filter((m, k) => macs.indexOf(m) !== k);
  return repeated.length > 0 ? [`MAC address ${repeated[0]} is given to more than one interface`] : [];
}

function dataDiskProblems(disks: DataDisk[]): string[] {
  return disks.flatMap((d, k) => {
    const problems: string[] = [];
    if (!isAbsolutePath(d.path)) problems.push(`dataDisks[${k}].path ${JSON.stringify(d.path)} is not an absolute path`);
    if (d.format !== "qcow2" && d.format !== "raw") problems.push(`dataDisks[${k}].format ${JSON.stringify(d.format)} is not qcow2 or raw`);
    if (!["scsi", "sata", "virtio"].includes(d.bus))
      problems.push(`dataDisks[${k}].bus ${JSON.stringify(d.bus)} is not scsi, sata or virtio (never IDE: q35 has none)`);
    return problems;
  });
}

function pathProblems(i: DomainXmlInput): string[] {
  const problems: string[] = [];
  if (!isAbsolutePath(i.bootDisk.path)) problems.push(`bootDisk.path ${JSON.stringify(i.bootDisk.path)} is not an absolute path`);
  for (const k of ["configDrive", "seed", "nvramDir", "loader"] as const) {
    if (i[k] !== undefined && !isAbsolutePath(i[k])) problems.push(`${k} ${JSON.stringify(i[k])} is not an absolute path`);
  }
  if (i.configDrive !== undefined && i.seed !== undefined) problems.push("give configDrive or seed, not both: a guest has one cloud-init source");
  return problems;
}

function hostProblems(i: DomainXmlInput): string[] {
  const problems: string[] = [];
  const { caps, flavor } = i;
  if (caps.arch !== null && caps.arch !== "x86_64") problems.push(`the host's domain capabilities are for ${caps.arch}: AMD SEV guests are x86_64`);
  const type = i.domainType ?? "kvm";
  if (type === "kvm" && caps.domainType !== null && caps.domainType !== "kvm") {
    problems.push(`domain type kvm was asked for but the host's domain capabilities are for ${caps.domainType}: SEV needs KVM`);
  }
  problems.push(...launchSecurityProblems(flavor.model, caps, i.libvirtVersion));
  if (flavor.firmwareStateless && atLeast(i.libvirtVersion, LIBVIRT_STATELESS_LOADER) === false) {
    problems.push(`stateless firmware needs libvirt ${LIBVIRT_STATELESS_LOADER} or later; the host has ${i.libvirtVersion}`);
  }
  if (!flavor.firmwareStateless && i.loader === undefined && selectLoader(caps.loaders) === null) {
    problems.push(
      `the host offers no UEFI code image without Secure Boot (an OVMF_CODE file that is not .secboot or .ms) among its loaders ` +
        `[${caps.loaders.join(", ")}]: install OVMF (edk2-ovmf / ovmf) on the host, or give loader explicitly`,
    );
  }
  return problems;
}

/** Host and input problems that make a definition impossible or unsafe. */
export function inputProblems(i: DomainXmlInput): string[] {
  const problems: string[] = [];
  if (i.name === "" || /[/\n\r\t\0]/.test(i.name)) {
    problems.push(`domain name ${JSON.stringify(i.name)} must be non-empty, without "/" or control characters`);
  }
  if (!isUuid(i.uuid)) problems.push(`uuid ${JSON.stringify(i.uuid)} is not a UUID (8-4-4-4-12 hex digits)`);
  problems.push(...pathProblems(i), ...dataDiskProblems(i.dataDisks ?? []), ...allNetworkProblems(i));
  return [...problems, ...hostProblems(i)];
}

function osOf(i: DomainXmlInput): Os {
  const { flavor } = i;
  const base: Os = { firmware: null, type: "hvm", arch: "x86_64", machine: machineFor(flavor.machineType, i.caps), loader: null, nvram: null };
  if (flavor.firmwareStateless) {
    // Read-only firmware, no NVRAM. Without an explicit image, libvirt's firmware autoselection
    // picks one whose descriptor supports the launch security type (amd-sev / amd-sev-snp).
    if (i.loader === undefined) return { ...base, firmware: "efi", loader: { path: null, readonly: false, type: null, stateless: true } };
    const rom = MODELS[flavor.model].firmwareLoader === "rom";
    return { ...base, loader: { path: i.loader, readonly: !rom, type: rom ? "rom" : "pflash", stateless: true } };
  }
  const code = i.loader ?? (selectLoader(i.caps.loaders) as string);
  const nvramDir = (i.nvramDir ?? DEFAULT_NVRAM_DIR).replace(/\/+$/, "");
  return {
    ...base,
    loader: { path: code, readonly: true, type: "pflash", stateless: false },
    nvram: { path: `${nvramDir}/${i.name}_VARS.fd`, template: nvramTemplateOf(code) },
  };
}

function memoryOf(flavor: ResolvedFlavor): Memory {
  const kib = flavor.memoryMiB * 1024;
  const hugepages = flavor.pageSize === "large" ? { sizeKiB: null } : typeof flavor.pageSize === "number" ? { sizeKiB: flavor.pageSize } : null;
  return { memoryKiB: kib, currentMemoryKiB: kib, hugepages, locked: MODELS[flavor.model].locksMemory };
}

/** Target names as libvirt parses them: sda…sdz, sdaa…; vda… */
export function targetDev(prefix: "sd" | "vd", index: number): string {
  const letters = (n: number): string => (n < 26 ? "" : letters(Math.floor(n / 26) - 1)) + String.fromCharCode(97 + (n % 26));
  return prefix + letters(index);
}

function disk(device: "disk" | "cdrom", path: string, format: string, dev: string, bus: string, bootOrder: number | null = null): Disk {
  return { device, type: diskTypeOf(path), path, format, iommu: bus === "virtio", dev, bus, readonly: device === "cdrom", bootOrder };
}

/** Boot disk sda, then data disks (sdb… on SCSI/SATA, vda… on virtio), then the CD-ROM on the next sd name. */
function disksOf(i: DomainXmlInput): Disk[] {
  const bus = i.flavor.bootDiskBus;
  const disks = [disk("disk", i.bootDisk.path, i.bootDisk.format, "sda", bus, 1)];
  let sd = 1;
  let vd = 0;
  for (const d of i.dataDisks ?? []) disks.push(disk("disk", d.path, d.format, d.bus === "virtio" ? targetDev("vd", vd++) : targetDev("sd", sd++), d.bus));
  const cdrom = i.configDrive ?? i.seed;
  if (cdrom !== undefined) disks.push(disk("cdrom", cdrom, "raw", targetDev("sd", sd), bus));
  return disks;
}

function controllersOf(disks: Disk[]): Controller[] {
  const controllers: Controller[] = [];
  if (disks.some((d) => d.bus === "scsi")) controllers.push({ type: "scsi", index: 0, model: "virtio-scsi", iommu: true });
  controllers.push({ type: "virtio-serial", index: 0, model: null, iommu: true });
  return controllers;
}

function interfaceOf(network: GuestNetwork, mac: string): Interface {
  const bridge = "bridge" in network;
  return { type: bridge ? "bridge" : "network", source: bridge ? network.bridge : network.network, mac, model: "virtio", iommu: true, rom: false };
}

function devicesOf(i: DomainXmlInput): Devices {
  const disks = disksOf(i);
  return {
    disks,
    controllers: controllersOf(disks),
    interfaces: networksOf(i).map((n, k) => interfaceOf(n, interfaceMac(i.uuid, k, n.mac))),
    serialConsole: true,
    guestAgent: true,
    memballoon: { model: "virtio", iommu: true },
    rng: { model: "virtio", backend: "/dev/urandom", iommu: true },
  };
}

/** The domain model for valid inputs (check inputProblems first). */
export function domainSpec(input: DomainXmlInput): DomainModel {
  const { flavor } = input;
  return {
    type: input.domainType ?? "kvm",
    name: input.name,
    uuid: input.uuid.toLowerCase(),
    owner: input.owner,
    memory: memoryOf(flavor),
    vcpus: flavor.vcpus,
    vcpuPlacement: "static",
    os: osOf(input),
    features: ["acpi", "apic"],
    cpu: { mode: "host-model", check: "partial" },
    clockOffset: "utc",
    onPoweroff: "destroy",
    onReboot: "restart",
    onCrash: "destroy",
    devices: devicesOf(input),
    launchSecurity: launchSecurityFor(flavor.model, flavor.policy, input.caps, input.launch),
  };
}

/** The complete <domain> document; throws DomainXmlError listing every problem. */
export function renderDomainXml(input: DomainXmlInput): string {
  const problems = inputProblems(input);
  if (problems.length > 0) throw new DomainXmlError(input.name, problems);
  return renderDomain(domainSpec(input));
}
