/**
 * sev-host-slot-headroom, a stack policy. The slots are counted by the core's `accountHost`, as the
 * provider's admission and the sev-capacity CLI count them: used by others (with the ASIDs the
 * kernel counts beyond libvirt's domains), used by this stack, requested by the stack's guests that
 * are not on the host yet, in the host's countGuests mode; an unknown total imposes no limit.
 */
import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import {
  accountHost,
  CountMode,
  Pool,
  PoolAccount,
  PoolKey,
  PoolSource,
  POOL_NAMES,
  isSevModel,
  poolOfModel,
  SevDomainFact,
  SevModel,
  SlotCapacity,
  SlotRequest,
  StackId,
  UnreadableDomain,
} from "pulumi-sev/core";
import { NAMES, TYPES, hostKey, isObject, known, message, plain } from "./common";
import { coreSays, guestOf, probe } from "./guest";

/**
 * Where notes go (unknown slot totals, hosts not probed yet): stderr of the policy pack, which the
 * engine shows in its diagnostics; the tests replace it.
 */
export const notes = { note: (text: string): void => console.error(`${NAMES.slotHeadroom}: note: ${text}`) };

const POOLS: PoolKey[] = ["sev", "sevEs"];

interface Host {
  resource: PolicyResource;
  /** "SevHost epyc-01 (10.0.0.5:22)" */
  label: string;
  /** "10.0.0.5:22"; null while unknown. */
  key: string | null;
  capacity: SlotCapacity;
  domains: SevDomainFact[];
  unreadable: UnreadableDomain[];
  mode: CountMode;
}

/** A guest of this stack on the host, as the core counts it. */
interface Placed {
  request: SlotRequest;
  stack: StackId;
}

// Outputs come from the state as plain JSON, possibly written by an older provider: only what the
// core's accounting reads is taken, and a missing kernel count reads as "not reported".

function poolOf(v: unknown): Pool | null {
  if (!isObject(v) || !(typeof v.total === "number" || v.total === null)) return null;
  return {
    total: v.total,
    source: (typeof v.source === "string" ? v.source : "unknown") as PoolSource,
    used: typeof v.used === "number" ? v.used : null,
    running: typeof v.running === "number" ? v.running : 0,
    miscCurrent: typeof v.miscCurrent === "number" ? v.miscCurrent : null,
  };
}

function capacityOf(v: unknown): SlotCapacity | null {
  const sev = isObject(v) ? poolOf(v.sev) : null;
  const sevEs = isObject(v) ? poolOf(v.sevEs) : null;
  return sev && sevEs ? { sev, sevEs } : null;
}

function ownerFact(v: unknown): SevDomainFact["owner"] {
  if (!isObject(v) || typeof v.project !== "string" || typeof v.stack !== "string" || typeof v.urn !== "string") return null;
  return { project: v.project, stack: v.stack, urn: v.urn };
}

function unreadableOf(facts: unknown): UnreadableDomain[] {
  const list = isObject(facts) && Array.isArray(facts.unreadableDomains) ? (facts.unreadableDomains as unknown[]) : [];
  return list.flatMap((d) => (isObject(d) ? [{ uuid: String(d.uuid), error: String(d.error) }] : []));
}

function domainsOf(facts: unknown): SevDomainFact[] {
  const list = isObject(facts) && Array.isArray(facts.sevDomains) ? (facts.sevDomains as unknown[]) : [];
  return list.flatMap((d) =>
    isObject(d) && isSevModel(d.model)
      ? [{ name: String(d.name), uuid: String(d.uuid), running: d.running !== false, model: d.model, owner: ownerFact(d.owner) }]
      : [],
  );
}

function hostOf(r: PolicyResource): Host | null {
  const key = known(() => hostKey(r.props));
  const label = `SevHost ${r.name}${key.known ? ` (${key.value})` : ""}`;
  const capacity = known(() => capacityOf(plain(r.props.capacity)));
  if (!capacity.known || capacity.value === null) {
    notes.note(
      `${label}: slot capacity not known yet (${capacity.known ? "no capacity output" : capacity.why}; it is probed when the host is created or refreshed); headroom not judged`,
    );
    return null;
  }
  const facts = known(() => plain(r.props.facts));
  const mode = known(() => r.props.countGuests);
  return {
    resource: r,
    label,
    key: key.known ? key.value : null,
    capacity: capacity.value,
    domains: facts.known ? domainsOf(facts.value) : [],
    unreadable: facts.known ? unreadableOf(facts.value) : [],
    mode: mode.known && mode.value === "running" ? "running" : "defined",
  };
}

/** By the guest's host address; while that is unknown, by its dependency on the host. */
function isOn(guest: PolicyResource, host: Host): boolean {
  const key = known(() => (isObject(guest.props.host) ? hostKey(guest.props.host) : null));
  if (key.known && key.value !== null) return key.value === host.key;
  return guest.dependencies.some((d) => d.urn === host.resource.urn);
}

