import type * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi serializes a dynamic provider's functions into the state. Ours capture only a module path
 * and an export name, and load the real implementation at run time: the state stays small, holds
 * no captured values, and the provider code is the installed one.
 */
export function delegatingProvider(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds, news) => require(modulePath)[exportName].check(olds, news),
    diff: (id, olds, news) => require(modulePath)[exportName].diff(id, olds, news),
    create: (inputs) => require(modulePath)[exportName].create(inputs),
    read: (id, props) => require(modulePath)[exportName].read(id, props),
    update: (id, olds, news) => require(modulePath)[exportName].update(id, olds, news),
    delete: (id, props) => require(modulePath)[exportName].delete(id, props),
  };
}
