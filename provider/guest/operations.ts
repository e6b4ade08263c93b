/** SevGuest orchestration: render from flavor + fresh host facts, define under the host lock, observe. */
import { SevGuestInputs } from "../generated/sev-guest";
import { SevHostInputs } from "../generated/sev-host";
import { ResolvedFlavor } from "../core/flavor";
import { flavorOf } from "./flavor";
import { countedNow, refusalAtCreate } from "./admission";
import { GuestNetwork, renderDomainXml, stableUuid } from "../core/domain-xml";
import { guestDrift, policyShown, viewOfDomain } from "../core/parse/guest";
import { adoptionDifferences, formatAdoptionRefusal, formatNameTaken, formatNothingToAdopt, nameTaken } from "../core/adopt";
import {
  DomainNow,
  Libvirt,
  defineStartAndRead,
  dumpXml,
  startAndRead,
  StartMode,
  stopAndUndefine,
  undefineDomain,
  waitForAddresses,
} from "../effects/libvirt";
import { deliverLaunchSecret, measurementFrom } from "./launch";
import { SshError } from "../effects/ssh";
import { SlotCount } from "../core/parse/probe";
import { countWith } from "../core/slots";
import { inHostBatch } from "./batch";
import { assertReady, Inspection } from "../host/operations";
import { inspectRecent } from "../host/recent";
import { DEFAULTS, hostLabel, targetOf } from "../host/target";
import { createdPaths, filesToCreate, GuestDisks, guestDisks } from "../core/disks";
import { nocloudSeed } from "../core/cloud-init/seed";
import { Attempt, errorAfter, NothingLeft } from "./left-on-host";
import { SevGuestOutputs } from "./outputs";

export type { SevGuestOutputs };

const DEFAULT_SHUTDOWN_SECONDS = 60;

export function libvirtOf(hostInputs: SevHostInputs): Libvirt {
  return { target: targetOf(hostInputs), uri: hostInputs.libvirtUri ?? DEFAULTS.libvirtUri };
}

function networksOf(inputs: SevGuestInputs): GuestNetwork[] {
  return (inputs.networks ?? (inputs.network ? [inputs.network] : [])).flatMap((n): GuestNetwork[] => {
    if (n.bridge) return [{ bridge: n.bridge, mac: n.mac }];
    if (n.network) return [{ network: n.network, mac: n.mac }];
    return [];
  });
}

export function disksOf(inputs: SevGuestInputs): GuestDisks {
  return guestDisks(inputs, flavorOf(inputs).diskGiB);
}

/** The cloud-init seed's bytes: instance-id the domain UUID (cloud-init runs once per instance), hostname the domain name. */
function seedOf(inputs: SevGuestInputs, uuid: string): Buffer | null {
  return inputs.cloudInit ? nocloudSeed(inputs.cloudInit, { instanceId: uuid, hostname: inputs.name }) : null;
}

/** Stable for a resource on one host under one name; a replacement (new host or name) gets a new one. */
export function uuidOf(inputs: SevGuestInputs): string {
  return stableUuid(`${inputs.owner.urn}|${hostLabel(inputs.host)}|${inputs.name}`);
}

export function render(inputs: SevGuestInputs, flavor: ResolvedFlavor, inspection: Inspection, uuid: string): string {
  if (!inspection.facts.domcaps) throw new Error(`${hostLabel(inputs.host)}: no domain capabilities (${inspection.facts.domcapsError ?? "unknown error"})`);
  const disks = guestDisks(inputs, flavor.diskGiB);
  return renderDomainXml({
    name: inputs.name,
    uuid,
    flavor,
    caps: inspection.facts.domcaps,
    libvirtVersion: inspection.facts.libvirtVersion,
    bootDisk: { path: disks.boot.path, format: disks.boot.format },
    dataDisks: disks.data.map((d) => ({ path: d.path, format: d.format, bus: d.bus ?? flavor.bootDiskBus })),
    networks: networksOf(inputs),
    seed: disks.seed ?? undefined,
    configDrive: inputs.configDrive,
    owner: inputs.owner,
    domainType: inputs.domainType,
    launch: inputs.launchSecurity,
  });
}

