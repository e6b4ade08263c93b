/**
 * SEV slot (ASID) accounting for one host: who holds slots, what a program asks for, what fits.
 * Pure: facts come from one probe, requests from the program. Nova's rule for unknown totals: no
 * limit is imposed, and the report says so.
 */
import { SevDomainFact, SevModel, UnreadableDomain } from "./facts";
import { SlotCount } from "./parse/probe";
import { POOL_NAMES, PoolKey, SlotCapacity } from "./capacity";
import { poolOfModel } from "./models";
import { StackId } from "./owner";

/** What holds a slot: every defined SEV domain (libvirt's own rule), or only running ones (countGuests: running). */
export type CountMode = "defined" | "running";

export type { StackId };

/** A guest the program declares on this host. */
export interface SlotRequest {
  name: string;
  urn: string;
  model: SevModel;
  /** The guest takes over the existing domain of its name (SevGuest adopt), which already holds its slot. */
  adopt?: boolean;
}

/** One pool's account on a host: total, used by others and by this stack, requested, overflow. */
export interface PoolAccount {
  pool: PoolKey;
  total: number | null;
  source: string;
  usedByOthers: number;
  usedByThisStack: number;
  /** Guests of this program that do not exist on the host yet (an adopted domain exists). */
  requested: SlotRequest[];
  /** Slots left after what is used and what is requested; null when the total is unknown. */
  free: number | null;
  /** Requested guests beyond the free slots, in declaration order. */
  overflow: SlotRequest[];
  /** The kernel's own count of ASIDs in use (misc cgroup), when it reports one. */
  miscCurrent: number | null;
  /** ASIDs the kernel counts beyond the running SEV domains libvirt knows: held outside libvirt. */
  heldOutsideLibvirt: number;
  /** Domains libvirt lists but could not show: counted as used by others in every pool (UUIDs). */
  unreadable: string[];
}

/** A host's slot account: one PoolAccount per pool. */
export interface HostAccount {
  host: string;
  pools: Record<PoolKey, PoolAccount>;
}

function holdsSlot(d: SevDomainFact, mode: CountMode): boolean {
  return mode === "defined" || d.running;
}

function ownedBy(d: SevDomainFact, stack: StackId): boolean {
  return d.owner !== null && d.owner.project === stack.project && d.owner.stack === stack.stack;
}

/** Domains (by name) that guests of this program adopt: they exist, and unless another stack owns them they are this stack's. */
function adoptedNames(requests: SlotRequest[]): Set<string> {
  return new Set(requests.filter((r) => r.adopt).map((r) => r.name));
}

function accountPool(
  pool: PoolKey,
  capacity: SlotCapacity,
  domains: SevDomainFact[],
  stack: StackId,
  requests: SlotRequest[],
  mode: CountMode,
  unreadable: UnreadableDomain[],
): PoolAccount {
  const adopted = adoptedNames(requests);
  const isThisStacks = (d: SevDomainFact) => ownedBy(d, stack) || (d.owner === null && adopted.has(d.name));
  const holders = domains.filter((d) => poolOfModel(d.model) === pool && holdsSlot(d, mode));
  // A guest of this stack exists in this pool only if its domain is in this pool: one whose model
  // changes to another pool asks that pool for a slot.
  const existingUrns = new Set(domains.filter((d) => ownedBy(d, stack) && poolOfModel(d.model) === pool).map((d) => d.owner!.urn));
  const existingNames = new Set(domains.map((d) => d.name));
  const exists = (r: SlotRequest) => existingUrns.has(r.urn) || (r.adopt === true && existingNames.has(r.name));
  const requested = requests.filter((r) => poolOfModel(r.model) === pool && !exists(r));
  const usedByThisStack = holders.filter(isThisStacks).length;
  const { total, source, miscCurrent } = capacity[pool];
  // Cross-check with the kernel: ASIDs in use that no running libvirt domain explains are taken.
  const running = domains.filter((d) => poolOfModel(d.model) === pool && d.running).length;
  const heldOutsideLibvirt = miscCurrent === null ? 0 : Math.max(0, miscCurrent - running);
  // A domain that cannot be read may be an SEV guest of either pool: counting it as used can only
  // refuse a guest that would have fit; leaving it out could over-commit.
  const usedByOthers = holders.length - usedByThisStack + heldOutsideLibvirt + unreadable.length;
  const room = total === null ? null : Math.max(0, total - usedByOthers - usedByThisStack);
  return {
    pool,
    total,
    source,
    usedByOthers,
    usedByThisStack,
    requested,
    free: room === null ? null : room - Math.min(room, requested.length),
    overflow: room === null ? [] : requested.slice(room),
    miscCurrent,
    heldOutsideLibvirt,
    unreadable: unreadable.map((d) => d.uuid),
  };
}

