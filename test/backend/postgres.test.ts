/**
 * A team's shared state: Pulumi's self-managed postgres:// backend on a real PostgreSQL server.
 * Two checkouts of the infra repo at different paths (the package installed from its tarball in
 * each) work on one stack; two stacks in the same backend race for a host's last SEV slot.
 */
import anyTest, { TestFn } from "ava";
import { execFile } from "child_process";
import { copyFileSync, readFileSync, rmSync } from "fs";
import { join } from "path";
import { randomBytes } from "crypto";
import { startLab, TestLab } from "../helpers/lab";
import { EngineStack } from "../helpers/engine";
import { installProject, packTarball, Tarball } from "../helpers/package";
import { Postgres, startPostgres } from "../helpers/postgres";

const test = anyTest as TestFn<{ lab: TestLab; pg: Postgres; tarball: Tarball }>;

test.before(async (t) => {
  const started = Date.now();
  const [lab, pg, tarball] = await Promise.all([startLab(__filename, ["rome"]), startPostgres(), packTarball()]);
  Object.assign(t.context, { lab, pg, tarball });
  t.log(`lab, PostgreSQL and tarball ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
test.after.always(async (t) => {
  t.context.lab?.stop();
  await t.context.pg?.stop();
});

/** The pulumi CLI with an environment of the test's choosing. */
function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    execFile("pulumi", ["--non-interactive", "--color", "never", ...args], { cwd, env, timeout: 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0, text: `${stdout}\n${stderr}` }),
    );
  });
}

/** Every object the backend stores, decoded: the diy backend keeps each file as base64 in a JSON column. */
async function stored(pg: Postgres): Promise<{ key: string; raw: string; text: string }[]> {
  const out = (await pg.query("SELECT coalesce(json_agg(json_build_object('key', key, 'data', data) ORDER BY key), '[]') FROM pulumi_state")).trim();
  return (JSON.parse(out) as { key: string; data: { data: string } }[]).map((row) => ({
    key: row.key,
    raw: JSON.stringify(row.data),
    text: Buffer.from(row.data.data, "base64").toString("utf8"),
  }));
}

interface StateResource {
  type: string;
  urn: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
/** Resources of a checkpoint as the backend stores it. */
const resourcesOf = (checkpoint: string): StateResource[] => (JSON.parse(checkpoint).checkpoint.latest?.resources ?? []) as StateResource[];
/** Resources of `pulumi stack export`. */
const exportedResources = (state: string): StateResource[] => (JSON.parse(state).deployment.resources ?? []) as StateResource[];

test.serial("two checkouts at different paths share one stack through PostgreSQL: A ups; B sees no changes, refreshes, changes and destroys", async (t) => {
  const { lab, pg, tarball } = t.context;
  const h = lab.host("rome");
  const privateKey = readFileSync(h.privateKeyPath, "utf8");
  lab.images("rome", ["app-1"]);
  const [dirA, dirB] = await Promise.all([installProject(tarball, "sev-infra-a-"), installProject(tarball, "sev-infra-b-")]);
  t.not(dirA, dirB);
  // The team's passphrase: every checkout sets the same PULUMI_CONFIG_PASSPHRASE.
  const passphrase = randomBytes(12).toString("hex");
  const a = new EngineStack("", "shared", { projectDir: dirA, backendUrl: pg.backendUrl, passphrase });
  // B keeps the database password out of the URL (pulumi prints the URL in some errors): PGPASSWORD.
  const b = new EngineStack("", "shared", { projectDir: dirB, backendUrl: pg.backendUrlWithoutPassword, passphrase, env: { PGPASSWORD: pg.password } });
  try {
    await a.init(
      { "sev:address": h.address, "sev:port": String(h.port), "sev:user": h.user, "sev:hostKeyFingerprint": h.hostKeyFingerprint },
      { "sev:privateKey": privateKey, "sev:passphrase": h.passphrase },
    );
    const up = await a.up();
    t.is(up.code, 0, up.text);
    t.deepEqual(await lab.domains("rome"), ["app-1"]);

    // The stack's config file is committed in the infra repo: checkout B gets it with the repo.
    copyFileSync(join(dirA, "Pulumi.shared.yaml"), join(dirB, "Pulumi.shared.yaml"));

    const wrong = await pulumi(["preview", "--stack", "shared"], dirB, { ...b.environment, PULUMI_CONFIG_PASSPHRASE: "not-the-team-passphrase" });
    t.not(wrong.code, 0, "another passphrase cannot read the stack's secrets");
    t.regex(wrong.text, /passphrase/i);

    const same = await b.expectNoChanges();
    t.is(same.code, 0, `B sees A's deployment as its own: ${same.text}`);
    const refresh = await b.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.is((await b.setConfig("sev:memory", "6G")).code, 0);
    const change = await b.up();
    t.is(change.code, 0, change.text);
    t.regex(change.text, /\d+ updated/);
    t.notRegex(change.text, /replace/, "the guest is updated in place");
    t.regex(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "app-1"]), /<memory unit='KiB'>6291456<\/memory>/);

    // What the backend holds: the stack's checkpoint (with B's change, as A now reads it too), history, backups.
    const rows = await stored(pg);
    const checkpoint = rows.find((r) => /\/\.pulumi\/stacks\/sev-infra\/shared\.json$/.test(r.key));
    t.truthy(checkpoint, rows.map((r) => r.key).join(", "));
    const resources = resourcesOf(checkpoint!.text);
    t.deepEqual(
      resources
        .filter((r) => r.type.includes("dynamic/sev:"))
        .map((r) => r.urn.split("::").pop())
        .sort(),
      ["app-1", "hv-1", "hv-1-slot-plan", "sev.small"],
    );
    const hostInputs = resources.find((r) => r.type.endsWith("sev:SevHost"))!.inputs!;
    t.like(hostInputs.privateKey, { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" }, "the key is stored as a secret");
    t.truthy((hostInputs.privateKey as { ciphertext?: string }).ciphertext);
    const seenByA = exportedResources(await a.exportState());
    t.is(seenByA.find((r) => r.type.endsWith("sev:SevFlavor"))?.outputs?.memory, "6G", "A reads B's update from the shared backend");

    const keyBody = privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
    t.true(keyBody.length > 2);
    const leaks = rows.filter((r) =>
      [r.text, r.raw].some(
        (s) =>
          s.includes("PRIVATE KEY") ||
          keyBody.some((line) => s.includes(line)) ||
          s.includes(h.passphrase) ||
          s.includes(passphrase) ||
          s.includes(pg.password),
      ),
    );
    t.deepEqual(
      leaks.map((r) => r.key),
      [],
      "neither the private key nor a passphrase or password is stored in plain text",
    );
    t.log(`backend objects after B's update: ${rows.length} (${rows.map((r) => r.key.replace(/^[^/]*\/\.pulumi\//, "")).join(", ")})`);

    const destroy = await b.destroy();
    t.is(destroy.code, 0, destroy.text);
    t.deepEqual(await lab.domains("rome"), []);
    t.not((await a.expectNoChanges()).code, 0, "A sees the stack empty and would create it again");
  } finally {
    await b.destroy();
    await b.dispose();
    await a.dispose();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  }
});

