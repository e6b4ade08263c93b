/**
 * The resource types this package registers: the one home of their names, read by the resource
 * classes (which register them as dynamic resources of module "sev"), the providers, the policy
 * pack (which sees each resource by its full type) and the tests.
 */

/** The module every pulumi-sev resource is registered under. */
export const RESOURCE_MODULE = "sev";

/** Each resource's type name within the module. */
export const RESOURCE_NAMES = { host: "SevHost", flavor: "SevFlavor", guest: "SevGuest", slotPlan: "SevSlotPlan" } as const;

/** The full type the engine records for a dynamic resource of `name` (pulumi-nodejs:dynamic/MODULE:NAME). */
function dynamicType<N extends string>(name: N): `pulumi-nodejs:dynamic/${typeof RESOURCE_MODULE}:${N}` {
  return `pulumi-nodejs:dynamic/${RESOURCE_MODULE}:${name}`;
}

/** Each resource's full type, as the engine, `pulumi stack export` and CrossGuard see it. */
export const RESOURCE_TYPES = {
  host: dynamicType(RESOURCE_NAMES.host),
  flavor: dynamicType(RESOURCE_NAMES.flavor),
  guest: dynamicType(RESOURCE_NAMES.guest),
  slotPlan: dynamicType(RESOURCE_NAMES.slotPlan),
} as const;
