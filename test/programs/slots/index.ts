/**
 * Slot accounting through the engine: guests on one lab host whose SEV pool is capped by config.
 * Config: sev:host, sev:maxGuests (SEV slots), sev:guests ([{ resource, name? }]), sev:deleteBeforeReplace.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.require("host");
const host = new SevHost(hostName, { ...inventoryHost(hostName), maxGuests: { sev: config.requireNumber("maxGuests") } });
const flavor = new SevFlavor("sev.tiny", { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } });

const guests = config.requireObject<{ resource: string; name?: string }[]>("guests");
const deleteBeforeReplace = config.getBoolean("deleteBeforeReplace") ?? false;
export const names = guests.map((g) =>
  new SevGuest(g.resource, { host, flavor, name: g.name, bootDisk: { path: `/var/lib/libvirt/images/${g.resource}.qcow2` } }, { deleteBeforeReplace }).name);
