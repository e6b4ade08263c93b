/**
 * The policy pack's policies, one by one: each validate function called the way @pulumi/policy
 * calls it (props behind the framework's own unknown-checking proxy, getConfig, notApplicable,
 * reportViolation), on one input that breaks the rule and inputs that keep it.
 */
import test from "ava";
import { existsSync } from "fs";
import { join } from "path";
import { accountHost, CapacityOverride, CountMode, HostFacts, SevDomainFact, SevModel, slotCapacity } from "pulumi-sev/core";
import { repoRoot } from "../../lab/lab";
import { readyHost } from "../core/ready-host";

// The pack is its own package (policy/, with @pulumi/policy in its own node_modules), loaded from
// its build output as the engine loads it. Its types are restated here: importing its sources would
// compile them into this build, where @pulumi/policy does not resolve. It reaches the core as
// "pulumi-sev/core", the same module this test imports.
type Props = Record<string, unknown>;
interface ResourceArgs {
  type: string;
  name: string;
  urn: string;
  props: Props;
  opts: object;
  stackTags: ReadonlyMap<string, string>;
  isType(c: unknown): boolean;
  asType(c: unknown): unknown;
  getConfig<T extends object>(): T;
  notApplicable(reason?: string): never;
}
interface StackResource {
  type: string;
  name: string;
  urn: string;
  props: Props;
  opts: object;
  dependencies: StackResource[];
  propertyDependencies: Record<string, StackResource[]>;
  isType(c: unknown): boolean;
  asType(c: unknown): unknown;
}
interface StackArgs {
  resources: StackResource[];
  stackTags: ReadonlyMap<string, string>;
  getConfig<T extends object>(): T;
  notApplicable(reason?: string): never;
}
type Report = (message: string, urn?: string) => void;
interface Policy {
  name: string;
  description: string;
  enforcementLevel?: string;
  configSchema?: { properties: Record<string, { default?: unknown }> };
  validateResource?: (args: ResourceArgs, report: Report) => void | Promise<void>;
  validateStack?: (args: StackArgs, report: Report) => void | Promise<void>;
}
interface Pack {
  policies: Policy[];
  notes: { note: (text: string) => void };
}

function loadPack(): Pack {
  const file = join(repoRoot, "policy", "dist", "policies.js");
  if (!existsSync(file)) throw new Error(`${file} is missing: build the pack with npm run -s build --prefix policy (scripts/prepare.sh does)`);
  return require(file) as Pack;
}

const pack = loadPack();
const proxy = require(join(repoRoot, "policy", "node_modules", "@pulumi", "policy", "proxy.js")) as {
  unknownCheckingProxy<T>(v: T): T;
  unknownObjectValue: string;
  unknownStringValue: string;
};

const HOST = "pulumi-nodejs:dynamic/sev:SevHost";
const FLAVOR = "pulumi-nodejs:dynamic/sev:SevFlavor";
const GUEST = "pulumi-nodejs:dynamic/sev:SevGuest";
const STACK = { project: "p", stack: "s" };
const urnOf = (type: string, name: string) => `urn:pulumi:${STACK.stack}::${STACK.project}::${type}::${name}`;

class NotApplicable extends Error {}

function policy(name: string): Policy {
  const p = pack.policies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
}

interface Outcome {
  messages: string[];
  urns: (string | undefined)[];
  notApplicable?: string;
}

function resourceArgs(type: string, name: string, props: Props, config: object): ResourceArgs {
  return {
    type,
    name,
    urn: urnOf(type, name),
    props: proxy.unknownCheckingProxy(props),
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? "");
    },
  };
}

async function runResource(name: string, type: string, resource: string, props: Props, config: object = {}): Promise<Outcome> {
  const out: Outcome = { messages: [], urns: [] };
  const validate = policy(name).validateResource!;
  try {
    await validate(resourceArgs(type, resource, props, config), (m, urn) => {
      out.messages.push(m);
      out.urns.push(urn);
    });
  } catch (e) {
    if (e instanceof NotApplicable) out.notApplicable = e.message;
    else throw e;
  }
  return out;
}

