import type * as pulumi from "@pulumi/pulumi";
import * as implementations from "./dynamic";

type ProviderName = keyof typeof implementations;
type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * Pulumi serializes a dynamic provider's functions into the state, and later runs them in another
 * process, possibly from another checkout or machine. Ours name the code by package, never by
 * path: each method loads `pulumi-sev/dynamic` from the running Pulumi project's node_modules and
 * calls the installed implementation. The serialized text is the same wherever the program runs,
 * small, and holds no captured values. Only the methods the implementation has are offered, so the
 * engine's defaults apply to the others.
 */
export function delegatingProvider(name: ProviderName): pulumi.dynamic.ResourceProvider {
  const impl = implementations[name] as pulumi.dynamic.ResourceProvider;
  const has = (m: Method) => typeof impl[m] === "function";
  const provider: Partial<pulumi.dynamic.ResourceProvider> = {};
  if (has("check")) provider.check = (olds, news) => installed(name).check!(olds, news);
  if (has("diff")) provider.diff = (id, olds, news) => installed(name).diff!(id, olds, news);
  provider.create = (inputs) => installed(name).create(inputs);
  if (has("read")) provider.read = (id, props) => installed(name).read!(id, props);
  if (has("update")) provider.update = (id, olds, news) => installed(name).update!(id, olds, news);
  if (has("delete")) provider.delete = (id, props) => installed(name).delete!(id, props);
  return provider as pulumi.dynamic.ResourceProvider;
}

/** Serialized with the provider: keep it self-contained (no imports, no module-level names). */
function installed(name: string): pulumi.dynamic.ResourceProvider {
  let pkg: Record<string, pulumi.dynamic.ResourceProvider>;
  try {
    pkg = require("pulumi-sev/dynamic");
  } catch (err) {
    throw new Error(
      `pulumi-sev: cannot load the provider package from the Pulumi project in ${process.cwd()}: ${(err as Error).message}. ` +
        "Fix: install it in this project (npm install pulumi-sev) and run pulumi from the project's folder; " +
        "with the Automation API, pass the folder where pulumi-sev is installed as workDir " +
        "(LocalWorkspace.createOrSelectStack({ stackName, projectName, program }, { workDir })).",
    );
  }
  return pkg[name];
}
