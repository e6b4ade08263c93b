// @ts-check
/**
 * The pulumi-sev policies, as plain data: index.js wraps them in a PolicyPack, the unit tests call
 * their validate functions directly.
 *
 * Nova's rules (how a flavor extra spec and an image property merge, the defaults, what is refused,
 * the SEV policy bits) are not repeated here: every guest setting is resolved by the project's pure
 * core, dist/provider/core/flavor.js, the code the provider's own check runs. Each guest policy asks
 * the core about the settings it is about only ("a probe": a minimal flavor carrying just those
 * extra specs and image properties), so one bad setting does not hide another policy's verdict.
 */
"use strict";

const path = require("path");

/** @typedef {import("@pulumi/policy").ResourceValidationPolicy} ResourceValidationPolicy */
/** @typedef {import("@pulumi/policy").StackValidationPolicy} StackValidationPolicy */
/** @typedef {import("@pulumi/policy").ResourceValidationArgs} ResourceValidationArgs */
/** @typedef {import("@pulumi/policy").StackValidationArgs} StackValidationArgs */
/** @typedef {import("@pulumi/policy").PolicyResource} PolicyResource */
/** @typedef {import("@pulumi/policy").ReportViolation} ReportViolation */
/** @typedef {import("@pulumi/policy").EnforcementLevel} EnforcementLevel */
/** @typedef {import("../dist/provider/core/flavor").FlavorResult} FlavorResult */
/** @typedef {import("../dist/provider/core/facts").SevModel} SevModel */
/** @typedef {Record<string, any>} Obj */

const repoRoot = path.resolve(__dirname, "..");

/** @param {string} rel */
function loadCore(rel) {
  const file = path.join(repoRoot, "dist", "provider", "core", rel);
  try {
    return require(file);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`pulumi-sev policy pack: cannot load the project's core (${file}): ${why}. Build the project first: npm run -s build in ${repoRoot}`);
  }
}

/** @type {typeof import("../dist/provider/core/flavor")} */
const flavorCore = loadCore("flavor");
/** @type {typeof import("../dist/provider/core/capacity")} */
const capacityCore = loadCore("capacity");

/** SEV-SNP guests take their ASIDs from the SEV-ES range (core/capacity.ts). */
/** @type {Record<SevModel, "sev" | "sevEs">} */
const POOL_OF_MODEL = /** @type {any} */ (capacityCore).POOL_OF_MODEL ?? { sev: "sev", "sev-es": "sevEs", "sev-snp": "sevEs" };
/** @type {Record<"sev" | "sevEs", string>} */
const POOL_NAMES = /** @type {any} */ (capacityCore).POOL_NAMES ?? { sev: "sev", sevEs: "sev-es" };
const MODEL_NAMES = { sev: "amd-sev", "sev-es": "amd-sev-es", "sev-snp": "amd-sev-snp" };
const DEFAULT_SSH_PORT = 22;

const TYPES = {
  host: "pulumi-nodejs:dynamic/sev:SevHost",
  flavor: "pulumi-nodejs:dynamic/sev:SevFlavor",
  guest: "pulumi-nodejs:dynamic/sev:SevGuest",
};

const NAMES = {
  memoryEncrypted: "sev-guest-memory-encrypted",
  encryptedState: "sev-guest-encrypted-state",
  nodbgNoks: "sev-guest-policy-nodbg-noks",
  q35Uefi: "sev-guest-q35-uefi",
  noVirtioBlkBoot: "sev-guest-no-virtio-blk-boot",
  machineSliceLimit: "sev-host-machine-slice-limit",
  slotHeadroom: "sev-host-slot-headroom",
};

// ---------------------------------------------------------------------------------------------
// Reading props

/**
 * A plain copy of a value the policy framework hands over. Its props are a proxy that throws the
 * framework's UnknownValueError on a value unknown during preview; the copy reads every field, so
 * an unknown surfaces here (the framework then reports "can't run policy ... during preview").
 * @param {unknown} v
 * @returns {any}
 */