function stackResource(type: string, name: string, props: Props, dependencies: StackResource[] = []): StackResource {
  return {
    type,
    name,
    urn: urnOf(type, name),
    props: proxy.unknownCheckingProxy(props),
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies,
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

async function runStack(resources: StackResource[], config: object = {}): Promise<Outcome & { notes: string[] }> {
  const out = { messages: [] as string[], urns: [] as (string | undefined)[], notes: [] as string[] };
  const saved = pack.notes.note;
  pack.notes.note = (text) => out.notes.push(text);
  try {
    await policy("sev-host-slot-headroom").validateStack!(
      {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason ?? "");
        },
      },
      (m, urn) => {
        out.messages.push(m);
        out.urns.push(urn);
      },
    );
  } finally {
    pack.notes.note = saved;
  }
  return out;
}

// Inputs as the engine hands them to the pack: a SevGuest's props carry its SevFlavor's inputs and its host's.
const hostInputs = {
  address: "10.0.0.5",
  port: 22,
  user: "root",
  privateKey: "[secret]",
  hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};
function flavor(extraSpecs: Props = { "hw:mem_encryption": true }, rest: Props = {}): Props {
  return { name: "sev.small", vcpus: 2, memory: "4G", disk: 20, extraSpecs, ...rest };
}
function guest(f: Props, image?: Props, rest: Props = {}): Props {
  return {
    host: hostInputs,
    flavor: f,
    name: "web-1",
    bootDisk: { path: "/var/lib/libvirt/images/web-1.qcow2" },
    owner: { ...STACK, urn: urnOf(GUEST, "web-1") },
    ...(image ? { image } : {}),
    ...rest,
  };
}

/** found …. Required: …. Fix: …. */
const FORMAT = /^(SevGuest|SevHost) \S+( \([^)]*\))?: found .+\. Required: .+\. Fix: .+\.$/s;

test("the pack: seven policies, their names, default enforcement and config defaults", (t) => {
  t.deepEqual(
    pack.policies.map((p) => [p.name, p.enforcementLevel]),
    [
      ["sev-guest-memory-encrypted", "mandatory"],
      ["sev-guest-encrypted-state", "mandatory"],
      ["sev-guest-policy-nodbg-noks", "mandatory"],
      ["sev-guest-q35-uefi", "mandatory"],
      ["sev-guest-no-virtio-blk-boot", "mandatory"],
      ["sev-host-machine-slice-limit", "mandatory"],
      ["sev-host-slot-headroom", "advisory"],
    ],
  );
  t.is(policy("sev-guest-encrypted-state").configSchema?.properties.requireEncryptedState.default, false);
  t.is(policy("sev-host-slot-headroom").configSchema?.properties.minFreeSlots.default, 1);
  t.truthy(policy("sev-host-slot-headroom").validateStack);
  t.is(pack.policies.filter((p) => p.validateResource).length, 6);
});

// 1. sev-guest-memory-encrypted

test("memory-encrypted: a flavor without hw:mem_encryption is reported", async (t) => {
  const r = await runResource("sev-guest-memory-encrypted", GUEST, "web-1", guest(flavor({ "hw:mem_encryption_model": "amd-sev-es" })));
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], FORMAT);
  t.regex(r.messages[0], /^SevGuest web-1 \(flavor sev\.small\): found flavor sev\.small hw:mem_encryption not set \(memory encryption is not requested/);
  t.regex(r.messages[0], /Fix: set extraSpecs\["hw:mem_encryption"\]: true on flavor sev\.small/);
});

