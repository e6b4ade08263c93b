/** What a SevGuest's state holds beyond its inputs: what create and refresh read from the host. */
import { SevGuestInputs } from "../generated/sev-guest";
import { LaunchMeasurement } from "../core/launch-inputs";
import { GuestInterface } from "../core/parse/domifaddr";

/** A SevGuest's outputs: its inputs, the domain as rendered and as found, and what up made for it. */
export interface SevGuestOutputs extends SevGuestInputs {
  uuid: string;
  /** The domain XML as this resource rendered it (the operations' own; the state keeps xmlSha256, see stored.ts). */
  xml?: string;
  /** The SHA-256 of the domain XML as this resource defined it. */
  xmlSha256?: string;
  state: string;
  model: string;
  policy: string;
  drift: string[];
  /** What `virsh domlaunchsecinfo` reported after the launch (running or paused guests); null otherwise. */
  launchMeasurement: LaunchMeasurement | null;
  /** The launchSecret was injected into this launch (then the guest was resumed). */
  launchSecretInjected: boolean;
  /** The guest's interfaces with their IP addresses, as libvirt reports them (its guest agent, or a network's leases); read again on refresh, never drift. */
  addresses: GuestInterface[];
  /** The files up made for the guest (root disk, data disks, seed), which delete removes; never a base image or a user's disk. */
  createdFiles: string[];
}
