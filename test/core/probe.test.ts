import test from "ava";
import { OWNER_NAMESPACE } from "../../provider/core/parse/domain";
import { parseProbe, parseProbeWithDomains, parseSlotCount } from "../../provider/core/parse/probe";
import { fixture } from "./fixtures";

/** One section as probe.sh prints it: printf '\n@@probe %s@@\n' then the command's output. */
function section(header: string, body: string): string {
  return `\n@@probe ${header}@@\n${body}`;
}

const OWNED_SEV_ES = `<domain type='kvm'>
  <name>web-1</name>
  <uuid>0b7e6c2a-1111-4222-8333-944455556666</uuid>
  <metadata>
    <sev:owner xmlns:sev="${OWNER_NAMESPACE}" project="shop" stack="prod" urn="urn:pulumi:prod::shop::sev:index:Guest::web-1"/>
  </metadata>
  <memory unit='KiB'>4194304</memory>
  <launchSecurity type='sev'>
    <policy>0x0037</policy>
  </launchSecurity>
</domain>`;

function fullProbe(): string {
  return [
    section("osrelease", "6.8.0-45-generic\n"),
    section("cmdline", fixture("outputs", "proc-cmdline_openeuler22.03_sev.txt")),
    section("kvm_amd", "loaded\nsev=Y\nsev_es=Y\nsev_snp=N\n"),
    section("devices", "sev\nkvm\n"),
    section("cpuinfo", "vendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse sme sev sev_es sev_snp ssbd\n"),
    section("meminfo", "MemTotal:       263861252 kB\n"),
    section("virsh-version", fixture("outputs", "virsh-version-daemon_libvirt-10.0.0_qemu-8.2.2_ubuntu24.04.txt")),
    section("qemu-version", "QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.17)\n"),
    section("domcapabilities", fixture("domcapabilities", "qemu_9.2.0-q35.x86_64+amdsev.xml")),
    section("misc.capacity", "sev 59\nsev_es 450\n"),
    section("misc.current", "sev 1\nsev_es 2\n"),
    section("slice", "MemoryHigh=infinity\nMemoryMax=236223201280\nexit=0\n"),
    section("domain c7a5fdbd-edaf-9455-926a-d65c16db1809 running", fixture("domains", "launch-security-sev.xml")),
    section("domain 0b7e6c2a-1111-4222-8333-944455556666 shut off", OWNED_SEV_ES),
    section("domain c7a5fdbd-edaf-9455-926a-d65c16db1809 paused", fixture("domains", "launch-security-sev-snp.xml")),
    section("end", ""),
  ].join("");
}

