/**
 * What the domain XML renders for every variant (each model, bus, network, data disk and launch
 * input): SEV's invariants and each element as asked. Pure: the same renders go to libvirt's schemas
 * and its test driver in the lab tier (test/lab/domain-xml-libvirt.test.ts).
 */
import test from "ava";
import { DomainCapabilities } from "../../provider/core/facts";
import { domcapsFromXml } from "../../provider/core/parse/domcaps";
import {
  DomainXmlError,
  DomainXmlInput,
  GuestNetwork,
  machineFor,
  renderDomainXml,
  nvramTemplateOf,
  selectLoader,
  stableMac,
  stableUuid,
  uuidV5,
} from "../../provider/core/domain-xml";
import { parseSevDomain, sevModelOfXml } from "../../provider/core/parse/domain";
import { formatPolicy } from "../../provider/core/models";
import { fixture } from "./fixtures";
import {
  all,
  assertSevInvariants,
  baseVariant,
  BOOT_BUSES,
  child,
  DEVICE_VARIANTS,
  deviceVariant,
  El,
  EXTRA_VARIANTS,
  extraVariant,
  flavorOf,
  GENOA,
  input,
  LAUNCH_VARIANTS,
  launchVariant,
  Model,
  MODEL_NAMES,
  NETWORKS,
  OWNER,
  parseDoc,
  ROME_FAKE_FIRMWARE,
  SEV_DISABLED,
  SEV_HOST,
  SNP_HOST,
  virtioDevices,
  withoutIommu,
} from "../helpers/domain-variants";

for (const model of MODEL_NAMES) {
  for (const bus of BOOT_BUSES) {
    for (const configDrive of [false, true]) {
      for (const [netName, network] of NETWORKS) {
        const { title, flavor, xml } = baseVariant(model, bus, configDrive, [netName, network]);
        test(`renders: ${title}`, (t) => {
          assertSevInvariants(t, xml, flavor);
          const domain = parseDoc(xml);
          const disks = all(child(domain, "devices"), "disk");
          t.deepEqual(
            disks.map((d) => [d.attrs["device"], child(d, "target").attrs["bus"]]),
            configDrive
              ? [
                  ["disk", bus],
                  ["cdrom", bus],
                ]
              : [["disk", bus]],
          );
          t.is(
            all(domain, "controller").some((c) => c.attrs["model"] === "virtio-scsi"),
            bus === "scsi",
            "virtio-scsi controller only for SCSI",
          );
          t.is(all(domain, "interface").length, network ? 1 : 0);
        });
      }
    }
  }
}

for (const variant of EXTRA_VARIANTS) {
  const { title, flavor, xml } = extraVariant(variant);
  test(`renders: ${title}`, (t) => {
    assertSevInvariants(t, xml, flavor);
    t.is(child(child(parseDoc(xml), "launchSecurity"), "policy").text, formatPolicy(flavor.policy, flavor.model));
  });
}

for (const variant of DEVICE_VARIANTS) {
  const [, , bus, over, virtioDisks] = variant;
  const { title, flavor, xml } = deviceVariant(variant);
  test(`renders: ${title}`, (t) => {
    assertSevInvariants(t, xml, flavor, virtioDisks);
    const devices = child(parseDoc(xml), "devices");
    const targets = all(devices, "disk").map((d) => child(d, "target").attrs["dev"]);
    t.is(new Set(targets).size, targets.length, `target names are distinct: ${targets.join(", ")}`);
    t.is(all(devices, "interface").length, over.networks?.length ?? 0);
    const macs = all(devices, "interface").map((i) => child(i, "mac").attrs["address"]);
    t.is(new Set(macs).size, macs.length, "every interface has its own MAC");
    if (over.seed !== undefined)
      t.deepEqual(
        all(devices, "disk")
          .filter((d) => d.attrs["device"] === "cdrom")
          .map((d) => [child(d, "source").attrs["file"], child(d, "target").attrs["bus"], d.children.some((c) => c.name === "readonly")]),
        [[over.seed, bus, true]],
      );
  });
}

