import test from "ava";
import { DEFAULT_POLICY, formatFlavorProblems, formatPolicy, resolveFlavor, validateFlavor } from "../../provider/core/flavor";
import { policyOf } from "../../provider/core/parse/domain";
import { fixture } from "./fixtures";
import { flavor, hasProblem, ok, problems, Specs } from "./flavor/helpers";

// --- defaults, resolution, and every problem at once ------------------------------------------

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

test("unknown extra specs and image properties, and values outside the enums, are refused by the schema", (t) => {
  const list = problems(t, flavor({ "hw:cpu_policy": "dedicated", "hw:mem_encryption_model": "amd-tdx" } as unknown as Specs), { hw_vif_model: "virtio" });
  hasProblem(t, list, "extraSpecs.hw:cpu_policy", /unknown property "hw:cpu_policy"/);
  hasProblem(t, list, "extraSpecs.hw:mem_encryption_model", /must be equal to one of the allowed values/);
  hasProblem(t, list, "image.hw_vif_model", /unknown property "hw_vif_model"/);
});

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
    [
      "extraSpecs.hw:mem_encryption_model",
      /Flavor's hw:mem_encryption_model extra spec \(amd-sev\) and image's hw_mem_encryption_model property \(amd-sev-es\) conflict/,
    ],
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
  t.regex(
    err?.message ?? "",
    /^SevFlavor sev\.medium: 2 invalid inputs:\n- pulumi-sev:machine_type pc is not a q35 machine.*\n- pulumi-sev:disk_bus virtio is refused/s,
  );
});

test("a flavor that is not an object is reported, not thrown", (t) => {
  const r = validateFlavor("sev.medium");
  t.false(r.ok);
  if (!r.ok) t.true(r.problems.some((p) => /must be object/.test(p.reason)));
});
