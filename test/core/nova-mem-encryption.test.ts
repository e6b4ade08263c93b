/**
 * Nova's own memory-encryption test cases, translated: every parameter combination of
 * nova/tests/unit/virt/test_hardware.py's MemEncryption* classes (get_mem_encryption_constraint,
 * MemEncryptionConfig) and nova/tests/unit/scheduler/test_utils.py's TestEncryptedMemoryTranslation
 * (ResourceRequest.from_request_spec), openstack/nova at 00a0304 (2026-08-21).
 *
 * Each case runs SevFlavor's validation on the same flavor extra specs and image properties. Where
 * this provider decides otherwise by design, the case names the difference (DIFFERENCES below), and
 * the README's Nova section lists each of them with its reason.
 */
import test from "ava";
import { readFileSync } from "fs";
import { join } from "path";
import { validateFlavor } from "../../provider/core/flavor";
import { MODELS, MODEL_LIST } from "../../provider/core/models";
import { SevModel } from "../../provider/core/facts";

/** Where this provider differs from Nova on purpose; the README's "Nova" section explains each. */
const DIFFERENCES = {
  "encryption-required": "a SevFlavor without memory encryption (unset, or false) is refused; Nova boots the guest unencrypted",
  "uefi-assumed": "UEFI is assumed when hw_firmware_type is unset; Nova requires the image to say uefi",
  "snp-stateless-implied": "amd-sev-snp implies stateless firmware; Nova requires hw_firmware_stateless=True on the image",
  "slots-not-placement": "a guest takes a slot of its model's ASID pool on its host; Nova asks placement for MEM_ENCRYPTION_CONTEXT and the model's trait",
  "schema-refuses-invalid": "malformed values are refused by the JSON Schema before any rule",
} as const;
type Difference = keyof typeof DIFFERENCES;

type Obj = Record<string, unknown>;

/** What Nova decides for a case, and what this provider must decide. */
type Expect = { resolves: SevModel; statelessFirmware?: boolean; differs?: Difference } | { refused: RegExp; at: string; differs?: Difference };

const FLAVOR = "m1.faketiny";
const TRUE_STRINGS = ["1", "true", "True"];
const FALSE_STRINGS = ["0", "false", "False"];

function run(specs: Obj, image: Obj | undefined) {
  return validateFlavor({ name: FLAVOR, vcpus: 1, memory: 1024, disk: 10, extraSpecs: specs }, image);
}

function nova(title: string, specs: Obj, image: Obj | undefined, expect: Expect): void {
  const note = expect.differs ? ` [differs: ${expect.differs}]` : "";
  test(`${title}: flavor ${JSON.stringify(specs)}, image ${JSON.stringify(image ?? null)}${note}`, (t) => {
    const r = run(specs, image);
    if ("resolves" in expect) {
      if (!r.ok) return t.fail(r.problems.map((p) => `${p.property}: ${p.reason}`).join("\n"));
      t.is(r.resolved.model, expect.resolves);
      if (expect.statelessFirmware !== undefined) t.is(r.resolved.firmwareStateless, expect.statelessFirmware);
      return;
    }
    if (r.ok) return t.fail(`resolved ${JSON.stringify(r.resolved)}`);
    const found = r.problems.filter((p) => p.property === expect.at && expect.refused.test(p.reason));
    t.is(found.length, 1, r.problems.map((p) => `${p.property}: ${p.reason}`).join("\n"));
  });
}

const notRequested = { refused: /memory encryption is not requested/, at: "extraSpecs.hw:mem_encryption", differs: "encryption-required" } as const;
const falseSpec = {
  refused: /^hw:mem_encryption is false: a SevFlavor launches memory-encrypted guests only/,
  at: "extraSpecs.hw:mem_encryption",
  differs: "encryption-required",
} as const;
const falseProp = { refused: /^hw_mem_encryption is false/, at: "image.hw_mem_encryption", differs: "encryption-required" } as const;
/** Nova's FlavorImageConflict on hw:mem_encryption. */
const encConflict = (flavorVal: string, imageVal: string): Expect => ({
  refused: new RegExp(`^Flavor's hw:mem_encryption extra spec \\(${flavorVal}\\) and image's hw_mem_encryption property \\(${imageVal}\\) conflict`),
  at: "extraSpecs.hw:mem_encryption",
});

// --- test_hardware.py ----------------------------------------------------------------------------

