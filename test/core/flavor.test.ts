import test, { ExecutionContext } from "ava";
import {
  DEFAULT_POLICY,
  formatFlavorProblems,
  formatPolicy,
  ImageProperties,
  resolveFlavor,
  ResolvedFlavor,
  SevFlavorInputs,
  validateFlavor,
} from "../../provider/core/flavor";
import { InputProblem } from "../../provider/core/validate";
import { policyOf } from "../../provider/core/parse/domain";
import { fixture } from "./fixtures";

type Specs = NonNullable<SevFlavorInputs["extraSpecs"]>;

function flavor(specs: Specs = {}, rest: Partial<SevFlavorInputs> = {}): SevFlavorInputs {
  return { name: "sev.medium", vcpus: 2, memory: 4096, disk: 20, extraSpecs: { "hw:mem_encryption": true, ...specs }, ...rest };
}

function ok(t: ExecutionContext, f: unknown, image?: unknown): ResolvedFlavor {
  const r = validateFlavor(f, image);
  if (!r.ok) {
    t.fail(formatFlavorProblems(f, r.problems));
    throw new Error("unreachable");
  }
  return r.resolved;
}

function problems(t: ExecutionContext, f: unknown, image?: unknown): InputProblem[] {
  const r = validateFlavor(f, image);
  if (r.ok) {
    t.fail(`expected problems, resolved ${JSON.stringify(r.resolved)}`);
    return [];
  }
  return r.problems;
}

/** The one problem matching `reason`, at `property`. */
function hasProblem(t: ExecutionContext, list: InputProblem[], property: string, reason: RegExp): void {
  const found = list.filter((p) => p.property === property && reason.test(p.reason));
  t.is(found.length, 1, `no single problem at ${property} matching ${reason}; got:\n${list.map((p) => `${p.property}: ${p.reason}`).join("\n")}`);
}

// --- defaults and resolution -------------------------------------------------------------------

test("a minimal SEV flavor resolves with Nova's defaults: amd-sev, 0x0033, q35, UEFI, scsi, small pages", (t) => {
  t.deepEqual(ok(t, flavor()), {
    name: "sev.medium",
    vcpus: 2,
    memoryMiB: 4096,
    diskGiB: 20,
    model: "sev",
    policy: 0x0033,
    allowDebug: false,
    machineType: "q35",
    firmware: "uefi",
    firmwareStateless: false,
    bootDiskBus: "scsi",
    pageSize: "small",
  });
});

test("SEV-ES defaults to 0x0037 (the ES bit added), SNP to 0x30000 with stateless firmware", (t) => {
  const es = ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }));
  t.is(es.model, "sev-es");
  t.is(es.policy, 0x0037);
  t.false(es.firmwareStateless);
  const snp = ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }));
  t.is(snp.model, "sev-snp");
  t.is(snp.policy, 0x30000);
  t.true(snp.firmwareStateless);
});

test("default policies equal the ones Nova writes (nova test_config fixtures)", (t) => {
  t.is(policyOf("0x0033"), DEFAULT_POLICY.sev);
  const read = (name: string) => policyOf(/<policy>([^<]+)<\/policy>/.exec(fixture("nova", name))?.[1] ?? null);
  t.is(read("nova-test_config-launchsecurity-sev.xml"), DEFAULT_POLICY.sev);
  t.is(read("nova-test_config-launchsecurity-sev-es.xml"), DEFAULT_POLICY["sev-es"]);
  t.is(read("nova-test_config-launchsecurity-sev-snp.xml"), DEFAULT_POLICY["sev-snp"]);
});

test("policies are written the way libvirt and Nova write them: 4 hex digits for SEV, 8 for SNP", (t) => {
  t.is(formatPolicy(0x33, "sev"), "0x0033");
  t.is(formatPolicy(0x37, "sev-es"), "0x0037");
  t.is(formatPolicy(0x30000, "sev-snp"), "0x00030000");
  t.regex(fixture("domains", "launch-security-sev-snp.xml"), /<policy>0x00030000<\/policy>/);
  t.is(formatPolicy(0x01000033, "sev"), "0x1000033");
});

