/**
 * Quickstart: SEV hypervisors verified over SSH, each with a machine.slice limit that keeps 16 GiB
 * for the host OS. By default the hosts are those of the embedded lab (`npm run lab -- up`);
 * set `sev:inventory` to an inventory file of your own (same shape as .lab/inventory.json).
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "fs";
import { dirname, resolve } from "path";
import { SevHost } from "../../provider";

interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  passphrase?: string;
  hostKeyFingerprint: string;
}

const config = new pulumi.Config("sev");
/** The folder of Pulumi.yaml: relative paths in config are relative to it, whatever the cwd. */
function projectRoot(dir = process.cwd()): string {
  if (existsSync(resolve(dir, "Pulumi.yaml")) || dirname(dir) === dir) return dir;
  return projectRoot(dirname(dir));
}

const inventoryFile = resolve(projectRoot(), config.get("inventory") ?? ".lab/inventory.json");
const wanted = config.getObject<string[]>("hosts") ?? ["rome", "genoa", "naples"];
const reserve = config.get("memoryReserve") ?? "16G";
/** Slot counts for hosts whose libvirt does not report them (Nova's num_memory_encrypted_guests). */
const maxGuests = config.getObject<Record<string, { sev?: number; sevEs?: number }>>("maxGuests") ?? { naples: { sev: 15 } };
const inventory: InventoryHost[] = JSON.parse(readFileSync(inventoryFile, "utf8")).hosts;

const hosts = wanted.map((name) => {
  const h = inventory.find((x) => x.name === name);
  if (!h) throw new Error(`host ${name} is not in ${inventoryFile}`);
  return new SevHost(name, {
    address: h.address,
    port: h.port,
    user: h.user,
    privateKey: pulumi.secret(readFileSync(h.privateKeyPath, "utf8")),
    privateKeyPassphrase: h.passphrase === undefined ? undefined : pulumi.secret(h.passphrase),
    hostKeyFingerprint: h.hostKeyFingerprint,
    memoryLimit: { reserve },
    maxGuests: maxGuests[name],
  });
});

export const readiness = pulumi.all(hosts.map((h) => pulumi.all([h.urn, h.ready, h.capacity, h.checks, h.slice])
  .apply(([urn, ready, capacity, checks, slice]) => ({
    host: urn.split("::").pop(),
    ready,
    sevSlots: capacity.sev.total,
    sevEsSlots: capacity.sevEs.total,
    warnings: checks.filter((c) => c.verdict === "warn").map((c) => c.id),
    machineSliceLimit: slice ? `${slice.property}=${slice.limitBytes}` : null,
  }))));
