/** Domains defined on a lab host out of band, as an operator or another team did before this stack. */
import { randomUUID } from "crypto";
import { readFileSync } from "fs";
import { join } from "path";
import { renderDomainXml } from "../../provider/core/domain-xml";
import { resolveFlavor } from "../../provider/core/flavor";
import { domcapsFromXml } from "../../provider/core/parse/domcaps";
import { Owner } from "../../provider/core/domain/metadata";
import { exec } from "../../provider/effects/ssh";
import { targetOf } from "../../provider/host/target";
import { TestLab } from "./lab";

export interface Shape {
  vcpus: number;
  memoryMiB: number;
  sev: boolean;
  /** Another stack's ownership metadata; none when absent. */
  owner?: Owner;
}

/**
 * Defines and starts a domain rendered by the core for the lab host (its profile's libvirt), with a
 * UUID of its own and no ownership metadata unless shape.owner says. Returns its UUID.
 */
export async function defineForeign(lab: TestLab, host: string, name: string, shape: Shape): Promise<string> {
  const uuid = randomUUID();
  let xml = renderDomainXml({
    name,
    uuid,
    flavor: resolveFlavor({ name: "hand-made", vcpus: shape.vcpus, memory: shape.memoryMiB, disk: 10, extraSpecs: { "hw:mem_encryption": true } }),
    caps: domcapsFromXml(await lab.sh(host, ["virsh", "domcapabilities"])),
    libvirtVersion: JSON.parse(readFileSync(join(lab.host(host).profile, "profile.json"), "utf8")).libvirtVersion,
    bootDisk: { path: lab.image(host, `${name}.qcow2`), format: "qcow2" },
    owner: shape.owner ?? { project: "-", stack: "-", urn: "-" },
  });
  if (!shape.owner) xml = xml.replace(/<metadata>[\s\S]*?<\/metadata>/, "");
  if (!shape.sev) xml = xml.replace(/<launchSecurity[\s\S]*?<\/launchSecurity>/, "");
  await exec(targetOf(lab.inputs(host)), ["virsh", "define", "/dev/stdin"], { stdin: xml });
  await lab.sh(host, ["virsh", "start", name]);
  return uuid;
}
