import test from "ava";
import { secretPaths } from "../../provider/core/secrets";
import hostSchema from "../../schema/sev-host.schema.json";
import guestSchema from "../../schema/sev-guest.schema.json";
import flavorSchema from "../../schema/sev-flavor.schema.json";

test("every key and passphrase of a SevHost is secret, the jump host's included", (t) => {
  t.deepEqual(
    secretPaths(hostSchema)
      .map((p) => p.join("."))
      .sort(),
    ["jumpHost.privateKey", "jumpHost.privateKeyPassphrase", "privateKey", "privateKeyPassphrase"],
  );
});

test("schemas without secrets have none; a flavor holds no credentials", (t) => {
  t.deepEqual(secretPaths(flavorSchema), []);
  t.deepEqual(secretPaths({ type: "object", properties: { a: { type: "string" } } }), []);
});

test("a guest's own schema embeds the host by type, not by $ref: its secrets are the host's connection's, its cloud-init user-data and its own launch secret", (t) => {
  t.deepEqual(secretPaths(guestSchema), [["cloudInit", "userData"], ["launchSecret"]]);
});

test("secret marks are found through $refs at any depth, and a bad $ref is an error", (t) => {
  const schema = {
    definitions: { cred: { type: "object", properties: { token: { type: "string", secret: true }, user: { type: "string" } } } },
    properties: {
      a: { $ref: "#/definitions/cred" },
      b: { properties: { c: { $ref: "#/definitions/cred" } } },
      d: { $ref: "#/definitions/cred/properties/token" },
    },
  };
  t.deepEqual(
    secretPaths(schema).map((p) => p.join(".")),
    ["a.token", "b.c.token", "d"],
  );
  t.throws(() => secretPaths({ properties: { x: { $ref: "#/definitions/nope" } } }), { message: /does not resolve/ });
});
