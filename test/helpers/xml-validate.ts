/**
 * Validates domain XML against libvirt's RelaxNG schemas, and defines it in libvirt's test driver.
 * - installed schemas (/usr/share/libvirt/schemas, libvirt 9.0 here) through `virt-xml-validate FILE domain`;
 * - libvirt 10.7 schemas copied to test/fixtures/schemas through `xmllint --relaxng`;
 * - `virsh -c test:///default "define FILE; dumpxml UUID"` in one process (the test driver keeps no state between processes).
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { FIXTURES } from "../core/fixtures";

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

function run(cmd: string, args: string[]): ToolResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) return { ok: false, output: `${cmd}: ${r.error.message}`, stdout: "" };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim(), stdout: r.stdout };
}

/** `virt-xml-validate FILE domain`: the schemas of the installed libvirt. */
export function validateInstalled(xml: string): ToolResult {
  return withFile(xml, (file) => run("virt-xml-validate", [file, "domain"]));
}

/** `xmllint --noout --relaxng test/fixtures/schemas/domain.rng FILE`: libvirt 10.7's schema. */
export function validate107(xml: string): ToolResult {
  return withFile(xml, (file) => run("xmllint", ["--noout", "--relaxng", SCHEMA_10_7, file]));
}

/** Defines the domain in libvirt's test driver and prints it back, in one virsh process. */
export function defineAndDump(xml: string, uuid: string): ToolResult {
  return withFile(xml, (file) => {
    // virsh splits its one-argument command line on ';' and whitespace; quote the path for it.
    const r = run("virsh", ["-q", "-c", "test:///default", `define '${file}'; dumpxml ${uuid}`]);
    const start = r.stdout.indexOf("<domain");
    return { ...r, ok: r.ok && start >= 0, stdout: start >= 0 ? r.stdout.slice(start) : r.stdout };
  });
}

/** The installed libvirt's version (virsh --version), e.g. "9.0.0". */
export function installedLibvirtVersion(): string {
  return run("virsh", ["--version"]).stdout.trim();
}

/** Schemas virt-xml-validate uses. */
export const INSTALLED_SCHEMAS = "/usr/share/libvirt/schemas";

/** Whether the installed libvirt's domain schema knows launchSecurity type='sev-snp' (libvirt 10.5+). */
export function installedSchemaKnowsSnp(): boolean {
  const file = path.join(INSTALLED_SCHEMAS, "domaincommon.rng");
  return existsSync(file) && readFileSync(file, "utf8").includes("<value>sev-snp</value>");
}
