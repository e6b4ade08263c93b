/** SevGuest orchestration: render from flavor + fresh host facts, define under the host lock, observe. */
import { SevGuestInputs } from "../generated/sev-guest";
import { SevHostInputs } from "../generated/sev-host";
import { ResolvedFlavor } from "../core/flavor";
import { flavorOf } from "./flavor";
import { createVerdict } from "./admission";
import { GuestNetwork, renderDomainXml, stableUuid } from "../core/domain-xml";
import { guestDrift, policyShown, viewOfDomain } from "../core/parse/guest";
import { adoptionDifferences, formatAdoptionRefusal, formatNothingToAdopt } from "../core/adopt";
import { Libvirt, defineDomain, domainState, dumpXml, startDomain, stopDomain, undefineDomain } from "../effects/libvirt";
import { LaunchMeasurement } from "../core/launch-inputs";
import { deliverLaunchSecret, measurementOf } from "./launch";
import { withHostLock } from "../effects/lock";
import { SshError } from "../effects/ssh";
import { assertReady, inspect, Inspection } from "../host/operations";
import { DEFAULTS, hostLabel, targetOf } from "../host/target";

export interface SevGuestOutputs extends SevGuestInputs {
  uuid: string;
  /** The domain XML as this resource rendered it. */
  xml: string;
  state: string;
  model: string;
  policy: string;
  drift: string[];
  /** What `virsh domlaunchsecinfo` reported after the launch (running or paused guests); null otherwise. */
  launchMeasurement: LaunchMeasurement | null;
  /** The launchSecret was injected into this launch (then the guest was resumed). */
  launchSecretInjected: boolean;
}

const DEFAULT_SHUTDOWN_SECONDS = 60;

export function libvirtOf(host: SevHostInputs): Libvirt {
  return { target: targetOf(host), uri: host.libvirtUri ?? DEFAULTS.libvirtUri };
}

function networkOf(inputs: SevGuestInputs): GuestNetwork | undefined {
  const n = inputs.network;
  if (!n) return undefined;
  if (n.bridge) return { bridge: n.bridge, mac: n.mac };
  if (n.network) return { network: n.network, mac: n.mac };
  return undefined;
}

/** Stable for a resource on one host under one name; a replacement (new host or name) gets a new one. */
export function uuidOf(inputs: SevGuestInputs): string {
  return stableUuid(`${inputs.owner.urn}|${hostLabel(inputs.host)}|${inputs.name}`);
}

export function render(inputs: SevGuestInputs, flavor: ResolvedFlavor, host: Inspection, uuid: string): string {
  if (!host.facts.domcaps) throw new Error(`${hostLabel(inputs.host)}: no domain capabilities (${host.facts.domcapsError ?? "unknown error"})`);
  return renderDomainXml({
    name: inputs.name,
    uuid,
    flavor,
    host: host.facts.domcaps,
    libvirtVersion: host.facts.libvirtVersion,
    bootDisk: { path: inputs.bootDisk.path, format: inputs.bootDisk.format ?? "qcow2" },
    network: networkOf(inputs),
    configDrive: inputs.configDrive,
    owner: inputs.owner,
    domainType: inputs.domainType,
    launch: inputs.launchSecurity,
  });
}

async function observe(inputs: SevGuestInputs, l: Libvirt, uuid: string, xml: string, launchSecretInjected: boolean): Promise<SevGuestOutputs | null> {
  const actual = await dumpXml(l, uuid);
  if (actual === null) return null;
  const wanted = viewOfDomain(xml);
  const seen = viewOfDomain(actual);
  const state = (await domainState(l, uuid)) ?? "unknown";
  return {
    ...inputs,
    uuid,
    xml,
    state,
    model: seen.model ?? "none",
    policy: policyShown(seen),
    drift: guestDrift(wanted, seen),
    launchMeasurement: seen.model === null ? null : await measurementOf(l, uuid, state),
    launchSecretInjected,
  };
}

/** What define left on the host, and whether this run made it (only then may a failed start undo it). */
interface Defined {
  uuid: string;
  xml: string;
  how: "new" | "taken over" | "adopted" | "updated";
}

function lockWaitOf(inputs: SevGuestInputs): number {
  return inputs.host.lockWaitSeconds ?? DEFAULTS.lockWaitSeconds;
}