test("memory: MiB integers and binary sizes; a size that is not whole MiB is refused", (t) => {
  t.is(ok(t, flavor({}, { memory: "4G" })).memoryMiB, 4096);
  t.is(ok(t, flavor({}, { memory: "1.5GiB" })).memoryMiB, 1536);
  t.is(ok(t, flavor({}, { memory: "512M" })).memoryMiB, 512);
  t.is(ok(t, flavor({}, { memory: 2048 })).memoryMiB, 2048);
  hasProblem(t, problems(t, flavor({}, { memory: "1000K" })), "memory", /not a whole number of MiB/);
  hasProblem(t, problems(t, flavor({}, { memory: "4096" })), "memory", /must match exactly one schema/);
});

test("policy as an integer, a 0x string or a bare hex string", (t) => {
  t.is(ok(t, flavor({}, { policy: 0x33 })).policy, 0x33);
  t.is(ok(t, flavor({}, { policy: "0x0033" })).policy, 0x33);
  t.is(ok(t, flavor({}, { policy: "33" })).policy, 0x33, "a string is always hexadecimal, as in libvirt XML");
  t.is(ok(t, flavor({}, { policy: "0x0003" , allowDebug: false })).policy, 0x3, "NODBG|NOKS only is allowed");
});

test("page sizes: small, large, any and explicit x86_64 sizes; others are refused", (t) => {
  const page = (v: string | number) => ok(t, flavor({ "hw:mem_page_size": v })).pageSize;
  t.is(page("small"), "small");
  t.is(page("large"), "large");
  t.is(page("any"), "any");
  t.is(page("4KB"), "small");
  t.is(page("2MB"), 2048);
  t.is(page("2048"), 2048, "a bare number is KiB, as in Nova");
  t.is(page(2048), 2048);
  t.is(page("1GB"), 1048576);
  hasProblem(t, problems(t, flavor({ "hw:mem_page_size": "3MB" })), "extraSpecs.hw:mem_page_size", /not an x86_64 page size/);
});

// --- SEV required -----------------------------------------------------------------------------

test("memory encryption must be requested, on the flavor or on the image", (t) => {
  hasProblem(t, problems(t, { name: "x", vcpus: 1, memory: 1024, disk: 1 }), "extraSpecs.hw:mem_encryption", /not requested/);
  hasProblem(t, problems(t, flavor({ "hw:mem_encryption": "false" })), "extraSpecs.hw:mem_encryption", /is false/);
  const fromImage = ok(t, { name: "x", vcpus: 1, memory: 1024, disk: 1 }, { hw_mem_encryption: true, hw_mem_encryption_model: "amd-sev-es" });
  t.is(fromImage.model, "sev-es");
  t.is(ok(t, flavor({ "hw:mem_encryption": "True" })).model, "sev", "Nova's string form");
});

// --- boot disk bus ----------------------------------------------------------------------------

test("sata is accepted as the boot disk bus", (t) => {
  t.is(ok(t, flavor({ "pulumi-sev:disk_bus": "sata" })).bootDiskBus, "sata");
  t.is(ok(t, flavor(), { hw_disk_bus: "sata" }).bootDiskBus, "sata");
});

test("a virtio (virtio-blk) boot disk is refused, with the reason from the Nova SEV spec", (t) => {
  const list = problems(t, flavor({ "pulumi-sev:disk_bus": "virtio" }));
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /virtio is refused for the boot disk: the boot disk of an SEV guest cannot be virtio-blk/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /bounce buffers/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /use scsi \(on virtio-scsi\) or sata/);
  hasProblem(t, problems(t, flavor(), { hw_disk_bus: "virtio" }), "image.hw_disk_bus", /^hw_disk_bus virtio is refused/);
});

test("IDE, USB and floppy boot disks are refused", (t) => {
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "ide" })), "extraSpecs.pulumi-sev:disk_bus", /no IDE controller/);
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "usb" })), "extraSpecs.pulumi-sev:disk_bus", /usb is refused/);
  hasProblem(t, problems(t, flavor({ "pulumi-sev:disk_bus": "fdc" })), "extraSpecs.pulumi-sev:disk_bus", /fdc is refused/);
});

// --- machine type and firmware ----------------------------------------------------------------

