/** A libvirt domain XML (virsh dumpxml) with <launchSecurity>: the SEV model and our owner tag, read through domain/document.ts. */
import { SevDomainFact, SevModel } from "../facts";
import { asNode, parseXml, XmlNode } from "./xml";
import { readDomainNode } from "../domain/document";
import { readLaunchSecurity, sevModelOf } from "../domain/launch-security";

export { policyOf } from "../domain/launch-security";
export { OWNER_NAMESPACE, ownerOf } from "../domain/metadata";
export type { Owner } from "../domain/metadata";

/** virsh domstate strings for a domain whose QEMU process holds its ASID. virsh prints "idle" for blocked. */
const LIVE_STATES = new Set(["running", "idle", "blocked", "paused", "in shutdown", "pmsuspended"]);

export function isRunningState(state: string): boolean {
  return LIVE_STATES.has(state.trim().toLowerCase());
}

/** The SEV model of a parsed <launchSecurity>; null for non-SEV types (tdx, s390-pv). */
export function modelOf(launchSecurity: unknown): SevModel | null {
  return sevModelOf(readLaunchSecurity(launchSecurity));
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

/**
 * One SEV domain from `virsh dumpxml`, with the state line `virsh domstate` printed.
 * null when the domain has no SEV launchSecurity (e.g. TDX). uuidHint is used when the XML has none.
 */
export function parseSevDomain(xml: string, state: string, uuidHint = ""): SevDomainFact | null {
  const domain = readDomainNode(asNode(parseXml(xml)["domain"]));
  const model = domain.launchSecurity === null ? null : sevModelOf(domain.launchSecurity);
  if (model === null) return null;
  return { name: domain.name ?? "", uuid: domain.uuid ?? uuidHint, running: isRunningState(state), model, owner: domain.owner };
}
