/**
 * One descriptor per SEV model: everything the provider knows about a model lives here, and the
 * flavor rules, the renderer and reader of <launchSecurity>, slot accounting, the host report, the
 * policy pack and the lab's virsh shim all ask these descriptors.
 *
 * A model is added (or given a new launchSecurity element, policy bit or version floor) by editing
 * its descriptor; nothing else names models one by one.
 */
import { DomainCapabilities, HostFacts, SevModel } from "./facts";
import { LEGACY_POLICY_HEX_DIGITS, legacyPolicyProblems, policyHex, SNP_POLICY_HEX_DIGITS, snpPolicyProblems } from "./flavor/policy";
import { atLeast } from "./versions";
import { checkKvmAmd } from "./checks";

export type { SevModel };

/** hw:mem_encryption_model / hw_mem_encryption_model values. */
export type NovaModelName = "amd-sev" | "amd-sev-es" | "amd-sev-snp";

/** The host's ASID pools: SEV guests use the plain SEV range, SEV-ES and SEV-SNP guests the ES range. */
export type PoolKey = "sev" | "sevEs";

/** Everything the provider knows about one SEV model: Nova's name, pool, launchSecurity, policy format, what a host needs. */
export interface ModelDescriptor {
  model: SevModel;
  novaName: NovaModelName;
  /** How the model is written in prose: SEV, SEV-ES, SEV-SNP. */
  title: string;
  /** The placement trait Nova requires for the model (os-traits). */
  novaTrait: string;
  /** The ASID pool a guest of this model takes its slot from. */
  pool: PoolKey;
  launchSecurity: {
    type: "sev" | "sev-snp";
    /** For type sev: whether the policy's ES bit (0x4) is set. SEV-ES is type sev with the ES bit. */
    esPolicyBit?: boolean;
    /** Attributes of <launchSecurity> beyond type (Nova's SNP element asks for a VCEK-signed report). */
    attributes: Record<string, string>;
  };
  policy: {
    /** The policy format: legacy 32-bit SEV policy, or the 64-bit SEV-SNP policy. */
    bits: 32 | 64;
    /** Hex digits libvirt and Nova write (0x0033, 0x00030000): the one formatting rule of the model. */
    hexDigits: number;
    /** The default policy (Nova's). */
    default: number;
    /** The default turned debuggable (allowDebug). */
    debuggable: number;
    /** Every reason a policy does not fit the model; empty when it does. */
    problems(policy: bigint, allowDebug: boolean): string[];
  };
  /** The guest's register state (VMSA) is encrypted too (SEV-ES, SEV-SNP). */
  encryptsRegisterState: boolean;
  /** Nova's needs_locked_memory: <memoryBacking><locked/></memoryBacking>. */
  locksMemory: boolean;
  /** Read-only firmware without per-guest NVRAM: required by the model, or the image's choice. */
  statelessFirmware: "required" | "optional";
  /** How an explicit stateless firmware image is loaded: SNP measures it into guest memory as a ROM. */
  firmwareLoader: "pflash" | "rom";
  /** The kvm_amd module parameter that enables the model. */
  kvmAmdParameter: "sev" | "sev_es" | "sev_snp";
  /** What the host's domain capabilities must show (also judged when rendering). */
  domcapsProblems(domcaps: DomainCapabilities): string[];
  /** Every reason the host cannot run guests of this model (Nova's supports_amd_sev*); empty when it can. */
  hostProblems(facts: HostFacts): string[];
}

/** Nova's MIN_QEMU_SEV_ES_VERSION (nova/virt/libvirt/host.py). */
export const MIN_QEMU_SEV_ES = "8.0.0";

function paramShown(value: boolean | null, loaded: boolean): string {
  if (!loaded) return "kvm_amd is not loaded";
  return value === null ? "absent" : value ? "1" : "0";
}

/** kvm_amd.sev_es / kvm_amd.sev_snp, which the readiness checks do not require. */
function kvmAmdProblem(facts: HostFacts, param: "sev_es" | "sev_snp", title: string): string[] {
  const key = ({ sev_es: "sevEs", sev_snp: "sevSnp" } as const)[param];
  const value = facts.kvmAmd[key];
  if (facts.kvmAmd.loaded && value === true) return [];
  return [
    `kvm_amd.${param} is ${paramShown(value, facts.kvmAmd.loaded)}: ${title} guests need kvm_amd loaded with ${param}=1 ` +
      `(kernel command line kvm_amd.${param}=1, or options kvm_amd ${param}=1 in /etc/modprobe.d, then reboot)`,
  ];
}

function sevDomcapsProblems(domcaps: DomainCapabilities): string[] {
  const types = domcaps.launchSecurityTypes;
  if (!domcaps.sev.supported) return ["the host's domain capabilities do not report <sev supported='yes'>: it cannot launch SEV guests"];
  if (types.length > 0 && !types.includes("sev")) return [`the host's launchSecurity types [${types.join(", ")}] do not include sev`];
  return [];
}