test.serial("two stacks in the PostgreSQL backend racing for the last slot on one host: exactly one wins", async (t) => {
  const { lab, pg } = t.context;
  const passphrase = randomBytes(12).toString("hex");
  lab.images("rome", ["race-a", "race-b"]);
  const stacks = ["race-a", "race-b"].map((name) => new EngineStack("dist/test/programs/slots/index.js", name, { backendUrl: pg.backendUrl, passphrase }));
  try {
    // One after the other: the first use of an empty database creates the backend's table, and two
    // first uses at once can fail there (PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe concurrently).
    for (const s of stacks) {
      await s.init({ "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", "sev:maxGuests": "1", "sev:guests": [{ resource: s.stack }] });
    }
    const results = await Promise.all(stacks.map((s) => s.up()));
    const won = results.flatMap((r, i) => (r.code === 0 ? [stacks[i]] : []));
    const lost = results.flatMap((r, i) => (r.code !== 0 ? [{ stack: stacks[i], result: r }] : []));
    t.is(won.length, 1, results.map((r) => r.text).join("\n----\n"));
    t.is(lost.length, 1);
    t.regex(lost[0].result.text, /the sev slot pool cannot hold 1 new guest: total 1 \(override\), used by others 1/);
    t.deepEqual(await lab.domains("rome"), [won[0].stack]);
    t.log(
      `${won[0].stack} won; ${lost[0].stack.stack} was refused ${/has a problem:/.test(lost[0].result.text) ? "at its check (the winner had already created)" : "at create, under the host lock"}`,
    );

    const keys = (await stored(pg)).map((r) => r.key);
    t.true(
      keys.some((k) => k.endsWith("/.pulumi/stacks/sev-test/race-a.json")) && keys.some((k) => k.endsWith("/.pulumi/stacks/sev-test/race-b.json")),
      "both stacks live in the one backend",
    );
    const loserGuests = exportedResources(await lost[0].stack.exportState()).filter((r) => r.type.endsWith("sev:SevGuest"));
    t.deepEqual(loserGuests, [], "the loser recorded no guest");
    const again = await lost[0].stack.preview();
    t.not(again.code, 0, "the loser's next preview sees the slot taken");
    t.regex(again.text, /cannot hold 1 new guest: total 1 \(override\), used by others 1, used by this stack 0/);
  } finally {
    for (const s of stacks) {
      await s.destroy();
      await s.dispose();
    }
  }
  t.deepEqual(await lab.domains("rome"), []);
});