/** The guest's SEV model: its model output when known, else its flavor resolved by the core. */
function modelOf(r: PolicyResource): { model: SevModel } | { why: string } {
  const out = known(() => r.props.model);
  if (out.known && isSevModel(out.value)) return { model: out.value };
  const g = known(() => guestOf(r));
  if (!g.known) return { why: g.why };
  const m = probe(g.value, ["mem_encryption_model"]);
  return m.ok ? { model: m.resolved.model } : { why: coreSays(m) };
}

/** The guest's slot request, owned as the provider owns it: by the guest's `owner` (project, stack, URN). */
function placedOf(guest: PolicyResource, host: Host): Placed | null {
  const m = modelOf(guest);
  if (!("model" in m)) {
    notes.note(`${host.label}: SevGuest ${guest.name} is not counted: its SEV model is not known (${m.why})`);
    return null;
  }
  const owner = known(() => ownerFact(plain(guest.props.owner)));
  if (!owner.known || owner.value === null) {
    notes.note(`${host.label}: SevGuest ${guest.name} is not counted: its owner (project, stack, URN) is not known`);
    return null;
  }
  return { request: { name: guest.name, urn: owner.value.urn, model: m.model }, stack: owner.value };
}

function slots(n: number, pool: string): string {
  return `${n} free ${pool} slot${n === 1 ? "" : "s"}`;
}

function names(requests: SlotRequest[]): string {
  return requests.map((r) => r.name).join(", ");
}

function found(p: PoolAccount, free: number, mode: CountMode): string {
  const held = p.heldOutsideLibvirt > 0 ? ` (${p.heldOutsideLibvirt} of them ASIDs the kernel's misc cgroup counts beyond libvirt's running SEV domains)` : "";
  const counting = mode === "running" ? ", counting running domains only (countGuests: running)" : "";
  const fresh = p.requested.length > 0 ? `${p.requested.length} (${names(p.requested)})` : "0";
  const overflow = p.overflow.length > 0 ? `; ${p.overflow.length} of them ${p.overflow.length === 1 ? "does" : "do"} not fit: ${names(p.overflow)}` : "";
  return (
    `${slots(free, POOL_NAMES[p.pool])} after this change (total ${p.total} from ${p.source}${counting}, ` +
    `used by others ${p.usedByOthers}${held}, used by this stack ${p.usedByThisStack}, new guests of this stack ${fresh}${overflow})`
  );
}

function judgePool(host: Host, p: PoolAccount, minFree: number, report: ReportViolation): void {
  const name = POOL_NAMES[p.pool];
  if (p.free === null) {
    notes.note(
      `${host.label}: the ${name} slot total is unknown (source ${p.source}); no limit is imposed and headroom is not judged for this pool. Set maxGuests on the SevHost to enforce one`,
    );
    return;
  }
  if (p.free >= minFree && p.overflow.length === 0) return;
  report(
    message(
      host.label,
      found(p, p.free, host.mode),
      `at least ${slots(minFree, name)} per host after the change (minFreeSlots)`,
      `place guests on another host, remove guests, raise the host's ${name} slot count (maxGuests, up to what the host reports), or lower minFreeSlots in the policy pack config`,
    ),
    host.resource.urn,
  );
}

function judgeHost(host: Host, guests: PolicyResource[], minFree: number, report: ReportViolation): void {
  const placed = guests.filter((g) => isOn(g, host)).flatMap((g) => placedOf(g, host) ?? []);
  if (placed.length === 0) return;
  const requests = placed.map((p) => p.request);
  const account = accountHost(host.label, host.capacity, host.domains, placed[0].stack, requests, host.mode, host.unreadable);
  // A pool none of the stack's guests on this host draws from is not this stack's concern (a host
  // without an SEV-ES pool would otherwise always be reported).
  for (const pool of POOLS.filter((k) => requests.some((r) => poolOfModel(r.model) === k))) {
    judgePool(host, account.pools[pool], minFree, report);
  }
}

export const slotHeadroom: StackValidationPolicy = {
  name: NAMES.slotHeadroom,
  description:
    "Per SevHost and slot pool (sev, sev-es) the stack's guests draw from, the free SEV slots (ASIDs) left after this change must be at least minFreeSlots.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: {
    properties: {
      minFreeSlots: { type: "integer", minimum: 0, default: 1, description: "Free slots each pool of each host must keep after the change." },
    },
  },
  validateStack: (args, report) => {
    const config = args.getConfig<{ minFreeSlots?: number }>();
    const minFree = typeof config.minFreeSlots === "number" ? config.minFreeSlots : 1;
    const guests = args.resources.filter((r) => r.type === TYPES.guest);
    for (const r of args.resources.filter((x) => x.type === TYPES.host)) {
      const host = hostOf(r);
      if (host) judgeHost(host, guests, minFree, report);
    }
  },
};
