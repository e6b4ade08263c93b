/**
 * The domain XML variants the tests render: real hosts' domain capabilities, the flavors of every
 * model, and the inputs of each variant, with a small ordered reader of the rendered XML. The unit
 * tier checks what each renders (test/core/domain-xml.test.ts); the lab tier checks the same
 * renders against libvirt's schemas and its test driver (test/lab/domain-xml-libvirt.test.ts).
 */
import { ExecutionContext } from "ava";
import { XMLParser } from "fast-xml-parser";
import { resolveFlavor, ResolvedFlavor, SevFlavorInputs, ImageProperties } from "../../provider/core/flavor";
import { DomainXmlInput, GuestNetwork, renderDomainXml, stableUuid } from "../../provider/core/domain-xml";
import { domcapsFromXml } from "../../provider/core/parse/domcaps";
import { MODELS } from "../../provider/core/models";
import { fixture } from "../core/fixtures";
import { GuestLaunchSecurity } from "../../provider/core/launch-inputs";

// --- hosts: real domain capabilities documents ---------------------------------------------------

/** Nova's fake SEV + SEV-SNP host: OVMF_CODE.fd and OVMF_CODE.secboot.fd, pc-q35-2.11, cbitpos 47. */
export const SNP_HOST = domcapsFromXml(fixture("nova", "nova-fakelibvirt-domcaps-launchsecurity-sev-snp.xml"));
/** Nova's fake SEV-only host (launchSecurity sectype sev). */
export const SEV_HOST = domcapsFromXml(fixture("nova", "nova-fakelibvirt-domcaps-launchsecurity-sev.xml"));
/** libvirt's EPYC-Rome test data: SEV, but only fake firmware paths. */
export const ROME_FAKE_FIRMWARE = domcapsFromXml(fixture("domcapabilities", "qemu_6.0.0-q35.x86_64.xml"));
/** libvirt's EPYC-Genoa test data: sev and sev-snp, fake firmware paths. */
export const GENOA = domcapsFromXml(fixture("domcapabilities", "qemu_9.2.0-q35.x86_64+amdsev.xml"));
/** libvirt's Rome test data with SEV disabled. */
export const SEV_DISABLED = domcapsFromXml(fixture("domcapabilities", "qemu_9.1.0-q35.x86_64.xml"));