function plain(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** @param {unknown} e */
function isUnknownValueError(e) {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * The value, or `undefined` with the reason when it is not known yet (during preview).
 * @template T
 * @param {() => T} read
 * @returns {{ known: true, value: T } | { known: false, why: string }}
 */
function known(read) {
  try {
    return { known: true, value: read() };
  } catch (e) {
    if (isUnknownValueError(e)) return { known: false, why: /** @type {Error} */ (e).message };
    throw e;
  }
}

/** @param {unknown} v @returns {v is Obj} */
function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** @param {unknown} v */
function show(v) {
  return v === undefined ? "not set" : JSON.stringify(v);
}

/** @param {number | bigint} v */
function hex(v) {
  return `0x${BigInt(v).toString(16)}`;
}

// ---------------------------------------------------------------------------------------------
// Guests: what the core says about the settings a policy is about

/**
 * @typedef {object} Guest
 * @property {string} label     "SevGuest web-1 (flavor sev.small)"
 * @property {Obj} flavor       the SevFlavor's inputs
 * @property {Obj} image        the guest's image properties ({} when none)
 * @property {string} flavorName
 * @property {boolean} hasImage
 */

/**
 * @param {{ name: string, props: Obj }} r
 * @returns {Guest}
 */
function guestOf(r) {
  // Only the fields read here: other props (outputs such as uuid) may be unknown during preview.
  const flavorProp = plain(r.props.flavor);
  const imageProp = plain(r.props.image);
  const flavor = isObject(flavorProp) ? flavorProp : {};
  const image = isObject(imageProp) ? imageProp : {};
  const flavorName = typeof flavor.name === "string" ? flavor.name : "(unnamed)";
  const domainName = known(() => r.props.name);
  const domain = domainName.known && typeof domainName.value === "string" && domainName.value !== r.name ? `, domain ${domainName.value}` : "";
  return { label: `SevGuest ${r.name} (flavor ${flavorName}${domain})`, flavor, image, flavorName, hasImage: isObject(imageProp) };
}

/**
 * Asks the core to resolve only some of a guest's settings: a minimal valid flavor carrying the
 * given extra specs and image properties (copied as they are), plus `extra` flavor fields.
 * Memory encryption is requested in the probe unless it is one of the settings asked about.
 * @param {Guest} g
 * @param {string[]} keys  Nova names without the prefix: "disk_bus" means hw:disk_bus and hw_disk_bus
 * @param {Obj} [extra]
 * @returns {FlavorResult}
 */
function probe(g, keys, extra = {}) {
  const specs = isObject(g.flavor.extraSpecs) ? g.flavor.extraSpecs : {};
  /** @type {Obj} */
  const probeSpecs = keys.includes("mem_encryption") ? {} : { "hw:mem_encryption": true };
  /** @type {Obj} */
  const probeImage = {};
  for (const k of keys) {
    if (specs[`hw:${k}`] !== undefined) probeSpecs[`hw:${k}`] = specs[`hw:${k}`];
    if (g.image[`hw_${k}`] !== undefined) probeImage[`hw_${k}`] = g.image[`hw_${k}`];
  }
  const flavor = { name: "policy-probe", vcpus: 1, memory: 1024, disk: 1, extraSpecs: probeSpecs, ...extra };
  return flavorCore.validateFlavor(flavor, Object.keys(probeImage).length > 0 ? probeImage : undefined);
}

/** What the core said, in one sentence. @param {FlavorResult} r */
function coreSays(r) {
  return r.ok ? "" : r.problems.map((p) => p.reason).join("; ");
}

/**
 * The flavor's and image's values of one Nova setting, e.g. `flavor hw:disk_bus "virtio", image hw_disk_bus not set`.
 * @param {Guest} g @param {string} key
 */
function settingOf(g, key) {
  const specs = isObject(g.flavor.extraSpecs) ? g.flavor.extraSpecs : {};
  const f = `flavor ${g.flavorName} hw:${key} ${show(specs[`hw:${key}`])}`;
  return g.hasImage || g.image[`hw_${key}`] !== undefined ? `${f}, image hw_${key} ${show(g.image[`hw_${key}`])}` : f;
}

/** @param {string} label @param {string} found @param {string} required @param {string} fix */
function message(label, found, required, fix) {
  return `${label}: found ${found}. Required: ${required}. Fix: ${fix}.`;
}

/** @param {ResourceValidationArgs} args */
function isGuest(args) {
  return args.type === TYPES.guest;
}

// ---------------------------------------------------------------------------------------------
// 1. sev-guest-memory-encrypted

/** @type {ResourceValidationPolicy} */
const memoryEncrypted = {
  name: NAMES.memoryEncrypted,
  description: "SEV guests must request memory encryption: hw:mem_encryption true on the flavor or hw_mem_encryption true on the image.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const g = guestOf(args);
    const r = probe(g, ["mem_encryption"]);
    if (r.ok) return;
    report(message(
      g.label,
      `${settingOf(g, "mem_encryption")} (${coreSays(r)})`,
      "memory encryption requested: hw:mem_encryption true in the flavor's extra specs or hw_mem_encryption true in the image properties, and neither of them false",
      `set extraSpecs["hw:mem_encryption"]: true on flavor ${g.flavorName} and remove a false or conflicting hw_mem_encryption from the guest's image`,
    ));
  },
};

// ---------------------------------------------------------------------------------------------
// 2. sev-guest-encrypted-state

/** @type {ResourceValidationPolicy} */
const encryptedState = {
  name: NAMES.encryptedState,
  description: "Where configured (requireEncryptedState: true), SEV guests must encrypt their register state too: hw:mem_encryption_model amd-sev-es or amd-sev-snp.",
  enforcementLevel: "mandatory",
  severity: "high",
  configSchema: {
    properties: {
      requireEncryptedState: { type: "boolean", default: false, description: "Require amd-sev-es or amd-sev-snp (plain amd-sev leaves the register state in the clear)." },
    },
  },
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const config = /** @type {{ requireEncryptedState?: boolean }} */ (args.getConfig());
    if (config.requireEncryptedState !== true) {
      args.notApplicable("requireEncryptedState is not set to true in this policy's config");
    }
    const g = guestOf(args);
    const r = probe(g, ["mem_encryption_model"]);
    const required = "an encrypted register state: hw:mem_encryption_model amd-sev-es or amd-sev-snp (requireEncryptedState is true)";
    if (!r.ok) {
      report(message(g.label, `${settingOf(g, "mem_encryption_model")}, which does not resolve to a model (${coreSays(r)})`, required,
        `set extraSpecs["hw:mem_encryption_model"] to amd-sev-es or amd-sev-snp on flavor ${g.flavorName}, with no conflicting image property`));
      return;
    }
    if (r.resolved.model === "sev") {
      const from = settingOf(g, "mem_encryption_model");
      report(message(g.label, `model amd-sev (${from}; amd-sev is the default): guest memory is encrypted but the register state (VMSA) is not`, required,
        `set extraSpecs["hw:mem_encryption_model"]: "amd-sev-es" (or "amd-sev-snp" on an SEV-SNP host) on flavor ${g.flavorName}; the guest then takes a slot of the host's SEV-ES pool`));
    }
  },
};

