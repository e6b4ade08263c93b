/** SevHost's provider against real lab hosts over real SSH: verdicts, slice limit, host keys, inputs. */
import anyTest, { TestFn } from "ava";
import { sevHostProvider as p } from "../../provider/resources/sev-host-provider";
import { SevHostOutputs } from "../../provider/host/state";
import { SevHostInputs } from "../../provider/generated/sev-host";
import { startLab, TestLab } from "../helpers/lab";

const test = anyTest as TestFn<{ lab: TestLab }>;
const DISTRIBUTIONS = ["ubuntu-24.04", "alma-9.5", "rocky-9.4-mem-encrypt-off"];
const PROFILES = [
  "rome",
  "genoa",
  "naples",
  "naples-libvirt-5.0",
  "rome-es-pool-empty",
  "rome-sev-disabled",
  "kernel-4.15",
  "qemu-2.11-libvirt-4.4",
  "intel",
  ...DISTRIBUTIONS,
];
const GiB = 1024 ** 3;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, PROFILES);
});
test.after.always((t) => t.context.lab?.stop());

async function create(inputs: SevHostInputs): Promise<SevHostOutputs> {
  const checked = await p.check!({}, inputs);
  if (checked.failures?.length) throw new Error(checked.failures.map((f) => f.reason).join("; "));
  return (await p.create(checked.inputs)).outs as SevHostOutputs;
}

const verdicts = (o: SevHostOutputs) => Object.fromEntries(o.checks.map((c) => [c.id, c.verdict]));

test("a Rome host is ready, with SEV and SEV-ES slots from domcapabilities", async (t) => {
  const out = await create(t.context.lab.inputs("rome"));
  t.true(out.ready);
  t.deepEqual(
    out.checks.filter((c) => c.verdict !== "pass"),
    [],
  );
  t.is(out.capacity.sev.total, 59);
  t.is(out.capacity.sevEs.total, 450);
  t.is(out.facts.kernelRelease, "5.14.0-362.8.1.el9_3.x86_64");
  t.is(out.facts.libvirtVersion, "9.5.0");
  t.is(out.facts.qemuVersion, "8.0.0");
  t.is(out.hostKeySeen, t.context.lab.host("rome").hostKeyFingerprint);
});

test("a Genoa host is ready and offers sev-snp launch security", async (t) => {
  const out = await create(t.context.lab.inputs("genoa"));
  t.true(out.ready);
  t.true(out.facts.cpu.sevSnp);
  t.deepEqual([...out.facts.domcaps!.launchSecurityTypes].sort(), ["sev", "sev-snp"]);
});

test("libvirt 5.0 with a root-only /dev/sev: no SEV in domcapabilities, and the QEMU user's access is the reason given", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("naples-libvirt-5.0")));
  const msg = err!.message;
  t.regex(
    msg,
    /\[dev-sev-access\] \/dev\/sev readable and writable by the QEMU user: found \/dev\/sev mode 0600 root:root, QEMU user libvirt-qemu; <sev supported='no'\/>; required read and write for the QEMU user, or libvirt >= 5\.1\.0\. Fix: libvirt before 5\.1 probes/,
  );
  t.regex(msg, /\[domcaps-sev\]/);
  const out = await create(t.context.lab.inputs("naples")).catch((e: Error) => e);
  t.false(out instanceof Error, "the same CPU with libvirt 6.0 is ready");
});

test("the platform's identity comes from virsh nodesevinfo and agrees with domcapabilities", async (t) => {
  const { lab } = t.context;
  const out = await create(lab.inputs("genoa"));
  const sevinfo = await lab.sh("genoa", ["virsh", "nodesevinfo"]);
  const field = (name: string) => new RegExp(`^${name} *: (.*)$`, "m").exec(sevinfo)?.[1];
  t.truthy(field("pdh"));
  t.deepEqual(out.platform, {
    pdh: field("pdh"),
    certChain: field("cert-chain"),
    cpu0Id: field("cpu0-id"),
    cbitpos: 51,
    reducedPhysBits: 1,
    maxGuests: 59,
    maxESGuests: 450,
  });
  t.is(out.checks.find((c) => c.id === "sev-platform")?.verdict, "pass");
});

test("a Naples host without maxGuests has an unknown slot count unless the operator gives it", async (t) => {
  const unknown = await create(t.context.lab.inputs("naples"));
  t.true(unknown.ready);
  t.is(unknown.capacity.sev.total, null);
  t.is(unknown.capacity.sev.source, "unknown");
  const given = await create(t.context.lab.inputs("naples", { maxGuests: { sev: 15 } }));
  t.is(given.capacity.sev.total, 15);
  t.is(given.capacity.sev.source, "override");
});

test("an override above the detected slot count is refused", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("rome", { maxGuests: { sev: 100 } })));
  t.regex(err!.message, /100.*59/);
});

