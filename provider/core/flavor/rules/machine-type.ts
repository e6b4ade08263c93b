/** hw_machine_type (or the pulumi-sev:machine_type extension): a q35 machine, as Nova's SEV check requires. */
import { InputProblem } from "../../validate";
import { FlavorInput, merge, Ruled, stringOf } from "../settings";

export function machineTypeRule(input: FlavorInput): Ruled<string> {
  const problems: InputProblem[] = [];
  const machine = merge(input, "machine_type", stringOf, problems);
  const value = machine.value ?? (machine.from === "" ? "q35" : undefined);
  // Nova's own test: a substring match, so pc-q35-2.11 is q35.
  if (value !== undefined && !/q35/i.test(value)) {
    problems.push({
      property: machine.from,
      reason:
        `${machine.label} ${value} is not a q35 machine: SEV guests need q35 so that all virtio devices sit on PCIe and use virtio 1.0, ` +
        `whose iommu_platform feature SEV's DMA bounce buffering depends on; use q35 or a versioned pc-q35-* machine`,
    });
    return { value: undefined, problems };
  }
  return { value, problems };
}