test("memory-encrypted: an image's hw_mem_encryption false against the flavor's true is reported (Nova conflict)", async (t) => {
  const r = await runResource("sev-guest-memory-encrypted", GUEST, "web-1", guest(flavor(), { hw_mem_encryption: false }));
  t.is(r.messages.length, 1);
  t.regex(
    r.messages[0],
    /found flavor sev\.small hw:mem_encryption true, image hw_mem_encryption false \(Flavor's hw:mem_encryption extra spec \(true\) and image's hw_mem_encryption property \(false\) conflict/,
  );
});

test("memory-encrypted: passes with the flavor's true, or the image's \"True\" alone", async (t) => {
  t.deepEqual((await runResource("sev-guest-memory-encrypted", GUEST, "web-1", guest(flavor()))).messages, []);
  t.deepEqual((await runResource("sev-guest-memory-encrypted", GUEST, "web-1", guest(flavor({}), { hw_mem_encryption: "True" }))).messages, []);
});

test("guest policies ignore other resource types", async (t) => {
  for (const p of pack.policies.filter((x) => x.name.startsWith("sev-guest-"))) {
    const r = await runResource(p.name, FLAVOR, "sev.small", flavor({}), { requireEncryptedState: true });
    t.deepEqual(r.messages, [], p.name);
  }
});

// 2. sev-guest-encrypted-state

test("encrypted-state: with requireEncryptedState, an amd-sev guest (the default model) is reported", async (t) => {
  const r = await runResource("sev-guest-encrypted-state", GUEST, "web-1", guest(flavor()), { requireEncryptedState: true });
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], FORMAT);
  t.regex(
    r.messages[0],
    /found model amd-sev \(flavor sev\.small hw:mem_encryption_model not set; amd-sev is the default\): guest memory is encrypted but the register state \(VMSA\) is not\. Required: an encrypted register state: hw:mem_encryption_model amd-sev-es or amd-sev-snp/,
  );
  t.regex(r.messages[0], /Fix: set extraSpecs\["hw:mem_encryption_model"\]: "amd-sev-es"/);
});

test("encrypted-state: amd-sev-es (flavor) and amd-sev-snp (image) pass", async (t) => {
  const es = await runResource(
    "sev-guest-encrypted-state",
    GUEST,
    "web-1",
    guest(flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" })),
    { requireEncryptedState: true },
  );
  t.deepEqual(es.messages, []);
  const snp = await runResource("sev-guest-encrypted-state", GUEST, "web-1", guest(flavor(), { hw_mem_encryption_model: "amd-sev-snp" }), {
    requireEncryptedState: true,
  });
  t.deepEqual(snp.messages, []);
});

test("encrypted-state: not applicable unless requireEncryptedState is true", async (t) => {
  const r = await runResource("sev-guest-encrypted-state", GUEST, "web-1", guest(flavor()));
  t.deepEqual(r.messages, []);
  t.is(r.notApplicable, "requireEncryptedState is not set to true in this policy's config");
});

test("encrypted-state: a model conflict between flavor and image is reported with Nova's words", async (t) => {
  const r = await runResource(
    "sev-guest-encrypted-state",
    GUEST,
    "web-1",
    guest(flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" }), { hw_mem_encryption_model: "amd-sev" }),
    { requireEncryptedState: true },
  );
  t.is(r.messages.length, 1);
  t.regex(
    r.messages[0],
    /which does not resolve to a model \(Flavor's hw:mem_encryption_model extra spec \(amd-sev-es\) and image's hw_mem_encryption_model property \(amd-sev\) conflict/,
  );
});

// 3. sev-guest-policy-nodbg-noks

test("nodbg-noks: allowDebug's default policy (NODBG cleared) is reported although the provider accepts it", async (t) => {
  const r = await runResource("sev-guest-policy-nodbg-noks", GUEST, "web-1", guest(flavor(undefined, { allowDebug: true })));
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], FORMAT);
  t.regex(r.messages[0], /found amd-sev policy 0x0032 \(the default policy for amd-sev with allowDebug: true\) clears NODBG \(bit 0, 0x1\)/);
  t.regex(
    r.messages[0],
    /Required: a guest policy with NODBG \(0x1\) and NOKS \(0x2\) set\. Fix: remove allowDebug from flavor sev\.small \(the default policy is then 0x0033\)\.$/,
  );
});

test("nodbg-noks: an explicit policy without NOKS is reported (the provider does not require NOKS)", async (t) => {
  const r = await runResource(
    "sev-guest-policy-nodbg-noks",
    GUEST,
    "web-1",
    guest(flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" }, { policy: "0x35" })),
  );
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], /found amd-sev-es policy 0x0035 \(flavor sev\.small policy "0x35"\) clears NOKS \(bit 1, 0x2\)/);
  t.notRegex(r.messages[0], /NODBG \(bit 0, 0x1\):/);
  t.regex(r.messages[0], /Fix: set flavor sev\.small's policy to 0x0037\.$/);
});

test("nodbg-noks: SEV-SNP with DEBUG set is reported", async (t) => {
  const r = await runResource(
    "sev-guest-policy-nodbg-noks",
    GUEST,
    "web-1",
    guest(flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-snp" }, { allowDebug: true, policy: "0xb0000" })),
  );
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], /found SEV-SNP policy 0xb0000 \(flavor sev\.small policy "0xb0000" with allowDebug: true\) sets DEBUG \(bit 19, 0x80000\)/);
  t.regex(
    r.messages[0],
    /Required: an SEV-SNP guest policy with DEBUG \(bit 19\) clear\. Fix: set flavor sev\.small's policy to 0x00030000 and remove allowDebug\.$/,
  );
});

