/**
 * Slot accounting through the engine: guests on one lab host whose SEV pool is capped by config.
 * Config: sev:host, sev:maxGuests (SEV slots), sev:guests ([{ resource, name?, late?, replicaOf? }]), sev:deleteBeforeReplace,
 * sev:protectHost.
 * A late guest is declared once the host is registered, after its host's slot plan was made.
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.require("host");
const host = new SevHost(
  hostName,
  { ...inventoryHost(hostName), maxGuests: { sev: config.requireNumber("maxGuests") } },
  { protect: config.getBoolean("protectHost") ?? false },
);
const flavor = new SevFlavor("sev.tiny", { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } });

type Declared = { resource: string; name?: string; late?: boolean; replicaOf?: string };
const guests = config.requireObject<Declared[]>("guests");
const deleteBeforeReplace = config.getBoolean("deleteBeforeReplace") ?? false;
const declared = new Map<string, SevGuest>();
// A replica's domain name comes from its original's output (`<original's name>-replica`).
const nameOf = (g: Declared) => (g.replicaOf ? declared.get(g.replicaOf)!.name.apply((n) => `${n}-replica`) : g.name);
const declare = (g: Declared) => {
  const guest = new SevGuest(
    g.resource,
    { host, flavor, name: nameOf(g), bootDisk: { path: `/var/lib/libvirt/images/${g.resource}.qcow2` } },
    { deleteBeforeReplace },
  );
  declared.set(g.resource, guest);
  return guest.name;
};
export const names = guests.filter((g) => !g.late).map(declare);
export const lateNames = host.urn.apply(() => guests.filter((g) => g.late).map(declare));