function lockHolder(inputs: SevGuestInputs, op: string): string {
  return `${op} of guest ${inputs.name} by ${inputs.owner.project}/${inputs.owner.stack}`;
}

/**
 * Defines (and starts) a new guest, or adopts the existing domain of its name (adopt). Under the
 * host lock: probe, judge readiness, adoption and slots, define; two stacks racing for the last
 * slot are serialized, and the loser defines nothing. A defined domain holds its slot, so the lock
 * is let go before the (slow) start; when only running guests count, the start is part of taking
 * the slot and stays under the lock.
 */
export async function createGuest(inputs: SevGuestInputs): Promise<SevGuestOutputs> {
  const l = libvirtOf(inputs.host);
  const startUnderLock = (inputs.host.countGuests ?? "defined") === "running";
  const defined = await withHostLock(l.target, lockWaitOf(inputs), lockHolder(inputs, "create"), async () => {
    const d = await defineUnderLock(inputs, l);
    if (startUnderLock) await startIfStopped(inputs, l, d);
    return d;
  });
  if (!startUnderLock) await startIfStopped(inputs, l, defined);
  const injected = await deliverLaunchSecret(inputs, l, defined.uuid);
  return (await observe(inputs, l, defined.uuid, defined.xml, injected))!;
}

async function defineUnderLock(inputs: SevGuestInputs, l: Libvirt): Promise<Defined> {
  const host = await inspect(inputs.host);
  assertReady(inputs.host, host);
  const adoption = inputs.adopt ? await adoptionOf(inputs, host, l) : null;
  if (adoption && !adoption.ok) throw new Error(adoption.refusal);
  const full = createVerdict(inputs, host);
  if (full) throw new Error(full);
  if (adoption) {
    await defineDomain(l, adoption.xml);
    return { uuid: adoption.uuid, xml: adoption.xml, how: "adopted" };
  }
  const uuid = uuidOf(inputs);
  const rendered = render(inputs, flavorOf(inputs), host, uuid);
  const leftBehind = await ownDomainLeftBehind(inputs, l, uuid);
  await defineDomain(l, rendered);
  return { uuid, xml: rendered, how: leftBehind ? "taken over" : "new" };
}

export type Adoption = { ok: true; uuid: string; xml: string } | { ok: false; refusal: string };

/**
 * Adopting the domain named inputs.name: the XML it is redefined from (rendered with its own UUID,
 * so libvirt keeps the same domain, and with this stack's ownership metadata), or why it cannot be
 * adopted. Reads the host and changes nothing; judged at preview and again under the host lock.
 */
export async function adoptionOf(inputs: SevGuestInputs, host: Inspection, l: Libvirt = libvirtOf(inputs.host)): Promise<Adoption> {
  const label = hostLabel(inputs.host);
  const existing = await dumpXml(l, inputs.name);
  if (existing === null) return { ok: false, refusal: formatNothingToAdopt(label, inputs.name) };
  const seen = viewOfDomain(existing);
  if (seen.uuid === null) throw new Error(`${label}: virsh dumpxml ${inputs.name} shows no <uuid>`);
  const xml = render(inputs, flavorOf(inputs), host, seen.uuid);
  const differences = adoptionDifferences(viewOfDomain(xml), seen, inputs.owner);
  return differences.length > 0 ? { ok: false, refusal: formatAdoptionRefusal(label, inputs.name, differences) } : { ok: true, uuid: seen.uuid, xml };
}

/**
 * A domain already defined under this guest's UUID and carrying this resource's URN is this
 * guest, left by a run that was interrupted after define: true, it is taken over. Anything else
 * with the same UUID or name belongs to someone else.
 */
async function ownDomainLeftBehind(inputs: SevGuestInputs, l: Libvirt, uuid: string): Promise<boolean> {
  let ours = false;
  for (const id of [uuid, inputs.name]) {
    const xml = await dumpXml(l, id);
    if (xml === null) continue;
    const view = viewOfDomain(xml);
    if (view.uuid === uuid && view.owner?.urn === inputs.owner.urn) {
      ours = true;
      continue;
    }
    throw new Error(`${hostLabel(inputs.host)}: a domain ${id} is already defined and is not this guest's; adopt it (adopt: true, if it matches what the program declares) or choose another name`);
  }
  return ours;
}

