/**
 * The libvirt domain XML of an SEV guest, rendered from a resolved flavor, the host's domain
 * capabilities and the guest's inputs. Pure; built with fast-xml-parser's XMLBuilder, so every
 * user value is escaped by the builder and never concatenated into markup.
 *
 * What an SEV guest needs (Nova SEV spec, libvirt "Launch security with AMD SEV"):
 * - <launchSecurity> as the model's descriptor says (domain/launch-security.ts);
 * - a q35 machine (virtio 1.0 on PCIe, for iommu_platform) and UEFI (OVMF);
 * - <memoryBacking><locked/></memoryBacking> where the model pins encrypted pages (SEV, SEV-ES; not SNP, as in Nova);
 * - <driver iommu='on'/> on every virtio device, so DMA goes through SEV's bounce buffers;
 * - <rom enabled='no'/> on virtio-net: its iPXE option ROM is not SEV-aware (libvirt's SEV guidance);
 * - a boot disk that is not virtio-blk (virtio-scsi or SATA), no IDE (q35 has none), no <hostdev>.
 */
import { XMLBuilder } from "fast-xml-parser";
import { DomainCapabilities } from "./facts";
import { ResolvedFlavor } from "./flavor";
import { MODELS } from "./models";
import { launchSecurityProblems, renderLaunchSecurity } from "./domain/launch-security";
import { OWNER_NAMESPACE, Owner } from "./parse/domain";
import { ATTR } from "./parse/xml";
import { atLeast } from "./versions";
import { isUuid, stableMac } from "./domain/ids";
import { GuestLaunchSecurity } from "./launch-inputs";

export { stableUuid, stableMac, uuidV5 } from "./domain/ids";

export const DEFAULT_NVRAM_DIR = "/var/lib/libvirt/qemu/nvram";

export { LIBVIRT_FILLS_SEV_PLATFORM_INFO } from "./domain/launch-security";
/** <loader stateless='yes'> (since libvirt 8.6). */
export const LIBVIRT_STATELESS_LOADER = "8.6.0";

export interface BootDisk {
  /** Image file or block device ("/dev/…") on the host. */
  path: string;
  format: "qcow2" | "raw";
}

/** A host bridge or a libvirt network; mac defaults to a stable address derived from the UUID. */
export type GuestNetwork = { bridge: string; mac?: string } | { network: string; mac?: string };

export interface DomainXmlInput {
  name: string;
  uuid: string;
  flavor: ResolvedFlavor;
  /** facts.domcaps of the target host. */
  host: DomainCapabilities;
  /** facts.libvirtVersion of the target host. */
  libvirtVersion: string | null;
  bootDisk: BootDisk;
  network?: GuestNetwork;
  /** ISO image attached as a read-only CD-ROM on the boot disk's bus (SCSI or SATA, never IDE). */
  configDrive?: string;
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
    super(`cannot render the domain XML of ${JSON.stringify(domain)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `- ${p}`).join("\n")}`);
    this.name = "DomainXmlError";
  }
}

/**
 * The UEFI code image from the host's <os><loader> values: an OVMF_CODE image without Secure Boot
 * (no "secboot", no Microsoft-keys ".ms" variant). null when the host offers none.
 */
export function selectLoader(loaders: readonly string[]): string | null {
  return loaders.find((path) => /OVMF_CODE/.test(path) && !/secboot|\.ms\./i.test(path)) ?? null;
}

/** "q35" means the host's q35 machine when it reports one; a versioned q35 machine is kept as given. */
export function machineFor(machineType: string, host: DomainCapabilities): string {
  if (machineType.toLowerCase() !== "q35") return machineType;
  const hostQ35 = [host.machine, ...host.machines].find((m): m is string => typeof m === "string" && /q35/.test(m));
  return hostQ35 ?? "q35";
}

type Node = Record<string, unknown>;

function attrs(values: Record<string, string | number | undefined>): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[ATTR + k] = String(v);
  return out;
}

const IOMMU = { driver: attrs({ iommu: "on" }) };

function isAbsolutePath(p: string): boolean {
  return p.startsWith("/") && !/[\n\r\0]/.test(p);
}

