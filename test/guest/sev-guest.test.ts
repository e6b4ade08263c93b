/** SevGuest's provider against lab hosts: the libvirt test driver really stores and returns the domains. */
import anyTest, { TestFn } from "ava";
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { sevGuestProvider as p } from "../../provider/resources/sev-guest-provider";
import { SevGuestOutputs } from "../../provider/guest/operations";
import { SevGuestInputs } from "../../provider/generated/sev-guest";
import { SevFlavorInputs } from "../../provider/generated/sev-flavor";
import { exec } from "../../provider/effects/ssh";
import { defineStartAndRead } from "../../provider/effects/libvirt";
import { targetOf } from "../../provider/host/target";
import { inspectRecent } from "../../provider/host/recent";
import { viewOfDomain } from "../../provider/core/parse/guest";
import { startLab, TestLab } from "../helpers/lab";
import { checkAndCreate } from "../helpers/guest";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome", "rome-es-pool-empty"]);
});
test.after.always((t) => t.context.lab?.stop());

const SEV: SevFlavorInputs = { name: "sev.small", vcpus: 2, memory: "4G", disk: 20, extraSpecs: { "hw:mem_encryption": true } };
const SEV_ES: SevFlavorInputs = { ...SEV, name: "sev-es.small", extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" } };

function guest(lab: TestLab, host: string, name: string, flavor = SEV, extra: Partial<SevGuestInputs> = {}): SevGuestInputs {
  return {
    host: lab.inputs(host),
    flavor,
    name,
    bootDisk: { path: lab.image(host, `${name}.qcow2`), format: "qcow2" },
    owner: { project: "test", stack: "dev", urn: `urn:pulumi:dev::test::pulumi-nodejs:dynamic/sev:SevGuest::${name}` },
    ...extra,
  };
}

const create = checkAndCreate;

const virsh = (lab: TestLab, host: string, ...args: string[]) => lab.sh(host, ["virsh", ...args]);

test.serial("create defines and starts an SEV domain that libvirt stores; delete removes it", async (t) => {
  const { lab } = t.context;
  const out = await create(guest(lab, "rome", "web-1"));
  t.is(out.state, "running");
  t.is(out.model, "sev");
  t.is(out.policy, "0x0033");
  t.deepEqual(out.drift, []);
  const xml = await virsh(lab, "rome", "dumpxml", "web-1");
  t.regex(xml, /<launchSecurity type='sev'>/);
  t.regex(xml, /<cbitpos>47<\/cbitpos>/);
  t.regex(xml, /<locked\/>/);
  t.regex(xml, new RegExp(out.uuid));
  t.regex(xml, /pulumi-sev\.dev\/xmlns\/owner/);

  const read = await p.read!(out.uuid, out);
  t.is(read.id, out.uuid);
  t.deepEqual((read.props as SevGuestOutputs).drift, []);

  await p.delete!(out.uuid, out);
  t.notRegex(await virsh(lab, "rome", "list", "--all", "--name"), /web-1/);
});

test.serial("out-of-band edits show as drift on refresh and an update repairs them", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "db-1");
  const out = await create(inputs);
  const edited = (await virsh(lab, "rome", "dumpxml", "--inactive", out.uuid))
    .replace(/<launchSecurity[\s\S]*?<\/launchSecurity>/, "")
    .replace(/<memory unit=.KiB.>\d+<\/memory>/, "<memory unit='KiB'>2097152</memory>")
    .replace(/<currentMemory unit=.KiB.>\d+<\/currentMemory>/, "<currentMemory unit='KiB'>2097152</currentMemory>");
  t.notRegex(edited, /launchSecurity|4194304/, "the edit took");
  await exec(targetOf(inputs.host), ["virsh", "define", "/dev/stdin"], { stdin: edited });
  const refreshed = (await p.read!(out.uuid, out)).props as SevGuestOutputs;
  t.true(
    refreshed.drift.some((d) => /not SEV-encrypted: no launchSecurity/.test(d)),
    refreshed.drift.join("; "),
  );
  t.true(
    refreshed.drift.some((d) => /memory is 2097152 KiB, expected 4194304 KiB/.test(d)),
    refreshed.drift.join("; "),
  );
  t.true((await p.diff!(out.uuid, refreshed, inputs)).changes);
  const repaired = (await p.update!(out.uuid, refreshed, inputs)).outs as SevGuestOutputs;
  t.deepEqual(repaired.drift, []);
  t.regex(await virsh(lab, "rome", "dumpxml", "--inactive", "db-1"), /<launchSecurity type='sev'>/);
  await p.delete!(out.uuid, repaired);
});

test.serial("a domain undefined out of band disappears on refresh", async (t) => {
  const { lab } = t.context;
  const out = await create(guest(lab, "rome", "gone-1", SEV, { start: false }));
  t.is(out.state, "shut off");
  await virsh(lab, "rome", "undefine", "--nvram", out.uuid);
  t.deepEqual(await p.read!(out.uuid, out), {});
});

