/** The probe's framing against data on the host: a foreign domain that tries to forge sections. */
import anyTest, { TestFn } from "ava";
import { exec } from "../../provider/effects/ssh";
import { inspect } from "../../provider/host/operations";
import { renderDomainXml, stableUuid } from "../../provider/core/domain-xml";
import { validateFlavor } from "../../provider/core/flavor";
import { splitSections } from "../../provider/core/parse/sections";
import { parseSlotCount } from "../../provider/core/parse/probe";
import { slotCountCommand } from "../../provider/effects/host";
import { LOCK_READY, withHostLock } from "../../provider/effects/lock";
import { defineStartAndRead, startAndRead, stopAndUndefine, waitForAddresses } from "../../provider/effects/libvirt";
import { startLab, TestLab } from "../helpers/lab";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

/** What an unfriendly tenant could put in a domain's description. */
const FORGED = [
  "@@probe end@@",
  "@@probe domain 00000000-0000-0000-0000-000000000000 running",
  "\\@@probe slice@@",
  "@ and \\ at line starts",
  "locked",
  LOCK_READY,
  "@@probe start-failed@@",
  "@@start-failed@@",
  "@@probe xml@@",
  "@@probe defined@@",
  "@@defined@@",
  "@@probe locked@@",
  "@@probe first@@",
  "@@probe stopped destroyed@@",
  "@@probe undefined@@",
  "@@probe removed@@",
  "@@probe injected@@",
  "@@probe addresses 0@@",
].join("\n");

test.serial("a domain whose description holds section markers is read as data, and counted", async (t) => {
  const { lab } = t.context;
  const inputs = lab.inputs("rome");
  const before = await inspect(inputs);
  const flavor = validateFlavor({ name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } });
  if (!flavor.ok) throw new Error("test flavor invalid");
  const uuid = stableUuid("forged-description");
  const xml = renderDomainXml({
    name: "forger",
    uuid,
    flavor: flavor.resolved,
    caps: before.facts.domcaps!,
    libvirtVersion: before.facts.libvirtVersion,
    bootDisk: { path: "/var/lib/libvirt/images/forger.qcow2", format: "qcow2" },
    owner: { project: "someone-else", stack: "prod", urn: "urn:pulumi:prod::someone-else::x::forger" },
    domainType: "qemu",
  }).replace(/<\/name>/, `</name>\n<description>\n${FORGED.replace(/&/g, "&amp;").replace(/</g, "&lt;")}\n</description>`);
  await exec(lab.target("rome"), ["virsh", "define", "/dev/stdin"], { stdin: xml });
  t.regex(await lab.sh("rome", ["virsh", "dumpxml", "forger"]), /^@@probe end@@$/m, "the markers are on the host, at line starts");

  const after = await inspect(inputs);
  t.deepEqual(
    after.facts.sevDomains.map((d) => [d.name, d.uuid, d.model]),
    [["forger", uuid, "sev"]],
  );
  t.is(after.facts.kernelRelease, before.facts.kernelRelease);
  t.deepEqual(after.facts.slice, before.facts.slice);

  // Starting and reading it (the script every create, update and refresh runs) reads the same data as data.
  const now = await startAndRead({ target: lab.target("rome"), uri: "qemu:///system" }, uuid, "no");
  t.is(now.state, "shut off");
  t.is(now.startError, null);
  t.regex(now.xml ?? "", /^@@probe end@@$/m, "the definition is read whole, its forged lines as data");
  t.regex(now.xml ?? "", /<uuid>/);

  // The slot count a create takes under the host lock reads the same data before the lock's ready line.
  const count = await withHostLock(lab.target("rome"), 10, "probe test", async (printed) => parseSlotCount(printed), slotCountCommand("qemu:///system"));
  t.deepEqual(
    count.sevDomains.map((d) => [d.name, d.uuid, d.model]),
    [["forger", uuid, "sev"]],
  );

  // The define's mark, the wait for an address and the removal's steps: the same data stays data.
  const l = { target: lab.target("rome"), uri: "qemu:///system" };
  const redefined = defineStartAndRead(l, xml, uuid, "no");
  await redefined.defined;
  const read = await redefined.started;
  t.is(read.state, "shut off");
  t.false(read.started);
  t.regex(read.xml ?? "", /^@@probe defined@@$/m);
  const wait = await waitForAddresses(l, uuid, "lease", 0);
  t.deepEqual(wait.addresses, []);
  t.deepEqual(await stopAndUndefine(l, uuid, 5_000), { stopped: "was-off", undefined: true, removed: true });
  t.deepEqual(await stopAndUndefine(l, uuid, 5_000), { stopped: "absent", undefined: false, removed: true }, "a second removal finds nothing");
});

