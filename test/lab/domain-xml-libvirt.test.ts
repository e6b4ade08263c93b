/**
 * Every domain XML variant the unit tier renders (test/helpers/domain-variants.ts) validates against
 * libvirt 10.7's schema and the lab libvirt's own (11.x, through xmllint), and is defined and dumped
 * back by the lab libvirt's test driver with launchSecurity, iommu and the owner intact.
 */
import test, { ExecutionContext } from "ava";
import { renderDomainXml } from "../../provider/core/domain-xml";
import { parseSevDomain } from "../../provider/core/parse/domain";
import { child, everyVariant, flavorOf, input, OWNER, parseDoc, virtioDevices, withoutIommu } from "../helpers/domain-variants";
import { defineAndDump, validate107, validateLab } from "../helpers/xml-validate";
import { LAB_LIBVIRT_VERSION } from "../../lab/libvirt";

/**
 * Every model, SEV-SNP included, validates against libvirt 10.7's schema and the lab libvirt's
 * (11.x), and is defined and dumped back by the lab libvirt's test driver, launchSecurity intact.
 */
function checkAgainstLibvirt(t: ExecutionContext, xml: string): void {
  const v107 = validate107(xml);
  t.true(v107.ok, `libvirt 10.7 schema: ${v107.output}\n${xml}`);
  const lab = validateLab(xml);
  t.true(lab.ok, `libvirt ${LAB_LIBVIRT_VERSION} schema: ${lab.output}\n${xml}`);
  const defined = defineAndDump(xml, parseDoc(xml).children.find((c) => c.name === "uuid")?.text ?? "");
  t.true(defined.ok, `virsh define: ${defined.output}`);
  const back = parseDoc(defined.stdout);
  const ours = parseDoc(xml);
  const ls = child(back, "launchSecurity");
  t.deepEqual(ls, child(ours, "launchSecurity"), "launchSecurity survives the round trip unchanged");
  t.deepEqual(withoutIommu(back), [], "iommu survives the round trip");
  t.is(virtioDevices(back).length, virtioDevices(ours).length);
  t.deepEqual(parseSevDomain(defined.stdout, "shut off")?.owner, OWNER, "owner metadata survives the round trip");
}

for (const { title, xml } of everyVariant()) {
  test(`libvirt accepts: ${title}`, (t) => checkAgainstLibvirt(t, xml));
}

test("user values are escaped: a name and owner with <, &, ' and \" survive libvirt's schema and test driver", (t) => {
  const name = `a<b&c'd"e`;
  const owner = { project: `p&<>'"`, stack: `s"'`, urn: `urn:pulumi:prod::x::y::<&>` };
  const i = input(flavorOf("amd-sev"), { name, owner, bootDisk: { path: `/var/lib/libvirt/images/o'neil & "co".qcow2`, format: "qcow2" } });
  const xml = renderDomainXml(i);
  t.true(validateLab(xml).ok);
  const defined = defineAndDump(xml, i.uuid);
  t.true(defined.ok, defined.output);
  const back = parseSevDomain(defined.stdout, "shut off");
  t.is(back?.name, name, "libvirt's test driver keeps the name");
  t.deepEqual(back?.owner, owner);
});