// MemEncryptionNotRequiredTestCase: Nova returns None (no encryption).
nova("MemEncryptionNotRequired.test_requirement_disabled", {}, {}, notRequested);
for (const v of FALSE_STRINGS) nova("MemEncryptionNotRequired.test_require_false_extra_spec", { "hw:mem_encryption": v }, undefined, falseSpec);
for (const v of FALSE_STRINGS) nova("MemEncryptionNotRequired.test_require_false_image_prop", {}, { hw_mem_encryption: v }, falseProp);
for (const f of FALSE_STRINGS)
  for (const i of FALSE_STRINGS) nova("MemEncryptionNotRequired.test_require_both_false", { "hw:mem_encryption": f }, { hw_mem_encryption: i }, falseSpec);

// GetMemEncryptionConfigTestCase: the config per model is the model's descriptor.
test("GetMemEncryptionConfig.test_invalid: an unknown model is refused [differs: schema-refuses-invalid]", (t) => {
  const r = run({ "hw:mem_encryption": "true", "hw:mem_encryption_model": "encr" }, undefined);
  t.false(r.ok);
  if (!r.ok) t.true(r.problems.some((p) => p.property === "extraSpecs.hw:mem_encryption_model" && /allowed values/.test(p.reason)));
});
for (const [name, model, locked, trait] of [
  ["test_sev", "amd-sev", true, "HW_CPU_X86_AMD_SEV"],
  ["test_sev_es", "amd-sev-es", true, "HW_CPU_X86_AMD_SEV_ES"],
  ["test_sev_snp", "amd-sev-snp", false, "HW_CPU_X86_AMD_SEV_SNP"],
] as const) {
  test(`GetMemEncryptionConfig.${name}: needs_locked_memory ${locked}, required trait ${trait}`, (t) => {
    const d = MODEL_LIST.find((m) => m.novaName === model)!;
    t.is(d.locksMemory, locked);
    t.is(d.novaTrait, trait);
  });
}

// MemEncryptionFlavorImageConflictTestCase.
for (const f of FALSE_STRINGS)
  for (const i of TRUE_STRINGS) nova("MemEncryptionFlavorImageConflict.conflict1", { "hw:mem_encryption": f }, { hw_mem_encryption: i }, encConflict(f, i));
for (const f of TRUE_STRINGS)
  for (const i of FALSE_STRINGS) nova("MemEncryptionFlavorImageConflict.conflict2", { "hw:mem_encryption": f }, { hw_mem_encryption: i }, encConflict(f, i));

// MemEncryptionRequestedWithoutUEFITestCase: Nova refuses all four image property sets.
const NO_UEFI_PROPS: Obj[] = [{}, { hw_machine_type: "q35" }, { hw_firmware_type: "bios" }, { hw_machine_type: "q35", hw_firmware_type: "bios" }];
function noUefi(title: string, specs: Obj, imageEnc: string | undefined): void {
  for (const props of NO_UEFI_PROPS) {
    const image = imageEnc === undefined ? props : { ...props, hw_mem_encryption: imageEnc };
    const expect: Expect =
      props["hw_firmware_type"] === "bios"
        ? { refused: /^hw_firmware_type bios is refused: SEV guests boot only with UEFI/, at: "image.hw_firmware_type" }
        : { resolves: "sev", differs: "uefi-assumed" };
    nova(`MemEncryptionRequestedWithoutUEFI.${title}`, specs, image, expect);
  }
}
for (const f of TRUE_STRINGS) noUefi("test_flavor_requires_encrypted_memory_support_no_uefi", { "hw:mem_encryption": f }, undefined);
for (const i of TRUE_STRINGS) noUefi("test_image_requires_encrypted_memory_support_no_uefi", {}, i);
for (const f of TRUE_STRINGS) for (const i of TRUE_STRINGS) noUefi("test_flavor_image_require_encrypted_memory_support_no_uefi", { "hw:mem_encryption": f }, i);

// MemEncryptionRequestedWithInvalidMachineTypeTestCase: InvalidMachineType for pc.
const notQ35 = { refused: /^hw_machine_type pc is not a q35 machine/, at: "image.hw_machine_type" } as const;
const PC_UEFI = { hw_firmware_type: "uefi", hw_machine_type: "pc" };
for (const f of TRUE_STRINGS)
  nova("MemEncryptionRequestedWithInvalidMachineType.test_flavor_requires_encrypted_memory_support_pc", { "hw:mem_encryption": f }, PC_UEFI, notQ35);
