/** sev-host-machine-slice-limit */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { NAMES, TYPES, hostKey, isObject, message, plain } from "./common";

export const machineSliceLimit: ResourceValidationPolicy = {
  name: NAMES.machineSliceLimit,
  description:
    "Every SevHost must set a machine.slice memory limit (memoryLimit with limit or reserve): SEV guests lock their memory, so the host OS needs a guaranteed share.",
  enforcementLevel: "mandatory",
  severity: "medium",
  validateResource: (args, report) => {
    if (args.type !== TYPES.host) return;
    const props = plain(args.props);
    const host = isObject(props) ? props : {};
    const limit = host.memoryLimit;
    if (isObject(limit) && (limit.limit !== undefined || limit.reserve !== undefined)) return;
    const where = typeof host.address === "string" ? ` (${hostKey(host)})` : "";
    report(
      message(
        `SevHost ${args.name}${where}`,
        limit === undefined ? "no memoryLimit: machine.slice is left unlimited" : `memoryLimit ${JSON.stringify(limit)} without limit or reserve`,
        "memoryLimit with limit (the machine.slice MemoryMax itself) or reserve (MemTotal minus the memory kept for the host OS): SEV guests lock all their memory, so without a limit they can starve the host",
        `add memoryLimit: { reserve: "16G" } (or { limit: "<size>" }) to SevHost ${args.name}`,
      ),
    );
  },
};
