import test from "ava";
import { accountHost, countWith, formatOvercommit, overcommitted, unknownTotals, SlotRequest } from "../../provider/core/slots";
import { SlotCapacity, Pool } from "../../provider/core/capacity";
import { MiscCgroupFacts, SevDomainFact, SevModel } from "../../provider/core/facts";
import { SlotCount } from "../../provider/core/parse/probe";

const pool = (total: number | null, source = "domcapabilities"): Pool => ({ total, source: source as Pool["source"], used: 0, running: 0, miscCurrent: null });
const caps = (sev: number | null, sevEs: number | null): SlotCapacity => ({ sev: pool(sev), sevEs: pool(sevEs) });
const me = { project: "p", stack: "dev" };
const dom = (name: string, model: SevModel, owner: { stack: string; urn?: string } | null, running = true): SevDomainFact => ({
  name,
  uuid: name,
  running,
  model,
  owner: owner ? { project: "p", stack: owner.stack, urn: owner.urn ?? `urn:${owner.stack}::${name}` } : null,
});
const req = (name: string, model: SevModel = "sev"): SlotRequest => ({ name, urn: `urn:dev::${name}`, model });

test("others, this stack and requests are counted per pool; SNP draws from the SEV-ES pool", (t) => {
  const domains = [dom("a", "sev", null), dom("b", "sev", { stack: "prod" }), dom("c", "sev", { stack: "dev" }), dom("d", "sev-snp", null)];
  const a = accountHost("h", caps(5, 3), domains, me, [req("x"), req("y", "sev-es"), req("z", "sev-snp")]);
  t.like(a.pools.sev, { total: 5, usedByOthers: 2, usedByThisStack: 1, free: 1 });
  t.deepEqual(
    a.pools.sev.requested.map((r) => r.name),
    ["x"],
  );
  t.like(a.pools.sevEs, { total: 3, usedByOthers: 1, usedByThisStack: 0, free: 0 });
  t.deepEqual(
    a.pools.sevEs.requested.map((r) => r.name),
    ["y", "z"],
  );
  t.deepEqual(overcommitted(a), []);
});

test("guests declared together are counted together: only those past the free slots overflow", (t) => {
  const a = accountHost("h", caps(3, 0), [dom("a", "sev", null)], me, [req("g1"), req("g2"), req("g3")]);
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["g3"],
  );
  t.is(a.pools.sev.free, 0);
  const msg = formatOvercommit(a, a.pools.sev);
  t.regex(
    msg,
    /host h: the sev slot pool cannot hold 3 new guests: total 3 \(domcapabilities\), used by others 1, used by this stack 0, requested 3, free before this change 2\. Guests that do not fit: g3\./,
  );
});

test("a guest of this stack that already exists is not requested again", (t) => {
  const existing = dom("g1", "sev", { stack: "dev", urn: "urn:dev::g1" });
  const a = accountHost("h", caps(1, 0), [existing], me, [req("g1")]);
  t.is(a.pools.sev.requested.length, 0);
  t.is(a.pools.sev.usedByThisStack, 1);
  t.deepEqual(overcommitted(a), []);
});

test("an unknown total imposes no limit and says so", (t) => {
  const a = accountHost("h", caps(null, null), [dom("a", "sev", null)], me, [req("g1"), req("g2")]);
  t.is(a.pools.sev.free, null);
  t.deepEqual(overcommitted(a), []);
  t.is(unknownTotals(a).length, 1);
  t.regex(unknownTotals(a)[0], /no limit is imposed/);
});

test("an override total is what is counted against", (t) => {
  const capacity: SlotCapacity = { sev: pool(1, "override"), sevEs: pool(450) };
  const a = accountHost("h", capacity, [], me, [req("g1"), req("g2")]);
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["g2"],
  );
  t.regex(formatOvercommit(a, a.pools.sev), /total 1 \(override\)/);
});

test("running mode counts only running domains", (t) => {
  const domains = [dom("a", "sev", null, false), dom("b", "sev", null, true)];
  t.is(accountHost("h", caps(2, 0), domains, me, [req("g")], "defined").pools.sev.overflow.length, 1);
  t.is(accountHost("h", caps(2, 0), domains, me, [req("g")], "running").pools.sev.overflow.length, 0);
});

test("an empty SEV-ES pool refuses the first SEV-ES guest", (t) => {
  const a = accountHost("h", caps(59, 0), [], me, [req("es", "sev-es")]);
  t.deepEqual(
    overcommitted(a).map((p) => p.pool),
    ["sevEs"],
  );
});

test("ASIDs the kernel counts beyond libvirt's running SEV domains are used by others", (t) => {
  const capacity: SlotCapacity = { sev: { ...pool(4), miscCurrent: 3 }, sevEs: pool(0) };
  const domains = [dom("a", "sev", null, true), dom("b", "sev", { stack: "dev" }, false)];
  const a = accountHost("h", capacity, domains, me, [req("g1"), req("g2")]);
  t.is(a.pools.sev.heldOutsideLibvirt, 2);
  t.is(a.pools.sev.usedByOthers, 3);
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["g1", "g2"],
  );
  t.regex(formatOvercommit(a, a.pools.sev), /misc cgroup counts 2 ASIDs in use beyond libvirt's running SEV domains/);
  const agrees = accountHost("h", { sev: { ...pool(4), miscCurrent: 1 }, sevEs: pool(0) }, domains, me, []);
  t.is(agrees.pools.sev.heldOutsideLibvirt, 0);
});