test("q35 machines are accepted, versioned ones kept as given", (t) => {
  t.is(ok(t, flavor({ "pulumi-sev:machine_type": "pc-q35-8.2" })).machineType, "pc-q35-8.2");
  t.is(ok(t, flavor(), { hw_machine_type: "q35" }).machineType, "q35");
});

test("a machine type that is not q35 is refused, from the flavor or the image", (t) => {
  hasProblem(t, problems(t, flavor({ "pulumi-sev:machine_type": "pc-i440fx-8.2" })), "extraSpecs.pulumi-sev:machine_type", /pc-i440fx-8\.2 is not a q35 machine.*virtio 1\.0.*iommu_platform/);
  hasProblem(t, problems(t, flavor(), { hw_machine_type: "pc" }), "image.hw_machine_type", /^hw_machine_type pc is not a q35 machine/);
});

test("BIOS firmware is refused, from the flavor or the image", (t) => {
  hasProblem(t, problems(t, flavor({ "pulumi-sev:firmware_type": "bios" })), "extraSpecs.pulumi-sev:firmware_type", /bios is refused: SEV guests boot only with UEFI/);
  hasProblem(t, problems(t, flavor(), { hw_firmware_type: "bios" }), "image.hw_firmware_type", /^hw_firmware_type bios is refused/);
  t.is(ok(t, flavor({ "pulumi-sev:firmware_type": "uefi" }), { hw_firmware_type: "uefi" }).firmware, "uefi");
});

test("SEV-SNP needs stateless firmware: an image that says otherwise is refused", (t) => {
  hasProblem(
    t,
    problems(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: false }),
    "image.hw_firmware_stateless",
    /amd-sev-snp needs stateless firmware/,
  );
  t.true(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }), { hw_firmware_stateless: true }).firmwareStateless);
  t.true(ok(t, flavor(), { hw_firmware_stateless: true }).firmwareStateless, "SEV may ask for it too");
});

// --- flavor / image conflicts ------------------------------------------------------------------

test("a flavor/image conflict names both values, in Nova's FlavorImageConflict wording", (t) => {
  const list = problems(t, flavor({ "hw:mem_encryption_model": "amd-sev" }), { hw_mem_encryption_model: "amd-sev-es" });
  t.is(list.length, 1);
  t.is(list[0].property, "extraSpecs.hw:mem_encryption_model");
  t.true(
    list[0].reason.startsWith("Flavor's hw:mem_encryption_model extra spec (amd-sev) and image's hw_mem_encryption_model property (amd-sev-es) conflict: "),
    list[0].reason,
  );
});

test("every merged setting conflicts the same way", (t) => {
  const cases: Array<[Specs, ImageProperties, string]> = [
    [{ "pulumi-sev:machine_type": "q35" }, { hw_machine_type: "pc-q35-8.2" }, "Flavor's pulumi-sev:machine_type extra spec (q35) and image's hw_machine_type property (pc-q35-8.2) conflict"],
    [{ "pulumi-sev:disk_bus": "scsi" }, { hw_disk_bus: "sata" }, "Flavor's pulumi-sev:disk_bus extra spec (scsi) and image's hw_disk_bus property (sata) conflict"],
    [{ "pulumi-sev:firmware_type": "uefi" }, { hw_firmware_type: "bios" }, "Flavor's pulumi-sev:firmware_type extra spec (uefi) and image's hw_firmware_type property (bios) conflict"],
    [{ "hw:mem_encryption": "true" }, { hw_mem_encryption: false }, "Flavor's hw:mem_encryption extra spec (true) and image's hw_mem_encryption property (false) conflict"],
  ];
  for (const [specs, image, message] of cases) {
    const list = problems(t, flavor(specs), image);
    t.true(list.some((p) => p.reason.startsWith(message)), `${message}\n got: ${list.map((p) => p.reason).join("\n")}`);
  }
});

test("the same value on flavor and image is no conflict", (t) => {
  const r = ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es", "pulumi-sev:disk_bus": "sata" }), {
    hw_mem_encryption: "true",
    hw_mem_encryption_model: "amd-sev-es",
    hw_disk_bus: "sata",
  });
  t.is(r.model, "sev-es");
  t.is(r.bootDiskBus, "sata");
});

