import test from "ava";
import { slotCapacity } from "../../provider/core/capacity";
import { HostFacts, SevDomainFact } from "../../provider/core/facts";
import { readyHost } from "./ready-host";

function domain(model: SevDomainFact["model"], running: boolean): SevDomainFact {
  return { name: `${model}-${running}`, uuid: "u", running, model, owner: null };
}

function hostWith(domcaps: { maxGuests: number | null; maxESGuests: number | null } | null, misc: HostFacts["misc"]): HostFacts {
  const f = readyHost();
  if (domcaps === null) f.domcaps = null;
  else if (f.domcaps) f.domcaps.sev = { ...f.domcaps.sev, ...domcaps };
  f.misc = misc;
  return f;
}

const MISC = { sev: { capacity: 509, current: 3 }, sevEs: { capacity: 0, current: 0 } };

test("domcapabilities is preferred over the misc cgroup", (t) => {
  const cap = slotCapacity(hostWith({ maxGuests: 59, maxESGuests: 450 }, MISC));
  t.like(cap.sev, { total: 59, source: "domcapabilities", miscCurrent: 3 });
  t.like(cap.sevEs, { total: 450, source: "domcapabilities", miscCurrent: 0 });
});

test("misc.capacity is used when libvirt does not report maxGuests (before 8.0)", (t) => {
  const cap = slotCapacity(hostWith({ maxGuests: null, maxESGuests: null }, MISC));
  t.like(cap.sev, { total: 509, source: "misc-cgroup" });
  t.like(cap.sevEs, { total: 0, source: "misc-cgroup" });
});

test("each pool is detected on its own", (t) => {
  const cap = slotCapacity(hostWith({ maxGuests: 15, maxESGuests: null }, MISC));
  t.like(cap.sev, { total: 15, source: "domcapabilities" });
  t.like(cap.sevEs, { total: 0, source: "misc-cgroup" });
});

test("unknown when neither source reports", (t) => {
  const cap = slotCapacity(hostWith(null, null));
  t.deepEqual(cap.sev, { total: null, source: "unknown", used: 0, running: 0, miscCurrent: null });
  t.deepEqual(cap.sevEs, { total: null, source: "unknown", used: 0, running: 0, miscCurrent: null });
});

test("an override at or below the detected total wins", (t) => {
  const cap = slotCapacity(hostWith({ maxGuests: 59, maxESGuests: 450 }, null), { sev: 10, sevEs: 450 });
  t.like(cap.sev, { total: 10, source: "override" });
  t.like(cap.sevEs, { total: 450, source: "override" });
});

test("an override is taken as is when detection found nothing", (t) => {
  const cap = slotCapacity(hostWith(null, null), { sevEs: 7 });
  t.like(cap.sevEs, { total: 7, source: "override" });
  t.like(cap.sev, { total: null, source: "unknown" });
});

test("an override above the detected total is an error naming both", (t) => {
  t.throws(() => slotCapacity(hostWith({ maxGuests: 59, maxESGuests: 450 }, null), { sev: 60 }), {
    message: "maxGuests override 60 for pool sev exceeds the detected 59 (domcapabilities)",
  });
  t.throws(() => slotCapacity(hostWith(null, MISC), { sevEs: 1 }), {
    message: "maxGuests override 1 for pool sev-es exceeds the detected 0 (misc-cgroup)",
  });
});

test("a negative or fractional override is rejected", (t) => {
  t.throws(() => slotCapacity(hostWith(null, null), { sev: -1 }), { message: /not a non-negative integer/ });
  t.throws(() => slotCapacity(hostWith(null, null), { sev: 1.5 }), { message: /not a non-negative integer/ });
});

test("used counts domains per pool: SEV-SNP draws from the SEV-ES pool", (t) => {
  const f = hostWith({ maxGuests: 59, maxESGuests: 450 }, MISC);
  f.sevDomains = [domain("sev", true), domain("sev", false), domain("sev-es", true), domain("sev-snp", false), domain("sev-snp", true)];
  const cap = slotCapacity(f);
  t.like(cap.sev, { used: 2, running: 1, miscCurrent: 3 });
  t.like(cap.sevEs, { used: 3, running: 2, miscCurrent: 0 });
});
