import test from "ava";
import { SevModel } from "../../provider/core/facts";
import { isRunningState, OWNER_NAMESPACE, parseSevDomain, policyOf, sevModelOfXml } from "../../provider/core/parse/domain";
import { fixture, fixtureNames } from "./fixtures";

/** launchSecurity type and policy, read off each file: 0x0033 has no ES bit (0x4), 0x0037 has it. */
const EXPECTED_MODELS: Record<string, SevModel> = {
  "domains/launch-security-sev.xml": "sev",
  "domains/launch-security-sev.x86_64-6.0.0.xml": "sev",
  "domains/launch-security-sev-direct.xml": "sev",
  "domains/launch-security-sev-direct.x86_64-latest.xml": "sev",
  "domains/launch-security-sev-missing-platform-info.xml": "sev",
  "domains/launch-security-sev-missing-platform-info.x86_64-6.0.0.xml": "sev",
  "domains/launch-security-sev-snp.xml": "sev-snp",
  "domains/launch-security-sev-snp.x86_64-latest.xml": "sev-snp",
  "nova/nova-libvirt_data-fake-kvm-guest-launchsecurity-sev.xml": "sev",
  "nova/nova-test_config-launchsecurity-sev.xml": "sev",
  "nova/nova-test_config-launchsecurity-sev-es.xml": "sev-es",
  "nova/nova-test_config-launchsecurity-sev-legacy-cbitpos.xml": "sev",
  "nova/nova-test_config-launchsecurity-sev-snp.xml": "sev-snp",
  "nova/nova-test_config-launchsecurity-sev-snp-kernelhashes.xml": "sev-snp",
};

for (const [file, model] of Object.entries(EXPECTED_MODELS)) {
  test(`model of ${file} is ${model}`, (t) => {
    const [dir, name] = file.split("/");
    t.is(sevModelOfXml(fixture(dir, name)), model);
  });
}

test("every SEV domain fixture has an expected model", (t) => {
  const all = [
    ...fixtureNames("domains", (n) => n.endsWith(".xml")).map((n) => `domains/${n}`),
    ...fixtureNames("nova", (n) => n.includes("test_config") || n.includes("fake-kvm-guest")).map((n) => `nova/${n}`),
  ];
  t.deepEqual(all.sort(), Object.keys(EXPECTED_MODELS).sort());
});

test("a whole libvirt domain gives name, uuid, model and no owner", (t) => {
  const d = parseSevDomain(fixture("domains", "launch-security-sev-snp.xml"), "running");
  t.deepEqual(d, { name: "QEMUGuest1", uuid: "c7a5fdbd-edaf-9455-926a-d65c16db1809", running: true, model: "sev-snp", owner: null });
});

test("nova's fake guest (leading whitespace, double quotes) parses", (t) => {
  const d = parseSevDomain(fixture("nova", "nova-libvirt_data-fake-kvm-guest-launchsecurity-sev.xml"), "shut off");
  t.deepEqual(d, { name: "demo", uuid: "b38a3f43-4be2-4046-897f-b67c2f5e0147", running: false, model: "sev", owner: null });
});

function domainWithMetadata(metadata: string, launchSecurity = `<launchSecurity type='sev'><policy>0x0007</policy></launchSecurity>`): string {
  return `<domain type='kvm'><name>web-1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
  <metadata>${metadata}</metadata>${launchSecurity}</domain>`;
}

test("owner is read from the metadata element in our namespace", (t) => {
  const xml = domainWithMetadata(`<sev:owner xmlns:sev="${OWNER_NAMESPACE}" project="shop" stack="prod" urn="urn:pulumi:prod::shop::sev:Guest::web-1"/>`);
  const d = parseSevDomain(xml, "paused");
  t.deepEqual(d?.owner, { project: "shop", stack: "prod", urn: "urn:pulumi:prod::shop::sev:Guest::web-1" });
  t.is(d?.model, "sev-es");
  t.true(d?.running);
});

test("owner is matched by namespace URI, whatever the prefix", (t) => {
  const other = domainWithMetadata(`<ps:owner xmlns:ps="${OWNER_NAMESPACE}" project="p" stack="s" urn="u"/>`);
  t.deepEqual(parseSevDomain(other, "running")?.owner, { project: "p", stack: "s", urn: "u" });
  const defaultNs = domainWithMetadata(`<owner xmlns="${OWNER_NAMESPACE}" project="p" stack="s" urn="u"/>`);
  t.deepEqual(parseSevDomain(defaultNs, "running")?.owner, { project: "p", stack: "s", urn: "u" });
});

test("an owner element in another namespace is not ours", (t) => {
  const xml = domainWithMetadata(
    `<sev:owner xmlns:sev="https://example.com/other" project="p" stack="s" urn="u"/><app:info xmlns:app="https://example.com/app" a="1"/>`,
  );
  t.is(parseSevDomain(xml, "running")?.owner, null);
});

test("ours is found among other metadata with the same local name", (t) => {
  const xml = domainWithMetadata(
    `<a:owner xmlns:a="https://example.com/other" project="x" stack="x" urn="x"/><b:owner xmlns:b="${OWNER_NAMESPACE}" project="p" stack="s" urn="u"/>`,
  );
  t.deepEqual(parseSevDomain(xml, "running")?.owner, { project: "p", stack: "s", urn: "u" });
});

test("a domain without SEV launch security is not a SEV domain", (t) => {
  t.is(parseSevDomain(domainWithMetadata("", "<launchSecurity type='tdx'/>"), "running"), null);
  t.is(parseSevDomain(domainWithMetadata("", ""), "running"), null);
});

test("running covers every state whose QEMU holds an ASID", (t) => {
  for (const s of ["running", "idle", "blocked", "paused", "in shutdown", "pmsuspended"]) t.true(isRunningState(s), s);
  for (const s of ["shut off", "crashed", "no state", ""]) t.false(isRunningState(s), s);
});

test("policy is hexadecimal with or without 0x", (t) => {
  t.is(policyOf("0x0037"), 0x37);
  t.is(policyOf("37"), 0x37);
  t.is(policyOf("0x00030000"), 0x30000);
  t.is(policyOf("zz"), null);
});