function snpDomcapsProblems(domcaps: DomainCapabilities): string[] {
  const types = domcaps.launchSecurityTypes;
  if (types.includes("sev-snp")) return [];
  return [
    `amd-sev-snp needs a host whose domain capabilities list launchSecurity type sev-snp; this host lists ` +
      `[${types.join(", ")}] (SEV-SNP needs an SNP-enabled kernel and QEMU, and libvirt 10.5 or later)`,
  ];
}

function domcapsOf(facts: HostFacts, judge: (d: DomainCapabilities) => string[]): string[] {
  if (facts.domcaps === null) return [`the host's domain capabilities could not be read (${facts.domcapsError ?? "virsh domcapabilities failed"})`];
  return judge(facts.domcaps);
}

/**
 * Nova's supports_amd_sev: kvm_amd.sev (the readiness check's rule) and <sev supported='yes'>; every
 * other model builds on it.
 */
function sevHostProblems(facts: HostFacts): string[] {
  const kvmAmd = checkKvmAmd(facts);
  const param = kvmAmd.verdict === "pass" ? [] : [`${kvmAmd.title}: found ${kvmAmd.found}, required ${kvmAmd.required}`];
  return [...param, ...domcapsOf(facts, sevDomcapsProblems)];
}

const SEV: ModelDescriptor = {
  model: "sev",
  novaName: "amd-sev",
  title: "SEV",
  novaTrait: "HW_CPU_X86_AMD_SEV",
  pool: "sev",
  launchSecurity: { type: "sev", esPolicyBit: false, attributes: {} },
  policy: {
    bits: 32,
    hexDigits: LEGACY_POLICY_HEX_DIGITS,
    default: 0x0033, // NODBG | NOKS | DOMAIN | SEV (Nova's SEV_POLICY_NORM)
    debuggable: 0x0032, // NODBG cleared
    problems: (policy, allowDebug) => legacyPolicyProblems(policy, "sev", allowDebug),
  },
  encryptsRegisterState: false,
  locksMemory: true,
  statelessFirmware: "optional",
  firmwareLoader: "pflash",
  kvmAmdParameter: "sev",
  domcapsProblems: sevDomcapsProblems,
  hostProblems: sevHostProblems,
};

const SEV_ES: ModelDescriptor = {
  model: "sev-es",
  novaName: "amd-sev-es",
  title: "SEV-ES",
  novaTrait: "HW_CPU_X86_AMD_SEV_ES",
  pool: "sevEs",
  launchSecurity: { type: "sev", esPolicyBit: true, attributes: {} },
  policy: {
    bits: 32,
    hexDigits: LEGACY_POLICY_HEX_DIGITS,
    default: 0x0037, // SEV's default plus ES
    debuggable: 0x0036,
    problems: (policy, allowDebug) => legacyPolicyProblems(policy, "sev-es", allowDebug),
  },
  encryptsRegisterState: true,
  locksMemory: true,
  statelessFirmware: "optional",
  firmwareLoader: "pflash",
  kvmAmdParameter: "sev_es",
  domcapsProblems: sevDomcapsProblems,
  /** Nova's supports_amd_sev_es: SEV, kvm_amd.sev_es, QEMU 8.0, and not an SNP-enabled host. */
  hostProblems: (facts) => {
    const problems = [...sevHostProblems(facts), ...kvmAmdProblem(facts, "sev_es", "SEV-ES")];
    if (atLeast(facts.qemuVersion, MIN_QEMU_SEV_ES) !== true) {
      problems.push(
        `QEMU ${facts.qemuVersion ?? "(unknown version)"} is older than ${MIN_QEMU_SEV_ES}, the first QEMU Nova runs SEV-ES guests with: upgrade QEMU`,
      );
    }
    if (facts.kvmAmd.sevSnp === true) {
      problems.push(
        "kvm_amd.sev_snp is 1: SEV-ES and SEV-SNP are exclusive on one host (CVE-2025-48514), and Nova disables SEV-ES where SNP is enabled: " +
          "use amd-sev-snp on this host, or disable SNP (kvm_amd.sev_snp=0) to run SEV-ES guests",
      );
    }
    return problems;
  },
};

