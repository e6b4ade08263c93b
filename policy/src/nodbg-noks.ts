/** sev-guest-policy-nodbg-noks */
import { DEFAULT_POLICY, MODEL_NAME, MODELS, SEV_POLICY, SNP_POLICY, SevModel, defaultPolicy, formatPolicy, parsePolicy } from "pulumi-sev/core";
import { NAMES, show } from "./common";
import { coreSays, Guest, guestPolicy, settingOf, Violation } from "./guest";

/** The guest policy the flavor asks for, and where it comes from in words. */
interface AskedPolicy {
  g: Guest;
  model: SevModel;
  /** The flavor's own `policy`, undefined when the default applies. */
  raw: unknown;
  allowDebug: boolean;
  /** null when the flavor's policy is not readable. */
  policy: bigint | null;
  origin: string;
}

function askedPolicy(g: Guest, model: SevModel): AskedPolicy {
  const allowDebug = g.flavor.allowDebug === true;
  const raw = g.flavor.policy;
  if (raw === undefined) {
    const origin = `the default policy for ${MODEL_NAME[model]}${allowDebug ? " with allowDebug: true" : ""}`;
    return { g, model, raw, allowDebug, policy: BigInt(defaultPolicy(model, allowDebug)), origin };
  }
  const policy = typeof raw === "number" || typeof raw === "string" ? parsePolicy(raw) : null;
  return { g, model, raw, allowDebug, policy, origin: `flavor ${g.flavorName} policy ${show(raw)}${allowDebug ? " with allowDebug: true" : ""}` };
}

/** The default comes back without allowDebug; an explicit policy needs the bits. */
function fixPolicy(a: AskedPolicy, fixed: bigint): string {
  if (a.raw === undefined) {
    return `remove allowDebug from flavor ${a.g.flavorName} (the default policy is then ${formatPolicy(DEFAULT_POLICY[a.model], a.model)})`;
  }
  return `set flavor ${a.g.flavorName}'s policy to ${formatPolicy(fixed, a.model)}${a.allowDebug ? " and remove allowDebug" : ""}`;
}

function judgeSnp(a: AskedPolicy, policy: bigint): Violation | null {
  if ((policy & SNP_POLICY.DEBUG) === 0n) return null;
  return {
    found: `SEV-SNP policy 0x${policy.toString(16)} (${a.origin}) sets DEBUG (bit 19, 0x80000): the hypervisor could read and write guest memory with the SNP debug commands`,
    required: "an SEV-SNP guest policy with DEBUG (bit 19) clear",
    fix: fixPolicy(a, policy & ~SNP_POLICY.DEBUG),
  };
}

function judgeSev(a: AskedPolicy, policy: bigint): Violation | null {
  const missing: string[] = [];
  if ((policy & BigInt(SEV_POLICY.NODBG)) === 0n)
    missing.push("NODBG (bit 0, 0x1): the hypervisor could read and write guest memory with the SEV debug commands");
  if ((policy & BigInt(SEV_POLICY.NOKS)) === 0n) missing.push("NOKS (bit 1, 0x2): the guest could share its memory encryption key with other guests");
  if (missing.length === 0) return null;
  return {
    found: `${MODEL_NAME[a.model]} policy ${formatPolicy(policy, a.model)} (${a.origin}) clears ${missing.join("; and clears ")}`,
    required: "a guest policy with NODBG (0x1) and NOKS (0x2) set",
    fix: fixPolicy(a, policy | BigInt(SEV_POLICY.NODBG | SEV_POLICY.NOKS)),
  };
}

export const nodbgNoks = guestPolicy(NAMES.nodbgNoks, {
  description:
    "The SEV guest policy must keep NODBG (bit 0) and NOKS (bit 1) set; for SEV-SNP the DEBUG bit (19) must be clear. allowDebug does not exempt a guest.",
  severity: "critical",
  settings: ["mem_encryption_model"],
  judge: (g, m) => {
    if (!m.ok) {
      return {
        found: `${settingOf(g, "mem_encryption_model")}, which does not resolve to a model (${coreSays(m)}), so the policy bits cannot be judged`,
        required: "a resolvable SEV model whose guest policy keeps NODBG and NOKS (SEV-SNP: DEBUG clear)",
        fix: `give flavor ${g.flavorName} one hw:mem_encryption_model (amd-sev, amd-sev-es or amd-sev-snp) without a conflicting image property`,
      };
    }
    const a = askedPolicy(g, m.resolved.model);
    if (a.policy === null) {
      return {
        found: `${a.origin}, which is not a readable SEV policy`,
        required: "a guest policy (integer or hexadecimal string) that keeps NODBG and NOKS",
        fix: `give flavor ${g.flavorName} a policy such as ${formatPolicy(DEFAULT_POLICY[a.model], a.model)}, or remove it to get the default`,
      };
    }
    return (MODELS[a.model].policy.bits === 64 ? judgeSnp : judgeSev)(a, a.policy);
  },
});