// ---------------------------------------------------------------------------------------------
// 3. sev-guest-policy-nodbg-noks

/**
 * The fix for a debuggable policy: the default comes back without allowDebug; an explicit policy
 * needs the bits.
 * @param {Guest} g @param {SevModel} model @param {unknown} raw @param {boolean} allowDebug @param {bigint} fixed
 */
function fixPolicy(g, model, raw, allowDebug, fixed) {
  if (raw === undefined) {
    return `remove allowDebug from flavor ${g.flavorName} (the default policy is then ${flavorCore.formatPolicy(flavorCore.DEFAULT_POLICY[model], model)})`;
  }
  return `set flavor ${g.flavorName}'s policy to ${flavorCore.formatPolicy(fixed, model)}${allowDebug ? " and remove allowDebug" : ""}`;
}

/** @type {ResourceValidationPolicy} */
const nodbgNoks = {
  name: NAMES.nodbgNoks,
  description: "The SEV guest policy must keep NODBG (bit 0) and NOKS (bit 1) set; for SEV-SNP the DEBUG bit (19) must be clear. allowDebug does not exempt a guest.",
  enforcementLevel: "mandatory",
  severity: "critical",
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const g = guestOf(args);
    const m = probe(g, ["mem_encryption_model"]);
    if (!m.ok) {
      report(message(g.label, `${settingOf(g, "mem_encryption_model")}, which does not resolve to a model (${coreSays(m)}), so the policy bits cannot be judged`,
        "a resolvable SEV model whose guest policy keeps NODBG and NOKS (SEV-SNP: DEBUG clear)",
        `give flavor ${g.flavorName} one hw:mem_encryption_model (amd-sev, amd-sev-es or amd-sev-snp) without a conflicting image property`));
      return;
    }
    const model = m.resolved.model;
    const allowDebug = g.flavor.allowDebug === true;
    const raw = g.flavor.policy;
    /** @type {bigint | null} */
    let policy;
    let origin;
    if (raw === undefined) {
      policy = BigInt(flavorCore.defaultPolicy(model, allowDebug));
      origin = allowDebug ? `the default policy for ${MODEL_NAMES[model]} with allowDebug: true` : `the default policy for ${MODEL_NAMES[model]}`;
    } else {
      policy = typeof raw === "number" || typeof raw === "string" ? flavorCore.parsePolicy(raw) : null;
      origin = `flavor ${g.flavorName} policy ${show(raw)}${allowDebug ? " with allowDebug: true" : ""}`;
    }
    if (policy === null) {
      report(message(g.label, `${origin}, which is not a readable SEV policy`, "a guest policy (integer or hexadecimal string) that keeps NODBG and NOKS",
        `give flavor ${g.flavorName} a policy such as ${flavorCore.formatPolicy(flavorCore.DEFAULT_POLICY[model], model)}, or remove it to get the default`));
      return;
    }
    if (model === "sev-snp") {
      if ((policy & flavorCore.SNP_POLICY.DEBUG) !== 0n) {
        report(message(g.label, `SEV-SNP policy ${hex(policy)} (${origin}) sets DEBUG (bit 19, 0x80000): the hypervisor could read and write guest memory with the SNP debug commands`,
          "an SEV-SNP guest policy with DEBUG (bit 19) clear",
          fixPolicy(g, model, raw, allowDebug, policy & ~flavorCore.SNP_POLICY.DEBUG)));
      }
      return;
    }
    const missing = [];
    if ((policy & BigInt(flavorCore.SEV_POLICY.NODBG)) === 0n) missing.push("NODBG (bit 0, 0x1): the hypervisor could read and write guest memory with the SEV debug commands");
    if ((policy & BigInt(flavorCore.SEV_POLICY.NOKS)) === 0n) missing.push("NOKS (bit 1, 0x2): the guest could share its memory encryption key with other guests");
    if (missing.length === 0) return;
    const fixed = policy | BigInt(flavorCore.SEV_POLICY.NODBG | flavorCore.SEV_POLICY.NOKS);
    report(message(g.label, `${MODEL_NAMES[model]} policy ${flavorCore.formatPolicy(policy, model)} (${origin}) clears ${missing.join("; and clears ")}`,
      "a guest policy with NODBG (0x1) and NOKS (0x2) set",
      fixPolicy(g, model, raw, allowDebug, fixed)));
  },
};

