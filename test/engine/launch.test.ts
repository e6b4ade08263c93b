/**
 * The guest owner's flow through the real engine (examples/launch-secret): a SEV-ES guest launched
 * paused with the owner's dhCert and session, its measurement in the stack outputs; then its secret,
 * given as a secret config, injected (the lab shim records exactly what virsh domsetlaunchsecstate
 * received) and the guest resumed; the secret nowhere in state, backups, history, export or CLI output.
 */
import anyTest, { TestFn } from "ava";
import { readFileSync } from "fs";
import { join } from "path";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";
import { SECRET_MARK, SECRET_SIG, SecretScan } from "../helpers/secret-scan";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

const b64 = (bytes: Buffer) => bytes.toString("base64");

test("paused at launch, measured, given its secret on the second up, then running; the secret stays secret", async (t) => {
  const { lab } = t.context;
  const dhCert = b64(Buffer.alloc(2084, 0x5a));
  const session = b64(Buffer.alloc(128, 0x3c));
  const plaintext = Buffer.from("owner-disk-key:7f1c2e9a44d0b3b8c6aa19e0f2d5c771");
  const launchSecret = { header: b64(Buffer.alloc(52, 0x11)), secret: b64(plaintext), setAddress: 8388608 };
  const config = { "sev:inventory": join(lab.dir, "inventory.json"), "sev:host": "rome", "sev:dhCert": dhCert, "sev:session": session };
  lab.images("rome", ["sealed-1"]);
  await withStack("dist/examples/launch-secret/index.js", config, async (s) => {
    const scan = new SecretScan(t, s);
    const run = scan.run.bind(scan);
    await run("first up", s.up());
    const xml = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "sealed-1"]);
    t.true(xml.includes(`<dhCert>${dhCert}</dhCert>`) && xml.includes(`<session>${session}</session>`), "the owner's blobs are in launchSecurity");
    const first = (await s.outputs()).launch as { state: string; injected: boolean; measurement: Record<string, unknown> };
    const info = await lab.sh("rome", ["virsh", "domlaunchsecinfo", "sealed-1"]);
    const measured = /^sev-measurement: (\S+)$/m.exec(info)?.[1];
    t.truthy(measured);
    t.deepEqual(
      first,
      {
        state: "paused",
        injected: false,
        measurement: { measurement: measured, apiMajor: 0, apiMinor: 24, buildId: 15, policy: "0x0037" },
      },
      "a SEV-ES guest's measurement in the stack outputs, the guest still paused",
    );
    const platform = (await s.outputs()).platform as { pdh: string | undefined };
    t.is(platform.pdh, /^pdh *: (\S+)$/m.exec(await lab.sh("rome", ["virsh", "nodesevinfo"]))?.[1], "the host's PDH for the owner's session");
    const quiet = await s.expectNoChanges();
    t.is(quiet.code, 0, `no secret, nothing to do: ${quiet.text}`);

    await s.must(["config", "set", "--secret", "sev:launchSecret", "--", JSON.stringify(launchSecret)], "config set --secret sev:launchSecret");
    await run("preview with the secret", s.preview());
    await run("second up", s.up());
    const second = (await s.outputs()).launch as { state: string; injected: boolean; measurement: { measurement: string | undefined } };
    t.deepEqual([second.state, second.injected], ["running", true]);
    const record = readFileSync(join(lab.host("rome").folder, "state", "launch-secrets.log"), "utf8")
      .trim()
      .split("\n");
    const uuid = /<uuid>(.*)<\/uuid>/.exec(xml)?.[1];
    t.deepEqual(
      record,
      [`${uuid} header=${launchSecret.header} secret=${launchSecret.secret} set-address=${launchSecret.setAddress}`],
      "exactly the bytes given, once",
    );
    t.is(second.measurement.measurement, measured, "the launch measured before is the one that runs");

    await run("refresh", s.refresh());
    const again = await s.expectNoChanges();
    t.is(again.code, 0, again.text);
    scan.outputs.push(again.text);
    t.is(
      readFileSync(join(lab.host("rome").folder, "state", "launch-secrets.log"), "utf8")
        .trim()
        .split("\n").length,
      1,
      "injected once only",
    );
    const exported = await s.exportState();
    const guest = JSON.parse(exported).deployment.resources.find((r: { type: string }) => r.type.endsWith("sev:SevGuest"));
    t.is(guest.inputs.launchSecret?.[SECRET_SIG], SECRET_MARK, "input launchSecret is a secret");
    t.is(guest.outputs.launchSecret?.[SECRET_SIG], SECRET_MARK, "output launchSecret is a secret");

    await run("destroy", s.destroy());
    t.deepEqual(await lab.domains("rome"), []);
    scan.assertNowhere([launchSecret.header, launchSecret.secret, plaintext.toString()], exported);
  });
});
