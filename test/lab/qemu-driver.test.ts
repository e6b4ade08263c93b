/**
 * The lab's hypervisors as libvirt's QEMU driver sees them: which driver each host runs, domain
 * capabilities libvirt computes itself, the QEMU command line it builds for every variant the
 * provider renders, and a define refused by the driver's own validation reaching the user.
 */
import anyTest, { TestFn } from "ava";
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { builtinProfiles, listBuiltinProfiles, loadProfile } from "../../lab/lab";
import { driverOf } from "../../lab/qemu-host";
import { SevGuestInputs } from "../../provider/generated/sev-guest";
import { SevFlavorInputs } from "../../provider/generated/sev-flavor";
import { sevGuestProvider as p } from "../../provider/resources/sev-guest-provider";
import { SevGuestOutputs, uuidOf } from "../../provider/guest/operations";
import { startLab, TestLab } from "../helpers/lab";
import { checkAndCreate } from "../helpers/guest";

const test = anyTest as TestFn<{ lab: TestLab }>;
const PROFILES = listBuiltinProfiles().map((d) => d.split("/").pop()!);

test.before(async (t) => {
  t.context.lab = await startLab(__filename, PROFILES);
});
test.after.always((t) => t.context.lab?.stop());

const SEV: SevFlavorInputs = { name: "sev.small", vcpus: 2, memory: "2G", disk: 10, extraSpecs: { "hw:mem_encryption": true } };
const SEV_ES: SevFlavorInputs = { ...SEV, name: "sev-es.small", extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" } };
const SNP: SevFlavorInputs = { ...SEV, name: "snp.small", extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-snp" } };
const b64 = (bytes: number, fill: number) => Buffer.alloc(bytes, fill).toString("base64");

function guest(lab: TestLab, host: string, name: string, flavor: SevFlavorInputs, extra: Partial<SevGuestInputs> = {}): SevGuestInputs {
  return {
    host: lab.inputs(host),
    flavor,
    name,
    bootDisk: extra.bootDisk ?? { path: lab.image(host, `${name}.qcow2`), format: "qcow2" },
    owner: { project: "qemu-driver", stack: "dev", urn: `urn:pulumi:dev::qemu-driver::pulumi-nodejs:dynamic/sev:SevGuest::${name}` },
    ...extra,
  };
}

/** The parts of a QEMU command line the checks read: option values in order, JSON ones parsed. */
interface Argv {
  machine: string;
  overcommit: string[];
  devices: Array<Record<string, unknown>>;
  objects: Array<Record<string, unknown>>;
  blockdevs: Array<Record<string, unknown>>;
  all: string[];
}

function parseArgv(argv: string[]): Argv {
  const values = (opt: string) => argv.flatMap((a, i) => (a === opt ? [argv[i + 1]] : []));
  const json = (opt: string) =>
    values(opt)
      .filter((v) => v.startsWith("{"))
      .map((v) => JSON.parse(v) as Record<string, unknown>);
  return {
    machine: values("-machine")[0] ?? "",
    overcommit: values("-overcommit"),
    devices: json("-device"),
    objects: json("-object"),
    blockdevs: json("-blockdev"),
    all: argv,
  };
}

/** Starts the guest through the provider, returns what libvirt exec'd; the guest is deleted after. */
async function commandLineOf(t: { teardown(fn: () => Promise<void>): void }, lab: TestLab, inputs: SevGuestInputs): Promise<Argv> {
  const out = await checkAndCreate(inputs);
  t.teardown(async () => {
    await p.delete!(out.uuid, out);
  });
  return parseArgv(lab.qemuArgv(hostOf(lab, inputs), inputs.name!));
}

function hostOf(lab: TestLab, inputs: SevGuestInputs): string {
  return lab.inventory.hosts.find((h) => h.port === inputs.host.port)!.name;
}

/** What every SEV-family command line carries: the launch object wired to the machine, and no unencrypted DMA. */
function assertConfidential(t: import("ava").ExecutionContext<unknown>, a: Argv, qomType: string, expect: Record<string, unknown>): void {
  const lsec = a.objects.find((o) => o["qom-type"] === qomType);
  t.truthy(lsec, `a ${qomType} object: ${a.objects.map((o) => o["qom-type"]).join(", ")}`);
  t.like(lsec!, expect);
  t.regex(a.machine, new RegExp(`(^|,)confidential-guest-support=${String(lsec!.id)}(,|$)`), a.machine);
  t.regex(a.machine, /^pc-q35-/, "q35");
  const virtio = a.devices.filter((d) => /^virtio-/.test(String(d.driver)));
  t.true(virtio.length > 0);
  for (const d of virtio) t.is(d.iommu_platform, true, `iommu_platform on ${String(d.driver)} ${String(d.id)}`);
  t.deepEqual(
    a.devices.filter((d) => /^(piix[34]-ide|isa-ide|via-ide)$/.test(String(d.driver))),
    [],
    "no IDE controller",
  );
  t.false(
    a.all.some((x, i) => /^-(hd[a-d]|cdrom)$/.test(x) || (x === "-drive" && /if=ide/.test(a.all[i + 1]))),
    "no legacy IDE drives",
  );
}

const firmwareOf = (a: Argv) => a.blockdevs.filter((b) => /pflash0-storage$/.test(String(b["node-name"]))).map((b) => b.filename);

test("each lab host runs the libvirt driver its profile names, and a QEMU-driver host's capabilities are computed by libvirt", async (t) => {
  const { lab } = t.context;
  const drivers = PROFILES.map((name) => [name, driverOf(loadProfile(join(builtinProfiles, name)))] as const);
  t.true(drivers.filter(([, d]) => d === "qemu").length >= 8, `QEMU-driver profiles: ${drivers.map((d) => d.join("=")).join(" ")}`);
  for (const [name, driver] of drivers) {
    const uri = (await lab.sh(name, ["virsh", "uri"])).trim();
    t.is(uri.split(/[+:]/)[0], driver, `${name}: virsh uri ${uri}`);
    const shimmed = existsSync(join(lab.host(name).folder, "root", "domcapabilities.xml"));
    t.is(shimmed, driver === "test", `${name}: domcapabilities ${shimmed ? "from the profile" : "from libvirt"}`);
    if (driver !== "qemu") continue;
    const caps = await lab.sh(name, ["virsh", "capabilities"]);
    t.regex(caps, /<emulator>[^<]*\/qemu-system-x86_64<\/emulator>/, `${name}: the QEMU driver's emulator`);
    const domcaps = await lab.sh(name, ["virsh", "domcapabilities"]);
    const profile = loadProfile(join(builtinProfiles, name));
    const sev = profile.sevPlatform;
    if (sev === undefined) {
      t.regex(domcaps, /<sev supported='no'\/>/, `${name}: no SEV platform, QEMU's query-sev-capabilities fails`);
      continue;
    }
    for (const [tag, value] of [
      ["cbitpos", sev.cbitpos],
      ["reducedPhysBits", sev.reducedPhysBits],
      ["maxGuests", sev.maxGuests],
      ["maxESGuests", sev.maxESGuests],
    ] as const) {
      t.regex(domcaps, new RegExp(`<${tag}>${value}</${tag}>`), `${name}: ${tag} as the profile's firmware and CPUID say`);
    }
  }
});

test("libvirt computes genoa-snp's domain features exactly as libvirt's own tests expect from the same QEMU replies", async (t) => {
  const domcaps = await t.context.lab.sh("genoa-snp", ["virsh", "domcapabilities"]);
  const expected = readFileSync(join(__dirname, "..", "..", "..", "test", "fixtures", "qemucaps", "qemu_9.2.0-q35.x86_64+amdsev.xml"), "utf8");
  const features = (xml: string) => /<features>[\s\S]*<\/features>/.exec(xml)?.[0];
  t.truthy(features(domcaps));
  t.is(features(domcaps), features(expected));
  t.regex(domcaps, /<enum name='sectype'>\s*<value>sev<\/value>\s*<value>sev-snp<\/value>/);
});

test("SEV: the sev-guest object with the host's cbitpos and the flavor's policy, locked memory, the firmware libvirt chose", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-sev", SEV));
  assertConfidential(t, a, "sev-guest", { cbitpos: 47, "reduced-phys-bits": 1, policy: 0x33 });
  t.deepEqual(a.overcommit, ["mem-lock=on"]);
  t.deepEqual(firmwareOf(a), ["/usr/share/OVMF/OVMF_CODE_4M.fd"], "libvirt picked Debian's OVMF from its firmware descriptors");
  t.truthy(
    a.devices.find((d) => d.driver === "scsi-hd" && d.bootindex === 1),
    "the boot disk on virtio-scsi",
  );
});

test("SEV-ES: the ES policy bit in the sev-guest object, locked memory", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-sev-es", SEV_ES));
  assertConfidential(t, a, "sev-guest", { cbitpos: 47, "reduced-phys-bits": 1, policy: 0x37 });
  t.deepEqual(a.overcommit, ["mem-lock=on"]);
});

