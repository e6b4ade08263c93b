/**
 * SevFlavor: a guest size with Nova's SEV extra specs, optionally merged with image properties by
 * Nova's rules, checked as a whole. Pure: the JSON Schema first, then one small rule per setting
 * (flavor/rules/). Every problem is reported at once.
 */
import { SevModel } from "./facts";
import { InputProblem, formatProblems, schemaChecker } from "./validate";
import { SevFlavorInputs } from "../generated/sev-flavor";
import { ImageProperties } from "../generated/image-properties";
import { FlavorInput } from "./flavor/settings";
import { isObject } from "./json";
import { memEncryptionRule } from "./flavor/rules/mem-encryption";
import { modelRule } from "./flavor/rules/model";
import { machineTypeRule } from "./flavor/rules/machine-type";
import { firmwareTypeRule } from "./flavor/rules/firmware-type";
import { BootDiskBus, bootDiskBusRule } from "./flavor/rules/boot-disk-bus";
import { scsiModelRule } from "./flavor/rules/scsi-model";
import { statelessFirmwareRule } from "./flavor/rules/stateless-firmware";
import { PageSize, pageSizeRule } from "./flavor/rules/page-size";
import { memoryRule } from "./flavor/rules/memory";
import { policyRule } from "./flavor/rules/policy";
import { NOT_NOVA_SPECS, notNovaSpecsRule } from "./flavor/rules/not-nova-specs";
import flavorSchema from "../../schema/sev-flavor.schema.json";
import imageSchema from "../../schema/image-properties.schema.json";

export { SEV_POLICY, SNP_POLICY, parsePolicy } from "./flavor/policy";
export { DEFAULT_POLICY, MODEL_NAME, defaultPolicy, formatPolicy, policyProblems } from "./models";
export { SETTINGS, EXTENSION_PREFIX, boolFromString } from "./flavor/settings";
export type { SettingName, Setting } from "./flavor/settings";
export type { SevFlavorInputs, ImageProperties, BootDiskBus, PageSize };

/** A flavor and image resolved by Nova's rules: the model, policy, machine, firmware and boot disk bus a guest gets. */
export interface ResolvedFlavor {
  name: string;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  model: SevModel;
  /** The SEV guest policy (legacy 32-bit for sev/sev-es, SNP format for sev-snp). */
  policy: number;
  allowDebug: boolean;
  /** "q35" (the host's current q35) or a versioned q35 machine such as pc-q35-8.2. */
  machineType: string;
  firmware: "uefi";
  /** Read-only firmware without per-guest NVRAM: always for sev-snp, else the image's hw_firmware_stateless. */
  firmwareStateless: boolean;
  bootDiskBus: BootDiskBus;
  pageSize: PageSize;
}

/** The outcome of validateFlavor: the resolved flavor, or every problem found. */
export type FlavorResult = { ok: true; resolved: ResolvedFlavor } | { ok: false; problems: InputProblem[] };

const checkFlavorSchema = schemaChecker<SevFlavorInputs>(flavorSchema);
const checkImageSchema = schemaChecker<ImageProperties>(imageSchema);

/** Every rule, each reading the input defensively: a value of the wrong shape is the schema's to report. */
function applyRules(input: FlavorInput): { problems: InputProblem[]; resolved: Partial<ResolvedFlavor> } {
  const model = modelRule(input);
  const rules = {
    encryption: memEncryptionRule(input),
    model,
    machineType: machineTypeRule(input),
    firmware: firmwareTypeRule(input),
    bootDiskBus: bootDiskBusRule(input),
    scsiModel: scsiModelRule(input),
    firmwareStateless: statelessFirmwareRule(input, model.value),
    pageSize: pageSizeRule(input),
    memoryMiB: memoryRule(input),
    policy: policyRule(input, model.value),
  };
  const problems = [...notNovaSpecsRule(input), ...Object.values(rules).flatMap((r) => r.problems)];
  return {
    problems,
    resolved: {
      model: model.value,
      policy: rules.policy.value,
      allowDebug: input.flavor["allowDebug"] === true,
      machineType: rules.machineType.value,
      firmware: rules.firmware.value,
      bootDiskBus: rules.bootDiskBus.value,
      firmwareStateless: rules.firmwareStateless.value,
      pageSize: rules.pageSize.value,
      memoryMiB: rules.memoryMiB.value,
    },
  };
}

