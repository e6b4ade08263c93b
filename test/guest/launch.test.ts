/** The launch measurement as a guest's output: read only from a launched guest, from libvirt's own `domlaunchsecinfo` text. */
import test from "ava";
import { measurementFrom } from "../../provider/guest/launch";

const SEV_INFO = "sev-measurement: ZmFrZQ==\nsev-api-major  : 1\nsev-api-minor  : 55\nsev-build-id   : 21\nsev-policy     : 51\n";

test("a running or paused guest's measurement, with the policy as libvirt and Nova write it", (t) => {
  for (const state of ["running", "paused"]) {
    t.deepEqual(measurementFrom(SEV_INFO, state), { measurement: "ZmFrZQ==", apiMajor: 1, apiMinor: 55, buildId: 21, policy: "0x0033" }, state);
  }
});

test("a stopped guest, or a libvirt with nothing to say, has no measurement", (t) => {
  t.is(measurementFrom(SEV_INFO, "shut off"), null);
  t.is(measurementFrom(null, "running"), null);
  t.is(measurementFrom("", "running"), null);
});