test.serial("an SEV-ES flavor renders the ES policy; a new flavor updates in place", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "es-1", SEV_ES);
  const out = await create(inputs);
  t.is(out.model, "sev-es");
  t.is(out.policy, "0x0037");
  const bigger = { ...inputs, flavor: { ...SEV_ES, memory: "8G" } };
  const d = await p.diff!(out.uuid, out, bigger);
  t.true(d.changes);
  t.deepEqual(d.replaces, []);
  const updated = (await p.update!(out.uuid, out, bigger)).outs as SevGuestOutputs;
  t.is(updated.uuid, out.uuid);
  t.regex(await virsh(lab, "rome", "dumpxml", "--inactive", "es-1"), /<memory unit='KiB'>8388608<\/memory>/);
  t.deepEqual((await p.diff!(out.uuid, out, { ...inputs, name: "es-2" })).replaces, ["name"]);
  await p.delete!(out.uuid, updated);
});

test.serial("creates that wait for the host lock together share one hold: judged one after another, only the slots left are defined", async (t) => {
  const { lab } = t.context;
  const used = (await virsh(lab, "rome", "list", "--all", "--name")).split("\n").filter((n) => n.trim() && n.trim() !== "test").length;
  const capped = (name: string) => ({ ...guest(lab, "rome", name), host: lab.inputs("rome", { maxGuests: { sev: used + 2 } }) });
  await inspectRecent(capped("batch-0").host);
  const before = lab.sshdLog("rome").length;
  const results = await Promise.allSettled(["batch-1", "batch-2", "batch-3", "batch-4"].map((n) => p.create(capped(n))));
  const made = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.outs as SevGuestOutputs] : []));
  t.is(made.length, 2, results.map((r) => (r.status === "rejected" ? (r.reason as Error).message : "created")).join("\n"));
  for (const r of results) if (r.status === "rejected") t.regex((r.reason as Error).message, /sev slot pool cannot hold 1 new guest/);
  const channels = lab
    .sshdLog("rome")
    .slice(before - 1)
    .filter((l) => /Starting session: command/.test(l)).length;
  // Each create: its share of the lock hold (with the slot count), and one channel that defines, starts and reads.
  t.true(channels <= 2 * made.length, `${channels} exec channels for ${made.length} created guests`);
  for (const out of made) await p.delete!(out.uuid, out);
});

test.serial("a guest whose start fails leaves nothing defined", async (t) => {
  const { lab } = t.context;
  // libvirt's cached capabilities still say 450 SEV-ES slots, but the kernel now has none (say, after
  // a BIOS change): the provider's count passes and QEMU fails at start, as it would on real hardware.
  const misc = join(lab.host("rome").folder, "root", "cgroup", "misc.capacity");
  const before = readFileSync(misc, "utf8");
  writeFileSync(misc, "sev 59\nsev_es 0\n");
  try {
    const err = await t.throwsAsync(create(guest(lab, "rome", "es-nopool", SEV_ES)));
    t.regex(err!.message, /did not start, and its definition was removed again \(nothing of it is left on the host\)/);
    t.regex(err!.message, /sev_guest_init: failed to initialize ret=-16/);
    t.notRegex(await virsh(lab, "rome", "list", "--all", "--name"), /es-nopool/);
  } finally {
    writeFileSync(misc, before);
  }
});

test.serial("an empty SEV-ES pool refuses the guest before anything is defined", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome-es-pool-empty", "es-1", SEV_ES);
  const checked = await p.check!({}, inputs as unknown as Record<string, unknown>);
  t.is(checked.failures!.length, 1);
  t.regex(checked.failures![0].reason, /sev-es slot pool cannot hold 1 new guest: total 0 \(domcapabilities\)/);
  const err = await t.throwsAsync(p.create(inputs));
  t.regex(err!.message, /Guests that do not fit: es-1/);
  t.notRegex(await virsh(lab, "rome-es-pool-empty", "list", "--all", "--name"), /es-1/);
});

test.serial("read finds an existing domain by name or by UUID", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "legacy-1");
  const made = await create(inputs);
  for (const id of ["legacy-1", made.uuid]) {
    const imported = await p.read!(id, inputs as SevGuestOutputs);
    t.is(imported.id, made.uuid);
    t.is((imported.props as SevGuestOutputs).model, "sev");
    t.deepEqual((imported.props as SevGuestOutputs).drift, []);
  }
  await p.delete!(made.uuid, made);
});

test.serial("a guest left defined by an interrupted run is taken over; another's domain of the same name is refused", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "twice-1");
  const first = await create(inputs);
  const again = await create(inputs);
  t.is(again.uuid, first.uuid);
  t.deepEqual(await virsh(lab, "rome", "list", "--all", "--name").then((o) => o.split("\n").filter((l) => l.trim() === "twice-1")), ["twice-1"]);
  const foreign = { ...inputs, owner: { ...inputs.owner, urn: inputs.owner.urn.replace("::twice-1", "::other") } };
  const err = await t.throwsAsync(create(foreign));
  t.regex(err!.message, /a domain twice-1 is already defined and is not this guest's; adopt it \(adopt: true/);
  await p.delete!(first.uuid, first);
});