test("parseProbe composes every section of a full probe", (t) => {
  const facts = parseProbe(fullProbe());
  t.is(facts.kernelRelease, "6.8.0-45-generic");
  t.deepEqual(facts.cmdline, { memEncrypt: "on", kvmAmdSev: "1" });
  t.deepEqual(facts.kvmAmd, { loaded: true, sev: true, sevEs: true, sevSnp: false });
  t.deepEqual(facts.devices, { sev: true, kvm: true });
  t.deepEqual(facts.cpu, { vendor: "AuthenticAMD", sev: true, sevEs: true, sevSnp: true, sme: true });
  t.is(facts.memTotalBytes, 263861252 * 1024);
  t.is(facts.libvirtVersion, "10.0.0");
  t.is(facts.qemuVersion, "8.2.2");
  t.is(facts.domcapsError, null);
  t.deepEqual(facts.domcaps?.sev, { supported: true, cbitpos: 51, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 });
  t.deepEqual(facts.domcaps?.launchSecurityTypes, ["sev", "sev-snp"]);
  t.is(facts.domcaps?.machine, "pc-q35-9.2");
  t.deepEqual(facts.misc, { sev: { capacity: 59, current: 1 }, sevEs: { capacity: 450, current: 2 } });
  t.deepEqual(facts.slice, { available: true, memoryHigh: null, memoryMax: 236223201280 });
  t.deepEqual(facts.sevDomains, [
    { name: "QEMUGuest1", uuid: "c7a5fdbd-edaf-9455-926a-d65c16db1809", running: true, model: "sev", owner: null },
    {
      name: "web-1",
      uuid: "0b7e6c2a-1111-4222-8333-944455556666",
      running: false,
      model: "sev-es",
      owner: { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::sev:index:Guest::web-1" },
    },
    { name: "QEMUGuest1", uuid: "c7a5fdbd-edaf-9455-926a-d65c16db1809", running: true, model: "sev-snp", owner: null },
  ]);
});

test("parseProbe throws when the end marker is missing", (t) => {
  const full = fullProbe();
  const truncated = full.slice(0, full.indexOf("\n@@probe domain"));
  t.throws(() => parseProbe(truncated), { message: /incomplete.*cut short.*last section: slice/ });
  t.throws(() => parseProbe(""), { message: /cut short/ });
});

test("parseProbe tolerates CRLF line ends", (t) => {
  const facts = parseProbe(fullProbe().replace(/\n/g, "\r\n"));
  t.is(facts.kernelRelease, "6.8.0-45-generic");
  t.is(facts.sevDomains.length, 3);
});

test("parseProbe on a host without libvirt, kvm_amd, misc cgroup or systemd", (t) => {
  const out = [
    section("osrelease", "4.15.0-213-generic\n"),
    section("cmdline", "BOOT_IMAGE=/vmlinuz-4.15.0-213-generic root=/dev/sda1 ro quiet\n"),
    section("kvm_amd", ""),
    section("devices", "kvm\n"),
    section("cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse vmx\n"),
    section("meminfo", "MemTotal:        8048576 kB\n"),
    section("virsh-version", "sh: 5: virsh: not found\n"),
    section("qemu-version", "QEMU emulator version 2.11.1(Debian 1:2.11+dfsg-1ubuntu7.41)\n"),
    section("domcapabilities", "sh: 5: virsh: not found\n"),
    section("misc.capacity", ""),
    section("misc.current", ""),
    section("slice", "sh: 1: systemctl: not found\nexit=127\n"),
    section("end", ""),
  ].join("");
  const facts = parseProbe(out);
  t.deepEqual(facts.cmdline, { memEncrypt: null, kvmAmdSev: null });
  t.deepEqual(facts.kvmAmd, { loaded: false, sev: null, sevEs: null, sevSnp: null });
  t.deepEqual(facts.devices, { sev: false, kvm: true });
  t.deepEqual(facts.cpu, { vendor: "GenuineIntel", sev: false, sevEs: false, sevSnp: false, sme: false });
  t.is(facts.libvirtVersion, null);
  t.is(facts.qemuVersion, "2.11.1");
  t.is(facts.domcaps, null);
  t.is(facts.domcapsError, "sh: 5: virsh: not found");
  t.is(facts.misc, null);
  t.deepEqual(facts.slice, { available: false, memoryMax: null, memoryHigh: null });
  t.deepEqual(facts.sevDomains, []);
});

test("a domain section with an empty state is not running and takes the uuid from the XML", (t) => {
  const out = section("domain 0b7e6c2a-1111-4222-8333-944455556666 ", OWNED_SEV_ES) + section("end", "");
  const [d] = parseProbe(out).sevDomains;
  t.is(d.uuid, "0b7e6c2a-1111-4222-8333-944455556666");
  t.false(d.running);
});

test("a domain virsh cannot show is reported with its error; one that vanished since the list is not", (t) => {
  const out = [
    section("unreadable-domain 11111111-2222-4333-8444-555555555555", "error: internal error: cannot read the configuration\n"),
    section(
      "unreadable-domain 66666666-2222-4333-8444-555555555555",
      "error: failed to get domain '6666…'\nerror: Domain not found: no domain with matching uuid\n",
    ),
    section("end", ""),
  ].join("");
  t.deepEqual(parseProbe(out).unreadableDomains, [
    { uuid: "11111111-2222-4333-8444-555555555555", error: "error: internal error: cannot read the configuration" },
  ]);
});

test("machine.slice claims are read from their sections, a broken one kept as unreadable", (t) => {
  const claim = { urn: "urn:x", project: "p", stack: "s", property: "MemoryMax", bytes: 1024, base: null, nonce: "n" };
  const out = [section("slice-claim abc", JSON.stringify(claim)), section("slice-claim def", "{ broken"), section("end", "")].join("");
  const [ok, broken] = parseProbe(out).sliceClaims;
  t.deepEqual(ok, { id: "abc", claim });
  t.is(broken.id, "def");
  t.true("unreadable" in broken);
});

test("a slot count whose domain list failed is an error, never an empty count", (t) => {
  const counted = (listFailed: boolean) =>
    parseSlotCount(
      [
        section("misc.capacity", "sev 15\nsev_es 3\n"),
        section("misc.current", ""),
        ...(listFailed ? [section("domain-list-failed", "error: failed to connect to the hypervisor\n")] : []),
        section("names", ""),
        section("uuids", ""),
        section("end", ""),
      ].join(""),
    );
  t.deepEqual(counted(false).sevDomains, []);
  const err = t.throws(() => counted(true));
  t.regex(err!.message, /virsh list --all --uuid` failed: error: failed to connect to the hypervisor\. Fix: check that libvirtd is running/);
});

test("a full probe lists every domain's name and UUID, SEV or not, beside its facts (not in them)", (t) => {
  const listed = fullProbe().replace(
    section("end", ""),
    section("names", "web-1\nplain-db\n") +
      section("uuids", "c7a5fdbd-edaf-9455-926a-d65c16db1809\n1d6a1d3e-0000-4000-8000-000000000001\n") +
      section("end", ""),
  );
  const { facts, defined } = parseProbeWithDomains(listed);
  t.deepEqual(defined, { names: ["web-1", "plain-db"], uuids: ["c7a5fdbd-edaf-9455-926a-d65c16db1809", "1d6a1d3e-0000-4000-8000-000000000001"] });
  t.deepEqual(facts, parseProbe(listed));
  t.false("names" in facts);
});
