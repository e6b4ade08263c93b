/** What a guest's domain XML says about the things SevGuest owns; compared to find drift. */
import { SevModel } from "../facts";
import { asNode, attrOf, integerOf, parseXml, textOf, XmlNode } from "./xml";
import { modelOf, ownerOf, policyOf } from "./domain";

export interface GuestView {
  name: string | null;
  uuid: string | null;
  /** null: no SEV launchSecurity at all. */
  model: SevModel | null;
  policy: number | null;
  memoryKiB: number | null;
  vcpus: number | null;
  memoryLocked: boolean;
  /** The URN in this provider's ownership metadata, null when the domain carries none. */
  ownerUrn: string | null;
}

const KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, m: 1024, mib: 1024, g: 1024 ** 2, gib: 1024 ** 2 };

function memoryKiB(node: unknown): number | null {
  const n = integerOf(node);
  const unit = (attrOf(node, "unit") ?? "KiB").toLowerCase();
  return n === null || KIB[unit] === undefined ? null : Math.round(n * KIB[unit]);
}

export function viewOfDomain(xml: string): GuestView {
  const d: XmlNode = asNode(parseXml(xml)["domain"]);
  const ls = d["launchSecurity"];
  return {
    name: textOf(d["name"]),
    uuid: textOf(d["uuid"]),
    model: ls === undefined ? null : modelOf(ls),
    policy: ls === undefined ? null : policyOf(textOf(asNode(ls)["policy"])),
    memoryKiB: memoryKiB(d["memory"]),
    vcpus: integerOf(d["vcpu"]),
    memoryLocked: asNode(d["memoryBacking"])["locked"] !== undefined,
    ownerUrn: ownerOf(d)?.urn ?? null,
  };
}

/** Differences between the domain as rendered and as libvirt has it now, worded for an operator. */
export function guestDrift(wanted: GuestView, actual: GuestView): string[] {
  const drift: string[] = [];
  if (actual.model === null) drift.push("launchSecurity was removed: the guest would start unencrypted");
  else if (actual.model !== wanted.model) drift.push(`SEV model is ${actual.model}, expected ${wanted.model}`);
  if (actual.model !== null && actual.policy !== wanted.policy) drift.push(`SEV policy is ${hex(actual.policy)}, expected ${hex(wanted.policy)}`);
  if (actual.memoryKiB !== wanted.memoryKiB) drift.push(`memory is ${actual.memoryKiB} KiB, expected ${wanted.memoryKiB} KiB`);
  if (actual.vcpus !== wanted.vcpus) drift.push(`vcpus is ${actual.vcpus}, expected ${wanted.vcpus}`);
  if (wanted.memoryLocked && !actual.memoryLocked) drift.push("memory is no longer locked (memoryBacking/locked removed)");
  return drift;
}

function hex(n: number | null): string {
  return n === null ? "none" : `0x${n.toString(16).padStart(4, "0")}`;
}
