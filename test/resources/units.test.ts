/** The Pulumi glue's pure helpers: what is user input, change detection, check failures, secrets and the provider move. */
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, checkFailures, FLEET_KEY, pick, same, userInputs } from "../../provider/resources/inputs";
import { migrating } from "../../provider/resources/migrate";
import { topLevelSecrets, withSecrets } from "../../provider/resources/secrets";

test("userInputs drops the engine's keys, the fleet hint and inputs an output left unset", (t) => {
  t.deepEqual(userInputs({ name: "g", __provider: "exports.handler = …", [FLEET_KEY]: [1], sshConfig: null, port: 22 }), { name: "g", port: 22 });
});

test("same compares by value, and treats undefined and null alike", (t) => {
  t.true(same({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
  t.true(same(undefined, null));
  t.false(same({ a: 1 }, { a: 2 }));
  t.deepEqual(changedKeys(["a", "b", "c"], { a: 1, b: [1], c: "x" }, { a: 1, b: [2], c: "y" }), ["b", "c"]);
  t.deepEqual(pick(["a", "c"], { a: 1, b: 2, c: undefined }), { a: 1 });
});

test("checkFailures never names a property that holds credentials: the engine would print its value", (t) => {
  const failures = checkFailures([
    { property: "host.privateKey", reason: "host.privateKey: not a key" },
    { property: "cloudInit.userData", reason: "too large" },
    { property: "launchSecret", reason: "bad header" },
    { property: "flavor.vcpus", reason: "must be >= 1" },
    { property: "hostname", reason: "not a host" },
  ]);
  t.deepEqual(
    failures.map((f) => f.property),
    ["", "", "", "flavor.vcpus", "hostname"],
  );
  t.is(failures[0].reason, "host.privateKey: not a key", "the reason still says which input");
});

function isSecret(v: unknown): Promise<boolean> {
  return pulumi.Output.isInstance(v) ? pulumi.isSecret(v as pulumi.Output<unknown>) : Promise.resolve(false);
}

test("withSecrets wraps exactly the leaves at the paths, at any depth, and leaves the rest plain", async (t) => {
  const args = { address: "h", privateKey: "KEY", jumpHost: { address: "j", privateKey: "JKEY" }, cloudInit: undefined };
  const out = withSecrets(args, [["privateKey"], ["jumpHost", "privateKey"], ["cloudInit", "userData"]]);
  t.is(out.address, "h");
  t.true(await isSecret(out.privateKey));
  t.is((out.jumpHost as { address: string }).address, "j");
  t.true(await isSecret((out.jumpHost as { privateKey: unknown }).privateKey));
  t.is(out.cloudInit, undefined, "an absent input stays absent");
  t.deepEqual(args.jumpHost, { address: "j", privateKey: "JKEY" }, "the caller's object is not changed");
  t.deepEqual(topLevelSecrets([["privateKey"], ["jumpHost", "privateKey"]]), ["privateKey"]);
});

test("withSecrets reaches into an Output: its leaf becomes a secret Output inside the value", async (t) => {
  const out = withSecrets({ jumpHost: pulumi.output({ address: "j", privateKey: "JKEY" }) }, [["jumpHost", "privateKey"]]);
  const value = await new Promise<{ address: string; privateKey: unknown }>((resolve) =>
    (out.jumpHost as pulumi.Output<{ address: string; privateKey: unknown }>).apply(resolve),
  );
  t.is(value.address, "j");
  t.true(await isSecret(value.privateKey));
});

const unchanged: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "x" };
  },
  async diff() {
    return { changes: false };
  },
  async update() {
    throw new Error("the inner update runs only for a real change");
  },
};

test("migrating: an unchanged resource whose serialized provider moved is updated, and the update only rewrites state", async (t) => {
  const p = migrating(unchanged);
  const olds = { name: "g", __provider: "old" };
  const news = { name: "g", __provider: "new" };
  t.true((await p.diff!("x", olds, news)).changes);
  t.false((await p.diff!("x", olds, { ...olds })).changes, "the same provider: no change");
  t.deepEqual(await p.update!("x", olds, news), { outs: { name: "g" } });
});
