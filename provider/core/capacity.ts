/** SEV slot (ASID) capacity per pool: detected from libvirt or the misc cgroup, optionally capped. */
import { HostFacts } from "./facts";
import { PoolKey, poolOfModel } from "./models";

export type { PoolKey };

/** Where a pool's total came from: an override, libvirt's domain capabilities, the kernel's misc cgroup, or nowhere. */
export type PoolSource = "override" | "domcapabilities" | "misc-cgroup" | "unknown";

/** One ASID pool of a host: its total, where the total came from and what uses it. */
export interface Pool {
  /** Guests the pool can run at once; null when unknown. */
  total: number | null;
  source: PoolSource;
  /** SEV domains defined on the host that draw from this pool (each needs a slot while it runs), plus any domain that could not be read. */
  used: number | null;
  /** Of those, the ones running now (running, paused… anything whose QEMU holds an ASID). */
  running: number;
  /** ASIDs in use according to the kernel (machine.slice misc.current); null when not reported. */
  miscCurrent: number | null;
}

/** One pool per key of models.ts's PoolKey. */
export type SlotCapacity = Record<PoolKey, Pool>;

/** Slot counts that replace what the host reports (the SevHost's maxGuests input), per pool. */
export interface CapacityOverride {
  sev?: number;
  sevEs?: number;
}

/** Each pool as messages name it (sev, sev-es). */
export const POOL_NAMES: Record<PoolKey, string> = { sev: "sev", sevEs: "sev-es" };

function detected(facts: HostFacts, pool: PoolKey): { total: number | null; source: PoolSource } {
  const caps = facts.domcaps?.sev;
  const fromDomcaps = caps ? (pool === "sev" ? caps.maxGuests : caps.maxESGuests) : null;
  if (fromDomcaps !== null) return { total: fromDomcaps, source: "domcapabilities" };
  const fromMisc = facts.misc?.[pool].capacity ?? null;
  if (fromMisc !== null) return { total: fromMisc, source: "misc-cgroup" };
  return { total: null, source: "unknown" };
}

function applyOverride(pool: PoolKey, found: { total: number | null; source: PoolSource }, override: number | undefined) {
  if (override === undefined) return found;
  if (!Number.isInteger(override) || override < 0) {
    throw new Error(`maxGuests override ${override} for pool ${POOL_NAMES[pool]} is not a non-negative integer`);
  }
  if (found.total !== null && override > found.total) {
    throw new Error(`maxGuests override ${override} for pool ${POOL_NAMES[pool]} exceeds the detected ${found.total} (${found.source})`);
  }
  return { total: override, source: "override" as const };
}

function poolOf(facts: HostFacts, pool: PoolKey, override: number | undefined): Pool {
  const domains = facts.sevDomains.filter((d) => poolOfModel(d.model) === pool);
  return {
    ...applyOverride(pool, detected(facts, pool), override),
    used: domains.length + facts.unreadableDomains.length,
    running: domains.filter((d) => d.running).length,
    miscCurrent: facts.misc?.[pool].current ?? null,
  };
}

/** Detection order per pool: domcapabilities maxGuests/maxESGuests, then misc.capacity, else unknown. */
export function slotCapacity(facts: HostFacts, override?: CapacityOverride): SlotCapacity {
  return { sev: poolOf(facts, "sev", override?.sev), sevEs: poolOf(facts, "sevEs", override?.sevEs) };
}