for (const variant of LAUNCH_VARIANTS) {
  const [, model, launch] = variant;
  const { title, flavor, xml } = launchVariant(variant);
  test(`renders: ${title}`, (t) => {
    assertSevInvariants(t, xml, flavor);
    const ls = child(parseDoc(xml), "launchSecurity");
    for (const k of ["dhCert", "session", "idBlock", "idAuth", "hostData"] as const) {
      t.is(ls.children.find((c) => c.name === k)?.text, launch[k], k);
    }
    const yesNo = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "yes" : "no");
    t.is(ls.attrs["kernelHashes"] as string | undefined, yesNo(launch.kernelHashes));
    if (model === "amd-sev-snp") t.deepEqual([ls.attrs["authorKey"], ls.attrs["vcek"]], [yesNo(launch.authorKey ?? false), yesNo(launch.vcek ?? true)]);
  });
}

// --- structure as in libvirt's own fixtures ---------------------------------------------------------

function childNames(el: El): string[] {
  return el.children.map((c) => c.name);
}

test("SEV launchSecurity has the child elements, in the order, of libvirt's launch-security-sev fixture", (t) => {
  const theirs = child(parseDoc(fixture("domains", "launch-security-sev.x86_64-6.0.0.xml")), "launchSecurity");
  const ours = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev")))), "launchSecurity");
  t.deepEqual(childNames(ours), ["cbitpos", "reducedPhysBits", "policy"]);
  t.deepEqual(
    childNames(theirs).filter((n) => childNames(ours).includes(n)),
    childNames(ours),
  );
  t.deepEqual(childNames(theirs).slice(0, 3), childNames(ours), "the same leading elements, same order");
  t.is(ours.attrs["type"], theirs.attrs["type"]);
  t.regex(child(ours, "policy").text, /^0x[0-9a-f]{4}$/, "four hex digits, like the fixture's 0x0001");
  t.regex(child(theirs, "policy").text, /^0x[0-9a-f]{4}$/);
  t.is(child(ours, "policy").text, "0x0033");
});

test("SNP launchSecurity matches libvirt's launch-security-sev-snp fixture", (t) => {
  const theirs = child(parseDoc(fixture("domains", "launch-security-sev-snp.x86_64-latest.xml")), "launchSecurity");
  const ours = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp")))), "launchSecurity");
  t.is(ours.attrs["type"], "sev-snp");
  t.is(theirs.attrs["type"], "sev-snp");
  t.deepEqual(childNames(ours), ["cbitpos", "reducedPhysBits", "policy"]);
  t.deepEqual(childNames(theirs).slice(0, 3), childNames(ours));
  t.is(child(ours, "policy").text, child(theirs, "policy").text, "0x00030000 exactly");
  for (const name of Object.keys(ours.attrs)) t.true(name in theirs.attrs, `attribute ${name} is one libvirt's fixture uses`);
  // Nova's SNP form for the two attestation attributes.
  const nova = fixture("nova", "nova-test_config-launchsecurity-sev-snp.xml");
  t.regex(nova, new RegExp(`authorKey="${ours.attrs["authorKey"]}" vcek="${ours.attrs["vcek"]}"`));
});

test("SEV-ES is type sev with the ES policy bit, like Nova's sev-es snippet", (t) => {
  const xml = renderDomainXml(input(flavorOf("amd-sev-es")));
  const ls = child(parseDoc(xml), "launchSecurity");
  t.is(ls.attrs["type"], "sev");
  const novaPolicy = /<policy>([^<]+)</.exec(fixture("nova", "nova-test_config-launchsecurity-sev-es.xml"))?.[1];
  t.is(child(ls, "policy").text, novaPolicy ?? "missing");
  t.is(sevModelOfXml(xml), "sev-es");
});

test("SNP boots stateless firmware: <os firmware='efi'> with <loader stateless='yes'/>, no NVRAM", (t) => {
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"), { caps: GENOA }))), "os");
  t.is(os.attrs["firmware"], "efi");
  t.deepEqual(child(os, "loader").attrs, { stateless: "yes" });
  t.false(os.children.some((c) => c.name === "nvram"));
  const explicit = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"), { caps: GENOA, loader: "/usr/share/edk2/ovmf/OVMF.amdsev.fd" }))), "os");
  t.deepEqual(child(explicit, "loader").attrs, { type: "rom", stateless: "yes" });
  t.is(child(explicit, "loader").text, "/usr/share/edk2/ovmf/OVMF.amdsev.fd");
});