test("SEV-SNP: the sev-snp-guest object with the SNP policy and the host's cbitpos", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "genoa-snp", "cl-snp", SNP));
  assertConfidential(t, a, "sev-snp-guest", { cbitpos: 51, "reduced-phys-bits": 1, policy: 0x30000, "vcek-disabled": false });
  t.is(a.all[a.all.indexOf("-bios") + 1], "/usr/share/ovmf/OVMF.fd", "libvirt chose the firmware whose descriptor lists amd-sev-snp, stateless in memory");
  t.false(a.overcommit.includes("mem-lock=on"), `an SNP guest's memory is not locked (Nova's needs_locked_memory): ${a.overcommit.join(" ")}`);
});

test("a SATA boot disk is on the q35 AHCI controller, not IDE", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-sata", SEV, { image: { hw_disk_bus: "sata" } }));
  assertConfidential(t, a, "sev-guest", { policy: 0x33 });
  const boot = a.devices.find((d) => d.bootindex === 1);
  t.like(boot!, { driver: "ide-hd" });
  t.regex(String(boot!.bus), /^ide\.\d$/, "q35's built-in AHCI (ich9-ahci) is QEMU's bus 'ide'");
  t.false(a.devices.some((d) => String(d.driver) === "scsi-hd"));
});

test("a network on the host's bridge: virtio-net with iommu_platform and no option ROM", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-net", SEV, { network: { bridge: "br0" } }));
  assertConfidential(t, a, "sev-guest", { policy: 0x33 });
  const nic = a.devices.find((d) => d.driver === "virtio-net-pci");
  t.truthy(nic, a.devices.map((d) => d.driver).join(", "));
  t.like(nic!, { iommu_platform: true, romfile: "" });
  t.regex(String(nic!.mac), /^52:54:00:/);
});