test("nodbg-noks: the defaults of every model and an explicit 0x0033 pass", async (t) => {
  for (const model of ["amd-sev", "amd-sev-es", "amd-sev-snp"]) {
    const r = await runResource("sev-guest-policy-nodbg-noks", GUEST, "web-1", guest(flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": model })));
    t.deepEqual(r.messages, [], model);
  }
  t.deepEqual((await runResource("sev-guest-policy-nodbg-noks", GUEST, "web-1", guest(flavor(undefined, { policy: 0x33 })))).messages, []);
});

// 4. sev-guest-q35-uefi

test("q35-uefi: a pc-i440fx machine and bios firmware are reported", async (t) => {
  const r = await runResource(
    "sev-guest-q35-uefi",
    GUEST,
    "web-1",
    guest(flavor({ "hw:mem_encryption": true, "pulumi-sev:machine_type": "pc-i440fx-8.2" }), { hw_firmware_type: "bios" }),
  );
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], FORMAT);
  t.regex(
    r.messages[0],
    /found flavor sev\.small pulumi-sev:machine_type "pc-i440fx-8\.2", image hw_machine_type not set; flavor sev\.small pulumi-sev:firmware_type not set, image hw_firmware_type "bios" \(pulumi-sev:machine_type pc-i440fx-8\.2 is not a q35 machine.*hw_firmware_type bios is refused/s,
  );
  t.regex(r.messages[0], /Required: a q35 machine .* and UEFI firmware/);
});

test("q35-uefi: defaults, q35 and a versioned pc-q35 with uefi pass", async (t) => {
  t.deepEqual((await runResource("sev-guest-q35-uefi", GUEST, "web-1", guest(flavor()))).messages, []);
  t.deepEqual(
    (
      await runResource(
        "sev-guest-q35-uefi",
        GUEST,
        "web-1",
        guest(flavor({ "hw:mem_encryption": true, "pulumi-sev:machine_type": "pc-q35-8.2", "pulumi-sev:firmware_type": "uefi" }), {
          hw_machine_type: "pc-q35-8.2",
        }),
      )
    ).messages,
    [],
  );
});

// 5. sev-guest-no-virtio-blk-boot

test("no-virtio-blk-boot: pulumi-sev:disk_bus virtio is reported", async (t) => {
  const r = await runResource("sev-guest-no-virtio-blk-boot", GUEST, "web-1", guest(flavor({ "hw:mem_encryption": true, "pulumi-sev:disk_bus": "virtio" })));
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], FORMAT);
  t.regex(
    r.messages[0],
    /found flavor sev\.small pulumi-sev:disk_bus "virtio": a virtio-blk boot disk \(pulumi-sev:disk_bus virtio is refused for the boot disk/,
  );
  t.regex(r.messages[0], /Fix: set the guest.s image property hw_disk_bus to scsi \(or sata\), and remove pulumi-sev:disk_bus virtio from flavor sev\.small/);
});

