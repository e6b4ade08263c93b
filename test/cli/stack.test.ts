/** sev-capacity's slot attribution (--stack) and over-commitment, with SEV domains defined on a lab Rome host. */
import anyTest, { TestFn } from "ava";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { renderDomainXml, stableUuid } from "../../provider/core/domain-xml";
import { resolveFlavor } from "../../provider/core/flavor";
import { defineDomain } from "../../provider/effects/libvirt";
import { inspect } from "../../provider/host/operations";
import { targetOf } from "../../provider/host/target";
import { startLab, TestLab } from "../helpers/lab";
import { CliRun, runCli } from "../helpers/cli";

const test = anyTest as TestFn<{ lab: TestLab; dir: string }>;

/** Defines an SEV guest (not started) owned by project/stack, as SevGuest would. */
async function defineOwned(lab: TestLab, name: string, project: string, stack: string): Promise<void> {
  const inputs = lab.inputs("rome");
  const { facts } = await inspect(inputs);
  const urn = `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic/sev:SevGuest::${name}`;
  const xml = renderDomainXml({
    name,
    uuid: stableUuid(urn),
    libvirtVersion: facts.libvirtVersion,
    caps: facts.domcaps!,
    flavor: resolveFlavor({ name: "sev.small", vcpus: 1, memory: "1G", disk: 10, extraSpecs: { "hw:mem_encryption": true } }),
    bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2`, format: "qcow2" },
    owner: { project, stack, urn },
  });
  await defineDomain({ target: targetOf(inputs), uri: "qemu:///system" }, xml);
}

test.before(async (t) => {
  const lab = await startLab(__filename, ["rome"]);
  t.context.lab = lab;
  t.context.dir = mkdtempSync(join(tmpdir(), "sev-capacity-stack-"));
  await defineOwned(lab, "mine-1", "p", "s");
  await defineOwned(lab, "theirs-1", "p", "other");
});
test.after.always((t) => t.context.lab?.stop());

const cli = runCli;

/** The lab host as the lab wrote it (inline passphrase), with extra fields. */
function inventory(t: { context: { lab: TestLab; dir: string } }, name: string, extra: Record<string, unknown> = {}): string {
  const file = join(t.context.dir, name);
  writeFileSync(file, JSON.stringify({ hosts: [{ ...t.context.lab.host("rome"), ...extra }] }));
  return file;
}

const sevPool = (r: CliRun) => (JSON.parse(r.stdout) as { hosts: { pools: { sev: Record<string, unknown> } }[] }).hosts[0].pools.sev;

test("the libvirt domains are there, owned by p/s and p/other", async (t) => {
  const names = await t.context.lab.sh("rome", ["virsh", "list", "--all", "--name"]);
  t.regex(names, /mine-1/);
  t.regex(names, /theirs-1/);
});

test("--stack p/s counts the p/s domain as this stack's and the other as others'", async (t) => {
  const r = await cli(["--inventory", inventory(t, "rome.json"), "--json", "--stack", "p/s"]);
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { stack: string }).stack, "p/s");
  t.deepEqual(sevPool(r), { total: 59, source: "domcapabilities", used: 2, usedByThisStack: 1, usedByOthers: 1, free: 57, overcommittedBy: 0, miscCurrent: 0 });

  const table = await cli(["--inventory", inventory(t, "rome.json"), "--stack", "p/s"]);
  t.regex(table.stdout, /^rome\s+ready\s+sev\s+59\s+2\s+1\s+1\s+57\s+domcapabilities$/m);
  t.regex(table.stdout, /"this stack" is p\/s\.$/m);
  const md = await cli(["--inventory", inventory(t, "rome.json"), "--stack", "p/s", "--markdown"]);
  t.regex(md.stdout, /\| ✅ \| rome \| ready \| 2 \/ 59 \(1 this stack, 57 free\) \|/);
});

test("without --stack every used slot is others'; an organisation prefix is accepted and dropped", async (t) => {
  const none = await cli(["--inventory", inventory(t, "rome.json"), "--json"]);
  t.is(none.code, 0, none.stderr);
  t.like(sevPool(none), { used: 2, usedByThisStack: 0, usedByOthers: 2, free: 57 });
  const other = await cli(["--inventory", inventory(t, "rome.json"), "--json", "--stack", "acme/p/other"]);
  t.like(sevPool(other), { used: 2, usedByThisStack: 1, usedByOthers: 1 });
  const stranger = await cli(["--inventory", inventory(t, "rome.json"), "--json", "--stack", "q/s"]);
  t.like(sevPool(stranger), { usedByThisStack: 0, usedByOthers: 2 });
});

test("a pool with more SEV domains than slots is over-committed: exit 1, flagged in every format", async (t) => {
  const over = inventory(t, "rome-max1.json", { maxGuests: { sev: 1 } });
  const r = await cli(["--inventory", over, "--json"]);
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; summary: { overcommittedPools: number }; hosts: { status: string; ok: boolean }[] };
  t.false(report.ok);
  t.is(report.summary.overcommittedPools, 1);
  t.like(report.hosts[0], { status: "ready", ok: false });
  t.like(sevPool(r), { total: 1, source: "override", used: 2, free: 0, overcommittedBy: 1 });

  const table = await cli(["--inventory", over]);
  t.is(table.code, 1);
  t.regex(table.stdout, /^rome\s+ready\s+sev\s+1\s+2\s+-\s+2\s+over by 1\s+override$/m);
  t.regex(table.stdout, /^rome: the sev pool is over-committed: 2 SEV domains defined, 1 slot \(override\)$/m);
  const md = await cli(["--inventory", over, "--markdown"]);
  t.regex(md.stdout, /^\| ❌ \| rome \| ready; \*\*the sev pool is over-committed/m);

  const full = await cli(["--inventory", inventory(t, "rome-max2.json", { maxGuests: { sev: 2 } }), "--json"]);
  t.is(full.code, 0, "a full pool (used = total) is not over-committed");
  t.like(sevPool(full), { total: 2, used: 2, free: 0, overcommittedBy: 0 });
});

test("an override above what the host reports makes the host fail with the reason, exit 1", async (t) => {
  const r = await cli(["--inventory", inventory(t, "rome-max100.json", { maxGuests: { sev: 100 } }), "--json"]);
  t.is(r.code, 1);
  const host = (JSON.parse(r.stdout) as { hosts: { status: string; error: string }[] }).hosts[0];
  t.is(host.status, "error");
  t.regex(host.error, /maxGuests override 100 for pool sev exceeds the detected 59/);
});