test.serial("a bad flavor is one error listing every problem, and nothing is defined", async (t) => {
  const { lab } = t.context;
  const before = await virsh(lab, "rome", "list", "--all", "--name");
  const bad = guest(lab, "rome", "bad-1", {
    name: "bad",
    vcpus: 0,
    memory: "4G",
    disk: 20,
    extraSpecs: { "hw:mem_encryption": true, "pulumi-sev:disk_bus": "virtio", "pulumi-sev:machine_type": "pc-i440fx-8.2", "pulumi-sev:firmware_type": "bios" },
  });
  const r = await p.check!({}, bad as unknown as Record<string, unknown>);
  const reasons = r.failures!.map((f) => f.reason).join("\n");
  for (const re of [/vcpus/, /virtio/, /q35/, /UEFI|uefi/]) t.regex(reasons, re);
  await t.throwsAsync(p.create(bad));
  t.is(await virsh(lab, "rome", "list", "--all", "--name"), before);
});

test.serial("adopt without a domain of that name is refused at check and at create, and nothing is defined", async (t) => {
  const { lab } = t.context;
  const inputs = guest(lab, "rome", "ghost-1", SEV, { adopt: true });
  const checked = await p.check!({}, inputs as unknown as Record<string, unknown>);
  t.deepEqual(
    checked.failures!.map((f) => f.property),
    ["adopt"],
  );
  t.regex(checked.failures![0].reason, /adopt is set but no domain named ghost-1 is defined there: nothing to adopt/);
  const err = await t.throwsAsync(p.create(inputs));
  t.regex(err!.message, /nothing to adopt, and nothing was created\. Fix: .*remove adopt: true to create a new guest/);
  t.notRegex(await virsh(lab, "rome", "list", "--all", "--name"), /ghost-1/);
});

test.serial("an adopted domain that was shut off keeps its UUID, gains this stack's ownership and is started", async (t) => {
  const { lab } = t.context;
  const made = await create(guest(lab, "rome", "old-1", SEV, { start: false }));
  const madeXml = await virsh(lab, "rome", "dumpxml", "--inactive", made.uuid);
  await virsh(lab, "rome", "undefine", "--nvram", made.uuid);
  const uuid = "3e1d2c4b-5a69-4788-9aab-bccddeeff001";
  const foreign = madeXml.replace(/<metadata>[\s\S]*?<\/metadata>/, "").replace(made.uuid, uuid);
  await exec(targetOf(lab.inputs("rome")), ["virsh", "define", "/dev/stdin"], { stdin: foreign });
  t.notRegex(await virsh(lab, "rome", "dumpxml", "old-1"), /pulumi-sev\.dev\/xmlns\/owner/);
  const inputs = guest(lab, "rome", "old-1", SEV, { adopt: true });
  const adopted = await create(inputs);
  t.is(adopted.uuid, uuid);
  t.is(adopted.state, "running");
  t.deepEqual(adopted.drift, []);
  t.deepEqual(viewOfDomain(await virsh(lab, "rome", "dumpxml", "--inactive", "old-1")).owner, inputs.owner);
  t.false((await p.diff!(uuid, adopted, { ...inputs, adopt: false })).changes, "adopt alone changes nothing");
  const again = await p.check!(inputs as unknown as Record<string, unknown>, inputs as unknown as Record<string, unknown>);
  t.deepEqual(again.failures, [], "once managed, adopt is not judged again");
  await p.delete!(uuid, adopted);
  t.notRegex(await virsh(lab, "rome", "list", "--all", "--name"), /old-1/);
});

test.serial("the domain XML travels in the create's script as it is: nothing in it is run or expanded by the shell", async (t) => {
  const { lab } = t.context;
  const marker = `/tmp/sev-heredoc-${process.pid}`;
  const uuid = "2b1f3c4d-0000-4000-8000-00000000beef";
  // Lines that would end a here-document or run a command if the XML were part of the shell line.
  const description = `$(touch ${marker}) \`touch ${marker}\` '"; touch ${marker}; '\nEOF\n@@defined@@\n$1 $HOME`;
  const xml = `<domain type='kvm'>\n<name>heredoc-1</name>\n<uuid>${uuid}</uuid>\n<description>${description}</description>\n<memory>1048576</memory>\n<os><type arch='x86_64' machine='q35'>hvm</type></os>\n</domain>`;
  const l = { target: targetOf(lab.inputs("rome")), uri: "qemu:///system" };
  const { defined, started } = defineStartAndRead(l, xml, uuid, "no");
  await defined;
  const now = await started;
  t.is(now.state, "shut off");
  t.is(viewOfDomain(now.xml!).uuid, uuid);
  const shown = now.xml!.replaceAll("&apos;", "'").replaceAll("&quot;", '"');
  t.true(shown.includes(`<description>${description}</description>`), now.xml!);
  t.is((await lab.sh("rome", ["sh", "-c", `test -e ${marker} && echo ran || echo clean`])).trim(), "clean");
  await virsh(lab, "rome", "undefine", uuid);
});