for (const i of TRUE_STRINGS)
  nova("MemEncryptionRequestedWithInvalidMachineType.test_image_requires_encrypted_memory_support_pc", {}, { ...PC_UEFI, hw_mem_encryption: i }, notQ35);
for (const f of TRUE_STRINGS)
  for (const i of TRUE_STRINGS) {
    nova(
      "MemEncryptionRequestedWithInvalidMachineType.test_flavor_image_require_encrypted_memory_support_pc",
      { "hw:mem_encryption": f },
      { ...PC_UEFI, hw_mem_encryption: i },
      notQ35,
    );
  }
for (const name of ["test_encrypted_memory_support_pc_no_image_id", "test_encrypted_memory_support_pc_has_image_id"]) {
  nova(`MemEncryptionRequestedWithInvalidMachineType.${name}`, { "hw:mem_encryption": true }, { hw_mem_encryption: true, ...PC_UEFI }, notQ35);
}

// MemEncryptionRequestedWithoutStatelessFirmware: Nova raises StatelessFirmwareRequired.
nova(
  "MemEncryptionRequestedWithoutStatelessFirmware.test_encrypted_memory_support_without_stateless",
  {},
  { hw_firmware_type: "uefi", hw_machine_type: "q35", hw_mem_encryption: true, hw_mem_encryption_model: "amd-sev-snp" },
  { resolves: "sev-snp", statelessFirmware: true, differs: "snp-stateless-implied" },
);

// MemEncryptionRequiredTestCase: amd-sev, with no machine type, q35 and pc-q35-2.1.
function required(title: string, specs: Obj, props: Obj): void {
  for (const machine of [undefined, "q35", "pc-q35-2.1"]) {
    const image = { ...props, hw_firmware_type: "uefi", ...(machine ? { hw_machine_type: machine } : {}) };
    nova(`MemEncryptionRequired.${title}`, specs, image, { resolves: "sev" });
  }
}
for (const f of TRUE_STRINGS) required("test_require_encrypted_memory_support_extra_spec", { "hw:mem_encryption": f }, {});
for (const i of TRUE_STRINGS) required("test_require_encrypted_memory_support_image_prop", {}, { hw_mem_encryption: i });
for (const f of TRUE_STRINGS)
  for (const i of TRUE_STRINGS) required("test_require_encrypted_memory_support_both_required", { "hw:mem_encryption": f }, { hw_mem_encryption: i });
nova("MemEncryptionRequired.test_encrypted_memory_support_flavor_for_volume", { "hw:mem_encryption": true }, {}, { resolves: "sev", differs: "uefi-assumed" });
nova(
  "MemEncryptionRequired.test_encrypted_memory_support_no_id_for_volume",
  { "hw:mem_encryption": true },
  { hw_mem_encryption: true, hw_firmware_type: "uefi" },
  { resolves: "sev" },
);

// --- scheduler/test_utils.py TestEncryptedMemoryTranslation ----------------------------------------

const T = "TestEncryptedMemoryTranslation";
const Q35_UEFI = { hw_machine_type: "q35", hw_firmware_type: "uefi" };

nova(`${T}.test_encrypted_memory_support_empty_extra_specs`, {}, undefined, notRequested);
for (const f of FALSE_STRINGS) nova(`${T}.test_encrypted_memory_support_false_extra_spec`, { "hw:mem_encryption": f }, undefined, falseSpec);
nova(`${T}.test_encrypted_memory_support_empty_image_props`, {}, {}, notRequested);
for (const i of FALSE_STRINGS) nova(`${T}.test_encrypted_memory_support_false_image_prop`, {}, { hw_mem_encryption: i }, falseProp);
for (const i of FALSE_STRINGS)
  for (const f of FALSE_STRINGS) nova(`${T}.test_encrypted_memory_support_both_false`, { "hw:mem_encryption": f }, { hw_mem_encryption: i }, falseSpec);
for (const i of TRUE_STRINGS)
  for (const f of FALSE_STRINGS) nova(`${T}.test_encrypted_memory_support_conflict1`, { "hw:mem_encryption": f }, { hw_mem_encryption: i }, encConflict(f, i));
for (const i of FALSE_STRINGS)
  for (const f of TRUE_STRINGS) nova(`${T}.test_encrypted_memory_support_conflict2`, { "hw:mem_encryption": f }, { hw_mem_encryption: i }, encConflict(f, i));

