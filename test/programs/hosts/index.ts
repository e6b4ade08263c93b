/**
 * Lab hosts with a machine.slice limit and a few guests each, shaped by config, for the fault and
 * ownership tests. Config sev:hosts: [{ name, address?, limit?, guests?, commandTimeoutSeconds? }]
 * (address: the same lab host spelled another way; limit: a memoryLimit.limit; guests: how many; stopped: the
 * numbers of the guests declared start: false).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

interface HostSpec {
  name: string;
  address?: string;
  limit?: string;
  guests?: number;
  commandTimeoutSeconds?: number;
  stopped?: number[];
}

const specs = new pulumi.Config("sev").requireObject<HostSpec[]>("hosts");
const flavor = new SevFlavor("sev.tiny", { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } });

export const guests = specs.flatMap((spec) => {
  const host = new SevHost(spec.name, {
    ...inventoryHost(spec.name),
    ...(spec.address ? { address: spec.address } : {}),
    ...(spec.limit ? { memoryLimit: { limit: spec.limit } } : {}),
    ...(spec.commandTimeoutSeconds ? { commandTimeoutSeconds: spec.commandTimeoutSeconds, connectTimeoutSeconds: spec.commandTimeoutSeconds } : {}),
  });
  return Array.from({ length: spec.guests ?? 0 }, (_, i) => {
    const name = `${spec.name}-g${i + 1}`;
    const start = !(spec.stopped ?? []).includes(i + 1);
    return new SevGuest(name, { host, flavor, start, bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` } }).name;
  });
});
