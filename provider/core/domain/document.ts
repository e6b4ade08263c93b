/**
 * The whole <domain> document as one typed model, composed of the element modules: renderDomain and
 * readDomain side by side, so what is written and what is read back cannot drift apart. Built with
 * fast-xml-parser's XMLBuilder, so every value is escaped by the builder and never concatenated into markup.
 */
import { XMLBuilder } from "fast-xml-parser";
import { asArray, asNode, ATTR, attrOf, integerOf, parseXml, textOf } from "../parse/xml";
import { Devices, readDevices, renderDevices } from "./devices";
import { LaunchSecurity, readLaunchSecurity, renderLaunchSecurity } from "./launch-security";
import { Memory, readMemory, renderMemory } from "./memory";
import { ownerOf, Owner, renderMetadata } from "./metadata";
import { attrs, Node, optional, textElement, XmlNode } from "./node";
import { Os, readOs, renderOs } from "./os";

/** A libvirt <domain> as this provider renders and reads it: one typed field per element it writes. */
export interface DomainModel {
  /** kvm, qemu. */
  type: string | null;
  name: string | null;
  uuid: string | null;
  /** This provider's ownership metadata. */
  owner: Owner | null;
  memory: Memory;
  vcpus: number | null;
  /** vcpu@placement: static. */
  vcpuPlacement: string | null;
  os: Os;
  /** Empty feature elements: acpi, apic. */
  features: string[];
  cpu: { mode: string | null; check: string | null } | null;
  /** clock@offset: utc. */
  clockOffset: string | null;
  onPoweroff: string | null;
  onReboot: string | null;
  onCrash: string | null;
  devices: Devices;
  /** null: no <launchSecurity>, the guest runs unencrypted. */
  launchSecurity: LaunchSecurity | null;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: "#text",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

function lifecycle(m: DomainModel): Node {
  return { ...optional("on_poweroff", m.onPoweroff), ...optional("on_reboot", m.onReboot), ...optional("on_crash", m.onCrash) };
}

function domainNode(m: DomainModel): Node {
  return {
    ...attrs({ type: m.type }),
    ...optional("name", m.name),
    ...optional("uuid", m.uuid),
    ...optional("metadata", renderMetadata(m.owner)),
    ...renderMemory(m.memory),
    ...optional("vcpu", m.vcpus === null ? undefined : textElement(String(m.vcpus), { placement: m.vcpuPlacement })),
    os: renderOs(m.os),
    ...optional("features", m.features.length === 0 ? undefined : Object.fromEntries(m.features.map((f) => [f, ""]))),
    ...optional("cpu", m.cpu === null ? undefined : attrs(m.cpu)),
    ...optional("clock", m.clockOffset === null ? undefined : attrs({ offset: m.clockOffset })),
    ...lifecycle(m),
    devices: renderDevices(m.devices),
    ...optional("launchSecurity", m.launchSecurity === null ? undefined : renderLaunchSecurity(m.launchSecurity)),
  };
}

/** The document, one element a line, two-space indented, with a final newline. */
export function renderDomain(model: DomainModel): string {
  return (builder.build({ domain: domainNode(model) }) as string).trimEnd() + "\n";
}

function cpuOf(node: unknown): DomainModel["cpu"] {
  return node === undefined ? null : { mode: attrOf(node, "mode"), check: attrOf(node, "check") };
}

/** The model of a parsed <domain> element. */
export function readDomainNode(d: XmlNode): DomainModel {
  return {
    type: attrOf(d, "type"),
    name: textOf(d["name"]),
    uuid: textOf(d["uuid"]),
    owner: ownerOf(d),
    memory: readMemory(d),
    vcpus: integerOf(d["vcpu"]),
    vcpuPlacement: attrOf(d["vcpu"], "placement"),
    os: readOs(d["os"]),
    features: Object.keys(asNode(d["features"])).filter((k) => !k.startsWith(ATTR) && k !== "#text"),
    cpu: cpuOf(d["cpu"]),
    clockOffset: attrOf(d["clock"], "offset"),
    onPoweroff: textOf(d["on_poweroff"]),
    onReboot: textOf(d["on_reboot"]),
    onCrash: textOf(d["on_crash"]),
    devices: readDevices(d["devices"]),
    launchSecurity: asArray(d["launchSecurity"]).length === 0 ? null : readLaunchSecurity(d["launchSecurity"]),
  };
}

/** The model of a domain XML document (virsh dumpxml, or one this provider rendered). */
export function readDomain(xml: string): DomainModel {
  return readDomainNode(asNode(parseXml(xml)["domain"]));
}