test("no-virtio-blk-boot: scsi (default), sata pass; ide is not this policy's business", async (t) => {
  t.deepEqual((await runResource("sev-guest-no-virtio-blk-boot", GUEST, "web-1", guest(flavor()))).messages, []);
  t.deepEqual((await runResource("sev-guest-no-virtio-blk-boot", GUEST, "web-1", guest(flavor(), { hw_disk_bus: "sata" }))).messages, []);
  t.deepEqual((await runResource("sev-guest-no-virtio-blk-boot", GUEST, "web-1", guest(flavor(), { hw_disk_bus: "ide" }))).messages, []);
});

test("guest policies: a flavor value unknown during preview surfaces as the framework's UnknownValueError", async (t) => {
  const props = guest({ ...flavor(), extraSpecs: proxy.unknownObjectValue });
  const e = await t.throwsAsync(() => runResource("sev-guest-no-virtio-blk-boot", GUEST, "web-1", props));
  t.is(e?.constructor.name, "UnknownValueError");
});

// 6. sev-host-machine-slice-limit

test("machine-slice-limit: a SevHost without memoryLimit, or with an empty one, is reported", async (t) => {
  const none = await runResource("sev-host-machine-slice-limit", HOST, "epyc-01", { ...hostInputs });
  t.deepEqual(none.messages, [
    "SevHost epyc-01 (10.0.0.5:22): found no memoryLimit: machine.slice is left unlimited. " +
      "Required: memoryLimit with limit (the machine.slice MemoryMax itself) or reserve (MemTotal minus the memory kept for the host OS): " +
      "SEV guests lock all their memory, so without a limit they can starve the host. " +
      'Fix: add memoryLimit: { reserve: "16G" } (or { limit: "<size>" }) to SevHost epyc-01.',
  ]);
  const empty = await runResource("sev-host-machine-slice-limit", HOST, "epyc-01", { ...hostInputs, memoryLimit: { property: "MemoryHigh" } });
  t.is(empty.messages.length, 1);
  t.regex(empty.messages[0], /found memoryLimit \{"property":"MemoryHigh"\} without limit or reserve/);
});

test("machine-slice-limit: reserve or limit passes; other types are ignored", async (t) => {
  t.deepEqual((await runResource("sev-host-machine-slice-limit", HOST, "epyc-01", { ...hostInputs, memoryLimit: { reserve: "16G" } })).messages, []);
  t.deepEqual((await runResource("sev-host-machine-slice-limit", HOST, "epyc-01", { ...hostInputs, memoryLimit: { limit: 1 << 30 } })).messages, []);
  t.deepEqual((await runResource("sev-host-machine-slice-limit", GUEST, "web-1", guest(flavor()))).messages, []);
});

// 7. sev-host-slot-headroom

/** A host as its probe shows it: the slot totals libvirt reports, its SEV domains, the kernel's count. */
interface HostSpec {
  sev: number | null;
  sevEs: number | null;
  domains?: SevDomainFact[];
  /** misc.current per pool; without it the host has no misc cgroup. */
  miscCurrent?: { sev: number; sevEs: number };
  maxGuests?: CapacityOverride;
  countGuests?: CountMode;
  address?: string;
}