// ---------------------------------------------------------------------------------------------
// 4. sev-guest-q35-uefi

/** @type {ResourceValidationPolicy} */
const q35Uefi = {
  name: NAMES.q35Uefi,
  description: "SEV guests must use a q35 machine (virtio 1.0 on PCIe, for iommu_platform) and UEFI firmware (OVMF).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const g = guestOf(args);
    const r = probe(g, ["machine_type", "firmware_type"]);
    if (r.ok && /q35/i.test(r.resolved.machineType) && r.resolved.firmware === "uefi") return;
    const found = `${settingOf(g, "machine_type")}; ${settingOf(g, "firmware_type")}` + (r.ok ? ` (resolved to machine ${r.resolved.machineType}, firmware ${r.resolved.firmware})` : ` (${coreSays(r)})`);
    report(message(g.label, found, "a q35 machine (q35 or a versioned pc-q35-*; the default when unset) and UEFI firmware (uefi; the default when unset)",
      `set extraSpecs["hw:machine_type"] to q35 and extraSpecs["hw:firmware_type"] to uefi on flavor ${g.flavorName} (or remove them), and remove non-q35 or bios values from the guest's image properties`));
  },
};

// ---------------------------------------------------------------------------------------------
// 5. sev-guest-no-virtio-blk-boot

