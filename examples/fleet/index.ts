/**
 * A fleet check: several hypervisors verified over SSH, each with a machine.slice limit that keeps
 * 16 GiB for the host OS. Config: `sev:hosts` (names in the inventory), `sev:memoryReserve`,
 * `sev:maxGuests` (per host, for hosts whose libvirt does not report slot counts).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevHost } from "pulumi-sev";
import { inventoryHost } from "../lab-inventory";

const config = new pulumi.Config("sev");
const wanted = config.getObject<string[]>("hosts") ?? ["rome", "genoa", "naples"];
const reserve = config.get("memoryReserve") ?? "16G";
const maxGuests = config.getObject<Record<string, { sev?: number; sevEs?: number }>>("maxGuests") ?? { naples: { sev: 15 } };

const hosts = wanted.map((name) => new SevHost(name, { ...inventoryHost(name), memoryLimit: { reserve }, maxGuests: maxGuests[name] }));

export const readiness = pulumi.all(
  hosts.map((h) =>
    pulumi.all([h.urn, h.ready, h.capacity, h.checks, h.slice]).apply(([urn, ready, capacity, checks, slice]) => ({
      host: urn.split("::").pop(),
      ready,
      sevSlots: capacity.sev.total,
      sevEsSlots: capacity.sevEs.total,
      warnings: checks.filter((c) => c.verdict === "warn").map((c) => c.id),
      machineSliceLimit: slice ? `${slice.property}=${slice.limitBytes}` : null,
    })),
  ),
);
