/** SevGuest's provider called as the engine calls it: check first (failures are one error), then create. */
import { sevGuestProvider as p } from "../../provider/resources/sev-guest-provider";
import { SevGuestOutputs } from "../../provider/guest/operations";
import { SevGuestInputs } from "../../provider/generated/sev-guest";

export async function checkAndCreate(inputs: SevGuestInputs): Promise<SevGuestOutputs> {
  const checked = await p.check!({}, inputs as unknown as Record<string, unknown>);
  if (checked.failures?.length) throw new Error(checked.failures.map((f) => f.reason).join("\n"));
  return (await p.create(checked.inputs)).outs as SevGuestOutputs;
}
