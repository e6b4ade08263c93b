/**
 * Adoption instead of `pulumi import` (which dynamic providers cannot offer), through the real
 * engine: a domain defined out of band on a lab host is taken over by a SevGuest with adopt: true
 * when it matches, and refused with every difference listed, changing nothing, when it does not.
 */
import anyTest, { TestFn } from "ava";
import { join } from "path";
import { viewOfDomain } from "../../provider/core/parse/guest";
import { startLab, TestLab } from "../helpers/lab";
import { withStack } from "../helpers/engine";
import { defineForeign, Shape } from "../helpers/foreign";

const test = anyTest as TestFn<{ lab: TestLab }>;

test.before(async (t) => {
  t.context.lab = await startLab(__filename, ["rome"]);
});
test.after.always((t) => t.context.lab?.stop());

const PROGRAM = "dist/test/programs/adopt/index.js";

/** The program's sev.tiny guest. */
const DECLARED: Shape = { vcpus: 1, memoryMiB: 1024, sev: true };

const config = (lab: TestLab, guests: string[], extra: Record<string, string> = {}) => ({
  "sev:inventory": join(lab.dir, "inventory.json"),
  "sev:host": "rome",
  "sev:guests": guests,
  ...extra,
});

test.serial("a foreign SEV domain is adopted on a full pool: same UUID, this stack's ownership, not restarted; then managed as if created here", async (t) => {
  const { lab } = t.context;
  const uuid = await defineForeign(lab, "rome", "legacy-1", DECLARED);
  const domid = (await lab.sh("rome", ["virsh", "domid", "legacy-1"])).trim();
  const before = await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "legacy-1"]);
  t.is(viewOfDomain(before).owner, null);

  // The pool holds exactly the one SEV domain there is: adopting it needs no further slot.
  await withStack(PROGRAM, config(lab, ["legacy-1"], { "sev:maxGuests": "1" }), async (s) => {
    const preview = await s.preview();
    t.is(preview.code, 0, preview.text);
    t.true(preview.steps.some((x) => x.op === "create" && x.urn.endsWith("SevGuest::legacy-1")));
    t.is(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "legacy-1"]), before, "preview changes nothing");

    const up = await s.up();
    t.is(up.code, 0, up.text);
    t.is((await lab.sh("rome", ["virsh", "domuuid", "legacy-1"])).trim(), uuid, "libvirt keeps the same domain");
    t.is((await lab.sh("rome", ["virsh", "domid", "legacy-1"])).trim(), domid, "the running guest was not restarted");
    const [guest] = (await s.outputs()).guests as { uuid: string; state: string; drift: string[] }[];
    t.deepEqual(guest, { name: "legacy-1", uuid, state: "running", drift: [] } as typeof guest);
    const state = JSON.parse(await s.exportState()) as { deployment: { resources: { urn: string; id?: string; type: string }[] } };
    const resource = state.deployment.resources.find((r) => r.urn.endsWith("SevGuest::legacy-1"))!;
    t.is(resource.id, uuid, "the resource id is the domain's UUID");
    const owner = viewOfDomain(await lab.sh("rome", ["virsh", "dumpxml", "--inactive", "legacy-1"])).owner;
    t.deepEqual(owner, { project: "sev-test", stack: s.stack, urn: resource.urn });

    t.is((await s.expectNoChanges()).code, 0, "a second run is a no-op");
    const refresh = await s.refresh();
    t.is(refresh.code, 0, refresh.text);
    t.is((await s.expectNoChanges()).code, 0, "and so is one after a refresh");

    const destroy = await s.destroy();
    t.is(destroy.code, 0, destroy.text);
    t.deepEqual(await lab.domains("rome"), []);
  });
});

test.serial("a non-matching domain is refused with one error listing every difference, and stays as it was", async (t) => {
  const { lab } = t.context;
  await defineForeign(lab, "rome", "legacy-big", { ...DECLARED, vcpus: 2, memoryMiB: 2048 });
  await defineForeign(lab, "rome", "legacy-plain", { ...DECLARED, sev: false });
  const dump = (name: string) => lab.sh("rome", ["virsh", "dumpxml", "--inactive", name]);
  const before = { big: await dump("legacy-big"), plain: await dump("legacy-plain") };

  await withStack(PROGRAM, config(lab, ["legacy-big"]), async (s) => {
    const preview = await s.preview();
    t.not(preview.code, 0);
    const refusal =
      /host [^\n]+: cannot adopt domain legacy-big, 2 differences from what the program declares:\n- memory is 2097152 KiB, expected 1048576 KiB\n- vcpus is 2, expected 1\nNothing was changed on the host\. Fix: align the program with the domain/;
    const errors = (JSON.parse(preview.stdout).diagnostics as { severity: string; message: string }[]).filter((d) => d.severity === "error");
    t.is(errors.length, 1, "one error");
    t.regex(errors[0].message, refusal);
    const up = await s.up();
    t.not(up.code, 0, "up refuses too, even without its preview");
    t.regex(up.text, refusal);

    await s.setConfig("sev:guests", ["legacy-plain"]);
    const plain = await s.up();
    t.not(plain.code, 0);
    t.regex(
      plain.text,
      /cannot adopt domain legacy-plain, 1 difference from what the program declares:\n- not SEV-encrypted: no launchSecurity, the guest would start unencrypted\n/,
    );
    t.false(plain.text.includes("PRIVATE KEY") || plain.text.includes(lab.host("rome").passphrase), "no credentials in the error");
  });
  t.deepEqual({ big: await dump("legacy-big"), plain: await dump("legacy-plain") }, before, "nothing changed on the host");
  for (const name of ["legacy-big", "legacy-plain"]) {
    await lab.sh("rome", ["virsh", "destroy", name]);
    await lab.sh("rome", ["virsh", "undefine", "--nvram", name]);
  }
});