test("addresses: the guest agent's interfaces reach the outputs through libvirt, and a refresh reads them again", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "cl-addr", SEV, { network: { bridge: "br0" } });
  const out = await checkAndCreate(inputs);
  t.teardown(async () => {
    await p.delete!(out.uuid, out);
  });
  const mac = /<mac address='([0-9a-f:]+)'\/>/.exec(await lab.sh("rome", ["virsh", "dumpxml", "cl-addr"]))![1];
  // The agent connects once the guest runs (its VSERPORT_CHANGE event): a refresh reads what it reports then.
  let addresses = out.addresses;
  for (let i = 0; i < 40 && addresses.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 250));
    addresses = ((await p.read!(out.uuid, out)).props as SevGuestOutputs).addresses;
  }
  t.is(addresses.length, 1, JSON.stringify(addresses));
  t.like(addresses[0], { name: "eth0", mac });
  t.regex(addresses[0].addresses.find((a) => a.type === "ipv4")?.address ?? "", /^192\.168\.122\.\d+$/);
  t.truthy(addresses[0].addresses.find((a) => a.type === "ipv6" && a.prefix === 64 && a.address.startsWith("fe80::")));
  const viaAgent = await lab.sh("rome", ["virsh", "domifaddr", "--source", "agent", "cl-addr"]);
  t.regex(viaAgent, new RegExp(`eth0\\s+${mac}\\s+ipv4\\s+${addresses[0].addresses[0].address}/24`), viaAgent);
  const qmp = readFileSync(join(lab.host("rome").folder, "state", "qemu", "cl-addr.qmp.log"), "utf8");
  t.notRegex(qmp, /guest-network-get-interfaces/, "asked of the agent on its own channel, not of QEMU's monitor");
});