test("the variable store template pairs with the code image by the OVMF builds' naming, or is left to libvirt", (t) => {
  t.is(nvramTemplateOf("/usr/share/OVMF/OVMF_CODE_4M.fd"), "/usr/share/OVMF/OVMF_VARS_4M.fd");
  t.is(nvramTemplateOf("/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd"), "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd");
  t.is(nvramTemplateOf("/srv/firmware/my-uefi.fd"), null);
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1", loader: "/srv/firmware/my-uefi.fd" }))), "os");
  t.deepEqual(child(os, "nvram").attrs, {}, "no guessed template for a code image of another name");
});

// --- firmware, machine, launch security from the host -----------------------------------------------

test("the loader is the host's OVMF_CODE image without Secure Boot, read-only pflash, with per-guest NVRAM", (t) => {
  const os = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1" }))), "os");
  const loader = child(os, "loader");
  t.is(loader.text, "/usr/share/edk2/ovmf/OVMF_CODE.fd");
  t.deepEqual(loader.attrs, { readonly: "yes", type: "pflash" });
  t.is(child(os, "nvram").text, "/var/lib/libvirt/qemu/nvram/db-1_VARS.fd");
  t.deepEqual(child(os, "nvram").attrs, { template: "/usr/share/edk2/ovmf/OVMF_VARS.fd" }, "the code image's own variable store template");
  const custom = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { name: "db-1", nvramDir: "/srv/nvram/" }))), "os");
  t.is(child(custom, "nvram").text, "/srv/nvram/db-1_VARS.fd");
});

test("selectLoader prefers a plain OVMF_CODE image and skips Secure Boot and Microsoft-key variants", (t) => {
  t.is(
    selectLoader(["/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"]),
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
  );
  t.is(selectLoader(["/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "/usr/share/edk2/ovmf/OVMF_CODE.fd"]), "/usr/share/edk2/ovmf/OVMF_CODE.fd");
  t.is(selectLoader(["/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"]), null);
  t.is(selectLoader(["/usr/share/AAVMF/AAVMF_CODE.fd"]), null);
  t.is(selectLoader(SNP_HOST.loaders), "/usr/share/edk2/ovmf/OVMF_CODE.fd");
});

test("a host that offers no suitable loader is a clear error, unless a loader is given", (t) => {
  const err = t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { caps: ROME_FAKE_FIRMWARE })), { instanceOf: DomainXmlError });
  t.regex(err?.message ?? "", /no UEFI code image without Secure Boot .* \[\/obviously\/fake\/firmware1\.fd, \/obviously\/fake\/firmware2\.fd\]: install OVMF/);
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { caps: ROME_FAKE_FIRMWARE, loader: "/opt/ovmf/OVMF_CODE.fd" }));
  t.is(child(child(parseDoc(xml), "os"), "loader").text, "/opt/ovmf/OVMF_CODE.fd");
});

test("the machine is the host's q35 machine for q35, a versioned q35 as given, q35 when the host's is not q35", (t) => {
  t.is(machineFor("q35", SNP_HOST), "pc-q35-2.11");
  t.is(machineFor("q35", GENOA), "pc-q35-9.2");
  t.is(machineFor("pc-q35-8.2", SNP_HOST), "pc-q35-8.2");
  const i440fx = domcapsFromXml(fixture("domcapabilities", "qemu_6.0.0.x86_64.xml"));
  t.notRegex(i440fx.machine ?? "", /q35/);
  t.is(machineFor("q35", i440fx), "q35");
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { caps: { ...i440fx, loaders: SNP_HOST.loaders } }));
  t.is(child(child(parseDoc(xml), "os"), "type").attrs["machine"], "q35");
});

test("SNP on a host whose domain capabilities do not list sev-snp is refused", (t) => {
  t.deepEqual(SEV_HOST.launchSecurityTypes, ["sev"]);
  const err = t.throws(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { caps: SEV_HOST })), { instanceOf: DomainXmlError });
  t.regex(err?.message ?? "", /amd-sev-snp needs a host whose domain capabilities list launchSecurity type sev-snp; this host lists \[sev\]/);
  const old = domcapsFromXml(fixture("domcapabilities", "qemu_2.12.0-q35.x86_64.xml"));
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { caps: old })), { message: /this host lists \[\]/ });
  t.notThrows(() => renderDomainXml(input(flavorOf("amd-sev-snp"), { caps: GENOA })));
});