test("an empty SEV-ES pool is a warning naming the BIOS cause, not a failure", async (t) => {
  const out = await create(t.context.lab.inputs("rome-es-pool-empty"));
  t.true(out.ready);
  const es = out.checks.find((c) => c.id === "sev-es-pool")!;
  t.is(es.verdict, "warn");
  t.regex(es.found + es.remedy, /ASID/);
  t.is(out.capacity.sevEs.total, 0);
});

test("a host with SEV disabled fails once, listing every failed check with its remedy", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("rome-sev-disabled")));
  const msg = err!.message;
  t.true(msg.includes(t.context.lab.inputs("rome-sev-disabled").address));
  t.regex(msg, /3 checks failed/);
  for (const id of ["kvm-amd-sev", "dev-sev", "domcaps-sev"]) t.true(msg.includes(`[${id}]`), `${id} listed`);
  t.regex(msg, /\/etc\/modprobe\.d/);
  t.regex(msg, /Warnings \(not blocking\):\n- \[mem-encrypt\] .*no sme flag.*Fix: .*mem_encrypt=on/, "SME off is a warning only");
  t.regex(msg, /capabilities/);
  t.false(msg.includes("[kernel-version]"));
});

test("kernel 4.15 without KVM's SEV fails the kernel check and kvm_amd's, nothing else", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("kernel-4.15")));
  t.regex(
    err!.message,
    /2 checks failed:\n- \[kernel-version\] .*found 4\.15\.0-213-generic;.*\n- \[kvm-amd-sev\] .*found kvm_amd loaded, sev parameter absent;.*CONFIG_KVM_AMD_SEV/,
  );
  t.false(err!.message.includes("[qemu-version]"));
});

test("hosts on distribution defaults (no SEV parameters; one with mem_encrypt=off) are ready, with the SME warning only", async (t) => {
  for (const name of DISTRIBUTIONS) {
    const out = await create(t.context.lab.inputs(name));
    t.true(out.ready, name);
    t.deepEqual(
      out.checks.filter((c) => c.verdict !== "pass").map((c) => [c.id, c.verdict]),
      [["mem-encrypt", "warn"]],
      name,
    );
    t.is(out.checks.find((c) => c.id === "kvm-amd-sev")?.found, "kvm_amd loaded, sev=1", `${name}: sev on by kvm_amd's default`);
  }
});

test("QEMU 2.11 and libvirt 4.4 both fail, with libvirt's missing <sev> element", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("qemu-2.11-libvirt-4.4")));
  for (const id of ["qemu-version", "libvirt-version", "domcaps-sev"]) t.true(err!.message.includes(`[${id}]`), id);
  t.regex(err!.message, /2\.11/);
  t.regex(err!.message, /4\.4/);
});

test("an Intel host fails the CPU check among others", async (t) => {
  const err = await t.throwsAsync(create(t.context.lab.inputs("intel")));
  for (const id of ["cpu-sev", "kvm-amd-sev", "dev-sev", "domcaps-sev"]) t.true(err!.message.includes(`[${id}]`), id);
});

test("refresh of every profile reports the verdicts without failing", async (t) => {
  const expectReady: Record<string, boolean> = {
    rome: true,
    genoa: true,
    naples: true,
    "naples-libvirt-5.0": false,
    "rome-es-pool-empty": true,
    "rome-sev-disabled": false,
    "kernel-4.15": false,
    "qemu-2.11-libvirt-4.4": false,
    intel: false,
    "ubuntu-24.04": true,
    "alma-9.5": true,
    "rocky-9.4-mem-encrypt-off": true,
  };
  for (const name of PROFILES) {
    const inputs = t.context.lab.inputs(name);
    const read = await p.read!("x", { ...inputs, slice: null } as SevHostOutputs);
    const out = read.props as SevHostOutputs;
    t.is(out.ready, expectReady[name], name);
    t.is(Object.keys(verdicts(out)).length, out.checks.length);
  }
});

test("a host key that does not match the pin is refused, showing the key seen", async (t) => {
  const real = t.context.lab.host("rome").hostKeyFingerprint;
  const wrong = "SHA256:" + "A".repeat(43);
  const err = await t.throwsAsync(create(t.context.lab.inputs("rome", { hostKeyFingerprint: wrong })));
  t.true(err!.message.includes(real));
  t.regex(err!.message, /does not match/);
});

test("an unknown host key is refused unless trusted explicitly; a known_hosts line pins it", async (t) => {
  const h = t.context.lab.host("genoa");
  const base = t.context.lab.inputs("genoa", {
    hostKeyFingerprint: undefined,
    knownHosts: `[other.example]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake`,
  });
  const err = await t.throwsAsync(create(base));
  t.regex(err!.message, /unknown/);
  t.true(err!.message.includes(h.hostKeyFingerprint));
  const trusted = await create({ ...base, trustUnknownHostKey: true });
  t.is(trusted.hostKeySeen, h.hostKeyFingerprint);
  const pub = (await t.context.lab.sh("genoa", ["cat", `${h.folder}/ssh/host_key.pub`])).trim().split(" ");
  const pinned = await create({ ...base, knownHosts: `[${h.address}]:${h.port} ${pub[0]} ${pub[1]}` });
  t.true(pinned.ready);
  const changed = await t.throwsAsync(
    create({
      ...base,
      knownHosts: `[${h.address}]:${h.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOtherOtherOtherOth`,
      trustUnknownHostKey: true,
    }),
  );
  t.regex(changed!.message, /CHANGED/);
});

