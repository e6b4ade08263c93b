/**
 * Validates domain XML against libvirt's RelaxNG schemas, and defines it in libvirt's test driver.
 * - libvirt 10.7 schemas copied to test/fixtures/schemas, through `xmllint --relaxng`;
 * - the lab's libvirt (11.x, lab/libvirt.ts) schemas, through `xmllint --relaxng`;
 * - the lab's `virsh -c test:///default "define FILE; dumpxml UUID"` in one process (the test driver
 *   keeps no state between processes): libvirt 11 knows launchSecurity type='sev-snp'.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FIXTURES } from "../core/fixtures";
import { labDomainSchema, labVirsh } from "../../lab/libvirt";

export interface ToolResult {
  ok: boolean;
  /** stdout and stderr together, for assertion messages. */
  output: string;
  stdout: string;
}

export const SCHEMA_10_7 = path.join(FIXTURES, "schemas", "domain.rng");

function withFile<T>(xml: string, use: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), "sev-xml-"));
  try {
    const file = path.join(dir, "domain.xml");
    writeFileSync(file, xml);
    return use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ToolResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, env });
  if (r.error) return { ok: false, output: `${cmd}: ${r.error.message}`, stdout: "" };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim(), stdout: r.stdout };
}

/** `xmllint --noout --relaxng test/fixtures/schemas/domain.rng FILE`: libvirt 10.7's schema. */
export function validate107(xml: string): ToolResult {
  return withFile(xml, (file) => run("xmllint", ["--noout", "--relaxng", SCHEMA_10_7, file]));
}

/** `xmllint --noout --relaxng DOMAIN_RNG FILE` with the lab libvirt's own schema. */
export function validateLab(xml: string): ToolResult {
  return withFile(xml, (file) => run("xmllint", ["--noout", "--relaxng", labDomainSchema(), file]));
}

/** Defines the domain in the lab libvirt's test driver and prints it back, in one virsh process. */
export function defineAndDump(xml: string, uuid: string): ToolResult {
  const virsh = labVirsh();
  return withFile(xml, (file) => {
    // virsh splits its one-argument command line on ';' and whitespace; quote the path for it.
    const r = run(virsh.command, ["-q", "-c", "test:///default", `define '${file}'; dumpxml ${uuid}`], virsh.env);
    const start = r.stdout.indexOf("<domain");
    return { ...r, ok: r.ok && start >= 0, stdout: start >= 0 ? r.stdout.slice(start) : r.stdout };
  });
}