test("SEV on a host without SEV is refused", (t) => {
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { caps: { ...SEV_DISABLED, loaders: SNP_HOST.loaders } })), {
    instanceOf: DomainXmlError,
    message: /do not report <sev supported='yes'>/,
  });
});

test("cbitpos and reducedPhysBits come from the host; left out only when libvirt (6.9+) fills them", (t) => {
  const genoa = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { caps: { ...GENOA, loaders: SNP_HOST.loaders } }))), "launchSecurity");
  t.is(child(genoa, "cbitpos").text, "51");
  t.is(child(genoa, "reducedPhysBits").text, "1");
  const unreported: DomainCapabilities = { ...SNP_HOST, sev: { ...SNP_HOST.sev, cbitpos: null, reducedPhysBits: null } };
  const filled = child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { caps: unreported, libvirtVersion: "6.9.0" }))), "launchSecurity");
  t.deepEqual(childNames(filled), ["policy"], "like libvirt's launch-security-sev-missing-platform-info input");
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev"), { caps: unreported, libvirtVersion: "6.0.0" })), {
    message: /no cbitpos\/reducedPhysBits .* older than 6\.9\.0/,
  });
});

test("stateless firmware needs libvirt 8.6", (t) => {
  t.throws(() => renderDomainXml(input(flavorOf("amd-sev", {}, {}, { hw_firmware_stateless: true }), { libvirtVersion: "8.0.0" })), {
    message: /stateless firmware needs libvirt 8\.6\.0 or later; the host has 8\.0\.0/,
  });
});

// --- devices ------------------------------------------------------------------------------------------

test("every virtio device has iommu='on': the check finds a device that lacks it", (t) => {
  const xml = renderDomainXml(input(flavorOf("amd-sev"), { network: { network: "default" } }));
  const domain = parseDoc(xml);
  t.deepEqual(
    virtioDevices(domain)
      .map((d) => d.attrs["model"] ?? d.attrs["type"])
      .sort(),
    ["network", "virtio", "virtio", "virtio-scsi", "virtio-serial"],
    "scsi controller, virtio-serial controller, interface, memballoon, rng",
  );
  // The walker would catch a regression: drop the rng's driver.
  const broken = xml.replace(/(<rng model="virtio">[\s\S]*?)<driver iommu="on"\/>/, "$1");
  t.deepEqual(withoutIommu(parseDoc(broken)), ["<rng model='virtio'>"]);
});

test("a block device boot disk is a type='block' disk", (t) => {
  const domain = parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { bootDisk: { path: "/dev/vg0/web-1", format: "raw" } })));
  const disk = all(domain, "disk")[0];
  t.is(disk.attrs["type"], "block");
  t.deepEqual(child(disk, "source").attrs, { dev: "/dev/vg0/web-1" });
  t.deepEqual(child(disk, "driver").attrs, { name: "qemu", type: "raw" });
  t.deepEqual(child(disk, "boot").attrs, { order: "1" });
});

test("the MAC address is stable per UUID, or as given", (t) => {
  const flavor = flavorOf("amd-sev");
  const mac = (over: Partial<DomainXmlInput>) => child(all(parseDoc(renderDomainXml(input(flavor, over))), "interface")[0], "mac").attrs["address"];
  const a = mac({ network: { bridge: "br0" } });
  t.is(a, mac({ network: { bridge: "br0" } }));
  t.regex(a ?? "", /^52:54:00(:[0-9a-f]{2}){3}$/);
  t.is(a, stableMac(stableUuid(`${OWNER.urn}/web-1`)));
  t.is(mac({ network: { bridge: "br0", mac: "52:54:00:AA:BB:CC" } }), "52:54:00:aa:bb:cc");
});

test("domain type is kvm by default, qemu on request", (t) => {
  t.is(parseDoc(renderDomainXml(input(flavorOf("amd-sev")))).attrs["type"], "kvm");
  t.is(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { domainType: "qemu" }))).attrs["type"], "qemu");
});

