/**
 * SevFlavor: a guest size with Nova's SEV extra specs, optionally merged with image properties by
 * Nova's rules, checked as a whole. Pure: the JSON Schema first, then the rules a schema cannot say.
 * Every problem is reported at once.
 */
import { SevModel } from "./facts";
import { parseSize } from "./memory";
import { InputProblem, formatProblems, schemaChecker } from "./validate";
import { defaultPolicy, parsePolicy, policyProblems } from "./flavor/policy";
import { SevFlavorInputs } from "../generated/sev-flavor";
import { ImageProperties } from "../generated/image-properties";
import flavorSchema from "../../schema/sev-flavor.schema.json";
import imageSchema from "../../schema/image-properties.schema.json";

export { DEFAULT_POLICY, SEV_POLICY, SNP_POLICY, MODEL_NAME, defaultPolicy, formatPolicy, parsePolicy, policyProblems } from "./flavor/policy";
export type { SevFlavorInputs, ImageProperties };

export type BootDiskBus = "scsi" | "sata";

/** "small" (4 KiB, the default), "large" (the host's default huge page), "any", or an explicit size in KiB. */
export type PageSize = "small" | "large" | "any" | number;

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

export type FlavorResult = { ok: true; resolved: ResolvedFlavor } | { ok: false; problems: InputProblem[] };

const checkFlavorSchema = schemaChecker<SevFlavorInputs>(flavorSchema);
const checkImageSchema = schemaChecker<ImageProperties>(imageSchema);

const MODELS: Record<string, SevModel> = { "amd-sev": "sev", "amd-sev-es": "sev-es", "amd-sev-snp": "sev-snp" };
const DISK_BUSES = ["scsi", "sata", "virtio", "ide", "usb", "fdc"];
const MIB = 1024 * 1024;
/** x86_64 page sizes in KiB: 4 KiB, 2 MiB, 1 GiB. */
const X86_PAGE_SIZES_KIB = [4, 2048, 1048576];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Nova's bool_from_string for the values the schema admits; undefined for anything else. */
function boolOf(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^true$/i.test(v)) return true;
  if (typeof v === "string" && /^false$/i.test(v)) return false;
  return undefined;
}

function stringOf(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function oneOf<T extends string>(v: unknown, allowed: readonly string[]): T | undefined {
  return typeof v === "string" && allowed.includes(v) ? (v as T) : undefined;
}

/** One setting that a flavor extra spec and an image property can both give. */
interface Merged<T> {
  value: T | undefined;
  /** Property path of the input the value came from ("" when neither gave it). */
  from: string;
  /** The Nova name that gave it (hw:disk_bus or hw_disk_bus). */
  label: string;
}

/**
 * Nova's rule for a setting both may give: either one alone wins; both set and different is a
 * FlavorImageConflict, worded like Nova's.
 */
function merge<T>(key: string, flavorValue: T | undefined, imageValue: T | undefined, problems: InputProblem[], show: (v: T) => string = String): Merged<T> {
  const spec = `hw:${key}`;
  const prop = `hw_${key}`;
  if (flavorValue !== undefined && imageValue !== undefined && flavorValue !== imageValue) {
    problems.push({
      property: `extraSpecs.${spec}`,
      reason:
        `Flavor's ${spec} extra spec (${show(flavorValue)}) and image's ${prop} property (${show(imageValue)}) conflict: ` +
        `remove one of them or give both the same value`,
    });
    return { value: undefined, from: `extraSpecs.${spec}`, label: spec };
  }
  if (flavorValue !== undefined) return { value: flavorValue, from: `extraSpecs.${spec}`, label: spec };
  if (imageValue !== undefined) return { value: imageValue, from: `image.${prop}`, label: prop };
  return { value: undefined, from: "", label: spec };
}

function memoryMiBOf(v: unknown, problems: InputProblem[]): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 1 ? v : undefined;
  if (typeof v !== "string") return undefined;
  let bytes: number;
  try {
    bytes = parseSize(v);
  } catch (err) {
    // A malformed size is the schema's to report; a well-formed one that cannot be used is ours.
    if (/too large/.test((err as Error).message)) problems.push({ property: "memory", reason: `memory ${JSON.stringify(v)} is too large to be a guest's memory` });
    return undefined;
  }
  if (bytes < MIB || bytes % MIB !== 0) {
    problems.push({ property: "memory", reason: `memory ${JSON.stringify(v)} is not a whole number of MiB (at least 1 MiB)` });
    return undefined;
  }
  return bytes / MIB;
}

