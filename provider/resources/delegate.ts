import type * as pulumi from "@pulumi/pulumi";

type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * Pulumi serializes a dynamic provider's functions into the state. Ours capture only a module path
 * and an export name, and load the real implementation at run time: the state stays small, holds
 * no captured values, and the provider code is the installed one. Only the methods the
 * implementation has are offered, so the engine's defaults apply to the others.
 */
export function delegatingProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
  const impl = require(modulePath)[exportName] as pulumi.dynamic.ResourceProvider;
  const has = (m: Method) => typeof impl[m] === "function";
  const provider: Partial<pulumi.dynamic.ResourceProvider> = {};
  if (has("check")) provider.check = (olds, news) => require(modulePath)[exportName].check(olds, news);
  if (has("diff")) provider.diff = (id, olds, news) => require(modulePath)[exportName].diff(id, olds, news);
  provider.create = (inputs) => require(modulePath)[exportName].create(inputs);
  if (has("read")) provider.read = (id, props) => require(modulePath)[exportName].read(id, props);
  if (has("update")) provider.update = (id, olds, news) => require(modulePath)[exportName].update(id, olds, news);
  if (has("delete")) provider.delete = (id, props) => require(modulePath)[exportName].delete(id, props);
  return provider as pulumi.dynamic.ResourceProvider;
}