export const OWNER = { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::sev:index:SevGuest::web-1" };

export type Model = "amd-sev" | "amd-sev-es" | "amd-sev-snp";

export function flavorOf(
  model: Model,
  extra: Partial<SevFlavorInputs> = {},
  specs: NonNullable<SevFlavorInputs["extraSpecs"]> = {},
  image?: ImageProperties,
): ResolvedFlavor {
  return resolveFlavor(
    { name: "sev.small", vcpus: 2, memory: "2G", disk: 10, extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": model, ...specs }, ...extra },
    image,
  );
}

export function input(flavor: ResolvedFlavor, over: Partial<DomainXmlInput> = {}): DomainXmlInput {
  const name = over.name ?? "web-1";
  return {
    name,
    uuid: stableUuid(`${OWNER.urn}/${name}`),
    flavor,
    caps: SNP_HOST,
    libvirtVersion: "10.0.0",
    bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2`, format: "qcow2" },
    owner: OWNER,
    ...over,
  };
}

// --- a small reader for the rendered XML ------------------------------------------------------------

export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

export const ordered = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export function toEl(raw: Record<string, unknown>): El | null {
  const name = Object.keys(raw).find((k) => k !== ":@");
  if (name === undefined || name === "#text") return null;
  const kids = (raw[name] as Array<Record<string, unknown>>) ?? [];
  const text = kids.map((k) => (typeof k["#text"] === "string" ? (k["#text"] as string) : "")).join("");
  return {
    name,
    attrs: (raw[":@"] as Record<string, string>) ?? {},
    children: kids.map(toEl).filter((e): e is El => e !== null),
    text,
  };
}

export function parseDoc(xml: string): El {
  const roots = (ordered.parse(xml) as Array<Record<string, unknown>>).map(toEl).filter((e): e is El => e !== null);
  const domain = roots.find((e) => e.name === "domain");
  if (!domain) throw new Error("no <domain>");
  return domain;
}

export function child(el: El, name: string): El {
  const found = el.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
}

export function all(el: El, name: string): El[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}

/**
 * Devices that are virtio PCI devices and so need <driver iommu='on'/>: a model starting with virtio
 * (rng, memballoon, virtio-scsi controller, video, vsock), a virtio-serial controller, an interface
 * with a virtio model, a disk on the virtio bus, a filesystem with a virtiofs driver.
 */
export function virtioDevices(domain: El): El[] {
  return child(domain, "devices").children.filter((d) => {
    if (/^virtio/.test(d.attrs["model"] ?? "")) return true;
    if (d.name === "controller" && d.attrs["type"] === "virtio-serial") return true;
    if (d.children.some((c) => c.name === "model" && /^virtio/.test(c.attrs["type"] ?? ""))) return true;
    if (d.children.some((c) => c.name === "target" && c.attrs["bus"] === "virtio")) return true;
    if (d.children.some((c) => c.name === "driver" && c.attrs["type"] === "virtiofs")) return true;
    return false;
  });
}

export function withoutIommu(domain: El): string[] {
  return virtioDevices(domain)
    .filter((d) => !d.children.some((c) => c.name === "driver" && c.attrs["iommu"] === "on"))
    .map(
      (d) =>
        `<${d.name} ${Object.entries(d.attrs)
          .map(([k, v]) => `${k}='${v}'`)
          .join(" ")}>`,
    );
}

/** virtioDisks: the virtio-blk data disks asked for; the boot disk is never one. */
export function assertSevInvariants(t: ExecutionContext, xml: string, flavor: ResolvedFlavor, virtioDisks = 0): void {
  const domain = parseDoc(xml);
  const virtio = virtioDevices(domain);
  const scsi = all(domain, "target").some((e) => e.attrs["bus"] === "scsi");
  // virtio-serial controller, memballoon, rng; plus the virtio-scsi controller, the interfaces and virtio-blk data disks when present.
  const expected = 3 + (scsi ? 1 : 0) + all(domain, "interface").length + virtioDisks;
  t.is(virtio.length, expected, `virtio devices found: ${virtio.map((d) => d.name).join(", ")}`);
  t.deepEqual(withoutIommu(domain), [], "every virtio device has <driver iommu='on'/>");
  t.deepEqual(all(domain, "hostdev"), [], "no <hostdev>");
  t.false(
    all(domain, "target").some((e) => e.attrs["bus"] === "ide"),
    "no disk on IDE",
  );
  t.false(
    all(domain, "controller").some((e) => e.attrs["type"] === "ide"),
    "no IDE controller",
  );
  t.is(all(domain, "target").filter((e) => e.attrs["bus"] === "virtio").length, virtioDisks, "no virtio-blk disk but the virtio data disks asked for");
  const boot = all(domain, "disk").find((d) => d.children.some((c) => c.name === "boot" && c.attrs["order"] === "1"));
  t.not(boot && child(boot, "target").attrs["bus"], "virtio", "the boot disk is not virtio-blk");
  const locked = all(domain, "memoryBacking").some((m) => m.children.some((c) => c.name === "locked"));
  t.is(locked, MODELS[flavor.model].locksMemory, "memory locked exactly when the model needs it (not for SNP, as in Nova)");
  for (const nic of all(domain, "interface")) t.is(child(nic, "rom").attrs["enabled"], "no", "no iPXE option ROM on virtio-net (not SEV-aware)");
  t.is(child(domain, "memory").text, String(flavor.memoryMiB * 1024));
  t.is(child(domain, "memory").attrs["unit"], "KiB");
  t.is(child(domain, "vcpu").text, String(flavor.vcpus));
  t.regex(child(child(domain, "os"), "type").attrs["machine"] ?? "", /q35/);
}

// --- every variant: schema-valid (10.7 and the lab's 11.x), and defined by libvirt 11's test driver ----------

export const NETWORKS: Array<[string, GuestNetwork | undefined]> = [
  ["no network", undefined],
  ["bridge br0", { bridge: "br0" }],
  ["network default", { network: "default" }],
];

export const EXTRA_VARIANTS: Array<[string, Model, Partial<SevFlavorInputs>, NonNullable<SevFlavorInputs["extraSpecs"]>, ImageProperties | undefined]> = [
  ["custom SEV policy 0x0003 (NODBG|NOKS)", "amd-sev", { policy: "0x0003" }, {}, undefined],
  ["custom SEV policy with API_MAJOR 1", "amd-sev", { policy: 0x00010033 }, {}, undefined],
  ["custom SEV-ES policy 0x000f", "amd-sev-es", { policy: "0x000f" }, {}, undefined],
  ["debuggable SEV-ES", "amd-sev-es", { allowDebug: true }, {}, undefined],
  ["custom SNP policy 0x20000 (no SMT)", "amd-sev-snp", { policy: "0x20000" }, {}, undefined],
  ["SNP with SINGLE_SOCKET and ABI 1.51", "amd-sev-snp", { policy: "0x00130133" }, {}, undefined],
  ["large pages", "amd-sev", {}, { "hw:mem_page_size": "large" }, undefined],
  ["2 MiB pages", "amd-sev-es", {}, { "hw:mem_page_size": "2MB" }, undefined],
  ["1 GiB pages", "amd-sev", {}, { "hw:mem_page_size": "1GB" }, undefined],
  ["versioned q35 machine", "amd-sev", {}, { "pulumi-sev:machine_type": "pc-q35-8.2" }, undefined],
  ["stateless firmware for SEV", "amd-sev", {}, {}, { hw_firmware_stateless: true }],
];

export const DEVICE_VARIANTS: Array<[string, Model, "scsi" | "sata", Partial<DomainXmlInput>, number]> = [
  [
    "SCSI data disks after a SCSI boot disk",
    "amd-sev",
    "scsi",
    {
      dataDisks: [
        { path: "/srv/d1.qcow2", format: "qcow2", bus: "scsi" },
        { path: "/dev/vg/d2", format: "raw", bus: "scsi" },
      ],
    },
    0,
  ],
  [
    "SATA data disks and a seed after a SATA boot disk",
    "amd-sev-es",
    "sata",
    {
      dataDisks: [
        { path: "/srv/d1.qcow2", format: "qcow2", bus: "sata" },
        { path: "/srv/d2.raw", format: "raw", bus: "sata" },
      ],
      seed: "/srv/seed.iso",
    },
    0,
  ],
  [
    "virtio-blk data disks with iommu, a SCSI one on a SATA boot disk",
    "amd-sev-snp",
    "sata",
    {
      dataDisks: [
        { path: "/srv/d1.qcow2", format: "qcow2", bus: "virtio" },
        { path: "/srv/d2.qcow2", format: "qcow2", bus: "scsi" },
        { path: "/dev/vg/d3", format: "raw", bus: "virtio" },
      ],
    },
    2,
  ],
  ["two networks, a bridge and a libvirt network", "amd-sev", "scsi", { networks: [{ bridge: "br0" }, { network: "default" }] }, 0],
  [
    "a seed, data disks of every bus and three networks",
    "amd-sev-snp",
    "scsi",
    {
      seed: "/srv/seed.iso",
      dataDisks: [
        { path: "/srv/a.qcow2", format: "qcow2", bus: "virtio" },
        { path: "/srv/b.qcow2", format: "qcow2", bus: "sata" },
        { path: "/srv/c.qcow2", format: "qcow2", bus: "scsi" },
      ],
      networks: [{ network: "default" }, { bridge: "br0" }, { bridge: "br1", mac: "52:54:00:12:34:56" }],
    },
    1,
  ],
];

export const blob = (bytes: number, fill: number) => Buffer.alloc(bytes, fill).toString("base64");
export const LAUNCH_VARIANTS: Array<[string, Model, GuestLaunchSecurity]> = [
  ["SEV with the owner's dhCert and session", "amd-sev", { dhCert: blob(2084, 1), session: blob(128, 2) }],
  ["SEV-ES with dhCert, session and kernel hashes", "amd-sev-es", { dhCert: blob(2084, 3), session: blob(128, 4), kernelHashes: true }],
  [
    "SNP with idBlock, idAuth, author key, host data, VLEK and kernel hashes",
    "amd-sev-snp",
    { idBlock: blob(96, 5), idAuth: blob(4096, 6), authorKey: true, hostData: blob(32, 7), vcek: false, kernelHashes: true },
  ],
  ["SNP with host data only", "amd-sev-snp", { hostData: blob(32, 8) }],
];

export const MODEL_NAMES: Model[] = ["amd-sev", "amd-sev-es", "amd-sev-snp"];
export const BOOT_BUSES = ["scsi", "sata"] as const;

/** One rendered variant: what it is, the flavor it resolved and the XML. */
export interface Rendered {
  title: string;
  flavor: ResolvedFlavor;
  xml: string;
}

/** A model's guest with a boot disk on one bus, a config drive or not, and one network or none. */
export function baseVariant(model: Model, bus: "scsi" | "sata", configDrive: boolean, [netName, network]: [string, GuestNetwork | undefined]): Rendered {
  const title = `${model}, ${bus} boot disk, ${configDrive ? "config drive" : "no config drive"}, ${netName}`;
  const flavor = flavorOf(model, {}, { "pulumi-sev:disk_bus": bus });
  return { title, flavor, xml: renderDomainXml(input(flavor, { network, configDrive: configDrive ? "/var/lib/libvirt/images/web-1-config.iso" : undefined })) };
}

export function extraVariant([title, model, extra, specs, image]: (typeof EXTRA_VARIANTS)[number]): Rendered {
  const flavor = flavorOf(model, extra, specs, image);
  return { title, flavor, xml: renderDomainXml(input(flavor, { network: { bridge: "br0" }, configDrive: "/srv/config.iso" })) };
}

export function deviceVariant([title, model, bus, over]: (typeof DEVICE_VARIANTS)[number]): Rendered {
  const flavor = flavorOf(model, {}, { "pulumi-sev:disk_bus": bus });
  return { title, flavor, xml: renderDomainXml(input(flavor, over)) };
}

export function launchVariant([title, model, launch]: (typeof LAUNCH_VARIANTS)[number]): Rendered {
  const flavor = flavorOf(model);
  return { title, flavor, xml: renderDomainXml(input(flavor, { launch })) };
}

/** Every variant the unit tier renders, for the lab tier to give to libvirt. */
export function everyVariant(): Rendered[] {
  const base = MODEL_NAMES.flatMap((m) => BOOT_BUSES.flatMap((bus) => [false, true].flatMap((cd) => NETWORKS.map((n) => baseVariant(m, bus, cd, n)))));
  return [...base, ...EXTRA_VARIANTS.map(extraVariant), ...DEVICE_VARIANTS.map(deviceVariant), ...LAUNCH_VARIANTS.map(launchVariant)];
}