test("an adopted domain already holds its slot: on a full pool it is this stack's and not requested again", (t) => {
  const legacy = dom("legacy-1", "sev", null);
  const adopt = { ...req("legacy-1"), adopt: true };
  const a = accountHost("h", caps(2, 0), [legacy, dom("other", "sev", { stack: "prod" })], me, [adopt]);
  t.like(a.pools.sev, { usedByOthers: 1, usedByThisStack: 1, free: 0 });
  t.deepEqual(a.pools.sev.requested, []);
  t.deepEqual(overcommitted(a), []);
  const notAdopting = accountHost("h", caps(2, 0), [legacy, dom("other", "sev", { stack: "prod" })], me, [req("legacy-1")]);
  t.like(notAdopting.pools.sev, { usedByOthers: 2, usedByThisStack: 0 });
  t.deepEqual(
    notAdopting.pools.sev.overflow.map((r) => r.name),
    ["legacy-1"],
    "without adopt the same name is a new guest",
  );
});

test("adopt counts only a domain of that name: a missing one is requested, another stack's stays theirs", (t) => {
  const a = accountHost("h", caps(1, 0), [dom("x", "sev", null)], me, [{ ...req("ghost"), adopt: true }]);
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["ghost"],
  );
  t.like(a.pools.sev, { usedByOthers: 1, usedByThisStack: 0 });
  const theirs = accountHost("h", caps(1, 0), [dom("x", "sev", { stack: "prod" })], me, [{ ...req("x"), adopt: true }]);
  t.like(theirs.pools.sev, { usedByOthers: 1, usedByThisStack: 0 });
  t.deepEqual(theirs.pools.sev.requested, []);
});

test("guests declared together with an adoption on a full pool: only the new ones need slots", (t) => {
  const a = accountHost("h", caps(2, 0), [dom("legacy-1", "sev", null)], me, [req("g1"), { ...req("legacy-1"), adopt: true }, req("g2")]);
  t.deepEqual(
    a.pools.sev.requested.map((r) => r.name),
    ["g1", "g2"],
  );
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["g2"],
  );
  t.like(a.pools.sev, { usedByOthers: 0, usedByThisStack: 1 });
});

test("a domain that cannot be read counts as used by others in every pool, and the refusal names it", (t) => {
  const unreadable = [{ uuid: "dead-beef", error: "error: internal error" }];
  const a = accountHost("h", caps(2, 1), [dom("a", "sev", null)], me, [req("g1"), req("e1", "sev-es")], "defined", unreadable);
  t.is(a.pools.sev.usedByOthers, 2);
  t.is(a.pools.sevEs.usedByOthers, 1);
  t.deepEqual(
    a.pools.sev.overflow.map((r) => r.name),
    ["g1"],
  );
  t.deepEqual(
    a.pools.sevEs.overflow.map((r) => r.name),
    ["e1"],
  );
  t.regex(formatOvercommit(a, a.pools.sev), /virsh dumpxml failed for domain dead-beef: counted as used by others/);
  const without = accountHost("h", caps(2, 1), [dom("a", "sev", null)], me, [req("g1"), req("e1", "sev-es")]);
  t.deepEqual(overcommitted(without), [], "the same guests fit when every domain can be read");
});

test("within one lock hold, each define is added to the count: the next create sees it, and nothing is ever taken away", (t) => {
  const count: SlotCount = {
    misc: { sev: { capacity: 4, current: 1 }, sevEs: { capacity: 0, current: 0 } },
    sevDomains: [dom("a", "sev", null, true)],
    unreadableDomains: [],
    names: ["a", "plain"],
    uuids: ["a", "plain"],
  };
  const defined = countWith(count, dom("g1", "sev", { stack: "dev" }, false));
  t.deepEqual(
    defined.sevDomains.map((d) => d.name),
    ["a", "g1"],
  );
  t.deepEqual(defined.names, ["a", "plain", "g1"]);
  t.is(defined.misc!.sev.current, 1, "a defined guest that is not started takes no ASID yet");
  const started = countWith(defined, dom("g1", "sev", { stack: "dev" }, true));
  t.is(started.sevDomains.length, 2, "the same domain again replaces its own entry");
  t.is(started.misc!.sev.current, 2, "a start under the lock adds its ASID to the kernel's count");
  const caps2 = (misc: MiscCgroupFacts): SlotCapacity => ({ sev: { ...pool(3), miscCurrent: misc.sev.current }, sevEs: pool(0) });
  t.is(accountHost("h", caps2(count.misc!), count.sevDomains, me, [req("g2")], "running").pools.sev.overflow.length, 0);
  t.is(accountHost("h", caps2(started.misc!), started.sevDomains, me, [req("g2"), req("g3")], "running").pools.sev.overflow.length, 1);
  t.is(count.sevDomains.length, 1, "the count it started from is left as it was");
});
