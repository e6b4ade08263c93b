/**
 * A create or update that failed after it left something on the host (a defined domain, the
 * guest's files): the resource's id and the outputs known so far go with the error, so the
 * engine records the guest (resources/sev-guest-provider.ts) and the next up converges it, a
 * removal from the program deletes it, destroy removes it.
 */
import { SevGuestInputs } from "../generated/sev-guest";
import { policyShown, viewOfDomain } from "../core/parse/guest";
import { createdPaths, GuestDisks } from "../core/disks";
import type { SevGuestOutputs } from "./outputs";

export class LeftOnHost extends Error {
  constructor(
    message: string,
    readonly uuid: string,
    readonly outputs: SevGuestOutputs,
  ) {
    super(message);
  }
}

/** The outputs a guest has when what the host holds of it is not known: state "unknown", read at the next up. */
export function partialGuest(inputs: SevGuestInputs, uuid: string, xml: string, disks: GuestDisks): SevGuestOutputs {
  const view = viewOfDomain(xml);
  return {
    ...inputs,
    uuid,
    xml,
    state: "unknown",
    model: view.model ?? "none",
    policy: policyShown(view),
    drift: [],
    launchMeasurement: null,
    launchSecretInjected: false,
    addresses: [],
    createdFiles: createdPaths(disks),
  };
}

/** A failed create that removed what it had made: nothing of the guest is on the host. */
export class NothingLeft extends Error {}

/** What a create or update sent to the host: the domain (once define is under way) and whether define was seen done. */
export interface Attempt {
  sent: { uuid: string; xml: string } | null;
  defined: boolean;
}

/**
 * The error to give the engine: err itself when nothing of the guest can be on the host (define
 * not sent, refused by virsh, or undone), else LeftOnHost. A lost channel may have defined it.
 */
export function errorAfter(err: Error, a: Attempt, inputs: SevGuestInputs, disks: GuestDisks): Error {
  if (a.sent === null || err instanceof NothingLeft) return err;
  if (!a.defined && !(err as { outcomeUnknown?: boolean }).outcomeUnknown) return err;
  return new LeftOnHost(err.message, a.sent.uuid, partialGuest(inputs, a.sent.uuid, a.sent.xml, disks));
}
