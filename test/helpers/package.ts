/** The package as a user gets it: its npm tarball, installed into a Pulumi project outside the repo. */
import { execFile } from "child_process";
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { repoRoot } from "../../lab/lab";

const run = promisify(execFile);

export interface Tarball {
  file: string;
  files: string[];
  size: number;
  unpackedSize: number;
}

/** `npm pack` of the checkout (already built by the test set-up, so its scripts are not run again). */
export async function packTarball(): Promise<Tarball> {
  const dest = mkdtempSync(join(tmpdir(), "pulumi-sev-pack-"));
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dest], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const [info] = JSON.parse(stdout) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  return { file: join(dest, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
}

/**
 * A copy of test/package/project in a new folder outside the repo, with its own @pulumi/pulumi and
 * pulumi-sev installed from the tarball, as `npm install` in an infra repo does.
 */
export async function installProject(tarball: Tarball, prefix = "sev-infra-"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repoRoot, "test", "package", "project"), dir, { recursive: true });
  const pulumiVersion = require(join(repoRoot, "node_modules", "@pulumi", "pulumi", "package.json")).version as string;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "sev-infra",
        private: true,
        dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-sev": `file:${tarball.file}` },
      },
      null,
      2,
    ),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel", "error"], { cwd: dir, maxBuffer: 16 << 20 });
  return dir;
}

/** Every copy of a package in a project's node_modules tree (nested copies included). */
export function copiesOf(projectDir: string, pkg: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    let entries: string[];
    try {
      entries = readdirSync(nm);
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.startsWith(".")) continue;
      const names = e.startsWith("@") ? readdirSync(join(nm, e)).map((s) => `${e}/${s}`) : [e];
      for (const n of names) {
        if (n === pkg) found.push(join(nm, n));
        walk(join(nm, n, "node_modules"));
      }
    }
  };
  walk(join(projectDir, "node_modules"));
  return found;
}
