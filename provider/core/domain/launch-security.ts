/**
 * <launchSecurity>: the SEV model's type and attributes, the host's C-bit position, the policy, and
 * the guest owner's launch inputs (attributes kernelHashes/authorKey/vcek, base64 blobs after the
 * policy). Child order as in libvirt's own fixtures: cbitpos, reducedPhysBits, policy.
 */
import { DomainCapabilities, SevModel } from "../facts";
import { formatPolicy, MODELS, modelOfLaunchSecurity } from "../models";
import { asNode, ATTR, attrOf, integerOf, textOf } from "../parse/xml";
import { atLeast } from "../versions";
import { GuestLaunchSecurity } from "../../generated/sev-guest";
import { attrs, Node, XmlNode } from "./node";

/** libvirt fills cbitpos and reducedPhysBits from the host's capabilities when the domain leaves them out (since 6.9). */
export const LIBVIRT_FILLS_SEV_PLATFORM_INFO = "6.9.0";

export interface LaunchSecurity {
  /** sev, sev-snp (tdx, s390-pv when read from elsewhere). */
  type: string | null;
  cbitpos: number | null;
  reducedPhysBits: number | null;
  policy: number | null;
  /** Attributes besides type, as written (yes/no): the model's, then the owner's kernelHashes, authorKey, vcek. */
  attributes: Record<string, string>;
  /** The owner's base64 blobs: dhCert, session (SEV, SEV-ES); idBlock, idAuth, hostData (SEV-SNP). */
  blobs: Record<string, string>;
}

const INPUT_ATTRIBUTES = ["kernelHashes", "authorKey", "vcek"] as const;
const BLOBS = ["dhCert", "session", "idBlock", "idAuth", "hostData"] as const;
const SEV_BLOBS = ["dhCert", "session"] as const;
const SNP_BLOBS = ["idBlock", "idAuth", "hostData"] as const;

/** The attributes <launchSecurity> carries for the inputs given (yes/no); the model's descriptor gives the defaults. */
export function launchAttributes(ls: GuestLaunchSecurity = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of INPUT_ATTRIBUTES) if (ls[k] !== undefined) out[k] = ls[k] ? "yes" : "no";
  return out;
}

/** The blobs the model takes, in libvirt's order after <policy>. */
export function launchChildren(model: SevModel, ls: GuestLaunchSecurity = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of model === "sev-snp" ? SNP_BLOBS : SEV_BLOBS) if (ls[k] !== undefined) out[k] = ls[k] as string;
  return out;
}

/** The element for a model and policy, with cbitpos/reducedPhysBits whenever the host reports them (else libvirt 6.9+ fills them in). */
export function launchSecurityFor(model: SevModel, policy: number, host: DomainCapabilities, launch?: GuestLaunchSecurity): LaunchSecurity {
  const d = MODELS[model].launchSecurity;
  const platform = host.sev.cbitpos !== null && host.sev.reducedPhysBits !== null;
  return {
    type: d.type,
    cbitpos: platform ? host.sev.cbitpos : null,
    reducedPhysBits: platform ? host.sev.reducedPhysBits : null,
    policy,
    attributes: { ...d.attributes, ...launchAttributes(launch) },
    blobs: launchChildren(model, launch),
  };
}

/** The SEV model an element describes; null for non-SEV types (tdx, s390-pv). */
export function sevModelOf(ls: Pick<LaunchSecurity, "type" | "policy">): SevModel | null {
  return modelOfLaunchSecurity(ls.type, ls.policy);
}

function policyText(ls: LaunchSecurity): string | undefined {
  if (ls.policy === null) return undefined;
  const model = sevModelOf(ls);
  return model === null ? `0x${ls.policy.toString(16)}` : formatPolicy(ls.policy, model);
}

/** <launchSecurity>: its type, the model's attributes, the policy and the guest owner's launch inputs as children. */
export function renderLaunchSecurity(ls: LaunchSecurity): Node {
  const node: Node = attrs({ type: ls.type, ...ls.attributes });
  if (ls.cbitpos !== null) node["cbitpos"] = String(ls.cbitpos);
  if (ls.reducedPhysBits !== null) node["reducedPhysBits"] = String(ls.reducedPhysBits);
  const policy = policyText(ls);
  if (policy !== undefined) node["policy"] = policy;
  return { ...node, ...ls.blobs };
}

/** The policy is hexadecimal in libvirt XML, with or without 0x. */
export function policyOf(raw: string | null): number | null {
  if (raw === null) return null;
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(raw.trim());
  return m ? parseInt(m[1], 16) : null;
}

function attributesOf(node: XmlNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node)) if (k.startsWith(ATTR) && k !== `${ATTR}type` && typeof v === "string") out[k.slice(ATTR.length)] = v;
  return out;
}

/** A parsed <launchSecurity> element back into its typed form (the inverse of renderLaunchSecurity). */
export function readLaunchSecurity(element: unknown): LaunchSecurity {
  const node = asNode(element);
  const blobs: Record<string, string> = {};
  for (const k of BLOBS) {
    const v = textOf(node[k]);
    if (v !== null) blobs[k] = v;
  }
  return {
    type: attrOf(node, "type"),
    cbitpos: integerOf(node["cbitpos"]),
    reducedPhysBits: integerOf(node["reducedPhysBits"]),
    policy: policyOf(textOf(node["policy"])),
    attributes: attributesOf(node),
    blobs,
  };
}

/** The owner's inputs as the element carries them (attribute or child name to value). */
export function launchInputsOf(ls: LaunchSecurity): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of INPUT_ATTRIBUTES) if (ls.attributes[k] !== undefined) out[k] = ls.attributes[k];
  return { ...out, ...ls.blobs };
}

/** The owner's inputs of a parsed <launchSecurity> element. */
export function readLaunchInputs(element: unknown): Record<string, string> {
  return launchInputsOf(readLaunchSecurity(element));
}

/** Each owner input that differs between the domain as rendered and as libvirt has it. */
export function launchInputDrift(wanted: Record<string, string>, actual: Record<string, string>): string[] {
  const names = [...INPUT_ATTRIBUTES, ...BLOBS].filter((k) => wanted[k] !== actual[k]);
  const shown = (v: string | undefined) => (v === undefined ? "absent" : v.length > 16 ? `${v.slice(0, 12)}… (${v.length} characters)` : v);
  return names.map((k) => `launchSecurity ${k} is ${shown(actual[k])}, expected ${shown(wanted[k])}`);
}

/** What the host must offer for the element to be defined: the model's domain capabilities, and platform info. */
export function launchSecurityProblems(model: SevModel, host: DomainCapabilities, libvirtVersion: string | null): string[] {
  const problems = MODELS[model].domcapsProblems(host);
  const platformInfo = host.sev.cbitpos !== null && host.sev.reducedPhysBits !== null;
  if (!platformInfo && atLeast(libvirtVersion, LIBVIRT_FILLS_SEV_PLATFORM_INFO) !== true) {
    problems.push(
      `the host reports no cbitpos/reducedPhysBits and its libvirt (${libvirtVersion ?? "unknown version"}) is older than ` +
        `${LIBVIRT_FILLS_SEV_PLATFORM_INFO}, which fills them in: upgrade libvirt or make SEV visible in domcapabilities`,
    );
  }
  return problems;
}