function factsOf(spec: HostSpec): HostFacts {
  const f = readyHost();
  if (f.domcaps) f.domcaps.sev = { ...f.domcaps.sev, maxGuests: spec.sev, maxESGuests: spec.sevEs };
  const misc = spec.miscCurrent;
  f.misc = misc ? { sev: { capacity: spec.sev, current: misc.sev }, sevEs: { capacity: spec.sevEs, current: misc.sevEs } } : null;
  f.sevDomains = spec.domains ?? [];
  return f;
}

/** A SevHost in the state: its outputs as the provider writes them (capacity by the core's slotCapacity). */
function host(name: string, spec: HostSpec): StackResource {
  const facts = factsOf(spec);
  const { maxGuests, countGuests } = spec;
  return stackResource(HOST, name, {
    ...hostInputs,
    address: spec.address ?? hostInputs.address,
    memoryLimit: { reserve: "16G" },
    ...(maxGuests ? { maxGuests } : {}),
    ...(countGuests ? { countGuests } : {}),
    capacity: slotCapacity(facts, maxGuests),
    facts,
  });
}

/** A domain on the host, owned by a stack (this one unless told) or by nobody (null). */
function domain(name: string, model: SevModel, owner: { project: string; stack: string } | null = STACK, running = true): SevDomainFact {
  const urn = owner ? `urn:pulumi:${owner.stack}::${owner.project}::${GUEST}::${name}` : "";
  return { name, uuid: `uuid-${name}`, running, model, owner: owner ? { ...owner, urn } : null };
}

function stackGuest(name: string, h: StackResource, f: Props, outputs: Props = {}): StackResource {
  const hostProps = { ...hostInputs, address: (h.props as { address: string }).address };
  return stackResource(GUEST, name, { ...guest(f), name, host: hostProps, owner: { ...STACK, urn: urnOf(GUEST, name) }, ...outputs }, [h]);
}
const sevEs = flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" });
const snp = flavor({ "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-snp" });

/** What the core's accounting says of these guests (all SEV) on a host. */
function coreAccount(name: string, spec: HostSpec, guests: StackResource[]) {
  const facts = factsOf(spec);
  const requests = guests.map((g) => ({ name: g.name, urn: g.urn, model: "sev" as const }));
  return accountHost(name, slotCapacity(facts, spec.maxGuests), facts.sevDomains, STACK, requests, spec.countGuests).pools.sev;
}

/** The numbers a headroom message states. */
function stated(message: string) {
  const m =
    /found (\d+) free sev slots? after this change \(total (\d+) from ([\w-]+)(?:, counting running domains only \(countGuests: running\))?, used by others (\d+)(?: \([^)]*\))?, used by this stack (\d+), new guests of this stack (\d+)/.exec(
      message,
    );
  if (!m) throw new Error(`not a headroom message: ${message}`);
  const [free, total, source, usedByOthers, usedByThisStack, requested] = m.slice(1);
  return {
    free: Number(free),
    total: Number(total),
    source,
    usedByOthers: Number(usedByOthers),
    usedByThisStack: Number(usedByThisStack),
    requested: Number(requested),
  };
}

function numbersOf(p: ReturnType<typeof coreAccount>) {
  return { free: p.free, total: p.total, source: p.source, usedByOthers: p.usedByOthers, usedByThisStack: p.usedByThisStack, requested: p.requested.length };
}

test("slot-headroom: a pool left with fewer free slots than minFreeSlots is reported on the host", async (t) => {
  const h = host("epyc-01", { sev: 59, sevEs: 450, maxGuests: { sev: 3 }, domains: [domain("other", "sev", null)] });
  const r = await runStack([h, stackGuest("web-1", h, flavor()), stackGuest("web-2", h, flavor()), stackGuest("vault-1", h, sevEs)]);
  t.deepEqual(r.messages, [
    "SevHost epyc-01 (10.0.0.5:22): found 0 free sev slots after this change (total 3 from override, used by others 1, used by this stack 0, " +
      "new guests of this stack 2 (web-1, web-2)). Required: at least 1 free sev slot per host after the change (minFreeSlots). " +
      "Fix: place guests on another host, remove guests, raise the host's sev slot count (maxGuests, up to what the host reports), or lower minFreeSlots in the policy pack config.",
  ]);
  t.deepEqual(r.urns, [h.urn]);
  t.deepEqual(r.notes, []);
});