function prefixed(problems: InputProblem[], prefix: string): InputProblem[] {
  return problems.map((p) => {
    const property = p.property ? `${prefix}.${p.property}` : prefix;
    let reason = p.reason;
    if (p.property && reason.startsWith(`${p.property} `)) reason = `${property}${reason.slice(p.property.length)}`;
    else if (reason.startsWith("input ")) reason = `${prefix}${reason.slice("input".length)}`;
    return { property, reason };
  });
}

/** The schema's "unknown property" for a renamed key is left to the rule that says what to use instead. */
function explainedElsewhere(p: InputProblem): boolean {
  return NOT_NOVA_SPECS.some((k) => p.property === `extraSpecs.${k}`) && p.reason.startsWith("unknown property");
}

function schemaProblems(flavor: unknown, image: unknown): { problems: InputProblem[]; flavor: SevFlavorInputs | null } {
  const problems: InputProblem[] = [];
  const f = checkFlavorSchema(flavor);
  if (!f.ok) problems.push(...f.problems.filter((p) => !explainedElsewhere(p)));
  if (image !== undefined) {
    const i = checkImageSchema(image);
    if (!i.ok) problems.push(...prefixed(i.problems, "image"));
  }
  return { problems, flavor: f.ok ? f.value : null };
}

/**
 * Checks a flavor (and the image properties it is booted with) and resolves it for rendering.
 * All problems come back at once: schema problems of both inputs and every rule.
 */
export function validateFlavor(flavor: unknown, image?: unknown): FlavorResult {
  const schema = schemaProblems(flavor, image);
  const f = isObject(flavor) ? flavor : {};
  const input: FlavorInput = { flavor: f, specs: isObject(f["extraSpecs"]) ? f["extraSpecs"] : {}, image: isObject(image) ? image : {} };
  const rules = applyRules(input);
  const problems = [...schema.problems, ...rules.problems];
  if (problems.length > 0 || schema.flavor === null) return { ok: false, problems };
  const { model, policy, machineType, firmware, bootDiskBus, pageSize, memoryMiB, firmwareStateless, allowDebug } = rules.resolved;
  // With no problems every rule resolved its value; the guard keeps the types honest.
  if (
    model === undefined ||
    policy === undefined ||
    machineType === undefined ||
    firmware === undefined ||
    bootDiskBus === undefined ||
    pageSize === undefined ||
    memoryMiB === undefined ||
    firmwareStateless === undefined
  ) {
    return { ok: false, problems: [{ property: "", reason: "flavor could not be resolved" }] };
  }
  const { name, vcpus, disk: diskGiB } = schema.flavor;
  const resolved = {
    name,
    vcpus,
    memoryMiB,
    diskGiB,
    model,
    policy,
    allowDebug: allowDebug ?? false,
    machineType,
    firmware,
    firmwareStateless,
    bootDiskBus,
    pageSize,
  };
  return { ok: true, resolved };
}

/** One error message listing every problem. */
export function formatFlavorProblems(flavor: unknown, problems: InputProblem[]): string {
  const name = isObject(flavor) && typeof flavor["name"] === "string" ? ` ${flavor["name"]}` : "";
  return formatProblems(`SevFlavor${name}`, problems);
}

/** validateFlavor, throwing one Error that lists every problem. */
export function resolveFlavor(flavor: unknown, image?: unknown): ResolvedFlavor {
  const result = validateFlavor(flavor, image);
  if (!result.ok) throw new Error(formatFlavorProblems(flavor, result.problems));
  return result.resolved;
}
