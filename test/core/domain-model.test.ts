/** The domain model: each element's read(render(x)) is x, the whole document's too, and drift covers every device. */
import test from "ava";
import { XMLBuilder } from "fast-xml-parser";
import { asNode, ATTR, parseXml } from "../../provider/core/parse/xml";
import { Controller, readController, renderController } from "../../provider/core/domain/controller";
import { Devices, readDevices, renderDevices } from "../../provider/core/domain/devices";
import { Disk, readDisk, renderDisk } from "../../provider/core/domain/disk";
import { DomainModel, readDomain, renderDomain } from "../../provider/core/domain/document";
import { Interface, readInterface, renderInterface } from "../../provider/core/domain/interface";
import { LaunchSecurity, readLaunchSecurity, renderLaunchSecurity } from "../../provider/core/domain/launch-security";
import { Memory, readMemory, renderMemory } from "../../provider/core/domain/memory";
import { ownerOf, renderMetadata } from "../../provider/core/domain/metadata";
import { Os, readOs, renderOs } from "../../provider/core/domain/os";
import { DomainXmlError, DomainXmlInput, domainSpec, renderDomainXml, stableMac } from "../../provider/core/domain-xml";
import { resolveFlavor } from "../../provider/core/flavor";
import { guestDrift, viewOfDomain } from "../../provider/core/parse/guest";
import { readyHost } from "./ready-host";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: ATTR, textNodeName: "#text", format: true, suppressEmptyNode: true });

/** The node as XML text and parsed back: what a reader meets after libvirt stored it. */
function throughXml(name: string, node: unknown): unknown {
  return asNode(parseXml(builder.build({ [name]: node }) as string)[name]);
}