test.serial("a host with more domains than one virsh batch reads: every SEV domain is read, with its state", async (t) => {
  const { lab } = t.context;
  const inputs = lab.inputs("rome");
  const before = await inspect(inputs);
  const slotCount = () => withHostLock(lab.target("rome"), 10, "probe test", async (printed) => parseSlotCount(printed), slotCountCommand("qemu:///system"));
  const domainsBefore = (await slotCount()).uuids.length;
  const flavor = validateFlavor({ name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } });
  if (!flavor.ok) throw new Error("test flavor invalid");
  const sev = ["zz-sev-running", "zz-sev-stopped"].map((name) => ({ name, uuid: stableUuid(name) }));
  // 230 plain domains first, so the SEV ones (last in the list) fall in the second batch of 200.
  await lab.sh("rome", [
    "sh",
    "-c",
    `for i in $(seq -w 1 230); do printf "<domain type='kvm'><name>plain-$i</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>" | virsh define /dev/stdin >/dev/null || exit 1; done`,
  ]);
  for (const d of sev) {
    const xml = renderDomainXml({
      name: d.name,
      uuid: d.uuid,
      flavor: flavor.resolved,
      caps: before.facts.domcaps!,
      libvirtVersion: before.facts.libvirtVersion,
      bootDisk: { path: lab.image("rome", `${d.name}.qcow2`), format: "qcow2" },
      owner: { project: "someone-else", stack: "prod", urn: `urn:pulumi:prod::someone-else::x::${d.name}` },
      domainType: "qemu",
    });
    await exec(lab.target("rome"), ["virsh", "define", "/dev/stdin"], { stdin: xml });
  }
  await lab.sh("rome", ["virsh", "start", "zz-sev-running"]);
  try {
    const read = (await inspect(inputs)).facts.sevDomains.filter((d) => d.name.startsWith("zz-"));
    t.deepEqual(read.map((d) => [d.name, d.uuid, d.model, d.running]).sort(), [
      ["zz-sev-running", sev[0].uuid, "sev", true],
      ["zz-sev-stopped", sev[1].uuid, "sev", false],
    ]);
    const count = await slotCount();
    t.is(count.sevDomains.filter((d) => d.name.startsWith("zz-")).length, 2);
    t.is(count.uuids.length, domainsBefore + 232);
  } finally {
    await lab.sh("rome", [
      "sh",
      "-c",
      "virsh destroy zz-sev-running >/dev/null; for d in $(virsh list --all --name | grep -E '^(plain-|zz-sev-)'); do virsh undefine \"$d\" >/dev/null; done",
    ]);
  }
});

test("escaped body lines are restored exactly", (t) => {
  const out = "\n@@probe cmdline@@\n\\@@probe end@@\n\\\\x\nplain\n\n@@probe end@@\n";
  const [cmdline, end] = splitSections(out);
  t.is(cmdline.body, "\n@@probe end@@\n\\x\nplain\n\n".slice(1));
  t.is(end.name, "end");
});

test.serial("a domain that cannot be read is counted as used in every pool, and the host's report names it", async (t) => {
  const { lab } = t.context;
  const inputs = lab.inputs("rome", { maxGuests: { sev: 5, sevEs: 3 } });
  const before = await inspect(inputs);
  const uuid = stableUuid("unreadable-1");
  await exec(lab.target("rome"), ["virsh", "define", "/dev/stdin"], {
    stdin: `<domain type='kvm'><name>unreadable-1</name><uuid>${uuid}</uuid><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>`,
  });
  lab.fault("rome", "dumpxml-fails", uuid);
  try {
    const after = await inspect(inputs);
    t.deepEqual(
      after.facts.unreadableDomains.map((d) => d.uuid),
      [uuid],
    );
    t.is(after.capacity.sev.used, (before.capacity.sev.used ?? 0) + 1);
    t.is(after.capacity.sevEs.used, (before.capacity.sevEs.used ?? 0) + 1);
    const check = after.checks.find((c) => c.id === "domains-readable")!;
    t.is(check.verdict, "warn");
    t.true(check.found.includes(uuid) && /cannot read the configuration/.test(check.found), check.found);
  } finally {
    lab.fault("rome", "dumpxml-fails", null);
    await lab.sh("rome", ["virsh", "undefine", uuid]);
  }
  t.deepEqual((await inspect(inputs)).facts.unreadableDomains, []);
});