/** Nova's hw:mem_page_size: small, large, any, or a size where a bare number is KiB. */
function pageSizeOf(v: unknown, problems: InputProblem[]): PageSize | undefined {
  if (v === undefined) return "small";
  if (v === "small" || v === "large" || v === "any") return v;
  let kib: number | undefined;
  if (typeof v === "number" && Number.isSafeInteger(v)) kib = v;
  if (typeof v === "string") {
    const m = /^([0-9]+)\s*(([KkMmGg])i?[Bb]?)?$/.exec(v);
    if (m) kib = Number(m[1]) * 1024 ** ({ k: 0, m: 1, g: 2 } as Record<string, number>)[(m[3] ?? "k").toLowerCase()];
  }
  if (kib === undefined) return undefined; // the schema reports the form
  if (!X86_PAGE_SIZES_KIB.includes(kib)) {
    problems.push({
      property: "extraSpecs.hw:mem_page_size",
      reason: `hw:mem_page_size ${JSON.stringify(v)} (${kib} KiB) is not an x86_64 page size: use small, large, any, 4KB, 2MB or 1GB`,
    });
    return undefined;
  }
  return kib === 4 ? "small" : kib;
}

interface Semantic {
  problems: InputProblem[];
  resolved: Partial<ResolvedFlavor>;
}

/**
 * The rules beyond the schema. Reads the input defensively: a value of the wrong shape is left to
 * the schema's report and skipped here, so both kinds of problem are listed together.
 */
