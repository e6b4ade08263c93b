/**
 * The lab's shell shims (lab/shims/*.sh): files, each written to a host's root/bin/ behind a header
 * that sets its variables (shell-quoted: paths of this machine, never a test's input), and the data
 * files they read (root/pools, root/dmesg). Where a host runs its QEMU driver, libvirtd answers
 * almost everything and only `virsh version` is rewritten.
 */
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { LabProfile } from "../provider/generated/lab-profile";
import { MODEL_LIST } from "../provider/core/models";
import { quote as sq } from "../provider/core/shell";
import { repoRoot } from "./libvirt";
import { MISC_NAME } from "./qemu-host";

export const SHIMS = join(repoRoot, "lab", "shims");

/** The shim lab/shims/NAME.sh as the file `file`, its variables set first. */
export function writeShim(file: string, name: string, vars: Record<string, string>): void {
  const header = ["#!/bin/sh", `# lab/shims/${name}.sh for one lab host (written by lab/shims.ts)`];
  for (const [k, v] of Object.entries(vars)) header.push(`${k}=${sq(v)}`);
  writeFileSync(file, `${header.join("\n")}\n${readFileSync(join(SHIMS, `${name}.sh`), "utf8")}`);
  chmodSync(file, 0o755);
}

/** What the virsh shims source (lab/shims/faults.sh), copied into the host's root/shims/. */
export function copyShimLibrary(root: string): void {
  mkdirSync(join(root, "shims"), { recursive: true });
  copyFileSync(join(SHIMS, "faults.sh"), join(root, "shims", "faults.sh"));
}

/**
 * The misc pool of each launchSecurity type and policy, from the model descriptors, as lines
 * "TYPE ES POOL" (lab/shims/virsh-test.sh pool_of): ES "-" for a type with one model, else 1 for
 * the pool of a policy with the ES bit and 0 for one without.
 */
export function poolLines(): string {
  const lines: string[] = [];
  for (const type of [...new Set(MODEL_LIST.map((d) => d.launchSecurity.type))]) {
    const models = MODEL_LIST.filter((d) => d.launchSecurity.type === type);
    if (models.length === 1) {
      lines.push(`${type} - ${MISC_NAME[models[0].pool]}`);
      continue;
    }
    const es = models.find((d) => d.launchSecurity.esPolicyBit === true)!;
    const plain = models.find((d) => d.launchSecurity.esPolicyBit === false)!;
    lines.push(`${type} 1 ${MISC_NAME[es.pool]}`, `${type} 0 ${MISC_NAME[plain.pool]}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

/** The kernel log lines of the SEV firmware's start (drivers/crypto/ccp/sev-dev.c), from the profile (lab/shims/dmesg.sh prints them). */
export function dmesgLines(p: LabProfile): string {
  const fw = p.sevPlatform?.firmware;
  if (!fw) return "";
  const snp = /^[1yY]$/.test(p.kvmAmd?.sev_snp ?? "");
  return `[    4.201938] ccp 0000:47:00.1: SEV${snp ? "-SNP" : ""} API:${fw.apiMajor}.${fw.apiMinor} build:${fw.buildId}\n`;
}