/**
 * The slot account of one host: per pool, who uses it (others, this stack), what this stack's guests
 * ask for and what overflows. `mode` says whether defined or only running domains hold a slot;
 * domains whose XML could not be read count as used by others.
 */
export function accountHost(
  host: string,
  capacity: SlotCapacity,
  domains: SevDomainFact[],
  stack: StackId,
  requests: SlotRequest[],
  mode: CountMode = "defined",
  unreadable: UnreadableDomain[] = [],
): HostAccount {
  return {
    host,
    pools: {
      sev: accountPool("sev", capacity, domains, stack, requests, mode, unreadable),
      sevEs: accountPool("sevEs", capacity, domains, stack, requests, mode, unreadable),
    },
  };
}

/**
 * The count after a domain was defined (and, if running, started) under the same lock hold: the
 * next create of the hold is judged against it. It only ever adds: a domain replaces its own
 * earlier entry, and a start adds its ASID to the kernel's count.
 */
export function countWith(count: SlotCount, d: SevDomainFact): SlotCount {
  const before = count.sevDomains.find((x) => x.uuid === d.uuid);
  const pool = poolOfModel(d.model);
  const startedNow = d.running && !(before?.running && poolOfModel(before.model) === pool);
  const current = count.misc?.[pool].current ?? null;
  const misc = count.misc && startedNow && current !== null ? { ...count.misc, [pool]: { ...count.misc[pool], current: current + 1 } } : count.misc;
  return {
    misc,
    sevDomains: [...count.sevDomains.filter((x) => x.uuid !== d.uuid), d],
    unreadableDomains: count.unreadableDomains,
    names: count.names.includes(d.name) ? count.names : [...count.names, d.name],
    uuids: count.uuids.includes(d.uuid) ? count.uuids : [...count.uuids, d.uuid],
  };
}

/** The pools of an account that cannot hold what is asked of them. */
export function overcommitted(a: HostAccount): PoolAccount[] {
  return [a.pools.sev, a.pools.sevEs].filter((p) => p.overflow.length > 0);
}

function unreadableNote(uuids: string[]): string {
  return `virsh dumpxml failed for domain${uuids.length === 1 ? "" : "s"} ${uuids.join(", ")}: counted as used by others, since ${uuids.length === 1 ? "it" : "they"} may hold a slot`;
}

/** The one error for a host whose pool cannot hold the program's guests. */
export function formatOvercommit(a: HostAccount, p: PoolAccount): string {
  const fits = p.requested.length - p.overflow.length;
  return (
    `host ${a.host}: the ${POOL_NAMES[p.pool]} slot pool cannot hold ${p.requested.length} new guest${p.requested.length === 1 ? "" : "s"}: ` +
    `total ${p.total} (${p.source}), used by others ${p.usedByOthers}, used by this stack ${p.usedByThisStack}, ` +
    `requested ${p.requested.length}, free before this change ${fits}. ` +
    (p.heldOutsideLibvirt > 0
      ? `(The kernel's misc cgroup counts ${p.heldOutsideLibvirt} ASID${p.heldOutsideLibvirt === 1 ? "" : "s"} in use beyond libvirt's running SEV domains; they are counted as used by others.) `
      : "") +
    (p.unreadable.length > 0 ? `(${unreadableNote(p.unreadable)}) ` : "") +
    `Guests that do not fit: ${p.overflow.map((r) => r.name).join(", ")}. ` +
    `QEMU would fail to start them ("sev_guest_init: failed to initialize ret=-16"). ` +
    `Fix: place them on another host, remove guests, or raise the host's ${p.pool === "sev" ? "SEV" : "SEV-ES"} ASID count.`
  );
}

/** A replacement is created before the original is deleted: it needs a free slot for a while. */
export function formatReplacementNeedsSlot(a: HostAccount, p: PoolAccount, guest: string): string {
  return (
    `host ${a.host}: replacing guest ${guest} needs a second ${POOL_NAMES[p.pool]} slot while the original still exists ` +
    `(Pulumi creates the replacement before deleting the original), and the pool is full: ` +
    `total ${p.total} (${p.source}), used by others ${p.usedByOthers}, used by this stack ${p.usedByThisStack}. ` +
    `Fix: set deleteBeforeReplace: true on ${guest} (it is down between the delete and the create), or free a slot.`
  );
}

/** Nova imposes no limit when the total is unknown; the report says so. */
export function unknownTotals(a: HostAccount): string[] {
  return [a.pools.sev, a.pools.sevEs]
    .filter((p) => p.total === null && p.requested.length > 0)
    .map(
      (p) =>
        `host ${a.host}: the ${POOL_NAMES[p.pool]} slot count is unknown (libvirt before 8.0 and no misc cgroup); no limit is imposed. Set maxGuests on the SevHost to enforce one.`,
    );
}
