/** `virsh domcapabilities`: SEV support, launch security types, machine and firmware. */
import { DomainCapabilities, SevDomainCaps } from "../facts";
import { asArray, asNode, attrOf, integerOf, parseXml, texts, textOf, XmlNode } from "./xml";

export type DomcapsResult = { domcaps: DomainCapabilities; error: null } | { domcaps: null; error: string };

const NO_SEV: SevDomainCaps = { supported: false, cbitpos: null, reducedPhysBits: null, maxGuests: null, maxESGuests: null };

function isSupported(node: unknown): boolean {
  return attrOf(node, "supported") === "yes";
}

export function sevCapsOf(features: XmlNode): SevDomainCaps {
  const sev = features["sev"];
  if (sev === undefined || !isSupported(sev)) return { ...NO_SEV };
  const node = asNode(sev);
  return {
    supported: true,
    cbitpos: integerOf(node["cbitpos"]),
    reducedPhysBits: integerOf(node["reducedPhysBits"]),
    maxGuests: integerOf(node["maxGuests"]),
    maxESGuests: integerOf(node["maxESGuests"]),
  };
}

/** The values of <enum name='NAME'> inside a node. */
export function enumValues(node: XmlNode, name: string): string[] {
  const found = asArray(node["enum"]).find((e) => attrOf(e, "name") === name);
  return found === undefined ? [] : texts(asNode(found)["value"]);
}

export function launchSecurityTypesOf(features: XmlNode): string[] {
  const ls = features["launchSecurity"];
  return ls !== undefined && isSupported(ls) ? enumValues(asNode(ls), "sectype") : [];
}

export function loadersOf(root: XmlNode): string[] {
  return texts(asNode(asNode(root["os"])["loader"])["value"]);
}

/** Parses `virsh domcapabilities` XML into what SEV guests need of it. */
export function domcapsFromXml(xml: string): DomainCapabilities {
  const root = asNode(parseXml(xml)["domainCapabilities"]);
  if (Object.keys(root).length === 0) throw new Error("not a <domainCapabilities> document");
  const features = asNode(root["features"]);
  const machines = texts(root["machine"]);
  return {
    domainType: textOf(root["domain"]),
    arch: textOf(root["arch"]),
    machine: machines[0] ?? null,
    sev: sevCapsOf(features),
    launchSecurityTypes: launchSecurityTypesOf(features),
    machines,
    loaders: loadersOf(root),
  };
}

/** The probe section: XML, or virsh's error text when it could not answer. */
export function parseDomcapsSection(text: string): DomcapsResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith("<")) return { domcaps: null, error: trimmed === "" ? "virsh domcapabilities printed nothing" : trimmed };
  try {
    return { domcaps: domcapsFromXml(trimmed), error: null };
  } catch (err) {
    return { domcaps: null, error: `unreadable domcapabilities: ${(err as Error).message}` };
  }
}