const OWNER = { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::sev:index:SevGuest::web-1" };
const UUID = "5b0c5b6e-8f7c-4a53-9d1e-2b1f7c1f0a11";

test("metadata: the owner reads back as rendered, and no metadata is no owner", (t) => {
  t.deepEqual(ownerOf(asNode(throughXml("domain", { metadata: renderMetadata(OWNER) }))), OWNER);
  t.deepEqual(ownerOf(asNode(throughXml("domain", { metadata: renderMetadata({ project: "a&b", stack: "<s>", urn: "u'\"" }) }))), {
    project: "a&b",
    stack: "<s>",
    urn: "u'\"",
  });
  t.is(renderMetadata(null), undefined);
});

const MEMORIES: Memory[] = [
  { memoryKiB: 4194304, currentMemoryKiB: 4194304, hugepages: null, locked: true },
  { memoryKiB: 2097152, currentMemoryKiB: 1048576, hugepages: { sizeKiB: 2048 }, locked: false },
  { memoryKiB: 2097152, currentMemoryKiB: 2097152, hugepages: { sizeKiB: null }, locked: true },
  { memoryKiB: 1024, currentMemoryKiB: null, hugepages: null, locked: false },
];

test("memory: memory, currentMemory and memoryBacking read back as rendered", (t) => {
  for (const m of MEMORIES) t.deepEqual(readMemory(asNode(throughXml("domain", renderMemory(m)))), m);
  t.deepEqual(
    readMemory(
      asNode(
        parseXml("<domain><memory unit='GiB'>2</memory><memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking></domain>")["domain"],
      ),
    ),
    {
      memoryKiB: 2 * 1024 * 1024,
      currentMemoryKiB: null,
      hugepages: { sizeKiB: 1024 * 1024 },
      locked: false,
    },
  );
});

const OSES: Os[] = [
  {
    firmware: null,
    type: "hvm",
    arch: "x86_64",
    machine: "pc-q35-8.2",
    loader: { path: "/usr/share/OVMF/OVMF_CODE.fd", readonly: true, type: "pflash", stateless: false },
    nvram: { path: "/nv/web_VARS.fd", template: "/usr/share/OVMF/OVMF_VARS.fd" },
  },
  {
    firmware: null,
    type: "hvm",
    arch: "x86_64",
    machine: "q35",
    loader: { path: "/opt/code.bin", readonly: true, type: "pflash", stateless: false },
    nvram: { path: "/nv/web_VARS.fd", template: null },
  },
  { firmware: "efi", type: "hvm", arch: "x86_64", machine: "q35", loader: { path: null, readonly: false, type: null, stateless: true }, nvram: null },
  {
    firmware: null,
    type: "hvm",
    arch: "x86_64",
    machine: "q35",
    loader: { path: "/usr/share/ovmf/OVMF.amdsev.fd", readonly: false, type: "rom", stateless: true },
    nvram: null,
  },
  { firmware: null, type: "hvm", arch: null, machine: "pc", loader: null, nvram: null },
];

test("os: type, machine, loader and nvram read back as rendered", (t) => {
  for (const os of OSES) t.deepEqual(readOs(throughXml("os", renderOs(os))), os);
});

const DISKS: Disk[] = [
  { device: "disk", type: "file", path: "/img/web.qcow2", format: "qcow2", iommu: false, dev: "sda", bus: "scsi", readonly: false, bootOrder: 1 },
  { device: "disk", type: "block", path: "/dev/vg/data", format: "raw", iommu: false, dev: "sdb", bus: "sata", readonly: false, bootOrder: null },
  { device: "disk", type: "file", path: "/img/data.qcow2", format: "qcow2", iommu: true, dev: "vda", bus: "virtio", readonly: false, bootOrder: null },
  { device: "cdrom", type: "file", path: "/img/seed.iso", format: "raw", iommu: false, dev: "sdc", bus: "scsi", readonly: true, bootOrder: null },
  { device: "cdrom", type: "file", path: null, format: null, iommu: false, dev: "sdd", bus: "sata", readonly: true, bootOrder: null },
];

test("disk: device, source, driver, target, readonly and boot order read back as rendered", (t) => {
  for (const d of DISKS) t.deepEqual(readDisk(throughXml("disk", renderDisk(d))), d);
});

const INTERFACES: Interface[] = [
  { type: "bridge", source: "br0", mac: "52:54:00:01:02:03", model: "virtio", iommu: true, rom: false },
  { type: "network", source: "default", mac: "52:54:00:0a:0b:0c", model: "virtio", iommu: true, rom: false },
  { type: "direct", source: "eth0", mac: null, model: "e1000e", iommu: false, rom: null },
  { type: "network", source: "lab", mac: "52:54:00:0a:0b:0d", model: "virtio", iommu: false, rom: true },
];

test("interface: type, source, MAC, model, iommu and option ROM read back as rendered", (t) => {
  for (const i of INTERFACES) t.deepEqual(readInterface(throughXml("interface", renderInterface(i))), i);
});

const CONTROLLERS: Controller[] = [
  { type: "scsi", index: 0, model: "virtio-scsi", iommu: true },
  { type: "virtio-serial", index: 0, model: null, iommu: true },
  { type: "usb", index: null, model: "qemu-xhci", iommu: false },
];

test("controller: type, index, model and iommu read back as rendered", (t) => {
  for (const c of CONTROLLERS) t.deepEqual(readController(throughXml("controller", renderController(c))), c);
});

const DEVICES: Devices[] = [
  {
    disks: DISKS,
    controllers: CONTROLLERS.slice(0, 2),
    interfaces: INTERFACES.slice(0, 2),
    serialConsole: true,
    guestAgent: true,
    memballoon: { model: "virtio", iommu: true },
    rng: { model: "virtio", backend: "/dev/urandom", iommu: true },
  },
  { disks: DISKS.slice(0, 1), controllers: [], interfaces: [], serialConsole: false, guestAgent: false, memballoon: null, rng: null },
];

test("devices: every device, one or many of a kind, reads back as rendered", (t) => {
  for (const d of DEVICES) t.deepEqual(readDevices(throughXml("devices", renderDevices(d))), d);
});

const LAUNCH: LaunchSecurity[] = [
  { type: "sev", cbitpos: 47, reducedPhysBits: 1, policy: 0x33, attributes: {}, blobs: {} },
  { type: "sev", cbitpos: null, reducedPhysBits: null, policy: 0x37, attributes: { kernelHashes: "yes" }, blobs: { dhCert: "AAAA", session: "BBBB" } },
  {
    type: "sev-snp",
    cbitpos: 51,
    reducedPhysBits: 1,
    policy: 0x30000,
    attributes: { authorKey: "yes", vcek: "no" },
    blobs: { idBlock: "CCCC", idAuth: "DDDD", hostData: "EEEE" },
  },
];

test("launchSecurity: type, platform info, policy, attributes and blobs read back as rendered", (t) => {
  for (const ls of LAUNCH) t.deepEqual(readLaunchSecurity(throughXml("launchSecurity", renderLaunchSecurity(ls))), ls);
});

const MODEL: DomainModel = {
  type: "kvm",
  name: "web-1",
  uuid: UUID,
  owner: OWNER,
  memory: MEMORIES[0],
  vcpus: 2,
  vcpuPlacement: "static",
  os: OSES[0],
  features: ["acpi", "apic", "pae"],
  cpu: { mode: "host-passthrough", check: "none" },
  clockOffset: "localtime",
  onPoweroff: "preserve",
  onReboot: "destroy",
  onCrash: "coredump-destroy",
  devices: DEVICES[0],
  launchSecurity: LAUNCH[0],
};

test("the document reads back as rendered, with or without launchSecurity and owner", (t) => {
  t.deepEqual(readDomain(renderDomain(MODEL)), MODEL);
  const bare = { ...MODEL, owner: null, launchSecurity: null, cpu: null, features: [], devices: DEVICES[1] };
  t.deepEqual(readDomain(renderDomain(bare)), bare);
});

function guest(over: Partial<DomainXmlInput> = {}, bus: "scsi" | "sata" = "scsi"): DomainXmlInput {
  return {
    name: "web-1",
    uuid: UUID,
    flavor: resolveFlavor({ name: "sev.small", vcpus: 2, memory: "4G", disk: 20, extraSpecs: { "hw:mem_encryption": true, "pulumi-sev:disk_bus": bus } }),
    caps: readyHost().domcaps!,
    libvirtVersion: "10.0.0",
    bootDisk: { path: "/var/lib/libvirt/images/web-1.qcow2", format: "qcow2" },
    owner: OWNER,
    ...over,
  };
}

const DATA_DISKS: DomainXmlInput["dataDisks"] = [
  { path: "/srv/data-a.qcow2", format: "qcow2", bus: "virtio" },
  { path: "/dev/vg/data-b", format: "raw", bus: "scsi" },
  { path: "/srv/data-c.raw", format: "raw", bus: "sata" },
  { path: "/srv/data-d.qcow2", format: "qcow2", bus: "virtio" },
];

test("a rendered guest reads back as the model its inputs make: what is written is what the spec decided", (t) => {
  for (const input of [
    guest(),
    guest({ network: { bridge: "br0" }, configDrive: "/srv/c.iso" }, "sata"),
    guest({ dataDisks: DATA_DISKS, networks: [{ bridge: "br0" }, { network: "lab" }], seed: "/srv/seed.iso" }),
  ]) {
    t.deepEqual(readDomain(renderDomainXml(input)), domainSpec(input));
  }
});

test("data disks take sd names after the boot disk on SCSI and SATA, vd names on virtio, and the seed the next sd name", (t) => {
  const disks = domainSpec(guest({ dataDisks: DATA_DISKS, seed: "/srv/seed.iso" }, "sata")).devices.disks;
  t.deepEqual(
    disks.map((d) => [d.device, d.path, d.dev, d.bus, d.format, d.iommu, d.type]),
    [
      ["disk", "/var/lib/libvirt/images/web-1.qcow2", "sda", "sata", "qcow2", false, "file"],
      ["disk", "/srv/data-a.qcow2", "vda", "virtio", "qcow2", true, "file"],
      ["disk", "/dev/vg/data-b", "sdb", "scsi", "raw", false, "block"],
      ["disk", "/srv/data-c.raw", "sdc", "sata", "raw", false, "file"],
      ["disk", "/srv/data-d.qcow2", "vdb", "virtio", "qcow2", true, "file"],
      ["cdrom", "/srv/seed.iso", "sdd", "sata", "raw", false, "file"],
    ],
  );
  const controllers = domainSpec(guest({ dataDisks: DATA_DISKS }, "sata")).devices.controllers;
  t.true(
    controllers.some((c) => c.model === "virtio-scsi" && c.iommu),
    "a SCSI data disk brings the virtio-scsi controller, with iommu",
  );
  t.false(domainSpec(guest({ dataDisks: [DATA_DISKS![0]] }, "sata")).devices.controllers.some((c) => c.type === "scsi"));
});

test("interface 0 keeps the single network's stable MAC; later ones get their own, deterministic", (t) => {
  const single = domainSpec(guest({ network: { bridge: "br0" } })).devices.interfaces;
  const many = domainSpec(guest({ networks: [{ bridge: "br0" }, { network: "lab" }, { network: "lab2", mac: "52:54:00:AA:00:01" }] })).devices.interfaces;
  t.is(many[0].mac, single[0].mac);
  t.is(many[0].mac, stableMac(UUID));
  t.is(many[1].mac, stableMac(`${UUID}/1`));
  t.is(many[2].mac, "52:54:00:aa:00:01");
  t.true(
    many.every((i) => i.iommu && i.rom === false && i.model === "virtio"),
    "every interface: virtio with iommu, no option ROM",
  );
  t.deepEqual(domainSpec(guest({ networks: [{ bridge: "br0" }, { network: "lab" }] })).devices.interfaces, many.slice(0, 2));
});

test("new devices' input problems are listed with the others", (t) => {
  const err = t.throws(
    () =>
      renderDomainXml(
        guest({
          configDrive: "/srv/c.iso",
          seed: "seed.iso",
          network: { bridge: "br0" },
          networks: [{ bridge: "br0" }],
          dataDisks: [{ path: "data.qcow2", format: "vmdk" as "raw", bus: "ide" as "sata" }],
        }),
      ),
    { instanceOf: DomainXmlError },
  );
  t.deepEqual((err as DomainXmlError).problems, [
    'seed "seed.iso" is not an absolute path',
    "give configDrive or seed, not both: a guest has one cloud-init source",
    'dataDisks[0].path "data.qcow2" is not an absolute path',
    'dataDisks[0].format "vmdk" is not qcow2 or raw',
    'dataDisks[0].bus "ide" is not scsi, sata or virtio (never IDE: q35 has none)',
    "give network or networks, not both",
  ]);
  const nets = t.throws(
    () => renderDomainXml(guest({ networks: [{ bridge: "br0", mac: "52:54:00:00:00:01" }, { network: "" }, { network: "x", mac: "52:54:00:00:00:01" }] })),
    {
      instanceOf: DomainXmlError,
    },
  );
  t.deepEqual((nets as DomainXmlError).problems, ["networks[1] needs exactly one of bridge or network"]);
  const twice = t.throws(
    () =>
      renderDomainXml(
        guest({
          networks: [
            { bridge: "br0", mac: "52:54:00:00:00:01" },
            { network: "x", mac: "52:54:00:00:00:01" },
          ],
        }),
      ),
    {
      instanceOf: DomainXmlError,
    },
  );
  t.deepEqual((twice as DomainXmlError).problems, ["MAC address 52:54:00:00:00:01 is given to more than one interface"]);
});

test("drift covers data disks (path and bus), every interface, and the seed", (t) => {
  const declared = guest({ dataDisks: DATA_DISKS!.slice(0, 2), networks: [{ bridge: "br0" }, { network: "lab" }], seed: "/srv/seed.iso" });
  const wanted = viewOfDomain(renderDomainXml(declared));
  t.deepEqual(guestDrift(wanted, viewOfDomain(renderDomainXml(declared))), []);
  const moved = guest({
    ...declared,
    dataDisks: [
      { ...DATA_DISKS![0], bus: "scsi" },
      { path: "/srv/other.qcow2", format: "qcow2", bus: "scsi" },
    ],
    networks: [{ bridge: "br0" }],
    seed: undefined,
  });
  t.deepEqual(guestDrift(wanted, viewOfDomain(renderDomainXml(moved))), [
    "disk /srv/other.qcow2 is attached but not declared",
    "disk /dev/vg/data-b is declared but not attached",
    "cdrom /srv/seed.iso is declared but not attached",
    "disk /srv/data-a.qcow2 bus is scsi, expected virtio",
    `network interface 2 is none, expected network lab mac ${stableMac(`${UUID}/1`)}`,
  ]);
});