// --- the SEV policy, bit by bit -----------------------------------------------------------------

test("clearing NODBG without allowDebug is refused; allowDebug opts in", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0032" })), "policy", /clears NODBG \(bit 0, 0x1\).*allowDebug: true/);
  t.is(ok(t, flavor({}, { policy: "0x0032", allowDebug: true })).policy, 0x32);
});

test("allowDebug alone makes the default policy debuggable", (t) => {
  t.is(ok(t, flavor({}, { allowDebug: true })).policy, 0x0032);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { allowDebug: true })).policy, 0x0036);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-snp" }, { allowDebug: true })).policy, 0xb0000);
});

test("the ES bit must match the model", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0037" })), "policy", /sets the ES bit \(bit 2, 0x4\) but the model is amd-sev/);
  hasProblem(t, problems(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { policy: "0x0033" })), "policy", /lacks the ES bit .* use 0x0037/);
  t.is(ok(t, flavor({ "hw:mem_encryption_model": "amd-sev-es" }, { policy: "0x0037" })).policy, 0x37);
});

test("reserved policy bits 6-15 are refused, naming the bits", (t) => {
  hasProblem(t, problems(t, flavor({}, { policy: "0x0073" })), "policy", /reserved bit 6 \(mask 0x40\)/);
  hasProblem(t, problems(t, flavor({}, { policy: "0x80b3" })), "policy", /reserved bits 7, 15 \(mask 0x8080\)/);
});

test("API_MAJOR/API_MINOR (bits 16-31) are allowed; more than 32 bits is not an SEV policy", (t) => {
  t.is(ok(t, flavor({}, { policy: "0x01000033" })).policy, 0x01000033);
  hasProblem(t, problems(t, flavor({}, { policy: "0x100000033" })), "policy", /does not fit the 32-bit SEV guest policy/);
});