/** Host and input problems that make a definition impossible or unsafe. */
function inputProblems(i: DomainXmlInput): string[] {
  const problems: string[] = [];
  const { host, flavor } = i;
  if (i.name === "" || /[/\n\r\t\0]/.test(i.name)) {
    problems.push(`domain name ${JSON.stringify(i.name)} must be non-empty, without "/" or control characters`);
  }
  if (!isUuid(i.uuid)) problems.push(`uuid ${JSON.stringify(i.uuid)} is not a UUID (8-4-4-4-12 hex digits)`);
  if (!isAbsolutePath(i.bootDisk.path)) problems.push(`bootDisk.path ${JSON.stringify(i.bootDisk.path)} is not an absolute path`);
  if (i.configDrive !== undefined && !isAbsolutePath(i.configDrive)) problems.push(`configDrive ${JSON.stringify(i.configDrive)} is not an absolute path`);
  if (i.nvramDir !== undefined && !isAbsolutePath(i.nvramDir)) problems.push(`nvramDir ${JSON.stringify(i.nvramDir)} is not an absolute path`);
  if (i.loader !== undefined && !isAbsolutePath(i.loader)) problems.push(`loader ${JSON.stringify(i.loader)} is not an absolute path`);
  if (i.network !== undefined) {
    const n = i.network as { bridge?: unknown; network?: unknown; mac?: unknown };
    const hasBridge = typeof n.bridge === "string" && n.bridge !== "";
    const hasNetwork = typeof n.network === "string" && n.network !== "";
    if (hasBridge === hasNetwork) problems.push("network needs exactly one of bridge or network");
    if (hasBridge && !/^[A-Za-z0-9_.:-]+$/.test(n.bridge as string)) problems.push(`bridge ${JSON.stringify(n.bridge)} is not a host interface name`);
    if (n.mac !== undefined && !(typeof n.mac === "string" && /^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$/i.test(n.mac))) {
      problems.push(`mac ${JSON.stringify(n.mac)} is not a unicast MAC address`);
    }
  }

  if (host.arch !== null && host.arch !== "x86_64") problems.push(`the host's domain capabilities are for ${host.arch}: AMD SEV guests are x86_64`);
  const type = i.domainType ?? "kvm";
  if (type === "kvm" && host.domainType !== null && host.domainType !== "kvm") {
    problems.push(`domain type kvm was asked for but the host's domain capabilities are for ${host.domainType}: SEV needs KVM`);
  }
  problems.push(...launchSecurityProblems(flavor.model, host, i.libvirtVersion));
  if (flavor.firmwareStateless && atLeast(i.libvirtVersion, LIBVIRT_STATELESS_LOADER) === false) {
    problems.push(`stateless firmware needs libvirt ${LIBVIRT_STATELESS_LOADER} or later; the host has ${i.libvirtVersion}`);
  }
  if (!flavor.firmwareStateless && i.loader === undefined && selectLoader(host.loaders) === null) {
    problems.push(
      `the host offers no UEFI code image without Secure Boot (an OVMF_CODE file that is not .secboot or .ms) among its loaders ` +
        `[${host.loaders.join(", ")}]: install OVMF (edk2-ovmf / ovmf) on the host, or give loader explicitly`,
    );
  }
  return problems;
}

function osNode(i: DomainXmlInput): Node {
  const { flavor } = i;
  const type = { ...attrs({ arch: "x86_64", machine: machineFor(flavor.machineType, i.host) }), "#text": "hvm" };
  if (flavor.firmwareStateless) {
    // Read-only firmware, no NVRAM. Without an explicit image, libvirt's firmware autoselection
    // picks one whose descriptor supports the launch security type (amd-sev / amd-sev-snp).
    if (i.loader === undefined) return { ...attrs({ firmware: "efi" }), type, loader: attrs({ stateless: "yes" }) };
    const loader = MODELS[flavor.model].firmwareLoader === "rom" ? attrs({ type: "rom", stateless: "yes" }) : attrs({ readonly: "yes", type: "pflash", stateless: "yes" });
    return { type, loader: { ...loader, "#text": i.loader } };
  }
  const code = i.loader ?? (selectLoader(i.host.loaders) as string);
  const nvramDir = (i.nvramDir ?? DEFAULT_NVRAM_DIR).replace(/\/+$/, "");
  const template = nvramTemplateOf(code);
  const nvram = `${nvramDir}/${i.name}_VARS.fd`;
  return {
    type,
    loader: { ...attrs({ readonly: "yes", type: "pflash" }), "#text": code },
    nvram: template === null ? nvram : { ...attrs({ template }), "#text": nvram },
  };
}

/**
 * The UEFI variable store template of an OVMF code image, by the builds' naming (OVMF_CODE*.fd beside
 * OVMF_VARS*.fd in Debian, Ubuntu, Fedora and RHEL); null for another name. Without it libvirt takes
 * the template from a firmware descriptor that matches the loader and the guest, and Debian's list
 * amd-sev but not amd-sev-es: an SEV-ES guest's start fails with "unable to find any master var store".
 */
export function nvramTemplateOf(code: string): string | null {
  const file = code.split("/").pop() ?? "";
  return /^OVMF_CODE/.test(file) ? code.slice(0, code.length - file.length) + file.replace(/^OVMF_CODE/, "OVMF_VARS") : null;
}

