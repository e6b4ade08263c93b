import test, { ExecutionContext } from "ava";
import { XMLParser } from "fast-xml-parser";
import { DomainCapabilities } from "../../provider/core/facts";
import { resolveFlavor, ResolvedFlavor, SevFlavorInputs, ImageProperties } from "../../provider/core/flavor";
import {
  DomainXmlError,
  DomainXmlInput,
  GuestNetwork,
  machineFor,
  renderDomainXml,
  nvramTemplateOf,
  selectLoader,
  stableMac,
  stableUuid,
  uuidV5,
} from "../../provider/core/domain-xml";
import { parseSevDomain, sevModelOfXml } from "../../provider/core/parse/domain";
import { domcapsFromXml } from "../../provider/core/parse/domcaps";
import { formatPolicy, MODELS } from "../../provider/core/models";
import { fixture } from "./fixtures";
import { defineAndDump, validate107, validateLab } from "../helpers/xml-validate";
import { LAB_LIBVIRT_VERSION } from "../../lab/libvirt";
import { GuestLaunchSecurity } from "../../provider/core/launch-inputs";

// --- hosts: real domain capabilities documents ---------------------------------------------------

/** Nova's fake SEV + SEV-SNP host: OVMF_CODE.fd and OVMF_CODE.secboot.fd, pc-q35-2.11, cbitpos 47. */
const SNP_HOST = domcapsFromXml(fixture("nova", "nova-fakelibvirt-domcaps-launchsecurity-sev-snp.xml"));
/** Nova's fake SEV-only host (launchSecurity sectype sev). */
const SEV_HOST = domcapsFromXml(fixture("nova", "nova-fakelibvirt-domcaps-launchsecurity-sev.xml"));
/** libvirt's EPYC-Rome test data: SEV, but only fake firmware paths. */
const ROME_FAKE_FIRMWARE = domcapsFromXml(fixture("domcapabilities", "qemu_6.0.0-q35.x86_64.xml"));
/** libvirt's EPYC-Genoa test data: sev and sev-snp, fake firmware paths. */
const GENOA = domcapsFromXml(fixture("domcapabilities", "qemu_9.2.0-q35.x86_64+amdsev.xml"));
/** libvirt's Rome test data with SEV disabled. */
const SEV_DISABLED = domcapsFromXml(fixture("domcapabilities", "qemu_9.1.0-q35.x86_64.xml"));