test("slot-headroom: minFreeSlots from config; SEV-SNP guests draw from the SEV-ES pool; an empty pool no guest uses is not judged", async (t) => {
  const h = host("genoa", { sev: 0, sevEs: 3 });
  const guests = [stackGuest("a", h, snp), stackGuest("b", h, sevEs)];
  t.deepEqual((await runStack([h, ...guests])).messages, []);
  const strict = await runStack([h, ...guests], { minFreeSlots: 2 });
  t.is(strict.messages.length, 1);
  t.regex(
    strict.messages[0],
    /found 1 free sev-es slot after this change \(total 3 from domcapabilities, used by others 0, used by this stack 0, new guests of this stack 2 \(a, b\)\)\. Required: at least 2 free sev-es slots/,
  );
});

test("slot-headroom: enough room passes; guests already defined on the host are not counted twice", async (t) => {
  const spec: HostSpec = { sev: 2, sevEs: 450, domains: [domain("web-1", "sev")] };
  const h = host("epyc-01", spec);
  const web1 = stackGuest("web-1", h, flavor(), { uuid: "uuid-web-1", model: "sev" });
  t.deepEqual((await runStack([h, web1])).messages, []);
  // A second guest would take the last slot.
  const web2 = stackGuest("web-2", h, flavor());
  const more = await runStack([h, web1, web2]);
  t.is(more.messages.length, 1);
  t.deepEqual(stated(more.messages[0]), numbersOf(coreAccount("epyc-01", spec, [web1, web2])));
  t.regex(more.messages[0], /used by this stack 1, new guests of this stack 1 \(web-2\)\)/);
});

test("slot-headroom: guests on another host are not counted", async (t) => {
  const h1 = host("epyc-01", { sev: 1, sevEs: 0 });
  const h2 = host("epyc-02", { sev: 59, sevEs: 450, address: "10.0.0.6" });
  const r = await runStack([h1, h2, stackGuest("web-1", h2, flavor())]);
  t.deepEqual(r.messages, []);
});

test("slot-headroom: an unknown total (or capacity unknown during preview) is skipped with a note", async (t) => {
  const naples = host("naples", { sev: null, sevEs: null });
  const r = await runStack([naples, stackGuest("web-1", naples, flavor())], { minFreeSlots: 5 });
  t.deepEqual(r.messages, []);
  t.deepEqual(r.notes, [
    "SevHost naples (10.0.0.5:22): the sev slot total is unknown (source unknown); no limit is imposed and headroom is not judged for this pool. Set maxGuests on the SevHost to enforce one",
  ]);

  const fresh = stackResource(HOST, "epyc-01", { ...hostInputs, capacity: proxy.unknownObjectValue, facts: proxy.unknownObjectValue });
  const p = await runStack([fresh, stackGuest("web-1", fresh, flavor(), { model: proxy.unknownStringValue, uuid: proxy.unknownStringValue })]);
  t.deepEqual(p.messages, []);
  t.is(p.notes.length, 1);
  t.regex(
    p.notes[0],
    /^SevHost epyc-01 \(10\.0\.0\.5:22\): slot capacity not known yet \(Object value at \.capacity can't be known during preview; it is probed when the host is created or refreshed\); headroom not judged$/,
  );
});

test("slot-headroom: a guest whose model is unknown during preview is counted from its flavor", async (t) => {
  const h = host("epyc-01", { sev: 1, sevEs: 1 });
  const r = await runStack([h, stackGuest("vault-1", h, sevEs, { model: proxy.unknownStringValue, uuid: proxy.unknownStringValue })]);
  t.is(r.messages.length, 1);
  t.regex(r.messages[0], /found 0 free sev-es slots .* new guests of this stack 1 \(vault-1\)\)/);
});

