import test from "ava";
import { AdmissionHost, createRefusal, modelRefusal, previewRefusal, replacementRefusal } from "../../provider/core/admission";
import { slotCapacity } from "../../provider/core/capacity";
import { HostFacts, SevDomainFact, SevModel } from "../../provider/core/facts";
import { SlotRequest } from "../../provider/core/slots";
import { readyHost } from "./ready-host";

const STACK = { project: "p", stack: "dev" };
const req = (name: string, model: SevModel = "sev"): SlotRequest => ({ name, urn: `urn:dev::${name}`, model });
const other = (name: string, model: SevModel = "sev"): SevDomainFact => ({ name, uuid: name, running: true, model, owner: null });

function host(sevSlots: number, domains: SevDomainFact[] = [], change: (f: HostFacts) => void = () => undefined): AdmissionHost {
  const facts = readyHost();
  facts.misc = null;
  facts.domcaps!.sev.maxGuests = sevSlots;
  facts.sevDomains = domains;
  change(facts);
  return { label: "h", facts, capacity: slotCapacity(facts), countMode: "defined" };
}

test("a guest that fits goes ahead at preview and at create", (t) => {
  t.is(previewRefusal(host(2, [other("a")]), req("g"), STACK), null);
  t.is(createRefusal(host(2, [other("a")]), req("g"), STACK), null);
});

test("preview counts the program's whole plan; create counts the guest alone", (t) => {
  const plan = [req("g1"), req("g2"), req("g3")];
  t.is(previewRefusal(host(2), req("g1"), STACK, plan), previewRefusal(host(2), req("g3"), STACK, plan), "every guest of a full pool carries the same story");
  t.regex(previewRefusal(host(2), req("g1"), STACK, plan) ?? "", /cannot hold 3 new guests.*Guests that do not fit: g3\./);
  t.is(createRefusal(host(2), req("g1"), STACK), null);
  t.regex(createRefusal(host(1, [other("a")]), req("g1"), STACK) ?? "", /the sev slot pool cannot hold 1 new guest/);
});

test("a model the host does not run is refused before slots are counted", (t) => {
  const qemu7 = host(5, [], (f) => (f.qemuVersion = "7.2.0"));
  t.regex(modelRefusal(qemu7, req("g", "sev-es")) ?? "", /cannot run amd-sev-es \(SEV-ES\) guests: QEMU 7\.2\.0 is older than 8\.0\.0/);
  t.is(previewRefusal(qemu7, req("g", "sev-es"), STACK), modelRefusal(qemu7, req("g", "sev-es")));
  t.is(createRefusal(qemu7, req("g", "sev-es"), STACK), modelRefusal(qemu7, req("g", "sev-es")));
  t.is(previewRefusal(qemu7, req("g", "sev"), STACK), null);
});

test("a replacement on the same full host needs a second slot, unless deleteBeforeReplace", (t) => {
  const mine: SevDomainFact = { name: "g", uuid: "g", running: true, model: "sev", owner: { ...STACK, urn: "urn:dev::g" } };
  const full = host(1, [mine]);
  t.regex(replacementRefusal(full, req("g"), STACK, true, false) ?? "", /replacing guest g needs a second sev slot.*deleteBeforeReplace: true/);
  t.is(replacementRefusal(full, req("g"), STACK, true, true), null);
  t.regex(replacementRefusal(host(1, [other("a")]), req("g"), STACK, false, false) ?? "", /cannot hold 1 new guest/, "on another host: an ordinary overcommit");
});

test("SEV-SNP replacements draw from the SEV-ES pool", (t) => {
  const snp = host(5, [], (f) => {
    f.domcaps!.sev.maxESGuests = 0;
  });
  t.regex(replacementRefusal(snp, req("g", "sev-snp"), STACK, false, false) ?? "", /the sev-es slot pool/);
});
