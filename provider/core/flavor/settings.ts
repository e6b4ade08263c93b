/**
 * The settings a flavor and an image can give, under their names, and Nova's rule for merging them.
 * A flavor key is either a Nova extra spec (hw:…) or one of this provider's extensions (pulumi-sev:…):
 * Nova reads the machine type, firmware and disk bus from image properties only.
 */
import { InputProblem } from "../validate";

export type Obj = Record<string, unknown>;

/** What every flavor rule reads: the flavor's inputs, its extra specs and the image properties ({} when absent). */
export interface FlavorInput {
  flavor: Obj;
  specs: Obj;
  image: Obj;
}

/** A rule's answer: the resolved value (undefined when it cannot be resolved) and every problem found. */
export interface Ruled<T> {
  value: T | undefined;
  problems: InputProblem[];
}

/** One setting: its flavor extra spec and image property names, and how Nova merges them. */
export interface Setting {
  /** The flavor extra spec, or null when only the image gives it. */
  flavorKey: string | null;
  /** The Glance image property, or null when only the flavor gives it. */
  imageKey: string | null;
  /** The flavor key is this provider's extension, not a Nova extra spec. */
  extension: boolean;
}

/** The prefix of this provider's own flavor extra specs. */
export const EXTENSION_PREFIX = "pulumi-sev:";

/** Every flavor/image setting this provider reads, by name: Nova's and the pulumi-sev: extensions. */
export const SETTINGS = {
  mem_encryption: { flavorKey: "hw:mem_encryption", imageKey: "hw_mem_encryption", extension: false },
  mem_encryption_model: { flavorKey: "hw:mem_encryption_model", imageKey: "hw_mem_encryption_model", extension: false },
  mem_page_size: { flavorKey: "hw:mem_page_size", imageKey: null, extension: false },
  machine_type: { flavorKey: `${EXTENSION_PREFIX}machine_type`, imageKey: "hw_machine_type", extension: true },
  firmware_type: { flavorKey: `${EXTENSION_PREFIX}firmware_type`, imageKey: "hw_firmware_type", extension: true },
  disk_bus: { flavorKey: `${EXTENSION_PREFIX}disk_bus`, imageKey: "hw_disk_bus", extension: true },
  scsi_model: { flavorKey: null, imageKey: "hw_scsi_model", extension: false },
  firmware_stateless: { flavorKey: null, imageKey: "hw_firmware_stateless", extension: false },
} as const satisfies Record<string, Setting>;

/** The name of a setting in SETTINGS. */
export type SettingName = keyof typeof SETTINGS;

/** Where a setting's value sits in the inputs: extraSpecs.<key> or image.<key>. */
export function flavorPath(name: SettingName): string {
  return `extraSpecs.${SETTINGS[name].flavorKey}`;
}

export function imagePath(name: SettingName): string {
  return `image.${SETTINGS[name].imageKey}`;
}

export function flavorValue(input: FlavorInput, name: SettingName): unknown {
  const key = SETTINGS[name].flavorKey;
  return key === null ? undefined : input.specs[key];
}

export function imageValue(input: FlavorInput, name: SettingName): unknown {
  const key = SETTINGS[name].imageKey;
  return key === null ? undefined : input.image[key];
}

const TRUE_STRINGS = ["1", "t", "true", "on", "y", "yes"];
const FALSE_STRINGS = ["0", "f", "false", "off", "n", "no"];

/**
 * Nova's strutils.bool_from_string (strict): 1/0, t/f, true/false, on/off, y/n, yes/no in any case,
 * surrounding blanks ignored; a boolean as it is. undefined for anything else (the schema reports it).
 */
export function boolFromString(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  if (TRUE_STRINGS.includes(s)) return true;
  if (FALSE_STRINGS.includes(s)) return false;
  return undefined;
}

export function stringOf(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly string[]): T | undefined {
  return typeof v === "string" && allowed.includes(v) ? (v as T) : undefined;
}

/** One setting as merged: its value, the input path it came from ("" when neither gave it) and the name that gave it. */
export interface Merged<T> {
  value: T | undefined;
  from: string;
  label: string;
  /** Flavor and image gave different values. */
  conflict: boolean;
}

/**
 * Nova's rule for a setting both may give: either one alone wins; both set and different is a
 * FlavorImageConflict, worded like Nova's. `read` turns a raw input into a value (undefined: unreadable,
 * left to the schema).
 */
export function merge<T>(input: FlavorInput, name: SettingName, read: (v: unknown) => T | undefined, problems: InputProblem[]): Merged<T> {
  const { flavorKey, imageKey } = SETTINGS[name];
  const fromFlavor = read(flavorValue(input, name));
  const fromImage = read(imageValue(input, name));
  if (fromFlavor !== undefined && fromImage !== undefined && fromFlavor !== fromImage) {
    problems.push({
      property: flavorPath(name),
      reason:
        `Flavor's ${flavorKey} extra spec (${String(flavorValue(input, name))}) and image's ${imageKey} property (${String(imageValue(input, name))}) conflict: ` +
        `remove one of them or give both the same value`,
    });
    return { value: undefined, from: flavorPath(name), label: flavorKey ?? "", conflict: true };
  }
  if (fromFlavor !== undefined) return { value: fromFlavor, from: flavorPath(name), label: flavorKey ?? "", conflict: false };
  if (fromImage !== undefined) return { value: fromImage, from: imagePath(name), label: imageKey ?? "", conflict: false };
  return { value: undefined, from: "", label: flavorKey ?? imageKey ?? "", conflict: false };
}

/** A setting given on either side in a form `read` cannot use (the schema reports the form). */
export function unreadable(input: FlavorInput, name: SettingName, read: (v: unknown) => unknown): boolean {
  return [flavorValue(input, name), imageValue(input, name)].some((v) => v !== undefined && read(v) === undefined);
}