/** @type {ResourceValidationPolicy} */
const noVirtioBlkBoot = {
  name: NAMES.noVirtioBlkBoot,
  description: "The boot disk of an SEV guest must not be virtio-blk (hw:disk_bus virtio): use scsi (on virtio-scsi) or sata.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, report) => {
    if (!isGuest(args)) return;
    const g = guestOf(args);
    const r = probe(g, ["disk_bus"]);
    const specs = isObject(g.flavor.extraSpecs) ? g.flavor.extraSpecs : {};
    const asksVirtio = specs["hw:disk_bus"] === "virtio" || g.image.hw_disk_bus === "virtio";
    // The core resolves the bus by Nova's rules and refuses virtio; other refused buses (ide, usb,
    // fdc) are the provider check's business, not this policy's.
    if (r.ok ? r.resolved.bootDiskBus !== /** @type {string} */ ("virtio") : !asksVirtio) return;
    report(message(g.label, `${settingOf(g, "disk_bus")}: a virtio-blk boot disk (${r.ok ? `resolved bus ${r.resolved.bootDiskBus}` : coreSays(r)})`,
      "a boot disk bus of scsi (on a virtio-scsi controller, the default) or sata; virtio-blk is refused for the boot disk of an SEV guest",
      `set extraSpecs["hw:disk_bus"] to scsi (or sata) on flavor ${g.flavorName} and remove hw_disk_bus virtio from the guest's image properties`));
  },
};

// ---------------------------------------------------------------------------------------------
// 6. sev-host-machine-slice-limit

/** @type {ResourceValidationPolicy} */
const machineSliceLimit = {
  name: NAMES.machineSliceLimit,
  description: "Every SevHost must set a machine.slice memory limit (memoryLimit with limit or reserve): SEV guests lock their memory, so the host OS needs a guaranteed share.",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, report) => {
    if (args.type !== TYPES.host) return;
    const props = plain(args.props) ?? {};
    const limit = props.memoryLimit;
    if (isObject(limit) && (limit.limit !== undefined || limit.reserve !== undefined)) return;
    const where = typeof props.address === "string" ? ` (${props.address}:${props.port ?? DEFAULT_SSH_PORT})` : "";
    report(message(`SevHost ${args.name}${where}`,
      limit === undefined ? "no memoryLimit: machine.slice is left unlimited" : `memoryLimit ${JSON.stringify(limit)} without limit or reserve`,
      "memoryLimit with limit (the machine.slice MemoryMax itself) or reserve (MemTotal minus the memory kept for the host OS): SEV guests lock all their memory, so without a limit they can starve the host",
      `add memoryLimit: { reserve: "16G" } (or { limit: "<size>" }) to SevHost ${args.name}`));
  },
};

// ---------------------------------------------------------------------------------------------
// 7. sev-host-slot-headroom (stack)

/**
 * Where notes go (unknown slot totals, hosts not probed yet): stderr of the policy pack, which the
 * engine shows in its diagnostics; the tests replace it.
 * @type {{ note: (text: string) => void }}
 */
const notes = { note: (text) => console.error(`${NAMES.slotHeadroom}: note: ${text}`) };

/** @param {Obj} props */
function hostKey(props) {
  return `${props.address}:${props.port ?? DEFAULT_SSH_PORT}`;
}

/**
 * The guest's SEV model: its model output when known, else its flavor resolved by the core.
 * @param {PolicyResource} r
 * @returns {{ model: SevModel } | { why: string }}
 */
function modelOfGuest(r) {
  const out = known(() => r.props.model);
  if (out.known && (out.value === "sev" || out.value === "sev-es" || out.value === "sev-snp")) return { model: out.value };
  const g = known(() => guestOf(r));
  if (!g.known) return { why: g.why };
  const m = probe(g.value, ["mem_encryption_model"]);
  return m.ok ? { model: m.resolved.model } : { why: coreSays(m) };
}

