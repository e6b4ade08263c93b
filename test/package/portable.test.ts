/**
 * The package as an operator uses it: built into its npm tarball, installed into a Pulumi project
 * outside the repo with the project's own @pulumi/pulumi, run against a lab host, and the project
 * then moved (another checkout, another CI runner) with the original gone.
 */
import anyTest, { TestFn } from "ava";
import { readFileSync, readdirSync, renameSync, rmSync, existsSync } from "fs";
import { homedir, tmpdir } from "os";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";
import { copiesOf, installProject, packTarball, Tarball } from "../helpers/package";
import { repoRoot } from "../../lab/lab";

const test = anyTest as TestFn<{ lab: TestLab; tarball: Tarball }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
  t.context.tarball = await packTarball();
});
test.after.always((t) => t.context.lab?.stop());

function hostConfig(lab: TestLab): { config: Record<string, string>; secrets: Record<string, string> } {
  const h = lab.host("rome");
  return {
    config: { "sev:address": h.address, "sev:port": String(h.port), "sev:user": h.user, "sev:hostKeyFingerprint": h.hostKeyFingerprint },
    secrets: { "sev:privateKey": readFileSync(h.privateKeyPath, "utf8"), "sev:passphrase": h.passphrase },
  };
}

interface StateResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

/** 0.1.0 had no SevSlotPlan: its state is this one without them, and without the guests' dependencies on them. */
function withoutSlotPlans(resources: StateResource[]): StateResource[] {
  const plans = new Set(resources.filter((r) => r.type.endsWith("sev:SevSlotPlan")).map((r) => r.urn));
  const kept = (urns: string[]) => urns.filter((u) => !plans.has(u));
  return resources
    .filter((r) => !plans.has(r.urn))
    .map((r) => ({
      ...r,
      ...(r.dependencies ? { dependencies: kept(r.dependencies) } : {}),
      ...(r.propertyDependencies ? { propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, kept(v)])) } : {}),
    }));
}
function resourcesOf(state: string): StateResource[] {
  return (JSON.parse(state).deployment.resources ?? []) as StateResource[];
}
const SEV_TYPES = /^pulumi-nodejs:dynamic\/sev:/;

/**
 * A guest's stored host input: its address and port, a secret because the program's host input is
 * one (the engine keeps an input's secretness), so only its size tells it from the connection (a
 * private key's ciphertext alone is over 500 characters).
 */
function keepsOnlyWhere(host: unknown): boolean {
  const ciphertext = (host as { ciphertext?: string } | undefined)?.ciphertext;
  return typeof ciphertext === "string" && ciphertext.length < 200;
}

test("the tarball ships what runs and nothing else", (t) => {
  const { files } = t.context.tarball;
  t.true(files.includes("dist/provider/index.js") && files.includes("dist/provider/index.d.ts"));
  t.true(files.includes("dist/provider/core/index.js") && files.includes("dist/provider/core/index.d.ts"));
  t.true(files.includes("dist/provider/resources/dynamic.js"));
  t.true(files.includes("dist/provider/effects/probe.sh"));
  const scripts = readdirSync(join(repoRoot, "provider", "effects")).filter((f) => f.endsWith(".sh"));
  t.true(scripts.length >= 10, scripts.join(", "));
  t.deepEqual(
    scripts.filter((f) => !files.includes(`dist/provider/effects/${f}`)),
    [],
    "every script the provider runs on a host ships",
  );
  t.true(files.includes("bin/sev-capacity"));
  const stray = files.filter((f) =>
    /^(test|lab|tools|examples|bench|policy|scripts|provider)\/|^dist\/(test|lab|examples|bench)\/|\.map$|\.ts$(?<!\.d\.ts)/.test(f),
  );
  t.deepEqual(stray, [], "no tests, lab, sources, Go tools or source maps");
  t.log(`tarball: ${files.length} files, ${t.context.tarball.size} bytes packed, ${t.context.tarball.unpackedSize} unpacked`);
});