// The headroom is the core's accountHost, the provider's own counting: these compare the message with it.

test("slot-headroom counts as the core does: other stacks' and unowned domains are used by others, this stack's own are not requested again", async (t) => {
  const prod = { project: "p", stack: "prod" };
  const spec: HostSpec = {
    sev: 5,
    sevEs: null,
    domains: [domain("db-1", "sev", prod), domain("legacy", "sev", null), domain("web-1", "sev"), domain("es-1", "sev-es", prod)],
  };
  const h = host("epyc-01", spec);
  const guests = [stackGuest("web-1", h, flavor(), { model: "sev" }), stackGuest("web-2", h, flavor()), stackGuest("web-3", h, flavor())];
  const r = await runStack([h, ...guests], { minFreeSlots: 2 });
  const core = coreAccount("epyc-01", spec, guests);
  t.is(r.messages.length, 1);
  t.deepEqual(stated(r.messages[0]), numbersOf(core));
  // Here the plain arithmetic (total - domains defined - new guests) says the same.
  const capacity = slotCapacity(factsOf(spec));
  t.is(core.free, (capacity.sev.total ?? 0) - (capacity.sev.used ?? 0) - 2);
  t.deepEqual(r.notes, [], "the unknown SEV-ES total concerns no guest of this stack");
});

test("slot-headroom counts as the core does: ASIDs the kernel holds outside libvirt (misc cgroup) are used by others", async (t) => {
  // One running SEV domain, but the kernel counts three ASIDs in use: two are held outside libvirt.
  const spec: HostSpec = { sev: 4, sevEs: 0, domains: [domain("legacy", "sev", null)], miscCurrent: { sev: 3, sevEs: 0 } };
  const h = host("epyc-01", spec);
  const guests = [stackGuest("web-1", h, flavor())];
  const r = await runStack([h, ...guests]);
  const core = coreAccount("epyc-01", spec, guests);
  t.true(core.heldOutsideLibvirt > 0);
  t.is(r.messages.length, 1, "total - domains defined - new guests would leave a free slot; the core does not");
  t.deepEqual(stated(r.messages[0]), numbersOf(core));
  t.regex(
    r.messages[0],
    new RegExp(
      `used by others ${core.usedByOthers} \\(${core.heldOutsideLibvirt} of them ASIDs the kernel's misc cgroup counts beyond libvirt's running SEV domains\\)`,
    ),
  );
});

test("slot-headroom counts as the core does: with countGuests running, stopped domains hold no slot; requests past the free slots do not fit", async (t) => {
  const spec: HostSpec = {
    sev: 3,
    sevEs: 0,
    countGuests: "running",
    domains: [domain("a", "sev", null, false), domain("b", "sev", null, false), domain("c", "sev", null)],
  };
  const h = host("epyc-01", spec);
  const guests = ["web-1", "web-2", "web-3"].map((name) => stackGuest(name, h, flavor()));
  t.deepEqual((await runStack([h, guests[0]])).messages, []);
  const r = await runStack([h, ...guests], { minFreeSlots: 0 });
  const core = coreAccount("epyc-01", spec, guests);
  t.is(r.messages.length, 1, "minFreeSlots 0 still reports guests that do not fit");
  t.deepEqual(stated(r.messages[0]), numbersOf(core));
  t.regex(
    r.messages[0],
    new RegExp(
      `counting running domains only \\(countGuests: running\\).*; ${core.overflow.length} of them (does|do) not fit: ${core.overflow.map((g) => g.name).join(", ")}\\)`,
    ),
  );
});
