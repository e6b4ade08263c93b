/** docs/ is the reference generated from the schemas (scripts/gen-docs.mjs): fresh, and covering every input and output. */
import test from "ava";
import { execFile } from "child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { repoRoot } from "../../lab/lab";

const run = promisify(execFile);
const page = (name: string) => readFileSync(join(repoRoot, "docs", name), "utf8");

/** Every property path of a schema, through local $refs (the generator's walk, said again independently). */
function paths(schema: Record<string, unknown>, node: Record<string, unknown>, at: string): string[] {
  const r = (n: Record<string, unknown>): Record<string, unknown> =>
    typeof n.$ref === "string"
      ? r(
          n.$ref
            .slice(2)
            .split("/")
            .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], schema) as Record<string, unknown>,
        )
      : n;
  const n = r(node);
  return Object.entries((n.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(([k, child]) => {
    const c = r(child);
    const p = at ? `${at}.${k}` : k;
    if (c.tsType) return [p];
    const inner = c.type === "array" ? r(c.items as Record<string, unknown>) : c;
    return [p, ...(inner.properties ? paths(schema, inner, c.type === "array" ? `${p}[]` : p) : [])];
  });
}

test("docs/ is what scripts/gen-docs.mjs generates (npm run docs)", async (t) => {
  await t.notThrowsAsync(run(process.execPath, [join(repoRoot, "scripts", "gen-docs.mjs"), "--check"], { cwd: repoRoot }));
});

test("a stale page fails the check, naming the page and the fix", async (t) => {
  const copy = mkdtempSync(join(tmpdir(), "sev-docs-"));
  cpSync(join(repoRoot, "docs"), copy, { recursive: true });
  writeFileSync(join(copy, "sev-host.md"), page("sev-host.md").replace("| `sshConfig` |", "| `sshConfigOld` |"));
  const err = await t.throwsAsync(run(process.execPath, [join(repoRoot, "scripts", "gen-docs.mjs"), "--check", "--docs", copy]));
  t.regex((err as Error & { stderr: string }).stderr, /docs\/ is stale: sev-host\.md\. Fix: npm run docs/);
});

test("every input of every schema has its row, secrets marked, Nova's names given; every declared output is listed", (t) => {
  for (const [schemaFile, doc] of [
    ["sev-host", "sev-host.md"],
    ["sev-flavor", "sev-flavor.md"],
    ["sev-guest", "sev-guest.md"],
  ]) {
    const schema = JSON.parse(readFileSync(join(repoRoot, "schema", `${schemaFile}.schema.json`), "utf8"));
    const text = page(doc);
    for (const p of paths(schema, schema, "")) t.true(text.includes(`| \`${p}\` |`), `${doc}: input ${p}`);
    const cls = readFileSync(join(repoRoot, "provider", "resources", `${schemaFile}.ts`), "utf8");
    for (const [, name] of cls.matchAll(/declare readonly (\w+)/g)) t.regex(text, new RegExp(`\\| \`${name}\` \\| \``), `${doc}: output ${name}`);
  }
  t.regex(page("sev-host.md"), /\| `privateKey` \| string \| {2}\| — \| \*\*secret\*\* \|/);
  t.regex(page("sev-host.md"), /\| `jumpHost\.privateKeyPassphrase` \|[^\n]*\*\*secret\*\*/);
  t.regex(page("sev-guest.md"), /\| `launchSecret` \|[^\n]*\*\*secret\*\*/);
  t.regex(page("sev-guest.md"), /\| `image\.hw_disk_bus` \|[^\n]*image property `hw_disk_bus`/);
  t.regex(page("sev-flavor.md"), /\| `extraSpecs\.pulumi-sev:machine_type` \|[^\n]*this provider's extension/);
  t.regex(page("sev-host.md"), /\| `port` \| integer \| {2}\| 22 \|/, "a default from the description");
  const inventory = JSON.parse(readFileSync(join(repoRoot, "schema", "inventory.schema.json"), "utf8"));
  for (const p of paths(inventory, inventory.definitions.host, "hosts[]")) t.true(page("sev-capacity.md").includes(`| \`${p}\` |`), `sev-capacity.md: ${p}`);
  t.true(page("sev-capacity.md").includes("--stack-config FILE"));
  for (const name of ["sev-guest-memory-encrypted", "sev-host-slot-headroom", "minFreeSlots"]) t.true(page("policy.md").includes(name), name);
});
