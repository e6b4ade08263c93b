import test from "ava";
import { base64Bytes, launchInputProblems, parseLaunchSecInfo } from "../../provider/core/launch-inputs";
import { guestDrift, viewOfDomain } from "../../provider/core/parse/guest";

const blob = (bytes: number) => Buffer.alloc(bytes, 7).toString("base64");
const reasons = (ps: { reason: string }[]) => ps.map((p) => p.reason);

test("base64 is canonical or refused", (t) => {
  t.is(base64Bytes(blob(52)), 52);
  t.is(base64Bytes("QUJD"), 3);
  t.is(base64Bytes("QUJ"), null, "unpadded");
  t.is(base64Bytes("QU JD"), null);
  t.is(base64Bytes("QUJE\n"), null);
  t.is(base64Bytes("QR=="), null, "non-canonical trailing bits");
});

test("the owner's blobs are checked for the sizes the firmware takes", (t) => {
  t.deepEqual(launchInputProblems("sev", { dhCert: blob(2084), session: blob(128) }, { header: blob(52), secret: blob(64), setAddress: 4096 }), []);
  t.deepEqual(reasons(launchInputProblems("sev-es", { dhCert: blob(2083), session: blob(129) }, undefined)), [
    "launchSecurity.dhCert decodes to 2083 bytes; it must be 2084 bytes",
    "launchSecurity.session decodes to 129 bytes; it must be 128 bytes",
  ]);
  t.deepEqual(launchInputProblems("sev-snp", { idBlock: blob(96), idAuth: blob(4096), hostData: blob(32), authorKey: true, vcek: false }, undefined), []);
  t.deepEqual(reasons(launchInputProblems("sev-snp", { hostData: blob(31), idBlock: blob(96) }, undefined)), [
    "launchSecurity.hostData decodes to 31 bytes; it must be 32 bytes",
    "launchSecurity.idBlock and launchSecurity.idAuth go together: give both or neither",
  ]);
});

test("inputs of the other model, a session without its certificate and an author key without idAuth are refused", (t) => {
  t.deepEqual(reasons(launchInputProblems("sev-snp", { dhCert: blob(2084) }, undefined)), [
    "launchSecurity.dhCert is for SEV and SEV-ES guests; this guest is sev-snp: remove it",
  ]);
  t.deepEqual(reasons(launchInputProblems("sev", { hostData: blob(32), authorKey: false }, undefined)), [
    "launchSecurity.authorKey is for SEV-SNP guests; this guest is sev: remove it",
    "launchSecurity.hostData is for SEV-SNP guests; this guest is sev: remove it",
  ]);
  t.deepEqual(reasons(launchInputProblems("sev", { session: blob(128) }, undefined)), [
    "launchSecurity.session needs launchSecurity.dhCert, the certificate the session was made for",
  ]);
  t.deepEqual(reasons(launchInputProblems("sev-snp", { authorKey: true }, undefined)), [
    "launchSecurity.authorKey needs launchSecurity.idAuth, which carries the author key's signature",
  ]);
});

test("a launch secret: header of 52 bytes, 1 to 4096 secret bytes, SEV and SEV-ES only, never echoed", (t) => {
  const secret = Buffer.from("the owner's disk key, never to be shown").toString("base64");
  const problems = launchInputProblems("sev", undefined, { header: blob(51), secret: secret + "AAAA" + "%" });
  t.deepEqual(reasons(problems), [
    "launchSecret.header decodes to 51 bytes; it must be 52 bytes",
    'launchSecret.secret is not canonical base64 (padded with "=", no line breaks)',
  ]);
  t.false(JSON.stringify(problems).includes(secret), "the secret is not in the message");
  t.deepEqual(reasons(launchInputProblems("sev", undefined, { header: blob(52), secret: blob(4097) })), [
    "launchSecret.secret decodes to 4097 bytes; it must be 1 to 4096 bytes",
  ]);
  t.regex(reasons(launchInputProblems("sev-snp", undefined, { header: blob(52), secret: blob(16) })).join(), /SEV and SEV-ES guests only/);
});

test("virsh domlaunchsecinfo: measurement, API version, build id and policy; SNP's policy only; errors give null", (t) => {
  const sev =
    "sev-measurement: VQp2YEzv2UQui+rjRWwcp3uiU/WaJF+4k9LvcJfMOm9CvN82e6Ej+NGIaDhHHKf+\nsev-api-major  : 0\nsev-api-minor  : 24\nsev-build-id   : 15\nsev-policy     : 55\n";
  t.deepEqual(parseLaunchSecInfo(sev), {
    measurement: "VQp2YEzv2UQui+rjRWwcp3uiU/WaJF+4k9LvcJfMOm9CvN82e6Ej+NGIaDhHHKf+",
    apiMajor: 0,
    apiMinor: 24,
    buildId: 15,
    policy: "0x0037",
  });
  t.deepEqual(parseLaunchSecInfo("sev-snp-policy : 196608\n"), { measurement: null, apiMajor: null, apiMinor: null, buildId: null, policy: "0x00030000" });
  t.is(parseLaunchSecInfo("error: Unable to get launch security parameters\nerror: Requested operation is not valid: domain is not running\n"), null);
});

test("the owner's inputs are read back from <launchSecurity>, and a difference is drift", (t) => {
  const dh = blob(2084);
  const xml = (session: string) =>
    `<domain type='kvm'><name>g</name><launchSecurity type='sev' kernelHashes='yes'><policy>0x0033</policy><dhCert>${dh}</dhCert><session>${session}</session></launchSecurity></domain>`;
  const wanted = viewOfDomain(xml(blob(128)));
  t.deepEqual(wanted.launchInputs, { kernelHashes: "yes", dhCert: dh, session: blob(128) });
  t.deepEqual(guestDrift(wanted, viewOfDomain(xml(blob(128)))), []);
  const other = Buffer.alloc(128, 9).toString("base64");
  t.deepEqual(guestDrift(wanted, viewOfDomain(xml(other))), [
    `launchSecurity session is ${other.slice(0, 12)}… (172 characters), expected ${blob(128).slice(0, 12)}… (172 characters)`,
  ]);
  const snp = viewOfDomain(`<domain><launchSecurity type='sev-snp' authorKey='no' vcek='yes'><policy>0x00030000</policy></launchSecurity></domain>`);
  t.deepEqual(snp.launchInputs, { authorKey: "no", vcek: "yes" });
});
