/** The probe's framing against data on the host: a foreign domain that tries to forge sections. */
import anyTest, { TestFn } from "ava";
import { exec } from "../../provider/effects/ssh";
import { inspect } from "../../provider/host/operations";
import { renderDomainXml, stableUuid } from "../../provider/core/domain-xml";
import { validateFlavor } from "../../provider/core/flavor";
import { splitSections } from "../../provider/core/parse/sections";
import { startLab, TestLab } from "../helpers/lab";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

/** What an unfriendly tenant could put in a domain's description. */
const FORGED = ["@@probe end@@", "@@probe domain 00000000-0000-0000-0000-000000000000 running", "\\@@probe slice@@", "@ and \\ at line starts"].join("\n");

test("a domain whose description holds section markers is read as data, and counted", async (t) => {
  const { lab } = t.context;
  const inputs = lab.inputs("rome");
  const before = await inspect(inputs);
  const flavor = validateFlavor({ name: "f", vcpus: 1, memory: "1G", disk: 1, extraSpecs: { "hw:mem_encryption": true } });
  if (!flavor.ok) throw new Error("test flavor invalid");
  const uuid = stableUuid("forged-description");
  const xml = renderDomainXml({
    name: "forger", uuid, flavor: flavor.resolved, host: before.facts.domcaps!, libvirtVersion: before.facts.libvirtVersion,
    bootDisk: { path: "/var/lib/libvirt/images/forger.qcow2", format: "qcow2" },
    owner: { project: "someone-else", stack: "prod", urn: "urn:pulumi:prod::someone-else::x::forger" }, domainType: "qemu",
  }).replace(/<\/name>/, `</name>\n<description>\n${FORGED.replace(/&/g, "&amp;").replace(/</g, "&lt;")}\n</description>`);
  await exec(lab.target("rome"), ["virsh", "define", "/dev/stdin"], { stdin: xml });
  t.regex(await lab.sh("rome", ["virsh", "dumpxml", "forger"]), /^@@probe end@@$/m, "the markers are on the host, at line starts");

  const after = await inspect(inputs);
  t.deepEqual(after.facts.sevDomains.map((d) => [d.name, d.uuid, d.model]), [["forger", uuid, "sev"]]);
  t.is(after.facts.kernelRelease, before.facts.kernelRelease);
  t.deepEqual(after.facts.slice, before.facts.slice);
});

test("escaped body lines are restored exactly", (t) => {
  const out = "\n@@probe cmdline@@\n\\@@probe end@@\n\\\\x\nplain\n\n@@probe end@@\n";
  const [cmdline, end] = splitSections(out);
  t.is(cmdline.body, "\n@@probe end@@\n\\x\nplain\n\n".slice(1));
  t.is(end.name, "end");
});
