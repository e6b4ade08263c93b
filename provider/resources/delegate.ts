import type * as implementations from "./dynamic";

export type ProviderName = keyof typeof implementations;

/**
 * What the state keeps as a resource's serialized provider (its `__provider`, once in its inputs
 * and once in its outputs), and what refresh and delete run later, in another process, possibly
 * from another checkout or machine. The dynamic provider host loads it as a module and calls its
 * `handler` for the provider (@pulumi/pulumi's cmd/dynamic-provider). Ours is written here rather
 * than made by Pulumi's closure serializer (2.7 KB of wrappers per resource, twice): it names the
 * code by package, never by path, loads `pulumi-sev/dynamic` from the running Pulumi project's
 * node_modules and returns the installed implementation. The text is the same wherever the
 * program runs, about 300 bytes, and holds no captured values.
 */
export function providerText(name: ProviderName): string {
  return (
    `exports.handler=()=>{try{return require("pulumi-sev/dynamic").${name}}catch(e){throw new Error("pulumi-sev: cannot load the provider package from the Pulumi project in "+process.cwd()+": "+e.message+". ` +
    `Fix: npm install pulumi-sev there and run pulumi from that folder; with the Automation API, pass the folder where pulumi-sev is installed as workDir")}}`
  );
}