test("SNP policies are checked in the SNP format", (t) => {
  const snp = (policy: string, allowDebug?: boolean) => flavor({ "hw:mem_encryption_model": "amd-sev-snp" }, { policy, allowDebug });
  t.is(ok(t, snp("0x30000")).policy, 0x30000);
  t.is(ok(t, snp("0x20000")).policy, 0x20000, "SMT (bit 16) may be left off");
  t.is(ok(t, snp("0x130000")).policy, 0x130000, "SINGLE_SOCKET (bit 20)");
  t.is(ok(t, snp("0x30155")).policy, 0x30155, "minimum ABI version 1.55");
  hasProblem(t, problems(t, snp("0x10000")), "policy", /lacks bit 17 \(0x20000\).*must|requires to be one/);
  hasProblem(t, problems(t, snp("0x0033")), "policy", /lacks bit 17.*0x0033 is a legacy SEV policy/);
  hasProblem(t, problems(t, snp("0xb0000")), "policy", /sets DEBUG \(bit 19, 0x80000\).*allowDebug: true/);
  t.is(ok(t, snp("0xb0000", true)).policy, 0xb0000);
  hasProblem(t, problems(t, snp("0x70000")), "policy", /MIGRATE_MA \(bit 18/);
  hasProblem(t, problems(t, snp("0x230000")), "policy", /CXL_ALLOW \(bit 21\)/);
  hasProblem(t, problems(t, snp("0x4030000")), "policy", /reserved bit 26: bits 26-63/);
  hasProblem(t, problems(t, snp("0x8000000000030000")), "policy", /reserved bit 63/);
});

test("an SNP-looking policy on a legacy model gets a hint", (t) => {
  // 0x30000 under the legacy format clears NODBG and asks for API major 3.
  const list = problems(t, flavor({}, { policy: "0x30000" }));
  hasProblem(t, list, "policy", /clears NODBG/);
  hasProblem(t, problems(t, flavor({}, { policy: "0x100030000" })), "policy", /looks like an SEV-SNP policy/);
});

// --- schema -----------------------------------------------------------------------------------

test("unknown extra specs and image properties, and values outside the enums, are refused by the schema", (t) => {
  const list = problems(t, flavor({ "hw:cpu_policy": "dedicated", "hw:mem_encryption_model": "amd-tdx" } as unknown as Specs), { hw_vif_model: "virtio" });
  hasProblem(t, list, "extraSpecs.hw:cpu_policy", /unknown property "hw:cpu_policy"/);
  hasProblem(t, list, "extraSpecs.hw:mem_encryption_model", /must be equal to one of the allowed values/);
  hasProblem(t, list, "image.hw_vif_model", /unknown property "hw_vif_model"/);
});

// --- every problem at once ----------------------------------------------------------------------

test("a bad flavor yields ONE result listing every problem", (t) => {
  const bad = {
    name: "bad",
    vcpus: 0,
    memory: "lots",
    disk: 20,
    extraSpecs: {
      "hw:mem_encryption": true,
      "hw:mem_encryption_model": "amd-sev",
      "pulumi-sev:machine_type": "pc-i440fx-8.2",
      "pulumi-sev:firmware_type": "bios",
      "pulumi-sev:disk_bus": "virtio",
      "hw:mem_page_size": "3MB",
    },
    policy: "0x00f2",
  };
  const image = { hw_mem_encryption_model: "amd-sev-es", hw_secure_boot: "required" };
  const r = validateFlavor(bad, image);
  t.false(r.ok);
  if (r.ok) return;
  const expected: Array<[string, RegExp]> = [
    ["vcpus", /must be >= 1/],
    ["memory", /must match exactly one schema/],
    ["image.hw_secure_boot", /unknown property/],
    ["extraSpecs.hw:mem_encryption_model", /Flavor's hw:mem_encryption_model extra spec \(amd-sev\) and image's hw_mem_encryption_model property \(amd-sev-es\) conflict/],
    ["extraSpecs.pulumi-sev:machine_type", /not a q35 machine/],
    ["extraSpecs.pulumi-sev:firmware_type", /bios is refused/],
    ["extraSpecs.pulumi-sev:disk_bus", /virtio is refused for the boot disk/],
    ["extraSpecs.hw:mem_page_size", /not an x86_64 page size/],
  ];
  for (const [property, reason] of expected) hasProblem(t, r.problems, property, reason);
  const message = formatFlavorProblems(bad, r.problems);
  t.true(message.startsWith(`SevFlavor bad: ${r.problems.length} invalid inputs:`), message);
  for (const p of r.problems) t.true(message.includes(p.reason));
  // The policy is checked against the model, which the conflict leaves unknown: no guessed policy problems.
  t.false(r.problems.some((p) => p.property === "policy"));
});

test("a bad policy is listed together with the other problems when the model is known", (t) => {
  const list = problems(t, flavor({ "pulumi-sev:disk_bus": "virtio", "pulumi-sev:firmware_type": "bios" }, { policy: "0x00f6", vcpus: 0 }));
  hasProblem(t, list, "policy", /clears NODBG/);
  hasProblem(t, list, "policy", /sets the ES bit/);
  hasProblem(t, list, "policy", /reserved bits 6, 7/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:disk_bus", /virtio/);
  hasProblem(t, list, "extraSpecs.pulumi-sev:firmware_type", /bios/);
  hasProblem(t, list, "vcpus", /must be >= 1/);
  t.is(list.length, 6);
});

test("resolveFlavor throws one error listing every problem", (t) => {
  const err = t.throws(() => resolveFlavor(flavor({ "pulumi-sev:disk_bus": "virtio", "pulumi-sev:machine_type": "pc" })));
  t.regex(err?.message ?? "", /^SevFlavor sev\.medium: 2 invalid inputs:\n- pulumi-sev:machine_type pc is not a q35 machine.*\n- pulumi-sev:disk_bus virtio is refused/s);
});

test("a flavor that is not an object is reported, not thrown", (t) => {
  const r = validateFlavor("sev.medium");
  t.false(r.ok);
  if (!r.ok) t.true(r.problems.some((p) => /must be object/.test(p.reason)));
});

test("a memory size too large to hold is named as such, not 'could not be resolved'", (t) => {
  hasProblem(t, problems(t, flavor({}, { memory: "9999999T" })), "memory", /memory "9999999T" is too large/);
});
