/** The lab's inventory: the hosts that are up, where their keys and logs are (.lab/inventory.json). */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { repoRoot } from "./libvirt";

export interface LabHost {
  name: string;
  profile: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase: string;
  hostKeyFingerprint: string;
  sshdLog: string;
  folder: string;
}

export interface Inventory {
  hosts: LabHost[];
}

export function defaultLabDir(): string {
  return process.env.SEV_LAB_DIR ?? join(repoRoot, ".lab");
}

export function readInventory(dir = defaultLabDir()): Inventory {
  const file = join(dir, "inventory.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Inventory) : { hosts: [] };
}

export function saveInventory(dir: string, inv: Inventory): void {
  const file = join(dir, "inventory.json");
  writeFileSync(file, JSON.stringify(inv, null, 2) + "\n");
  chmodSync(file, 0o600);
}