function outputsOf(inputs: SevGuestInputs, uuid: string, xml: string, now: DomainNow, launchSecretInjected: boolean): SevGuestOutputs | null {
  if (now.xml === null) return null;
  const wanted = viewOfDomain(xml);
  const seen = viewOfDomain(now.xml);
  return {
    ...inputs,
    uuid,
    xml,
    state: now.state ?? "unknown",
    model: seen.model ?? "none",
    policy: policyShown(seen),
    drift: guestDrift(wanted, seen),
    launchMeasurement: seen.model === null ? null : measurementFrom(now.launchSecInfo, now.state ?? "unknown"),
    launchSecretInjected,
    addresses: now.addresses,
    createdFiles: createdPaths(disksOf(inputs)),
  };
}

async function observe(inputs: SevGuestInputs, l: Libvirt, uuid: string, xml: string, launchSecretInjected: boolean): Promise<SevGuestOutputs | null> {
  return outputsOf(inputs, uuid, xml, await startAndRead(l, uuid, "no"), launchSecretInjected);
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
 * Defines (and starts) a new guest, or adopts the existing domain of its name (adopt). The run's
 * one probe of the host gives readiness and domain capabilities; under the host lock, taken in the
 * same channel as a fresh slot count (misc cgroup, domains) and shared by the creates that wait
 * for it together (batch.ts), the slots and adoption are judged and the domain defined: two
 * stacks racing for the last slot are serialized, and the loser defines nothing. A defined domain
 * holds its slot, so the lock is let go before the (slow) start; when only running guests count,
 * the start is part of taking the slot and stays under the lock.
 */
export async function createGuest(inputs: SevGuestInputs): Promise<SevGuestOutputs> {
  const attempt: Attempt = { sent: null, defined: false };
  return createOnHost(inputs, attempt).catch((err: Error) => {
    throw errorAfter(err, attempt, inputs, disksOf(inputs));
  });
}

async function createOnHost(inputs: SevGuestInputs, attempt: Attempt): Promise<SevGuestOutputs> {
  const l = libvirtOf(inputs.host);
  const probed = await inspectRecent(inputs.host);
  assertReady(inputs.host, probed);
  const startUnderLock = (inputs.host.countGuests ?? "defined") === "running";
  const { d, now, starting } = await inHostBatch(l, lockWaitOf(inputs), lockHolder(inputs, "create"), async (count) => {
    const { d, starting } = await defineUnderLock(inputs, l, probed, count, attempt);
    const now = startUnderLock ? await startIfStopped(inputs, l, d, starting) : null;
    return { value: { d, now, starting }, count: withDefined(count, inputs, d.uuid, now?.state === "running") };
  });
  const started = now ?? (await startIfStopped(inputs, l, d, starting));
  const injected = await deliverLaunchSecret(inputs, l, d.uuid);
  const seen = injected ? await startAndRead(l, d.uuid, "no") : started;
  return outputsOf(inputs, d.uuid, d.xml, await withAddressWaitedFor(inputs, l, d, seen), injected)!;
}

/** waitForAddress: a running guest without an address yet is waited for, bounded; none in time fails the create, naming guest and interfaces. */
async function withAddressWaitedFor(inputs: SevGuestInputs, l: Libvirt, d: Defined, now: DomainNow): Promise<DomainNow> {
  const wait = inputs.waitForAddress;
  if (!wait || now.state !== "running" || now.addresses.some((i) => i.addresses.length > 0)) return now;
  const source = wait.source ?? "agent";
  const { addresses, last } = await waitForAddresses(l, d.uuid, source, wait.timeoutSeconds);
  if (addresses.some((i) => i.addresses.length > 0)) return { ...now, addresses };
  const macs = [...d.xml.matchAll(/<mac address=["']([^"']+)["']/g)].map((m) => m[1]);
  throw new Error(
    `${hostLabel(inputs.host)}: guest ${inputs.name} reported no IP address within ${wait.timeoutSeconds} s ` +
      `(waitForAddress; virsh domifaddr --source ${source} said: ${last.split("\n").join(" ").trim() || "nothing"}); ` +
      `its interfaces: ${macs.length ? macs.map((m) => `MAC ${m}`).join(", ") : "none (the guest has no network)"}. ` +
      `The guest stays defined and running as this stack's (the next up takes it over). Fix: check that it boots and ` +
      (source === "agent" ? "runs qemu-guest-agent" : "gets a DHCP lease from its libvirt network") +
      `, or raise waitForAddress.timeoutSeconds`,
  );
}

/** The lock hold's count with a domain this hold defined: the next job of the hold is judged against it. */
function withDefined(count: SlotCount, inputs: SevGuestInputs, uuid: string, running: boolean): SlotCount {
  return countWith(count, { name: inputs.name, uuid, running, model: flavorOf(inputs).model, owner: inputs.owner });
}

/** What define left, and its start and read going on in the same channel (the lock need not wait for it). */
interface DefinedAndStarting {
  d: Defined;
  starting: Promise<DomainNow>;
}

async function defineUnderLock(inputs: SevGuestInputs, l: Libvirt, probed: Inspection, count: SlotCount, attempt: Attempt): Promise<DefinedAndStarting> {
  const host = countedNow(inputs, probed, count);
  const adoption = inputs.adopt ? await adoptionOf(inputs, host, l) : null;
  if (adoption && !adoption.ok) throw new Error(adoption.refusal);
  const full = refusalAtCreate(inputs, host);
  if (full) throw new Error(full);
  if (adoption) {
    const { started } = await defineThenStart(inputs, l, adoption.xml, adoption.uuid, attempt);
    return { d: { uuid: adoption.uuid, xml: adoption.xml, how: "adopted" }, starting: started };
  }
  const uuid = uuidOf(inputs);
  const rendered = render(inputs, flavorOf(inputs), host, uuid);
  const leftBehind = ownDomainLeftBehind(inputs, count, uuid);
  const { started: starting } = await defineThenStart(inputs, l, rendered, uuid, attempt, true);
  return { d: { uuid, xml: rendered, how: leftBehind ? "taken over" : "new" }, starting };
}

/**
 * Resolves once the domain is defined, with its start and read, which go on in the same channel
 * (wrapped: awaiting it must not wait for them). withFiles: the guest's files are made first, in
 * that channel too (a new guest; an adopted or updated one keeps the disks it has).
 */
async function defineThenStart(
  inputs: SevGuestInputs,
  l: Libvirt,
  xml: string,
  uuid: string,
  attempt: Attempt,
  withFiles = false,
): Promise<{ started: Promise<DomainNow> }> {
  const files = withFiles ? filesToCreate(disksOf(inputs)) : [];
  const seed = withFiles ? seedOf(inputs, uuid) : null;
  attempt.sent = { uuid, xml };
  const { defined, started } = defineStartAndRead(l, xml, uuid, startModeOf(inputs), files, seed);
  await defined;
  attempt.defined = true;
  return { started };
}

export type Adoption = { ok: true; uuid: string; xml: string } | { ok: false; refusal: string };

/**
 * Adopting the domain named inputs.name: the XML it is redefined from (rendered with its own UUID,
 * so libvirt keeps the same domain, and with this stack's ownership metadata), or why it cannot be
 * adopted. Reads the host and changes nothing; judged at preview and again under the host lock.
 */
export async function adoptionOf(inputs: SevGuestInputs, inspection: Inspection, l: Libvirt = libvirtOf(inputs.host)): Promise<Adoption> {
  const label = hostLabel(inputs.host);
  const existing = await dumpXml(l, inputs.name);
  if (existing === null) return { ok: false, refusal: formatNothingToAdopt(label, inputs.name) };
  const seen = viewOfDomain(existing);
  if (seen.uuid === null) throw new Error(`${label}: virsh dumpxml ${inputs.name} shows no <uuid>`);
  const xml = render(inputs, flavorOf(inputs), inspection, seen.uuid);
  const differences = adoptionDifferences(viewOfDomain(xml), seen, inputs.owner);
  return differences.length > 0 ? { ok: false, refusal: formatAdoptionRefusal(label, inputs.name, differences) } : { ok: true, uuid: seen.uuid, xml };
}

/**
 * A domain already defined under this guest's UUID and carrying this resource's URN is this
 * guest, left by a run that was interrupted after define: true, it is taken over. Anything else
 * with the same UUID or name belongs to someone else.
 */
function ownDomainLeftBehind(inputs: SevGuestInputs, count: SlotCount, uuid: string): boolean {
  const { foreign, leftBehind } = nameTaken(count, inputs.name, uuid, inputs.owner);
  if (foreign !== null) throw new Error(formatNameTaken(hostLabel(inputs.host), foreign));
  return leftBehind;
}

/** The refusal of a new guest whose name or UUID another domain on the host has (preview); null when free or this guest's own. */
export function collisionAtPreview(inputs: SevGuestInputs, inspection: Inspection): string | null {
  const { foreign } = nameTaken({ ...inspection.defined, sevDomains: inspection.facts.sevDomains }, inputs.name, uuidOf(inputs), inputs.owner);
  return foreign === null ? null : formatNameTaken(hostLabel(inputs.host), foreign);
}

/** Paused when the owner asked, or a launch secret must go in before the guest runs. */
function startModeOf(inputs: SevGuestInputs): StartMode {
  if (!(inputs.start ?? true)) return "no";
  return (inputs.startPaused ?? false) || inputs.launchSecret !== undefined ? "paused" : "yes";
}

/**
 * Starts the guest if it is stopped (shut off or crashed; a running or paused guest is never
 * restarted, undefined or touched) and reads it back. When a guest this run defined does not
 * start, its definition is removed again, and the error says whether that worked: a domain that
 * could not be removed is still on the host (the next up takes it over), and the operator is told
 * so, not the opposite.
 */
async function startIfStopped(inputs: SevGuestInputs, l: Libvirt, d: Defined, attempt?: Promise<DomainNow>): Promise<DomainNow> {
  const label = hostLabel(inputs.host);
  let cause: string;
  try {
    const now = await (attempt ?? startAndRead(l, d.uuid, startModeOf(inputs)));
    if (now.startError === null) return now;
    cause = now.startError;
  } catch (err) {
    cause = (err as Error).message;
    if ((err as SshError).outcomeUnknown) {
      // The start may have happened, or may still be under way on the host: removing the
      // definition now could leave a running guest that no definition or state knows.
      throw new Error(
        `${label}: guest ${inputs.name} (${d.uuid}) is defined, but whether it started is not known: ${cause}. ` +
          `It was left as it is (it may be starting or running) and is recorded in the stack's state: the next pulumi up takes it over and starts it if it is stopped, and removing it from the program deletes it.`,
      );
    }
  }
  if (d.how !== "new") {
    throw new Error(
      `${label}: guest ${inputs.name} was ${d.how} (its definition carries this stack's ownership and stays defined) but did not start: ${cause}`,
    );
  }
  const created = createdPaths(disksOf(inputs));
  const undo = await undefineDomain(l, d.uuid, created).then(
    () => null,
    (e: Error) => e,
  );
  if (undo === null) {
    const files = created.length > 0 ? ` and the files made for it (${created.join(", ")})` : "";
    throw new NothingLeft(
      `${label}: guest ${inputs.name} did not start, and its definition${files} was removed again (nothing of it is left on the host): ${cause}`,
    );
  }
  throw new Error(
    `${label}: guest ${inputs.name} did not start (${cause}), and removing its definition failed too (${undo.message}): ` +
      `domain ${inputs.name} (${d.uuid}) is still defined on the host and may be running. The next pulumi up takes it over ` +
      `(it carries this stack's ownership); to remove it by hand: virsh undefine --nvram ${d.uuid} (after virsh destroy if it runs).`,
  );
}

/** The guest as the host has it now; null when it was undefined out of band. */
export async function readGuest(id: string, props: SevGuestOutputs): Promise<SevGuestOutputs | null> {
  const l = libvirtOf(props.host);
  const current = await dumpXml(l, id);
  if (current === null) return null;
  const uuid = viewOfDomain(current).uuid ?? id;
  const xml = props.xml ?? (await wantedXml(props, uuid, current));
  return observe(props, l, uuid, xml, props.launchSecretInjected ?? false);
}

/**
 * The XML a refresh judges drift against: the state keeps only its digest, so it is rendered again
 * from the host's probe of this run. A host whose domain capabilities cannot be read now (its
 * SevHost's refresh says why) leaves the guest read as it is, its drift not judged, rather than
 * failing the refresh.
 */
async function wantedXml(props: SevGuestOutputs, uuid: string, current: string): Promise<string> {
  const host = await inspectRecent(props.host);
  return host.facts.domcaps ? render(props, flavorOf(props), host, uuid) : current;
}

/**
 * Redefines the domain in place (same UUID); a running guest picks the change up at its next boot.
 * Like a create: the run's probe of the host, and under the host lock (shared with the creates and
 * updates that wait for it together) the slots judged again against a fresh count, since a new
 * model may need a slot in another pool; then one channel defines, starts if stopped and reads.
 */
export async function updateGuest(olds: SevGuestOutputs, news: SevGuestInputs): Promise<SevGuestOutputs> {
  const attempt: Attempt = { sent: null, defined: false };
  return updateOnHost(olds, news, attempt).catch((err: Error) => {
    throw errorAfter(err, attempt, news, disksOf(news));
  });
}

async function updateOnHost(olds: SevGuestOutputs, news: SevGuestInputs, attempt: Attempt): Promise<SevGuestOutputs> {
  const l = libvirtOf(news.host);
  const probed = await inspectRecent(news.host);
  assertReady(news.host, probed);
  const { xml, starting } = await inHostBatch(l, lockWaitOf(news), lockHolder(news, "update"), async (count) => {
    const host = countedNow(news, probed, count);
    const full = refusalAtCreate(news, host);
    if (full) throw new Error(full);
    const rendered = render(news, flavorOf(news), host, olds.uuid);
    // A create that failed before its define was done (the engine recorded it): its files are made now.
    const missing = !count.uuids.includes(olds.uuid);
    if (missing) ownDomainLeftBehind(news, count, olds.uuid);
    const { started } = await defineThenStart(news, l, rendered, olds.uuid, attempt, missing);
    const wasRunning = count.sevDomains.find((d) => d.uuid === olds.uuid)?.running ?? false;
    return { value: { xml: rendered, starting: started }, count: withDefined(count, news, olds.uuid, wasRunning) };
  });
  const now = await startIfStopped(news, l, { uuid: olds.uuid, xml, how: "updated" }, starting);
  // A new launch takes the secret again; within a launch it goes in once (a guest paused later has run).
  const again = now.started || !olds.launchSecretInjected;
  const delivered = again ? await deliverLaunchSecret(news, l, olds.uuid) : false;
  return outputsOf(news, olds.uuid, xml, delivered ? await startAndRead(l, olds.uuid, "no") : now, again ? delivered : true)!;
}

/** ACPI shutdown (a hard stop after shutdownTimeoutSeconds), undefine and removal of the files up made, in one round trip; a domain already gone is fine. */
export async function deleteGuest(props: SevGuestOutputs): Promise<void> {
  await stopAndUndefine(libvirtOf(props.host), props.uuid, (props.shutdownTimeoutSeconds ?? DEFAULT_SHUTDOWN_SECONDS) * 1000, createdPaths(disksOf(props)));
}
