/** A libvirt domain XML (virsh dumpxml) with <launchSecurity>: the SEV model and our owner tag. */
import { SevDomainFact, SevModel } from "../facts";
import { asArray, asNode, attrOf, ATTR, parseXml, textOf, XmlNode } from "./xml";
import { readLaunchSecurity } from "../domain/launch-security";

export { policyOf } from "../domain/launch-security";

/** Namespace of the ownership element this provider writes under <metadata>. */
export const OWNER_NAMESPACE = "https://pulumi-sev.dev/xmlns/owner/1";

/** virsh domstate strings for a domain whose QEMU process holds its ASID. virsh prints "idle" for blocked. */
const LIVE_STATES = new Set(["running", "idle", "blocked", "paused", "in shutdown", "pmsuspended"]);

export type Owner = NonNullable<SevDomainFact["owner"]>;

export function isRunningState(state: string): boolean {
  return LIVE_STATES.has(state.trim().toLowerCase());
}

/** The SEV model of a parsed <launchSecurity>; null for non-SEV types (tdx, s390-pv). */
export function modelOf(launchSecurity: unknown): SevModel | null {
  return readLaunchSecurity(launchSecurity).model;
}

/** The <launchSecurity> node of a document that is either a whole domain or the bare element. */
export function launchSecurityIn(doc: XmlNode): unknown {
  return doc["launchSecurity"] ?? asNode(doc["domain"])["launchSecurity"];
}

/** The SEV model of a domain XML (or of a bare <launchSecurity> element). */
export function sevModelOfXml(xml: string): SevModel | null {
  const ls = launchSecurityIn(parseXml(xml));
  return ls === undefined ? null : modelOf(ls);
}

/** The namespace URI an element name's prefix is bound to, looking at the element and then its ancestors. */
function namespaceOf(qualifiedName: string, scopes: unknown[]): string | null {
  const colon = qualifiedName.indexOf(":");
  const declaration = colon < 0 ? "xmlns" : `xmlns:${qualifiedName.slice(0, colon)}`;
  for (const scope of scopes) {
    const uri = attrOf(scope, declaration);
    if (uri !== null) return uri;
  }
  return null;
}

function localName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.indexOf(":") + 1);
}

/** <metadata><x:owner xmlns:x="OWNER_NAMESPACE" project stack urn/></metadata>, matched by namespace URI. */
export function ownerOf(domain: XmlNode): Owner | null {
  const metadata = domain["metadata"];
  for (const [name, value] of Object.entries(asNode(metadata))) {
    if (name.startsWith(ATTR) || localName(name) !== "owner") continue;
    for (const element of asArray(value)) {
      if (namespaceOf(name, [element, metadata, domain]) !== OWNER_NAMESPACE) continue;
      const project = attrOf(element, "project");
      const stack = attrOf(element, "stack");
      const urn = attrOf(element, "urn");
      if (project !== null && stack !== null && urn !== null) return { project, stack, urn };
    }
  }
  return null;
}

/**
 * One SEV domain from `virsh dumpxml`, with the state line `virsh domstate` printed.
 * null when the domain has no SEV launchSecurity (e.g. TDX). uuidHint is used when the XML has none.
 */
export function parseSevDomain(xml: string, state: string, uuidHint = ""): SevDomainFact | null {
  const domain = asNode(parseXml(xml)["domain"]);
  const ls = domain["launchSecurity"];
  const model = ls === undefined ? null : modelOf(ls);
  if (model === null) return null;
  return {
    name: textOf(domain["name"]) ?? "",
    uuid: textOf(domain["uuid"]) ?? uuidHint,
    running: isRunningState(state),
    model,
    owner: ownerOf(domain),
  };
}
