/**
 * hw_firmware_stateless (a Glance string, read with bool_from_string): read-only firmware without
 * per-guest NVRAM. A model that requires it (SEV-SNP) implies it; saying false there is refused.
 */
import { SevModel } from "../../facts";
import { MODELS } from "../../models";
import { InputProblem } from "../../validate";
import { boolFromString, FlavorInput, imagePath, imageValue, Ruled } from "../settings";

export function statelessFirmwareRule(input: FlavorInput, model: SevModel | undefined): Ruled<boolean> {
  const problems: InputProblem[] = [];
  const asked = boolFromString(imageValue(input, "firmware_stateless"));
  const required = model !== undefined && MODELS[model].statelessFirmware === "required";
  if (required && asked === false) {
    problems.push({
      property: imagePath("firmware_stateless"),
      reason: `hw_firmware_stateless is false but ${MODELS[model].novaName} needs stateless firmware (read-only, no per-guest NVRAM); remove it or set it to true`,
    });
    return { value: undefined, problems };
  }
  return { value: required || asked === true, problems };
}