const SEV_SNP: ModelDescriptor = {
  model: "sev-snp",
  novaName: "amd-sev-snp",
  title: "SEV-SNP",
  novaTrait: "HW_CPU_X86_AMD_SEV_SNP",
  pool: "sevEs",
  launchSecurity: { type: "sev-snp", attributes: { authorKey: "no", vcek: "yes" } },
  policy: {
    bits: 64,
    hexDigits: SNP_POLICY_HEX_DIGITS,
    default: 0x30000, // SMT | reserved-must-be-one (QEMU's default)
    debuggable: 0xb0000, // DEBUG (bit 19) added
    problems: (policy, allowDebug) => snpPolicyProblems(policy, allowDebug),
  },
  encryptsRegisterState: true,
  locksMemory: false,
  statelessFirmware: "required",
  firmwareLoader: "rom",
  kvmAmdParameter: "sev_snp",
  domcapsProblems: snpDomcapsProblems,
  /** Nova's supports_amd_sev_snp: SEV, kvm_amd.sev_snp, and sev-snp among the launchSecurity sectypes. */
  hostProblems: (facts) => [...sevHostProblems(facts), ...kvmAmdProblem(facts, "sev_snp", "SEV-SNP"), ...domcapsOf(facts, snpDomcapsProblems)],
};

/** The descriptor of each SEV model, by model. */
export const MODELS: Readonly<Record<SevModel, ModelDescriptor>> = { sev: SEV, "sev-es": SEV_ES, "sev-snp": SEV_SNP };

/** In the order Nova lists them. */
export const MODEL_LIST: readonly ModelDescriptor[] = [SEV, SEV_ES, SEV_SNP];

/** The ASID pool a guest of this model takes its slot from: the one lookup of a model's pool. */
export function poolOfModel(model: SevModel): PoolKey {
  return MODELS[model].pool;
}

/** Whether a value (from state, a policy's view, a CLI argument) names a model: sev, sev-es or sev-snp. */
export function isSevModel(v: unknown): v is SevModel {
  return typeof v === "string" && Object.hasOwn(MODELS, v);
}

/** The descriptor of one model (MODELS[model]). */
export function descriptorOf(model: SevModel): ModelDescriptor {
  return MODELS[model];
}

/** The descriptor of a Nova model name; undefined for anything else. */
export function modelOfNovaName(name: unknown): ModelDescriptor | undefined {
  return MODEL_LIST.find((d) => d.novaName === name);
}

/** The model a <launchSecurity> of this type and policy launches; null for other types (tdx, s390-pv). */
export function modelOfLaunchSecurity(type: string | null, policy: number | null): SevModel | null {
  const es = policy !== null && (policy & 0x4) !== 0;
  const d = MODEL_LIST.find((m) => m.launchSecurity.type === type && (m.launchSecurity.esPolicyBit === undefined || m.launchSecurity.esPolicyBit === es));
  return d?.model ?? null;
}

/** The policy as libvirt and Nova write it, and as every output shows it. */
export function formatPolicy(policy: number | bigint, model: SevModel): string {
  return policyHex(policy, MODELS[model].policy.hexDigits);
}

/** Every reason the policy does not fit the model (empty when it does). */
export function policyProblems(policy: bigint, model: SevModel, allowDebug: boolean): string[] {
  return MODELS[model].policy.problems(policy, allowDebug);
}

/** Whether a host runs a model (Nova's per-host support), with the reasons when it does not. */
export interface ModelSupport {
  model: SevModel;
  novaName: NovaModelName;
  supported: boolean;
  /** Why the host cannot run the model (empty when it can). */
  reasons: string[];
}

/** Which models the host runs, with the reasons for each it does not. */
export function modelSupport(facts: HostFacts): ModelSupport[] {
  return MODEL_LIST.map((d) => {
    const reasons = d.hostProblems(facts);
    return { model: d.model, novaName: d.novaName, supported: reasons.length === 0, reasons };
  });
}

/** The refusal of a guest whose model the host cannot run; null when it can. */
export function formatUnsupportedModel(label: string, model: SevModel, facts: HostFacts): string | null {
  const d = MODELS[model];
  const reasons = d.hostProblems(facts);
  if (reasons.length === 0) return null;
  const others = modelSupport(facts)
    .filter((s) => s.supported)
    .map((s) => s.novaName);
  return (
    `host ${label} cannot run ${d.novaName} (${d.title}) guests: ${reasons.join("; ")}. ` +
    `Fix: place the guest on a host that supports ${d.novaName}` +
    (others.length > 0 ? `, or use a model this host supports (${others.join(", ")})` : "") +
    `; SevHost ${label}'s models output lists what it supports and why not.`
  );
}

/** The default policy of each model. */
export const DEFAULT_POLICY: Readonly<Record<SevModel, number>> = {
  sev: SEV.policy.default,
  "sev-es": SEV_ES.policy.default,
  "sev-snp": SEV_SNP.policy.default,
};

/** The hw:mem_encryption_model value of each model. */
export const MODEL_NAME: Readonly<Record<SevModel, NovaModelName>> = { sev: SEV.novaName, "sev-es": SEV_ES.novaName, "sev-snp": SEV_SNP.novaName };

/** The default policy of a model; with allowDebug, its debuggable variant (NODBG cleared, or SNP DEBUG set). */
export function defaultPolicy(model: SevModel, allowDebug = false): number {
  const p = MODELS[model].policy;
  return allowDebug ? p.debuggable : p.default;
}
