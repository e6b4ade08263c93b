/**
 * A SevGuest's admission against one inspection of its host, without the host: the model's support,
 * the slots of its pool counted with the plan, and a replacement's second slot. Pure.
 */
import test from "ava";
import { refusalAtCreate, refusalAtPreview, refusalOfReplacement } from "../../provider/guest/admission";
import { ProviderInputs } from "../../provider/guest/inputs";
import { Inspection } from "../../provider/host/operations";
import { slotCapacity } from "../../provider/core/capacity";
import { HostFacts, SevDomainFact } from "../../provider/core/facts";
import { readyHost } from "../core/ready-host";

const OWNER = { project: "shop", stack: "prod" };

function guest(name: string, model = "amd-sev"): ProviderInputs {
  return {
    name,
    host: { address: "epyc-01", privateKey: "k", maxGuests: { sev: 2 } },
    flavor: { name: "sev.small", vcpus: 1, memory: 1024, disk: 10, extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": model } },
    bootDisk: { path: `/var/lib/libvirt/images/${name}.qcow2` },
    owner: { ...OWNER, urn: `urn:pulumi:prod::shop::pulumi-nodejs:dynamic/sev:SevGuest::${name}` },
  } as ProviderInputs;
}

function domain(name: string, owner: SevDomainFact["owner"]): SevDomainFact {
  return { uuid: `uuid-${name}`, name, model: "sev", state: "running", running: true, owner } as SevDomainFact;
}

function inspection(domains: SevDomainFact[], facts: Partial<HostFacts> = {}): Inspection {
  const f = { ...readyHost(), sevDomains: domains, misc: null, ...facts } as HostFacts;
  return {
    target: {} as Inspection["target"],
    facts: f,
    checks: [],
    capacity: slotCapacity(f, { sev: 2 }),
    hostKeySeen: "",
    defined: { names: [], uuids: [] },
  };
}

const other = { project: "payments", stack: "prod", urn: "urn:pulumi:prod::payments::pulumi-nodejs:dynamic/sev:SevGuest::pay-1" };

test("a guest that fits its pool goes ahead at preview and at create", (t) => {
  const host = inspection([domain("pay-1", other)]);
  t.is(refusalAtPreview(guest("web-1"), host), null);
  t.is(refusalAtCreate(guest("web-1"), host), null);
});

test("a full pool refuses a new guest, naming the host and the pool", (t) => {
  const host = inspection([domain("pay-1", other), domain("pay-2", { ...other, urn: `${other.urn}-2` })]);
  const refusal = refusalAtPreview(guest("web-1"), host);
  t.regex(refusal ?? "", /host epyc-01: the sev slot pool cannot hold 1 new guest/);
  t.regex(refusalAtCreate(guest("web-1"), host) ?? "", /sev slot pool/);
});

test("a model the host does not run is refused with the host's reasons", (t) => {
  const host = inspection([], { kvmAmd: { ...readyHost().kvmAmd, sevEs: false } });
  t.regex(refusalAtPreview(guest("web-1", "amd-sev-es"), host) ?? "", /cannot run amd-sev-es/);
});

test("a replacement on the same host needs a second slot while the original still holds one", (t) => {
  const mine = guest("web-1");
  const host = inspection([domain("pay-1", other), domain("web-1", mine.owner)]);
  t.regex(refusalOfReplacement(mine, true, host) ?? "", /replacing guest web-1 needs a second sev slot/);
  t.is(refusalOfReplacement({ ...mine, deleteBeforeReplace: true }, true, host), null, "unless the original goes first");
});