/** States a start applies to; a running or paused guest is never restarted, undefined or touched. */
const STARTABLE = new Set(["shut off", "crashed"]);

/**
 * Starts the guest if it is stopped (true: this is a new launch). When a guest this run defined does not start, its definition
 * is removed again, and the error says whether that worked: a domain that could not be removed is
 * still on the host (the next up takes it over), and the operator is told so, not the opposite.
 */
async function startIfStopped(inputs: SevGuestInputs, l: Libvirt, d: Defined): Promise<boolean> {
  if (!(inputs.start ?? true)) return false;
  const label = hostLabel(inputs.host);
  try {
    const state = await domainState(l, d.uuid);
    if (state === null || !STARTABLE.has(state)) return false;
    // Paused when the owner asked, or a launch secret must go in before the guest runs.
    await startDomain(l, d.uuid, (inputs.startPaused ?? false) || inputs.launchSecret !== undefined);
    return true;
  } catch (err) {
    const cause = (err as Error).message;
    if ((err as SshError).outcomeUnknown) {
      // The start may have happened, or may still be under way on the host: removing the
      // definition now could leave a running guest that no definition or state knows.
      throw new Error(
        `${label}: guest ${inputs.name} (${d.uuid}) is defined, but whether it started is not known: ${cause}. ` +
          `It was left as it is (it may be starting or running); it carries this stack's ownership, so the next pulumi up takes it over and starts it if it is stopped.`,
      );
    }
    if (d.how !== "new") {
      throw new Error(`${label}: guest ${inputs.name} was ${d.how} (its definition carries this stack's ownership and stays defined) but did not start: ${cause}`);
    }
    const undo = await undefineDomain(l, d.uuid).then(() => null, (e: Error) => e);
    if (undo === null) throw new Error(`${label}: guest ${inputs.name} did not start, and its definition was removed again (nothing of it is left on the host): ${cause}`);
    throw new Error(
      `${label}: guest ${inputs.name} did not start (${cause}), and removing its definition failed too (${undo.message}): ` +
        `domain ${inputs.name} (${d.uuid}) is still defined on the host and may be running. The next pulumi up takes it over ` +
        `(it carries this stack's ownership); to remove it by hand: virsh undefine --nvram ${d.uuid} (after virsh destroy if it runs).`,
    );
  }
}

/** The guest as the host has it now; null when it was undefined out of band. */
export async function readGuest(id: string, props: SevGuestOutputs): Promise<SevGuestOutputs | null> {
  const l = libvirtOf(props.host);
  const current = await dumpXml(l, id);
  if (current === null) return null;
  const uuid = viewOfDomain(current).uuid ?? id;
  const xml = props.xml ?? render(props, flavorOf(props), await inspect(props.host), uuid);
  return observe(props, l, uuid, xml, props.launchSecretInjected ?? false);
}

/**
 * Redefines the domain in place (same UUID); a running guest picks the change up at its next boot.
 * Under the host lock the slots are judged again: a new model may need a slot in another pool.
 */
export async function updateGuest(olds: SevGuestOutputs, news: SevGuestInputs): Promise<SevGuestOutputs> {
  const flavor = flavorOf(news);
  const l = libvirtOf(news.host);
  const xml = await withHostLock(l.target, lockWaitOf(news), lockHolder(news, "update"), async () => {
    const host = await inspect(news.host);
    assertReady(news.host, host);
    const full = createVerdict(news, host);
    if (full) throw new Error(full);
    const rendered = render(news, flavor, host, olds.uuid);
    await defineDomain(l, rendered);
    return rendered;
  });
  const launched = await startIfStopped(news, l, { uuid: olds.uuid, xml, how: "updated" });
  // A new launch takes the secret again; within a launch it goes in once (a guest paused later has run).
  const injected = launched || !olds.launchSecretInjected ? await deliverLaunchSecret(news, l, olds.uuid) : true;
  return (await observe(news, l, olds.uuid, xml, injected))!;
}

export async function deleteGuest(props: SevGuestOutputs): Promise<void> {
  const l = libvirtOf(props.host);
  if ((await dumpXml(l, props.uuid)) === null) return;
  await stopDomain(l, props.uuid, (props.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_SECONDS) * 1000);
  await undefineDomain(l, props.uuid);
}