// --- identity, ownership, escaping ----------------------------------------------------------------------

test("stableUuid is a deterministic version 5 UUID", (t) => {
  t.is(uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "886313e1-3b8a-5372-9b90-0c9aee199e5d", "RFC 4122 / Python's uuid5 vector");
  const u = stableUuid(OWNER.urn);
  t.is(u, stableUuid(OWNER.urn));
  t.not(u, stableUuid(`${OWNER.urn}-2`));
  t.regex(u, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("the owner written under <metadata> is read back by parseSevDomain", (t) => {
  for (const model of ["amd-sev", "amd-sev-es", "amd-sev-snp"] as Model[]) {
    const i = input(flavorOf(model));
    const d = parseSevDomain(renderDomainXml(i), "shut off");
    t.deepEqual(d, {
      name: "web-1",
      uuid: i.uuid,
      running: false,
      model: ({ "amd-sev": "sev", "amd-sev-es": "sev-es", "amd-sev-snp": "sev-snp" } as const)[model],
      owner: OWNER,
    });
  }
});

test("user values are escaped: a name and owner with <, &, ' and \" round-trip", (t) => {
  const name = `a<b&c'd"e`;
  const owner = { project: `p&<>'"`, stack: `s"'`, urn: `urn:pulumi:prod::x::y::<&>` };
  const i = input(flavorOf("amd-sev"), { name, owner, bootDisk: { path: `/var/lib/libvirt/images/o'neil & "co".qcow2`, format: "qcow2" } });
  const xml = renderDomainXml(i);
  t.false(xml.includes("a<b"), "no raw < from the name");
  t.false(/&(?!amp;|lt;|gt;|apos;|quot;)/.test(xml), "every & starts an entity");
  const d = parseSevDomain(xml, "running");
  t.is(d?.name, name);
  t.deepEqual(d?.owner, owner);
  const domain = parseDoc(xml);
  t.is(child(child(domain, "os"), "nvram").text, `/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`);
});

test("bad guest inputs are listed together in one error", (t) => {
  const err = t.throws(
    () =>
      renderDomainXml(
        input(flavorOf("amd-sev-snp"), {
          name: "a/b",
          uuid: "not-a-uuid",
          caps: SEV_HOST,
          bootDisk: { path: "images/x.qcow2", format: "qcow2" },
          configDrive: "config.iso",
          network: { bridge: "br0", mac: "01:00:5e:00:00:01" },
        }),
      ),
    { instanceOf: DomainXmlError },
  );
  const problems = (err as DomainXmlError).problems;
  t.is(problems.length, 6, problems.join("\n"));
  t.regex(err?.message ?? "", /^cannot render the domain XML of "a\/b": 6 problems:\n- domain name/);
  for (const re of [/domain name "a\/b"/, /uuid "not-a-uuid"/, /bootDisk\.path/, /configDrive/, /not a unicast MAC/, /sev-snp/]) {
    t.true(
      problems.some((p) => re.test(p)),
      `${re}`,
    );
  }
});

// --- Nova's memory and network rules ---------------------------------------------------------------

test("an SNP guest on small pages has no <memoryBacking>, as Nova's SNP config (needs_locked_memory false)", (t) => {
  const snp = parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp"))));
  t.deepEqual(all(snp, "memoryBacking"), []);
  const hugeSnp = parseDoc(renderDomainXml(input(flavorOf("amd-sev-snp", {}, { "hw:mem_page_size": "2MB" }))));
  t.deepEqual(childNames(child(hugeSnp, "memoryBacking")), ["hugepages"], "huge pages stay, unlocked");
  t.deepEqual(childNames(child(parseDoc(renderDomainXml(input(flavorOf("amd-sev-es")))), "memoryBacking")), ["locked"]);
});

test("a virtio-net interface has its option ROM disabled, as in libvirt's SEV examples", (t) => {
  for (const network of [{ bridge: "br0" }, { network: "default" }] as GuestNetwork[]) {
    const nic = child(child(parseDoc(renderDomainXml(input(flavorOf("amd-sev"), { network }))), "devices"), "interface");
    t.deepEqual(child(nic, "rom").attrs, { enabled: "no" });
    t.is(child(nic, "model").attrs["type"], "virtio");
  }
});