/** Nova adds MEM_ENCRYPTION_CONTEXT=1 and the model's trait; here the guest takes a slot of its model's pool. */
function translated(title: string, specs: Obj, image: Obj, model: SevModel): void {
  nova(`${T}.${title}`, specs, image, { resolves: model, differs: "slots-not-placement" });
  test(`${T}.${title}: ${MODELS[model].novaTrait} is ${model}'s trait, its slot pool ${MODELS[model].pool}: flavor ${JSON.stringify(specs)}, image ${JSON.stringify(image)}`, (t) => {
    const r = run(specs, image);
    t.true(r.ok);
    if (r.ok) t.is(MODELS[r.resolved.model].pool, model === "sev" ? "sev" : "sevEs");
  });
}
for (const f of TRUE_STRINGS) translated("test_encrypted_memory_support_extra_spec", { "hw:mem_encryption": f }, Q35_UEFI, "sev");
for (const i of TRUE_STRINGS) translated("test_encrypted_memory_support_image_prop", {}, { ...Q35_UEFI, hw_mem_encryption: i }, "sev");
for (const i of TRUE_STRINGS)
  for (const f of TRUE_STRINGS)
    translated("test_encrypted_memory_support_both_required", { "hw:mem_encryption": f }, { ...Q35_UEFI, hw_mem_encryption: i }, "sev");

const NOVA_MODELS: Array<[string, SevModel]> = [
  ["amd-sev", "sev"],
  ["amd-sev-es", "sev-es"],
  ["amd-sev-snp", "sev-snp"],
];
const statelessFor = (name: string): Obj => (name === "amd-sev-snp" ? { hw_firmware_stateless: "true" } : {});
for (const [name, model] of NOVA_MODELS) {
  translated(
    "test_encrypted_memory_model_extra_spec",
    { "hw:mem_encryption": "true", "hw:mem_encryption_model": name },
    { ...Q35_UEFI, ...statelessFor(name) },
    model,
  );
  translated(
    "test_encrypted_memory_model_image_prop",
    {},
    { ...Q35_UEFI, hw_mem_encryption: "true", hw_mem_encryption_model: name, ...statelessFor(name) },
    model,
  );
  translated(
    "test_encrypted_memory_model_both_required",
    { "hw:mem_encryption": "true", "hw:mem_encryption_model": name },
    { ...Q35_UEFI, hw_mem_encryption: "true", hw_mem_encryption_model: name, ...statelessFor(name) },
    model,
  );
}
for (const [f, i] of [
  ["amd-sev", "amd-sev-es"],
  ["amd-sev", "amd-sev-snp"],
  ["amd-sev-es", "amd-sev"],
  ["amd-sev-es", "amd-sev-snp"],
  ["amd-sev-snp", "amd-sev"],
  ["amd-sev-snp", "amd-sev-es"],
]) {
  nova(
    `${T}.test_encrypted_memory_model_conflict_1`,
    { "hw:mem_encryption": "true", "hw:mem_encryption_model": f },
    { ...Q35_UEFI, hw_mem_encryption: "true", hw_mem_encryption_model: i },
    {
      refused: new RegExp(`^Flavor's hw:mem_encryption_model extra spec \\(${f}\\) and image's hw_mem_encryption_model property \\(${i}\\) conflict`),
      at: "extraSpecs.hw:mem_encryption_model",
    },
  );
}
nova(
  `${T}.test_encrypted_memory_model_snp_but_stateful (image properties)`,
  {},
  { ...Q35_UEFI, hw_mem_encryption: "true", hw_mem_encryption_model: "amd-sev-snp" },
  { resolves: "sev-snp", statelessFirmware: true, differs: "snp-stateless-implied" },
);
nova(
  `${T}.test_encrypted_memory_model_snp_but_stateful (flavor extra specs)`,
  { "hw:mem_encryption": "true", "hw:mem_encryption_model": "amd-sev-snp" },
  Q35_UEFI,
  { resolves: "sev-snp", statelessFirmware: true, differs: "snp-stateless-implied" },
);

// --- the differences are documented ------------------------------------------------------------

test("the README's Nova section lists every difference these cases name, with its reason", (t) => {
  const readme = readFileSync(join(__dirname, "..", "..", "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Nova compatibility"));
  t.true(readme.includes("## Nova compatibility"));
  for (const id of Object.keys(DIFFERENCES)) t.regex(section, new RegExp(`\\(${id}\\)`), `README lacks the difference ${id}: ${DIFFERENCES[id as Difference]}`);
});
