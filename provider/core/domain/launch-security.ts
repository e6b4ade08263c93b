/**
 * <launchSecurity>: rendered and read side by side (as Nova's config.py does), from the model
 * descriptors. Child order as in libvirt's own fixtures: cbitpos, reducedPhysBits, policy.
 */
import { DomainCapabilities, SevModel } from "../facts";
import { formatPolicy, MODELS, modelOfLaunchSecurity } from "../models";
import { asNode, attrOf, ATTR, textOf } from "../parse/xml";
import { atLeast } from "../versions";
import { GuestLaunchSecurity, launchAttributes, launchChildren } from "../launch-inputs";

/** libvirt fills cbitpos and reducedPhysBits from the host's capabilities when the domain leaves them out (since 6.9). */
export const LIBVIRT_FILLS_SEV_PLATFORM_INFO = "6.9.0";

type Node = Record<string, unknown>;

export interface LaunchSecurity {
  model: SevModel;
  policy: number;
}

/**
 * The element, with cbitpos/reducedPhysBits whenever the host reports them (else libvirt 6.9+ fills
 * them in), and the guest owner's launch inputs (attributes over the descriptor's, children after policy).
 */
export function renderLaunchSecurity(ls: LaunchSecurity, host: DomainCapabilities, launch?: GuestLaunchSecurity): Node {
  const d = MODELS[ls.model];
  const node: Node = {};
  for (const [k, v] of Object.entries({ type: d.launchSecurity.type, ...d.launchSecurity.attributes, ...launchAttributes(launch) })) node[ATTR + k] = v;
  if (host.sev.cbitpos !== null && host.sev.reducedPhysBits !== null) {
    node["cbitpos"] = String(host.sev.cbitpos);
    node["reducedPhysBits"] = String(host.sev.reducedPhysBits);
  }
  node["policy"] = formatPolicy(ls.policy, ls.model);
  return { ...node, ...launchChildren(ls.model, launch) };
}

/** The policy is hexadecimal in libvirt XML, with or without 0x. */
export function policyOf(raw: string | null): number | null {
  if (raw === null) return null;
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(raw.trim());
  return m ? parseInt(m[1], 16) : null;
}

/** The model and policy of a parsed <launchSecurity>; model null for non-SEV types (tdx, s390-pv). */
export function readLaunchSecurity(node: unknown): { model: SevModel | null; policy: number | null } {
  const policy = policyOf(textOf(asNode(node)["policy"]));
  return { model: modelOfLaunchSecurity(attrOf(node, "type"), policy), policy };
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