const OWNER = { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::sev:index:SevGuest::web-1" };

type Model = "amd-sev" | "amd-sev-es" | "amd-sev-snp";

function flavorOf(
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

function input(flavor: ResolvedFlavor, over: Partial<DomainXmlInput> = {}): DomainXmlInput {
  const name = over.name ?? "web-1";
  return {
    name,
    uuid: stableUuid(`${OWNER.urn}/${name}`),
    flavor,
    host: SNP_HOST,
    libvirtVersion: "10.0.0",
    bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2`, format: "qcow2" },
    owner: OWNER,
    ...over,
  };
}

// --- a small reader for the rendered XML ------------------------------------------------------------

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const ordered = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

function toEl(raw: Record<string, unknown>): El | null {
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

function parseDoc(xml: string): El {
  const roots = (ordered.parse(xml) as Array<Record<string, unknown>>).map(toEl).filter((e): e is El => e !== null);
  const domain = roots.find((e) => e.name === "domain");
  if (!domain) throw new Error("no <domain>");
  return domain;
}

function child(el: El, name: string): El {
  const found = el.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
}

function all(el: El, name: string): El[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}

/**
 * Devices that are virtio PCI devices and so need <driver iommu='on'/>: a model starting with virtio
 * (rng, memballoon, virtio-scsi controller, video, vsock), a virtio-serial controller, an interface
 * with a virtio model, a disk on the virtio bus, a filesystem with a virtiofs driver.
 */
function virtioDevices(domain: El): El[] {
  return child(domain, "devices").children.filter((d) => {
    if (/^virtio/.test(d.attrs["model"] ?? "")) return true;
    if (d.name === "controller" && d.attrs["type"] === "virtio-serial") return true;
    if (d.children.some((c) => c.name === "model" && /^virtio/.test(c.attrs["type"] ?? ""))) return true;
    if (d.children.some((c) => c.name === "target" && c.attrs["bus"] === "virtio")) return true;
    if (d.children.some((c) => c.name === "driver" && c.attrs["type"] === "virtiofs")) return true;
    return false;
  });
}

function withoutIommu(domain: El): string[] {
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
function assertSevInvariants(t: ExecutionContext, xml: string, flavor: ResolvedFlavor, virtioDisks = 0): void {
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

const NETWORKS: Array<[string, GuestNetwork | undefined]> = [
  ["no network", undefined],
  ["bridge br0", { bridge: "br0" }],
  ["network default", { network: "default" }],
];

for (const model of ["amd-sev", "amd-sev-es", "amd-sev-snp"] as Model[]) {
  for (const bus of ["scsi", "sata"] as const) {
    for (const configDrive of [false, true]) {
      for (const [netName, network] of NETWORKS) {
        const title = `${model}, ${bus} boot disk, ${configDrive ? "config drive" : "no config drive"}, ${netName}`;
        test(`renders and validates: ${title}`, (t) => {
          const flavor = flavorOf(model, {}, { "pulumi-sev:disk_bus": bus });
          const xml = renderDomainXml(input(flavor, { network, configDrive: configDrive ? "/var/lib/libvirt/images/web-1-config.iso" : undefined }));
          assertSevInvariants(t, xml, flavor);
          checkAgainstLibvirt(t, xml);
          const domain = parseDoc(xml);
          const disks = all(child(domain, "devices"), "disk");
          t.deepEqual(
            disks.map((d) => [d.attrs["device"], child(d, "target").attrs["bus"]]),
            configDrive
              ? [
                  ["disk", bus],
                  ["cdrom", bus],
                ]
              : [["disk", bus]],
          );
          t.is(
            all(domain, "controller").some((c) => c.attrs["model"] === "virtio-scsi"),
            bus === "scsi",
            "virtio-scsi controller only for SCSI",
          );
          t.is(all(domain, "interface").length, network ? 1 : 0);
        });
      }
    }
  }
}

/**
 * Every model, SEV-SNP included, validates against libvirt 10.7's schema and the lab libvirt's
 * (11.x), and is defined and dumped back by the lab libvirt's test driver, launchSecurity intact.
 */
function checkAgainstLibvirt(t: ExecutionContext, xml: string): void {
  const v107 = validate107(xml);
  t.true(v107.ok, `libvirt 10.7 schema: ${v107.output}\n${xml}`);
  const lab = validateLab(xml);
  t.true(lab.ok, `libvirt ${LAB_LIBVIRT_VERSION} schema: ${lab.output}\n${xml}`);
  const defined = defineAndDump(xml, parseDoc(xml).children.find((c) => c.name === "uuid")?.text ?? "");
  t.true(defined.ok, `virsh define: ${defined.output}`);
  const back = parseDoc(defined.stdout);
  const ours = parseDoc(xml);
  const ls = child(back, "launchSecurity");
  t.deepEqual(ls, child(ours, "launchSecurity"), "launchSecurity survives the round trip unchanged");
  t.deepEqual(withoutIommu(back), [], "iommu survives the round trip");
  t.is(virtioDevices(back).length, virtioDevices(ours).length);
  t.deepEqual(parseSevDomain(defined.stdout, "shut off")?.owner, OWNER, "owner metadata survives the round trip");
}

const EXTRA_VARIANTS: Array<[string, Model, Partial<SevFlavorInputs>, NonNullable<SevFlavorInputs["extraSpecs"]>, ImageProperties | undefined]> = [
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

for (const [title, model, extra, specs, image] of EXTRA_VARIANTS) {
  test(`renders and validates: ${title}`, (t) => {
    const flavor = flavorOf(model, extra, specs, image);
    const xml = renderDomainXml(input(flavor, { network: { bridge: "br0" }, configDrive: "/srv/config.iso" }));
    assertSevInvariants(t, xml, flavor);
    checkAgainstLibvirt(t, xml);
    t.is(child(child(parseDoc(xml), "launchSecurity"), "policy").text, formatPolicy(flavor.policy, flavor.model));
  });
}

const DEVICE_VARIANTS: Array<[string, Model, "scsi" | "sata", Partial<DomainXmlInput>, number]> = [
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

for (const [title, model, bus, over, virtioDisks] of DEVICE_VARIANTS) {
  test(`renders and validates: ${title}`, (t) => {
    const flavor = flavorOf(model, {}, { "pulumi-sev:disk_bus": bus });
    const xml = renderDomainXml(input(flavor, over));
    assertSevInvariants(t, xml, flavor, virtioDisks);
    checkAgainstLibvirt(t, xml);
    const devices = child(parseDoc(xml), "devices");
    const targets = all(devices, "disk").map((d) => child(d, "target").attrs["dev"]);
    t.is(new Set(targets).size, targets.length, `target names are distinct: ${targets.join(", ")}`);
    t.is(all(devices, "interface").length, over.networks?.length ?? 0);
    const macs = all(devices, "interface").map((i) => child(i, "mac").attrs["address"]);
    t.is(new Set(macs).size, macs.length, "every interface has its own MAC");
    if (over.seed !== undefined)
      t.deepEqual(
        all(devices, "disk")
          .filter((d) => d.attrs["device"] === "cdrom")
          .map((d) => [child(d, "source").attrs["file"], child(d, "target").attrs["bus"], d.children.some((c) => c.name === "readonly")]),
        [[over.seed, bus, true]],
      );
  });
}

const blob = (bytes: number, fill: number) => Buffer.alloc(bytes, fill).toString("base64");
const LAUNCH_VARIANTS: Array<[string, Model, GuestLaunchSecurity]> = [
  ["SEV with the owner's dhCert and session", "amd-sev", { dhCert: blob(2084, 1), session: blob(128, 2) }],
  ["SEV-ES with dhCert, session and kernel hashes", "amd-sev-es", { dhCert: blob(2084, 3), session: blob(128, 4), kernelHashes: true }],
  [
    "SNP with idBlock, idAuth, author key, host data, VLEK and kernel hashes",
    "amd-sev-snp",
    { idBlock: blob(96, 5), idAuth: blob(4096, 6), authorKey: true, hostData: blob(32, 7), vcek: false, kernelHashes: true },
  ],
  ["SNP with host data only", "amd-sev-snp", { hostData: blob(32, 8) }],
];

for (const [title, model, launch] of LAUNCH_VARIANTS) {
  test(`renders and validates: ${title}`, (t) => {
    const flavor = flavorOf(model);
    const xml = renderDomainXml(input(flavor, { launch }));
    assertSevInvariants(t, xml, flavor);
    checkAgainstLibvirt(t, xml);
    const ls = child(parseDoc(xml), "launchSecurity");
    for (const k of ["dhCert", "session", "idBlock", "idAuth", "hostData"] as const) {
      t.is(ls.children.find((c) => c.name === k)?.text, launch[k], k);
    }
    const yesNo = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "yes" : "no");
    t.is(ls.attrs["kernelHashes"] as string | undefined, yesNo(launch.kernelHashes));
    if (model === "amd-sev-snp") t.deepEqual([ls.attrs["authorKey"], ls.attrs["vcek"]], [yesNo(launch.authorKey ?? false), yesNo(launch.vcek ?? true)]);
  });
}

// --- structure as in libvirt's own fixtures ---------------------------------------------------------

function childNames(el: El): string[] {
  return el.children.map((c) => c.name);
}

test("SEV launchSecurity has the child elements, in the order, of libvirt's launch-security-sev fixture", (t) => {
  const theirs = child(parseDoc(fixture("domains", "launch-security-sev.x86_64-6.0.0.xml")), "launchSecurity");
  const ours = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev")))), "launchSecurity");
  t.deepEqual(childNames(ours), ["cbitpos", "reducedPhysBits", "policy"]);
  t.deepEqual(
    childNames(theirs).filter((n) => childNames(ours).includes(n)),
    childNames(ours),
  );
  t.deepEqual(childNames(theirs).slice(0, 3), childNames(ours), "the same leading elements, same order");
  t.is(ours.attrs["type"], theirs.attrs["type"]);
  t.regex(child(ours, "policy").text, /^0x[0-9a-f]{4}$/, "four hex digits, like the fixture's 0x0001");
  t.regex(child(theirs, "policy").text, /^0x[0-9a-f]{4}$/);
  t.is(child(ours, "policy").text, "0x0033");
});

test("SNP launchSecurity matches libvirt's launch-security-sev-snp fixture", (t) => {
  const theirs = child(parseDoc(fixture("domains", "launch-security-sev-snp.x86_64-latest.xml")), "launchSecurity");
  const ours = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp")))), "launchSecurity");
  t.is(ours.attrs["type"], "sev-snp");
  t.is(theirs.attrs["type"], "sev-snp");
  t.deepEqual(childNames(ours), ["cbitpos", "reducedPhysBits", "policy"]);
  t.deepEqual(childNames(theirs).slice(0, 3), childNames(ours));
  t.is(child(ours, "policy").text, child(theirs, "policy").text, "0x00030000 exactly");
  for (const name of Object.keys(ours.attrs)) t.true(name in theirs.attrs, `attribute ${name} is one libvirt's fixture uses`);
  // Nova's SNP form for the two attestation attributes.
  const nova = fixture("nova", "nova-test_config-launchsecurity-sev-snp.xml");
  t.regex(nova, new RegExp(`authorKey="${ours.attrs["authorKey"]}" vcek="${ours.attrs["vcek"]}"`));
});

test("SEV-ES is type sev with the ES policy bit, like Nova's sev-es snippet", (t) => {
  const xml = renderDomainXml(input(flavorOf("amd-sev-es")));
  const ls = child(parseDoc(xml), "launchSecurity");
  t.is(ls.attrs["type"], "sev");
  const novaPolicy = /<policy>([^<]+)</.exec(fixture("nova", "nova-test_config-launchsecurity-sev-es.xml"))?.[1];
  t.is(child(ls, "policy").text, novaPolicy ?? "missing");
  t.is(sevModelOfXml(xml), "sev-es");
});

test("SNP boots stateless firmware: <os firmware='efi'> with <loader stateless='yes'/>, no NVRAM", (t) => {
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"), { host: GENOA }))), "os");
  t.is(os.attrs["firmware"], "efi");
  t.deepEqual(child(os, "loader").attrs, { stateless: "yes" });
  t.false(os.children.some((c) => c.name === "nvram"));
  const explicit = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"), { host: GENOA, loader: "/usr/share/edk2/ovmf/OVMF.amdsev.fd" }))), "os");
  t.deepEqual(child(explicit, "loader").attrs, { type: "rom", stateless: "yes" });
  t.is(child(explicit, "loader").text, "/usr/share/edk2/ovmf/OVMF.amdsev.fd");
});

test("the variable store template pairs with the code image by the OVMF builds' naming, or is left to libvirt", (t) => {
  t.is(nvramTemplateOf("/usr/share/OVMF/OVMF_CODE_4M.fd"), "/usr/share/OVMF/OVMF_VARS_4M.fd");
  t.is(nvramTemplateOf("/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd"), "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd");
  t.is(nvramTemplateOf("/srv/firmware/my-uefi.fd"), null);
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1", loader: "/srv/firmware/my-uefi.fd" }))), "os");
  t.deepEqual(child(os, "nvram").attrs, {}, "no guessed template for a code image of another name");
});

// --- firmware, machine, launch security from the host -----------------------------------------------

test("the loader is the host's OVMF_CODE image without Secure Boot, read-only pflash, with per-guest NVRAM", (t) => {
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1" }))), "os");
  const loader = child(os, "loader");
  t.is(loader.text, "/usr/share/edk2/ovmf/OVMF_CODE.fd");
  t.deepEqual(loader.attrs, { readonly: "yes", type: "pflash" });
  t.is(child(os, "nvram").text, "/var/lib/libvirt/qemu/nvram/db-1_VARS.fd");
  t.deepEqual(child(os, "nvram").attrs, { template: "/usr/share/edk2/ovmf/OVMF_VARS.fd" }, "the code image's own variable store template");
  const custom = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1", nvramDir: "/srv/nvram/" }))), "os");
  t.is(child(custom, "nvram").text, "/srv/nvram/db-1_VARS.fd");
});

test("selectLoader prefers a plain OVMF_CODE image and skips Secure Boot and Microsoft-key variants", (t) => {
  t.is(
    selectLoader(["/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"]),
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
  );
  t.is(selectLoader(["/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "/usr/share/edk2/ovmf/OVMF_CODE.fd"]), "/usr/share/edk2/ovmf/OVMF_CODE.fd");
  t.is(selectLoader(["/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"]), null);
  t.is(selectLoader(["/usr/share/AAVMF/AAVMF_CODE.fd"]), null);
  t.is(selectLoader(SNP_HOST.loaders), "/usr/share/edk2/ovmf/OVMF_CODE.fd");
});

test("a host that offers no suitable loader is a clear error, unless a loader is given", (t) => {
  const err = t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { host: ROME_FAKE_FIRMWARE })), { instanceOf: DomainXmlError });
  t.regex(err?.message ?? "", /no UEFI code image without Secure Boot .* \[\/obviously\/fake\/firmware1\.fd, \/obviously\/fake\/firmware2\.fd\]: install OVMF/);
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { host: ROME_FAKE_FIRMWARE, loader: "/opt/ovmf/OVMF_CODE.fd" }));
  t.is(child(child(parseDoc(xml), "os"), "loader").text, "/opt/ovmf/OVMF_CODE.fd");
});

