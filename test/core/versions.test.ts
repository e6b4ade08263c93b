import test from "ava";
import { atLeast, normaliseVersion } from "../../provider/core/versions";

const NORMALISED: Array<[string, string]> = [
  ["5.14.0-362.8.1.el9_3.x86_64", "5.14.0"],
  ["4.15.0-213-generic", "4.15.0"],
  ["4.16.0-rc4-sev", "4.16.0"],
  ["2.12.0", "2.12.0"],
  ["2.12", "2.12.0"],
  ["1:2.12+dfsg-3", "2.12.0"],
  ["1:8.2.2+ds-0ubuntu1.17", "8.2.2"],
  ["6.8.0-45-generic", "6.8.0"],
  ["5.10.0-60.18.0.50.oe2203.x86_64", "5.10.0"],
  ["2.0.50", "2.0.50"],
  ["10.0.0", "10.0.0"],
  ["5", "5.0.0"],
  ["qemu-kvm-9.0.0-10.el9", "9.0.0"],
  ["qemu-kvm-core-8.2.0-11.el9_4.x86_64", "8.2.0"],
  ["libvirt-10.5.0-7.el9_5", "10.5.0"],
  ["10.0.0-2ubuntu8.5", "10.0.0"],
];

for (const [raw, semver] of NORMALISED) {
  test(`normaliseVersion(${raw}) = ${semver}`, (t) => t.is(normaliseVersion(raw), semver));
}

test("unparseable versions are null", (t) => {
  for (const raw of ["", "error: failed to connect to the hypervisor", "unknown", "sh: virsh: command not found"]) {
    t.is(normaliseVersion(raw), null, raw);
    t.is(atLeast(raw, "1.0.0"), null, raw);
  }
  t.is(normaliseVersion(null), null);
  t.is(atLeast("4.16", "not-a-version"), null);
});

test("kernel comparisons", (t) => {
  t.false(atLeast("4.15.0-213-generic", "4.16"));
  t.true(atLeast("4.16.0-rc4-sev", "4.16"));
  t.true(atLeast("5.14.0-362.8.1.el9_3.x86_64", "4.16"));
  t.true(atLeast("5.10.0-60.18.0.50.oe2203.x86_64", "4.16.0"));
  t.false(atLeast("4.9.0", "4.16.0"), "4.9 < 4.16 numerically, not as strings");
});

test("QEMU and libvirt comparisons", (t) => {
  t.true(atLeast("2.12", "2.12.0"));
  t.true(atLeast("1:2.12+dfsg-3", "2.12.0"));
  t.false(atLeast("2.11.1", "2.12.0"));
  t.false(atLeast("2.0.50", "2.12.0"));
  t.true(atLeast("10.0.0", "4.5.0"));
  t.false(atLeast("4.4.0", "4.5.0"));
  t.false(atLeast("5.0.0", "5.1.0"));
  t.true(atLeast("qemu-kvm-9.0.0-10.el9", "2.12.0"));
  t.false(atLeast("qemu-kvm-2.11.0-1.el7", "2.12.0"));
  t.false(atLeast("1:2.11+dfsg-1ubuntu7.41", "2.12.0"));
  t.true(atLeast("libvirt-10.5.0-7.el9_5", "10.5.0"));
});
