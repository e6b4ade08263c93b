/** hw:mem_encryption / hw_mem_encryption: read with Nova's bool_from_string; this provider launches encrypted guests only. */
import { InputProblem } from "../../validate";
import { boolFromString, FlavorInput, flavorValue, imageValue, merge, Ruled } from "../settings";

export function memEncryptionRule(input: FlavorInput): Ruled<true> {
  const problems: InputProblem[] = [];
  const enc = merge(input, "mem_encryption", boolFromString, problems);
  if (enc.value === false) {
    problems.push({ property: enc.from, reason: `${enc.label} is false: a SevFlavor launches memory-encrypted guests only; set it to true` });
  } else if (flavorValue(input, "mem_encryption") === undefined && imageValue(input, "mem_encryption") === undefined) {
    problems.push({
      property: "extraSpecs.hw:mem_encryption",
      reason: "memory encryption is not requested: set the extra spec hw:mem_encryption to true (or the image property hw_mem_encryption)",
    });
  }
  return { value: enc.value === true ? true : undefined, problems };
}
