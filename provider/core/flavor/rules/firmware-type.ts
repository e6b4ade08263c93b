/** hw_firmware_type (or the pulumi-sev:firmware_type extension): UEFI (OVMF) only; unset means UEFI. */
import { InputProblem } from "../../validate";
import { FlavorInput, merge, oneOf, Ruled } from "../settings";

export function firmwareTypeRule(input: FlavorInput): Ruled<"uefi"> {
  const problems: InputProblem[] = [];
  const fw = merge<string>(input, "firmware_type", (v) => oneOf(v, ["uefi", "bios"]), problems);
  if (fw.value === "bios") {
    problems.push({ property: fw.from, reason: `${fw.label} bios is refused: SEV guests boot only with UEFI firmware (OVMF); use uefi` });
    return { value: undefined, problems };
  }
  return { value: fw.conflict ? undefined : "uefi", problems };
}
