/**
 * The policy pack through the real engine: `pulumi preview --policy-pack policy/` on a program that
 * breaks every rule and on one that keeps them all, against a lab host.
 */
import anyTest, { TestFn } from "ava";
import { writeFileSync } from "fs";
import { join } from "path";
import { repoRoot } from "../../lab/lab";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack, RunResult, withStack } from "../helpers/engine";

const test = anyTest as TestFn<{ lab: TestLab }>;
const policyDir = join(repoRoot, "policy");

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

function packConfig(s: EngineStack, name: string, config: object): string {
  const file = join(s.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function previewWithPack(s: EngineStack, config?: string): Promise<RunResult> {
  return s.run(["preview", "--policy-pack", policyDir, ...(config ? ["--policy-pack-config", config] : [])]);
}

/** The CLI's line for one violation: `- [mandatory] [severity: high]  name  (type: resource)`. */
function violation(level: string, policy: string, type: string, resource: string): RegExp {
  return new RegExp(`\\[${level}\\] \\[severity: \\w+\\]\\s+${policy}\\s+\\(pulumi-nodejs:dynamic/sev:${type}: ${resource.replace(/\./g, "\\.")}\\)`);
}

const RESOURCE_POLICIES: Array<[string, string, string]> = [
  ["sev-guest-memory-encrypted", "SevGuest", "refused-1"],
  ["sev-guest-encrypted-state", "SevGuest", "plain-1"],
  ["sev-guest-encrypted-state", "SevGuest", "debug-1"],
  ["sev-guest-policy-nodbg-noks", "SevGuest", "debug-1"],
  ["sev-guest-q35-uefi", "SevGuest", "refused-1"],
  ["sev-guest-no-virtio-blk-boot", "SevGuest", "refused-1"],
  ["sev-host-machine-slice-limit", "SevHost", "rome"],
];

test.serial("violations: every policy fires, with its enforcement level; the levels follow the pack config", async (t) => {
  const { lab } = t.context;
  // The host's slot capacity is an output: put the host in the state first (without the pack).
  const config = { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", "policytest:stage": "host" };
  lab.images("rome", ["plain-1", "debug-1", "refused-1"]);
  await withStack("dist/test/programs/policy-violations/index.js", config, async (s) => {
    const up = await s.up();
    t.is(up.code, 0, up.text);
    const requireEs = packConfig(s, "require-es", { "sev-guest-encrypted-state": { requireEncryptedState: true } });

    // Every resource policy at once. refused-1 also fails the provider's check; the engine runs the
    // policies on it first, then stops the preview, so no stack policy runs in this one.
    await s.setConfig("policytest:stage", "all");
    const all = await previewWithPack(s, requireEs);
    t.not(all.code, 0, all.text);
    for (const [policy, type, resource] of RESOURCE_POLICIES) t.regex(all.text, violation("mandatory", policy, type, resource), `${policy} on ${resource}`);
    t.regex(all.text, /SevGuest refused-1 \(flavor sev\.plain\): found flavor sev\.plain hw:mem_encryption true, image hw_mem_encryption false/);
    t.regex(
      all.text,
      /SevGuest refused-1 \(flavor sev\.plain\): found flavor sev\.plain pulumi-sev:disk_bus not set, image hw_disk_bus "virtio": a virtio-blk boot disk/,
    );
    t.regex(
      all.text,
      /SevGuest debug-1 \(flavor sev\.debug\): found amd-sev policy 0x0030 \(flavor sev\.debug policy "0x0030" with allowDebug: true\) clears NODBG/,
    );
    t.regex(all.text, /SevHost rome \(127\.0\.0\.1:\d+\): found no memoryLimit/);
    t.regex(all.text, /refused-1.*hw_disk_bus virtio is refused for the boot disk/, "the provider's own check refuses refused-1 too");
    t.notRegex(all.text, /sev-host-slot-headroom\s+\(/);

    // Without the refused guest the preview completes its steps and the stack policy runs.
    await s.setConfig("policytest:stage", "guests");
    const guests = await previewWithPack(s, requireEs);
    t.not(guests.code, 0, guests.text);
    t.regex(guests.text, violation("advisory", "sev-host-slot-headroom", "SevHost", "rome"));
    t.regex(
      guests.text,
      /SevHost rome \(127\.0\.0\.1:\d+\): found 0 free sev slots after this change \(total 2 from override, used by others 0, used by this stack 0, new guests of this stack 2 \((plain-1, debug-1|debug-1, plain-1)\)\)\. Required: at least 1 free sev slot per host after the change \(minFreeSlots\)\. Fix: /,
    );
    for (const [policy, type, resource] of RESOURCE_POLICIES.filter(([, , r]) => r !== "refused-1")) {
      t.regex(guests.text, violation("mandatory", policy, type, resource), `${policy} on ${resource}`);
    }

    // Enforcement levels and settings come from the pack's config.
    const relaxed = packConfig(s, "relaxed", {
      "sev-host-slot-headroom": { enforcementLevel: "mandatory", minFreeSlots: 1 },
      "sev-guest-policy-nodbg-noks": "advisory",
      "sev-host-machine-slice-limit": "disabled",
    });
    const configured = await previewWithPack(s, relaxed);
    t.not(configured.code, 0, configured.text);
    t.regex(configured.text, violation("mandatory", "sev-host-slot-headroom", "SevHost", "rome"));
    t.regex(configured.text, violation("advisory", "sev-guest-policy-nodbg-noks", "SevGuest", "debug-1"));
    t.notRegex(configured.text, /sev-host-machine-slice-limit\s+\(/);
    t.notRegex(configured.text, /sev-guest-encrypted-state\s+\(/, "requireEncryptedState defaults to false");

    // Nothing mandatory left: the preview passes with the advisory ones shown.
    const advisory = packConfig(s, "advisory", { all: "advisory" });
    const passing = await previewWithPack(s, advisory);
    t.is(passing.code, 0, passing.text);
    t.regex(passing.text, violation("advisory", "sev-guest-policy-nodbg-noks", "SevGuest", "debug-1"));
    t.regex(passing.text, violation("advisory", "sev-host-slot-headroom", "SevHost", "rome"));

    t.is((await s.destroy()).code, 0);
  });
});

test.serial("compliant: preview and up pass the pack; headroom is judged once the host's capacity is known", async (t) => {
  const { lab } = t.context;
  lab.images("rome", ["vault-1"]);
  await withStack("dist/test/programs/policy-compliant/index.js", { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome" }, async (s) => {
    const strict = packConfig(s, "strict", {
      "sev-guest-encrypted-state": { requireEncryptedState: true },
      "sev-host-slot-headroom": { enforcementLevel: "mandatory", minFreeSlots: 1 },
    });

    const preview = await previewWithPack(s, strict);
    t.is(preview.code, 0, preview.text);
    t.notRegex(preview.text, /\[(mandatory|advisory)\]/);
    t.regex(preview.text, /pulumi-sev@v0\.1\.0/);
    t.regex(
      preview.text,
      /sev-host-slot-headroom: note: SevHost rome \(127\.0\.0\.1:\d+\): slot capacity not known yet/,
      "a new host's capacity is unknown at preview",
    );

    const up = await s.up(["--policy-pack", policyDir, "--policy-pack-config", strict]);
    t.is(up.code, 0, up.text);
    t.notRegex(up.text, /\[(mandatory|advisory)\]/);

    const again = await previewWithPack(s, strict);
    t.is(again.code, 0, again.text);
    t.notRegex(again.text, /\[(mandatory|advisory)\]/);
    t.notRegex(again.text, /slot capacity not known yet/, "the host's capacity is in the state now");

    // Judged on the host's numbers: the host was probed before vault-1 existed, so vault-1 is new.
    const greedy = packConfig(s, "greedy", { "sev-host-slot-headroom": { enforcementLevel: "mandatory", minFreeSlots: 450 } });
    const before = await previewWithPack(s, greedy);
    t.not(before.code, 0, before.text);
    t.regex(
      before.text,
      /found 449 free sev-es slots after this change \(total 450 from domcapabilities, used by others 0, used by this stack 0, new guests of this stack 1 \(vault-1\)\)/,
    );
    // After a refresh the host lists vault-1 (with this stack's ownership): counted once, as used by this stack.
    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    const after = await previewWithPack(s, greedy);
    t.not(after.code, 0, after.text);
    t.regex(
      after.text,
      /found 449 free sev-es slots after this change \(total 450 from domcapabilities, used by others 0, used by this stack 1, new guests of this stack 0\)/,
    );

    t.is((await s.destroy()).code, 0);
  });
});
