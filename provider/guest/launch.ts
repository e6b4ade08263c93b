/** The guest owner's side of a launch: the measurement read back, and the secret injected before the guest runs. */
import { SevGuestInputs } from "../generated/sev-guest";
import { LaunchMeasurement, parseLaunchSecInfo } from "../core/launch-inputs";
import { isRunningState } from "../core/parse/domain";
import { Libvirt, domainState, resumeDomain, setLaunchSecret } from "../effects/libvirt";
import { hostLabel } from "../host/target";

/** The launch measurement of a launched (running or paused) guest from `virsh domlaunchsecinfo`; null for a stopped one or when libvirt has none. */
export function measurementFrom(launchSecInfo: string | null, state: string): LaunchMeasurement | null {
  if (!isRunningState(state) || launchSecInfo === null) return null;
  return parseLaunchSecInfo(launchSecInfo);
}

/**
 * A paused guest with a launchSecret gets it, then runs: true when it was injected now. A guest
 * that is not paused is left alone (its launch is over; a secret can only go in before it runs).
 */
export async function deliverLaunchSecret(inputs: SevGuestInputs, l: Libvirt, uuid: string): Promise<boolean> {
  if (inputs.launchSecret === undefined || (await domainState(l, uuid)) !== "paused") return false;
  try {
    await setLaunchSecret(l, uuid, inputs.launchSecret);
  } catch (err) {
    throw new Error(
      `${hostLabel(inputs.host)}: the launch secret of guest ${inputs.name} could not be injected; the guest stays paused and nothing of it ran: ${(err as Error).message}`,
    );
  }
  await resumeDomain(l, uuid);
  return true;
}
