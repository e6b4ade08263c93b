import { SevGuestInputs } from "../generated/sev-guest";
import { resolveFlavor, ResolvedFlavor } from "../core/flavor";

/** The guest's flavor merged with its image properties by Nova's rules. */
export function flavorOf(inputs: SevGuestInputs): ResolvedFlavor {
  return resolveFlavor(inputs.flavor, inputs.image);
}