/** undefined when there is nothing to say: an SNP guest on small pages has no <memoryBacking>, as in Nova. */
function memoryBackingNode(flavor: ResolvedFlavor): Node | undefined {
  const node: Node = {};
  if (flavor.pageSize === "large") node["hugepages"] = "";
  else if (typeof flavor.pageSize === "number") node["hugepages"] = { page: attrs({ size: flavor.pageSize, unit: "KiB" }) };
  if (MODELS[flavor.model].locksMemory) node["locked"] = "";
  return Object.keys(node).length > 0 ? node : undefined;
}

function diskNode(device: "disk" | "cdrom", path: string, format: string, dev: string, bus: string, bootOrder?: number): Node {
  const block = path.startsWith("/dev/");
  const node: Node = {
    ...attrs({ type: block ? "block" : "file", device }),
    driver: attrs({ name: "qemu", type: format }),
    source: block ? attrs({ dev: path }) : attrs({ file: path }),
    target: attrs({ dev, bus }),
  };
  if (device === "cdrom") node["readonly"] = "";
  if (bootOrder !== undefined) node["boot"] = attrs({ order: bootOrder });
  return node;
}

function interfaceNode(network: GuestNetwork, uuid: string): Node {
  const mac = (network.mac ?? stableMac(uuid)).toLowerCase();
  const source = "bridge" in network ? attrs({ bridge: network.bridge }) : attrs({ network: network.network });
  return {
    ...attrs({ type: "bridge" in network ? "bridge" : "network" }),
    mac: attrs({ address: mac }),
    source,
    model: attrs({ type: "virtio" }),
    ...IOMMU,
    rom: attrs({ enabled: "no" }),
  };
}

function devicesNode(i: DomainXmlInput): Node {
  const bus = i.flavor.bootDiskBus;
  const disks = [diskNode("disk", i.bootDisk.path, i.bootDisk.format, "sda", bus, 1)];
  if (i.configDrive !== undefined) disks.push(diskNode("cdrom", i.configDrive, "raw", "sdb", bus));
  const controllers: Node[] = [];
  if (bus === "scsi") controllers.push({ ...attrs({ type: "scsi", index: 0, model: "virtio-scsi" }), ...IOMMU });
  controllers.push({ ...attrs({ type: "virtio-serial", index: 0 }), ...IOMMU });
  const devices: Node = { disk: disks, controller: controllers };
  if (i.network !== undefined) devices["interface"] = interfaceNode(i.network, i.uuid);
  devices["serial"] = { ...attrs({ type: "pty" }), target: { ...attrs({ type: "isa-serial", port: 0 }), model: attrs({ name: "isa-serial" }) } };
  devices["console"] = { ...attrs({ type: "pty" }), target: attrs({ type: "serial", port: 0 }) };
  devices["channel"] = { ...attrs({ type: "unix" }), target: attrs({ type: "virtio", name: "org.qemu.guest_agent.0" }) };
  devices["memballoon"] = { ...attrs({ model: "virtio" }), ...IOMMU };
  devices["rng"] = { ...attrs({ model: "virtio" }), backend: { ...attrs({ model: "random" }), "#text": "/dev/urandom" }, ...IOMMU };
  return devices;
}

function optional(name: string, node: Node | undefined): Node {
  return node === undefined ? {} : { [name]: node };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: "#text",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

/** The complete <domain> document; throws DomainXmlError listing every problem. */
export function renderDomainXml(input: DomainXmlInput): string {
  const problems = inputProblems(input);
  if (problems.length > 0) throw new DomainXmlError(input.name, problems);
  const { flavor, owner } = input;
  const memoryKiB = String(flavor.memoryMiB * 1024);
  const domain: Node = {
    ...attrs({ type: input.domainType ?? "kvm" }),
    name: input.name,
    uuid: input.uuid.toLowerCase(),
    metadata: {
      "sev:owner": attrs({ "xmlns:sev": OWNER_NAMESPACE, project: owner.project, stack: owner.stack, urn: owner.urn }),
    },
    memory: { ...attrs({ unit: "KiB" }), "#text": memoryKiB },
    currentMemory: { ...attrs({ unit: "KiB" }), "#text": memoryKiB },
    ...optional("memoryBacking", memoryBackingNode(flavor)),
    vcpu: { ...attrs({ placement: "static" }), "#text": String(flavor.vcpus) },
    os: osNode(input),
    features: { acpi: "", apic: "" },
    cpu: attrs({ mode: "host-model", check: "partial" }),
    clock: attrs({ offset: "utc" }),
    on_poweroff: "destroy",
    on_reboot: "restart",
    on_crash: "destroy",
    devices: devicesNode(input),
    launchSecurity: renderLaunchSecurity(flavor, input.host, input.launch),
  };
  return (builder.build({ domain }) as string).trimEnd() + "\n";
}