test("waitForAddress: create returns once the guest reports an address; with none in time it fails naming the guest and its interfaces", async (t) => {
  const { lab } = t.context;
  const out = await checkAndCreate(guest(lab, "rome", "cl-wait", SEV, { network: { bridge: "br0" }, waitForAddress: { timeoutSeconds: 20 } }));
  t.teardown(async () => {
    await p.delete!(out.uuid, out);
  });
  t.is(out.addresses.length, 1, JSON.stringify(out.addresses));
  t.regex(out.addresses[0].addresses[0].address, /^192\.168\.122\.\d+$/);

  const lonely = guest(lab, "rome", "cl-no-nic", SEV, { waitForAddress: { timeoutSeconds: 2 } });
  t.teardown(async () => {
    await lab.sh("rome", ["sh", "-c", "virsh destroy cl-no-nic >/dev/null 2>&1; virsh undefine --nvram cl-no-nic >/dev/null 2>&1; true"]);
  });
  const err = await t.throwsAsync(checkAndCreate(lonely));
  t.regex(err!.message, new RegExp(`127\\.0\\.0\\.1:${lab.host("rome").port}: guest cl-no-nic reported no IP address within 2 s`));
  t.regex(err!.message, /its interfaces: none \(the guest has no network\)/);
  t.true((await lab.domains("rome")).includes("cl-no-nic"), "the guest stays, as this stack's, for the next up to take over");
});

test("a config drive: the ISO on a CD-ROM, read-only, beside the boot disk", async (t) => {
  const { lab } = t.context;
  const iso = lab.image("rome", "cl-config.iso", "raw");
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-config", SEV, { configDrive: iso }));
  assertConfidential(t, a, "sev-guest", { policy: 0x33 });
  t.truthy(
    a.blockdevs.find((b) => b.filename === iso),
    "the ISO is opened",
  );
  t.truthy(
    a.devices.find((d) => /-cd$/.test(String(d.driver))),
    a.devices.map((d) => d.driver).join(", "),
  );
});

test("launch blobs: the guest owner's certificate and session go to QEMU as files", async (t) => {
  const { lab } = t.context;
  const launchSecurity = { dhCert: b64(2084, 0x42), session: b64(128, 0x24) };
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-blobs", SEV, { launchSecurity, startPaused: true }));
  const lsec = a.objects.find((o) => o["qom-type"] === "sev-guest")!;
  t.regex(String(lsec["dh-cert-file"]), /\/dh_cert\.base64$/);
  t.regex(String(lsec["session-file"]), /\/session\.base64$/);
  t.true(a.all.includes("-S"), "started paused, for the owner's measurement");
});

test("kernel hashes: kernel-hashes=on in the launch object", async (t) => {
  const { lab } = t.context;
  const a = await commandLineOf(t, lab, guest(lab, "rome", "cl-hashes", SEV, { launchSecurity: { kernelHashes: true } }));
  assertConfidential(t, a, "sev-guest", { "kernel-hashes": true, policy: 0x33 });
});

test("a define the QEMU driver refuses (more vCPUs than the machine type allows) reaches the user as one error with libvirt's reason, and nothing is left", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "cl-refused", { ...SEV, name: "sev.huge", vcpus: 1024 });
  const err = await t.throwsAsync(checkAndCreate(inputs));
  t.regex(err!.message, /Maximum CPUs greater than specified machine type limit 288/, err!.message);
  t.regex(err!.message, new RegExp(`127\\.0\\.0\\.1:${lab.host("rome").port}`), "names the host");
  t.false((await lab.domains("rome")).includes("cl-refused"), "nothing defined");
});

