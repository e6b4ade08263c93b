import { SevHostInputs } from "../generated/sev-host";
import { HostFacts, SevPlatformFacts } from "../core/facts";
import { Check } from "../core/checks";
import { SlotCapacity } from "../core/capacity";
import { ModelSupport } from "../core/models";
import { SliceHold } from "../core/slice";

/** The SevHost's hold on machine.slice as its state keeps it, with what the last probe saw. */
export interface SliceState extends SliceHold {
  /** What the host reported at the last probe; differs from limitBytes after an out-of-band change. */
  current: number | null;
}

export type StoredFacts = Omit<HostFacts, "platform">;

/** SevHost outputs: the inputs (credentials stay secret) plus what the host showed. */
export interface SevHostOutputs extends SevHostInputs {
  hostKeySeen: string;
  /** What the probe read, but the platform identity (stored once, as platform). */
  facts: StoredFacts;
  checks: Check[];
  ready: boolean;
  capacity: SlotCapacity;
  /** The SEV models the host runs, with the reasons for each it does not (Nova's per-host support). */
  models: ModelSupport[];
  /** The SEV platform's identity (virsh nodesevinfo): what a guest owner needs to start a launch session; null when unavailable. */
  platform: SevPlatformFacts | null;
  slice: SliceState | null;
  /** Out-of-band changes found by the last refresh; the next update repairs what it owns. */
  drift: string[];
}

/** The outputs as the state keeps them: state written by 0.2.0 had the platform identity in facts too. */
export function storedHost(outs: SevHostOutputs): SevHostOutputs {
  const { platform: _twice, ...facts } = (outs.facts ?? {}) as StoredFacts & { platform?: unknown };
  return outs.facts === undefined ? outs : { ...outs, facts };
}
