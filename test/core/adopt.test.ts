/** Adoption: an existing domain is taken over only when it is SEV-encrypted, matches what is declared, and is no one else's. */
import test from "ava";
import { renderDomainXml } from "../../provider/core/domain-xml";
import { resolveFlavor, SevFlavorInputs } from "../../provider/core/flavor";
import { viewOfDomain } from "../../provider/core/parse/guest";
import { adoptionDifferences, formatAdoptionRefusal, formatNameTaken, formatNothingToAdopt, nameTaken } from "../../provider/core/adopt";
import { fixture } from "./fixtures";
import { readyHost } from "./ready-host";

const ME = { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/sev:SevGuest::legacy-1" };
const UUID = "0f6f3c0e-4a8e-4c36-9a55-7d2b8f3e9c01";
const SMALL: SevFlavorInputs = { name: "sev.small", vcpus: 2, memory: "4G", disk: 20, extraSpecs: { "hw:mem_encryption": true } };

function xml(flavor: SevFlavorInputs, owner = ME): string {
  return renderDomainXml({
    name: "legacy-1",
    uuid: UUID,
    flavor: resolveFlavor(flavor),
    caps: readyHost().domcaps!,
    libvirtVersion: "10.0.0",
    bootDisk: { path: "/var/lib/libvirt/images/legacy-1.qcow2", format: "qcow2" },
    owner,
  });
}

/** The same domain as someone defined it by hand: no ownership metadata. */
const unowned = (x: string) => x.replace(/<metadata>[\s\S]*?<\/metadata>/, "");

test("a matching SEV domain without ownership metadata is adoptable", (t) => {
  const existing = viewOfDomain(unowned(xml(SMALL)));
  t.is(existing.owner, null);
  t.deepEqual(adoptionDifferences(viewOfDomain(xml(SMALL)), existing, ME), []);
});

test("a domain carrying this resource's own metadata (an interrupted adoption) is adoptable", (t) => {
  t.deepEqual(adoptionDifferences(viewOfDomain(xml(SMALL)), viewOfDomain(xml(SMALL)), ME), []);
});

test("another stack's domain is refused, naming that stack and how to release it", (t) => {
  const theirs = { project: "shop", stack: "staging", urn: "urn:pulumi:staging::shop::pulumi-nodejs:dynamic/sev:SevGuest::legacy-1" };
  const d = adoptionDifferences(viewOfDomain(xml(SMALL)), viewOfDomain(xml(SMALL, theirs)), ME);
  t.is(d.length, 1);
  t.regex(d[0], /^it is managed by stack shop\/staging \(urn:pulumi:staging::shop::pulumi-nodejs:dynamic\/sev:SevGuest::legacy-1\)/);
  t.regex(d[0], /pulumi state delete/);
  t.regex(d[0], /virsh metadata legacy-1 https:\/\/pulumi-sev\.dev\/xmlns\/owner\/1 --config --remove/);
});

test("another resource of this stack is refused too", (t) => {
  const sibling = { ...ME, urn: ME.urn.replace("::legacy-1", "::other") };
  const d = adoptionDifferences(viewOfDomain(xml(SMALL)), viewOfDomain(xml(SMALL, sibling)), ME);
  t.is(d.length, 1);
  t.regex(d[0], /managed by another resource of this stack \(.*::other\)/);
});

test("every difference is listed: not encrypted, memory, vcpus, and ownership together", (t) => {
  const theirs = { project: "ops", stack: "old", urn: "urn:pulumi:old::ops::x::legacy-1" };
  const existing = xml({ ...SMALL, vcpus: 4, memory: "8G" }, theirs).replace(/<launchSecurity[\s\S]*?<\/launchSecurity>/, "");
  const d = adoptionDifferences(viewOfDomain(xml(SMALL)), viewOfDomain(existing), ME);
  t.is(d.length, 4);
  t.regex(d[0], /managed by stack ops\/old/);
  t.deepEqual(d.slice(1), [
    "not SEV-encrypted: no launchSecurity, the guest would start unencrypted",
    "memory is 8388608 KiB, expected 4194304 KiB",
    "vcpus is 4, expected 2",
  ]);
});

test("a wrong SEV model and policy are differences", (t) => {
  const es: SevFlavorInputs = { ...SMALL, extraSpecs: { "hw:mem_encryption": true, "hw:mem_encryption_model": "amd-sev-es" } };
  t.deepEqual(adoptionDifferences(viewOfDomain(xml(es)), viewOfDomain(unowned(xml(SMALL))), ME), [
    "SEV model is sev, expected sev-es",
    "SEV policy is 0x0033, expected 0x0037",
  ]);
});

test("a libvirt SEV domain shaped differently is refused on every count", (t) => {
  const d = adoptionDifferences(viewOfDomain(xml(SMALL)), viewOfDomain(fixture("domains", "launch-security-sev.xml")), ME);
  for (const re of [
    /SEV policy is 0x0001/,
    /memory is 219100 KiB/,
    /vcpus is 1/,
    /not locked/,
    /machine is pc,/,
    /firmware is BIOS/,
    /boot disk is \/dev\/HostVG\/QEMUGuest1/,
  ]) {
    t.true(
      d.some((x) => re.test(x)),
      `${re} in ${d.join("; ")}`,
    );
  }
});

test("the refusal names host, domain, every difference and the fix", (t) => {
  const msg = formatAdoptionRefusal("epyc-01:2222", "legacy-1", ["memory is 8388608 KiB, expected 4194304 KiB", "vcpus is 4, expected 2"]);
  t.is(msg.split("\n")[0], "host epyc-01:2222: cannot adopt domain legacy-1, 2 differences from what the program declares:");
  t.deepEqual(msg.split("\n").slice(1, 3), ["- memory is 8388608 KiB, expected 4194304 KiB", "- vcpus is 4, expected 2"]);
  t.regex(msg, /Nothing was changed on the host\. Fix: align the program with the domain .*, or remove adopt: true/);
  t.regex(
    formatNothingToAdopt("epyc-01", "ghost-1"),
    /^host epyc-01: adopt is set but no domain named ghost-1 is defined there: nothing to adopt, and nothing was created\. Fix: .*remove adopt: true to create a new guest/,
  );
});

test("a guest's name is taken by a plain domain, by another stack's SEV domain, or by its UUID elsewhere; its own left-behind domain is not", (t) => {
  const other = { project: "payments", stack: "prod", urn: "urn:pulumi:prod::payments::pulumi-nodejs:dynamic/sev:SevGuest::legacy-1" };
  const none = { names: [], uuids: [], sevDomains: [] };
  t.deepEqual(nameTaken(none, "legacy-1", UUID, ME), { foreign: null, leftBehind: false });
  const plain = { names: ["legacy-1"], uuids: ["aaaaaaaa-0000-4000-8000-000000000001"], sevDomains: [] };
  t.is(nameTaken(plain, "legacy-1", UUID, ME).foreign, "legacy-1");
  const theirs = { names: ["legacy-1"], uuids: [UUID], sevDomains: [{ name: "legacy-1", uuid: UUID, owner: other }] };
  t.is(nameTaken(theirs, "legacy-1", UUID, ME).foreign, UUID, "same UUID, another resource's URN");
  const byUuid = { names: ["renamed"], uuids: [UUID], sevDomains: [{ name: "renamed", uuid: UUID, owner: ME }] };
  t.is(nameTaken(byUuid, "legacy-1", UUID, ME).foreign, null, "this resource's domain under an old name is its own");
  const ours = { names: ["legacy-1"], uuids: [UUID], sevDomains: [{ name: "legacy-1", uuid: UUID, owner: ME }] };
  t.deepEqual(nameTaken(ours, "legacy-1", UUID, ME), { foreign: null, leftBehind: true });
  t.is(
    formatNameTaken("10.0.0.5", "legacy-1"),
    "10.0.0.5: a domain legacy-1 is already defined and is not this guest's; adopt it (adopt: true, if it matches what the program declares) or choose another name",
  );
});