test.serial(
  "installed from the tarball: up, then the project moves and the original is removed; refresh, preview and destroy work from the new place",
  async (t) => {
    const { lab, tarball } = t.context;
    const first = await installProject(tarball);
    lab.images("rome", ["app-1"]);
    t.deepEqual(copiesOf(first, "@pulumi/pulumi"), [join(first, "node_modules", "@pulumi", "pulumi")], "one @pulumi/pulumi: the project's own");
    t.deepEqual(copiesOf(first, "pulumi-sev"), [join(first, "node_modules", "pulumi-sev")]);

    const s = new EngineStack("", "ci", { projectDir: first });
    const moved = join(tmpdir(), `sev-infra-moved-${process.pid}`);
    try {
      const { config, secrets } = hostConfig(lab);
      await s.init(config, secrets);
      const up = await s.up();
      t.is(up.code, 0, up.text);
      t.deepEqual(await lab.domains("rome"), ["app-1"]);

      const state = await s.exportState();
      const machinePaths = [first, repoRoot, homedir(), `${tmpdir()}/`].filter((p) => state.includes(p));
      t.deepEqual(machinePaths, [], "the state names no path of this machine");
      const sev = resourcesOf(state).filter((r) => SEV_TYPES.test(r.type));
      const providers = sev.map((r) => String(r.outputs?.__provider));
      t.is(providers.length, 4, "host, its slot plan, flavor, guest");
      t.true(
        providers.every((p) => p.includes('require("pulumi-sev/dynamic")')),
        "the provider names the package, not a file",
      );
      t.true(
        providers.every((p) => p.length < 400),
        "the serialized provider is ours, not Pulumi's closure (2.7 KB)",
      );
      const guest = sev.find((r) => r.type.endsWith("sev:SevGuest"))!;
      t.true(keepsOnlyWhere(guest.inputs!.host), "the guest's inputs keep where its host is, not its connection");
      t.false("xml" in guest.outputs!, "nor the domain XML: its digest");
      t.regex(String(guest.outputs!.xmlSha256), /^[0-9a-f]{64}$/);
      t.log(`serialized provider in the state: ${sev.map((r) => `${r.type.split(":").pop()} ${String(r.outputs?.__provider).length} B`).join(", ")}`);

      renameSync(first, moved);
      t.false(existsSync(first));
      s.movedTo(moved);

      const refresh = await s.refresh();
      t.is(refresh.code, 0, refresh.text);
      const same = await s.expectNoChanges();
      t.is(same.code, 0, same.text);
      const change = await s.setConfig("sev:memory", "6G");
      t.is(change.code, 0);
      const update = await s.up();
      t.is(update.code, 0, update.text);
      t.regex(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "app-1"]), /<memory unit='KiB'>6291456<\/memory>/);
      const destroy = await s.destroy();
      t.is(destroy.code, 0, destroy.text);
      t.deepEqual(await lab.domains("rome"), []);
    } finally {
      await s.dispose();
      rmSync(first, { recursive: true, force: true });
      rmSync(moved, { recursive: true, force: true });
    }
  },
);

