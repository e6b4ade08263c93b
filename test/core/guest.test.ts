/** GuestView and guestDrift: what a domain XML says about a guest, and every difference from what was rendered. */
import test from "ava";
import { renderDomainXml, DomainXmlInput } from "../../provider/core/domain-xml";
import { resolveFlavor } from "../../provider/core/flavor";
import { guestDrift, policyShown, viewOfDomain } from "../../provider/core/parse/guest";
import { fixture } from "./fixtures";
import { readyHost } from "./ready-host";

const OWNER = { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/sev:SevGuest::web-1" };
const UUID = "5b0c5b6e-8f7c-4a53-9d1e-2b1f7c1f0a11";

function rendered(over: Partial<DomainXmlInput> = {}): string {
  return renderDomainXml({
    name: "web-1",
    uuid: UUID,
    flavor: resolveFlavor({ name: "sev.small", vcpus: 2, memory: "4G", disk: 20, extraSpecs: { "hw:mem_encryption": true } }),
    caps: readyHost().domcaps!,
    libvirtVersion: "10.0.0",
    bootDisk: { path: "/var/lib/libvirt/images/web-1.qcow2", format: "qcow2" },
    network: { bridge: "br0" },
    configDrive: "/var/lib/libvirt/images/web-1-config.iso",
    owner: OWNER,
    ...over,
  });
}

test("a rendered domain reads back as rendered", (t) => {
  const v = viewOfDomain(rendered());
  t.like(v, {
    name: "web-1",
    uuid: UUID,
    domainType: "kvm",
    model: "sev",
    policy: 0x33,
    memoryKiB: 4 * 1024 * 1024,
    vcpus: 2,
    memoryLocked: true,
    machine: "pc-q35-8.2",
    firmware: "uefi",
    owner: OWNER,
  });
  t.deepEqual(v.disks, [
    { device: "disk", path: "/var/lib/libvirt/images/web-1.qcow2", bus: "scsi", boot: true },
    { device: "cdrom", path: "/var/lib/libvirt/images/web-1-config.iso", bus: "scsi", boot: false },
  ]);
  t.is(v.interfaces.length, 1);
  t.like(v.interfaces[0], { type: "bridge", source: "br0" });
  t.regex(v.interfaces[0].mac!, /^52:54:00(:[0-9a-f]{2}){3}$/);
  t.deepEqual(guestDrift(v, viewOfDomain(rendered())), []);
});

test("a real libvirt SEV domain (no boot order, BIOS, IDE) is read the way libvirt means it", (t) => {
  const v = viewOfDomain(fixture("domains", "launch-security-sev.xml"));
  t.like(v, { domainType: "kvm", model: "sev", policy: 0x1, memoryKiB: 219100, vcpus: 1, memoryLocked: false, machine: "pc", firmware: "bios", owner: null });
  t.deepEqual(v.disks, [{ device: "disk", path: "/dev/HostVG/QEMUGuest1", bus: "ide", boot: true }]);
  t.deepEqual(v.interfaces, []);
});

test("every difference from the rendered domain is listed", (t) => {
  const wanted = viewOfDomain(rendered());
  const drift = guestDrift(wanted, viewOfDomain(fixture("domains", "launch-security-sev.xml")));
  t.deepEqual(drift, [
    "SEV policy is 0x0001, expected 0x0033",
    "launchSecurity dhCert is AQAAAAAOAAAA… (55 characters), expected absent",
    "launchSecurity session is IHAVENOIDEAB… (34 characters), expected absent",
    "memory is 219100 KiB, expected 4194304 KiB",
    "vcpus is 1, expected 2",
    "memory is not locked (no memoryBacking/locked)",
    "machine is pc, expected pc-q35-8.2",
    "firmware is BIOS, expected UEFI",
    "boot disk is /dev/HostVG/QEMUGuest1, expected /var/lib/libvirt/images/web-1.qcow2",
    "cdrom /var/lib/libvirt/images/web-1-config.iso is declared but not attached",
    `network interface 1 is none, expected bridge br0 mac ${wanted.interfaces[0].mac}`,
  ]);
});

test("a domain without launchSecurity is named unencrypted, and no policy is compared", (t) => {
  const plain = rendered().replace(/<launchSecurity[\s\S]*?<\/launchSecurity>/, "");
  t.deepEqual(guestDrift(viewOfDomain(rendered()), viewOfDomain(plain)), ["not SEV-encrypted: no launchSecurity, the guest would start unencrypted"]);
});

test("any q35 machine is q35 (libvirt expands q35, QEMU upgrades bring newer ones); another machine is not", (t) => {
  const wanted = viewOfDomain(rendered());
  const machine = (m: string) => viewOfDomain(rendered().replace(/machine="[^"]*"/, `machine="${m}"`));
  t.deepEqual(guestDrift(wanted, machine("q35")), []);
  t.deepEqual(guestDrift(wanted, machine("pc-q35-9.2")), []);
  t.deepEqual(guestDrift(wanted, machine("pc-i440fx-8.2")), ["machine is pc-i440fx-8.2, expected pc-q35-8.2"]);
});

test("boot disk bus, extra disks, interfaces and domain type are compared", (t) => {
  const wanted = viewOfDomain(rendered());
  const edited = rendered()
    .replace(/<target dev="sda" bus="scsi"\/>/, '<target dev="sda" bus="virtio"/>')
    .replace("</devices>", '<disk type="file" device="disk"><source file="/srv/data.qcow2"/><target dev="vdb" bus="virtio"/></disk></devices>')
    .replace(/<mac address="[^"]*"\/>/, '<mac address="52:54:00:AA:BB:CC"/>')
    .replace('<domain type="kvm">', '<domain type="qemu">');
  t.deepEqual(guestDrift(wanted, viewOfDomain(edited)), [
    "domain type is qemu, expected kvm",
    "boot disk bus is virtio, expected scsi",
    "disk /srv/data.qcow2 is attached but not declared",
    `network interface 1 is bridge br0 mac 52:54:00:aa:bb:cc, expected bridge br0 mac ${wanted.interfaces[0].mac}`,
  ]);
});

test("the policy a guest shows is written as its model writes it: the same form as its XML", (t) => {
  t.is(policyShown({ model: "sev-snp", policy: 0x30000 }), "0x00030000");
  t.is(policyShown({ model: "sev-es", policy: 0x37 }), "0x0037");
  t.is(policyShown({ model: null, policy: null }), "none");
  const view = viewOfDomain(fixture("domains", "launch-security-sev-snp.xml"));
  t.is(policyShown(view), /<policy>([^<]+)<\/policy>/.exec(fixture("domains", "launch-security-sev-snp.xml"))![1]);
});