test("a boot disk that goes away after the preview fails the start as on a real host, and nothing is left", async (t) => {
  const { lab } = t.context;
  const inputs = { ...guest(lab, "rome", "cl-missing", SEV), bootDisk: { path: "/var/lib/libvirt/images/not-there.qcow2", format: "qcow2" as const } };
  const err = await t.throwsAsync(p.create(inputs as unknown as Record<string, unknown>));
  t.regex(err!.message, /Cannot access storage file '\/var\/lib\/libvirt\/images\/not-there\.qcow2'/, err!.message);
  t.false((await lab.domains("rome")).includes("cl-missing"), "nothing left");
});

test("a boot disk that is not on the host, or not of its declared format, is refused at check (preview) with one message, and nothing is defined", async (t) => {
  const { lab } = t.context;
  const missing = { ...guest(lab, "rome", "cl-absent", SEV), bootDisk: { path: "/var/lib/libvirt/images/absent.qcow2", format: "qcow2" as const } };
  const checked = await p.check!({}, missing as unknown as Record<string, unknown>);
  t.is(checked.failures?.length, 1, JSON.stringify(checked.failures));
  t.is(checked.failures![0].property, "bootDisk");
  t.regex(
    checked.failures![0].reason,
    new RegExp(`^127\\.0\\.0\\.1:${lab.host("rome").port}: guest cl-absent: boot disk /var/lib/libvirt/images/absent\\.qcow2 is not on the host`),
  );
  const raw = { ...guest(lab, "rome", "cl-raw", SEV), bootDisk: { path: lab.image("rome", "cl-raw.img", "raw"), format: "qcow2" as const } };
  const wrong = await p.check!({}, raw as unknown as Record<string, unknown>);
  t.regex(wrong.failures?.[0]?.reason ?? "", /boot disk \/var\/lib\/libvirt\/images\/cl-raw\.img is a raw image, declared qcow2/);
  t.false((await lab.domains("rome")).some((d) => d === "cl-absent" || d === "cl-raw"));
});

test("a paused guest's launch measurement comes from QEMU through libvirt", async (t) => {
  const { lab } = t.context;
  const out: SevGuestOutputs = await checkAndCreate(guest(lab, "rome", "cl-launch", SEV_ES, { startPaused: true }));
  t.teardown(async () => {
    await p.delete!(out.uuid, out);
  });
  const info = await lab.sh("rome", ["virsh", "domlaunchsecinfo", "cl-launch"]);
  t.regex(info, /^sev-measurement\s*: [A-Za-z0-9+/]{64}$/m);
  t.regex(info, /^sev-policy\s*: 55$/m);
  const qmp = readFileSync(join(lab.host("rome").folder, "state", "qemu", "cl-launch.qmp.log"), "utf8");
  t.regex(qmp, /"execute": "query-sev-launch-measure"/, "asked of QEMU by libvirt, not answered by a shim");
});

/** The files of the images folder of a lab host that belong to a guest (its name in theirs, markers included): the tests here run side by side. */
async function imageFiles(lab: TestLab, host: string, guest: string): Promise<string[]> {
  const all = (await lab.sh(host, ["ls", "-A", "/var/lib/libvirt/images"])).split("\n");
  return all.filter((f) => f.includes(guest) || f.includes("cl-base")).sort();
}

