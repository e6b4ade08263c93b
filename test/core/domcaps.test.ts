import test from "ava";
import { DomainCapabilities } from "../../provider/core/facts";
import { domcapsFromXml, parseDomcapsSection } from "../../provider/core/parse/domcaps";
import { fixture, fixtureNames } from "./fixtures";

const LIBVIRT_TEST_FW = ["/obviously/fake/firmware1.fd", "/obviously/fake/firmware2.fd"];
const UBUNTU_FW = ["/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd", "/usr/share/OVMF/OVMF_CODE.fd"];
const NOVA_FW = ["/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd"];
const NO_SEV = { supported: false, cbitpos: null, reducedPhysBits: null, maxGuests: null, maxESGuests: null };

/** Expected values, read off each file by hand. */
const EXPECTED: Record<string, DomainCapabilities> = {
  "domcapabilities/qemu_2.12.0-q35.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.12",
    machines: ["pc-q35-2.12"],
    loaders: UBUNTU_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: null, maxESGuests: null },
    launchSecurityTypes: [],
  },
  "domcapabilities/qemu_2.12.0.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-i440fx-2.12",
    machines: ["pc-i440fx-2.12"],
    loaders: UBUNTU_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
    launchSecurityTypes: [],
  },
  "domcapabilities/qemu_5.0.0-q35.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-5.0",
    machines: ["pc-q35-5.0"],
    loaders: LIBVIRT_TEST_FW,
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
  "domcapabilities/qemu_6.0.0-q35.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-6.0",
    machines: ["pc-q35-6.0"],
    loaders: LIBVIRT_TEST_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
    launchSecurityTypes: ["sev"],
  },
  "domcapabilities/qemu_6.0.0.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-i440fx-6.0",
    machines: ["pc-i440fx-6.0"],
    loaders: LIBVIRT_TEST_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
    launchSecurityTypes: ["sev"],
  },
  "domcapabilities/qemu_9.1.0-q35.x86_64.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-9.1",
    machines: ["pc-q35-9.1"],
    loaders: LIBVIRT_TEST_FW,
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
  "domcapabilities/qemu_9.1.0-tcg.x86_64.xml": {
    domainType: "qemu",
    arch: "x86_64",
    machine: "pc-i440fx-9.1",
    machines: ["pc-i440fx-9.1"],
    loaders: LIBVIRT_TEST_FW,
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
  "domcapabilities/qemu_9.2.0-q35.x86_64+amdsev.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-9.2",
    machines: ["pc-q35-9.2"],
    loaders: LIBVIRT_TEST_FW,
    sev: { supported: true, cbitpos: 51, reducedPhysBits: 1, maxGuests: 59, maxESGuests: 450 },
    launchSecurityTypes: ["sev", "sev-snp"],
  },
  "domcapabilities/qemu_10.1.0-q35.x86_64+inteltdx.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-10.1",
    machines: ["pc-q35-10.1"],
    loaders: LIBVIRT_TEST_FW,
    sev: NO_SEV,
    launchSecurityTypes: ["tdx"],
  },
  "nova/nova-fakelibvirt-domcaps-sev.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 100, maxESGuests: 15 },
    launchSecurityTypes: [],
  },
  "nova/nova-fakelibvirt-domcaps-sev-unsupported.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
  "nova/nova-fakelibvirt-domcaps-launchsecurity-sev.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 100, maxESGuests: 15 },
    launchSecurityTypes: ["sev"],
  },
  "nova/nova-fakelibvirt-domcaps-launchsecurity-sev-snp.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: 100, maxESGuests: 15 },
    launchSecurityTypes: ["sev", "sev-snp"],
  },
  "nova/nova-fakelibvirt-domcaps-launchsecurity-unsupported.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
  "nova/nova-fakelibvirt-domcaps-sev-legacy-no-maxguests.xml": {
    domainType: "kvm",
    arch: "x86_64",
    machine: "pc-q35-2.11",
    machines: ["pc-q35-2.11"],
    loaders: NOVA_FW,
    sev: { supported: true, cbitpos: 47, reducedPhysBits: 1, maxGuests: null, maxESGuests: null },
    launchSecurityTypes: [],
  },
  // A single <value> under <loader>: must still come back as a list.
  "nova/nova-libvirt_data-domcaps-aarch64-sev-no.xml": {
    domainType: "qemu",
    arch: "aarch64",
    machine: "virt-5.1",
    machines: ["virt-5.1"],
    loaders: ["/usr/share/AAVMF/AAVMF_CODE.fd"],
    sev: NO_SEV,
    launchSecurityTypes: [],
  },
};

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`domcapabilities ${file}`, (t) => {
    const [dir, name] = file.split("/");
    t.deepEqual(domcapsFromXml(fixture(dir, name)), expected);
  });
}

test("every domcapabilities fixture has expected values", (t) => {
  const all = [
    ...fixtureNames("domcapabilities", (n) => n.endsWith(".xml")).map((n) => `domcapabilities/${n}`),
    ...fixtureNames("nova", (n) => n.includes("domcaps")).map((n) => `nova/${n}`),
  ];
  t.deepEqual(all.sort(), Object.keys(EXPECTED).sort());
});

test("virsh error text instead of XML gives null domcaps and the error", (t) => {
  const text = "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n";
  t.deepEqual(parseDomcapsSection(text), {
    domcaps: null,
    error: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
  });
});

test("truncated domcapabilities XML is reported, not thrown", (t) => {
  const xml = fixture("domcapabilities", "qemu_6.0.0-q35.x86_64.xml");
  const r = parseDomcapsSection(xml.slice(0, 400));
  t.is(r.domcaps, null);
  t.regex(r.error ?? "", /^unreadable domcapabilities: malformed XML/);
});

test("empty section reports that virsh printed nothing", (t) => {
  t.deepEqual(parseDomcapsSection("\n\n"), { domcaps: null, error: "virsh domcapabilities printed nothing" });
});

test("a single machine and a multi-value sectype enum parse as arrays", (t) => {
  const xml = `<domainCapabilities><machine>pc-q35-8.2</machine><features>
    <sev supported='yes'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits><maxGuests>0</maxGuests><maxESGuests>0</maxESGuests></sev>
    <launchSecurity supported='yes'><enum name='sectype'><value>sev</value><value>sev-snp</value></enum></launchSecurity>
  </features></domainCapabilities>`;
  const caps = domcapsFromXml(xml);
  t.deepEqual(caps.machines, ["pc-q35-8.2"]);
  t.deepEqual(caps.launchSecurityTypes, ["sev", "sev-snp"]);
  t.is(caps.sev.maxGuests, 0);
  t.is(caps.sev.maxESGuests, 0);
  t.deepEqual(caps.loaders, []);
  t.is(caps.domainType, null);
});

test("launchSecurity supported='no' with leftover values yields no types", (t) => {
  const xml = `<domainCapabilities><features><launchSecurity supported='no'><enum name='sectype'><value>sev</value></enum></launchSecurity></features></domainCapabilities>`;
  t.deepEqual(domcapsFromXml(xml).launchSecurityTypes, []);
});

test("a non-domcapabilities document is an error", (t) => {
  t.throws(() => domcapsFromXml("<capabilities><host/></capabilities>"), { message: /not a <domainCapabilities> document/ });
});