async function sliceOnHost(t: { context: { lab: TestLab } }, name: string): Promise<Record<string, string>> {
  const out = await t.context.lab.sh(name, ["systemctl", "show", "machine.slice", "-p", "MemoryMax", "-p", "MemoryHigh"]);
  return Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => l.split("=")),
  );
}

test.serial("machine.slice: applied from a reservation, drift seen on refresh and repaired, restored on delete", async (t) => {
  const inputs = t.context.lab.inputs("rome", { memoryLimit: { reserve: "16G" } });
  t.is((await sliceOnHost(t, "rome")).MemoryMax, "infinity");
  const out = await create(inputs);
  const expected = 256 * GiB - 16 * GiB;
  t.is(out.slice!.limitBytes, expected);
  t.is(out.slice!.previous, null);
  t.is((await sliceOnHost(t, "rome")).MemoryMax, String(expected));

  // No change: a second run finds nothing to do.
  t.false((await p.diff!("id", out, inputs)).changes);

  await t.context.lab.sh("rome", ["systemctl", "set-property", "machine.slice", "MemoryMax=8G"]);
  const refreshed = (await p.read!("id", out)).props as SevHostOutputs;
  t.is(refreshed.slice!.current, 8 * GiB);
  t.is(refreshed.drift.length, 1);
  t.regex(refreshed.drift[0], /MemoryMax/);
  const d = await p.diff!("id", refreshed, inputs);
  t.true(d.changes);
  t.deepEqual(d.replaces, []);

  const repaired = (await p.update!("id", refreshed, inputs)).outs as SevHostOutputs;
  t.deepEqual(repaired.drift, []);
  t.is((await sliceOnHost(t, "rome")).MemoryMax, String(expected));
  t.is(repaired.slice!.previous, null, "the value from before the resource is kept");

  await p.delete!("id", repaired);
  t.is((await sliceOnHost(t, "rome")).MemoryMax, "infinity");
});

test.serial("machine.slice: a new limit updates in place; switching to MemoryHigh restores MemoryMax", async (t) => {
  await t.context.lab.sh("genoa", ["systemctl", "set-property", "machine.slice", "MemoryMax=300G"]);
  const first = await create(t.context.lab.inputs("genoa", { memoryLimit: { limit: "200G" } }));
  t.is(first.slice!.previous, 300 * GiB);
  const next = t.context.lab.inputs("genoa", { memoryLimit: { limit: "190G", property: "MemoryHigh" } });
  const d = await p.diff!("id", first, next);
  t.true(d.changes);
  t.deepEqual(d.replaces, []);
  const updated = (await p.update!("id", first, next)).outs as SevHostOutputs;
  const now = await sliceOnHost(t, "genoa");
  t.is(now.MemoryMax, String(300 * GiB));
  t.is(now.MemoryHigh, String(190 * GiB));
  await p.delete!("id", updated);
  t.is((await sliceOnHost(t, "genoa")).MemoryHigh, "infinity");
});

test("a new address replaces the host", async (t) => {
  const a = t.context.lab.inputs("rome");
  const d = await p.diff!("id", { ...a } as SevHostOutputs, { ...a, address: "127.0.0.2" });
  t.deepEqual(d.replaces, ["address"]);
});

test.serial("bad inputs are rejected at check with every problem listed, before any connection", async (t) => {
  const before = t.context.lab.sshdLog("rome").length;
  const r = await p.check!(
    {},
    {
      address: "",
      port: 70000,
      user: "Root User",
      hostKeyFingerprint: "md5:00",
      memoryLimit: { limit: "lots", reserve: "1G" },
      maxGuests: { sev: -1 },
      colour: "blue",
    },
  );
  const props = r.failures!.map((f) => f.property);
  for (const prop of ["address", "port", "user", "hostKeyFingerprint", "memoryLimit.limit", "maxGuests.sev", "colour"]) {
    t.true(props.includes(prop), `${prop} in ${props.join(",")}`);
  }
  t.is(t.context.lab.sshdLog("rome").length, before);
  const cross = await p.check!({}, { address: "h", memoryLimit: { limit: "1G", reserve: "1G" } });
  t.deepEqual(cross.failures!.map((f) => f.property).sort(), ["", "memoryLimit"], "a credential property is never named: the engine would print its value");
  t.regex(cross.failures!.map((f) => f.reason).join("\n"), /privateKey or useAgent: true is required/);
});