test("a root disk from an image, a virtio-blk data disk and a seed reach QEMU: each with iommu_platform where virtio; delete removes exactly what was made", async (t) => {
  const { lab } = t.context;
  const image = lab.image("rome", "cl-base.qcow2");
  const before = await imageFiles(lab, "rome", "cl-made");
  const inputs = guest(lab, "rome", "cl-made", SEV, {
    bootDisk: { image },
    dataDisks: [
      { sizeGiB: 2, bus: "virtio" },
      { sizeGiB: 1, bus: "sata" },
    ],
    cloudInit: { userData: "#cloud-config\n" },
  });
  const out = await checkAndCreate(inputs);
  const a = parseArgv(lab.qemuArgv("rome", "cl-made"));
  const files = a.blockdevs.map((b) => b.filename).filter((f): f is string => typeof f === "string");
  for (const f of ["cl-made.qcow2", "cl-base.qcow2", "cl-made-data-1.qcow2", "cl-made-data-2.qcow2", "cl-made-cidata.iso"]) {
    t.true(files.includes(`/var/lib/libvirt/images/${f}`), `${f} is on QEMU's command line (the overlay's backing file too)`);
  }
  const blk = a.devices.filter((d) => d.driver === "virtio-blk-pci");
  t.is(blk.length, 1, "the virtio data disk");
  t.is(blk[0].iommu_platform, true);
  t.false(
    a.devices.some((d) => d.driver === "ide-hd" && d.bootindex === 1),
    "the boot disk is not on IDE",
  );
  t.deepEqual(
    out.createdFiles,
    ["cl-made.qcow2", "cl-made-data-1.qcow2", "cl-made-data-2.qcow2", "cl-made-cidata.iso"].map((f) => `/var/lib/libvirt/images/${f}`),
  );
  await p.delete!(out.uuid, out);
  t.deepEqual(await imageFiles(lab, "rome", "cl-made"), before, "the base image stays, the rest is gone with its markers");
  t.deepEqual(before, ["cl-base.qcow2"]);
});

test("files are made all or nothing: when one cannot be made, or the define fails after them, nothing of the guest is left", async (t) => {
  const { lab } = t.context;
  const image = lab.image("rome", "cl-base.qcow2");
  const before = await imageFiles(lab, "rome", "cl-half");
  const noFolder = guest(lab, "rome", "cl-half", SEV, { bootDisk: { image }, dataDisks: [{ sizeGiB: 1, path: "/var/lib/libvirt/images/nowhere/d.qcow2" }] });
  const err = await t.throwsAsync(p.create(noFolder as unknown as Record<string, unknown>));
  t.regex(
    err!.message,
    /cannot create \/var\/lib\/libvirt\/images\/nowhere\/d\.qcow2: its folder \/var\/lib\/libvirt\/images\/nowhere does not exist/,
    err!.message,
  );
  t.deepEqual(await imageFiles(lab, "rome", "cl-half"), before, "the root disk made before it was removed again");

  const refused = guest(lab, "rome", "cl-refused-files", { ...SEV, name: "sev.huge", vcpus: 1024 }, { bootDisk: { image }, cloudInit: { userData: "x" } });
  const define = await t.throwsAsync(p.create(refused as unknown as Record<string, unknown>));
  t.regex(define!.message, /Maximum CPUs greater than specified machine type limit/, define!.message);
  t.deepEqual(await imageFiles(lab, "rome", "cl-refused-files"), before, "the define failed: its root disk and seed were removed");
  t.false((await lab.domains("rome")).some((d) => d.startsWith("cl-half") || d.startsWith("cl-refused")));
});

test("a file an interrupted run left with this guest's marker is taken over; one without it is refused at check and at create, and left as it is", async (t) => {
  const { lab } = t.context;
  const image = lab.image("rome", "cl-base.qcow2");
  const inputs = guest(lab, "rome", "cl-left", SEV, { bootDisk: { image } });
  lab.image("rome", "cl-left.qcow2"); // another file where the root disk would go
  const checked = await p.check!({}, inputs as unknown as Record<string, unknown>);
  t.regex(checked.failures?.[0]?.reason ?? "", /cl-left\.qcow2, which up would create for this guest, already exists and is not this guest's/);
  await t.throwsAsync(p.create(inputs as unknown as Record<string, unknown>), { message: /exists and is not this guest's/ });
  t.true((await imageFiles(lab, "rome", "cl-left")).includes("cl-left.qcow2"), "the other file stays");
  const uuid = uuidOf(inputs as SevGuestInputs);
  await lab.sh("rome", ["sh", "-c", 'printf "%s\\n" "$1" > /var/lib/libvirt/images/.cl-left.qcow2.pulumi-sev', "mark", uuid]);
  t.deepEqual((await p.check!({}, inputs as unknown as Record<string, unknown>)).failures ?? [], [], "marked as this guest's: taken over");
  const out = await checkAndCreate(inputs);
  await p.delete!(out.uuid, out);
  t.deepEqual(await imageFiles(lab, "rome", "cl-left"), ["cl-base.qcow2"], "delete removed the file it took over, and its marker");
});
