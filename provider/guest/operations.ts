/** SevGuest orchestration: render from flavor + fresh host facts, define under the host lock, observe. */
import { SevGuestInputs } from "../generated/sev-guest";
import { SevHostInputs } from "../generated/sev-host";
import { ResolvedFlavor } from "../core/flavor";
import { flavorOf } from "./flavor";
import { createVerdict } from "./admission";
import { GuestNetwork, renderDomainXml, stableUuid } from "../core/domain-xml";
import { guestDrift, viewOfDomain } from "../core/parse/guest";
import { adoptionDifferences, formatAdoptionRefusal, formatNothingToAdopt } from "../core/adopt";
import { Libvirt, defineDomain, domainState, dumpXml, startDomain, stopDomain, undefineDomain } from "../effects/libvirt";
import { withHostLock } from "../effects/lock";
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
}

const LOCK_WAIT_SECONDS = 120;
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
  });
}

async function observe(inputs: SevGuestInputs, l: Libvirt, uuid: string, xml: string): Promise<SevGuestOutputs | null> {
  const actual = await dumpXml(l, uuid);
  if (actual === null) return null;
  const wanted = viewOfDomain(xml);
  const seen = viewOfDomain(actual);
  return {
    ...inputs,
    uuid,
    xml,
    state: (await domainState(l, uuid)) ?? "unknown",
    model: seen.model ?? "none",
    policy: seen.policy === null ? "none" : `0x${seen.policy.toString(16).padStart(4, "0")}`,
    drift: guestDrift(wanted, seen),
  };
}

/**
 * Defines (and starts) a new guest, or adopts the existing domain of its name (adopt). Under the
 * host lock: probe, judge readiness, adoption and slots, define. Two stacks racing for the last
 * slot are serialized; the loser gets the slot error and defines nothing. A failed start of a new
 * guest leaves nothing defined.
 */
export async function createGuest(inputs: SevGuestInputs): Promise<SevGuestOutputs> {
  const l = libvirtOf(inputs.host);
  const { uuid, xml } = await withHostLock(l.target, LOCK_WAIT_SECONDS, async () => {
    const host = await inspect(inputs.host);
    assertReady(inputs.host, host);
    const adoption = inputs.adopt ? await adoptionOf(inputs, host, l) : null;
    if (adoption && !adoption.ok) throw new Error(adoption.refusal);
    const full = createVerdict(inputs, host);
    if (full) throw new Error(full);
    if (adoption) {
      await defineDomain(l, adoption.xml);
      if ((inputs.start ?? true) && (await domainState(l, adoption.uuid)) === "shut off") await startAdopted(inputs, l, adoption.uuid);
      return adoption;
    }
    const uuid = uuidOf(inputs);
    const rendered = render(inputs, flavorOf(inputs), host, uuid);
    await refuseForeignDomain(inputs, l, uuid);
    await defineDomain(l, rendered);
    if ((inputs.start ?? true) && (await domainState(l, uuid)) !== "running") await startOrUndo(inputs, l, uuid);
    return { uuid, xml: rendered };
  });
  return (await observe(inputs, l, uuid, xml))!;
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
 * guest, left by a run that was interrupted after define: it is taken over. Anything else with the
 * same UUID or name belongs to someone else.
 */
async function refuseForeignDomain(inputs: SevGuestInputs, l: Libvirt, uuid: string): Promise<void> {
  for (const id of [uuid, inputs.name]) {
    const xml = await dumpXml(l, id);
    if (xml === null) continue;
    const view = viewOfDomain(xml);
    if (view.uuid === uuid && view.owner?.urn === inputs.owner.urn) continue;
    throw new Error(`${hostLabel(inputs.host)}: a domain ${id} is already defined and is not this guest's; adopt it (adopt: true, if it matches what the program declares) or choose another name`);
  }
}

/** An adopted guest that does not start stays defined: it was there before, and it is this stack's now. */
async function startAdopted(inputs: SevGuestInputs, l: Libvirt, uuid: string): Promise<void> {
  try {
    await startDomain(l, uuid);
  } catch (err) {
    throw new Error(`${hostLabel(inputs.host)}: guest ${inputs.name} was adopted (its definition now carries this stack's ownership) but did not start: ${(err as Error).message}`);
  }
}

async function startOrUndo(inputs: SevGuestInputs, l: Libvirt, uuid: string): Promise<void> {
  try {
    await startDomain(l, uuid);
  } catch (err) {
    await undefineDomain(l, uuid).catch(() => undefined);
    throw new Error(`${hostLabel(inputs.host)}: guest ${inputs.name} did not start and was removed again: ${(err as Error).message}`);
  }
}

/** The guest as the host has it now; null when it was undefined out of band. */
export async function readGuest(id: string, props: SevGuestOutputs): Promise<SevGuestOutputs | null> {
  const l = libvirtOf(props.host);
  const current = await dumpXml(l, id);
  if (current === null) return null;
  const uuid = viewOfDomain(current).uuid ?? id;
  const xml = props.xml ?? render(props, flavorOf(props), await inspect(props.host), uuid);
  return observe(props, l, uuid, xml);
}

/** Redefines the domain in place (same UUID); a running guest picks the change up at its next boot. */
export async function updateGuest(olds: SevGuestOutputs, news: SevGuestInputs): Promise<SevGuestOutputs> {
  const flavor = flavorOf(news);
  const host = await inspect(news.host);
  assertReady(news.host, host);
  const xml = render(news, flavor, host, olds.uuid);
  const l = libvirtOf(news.host);
  await withHostLock(l.target, LOCK_WAIT_SECONDS, () => defineDomain(l, xml));
  if ((news.start ?? true) && (await domainState(l, olds.uuid)) === "shut off") await startDomain(l, olds.uuid);
  return (await observe(news, l, olds.uuid, xml))!;
}

export async function deleteGuest(props: SevGuestOutputs): Promise<void> {
  const l = libvirtOf(props.host);
  if ((await dumpXml(l, props.uuid)) === null) return;
  await stopDomain(l, props.uuid, (props.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_SECONDS) * 1000);
  await undefineDomain(l, props.uuid);
}