test("the machine is the host's q35 machine for q35, a versioned q35 as given, q35 when the host's is not q35", (t) => {
  t.is(machineFor("q35", SNP_HOST), "pc-q35-2.11");
  t.is(machineFor("q35", GENOA), "pc-q35-9.2");
  t.is(machineFor("pc-q35-8.2", SNP_HOST), "pc-q35-8.2");
  const i440fx = domcapsFromXml(fixture("domcapabilities", "qemu_6.0.0.x86_64.xml"));
  t.notRegex(i440fx.machine ?? "", /q35/);
  t.is(machineFor("q35", i440fx), "q35");
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { host: { ...i440fx, loaders: SNP_HOST.loaders } }));
  t.is(child(child(parseDoc(xml), "os"), "type").attrs["machine"], "q35");
});

test("SNP on a host whose domain capabilities do not list sev-snp is refused", (t) => {
  t.deepEqual(SEV_HOST.launchSecurityTypes, ["sev"]);
  const err = t.throws(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { host: SEV_HOST })), { instanceOf: DomainXmlError });
  t.regex(err?.message ?? "", /amd-sev-snp needs a host whose domain capabilities list launchSecurity type sev-snp; this host lists \[sev\]/);
  const old = domcapsFromXml(fixture("domcapabilities", "qemu_2.12.0-q35.x86_64.xml"));
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { host: old })), { message: /this host lists \[\]/ });
  t.notThrows(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { host: GENOA })));
});