test.serial(
  "a stack written by 0.1.0 (absolute paths of a checkout now gone): one `pulumi up` moves it onto the package, then refresh and destroy work",
  async (t) => {
    const { lab, tarball } = t.context;
    const dir = await installProject(tarball);
    lab.images("rome", ["app-1"]);
    const s = new EngineStack("", "legacy", { projectDir: dir });
    try {
      const { config, secrets } = hostConfig(lab);
      await s.init(config, secrets);
      t.is((await s.up()).code, 0);
      const uuidBefore = (await lab.sh("rome", ["virsh", "domuuid", "app-1"])).trim();

      // The state as 0.1.0 wrote it, from a checkout that no longer exists.
      const gone = "/srv/ci-runner-7/pulumi-sev";
      const legacy = (kind: string) =>
        readFileSync(join(repoRoot, "test", "fixtures", "state-0.1.0", `sev-${kind}.provider.js`), "utf8").replaceAll("@@CHECKOUT@@", gone);
      const doc = JSON.parse(await s.exportState());
      doc.deployment.resources = withoutSlotPlans(doc.deployment.resources);
      for (const r of doc.deployment.resources as StateResource[]) {
        const kind = r.type.match(/dynamic\/sev:Sev(\w+)$/)?.[1]?.toLowerCase();
        if (!kind) continue;
        for (const props of [r.inputs, r.outputs]) if (props?.__provider) props.__provider = legacy(kind);
      }
      await s.importState(JSON.stringify(doc));

      const stuck = await s.refresh();
      t.not(stuck.code, 0, "0.1.0's state cannot be refreshed from elsewhere");
      t.regex(stuck.text, /Cannot find module '\/srv\/ci-runner-7\/pulumi-sev\/dist\/provider\/resources\/sev-\w+-provider\.js'/);

      const migrate = await s.up();
      t.is(migrate.code, 0, migrate.text);
      t.regex(migrate.text, /3 updated/);
      t.regex(migrate.text, /1 created/, "the host's slot plan, which 0.1.0 did not have");
      t.notRegex(migrate.text, /replace/);
      t.is((await lab.sh("rome", ["virsh", "domuuid", "app-1"])).trim(), uuidBefore, "the guest is the same domain");
      const after = resourcesOf(await s.exportState()).filter((r) => SEV_TYPES.test(r.type));
      t.false(
        after.some((r) => JSON.stringify(r).includes(gone)),
        "no old path left in the state",
      );

      t.is((await s.expectNoChanges()).code, 0, "the next up is a no-op");
      const refresh = await s.refresh();
      t.is(refresh.code, 0, refresh.text);
      const destroy = await s.destroy();
      t.is(destroy.code, 0, destroy.text);
      t.deepEqual(await lab.domains("rome"), []);
    } finally {
      await s.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.serial(
  "a stack written by 0.2.0 (Pulumi's closures as providers, a guest's host connection in its inputs, its XML, the platform twice): one `pulumi up` moves it forward, nothing on the host changes",
  async (t) => {
    const { lab, tarball } = t.context;
    const dir = await installProject(tarball);
    lab.images("rome", ["app-1"]);
    const s = new EngineStack("", "v020", { projectDir: dir });
    try {
      const { config, secrets } = hostConfig(lab);
      await s.init(config, secrets);
      t.is((await s.up()).code, 0);
      const uuidBefore = (await lab.sh("rome", ["virsh", "domuuid", "app-1"])).trim();
      const xml = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "app-1"]);

      // The state as 0.2.0 wrote it.
      const legacy = (kind: string) => readFileSync(join(repoRoot, "test", "fixtures", "state-0.2.0", `sev-${kind}.provider.js`), "utf8");
      const doc = JSON.parse(await s.exportState());
      for (const r of doc.deployment.resources as StateResource[]) {
        const kind = r.type.match(/dynamic\/sev:Sev(\w+)$/)?.[1]?.toLowerCase();
        if (!kind) continue;
        for (const props of [r.inputs, r.outputs]) if (props?.__provider) props.__provider = legacy(kind);
        if (kind === "guest") {
          r.inputs!.host = r.outputs!.host;
          r.outputs!.xml = xml;
          delete r.outputs!.xmlSha256;
        }
        if (kind === "host") (r.outputs!.facts as Record<string, unknown>).platform = r.outputs!.platform;
        if (kind === "slotplan") {
          const requests = [{ name: "app-1", urn: doc.deployment.resources.find((g: StateResource) => g.type.endsWith("sev:SevGuest")).urn, model: "sev" }];
          r.inputs!.requests = requests;
          r.outputs!.requests = requests;
        }
      }
      await s.importState(JSON.stringify(doc));
      const before = resourcesOf(await s.exportState()).filter((r) => SEV_TYPES.test(r.type));
      t.true(JSON.stringify(before).length > 15_000, "0.2.0's state is large");

      const migrate = await s.up();
      t.is(migrate.code, 0, migrate.text);
      t.regex(migrate.text, /4 updated/);
      t.notRegex(migrate.text, /replace|created|deleted/);
      t.is((await lab.sh("rome", ["virsh", "domuuid", "app-1"])).trim(), uuidBefore, "the guest is the same domain");
      t.is(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "app-1"]), xml, "its definition is untouched");

      const after = resourcesOf(await s.exportState()).filter((r) => SEV_TYPES.test(r.type));
      const guest = after.find((r) => r.type.endsWith("sev:SevGuest"))!;
      t.true(keepsOnlyWhere(guest.inputs!.host), "the guest's inputs keep where its host is, not its connection");
      t.false("xml" in guest.outputs!);
      t.regex(String(guest.outputs!.xmlSha256), /^[0-9a-f]{64}$/);
      t.false("platform" in (after.find((r) => r.type.endsWith("sev:SevHost"))!.outputs!.facts as object), "the platform identity is stored once");
      t.false("requests" in after.find((r) => r.type.endsWith("sev:SevSlotPlan"))!.outputs!);
      t.true(
        after.every((r) => String(r.outputs?.__provider).length < 400),
        "every provider is the small one",
      );
      t.log(`state of host, plan, flavor and guest: ${JSON.stringify(before).length} bytes as 0.2.0 wrote it, ${JSON.stringify(after).length} after the up`);

      t.is((await s.expectNoChanges()).code, 0, "the next up is a no-op");
      const refresh = await s.refresh();
      t.is(refresh.code, 0, refresh.text);
      t.is((await s.expectNoChanges()).code, 0, "and after a refresh too");
      const destroy = await s.destroy();
      t.is(destroy.code, 0, destroy.text);
      t.deepEqual(await lab.domains("rome"), []);
    } finally {
      await s.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
