/**
 * The serialized provider the state keeps: a small text that loads the installed package by name.
 * Run here as the dynamic provider host runs it (a module whose handler returns the provider), with
 * a require that answers for the package or fails as a project without it would.
 */
import test from "ava";
import { runInNewContext } from "vm";
import { providerText } from "../../provider/resources/delegate";

function load(text: string, require: (id: string) => unknown): () => unknown {
  const module = { exports: {} as { handler?: () => unknown } };
  runInNewContext(text, { exports: module.exports, module, require, process: { cwd: () => "/srv/infra" } });
  return module.exports.handler!;
}

test("the text names the package, never a path, holds nothing captured, and stays small", (t) => {
  const text = providerText("sevGuestProvider");
  t.true(text.includes('require("pulumi-sev/dynamic")'));
  t.false(/\/work\/|\/home\/|\/root\//.test(text), "no checkout path");
  t.true(text.length < 600, `${text.length} bytes`);
  t.is(providerText("sevGuestProvider"), text, "the same text wherever the program runs");
});

test("the handler returns the installed implementation of its name", (t) => {
  const impl = { create: async () => ({ id: "x" }) };
  const asked: string[] = [];
  const handler = load(providerText("sevHostProvider"), (id) => {
    asked.push(id);
    return { sevHostProvider: impl, sevGuestProvider: {} };
  });
  t.is(handler(), impl);
  t.deepEqual(asked, ["pulumi-sev/dynamic"]);
});

test("a project without the package is one clear error with the fix", (t) => {
  const handler = load(providerText("sevFlavorProvider"), () => {
    throw new Error("Cannot find module 'pulumi-sev/dynamic'");
  });
  const err = t.throws(handler);
  t.regex(err!.message, /^pulumi-sev: cannot load the provider package from the Pulumi project in \/srv\/infra: Cannot find module/);
  t.regex(err!.message, /Fix: npm install pulumi-sev there/);
});