test("SEV on a host without SEV is refused", (t) => {
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { host: { ...SEV_DISABLED, loaders: SNP_HOST.loaders } })), {
    instanceOf: DomainXmlError,
    message: /do not report <sev supported='yes'>/,
  });
});

test("cbitpos and reducedPhysBits come from the host; left out only when libvirt (6.9+) fills them", (t) => {
  const genoa = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { host: { ...GENOA, loaders: SNP_HOST.loaders } }))), "launchSecurity");
  t.is(child(genoa, "cbitpos").text, "51");
  t.is(child(genoa, "reducedPhysBits").text, "1");
  const unreported: DomainCapabilities = { ...SNP_HOST, sev: { ...SNP_HOST.sev, cbitpos: null, reducedPhysBits: null } };
  const filled = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { host: unreported, libvirtVersion: "6.9.0" }))), "launchSecurity");
  t.deepEqual(childNames(filled), ["policy"], "like libvirt's launch-security-sev-missing-platform-info input");
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { host: unreported, libvirtVersion: "6.0.0" })), {
    message: /no cbitpos\/reducedPhysBits .* older than 6\.9\.0/,
  });
});

test("stateless firmware needs libvirt 8.6", (t) => {
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev", {}, {}, { hw_firmware_stateless: true }), { libvirtVersion: "8.0.0" })), {
    message: /stateless firmware needs libvirt 8\.6\.0 or later; the host has 8\.0\.0/,
  });
});

