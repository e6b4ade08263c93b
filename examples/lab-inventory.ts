/**
 * Host connection inputs from an inventory file (the lab writes .lab/inventory.json; an operator's
 * own file has the same shape). Config `sev:inventory` names it, relative to the project folder.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "fs";
import { dirname, resolve } from "path";
import { SevHostArgs } from "pulumi-sev";

interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase?: string;
  hostKeyFingerprint: string;
}

/** The folder of Pulumi.yaml: relative paths in config are relative to it, whatever the cwd. */
function projectRoot(dir = process.cwd()): string {
  if (existsSync(resolve(dir, "Pulumi.yaml")) || dirname(dir) === dir) return dir;
  return projectRoot(dirname(dir));
}

export function inventoryHost(name: string): SevHostArgs {
  const file = resolve(projectRoot(), new pulumi.Config("sev").get("inventory") ?? ".lab/inventory.json");
  const hosts: InventoryHost[] = JSON.parse(readFileSync(file, "utf8")).hosts;
  const h = hosts.find((x) => x.name === name);
  if (!h) throw new Error(`host ${name} is not in ${file} (hosts: ${hosts.map((x) => x.name).join(", ")})`);
  return {
    address: h.address,
    port: h.port,
    user: h.user,
    privateKey: pulumi.secret(readFileSync(h.privateKeyPath, "utf8")),
    privateKeyPassphrase: h.passphrase === undefined ? undefined : pulumi.secret(h.passphrase),
    hostKeyFingerprint: h.hostKeyFingerprint,
  };
}