function semanticCheck(flavor: Record<string, unknown>, image: Record<string, unknown>): Semantic {
  const problems: InputProblem[] = [];
  const specs = isObject(flavor["extraSpecs"]) ? flavor["extraSpecs"] : {};
  const allowDebug = flavor["allowDebug"] === true;

  // hw:mem_encryption / hw_mem_encryption: this provider only launches SEV guests.
  const flavorEnc = specs["hw:mem_encryption"];
  const imageEnc = image["hw_mem_encryption"];
  const enc = merge("mem_encryption", boolOf(flavorEnc), boolOf(imageEnc), problems);
  if (enc.value === false) {
    problems.push({ property: enc.from, reason: `${enc.label} is false: a SevFlavor launches memory-encrypted guests only; set it to true` });
  } else if (flavorEnc === undefined && imageEnc === undefined) {
    problems.push({
      property: "extraSpecs.hw:mem_encryption",
      reason: "memory encryption is not requested: set the extra spec hw:mem_encryption to true (or the image property hw_mem_encryption)",
    });
  }

  // hw:mem_encryption_model: amd-sev (default), amd-sev-es, amd-sev-snp.
  const modelMerged = merge<string>(
    "mem_encryption_model",
    oneOf(specs["hw:mem_encryption_model"], Object.keys(MODELS)),
    oneOf(image["hw_mem_encryption_model"], Object.keys(MODELS)),
    problems,
  );
  // Unknown when the two conflict or either is malformed (the schema reports it): the policy is then not judged.
  const modelUnreadable = [specs["hw:mem_encryption_model"], image["hw_mem_encryption_model"]].some((v) => v !== undefined && oneOf(v, Object.keys(MODELS)) === undefined);
  const modelConflict = modelMerged.value === undefined && modelMerged.from !== "";
  const model: SevModel | undefined = modelConflict || modelUnreadable ? undefined : MODELS[modelMerged.value ?? "amd-sev"];

  // hw:machine_type: q35 only (virtio 1.0 on PCIe, for iommu_platform).
  const machine = merge<string>("machine_type", stringOf(specs["hw:machine_type"]), stringOf(image["hw_machine_type"]), problems);
  const machineType = machine.value ?? (machine.from === "" ? "q35" : undefined);
  if (machineType !== undefined && !/q35/i.test(machineType)) {
    problems.push({
      property: machine.from,
      reason:
        `${machine.label} ${machineType} is not a q35 machine: SEV guests need q35 so that all virtio devices sit on PCIe and use virtio 1.0, ` +
        `whose iommu_platform feature SEV's DMA bounce buffering depends on; use q35 or a versioned pc-q35-* machine`,
    });
  }

  // hw:firmware_type: UEFI (OVMF) only.
  const fw = merge<string>("firmware_type", oneOf(specs["hw:firmware_type"], ["uefi", "bios"]), oneOf(image["hw_firmware_type"], ["uefi", "bios"]), problems);
  if (fw.value === "bios") {
    problems.push({ property: fw.from, reason: `${fw.label} bios is refused: SEV guests boot only with UEFI firmware (OVMF); use uefi` });
  }

  // hw:disk_bus for the boot disk: scsi (virtio-scsi) or sata.
  const bus = merge<string>("disk_bus", oneOf(specs["hw:disk_bus"], DISK_BUSES), oneOf(image["hw_disk_bus"], DISK_BUSES), problems);
  const busValue = bus.value ?? (bus.from === "" ? "scsi" : undefined);
  if (busValue === "virtio") {
    problems.push({
      property: bus.from,
      reason:
        `${bus.label} virtio is refused for the boot disk: the boot disk of an SEV guest cannot be virtio-blk ` +
        `(a resource constraint with the bounce buffers SEV's encrypted DMA goes through, per the Nova SEV spec); use scsi (on virtio-scsi) or sata`,
    });
  } else if (busValue === "ide") {
    problems.push({ property: bus.from, reason: `${bus.label} ide is refused: a q35 machine has no IDE controller; use scsi (on virtio-scsi) or sata` });
  } else if (busValue === "usb" || busValue === "fdc") {
    problems.push({ property: bus.from, reason: `${bus.label} ${busValue} is refused for the boot disk of an SEV guest; use scsi (on virtio-scsi) or sata` });
  }

  // Stateless firmware: required (and implied) for SEV-SNP.
  const statelessImage = typeof image["hw_firmware_stateless"] === "boolean" ? image["hw_firmware_stateless"] : undefined;
  if (model === "sev-snp" && statelessImage === false) {
    problems.push({
      property: "image.hw_firmware_stateless",
      reason: "hw_firmware_stateless is false but amd-sev-snp needs stateless firmware (read-only, no per-guest NVRAM); remove it or set it to true",
    });
  }

  // hw:mem_page_size.
  const pageSize = pageSizeOf(specs["hw:mem_page_size"], problems);

  // memory.
  const memoryMiB = memoryMiBOf(flavor["memory"], problems);

  // The policy, bit by bit, against the model.
  let policy: number | undefined;
  if (model !== undefined) {
    const raw = flavor["policy"];
    if (raw === undefined) {
      policy = defaultPolicy(model, allowDebug);
    } else if (typeof raw === "number" || typeof raw === "string") {
      const parsed = parsePolicy(raw);
      if (parsed === null && typeof raw === "number" && Number.isInteger(raw) && raw >= 0) {
        problems.push({ property: "policy", reason: `policy ${raw} is too large for an exact integer: give it as a hexadecimal string` });
      } else if (parsed !== null) {
        const found = policyProblems(parsed, model, allowDebug);
        for (const reason of found) problems.push({ property: "policy", reason });
        if (found.length === 0) policy = Number(parsed);
      }
    }
  }

  return {
    problems,
    resolved: {
      model,
      policy,
      allowDebug,
      machineType,
      bootDiskBus: busValue === "scsi" || busValue === "sata" ? busValue : undefined,
      firmwareStateless: model === "sev-snp" ? true : statelessImage ?? false,
      pageSize,
      memoryMiB,
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

/**
 * Checks a flavor (and the image properties it is booted with) and resolves it for rendering.
 * All problems come back at once: schema problems of both inputs and every semantic rule.
 */
export function validateFlavor(flavor: unknown, image?: unknown): FlavorResult {
  const problems: InputProblem[] = [];
  const flavorSchemaResult = checkFlavorSchema(flavor);
  if (!flavorSchemaResult.ok) problems.push(...flavorSchemaResult.problems);
  if (image !== undefined) {
    const imageSchemaResult = checkImageSchema(image);
    if (!imageSchemaResult.ok) problems.push(...prefixed(imageSchemaResult.problems, "image"));
  }
  const f = isObject(flavor) ? flavor : {};
  const semantic = semanticCheck(f, isObject(image) ? image : {});
  problems.push(...semantic.problems);
  if (problems.length > 0 || !flavorSchemaResult.ok) return { ok: false, problems };

  const r = semantic.resolved;
  const input = flavorSchemaResult.value;
  // With no problems every semantic field is resolved; the guard keeps the types honest.
  if (r.model === undefined || r.policy === undefined || r.machineType === undefined || r.bootDiskBus === undefined || r.pageSize === undefined || r.memoryMiB === undefined) {
    return { ok: false, problems: [{ property: "", reason: "flavor could not be resolved" }] };
  }
  return {
    ok: true,
    resolved: {
      name: input.name,
      vcpus: input.vcpus,
      memoryMiB: r.memoryMiB,
      diskGiB: input.disk,
      model: r.model,
      policy: r.policy,
      allowDebug: r.allowDebug ?? false,
      machineType: r.machineType,
      firmware: "uefi",
      firmwareStateless: r.firmwareStateless ?? false,
      bootDiskBus: r.bootDiskBus,
      pageSize: r.pageSize,
    },
  };
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