// --- devices ------------------------------------------------------------------------------------------

test("every virtio device has iommu='on': the check finds a device that lacks it", (t) => {
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { network: { network: "default" } }));
  const domain = parseDoc(xml);
  t.deepEqual(
    virtioDevices(domain)
      .map((d) => d.attrs["model"] ?? d.attrs["type"])
      .sort(),
    ["network", "virtio", "virtio", "virtio-scsi", "virtio-serial"],
    "scsi controller, virtio-serial controller, interface, memballoon, rng",
  );
  // The walker would catch a regression: drop the rng's driver.
  const broken = xml.replace(/(<rng model="virtio">[\s\S]*?)<driver iommu="on"\/>/, "$1");
  t.deepEqual(withoutIommu(parseDoc(broken)), ["<rng model='virtio'>"]);
});

test("a block device boot disk is a type='block' disk", (t) => {
  const domain = parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { bootDisk: { path: "/dev/vg0/web-1", format: "raw" } })));
  const disk = all(domain, "disk")[0];
  t.is(disk.attrs["type"], "block");
  t.deepEqual(child(disk, "source").attrs, { dev: "/dev/vg0/web-1" });
  t.deepEqual(child(disk, "driver").attrs, { name: "qemu", type: "raw" });
  t.deepEqual(child(disk, "boot").attrs, { order: "1" });
});