/** @type {StackValidationPolicy} */
const slotHeadroom = {
  name: NAMES.slotHeadroom,
  description: "Per SevHost and slot pool (sev, sev-es) the stack's guests draw from, the free SEV slots (ASIDs) left after this change must be at least minFreeSlots.",
  enforcementLevel: "advisory",
  severity: "medium",
  configSchema: {
    properties: {
      minFreeSlots: { type: "integer", minimum: 0, default: 1, description: "Free slots each pool of each host must keep after the change." },
    },
  },
  validateStack: (args, report) => {
    const config = /** @type {{ minFreeSlots?: number }} */ (args.getConfig());
    const minFree = typeof config.minFreeSlots === "number" ? config.minFreeSlots : 1;
    const hosts = args.resources.filter((r) => r.type === TYPES.host);
    const guests = args.resources.filter((r) => r.type === TYPES.guest);

    for (const host of hosts) {
      const addr = known(() => hostKey(plain({ address: host.props.address, port: host.props.port })));
      const label = `SevHost ${host.name}${addr.known ? ` (${addr.value})` : ""}`;
      const capacity = known(() => plain(host.props.capacity));
      if (!capacity.known || !isObject(capacity.value)) {
        notes.note(`${label}: slot capacity not known yet (${capacity.known ? "no capacity output" : capacity.why}; it is probed when the host is created or refreshed); headroom not judged`);
        continue;
      }
      const facts = known(() => plain(host.props.facts));
      /** @type {Obj[]} */
      const domains = facts.known && isObject(facts.value) && Array.isArray(facts.value.sevDomains) ? facts.value.sevDomains : [];

      // The stack's guests on this host, by pool; those already defined there are in `used` already.
      /** @type {Record<string, string[]>} */
      const fresh = { sev: [], sevEs: [] };
      /** @type {Record<string, number>} */
      const placed = { sev: 0, sevEs: 0 };
      for (const guest of guests) {
        const onHost = known(() => hostKey(plain({ address: guest.props.host?.address, port: guest.props.host?.port })));
        const dependsOnHost = guest.dependencies.some((d) => d.urn === host.urn);
        if (onHost.known ? !(addr.known && onHost.value === addr.value) : !dependsOnHost) continue;
        const m = modelOfGuest(guest);
        if (!("model" in m)) {
          notes.note(`${label}: SevGuest ${guest.name} is not counted: its SEV model is not known (${m.why})`);
          continue;
        }
        const pool = POOL_OF_MODEL[m.model];
        placed[pool]++;
        const uuid = known(() => guest.props.uuid);
        const defined = domains.some((d) => POOL_OF_MODEL[/** @type {SevModel} */ (d.model)] === pool &&
          ((isObject(d.owner) && d.owner.urn === guest.urn) || (uuid.known && typeof uuid.value === "string" && d.uuid === uuid.value)));
        if (!defined) fresh[pool].push(guest.name);
      }

      for (const pool of /** @type {("sev" | "sevEs")[]} */ (["sev", "sevEs"])) {
        const p = isObject(capacity.value[pool]) ? capacity.value[pool] : {};
        const name = POOL_NAMES[pool];
        // A pool none of the stack's guests on this host draws from is not this stack's concern
        // (a host without an SEV-ES pool would otherwise always be reported).
        if (placed[pool] === 0) continue;
        if (typeof p.total !== "number" || typeof p.used !== "number") {
          notes.note(`${label}: the ${name} slot total is unknown (total ${show(p.total)}, used ${show(p.used)}, source ${show(p.source)}); no limit is imposed and headroom is not judged for this pool. Set maxGuests on the SevHost to enforce one`);
          continue;
        }
        const free = p.total - p.used - fresh[pool].length;
        if (free >= minFree) continue;
        const newGuests = fresh[pool].length > 0 ? `${fresh[pool].length} (${fresh[pool].join(", ")})` : "0";
        report(message(label,
          `${free} free ${name} slot${free === 1 ? "" : "s"} after this change (total ${p.total} from ${p.source ?? "unknown source"}, used ${p.used} by domains defined on the host, new guests of this stack ${newGuests})`,
          `at least ${minFree} free ${name} slot${minFree === 1 ? "" : "s"} per host after the change (minFreeSlots)`,
          `place guests on another host, remove guests, raise the host's ${name} slot count (maxGuests, up to what the host reports), or lower minFreeSlots in the policy pack config`), host.urn);
      }
    }
  },
};

/** @type {(ResourceValidationPolicy | StackValidationPolicy)[]} */
const policies = [memoryEncrypted, encryptedState, nodbgNoks, q35Uefi, noVirtioBlkBoot, machineSliceLimit, slotHeadroom];

module.exports = { policies, NAMES, TYPES, notes, memoryEncrypted, encryptedState, nodbgNoks, q35Uefi, noVirtioBlkBoot, machineSliceLimit, slotHeadroom };
