/**
 * Adoption through the engine: guests that take over existing domains of their names on one lab host.
 * Config: sev:host, sev:guests (domain names to adopt), sev:maxGuests (optional SEV slot count).
 */
import * as pulumi from "@pulumi/pulumi";
import { SevFlavor, SevGuest, SevHost } from "pulumi-sev";
import { inventoryHost } from "../../../examples/lab-inventory";

const config = new pulumi.Config("sev");
const hostName = config.require("host");
const maxGuests = config.getNumber("maxGuests");
const host = new SevHost(hostName, { ...inventoryHost(hostName), ...(maxGuests === undefined ? {} : { maxGuests: { sev: maxGuests } }) });
const flavor = new SevFlavor("sev.tiny", { name: "sev.tiny", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true } });

export const guests = config.requireObject<string[]>("guests").map((name) => {
  const g = new SevGuest(name, { host, flavor, adopt: true, bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` } });
  return { name: g.name, uuid: g.uuid, state: g.state, drift: g.drift };
});