test("the MAC address is stable per UUID, or as given", (t) => {
  const flavor = flavorOf("amd-sev");
  const mac = (over: Partial<DomainXmlInput>) => child(all(parseDoc(renderDomainXml(input(flavor, over))), "interface")[0], "mac").attrs["address"];
  const a = mac({ network: { bridge: "br0" } });
  t.is(a, mac({ network: { bridge: "br0" } }));
  t.regex(a ?? "", /^52:54:00(:[0-9a-f]{2}){3}$/);
  t.is(a, stableMac(stableUuid(`${OWNER.urn}/web-1`)));
  t.is(mac({ network: { bridge: "br0", mac: "52:54:00:AA:BB:CC" } }), "52:54:00:aa:bb:cc");
});

test("domain type is kvm by default, qemu on request", (t) => {
  t.is(parseDoc(renderDomainXml(input(flavorOf("amd-sev")))).attrs["type"], "kvm");
  t.is(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { domainType: "qemu" }))).attrs["type"], "qemu");
});

// --- identity, ownership, escaping ----------------------------------------------------------------------

test("stableUuid is a deterministic version 5 UUID", (t) => {
  t.is(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "886313e1-3b8a-5372-9b90-0c9aee199e5d", "RFC 4122 / Python's uuid5 vector");
  const u = stableUuid(OWNER.urn);
  t.is(u, stableUuid(OWNER.urn));
  t.not(u, stableUuid(`${OWNER.urn}-2`));
  t.regex(u, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("the owner written under <metadata> is read back by parseSevDomain", (t) => {
  for (const model of ["amd-sev", "amd-sev-es", "amd-sev-snp"] as Model[]) {
    const i = input(flavorOf(model));
    const d = parseSevDomain(renderDomainXml(i), "shut off");
    t.deepEqual(d, {
      name: "web-1",
      uuid: i.uuid,
      running: false,
      model: ({ "amd-sev": "sev", "amd-sev-es": "sev-es", "amd-sev-snp": "sev-snp" } as const)[model],
      owner: OWNER,
    });
  }
});

test("user values are escaped: a name and owner with <, &, ' and \" round-trip", (t) => {
  const name = `a<b&c'd"e`;
  const owner = { project: `p&<>'"`, stack: `s"'`, urn: `urn:pulumi:prod::x::y::<&>` };
  const i = input(flavorOf("amd-sev"), { name, owner, bootDisk: { path: `/var/lib/libvirt/images/o'neil & "co".qcow2`, format: "qcow2" } });
  const xml = renderDomainXml(i);
  t.false(xml.includes("a<b"), "no raw < from the name");
  t.false(/&(?!amp;|lt;|gt;|apos;|quot;)/.test(xml), "every & starts an entity");
  const d = parseSevDomain(xml, "running");
  t.is(d?.name, name);
  t.deepEqual(d?.owner, owner);
  const domain = parseDoc(xml);
  t.is(child(child(domain, "os"), "nvram").text, `/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`);
  t.true(validateLab(xml).ok);
  const defined = defineAndDump(xml, i.uuid);
  t.true(defined.ok, defined.output);
  const back = parseSevDomain(defined.stdout, "shut off");
  t.is(back?.name, name, "libvirt's test driver keeps the name");
  t.deepEqual(back?.owner, owner);
});

test("bad guest inputs are listed together in one error", (t) => {
  const err = t.throws(
    () =>
      renderDomainXml(
        input(flavorOf("amd-sev-snp"), {
          name: "a/b",
          uuid: "not-a-uuid",
          host: SEV_HOST,
          bootDisk: { path: "images/x.qcow2", format: "qcow2" },
          configDrive: "config.iso",
          network: { bridge: "br0", mac: "01:00:5e:00:00:01" },
        }),
      ),
    { instanceOf: DomainXmlError },
  );
  const problems = (err as DomainXmlError).problems;
  t.is(problems.length, 6, problems.join("\n"));
  t.regex(err?.message ?? "", /^cannot render the domain XML of "a\/b": 6 problems:\n- domain name/);
  for (const re of [/domain name "a\/b"/, /uuid "not-a-uuid"/, /bootDisk\.path/, /configDrive/, /not a unicast MAC/, /sev-snp/]) {
    t.true(
      problems.some((p) => re.test(p)),
      `${re}`,
    );
  }
});

// --- Nova's memory and network rules ---------------------------------------------------------------

test("an SNP guest on small pages has no <memoryBacking>, as Nova's SNP config (needs_locked_memory false)", (t) => {
  const snp = parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"))));
  t.deepEqual(all(snp, "memoryBacking"), []);
  const hugeSnp = parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp", {}, { "hw:mem_page_size": "2MB" }))));
  t.deepEqual(childNames(child(hugeSnp, "memoryBacking")), ["hugepages"], "huge pages stay, unlocked");
  t.deepEqual(childNames(child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-es")))), "memoryBacking")), ["locked"]);
});

test("a virtio-net interface has its option ROM disabled, as in libvirt's SEV examples", (t) => {
  for (const network of [{ bridge: "br0" }, { network: "default" }] as GuestNetwork[]) {
    const nic = child(child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { network }))), "devices"), "interface");
    t.deepEqual(child(nic, "rom").attrs, { enabled: "no" });
    t.is(child(nic, "model").attrs["type"], "virtio");
  }
});
