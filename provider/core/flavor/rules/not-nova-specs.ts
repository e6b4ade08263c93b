/**
 * hw:machine_type, hw:firmware_type and hw:disk_bus are not Nova flavor extra specs (Nova's extra
 * spec validators refuse them; Nova reads these from image properties): each is refused with the
 * Nova image property and this provider's extension named.
 */
import { InputProblem } from "../../validate";
import { FlavorInput, SETTINGS } from "../settings";

const RENAMED = ["machine_type", "firmware_type", "disk_bus"] as const;

/** The extra specs this rule explains (the schema's "unknown property" for them is left out). */
export const NOT_NOVA_SPECS: readonly string[] = RENAMED.map((k) => `hw:${k}`);

export function notNovaSpecsRule(input: FlavorInput): InputProblem[] {
  return RENAMED.filter((k) => input.specs[`hw:${k}`] !== undefined).map((k) => ({
    property: `extraSpecs.hw:${k}`,
    reason:
      `hw:${k} is not a Nova flavor extra spec (Nova reads it from the image property ${SETTINGS[k].imageKey}): ` +
      `set the guest's image property ${SETTINGS[k].imageKey}, or this provider's flavor extension ${SETTINGS[k].flavorKey}`,
  }));
}
