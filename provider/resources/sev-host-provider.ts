/**
 * The SevHost dynamic provider. Loaded by package name from the serialized provider (delegate.ts), so it
 * may import anything; it holds no state between calls but the per-process SSH connection pool.
 */
import type * as pulumi from "@pulumi/pulumi";
import { SevHostInputs } from "../generated/sev-host";
import { checkHostInputs } from "../host/inputs";
import { applySlice, assertReady, deleteSlice, inspect, notReadyReport, observedSlice, outputsOf, readyWarningsReport, sliceRefusal } from "../host/operations";
import { warn } from "../effects/engine-log";
import { SevHostOutputs } from "../host/state";
import { DEFAULTS, hostLabel } from "../host/target";
import { SshError } from "../effects/ssh";
import { unreachableWarning } from "../core/unreachable";
import { inspectRecent, prefetch, rememberHost } from "../host/recent";
import { changedKeys, checkFailures, FLEET_KEY, pick, userInputs } from "./inputs";
import schema from "../../schema/sev-host.schema.json";

const inputKeys = Object.keys(schema.properties) as (keyof SevHostInputs)[];
/** A different machine: replace. Everything else updates in place. */
const replaceKeys: (keyof SevHostInputs)[] = ["address", "port"];

/** The engine's placeholder for a value not known until another resource is created. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
function hasUnknowns(inputs: unknown): boolean {
  return JSON.stringify(inputs).includes(UNKNOWN);
}

/** The program's hosts, told to the first SevHost's check: their probes start now, a few at a time. */
function prefetchFleet(news: Record<string, unknown>): void {
  const fleet = news[FLEET_KEY];
  if (!Array.isArray(fleet)) return;
  prefetch(
    fleet
      .map((h) => checkHostInputs(h))
      .filter((c) => c.problems.length === 0 && !hasUnknowns(c.inputs))
      .map((c) => c.inputs),
  );
}

function idOf(i: SevHostInputs): string {
  return `${i.address}:${i.port ?? DEFAULTS.port}`;
}

function inputsOf(o: SevHostInputs): SevHostInputs {
  return pick(inputKeys, o);
}

/** The SevHost is in the state with these very inputs (not a new one, nothing changed). */
function unchangedSince(olds: Record<string, unknown> | undefined, news: SevHostInputs): boolean {
  const previous = userInputs(olds ?? {}) as unknown as SevHostInputs;
  return Object.keys(previous).length > 0 && changedKeys(inputKeys, previous, news).length === 0;
}

/**
 * A host that cannot be reached (refused or timed-out connection, no answer) holds up only what
 * changes on it: an unchanged SevHost is skipped with a warning, its last known outputs kept (a
 * refresh must not forget what it cannot see), and its guests that change fail their own checks.
 * A host that answers but is not ready, or one with changes, fails as before.
 */
async function goOnWithout(inputs: SevHostInputs, unchanged: boolean, err: Error, during: "preview" | "refresh"): Promise<null> {
  if (!unchanged || !(err as SshError).unreachable) throw err;
  await warn(unreachableWarning(hostLabel(inputs), err.message, during), inputs.owner?.urn);
  return null;
}

export const sevHostProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Record<string, unknown> | undefined, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    prefetchFleet(news);
    const { inputs, problems } = checkHostInputs(userInputs(news));
    if (problems.length === 0 && !hasUnknowns(inputs)) {
      rememberHost(inputs as SevHostInputs);
      // Preview asks the host itself: a host that is not (or no longer) SEV-ready says so here,
      // with its whole report, before anything changes. The probe is shared with its guests' checks.
      const unchanged = unchangedSince(olds, inputs as SevHostInputs);
      const inspection = await inspectRecent(inputs as SevHostInputs).catch((err: Error) => goOnWithout(inputs as SevHostInputs, unchanged, err, "preview"));
      if (inspection === null) return { inputs, failures: [] };
      const report = notReadyReport(inputs as SevHostInputs, inspection);
      if (report) problems.push({ property: "", reason: report });
      const warned = readyWarningsReport(inputs as SevHostInputs, inspection);
      // A ready host's warnings (SME off, say) are shown at preview too, under the SevHost.
      if (warned) await warn(warned, (inputs as SevHostInputs).owner?.urn);
      const slice = sliceRefusal(inputs as SevHostInputs, inspection.facts);
      if (slice) problems.push({ property: "memoryLimit", reason: slice });
    }
    return { inputs, failures: checkFailures(problems) };
  },

  async diff(_id: string, olds: SevHostOutputs, news: SevHostInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = changedKeys(inputKeys, olds as SevHostInputs, news);
    const replaces = changed.filter((k) => replaceKeys.includes(k));
    const drifted = (olds.drift ?? []).length > 0 || olds.ready === false;
    return { changes: changed.length > 0 || drifted, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: SevHostInputs): Promise<pulumi.dynamic.CreateResult> {
    const inspection = await inspect(inputs);
    assertReady(inputs, inspection);
    const slice = await applySlice(inputs, inspection, null);
    return { id: idOf(inputs), outs: outputsOf(inputs, inspection, slice) };
  },

  async read(id: string, props: SevHostOutputs): Promise<pulumi.dynamic.ReadResult> {
    const inputs = inputsOf(props);
    const inspection = await inspect(inputs).catch((err: Error) => goOnWithout(inputs, true, err, "refresh"));
    if (inspection === null) return { id, props };
    return { id, props: outputsOf(inputs, inspection, observedSlice(props.slice ?? null, inspection.facts)) };
  },

  async update(_id: string, olds: SevHostOutputs, news: SevHostInputs): Promise<pulumi.dynamic.UpdateResult> {
    const inspection = await inspect(news);
    assertReady(news, inspection);
    const slice = await applySlice(news, inspection, observedSlice(olds.slice ?? null, inspection.facts));
    return { outs: outputsOf(news, inspection, slice) };
  },

  async delete(_id: string, props: SevHostOutputs): Promise<void> {
    await deleteSlice(inputsOf(props), props.slice ?? null);
  },
};
